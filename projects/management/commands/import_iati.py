"""``manage.py import_iati FILE``: create or update projects from an IATI 2.03 activities file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.iati import FileImport, ImportReport, InvalidIATIFile, Outcome


class Command(BaseCommand):
    help = (
        "Create or update projects and organisations from an IATI 2.03 activities file "
        "(such as the portal's own IATI export) and report each activity's outcome. A file "
        "that is not valid against the IATI schema changes nothing; a valid one is applied "
        "in batches, each its own transaction, so that the site is never held for long."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the IATI activities file (XML)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what the import would do, without saving anything",
        )

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            source = file.open("rb")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from None
        with source:
            file_import = FileImport(source, dry_run=dry_run)
            try:
                file_import.check()
            except InvalidIATIFile as invalid:
                raise CommandError(
                    "\n".join([f"{file}: {invalid.message}", *invalid.errors])
                ) from None
            # Each activity's outcome is written as its batch is done, not kept.
            report = ImportReport(dry_run=dry_run, keep_outcomes=False)

            def write_batch(outcomes):
                report.add(outcomes)
                for item in outcomes:
                    self.write_outcome(item)

            file_import.apply(write_batch)
        self.stdout.write(report.summary)

    def write_outcome(self, item) -> None:
        styles = {
            Outcome.CREATED: self.style.SUCCESS,
            Outcome.UPDATED: self.style.SUCCESS,
            Outcome.UNCHANGED: str,
            Outcome.SKIPPED: self.style.WARNING,
        }
        details = " ".join(filter(None, [item.reason, *item.notes]))
        line = f"{item.identifier or '?'}: {item.outcome}" + (f" ({details})" if details else "")
        self.stdout.write(styles[item.outcome](line))
