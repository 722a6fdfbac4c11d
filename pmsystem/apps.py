from django.apps import AppConfig


class PmsystemConfig(AppConfig):
    """What every stage shares: the stage and freeze tables, the workflow machine, the
    registry, the admin base classes, template filters, the id path converter."""

    name = "pmsystem"
    verbose_name = "pmsystem"

    def ready(self) -> None:
        from .http import register_id_converter

        # Before any URLconf is loaded: every project route spells its ids `<id:...>`.
        register_id_converter()
