"""Members share resources with the library and follow its themes and countries: the
"Share a resource" form, the member's own submissions, the follow buttons, and leaving the
daily digest from its email. The rules are ``library.services``'."""

from http import HTTPStatus
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from common.idempotency import once
from common.pagination import paginate
from forums.views.topics import TooFast, within_rate_limit
from library import services
from library.forms import LibraryFollowForm, ShareResourceForm
from library.models import LibraryFollow, Resource
from projects.models import Theme

SUBMISSIONS_PER_PAGE = 20
# Sharing counts against this rate (ACCOUNT_RATE_LIMITS): each submission is for staff.
SHARING_RATE_LIMIT = "library_share"


def _refused(request, reason, status=HTTPStatus.FORBIDDEN):
    return render(request, "library/share_refused.html", {"reason": reason}, status=status)


def _render_form(request, form, status=HTTPStatus.OK):
    return render(request, "library/share.html", {"form": form}, status=status)


def _show_refusal(form, error: services.ResourceError) -> None:
    field = error.field if error.field in form.fields else None
    if error.field == "publisher_name":
        field = "publisher"
    form.add_error(field, str(error))


@login_required
@require_http_methods(["GET", "POST"])
def share(request):
    """The form to share a document or a link; it then waits for the staff's review."""
    refusal = services.sharing_refusal(member=request.user)
    if refusal:
        return _refused(request, refusal)
    if request.method == "GET":
        return _render_form(request, ShareResourceForm(member=request.user))
    form = ShareResourceForm(request.POST, request.FILES, member=request.user)
    if not form.is_valid():
        return _render_form(request, form, status=HTTPStatus.BAD_REQUEST)
    try:
        with once(form.cleaned_data["submission"], member=request.user) as submission:
            if submission.result_url:  # the same form, sent again: nothing new
                return redirect(submission.result_url)
            if not within_rate_limit(request, SHARING_RATE_LIMIT):
                raise TooFast
            data, files = form.submission()
            resource = services.submit_resource(member=request.user, data=data, files=files)
            submission.result_url = f"{reverse('library:my_submissions')}#resource-{resource.pk}"
    except TooFast:
        form.add_error(
            None,
            _(
                "You have shared many resources in a short while: this one was not saved. "
                "Please try again later."
            ),
        )
        return _render_form(request, form, status=HTTPStatus.TOO_MANY_REQUESTS)
    except services.NotPermitted as error:
        return _refused(request, str(error))
    except services.ResourceError as error:
        _show_refusal(form, error)
        return _render_form(request, form, status=HTTPStatus.BAD_REQUEST)
    messages.success(
        request,
        _(
            "Thank you: “%(title)s” waits for the JMDI team's review. You will be told by "
            "email when it is published."
        )
        % {"title": resource.title},
    )
    return redirect(submission.result_url)


@login_required
def my_submissions(request):
    """What the member shared, newest first: waiting, published, or refused and why."""
    resources = (
        Resource.objects.filter(shared_by=request.user)
        .prefetch_related("files")
        .order_by("-created", "-pk")
    )
    page, notice = paginate(request, resources, SUBMISSIONS_PER_PAGE)
    return render(
        request,
        "library/my_submissions.html",
        {
            "page": page,
            "notice": notice,
            "can_share": not services.sharing_refusal(member=request.user),
        },
    )


# --- Following -------------------------------------------------------------------------------


def _list_url(theme, country) -> str:
    query = {"theme": theme.slug} if theme is not None else {"country": country}
    return f"{reverse('library:list')}?{urlencode(query)}"


@login_required
@require_POST
def follow(request):
    """Follow or stop following a theme or a country (pressed twice: the same)."""
    form = LibraryFollowForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, _("This button is out of date: reload the page."), HTTPStatus.BAD_REQUEST
        )
    theme_slug, country = form.cleaned_data["theme"], form.cleaned_data["country"]
    theme = get_object_or_404(Theme, slug=theme_slug) if theme_slug else None
    name = theme.name if theme is not None else str(countries.name(country))
    next_url = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = _list_url(theme, country)
    if form.cleaned_data["action"] == "unfollow":
        services.unfollow(member=request.user, theme=theme, country=country)
        messages.success(
            request, _("You no longer follow “%(name)s” in the library.") % {"name": name}
        )
        return redirect(next_url)
    try:
        services.follow(member=request.user, theme=theme, country=country)
    except services.NotPermitted as error:
        return _refused(request, str(error))
    messages.success(
        request,
        _(
            "You follow “%(name)s” in the library: once a day, an email tells you of what was "
            "published on it."
        )
        % {"name": name},
    )
    return redirect(next_url)


@csrf_exempt  # the signed token is the proof; mail clients POST here (RFC 8058)
@never_cache  # one member's page, whoever opens it: never kept for visitors
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """From the digest's link. GET: a page with one button (email scanners follow links,
    so a GET changes nothing). POST: the member follows nothing in the library any more."""
    member_id = services.read_unsubscribe_token(token)
    if member_id is None:
        return render(
            request,
            "library/unsubscribe.html",
            {"invalid": True},
            status=HTTPStatus.BAD_REQUEST,
        )
    if request.method == "POST":
        services.unfollow_everything(member_id=member_id)
        return render(request, "library/unsubscribe.html", {"done": True})
    follows = LibraryFollow.objects.filter(member_id=member_id).select_related("theme")
    return render(request, "library/unsubscribe.html", {"follows": follows[:300]})
