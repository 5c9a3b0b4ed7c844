"""The public pages of the catalogue, as an anonymous visitor and as a staff member see them.

Interface strings are compared with what gettext gives for the page's language, so the
tests hold whether or not a string is translated yet; data (titles, amounts, country names)
is compared literally.
"""

from decimal import Decimal

import pytest
from django.utils import translation

from projects.models import OrganisationKind, PartnershipRole
from tests.factories import OrganisationFactory, ProjectFactory, ThemeFactory
from tests.html import Node, find, find_all, parse, text, tr, tr_count

NBSP = "\u00a0"
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


# --- reading pages -------------------------------------------------------------------------


def list_under(node: Node, heading: str) -> Node:
    """The list that follows the heading whose text is ``heading``."""
    for parent in [node, *find_all(node, "*")]:
        siblings = [child for child in parent.children if isinstance(child, Node)]
        for position, child in enumerate(siblings):
            if child.tag in ("h2", "h3") and text(child) == heading:
                return next(s for s in siblings[position + 1 :] if s.tag in ("ul", "ol"))
    raise AssertionError(f"no list under a heading {heading!r}")


def href(node: Node) -> str:
    return node.attrs["href"]


def links(node: Node) -> dict[str, str]:
    """{text: href} of the links under ``node``."""
    return {text(a): href(a) for a in find_all(node, "a")}


def card_titles(response) -> list[str]:
    """Titles of the project cards, in the order of the page."""
    return [text(find(card, "h3")) for card in find_all(parse(response), "article", "project-card")]


def label(choice, language: str = "fr") -> str:
    with translation.override(language):
        return str(choice.label)


# --- data ----------------------------------------------------------------------------------


