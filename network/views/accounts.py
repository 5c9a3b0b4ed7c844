"""Joining M4D Net: allauth's sign-up, made one transaction that a second click cannot
repeat.

Everything a sign-up creates — the account, its address, the claim on an organisation or
the proposed organisation, and the email with the verification link (an outbox row) — is
written in one transaction: it all exists, or nothing does.

The same form posted twice (a double click, a reload) carries the same submission token:
the second request waits for the first to commit, then lands on the page the first one
led to ("verify your email address"), creating nothing. Two different forms for the same
address at the same instant (two tabs) meet at the address's unique constraint: the second
is answered as allauth answers a sign-up with an address that already has an account (the
same page, and an email to the address saying so), never with an error page.

Both answers also take as long: the password typed is hashed for an address that already
has an account too, as creating the account would (hashing is most of a sign-up's time), so
that the time of the answer does not tell whether an address is a member's.
"""

from http import HTTPStatus

from allauth.account.views import SignupView as AllauthSignupView
from allauth.core import ratelimit
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from common.idempotency import once
from network import services
from network.forms import JoinAs
from network.models import Member

REDIRECTS = {301, 302, 303, 307, 308}


class SignupView(AllauthSignupView):
    def form_valid(self, form):
        try:
            with once(form.cleaned_data.get("submission")) as submission:
                if submission.repeated:
                    return HttpResponseRedirect(submission.result_url)
                if refused := self._organisation_requests_limited(form):
                    return refused
                if form.account_already_exists:
                    # No account is made (an email goes to the address instead): the
                    # password is hashed all the same, so that both answers take as long.
                    make_password(form.cleaned_data.get("password1"))
                response = super().form_valid(form)
                if response.status_code in REDIRECTS:
                    submission.result_url = response["Location"]
        except services.OrganisationNameTaken as refusal:
            form.add_error("organisation_name", str(refusal))
            return self.form_invalid(form)
        except services.MembershipError as refusal:
            form.add_error(None, str(refusal))
            return self.form_invalid(form)
        except IntegrityError:
            email = form.cleaned_data.get("email", "")
            if not email or not Member.objects.filter(email__iexact=email).exists():
                raise
            # Signed up at this very instant by another form: allauth's answer for an
            # address that already has an account.
            form.account_already_exists = True
            _user, response = form.try_save(self.request)
            return response
        return response

    def _organisation_requests_limited(self, form):
        """Past the limit of claims and proposals from one address (each waits in the
        staff's queue; ACCOUNT_RATE_LIMITS["organisation_request_signup"]), the form again
        with a 429 and nothing created; None within it. Joining as an individual is not
        counted."""
        if form.cleaned_data.get("join_as") not in (JoinAs.EXISTING, JoinAs.NEW):
            return None
        if ratelimit.consume(self.request, action="organisation_request_signup"):
            return None
        form.add_error(
            None,
            _(
                "Many organisations were claimed or proposed from your connection in a short "
                "while: nothing was saved. Please try again later, or join as an individual "
                "for now."
            ),
        )
        response = self.form_invalid(form)
        response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


signup = SignupView.as_view()
