from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from icmd.backups import BackupError, backup, prune


def media_root() -> Path | None:
    """The uploaded files folder, when the settings name one."""
    return Path(settings.MEDIA_ROOT) if settings.MEDIA_ROOT else None


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the uploaded files (MEDIA_ROOT) "
        "into a new folder named after the time (UTC), under var/backups/ unless --dir is "
        "given. Prints the folder made on the last line. Restore it with `restore <folder>`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=settings.BASE_DIR / "var" / "backups",
            help="Folder in which the backup folder is made (default: var/backups/).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            metavar="N",
            help="Then delete all but the N newest backups in that folder (default: keep all).",
        )

    def handle(self, *args, **options):
        if options["keep"] < 0:
            raise CommandError("--keep is a number of backups to keep, 1 or more.")
        try:
            result = backup(
                database=connections[DEFAULT_DB_ALIAS].settings_dict,
                media_root=media_root(),
                into=options["dir"],
            )
            deleted = prune(options["dir"], options["keep"]) if options["keep"] else []
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 0:
            files = (
                "no uploaded files folder (MEDIA_ROOT) to back up"
                if result.media_files is None
                else f"{result.media_files} uploaded files"
            )
            self.stdout.write(f"Backed up {result.tables} tables ({result.rows} rows) and {files}.")
            for path in deleted:
                self.stdout.write(f"Deleted the older backup {path}.")
        self.stdout.write(str(result.folder))
