"""The catalogue's integrity rules are held by PostgreSQL itself, and its named queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from projects.models import Partnership, PartnershipRole, Phase, Project
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def refused_by_database(project, **values):
    """Write ``values`` straight to the row (no model validation) and report whether
    PostgreSQL refused them; the row is re-read to show nothing was stored."""
    try:
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(**values)
    except IntegrityError:
        refused = True
    else:
        refused = False
    stored = Project.objects.values(*values).get(pk=project.pk)
    return refused, stored


@pytest.mark.parametrize(
    "values",
    [
        {"funding_amount": Decimal("-0.01")},
        {"funding_amount": Decimal("-230000")},
        {"duration_months": 0},
        {"duration_months": 121},
        {"funding_currency": "usd"},
        {"funding_currency": "US$"},
        {"funding_currency": "U1D"},
        {"funding_currency": ""},
        {"start_date": datetime.date(2014, 1, 1), "end_date": datetime.date(2013, 12, 31)},
    ],
    ids=[
        "funding-one-cent-below-zero",
        "negative-funding",
        "zero-months",
        "121-months",
        "lowercase-currency",
        "currency-symbol",
        "currency-with-digit",
        "empty-currency",
        "ends-before-it-starts",
    ],
)
def test_database_refuses_invalid_project_values(values):
    project = ProjectFactory(
        duration_months=21,
        funding_amount=Decimal("162000"),
        start_date=datetime.date(2013, 6, 1),
        end_date=datetime.date(2015, 3, 1),
    )
    before = Project.objects.values(*values).get(pk=project.pk)

    refused, stored = refused_by_database(project, **values)

    assert refused, f"PostgreSQL accepted {values}"
    assert stored == before


@pytest.mark.parametrize(
    "values",
    [
        {"funding_amount": Decimal("0")},
        {"duration_months": 1},
        {"duration_months": 120},
        {"funding_currency": "EUR"},
        {"start_date": datetime.date(2014, 1, 1), "end_date": datetime.date(2014, 1, 1)},
        {"start_date": None, "end_date": datetime.date(2014, 1, 1)},
    ],
    ids=["no-funding", "one-month", "120-months", "euro", "one-day", "end-only"],
)
def test_database_accepts_the_limits(values):
    """The constraints are not so strict that legitimate values are refused."""
    project = ProjectFactory()

    refused, stored = refused_by_database(project, **values)

    assert not refused
    assert stored == values


def test_raw_insert_of_negative_funding_is_refused():
    phase = PhaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO projects_project (title, slug, country, locality, objective,
                description, phase_id, status, duration_months, funding_amount,
                funding_currency, published, created, updated)
            VALUES ('Raw', 'raw', 'SN', '', 'x', '', %s, 'ongoing', 12, -1, 'USD', true,
                now(), now())
            """,
            [phase.pk],
        )
    assert not Project.objects.filter(slug="raw").exists()


def test_phase_cannot_end_before_it_starts():
    phase = PhaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(pk=phase.pk).update(end_date=datetime.date(2012, 1, 1))
    phase.refresh_from_db()
    assert phase.end_date is None


def test_a_project_has_at_most_one_lead():
    lead, other = OrganisationFactory(), OrganisationFactory()
    project = ProjectFactory(partners=[lead])

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(project=project, organisation=other, role=PartnershipRole.LEAD)

    # Another project may have its own lead, and this one may have more partners.
    ProjectFactory(partners=[other])
    Partnership.objects.create(project=project, organisation=other, role=PartnershipRole.PARTNER)
    assert list(project.partnerships.values_list("organisation", "role")) == [
        (lead.pk, "lead"),
        (other.pk, "partner"),
    ]


def test_an_organisation_is_a_partner_of_a_project_only_once():
    organisation = OrganisationFactory()
    project = ProjectFactory(partners=[organisation])

    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            project=project, organisation=organisation, role=PartnershipRole.PARTNER, order=1
        )
    assert project.partnerships.count() == 1


def test_deleting_an_organisation_that_is_a_partner_is_refused():
    organisation = OrganisationFactory()
    project = ProjectFactory(partners=[OrganisationFactory(), organisation])

    with pytest.raises(ProtectedError), transaction.atomic():
        organisation.delete()

    assert project.partnerships.filter(organisation=organisation).exists()


