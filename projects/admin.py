from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from common.admin import ConstrainedInline, HistoryAdmin, TranslatedAdmin
from common.idempotency import SubmissionTokenMixin, once
from common.pagination import paginate
from common.translation import localized_fields
from projects.iati.jobs import run_import, runs_at_once, start_import
from projects.models import (
    IATIImport,
    IATIImportOutcome,
    Organisation,
    Partnership,
    Phase,
    Project,
    SelectionCriterion,
    Theme,
    natural_order,
)

# The import pages: imports listed, activities of a report shown, per page; seconds between
# two reloads of the page of an import that runs.
IMPORTS_PER_PAGE = 20
ACTIVITIES_PER_PAGE = 100
REFRESH_SECONDS = 3


class PartnershipInline(ConstrainedInline, admin.TabularInline):
    model = Partnership
    extra = 1
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "order"]


class IATIImportForm(SubmissionTokenMixin, forms.Form):
    file = forms.FileField(
        label=_("IATI activities file (XML)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    dry_run = forms.BooleanField(
        label=_("Check only"),
        required=False,
        help_text=_("Report what the import would do, without saving anything."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("At most %(limit)s.") % {
            "limit": filesizeformat(settings.IATI_IMPORT_MAX_BYTES)
        }

    def clean_file(self):
        # Django has it whole already (in a temporary file when it is large): refused here,
        # it is never kept.
        upload = self.cleaned_data["file"]
        if upload.size > settings.IATI_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("This file is %(size)s: the import takes files of %(limit)s at most."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.IATI_IMPORT_MAX_BYTES),
                },
            )
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
        progress_view = self.admin_site.admin_view(self.iati_import_view)
        return [
            path("import-iati/", import_view, name="projects_project_import_iati"),
            path(
                "import-iati/<int:import_id>/",
                progress_view,
                name="projects_project_iati_import",
            ),
            *super().get_urls(),
        ]

    def can_import_iati(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_iati": self.can_import_iati(request)}
        return super().changelist_view(request, extra_context)

    def import_iati_view(self, request):
        """Upload an IATI activities file, and the imports before. The file is kept and
        imported by the worker (a small one at once); its page shows the progress and the
        report."""
        if not self.can_import_iati(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = IATIImportForm(request.POST, request.FILES) if posted else IATIImportForm()
        if posted and form.is_valid():
            with once(form.cleaned_data["submission"], member=request.user) as submission:
                if submission.repeated:  # a double click: the import the first one started
                    return HttpResponseRedirect(submission.result_url, status=303)
                iati_import = start_import(
                    upload=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                    user=request.user,
                    language=request.LANGUAGE_CODE,
                )
                submission.result_url = reverse(
                    "admin:projects_project_iati_import", args=[iati_import.pk]
                )
            if runs_at_once(iati_import):  # its report at once, batches committed as they go
                run_import(iati_import.pk, whole=True)
            return HttpResponseRedirect(submission.result_url, status=303)
        page, page_notice = paginate(
            request, IATIImport.objects.select_related("created_by"), IMPORTS_PER_PAGE
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import an IATI file"),
            "form": form,
            "page": page,
            "page_notice": page_notice,
            "max_size": settings.IATI_IMPORT_MAX_BYTES,
        }
        return TemplateResponse(
            request,
            "projects/admin/import_iati.html",
            context,
            status=400 if posted else 200,
        )

    def iati_import_view(self, request, import_id: int):
        """An import's progress (the page reloads itself while it runs), then its report:
        each activity's outcome, a page at a time, by outcome."""
        if not self.can_import_iati(request):
            raise PermissionDenied
        iati_import = get_object_or_404(
            IATIImport.objects.select_related("created_by"), pk=import_id
        )
        outcome = request.GET.get("outcome", "")
        activities = iati_import.activities.all()
        if outcome in IATIImportOutcome.values:
            activities = activities.filter(outcome=outcome)
        else:
            outcome = ""
        page, page_notice = paginate(request, activities, ACTIVITIES_PER_PAGE)
        outcomes = [
            (value, label, iati_import.count(value)) for value, label in IATIImportOutcome.choices
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("IATI import: %(file)s") % {"file": iati_import.file_name},
            "iati_import": iati_import,
            "outcome": outcome,
            "outcomes": outcomes,
            "page": page,
            "page_notice": page_notice,
            "refresh_seconds": REFRESH_SECONDS,
        }
        return TemplateResponse(request, "projects/admin/iati_import.html", context)


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

    # --- Verification: a proposal is verified in the queue, with its checks ----------------

    def is_proposal(self, organisation) -> bool:
        """Whether ``organisation`` is not listed yet (not verified, partner of no project):
        a member's proposal waiting for staff. Ticking "verified" here would list it without
        the checks of "Organisations to verify" (the person's address confirmed, no listed
        organisation of the same name), so here it is read-only."""
        if organisation is None or organisation.pk is None:
            return False
        if not hasattr(organisation, "_is_proposal"):  # asked several times per page
            listed = Organisation.objects.listed().filter(pk=organisation.pk)
            organisation._is_proposal = not listed.exists()
        return organisation._is_proposal

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.is_proposal(obj):
            fields.append("verification")
        return fields

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if self.is_proposal(obj):
            exclude.append("verified")  # whatever is posted, it is not saved from here
        return exclude

    def get_fields(self, request, obj=None):
        """The read-only "verified" of a proposal where the box would be."""
        fields = list(super().get_fields(request, obj))
        if "verification" in fields:
            fields.remove("verification")
            after = fields.index("description") + 1 if "description" in fields else len(fields)
            fields.insert(after, "verification")
        return fields

    def get_changeform_initial_data(self, request):
        """An organisation staff add themselves is checked by them: verified unless they
        untick it."""
        return {"verified": True, **super().get_changeform_initial_data(request)}

    @admin.display(description=_("verified"))
    def verification(self, organisation):
        try:
            queue = reverse("admin:network_representativeclaim_changelist")
        except NoReverseMatch:
            queue = None
        message = _(
            "Not yet. This organisation is not listed: a member's proposal is verified in "
            "“Organisations to verify”, where the person's confirmed address and the names "
            "of the listed organisations are checked."
        )
        if queue is None:
            return message
        return format_html(
            '{} <a href="{}?{}">{}</a>',
            message,
            queue,
            urlencode({"status": "all", "q": organisation.name}),
            _("Open its requests"),
        )

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
