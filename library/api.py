"""The library's resources and the events in the open-data REST API, read-only, under
/api/v1/resources/ and /api/v1/events/ (mounted by ``icmd/urls.py`` before the catalogue's
API, whose root lists the catalogue's endpoints; both are in the one OpenAPI schema).

They behave as the catalogue's endpoints do (``projects.api``): published rows only, pages
of 20 (``?page_size=`` up to 100), ``?lang=`` for the language of texts and names, 400 with
a message per parameter for invalid filter values, 404 in JSON, 405 for any write,
throttled for anonymous clients. The resource list takes the filters of the library's list
page (``ResourceFilter``: ``q``, ``kind``, ``theme``, ``country``, ``language``, ``year``,
``organisation``, ``project``, ``sort``), the event list those of the calendar
(``EventFilter``: ``kind``, ``country``, ``theme``, ``language``, ``online``, and ``when``
for upcoming or past ones; both by default, soonest first).
"""

from django.db.models import Prefetch
from django.urls import include, path
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.routers import SimpleRouter

from library.event_filters import EventFilter
from library.filters import ResourceFilter
from library.models import Event, Resource, ResourceFile
from library.serializers import EventSerializer, ResourceSerializer
from projects.api import ReadOnlyViewSet, documented
from projects.models import Project


def published_projects():
    return Prefetch(
        "projects",
        queryset=Project.objects.published().order_by("slug"),
        to_attr="published_projects",
    )


class ListFiltersOnlyMixin:
    """A resource's or an event's answer does not depend on the list's filters."""

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)


@documented(ResourceSerializer)
class ResourceViewSet(ListFiltersOnlyMixin, ReadOnlyViewSet):
    """Published resources of the library. The list takes the filters of the library's list
    page; its default order is the latest published first."""

    serializer_class = ResourceSerializer
    not_found = gettext_lazy("No published resource has this slug.")
    filter_backends = [DjangoFilterBackend]
    filterset_class = ResourceFilter

    def get_queryset(self):
        # Never the files' extracted text, which the API does not give.
        files = ResourceFile.objects.defer("extracted_text", "extraction_error").order_by(
            "language", "pk"
        )
        return (
            Resource.objects.published()
            .select_related("publisher")
            .prefetch_related("themes", published_projects(), Prefetch("files", queryset=files))
            .order_by("-published_at", "-pk")
        )


@documented(EventSerializer)
class EventViewSet(ListFiltersOnlyMixin, ReadOnlyViewSet):
    """Published events, upcoming and past. The list takes the filters of the calendar's
    pages, and ``when`` (``upcoming`` or ``past``); by default both, soonest first."""

    serializer_class = EventSerializer
    not_found = gettext_lazy("No published event has this slug.")
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFilter

    def get_queryset(self):
        resources = Resource.objects.published()
        return (
            Event.objects.published()
            .select_related("organiser")
            .prefetch_related(
                "themes",
                published_projects(),
                Prefetch(
                    "resources",
                    queryset=resources.order_by("slug"),
                    to_attr="published_resources",
                ),
            )
            .order_by("starts_at", "pk")
        )


router = SimpleRouter()
router.register("resources", ResourceViewSet, basename="resource")
router.register("events", EventViewSet, basename="event")

app_name = "library_api"
urlpatterns = [path("v1/", include(router.urls))]
