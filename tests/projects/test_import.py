"""Importing IATI 2.03 activity files (command and admin): the portal's own export round-trips,
other publishers' files are read as documented, and a bad file changes nothing."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from lxml import etree

from projects.iati import InvalidIATIFile, Outcome, import_activities
from projects.models import (
    Organisation,
    OrganisationKind,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    ProjectStatus,
    Theme,
)
from tests.factories import MemberFactory
from tests.html import find, parse, text
from tests.projects.open_data import A_EN, A_ES, B_ES, A, B, C, add_translations, build_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files are kept in a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


ADMIN_IMPORT = "/admin/projects/project/import-iati/"

# "line 12: … reporting-org …" in whichever site language the message is shown.
SCHEMA_ERROR_LINE = r"^\s*(line|ligne|línea) \d+\s?: .*reporting-org"


def export(client, query="") -> bytes:
    response = client.get(f"/fr/projects/iati.xml?{query}")
    assert response.status_code == 200
    return response.getvalue()  # streamed


def public_catalogue(client) -> list[dict]:
    """Every published project as the API gives it: what the public sees of the catalogue."""
    response = client.get("/api/v1/projects/?page_size=100&sort=title")
    assert response.status_code == 200
    return response.json()["results"]


def without_timestamps(document: bytes) -> bytes:
    return re.sub(rb' (generated|last-updated)-datetime="[^"]+"', b"", document)


def database_state() -> dict:
    """Enough of the database to see that nothing changed at all."""
    return {
        "projects": list(Project.objects.order_by("pk").values()),
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "partnerships": list(Partnership.objects.order_by("pk").values()),
        "themes": list(Theme.objects.order_by("pk").values()),
        "project history": Project.history.count(),
        "organisation history": Organisation.history.count(),
    }


def outcomes(report) -> dict[str, str]:
    return {item.identifier: item.outcome for item in report.outcomes}


def wipe_catalogue():
    Project.objects.all().delete()
    Organisation.objects.all().delete()


# --- round trips ---------------------------------------------------------------------------


def test_exported_seed_comes_back_the_same_after_a_wipe(client, seed_copy):
    before, document = public_catalogue(client), export(client)
    wipe_catalogue()

    report = import_activities(document)

    assert [item.outcome for item in report.outcomes] == [Outcome.CREATED] * 16
    assert public_catalogue(client) == before
    assert without_timestamps(export(client)) == without_timestamps(document)
    amd = Organisation.objects.get(slug="association-migration-developpement")
    assert (amd.name, amd.kind, amd.country.code) == (
        "Association Migration & Développement",
        OrganisationKind.DIASPORA,
        "MA",
    )


def test_modified_catalogue_is_put_back_by_importing_its_export(client, seed_copy):
    # Verified by staff, the partners stay listed once left without projects below (an
    # organisation that is not listed is never adopted by an import: see test_import_jobs.py).
    Organisation.objects.update(verified=True)
    before, document = public_catalogue(client), export(client)
    upala = Project.objects.get(slug="upala-inclusive-human-development")
    upala.title, upala.funding_amount, upala.status = "Autre titre", Decimal(1), "completed"
    upala.save()
    upala.themes.clear()
    figuig = Project.objects.get(slug="figuig-palm-grove")
    figuig.partnerships.filter(role=PartnershipRole.PARTNER).delete()
    Project.objects.get(slug="summid").delete()
    Organisation.objects.filter(slug="oxfam-nepal").update(kind=OrganisationKind.FOUNDATION)

    report = import_activities(document)

    found = outcomes(report)
    assert found.pop("XM-DAC-41114-ICMD-summid") == Outcome.CREATED
    assert found.pop(f"XM-DAC-41114-ICMD-{upala.slug}") == Outcome.UPDATED
    assert found.pop("XM-DAC-41114-ICMD-figuig-palm-grove") == Outcome.UPDATED
    assert found.pop("XM-DAC-41114-ICMD-sril-remittances-livelihoods") == Outcome.UNCHANGED
    assert set(found.values()) == {Outcome.UNCHANGED}
    assert public_catalogue(client) == before


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, seed_copy):
    document = export(client)
    import_activities(document)
    state = database_state()

    report = import_activities(document)

    assert {item.outcome for item in report.outcomes} == {Outcome.UNCHANGED}
    assert database_state() == state


def test_generated_catalogue_round_trips(client, db):
    catalogue = build_catalogue()
    catalogue.a.description = "Une description & des <détails>."
    catalogue.a.save()
    Organisation.objects.filter(slug="oxfam-nepal").update(iati_ref="GB-CHC-202918")
    before, document = public_catalogue(client), export(client)
    wipe_catalogue()

    report = import_activities(document)

    assert {item.outcome for item in report.outcomes} == {Outcome.CREATED}
    assert public_catalogue(client) == before
    assert Organisation.objects.get(slug="oxfam-nepal").iati_ref == "GB-CHC-202918"
    figuig = Project.objects.get(slug="figuig-water")
    assert (figuig.start_date, figuig.end_date, figuig.phase.slug) == (
        datetime.date(2010, 3, 1),
        None,
        "first",
    )


# --- files from other publishers -----------------------------------------------------------

FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2024-05-01T10:00:00Z">
{activities}
</iati-activities>
"""

