from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalsConfig(AppConfig):
    name = "appraisals"
    verbose_name = _("Appraisals")

    def ready(self) -> None:
        from pmsystem import registry

        from . import drafts, pending, selectors

        registry.register_pending(pending)
        # Long forms keep what is typed as a draft (pmsystem.drafts).
        for form in drafts.FORMS:
            registry.register_draft_form(form)
        # My team (workplans, built below this app) shows the open PIP of each document.
        registry.register_team_extra(selectors.team_extra)
