from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from common.admin import ConstrainedInline, HistoryAdmin, TranslatedAdmin
from common.translation import localized_fields
from projects.iati import InvalidIATIFile, import_activities
from projects.models import (
    Organisation,
    Partnership,
    Phase,
    Project,
    SelectionCriterion,
    Theme,
    natural_order,
)


class PartnershipInline(ConstrainedInline, admin.TabularInline):
    model = Partnership
    extra = 1
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "order"]


class IATIImportForm(forms.Form):
    MAX_SIZE = 20 * 1024 * 1024

    file = forms.FileField(
        label=_("IATI activities file (XML)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    dry_run = forms.BooleanField(
        label=_("Check only"),
        required=False,
        help_text=_("Report what the import would do, without saving anything."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


@admin.register(Project)
class ProjectAdmin(TranslatedAdmin, HistoryAdmin):
    change_list_template = "projects/admin/project_change_list.html"
    list_display = [
        "title",
        "country",
        "locality",
        "phase",
        "funding_amount",
        "funding_currency",
        "duration_months",
        "status",
        "published",
    ]
    list_filter = ["phase", "status", "published", "country", "themes"]
    list_select_related = ["phase"]
    # Every language's text (a bare "title" would search the admin's language only).
    search_fields = [
        f"{column}__unaccent"
        for field in ["title", "locality", "objective", "partnerships__organisation__name"]
        for column in localized_fields(field)
    ]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["themes", "criteria_met"]
    inlines = [PartnershipInline]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "country", "locality", "phase", "status", "published"]},
        ),
        (_("Content"), {"fields": ["objective", "description", "themes", "criteria_met"]}),
        (
            _("Funding and dates"),
            {
                "fields": [
                    "funding_amount",
                    "funding_currency",
                    "duration_months",
                    "start_date",
                    "end_date",
                ]
            },
        ),
        (_("Open data"), {"fields": ["iati_identifier"]}),
    ]

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_iati_view)
        return [
            path("import-iati/", import_view, name="projects_project_import_iati"),
            *super().get_urls(),
        ]

    def can_import_iati(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_iati": self.can_import_iati(request)}
        return super().changelist_view(request, extra_context)

    def import_iati_view(self, request):
        """Upload an IATI activities file: projects and organisations created or updated,
        each activity's outcome reported; an invalid file changes nothing."""
        if not self.can_import_iati(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = IATIImportForm(request.POST, request.FILES) if posted else IATIImportForm()
        report = invalid_file = None
        status = 200
        if posted:
            if form.is_valid():
                try:
                    report = import_activities(
                        form.cleaned_data["file"].read(), dry_run=form.cleaned_data["dry_run"]
                    )
                except InvalidIATIFile as error:
                    invalid_file, status = error, 400
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import an IATI file"),
            "form": form,
            "report": report,
            "invalid_file": invalid_file,
        }
        return TemplateResponse(request, "projects/admin/import_iati.html", context, status=status)


class OrganisationPartnershipInline(ConstrainedInline, admin.TabularInline):
    model = Partnership
    extra = 0
    autocomplete_fields = ["project"]
    fields = ["project", "role", "order"]
    verbose_name_plural = _("projects")


@admin.register(Organisation)
class OrganisationAdmin(TranslatedAdmin, HistoryAdmin):
    list_display = ["name", "kind", "country", "verified", "project_count"]
    list_filter = ["kind", "verified", "country"]
    search_fields = [
        *(f"{column}__unaccent" for column in localized_fields("name")),
        "city__unaccent",
    ]
    # Explicit: the project-count annotation groups rows, which drops Meta.ordering, and
    # the partner autocomplete would page through an unordered list.
    ordering = [natural_order("name")]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OrganisationPartnershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_project_counts()

    @admin.display(description=_("projects"), ordering="project_count")
    def project_count(self, organisation):
        return organisation.project_count


@admin.register(Theme)
class ThemeAdmin(TranslatedAdmin):
    list_display = ["name", "slug"]
    search_fields = localized_fields("name")
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Phase)
class PhaseAdmin(TranslatedAdmin):
    list_display = ["name", "start_date", "end_date", "reported_projects", "reported_countries"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SelectionCriterion)
class SelectionCriterionAdmin(TranslatedAdmin):
    list_display = ["order", "name", "slug"]
    list_display_links = ["name"]
    ordering = ["order"]
