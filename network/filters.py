"""The FilterSets of M4D Net's two directories: one per list, as in ``projects.filters``,
and their facets (``common.facets``).

Both are given the rows the viewer may see (``Member.objects.visible_to(viewer)``,
``Organisation.objects.listed()``) and the request; the facets count those rows as
filtered, so a facet never tells a visitor about someone hidden from them.
"""

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.facets import FacetSpec
from common.filters import ActiveFiltersMixin, FacetsMixin
from common.translation import localized_fields, localized_value
from network.models import Member, Membership
from projects.filters import CountryFilter
from projects.models import (
    Organisation,
    OrganisationKind,
    Partnership,
    Theme,
    natural_order,
)


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


class DirectoryFilterMixin(FacetsMixin, ActiveFiltersMixin):
    """A country written "sn" read as "SN" (as in the URL of a country page); the rows
    filtered, unsorted, for the facets; the value of a facet chosen."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()
        super().__init__(data, *args, **kwargs)

    @property
    def viewer(self):
        return getattr(self.request, "user", None) or AnonymousUser()


def named(organisations, text: str):
    """Organisations whose name holds every word of ``text``, in any language."""
    return search_words(organisations, text, tuple(localized_fields("name")))


COUNTRY_FACET = FacetSpec(
    name="country",
    label=_("Country"),
    key="country",
    rows=lambda rows: rows.exclude(country=""),  # a member may not say
    names=lambda code: countries.name(code),
    bound=len(countries),
    find_label=_("Find a country"),
)
MEMBER_FACETS = {
    "country": COUNTRY_FACET,
    # The organisations of the members listed (approved memberships of listed ones only).
    "organisation": FacetSpec(
        name="organisation",
        label=_("Organisation"),
        key="organisation_id",
        rows=lambda members: Membership.objects.approved().filter(
            member__in=members, organisation__in=Organisation.objects.listed()
        ),
        model=Organisation,
        value="slug",
        text=lambda: localized_value("name"),
        search=named,
        find_label=_("Find an organisation"),
    ),
}
ORGANISATION_FACETS = {"country": COUNTRY_FACET}


class MemberFilter(DirectoryFilterMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, affiliation, city…")}
        ),
    )
    country = CountryFilter(label=_("Country"), empty_label=_("All countries"))
    expertise = django_filters.ModelChoiceFilter(
        label=_("Area of expertise"),
        field_name="expertise",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label=_("All areas"),
    )
    # A facet: listed organisations; one whose members the viewer cannot see lists nobody.
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"),
        to_field_name="slug",
        queryset=Organisation.objects.listed(),
        method="filter_organisation",
        empty_label=_("All organisations"),
    )

    class Meta:
        model = Member
        fields = []

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
    country = CountryFilter(label=_("Country"), empty_label=_("All countries"))
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
