"""Forms for moderation: flagging, hiding, the "Moderate" page of a topic, e-discussions."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from forums.models import Forum, Topic, TopicKind, moderator_condition

REASON_MAX_LENGTH = 2000
SUMMARY_MAX_LENGTH = 20000
GUIDING_QUESTIONS_MAX_LENGTH = 5000


def reason_field(label, help_text="", required=True):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FlagForm(forms.Form):
    reason = reason_field(
        _("What is wrong with this post?"),
        _("Only moderators read this. Say which rule the post breaks."),
    )


class HidePostForm(forms.Form):
    reason = reason_field(
        _("Reason for hiding"),
        _("Kept with the post and shown to moderators. The author may be told."),
    )


class ResolveFlagForm(forms.Form):
    HIDE = "hide"
    DISMISS = "dismiss"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(HIDE, _("Hide the post")), (DISMISS, _("Dismiss the flag"))],
        widget=forms.RadioSelect,
    )
    resolution = reason_field(
        _("Reason or note"),
        _("Required to hide the post: it becomes the reason for hiding."),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.HIDE and not cleaned.get("resolution", "").strip():
            self.add_error("resolution", _("Say why the post is hidden."))
        return cleaned


class DateTimeInput(forms.DateTimeInput):
    """The browser's own date and time picker; works as a plain text field without it."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TopicStateForm(forms.Form):
    """Lock, pin, hide, or move a topic."""

    is_locked = forms.BooleanField(label=_("Locked (no more replies)"), required=False)
    is_pinned = forms.BooleanField(label=_("Pinned (first in its forum)"), required=False)
    is_hidden = forms.BooleanField(label=_("Hidden (only moderators see it)"), required=False)
    forum = forms.ModelChoiceField(label=_("Forum"), queryset=Forum.objects.all(), empty_label=None)

    @classmethod
    def for_topic(cls, topic, data=None):
        return cls(
            data,
            prefix="state",
            initial={
                "is_locked": topic.is_locked,
                "is_pinned": topic.is_pinned,
                "is_hidden": topic.is_hidden,
                "forum": topic.forum_id,
            },
        )


def moderator_choices():
    """Members who may be named to run an e-discussion: staff and the moderators group."""
    return (
        get_user_model()
        .objects.filter(is_active=True, deleted_at__isnull=True)
        .filter(moderator_condition())
        .distinct()
        .order_by("name")
    )


class EdiscussionForm(forms.ModelForm):
    """Turn a topic into an e-discussion, or change its dates, questions and moderator."""

    guiding_questions = forms.CharField(
        label=_("Guiding questions"),
        help_text=_("In Markdown, for example one question per line starting with “1.”."),
        required=False,
        max_length=GUIDING_QUESTIONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    class Meta:
        model = Topic
        fields = ["kind", "starts_at", "ends_at", "guiding_questions", "moderator"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        help_texts = {
            "starts_at": _("Contributions are accepted from this time (UTC)…"),
            "ends_at": _("…until this time (UTC). The moderator then writes a summary."),
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "ediscussion")
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = moderator_choices()
        self.fields["moderator"].label_from_instance = lambda member: member.display_name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == TopicKind.EDISCUSSION:
            starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
            for name in ("starts_at", "ends_at"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("An e-discussion needs an opening and a closing date."))
            if starts_at and ends_at and ends_at <= starts_at:
                self.add_error("ends_at", _("The closing date must come after the opening date."))
        return cleaned

    def save(self, commit=True):
        topic = super().save(commit=False)
        if commit:
            # Only these fields: counters are kept by forums.services and must not be
            # overwritten with the values read when the page was loaded.
            topic.save(update_fields=[*self.Meta.fields, "summary_html"])
        return topic


class SummaryForm(forms.ModelForm):
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("In Markdown. Shown at the top of the e-discussion and on its project's page."),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
    )

    class Meta:
        model = Topic
        fields = ["summary"]

    def save(self, commit=True):
        topic = super().save(commit=False)
        if commit:
            topic.save(update_fields=["summary", "summary_html"])
        return topic
