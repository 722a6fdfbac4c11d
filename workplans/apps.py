from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplansConfig(AppConfig):
    name = "workplans"
    verbose_name = _("Workplans")

    def ready(self) -> None:
        # Connects the receiver that re-derives document grants when reporting lines change,
        # also in processes that never load the views (e.g. `manage.py import_org`).
        from . import permissions  # noqa: F401
