from django.apps import AppConfig


class RebuttalsConfig(AppConfig):
    name = "rebuttals"

    def ready(self) -> None:
        from pmsystem import registry

        from . import drafts, pending, selectors

        registry.register_pending(pending)
        # Long forms keep what is typed as a draft (pmsystem.drafts).
        for form in drafts.FORMS:
            registry.register_draft_form(form)
        # The evaluation page (appraisals, built below this app) shows the document's case.
        registry.register_evaluation_extra(selectors.evaluation_extra)
        # My tasks asks for the cases only of a HOD, an HR focal point or a panel's chair.
        registry.register_request_flag("chairs_a_panel", selectors.chairs_a_panel)
