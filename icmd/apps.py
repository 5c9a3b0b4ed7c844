from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IcmdConfig(AppConfig):
    name = "icmd"
    verbose_name = _("Site pages")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from icmd import cache_sections, home, navigation
        from icmd.models import Page
        from network.accounts import register_terms_version

        # The home page's cached blocks are forgotten when what they show changes.
        home.connect()
        # Whole pages kept for visitors are rendered again when what they show changes.
        cache_sections.connect()
        # A new session starts with what the member's menu needs.
        user_logged_in.connect(navigation.on_logged_in, dispatch_uid="navigation-logged-in")
        # New members accept the version of the terms of use the site's pages hold.
        register_terms_version(lambda: Page.objects.terms_version())
