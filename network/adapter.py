from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.urls import reverse, translate_url

from common.mail import in_language
from common.outbox import queue_message
from common.security import client_address
from common.translation import current_language
from network.models import Member


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        """Where the person lands once signed up and logged in, that is once their address
        is confirmed (mandatory verification): their profile."""
        return reverse("network:me")

    def get_email_verification_redirect_url(self, email_address):
        """Once the address is confirmed (and the person logged in), show their profile."""
        return reverse("network:me")

    def clean_password(self, password, user=None):
        """Django's validators (AUTH_PASSWORD_VALIDATORS), then the member's name: Django's
        similarity validator compares with username, first_name, last_name and email, while
        a Member has a single ``name``. On the sign-up form the account does not exist yet
        (allauth validates against an unsaved user holding only the email), so the name is
        read from the form being submitted."""
        password = super().clean_password(password, user)
        name = getattr(user, "name", "") if user is not None else ""
        request = self.request
        if (
            not name
            and user is not None
            and user.pk is None
            and request is not None
            and request.method == "POST"
        ):
            name = request.POST.get("name", "")
        if name.strip():
            UserAttributeSimilarityValidator(user_attributes=("name",)).validate(
                password, get_user_model()(name=name.strip())
            )
        return password

    def get_client_ip(self, request) -> str:
        """The address every rate limit per address counts (allauth's, the admin's login,
        downloads): the client's, as the trusted proxies saw it."""
        return client_address(request)

    def pre_authenticate(self, request, **credentials):
        """Past the limit of failed logins (ACCOUNT_RATE_LIMITS["login_failed"]), answer 429
        "too many attempts", as every other rate limit and the admin's login do, instead of
        allauth's form error; the right password is refused too until the period ends."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code == "too_many_login_attempts":
                raise ImmediateHttpResponse(respond_429(request)) from error
            raise

    # --- Emails (verification, password reset, account notifications) -------------------

    def send_mail(self, template_prefix, email, context):
        """Every email of the account flows in the recipient's language: the member's
        preferred language (chosen at sign-up, edited on the profile), or, for an address
        that has no account, the page's. The links in the context were made for the page's
        language: they are moved to the recipient's (``/fr/…`` → ``/en/…``)."""
        language = _recipient_language(email, context.get("user"))
        context = {
            key: _link_in_language(value, language) if key.endswith("_url") else value
            for key, value in context.items()
        }
        with in_language(language):
            context = {
                "request": self.request,
                "email": email,
                "current_site": get_current_site(self.request),
                **context,
            }
            message = self.render_mail(template_prefix, email, context)
        queue_message(message, language=language)

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """Notifications (password changed, address changed…) may go to an address the
        account no longer has: the account, passed along, tells the language."""
        super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email
        )


def _recipient_language(email: str, user=None) -> str:
    if isinstance(user, Member) and user.pk is not None:
        return user.language
    address = (
        EmailAddress.objects.filter(email__iexact=email, user__isnull=False)
        .select_related("user")
        .order_by("-verified", "-primary")
        .first()
    )
    if address is not None:
        return address.user.language
    member = Member.objects.filter(email__iexact=email).first()
    return member.language if member is not None else current_language()


def _link_in_language(url, language: str):
    """``url`` (a page of the site in the active language) in ``language``; anything else
    unchanged."""
    if not isinstance(url, str) or not url:
        return url
    return translate_url(url, language)
