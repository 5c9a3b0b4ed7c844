"""The one FilterSet of the project catalogue: the HTML list (and later the exports) use it."""

import django_filters
from django import forms
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.filters import ActiveFiltersMixin
from common.translation import natural_localized_order
from projects.models import (
    Organisation,
    OrganisationKind,
    Partnership,
    Phase,
    Project,
    Theme,
)

# Ties, and the title sort, follow the titles in the page's language (a function: the
# expression names the active language's column).
SORTS = {
    "title": lambda: (natural_localized_order("title"),),
    "-funding": lambda: ("-funding_amount", natural_localized_order("title")),
    "funding": lambda: ("funding_amount", natural_localized_order("title")),
    "-duration": lambda: ("-duration_months", natural_localized_order("title")),
    "duration": lambda: ("duration_months", natural_localized_order("title")),
    "country": lambda: ("country_rank", natural_localized_order("title")),
}
SORT_CHOICES = [
    ("country", _("Country")),
    ("title", _("Title")),
    ("-funding", _("Funding, highest first")),
    ("funding", _("Funding, lowest first")),
    ("-duration", _("Duration, longest first")),
    ("duration", _("Duration, shortest first")),
]


def catalogue_countries():
    """(code, name) of the countries that have published projects, sorted by name.

    django-countries sorts the names of the active language ignoring accents ("Équateur"
    before "Maroc"), which neither Python's sort nor the database's C collation does.
    """
    codes = set(Project.objects.published().order_by().values_list("country", flat=True).distinct())
    return [(country.code, country.name) for country in countries if country.code in codes]


def order_by_country_name(queryset):
    """Annotate ``country_rank``, the place of the project's country in the country names of
    the active language (see ``catalogue_countries``), so the list can sort by country name."""
    whens = [
        When(country=code, then=Value(rank))
        for rank, (code, _name) in enumerate(catalogue_countries())
    ]
    return queryset.annotate(
        country_rank=Case(*whens, default=Value(len(whens)), output_field=IntegerField())
    )


class PhaseChoiceField(forms.ModelChoiceField):
    """A phase to choose, saying so of one whose projects are not in the catalogue (the
    2008–2012 phase is known by its reported figures only): choosing it gives an empty list,
    which then has a reason (see ``projects.views.phase_notice``)."""

    def label_from_instance(self, phase):
        if not phase.published_projects:
            return _("%(phase)s (not in the catalogue yet)") % {"phase": phase}
        return str(phase)


class PhaseFilter(django_filters.ModelChoiceFilter):
    field_class = PhaseChoiceField


def phases_with_counts():
    """The phases, each with ``published_projects``: how many of its projects are published
    (in their own order: a query that groups rows leaves Meta.ordering out)."""
    return Phase.objects.annotate(
        published_projects=Count("projects", filter=Q(projects__published=True))
    ).order_by(*Phase._meta.ordering)


class ProjectFilter(ActiveFiltersMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Title, objective, partner…")}
        ),
    )
    country = django_filters.ChoiceFilter(
        label=_("Country"), choices=catalogue_countries, empty_label=_("All countries")
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label=_("All themes"),
    )
    phase = PhaseFilter(
        label=_("Phase"),
        to_field_name="slug",
        queryset=phases_with_counts(),
        empty_label=_("All phases"),
    )
    partner = django_filters.ModelChoiceFilter(
        label=_("Partner organisation"),
        field_name="organisations",
        to_field_name="slug",
        queryset=Organisation.objects.filter(
            Exists(Partnership.objects.filter(organisation=OuterRef("pk"), project__published=True))
        ),
        empty_label=_("All organisations"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        choices=OrganisationKind.choices,
        empty_label=_("All kinds"),
        method="filter_kind",
    )
    funding_min = django_filters.NumberFilter(
        label=_("Funding from"), field_name="funding_amount", lookup_expr="gte", min_value=0
    )
    funding_max = django_filters.NumberFilter(
        label=_("Funding up to"), field_name="funding_amount", lookup_expr="lte", min_value=0
    )
    duration_min = django_filters.NumberFilter(
        label=_("Duration from (months)"),
        field_name="duration_months",
        lookup_expr="gte",
        min_value=0,
        max_value=10000,
    )
    duration_max = django_filters.NumberFilter(
        label=_("Duration up to (months)"),
        field_name="duration_months",
        lookup_expr="lte",
        min_value=0,
        max_value=10000,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="sort_by", empty_label=None
    )

    class Meta:
        model = Project
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()  # "sn" as in /countries/sn/
        super().__init__(data, *args, **kwargs)

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_kind(self, queryset, name, value):
        partner_of_kind = Partnership.objects.filter(
            project=OuterRef("pk"), organisation__kind=value
        )
        return queryset.filter(Exists(partner_of_kind))

    def sort_by(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, whatever the field order

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or "country"
        if sort == "country":
            queryset = order_by_country_name(queryset)
        return queryset.order_by(*SORTS[sort]())
