"""The filters, sorts, totals and pages of the project list, and what bad input gives.

Interface strings are compared with what gettext gives for the page's language, so the
tests hold whether or not a string is translated yet; data is compared literally.
"""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation

from projects.models import OrganisationKind
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory
from tests.html import find, find_all, parse, text, tr, tr_count

LIST = "/fr/projects/"
NBSP = "\u00a0"

# --- reading pages -------------------------------------------------------------------------


def titles(response) -> list[str]:
    """Titles of the project cards (their links), in the order of the page."""
    return [
        text(find(find(card, "h3"), "a"))
        for card in find_all(parse(response), "article", "project-card")
    ]


def notices(response) -> list[str]:
    return [text(p) for p in find_all(parse(response), "p", "notice")]


def totals(response) -> str:
    return text(find(parse(response), "p", "totals"))


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def projects_count(count: int) -> str:
    return tr_count("%(counter)s project", "%(counter)s projects", count)


# --- the catalogue -------------------------------------------------------------------------

A = "Santé communautaire"
B = "Jeunes entrepreneurs du développement"
C = "Eau potable dans les villages"
D = "Formation d’artisans"
E = "Intégration à Pichincha"
HIDDEN = "Projet en préparation"
EVERY = {A, B, C, D, E}


@pytest.fixture
def catalogue(db):
    """Five published projects, each found by different filters, and an unpublished one."""
    health = ThemeFactory(name="Santé", name_en="Health", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Employment", slug="employment")
    first_phase = PhaseFactory(
        name="Première phase (2008-2012)", slug="first", start_date="2008-01-01"
    )
    amd = OrganisationFactory(
        name="Association Migration & Développement", slug="amd", kind=OrganisationKind.DIASPORA
    )
    upala = OrganisationFactory(
        name="Municipalité d’Upala", kind=OrganisationKind.LOCAL_AUTHORITY, country="CR"
    )
    kolda = OrganisationFactory(name="Diaspora de Kolda", kind=OrganisationKind.DIASPORA)
    milan = OrganisationFactory(name="Sénégalais de Milan", kind=OrganisationKind.DIASPORA)
    oxfam = OrganisationFactory(
        name="Oxfam Népal", slug="oxfam-nepal", kind=OrganisationKind.NGO, country="NP"
    )
    figuig = OrganisationFactory(
        name="Commune de Figuig", kind=OrganisationKind.LOCAL_AUTHORITY, country="MA"
    )
    ProjectFactory(
        title=A,
        country="CR",
        locality="Canton d’Upala",
        objective="Améliorer l’accès aux soins des familles de migrants.",
        themes=[health],
        partners=[amd, upala],
        funding_amount=Decimal("230000"),
        duration_months=21,
    )
    ProjectFactory(
        title=B,
        country="SN",
        locality="Kolda",
        objective="Créer des emplois pour les jeunes de retour.",
        themes=[jobs],
        partners=[kolda, milan],
        funding_amount=Decimal("100000"),
        duration_months=36,
    )
    ProjectFactory(
        title=C,
        country="NP",
        locality="Katmandou",
        objective="Forer des puits avec les familles.",
        themes=[health, jobs],
        partners=[oxfam],
        phase=first_phase,
        funding_amount=Decimal("500000"),
        duration_months=12,
    )
    ProjectFactory(
        title=D,
        country="MA",
        locality="Figuig",
        objective="Former des artisans de la palmeraie.",
        partners=[figuig],
        funding_amount=Decimal("50000"),
        duration_months=6,
    )
    ProjectFactory(
        title=E,
        country="EC",
        locality="Quito",
        objective="Accueillir les personnes réfugiées.",
        funding_amount=Decimal("80000"),
        duration_months=24,
    )
    ProjectFactory(
        title=HIDDEN,
        country="SN",
        locality="Kolda",
        objective="Un projet de santé et d’emploi pour les familles.",
        themes=[health, jobs],
        partners=[oxfam, amd],
        funding_amount=Decimal("999000"),
        duration_months=24,
        published=False,
    )


def listed(client, params: str | dict = "") -> set[str]:
    """Titles listed for these query parameters (a query string or a dict)."""
    response = (
        client.get(f"{LIST}?{params}") if isinstance(params, str) else client.get(LIST, params)
    )
    assert response.status_code == 200
    found = titles(response)
    assert len(found) == len(set(found)), f"a project is listed twice: {found}"
    return set(found)


def test_without_filters_every_published_project_is_listed(client, catalogue):
    assert listed(client) == EVERY


# --- filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("entrepreneurs", {B}),  # title
        ("soins", {A}),  # objective
        ("familles", {A, C}),  # objectives of two projects
        ("Oxfam", {C}),  # partner name (also partner of the unpublished project)
        ("Katmandou", {C}),  # locality
        ("  katmandou  ", {C}),  # case and spaces do not matter
        ("developpement", {A, B}),  # accents do not matter: A's partner, B's title
        ("DÉVELOPPEMENT", {A, B}),
        ("sante", {A}),
        ("nepal", {C}),
        ("jeunes kolda", {B}),  # every word, in any field (title and locality)
        ("familles puits", {C}),  # both words must match: A has "familles" only
        ("jeunes upala", set()),
        ("préparation", set()),  # the unpublished project is never found
        ("100%", set()),  # LIKE wildcards are plain characters
        ("_", set()),
    ],
)
def test_free_text_search(client, catalogue, q, expected):
    assert listed(client, {"q": q}) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("country=SN", {B}),
        ("country=EC", {E}),
        ("theme=health", {A, C}),
        ("theme=employment", {B, C}),
        ("phase=first", {C}),
        ("phase=current", {A, B, D, E}),
        ("partner=amd", {A}),
        ("partner=oxfam-nepal", {C}),
        ("kind=diaspora", {A, B}),
        ("kind=local_authority", {A, D}),
        ("kind=ngo", {C}),
        ("kind=foundation", set()),
        ("funding_min=100000", {A, B, C}),  # bounds are included
        ("funding_max=100000", {B, D, E}),
        ("funding_min=80000&funding_max=230000", {A, B, E}),
        ("funding_min=80000.50", {A, B, C}),
        ("duration_min=21", {A, B, E}),
        ("duration_max=12", {C, D}),
        ("duration_min=12&duration_max=24", {A, C, E}),
        ("country=&theme=&q=", EVERY),  # an empty form filters nothing
    ],
)
def test_each_filter(client, catalogue, params, expected):
    assert listed(client, params) == expected


