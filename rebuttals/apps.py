from django.apps import AppConfig


class RebuttalsConfig(AppConfig):
    name = "rebuttals"
