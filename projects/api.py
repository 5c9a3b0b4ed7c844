"""The open-data REST API: the published catalogue, read-only, under /api/v1/.

The project list takes the filters of the HTML list (the same ``ProjectFilter``), is
paginated and gives totals for the whole filtered list. Anonymous clients are throttled
(``DJANGO_API_ANON_RATE``). Only GET, HEAD and OPTIONS are served; any other method gets 405,
whoever asks.

Every endpoint answers in one of the site's languages: the ``lang`` query parameter's
(``fr``, ``en`` or ``es``; any other value is refused with 400), else the one
``Accept-Language`` prefers, else French. Texts, names and page links follow it (see
``projects.serializers``), and so do the organisation and theme lists, sorted by name.
"""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404, JsonResponse
from django.urls import include, path, re_path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.plumbing import set_query_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.routers import APIRootView, DefaultRouter
from rest_framework.settings import api_settings

from common.security import client_address
from common.throttling import AnonRateThrottle
from common.translation import LANGUAGE_CODES, natural_localized_order
from projects.filters import ProjectFilter, catalogue_countries
from projects.models import Organisation, Partnership, Phase, Project, Theme
from projects.serializers import (
    CountrySerializer,
    ErrorSerializer,
    OrganisationSerializer,
    PhaseSerializer,
    ProjectSerializer,
    ThemeSerializer,
    TotalsSerializer,
)

READ_METHODS = ("GET", "HEAD", "OPTIONS")
LANGUAGE_PARAMETER = "lang"
# Any id reaches the view, which answers 404 in JSON; but not a NUL character, which the
# database refuses: that path answers 404 in JSON from ``unknown_endpoint``.
ANY_ID = r"[^/\x00]+"


class AnonymousRateThrottle(AnonRateThrottle):
    """The throttle of anonymous clients, per client address, counted in one query (or one
    Redis round trip, common/throttling.py) shared by every worker, reading its rate from
    the settings at each request rather than once at import, so that a changed
    ``REST_FRAMEWORK`` setting (as in tests) takes effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request):
        """The client's address as the trusted proxies saw it, like every other limit."""
        return client_address(request)


def language_parameter(query) -> str | None:
    """The site language that ``?lang=`` names; None when it is absent or names another."""
    language = query.get(LANGUAGE_PARAMETER)
    return language if language in LANGUAGE_CODES else None


class ReadOnlyMixin:
    """Throttled for anonymous clients; 405 for any write method, answered before
    authentication runs, so that a logged-in staff member without a CSRF token gets 405 too,
    not 403. Answers in the language of ``?lang=`` when it is given (400 for an unknown
    one), else in the one the locale middleware chose from ``Accept-Language``."""

    throttle_classes = [AnonymousRateThrottle]

    def dispatch(self, request, *args, **kwargs):
        language = language_parameter(request.GET)
        if language is None:  # absent, or refused in ``initial``
            return super().dispatch(request, *args, **kwargs)
        with translation.override(language):
            response = super().dispatch(request, *args, **kwargs)
        response["Content-Language"] = language
        return response

    def initial(self, request, *args, **kwargs):
        if request.method not in READ_METHODS:
            raise MethodNotAllowed(request.method)
        query = request.query_params
        if LANGUAGE_PARAMETER in query and language_parameter(query) is None:
            raise ValidationError(
                {
                    LANGUAGE_PARAMETER: [
                        _("Unknown language “%(language)s”: use one of %(languages)s.")
                        % {
                            "language": query[LANGUAGE_PARAMETER][:20],
                            "languages": ", ".join(LANGUAGE_CODES),
                        }
                    ]
                }
            )
        super().initial(request, *args, **kwargs)


