"""Members and organisations directories: who is in M4D Net, searchable and filterable.

Each page runs a fixed number of queries, however many rows: memberships, organisations
and areas of expertise are prefetched, counts are subqueries.
"""

from django.db.models import Func, IntegerField, OuterRef, Prefetch, Subquery
from django.shortcuts import render

from common.pagination import paginate
from common.translation import localized_fields
from network.filters import MemberFilter, OrganisationFilter
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


def directory_page(request, filterset, rows):
    """What both directories hand their template: the page of rows, the filters, notices."""
    page, page_notice = paginate(request, rows, PER_PAGE)
    notices = filterset.ignored_filter_notices()
    if page_notice:
        notices.append(page_notice)
    return {
        "filter": filterset,
        "form": filterset.form,
        "page": page,
        "active_filters": filterset.active_filters(),
        "notices": notices,
    }


def member_directory(request):
    filterset = MemberFilter(
        request.GET, queryset=Member.objects.visible_to(request.user), request=request
    )
    # What a card shows, and nothing more (not the address, nor the password hash).
    rows = with_organisations(filterset.qs).only(*MEMBER_CARD_FIELDS)
    context = directory_page(request, filterset, rows)
    context["members"] = context["page"].object_list
    return render(request, "network/member_directory.html", context)


def organisation_directory(request):
    filterset = OrganisationFilter(
        request.GET, queryset=Organisation.objects.listed(), request=request
    )
    rows = with_directory_counts(filterset.qs, request.user)
    context = directory_page(request, filterset, rows)
    context["organisations"] = context["page"].object_list
    return render(request, "network/organisation_directory.html", context)
