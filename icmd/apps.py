from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IcmdConfig(AppConfig):
    name = "icmd"
    verbose_name = _("Site pages")