class Pagination(PageNumberPagination):
    """Pages of ``page_size`` items, or as many as ``?page_size=`` asks, from 1 to
    ``max_page_size``: any other number is refused with 400 (rather than quietly giving
    pages of another size than asked)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        asked = request.query_params.get(self.page_size_query_param, "").strip()
        if not asked:
            return self.page_size
        try:
            size = int(asked)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = _("“%(size)s” is not a page size: give a number from 1 to %(maximum)d.")
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        message % {"size": asked[:20], "maximum": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] |= {
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


class ProjectPagination(Pagination):
    """Pages of projects, with totals of the whole filtered list beside them."""

    def paginate_queryset(self, queryset, request, view=None):
        self.totals = queryset.totals()
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        totals = dict(
            self.totals,
            funding=[
                {"currency": currency, "amount": amount}
                for currency, amount in self.totals["funding"]
            ],
        )
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "totals": TotalsSerializer(totals).data,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        amount = {
            "type": "object",
            "properties": {
                "currency": {"type": "string"},
                "amount": {"type": "string", "format": "decimal"},
            },
            "required": ["currency", "amount"],
        }
        paginated["properties"]["totals"] = {
            "type": "object",
            "description": str(gettext_lazy("Figures of the whole filtered list.")),
            "properties": {
                "projects": {"type": "integer"},
                "countries": {"type": "integer"},
                "funding": {"type": "array", "items": amount},
            },
            "required": ["projects", "countries", "funding"],
        }
        paginated["required"] = [*paginated.get("required", []), "totals"]
        return paginated


NOT_FOUND = OpenApiResponse(ErrorSerializer, description=gettext_lazy("No such object."))
THROTTLED = OpenApiResponse(
    ErrorSerializer, description=gettext_lazy("Too many requests: wait and try again.")
)
PAGE_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description=gettext_lazy("No such page of the list.")
)
INVALID_PARAMETERS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=gettext_lazy(
        "Invalid parameter values (an unknown language, or for the project list invalid "
        "filter values): a list of errors for each parameter."
    ),
)
LANGUAGE = OpenApiParameter(
    LANGUAGE_PARAMETER,
    OpenApiTypes.STR,
    enum=[code for code, _name in settings.LANGUAGES],
    description=gettext_lazy(
        "The language of the answer's texts, names and page links; without it, the one "
        "Accept-Language prefers, else French. A text missing in that language is given in "
        "the first one that has it (French, English, Spanish)."
    ),
)


def documented(serializer):
    """Schema of the list and detail actions of a viewset: the language parameter and the
    error answers."""
    errors = {400: INVALID_PARAMETERS, 429: THROTTLED}
    return extend_schema_view(
        list=extend_schema(
            parameters=[LANGUAGE],
            responses={200: serializer(many=True), 404: PAGE_NOT_FOUND, **errors},
        ),
        retrieve=extend_schema(
            parameters=[LANGUAGE], responses={200: serializer, 404: NOT_FOUND, **errors}
        ),
    )


class ReadOnlyViewSet(ReadOnlyMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    lookup_field = "slug"
    lookup_value_regex = ANY_ID
    not_found = gettext_lazy("Not found.")

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.not_found) from None


@documented(ProjectSerializer)
class ProjectViewSet(ReadOnlyViewSet):
    """Published projects. The list takes the filters of the project list page."""

    queryset = Project.objects.published().for_listing()
    serializer_class = ProjectSerializer
    not_found = gettext_lazy("No published project has this slug.")
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilter
    pagination_class = ProjectPagination

    def filter_queryset(self, queryset):
        if self.action != "list":  # a project's page does not depend on list filters
            return queryset
        return super().filter_queryset(queryset)


@documented(OrganisationSerializer)
class OrganisationViewSet(ReadOnlyViewSet):
    """Organisations shown on the site, with their published projects."""

    queryset = Organisation.objects.listed().with_project_counts()
    serializer_class = OrganisationSerializer
    not_found = gettext_lazy("No organisation shown on the site has this slug.")

    def get_queryset(self):
        # Sorted by name in the language of the request.
        published_partnerships = (
            Partnership.objects.filter(project__published=True)
            .select_related("project")
            .order_by(natural_localized_order("title", "project__"))
        )
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "partnerships",
                    queryset=published_partnerships,
                    to_attr="published_partnerships",
                )
            )
            .order_by(natural_localized_order("name"))
        )


@documented(ThemeSerializer)
class ThemeViewSet(ReadOnlyViewSet):
    """Themes of the catalogue, each with its number of published projects."""

    queryset = Theme.objects.annotate(
        project_count=Count("projects", filter=Q(projects__published=True))
    )
    serializer_class = ThemeSerializer
    not_found = gettext_lazy("No theme has this slug.")

    def get_queryset(self):
        return super().get_queryset().order_by(natural_localized_order("name"))


@documented(PhaseSerializer)
class PhaseViewSet(ReadOnlyViewSet):
    """Funding phases of the initiative."""

    queryset = Phase.objects.annotate(
        project_count=Count("projects", filter=Q(projects__published=True))
    ).order_by("start_date")
    serializer_class = PhaseSerializer
    not_found = gettext_lazy("No phase has this slug.")


def country_rows() -> list[dict]:
    """Countries with published projects, by name in the active language, with their number
    of projects and their funding per currency."""
    published = Project.objects.published().order_by()
    counts = dict(published.values_list("country").annotate(projects=Count("id")))
    funding = defaultdict(list)
    per_currency = (
        published.values_list("country", "funding_currency")
        .annotate(amount=Sum("funding_amount"))
        .order_by("funding_currency")
    )
    for code, currency, amount in per_currency:
        funding[code].append({"currency": currency, "amount": amount})
    return [
        {"code": code, "name": name, "project_count": counts[code], "funding": funding[code]}
        for code, name in catalogue_countries()
        if code in counts
    ]


@documented(CountrySerializer)
class CountryViewSet(ReadOnlyMixin, viewsets.GenericViewSet):
    """Countries with published projects."""

    serializer_class = CountrySerializer
    pagination_class = Pagination
    lookup_field = "code"
    lookup_value_regex = ANY_ID

    def list(self, request):
        page = self.paginate_queryset(country_rows())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, code):
        code = code.strip().upper()  # "sn" as in /countries/sn/
        for row in country_rows():
            if row["code"] == code:
                return Response(self.get_serializer(row).data)
        raise NotFound(_("No published project in this country."))


class ReadOnlyAPIRootView(ReadOnlyMixin, APIRootView):
    pass


class SchemaView(ReadOnlyMixin, SpectacularAPIView):
    authentication_classes = []  # the same for everyone

    def _get_version_parameter(self, request):
        """The API has one version, in its URLs (/api/v1/): ``?version=`` is ignored (it
        would otherwise end up in a header, where a line break is an error)."""
        return None


class DocsView(ReadOnlyMixin, SpectacularSwaggerSplitView):
    """The interactive console (Swagger UI), a developer's tool in English, linked from the
    API's documentation page (``projects.api_docs``). Its start-up script is a file of its
    own (``?script``), not inline, as the Content-Security-Policy requires."""

    template_name = "projects/swagger_ui.html"
    template_name_js = "projects/swagger_ui.js"
    # The same for everyone; and its HTML error page must not look the user up, which would
    # check the CSRF token of a logged-in user's POST and answer 403 instead of 405.
    authentication_classes = []

    def _get_schema_url(self, request):
        """The schema in English, the language of the console around it."""
        return set_query_parameters(super()._get_schema_url(request), lang="en")


def unknown_endpoint(request):
    return JsonResponse({"detail": _("No such API endpoint.")}, status=404)


router = DefaultRouter()
router.APIRootView = ReadOnlyAPIRootView
router.register("projects", ProjectViewSet, basename="project")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("countries", CountryViewSet, basename="country")
router.register("themes", ThemeViewSet, basename="theme")
router.register("phases", PhaseViewSet, basename="phase")

app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"", unknown_endpoint),  # anything else under /api/
]