def test_a_project_with_two_partners_of_the_kind_appears_once(client, catalogue):
    response = client.get(f"{LIST}?kind=diaspora")

    assert sorted(titles(response)) == sorted([A, B])
    assert projects_count(2) in totals(response)
    assert f"330{NBSP}000{NBSP}US$" in totals(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("theme=health&country=CR", {A}),
        ("kind=diaspora&funding_min=150000", {A}),
        ("q=familles&theme=employment", {C}),
        ("phase=current&duration_min=20&funding_max=100000", {B, E}),
        ("partner=amd&country=SN", set()),
    ],
)
def test_filters_combine(client, catalogue, params, expected):
    assert listed(client, params) == expected


def facet_values(response, name: str) -> list[tuple[str, str]]:
    """(value's name, count) of the facet ``name``, in the order shown."""
    box = find(parse(response), "div", "facet", aria_labelledby=f"facet-{name}")
    return [
        (text(find(item, "a")).rstrip(" ×"), text(find(item, "span", "facet-count")))
        for item in find_all(box, "li")
    ]


def test_country_facet_lists_the_countries_of_the_published_projects(client, catalogue):
    ProjectFactory(country="TG", published=False)
    ProjectFactory(title="Deuxième projet népalais", country="NP")

    values = facet_values(client.get(LIST), "country")

    # Most projects first, then by name, "Équateur" as "Equateur"; not Togo's unpublished one.
    assert values == [
        ("Népal", "2"),
        ("Costa Rica", "1"),
        ("Équateur", "1"),
        ("Maroc", "1"),
        ("Sénégal", "1"),
    ]
    assert not find_all(parse(client.get(LIST)), "select", name="country")


def test_a_country_without_projects_gives_an_empty_list_not_an_error(client, catalogue):
    response = client.get(f"{LIST}?country=DE")

    assert titles(response) == []
    assert notices(response) == []
    assert active_filters(response)[tr("Country")][0] == "Allemagne"


# --- sorting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", [C, D, E, B, A]),
        ("-funding", [C, A, B, E, D]),
        ("funding", [D, E, B, A, C]),
        ("-duration", [B, E, A, C, D]),
        ("duration", [D, C, A, E, B]),
        # Costa Rica, Équateur, Maroc, Népal, Sénégal: accents do not push Équateur last.
        ("country", [A, E, D, C, B]),
        ("", [A, E, D, C, B]),  # by country unless asked otherwise
    ],
)
def test_sorts(client, catalogue, sort, expected):
    response = client.get(f"{LIST}?sort={sort}")

    assert response.status_code == 200
    assert titles(response) == expected


def test_sort_by_country_follows_the_names_of_the_page_language(client, db):
    ProjectFactory(title="Projet allemand", country="DE")
    ProjectFactory(title="Projet costaricien", country="CR")

    # Allemagne < Costa Rica in French; Costa Rica < Germany in English.
    assert titles(client.get("/fr/projects/?sort=country")) == [
        "Projet allemand",
        "Projet costaricien",
    ]
    assert titles(client.get("/en/projects/?sort=country")) == [
        "Projet costaricien",
        "Projet allemand",
    ]