def test_deleting_a_project_removes_its_partnerships_but_keeps_the_organisations():
    organisation = OrganisationFactory()
    project = ProjectFactory(partners=[organisation])

    project.delete()

    assert not Partnership.objects.filter(organisation=organisation).exists()
    organisation.refresh_from_db()
    organisation.delete()  # no longer a partner: now it may go


def test_deleting_a_phase_that_has_projects_is_refused():
    project = ProjectFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        project.phase.delete()

    assert Phase.objects.filter(pk=project.phase_id).exists()


def test_published_leaves_out_unpublished_projects():
    shown = ProjectFactory()
    ProjectFactory(published=False)

    assert list(Project.objects.published()) == [shown]


class TestSearch:
    @pytest.fixture
    def projects(self):
        return {
            "upala": ProjectFactory(
                title="Canton d’Upala: la migration comme facilitateur",
                locality="Canton d’Upala",
                objective="Améliorer la qualité de vie à la frontière.",
                partners=[OrganisationFactory(name="Municipalité d’Upala")],
            ),
            "sedhiou": ProjectFactory(
                title="Soutenir le co-développement dans la région de Sédhiou",
                objective="Promouvoir une approche fondée sur le genre.",
                partners=[
                    OrganisationFactory(name="Agence régionale de Sédhiou"),
                    OrganisationFactory(name="Comité des Femmes Entrepreneurs de Venise"),
                ],
            ),
            "nepal": ProjectFactory(
                title="Sécuriser les envois de fonds (projet SRIL)",
                objective="Renforcer les moyens de subsistance des familles.",
                locality="Province de Koshi",
                partners=[OrganisationFactory(name="Oxfam Népal")],
            ),
        }

    def found(self, text):
        return {project.slug for project in Project.objects.search(text)}

    def test_finds_by_title_objective_locality_and_partner(self, projects):
        assert self.found("SRIL") == {projects["nepal"].slug}
        assert self.found("frontière") == {projects["upala"].slug}
        assert self.found("Koshi") == {projects["nepal"].slug}
        assert self.found("Venise") == {projects["sedhiou"].slug}

    def test_ignores_case_and_accents(self, projects):
        assert self.found("sedhiou") == {projects["sedhiou"].slug}
        assert self.found("OXFAM NEPAL") == {projects["nepal"].slug}
        assert self.found("Sécuriser") == self.found("securiser") == {projects["nepal"].slug}

    def test_every_word_must_match_somewhere(self, projects):
        assert self.found("Upala frontière") == {projects["upala"].slug}
        assert self.found("Upala Venise") == set()

    def test_a_project_with_two_matching_partners_is_listed_once(self, projects):
        assert list(Project.objects.search("Sédhiou Venise")) == [projects["sedhiou"]]
        results = list(Project.objects.search("e"))
        assert len(results) == len(set(results)) == 3

    def test_no_match_and_empty_text(self, projects):
        assert self.found("Tegucigalpa") == set()
        assert Project.objects.search("   ").count() == 3


class TestTotals:
    def test_sums_funding_per_currency(self):
        ProjectFactory(country="SN", funding_amount=Decimal("230000"))
        ProjectFactory(country="SN", funding_amount=Decimal("46000.50"))
        ProjectFactory(country="TN", funding_amount=Decimal("100000"), funding_currency="EUR")
        ProjectFactory(country="MA", funding_amount=Decimal("1"), published=False)

        totals = Project.objects.published().totals()

        assert totals == {
            "projects": 3,
            "countries": 2,
            "funding": [("EUR", Decimal("100000")), ("USD", Decimal("276000.50"))],
        }

    def test_of_a_filtered_queryset(self):
        ProjectFactory(country="SN", funding_amount=Decimal("230000"))
        ProjectFactory(country="TN", funding_amount=Decimal("46000"))

        totals = Project.objects.filter(country="TN").totals()

        assert totals == {"projects": 1, "countries": 1, "funding": [("USD", Decimal("46000"))]}

    def test_of_nothing(self):
        assert Project.objects.totals() == {"projects": 0, "countries": 0, "funding": []}
