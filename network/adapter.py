from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_email_verification_redirect_url(self, email_address):
        """Once the address is confirmed (and the person logged in), show their profile."""
        return reverse("network:me")
