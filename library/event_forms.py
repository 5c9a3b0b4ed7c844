"""The events calendar's own forms: the visitor's time zone (a GET form, no JavaScript) and
the organiser's email to attendees."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from library import event_services, event_times


class TimeZoneForm(forms.Form):
    """ "Show times in": the zones offered (``event_times.ZONES``), grouped by region."""

    tz = forms.ChoiceField(label=_("Show times in"), choices=event_times.zone_choices)

    def __init__(self, data=None, *, zone: str = event_times.UTC):
        super().__init__(data, initial={"tz": zone}, auto_id="id_times_%s")


class AttendeesEmailForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    subject = forms.CharField(
        label=_("Subject"), max_length=event_services.MESSAGE_SUBJECT_MAX_LENGTH
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=event_services.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Each attendee receives it by email, with a link to the event. Their replies "
            "come to your email address."
        ),
    )
