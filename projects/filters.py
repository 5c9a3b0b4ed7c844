"""The one FilterSet of the project catalogue: the HTML list, its downloads (CSV, IATI XML)
and the API use it, so they take the same parameters. The list shows country, theme and
partner as facets (``common.facets``: the values of the filtered projects, with counts)."""

from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.facets import FacetSpec
from common.filters import ActiveFiltersMixin, FacetsMixin
from common.translation import any_language, localized_value, natural_localized_order
from projects.models import (
    Organisation,
    OrganisationKind,
    Partnership,
    Phase,
    Project,
    Theme,
)

# Ties, and the title sort, follow the titles in the page's language (a function: the
# expression names the active language's column), then the primary key, so that a page
# always holds the same projects.
SORTS = {
    "title": lambda: (natural_localized_order("title"), "pk"),
    "-funding": lambda: ("-funding_amount", natural_localized_order("title"), "pk"),
    "funding": lambda: ("funding_amount", natural_localized_order("title"), "pk"),
    "-duration": lambda: ("-duration_months", natural_localized_order("title"), "pk"),
    "duration": lambda: ("duration_months", natural_localized_order("title"), "pk"),
    "country": lambda: ("country_rank", natural_localized_order("title"), "pk"),
}
SORT_CHOICES = [
    ("country", _("Country")),
    ("title", _("Title")),
    ("-funding", _("Funding, highest first")),
    ("funding", _("Funding, lowest first")),
    ("-duration", _("Duration, longest first")),
    ("duration", _("Duration, shortest first")),
]
DEFAULT_SORT = "country"


def catalogue_countries():
    """(code, name) of the countries that have published projects, sorted by name.

    django-countries sorts the names of the active language ignoring accents ("Équateur"
    before "Maroc"), which neither Python's sort nor the database's C collation does.
    """
    codes = set(Project.objects.published().order_by().values_list("country", flat=True).distinct())
    return [(country.code, country.name) for country in countries if country.code in codes]


def country_rank(codes):
    """An SQL expression: the place of the project's country in ``codes``."""
    whens = [When(country=code, then=Value(rank)) for rank, code in enumerate(codes)]
    return Case(*whens, default=Value(len(whens)), output_field=IntegerField())


def order_by_country_name(queryset, codes=None):
    """Annotate ``country_rank``, the place of the project's country in the country names of
    the active language (of ``codes``, by default the catalogue's countries: see
    ``catalogue_countries``), so that the projects can be sorted by country name."""
    if codes is None:
        codes = [code for code, _name in catalogue_countries()]
    return queryset.annotate(country_rank=country_rank(codes))


class CountryNameOrder:
    """The filtered projects in the list's default order (country names in the page's
    language, then titles), as primary keys, for a paginator (``common.pagination``).

    Given how many projects each country has among them (the query that counts the list's
    projects gives it), a page reads only the countries it spans, in the order of the index
    on (country, title) of the page's language (``Project.Meta.indexes``): page 200 costs
    what page 1 costs, and no page sorts the whole catalogue.
    """

    def __init__(self, projects, counts: dict[str, int]):
        self.projects = projects
        self.counts = counts
        self.codes = [country.code for country in countries if country.code in counts]

    def count(self) -> int:
        return sum(self.counts.values())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[int]:
        start, stop = window.start or 0, window.stop
        spanned, skip, before = [], 0, 0
        for code in self.codes:
            after = before + self.counts[code]
            if after > start and before < stop:
                if not spanned:
                    skip = start - before
                spanned.append(code)
            before = after
            if before >= stop:
                break
        if not spanned:
            return []
        title = natural_localized_order("title")
        if len(spanned) == 1:
            rows = self.projects.filter(country=spanned[0]).order_by(title, "pk")
        else:
            rows = self.projects.filter(country__in=spanned).order_by(
                country_rank(spanned), title, "pk"
            )
        return list(rows.values_list("pk", flat=True)[skip : skip + stop - start])


