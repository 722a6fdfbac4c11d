from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation and the benchmark (`manage.py seed_demo`, `manage.py bench`):
    development tools, installed by the default settings, never in production."""

    name = "demo"
    verbose_name = "Demo and benchmark"
