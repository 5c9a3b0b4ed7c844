"""A project's documents that apps above the catalogue keep (the library's reports, guides
and case studies), written as ``<document-link>`` elements of the project's activity.

The catalogue knows nothing of those apps: an app that keeps documents registers a source
(``register``) when it starts (its ``AppConfig.ready``). A source says

- ``prefetch(projects)``: the projects' queryset with what its links need, read in a fixed
  number of queries per batch of projects (a download reads them in chunks);
- ``links(project)``: the project's ``DocumentLink``s, from what was prefetched;
- ``tables``: the models whose rows the links come from, so that a download kept by the
  export cache (``projects.export_cache``) is written again when they change.

A source's code counts as the export's code too: a release that changes it writes the
kept downloads again.
"""

import datetime
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class DocumentLink:
    """One document of a project: ``url`` absolute or a path of the site (made absolute),
    ``format`` its IANA media type, ``titles`` and ``descriptions`` per language
    (``{"fr": …}``), ``category`` a code of IATI's DocumentCategory list (A01–A12),
    ``languages`` those the document is written in (ISO 639-1), ``date`` its publication."""

    url: str
    format: str
    titles: dict[str, str]
    category: str
    languages: tuple[str, ...] = ()
    descriptions: dict[str, str] = field(default_factory=dict)
    date: datetime.date | None = None


class DocumentLinkSource(Protocol):
    tables: Iterable[type[Model]]

    def prefetch(self, projects: QuerySet) -> QuerySet: ...

    def links(self, project) -> Iterable[DocumentLink]: ...


SOURCES: list[DocumentLinkSource] = []


def register(source: DocumentLinkSource) -> None:
    """Add ``source``'s documents to every project's activity (once, however often it is
    registered)."""
    if source not in SOURCES:
        SOURCES.append(source)


def with_document_links(projects: QuerySet) -> QuerySet:
    """``projects`` with what every source's links need."""
    for source in SOURCES:
        projects = source.prefetch(projects)
    return projects


def document_links(project) -> Iterator[DocumentLink]:
    """The project's documents, source after source (as registered)."""
    for source in SOURCES:
        yield from source.links(project)


def tables() -> list[type[Model]]:
    """The models the sources' links come from."""
    return [model for source in SOURCES for model in source.tables]


def code_paths() -> list[Path]:
    """The files of the sources' code."""
    modules = {type(source).__module__ for source in SOURCES}
    return [Path(sys.modules[name].__file__) for name in sorted(modules)]
