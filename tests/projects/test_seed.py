"""The seed catalogue matches the source document, and loading it again changes nothing."""

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from common.translation import LANGUAGE_CODES, any_language, localized_fields
from forums.models import Forum
from forums.seed import load_forums
from icmd.models import Page
from projects.models import (
    Organisation,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    SelectionCriterion,
    Theme,
)
from projects.seed import load_catalogue
from tests.html import find, find_all, parse, text

pytestmark = pytest.mark.django_db

# The table "Les projets de l’ICMD actuellement en cours" of the source document
# (the French text the portal was created from), transcribed row by row: country, title,
# duration, ICMD funding in US$, partner organisations (the first one leads). Where the
# document adds a kind or a country to a partner ("Fondation: …", "…, Italie"), only the
# name is kept here.
SOURCE_TABLE = [
    (
        "CR",
        "Canton d’Upala: La migration comme facilitateur pour un développement humain inclusif",
        22,
        230_000,
        ["Municipalité d’Upala"],
    ),
    (
        "CR",
        "Intégrer la migration comme facteur de développement inclusif dans la région de "
        "Los Santos",
        21,
        162_000,
        ["Municipalité de Leon Cortes"],
    ),
    (
        "EC",
        "Faciliter la mobilité humaine en renforçant les capacités des gouvernements "
        "autonomes décentralisés du nord de l'Équateur",
        21,
        230_000,
        ["Gouvernement provincial d'Imbabura"],
    ),
    (
        "EC",
        "Pichincha, une approche globale de l'intégration des personnes en situation de mobilité",
        18,
        230_000,
        ["Gouvernement provincial de Pichincha"],
    ),
    (
        "SV",
        "Soutenir l'entreprenariat des jeunes dans 7 municipalités de Morazan afin de "
        "diminuer l'émigration et de soutenir le développement local",
        18,
        230_000,
        ["Agence pour le développement économique local de Morazan"],
    ),
    (
        "SV",
        "Créer des alternatives à la migration en favorisant le développement économique "
        "dans le département de La Unión",
        20,
        230_000,
        ["Agence pour le développement économique local pour le département de La Unión"],
    ),
    (
        "MA",
        "Préserver la palmeraie de Figuig pour le développement économique local avec le "
        "soutien de la diaspora marocaine",
        21,
        230_000,
        [
            "Association des Coopératives Agricoles de Figuig",
            "Association Migration & Développement",
        ],
    ),
    (
        "MA",
        "Connecter les territoires par la migration et le développement",
        21,
        230_000,
        ["Association Migration & Développement"],
    ),
    (
        "NP",
        "Sécuriser les envois de fonds et améliorer les moyens de subsistance (projet SRIL)",
        21,
        230_000,
        ["Oxfam Népal"],
    ),
    (
        "NP",
        "Mise en œuvre d’une réponse dynamique sur les migrations au niveau local",
        20,
        230_000,
        ["Comité de coordination népalais Pravasi"],
    ),
    (
        "PH",
        "Intégrer la migration et le développement dans la gouvernance des collectivités "
        "locales dans la région de Bicol",
        21,
        250_000,
        ["Gouvernement de la ville de Naga"],
    ),
    (
        "PH",
        "Renforcer, élargir et intégrer les migrations internationales et le développement "
        "(projet SUMMID)",
        21,
        230_000,
        ["Conseil régional de développement pour la région 4A"],
    ),
    (
        "SN",
        "Créer un réseau entre les migrants, les autorités locales, les investisseurs et "
        "acteurs économiques pour le développement local",
        21,
        230_000,
        [
            "Agence régionale pour le développement de Diourbel",
            "Comité des Femmes Entrepreneurs de Venise",
        ],
    ),
    (
        "SN",
        "Soutenir les initiatives de co-développement pour le développement économique local "
        "dans la région de Sédhiou",
        18,
        230_000,
        ["Agence régionale pour le développement de Sédhiou"],
    ),
    (
        "TN",
        "Santé pour tous et toutes: pour une gouvernance partagée des systèmes "
        "socio-sanitaires entre Tunisie et Italie",
        21,
        230_000,
        [
            "Croissant-Rouge tunisien",
            "Coopération pour le développement dans les pays émergents (COSPE)",
        ],
    ),
    (
        "TN",
        "Améliorer les conditions de vie des femmes des régions rurales de Jilma et Sidi "
        "Bouzid, avec le soutien de la diaspora tunisienne en France",
        21,
        46_000,
        ["Association Tunisiens des Deux Rives"],
    ),
]


