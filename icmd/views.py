import logging
from http import HTTPStatus

from allauth.core import ratelimit
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.idempotency import once
from common.translation import current_language, text_in_language
from icmd import home as home_blocks
from icmd import services
from icmd.forms import ContactForm, ContactTopic
from icmd.models import Page, PageKind


def home(request):
    """The initiative, its figures and what is happening (cached, icmd/home.py); for a
    member, the topics they follow that have new posts."""
    return render(
        request,
        "icmd/home.html",
        {
            "blocks": home_blocks.blocks_html(),
            "followed": home_blocks.unread_followed_topics(request.user),
        },
    )


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: the icon of the static files."""
    response = redirect(static("favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


def about(request, slug=None):
    pages = list(Page.objects.about())
    if not pages:
        raise Http404
    if slug is None:
        return redirect("about", slug=pages[0].slug)
    page = next((p for p in pages if p.slug == slug), None)
    if page is None:
        raise Http404
    return render(
        request,
        "icmd/about.html",
        {"page": page, "pages": pages, "body": text_in_language(page, "body")},
    )


# --- Privacy notice, terms of use, contact page ------------------------------------------

logger = logging.getLogger(__name__)

CONTACT_RATE_LIMIT = "contact"


def _site_page(request, kind):
    page = Page.objects.single(kind)
    if page is None:
        raise Http404
    return render(
        request,
        "icmd/site_page.html",
        {"page": page, "body": text_in_language(page, "body"), "kind": kind},
    )


def privacy(request):
    return _site_page(request, PageKind.PRIVACY)


def terms(request):
    return _site_page(request, PageKind.TERMS)


def _contact_page(request, form, status=HTTPStatus.OK):
    return render(request, "icmd/contact.html", {"form": form}, status=status)


def _within_contact_rate(request) -> bool:
    """Count this message against the limit per address (ACCOUNT_RATE_LIMITS["contact"]).
    A cache that cannot be reached lets it through (and is logged): a message written to
    the team must not be lost to it."""
    try:
        with transaction.atomic():
            return ratelimit.consume(request, action=CONTACT_RATE_LIMIT)
    except Exception:  # any cache backend's failure (database, Redis, memcached)
        logger.exception("Rate limit %s not counted: the cache failed.", CONTACT_RATE_LIMIT)
        return True


@require_http_methods(["GET", "POST"])
def contact(request):
    """A form that emails the team (who they are is never shown): rate-limited per address,
    safe to submit twice, with a field only robots fill in."""
    user = request.user
    member = user if user.is_authenticated else None
    if request.method == "GET":
        initial = {"name": member.name, "email": member.email} if member else {}
        return _contact_page(request, ContactForm(initial=initial))
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _contact_page(request, form, HTTPStatus.BAD_REQUEST)
    data = form.cleaned_data
    with once(data["submission"], member=member) as submission:
        # The same form twice (a double click): the message is sent once.
        if not submission.repeated:
            if not form.is_from_a_robot:  # a robot is answered as if it had been sent
                if not _within_contact_rate(request):
                    form.add_error(
                        None,
                        _(
                            "You have sent many messages in a short while: this one was not "
                            "sent. Please try again later (it is still below)."
                        ),
                    )
                    return _contact_page(request, form, HTTPStatus.TOO_MANY_REQUESTS)
                try:
                    services.send_contact_message(
                        name=data["name"],
                        email=data["email"],
                        topic_label=ContactTopic(data["topic"]).label,
                        subject=data["subject"],
                        message=data["message"],
                        language=current_language(),
                        sender=member,
                        token=data["submission"],
                    )
                except services.ContactUnavailable as error:
                    logger.error("Contact form: no recipient (DJANGO_CONTACT_EMAILS, staff).")
                    form.add_error(None, str(error))
                    return _contact_page(request, form, HTTPStatus.SERVICE_UNAVAILABLE)
            submission.result_url = reverse("contact")
    messages.success(
        request,
        _("Thank you: your message was sent to the team. The answer will come to %(email)s.")
        % {"email": data["email"]},
    )
    return redirect(submission.result_url)
