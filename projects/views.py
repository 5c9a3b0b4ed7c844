from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries
from django_countries.fields import Country

from common.pagination import paginate
from projects.downloads import serve_download
from projects.filters import ProjectFilter
from projects.iati import activities_document
from projects.iati.export import activities_chunks
from projects.models import Organisation, Project, Theme, natural_order


def project_list(request):
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
    projects = filterset.qs
    page, page_notice = paginate(request, projects.for_listing(), settings.PROJECTS_PER_PAGE)
    notices = [
        _("%(filter)s: %(error)s This filter was ignored.")
        % {"filter": filterset.form.fields[name].label, "error": " ".join(errors)}
        for name, errors in filterset.errors.items()
    ]
    if page_notice:
        notices.append(page_notice)
    phase = getattr(filterset.form, "cleaned_data", {}).get("phase")
    if phase is not None and not phase.published_projects:
        notices.append(phase_notice(phase))
    return render(
        request,
        "projects/project_list.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "page": page,
            "projects": page.object_list,
            # Straight on the filtered projects: no filter joins a row twice (each theme and
            # partner is once per project; the others are EXISTS), and wrapping them in
            # `pk__in` let PostgreSQL re-run the whole filter for every project whenever its
            # statistics were stale (a minute for 200 projects).
            "totals": projects.totals(),
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


def project_detail(request, slug):
    project = get_object_or_404(
        Project.objects.published().for_listing().prefetch_related("criteria_met"),
        slug=slug,
    )
    same_country = (
        Project.objects.published()
        .filter(country=project.country)
        .exclude(pk=project.pk)
        .only("title", "slug", "locality", "country")
        .order_by(natural_order("title"))
    )
    return render(
        request,
        "projects/project_detail.html",
        {"project": project, "same_country": same_country},
    )


def country_detail(request, code):
    code = code.upper()
    if code not in countries:
        raise Http404(_("Unknown country."))
    projects = Project.objects.published().filter(country=code)
    # Listed ones only: a member's proposal waiting for staff is nobody's to show.
    organisations = Organisation.objects.listed().filter(country=code).with_project_counts()
    if not projects.exists() and not organisations.exists():
        raise Http404(_("No project or organisation in this country."))
    return render(
        request,
        "projects/country_detail.html",
        {
            "country": Country(code),
            "projects": projects.for_listing().order_by(natural_order("title")),
            "totals": projects.totals(),
            "organisations": organisations,
        },
    )


def statistics(request):
    published = Project.objects.published()
    totals = published.totals()
    by_country = sorted(
        (
            {
                "label": Country(row["country"]).name,
                "url_code": row["country"].lower(),
                "projects": row["projects"],
                "amount": row["amount"],
            }
            for row in published.order_by()
            .values("country")
            .annotate(projects=Count("id"), amount=Sum("funding_amount"))
        ),
        key=lambda row: (-row["amount"], row["label"]),
    )
    themes = Theme.objects.annotate(
        project_count=Count("projects", filter=Q(projects__published=True)),
        amount=Sum("projects__funding_amount", filter=Q(projects__published=True)),
    ).filter(project_count__gt=0)
    by_theme = sorted(
        (
            {
                "label": theme.name,
                "theme": theme,
                "slug": theme.slug,
                "projects": theme.project_count,
                "amount": theme.amount,
            }
            for theme in themes
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
    )


def project_iati(request, slug):
    """One published project as an IATI activities file."""
    project = get_object_or_404(Project.objects.published().for_listing(), slug=slug)
    content = activities_document([project], request.build_absolute_uri)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="icmd-iati-{project.slug}.xml"'
    return response
