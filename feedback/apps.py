from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from pmsystem import registry

        from . import pending, selectors, signing

        registry.register_pending(pending)
        # My tasks asks for colleagues' requests only of those asked one.
        registry.register_request_flag("asked_as_colleague", selectors.asked_as_colleague)
        # Colleagues' signed answers are re-verified with the documents' signatures.
        registry.register_signature_check(signing.verify_colleague_answers)
        # The manager's evaluation (appraisals, built below this app) shows their upward
        # feedback to their FRO and SRO.
        registry.register_evaluation_section(selectors.evaluation_section)
        # Colleague feedback: on the evaluation and in the PDF, for those who read it.
        registry.register_evaluation_section(selectors.colleague_section)
        registry.register_pdf_section(selectors.colleague_pdf_section)
        # Recognition notes the staff member attached to their document.
        registry.register_evaluation_section(selectors.recognition_section)
        registry.register_pdf_section(selectors.recognition_section)