ACTIVITY = """
  <iati-activity default-currency="{currency}" xml:lang="en">
    <iati-identifier>{identifier}</iati-identifier>
    <reporting-org ref="GB-CHC-1" type="21"><narrative>A charity</narrative></reporting-org>
    <title>
      <narrative>{title} (English)</narrative>
      <narrative xml:lang="fr">{title}</narrative>
    </title>
    <description type="1"><narrative xml:lang="fr">Description générale.</narrative></description>
    <participating-org role="1" ref="GB-GOV-1" type="10">
      <narrative>Donor</narrative>
    </participating-org>
    <participating-org role="4" ref="XM-OCHA-1" type="22">
      <narrative>Nouvelle ONG</narrative>
    </participating-org>
    <participating-org role="4" type="21">
      <narrative>association migration &amp; développement</narrative>
    </participating-org>
    <participating-org role="2"><narrative>Accountable body</narrative></participating-org>
    <activity-status code="{status}"/>
    <activity-date type="2" iso-date="{start}"/>
    <activity-date type="1" iso-date="2000-01-01"/>
    <activity-date type="3" iso-date="{end}"/>
    <recipient-country code="{country}" percentage="60"/>
    <recipient-country code="ML" percentage="40"/>
    {budgets}
  </iati-activity>
"""

BUDGET = """<budget type="{kind}">
      <period-start iso-date="2014-01-01"/><period-end iso-date="2014-12-31"/>
      <value value-date="2014-01-01"{currency}>{amount}</value>
    </budget>"""


def foreign_activity(
    identifier,
    *,
    title="Projet d’une autre source",
    status="2",
    start="2014-02-01",
    end="2015-07-31",
    country="SN",
    currency="EUR",
    budgets=(("1", "50000", ""), ("1", "25000.5", "")),
):
    return ACTIVITY.format(
        identifier=identifier,
        title=title,
        status=status,
        start=start,
        end=end,
        country=country,
        currency=currency,
        budgets="".join(
            BUDGET.format(kind=kind, amount=amount, currency=attribute)
            for kind, amount, attribute in budgets
        ),
    )


def foreign_file(*activities) -> bytes:
    return FOREIGN.format(activities="".join(activities)).encode()


@pytest.fixture
def catalogue(db):
    return build_catalogue()


def test_activity_from_another_publisher(catalogue):
    report = import_activities(foreign_file(foreign_activity("GB-CHC-1-001")))

    assert outcomes(report) == {"GB-CHC-1-001": Outcome.CREATED}
    project = Project.objects.get(iati_identifier="GB-CHC-1-001")
    assert project.title_fr == "Projet d’une autre source"  # the French narrative
    # A narrative without xml:lang is in the activity's language.
    assert project.title_en == "Projet d’une autre source (English)"
    assert project.title_es is None
    assert project.published
    assert (project.objective_fr, project.description) == ("Description générale.", "")
    assert project.country.code == "SN"  # the larger share
    assert project.status == ProjectStatus.ONGOING
    # Actual start rather than planned; planned end.
    assert (project.start_date, project.end_date) == (
        datetime.date(2014, 2, 1),
        datetime.date(2015, 7, 31),
    )
    assert project.duration_months == 18
    assert (project.funding_amount, project.funding_currency) == (Decimal("75000.50"), "EUR")
    assert project.phase == catalogue.current
    assert list(project.themes.all()) == []
    partners = [(p.organisation.name, p.role) for p in project.partnerships.order_by("order")]
    assert partners == [
        ("Nouvelle ONG", PartnershipRole.LEAD),
        ("Association Migration & Développement", PartnershipRole.PARTNER),  # by name
    ]
    created = Organisation.objects.get(name_en="Nouvelle ONG")  # untagged, in English
    assert (created.iati_ref, created.kind, created.country.code, created.slug) == (
        "XM-OCHA-1",
        OrganisationKind.CIVIL_SOCIETY,
        "SN",
        "nouvelle-ong",
    )
    assert not Organisation.objects.filter(name__in=["Donor", "Accountable body"]).exists()
    assert Project.history.filter(id=project.pk).first().history_change_reason


