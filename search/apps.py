from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self):
        # Every change to what the site search indexes is indexed again after commit.
        from search import scheduling

        scheduling.connect()
