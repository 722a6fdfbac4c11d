from django.apps import AppConfig


class WorkplansConfig(AppConfig):
    name = "workplans"

    def ready(self) -> None:
        # Connects the receiver that re-derives document grants when reporting lines change,
        # also in processes that never load the views (e.g. `manage.py import_org`).
        from . import permissions  # noqa: F401
