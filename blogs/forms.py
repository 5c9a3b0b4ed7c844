"""What people type for blogs and following: a blog post, and a follow/unfollow button."""

from django import forms
from django.utils.translation import gettext_lazy as _

from blogs.models import BlogPost
from common.forms import CleanTextMixin
from common.idempotency import SubmissionTokenMixin
from common.translation import WrittenInField
from forums.forms import MARKDOWN_HELP, VersionField, projects_by_title
from projects.models import Project


class BlogPostForm(CleanTextMixin, SubmissionTokenMixin, forms.ModelForm):
    """Title, summary, Markdown text and an optional project; lengths come from the model.
    A new post's form carries a submission token (sent twice, it creates one post); an
    edited post's, the version it started from (``VersionField``)."""

    project = forms.ModelChoiceField(
        label=_("About a project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label="—",
    )
    language = WrittenInField()
    version = VersionField()

    class Meta:
        model = BlogPost
        fields = ["title", "summary", "body", "language", "project"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}
        help_texts = {
            "summary": _("One or two sentences, shown in the list of posts and in feeds."),
            "body": MARKDOWN_HELP,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects_by_title()
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            del self.fields["submission"]
            self.fields["version"].initial = self.instance.version

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give your post a title."), code="required")
        return title

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write your post."), code="required")
        return body

    def written_text(self) -> dict:
        """The text, the language it is written in and its project, for the services."""
        return {
            name: self.cleaned_data[name]
            for name in ("language", "title", "summary", "body", "project")
        }

    def starting_again_from(self, current) -> "BlogPostForm":
        """The same form, holding the person's text, now based on ``current`` (the version
        saved meanwhile): sent again, it replaces it knowingly."""
        data = self.data.copy()
        data["version"] = current.version
        return type(self)(data, instance=current)


class FollowForm(forms.Form):
    """The hidden fields of a "Follow"/"Unfollow" button."""

    KINDS = [("topic", "topic"), ("forum", "forum"), ("blog_author", "blog_author")]

    kind = forms.ChoiceField(choices=KINDS)
    target = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("follow", "follow"), ("unfollow", "unfollow")])
    next = forms.CharField(max_length=500, required=False)
