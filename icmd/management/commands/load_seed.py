from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from forums.seed import load_forums
from icmd.seed import load_pages
from projects.seed import load_catalogue


class Command(BaseCommand):
    help = (
        "Load the seed catalogue, forums and site pages from fixtures/. Rows already present "
        "(matched by slug) are left as they are, except that translations they lack are "
        "filled in from the files; running it again creates nothing."
    )

    def handle(self, *args, **options):
        fixtures = settings.BASE_DIR / "fixtures"
        catalogue = load_catalogue(fixtures / "catalogue.json")
        pages = load_pages(fixtures / "pages")
        forums = load_forums(fixtures / "forums.json")
        if options["verbosity"] > 0:
            filled = sum(report.translations_filled for report in (catalogue, pages, forums))
            self.stdout.write(
                f"Seed loaded: created {catalogue}, {pages}, {forums}; "
                f"filled {filled} missing translations."
            )
        call_command("rebuild_search_index", verbosity=options["verbosity"])
