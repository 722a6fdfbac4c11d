from django.apps import AppConfig


class RebuttalsConfig(AppConfig):
    name = "rebuttals"

    def ready(self) -> None:
        from pmsystem import registry

        from . import pending, selectors

        registry.register_pending(pending)
        # The evaluation page (appraisals, built below this app) shows the document's case.
        registry.register_evaluation_extra(selectors.evaluation_extra)
