from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Helpers shared by every app (text rendering, template filters); no models."""

    name = "common"
