"""Member profiles, contacting a member, and a member's own data."""

from http import HTTPStatus

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from common.idempotency import once
from common.mail import in_language, send_templated_email
from network import accounts
from network.forms import ContactForm, DeleteAccountForm, ProfileForm
from network.models import Member, Membership
from projects.models import Organisation, natural_order

# --- Seeing a profile and contacting its member --------------------------------------------


def _visible_member(request, slug) -> Member:
    """The member at ``slug`` if ``request.user`` may see their profile: the member
    themselves, staff, or anyone ``Member.objects.visible_to`` lets in. Otherwise 404,
    whether or not the account exists."""
    member = get_object_or_404(Member.objects.filter(deleted_at__isnull=True), slug=slug)
    viewer = request.user
    if viewer.is_authenticated and (viewer.pk == member.pk or viewer.is_staff):
        return member
    if not Member.objects.visible_to(viewer).filter(pk=member.pk).exists():
        raise Http404
    return member


def _contact_refusal(viewer, member) -> str:
    """Why ``viewer`` may not write to ``member`` (empty when they may). Anonymous
    visitors are sent to the login page before this is asked."""
    if viewer.pk == member.pk:
        return _("You cannot send a message to yourself.")
    if not viewer.has_verified_email:
        return _(
            "Confirm your email address before contacting members: open the link we sent "
            "you, or ask for a new one on your email addresses page."
        )
    return ""


def _render_profile(request, member, contact_form=None, status=HTTPStatus.OK):
    viewer = request.user
    is_owner = viewer.is_authenticated and viewer.pk == member.pk
    can_contact = False
    if viewer.is_authenticated and not _contact_refusal(viewer, member):
        # Staff see every profile, but write only to those who share it with them.
        can_contact = (
            not viewer.is_staff or Member.objects.visible_to(viewer).filter(pk=member.pk).exists()
        )
    memberships = (
        Membership.objects.approved()
        .filter(member=member, organisation__in=Organisation.objects.listed())
        .select_related("organisation")
        .order_by(natural_order("organisation__name"))
    )
    context = {
        "member": member,
        "is_owner": is_owner,
        "memberships": memberships,
        "expertise": member.expertise.all(),
        "can_contact": can_contact,
        "contact_form": contact_form if contact_form is not None else ContactForm(),
    }
    if is_owner:
        context["own_claims"] = _own_claims(member)
    return render(request, "network/member_profile.html", context, status=status)


OWN_CLAIMS_SHOWN = 10


def _own_claims(member) -> list:
    """The organisations ``member`` claimed or proposed (the newest ones; "My
    organisations" has them all), with what became of each request, for their own eyes."""
    listed = Organisation.objects.listed().filter(pk=OuterRef("organisation"))
    return list(
        Membership.objects.representatives()
        .filter(member=member)
        .select_related("organisation")
        .annotate(organisation_listed=Exists(listed))
        .order_by("-created", "-pk")[:OWN_CLAIMS_SHOWN]
    )


def member_profile(request, slug):
    return _render_profile(request, _visible_member(request, slug))


@login_required
@require_http_methods(["GET", "POST"])
def contact_member(request, slug):
    sender = request.user
    recipient = get_object_or_404(Member.objects.filter(deleted_at__isnull=True), slug=slug)
    if recipient.pk != sender.pk and not (
        Member.objects.visible_to(sender).filter(pk=recipient.pk).exists()
    ):
        raise Http404
    if request.method == "GET":
        return redirect(recipient)
    refusal = _contact_refusal(sender, recipient)
    if refusal:
        return render(
            request,
            "network/contact_refused.html",
            {"member": recipient, "reason": refusal},
            status=HTTPStatus.FORBIDDEN,
        )
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, recipient, form, status=HTTPStatus.BAD_REQUEST)
    with once(form.cleaned_data["submission"], member=sender) as submission:
        # The same form twice (a double click): the message is sent once.
        if not submission.repeated:
            if not ratelimit.consume(request, action="contact_member", user=sender):
                form.add_error(
                    None,
                    _(
                        "You have sent many messages in a short while: this one was not sent. "
                        "Please try again later (it is still below)."
                    ),
                )
                return _render_profile(
                    request, recipient, form, status=HTTPStatus.TOO_MANY_REQUESTS
                )
            _send_message(request, sender, recipient, form.cleaned_data)
            submission.result_url = recipient.get_absolute_url()
    messages.success(
        request,
        _("Your message was sent to %(name)s. Their reply will come to your email address.")
        % {"name": recipient.display_name},
    )
    return redirect(submission.result_url)


def _send_message(request, sender, recipient, data) -> None:
    """The message, in the recipient's language, through the outbox (sent after commit)."""
    sender_url = ""
    if Member.objects.visible_to(recipient).filter(pk=sender.pk).exists():
        # A link to the sender's profile, when the recipient may open it, in the
        # recipient's language (as the whole email).
        with in_language(recipient.language):
            sender_url = request.build_absolute_uri(sender.get_absolute_url())
    context = {
        "sender": sender,
        "sender_url": sender_url,
        "recipient": recipient,
        "subject": data["subject"],
        "message": data["message"],
    }
    send_templated_email(
        "network/email/contact_message", recipient, context, reply_to=[sender.email]
    )


# --- A member's own data --------------------------------------------------------------------


@login_required
def my_profile(request):
    return redirect(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def edit_profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile is saved."))
            return redirect(request.user)
        status = HTTPStatus.BAD_REQUEST
    else:
        status = HTTPStatus.OK
    return render(request, "network/edit_profile.html", {"form": form}, status=status)


@login_required
@never_cache
def export_my_data(request):
    member = request.user
    filename = f"m4dnet-{member.slug}-{timezone.localdate().isoformat()}.json"
    response = JsonResponse(
        accounts.member_data(member),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    member = request.user
    if request.method == "GET":
        form = DeleteAccountForm(member=member)
        return render(request, "network/delete_account.html", {"form": form})
    if not ratelimit.consume(request, action="delete_account", user=member):
        refusal = _("Too many attempts in a short while. Please wait a few minutes, then retry.")
        return render(
            request,
            "network/delete_account.html",
            {"form": DeleteAccountForm(member=member), "refusal": refusal},
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
    form = DeleteAccountForm(request.POST, member=member)
    if not form.is_valid():
        return render(
            request, "network/delete_account.html", {"form": form}, status=HTTPStatus.BAD_REQUEST
        )
    accounts.delete_account(member)
    logout(request)
    return render(request, "network/account_deleted.html")
