"""The facilitator's email to a cohort's learners."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from learning import cohorts


class CohortEmailForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=cohorts.MESSAGE_SUBJECT_MAX_LENGTH)
    message = forms.CharField(
        label=_("Message"),
        max_length=cohorts.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Each learner of the cohort receives it by email, in one copy, with a link to the "
            "course. Their replies come to your email address."
        ),
    )