def test_organisations_are_matched_by_ref_before_name(catalogue):
    catalogue.oxfam.iati_ref = "XM-OCHA-1"
    catalogue.oxfam.save()

    import_activities(foreign_file(foreign_activity("GB-CHC-1-002")))

    project = Project.objects.get(iati_identifier="GB-CHC-1-002")
    lead = project.partnerships.get(role=PartnershipRole.LEAD).organisation
    assert lead == catalogue.oxfam
    lead.refresh_from_db()
    # Renamed, as its publisher names it now, in the language the file names it in.
    assert (lead.name_fr, lead.name_en) == ("Oxfam Népal", "Nouvelle ONG")
    assert lead.kind == OrganisationKind.NGO  # a type code does not overrule what we know
    assert not Organisation.objects.filter(slug="nouvelle-ong").exists()


def test_phase_comes_from_the_dates_and_revised_budgets_win(catalogue):
    document = foreign_file(
        foreign_activity(
            "GB-CHC-1-003",
            start="2009-06-01",
            end="2010-05-31",
            budgets=[("1", "10", ""), ("2", "300.25", ""), ("2", "100", ' currency="EUR"')],
        )
    )

    import_activities(document)

    project = Project.objects.get(iati_identifier="GB-CHC-1-003")
    assert project.phase == catalogue.first
    assert project.duration_months == 12
    assert project.funding_amount == Decimal("400.25")


def test_activities_the_catalogue_cannot_hold_are_skipped_with_a_reason(catalogue):
    no_budget = foreign_activity("X-no-budget", budgets=[])
    two_currencies = foreign_activity(
        "X-currencies", budgets=[("1", "1", ' currency="USD"'), ("1", "1", ' currency="EUR"')]
    )
    cancelled = foreign_activity("X-cancelled", status="5")
    nowhere = foreign_activity("X-nowhere", country="ZZ")
    backwards = foreign_activity("X-backwards", start="2016-01-01", end="2015-01-01")
    fine = foreign_activity("X-fine")
    document = foreign_file(no_budget, two_currencies, cancelled, nowhere, backwards, fine, fine)

    report = import_activities(document)

    assert [(item.identifier, item.outcome) for item in report.outcomes] == [
        ("X-no-budget", Outcome.SKIPPED),
        ("X-currencies", Outcome.SKIPPED),
        ("X-cancelled", Outcome.SKIPPED),
        ("X-nowhere", Outcome.SKIPPED),
        ("X-backwards", Outcome.SKIPPED),
        ("X-fine", Outcome.CREATED),
        ("X-fine", Outcome.SKIPPED),  # the same identifier twice
    ]
    skipped = [item for item in report.outcomes if item.outcome == Outcome.SKIPPED]
    assert all(item.reason for item in skipped)
    assert all(item.line for item in report.outcomes)
    assert "budget" in skipped[0].reason
    assert "ZZ" in skipped[3].reason
    assert list(
        Project.objects.filter(iati_identifier__startswith="X-").values_list(
            "iati_identifier", flat=True
        )
    ) == ["X-fine"]
    assert f"{Outcome.LABELS[Outcome.CREATED]}: 1," in report.summary
    assert f"{Outcome.LABELS[Outcome.SKIPPED]}: 6)." in report.summary


def test_other_descriptions_long_titles_and_orphan_organisations(catalogue):
    activity = (
        foreign_activity("X-other", title="T" * 400)
        .replace('<description type="1">', '<description type="3">')
        .replace(
            '<participating-org role="2">',
            '<participating-org role="4" type="22"/>\n    <participating-org role="2">',
        )
    )

    report = import_activities(foreign_file(activity))

    assert outcomes(report) == {"X-other": Outcome.CREATED}
    project = Project.objects.get(iati_identifier="X-other")
    assert project.objective == "Description générale."  # target groups, for want of better
    assert len(project.title) == 300
    assert len(report.outcomes[0].notes) == 3  # title, nameless partner, new organisation
    assert project.partnerships.count() == 2


