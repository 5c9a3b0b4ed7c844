from django.conf import settings
from django.db.models import Count, Window
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries
from django_countries.fields import Country

from common.facets import (
    facet,
    facet_from_counts,
    facet_page,
    requested_facet,
    unknown_facet_notice,
)
from common.pagination import paginate
from common.translation import natural_localized_order
from projects.downloads import serve_download
from projects.figures import figures
from projects.filters import (
    FACETS,
    SORTS,
    CountryNameOrder,
    ProjectFilter,
    order_by_country_name,
)
from projects.iati import activities_document
from projects.iati.export import activities_chunks
from projects.iati.links import with_document_links
from projects.models import Organisation, Project, natural_order, totals_of


def project_list(request):
    """The catalogue: the filtered projects, a page at a time, beside their facets (country,
    theme, partner: the values of the filtered projects, with counts). In a fixed number of
    queries, whatever the size of the catalogue: one counts the projects per country and
    currency (the totals, the paginator's count, the country facet and the default order
    all come from it), one per other facet, then the page's keys and its rows."""
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
    projects = filterset.filtered
    notices = filterset.ignored_filter_notices()
    asked = requested_facet(request, FACETS)
    if asked:
        return facet_page(
            request,
            asked,
            projects,
            selected=filterset.selected(asked.name),
            title=_("Funded projects"),
            list_url=reverse("projects:list"),
            notices=notices,
        )
    if asked == "":
        notices.append(unknown_facet_notice(request))
    sort, ordered = filterset.sort_order, None
    if getattr(filterset.form, "cleaned_data", {}).get("q"):
        # The text search reads the texts of every project: it runs once, giving the keys of
        # the projects found in the list's order, and the other queries take those keys.
        if sort == "country":
            every_country = [country.code for country in countries]
            found = order_by_country_name(projects, codes=every_country)
        else:
            found = projects
        ordered = list(found.order_by(*SORTS[sort]()).values_list("pk", flat=True))
        projects = Project.objects.filter(pk__in=ordered)
    totals = totals_of(projects.by_country_and_currency())
    if ordered is None and sort == "country":
        ordered = CountryNameOrder(projects, totals["by_country"])
    elif ordered is None:
        ordered = projects.order_by(*SORTS[sort]())
    page, page_notice = paginate(
        request,
        ordered,
        settings.PROJECTS_PER_PAGE,
        count=totals["projects"],
        rows=lambda keys: Project.objects.for_cards().filter(pk__in=keys),
    )
    if page_notice:
        notices.append(page_notice)
    phase = getattr(filterset.form, "cleaned_data", {}).get("phase")
    if phase is not None and not phase.in_catalogue:
        notices.append(phase_notice(phase))
    errors = filterset.errors
    facets = [
        facet_from_counts(
            FACETS["country"],
            totals["by_country"],
            request.GET,
            selected=filterset.selected("country"),
            errors=errors.get("country", ()),
        ),
        *(
            facet(
                FACETS[name],
                projects,
                request.GET,
                selected=filterset.selected(name),
                errors=errors.get(name, ()),
            )
            for name in ("theme", "partner")
        ),
    ]
    form = filterset.form
    return render(
        request,
        "projects/project_list.html",
        {
            "filter": filterset,
            "form": form,
            "search_fields": [form["q"]],
            "other_fields": [form[name] for name in form.fields if name not in {"q", *FACETS}],
            "facets": facets,
            "page": page,
            "projects": page.object_list,
            "totals": totals,
            "active_filters": filterset.active_filters(),
            "notices": notices,
        },
    )


def phase_notice(phase) -> str:
    """Why the list of a phase whose projects are not in the catalogue is empty, with the
    figures reported for that phase where they are known."""
    notice = _("No project of “%(phase)s” is in the catalogue yet.") % {"phase": phase}
    if phase.reported_projects and phase.reported_countries:
        projects = ngettext(
            "%(counter)s project", "%(counter)s projects", phase.reported_projects
        ) % {"counter": phase.reported_projects}
        places = ngettext(
            "%(counter)s country", "%(counter)s countries", phase.reported_countries
        ) % {"counter": phase.reported_countries}
        notice += " " + _("The initiative reported %(projects)s in %(countries)s for it.") % {
            "projects": projects,
            "countries": places,
        }
    return notice


