"""The IATI 2.03 export: every file the portal writes validates against the official schema
(kept in the repository), for the seed and for generated data with tricky text, and says
what the catalogue says."""

import datetime
from decimal import Decimal
from pathlib import Path

import factory
import factory.random
import pytest
from django.conf import settings
from django.utils import timezone
from faker import Faker
from lxml import etree

from projects.iati import SCHEMA_PATH, activities_schema, validation_errors
from projects.models import OrganisationKind, Project, ProjectStatus
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory
from tests.html import find, find_all, parse
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

IATI = "/fr/projects/iati.xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ICMD = "{urn:x-icmd-portal:iati:1}"


@pytest.fixture
def catalogue(db):
    return build_catalogue()


def xml(response):
    assert response.status_code == 200, body(response)[:300]
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return etree.fromstring(body(response))


def assert_valid(content: bytes):
    """Valid against the official XSD, checked with lxml directly."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    document = etree.fromstring(content)
    assert schema.validate(document), "\n".join(str(error) for error in schema.error_log)


def activity(root, slug):
    return root.xpath(f"iati-activity[@icmd:slug='{slug}']", namespaces={"icmd": ICMD[1:-1]})[0]


def narratives(node) -> list[tuple[str, str]]:
    return [(n.get(XML_LANG), n.text) for n in node.iterchildren("narrative")]


def test_schema_files_are_the_official_ones_kept_in_the_repository():
    folder = SCHEMA_PATH.parent
    assert folder.is_relative_to(Path(settings.BASE_DIR))
    assert {path.name for path in folder.iterdir()} >= {
        "iati-activities-schema.xsd",
        "iati-common.xsd",
        "xml.xsd",
        "LICENSE",
    }
    assert 'version="2.03"' in SCHEMA_PATH.read_text()
    activities_schema()  # loads without the network


def test_the_seed_export_validates(client, seed_copy):
    response = client.get(IATI)

    assert_valid(body(response))
    assert validation_errors(body(response)) == []
    root = etree.fromstring(body(response))
    assert len(root) == Project.objects.published().count() == 16


def test_every_seed_project_file_validates(client, seed_copy):
    for project in Project.objects.published():
        assert_valid(body(client.get(f"/fr/projects/{project.slug}/iati.xml")))


TRICKY = "Eau & assainissement <pilote> « d’Agadez » \"été\" 'ïle' ]]> 🌍"


@pytest.fixture
def tricky(db):
    """A project whose every text has characters XML escapes, and control characters XML
    cannot hold at all."""
    return ProjectFactory(
        title=TRICKY,
        slug="tricky",
        country="NE",
        locality="Saint-Louis & <Podor>",
        objective="Objectif : « 100 % » des familles & <enfants>\x0b scolarisés\x01.",
        description="Première ligne.\nSeconde ligne & fin.",
        funding_amount=Decimal("1234567.89"),
        funding_currency="EUR",
        themes=[
            ThemeFactory(
                name="Santé & <bien-être>", name_en="Health & <well-being>", slug="sante-bien-etre"
            )
        ],
        partners=[
            OrganisationFactory(name="Association « Jàmm » & <Partenaires>", country="SN"),
            OrganisationFactory(name='Collectif "Ndar" d\'Italie', country="IT"),
        ],
    )


def test_tricky_text_validates_and_comes_through_intact(client, tricky):
    response = client.get("/fr/projects/tricky/iati.xml")

    assert_valid(body(response))
    root = xml(response)
    node = activity(root, "tricky")
    assert narratives(node.find("title")) == [("fr", TRICKY)]
    assert narratives(node.find("description[@type='2']")) == [
        ("fr", "Objectif : « 100 % » des familles & <enfants> scolarisés.")
    ]
    assert narratives(node.find("description[@type='1']")) == [
        ("fr", "Première ligne.\nSeconde ligne & fin.")
    ]
    assert narratives(node.find("location/name")) == [("fr", "Saint-Louis & <Podor>")]
    assert [narratives(org)[0][1] for org in node.findall("participating-org[@role='4']")] == [
        "Association « Jàmm » & <Partenaires>",
        'Collectif "Ndar" d\'Italie',
    ]
    assert narratives(node.find("tag")) == [
        ("fr", "Santé & <bien-être>"),
        ("en", "Health & <well-being>"),
    ]
    assert node.find("budget/value").text == "1234567.89"


class GeneratedProjectFactory(ProjectFactory):
    title = factory.Faker("sentence", nb_words=8, locale="fr_FR")
    title_en = factory.Faker("sentence", nb_words=8, locale="en_GB")
    title_es = factory.Faker("sentence", nb_words=8, locale="es_ES")
    locality = factory.Faker("city", locale="fr_FR")
    locality_es = factory.Faker("city", locale="es_ES")
    objective_en = factory.Faker("paragraph", locale="en_GB")
    objective = factory.Faker("paragraph", locale="fr_FR")
    description = factory.Faker("text", locale="fr_FR")
    country = factory.Faker("random_element", elements=["SN", "MA", "CR", "NP", "PH", "TN"])
    status = factory.Faker("random_element", elements=list(ProjectStatus.values))
    duration_months = factory.Faker("random_int", min=1, max=120)
    funding_amount = factory.Faker("pydecimal", left_digits=7, right_digits=2, positive=True)
    funding_currency = factory.Faker("random_element", elements=["USD", "EUR", "CHF", "XOF"])


def test_generated_catalogue_validates(client, db):
    factory.random.reseed_random(20121201)
    fake = Faker("fr_FR")
    fake.seed_instance(20121201)
    themes = [ThemeFactory(name=fake.unique.catch_phrase()) for _ in range(4)]
    organisations = [
        OrganisationFactory(
            name=fake.company(),
            kind=kind,
            country=country,
            iati_ref=f"XM-EXAMPLE-{number}" if number % 3 == 0 else "",
        )
        for number, (kind, country) in enumerate(
            zip(OrganisationKind.values * 2, ["SN", "IT", "FR", "MA"] * 4, strict=False)
        )
    ]
    for number in range(30):
        start = datetime.date(2013, 1, 1) + datetime.timedelta(days=37 * number)
        GeneratedProjectFactory(
            start_date=start if number % 3 else None,
            end_date=start + datetime.timedelta(days=400) if number % 2 else None,
            themes=themes[: number % 5],
            partners=organisations[number % 7 : number % 7 + number % 4],
        )

    response = client.get(IATI)

    assert_valid(body(response))
    assert len(etree.fromstring(body(response))) == 30


def test_activity_says_what_the_catalogue_says(client, catalogue):
    root = xml(client.get(IATI))

    assert root.get("version") == "2.03"
    generated = datetime.datetime.fromisoformat(root.get("generated-datetime"))
    assert abs(generated - timezone.now()) < datetime.timedelta(minutes=1)

    upala = activity(root, "sante-upala")
    assert upala.get("default-currency") == "USD"
    assert upala.get(XML_LANG) == "fr"
    assert upala.findtext("iati-identifier") == "XM-DAC-41114-ICMD-sante-upala"
    reporting = upala.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("XM-DAC-41114", "40")
    assert narratives(upala.find("title")) == [("fr", A)]
    assert narratives(upala.find("description[@type='2']")) == [
        ("fr", "Améliorer l’accès aux soins des familles de migrants.")
    ]
    organisations = [
        (org.get("role"), org.get("ref"), narratives(org)[0][1], org.get(f"{ICMD}role"))
        for org in upala.iterchildren("participating-org")
    ]
    assert organisations == [
        (
            "1",
            "XM-DAC-41114",
            "PNUD – Initiative conjointe pour la migration et le développement (ICMD)",
            None,
        ),
        ("4", None, "Municipalité d’Upala", "lead"),
        ("4", None, "Association Migration & Développement", "partner"),
    ]
    assert upala.find("participating-org[@role='4']").get("type") == "11"  # local government
    assert upala.find("activity-status").get("code") == "2"
    assert [(d.get("type"), d.get("iso-date")) for d in upala.iterchildren("activity-date")] == [
        ("1", "2013-01-15"),
        ("3", "2014-10-31"),
    ]
    assert upala.find("recipient-country").get("code") == "CR"
    assert narratives(upala.find("location/name")) == [("fr", "Canton d’Upala")]
    assert [tag.get("code") for tag in upala.iterchildren("tag")] == ["health"]
    assert upala.find("tag").get("vocabulary") == "99"
    assert upala.find("tag").get("vocabulary-uri") == "http://testserver/api/v1/themes/"
    budget = upala.find("budget")
    assert budget.find("period-start").get("iso-date") == "2013-01-15"
    assert budget.find("period-end").get("iso-date") == "2014-10-31"
    value = budget.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == (
        "230000.00",
        "USD",
        "2013-01-15",
    )
    link = upala.find("document-link")
    assert link.get("url") == "http://testserver/fr/projects/sante-upala/"
    assert link.find("category").get("code") == "A12"


@pytest.mark.parametrize(
    ("slug", "code"),
    [("sante-upala", "2"), ("kolda-entrepreneurs", "4"), ("nepal-remittances", "1")],
)
def test_status_codes(client, catalogue, slug, code):
    root = xml(client.get(f"/fr/projects/{slug}/iati.xml"))

    assert activity(root, slug).find("activity-status").get("code") == code


def test_unknown_dates_fall_back_to_the_phase_start_marked_as_estimated(client, catalogue):
    kolda = activity(xml(client.get(IATI)), "kolda-entrepreneurs")

    dates = list(kolda.iterchildren("activity-date"))
    assert [(d.get("type"), d.get("iso-date")) for d in dates] == [("1", "2012-12-01")]
    assert dates[0].get(f"{ICMD}estimated") == "phase-start"
    languages = [language for language, _text in narratives(dates[0])]
    assert "en" in languages and len(set(languages)) == len(languages)
    budget = kolda.find("budget")
    # The budget spans the project's 18 months from the phase start.
    assert budget.find("period-start").get("iso-date") == "2012-12-01"
    assert budget.find("period-end").get("iso-date") == "2014-05-31"
    assert kolda.get(f"{ICMD}duration-months") == "18"


def test_only_a_start_date_gives_a_budget_over_the_duration(client, catalogue):
    figuig = activity(xml(client.get(IATI)), "figuig-water")

    assert [(d.get("type"), d.get("iso-date")) for d in figuig.iterchildren("activity-date")] == [
        ("1", "2010-03-01")
    ]
    assert figuig.find("budget/period-end").get("iso-date") == "2012-08-31"  # 30 months
    assert figuig.get("default-currency") == figuig.find("budget/value").get("currency") == "EUR"
    assert figuig.get(f"{ICMD}phase") == "first"


def test_stored_identifier_is_used(client, catalogue):
    Project.objects.filter(slug="nepal-remittances").update(iati_identifier="GB-CHC-202918-NP1")

    nepal = activity(xml(client.get(IATI)), "nepal-remittances")

    assert nepal.findtext("iati-identifier") == "GB-CHC-202918-NP1"


def test_filtered_export_has_the_projects_of_the_page_in_its_order(client, catalogue):
    for query in ["", "sort=-funding", "theme=health", "kind=diaspora&sort=title", "country=zz"]:
        root = xml(client.get(f"{IATI}?{query}"))
        titles = [narratives(node.find("title"))[0][1] for node in root]
        assert titles == html_titles(client, query), query


def test_export_names_the_file_and_excludes_unpublished_projects(client, catalogue):
    response = client.get(IATI)

    today = timezone.localdate().isoformat()
    expected = f'attachment; filename="icmd-iati-activities-{today}.xml"'
    assert response["Content-Disposition"] == expected
    assert b"Projet en pr\xc3\xa9paration" not in body(response)
    assert b"confidentiel" not in body(response)
    assert {narratives(node.find("title"))[0][1] for node in xml(response)} == {A, B, C, D}


def test_an_empty_selection_has_no_file_but_a_page_saying_why(client, catalogue):
    response = client.get(f"{IATI}?q=zzzz")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert find(parse(response), "h1")


def test_one_project_file(client, catalogue):
    response = client.get("/fr/projects/figuig-water/iati.xml")

    assert response["Content-Disposition"] == 'attachment; filename="icmd-iati-figuig-water.xml"'
    root = xml(response)
    assert [node.get(f"{ICMD}slug") for node in root] == ["figuig-water"]
    assert client.get("/fr/projects/hidden/iati.xml").status_code == 404
    assert client.get("/fr/projects/nothing/iati.xml").status_code == 404


def test_pages_link_to_the_iati_files(client, catalogue):
    listing = find(parse(client.get("/fr/projects/?theme=health&page=1")), "p", "downloads")
    assert "/fr/projects/iati.xml?theme=health" in [a.attrs["href"] for a in find_all(listing, "a")]

    detail = parse(client.get("/fr/projects/figuig-water/"))
    hrefs = [a.attrs["href"] for a in find_all(detail, "a")]
    assert "/fr/projects/figuig-water/iati.xml" in hrefs
    assert "/api/v1/projects/figuig-water/" in hrefs


def test_list_page_without_results_offers_no_iati_file(client, catalogue):
    listing = find(parse(client.get("/fr/projects/?q=zzzz")), "p", "downloads")

    assert not any("iati" in a.attrs["href"] for a in find_all(listing, "a"))


def test_a_project_without_partners_or_objective_still_validates(client, db):
    phase = PhaseFactory()
    ProjectFactory(slug="bare", objective="", description="", locality="", phase=phase)
    ProjectFactory(slug="described", objective="", description="Seulement une description.")

    content = body(client.get(IATI))

    assert_valid(content)


# --- languages ---------------------------------------------------------------------------


def test_each_language_of_a_text_is_a_narrative_of_its_own(client, catalogue):
    add_translations(catalogue)
    catalogue.c.description_en = "Drinking water for the palm grove."
    catalogue.c.save()

    response = client.get(IATI)

    assert_valid(body(response))
    root = xml(response)
    upala = activity(root, "sante-upala")
    assert narratives(upala.find("title")) == [("fr", A), ("en", A_EN), ("es", A_ES)]
    assert narratives(upala.find("description[@type='2']")) == [
        ("fr", "Améliorer l’accès aux soins des familles de migrants."),
        ("en", "Improve migrant families’ access to health care."),
        ("es", "Mejorar el acceso a la salud de las familias migrantes."),
    ]
    assert narratives(upala.find("location/name")) == [
        ("fr", "Canton d’Upala"),
        ("en", "Upala Canton"),
        ("es", "Cantón de Upala"),
    ]
    organisations = [narratives(org) for org in upala.findall("participating-org[@role='4']")]
    assert organisations == [
        [
            ("fr", "Municipalité d’Upala"),
            ("en", "Municipality of Upala"),
            ("es", "Municipalidad de Upala"),
        ],
        [("fr", "Association Migration & Développement")],  # no translation of its name
    ]
    assert narratives(upala.find("tag")) == [("fr", "Santé"), ("en", "Health"), ("es", "Salud")]
    assert narratives(upala.find("document-link/title")) == [("fr", A), ("en", A_EN), ("es", A_ES)]
    # Languages without text are not written.
    kolda = activity(root, "kolda-entrepreneurs")
    assert narratives(kolda.find("title")) == [("fr", B), ("es", B_ES)]
    figuig = activity(root, "figuig-water")
    assert narratives(figuig.find("title")) == [("fr", C)]
    assert narratives(figuig.find("description[@type='1']")) == [
        ("en", "Drinking water for the palm grove.")
    ]
    assert [language for language, _text in narratives(upala.find("reporting-org"))] == [
        "fr",
        "en",
        "es",
    ]


def test_empty_and_blank_translations_are_not_written(client, catalogue):
    Project.objects.filter(slug="nepal-remittances").update(title_en="", title_es="  \n ")

    root = xml(client.get("/fr/projects/nepal-remittances/iati.xml"))

    assert narratives(activity(root, "nepal-remittances").find("title")) == [("fr", D)]


def test_a_project_written_in_english_only_exports_in_english(client, db):
    ProjectFactory(
        title=None,
        title_en="Diaspora investment in Kolda",
        objective=None,
        objective_en="Channel savings into local firms.",
        locality=None,
        locality_en="Kolda region",
        slug="english-only",
    )

    response = client.get("/fr/projects/english-only/iati.xml")

    assert_valid(body(response))
    node = activity(xml(response), "english-only")
    assert narratives(node.find("title")) == [("en", "Diaspora investment in Kolda")]
    assert narratives(node.find("description[@type='2']")) == [
        ("en", "Channel savings into local firms.")
    ]
    assert narratives(node.find("location/name")) == [("en", "Kolda region")]


def test_the_page_link_is_in_the_language_of_the_request(client, catalogue):
    upala = activity(xml(client.get("/es/projects/iati.xml")), "sante-upala")

    link = upala.find("document-link")
    assert link.get("url") == "http://testserver/es/projects/sante-upala/"
    assert link.find("language").get("code") == "es"
    # The texts are the same whatever the language of the request.
    assert narratives(upala.find("title")) == [("fr", A)]
