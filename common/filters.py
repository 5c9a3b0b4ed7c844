"""What the filtered lists of the site share: the filters in use, each removable, and the
notices for filters that were ignored."""

from functools import cached_property

from django import forms
from django.utils.translation import gettext as _


class ActiveFiltersMixin:
    """For a django-filter ``FilterSet``: the filters in use, as the list pages show them.

    ``active_filters_ignored`` names fields that are not filters a reader would remove
    (a sort order, say)."""

    active_filters_ignored: tuple[str, ...] = ("sort",)

    def active_filters(self):
        """(label, value shown, query string without it) of each valid filter in use."""
        if not self.is_bound:
            return []
        active = []
        for name, value in self.form.cleaned_data.items():
            if name in self.active_filters_ignored or value is False:
                continue
            if value in (None, "", [], ()):
                continue
            field = self.form.fields[name]
            if value is True:
                value = _("yes")
            elif isinstance(value, str) and isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            remaining = self.data.copy()
            for key in (name, "page"):
                remaining.pop(key, None)
            active.append((field.label, value, remaining.urlencode()))
        return active

    def ignored_filter_notices(self) -> list[str]:
        """One sentence per filter whose value was not valid, and so was left out."""
        return [
            _("%(filter)s: %(error)s This filter was ignored.")
            % {"filter": self.form.fields[name].label, "error": " ".join(errors)}
            for name, errors in self.errors.items()
        ]


class FacetsMixin:
    """For a django-filter ``FilterSet`` whose list shows facets (``common.facets``): the
    rows the valid filters keep, and the value chosen in a facet."""

    @cached_property
    def filtered(self):
        """The rows the valid filters keep, unsorted (what the facets count; the list sorts
        them, page by page where it can)."""
        if self.is_bound:
            self.errors  # noqa: B018 - validates the form: invalid filters are left out
        return super().filter_queryset(self.queryset.all())

    def selected(self, name: str) -> str | None:
        """The value of the facet ``name`` chosen (a valid one), as its parameter gives it."""
        value = getattr(self.form, "cleaned_data", {}).get(name)
        if value in (None, ""):
            return None
        return value.slug if hasattr(value, "slug") else str(value)
