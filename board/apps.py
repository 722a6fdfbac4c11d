from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = _("Review board")

    def ready(self) -> None:
        from pmsystem import registry

        from . import selectors

        # The board's comments on the evaluation page, for the people docs/rules.md names.
        registry.register_evaluation_section(selectors.evaluation_section)
