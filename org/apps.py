from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import security_log
        from .models import User
        from .selectors import forget_shared_names

        security_log.connect()
        # Not a rule: the cache of names borne twice (`org.selectors.shared_names`) is
        # forgotten whenever an account is written, whichever route writes it.
        post_save.connect(forget_shared_names, sender=User, dispatch_uid="shared-names-save")
        post_delete.connect(forget_shared_names, sender=User, dispatch_uid="shared-names-del")
