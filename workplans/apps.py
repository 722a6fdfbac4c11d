from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplansConfig(AppConfig):
    name = "workplans"
    verbose_name = _("Workplans")

    def ready(self) -> None:
        from pmsystem import registry

        from . import drafts, pending, selectors

        registry.register_pending(pending)
        # My tasks asks for the requests to be additional supervisor only of those asked.
        registry.register_request_flag("asked_to_supervise", selectors.asked_to_supervise)
        # Long forms keep what is typed as a draft (pmsystem.drafts).
        for form in drafts.FORMS:
            registry.register_draft_form(form)
