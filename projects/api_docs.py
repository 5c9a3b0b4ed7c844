"""The documentation of the open-data API, as a page of the site in each of its languages.

Written for people on slow connections and without JavaScript: a server-rendered page of a
few kilobytes, where the interactive console (Swagger UI, /api/docs/) weighs megabytes and
shows nothing without JavaScript. What it lists is read from the API itself, so it cannot
drift from it: the endpoints from the router, the fields from the serializers, the filters
from ``ProjectFilter`` (the one FilterSet of the list page, the downloads and the API), the
page sizes from the pagination, the limits from the settings; and its example answer is the
API's real answer, asked for while the page is written.
"""

import io
import json
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

import django_filters
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from projects.api import (
    LANGUAGE_PARAMETER,
    AnonymousRateThrottle,
    Pagination,
    ProjectViewSet,
    router,
)
from projects.downloads import MEMBER_RATE_LIMIT, RATE_LIMIT
from projects.filters import ProjectFilter, catalogue_countries
from projects.models import Organisation, Phase, Theme
from projects.serializers import IN_REQUEST_LANGUAGE, LanguageTextField

# What each endpoint gives, by the router's basename: every endpoint needs one (the page
# fails without it, and so do its tests).
ENDPOINT_DESCRIPTIONS = {
    "project": gettext_lazy(
        "Published projects. The list takes the filters below, is paginated and gives the "
        "totals of the whole filtered list."
    ),
    "organisation": gettext_lazy(
        "Organisations shown on the site, sorted by name, each with its published projects."
    ),
    "country": gettext_lazy(
        "Countries with published projects, each with its number of projects and its "
        "funding per currency."
    ),
    "theme": gettext_lazy("Themes of the catalogue, each with its number of published projects."),
    "phase": gettext_lazy("Funding phases of the initiative."),
}
# What a filter needs said beyond its label and the values it takes.
FILTER_NOTES = {
    "q": gettext_lazy(
        "Every word must be found in the title, objective, locality or a partner's name, in "
        "any language, accents ignored."
    ),
    "country": gettext_lazy("Upper or lower case."),
    "sort": gettext_lazy("Without it: by country name, then by title."),
}
# What a filter on a model's rows takes, and the endpoint that lists them all: every such
# filter of ``ProjectFilter`` needs one (the page fails without it, and so do its tests).
MODEL_FILTER_VALUES = {
    Theme: (gettext_lazy("A theme's slug"), "theme"),
    Phase: (gettext_lazy("A phase's slug"), "phase"),
    Organisation: (gettext_lazy("An organisation's slug"), "organisation"),
}
# A filter's values are all listed up to this many; beyond, a few examples and a count.
LISTED_CHOICES = 8
EXAMPLES = 3
# The example answer: texts cut to this many characters, lists to their first item.
EXAMPLE_TEXT_LENGTH = 60
# What a request copied for the example keeps of the page's request: where the site is, so
# that the example's links are the site's.
REQUEST_META_KEPT = ("SERVER_NAME", "SERVER_PORT", "HTTP_HOST", "SCRIPT_NAME", "wsgi.url_scheme")


@dataclass
class FieldDoc:
    """A field of an answer: its name, what it is, the same text in each language (for
    translated texts) and, for an object or a list of objects, its own fields."""

    name: str
    help: str = ""
    many: bool = False
    languages: list[str] = field(default_factory=list)
    children: list["FieldDoc"] = field(default_factory=list)


@dataclass
class Endpoint:
    basename: str
    description: str
    list_url: str
    detail_url: str  # with a {placeholder} for the id
    lookup: str
    fields: list[FieldDoc]
    example_url: str = ""  # the detail URL of a real object, when there is one


@dataclass
class FilterDoc:
    name: str
    label: str
    takes: str
    values: list[tuple[str, str]]  # (value, label) listed in full or as examples
    more: int  # how many values there are besides those listed
    values_url: str  # where the API lists them all
    note: str


