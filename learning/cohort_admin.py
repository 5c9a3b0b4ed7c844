"""Cohorts in the admin (imported by ``learning/admin.py``): staff open a cohort of a course
with its dates and its facilitator (found by searching, never from a list of every
member), close it to new learners, see how many joined and open its progress page.

A facilitator must have an open account with a confirmed address
(``cohorts.facilitator_refusal``). When a facilitator deletes their account, their cohorts
not over are closed to new learners and staff are told (``learning.member_data``): the
filter "Facilitator: account closed" lists them, to name another facilitator and open them
again.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learning import cohorts
from learning.models import Cohort


class CohortAdminForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["course", "name", "starts_on", "ends_on", "facilitator", "open_for_enrolment"]

    def clean(self):
        cleaned = super().clean()
        facilitator = cleaned.get("facilitator")
        if facilitator is None:
            return cleaned
        # A cohort whose facilitator left may still be saved, closed, until one is named.
        kept = self.instance.pk and facilitator.pk == self.instance.facilitator_id
        if kept and facilitator.deleted_at and not cleaned.get("open_for_enrolment"):
            return cleaned
        refusal = cohorts.facilitator_refusal(facilitator)
        if refusal:
            self.add_error("facilitator", refusal)
        return cleaned


class FacilitatorFilter(admin.SimpleListFilter):
    title = _("facilitator")
    parameter_name = "facilitator_account"

    def lookups(self, request, model_admin):
        return [("closed", _("Account closed: name another"))]

    def queryset(self, request, queryset):
        if self.value() == "closed":
            return queryset.filter(
                Q(facilitator__deleted_at__isnull=False) | Q(facilitator__is_active=False)
            )
        return queryset


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    form = CohortAdminForm
    list_display = [
        "name",
        "course",
        "starts_on",
        "ends_on",
        "facilitator",
        "open_for_enrolment",
        "learners",
    ]
    list_filter = ["open_for_enrolment", FacilitatorFilter, "starts_on"]
    list_select_related = ["course", "facilitator"]
    search_fields = ["name", "facilitator__name", "facilitator__email"]
    autocomplete_fields = ["course", "facilitator"]
    date_hierarchy = "starts_on"
    readonly_fields = ["progress_page"]
    fields = [
        "course",
        "name",
        ("starts_on", "ends_on"),
        "facilitator",
        "open_for_enrolment",
        "progress_page",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(learner_count=Count("enrolments"))

    @admin.display(description=_("learners"), ordering="learner_count")
    def learners(self, cohort):
        count = getattr(cohort, "learner_count", 0)
        return ngettext("%(count)d learner", "%(count)d learners", count) % {"count": count}

    @admin.display(description=_("progress"))
    def progress_page(self, cohort):
        if cohort is None or cohort.pk is None:
            return _("Once saved, the cohort's page shows its learners' progress.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("learning:cohort", kwargs={"pk": cohort.pk}),
            _("The learners' progress, and writing to them"),
        )
