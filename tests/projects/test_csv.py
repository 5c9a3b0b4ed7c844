"""The CSV download of the filtered project list: the rows of the page, in its order, across
all its pages; readable by Excel; safe to open in a spreadsheet."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from projects.exports import csv_header
from projects.models import OrganisationKind, PartnershipRole, ProjectStatus
from tests.factories import OrganisationFactory, ProjectFactory, ThemeFactory
from tests.html import find, find_all, parse, tr
from tests.projects.open_data import (
    A_EN,
    A_ES,
    B_ES,
    A,
    B,
    C,
    D,
    add_translations,
    body,
    build_catalogue,
    html_titles,
)

CSV = "/fr/projects/export.csv"


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def header(language="fr") -> list[str]:
    with translation.override(language):
        return csv_header()


def label(choice, language="fr") -> str:
    with translation.override(language):
        return str(choice.label)


COLUMNS = [
    "title",
    "country",
    "locality",
    "objective",
    "lead",
    "partners",
    "themes",
    "phase",
    "status",
    "duration",
    "amount",
    "currency",
    "start",
    "end",
    "url",
]


def name(column_name, language="fr") -> str:
    """The header of a column, in ``language``."""
    return header(language)[COLUMNS.index(column_name)]


def column(rows, column_name, language="fr"):
    return [row[name(column_name, language)] for row in rows]


@pytest.fixture
def catalogue(db):
    return build_catalogue()


@pytest.fixture
def many_projects(db):
    """45 published projects (three pages of the list), in five countries, with ties in
    funding and duration, so the order depends on every part of the sort."""
    themes = ThemeFactory.create_batch(3)
    partner = OrganisationFactory(name="Réseau des diasporas", slug="reseau")
    for number in range(45):
        ProjectFactory(
            title=f"Projet {number:02d} — développement à Sédhiou",
            slug=f"project-{number:02d}",
            country=["SN", "MA", "EC", "PH", "TN"][number % 5],
            funding_amount=Decimal(100000 + (number % 7) * 10000),
            duration_months=12 + number % 4,
            themes=[themes[number % 3]],
            partners=[partner] if number % 2 else [],
        )
    ProjectFactory(title="Projet non publié", published=False)
    return themes


def test_csv_is_utf8_with_bom_a_header_and_a_dated_filename(client, catalogue):
    response = client.get(CSV)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="icmd-projects-{today}.csv"'
    assert body(response).startswith(b"\xef\xbb\xbf")
    lines = body(response).decode("utf-8-sig").splitlines()
    assert next(csv.reader(lines[:1])) == header()
    assert len(lines) == 1 + 4


def test_each_row_says_what_the_catalogue_says(client, catalogue):
    rows = read_csv(client.get(CSV))
    upala = next(row for row in rows if row[name("title")] == A)

    assert list(upala) == header()
    assert list(upala.values()) == [
        A,
        "Costa Rica",
        "Canton d’Upala",
        "Améliorer l’accès aux soins des familles de migrants.",
        "Municipalité d’Upala",
        f"Municipalité d’Upala ({label(PartnershipRole.LEAD)}); "
        f"Association Migration & Développement ({label(PartnershipRole.PARTNER)})",
        "Santé",
        "Phase actuelle (depuis décembre 2012)",
        label(ProjectStatus.ONGOING),
        "22",
        "230000.00",
        "USD",
        "2013-01-15",
        "2014-10-31",
        "http://testserver/fr/projects/sante-upala/",
    ]


def test_rows_are_those_of_the_page_in_its_order(client, catalogue):
    for query in ["", "sort=-funding", "sort=title", "theme=health", "kind=diaspora&sort=funding"]:
        rows = read_csv(client.get(f"{CSV}?{query}"))
        assert column(rows, "title") == html_titles(client, query), query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "sort=title",
        "sort=-funding",
        "sort=funding",
        "sort=-duration",
        "sort=duration",
        "country=SN",
        "q=projet+sedhiou&sort=-duration",
        "partner=reseau&sort=funding",
        "funding_min=130000&duration_max=14",
    ],
)
def test_csv_matches_the_html_list_row_for_row_across_pages(client, many_projects, query):
    expected = html_titles(client, query)
    rows = read_csv(client.get(f"{CSV}?{query}"))

    assert column(rows, "title") == expected
    if query == "":
        assert len(expected) == 45  # three pages of the list, every row in one file


def test_theme_filter_matches_too(client, many_projects):
    query = f"theme={many_projects[1].slug}&sort=country"

    assert column(read_csv(client.get(f"{CSV}?{query}")), "title") == html_titles(client, query)


def test_invalid_filters_are_ignored_as_the_list_page_ignores_them(client, catalogue):
    rows = read_csv(client.get(f"{CSV}?country=ZZ&funding_min=-3&theme=health&page=7"))

    assert column(rows, "title") == html_titles(client, "country=ZZ&funding_min=-3&theme=health")
    assert set(column(rows, "title")) == {A, C}


def test_unpublished_projects_are_not_exported(client, catalogue):
    text = body(client.get(CSV)).decode("utf-8-sig")

    assert "Projet en préparation" not in text
    assert "Partenaire confidentiel" not in text
    assert set(column(read_csv(client.get(CSV)), "title")) == {A, B, C, D}


def test_accents_and_typographic_characters_come_through_intact(client, catalogue):
    ProjectFactory(
        title="Coopérative « Jàmm » d’Agadez — Ñandú, Ærø, 移民 & co",
        slug="unicode",
        country="NE",
        locality="Agadez (Niger)",
        partners=[OrganisationFactory(name="Société coopérative ÉÈÊË", country="NE")],
    )
    rows = read_csv(client.get(CSV))
    row = next(row for row in rows if row[name("country")] == "Niger")

    assert row[name("title")] == "Coopérative « Jàmm » d’Agadez — Ñandú, Ærø, 移民 & co"
    assert row[name("lead")] == "Société coopérative ÉÈÊË"


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://evil.example/","clic")',
        "+33 1 23 45 67 89",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        ' =HYPERLINK("http://evil.example/","clic")',
        "  \x0b+1",
        "\x1b@SUM(1)",
    ],
)
def test_cells_that_look_like_formulas_are_neutralised(client, db, dangerous):
    ProjectFactory(
        title=dangerous,
        slug="formula",
        locality=dangerous,
        partners=[OrganisationFactory(name=dangerous, kind=OrganisationKind.NGO)],
        themes=[ThemeFactory(name=dangerous, name_en=dangerous, slug="formula")],
    )
    row = read_csv(client.get(CSV))[0]

    assert column([row], "title") == [f"'{dangerous}"]
    assert column([row], "locality") == [f"'{dangerous}"]
    assert column([row], "lead") == [f"'{dangerous}"]
    assert column([row], "partners")[0].startswith(f"'{dangerous}")
    assert column([row], "themes") == [f"'{dangerous}"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


def test_ordinary_cells_are_left_alone(client, db):
    ProjectFactory(title="Eau = vie, +10 % de récoltes", locality="Saint-Louis")
    row = read_csv(client.get(CSV))[0]

    assert column([row], "title") == ["Eau = vie, +10 % de récoltes"]
    assert column([row], "locality") == ["Saint-Louis"]


def test_partners_come_with_their_roles_and_dates_are_iso(client, catalogue):
    rows = {row[name("title")]: row for row in read_csv(client.get(CSV))}

    assert column([rows[B]], "partners") == [
        f"Diaspora de Kolda ({label(PartnershipRole.LEAD)}); "
        f"Association Migration & Développement ({label(PartnershipRole.PARTNER)})"
    ]
    assert rows[B][name("status")] == label(ProjectStatus.COMPLETED)
    assert (rows[C][name("start")], rows[C][name("end")]) == ("2010-03-01", "")
    assert (rows[C][name("amount")], rows[C][name("currency")]) == ("98000.50", "EUR")
    assert column([rows[D]], "themes") == [""]


def test_headers_and_names_follow_the_page_language(client, catalogue):
    rows = read_csv(client.get("/en/projects/export.csv?country=SN"))

    assert list(rows[0]) == header("en")
    assert column(rows, "country", "en") == ["Senegal"]
    assert column(rows, "themes", "en") == ["Employment"]
    assert rows[0][name("url", "en")] == "http://testserver/en/projects/kolda-entrepreneurs/"


def test_list_page_links_to_the_csv_of_its_filters_all_pages(client, many_projects):
    page = parse(client.get("/fr/projects/?country=SN&sort=-funding&page=2"))
    link = find(page, "p", "downloads")
    hrefs = [a.attrs["href"] for a in find_all(link, "a")]

    assert f"{CSV}?country=SN&sort=-funding" in hrefs


def test_dates_in_filename_use_today(client, catalogue, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2031, 2, 3))

    response = client.get(CSV)

    assert "icmd-projects-2031-02-03.csv" in response["Content-Disposition"]


def test_spanish_page_gives_spanish_cells_with_the_french_fallback(client, catalogue):
    add_translations(catalogue)

    rows = read_csv(client.get("/es/projects/export.csv?sort=-funding"))

    assert list(rows[0]) == header("es")
    assert name("title", "es") == tr("Title", "es") != name("title", "fr")
    assert column(rows, "title", "es") == [D, A_ES, B_ES, C]  # D and C are only in French
    assert column(rows, "country", "es") == ["Nepal", "Costa Rica", "Senegal", "Marruecos"]
    upala = rows[1]
    assert upala[name("locality", "es")] == "Cantón de Upala"
    assert upala[name("objective", "es")] == (
        "Mejorar el acceso a la salud de las familias migrantes."
    )
    assert upala[name("lead", "es")] == "Municipalidad de Upala"
    assert upala[name("themes", "es")] == "Salud"
    assert upala[name("phase", "es")] == "Phase actuelle (depuis décembre 2012)"  # no Spanish
    assert upala[name("status", "es")] == label(ProjectStatus.ONGOING, "es")
    assert upala[name("url", "es")] == "http://testserver/es/projects/sante-upala/"
    figuig = rows[3]
    assert figuig[name("phase", "es")] == "Primera fase (2008–2012)"
    assert figuig[name("themes", "es")] == "Empleo; Salud"


def test_english_page_gives_english_cells_with_the_french_fallback(client, catalogue):
    add_translations(catalogue)

    rows = read_csv(client.get("/en/projects/export.csv?sort=-funding"))

    assert list(rows[0]) == header("en")
    assert column(rows, "title", "en") == [D, A_EN, B, C]
    assert column(rows, "locality", "en") == ["", "Upala Canton", "Kolda", "Figuig"]
    assert rows[1][name("lead", "en")] == "Municipality of Upala"
    assert rows[1][name("phase", "en")] == "Current phase (since December 2012)"


def test_search_finds_projects_by_their_text_in_any_language(client, catalogue):
    add_translations(catalogue)

    for url in ["/fr/projects/export.csv?q=comunitaria", "/en/projects/export.csv?q=santé"]:
        assert len(read_csv(client.get(url))) == 1, url
