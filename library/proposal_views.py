"""Proposing an event: the form for the verified representatives of an organisation, and
the proposer's own list of what they proposed and what became of it.

Who may do what (decided by ``event_services``, whatever the form posts): only a member
whose email address is confirmed and who represents a verified organisation (approved by
the JMDI team) proposes events, and only that organisation's; anyone else is told why
(403). Staff write events in the admin. Proposals count against the rate
``event_proposal`` (settings.ACCOUNT_RATE_LIMITS): each one reaches the staff's inbox.
"""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.idempotency import once
from common.pagination import paginate
from forums.views.topics import TooFast, within_rate_limit
from library import event_services
from library.models import Event
from library.proposal_forms import EventProposalForm
from projects.models import Organisation

PROPOSAL_RATE_LIMIT = "event_proposal"
PROPOSALS_PER_PAGE = 20


def _refused(request, reason: str):
    return render(
        request,
        "events/proposal_refused.html",
        {"reason": reason},
        status=HTTPStatus.FORBIDDEN,
    )


def _render_form(request, form, status=HTTPStatus.OK):
    return render(request, "events/propose.html", {"form": form}, status=status)


def _not_theirs(request, organisations, organisation: Organisation):
    """403 when ``organisation`` is not one the member may propose events for."""
    if organisations.filter(pk=organisation.pk).exists():
        return None
    return _refused(request, event_services.not_a_representative(organisation))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def propose_event(request):
    refusal = event_services.proposal_refusal(request.user)
    if refusal:
        return _refused(request, refusal)
    organisations = event_services.represented_organisations(request.user)
    if request.method != "POST":
        # ``?organisation=<slug>``: from that organisation's page; else their only one.
        organisation = None
        if slug := request.GET.get("organisation", ""):
            organisation = get_object_or_404(Organisation, slug=slug[:200])
            if refused := _not_theirs(request, organisations, organisation):
                return refused
        elif len(represented := list(organisations[:2])) == 1:
            organisation = represented[0]
        form = EventProposalForm(organisations=organisations, organisation=organisation)
        return _render_form(request, form)
    posted = request.POST.get("organisation", "")
    if posted.isdigit() and (other := Organisation.objects.filter(pk=int(posted)).first()):
        if refused := _not_theirs(request, organisations, other):
            return refused
    form = EventProposalForm(request.POST, organisations=organisations)
    if not form.is_valid():
        return _render_form(request, form, status=HTTPStatus.BAD_REQUEST)
    try:
        with once(form.cleaned_data["submission"], member=request.user) as submission:
            if submission.result_url:  # the same form, sent again: nothing new
                return redirect(submission.result_url)
            if not within_rate_limit(request, PROPOSAL_RATE_LIMIT):
                raise TooFast
            event_services.propose_event(member=request.user, **form.proposal())
            submission.result_url = reverse("events:my_proposals")
    except TooFast:
        form.add_error(
            None,
            _(
                "You have proposed many events in a short while: this one was not sent. "
                "Please try again later (what you typed is still below)."
            ),
        )
        return _render_form(request, form, status=HTTPStatus.TOO_MANY_REQUESTS)
    except event_services.ProposalNotPermitted as refusal:
        return _refused(request, str(refusal))
    except event_services.InvalidProposal as invalid:
        for field, message in invalid.errors:
            form.add_error(field if field in form.fields else None, message)
        return _render_form(request, form, status=HTTPStatus.BAD_REQUEST)
    except event_services.EventError as error:
        form.add_error(None, str(error))
        return _render_form(request, form, status=HTTPStatus.BAD_REQUEST)
    messages.success(
        request,
        _("Your event is proposed: the JMDI team will review it and tell you by email."),
    )
    return redirect(submission.result_url)


@login_required
def my_proposals(request):
    """The events the member proposed, the newest first: where each stands, and the reason
    of a refusal."""
    proposals = (
        Event.objects.filter(proposed_by=request.user)
        .select_related("organiser")
        .order_by("-created", "-pk")
    )
    page, notice = paginate(request, proposals, PROPOSALS_PER_PAGE)
    return render(
        request,
        "events/my_proposals.html",
        {
            "page": page,
            "proposals": page.object_list,
            "notices": [notice] if notice else [],
            "can_propose": not event_services.proposal_refusal(request.user),
        },
    )
