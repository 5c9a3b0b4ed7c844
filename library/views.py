"""The library's public pages: the list of resources with its facets, as the project list
(projects/views.py), and a resource's page."""

from django.db.models import Count, Prefetch, Window
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_countries.fields import Country

from common.facets import facet, facet_page, requested_facet, unknown_facet_notice
from common.pagination import paginate
from common.translation import localized_fields, natural_localized_order
from library.filters import FACETS, SORTS, ResourceFilter
from library.models import Event, Resource, ResourceFile

RESOURCES_PER_PAGE = 20
# On a resource's page, the related projects and events shown (a resource has few; the
# page still never lists an unbounded number of them).
RELATED_SHOWN = 12


def listed_resources():
    """What a resource of the list shows: publisher, themes and files, in fixed queries;
    without the files' extracted text, which no page shows and which may be long."""
    files = ResourceFile.objects.defer("extracted_text", "extraction_error").order_by("language")
    return Resource.objects.select_related("publisher").prefetch_related(
        "themes", Prefetch("files", queryset=files)
    )


def resource_list(request):
    """The library: the filtered resources, a page at a time, beside their facets (type,
    theme, country, document language, year, publisher: the values of the filtered
    resources, with counts). In a fixed number of queries, whatever the size of the
    library: one counts the resources, one per facet, then the page's keys and its rows."""
    filterset = ResourceFilter(request.GET, queryset=Resource.objects.published())
    resources = filterset.filtered
    notices = filterset.ignored_filter_notices()
    asked = requested_facet(request, FACETS)
    if asked:
        return facet_page(
            request,
            asked,
            resources,
            selected=filterset.selected(asked.name),
            title=_("Library"),
            list_url=reverse("library:list"),
            notices=notices,
        )
    if asked == "":
        notices.append(unknown_facet_notice(request))
    ordered = resources.order_by(*SORTS[filterset.sort_order]())
    if getattr(filterset.form, "cleaned_data", {}).get("q"):
        # The text search reads the texts of every resource and file: it runs once, giving
        # the keys of the resources found in the list's order, and the other queries take
        # those keys.
        ordered = list(ordered.values_list("pk", flat=True))
        resources = Resource.objects.filter(pk__in=ordered)
        count = len(ordered)
    else:
        count = resources.count()
    page, page_notice = paginate(
        request,
        ordered,
        RESOURCES_PER_PAGE,
        count=count,
        rows=lambda keys: listed_resources().filter(pk__in=keys),
    )
    if page_notice:
        notices.append(page_notice)
    errors = filterset.errors
    facets = [
        facet(
            spec,
            resources,
            request.GET,
            selected=filterset.selected(name),
            errors=errors.get(name, ()),
        )
        for name, spec in FACETS.items()
    ]
    form = filterset.form
    return render(
        request,
        "library/resource_list.html",
        {
            "filter": filterset,
            "form": form,
            "search_fields": [form["q"]],
            # Neither the facets (links) nor the project (chosen from a project's page)
            # are offered as selects: a select would hold every row of a table.
            "other_fields": [
                form[name] for name in form.fields if name not in {"q", "project", *FACETS}
            ],
            "facets": facets,
            "page": page,
            "resources": page.object_list,
            "count": count,
            "active_filters": filterset.active_filters(),
            "notices": notices,
            # Kept by the filter form (a hidden field), as a facet's chosen value is.
            "chosen_project": filterset.selected("project"),
        },
    )


def visible_resource(request, slug: str) -> Resource:
    """The resource of ``slug``: a published one for anybody; one waiting for review or
    refused for staff and for the member who shared it (with a notice), else 404."""
    try:
        resource = listed_resources().select_related("shared_by").get(slug=slug)
    except Resource.DoesNotExist:
        raise Http404(_("No such resource in the library.")) from None
    if resource.is_published:
        return resource
    user = request.user
    if user.is_authenticated and (user.is_staff or resource.shared_by_id == user.pk):
        return resource
    raise Http404(_("No such resource in the library."))


def resource_detail(request, slug):
    """A resource: its summary, its files (one per language, each with its size and type,
    downloaded as an attachment) or its external address, and what it is about."""
    resource = visible_resource(request, slug)
    projects = list(
        resource.projects.published()
        .only("title", "slug", "country", *localized_fields("title"))
        .annotate(related=Window(Count("*")))
        .order_by(natural_localized_order("title"), "pk")[:RELATED_SHOWN]
    )
    events = list(
        Event.objects.published()
        .filter(resources=resource)
        .only("title", "slug", "starts_at", "time_zone", *localized_fields("title"))
        .annotate(related=Window(Count("*")))
        .order_by("-starts_at", "-pk")[:RELATED_SHOWN]
    )
    return render(
        request,
        "library/resource_detail.html",
        {
            "resource": resource,
            "files": list(resource.files.all()),
            "themes": list(resource.themes.all()),
            "countries": resource_countries(resource),
            "related_projects": projects,
            "related_projects_count": projects[0].related if projects else 0,
            "related_events": events,
            "related_events_count": events[0].related if events else 0,
        },
    )


def resource_countries(resource) -> list[Country]:
    return [Country(code) for code in resource.countries]


def resources_of(*, project=None, organisation=None, country: str = "", shown: int):
    """The ``shown`` newest published resources of a project, of a publishing organisation
    or about a country, and how many there are in all (one query)."""
    resources = Resource.objects.published()
    if project is not None:
        resources = resources.filter(projects=project)
    if organisation is not None:
        resources = resources.filter(publisher=organisation)
    if country:
        resources = resources.about_country(country)
    found = list(
        resources.only("title", "slug", "kind", "year", *localized_fields("title"))
        .annotate(found=Window(Count("*")))
        .order_by("-published_at", "-pk")[:shown]
    )
    return found, found[0].found if found else 0
