from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import HistoryAdmin
from projects.models import (
    Organisation,
    Partnership,
    Phase,
    Project,
    SelectionCriterion,
    Theme,
    natural_order,
)


class PartnershipInline(admin.TabularInline):
    model = Partnership
    extra = 1
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "order"]


@admin.register(Project)
class ProjectAdmin(HistoryAdmin):
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
    search_fields = [
        "title__unaccent",
        "locality__unaccent",
        "objective__unaccent",
        "partnerships__organisation__name__unaccent",
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
    ]


class OrganisationPartnershipInline(admin.TabularInline):
    model = Partnership
    extra = 0
    autocomplete_fields = ["project"]
    fields = ["project", "role", "order"]
    verbose_name_plural = _("projects")


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "kind", "country", "verified", "project_count"]
    list_filter = ["kind", "verified", "country"]
    search_fields = ["name__unaccent", "city__unaccent"]
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
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "name_es", "slug"]
    search_fields = ["name", "name_en", "name_es"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date", "reported_projects", "reported_countries"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SelectionCriterion)
class SelectionCriterionAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "slug"]
    list_display_links = ["name"]
    ordering = ["order"]