# On a project's page, the other projects of its country shown (the list has them all).
SAME_COUNTRY_SHOWN = 6
# On a country's page, the organisations based there shown (the directory has them all).
COUNTRY_ORGANISATIONS_SHOWN = 12


def project_detail(request, slug):
    project = get_object_or_404(
        Project.objects.published().for_listing().prefetch_related("criteria_met"),
        slug=slug,
    )
    same_country = list(
        Project.objects.published()
        .filter(country=project.country)
        .exclude(pk=project.pk)
        .only("title", "slug", "locality", "country")
        .annotate(others=Window(Count("*")))
        .order_by(natural_localized_order("title"), "pk")[:SAME_COUNTRY_SHOWN]
    )
    others = same_country[0].others if same_country else 0
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "same_country": same_country,
            "same_country_count": others,
            "country_count": others + 1,
        },
    )


def country_detail(request, code):
    code = code.upper()
    if code not in countries:
        raise Http404(_("Unknown country."))
    projects = Project.objects.published().filter(country=code)
    totals = totals_of(projects.by_country_and_currency())
    # Listed ones only: a member's proposal waiting for staff is nobody's to show.
    organisations = list(
        Organisation.objects.listed()
        .filter(country=code)
        .with_project_counts()
        .annotate(based_here=Window(Count("*")))
        .order_by("-project_count", natural_order("name"), "pk")[:COUNTRY_ORGANISATIONS_SHOWN]
    )
    if not totals["projects"] and not organisations:
        raise Http404(_("No project or organisation in this country."))
    page, notice = paginate(
        request,
        projects.order_by(natural_localized_order("title"), "pk"),
        settings.PROJECTS_PER_PAGE,
        count=totals["projects"],
        rows=lambda keys: Project.objects.for_cards().filter(pk__in=keys),
    )
    return render(
        request,
        "projects/country_detail.html",
        {
            "country": Country(code),
            "page": page,
            "projects": page.object_list,
            "notices": [notice] if notice else [],
            "totals": totals,
            "organisations": organisations,
            "organisations_count": organisations[0].based_here if organisations else 0,
        },
    )


def statistics(request):
    """Figures and charts of the catalogue, from ``projects.figures`` (kept in the cache
    until the catalogue changes)."""
    found = figures()
    totals = totals_of(found["groups"])
    per_country = {}
    for country, _currency, projects, amount in found["groups"]:
        counted, funded = per_country.get(country, (0, 0))
        per_country[country] = (counted + projects, funded + amount)
    by_country = sorted(
        (
            {
                "label": Country(country).name,
                "url_code": country.lower(),
                "projects": projects,
                "amount": amount,
            }
            for country, (projects, amount) in per_country.items()
        ),
        key=lambda row: (-row["amount"], row["label"]),
    )
    by_theme = sorted(
        (
            {
                "label": theme.name,
                "theme": theme,
                "slug": theme.slug,
                "projects": projects,
                "amount": amount,
            }
            for theme, projects, amount in found["themes"]
        ),
        key=lambda row: (-row["amount"], row["label"]),
    )
    currencies = [currency for currency, _amount in totals["funding"]]
    return render(
        request,
        "projects/statistics.html",
        {
            "totals": totals,
            "by_country": by_country,
            "by_theme": by_theme,
            "max_country_amount": max((r["amount"] for r in by_country), default=0),
            "max_theme_amount": max((r["amount"] for r in by_theme), default=0),
            "max_country_projects": max((r["projects"] for r in by_country), default=0),
            "currency": currencies[0] if len(currencies) == 1 else None,
        },
    )


# --- IATI downloads ----------------------------------------------------------------------


def projects_iati(request):
    """The filtered project list (all its pages, in its order) as an IATI activities file,
    streamed (see ``projects.downloads``)."""
    return serve_download(
        request,
        kind="xml",
        content_type="application/xml; charset=utf-8",
        filename=f"icmd-iati-activities-{timezone.localdate():%Y-%m-%d}.xml",
        write=lambda projects: activities_chunks(projects, request.build_absolute_uri),
        empty_page="projects/iati_empty.html",  # the schema requires at least one activity
        prepare=with_document_links,  # the library's documents of each project
    )


def project_iati(request, slug):
    """One published project as an IATI activities file."""
    projects = with_document_links(Project.objects.published().for_listing())
    project = get_object_or_404(projects, slug=slug)
    content = activities_document([project], request.build_absolute_uri)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="icmd-iati-{project.slug}.xml"'
    return response
