"""The one FilterSet of the course catalogue: audience, level, language and theme, shown as
facets (``common.facets``: the values of the filtered courses, with counts) as the project
list and the library do, and a text search in the courses' titles and summaries."""

import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from common.facets import FacetSpec
from common.filters import ActiveFiltersMixin, FacetsMixin
from common.translation import any_language, natural_localized_order
from learning.models import Audience, Course, Level
from library.filters import ArrayContainsFilter, unnest
from library.models import DOCUMENT_LANGUAGES
from projects.filters import theme_facet
from projects.models import Theme

LANGUAGE_NAMES = dict(DOCUMENT_LANGUAGES)

# Ties follow the titles in the page's language, then the key: a page always holds the same
# courses.
SORTS = {
    "-published": lambda: (F("published_at").desc(nulls_last=True), "-pk"),
    "title": lambda: (natural_localized_order("title"), "pk"),
    "hours": lambda: ("estimated_hours", natural_localized_order("title"), "pk"),
}
SORT_CHOICES = [
    ("-published", _("Newest first")),
    ("title", _("Title")),
    ("hours", _("Shortest first")),
]
DEFAULT_SORT = "-published"

FACETS = {
    "audience": FacetSpec(
        name="audience",
        label=_("For"),
        key="audience",
        names=lambda value: str(Audience(value).label),
        bound=len(Audience.choices),
    ),
    "level": FacetSpec(
        name="level",
        label=_("Level"),
        key="level",
        names=lambda value: str(Level(value).label),
        bound=len(Level.choices),
    ),
    "language": FacetSpec(
        name="language",
        label=_("Language of the course"),
        key="language_code",
        rows=lambda courses: courses.annotate(language_code=unnest("languages")),
        names=lambda code: str(LANGUAGE_NAMES.get(code, code)),
        bound=len(DOCUMENT_LANGUAGES),
    ),
    "theme": theme_facet(Course.themes),
}


class CourseFilter(FacetsMixin, ActiveFiltersMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title, summary…")}),
    )
    audience = django_filters.ChoiceFilter(
        label=_("For"), choices=Audience.choices, empty_label=_("All audiences")
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=Level.choices, empty_label=_("All levels")
    )
    language = ArrayContainsFilter(
        label=_("Language of the course"),
        field_name="languages",
        choices=DOCUMENT_LANGUAGES,
        empty_label=_("All languages"),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label=_("All themes"),
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="sort_by", empty_label=None
    )

    class Meta:
        model = Course
        fields = []

    def filter_text(self, queryset, name, value):
        """Courses whose title or summary (in any language) holds every word typed,
        accents ignored."""
        for word in value.split():
            queryset = queryset.filter(
                any_language("title", "unaccent__icontains", word)
                | any_language("summary", "unaccent__icontains", word)
            )
        return queryset

    def sort_by(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset, whatever the field order

    @property
    def sort_order(self) -> str:
        """The sort asked for (a valid one), else the default."""
        return getattr(self.form, "cleaned_data", {}).get("sort") or DEFAULT_SORT

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*SORTS[self.sort_order]())