def test_sixteen_projects_in_eight_countries(seed):
    projects = Project.objects.published()

    assert projects.count() == 16
    assert set(projects.values_list("country", flat=True)) == {
        "CR",
        "EC",
        "SV",
        "MA",
        "NP",
        "PH",
        "SN",
        "TN",
    }
    # "deux projets ont été sélectionnés dans chaque pays"
    for country in ("CR", "EC", "SV", "MA", "NP", "PH", "SN", "TN"):
        assert projects.filter(country=country).count() == 2, country


def test_total_funding_is_three_million_448_thousand_dollars(seed):
    totals = Project.objects.published().totals()

    assert totals == {
        "projects": 16,
        "countries": 8,
        "funding": [("USD", Decimal("3448000"))],
    }
    assert sum(row[3] for row in SOURCE_TABLE) == 3_448_000


def test_every_row_of_the_source_table(seed):
    """Country, title, duration, funding and partners (lead first) of all 16 projects."""
    catalogue = [
        (
            project.country.code,
            project.title_fr,
            project.duration_months,
            project.funding_amount,
            [p.organisation.name_fr for p in project.partnerships.all()],
        )
        for project in Project.objects.prefetch_related("partnerships__organisation")
    ]
    source = [
        (country, title, months, Decimal(amount), partners)
        for country, title, months, amount, partners in SOURCE_TABLE
    ]
    assert sorted(catalogue) == sorted(source)
    assert set(Project.objects.values_list("funding_currency", flat=True)) == {"USD"}
    assert set(Project.objects.values_list("phase__slug", flat=True)) == {"2012-local"}


def test_spot_checks_from_the_source_document(seed):
    los_santos = Project.objects.get(title_fr__contains="Los Santos")
    assert (los_santos.duration_months, los_santos.funding_amount) == (21, Decimal("162000"))
    assert Project.objects.get(title_fr__contains="Bicol").funding_amount == Decimal("250000")
    jilma = Project.objects.get(title_fr__contains="Jilma et Sidi Bouzid")
    assert jilma.funding_amount == Decimal("46000")
    assert jilma.country == "TN"
    upala = Project.objects.get(locality_fr="Canton d’Upala")
    assert upala.duration_months == 22
    assert upala.partnerships.get().organisation.name_fr == "Municipalité d’Upala"


def test_every_project_has_one_lead_a_duration_and_funding(seed):
    """The organisation named first in the document leads; the others are partners."""
    for project in Project.objects.prefetch_related("partnerships"):
        roles = [p.role for p in project.partnerships.all()]
        assert roles, project.slug
        assert roles[0] == PartnershipRole.LEAD, project.slug
        assert roles.count(PartnershipRole.LEAD) == 1, project.slug
        assert 1 <= project.duration_months <= 120
        assert project.funding_amount > 0
        assert project.objective


def test_association_migration_developpement_is_one_organisation_with_two_projects(seed):
    amd = Organisation.objects.get(name_fr="Association Migration & Développement")

    roles = {p.project.title_fr: p.role for p in amd.partnerships.select_related("project")}
    assert roles == {
        "Connecter les territoires par la migration et le développement": "lead",
        "Préserver la palmeraie de Figuig pour le développement économique local avec le "
        "soutien de la diaspora marocaine": "partner",
    }
    assert (
        Organisation.objects.filter(any_language("name", "icontains", "Migration &")).count() == 1
    )


def test_organisation_names_are_not_duplicated(seed):
    names = list(Organisation.objects.values_list("name_fr", flat=True))
    assert len(names) == len(set(names)) == 18


def test_italian_partners_are_in_italy(seed):
    venice = Organisation.objects.get(name_fr="Comité des Femmes Entrepreneurs de Venise")
    cospe = Organisation.objects.get(name_fr__contains="(COSPE)")

    assert venice.country == "IT"
    assert cospe.country == "IT"
    # Their projects are in Senegal and Tunisia.
    assert venice.projects.get().country == "SN"
    assert cospe.projects.get().country == "TN"


def test_the_two_phases(seed):
    earlier, current = Phase.objects.order_by("start_date")

    assert (earlier.start_date.year, earlier.end_date.year) == (2008, 2012)
    assert (earlier.reported_projects, earlier.reported_countries) == (51, 16)
    assert not earlier.projects.exists()
    assert (current.start_date.year, current.start_date.month) == (2012, 12)
    assert current.end_date is None
    assert current.projects.count() == 16
    assert earlier.end_date < current.start_date


