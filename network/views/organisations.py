"""An organisation's page, and what its representatives do with it.

Who may do what (checked here, on the server, whatever the form posts):

- anyone sees a listed organisation's page, with the members whose profile they may see;
- a member with a verified email says "I belong to this organisation" (my_organisations);
- its approved representatives, and staff, edit its profile and decide who belongs to it.
  The name of a verified organisation is what the ICMD team checked: only staff change it
  (here or in the admin); representatives edit kind, country, city, website, description.

Requests to join and representatives' decisions are limited per member (settings
ACCOUNT_RATE_LIMITS, "organisation_request" and "membership_decision"): each reaches
someone, a representative or the person decided on by email.
"""

from functools import partial
from http import HTTPStatus

from allauth.core import ratelimit
from allauth.core.exceptions import RateLimited
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Value, When, Window
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.idempotency import once
from common.pagination import paginate
from common.translation import natural_localized_order
from network import services
from network.forms import BelongForm, MemberDecisionForm, OrganisationProfileForm
from network.models import Member, MembershipRole, MembershipStatus
from projects.models import Organisation, natural_order

REPRESENTATIVES_FIRST = Case(
    When(role=MembershipRole.REPRESENTATIVE, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)


def _forbidden(request, message: str):
    return render(request, "network/organisation_forbidden.html", {"message": message}, status=403)


def _manager_or_403(request, organisation):
    """None when ``request.user`` may manage ``organisation``, else the 403 response."""
    if services.can_manage(request.user, organisation):
        return None
    return _forbidden(
        request, _("Only the representatives of %(name)s can do this.") % {"name": organisation}
    )


# On an organisation's page: its projects a page at a time; its partners across projects
# and its members, the first few (the catalogue's partner facet and the members directory,
# which the page links to, have them all).
PROJECTS_PER_PAGE = 20
PARTNERS_SHOWN = 12
MEMBERS_SHOWN = 24


def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation.objects.listed(), slug=slug)
    partnerships = organisation.partnerships.filter(project__published=True)
    page, page_notice = paginate(
        request,
        partnerships.select_related("project").order_by(
            natural_localized_order("title", "project__"), "pk"
        ),
        PROJECTS_PER_PAGE,
    )
    shared_projects = partnerships.values("project")
    partners = list(
        Organisation.objects.filter(partnerships__project__in=shared_projects)
        .exclude(pk=organisation.pk)
        .annotate(shared=Count("partnerships"), partner_count=Window(Count("*")))
        .order_by("-shared", natural_order("name"), "pk")[:PARTNERS_SHOWN]
    )
    members = list(
        organisation.memberships.approved()
        .filter(member__in=Member.objects.visible_to(request.user))
        .select_related("member")
        .annotate(member_count=Window(Count("*")))
        .order_by(REPRESENTATIVES_FIRST, natural_order("member__name"), "pk")[:MEMBERS_SHOWN]
    )
    context = {
        "organisation": organisation,
        "page": page,
        "partnerships": page.object_list,
        "notices": [page_notice] if page_notice else [],
        "partners": partners,
        "partner_count": partners[0].partner_count if partners else 0,
        "members": members,
        "member_count": members[0].member_count if members else 0,
        "can_manage": services.can_manage(request.user, organisation),
    }
    if context["can_manage"]:
        context["pending_count"] = (
            organisation.memberships.pending().filter(role=MembershipRole.MEMBER).count()
        )
    if request.user.is_authenticated:
        own = organisation.memberships.filter(member=request.user).first()
        context["own_membership"] = own
        context["can_join"] = request.user.has_verified_email and (
            own is None or own.status == MembershipStatus.REJECTED
        )
        if context["can_join"]:
            context["belong_form"] = BelongForm()  # for its submission token
    return render(request, "network/organisation_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_organisations(request):
    """The member's organisations, and "I belong to …" (a request only for themselves)."""
    form = BelongForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not request.user.has_verified_email:
            messages.error(request, _("Confirm your email address before joining an organisation."))
            status = 403
        elif form.is_valid():
            organisation = form.cleaned_data["organisation"]
            status = HTTPStatus.BAD_REQUEST
            try:
                # Twice the same form (a double click): the second lands where the first did.
                with once(form.cleaned_data["submission"], member=request.user) as submission:
                    if not submission.repeated:
                        if not ratelimit.consume(
                            request, action="organisation_request", user=request.user
                        ):
                            raise RateLimited
                        services.request_membership(member=request.user, organisation=organisation)
                        submission.result_url = _next_url(request)
            except RateLimited:
                form.add_error(
                    None,
                    _(
                        "You have asked to join many organisations in a short while: this "
                        "request was not sent. Please try again later."
                    ),
                )
                status = HTTPStatus.TOO_MANY_REQUESTS
            except services.MembershipError as error:
                form.add_error("organisation", str(error))
            else:
                messages.success(
                    request,
                    _("Your request is sent: a representative of %(name)s will answer it.")
                    % {"name": organisation},
                )
                return redirect(submission.result_url)
        else:
            status = 400
    listed = Organisation.objects.listed().filter(pk=OuterRef("organisation"))
    memberships = (
        request.user.memberships.select_related("organisation")
        .annotate(organisation_listed=Exists(listed))
        .order_by(natural_order("organisation__name"))
    )
    return render(
        request,
        "network/my_organisations.html",
        {"memberships": memberships, "form": form, "MembershipStatus": MembershipStatus},
        status=status,
    )


def _next_url(request) -> str:
    """Where to go once a request to join is sent: the page it was made from, if it is
    one of this site's, else the member's organisations."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("network:my_organisations")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_organisation(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    if refused := _manager_or_403(request, organisation):
        return refused
    can_rename = request.user.is_staff or not organisation.verified
    form = OrganisationProfileForm(
        request.POST if request.method == "POST" else None,
        instance=organisation,
        can_rename=can_rename,
    )
    if request.method == "POST":
        if form.is_valid():
            form.save()  # simple-history keeps the version, with request.user as its author
            messages.success(request, _("The organisation's profile is saved."))
            if Organisation.objects.listed().filter(pk=organisation.pk).exists():
                return redirect(organisation)
            return redirect("network:edit_organisation", slug=organisation.slug)
        status = 400
    else:
        status = 200
    return render(
        request,
        "network/edit_organisation.html",
        {"organisation": organisation, "form": form, "can_rename": can_rename},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_members(request, slug):
    """Pending requests and approved members; approve, refuse or remove one (by POST)."""
    organisation = get_object_or_404(Organisation, slug=slug)
    if refused := _manager_or_403(request, organisation):
        return refused
    status = 200
    if request.method == "POST":
        form = MemberDecisionForm(request.POST)
        status = HTTPStatus.BAD_REQUEST
        if form.is_valid():
            # Only this organisation's people, whatever id is posted; representatives are
            # verified (and removed) by the ICMD team.
            membership = get_object_or_404(
                organisation.memberships.filter(role=MembershipRole.MEMBER).select_related(
                    "member", "organisation"
                ),
                pk=form.cleaned_data["membership"],
            )
            # Each decision emails the person: a limit per representative.
            if not ratelimit.consume(request, action="membership_decision", user=request.user):
                messages.error(
                    request,
                    _(
                        "You have made many decisions in a short while: this one was not "
                        "made. Please try again later."
                    ),
                )
                status = HTTPStatus.TOO_MANY_REQUESTS
            elif _decide(request, form, membership):
                return redirect("network:manage_members", slug=organisation.slug)
        else:
            messages.error(request, _("This request could not be read; please try again."))
    memberships = organisation.memberships.select_related("member").order_by(
        REPRESENTATIVES_FIRST, natural_order("member__name"), "pk"
    )
    return render(
        request,
        "network/manage_members.html",
        {
            "organisation": organisation,
            "pending": [
                m
                for m in memberships
                if m.status == MembershipStatus.PENDING and m.role == MembershipRole.MEMBER
            ],
            "approved": [m for m in memberships if m.status == MembershipStatus.APPROVED],
            "member_role": MembershipRole.MEMBER,
        },
        status=status,
    )


def _decide(request, form, membership) -> bool:
    """Apply one decision through the services, which decide whether it may be made;
    False (with their refusal as a message) when it may not."""
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    name = membership.member.display_name
    decide, done = {
        MemberDecisionForm.APPROVE: (
            services.approve_member,
            _("%(name)s now belongs to the organisation; they are told by email."),
        ),
        MemberDecisionForm.REFUSE: (
            partial(services.refuse_member, reason=reason),
            _("The request of %(name)s is refused; they are told by email."),
        ),
        MemberDecisionForm.REMOVE: (
            partial(services.remove_member, reason=reason),
            _("%(name)s is removed from the organisation; they are told by email."),
        ),
    }[decision]
    try:
        decide(membership=membership, representative=request.user)
    except services.MembershipError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, done % {"name": name})
    return True
