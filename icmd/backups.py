"""Backups of the portal: the database (``pg_dump``, custom format) and the uploaded files
(a tar of ``MEDIA_ROOT``), together in one folder, and their restore.

A backup folder holds:

- ``database.dump``: ``pg_dump -Fc`` of the whole database;
- ``media.tar``: the uploaded files, when ``MEDIA_ROOT`` is set and exists;
- ``manifest.json``: when it was made, from which database, the number of rows of every
  table, and the size and SHA-256 of each file.

The rows are counted in the very snapshot ``pg_dump`` reads (an exported snapshot), so
the counts are exactly those of the dump even while people keep writing; a restore checks
the files against their checksums before touching anything, runs in one transaction
(a failed restore changes nothing), and compares every table's rows with the manifest.

The folder is written as ``<name>.partial`` and renamed when complete: a backup
interrupted half-way never looks like a finished one.
"""

import glob
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

FORMAT = "icmd-backup/1"
DUMP_FILE = "database.dump"
MEDIA_FILE = "media.tar"
MANIFEST_FILE = "manifest.json"
NAME_FORMAT = "%Y%m%d-%H%M%S"

# libpq's connection keywords, and the environment variables the command-line tools read
# them from (the password never appears on a command line).
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslpassword": "PGSSLPASSWORD",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or a restore that cannot be done, with what to do about it."""


def find_program(name: str) -> str:
    """``pg_dump``, ``pg_restore`` or ``psql``: on PATH, else the newest of Debian's
    ``/usr/lib/postgresql/<version>/bin`` (as icmd/localdb.py finds the server)."""
    on_path = shutil.which(name)
    if on_path:
        return on_path

    def version(path: str) -> int:
        folder = Path(path).parent.parent.name
        return int(folder) if folder.isdigit() else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"{name} not found: install the PostgreSQL client programs "
        "(Debian/Ubuntu: apt-get install postgresql-client) or put them on PATH."
    )


def connection_params(database: dict) -> dict[str, str]:
    """libpq keywords for a Django ``DATABASES`` entry: NAME, USER, PASSWORD, HOST and
    PORT, and the OPTIONS libpq knows (a Unix socket folder may be ``OPTIONS["host"]``,
    as ``?host=/path`` in ``DATABASE_URL`` gives)."""
    params = {
        key: str(value)
        for key, value in (database.get("OPTIONS") or {}).items()
        if key in LIBPQ_ENVIRONMENT and value not in (None, "")
    }
    for key, setting in (
        ("dbname", "NAME"),
        ("user", "USER"),
        ("password", "PASSWORD"),
        ("host", "HOST"),
        ("port", "PORT"),
    ):
        if database.get(setting):
            params[key] = str(database[setting])
    return params


def describe(params: dict[str, str]) -> str:
    """'"icmd" on /srv/run': which database, for messages (never the password)."""
    where = params.get("host") or "localhost"
    if params.get("port"):
        where += f":{params['port']}"
    return f'"{params.get("dbname", "")}" on {where}'


def tool_environment(params: dict[str, str]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, value in params.items():
        environment[LIBPQ_ENVIRONMENT[key]] = value
    return environment


def connect(params: dict[str, str], **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(**params, **kwargs)
    except psycopg.OperationalError as error:
        message = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        if "does not exist" in message and params.get("dbname", "") in message:
            raise BackupError(
                f"The database {describe(params)} does not exist: create it first "
                f"(createdb {params.get('dbname', '')}), then run the restore again."
            ) from error
        raise BackupError(
            f"Cannot connect to the database {describe(params)}: {message}"
        ) from error


def user_tables(cursor) -> list[tuple[str, str]]:
    """Every table of the database outside PostgreSQL's own schemas, as (schema, name)."""
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
        "AND schemaname NOT LIKE 'pg\\_%' ORDER BY schemaname, tablename"
    )
    return [(schema, name) for schema, name in cursor.fetchall()]


def row_counts(cursor) -> dict[str, int]:
    """``{"public.projects_project": 16, …}`` for every table."""
    counts = {}
    for schema, name in user_tables(cursor):
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(name)
            )
        )
        counts[f"{schema}.{name}"] = cursor.fetchone()[0]
    return counts


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(args: list[str], environment: dict[str, str], what: str) -> str:
    result = subprocess.run(args, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def _add_media(media_root: Path, archive: Path) -> int:
    """Tar the files under ``media_root`` (paths relative to it); return how many."""
    count = 0
    with tarfile.open(archive, "w") as tar:
        for path in sorted(media_root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                count += 1
    return count


@dataclass
class BackupResult:
    folder: Path
    tables: int
    rows: int
    media_files: int | None  # None: no uploaded files folder to back up


def backup(
    *, database: dict, media_root: Path | None, into: Path, now: datetime | None = None
) -> BackupResult:
    """Back up ``database`` (a ``DATABASES`` entry) and the files under ``media_root``
    into a new folder ``<into>/<YYYYmmdd-HHMMSS>``."""
    params = connection_params(database)
    pg_dump = find_program("pg_dump")
    now = now or datetime.now(UTC)
    into.mkdir(parents=True, exist_ok=True)
    folder = into / now.strftime(NAME_FORMAT)
    if folder.exists():
        raise BackupError(f"{folder} already exists: wait a second and run the backup again.")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)  # members' addresses and password hashes: for its owner only
    try:
        # The rows are counted in the snapshot pg_dump then reads: the transaction that
        # exports it stays open until the dump is done.
        with connect(params, autocommit=False) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
                counts = row_counts(cursor)
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--file",
                        str(partial / DUMP_FILE),
                    ],
                    tool_environment(params),
                    "pg_dump",
                )
            connection.rollback()
        files = {DUMP_FILE: partial / DUMP_FILE}
        media_files = None
        if media_root and media_root.is_dir():
            media_files = _add_media(media_root, partial / MEDIA_FILE)
            files[MEDIA_FILE] = partial / MEDIA_FILE
        manifest = {
            "format": FORMAT,
            "created": now.isoformat(timespec="seconds"),
            "database": {"name": params.get("dbname", ""), "server_version": server_version},
            "pg_dump": _run([pg_dump, "--version"], dict(os.environ), "pg_dump").strip(),
            "media_files": media_files,
            "tables": counts,
            "files": {
                name: {"size": path.stat().st_size, "sha256": checksum(path)}
                for name, path in files.items()
            },
        }
        (partial / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(folder, len(counts), sum(counts.values()), media_files)


def backups_in(folder: Path) -> list[Path]:
    """The complete backups in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        try:
            datetime.strptime(path.name, NAME_FORMAT)
        except ValueError:
            continue
        if (path / MANIFEST_FILE).is_file():
            found.append(path)
    return sorted(found)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest backups in ``folder``; return those deleted."""
    old = backups_in(folder)[:-keep] if keep > 0 else []
    for path in old:
        shutil.rmtree(path)
    return old


def read_manifest(folder: Path) -> dict:
    """The manifest of the backup in ``folder``, after checking its files are intact."""
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder: give the folder made by `backup`.")
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(
            f"{folder} holds no readable {MANIFEST_FILE}: is it a folder made by `backup`?"
        ) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST_FILE} is not a backup manifest of this portal.")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {path} is missing.")
        if path.stat().st_size != expected["size"] or checksum(path) != expected["sha256"]:
            raise BackupError(f"The backup is damaged: {path} does not match its checksum.")
    return manifest


