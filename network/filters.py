"""The FilterSets of M4D Net's two directories: one per list, as in ``projects.filters``.

Both are given the rows the viewer may see (``Member.objects.visible_to(viewer)``,
``Organisation.objects.listed()``) and the request; every choice they offer comes from
those rows, so a filter never tells a visitor about someone hidden from them.
"""

from functools import cached_property

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.filters import ActiveFiltersMixin
from common.translation import localized_fields
from network.models import Member, Membership
from projects.models import (
    Organisation,
    OrganisationKind,
    Partnership,
    Theme,
    natural_order,
)


def countries_of(queryset):
    """(code, name) of the countries of ``queryset``'s rows, sorted by name in the active
    language (django-countries ignores accents: "Équateur" before "Maroc")."""
    codes = set(queryset.order_by().values_list("country", flat=True).distinct())
    return [(country.code, country.name) for country in countries if country.code in codes]


def search_words(queryset, text: str, fields: tuple[str, ...]):
    """Rows where every word of ``text`` is in one of ``fields``, ignoring case and accents."""
    for word in text.split():
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__unaccent__icontains": word})
        queryset = queryset.filter(match)
    return queryset


class CheckboxFilter(django_filters.Filter):
    """A box to tick: unticked (or absent) means "do not filter"."""

    field_class = forms.BooleanField


class DirectoryFilterMixin(ActiveFiltersMixin):
    """Country choices taken from the rows given, and "sn" read as "SN" (as in the URL of
    a country page)."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()
        super().__init__(data, *args, **kwargs)
        # Evaluated once, when the form is built (validation and rendering share it).
        self.filters["country"].extra["choices"] = lambda: self.country_choices

    @cached_property
    def country_choices(self):
        return countries_of(self.queryset)

    @property
    def viewer(self):
        return getattr(self.request, "user", None) or AnonymousUser()


class MemberFilter(DirectoryFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, affiliation, city…")}
        ),
    )
    country = django_filters.ChoiceFilter(label=_("Country"), empty_label=_("All countries"))
    expertise = django_filters.ModelChoiceFilter(
        label=_("Area of expertise"),
        field_name="expertise",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label=_("All areas"),
    )
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        to_field_name="slug",
        queryset=Organisation.objects.none(),  # set for the viewer in __init__
        method="filter_organisation",
        empty_label=_("All organisations"),
    )

    class Meta:
        model = Member
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Organisations with at least one approved member among those the viewer sees.
        with_people = Membership.objects.approved().filter(
            organisation=OuterRef("pk"), member__in=self.queryset.values("pk")
        )
        self.filters["organisation"].queryset = (
            Organisation.objects.listed()
            .filter(Exists(with_people))
            .only("name", "slug")
            .order_by(natural_order("name"))
        )

    def filter_text(self, queryset, name, value):
        # Never the email address: the directory must not confirm who has an account.
        return search_words(queryset, value, ("name", "affiliation", "city"))

    def filter_organisation(self, queryset, name, value):
        approved = Membership.objects.approved().filter(member=OuterRef("pk"), organisation=value)
        return queryset.filter(Exists(approved))

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by(natural_order("name"), "pk")


class OrganisationFilter(DirectoryFilterMixin, django_filters.FilterSet):
    """The theme filter finds the organisations that work on a theme: a published project
    of theirs has it, or one of their approved members (among those the viewer may see)
    lists it as an area of expertise."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name…")}),
    )
    country = django_filters.ChoiceFilter(label=_("Country"), empty_label=_("All countries"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind of organisation"),
        choices=OrganisationKind.choices,
        empty_label=_("All kinds"),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        to_field_name="slug",
        queryset=Theme.objects.all(),
        method="filter_theme",
        empty_label=_("All themes"),
    )
    verified = CheckboxFilter(label=_("Verified organisations only"), method="filter_verified")

    class Meta:
        model = Organisation
        fields = []

    def filter_text(self, queryset, name, value):
        # The name in any language ("Municipality of Upala" finds "Municipalité d'Upala").
        return search_words(queryset, value, tuple(localized_fields("name")))

    def filter_theme(self, queryset, name, value):
        project_on_theme = Partnership.objects.filter(
            organisation=OuterRef("pk"), project__published=True, project__themes=value
        )
        member_on_theme = Membership.objects.approved().filter(
            organisation=OuterRef("pk"),
            member__expertise=value,
            member__in=Member.objects.visible_to(self.viewer).values("pk"),
        )
        return queryset.filter(Exists(project_on_theme) | Exists(member_on_theme))

    def filter_verified(self, queryset, name, value):
        return queryset.filter(verified=True) if value else queryset

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by(natural_order("name"), "pk")
