"""The facets of the project list: the countries, themes and partners of the filtered
projects with their counts, the first ten beside the list and every one on the facet's own
page (paginated, searchable by name), each a link that chooses it, working without
JavaScript.

Interface strings are compared with what gettext gives for the page's language; data is
compared literally.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from projects.models import Organisation, Partnership, PartnershipRole, Project
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory
from tests.html import find, find_all, parse, text, tr

LIST = "/fr/projects/"


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def facet_box(response, name: str):
    return find(parse(response), "div", "facet", aria_labelledby=f"facet-{name}")


def values(node) -> list[tuple[str, str]]:
    """(name, count) of each value listed under ``node``."""
    return [
        (text(find(item, "a")).rstrip(" ×"), text(find(item, "span", "facet-count")))
        for item in find_all(node, "li")
    ]


def titles(response) -> list[str]:
    return [
        text(find(find(card, "h3"), "a"))
        for card in find_all(parse(response), "article", "project-card")
    ]


@pytest.fixture
def many_partners(db):
    """Sixty partners: "Partenaire 01" works on one project, "Partenaire 02" on two… up to
    twelve projects (the others on one each), all led by Kolda, in Senegal (the odd ones)
    or Morocco; the odd projects are about health."""
    phase = PhaseFactory()
    health = ThemeFactory(name="Santé", name_en="Health", slug="health")
    kolda = OrganisationFactory(name="Diaspora de Kolda", slug="kolda")
    partners = Organisation.objects.bulk_create(
        OrganisationFactory.build(name=f"Partenaire {number:02d}", slug=f"partner-{number:02d}")
        for number in range(1, 61)
    )
    projects = Project.objects.bulk_create(
        ProjectFactory.build(
            title=f"Projet {number:02d}",
            slug=f"project-{number:02d}",
            country="SN" if number % 2 else "MA",
            phase=phase,
        )
        for number in range(1, 13)
    )
    Partnership.objects.bulk_create(
        Partnership(project=project, organisation=kolda, role=PartnershipRole.LEAD)
        for project in projects
    )
    Partnership.objects.bulk_create(
        Partnership(project=project, organisation=partner, order=1)
        for number, partner in enumerate(partners, start=1)
        for project in projects[: number if number <= 12 else 1]
    )
    Project.themes.through.objects.bulk_create(
        Project.themes.through(project=project, theme=health)
        for number, project in enumerate(projects, start=1)
        if number % 2
    )
    return partners


def test_the_ten_most_frequent_partners_show_with_their_counts(client, many_partners):
    response = client.get(LIST)

    box = facet_box(response, "partner")
    assert values(box) == [
        ("Diaspora de Kolda", "12"),
        ("Partenaire 12", "12"),
        ("Partenaire 11", "11"),
        ("Partenaire 10", "10"),
        ("Partenaire 09", "9"),
        ("Partenaire 08", "8"),
        ("Partenaire 07", "7"),
        ("Partenaire 06", "6"),
        ("Partenaire 05", "5"),
        ("Partenaire 04", "4"),
    ]
    more = find(find(box, "p", "facet-more"), "a")
    assert "61" in text(more)
    assert query(more.attrs["href"]) == {"facet": ["partner"]}
    assert not find_all(parse(response), "option", value="partner-13")


def test_a_partner_link_chooses_it_and_keeps_the_other_filters(client, many_partners):
    box = facet_box(client.get(LIST, {"country": "SN", "sort": "title"}), "partner")
    link = next(a for a in find_all(box, "a") if text(a) == "Partenaire 12")
    assert query(link.attrs["href"]) == {
        "country": ["SN"],
        "sort": ["title"],
        "partner": ["partner-12"],
    }

    response = client.get(LIST + link.attrs["href"])

    assert titles(response) == [f"Projet {number:02d}" for number in (1, 3, 5, 7, 9, 11)]
    chosen = find(facet_box(response, "partner"), "a", "chosen")
    assert text(chosen).startswith("Partenaire 12")
    assert chosen.attrs["aria-current"] == "true"
    assert query(chosen.attrs["href"]) == {"country": ["SN"], "sort": ["title"]}
    # The filter form keeps it when other filters are applied.
    hidden = find(parse(response), "input", type="hidden", name="partner")
    assert hidden.attrs["value"] == "partner-12"


def test_counts_are_those_of_the_filtered_projects(client, many_partners):
    response = client.get(LIST, {"theme": "health"})

    assert values(facet_box(response, "country")) == [("Sénégal", "6")]
    assert ("Partenaire 10", "5") in values(facet_box(response, "partner"))
    assert values(facet_box(response, "theme")) == [("Santé", "6")]


def test_the_chosen_partner_comes_first_even_when_it_shares_the_least(client, many_partners):
    response = client.get(LIST, {"partner": "partner-30"})

    assert values(facet_box(response, "partner"))[0] == ("Partenaire 30", "1")


def test_the_facet_page_lists_every_partner_fifty_at_a_time(client, many_partners):
    first = client.get(LIST, {"facet": "partner", "country": "SN"})

    assert first.status_code == 200
    page = parse(first)
    listed = values(find(page, "ul", "facet-page"))
    assert len(listed) == 50
    assert listed[:2] == [("Diaspora de Kolda", "6"), ("Partenaire 11", "6")]
    link = find(find(page, "ul", "facet-page"), "a")
    assert link.attrs["href"] == f"{LIST}?country=SN&partner=kolda"
    following = find(page, "a", rel="next").attrs["href"]
    assert query(following) == {"facet": ["partner"], "country": ["SN"], "page": ["2"]}

    second = values(find(parse(client.get(LIST + following)), "ul", "facet-page"))
    assert len(second) == 61 - 50
    # The breadcrumb goes back to the list with its filters.
    crumbs = find(page, "nav", "breadcrumbs")
    assert find(crumbs, "a").attrs["href"] == f"{LIST}?country=SN"


def test_the_facet_page_finds_a_partner_by_name(client, many_partners):
    page = parse(client.get(LIST, {"facet": "partner", "country": "SN"}))
    form = find(page, "form", "facet-find")
    hidden = {i.attrs["name"]: i.attrs["value"] for i in find_all(form, "input", type="hidden")}
    assert hidden == {"country": "SN", "facet": "partner"}

    found = client.get(LIST, {**hidden, "facet_q": "PARTENAIRE 12"})

    assert values(find(parse(found), "ul", "facet-page")) == [("Partenaire 12", "6")]
    kolda = client.get(LIST, {**hidden, "facet_q": "kolda diaspora"})
    assert values(find(parse(kolda), "ul", "facet-page")) == [("Diaspora de Kolda", "6")]
    nothing = parse(client.get(LIST, {**hidden, "facet_q": "introuvable"}))
    assert tr("Nothing matches.") in text(find(nothing, "p", "empty"))


def test_the_facet_page_of_countries_searches_their_names(client, many_partners):
    found = parse(client.get(LIST, {"facet": "country", "facet_q": "senegal"}))

    assert values(find(found, "ul", "facet-page")) == [("Sénégal", "6")]


@pytest.mark.parametrize("name", ["nope", "q", ""])
def test_an_unknown_facet_shows_the_list_with_a_notice(client, many_partners, name):
    response = client.get(LIST, {"facet": name})

    assert response.status_code == 200
    assert len(titles(response)) == 12
    [notice] = [text(p) for p in find_all(parse(response), "p", "notice")]
    assert f"“{name}”" in notice


def test_a_bad_page_of_a_facet_gives_a_notice(client, many_partners):
    response = client.get(LIST, {"facet": "partner", "page": "abc"})

    assert response.status_code == 200
    [notice] = [text(p) for p in find_all(parse(response), "p", "notice")]
    assert notice == tr("“%(page)s” is not a page number: showing the first page.") % {
        "page": "abc"
    }


def test_an_overlong_facet_search_is_cut_not_refused(client, many_partners):
    response = client.get(LIST, {"facet": "partner", "facet_q": "x" * 5000})

    assert response.status_code == 200


def test_a_partner_of_unpublished_projects_only_is_refused_with_a_notice(client, many_partners):
    secret = OrganisationFactory(name="Secret", slug="secret")
    ProjectFactory(partners=[secret], published=False)

    response = client.get(LIST, {"partner": "secret"})

    assert len(titles(response)) == 12
    assert find(parse(response), "div", "has-error", aria_labelledby="facet-partner")
    assert "Secret" not in text(facet_box(response, "partner"))


def test_the_downloads_and_the_api_take_the_facet_parameters(client, many_partners):
    csv = client.get("/fr/projects/export.csv", {"partner": "partner-02"})
    api = client.get("/api/v1/projects/", {"partner": "partner-02", "country": "sn"})

    rows = b"".join(csv.streaming_content).decode().splitlines()
    assert len(rows) == 1 + 2
    assert [project["title"] for project in api.json()["results"]] == ["Projet 01"]