def test_sorts_break_ties_by_title(client, db):
    for title in ("Bravo", "Alpha", "Charlie"):
        ProjectFactory(title=title, funding_amount=Decimal("1000"), duration_months=10)

    for sort in ("funding", "-funding", "duration", "-duration", "country"):
        assert titles(client.get(f"{LIST}?sort={sort}")) == ["Alpha", "Bravo", "Charlie"], sort


def test_sort_combines_with_filters(client, catalogue):
    assert titles(client.get(f"{LIST}?q=familles&sort=-funding")) == [C, A]
    assert titles(client.get(f"{LIST}?sort=funding&theme=employment")) == [B, C]


# --- totals --------------------------------------------------------------------------------


def test_totals_count_every_page_of_the_filtered_projects(client, catalogue, settings):
    settings.PROJECTS_PER_PAGE = 2

    response = client.get(LIST)

    assert len(titles(response)) == 2
    line = totals(response)
    assert projects_count(5) in line
    assert tr_count("%(counter)s country", "%(counter)s countries", 5) in line
    assert f"960{NBSP}000{NBSP}US$" in line

    response = client.get(f"{LIST}?funding_min=80000&page=2")

    assert len(titles(response)) == 2
    line = totals(response)
    assert projects_count(4) in line
    assert tr_count("%(counter)s country", "%(counter)s countries", 4) in line
    assert f"910{NBSP}000{NBSP}US$" in line


@pytest.mark.parametrize(
    "params", ["partner=amd&theme=health&kind=diaspora", "kind=local_authority&theme=health"]
)
def test_totals_count_each_project_once(client, catalogue, params):
    response = client.get(f"{LIST}?{params}")

    assert titles(response) == [A]
    assert projects_count(1) in totals(response)
    assert f"230{NBSP}000{NBSP}US$" in totals(response)


def test_totals_of_an_empty_selection(client, catalogue):
    line = totals(client.get(f"{LIST}?q=introuvable"))

    assert projects_count(0) in line
    assert f"960{NBSP}000" not in line


# --- active filters ------------------------------------------------------------------------


def active_filters(response) -> dict[str, tuple[str, str]]:
    """{label: (value shown, link that removes it)} of the active filters."""
    box = find_all(parse(response), "ul", "active-filters")
    if not box:
        return {}
    found = {}
    for item in find_all(box[0], "li"):
        label = text(item).split(":")[0]
        found[label] = (text(find(item, "strong")), find(item, "a", "remove").attrs["href"])
    return found


def test_active_filters_show_their_value_and_a_link_that_removes_only_them(client, catalogue):
    response = client.get(f"{LIST}?theme=health&kind=diaspora&sort=-funding&page=1")

    assert titles(response) == [A]
    active = active_filters(response)
    kind_label = OrganisationKind.DIASPORA.label
    with translation.override("fr"):
        kind_label = str(kind_label)
    assert set(active) == {tr("Theme"), tr("Kind of organisation")}  # not the sort
    assert active[tr("Theme")][0] == "Santé"
    assert active[tr("Kind of organisation")][0] == kind_label

    without_theme = active[tr("Theme")][1]
    assert query(without_theme) == {"kind": ["diaspora"], "sort": ["-funding"]}
    assert titles(client.get(LIST + without_theme)) == [A, B]

    without_kind = active[tr("Kind of organisation")][1]
    assert query(without_kind) == {"theme": ["health"], "sort": ["-funding"]}
    assert titles(client.get(LIST + without_kind)) == [C, A]


def test_active_filters_name_countries_and_partners(client, catalogue):
    response = client.get(f"{LIST}?country=SN&partner=amd&q=d%C3%A9veloppement&funding_min=10")

    active = active_filters(response)
    assert active[tr("Country")][0] == "Sénégal"
    assert active[tr("Partner organisation")][0] == "Association Migration & Développement"
    assert active[tr("Search")][0] == "développement"
    assert active[tr("Funding from")][0] == "10"
    assert query(active[tr("Country")][1]) == {
        "partner": ["amd"],
        "q": ["développement"],
        "funding_min": ["10"],
    }


def test_removing_the_last_filter_lists_everything(client, catalogue):
    link = active_filters(client.get(f"{LIST}?country=SN"))[tr("Country")][1]

    assert query(link) == {}
    assert listed(client, link.lstrip("?")) == EVERY


def test_ignored_filters_are_not_shown_as_active(client, catalogue):
    active = active_filters(client.get(f"{LIST}?country=ZZ&theme=health"))

    assert set(active) == {tr("Theme")}


def test_no_active_filters_without_filters(client, catalogue):
    assert active_filters(client.get(f"{LIST}?sort=title")) == {}


