from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from . import security_log

        security_log.connect()
