"""``manage.py import_iati FILE``: create or update projects from an IATI 2.03 activities file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.iati import InvalidIATIFile, Outcome, import_activities


class Command(BaseCommand):
    help = (
        "Create or update projects and organisations from an IATI 2.03 activities file "
        "(such as the portal's own IATI export) and report each activity's outcome. A file "
        "that is not valid against the IATI schema changes nothing."
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
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from None
        try:
            report = import_activities(data, dry_run=dry_run)
        except InvalidIATIFile as invalid:
            raise CommandError("\n".join([f"{file}: {invalid.message}", *invalid.errors])) from None
        styles = {
            Outcome.CREATED: self.style.SUCCESS,
            Outcome.UPDATED: self.style.SUCCESS,
            Outcome.UNCHANGED: str,
            Outcome.SKIPPED: self.style.WARNING,
        }
        for item in report.outcomes:
            details = " ".join(filter(None, [item.reason, *item.notes]))
            line = f"{item.identifier or '?'}: {item.outcome}" + (
                f" ({details})" if details else ""
            )
            self.stdout.write(styles[item.outcome](line))
        self.stdout.write(report.summary)
