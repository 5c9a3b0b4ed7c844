"""The one FilterSet of the library's resources: the HTML list and the API use it, so they
take the same parameters. The list shows type, theme, country, document language, year and
publishing organisation as facets (``common.facets``: the values of the filtered
resources, with counts), as the project list does.

The text search (``q``) looks for every word typed in the resource's title and summary (in
any language), its authors and its publisher's name, as the project list's does (accents
ignored), and in the text extracted from its files (``ResourceFile.extracted_text``, see
``library.text_search``): a phrase that only appears on page 12 of a report finds it."""

import django_filters
from django import forms
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.facets import FacetSpec
from common.filters import ActiveFiltersMixin, FacetsMixin
from common.translation import (
    any_language,
    localized_fields,
    localized_value,
    natural_localized_order,
)
from library import text_search
from library.models import (
    DOCUMENT_LANGUAGES,
    Resource,
    ResourceKind,
)
from projects.filters import CountryFilter, named, theme_facet
from projects.models import Organisation, Project, Theme

# What a resource's text search reads of it, besides its files' text and its publisher.
SEARCHED_FIELDS = ("title", "summary")


def search(resources, text: str):
    """Resources whose title, summary (any language), authors, publisher's name or files'
    text hold every word of ``text``; each word may be in any of them. Also those whose files
    hold the words together (``library.text_search``), some of which may be stop words in
    every language ("de", "the": alone, they match no file's words)."""
    words = text.split()
    if not words:
        return resources
    texts = [F(name) for field in SEARCHED_FIELDS for name in localized_fields(field)]
    texts += [F("authors"), F("publisher_name")]
    separated = [part for field in texts for part in (field, Value("\n"))][:-1]
    found = resources.alias(searched_texts=Concat(*separated, output_field=models.TextField()))
    every_word = Q()
    for word in words:
        publisher_named = Organisation.objects.filter(
            any_language("name", "unaccent__icontains", word), pk=OuterRef("publisher_id")
        )
        every_word &= (
            Q(searched_texts__unaccent__icontains=word)
            | Exists(publisher_named)
            | text_search.file_holds(word)
        )
    if len(words) > 1:
        every_word |= text_search.file_holds(text)
    return found.filter(every_word)


# Ties, and the title sort, follow the titles in the page's language (a function: the
# expression names the active language's column), then the primary key, so that a page
# always holds the same resources. The default, the latest published first, is the order
# of index ``resource_published_order``.
SORTS = {
    "-published": lambda: (F("published_at").desc(nulls_last=True), "-pk"),
    "title": lambda: (natural_localized_order("title"), "pk"),
    "-year": lambda: (F("year").desc(nulls_last=True), natural_localized_order("title"), "pk"),
    "year": lambda: (F("year").asc(nulls_last=True), natural_localized_order("title"), "pk"),
}
SORT_CHOICES = [
    ("-published", _("Latest shared first")),
    ("title", _("Title")),
    ("-year", _("Year, most recent first")),
    ("year", _("Year, oldest first")),
]
DEFAULT_SORT = "-published"

LANGUAGE_NAMES = dict(DOCUMENT_LANGUAGES)


def unnest(field: str):
    """One row per value of the array ``field`` (countries, languages), to count them."""
    return Func(F(field), function="unnest", output_field=models.CharField())


# The list's facets: what its filtered resources hold, with counts (``common.facets``).
FACETS = {
    "kind": FacetSpec(
        name="kind",
        label=_("Type"),
        key="kind",
        names=lambda value: str(ResourceKind(value).label),
        bound=len(ResourceKind.choices),
    ),
    "theme": theme_facet(Resource.themes),
    "country": FacetSpec(
        name="country",
        label=_("Country"),
        key="country_code",
        rows=lambda resources: resources.annotate(country_code=unnest("countries")),
        names=lambda code: countries.name(code) or code,
        bound=len(countries),
        find_label=_("Find a country"),
    ),
    "language": FacetSpec(
        name="language",
        label=_("Language of the document"),
        key="language_code",
        rows=lambda resources: resources.annotate(language_code=unnest("languages")),
        names=lambda code: str(LANGUAGE_NAMES.get(code, code)),
        bound=len(DOCUMENT_LANGUAGES),
    ),
    "year": FacetSpec(
        name="year",
        label=_("Year"),
        key="year_text",
        rows=lambda resources: resources.filter(year__isnull=False).annotate(
            year_text=Cast("year", output_field=models.CharField())
        ),
        names=str,
        bound=201,  # 1900–2100 (constraint resource_year_plausible)
        find_label=_("Find a year"),
    ),
    "organisation": FacetSpec(
        name="organisation",
        label=_("Publishing organisation"),
        key="publisher_id",
        # Grouped with values(facet_key=…), which django-modeltranslation would otherwise
        # widen to every field of a translated model (one group per resource).
        rows=lambda resources: resources.filter(publisher__isnull=False).rewrite(False),
        model=Organisation,
        value="slug",
        text=lambda: localized_value("name"),
        search=named,
        find_label=_("Find an organisation"),
    ),
}


class ArrayContainsFilter(django_filters.ChoiceFilter):
    """A value of an array column (``countries``, ``languages``): resources holding it,
    found through the column's GIN index."""

    def filter(self, queryset, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return queryset
        return queryset.filter(**{f"{self.field_name}__contains": [value]})


class CountryContainsFilter(CountryFilter, ArrayContainsFilter):
    """A country (``?country=SN``; "sn" also), whichever: one without resources gives an
    empty list."""


class YearFilter(django_filters.NumberFilter):
    """A year, a whole number ("2014")."""

    field_class = forms.IntegerField


class ResourceFilter(FacetsMixin, ActiveFiltersMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Title, summary, words in the document…")}
        ),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=ResourceKind.choices, empty_label=_("All types")
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label=_("All themes"),
    )
    country = CountryContainsFilter(
        label=_("Country"), field_name="countries", empty_label=_("All countries")
    )
    language = ArrayContainsFilter(
        label=_("Language of the document"),
        field_name="languages",
        choices=DOCUMENT_LANGUAGES,
        empty_label=_("All languages"),
    )
    year = YearFilter(label=_("Year"), field_name="year", min_value=1900, max_value=2100)
    organisation = django_filters.ModelChoiceFilter(
        label=_("Publishing organisation"),
        field_name="publisher",
        to_field_name="slug",
        queryset=Organisation.objects.all(),
        empty_label=_("All organisations"),
    )
    # Chosen from a project's page ("See all its documents"); not offered as a select.
    project = django_filters.ModelChoiceFilter(
        label=_("Project"),
        field_name="projects",
        to_field_name="slug",
        queryset=Project.objects.published(),
        empty_label=_("All projects"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="sort_by", empty_label=None
    )

    class Meta:
        model = Resource
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()  # "sn" as in /countries/sn/
        super().__init__(data, *args, **kwargs)

    def filter_text(self, queryset, name, value):
        return search(queryset, value)

    def sort_by(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, whatever the field order

    @property
    def sort_order(self) -> str:
        """The sort asked for (a valid one), else the default."""
        return getattr(self.form, "cleaned_data", {}).get("sort") or DEFAULT_SORT

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*SORTS[self.sort_order]())
