from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IcmdConfig(AppConfig):
    name = "icmd"
    verbose_name = _("Site pages")

    def ready(self):
        # The site search's stored index follows every change to what it indexes.
        from icmd import search_index

        search_index.connect()
