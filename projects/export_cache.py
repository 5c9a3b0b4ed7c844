"""Finished downloads of the catalogue (CSV, IATI XML), kept as files and served again until
the catalogue changes.

A download is known by its key: its format, the page's language, the address of the site
(its links are absolute), the list's filters (normalised: only the filters the list knows,
in a fixed order, empty ones left out) and the catalogue's version. The key gives

- the download's ETag, so that a client that already has it gets a 304 for a conditional
  request (``If-None-Match``) without anything being read or written;
- the file under ``EXPORT_CACHE_DIR`` that holds it once it has been streamed whole once:
  the next request for the same key is served from that file.

The catalogue's version is a fingerprint PostgreSQL computes from the catalogue's tables at
each request, in one query: for each table, its number of rows and the sum of the
transaction ids that last wrote them (the ``xmin`` system column). Any committed insert,
update or delete changes it, from wherever it comes (the admin, the IATI import, the seed
loader, a bulk update or plain SQL), so nothing has to remember to announce a change; and
a fingerprint never comes back once the catalogue has moved on, so a file is never served
for a catalogue it does not show. (Changes made within the transaction that reads the
fingerprint may not show in it: in a request, that never happens.) The version also covers
the code and the translations that write the files, so that a new release writes new ones.

A file is written while it is streamed to the first client, under a temporary name renamed
once complete (a download cut short leaves nothing); writing another version of the same
download removes the old one, and the folder is kept under ``MAX_BYTES`` by removing the
files used least recently. Losing the folder only costs the next request its speed.
"""

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.utils import translation

from projects.filters import ProjectFilter
from projects.iati import links
from projects.models import Organisation, Partnership, Phase, Project, Theme

logger = logging.getLogger(__name__)

# The folder's size is kept under this (a whole catalogue of 10,000 projects is about
# 7 MiB as CSV and 50 MiB as IATI XML).
MAX_BYTES = 1024 * 1024 * 1024
# A temporary file older than this was left by a process that died while writing it.
ABANDONED_AFTER = 3600
PARTIAL_PREFIX = ".partial-"
# What the files depend on besides the catalogue: the code that writes them.
WRITERS = ["exports.py", "iati/export.py", "iati/codes.py", "iati/links.py"]
CATALOGUE_TABLES = [Project, Organisation, Partnership, Theme, Phase, Project.themes.through]


def catalogue_version() -> str:
    """The fingerprint of the catalogue as this request sees it (see the module's
    documentation); one query."""
    quote = connection.ops.quote_name
    parts = " || ' ' || ".join(
        f"(SELECT count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) "
        f"FROM {quote(model._meta.db_table)})"
        # With the tables of the projects' documents kept above the catalogue (iati/links.py).
        for model in [*CATALOGUE_TABLES, *links.tables()]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return cursor.fetchone()[0]


@cache
def code_version() -> str:
    """Modification times of the code and the compiled translations that write the files."""
    package = Path(__file__).resolve().parent
    paths = [package / name for name in WRITERS] + links.code_paths()
    for folder in settings.LOCALE_PATHS:
        paths.extend(sorted(Path(folder).glob("*/LC_MESSAGES/django.mo")))
    return " ".join(f"{path.name}:{path.stat().st_mtime_ns}" for path in paths if path.exists())


def normalised_filters(query) -> str:
    """The list's filters of a query string, in a fixed order, without empty ones or any
    parameter the list does not know (``page``, tracking parameters…); the country as the
    filter reads it (``sn`` is ``SN``)."""
    pairs = []
    for name in sorted(ProjectFilter.base_filters):
        value = query.get(name, "")
        if name == "country":
            value = value.strip().upper()
        if value:
            pairs.append((name, value))
    return urlencode(pairs)


def digest(*parts: str, length: int) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:length]


@dataclass(frozen=True)
class ExportKey:
    kind: str  # the file's extension: "csv", "xml"
    download: str  # which download: format, language, site, filters
    version: str  # which state of the catalogue and of the code

    @classmethod
    def of(cls, request, kind: str) -> "ExportKey":
        download = digest(
            connection.settings_dict["NAME"],  # test databases share the folder
            kind,
            translation.get_language(),
            request.build_absolute_uri("/"),
            normalised_filters(request.GET),
            length=24,
        )
        return cls(kind, download, digest(catalogue_version(), code_version(), length=16))

    @property
    def etag(self) -> str:
        # Weak: two writings of the same IATI file differ in their generated-datetime.
        return f'W/"{self.download}-{self.version}"'

    @property
    def path(self) -> Path:
        return folder() / f"{self.download}-{self.version}.{self.kind}"


def folder() -> Path:
    return Path(settings.EXPORT_CACHE_DIR)


def open_cached(key: ExportKey):
    """The finished file of ``key``, open for reading, or None."""
    try:
        file = open(key.path, "rb")  # noqa: SIM115 - the response closes it
    except OSError:
        return None
    with suppress(OSError):
        os.utime(file.fileno())  # used recently: kept longest
    return file


def stored_while_streamed(chunks: Iterable[bytes], key: ExportKey) -> Iterator[bytes]:
    """``chunks`` as they come, also written to the file of ``key``, which appears once
    they are all written. A failure to write (a full disk) only stops the writing."""
    try:
        folder().mkdir(parents=True, exist_ok=True)
        partial = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below
            dir=folder(), prefix=PARTIAL_PREFIX, delete=False
        )
    except OSError:
        logger.warning("Cannot write to the export cache %s", folder(), exc_info=True)
        partial = None
    complete = False
    source = iter(chunks)
    try:
        for chunk in source:
            if partial is not None:
                try:
                    partial.write(chunk)
                except OSError:
                    logger.warning("Cannot write %s", partial.name, exc_info=True)
                    discard(partial)
                    partial = None
            yield chunk
        if partial is not None:
            partial.close()
            os.replace(partial.name, key.path)
            complete = True
            remove_other_versions(key)
            keep_under_limit()
    finally:
        if hasattr(source, "close"):  # a generator reading the database: let it go now
            source.close()
        if partial is not None and not complete:
            discard(partial)


def discard(partial) -> None:
    with suppress(OSError):
        partial.close()
    with suppress(OSError):
        os.unlink(partial.name)


def remove_other_versions(key: ExportKey) -> None:
    for path in folder().glob(f"{key.download}-*"):
        if path != key.path:
            with suppress(OSError):
                path.unlink()


def keep_under_limit() -> None:
    """Remove abandoned temporary files, then the least recently used files until the
    folder holds at most ``MAX_BYTES``."""
    files = []
    now = time.time()
    for path in folder().iterdir():
        try:
            status = path.stat()
        except OSError:
            continue
        if path.name.startswith(PARTIAL_PREFIX):
            if now - status.st_mtime > ABANDONED_AFTER:
                with suppress(OSError):
                    path.unlink()
            continue
        files.append((status.st_mtime, status.st_size, path))
    total = sum(size for _mtime, size, _path in files)
    for _mtime, size, path in sorted(files):
        if total <= MAX_BYTES:
            break
        with suppress(OSError):
            path.unlink()
        total -= size
