from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from icmd.backups import BackupError, connection_params, describe, restore
from icmd.management.commands.backup import media_root


class Command(BaseCommand):
    help = (
        "Restore a folder made by `backup`: the database into the configured one (or "
        "--database-url), the uploaded files into MEDIA_ROOT (or --media-root). Refuses a "
        "database that has tables, or a files folder that has files, unless --force. The "
        "database is restored in one transaction: a failed restore changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", type=Path, help="A backup folder, e.g. var/backups/20250101-020000"
        )
        parser.add_argument(
            "--database-url",
            help="Restore into this database (postgres://user:password@host:5432/name) "
            "instead of the configured one. It must exist.",
        )
        parser.add_argument(
            "--media-root",
            type=Path,
            help="Restore the uploaded files into this folder instead of MEDIA_ROOT.",
        )
        parser.add_argument(
            "--no-media", action="store_true", help="Do not restore the uploaded files."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace what the database and the files folder hold (the database's "
            "public schema is emptied first).",
        )

    def handle(self, *args, **options):
        if options["database_url"]:
            database = dj_database_url.parse(options["database_url"])
        else:
            database = connections[DEFAULT_DB_ALIAS].settings_dict
        files_to = None if options["no_media"] else options["media_root"] or media_root()
        try:
            result = restore(
                folder=options["folder"],
                database=database,
                media_root=files_to,
                force=options["force"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 0:
            files = (
                "no uploaded files"
                if result.media_files is None
                else f"{result.media_files} uploaded files into {files_to}"
            )
            self.stdout.write(
                f"Restored {result.tables} tables ({result.rows} rows, as many as in the "
                f"backup) into {describe(connection_params(database))}, and {files}. "
                "If this code is newer than the backup, run `manage.py migrate` next."
            )