@pytest.fixture(params=["anonymous", "staff"])
def visitor(request, client):
    """A client for each kind of visitor of the public pages."""
    if request.param == "staff":
        return request.getfixturevalue("staff_client")
    return client


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def catalogue(db):
    """Two published projects in Costa Rica, one in Morocco, and one unpublished."""
    health = ThemeFactory(name="Santé", name_en="Health", name_es="Salud", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Employment", name_es="Empleo", slug="employment")
    amd = OrganisationFactory(
        name="Association Migration & Développement",
        slug="amd",
        kind=OrganisationKind.DIASPORA,
        country="MA",
        city="Agadir",
    )
    municipality = OrganisationFactory(
        name="Municipalité d’Upala", kind=OrganisationKind.LOCAL_AUTHORITY, country="CR"
    )
    undp = OrganisationFactory(
        name="PNUD Costa Rica", kind=OrganisationKind.INTERNATIONAL, country="CR"
    )
    secret = OrganisationFactory(name="Partenaire confidentiel", country="CR")
    upala = ProjectFactory(
        title="Canton d’Upala : la migration comme facilitateur",
        slug="upala",
        country="CR",
        locality="Canton d’Upala",
        objective="Faire de la migration un levier du développement humain local.",
        funding_amount=Decimal("230000.00"),
        duration_months=21,
        themes=[health, jobs],
        partners=[municipality, amd, undp],
    )
    los_chiles = ProjectFactory(
        title="Jeunes entrepreneurs de Los Chiles",
        slug="los-chiles",
        country="CR",
        locality="Los Chiles",
        funding_amount=Decimal("120000.00"),
        partners=[amd, undp],
    )
    figuig = ProjectFactory(
        title="Préserver la palmeraie de Figuig",
        slug="figuig",
        country="MA",
        locality="Figuig",
        funding_amount=Decimal("98000.00"),
        themes=[health],
        partners=[amd],
    )
    hidden = ProjectFactory(
        title="Projet en préparation",
        slug="hidden",
        country="CR",
        locality="Upala",
        funding_amount=Decimal("999000.00"),
        published=False,
        themes=[health],
        partners=[amd, secret],
    )
    return {
        "health": health,
        "jobs": jobs,
        "amd": amd,
        "municipality": municipality,
        "undp": undp,
        "secret": secret,
        "upala": upala,
        "los_chiles": los_chiles,
        "figuig": figuig,
        "hidden": hidden,
    }


def assert_visitor_menu(response, client):
    """Staff see the link to the admin, anonymous visitors the link to log in."""
    menu = links(find(parse(response), "nav", "main-nav"))
    assert ("/admin/" in menu.values()) == logged_in(client)
    assert any("/accounts/login/" in url for url in menu.values()) != logged_in(client)


# --- project list --------------------------------------------------------------------------


def test_list_shows_published_projects_with_their_facts(visitor, catalogue):
    response = visitor.get("/fr/projects/")

    assert response.status_code == 200
    assert sorted(card_titles(response)) == sorted(
        [catalogue["upala"].title, catalogue["los_chiles"].title, catalogue["figuig"].title]
    )
    page = parse(response)
    card = next(
        c for c in find_all(page, "article", "project-card") if "Upala" in text(find(c, "h3"))
    )
    assert href(find(card, "h3").children[0]) == "/fr/projects/upala/"
    assert f"230{NBSP}000{NBSP}US$" in text(card)
    assert "Canton d’Upala" in text(card)
    assert links(card)["Association Migration & Développement"] == "/fr/organisations/amd/"
    assert links(card)["Costa Rica"] == "/fr/countries/cr/"
    assert "Santé" in text(card) and "Emploi" in text(card)
    totals = text(find(page, "p", "totals"))
    assert tr_count("%(counter)s project", "%(counter)s projects", 3) in totals
    assert f"448{NBSP}000{NBSP}US$" in totals
    assert_visitor_menu(response, visitor)


def test_list_never_shows_an_unpublished_project(visitor, catalogue):
    response = visitor.get("/fr/projects/")

    assert catalogue["hidden"].title not in response.text
    assert "/fr/projects/hidden/" not in response.text
    assert "999" not in text(find(parse(response), "p", "totals"))


# --- project page --------------------------------------------------------------------------


def test_project_page_shows_the_project(visitor, catalogue):
    response = visitor.get("/fr/projects/upala/")

    assert response.status_code == 200
    page = parse(response)
    article = find(page, "article", "project")
    assert text(find(article, "h1")) == "Canton d’Upala : la migration comme facilitateur"
    assert "Faire de la migration un levier du développement humain local." in text(article)
    assert "Canton d’Upala" in text(find(article, "p", "meta"))
    assert f"230{NBSP}000{NBSP}US$" in text(find(article, "dl", "facts"))
    assert text(find(page, "title")).startswith("Canton d’Upala")
    assert_visitor_menu(response, visitor)


def test_project_page_lists_partners_with_their_role_and_organisation_page(visitor, catalogue):
    response = visitor.get("/fr/projects/upala/")

    partners = find(parse(response), "ul", "partners")
    rows = {text(find(li, "a")): li for li in find_all(partners, "li")}
    assert list(rows) == [
        "Municipalité d’Upala",
        "Association Migration & Développement",
        "PNUD Costa Rica",
    ]
    assert href(find(rows["Association Migration & Développement"], "a")) == (
        "/fr/organisations/amd/"
    )
    assert href(find(rows["Municipalité d’Upala"], "a")) == (
        catalogue["municipality"].get_absolute_url()
    )
    assert text(find(rows["Municipalité d’Upala"], "span", "role")) == label(PartnershipRole.LEAD)
    for name in ("Association Migration & Développement", "PNUD Costa Rica"):
        assert text(find(rows[name], "span", "role")) == label(PartnershipRole.PARTNER)
    # A partner based in another country says where.
    assert "Maroc" in text(rows["Association Migration & Développement"])
    assert "Maroc" not in text(rows["PNUD Costa Rica"])


def test_project_page_lists_the_other_published_projects_of_its_country(visitor, catalogue):
    response = visitor.get("/fr/projects/upala/")

    heading = tr("Other projects in %(country)s") % {"country": "Costa Rica"}
    others = links(list_under(parse(response), heading))
    assert others == {"Jeunes entrepreneurs de Los Chiles": "/fr/projects/los-chiles/"}


def test_project_page_says_when_no_other_project_is_in_its_country(client, catalogue):
    response = client.get("/fr/projects/figuig/")

    others = list_under(parse(response), tr("Other projects in %(country)s") % {"country": "Maroc"})
    assert text(others) == tr("No other project in this country.")
    assert find_all(others, "a") == []


def test_project_page_links_its_themes_phase_and_country(visitor, catalogue):
    response = visitor.get("/fr/projects/upala/")

    aside = find(parse(response), "aside")
    found = links(aside)
    assert found["Santé"] == "/fr/projects/?theme=health"
    assert found["Emploi"] == "/fr/projects/?theme=employment"
    assert found[catalogue["upala"].phase.name] == "/fr/projects/?phase=current"
    assert found["Costa Rica"] == "/fr/countries/cr/"


def test_project_page_shows_the_duration_in_months(client, catalogue):
    response = client.get("/fr/projects/upala/")

    with translation.override("fr"):
        months = translation.ngettext("%(months)s month", "%(months)s months", 21) % {"months": 21}
    assert months in text(find(parse(response), "dl", "facts"))


@pytest.mark.parametrize(
    ("language", "amount", "shown"),
    [
        ("fr", "230000.00", f"230{NBSP}000{NBSP}US$"),
        ("en", "230000.00", f"US${NBSP}230,000"),
        ("es", "230000.00", f"230{NBSP}000{NBSP}US$"),
        ("fr", "3448000.00", f"3{NBSP}448{NBSP}000{NBSP}US$"),
        ("fr", "1234.50", f"1{NBSP}234,50{NBSP}US$"),
        ("en", "1234.50", f"US${NBSP}1,234.50"),
    ],
)
def test_funding_is_written_in_full_the_way_the_language_writes_it(
    client, db, language, amount, shown
):
    ProjectFactory(slug="p", funding_amount=Decimal(amount))

    response = client.get(f"/{language}/projects/p/")

    assert shown in text(find(parse(response), "dl", "facts"))


def test_funding_in_another_currency_shows_its_symbol(client, db):
    ProjectFactory(slug="p", funding_amount=Decimal("50000"), funding_currency="EUR")

    response = client.get("/fr/projects/p/")

    assert f"50{NBSP}000{NBSP}€" in text(find(parse(response), "dl", "facts"))


# --- country page --------------------------------------------------------------------------


def test_country_page_lists_its_projects_and_funding_total(visitor, catalogue):
    response = visitor.get("/fr/countries/cr/")

    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == "Costa Rica"
    assert card_titles(response) == [
        "Canton d’Upala : la migration comme facilitateur",
        "Jeunes entrepreneurs de Los Chiles",
    ]
    totals = find(page, "p", "totals")
    assert tr_count("%(counter)s project", "%(counter)s projects", 2) in text(totals)
    assert f"350{NBSP}000{NBSP}US$" in text(totals)
    assert catalogue["hidden"].title not in response.text
    assert "Figuig" not in response.text
    assert_visitor_menu(response, visitor)


def test_country_page_links_to_the_catalogue_filtered_by_the_country(client, catalogue):
    response = client.get("/fr/countries/cr/")

    link = links(find(parse(response), "p", "totals"))[tr("Filter the catalogue by this country")]
    assert link == "/fr/projects/?country=CR"
    filtered = client.get(link)
    assert sorted(card_titles(filtered)) == sorted(card_titles(response))


def test_country_page_lists_the_organisations_based_there(client, catalogue):
    response = client.get("/fr/countries/cr/")

    organisations = list_under(parse(response), tr("Organisations based here"))
    rows = {text(find(li, "a")): text(li) for li in find_all(organisations, "li")}
    assert set(rows) == {"Municipalité d’Upala", "PNUD Costa Rica", "Partenaire confidentiel"}
    assert tr_count("%(counter)s project", "%(counter)s projects", 2) in rows["PNUD Costa Rica"]
    # Only published projects count: the municipality is also a partner of the hidden one…
    assert (
        tr_count("%(counter)s project", "%(counter)s projects", 1) in (rows["Municipalité d’Upala"])
    )
    # …and the confidential partner has nothing but it.
    assert (
        tr_count("%(counter)s project", "%(counter)s projects", 0)
        in (rows["Partenaire confidentiel"])
    )
    assert links(organisations)["PNUD Costa Rica"] == catalogue["undp"].get_absolute_url()


def test_country_page_accepts_an_upper_case_code(visitor, catalogue):
    lower = visitor.get("/fr/countries/cr/")
    upper = visitor.get("/fr/countries/CR/")

    assert upper.status_code == 200
    assert card_titles(upper) == card_titles(lower)
    assert text(find(parse(upper), "h1")) == "Costa Rica"


def test_country_page_of_a_country_with_only_organisations(client, catalogue):
    """A country with an organisation but no project has a page, with no project on it
    (an organisation that is listed: a partner of a project elsewhere, or verified)."""
    togo = OrganisationFactory(name="Diaspora togolaise", country="TG")
    catalogue["figuig"].partnerships.create(organisation=togo)

    response = client.get("/fr/countries/tg/")

    assert response.status_code == 200
    assert card_titles(response) == []
    assert tr("No funded project in this country yet.") in response.content.decode()
    assert "Diaspora togolaise" in response.content.decode()


# --- organisation page ---------------------------------------------------------------------


def test_organisation_page_lists_its_projects_with_its_role(visitor, catalogue):
    response = visitor.get("/fr/organisations/amd/")

    assert response.status_code == 200
    page = parse(response)
    assert text(find(page, "h1")) == "Association Migration & Développement"
    assert "Agadir" in text(find(page, "p", "meta"))
    projects = find(page, "ul", "partners")
    rows = {text(find(li, "a")): li for li in find_all(projects, "li")}
    assert list(rows) == [
        "Canton d’Upala : la migration comme facilitateur",
        "Jeunes entrepreneurs de Los Chiles",
        "Préserver la palmeraie de Figuig",
    ]
    role = {title: text(find(li, "span", "role")) for title, li in rows.items()}
    assert role == {
        "Canton d’Upala : la migration comme facilitateur": label(PartnershipRole.PARTNER),
        "Jeunes entrepreneurs de Los Chiles": label(PartnershipRole.LEAD),
        "Préserver la palmeraie de Figuig": label(PartnershipRole.LEAD),
    }
    assert href(find(rows["Préserver la palmeraie de Figuig"], "a")) == "/fr/projects/figuig/"
    assert catalogue["hidden"].title not in response.text
    assert_visitor_menu(response, visitor)


def test_organisation_page_lists_its_partners_across_projects(visitor, catalogue):
    response = visitor.get("/fr/organisations/amd/")

    partners = list_under(parse(response), tr("Partners across projects"))
    rows = {text(find(li, "a")): li for li in find_all(partners, "li")}
    # The confidential partner works with it on the unpublished project only; the partner
    # of the most shared projects comes first.
    assert list(rows) == ["PNUD Costa Rica", "Municipalité d’Upala"]
    assert href(find(rows["PNUD Costa Rica"], "a")) == catalogue["undp"].get_absolute_url()
    shared = "%(counter)s shared project", "%(counter)s shared projects"
    assert tr_count(*shared, 2) in text(rows["PNUD Costa Rica"])
    assert tr_count(*shared, 1) in text(rows["Municipalité d’Upala"])


def test_organisation_page_links_its_country(client, catalogue):
    response = client.get("/fr/organisations/amd/")

    breadcrumbs = links(find(parse(response), "nav", "breadcrumbs"))
    assert breadcrumbs["Maroc"] == "/fr/countries/ma/"
    assert client.get("/fr/countries/ma/").status_code == 200


def test_verified_organisation_without_projects(client, db):
    OrganisationFactory(name="Nouvelle association", slug="nouvelle", verified=True)

    response = client.get("/fr/organisations/nouvelle/")

    assert response.status_code == 200
    assert tr("No funded project yet.") in response.content.decode()
    assert tr("Partners across projects") not in response.content.decode()


def test_organisation_waiting_for_verification_has_no_public_page(client, db):
    """Proposed at sign-up, neither verified by staff nor partner of a project."""
    OrganisationFactory(name="Association inconnue", slug="inconnue", verified=False)

    assert client.get("/fr/organisations/inconnue/").status_code == 404


# --- statistics ----------------------------------------------------------------------------


def table_rows(page: Node, table_id: str) -> list[tuple[str, str, str, str]]:
    """(label, link, projects, funding) of each row of the table described by ``table_id``."""
    table = find(page, "table", aria_describedby=table_id)
    rows = []
    for tr_ in find_all(find(table, "tbody"), "tr"):
        head = find(tr_, "th")
        cells = find_all(tr_, "td")
        rows.append((text(head), href(find(head, "a")), text(cells[0]), text(cells[1])))
    return rows


def test_statistics_has_a_row_per_country_and_per_theme(visitor, catalogue):
    response = visitor.get("/fr/statistics/")

    assert response.status_code == 200
    page = parse(response)
    assert table_rows(page, "by-country") == [
        ("Costa Rica", "/fr/countries/cr/", "2", f"350{NBSP}000{NBSP}US$"),
        ("Maroc", "/fr/countries/ma/", "1", f"98{NBSP}000{NBSP}US$"),
    ]
    # A project counts once in each of its themes; the unpublished one counts nowhere.
    assert table_rows(page, "by-theme") == [
        ("Santé", "/fr/projects/?theme=health", "2", f"328{NBSP}000{NBSP}US$"),
        ("Emploi", "/fr/projects/?theme=employment", "1", f"230{NBSP}000{NBSP}US$"),
    ]
    totals = text(find(page, "p", "totals"))
    assert tr_count("%(counter)s project", "%(counter)s projects", 3) in totals
    assert tr_count("%(counter)s country", "%(counter)s countries", 2) in totals
    assert f"448{NBSP}000{NBSP}US$" in totals
    assert_visitor_menu(response, visitor)


def test_statistics_with_several_currencies_adds_nothing_up_silently(client, catalogue):
    ProjectFactory(country="SN", funding_amount=Decimal("50000"), funding_currency="EUR")

    response = client.get("/fr/statistics/")

    page = parse(response)
    totals = text(find(page, "p", "totals"))
    assert f"50{NBSP}000{NBSP}€" in totals
    assert f"448{NBSP}000{NBSP}US$" in totals
    assert find_all(page, "p", "notice"), "the mixed currencies are pointed out"


def test_statistics_without_any_project(client, db):
    response = client.get("/fr/statistics/")

    assert response.status_code == 200
    page = parse(response)
    assert table_rows(page, "by-country") == []
    assert table_rows(page, "by-theme") == []


# --- not found -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/fr/projects/no-such-project/",
        "/fr/projects/hidden/",
        "/fr/countries/zz/",
        "/fr/countries/ZZ/",
        "/fr/countries/fr/",
        "/fr/countries/senegal/",
        "/fr/organisations/no-such-organisation/",
        "/en/projects/hidden/",
        "/es/countries/zz/",
    ],
)
def test_missing_pages_answer_404(visitor, catalogue, url):
    assert visitor.get(url).status_code == 404


