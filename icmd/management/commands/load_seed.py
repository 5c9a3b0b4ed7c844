from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from forums.seed import load_forums
from icmd.seed import load_pages
from projects.seed import load_catalogue


class Command(BaseCommand):
    help = (
        "Load the seed catalogue and site pages from fixtures/. Rows already present "
        "(matched by slug) are left untouched, so running it again creates nothing."
    )

    def handle(self, *args, **options):
        fixtures = settings.BASE_DIR / "fixtures"
        report = load_catalogue(fixtures / "catalogue.json")
        pages = load_pages(fixtures / "pages")
        forums = load_forums(fixtures / "forums.json")
        if options["verbosity"] > 0:
            self.stdout.write(f"Seed loaded: created {report}, {pages} pages, {forums} forums.")
        call_command("rebuild_search_index", verbosity=options["verbosity"])
