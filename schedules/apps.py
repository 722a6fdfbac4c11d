from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "schedules"
    verbose_name = _("Special schedules")

    def ready(self) -> None:
        from pmsystem import registry

        from . import pending, selectors

        registry.register_pending(pending)
        registry.register_team_staff_extra(selectors.team_staff_extra)
