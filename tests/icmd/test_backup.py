"""`manage.py backup` and `manage.py restore`: a backup restored into a new database holds
every table with the same rows, and the uploaded files; a restore never overwrites a
database (or files) by surprise, and a damaged backup is refused before anything changes."""

from io import StringIO
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from icmd.backups import DUMP_FILE, connection_params
from network.models import Member
from projects.models import Project
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory

# The backup reads the database from another connection: the test's rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

REPORT = b"%PDF-1.4\nRapport final du projet.\n"


def url_of(database: str) -> str:
    """A DATABASE_URL for ``database`` on the test server, as staff would write it."""
    params = connection_params(connection.settings_dict)
    user = quote(params.get("user", ""))
    password = f":{quote(params['password'])}" if params.get("password") else ""
    host, port = params.get("host", "localhost"), params.get("port", "")
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{database}?host={host}" + (
            f"&port={port}" if port else ""
        )
    return f"postgres://{user}{password}@{host}:{port or 5432}/{database}"


def on_server(statement: sql.Composable) -> None:
    params = {**connection_params(connection.settings_dict), "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as server:
        server.execute(statement)


@pytest.fixture
def new_database():
    """An empty database beside the test one, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    on_server(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    on_server(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    on_server(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def open_database(name: str) -> psycopg.Connection:
    return psycopg.connect(**{**connection_params(connection.settings_dict), "dbname": name})


def tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def row_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in tables(cursor):
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


def back_up(folder: Path) -> Path:
    out = StringIO()
    call_command("backup", dir=folder, stdout=out)
    return Path(out.getvalue().strip().splitlines()[-1])


def restore(backup: Path, *args, **options) -> str:
    out = StringIO()
    call_command("restore", str(backup), *args, stdout=out, **options)
    return out.getvalue()


def test_a_backup_restored_into_a_new_database_holds_every_row_and_file(
    seed_copy, settings, tmp_path, new_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    stored = default_storage.save("library/rapport-final.pdf", ContentFile(REPORT))
    member = MemberFactory(email="awa.diop@example.org", name="Awa Diop")
    with connection.cursor() as cursor:
        expected = row_counts(cursor)
    assert expected["public.projects_project"] == 16
    upala = Project.objects.get(slug="upala-inclusive-human-development")

    backup = back_up(tmp_path / "backups")
    output = restore(backup, database_url=url_of(new_database), media_root=tmp_path / "restored")

    assert backup.parent == tmp_path / "backups"
    assert {path.name for path in backup.iterdir()} == {DUMP_FILE, "media.tar", "manifest.json"}
    assert "Restored" in output
    with open_database(new_database) as restored, restored.cursor() as cursor:
        assert row_counts(cursor) == expected
        cursor.execute(
            "SELECT title_fr, title_en, title_es FROM projects_project WHERE slug = %s",
            [upala.slug],
        )
        assert cursor.fetchone() == (upala.title_fr, upala.title_en, upala.title_es)
        cursor.execute("SELECT email, name FROM network_member WHERE id = %s", [member.pk])
        assert cursor.fetchone() == ("awa.diop@example.org", "Awa Diop")
    assert (tmp_path / "restored" / stored).read_bytes() == REPORT

    # Restoring again is refused: the database now has tables, and the folder files.
    with pytest.raises(CommandError, match="--force") as refusal:
        restore(backup, database_url=url_of(new_database), media_root=tmp_path / "restored")
    assert new_database in str(refusal.value)
    assert "not empty" in str(refusal.value)

    # With --force, what the database holds is replaced, whatever was added since.
    with open_database(new_database) as restored:
        restored.execute("CREATE TABLE added_since (id int)")
        restored.execute("DELETE FROM projects_partnership")
    restore(backup, database_url=url_of(new_database), media_root=tmp_path / "restored", force=True)
    with open_database(new_database) as restored, restored.cursor() as cursor:
        assert row_counts(cursor) == expected


def test_a_restore_over_the_configured_database_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ProjectFactory(partners=[OrganisationFactory()])
    backup = back_up(tmp_path / "backups")
    MemberFactory(email="after.the.backup@example.org")

    with pytest.raises(CommandError, match="has [0-9]+ tables.*Add --force"):
        restore(backup)

    assert Member.objects.filter(email="after.the.backup@example.org").exists()


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path, new_database):
    ProjectFactory()
    backup = back_up(tmp_path / "backups")
    dump = backup / DUMP_FILE
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    dump.write_bytes(bytes(damaged))

    with pytest.raises(CommandError, match="damaged"):
        restore(backup, database_url=url_of(new_database), no_media=True)

    with open_database(new_database) as restored, restored.cursor() as cursor:
        assert tables(cursor) == []


def test_a_database_that_does_not_exist_is_named_with_what_to_do(tmp_path):
    ProjectFactory()
    backup = back_up(tmp_path / "backups")

    with pytest.raises(CommandError, match="does not exist: create it first"):
        restore(backup, database_url=url_of("icmd_no_such_database"), no_media=True)


def test_old_backups_are_deleted_beyond_those_to_keep(tmp_path):
    """`backup --keep N`, for a schedule: the N newest stay."""
    folder = tmp_path / "backups"
    for stamp in ("20240101-020000", "20240102-020000", "20240103-020000"):
        (folder / stamp).mkdir(parents=True)
        (folder / stamp / "manifest.json").write_text("{}")
    (folder / "notes").mkdir()

    out = StringIO()
    call_command("backup", dir=folder, keep=2, stdout=out)

    newest = Path(out.getvalue().strip().splitlines()[-1])
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["20240103-020000", newest.name, "notes"]
    )
