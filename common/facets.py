"""Facets: the values a list's rows hold for one of its filters, each with how many rows have
it, offered as links (``partials/facets.html``) instead of a select of every row of a table.

A facet counts the rows of the list as filtered, in one grouped query bounded by a LIMIT:
the most frequent values show beside the list (``SHOWN`` of them), the others on the facet's
own page, the list's address with ``?facet=<name>`` (``facet_page``): paginated, and
searchable by name (``facet_q``), without JavaScript. Choosing a value adds the filter's
parameter to the list's query string, as the filter form would (``?partner=<slug>``), so the
list, its downloads and the API keep taking the same parameters; a chosen value is then one
of the list's active filters, removable.

Knows no domain: a list describes each facet with a ``FacetSpec`` (which rows to count, the
field holding the filter's value, how a value is named and searched), and its view builds a
``Facet`` for the template with ``facet()`` or ``facet_from_counts()``.
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Value, When, Window
from django.db.models.functions import Collate
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.pagination import paginate

# The parameter naming the facet whose page is asked for, and the text searched among its
# values: neither is a filter of the list.
FACET_PARAMETER = "facet"
SEARCH_PARAMETER = "facet_q"
# Parameters of a page of the list, dropped from the links that change its filters.
PAGE_PARAMETERS = ("page", FACET_PARAMETER, SEARCH_PARAMETER)
# Values shown beside the list, and on each page of a facet's own page.
SHOWN = 10
PER_PAGE = 50
SEARCH_MAX_LENGTH = 100


def list_query(query: QueryDict, **changes: str | None) -> str:
    """The list's query string: ``query`` without page parameters, with ``changes`` made
    (a value of None removes the parameter)."""
    query = query.copy()
    for name in PAGE_PARAMETERS:
        query.pop(name, None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


def folded(text: str) -> str:
    """``text`` without case or accents, to compare names as people read them."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class FacetSpec:
    """One facet of a list.

    ``rows`` gives the rows counted from the list's filtered rows (the rows themselves by
    default; for a many-to-many value, the rows of the relation among them), grouped on
    their column ``key``. Either ``key`` points to a ``model``, whose ``value`` field is
    what the filter's parameter takes (a slug) and ``text`` an SQL expression naming it in
    the page's language; the rows are grouped on the key alone, and only the values listed
    are named (``search(model rows, text)`` keeps those whose name holds the text). Or the
    key is the value itself, a field of few possible values (countries, at most ``bound``),
    named by ``names``: every value is then read, and named, ordered and searched here.
    """

    name: str
    label: Any
    key: str
    rows: Callable = lambda listed: listed
    model: Any = None
    value: str = "pk"
    text: Callable[[], Any] | None = None
    search: Callable | None = None
    names: Callable[[str], str] | None = None
    bound: int = 1000
    find_label: Any = ""

    def counted_rows(self, listed):
        return self.rows(listed.order_by()).order_by()

    def searched_rows(self, listed, search: str = ""):
        """The rows counted, those of values whose name holds ``search`` if given."""
        rows = self.counted_rows(listed)
        if search and self.search is not None:
            found = self.search(self.model._default_manager.all(), search)
            rows = rows.filter(**{f"{self.key}__in": found.values("pk")})
        return rows

    def named_counts(self, listed, search: str = "") -> list[tuple[str, str, int]]:
        """Every value of a facet named by ``names``, with its count (one grouped query)."""
        grouped = (
            self.counted_rows(listed)
            .values_list(self.key)
            .annotate(facet_count=Count("*"))
            .order_by(self.key)[: self.bound]
        )
        named = [(value, self.names(value), count) for value, count in grouped]
        words = folded(search).split()
        return [row for row in named if all(word in folded(row[1]) for word in words)]

    def grouped(self, listed, *, first: str | None = None, search: str = "", by_name=True):
        """The values with ``facet_value``, ``facet_label`` and ``facet_count``, most frequent
        first (``first`` before them all), then by name (``by_name``; else by key, so that
        only the values read are named); not for a facet named by ``names``."""
        rows = self.searched_rows(listed, search)
        models = self.model._default_manager.all()
        named = models.filter(pk=OuterRef("facet_key")).order_by()
        ordering = ["-facet_count", "facet_key"]
        if by_name:
            ordering.insert(1, Collate("facet_label", "und-x-icu"))
        if first:
            chosen = models.filter(**{self.value: first}).order_by().values("pk")[:1]
            chosen_first = Case(
                When(facet_key=Subquery(chosen), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
            ordering.insert(0, chosen_first)
        return (
            rows.values(facet_key=F(self.key))
            .annotate(facet_count=Count("*"))
            .annotate(
                facet_value=Subquery(named.values(self.value)[:1]),
                facet_label=Subquery(
                    named.annotate(facet_name=self.text()).values("facet_name")[:1]
                ),
            )
            .order_by(*ordering)
        )

    def top(self, listed, *, limit: int, first: str | None = None):
        """(value, name, count) of the ``limit`` most frequent values (of every value, for a
        facet named by ``names``), and how many values there are in all: one grouped query,
        naming the values it returns only."""
        if self.names is not None:
            named = ordered(self.named_counts(listed), first)
            return named, len(named)
        grouped = self.grouped(listed, first=first, by_name=False)
        rows = list(grouped.annotate(facet_values=Window(Count("*")))[:limit])
        total = rows[0]["facet_values"] if rows else 0
        named = [(row["facet_value"], row["facet_label"], row["facet_count"]) for row in rows]
        return ordered(named, first), total


def ordered(named: list[tuple[str, str, int]], first: str | None = None):
    """Most frequent first (``first`` before them all), then by name."""
    return sorted(named, key=lambda row: (row[0] != first, -row[2], folded(row[1]), row[0]))


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    query: str  # the list's query string choosing it (or, chosen, leaving it)
    selected: bool = False


@dataclass(frozen=True)
class Facet:
    """What ``partials/facets.html`` shows of one facet."""

    name: str
    label: str
    values: list[FacetValue]
    total: int  # values in the rows, shown or not
    selected: str | None = None  # the value chosen
    more_query: str = ""  # the query string of the facet's own page, when values are left out
    errors: list[str] = field(default_factory=list)


def build(spec, counts, total, query: QueryDict, *, selected=None, errors=(), shown=SHOWN):
    values = [
        FacetValue(
            value=value,
            label=label,
            count=count,
            query=list_query(query, **{spec.name: None if value == selected else value}),
            selected=value == selected,
        )
        for value, label, count in counts[:shown]
    ]
    more = ""
    if total > len(values):
        more = list_query(query, **{FACET_PARAMETER: spec.name})
    return Facet(
        name=spec.name,
        label=str(spec.label),
        values=values,
        total=total,
        selected=selected,
        more_query=more,
        errors=list(errors),
    )


def facet(spec: FacetSpec, listed, query: QueryDict, *, selected=None, errors=(), shown=SHOWN):
    """The facet ``spec`` of the filtered rows ``listed``: its ``shown`` most frequent values
    (the ``selected`` one first), in one grouped query. ``query``: the list's query string."""
    counts, total = spec.top(listed, limit=shown, first=selected)
    return build(spec, counts, total, query, selected=selected, errors=errors, shown=shown)


def facet_from_counts(spec: FacetSpec, counts: dict[str, int], query: QueryDict, **kwargs):
    """The facet of a field named by ``spec.names`` whose counts the list already has (the
    query that counts its rows gave them): no query."""
    named = ordered(
        [(value, spec.names(value), count) for value, count in counts.items()],
        kwargs.get("selected"),
    )
    return build(spec, named, len(named), query, **kwargs)


class FacetValues:
    """Every value of a facet, for a paginator: ``count()`` and each page are a query."""

    def __init__(self, spec: FacetSpec, listed, *, search: str = "", first=None):
        self.spec, self.listed, self.search, self.first = spec, listed, search, first
        self.named = None
        if spec.names is not None:
            self.named = ordered(spec.named_counts(listed, search), first)

    def count(self) -> int:
        if self.named is not None:
            return len(self.named)
        rows = self.spec.searched_rows(self.listed, self.search)
        return rows.values(self.spec.key).distinct().count()

    def __len__(self):
        return self.count()

    def __getitem__(self, window: slice):
        if self.named is not None:
            return self.named[window]
        rows = self.spec.grouped(self.listed, first=self.first, search=self.search)[window]
        return [(row["facet_value"], row["facet_label"], row["facet_count"]) for row in rows]


def requested_facet(request, specs: dict[str, FacetSpec]):
    """The facet whose own page is asked for (``?facet=<name>``), None for the list itself,
    or "" for a name the list has no facet of."""
    name = request.GET.get(FACET_PARAMETER)
    if name is None:
        return None
    return specs.get(name, "")


def unknown_facet_notice(request) -> str:
    return _("“%(name)s” is not a filter of this list: showing the list.") % {
        "name": request.GET.get(FACET_PARAMETER, "")[:40]
    }


def facet_page(request, spec: FacetSpec, listed, *, selected, title, list_url, notices=()):
    """The facet's own page: every value of the filtered rows ``listed``, most frequent
    first, ``PER_PAGE`` at a time, those whose name holds ``facet_q`` if given; each links
    to the list with the value chosen."""
    search = " ".join(request.GET.get(SEARCH_PARAMETER, "").split())[:SEARCH_MAX_LENGTH]
    values = FacetValues(spec, listed, search=search, first=selected)
    page, page_notice = paginate(request, values, PER_PAGE)
    shown = build(
        spec,
        list(page.object_list),
        page.paginator.count,
        request.GET,
        selected=selected,
        shown=PER_PAGE,
    )
    kept = request.GET.copy()
    for name in PAGE_PARAMETERS:
        kept.pop(name, None)
    return render(
        request,
        "common/facet_page.html",
        {
            "facet": shown,
            "page": page,
            "search": search,
            "search_max_length": SEARCH_MAX_LENGTH,
            "find_label": spec.find_label or spec.label,
            "kept": [(name, value) for name in kept for value in kept.getlist(name)],
            "title": title,
            "list_url": list_url,
            "list_query": list_query(request.GET),
            "notices": [*notices, *([page_notice] if page_notice else [])],
        },
    )
