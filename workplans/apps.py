from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplansConfig(AppConfig):
    name = "workplans"
    verbose_name = _("Workplans")

    def ready(self) -> None:
        from pmsystem import registry

        from . import pending

        registry.register_pending(pending)