def test_no_project_matches(client, catalogue):
    response = client.get(f"{LIST}?q=introuvable&country=SN")

    assert response.status_code == 200
    assert titles(response) == []
    empty = find(parse(response), "p", "empty")
    assert tr("No project matches these filters.") in text(empty)
    assert find(empty, "a").attrs["href"] == LIST


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ("funding_min=abc", "funding_min"),
        ("funding_max=-1", "funding_max"),
        ("country=ZZ", "country"),
        ("theme=nope", "theme"),
        ("phase=nope", "phase"),
        ("partner=nope", "partner"),
        ("kind=nope", "kind"),
        ("duration_max=-5", "duration_max"),
        ("duration_min=abc", "duration_min"),
        ("sort=nope", "sort"),
        ("q=" + "x" * 5000, "q"),
        ("theme=%00", "theme"),
    ],
)
def test_a_malformed_filter_is_ignored_with_a_notice(client, catalogue, params, field):
    response = client.get(f"{LIST}?{params}")

    assert response.status_code == 200
    assert set(titles(response)) == EVERY
    labels = {
        "funding_min": "Funding from",
        "funding_max": "Funding up to",
        "duration_min": "Duration from (months)",
        "duration_max": "Duration up to (months)",
        "country": "Country",
        "theme": "Theme",
        "phase": "Phase",
        "partner": "Partner organisation",
        "kind": "Kind of organisation",
        "sort": "Sort by",
        "q": "Search",
    }
    [notice] = notices(response)
    assert notice.startswith(tr(labels[field]))
    assert find_all(parse(response), "div", "has-error")  # the field is marked


def test_a_malformed_filter_does_not_cancel_the_others(client, catalogue):
    response = client.get(f"{LIST}?country=SN&funding_min=abc")

    assert titles(response) == [B]
    assert len(notices(response)) == 1


@pytest.mark.parametrize(
    ("page", "notice"),
    [
        ("0", "Pages start at 1: showing the first page."),
        ("-3", "Pages start at 1: showing the first page."),
        ("abc", "“%(page)s” is not a page number: showing the first page."),
        ("1.5", "“%(page)s” is not a page number: showing the first page."),
    ],
)
def test_a_page_number_that_is_not_one_shows_the_first_page(
    client, catalogue, settings, page, notice
):
    settings.PROJECTS_PER_PAGE = 2

    response = client.get(f"{LIST}?page={page}")

    assert response.status_code == 200
    assert titles(response) == [A, E]
    assert notices(response) == [tr(notice) % {"page": page}]


def test_a_page_past_the_end_shows_the_last_page(client, catalogue, settings):
    settings.PROJECTS_PER_PAGE = 2

    response = client.get(f"{LIST}?page=99999")

    assert response.status_code == 200
    assert titles(response) == [B]  # the fifth by country
    [notice] = notices(response)
    assert "3" in notice
    assert find(parse(response), "a", rel="prev").attrs["href"] == "?page=2"


def test_a_page_past_the_end_of_a_single_page(client, catalogue):
    response = client.get(f"{LIST}?page=99999999999999999999999&country=SN")

    assert response.status_code == 200
    assert titles(response) == [B]
    assert len(notices(response)) == 1


def test_every_kind_of_bad_input_at_once(client, catalogue):
    response = client.get(
        f"{LIST}?funding_min=abc&country=ZZ&theme=nope&duration_max=-5&page=abc&q=" + "x" * 5000
    )

    assert response.status_code == 200
    assert set(titles(response)) == EVERY
    assert len(notices(response)) == 6


# --- pages ---------------------------------------------------------------------------------


def test_page_links_keep_the_filters(client, catalogue, settings):
    settings.PROJECTS_PER_PAGE = 2

    first = client.get(f"{LIST}?funding_min=60000&sort=title")

    assert titles(first) == [C, E]
    assert find_all(parse(first), "a", rel="prev") == []
    following = find(parse(first), "a", rel="next").attrs["href"]
    assert query(following) == {"funding_min": ["60000"], "sort": ["title"], "page": ["2"]}

    second = client.get(LIST + following)

    assert second.status_code == 200
    assert titles(second) == [B, A]
    assert notices(second) == []
    assert find_all(parse(second), "a", rel="next") == []
    previous = find(parse(second), "a", rel="prev").attrs["href"]
    assert query(previous) == {"funding_min": ["60000"], "sort": ["title"], "page": ["1"]}
    assert projects_count(4) in totals(second)
    # The active filters of page 2 drop the page number when removed.
    [(_value, remove)] = active_filters(second).values()
    assert query(remove) == {"sort": ["title"]}


def test_no_pagination_when_everything_fits(client, catalogue):
    assert find_all(parse(client.get(LIST)), "nav", "pagination") == []
