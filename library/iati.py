"""The library's resources in the catalogue's IATI export: each published resource related
to a project is a ``<document-link>`` of the project's activity (one per file, in its
language, else its external address), through the catalogue's hook
(``projects/iati/links.py``), registered in ``library/apps.py``.

The category comes from IATI's DocumentCategory codes of an activity's documents: a report
is a review of the project's performance (A07); every other kind of resource (guide, case
study, good practice, policy brief, training material, video) is one of its results,
outcomes and outputs (A08). The date is the day the library published it.
"""

import mimetypes
from urllib.parse import urlsplit

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from library.models import Resource, ResourceFile, ResourceKind
from projects.iati.export import texts_by_language
from projects.iati.links import DocumentLink

REVIEW_OF_PERFORMANCE = "A07"
RESULTS_OUTCOMES_AND_OUTPUTS = "A08"
CATEGORY_OF_KIND = {ResourceKind.REPORT: REVIEW_OF_PERFORMANCE}
# The format of an external address whose path names no known type: a web page.
WEB_PAGE_FORMAT = "text/html"


def link_format(url: str) -> str:
    """The IANA media type an external address's path suggests (``.pdf``), else a page's."""
    guessed, _encoding = mimetypes.guess_type(urlsplit(url).path)
    return guessed or WEB_PAGE_FORMAT


class LibraryDocuments:
    """The source of the projects' documents the library keeps."""

    tables = (Resource, ResourceFile, Resource.projects.through)

    def prefetch(self, projects):
        # Never the files' extracted text: a download holds a chunk of projects at a time.
        files = ResourceFile.objects.only("pk", "resource_id", "language", "content_type")
        resources = (
            Resource.objects.published()
            .order_by("-published_at", "-pk")
            .prefetch_related(Prefetch("files", queryset=files.order_by("language", "pk")))
        )
        return projects.prefetch_related(Prefetch("resources", queryset=resources))

    def links(self, project):
        for resource in project.resources.all():
            common = {
                "titles": texts_by_language(resource, "title"),
                "descriptions": texts_by_language(resource, "summary"),
                "category": CATEGORY_OF_KIND.get(resource.kind, RESULTS_OUTCOMES_AND_OUTPUTS),
                "date": timezone.localdate(resource.published_at)
                if resource.published_at
                else None,
            }
            files = list(resource.files.all())
            for resource_file in files:
                yield DocumentLink(
                    url=reverse("library:download", kwargs={"pk": resource_file.pk}),
                    format=resource_file.content_type,
                    languages=(resource_file.language,),
                    **common,
                )
            if resource.url and not files:
                yield DocumentLink(
                    url=resource.url,
                    format=link_format(resource.url),
                    languages=tuple(resource.languages),
                    **common,
                )


DOCUMENTS = LibraryDocuments()