class CountryCodeField(django_filters.fields.ChoiceField):
    """A country's ISO 3166-1 code, whichever country: one without rows gives an empty list.
    Its choices are every country (named in the page's language), which costs no query,
    whatever the filter declares for the API's documentation and schema."""

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = lambda: list(countries)
        super().__init__(*args, **kwargs)

    def valid_value(self, value):
        return value in countries


class CountryFilter(django_filters.ChoiceFilter):
    """A country, as a facet shows it (``?country=SN``; "sn" also, as in /countries/sn/)."""

    field_class = CountryCodeField


class PhaseChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for phase in self.field.phases:
            yield self.choice(phase)

    def __len__(self):
        return len(self.field.phases) + (self.field.empty_label is not None)


class PhaseChoiceField(forms.ModelChoiceField):
    """A phase to choose, saying so of one whose projects are not in the catalogue (the
    2008–2012 phase is known by its reported figures only): choosing it gives an empty list,
    which then has a reason (see ``projects.views.phase_notice``). The phases (a handful)
    are read once, for the options and for checking the value."""

    iterator = PhaseChoiceIterator

    @cached_property
    def phases(self) -> list[Phase]:
        return list(self.queryset)

    def label_from_instance(self, phase):
        if not phase.in_catalogue:
            return _("%(phase)s (not in the catalogue yet)") % {"phase": phase}
        return str(phase)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for phase in self.phases:
            if str(getattr(phase, self.to_field_name or "pk")) == str(value):
                return phase
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class PhaseFilter(django_filters.ModelChoiceFilter):
    field_class = PhaseChoiceField


def phase_choices():
    """The phases, each with ``in_catalogue``: whether any of its projects is published."""
    published = Project.objects.filter(phase=OuterRef("pk"), published=True)
    return Phase.objects.annotate(in_catalogue=Exists(published))


def named(organisations_or_themes, text: str):
    """Rows whose name holds every word of ``text``, in any language, ignoring accents."""
    for word in text.split():
        organisations_or_themes = organisations_or_themes.filter(
            any_language("name", "unaccent__icontains", word)
        )
    return organisations_or_themes


def theme_facet(themes) -> FacetSpec:
    """The themes facet of a list whose rows have ``themes`` (a many-to-many field to
    Theme: ``Project.themes``, and the library's and the courses'), counted through its
    table of links."""
    through = themes.through
    owner = themes.field.m2m_field_name()  # the link's column naming the list's row
    return FacetSpec(
        name="theme",
        label=_("Theme"),
        key="theme_id",
        rows=lambda listed: through.objects.filter(**{f"{owner}__in": listed}),
        model=Theme,
        value="slug",
        text=lambda: localized_value("name"),
        search=named,
        find_label=_("Find a theme"),
    )


# The list's facets: what its filtered projects hold, with counts (``common.facets``).
FACETS = {
    "country": FacetSpec(
        name="country",
        label=_("Country"),
        key="country",
        names=lambda code: countries.name(code),
        bound=len(countries),
        find_label=_("Find a country"),
    ),
    "theme": theme_facet(Project.themes),
    "partner": FacetSpec(
        name="partner",
        label=_("Partner organisation"),
        key="organisation_id",
        rows=lambda projects: Partnership.objects.filter(project__in=projects),
        model=Organisation,
        value="slug",
        text=lambda: localized_value("name"),
        search=named,
        find_label=_("Find an organisation"),
    ),
}


class ProjectFilter(FacetsMixin, ActiveFiltersMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Title, objective, partner…")}
        ),
    )
    country = CountryFilter(
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
        queryset=phase_choices(),
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

    @property
    def sort_order(self) -> str:
        """The sort asked for (a valid one), else the default."""
        return getattr(self.form, "cleaned_data", {}).get("sort") or DEFAULT_SORT

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.sort_order == "country":
            queryset = order_by_country_name(queryset)
        return queryset.order_by(*SORTS[self.sort_order]())
