from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from pmsystem.http import register_id_converter

        from . import security_log

        security_log.connect()
        # Before any URLconf is loaded: every project route spells its ids `<id:...>`.
        register_id_converter()
