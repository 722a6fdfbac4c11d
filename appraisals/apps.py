from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalsConfig(AppConfig):
    name = "appraisals"
    verbose_name = _("Appraisals")

    def ready(self) -> None:
        from pmsystem import registry

        from . import pending, selectors

        registry.register_pending(pending)
        # My team (workplans, built below this app) shows the open PIP of each document.
        registry.register_team_extra(selectors.team_extra)