def field_docs(serializer: serializers.Serializer) -> list[FieldDoc]:
    """The fields of ``serializer``'s answer, in its order; a translated text's columns in
    each language (``title_fr``…) go with the text (``title``)."""
    docs: list[FieldDoc] = []
    by_name: dict[str, FieldDoc] = {}
    for name, serializer_field in serializer.fields.items():
        if isinstance(serializer_field, LanguageTextField):
            base, _sep, _code = name.rpartition("_")
            if base in by_name:
                by_name[base].languages.append(name)
                continue
        # That a text follows the language of the request is said once, for every text.
        help_text = str(serializer_field.help_text or "").replace(str(IN_REQUEST_LANGUAGE), "")
        doc = FieldDoc(name=name, help=help_text.strip())
        if isinstance(serializer_field, serializers.ListSerializer):
            doc.many = True
            serializer_field = serializer_field.child
        if isinstance(serializer_field, serializers.Serializer):
            doc.children = field_docs(serializer_field)
        docs.append(doc)
        by_name[name] = doc
    return docs


def endpoints() -> list[Endpoint]:
    """Each resource the API serves, in the order of its root."""
    found = []
    for _prefix, viewset, basename in router.registry:
        lookup = viewset.lookup_field
        detail = reverse(f"api:{basename}-detail", kwargs={lookup: f"{{{lookup}}}"})
        found.append(
            Endpoint(
                basename=basename,
                description=str(ENDPOINT_DESCRIPTIONS[basename]),
                list_url=reverse(f"api:{basename}-list"),
                detail_url=unquote(detail),
                lookup=lookup,
                fields=field_docs(viewset.serializer_class()),
            )
        )
    return found


def filter_docs(list_urls: dict[str, str]) -> list[FilterDoc]:
    """Each filter of ``ProjectFilter``, with what it takes and its values summed up."""
    docs = []
    for name, list_filter in ProjectFilter.base_filters.items():
        extra = list_filter.extra
        values, more, values_url = [], 0, ""
        if isinstance(list_filter, django_filters.ModelChoiceFilter):
            queryset = extra["queryset"]
            to_field = extra.get("to_field_name") or "pk"
            takes, basename = MODEL_FILTER_VALUES[queryset.model]
            takes, values_url = str(takes), list_urls[basename]
            total = queryset.count()
            values = [
                (str(getattr(row, to_field)), str(row))
                for row in queryset.order_by(to_field)[:EXAMPLES]
            ]
            more = total - len(values)
        elif isinstance(list_filter, django_filters.ChoiceFilter):
            choices = extra["choices"]
            choices = [
                (str(value), str(label))
                for value, label in (choices() if callable(choices) else choices)
            ]
            takes = _("One of these values")
            if list_filter.field_name == "country":
                takes, values_url = _("A country's ISO 3166-1 code"), list_urls["country"]
            shown = choices if len(choices) <= LISTED_CHOICES else choices[:EXAMPLES]
            values, more = shown, len(choices) - len(shown)
        elif isinstance(list_filter, django_filters.NumberFilter):
            takes = number_range(extra.get("min_value"), extra.get("max_value"))
        elif isinstance(list_filter, django_filters.CharFilter):
            takes = ngettext(
                "Text, up to %(count)d character",
                "Text, up to %(count)d characters",
                extra["max_length"],
            ) % {"count": extra["max_length"]}
        else:
            takes = ""
        docs.append(
            FilterDoc(
                name=name,
                label=str(list_filter.label),
                takes=takes,
                values=values,
                more=more,
                values_url=values_url,
                note=str(FILTER_NOTES.get(name, "")),
            )
        )
    return docs