def test_existing_project_is_matched_by_identifier_and_updated(catalogue):
    catalogue.d.iati_identifier = "GB-CHC-1-004"
    catalogue.d.save()

    report = import_activities(foreign_file(foreign_activity("GB-CHC-1-004")))

    assert outcomes(report) == {"GB-CHC-1-004": Outcome.UPDATED}
    catalogue.d.refresh_from_db()
    assert catalogue.d.slug == "nepal-remittances"  # kept
    assert catalogue.d.title == "Projet d’une autre source"
    assert catalogue.d.country.code == "SN"


# --- languages -----------------------------------------------------------------------------

LANGUAGE_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03"{file_language}>
{activities}
</iati-activities>
"""

LANGUAGE_ACTIVITY = """
  <iati-activity default-currency="EUR"{activity_language}>
    <iati-identifier>{identifier}</iati-identifier>
    <reporting-org ref="GB-CHC-1" type="21"><narrative>A charity</narrative></reporting-org>
    <title>{title}</title>
    <description type="2">{objective}</description>
    <participating-org role="4" ref="XM-TEST-{identifier}" type="22">
      {organisation}
    </participating-org>
    <activity-status code="2"/>
    <activity-date type="1" iso-date="2014-02-01"/>
    <activity-date type="3" iso-date="2015-01-31"/>
    <recipient-country code="SN" percentage="100"/>
    {location}
    <budget type="1">
      <period-start iso-date="2014-01-01"/><period-end iso-date="2014-12-31"/>
      <value value-date="2014-01-01">1000</value>
    </budget>
  </iati-activity>