@dataclass
class RestoreResult:
    tables: int
    rows: int
    media_files: int | None  # None: the files were not restored


def restore(
    *,
    folder: Path,
    database: dict,
    media_root: Path | None,
    force: bool = False,
) -> RestoreResult:
    """Restore the backup in ``folder`` into ``database`` (a ``DATABASES`` entry) and its
    files into ``media_root`` (None: not restored).

    Refuses a database that has tables, or a files folder with files in it, unless
    ``force``: then the database's ``public`` schema (where the portal keeps everything)
    is emptied first, in the same transaction as the restore, and the files are written
    over those there."""
    manifest = read_manifest(folder)
    params = connection_params(database)
    pg_restore, psql = find_program("pg_restore"), find_program("psql")
    with connect(params, autocommit=True) as connection, connection.cursor() as cursor:
        tables = user_tables(cursor)
    restore_media = media_root is not None and MEDIA_FILE in manifest["files"]
    media_in_place = restore_media and media_root.is_dir() and any(media_root.iterdir())
    if not force and (tables or media_in_place):
        what = []
        if tables:
            what.append(f"the database {describe(params)} has {len(tables)} tables")
        if media_in_place:
            what.append(f"the uploaded files folder {media_root} is not empty")
        raise BackupError(
            f"Nothing restored: {' and '.join(what)}, which the restore would replace. "
            "Add --force to replace them, or restore into an empty database "
            "(--database-url) and files folder (--media-root)."
        )

    commands = []
    if tables:
        commands += ["-c", "DROP SCHEMA IF EXISTS public CASCADE", "-c", "CREATE SCHEMA public"]
    # pg_restore writes the SQL, psql runs it with whatever came before in one transaction:
    # either everything is restored, or nothing changes.
    with tempfile.TemporaryFile() as restore_errors:
        producer = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(folder / DUMP_FILE)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=tool_environment(params),
        )
        consumer = subprocess.run(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                *commands,
                "--file=-",
            ],
            stdin=producer.stdout,
            capture_output=True,
            text=True,
            env=tool_environment(params),
        )
        producer.stdout.close()
        producer.wait()
        restore_errors.seek(0)
        produced_errors = restore_errors.read().decode(errors="replace").strip()
    if consumer.returncode != 0 or producer.returncode != 0:
        detail = consumer.stderr.strip() or produced_errors
        raise BackupError(f"Nothing restored into {describe(params)}: {detail}")

    media_files = None
    if restore_media:
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(folder / MEDIA_FILE) as tar:
            members = [member for member in tar.getmembers() if member.isfile()]
            tar.extractall(media_root, members=members, filter="data")
        media_files = len(members)

    with connect(params, autocommit=True) as connection, connection.cursor() as cursor:
        counts = row_counts(cursor)
    expected = manifest["tables"]
    differences = [
        f"{table}: {expected.get(table)} in the backup, {counts.get(table)} restored"
        for table in sorted(set(expected) | set(counts))
        if expected.get(table) != counts.get(table)
    ]
    if differences:
        raise BackupError(
            "The restored database differs from the backup: " + "; ".join(differences)
        )
    return RestoreResult(len(counts), sum(counts.values()), media_files)
