"""The seed catalogue matches the source document, and loading it again changes nothing."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from icmd.models import Page
from projects.models import (
    Organisation,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    SelectionCriterion,
)

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
            project.title,
            project.duration_months,
            project.funding_amount,
            [p.organisation.name for p in project.partnerships.all()],
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
    los_santos = Project.objects.get(title__contains="Los Santos")
    assert (los_santos.duration_months, los_santos.funding_amount) == (21, Decimal("162000"))
    assert Project.objects.get(title__contains="Bicol").funding_amount == Decimal("250000")
    jilma = Project.objects.get(title__contains="Jilma et Sidi Bouzid")
    assert jilma.funding_amount == Decimal("46000")
    assert jilma.country == "TN"
    upala = Project.objects.get(locality="Canton d’Upala")
    assert upala.duration_months == 22
    assert upala.partnerships.get().organisation.name == "Municipalité d’Upala"


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
    amd = Organisation.objects.get(name="Association Migration & Développement")

    roles = {p.project.title: p.role for p in amd.partnerships.select_related("project")}
    assert roles == {
        "Connecter les territoires par la migration et le développement": "lead",
        "Préserver la palmeraie de Figuig pour le développement économique local avec le "
        "soutien de la diaspora marocaine": "partner",
    }
    assert Organisation.objects.filter(name__icontains="Migration & Développement").count() == 1


def test_organisation_names_are_not_duplicated(seed):
    names = list(Organisation.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) == 18


def test_italian_partners_are_in_italy(seed):
    venice = Organisation.objects.get(name="Comité des Femmes Entrepreneurs de Venise")
    cospe = Organisation.objects.get(name__contains="(COSPE)")

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
    assert criteria[0].name.startswith("Les initiatives qui font partie des plans stratégiques")
    assert "taux élevés d'émigration" in criteria[1].name
    assert "méthodologies innovantes" in criteria[2].name
    assert "consortiums composés d’organisations de la société civile" in criteria[3].name
    assert "pays d'origine et de destination" in criteria[4].name
    assert "partenariats Sud-Sud" in criteria[5].name
    assert "sexospécifiques" in criteria[6].name
    assert all(c.name_en and c.name_es for c in criteria)


def row_counts():
    """Rows in every table of the catalogue and the site pages, history included."""
    models = [
        *apps.get_app_config("projects").get_models(include_auto_created=True),
        *apps.get_app_config("icmd").get_models(include_auto_created=True),
    ]
    return {model._meta.db_table: model._default_manager.count() for model in models}


def test_loading_the_seed_again_creates_nothing(seed):
    before = row_counts()
    assert before["projects_project"] == 16
    assert before["icmd_page"] == 12

    out = StringIO()
    call_command("load_seed", stdout=out)

    assert row_counts() == before
    assert "16 projects" not in out.getvalue()
    assert "0 projects" in out.getvalue()


def test_staff_edits_survive_loading_the_seed_again(seed):
    los_santos = Project.objects.get(slug="los-santos-inclusive-development")
    los_santos.funding_amount = Decimal("175000")
    los_santos.duration_months = 24
    los_santos.save()
    removed = Partnership.objects.get(project__slug="figuig-palm-grove", order=1)
    removed.delete()
    Organisation.objects.filter(slug="oxfam-nepal").update(name="Oxfam au Népal")
    Page.objects.filter(slug="initiative", language="fr").update(body="Texte revu.")

    call_command("load_seed", stdout=StringIO())

    los_santos.refresh_from_db()
    assert (los_santos.funding_amount, los_santos.duration_months) == (Decimal("175000"), 24)
    assert Project.objects.count() == 16
    assert Project.objects.published().totals()["funding"] == [("USD", Decimal("3461000"))]
    assert not Partnership.objects.filter(pk=removed.pk).exists()
    assert Project.objects.get(slug="figuig-palm-grove").partnerships.count() == 1
    assert Organisation.objects.get(slug="oxfam-nepal").name == "Oxfam au Népal"
    assert not Organisation.objects.filter(name="Oxfam Népal").exists()
    assert Page.objects.get(slug="initiative", language="fr").body == "Texte revu."
