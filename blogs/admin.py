"""Staff write news here (kind "News"), in each language side by side, and may hide a
blog post; every save goes through ``blogs.services``, which locks the post's row and
counts its version."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext

from blogs import services
from blogs.models import BlogPost
from common.admin import TranslatedAdmin
from common.translation import localized_fields
from forums.forms import VersionField


class BlogPostAdminForm(forms.ModelForm):
    """Carries the version the staff member started from: saving over a version someone
    saved meanwhile is refused (the row is locked while the admin saves, so the check
    holds until the save)."""

    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version if self.instance.pk else 1

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            saved = services.lock_blog_post(self.instance.pk)
            if saved.version != cleaned.get("version"):
                raise forms.ValidationError(
                    gettext(
                        "Someone else saved this post after you opened it. Open it again "
                        "to see what they changed, then make your changes again."
                    ),
                    code="conflict",
                )
        return cleaned


@admin.register(BlogPost)
class BlogPostAdmin(TranslatedAdmin):
    """Members write blog posts on the site, in one language; staff write news here (kind
    "News"), in each language side by side, and may hide a blog post. Publishing stamps the
    date and tells the author's followers; hiding or unpublishing withdraws the emails
    still waiting."""

    form = BlogPostAdminForm

    list_display = ["title", "kind", "author", "status", "published_at", "is_hidden"]
    list_filter = ["kind", "status", "is_hidden"]
    list_select_related = ["author"]
    search_fields = [
        *localized_fields("title"),
        *localized_fields("summary"),
        *localized_fields("body"),
        "author__name",
        "author__email",
    ]
    date_hierarchy = "created"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["project"]
    fields = [
        "kind",
        "language",
        "title",
        "slug",
        "summary",
        "body",
        "project",
        "status",
        "published_at",
        "is_hidden",
        "author",
        "version",
    ]
    readonly_fields = ["author"]

    def get_changeform_initial_data(self, request):
        return {"kind": "news", **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not obj.author_id:
            obj.author = request.user
        was_published = services.before_admin_save(obj)
        super().save_model(request, obj, form, change)
        services.after_admin_save(obj, was_published)