def test_the_seven_selection_criteria_in_the_document_order(seed):
    criteria = list(SelectionCriterion.objects.all())

    assert len(criteria) == 7
    names = [criterion.name_fr for criterion in criteria]
    assert names[0].startswith("Les initiatives qui font partie des plans stratégiques")
    assert "taux élevés d'émigration" in names[1]
    assert "méthodologies innovantes" in names[2]
    assert "consortiums composés d’organisations de la société civile" in names[3]
    assert "pays d'origine et de destination" in names[4]
    assert "partenariats Sud-Sud" in names[5]
    assert "sexospécifiques" in names[6]
    assert all(c.name_en and c.name_es for c in criteria)


def row_counts():
    """Rows in every table of the catalogue, the site pages (with the search index) and the
    forums, history included."""
    models = [
        *apps.get_app_config("projects").get_models(include_auto_created=True),
        *apps.get_app_config("icmd").get_models(include_auto_created=True),
        *apps.get_app_config("forums").get_models(include_auto_created=True),
    ]
    return {model._meta.db_table: model._default_manager.count() for model in models}


def test_loading_the_seed_again_creates_nothing(seed):
    before = row_counts()
    assert before["projects_project"] == 16
    # One per page, in three languages: four about pages, the privacy notice, the terms.
    assert before["icmd_page"] == 6

    out = StringIO()
    call_command("load_seed", stdout=out)

    assert row_counts() == before
    assert "16 projects" not in out.getvalue()
    assert "0 projects" in out.getvalue()


def test_the_seed_copy_holds_what_loading_the_seed_writes(db, request):
    """Tests that only read the seed take ``seed_copy`` (tests/conftest.py): the rows of the
    session's one load, copied in. They are the rows a load writes, whole: loading the seed
    over them creates nothing and finds no translation missing."""
    with transaction.atomic():
        request.getfixturevalue("seed_copy")
        copied = row_counts()
        output = load_seed()
        assert row_counts() == copied
        transaction.set_rollback(True)
    assert copied["projects_project"] == 16
    assert output.startswith("Seed loaded: created 0 ")
    assert set(re.findall(r"\d+", output)) == {"0"}  # nothing created, no translation filled

    assert set(row_counts().values()) == {0}
    load_seed()
    assert row_counts() == copied


def test_staff_edits_survive_loading_the_seed_again(seed):
    los_santos = Project.objects.get(slug="los-santos-inclusive-development")
    los_santos.funding_amount = Decimal("175000")
    los_santos.duration_months = 24
    los_santos.save()
    removed = Partnership.objects.get(project__slug="figuig-palm-grove", order=1)
    removed.delete()
    Organisation.objects.filter(slug="oxfam-nepal").update(name_fr="Oxfam au Népal")
    Page.objects.filter(slug="initiative").update(body_fr="Texte revu.")

    call_command("load_seed", stdout=StringIO())

    los_santos.refresh_from_db()
    assert (los_santos.funding_amount, los_santos.duration_months) == (Decimal("175000"), 24)
    assert Project.objects.count() == 16
    assert Project.objects.published().totals()["funding"] == [("USD", Decimal("3461000"))]
    assert not Partnership.objects.filter(pk=removed.pk).exists()
    assert Project.objects.get(slug="figuig-palm-grove").partnerships.count() == 1
    assert Organisation.objects.get(slug="oxfam-nepal").name_fr == "Oxfam au Népal"
    assert not Organisation.objects.filter(name_fr="Oxfam Népal").exists()
    assert Page.objects.get(slug="initiative").body_fr == "Texte revu."


# --- the three languages -------------------------------------------------------------------

CATALOGUE = settings.BASE_DIR / "fixtures" / "catalogue.json"
FORUMS = settings.BASE_DIR / "fixtures" / "forums.json"


def fixture(path):
    return json.loads(path.read_text(encoding="utf-8"))


def translations(queryset, fields):
    """Every language column of ``fields`` for each row, by slug."""
    columns = [column for field in fields for column in localized_fields(field)]
    return {row.pop("slug"): row for row in queryset.values("slug", *columns)}


def test_every_project_in_french_english_and_spanish(seed):
    for project in Project.objects.all():
        for code in LANGUAGE_CODES:
            assert getattr(project, f"title_{code}"), (project.slug, code)
            assert getattr(project, f"objective_{code}"), (project.slug, code)
            if project.locality_fr:
                assert getattr(project, f"locality_{code}"), (project.slug, code)
        # Translated, not copied.
        assert len({project.title_fr, project.title_en, project.title_es}) == 3, project.slug
        assert project.objective_en not in (project.objective_fr, project.objective_es)


