"""What people type in the forums: a new topic, a reply, an edit, a text to preview.

Every text has a maximum length; the Markdown is rendered and sanitised by the models
(``Post.save``) and by ``common.text.render_markdown`` for previews.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField

from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from common.translation import WrittenInField, country_choices, natural_localized_order
from forums.models import Post, Topic, TopicKind
from forums.moderation_forms import EdiscussionForm
from projects.models import Project, Theme

POST_MAX_LENGTH = Post._meta.get_field("body").max_length
TITLE_MAX_LENGTH = Topic._meta.get_field("title").max_length

MARKDOWN_HELP = _(
    "Markdown: *italics*, **bold**, [a link](https://example.org), “> ” to quote, "
    "“- ” for a list. Use “Preview” to see your message before sending it."
)


class MessageField(forms.CharField):
    """A message in Markdown, as long as a post may be."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Message"))
        kwargs.setdefault("max_length", POST_MAX_LENGTH)
        kwargs.setdefault("help_text", MARKDOWN_HELP)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 10}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if self.required and not value.strip():
            raise forms.ValidationError(_("Write a message."), code="required")
        return value


def projects_by_title():
    """Published projects sorted by their title in the page's language."""
    return Project.objects.published().order_by(natural_localized_order("title"))


def themes_by_name():
    return Theme.objects.order_by(natural_localized_order("name"))


class VersionField(forms.IntegerField):
    """The version of the text the editor started from (hidden): a save made from an
    older one is a conflict, shown instead of replacing what someone saved meanwhile. A
    form sent without it (a page from before) is treated as older."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return super().clean(value) or 0
        except forms.ValidationError:
            return 0


class TopicForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = MessageField()
    language = WrittenInField()
    project = forms.ModelChoiceField(
        label=_("About a project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("The topic then shows on that project's page."),
    )
    country = LazyTypedChoiceField(
        label=_("About a country"), choices=country_choices, required=False
    )
    theme = forms.ModelChoiceField(
        label=_("About a theme"), queryset=Theme.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Sorted in the language of the page that shows the form.
        self.fields["project"].queryset = projects_by_title()
        self.fields["theme"].queryset = themes_by_name()

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the topic a title."), code="required")
        return title

    def links(self) -> dict:
        """The project, country and theme chosen, for ``services.start_topic``."""
        return {
            "project": self.cleaned_data.get("project"),
            "country": self.cleaned_data.get("country") or "",
            "theme": self.cleaned_data.get("theme"),
        }

    def ediscussion(self) -> dict:
        """What makes the topic an e-discussion, for ``services.start_topic``: nothing here
        (members start discussions; see ``ModeratorTopicForm``)."""
        return {}


class ModeratorTopicForm(TopicForm, EdiscussionForm):
    """The new-topic form as moderators see it: it may also open an e-discussion directly,
    with its dates, guiding questions and the moderator who runs it (the e-discussion
    fields and their checks are those of the "Moderate" page)."""

    field_order = [
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "guiding_questions",
        "moderator",
        "body",
        "language",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False  # a form sent without it starts a discussion

    def ediscussion(self) -> dict:
        if self.cleaned_data.get("kind") != TopicKind.EDISCUSSION:
            return {"kind": TopicKind.DISCUSSION}
        fields = ("kind", "starts_at", "ends_at", "guiding_questions", "moderator")
        return {name: self.cleaned_data.get(name) for name in fields}


class ReplyForm(CleanTextMixin, SubmissionTokenMixin, forms.Form):
    body = MessageField(label=_("Your reply"))
    language = WrittenInField()


class PostEditForm(CleanTextMixin, forms.Form):
    body = MessageField()
    language = WrittenInField()
    version = VersionField()

    @classmethod
    def for_post(cls, post, data=None):
        return cls(
            data,
            initial={"body": post.body, "language": post.language, "version": post.version},
        )

    def starting_again_from(self, current) -> "PostEditForm":
        """The same form, holding the person's text, now based on ``current`` (the version
        saved meanwhile): sent again, it replaces it knowingly."""
        data = self.data.copy()
        data["version"] = current.version
        return type(self)(data)


class PreviewForm(CleanTextMixin, forms.Form):
    body = MessageField(required=False)
