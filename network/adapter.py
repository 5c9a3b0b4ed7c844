from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.core.exceptions import ValidationError
from django.urls import reverse


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