def test_spot_checks_of_the_translations(seed):
    upala = Project.objects.get(slug="upala-inclusive-human-development")
    assert (upala.locality_en, upala.locality_es) == ("Upala Canton", "Cantón de Upala")
    municipality = upala.partnerships.get().organisation
    assert (municipality.name_en, municipality.name_es) == (
        "Municipality of Upala",
        "Municipalidad de Upala",
    )
    oxfam = Organisation.objects.get(slug="oxfam-nepal")
    assert (oxfam.name_fr, oxfam.name_en) == ("Oxfam Népal", "Oxfam Nepal")
    jilma = Project.objects.get(slug="jilma-sidi-bouzid-rural-women")
    assert "Sidi Bouzid" in jilma.title_en and "Sidi Bouzid" in jilma.title_es


def test_organisations_get_the_translations_of_the_fixture(seed):
    rows = fixture(CATALOGUE)["organisations"]
    translated = [row for row in rows if "name_en" in row]
    assert len(translated) >= 16
    in_database = translations(Organisation.objects.all(), ["name"])
    for row in translated:
        saved = in_database[row["slug"]]
        assert (saved["name_en"], saved["name_es"]) == (row["name_en"], row["name_es"])


def test_a_proper_name_is_the_same_in_every_language(seed, client):
    """A name with no translation is shown as it is, without a note, on English pages."""
    amd = Organisation.objects.get(slug="association-migration-developpement")
    assert not amd.name_en and not amd.name_es

    with translation.override("en"):
        assert amd.name == "Association Migration & Développement"
        page = parse(client.get(amd.get_absolute_url()))
    assert text(find(page, "h1")).startswith("Association Migration & Développement")


def test_themes_phases_criteria_and_forums_have_three_names(seed):
    for model in (Phase, Theme, SelectionCriterion, Forum):
        rows = translations(model.objects.all(), ["name"])
        assert rows, model
        for slug, names in rows.items():
            assert all(names.values()), (model.__name__, slug, names)
    for slug, descriptions in translations(Forum.objects.all(), ["description"]).items():
        assert all(descriptions.values()), slug


def test_a_project_page_in_spanish_needs_no_fallback(seed, client):
    project = Project.objects.get(slug="upala-inclusive-human-development")
    with translation.override("es"):
        response = client.get(project.get_absolute_url())
    main = find(parse(response), "main")

    assert text(find(main, "h1")) == project.title_es
    assert "Cantón de Upala" in text(main)
    assert "Municipalidad de Upala" in text(main)
    # No text falls back to French (marked with its language and a note).
    assert not find_all(main, "small", "untranslated")
    assert not find_all(main, "*", lang="fr")


def snapshot():
    """What people read of the seeded rows, in every language."""
    return {
        model.__name__: translations(model.objects.all(), fields)
        for model, fields in (
            (Phase, ["name"]),
            (Theme, ["name"]),
            (SelectionCriterion, ["name"]),
            (Organisation, ["name", "description"]),
            (Project, ["title", "locality", "objective", "description"]),
            (Forum, ["name", "description"]),
        )
    }


def test_loading_again_changes_no_translation(seed):
    before = snapshot()
    out = StringIO()

    call_command("load_seed", stdout=out)

    assert snapshot() == before
    assert "filled 0 missing translations" in out.getvalue()


def test_a_staff_translation_survives_loading_again(seed):
    project = Project.objects.get(slug="summid")
    project.title_en = "SUMMID: migration and development in CALABARZON"
    project.save()
    Forum.objects.filter(slug="e-discussions").update(name_es="Debates en línea")

    call_command("load_seed", stdout=StringIO())

    project.refresh_from_db()
    assert project.title_en == "SUMMID: migration and development in CALABARZON"
    assert project.title_fr.startswith("Renforcer, élargir et intégrer")
    assert Forum.objects.get(slug="e-discussions").name_es == "Debates en línea"


