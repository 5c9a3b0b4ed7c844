"""The contact page's form."""

import re

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin

NAME_MAX_LENGTH = 150
SUBJECT_MAX_LENGTH = 150
MESSAGE_MAX_LENGTH = 5000


class ContactTopic(models.TextChoices):
    """What a message to the team is about: it names the email's subject, so that the
    team sees at a glance who should answer."""

    ACCOUNT = "account", _("My account or joining M4D Net")
    PERSONAL_DATA = "personal_data", _("My personal data")
    ORGANISATION = "organisation", _("An organisation or its verification")
    PROJECTS = "projects", _("The funded projects or the open data")
    MODERATION = "moderation", _("The forums, the blogs or a moderation decision")
    TECHNICAL = "technical", _("A problem with the site")
    OTHER = "other", _("Something else")


class ContactForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=NAME_MAX_LENGTH)
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("The team answers you at this address."),
    )
    topic = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", "—"), *ContactTopic.choices],
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH, required=False)
    message = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # A trap for robots, which fill in every field: people do not see it (the "trap" class
    # hides it) and leave it empty. A form that comes back with it filled is answered as if
    # it had been sent, and nothing is sent.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    # Control characters, line breaks and direction controls are taken out of every
    # field before these checks (CleanTextMixin): the name and the subject go into the
    # email's subject line.
    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Write your name."), code="required")
        return name

    def clean_subject(self):
        return " ".join(self.cleaned_data["subject"].split())

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not re.search(r"\w", message):
            raise forms.ValidationError(_("Write your message."), code="required")
        return message

    @property
    def is_from_a_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
