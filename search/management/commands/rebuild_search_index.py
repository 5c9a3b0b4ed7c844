from django.core.management.base import BaseCommand

from search import indexing


class Command(BaseCommand):
    help = (
        "Rebuild the site search index: every published project, listed organisation, "
        "visible topic and reply, published blog post and news item written again, and what "
        "is no longer public removed, in short batches (searching and saving go on meanwhile). "
        "Saves keep the index up to date through the background worker; run this after "
        "changes made in SQL or while the worker was not running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=indexing.BATCH_SIZE,
            help="Rows written per transaction (default: %(default)s).",
        )

    def handle(self, *args, **options):
        def progress(model, count):
            self.stdout.write(f"  {count} {model._meta.verbose_name_plural}")

        report = indexing.rebuild(
            batch_size=max(1, options["batch_size"]),
            on_batch=progress if options["verbosity"] > 1 else None,
        )
        if options["verbosity"] > 0:
            figures = ", ".join(f"{count} {name}" for name, count in report.items())
            self.stdout.write(f"Search index rebuilt: {figures}.")