def test_loading_again_fills_empty_translations_only(seed):
    Project.objects.filter(slug="figuig-palm-grove").update(title_es="")
    Project.objects.filter(slug="summid").update(title_es=None)
    Project.objects.filter(slug="connecting-territories").update(title_es="Conectar territorios")
    Forum.objects.filter(slug="e-discussions").update(description_en=None)
    Theme.objects.filter(slug="health").update(name_fr="")
    out = StringIO()

    call_command("load_seed", stdout=out)

    titles = dict(Project.objects.values_list("slug", "title_es"))
    assert titles["figuig-palm-grove"] == (
        "Preservar el palmeral de Figuig para el desarrollo económico local con el apoyo "
        "de la diáspora marroquí"
    )
    assert titles["summid"].startswith("Fortalecer, ampliar e integrar")
    assert titles["connecting-territories"] == "Conectar territorios"
    assert Forum.objects.get(slug="e-discussions").description_en.startswith("Online debates")
    assert Theme.objects.get(slug="health").name_fr == "Santé"
    assert "filled 4 missing translations" in out.getvalue()


def test_a_translation_added_to_the_fixture_later_reaches_the_database(seed, tmp_path):
    """Translations written into the file after a first load fill the empty columns of
    rows already there, and nothing else."""
    catalogue = fixture(CATALOGUE)
    for row in catalogue["organisations"]:
        if row["slug"] == "association-migration-developpement":
            row.update(name_en="Migration & Development", name_es="Migración y Desarrollo")
        if row["slug"] == "oxfam-nepal":
            row.update(name_en="Oxfam in Nepal")  # has text in the database: kept
    for row in catalogue["projects"]:
        if row["slug"] == "connecting-territories":
            row.update(locality_en="Morocco", locality_es="Marruecos")
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    history_before = Organisation.history.count()

    report = load_catalogue(path)

    assert report.translations_filled == 4
    assert set(report.created.values()) == {0}
    amd = Organisation.objects.get(slug="association-migration-developpement")
    assert (amd.name_fr, amd.name_en, amd.name_es) == (
        "Association Migration & Développement",
        "Migration & Development",
        "Migración y Desarrollo",
    )
    assert Organisation.objects.get(slug="oxfam-nepal").name_en == "Oxfam Nepal"
    project = Project.objects.get(slug="connecting-territories")
    assert (project.locality_fr, project.locality_en, project.locality_es) == (
        "",
        "Morocco",
        "Marruecos",
    )
    # The change is kept in the organisation's history like an edit.
    assert Organisation.history.count() == history_before + 1
    assert load_catalogue(path).translations_filled == 0


def test_the_seed_sets_each_language_whatever_the_active_one(db):
    with translation.override("es"):
        load_catalogue(CATALOGUE)
        load_forums(FORUMS)

    upala = Project.objects.get(slug="upala-inclusive-human-development")
    assert upala.title_fr.startswith("Canton d’Upala: La migration")
    assert upala.title_es.startswith("Cantón de Upala: la migración")
    forum = Forum.objects.get(slug="diaspora-et-investissement")
    assert (forum.name_fr, forum.name_es) == ("Diaspora et investissement", "Diáspora e inversión")


# --- what staff removed or renamed stays so ------------------------------------------------


def seed_counts():
    return {
        "projects": Project.objects.count(),
        "phases": Phase.objects.count(),
        "themes": Theme.objects.count(),
        "criteria": SelectionCriterion.objects.count(),
        "organisations": Organisation.objects.count(),
        "partnerships": Partnership.objects.count(),
        "pages": Page.objects.count(),
        "forums": Forum.objects.count(),
    }


def load_seed(*args):
    out = StringIO()
    call_command("load_seed", *args, stdout=out)
    return out.getvalue()


def test_an_empty_database_gets_the_whole_seed_and_a_later_load_creates_nothing(db):
    catalogue = fixture(CATALOGUE)

    load_seed()

    assert seed_counts() == {
        "projects": 16,
        "phases": len(catalogue["phases"]),
        "themes": len(catalogue["themes"]),
        "criteria": 7,
        "organisations": 18,
        "partnerships": sum(len(row["partners"]) for row in catalogue["projects"]),
        "pages": 6,  # four about pages, the privacy notice and the terms of use
        "forums": len(fixture(FORUMS)["forums"]),
    }
    # Staff then remove one of each kind: the next load does not bring them back.
    Project.objects.get(slug="summid").delete()
    Page.objects.get(slug="selection").delete()
    Forum.objects.get(slug="e-discussions").delete()
    after_staff = seed_counts()

    load_seed()

    assert seed_counts() == after_staff


def test_a_seed_project_deleted_by_staff_is_not_brought_back(seed):
    Project.objects.get(slug="summid").delete()

    output = load_seed()

    assert not Project.objects.filter(slug="summid").exists()
    assert not Project.objects.filter(title_fr__contains="SUMMID").exists()
    assert Project.objects.count() == 15
    assert "summid" in output
    assert "--project <slug>" in output


