"""The library in the admin: resources, which staff write (every language side by side,
files uploaded through the library's checks, organisations and projects chosen by
searching, never from a list of them all), and the queue of resources shared by members,
which staff publish or refuse with a reason through ``library.services`` (the member is
told by email), as organisations are verified in "Organisations to verify"."""

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import transaction
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries import countries

from common.admin import TranslatedAdmin
from common.translation import localized_fields
from library import (
    event_admin,  # noqa: F401 - the events' admin, registered on import
    services,
)
from library.forms import country_list
from library.models import (
    DOCUMENT_LANGUAGES,
    Resource,
    ResourceFile,
    ResourceSubmission,
    ReviewStatus,
)
from library.review_admin import ReviewQueueAdmin, ReviewStatusFilter
from library.uploads import LibraryFileField, prepare, schedule_extraction

# --- Resources, as staff write them -----------------------------------------------------------


class ResourceAdminForm(forms.ModelForm):
    """The document's languages as boxes to tick, its countries chosen by name."""

    languages = forms.MultipleChoiceField(
        label=_("languages of the document"),
        choices=DOCUMENT_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    countries = forms.MultipleChoiceField(
        label=_("countries"),
        choices=country_list,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("The countries the resource is about. Hold Ctrl (or Cmd) to choose several."),
    )

    class Meta:
        model = Resource
        fields = ["languages", "countries"]


class ResourceFileForm(forms.ModelForm):
    """A file of a resource: uploaded through the library's checks (its type decided by its
    content, its size limited), stored under a random name; a new upload on a row replaces
    its file."""

    upload = LibraryFileField(label=_("file"), required=False)

    class Meta:
        model = ResourceFile
        fields = ["language"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("upload") and "upload" not in self.errors:
            self.add_error("upload", _("Choose the file."))
        return cleaned

    def save(self, commit=True):
        resource_file = super().save(commit=False)
        upload = self.cleaned_data.get("upload")
        replaced = ""
        if upload:
            replaced = resource_file.file.name if resource_file.pk else ""
            prepare(resource_file, upload, upload.library_checked)
            upload.seek(0)
            resource_file.file.save(resource_file.storage_name, upload, save=False)
        if commit:
            resource_file.save()
            if upload:
                schedule_extraction(resource_file)
                if replaced:
                    transaction.on_commit(
                        partial(resource_file.file.storage.delete, replaced), robust=True
                    )
        return resource_file


class ResourceFileFormSet(forms.BaseInlineFormSet):
    """A resource is its files or a link: not both, and a published one not neither."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if not self._should_delete_form(form)
            and (form.instance.pk is not None or form.cleaned_data.get("upload"))
        ]
        resource = self.instance
        if kept and resource.url:
            raise forms.ValidationError(
                _("Give either files or a link, not both: remove the link or the files."),
                code="files_and_link",
            )
        if not kept and not resource.url and resource.status == ReviewStatus.PUBLISHED:
            raise forms.ValidationError(
                _("A published resource needs a file or a link."), code="no_file_nor_link"
            )


class ResourceFileInline(admin.TabularInline):
    model = ResourceFile
    form = ResourceFileForm
    formset = ResourceFileFormSet
    extra = 1
    fields = [
        "language",
        "upload",
        "download",
        "content_type",
        "file_size",
        "downloads",
        "extraction",
    ]
    readonly_fields = ["download", "content_type", "file_size", "downloads", "extraction"]

    @admin.display(description=_("file name"))
    def download(self, resource_file):
        if resource_file.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("library:download", kwargs={"pk": resource_file.pk}),
            resource_file.original_name,
        )

    @admin.display(description=_("size"))
    def file_size(self, resource_file):
        return filesizeformat(resource_file.size) if resource_file.pk else "—"


def _decided_in_queue(resource) -> bool:
    """A member's submission not published: decided in the queue (which tells the member),
    not by changing its status here."""
    return bool(resource and resource.pk and resource.shared_by_id) and (
        resource.status != ReviewStatus.PUBLISHED
    )


@admin.register(Resource)
class ResourceAdmin(TranslatedAdmin):
    form = ResourceAdminForm
    list_display = ["title", "kind", "status", "publisher_shown", "year", "published_at"]
    list_filter = ["status", "kind", "licence", "themes"]
    list_select_related = ["publisher"]
    search_fields = [
        *(f"{column}__unaccent" for column in localized_fields("title")),
        "authors__unaccent",
        "publisher_name__unaccent",
        *(f"{column}__unaccent" for column in localized_fields("publisher__name")),
    ]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publisher", "projects"]
    filter_horizontal = ["themes"]
    inlines = [ResourceFileInline]
    date_hierarchy = "published_at"
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "published_at"]}),
        (
            _("Content"),
            {
                "fields": [
                    "summary",
                    "authors",
                    "publisher",
                    "publisher_name",
                    "year",
                    "languages",
                    "licence",
                    "url",
                ]
            },
        ),
        (_("What it is about"), {"fields": ["themes", "countries", "projects"]}),
        (
            _("Review"),
            {
                "fields": [
                    "shared_by",
                    "reviewed_by",
                    "reviewed_at",
                    "refusal_reason",
                    "announced_at",
                ]
            },
        ),
    ]
    readonly_fields = ["shared_by", "reviewed_by", "reviewed_at", "announced_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if _decided_in_queue(obj):
            fields += ["status", "published_at", "refusal_reason"]
        return fields

    def save_model(self, request, obj, form, change):
        services.before_admin_save(obj)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is ResourceFile:  # rows removed: their files go once saved
            removed = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
            services.delete_stored_files_on_commit(ResourceFile.objects.filter(pk__in=removed))
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        services.delete_stored_files_on_commit(ResourceFile.objects.filter(resource=obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.delete_stored_files_on_commit(ResourceFile.objects.filter(resource__in=queryset))
        super().delete_queryset(request, queryset)

    @admin.display(description=_("publishing organisation"))
    def publisher_shown(self, resource):
        return resource.publisher_label or "—"


# --- The queue of resources shared by members ----------------------------------------------


class RefuseResourceForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Sent by email to the member who shared it; be clear and polite."),
    )


DECISION_FIELDS = ["status", "refusal_reason", "reviewed_by", "reviewed_at", "published_at"]


@admin.register(ResourceSubmission)
class ResourceSubmissionAdmin(ReviewQueueAdmin, admin.ModelAdmin):
    """Resources shared by members; staff publish or refuse them through the services
    (which tell the member by email), never by editing rows. A refused resource keeps its
    files until staff delete it here."""

    list_display = ["title", "member", "member_email", "kind", "file_or_link", "created", "status"]
    list_filter = [ReviewStatusFilter, "kind"]
    list_select_related = ["shared_by"]
    search_fields = [
        *(f"{column}__unaccent" for column in localized_fields("title")),
        "shared_by__email",
        "shared_by__name",
    ]
    ordering = ["created"]
    fieldsets = [
        (_("Who shares it"), {"fields": ["member", "member_email", "created"]}),
        (
            _("The resource"),
            {
                "fields": [
                    "title",
                    "summary_in_words",
                    "kind",
                    "document_languages",
                    "authors",
                    "publisher_in_words",
                    "year",
                    "countries_in_words",
                    "themes_in_words",
                    "licence",
                    "file_or_link",
                    "edit_link",
                ]
            },
        ),
        (_("Decision"), {"fields": DECISION_FIELDS}),
    ]
    readonly_fields = [field for _title, options in fieldsets for field in options["fields"]]
    change_form_template = "admin/library/resourcesubmission/change_form.html"
    actions = ["publish_resources", "refuse_resources"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(shared_by__isnull=False)
            .select_related("shared_by", "publisher")
            .prefetch_related("files", "themes")
        )

    def has_add_permission(self, request):
        return False  # submissions come from the members' form

    def delete_model(self, request, obj):
        """A submission deleted takes its files with it (a refused one keeps them until
        then)."""
        services.delete_stored_files_on_commit(ResourceFile.objects.filter(resource=obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.delete_stored_files_on_commit(ResourceFile.objects.filter(resource__in=queryset))
        super().delete_queryset(request, queryset)

    refuse_form = RefuseResourceForm
    decision_error = services.ResourceError
    gone_message = _("This resource no longer exists.")
    left_message = _("The resource was left as it was: %(reason)s")

    def publish(self, request, resource):
        services.publish_resource(resource=resource, by=request.user)

    def refuse(self, request, resource, reason: str):
        services.refuse_resource(resource=resource, by=request.user, reason=reason)

    none_waiting_message = _("None of these resources is waiting.")
    refuse_template = "admin/library/resourcesubmission/refuse_resources.html"
    rows_name = "resources"

    def left_count_message(self, count: int, reason: str) -> str:
        return ngettext(
            "%(count)d resource left as it was: %(reason)s",
            "%(count)d resources left as they were: %(reason)s",
            count,
        ) % {"count": count, "reason": reason}

    def published_message(self, count: int) -> str:
        return ngettext(
            "%(count)d resource published; the member is told by email.",
            "%(count)d resources published; each member is told by email.",
            count,
        ) % {"count": count}

    def refused_message(self, count: int) -> str:
        return ngettext(
            "%(count)d resource refused; the member is told by email.",
            "%(count)d resources refused; each member is told by email.",
            count,
        ) % {"count": count}

    # --- What the page shows -------------------------------------------------------------

    @admin.display(description=_("member"), ordering="shared_by__name")
    def member(self, resource):
        return resource.shared_by.display_name if resource.shared_by else "—"

    @admin.display(description=_("email address"), ordering="shared_by__email")
    def member_email(self, resource):
        return resource.shared_by.email if resource.shared_by else "—"

    @admin.display(description=_("summary"))
    def summary_in_words(self, resource):
        return linebreaksbr(resource.summary, autoescape=True) or "—"

    @admin.display(description=_("languages of the document"))
    def document_languages(self, resource):
        names = dict(DOCUMENT_LANGUAGES)
        return ", ".join(str(names.get(code, code)) for code in resource.languages) or "—"

    @admin.display(description=_("publishing organisation"))
    def publisher_in_words(self, resource):
        if resource.publisher_id:
            return format_html(
                '<a href="{}">{}</a>', resource.publisher.get_absolute_url(), resource.publisher
            )
        if resource.publisher_name:
            return _("%(name)s (not in the catalogue)") % {"name": resource.publisher_name}
        return "—"

    @admin.display(description=_("countries"))
    def countries_in_words(self, resource):
        return ", ".join(str(countries.name(code)) for code in resource.countries) or "—"

    @admin.display(description=_("themes"))
    def themes_in_words(self, resource):
        return ", ".join(theme.name for theme in resource.themes.all()) or "—"

    @admin.display(description=_("file or link"))
    def file_or_link(self, resource):
        files = list(resource.files.all())
        if files:
            return format_html_join(
                ", ",
                '<a href="{}">{}</a> ({}, {}, {})',
                (
                    (
                        reverse("library:download", kwargs={"pk": file.pk}),
                        file.original_name,
                        file.get_language_display(),
                        file.content_type,
                        filesizeformat(file.size),
                    )
                    for file in files
                ),
            )
        if resource.url:
            return format_html(
                '<a href="{}" rel="noopener noreferrer nofollow">{}</a>', resource.url, resource.url
            )
        return "—"

    @admin.display(description=_("before deciding"))
    def edit_link(self, resource):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:library_resource_change", args=[resource.pk]),
            _("Correct or translate it before publishing"),
        )

    # --- Decisions on several at once ----------------------------------------------------

    def _selected(self, request, queryset):
        """The resources ticked, whatever their status now: one decided meanwhile by
        someone else is given to the services, whose refusal says why."""
        if request.POST.get("select_across") == "1":
            return queryset
        ticked = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        return self.get_queryset(request).filter(pk__in=[pk for pk in ticked if pk.isdigit()])

    @admin.action(description=_("Publish the selected resources"), permissions=["change"])
    def publish_resources(self, request, queryset):
        self.publish_selected(request, self._selected(request, queryset))

    @admin.action(description=_("Refuse with a reason…"), permissions=["change"])
    def refuse_resources(self, request, queryset):
        return self.refuse_selected(request, self._selected(request, queryset))
