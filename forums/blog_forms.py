"""What people type for blogs and following: a blog post, and a follow/unfollow button."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.translation import WrittenInField
from forums.forms import MARKDOWN_HELP, projects_by_title
from forums.models import BlogPost
from projects.models import Project


class BlogPostForm(forms.ModelForm):
    """Title, summary, Markdown text and an optional project; lengths come from the model."""

    project = forms.ModelChoiceField(
        label=_("About a project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label="—",
    )
    language = WrittenInField()

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
        """The text and the language it is written in, for ``BlogPost.set_text``."""
        return {name: self.cleaned_data[name] for name in ("language", "title", "summary", "body")}


class FollowForm(forms.Form):
    """The hidden fields of a "Follow"/"Unfollow" button."""

    KINDS = [("topic", "topic"), ("forum", "forum"), ("blog_author", "blog_author")]

    kind = forms.ChoiceField(choices=KINDS)
    target = forms.IntegerField(min_value=1)
    action = forms.ChoiceField(choices=[("follow", "follow"), ("unfollow", "unfollow")])
    next = forms.CharField(max_length=500, required=False)
