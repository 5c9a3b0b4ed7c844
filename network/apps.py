from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("M4D Net")

    def ready(self):
        from allauth.account.signals import email_confirmed

        from network import notifications

        email_confirmed.connect(notifications.email_confirmed, dispatch_uid="network")
