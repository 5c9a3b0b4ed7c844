"""Forms for moderation: flagging, hiding, the "Moderate" page of a topic, e-discussions."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from common.forms import CleanTextMixin
from forums.models import FlagCategory, Forum, Topic, TopicKind, moderator_condition
from forums.services import ediscussion_date_errors

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


class FlagForm(CleanTextMixin, forms.Form):
    """Which posting rule a post breaks, and why in the member's words: required when none
    of the categories fits ("other"), optional otherwise. A form sent without a category
    (a page shown before there were categories) counts as "other"."""

    category = forms.ChoiceField(
        label=_("What is wrong with this post?"),
        choices=FlagCategory.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reason = reason_field(
        _("Details"),
        _("Only moderators read this. Required if you choose “Other”."),
        required=False,
    )

    def clean_category(self):
        return self.cleaned_data["category"] or FlagCategory.OTHER

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("category") == FlagCategory.OTHER and not cleaned.get("reason"):
            self.add_error("reason", _("Say what is wrong with this post."))
        return cleaned


class HidePostForm(CleanTextMixin, forms.Form):
    reason = reason_field(
        _("Reason for hiding"),
        _("Kept with the post and shown to moderators. The author may be told."),
    )


class ResolveFlagForm(CleanTextMixin, forms.Form):
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
    """Members who may be named to run an e-discussion: the moderators
    (``forums.models.is_moderator``)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, deleted_at__isnull=True)
        .filter(moderator_condition())
        .distinct()
        .order_by("name")
    )


def _model_label(name):
    return capfirst(Topic._meta.get_field(name).verbose_name)


class EdiscussionForm(CleanTextMixin, forms.Form):
    """Turn a topic into an e-discussion, or change its dates, questions and moderator
    (saved by ``forums.services.set_ediscussion``, which decides the rules)."""

    kind = forms.ChoiceField(label=_model_label("kind"), choices=TopicKind.choices)
    starts_at = forms.DateTimeField(
        label=_model_label("starts_at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Contributions are accepted from this time (UTC)…"),
    )
    ends_at = forms.DateTimeField(
        label=_model_label("ends_at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("…until this time (UTC). The moderator then writes a summary."),
    )
    guiding_questions = forms.CharField(
        label=_("Guiding questions"),
        help_text=_("In Markdown, for example one question per line starting with “1.”."),
        required=False,
        max_length=GUIDING_QUESTIONS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    moderator = forms.ModelChoiceField(
        label=_model_label("moderator"), queryset=None, required=False
    )

    @classmethod
    def for_topic(cls, topic, data=None):
        return cls(
            data,
            prefix="ediscussion",
            initial={
                "kind": topic.kind,
                "starts_at": topic.starts_at,
                "ends_at": topic.ends_at,
                "guiding_questions": topic.guiding_questions,
                "moderator": topic.moderator_id,
            },
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderator"].queryset = moderator_choices()
        self.fields["moderator"].label_from_instance = lambda member: member.display_name

    def clean(self):
        cleaned = super().clean()
        errors = ediscussion_date_errors(
            kind=cleaned.get("kind"),
            starts_at=cleaned.get("starts_at"),
            ends_at=cleaned.get("ends_at"),
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


class SummaryForm(CleanTextMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("In Markdown. Shown at the top of the e-discussion and on its project's page."),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