def test_a_country_with_only_unpublished_projects_answers_404(client, db):
    ProjectFactory(country="BJ", published=False)

    assert client.get("/fr/countries/bj/").status_code == 404


def test_unpublished_project_appears_nowhere(client, catalogue):
    hidden = catalogue["hidden"].title
    for url in [
        "/fr/projects/",
        "/fr/projects/?q=pr%C3%A9paration",
        "/fr/projects/upala/",
        "/fr/countries/cr/",
        "/fr/organisations/amd/",
        "/fr/organisations/" + catalogue["secret"].slug + "/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert hidden not in response.content.decode(), url


# --- escaping ------------------------------------------------------------------------------


@pytest.fixture
def hostile(db):
    """A project and an organisation whose texts hold markup."""
    organisation = OrganisationFactory(name=f"Org {XSS}", slug="hostile-org", country="SN")
    ProjectFactory(
        title=f"Titre {XSS}",
        slug="hostile",
        country="SN",
        objective=f"Objectif {XSS}",
        locality=f"Lieu {XSS}",
        themes=[ThemeFactory(name=f"Thème {XSS}")],
        partners=[organisation],
    )
    ProjectFactory(slug="neighbour", country="SN", partners=[organisation])


@pytest.mark.parametrize(
    "url",
    [
        "/fr/projects/",
        "/fr/projects/?q=alert",
        "/fr/projects/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/fr/projects/hostile/",
        "/fr/projects/neighbour/",
        "/fr/countries/sn/",
        "/fr/organisations/hostile-org/",
        "/fr/statistics/",
        "/en/projects/hostile/",
    ],
)
def test_markup_in_texts_is_shown_escaped(visitor, hostile, url):
    response = visitor.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert XSS not in html
    assert "<script" not in html
    assert XSS_ESCAPED in html


def test_markup_in_texts_is_shown_as_text(client, hostile):
    page = parse(client.get("/fr/projects/hostile/"))

    article = find(page, "article", "project")
    assert text(find(article, "h1")) == f"Titre {XSS}"
    assert f"Objectif {XSS}" in text(article)
    assert f"Lieu {XSS}" in text(find(article, "p", "meta"))
    assert f"Org {XSS}" in links(find(article, "ul", "partners"))


# --- languages -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en", "es"])
@pytest.mark.parametrize(
    "path",
    [
        "projects/",
        "projects/upala/",
        "countries/cr/",
        "countries/CR/",
        "organisations/amd/",
        "statistics/",
    ],
)
def test_pages_answer_in_each_language(client, catalogue, language, path):
    response = client.get(f"/{language}/{path}")

    assert response.status_code == 200
    page = parse(response)
    assert find(page, "html").attrs["lang"] == language
    current = find(page, "nav", "lang")
    assert any(
        a.attrs.get("aria-current") == "true" and a.attrs["hreflang"] == language
        for a in find_all(current, "a")
    )
    assert "Costa Rica" in text(find(page, "main"))


@pytest.mark.parametrize(
    ("language", "country", "theme", "money"),
    [
        ("fr", "Maroc", "Santé", f"230{NBSP}000{NBSP}US$"),
        ("en", "Morocco", "Health", f"US${NBSP}230,000"),
        ("es", "Marruecos", "Salud", f"230{NBSP}000{NBSP}US$"),
    ],
)
def test_project_page_speaks_the_language_of_its_url(
    client, catalogue, language, country, theme, money
):
    response = client.get(f"/{language}/projects/upala/")

    page = parse(response)
    assert country in text(find(page, "ul", "partners"))
    assert theme in links(find(page, "aside"))
    assert money in text(find(page, "dl", "facts"))
    assert links(find(page, "ul", "partners"))["PNUD Costa Rica"] == (
        f"/{language}/organisations/{catalogue['undp'].slug}/"
    )
    role = find(find(page, "ul", "partners"), "span", "role")
    assert text(role) == label(PartnershipRole.LEAD, language)