def number_range(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return _("A number from %(min)s to %(max)s") % {"min": minimum, "max": maximum}
    if minimum is not None:
        return _("A number, %(min)s or more") % {"min": minimum}
    return _("A number")


def trimmed(value):
    """The example answer made short: long texts cut (not addresses nor identifiers, which
    have no spaces), lists reduced to their first item."""
    if isinstance(value, str) and " " in value and len(value) > EXAMPLE_TEXT_LENGTH:
        return value[: EXAMPLE_TEXT_LENGTH - 1].rstrip() + "…"
    if isinstance(value, list):
        return [trimmed(item) for item in value[:1]]
    if isinstance(value, dict):
        return {key: trimmed(item) for key, item in value.items()}
    return value


def api_answer(request, path: str, query: dict) -> dict:
    """The API's answer to ``GET path?query`` as its JSON data, asked of the API's own view
    (not counted by its throttle), for the site the page was asked of."""
    environ = {key: request.META[key] for key in REQUEST_META_KEPT if key in request.META}
    environ |= {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": urlencode(query),
        "wsgi.input": io.BytesIO(b""),
    }
    if settings.SECURE_PROXY_SSL_HEADER:
        header = settings.SECURE_PROXY_SSL_HEADER[0]
        if header in request.META:
            environ[header] = request.META[header]
    view = ProjectViewSet.as_view({"get": "list"}, throttle_classes=[], authentication_classes=[])
    response = view(WSGIRequest(environ))
    return json.loads(JSONRenderer().render(response.data))


def rate_phrase(amount: str, seconds: float, per: str) -> str:
    """A limit as people read it, e.g. "10 downloads per minute per IP address": ``amount``
    ("10 downloads") in a period of ``seconds``, counted per IP address (``per="ip"``) or per
    account (``per="user"``)."""
    periods = {1: _("per second"), 60: _("per minute"), 3600: _("per hour"), 86400: _("per day")}
    seconds = int(seconds)
    period = periods.get(seconds) or ngettext(
        "every %(count)d second", "every %(count)d seconds", seconds
    ) % {"count": seconds}
    who = {"ip": _("per IP address"), "user": _("per account")}.get(per, "")
    return " ".join(part for part in [amount, period, who] if part)


def download_limits(action: str) -> list[str]:
    """The limits of ``settings.ACCOUNT_RATE_LIMITS[action]`` (there may be several, or
    none), read with the parser of allauth, which enforces them."""
    return [
        rate_phrase(
            ngettext("%(count)d download", "%(count)d downloads", rate.amount)
            % {"count": rate.amount},
            rate.duration,
            rate.per,
        )
        for rate in parse_rates((settings.ACCOUNT_RATE_LIMITS or {}).get(action))
    ]


def api_limit() -> str:
    """The limit of anonymous clients, read by the API's own throttle."""
    throttle = AnonymousRateThrottle()
    requests = ngettext("%(count)d request", "%(count)d requests", throttle.num_requests) % {
        "count": throttle.num_requests
    }
    return rate_phrase(requests, throttle.duration, "ip")


def api_docs(request):
    """The documentation of the API, of the downloads and of the data's terms of use."""
    language = get_language()
    documented = endpoints()
    list_urls = {endpoint.basename: endpoint.list_url for endpoint in documented}
    countries = catalogue_countries()
    example_query = {"page_size": 1, LANGUAGE_PARAMETER: language}
    if countries:
        example_query = {"country": countries[0][0], **example_query}
    example_path = list_urls["project"]
    answer = api_answer(request, example_path, example_query)
    add_example_urls(documented, answer)
    download_query = {"country": countries[0][0]} if countries else {}
    return render(
        request,
        "projects/api_docs.html",
        {
            "endpoints": documented,
            "filters": filter_docs(list_urls),
            "example_request": f"{example_path}?{urlencode(example_query)}",
            "example_answer": json.dumps(trimmed(answer), indent=2, ensure_ascii=False),
            "page_size": Pagination.page_size,
            "max_page_size": Pagination.max_page_size,
            "api_languages": [(code, name) for code, name in settings.LANGUAGES],
            "api_limit": api_limit(),
            "download_limits": download_limits(RATE_LIMIT),
            "member_download_limits": download_limits(MEMBER_RATE_LIMIT),
            "download_query": f"?{urlencode(download_query)}" if download_query else "",
            "project_iati_url": reverse("projects:project_iati", kwargs={"slug": "SLUG"}).replace(
                "SLUG", "{slug}"
            ),
            "example_text_length": EXAMPLE_TEXT_LENGTH,
            "site": request.build_absolute_uri("/").removesuffix("/"),
        },
    )


def add_example_urls(documented: list[Endpoint], answer: dict) -> None:
    """Give each endpoint the detail URL of a real object, taken from the example answer's
    project (its slug, country, phase, first theme and first partner)."""
    results = answer.get("results") or []
    if not results:
        return
    project = results[0]
    ids = {"project": project.get("slug"), "country": (project.get("country") or {}).get("code")}
    ids["phase"] = (project.get("phase") or {}).get("slug")
    ids["theme"] = next(iter(project.get("themes") or []), {}).get("slug")
    partner = next(iter(project.get("partners") or []), {})
    ids["organisation"] = (partner.get("organisation") or {}).get("slug")
    for endpoint in documented:
        if ids.get(endpoint.basename):
            endpoint.example_url = endpoint.detail_url.replace(
                f"{{{endpoint.lookup}}}", ids[endpoint.basename]
            )