def test_a_project_whose_slug_staff_changed_is_not_created_twice(seed):
    upala = Project.objects.get(slug="upala-inclusive-human-development")
    upala.slug = "upala"
    upala.save()
    before = seed_counts()

    load_seed()

    assert seed_counts() == before
    assert not Project.objects.filter(slug="upala-inclusive-human-development").exists()
    assert Project.objects.filter(title_fr__startswith="Canton d’Upala").count() == 1
    municipality = upala.partnerships.get().organisation
    assert Partnership.objects.filter(organisation=municipality).count() == 1


def test_a_renamed_project_still_gets_the_translations_it_lacks_under_its_slug(seed):
    """Filling missing translations goes on for the rows still there (same slug)."""
    Project.objects.filter(slug="summid").update(title_es="")
    Project.objects.get(slug="bicol-local-governance").delete()

    load_seed()

    assert Project.objects.get(slug="summid").title_es.startswith("Fortalecer, ampliar")
    assert not Project.objects.filter(slug="bicol-local-governance").exists()


def test_a_project_asked_for_by_slug_is_created_again_with_what_it_needs(seed):
    """``load_seed --project`` re-creates that project, with its partners, themes and
    criteria as in the file, creating those staff removed; other deleted projects stay
    deleted."""
    figuig = Project.objects.get(slug="figuig-palm-grove")
    themes = set(figuig.themes.values_list("slug", flat=True))
    criteria = set(figuig.criteria_met.values_list("slug", flat=True))
    partners = [(p.organisation.slug, p.role) for p in figuig.partnerships.all()]
    figuig.delete()
    Organisation.objects.get(slug=partners[0][0]).delete()  # its lead, now partner of nothing
    Project.objects.get(slug="summid").delete()

    output = load_seed("--project", "figuig-palm-grove")

    figuig = Project.objects.get(slug="figuig-palm-grove")
    assert figuig.title_fr.startswith("Préserver la palmeraie de Figuig")
    assert figuig.title_en and figuig.title_es
    assert set(figuig.themes.values_list("slug", flat=True)) == themes
    assert set(figuig.criteria_met.values_list("slug", flat=True)) == criteria
    assert [(p.organisation.slug, p.role) for p in figuig.partnerships.all()] == partners
    assert Organisation.objects.filter(slug=partners[1][0]).count() == 1  # not duplicated
    assert not Project.objects.filter(slug="summid").exists()
    assert Project.objects.count() == 15
    assert "1 projects" in output


def test_a_project_asked_for_that_is_there_is_left_as_it_is(seed):
    Project.objects.filter(slug="summid").update(duration_months=30)
    before = seed_counts()

    output = load_seed("--project", "summid")

    assert seed_counts() == before
    assert Project.objects.get(slug="summid").duration_months == 30
    assert "Already there, left as they are: summid." in output


def test_asking_for_a_row_the_seed_does_not_have_is_refused_clearly(seed):
    Project.objects.get(slug="summid").delete()
    before = seed_counts()

    with pytest.raises(CommandError, match="The seed has no project nowhere; its projects are: "):
        load_seed("--project", "nowhere", "--project", "summid")
    with pytest.raises(CommandError, match="The seed has no forum nowhere; its forums are: "):
        load_seed("--project", "summid", "--forum", "nowhere")

    assert seed_counts() == before


def test_pages_and_forums_deleted_or_renamed_by_staff_stay_so_unless_asked_for(seed):
    Page.objects.get(slug="selection").delete()
    Page.objects.filter(slug="initiative").update(slug="the-initiative")
    Forum.objects.get(slug="e-discussions").delete()
    before = seed_counts()

    output = load_seed()

    assert seed_counts() == before
    assert not Page.objects.filter(slug__in=["selection", "initiative"]).exists()
    assert not Forum.objects.filter(slug="e-discussions").exists()
    assert "selection" in output and "e-discussions" in output

    load_seed("--page", "selection", "--forum", "e-discussions")

    page = Page.objects.get(slug="selection")
    assert all(getattr(page, f"title_{code}") for code in LANGUAGE_CODES)
    forum = Forum.objects.get(slug="e-discussions")
    assert all(getattr(forum, f"name_{code}") for code in LANGUAGE_CODES)
    assert not Page.objects.filter(slug="initiative").exists()
    assert Page.objects.count() == 6