"""


def narratives(texts: dict) -> str:
    """``<narrative>`` elements: ``{language: text}``, language None for no ``xml:lang``."""
    return "".join(
        f'<narrative xml:lang="{language}">{text}</narrative>'
        if language
        else f"<narrative>{text}</narrative>"
        for language, text in texts.items()
    )


def language_activity(
    identifier, *, title, objective=None, locality=None, organisation=None, language=None
) -> str:
    return LANGUAGE_ACTIVITY.format(
        identifier=identifier,
        activity_language=f' xml:lang="{language}"' if language else "",
        title=narratives(title),
        objective=narratives(objective or title),
        location=f"<location><name>{narratives(locality)}</name></location>" if locality else "",
        organisation=narratives(organisation or {"fr": f"Organisation {identifier}"}),
    )


def language_file(*activities, language=None) -> bytes:
    return LANGUAGE_FILE.format(
        file_language=f' xml:lang="{language}"' if language else "",
        activities="".join(activities),
    ).encode()


def test_every_language_comes_back_after_a_wipe(client, catalogue):
    add_translations(catalogue)
    document = export(client)
    wipe_catalogue()
    Theme.objects.all().delete()  # made again from the file's tags

    report = import_activities(document)

    assert {item.outcome for item in report.outcomes} == {Outcome.CREATED}
    upala = Project.objects.get(slug="sante-upala")
    assert (upala.title_fr, upala.title_en, upala.title_es) == (A, A_EN, A_ES)
    assert (upala.locality_fr, upala.locality_en, upala.locality_es) == (
        "Canton d’Upala",
        "Upala Canton",
        "Cantón de Upala",
    )
    assert (upala.objective_en, upala.objective_es) == (
        "Improve migrant families’ access to health care.",
        "Mejorar el acceso a la salud de las familias migrantes.",
    )
    kolda = Project.objects.get(slug="kolda-entrepreneurs")
    assert (kolda.title_fr, kolda.title_en, kolda.title_es) == (B, None, B_ES)
    municipality = Organisation.objects.get(slug="upala")
    assert (municipality.name_fr, municipality.name_en, municipality.name_es) == (
        "Municipalité d’Upala",
        "Municipality of Upala",
        "Municipalidad de Upala",
    )
    health = Theme.objects.get(slug="health")
    assert (health.name_fr, health.name_en, health.name_es) == ("Santé", "Health", "Salud")
    spanish = client.get("/api/v1/projects/?lang=es&sort=-funding").json()["results"]
    assert [project["title"] for project in spanish] == [
        "Remises et moyens de subsistance",
        A_ES,
        B_ES,
        C,
    ]
    # Importing it again changes nothing, in any language.
    again = import_activities(document)
    assert {item.outcome for item in again.outcomes} == {Outcome.UNCHANGED}


def test_a_new_project_in_english_only_falls_back_to_english_marked(client, catalogue):
    document = language_file(
        language_activity(
            "GB-EN-1",
            title={"en": "Diaspora investment in Kolda"},
            objective={"en": "Channel savings into local firms."},
            locality={"en": "Kolda region"},
            organisation={"en": "Kolda Diaspora Network"},
        )
    )

    report = import_activities(document)

    assert outcomes(report) == {"GB-EN-1": Outcome.CREATED}
    project = Project.objects.get(iati_identifier="GB-EN-1")
    assert (project.title_fr, project.title_en, project.title_es) == (
        None,
        "Diaspora investment in Kolda",
        None,
    )
    assert (project.objective_fr, project.objective_en) == (
        None,
        "Channel savings into local firms.",
    )
    assert (project.locality_fr, project.locality_en) == (None, "Kolda region")
    # The row's own column holds the text there is, for ordering, history and the admin.
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM projects_project WHERE id = %s", [project.pk])
        assert cursor.fetchone() == ("Diaspora investment in Kolda",)
    organisation = project.partnerships.get().organisation
    assert (organisation.name_fr, organisation.name_en) == (None, "Kolda Diaspora Network")
    assert organisation.slug == "kolda-diaspora-network"
    # The French page shows the English title, saying so.
    heading = find(parse(client.get(f"/fr/projects/{project.slug}/")), "h1")
    assert text(find(heading, "span", lang="en")) == "Diaspora investment in Kolda"
    assert find(heading, "small", "untranslated")
    api = client.get(f"/api/v1/projects/{project.slug}/?lang=fr").json()
    assert (api["title"], api["title_fr"]) == ("Diaspora investment in Kolda", None)


@pytest.mark.parametrize(
    ("file_language", "activity_language", "column"),
    [
        ("en", "es", "title_es"),  # the activity's language first
        ("en", None, "title_en"),  # else the file's
        (None, None, "title_fr"),  # else French
        (None, "en-GB", "title_en"),  # a regional variant is the language
        ("ES", None, "title_es"),
    ],
)
def test_a_narrative_without_language_is_in_the_activitys_else_the_files_else_french(
    catalogue, file_language, activity_language, column
):
    document = language_file(
        language_activity("X-lang", title={None: "Sans langue"}, language=activity_language),
        language=file_language,
    )

    import_activities(document)

    project = Project.objects.get(iati_identifier="X-lang")
    columns = {name: getattr(project, name) for name in ["title_fr", "title_en", "title_es"]}
    assert columns == {name: "Sans langue" if name == column else None for name in columns}


def test_other_languages_are_left_out_and_reported(catalogue):
    document = language_file(
        language_activity(
            "X-de",
            title={"de": "Gemeindegesundheit", "fr": "Santé communautaire", "pt-BR": "Saúde"},
            locality={"de": "Kolda (Region)", "en": "Kolda region"},
        ),
        language_activity("X-only-de", title={"de": "Nur Deutsch"}, language="de"),
    )

    report = import_activities(document)

    assert outcomes(report) == {"X-de": Outcome.CREATED, "X-only-de": Outcome.SKIPPED}
    project = Project.objects.get(iati_identifier="X-de")
    assert (project.title_fr, project.title_en, project.title_es) == (
        "Santé communautaire",
        None,
        None,
    )
    assert (project.locality_fr, project.locality_en) == (None, "Kolda region")
    notes = " ".join(report.outcomes[0].notes)
    assert "de, pt-br" in notes
    assert report.outcomes[1].reason.endswith(": de.")
    assert report.outcomes[1].title == "Nur Deutsch"
    assert not Project.objects.filter(iati_identifier="X-only-de").exists()


def test_unchanged_means_unchanged_in_every_language(catalogue):
    activity = {
        "title": {"fr": "Eau pour Kolda", "en": "Water for Kolda"},
        "locality": {"fr": "Kolda", "es": "Kolda (Senegal)"},
    }
    import_activities(language_file(language_activity("X-same", **activity)))
    project = Project.objects.get(iati_identifier="X-same")

    assert outcomes(import_activities(language_file(language_activity("X-same", **activity)))) == {
        "X-same": Outcome.UNCHANGED
    }

    # Another English title is a change, though the French one is the same.
    project.title_en = "Water for the Kolda region"
    project.save()
    report = import_activities(language_file(language_activity("X-same", **activity)))
    assert outcomes(report) == {"X-same": Outcome.UPDATED}
    project.refresh_from_db()
    assert project.title_en == "Water for Kolda"

    # A Spanish title staff added is kept: the file has no Spanish to put instead.
    project.title_es = "Agua para Kolda"
    project.save()
    report = import_activities(language_file(language_activity("X-same", **activity)))
    assert outcomes(report) == {"X-same": Outcome.UNCHANGED}
    project.refresh_from_db()
    assert project.title_es == "Agua para Kolda"

    # When the file changes the text, the report says which translation to check.
    changed = dict(activity, title={"fr": "Eau potable pour Kolda", "en": "Water for Kolda"})
    report = import_activities(language_file(language_activity("X-same", **changed)))
    assert outcomes(report) == {"X-same": Outcome.UPDATED}
    project.refresh_from_db()
    assert (project.title_fr, project.title_es) == ("Eau potable pour Kolda", "Agua para Kolda")
    assert any(
        Project._meta.get_field("title").verbose_name.capitalize() in note
        for note in report.outcomes[0].notes
    )


def test_organisations_are_matched_by_their_name_in_any_language(catalogue):
    catalogue.upala.name_en = "Municipality of Upala"
    catalogue.upala.save()
    document = language_file(
        language_activity(
            "X-upala",
            title={"en": "Border health"},
            organisation={"en": "MUNICIPALITY OF UPALA"},
        ).replace(' ref="XM-TEST-X-upala"', "")
    )

    import_activities(document)

    project = Project.objects.get(iati_identifier="X-upala")
    assert project.partnerships.get().organisation == catalogue.upala


# --- files refused -------------------------------------------------------------------------


def invalid_variants(document: bytes) -> dict[str, bytes]:
    root = etree.fromstring(document)
    second = root[1]
    second.remove(second.find("reporting-org"))
    without_reporting_org = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    root = etree.fromstring(document)
    root[2].append(etree.Element("unknown-element"))
    with_unknown_element = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return {
        "empty": b"",
        "not xml": b"Titre;Pays\nProjet;Maroc\n",
        "truncated": document[: len(document) // 2],
        "html": b"<html><body><p>Hello</p></body></html>",
        "no activity": b'<iati-activities version="2.03"></iati-activities>',
        "missing reporting-org": without_reporting_org,
        "unknown element": with_unknown_element,
    }


def test_invalid_files_are_refused_with_the_errors_and_change_nothing(client, seed_copy):
    document = export(client)
    Project.objects.filter(slug="summid").delete()  # an import would create it again
    state = database_state()

    for name, content in invalid_variants(document).items():
        with pytest.raises(InvalidIATIFile) as refused:
            import_activities(content)
        assert refused.value.message, name
        assert refused.value.errors, name
        assert database_state() == state, name

    with pytest.raises(InvalidIATIFile) as refused:
        import_activities(invalid_variants(document)["missing reporting-org"])
    assert any(re.match(SCHEMA_ERROR_LINE, line) for line in refused.value.errors)


def test_external_entities_are_not_read(catalogue):
    document = foreign_file(foreign_activity("X-entity", title="&secret;")).replace(
        b"<iati-activities",
        b'<!DOCTYPE iati-activities [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        b"<iati-activities",
        1,
    )
    try:
        import_activities(document)
    except InvalidIATIFile:
        pass
    assert not Project.objects.filter(title__contains="root:").exists()
    assert not Project.objects.filter(objective__contains="root:").exists()


def test_check_only_saves_nothing(client, seed_copy):
    document = export(client)
    wipe_catalogue()
    state = database_state()

    report = import_activities(document, dry_run=True)

    assert [item.outcome for item in report.outcomes] == [Outcome.CREATED] * 16
    assert database_state() == state


# --- the command ---------------------------------------------------------------------------


def test_command_imports_a_file_and_reports_each_activity(client, seed_copy, tmp_path):
    path = tmp_path / "activities.xml"
    path.write_bytes(export(client))
    Project.objects.filter(slug="summid").delete()
    out = io.StringIO()

    call_command("import_iati", str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 17
    assert any(line.startswith("XM-DAC-41114-ICMD-summid: created") for line in lines)
    assert lines[-1].startswith("16 ")
    assert Project.objects.filter(slug="summid").exists()


def test_command_dry_run_saves_nothing(client, seed_copy, tmp_path):
    path = tmp_path / "activities.xml"
    path.write_bytes(export(client))
    wipe_catalogue()
    out = io.StringIO()

    call_command("import_iati", str(path), "--dry-run", stdout=out)

    assert "XM-DAC-41114-ICMD-summid: created" in out.getvalue()
    assert not Project.objects.exists()


def test_command_refuses_an_invalid_file_with_the_schema_errors(client, seed_copy, tmp_path):
    path = tmp_path / "activities.xml"
    path.write_bytes(invalid_variants(export(client))["missing reporting-org"])
    state = database_state()

    with pytest.raises(CommandError) as refused:
        call_command("import_iati", str(path), stdout=io.StringIO())

    assert re.search(SCHEMA_ERROR_LINE, str(refused.value), re.MULTILINE)
    assert database_state() == state


def test_command_reports_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="activities.xml"):
        call_command("import_iati", str(tmp_path / "activities.xml"))


# --- the admin -----------------------------------------------------------------------------


def upload(content: bytes, name="activities.xml"):
    return SimpleUploadedFile(name, content, content_type="application/xml")


def test_changelist_has_an_import_button_for_staff(staff_client, db):
    html = staff_client.get("/admin/projects/project/").content.decode()

    assert f'href="{ADMIN_IMPORT}"' in html


def test_staff_import_a_file_in_the_admin(client, seed_copy, staff, staff_client):
    document = export(client)
    Project.objects.filter(slug="summid").delete()
    assert staff_client.get(ADMIN_IMPORT).status_code == 200

    response = staff_client.post(ADMIN_IMPORT, {"file": upload(document)}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "XM-DAC-41114-ICMD-summid" in html
    assert html.count('class="outcome-unchanged"') == 15
    assert html.count('class="outcome-created"') == 1
    summid = Project.objects.get(slug="summid")
    assert summid.history.first().history_user == staff


def test_admin_check_only_saves_nothing(client, seed_copy, staff_client):
    document = export(client)
    wipe_catalogue()

    response = staff_client.post(
        ADMIN_IMPORT, {"file": upload(document), "dry_run": "on"}, follow=True
    )

    assert response.status_code == 200
    assert response.content.decode().count('class="outcome-created"') == 16
    assert not Project.objects.exists()


def test_admin_refuses_an_invalid_file_with_the_schema_errors(client, seed_copy, staff_client):
    content = invalid_variants(export(client))["missing reporting-org"]
    state = database_state()

    response = staff_client.post(ADMIN_IMPORT, {"file": upload(content)}, follow=True)

    # The import's page: failed, with the schema's complaints.
    assert response.status_code == 200
    find(parse(response), "div", "errornote")
    page_lines = re.sub(r"<[^>]+>", "\n", response.content.decode())
    assert re.search(SCHEMA_ERROR_LINE, page_lines, re.MULTILINE)
    assert database_state() == state


def test_admin_asks_for_a_file(staff_client, db):
    response = staff_client.post(ADMIN_IMPORT, {})

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_import_is_for_staff_allowed_to_add_and_change_projects(client, catalogue):
    document = foreign_file(foreign_activity("X-forbidden"))
    visitors = {
        "anonymous": Client(),
        "member": Client(),
        "staff without rights": Client(),
    }
    visitors["member"].force_login(MemberFactory())
    visitors["staff without rights"].force_login(MemberFactory(is_staff=True))

    for name, visitor in visitors.items():
        for response in [
            visitor.get(ADMIN_IMPORT),
            visitor.post(ADMIN_IMPORT, {"file": upload(document)}),
        ]:
            if name == "staff without rights":
                assert response.status_code == 403, name
            else:
                assert response.status_code == 302, name
                assert response["Location"].startswith("/admin/login/"), name
    assert not Project.objects.filter(iati_identifier="X-forbidden").exists()
    html = visitors["staff without rights"].get("/admin/").content.decode()
    assert ADMIN_IMPORT not in html


def test_admin_import_checks_the_csrf_token(catalogue, staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    response = browser.post(ADMIN_IMPORT, {"file": upload(foreign_file(foreign_activity("X")))})

    assert response.status_code == 403
    assert not Project.objects.filter(iati_identifier="X").exists()


def test_phases_are_not_created_by_an_import(client, seed_copy):
    document = export(client)
    count = Phase.objects.count()

    import_activities(document)

    assert Phase.objects.count() == count
