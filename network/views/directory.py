"""Members and organisations directories: who is in M4D Net, searchable and filterable, with
facets (countries, organisations: the values of the rows listed, with counts).

Each page runs a fixed number of queries, however many rows: memberships, organisations
and areas of expertise are prefetched, counts are subqueries, and one grouped query gives
both the number of rows and the facet of countries.
"""

from django.db.models import Count, Func, IntegerField, OuterRef, Prefetch, Subquery
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from common.facets import (
    facet,
    facet_from_counts,
    facet_page,
    requested_facet,
    unknown_facet_notice,
)
from common.pagination import paginate
from common.translation import localized_fields
from network.filters import MEMBER_FACETS, ORGANISATION_FACETS, MemberFilter, OrganisationFilter
from network.models import Member, Membership
from projects.models import Organisation, Partnership, natural_order

PER_PAGE = 24
MEMBER_CARD_FIELDS = ("name", "slug", "country", "city", "affiliation", "deleted_at")


def count_rows(queryset):
    """The number of rows of ``queryset`` (filtered on an ``OuterRef``), as a subquery."""
    counted = queryset.order_by().annotate(count=Func("pk", function="COUNT")).values("count")
    return Subquery(counted, output_field=IntegerField())


def with_organisations(members):
    """Members with their areas of expertise and, in ``approved_memberships``, their
    approved memberships of listed organisations (what ``partials/member_card.html`` shows)."""
    approved = (
        Membership.objects.approved()
        .filter(organisation__in=Organisation.objects.listed())
        .select_related("organisation")
        .only("member_id", "role", *localized_fields("organisation__name"), "organisation__slug")
        .order_by(natural_order("organisation__name"))
    )
    return members.prefetch_related(
        "expertise", Prefetch("memberships", queryset=approved, to_attr="approved_memberships")
    )


def with_directory_counts(organisations, viewer):
    """Organisations with ``project_count`` (published projects) and ``member_count``
    (approved members whose profile ``viewer`` may see)."""
    projects = Partnership.objects.filter(organisation=OuterRef("pk"), project__published=True)
    members = Membership.objects.approved().filter(
        organisation=OuterRef("pk"), member__in=Member.objects.visible_to(viewer).values("pk")
    )
    return organisations.annotate(
        project_count=count_rows(projects), member_count=count_rows(members)
    )


def country_counts(rows) -> dict[str, int]:
    """{country: how many of ``rows``} ("" for rows without a country): one grouped query,
    bounded by the world's countries, whose sum is the number of rows."""
    return dict(rows.order_by().values_list("country").annotate(rows=Count("*")))


def directory_page(request, filterset, rows, *, facets, title, list_url, template):
    """A directory: the page of ``rows`` (the filtered rows, sorted), its facets, the filters
    in use and the notices; or, for ``?facet=<name>``, the facet's own page. The facet of
    countries and the number of rows come from one grouped query."""
    notices = filterset.ignored_filter_notices()
    asked = requested_facet(request, facets)
    if asked:
        return facet_page(
            request,
            asked,
            filterset.filtered,
            selected=filterset.selected(asked.name),
            title=title,
            list_url=list_url,
            notices=notices,
        )
    if asked == "":
        notices.append(unknown_facet_notice(request))
    by_country = country_counts(filterset.filtered)
    page, page_notice = paginate(request, rows, PER_PAGE, count=sum(by_country.values()))
    if page_notice:
        notices.append(page_notice)
    errors = filterset.errors
    shown = [
        facet_from_counts(
            facets["country"],
            {country: count for country, count in by_country.items() if country},
            request.GET,
            selected=filterset.selected("country"),
            errors=errors.get("country", ()),
        ),
        *(
            facet(
                spec,
                filterset.filtered,
                request.GET,
                selected=filterset.selected(name),
                errors=errors.get(name, ()),
            )
            for name, spec in facets.items()
            if name != "country"
        ),
    ]
    form = filterset.form
    context = {
        "filter": filterset,
        "form": form,
        "search_fields": [form["q"]],
        "other_fields": [form[name] for name in form.fields if name not in {"q", *facets}],
        "facets": shown,
        "page": page,
        "active_filters": filterset.active_filters(),
        "notices": notices,
        "rows": page.object_list,
    }
    return render(request, template, context)


def member_directory(request):
    filterset = MemberFilter(
        request.GET, queryset=Member.objects.visible_to(request.user), request=request
    )
    # What a card shows, and nothing more (not the address, nor the password hash).
    rows = with_organisations(filterset.qs).only(*MEMBER_CARD_FIELDS)
    return directory_page(
        request,
        filterset,
        rows,
        facets=MEMBER_FACETS,
        title=_("Members of M4D Net"),
        list_url=reverse("network:members"),
        template="network/member_directory.html",
    )


def organisation_directory(request):
    filterset = OrganisationFilter(
        request.GET, queryset=Organisation.objects.listed(), request=request
    )
    rows = with_directory_counts(filterset.qs, request.user)
    return directory_page(
        request,
        filterset,
        rows,
        facets=ORGANISATION_FACETS,
        title=_("Organisations of M4D Net"),
        list_url=reverse("network:organisations"),
        template="network/organisation_directory.html",
    )
