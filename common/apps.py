from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Helpers shared by every app (text rendering, template filters, the email outbox,
    double-submission guard); they know no domain."""

    name = "common"
