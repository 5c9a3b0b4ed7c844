from django.core.management.base import BaseCommand

from icmd import search_index


class Command(BaseCommand):
    help = (
        "Rebuild the site search index from scratch: every published project, listed "
        "organisation, visible topic and reply, published blog post and news item. Saves "
        "keep it up to date; run this after bulk imports or changes made in SQL."
    )

    def handle(self, *args, **options):
        report = search_index.rebuild()
        if options["verbosity"] > 0:
            figures = ", ".join(f"{count} {name}" for name, count in report.items())
            self.stdout.write(f"Search index rebuilt: {figures}.")
