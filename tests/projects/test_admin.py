"""Staff keep the catalogue through the real Django admin; what they save is what the
public sees, and every change is kept with who made it."""

import html
import re
from decimal import Decimal

import pytest
from django.utils import translation

from projects.models import (
    CURRENCY_CODE,
    ENDS_BEFORE_START,
    Organisation,
    Partnership,
    Project,
)
from tests.factories import OrganisationFactory, ProjectFactory
from tests.forms import form_values
from tests.html import tr

pytestmark = pytest.mark.django_db


def listed_projects(response):
    """Primary keys of the projects in the admin changelist's result table."""
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="changelist"' in text
    if 'id="result_list"' not in text:  # the admin shows no table when nothing matches
        return set()
    table = text[text.index('id="result_list"') :]
    return {int(pk) for pk in re.findall(r'href="/admin/projects/project/(\d+)/change/', table)}


def page_text(response):
    assert response.status_code == 200
    return html.unescape(response.content.decode())


CHANGELIST = "/admin/projects/project/"
ONE_LEAD = next(
    c for c in Partnership._meta.constraints if c.name == "partnership_one_lead_per_project"
)


def verbose_name(model, field):
    with translation.override("fr"):
        return str(model._meta.get_field(field).verbose_name)


class TestChangelistSearch:
    def test_changelist_lists_the_seed(self, seed_copy, staff_client):
        response = staff_client.get(CHANGELIST)

        assert listed_projects(response) == set(Project.objects.values_list("pk", flat=True))
        assert "Canton d’Upala: La migration comme facilitateur" in page_text(response)

    def test_any_single_word_of_a_title_finds_the_project(self, seed_copy, staff_client):
        for slug in ["upala-inclusive-human-development", "northern-ecuador-human-mobility"]:
            project = Project.objects.get(slug=slug)
            for word in project.title.split():
                found = listed_projects(staff_client.get(CHANGELIST, {"q": word}))
                assert project.pk in found, word

    def test_search_ignores_accents_and_case(self, seed_copy, staff_client):
        slugs = dict(Project.objects.values_list("pk", "slug"))
        for word, expected in [
            ("Equateur", "northern-ecuador-human-mobility"),
            ("equateur", "northern-ecuador-human-mobility"),
            ("Sedhiou", "sedhiou-co-development"),
            ("SÉDHIOU", "sedhiou-co-development"),
            ("entreprenariat", "morazan-youth-entrepreneurship"),
            ("SUMMID", "summid"),
            ("bicol", "bicol-local-governance"),
        ]:
            found = listed_projects(staff_client.get(CHANGELIST, {"q": word}))
            assert {slugs[pk] for pk in found} == {expected}, word

    def test_search_by_partner_name(self, seed_copy, staff_client):
        found = listed_projects(staff_client.get(CHANGELIST, {"q": "Migration & Développement"}))
        by_oxfam = listed_projects(staff_client.get(CHANGELIST, {"q": "oxfam nepal"}))
        by_venice = listed_projects(staff_client.get(CHANGELIST, {"q": "Venise"}))

        slugs = dict(Project.objects.values_list("pk", "slug"))
        assert {slugs[pk] for pk in found} >= {"figuig-palm-grove", "connecting-territories"}
        assert {slugs[pk] for pk in by_oxfam} == {"sril-remittances-livelihoods"}
        assert {slugs[pk] for pk in by_venice} == {"diourbel-migrant-investor-network"}

    def test_search_without_match_lists_nothing(self, seed_copy, staff_client):
        assert listed_projects(staff_client.get(CHANGELIST, {"q": "Tegucigalpa"})) == set()


class TestChangelistFilters:
    def ids(self, **filters):
        return set(Project.objects.filter(**filters).values_list("pk", flat=True))

    def test_filter_by_country(self, seed_copy, staff_client):
        found = listed_projects(staff_client.get(CHANGELIST, {"country__exact": "TN"}))

        assert found == self.ids(country="TN")
        assert len(found) == 2

    def test_filter_by_theme(self, seed_copy, staff_client):
        health = Project.objects.get(slug="health-for-all-tunisia-italy").themes.get(slug="health")
        found = listed_projects(staff_client.get(CHANGELIST, {"themes__id__exact": health.pk}))

        assert found == self.ids(themes=health) == self.ids(slug="health-for-all-tunisia-italy")

    def test_filter_by_phase_and_published(self, seed_copy, staff_client):
        current = Project.objects.get(slug="summid").phase
        hidden = ProjectFactory(published=False, country="BR", phase=current)

        unpublished = listed_projects(staff_client.get(CHANGELIST, {"published__exact": "0"}))
        published = listed_projects(staff_client.get(CHANGELIST, {"published__exact": "1"}))
        in_phase = listed_projects(staff_client.get(CHANGELIST, {"phase__id__exact": current.pk}))

        assert unpublished == {hidden.pk}
        assert len(published) == 16
        assert hidden.pk not in published
        assert in_phase == self.ids(phase=current)
        assert hidden.pk in in_phase

    def test_filter_by_status(self, seed_copy, staff_client):
        done = Project.objects.get(slug="summid")
        done.status = "completed"
        done.save()

        found = listed_projects(staff_client.get(CHANGELIST, {"status__exact": "completed"}))

        assert found == {done.pk}


def change_url(project):
    return f"/admin/projects/project/{project.pk}/change/"


def public_page(client, project):
    response = client.get(f"/fr/projects/{project.slug}/")
    return page_text(response)


class TestEditing:
    @pytest.fixture
    def los_santos(self, seed_copy):
        return Project.objects.get(slug="los-santos-inclusive-development")

    def test_unchanged_form_saves_without_changing_anything(self, staff_client, los_santos):
        before = Project.objects.values().get(pk=los_santos.pk)
        data = form_values(staff_client.get(change_url(los_santos)), "project_form")

        response = staff_client.post(change_url(los_santos), data)

        assert response.status_code == 302, response.context["errors"]
        after = Project.objects.values().get(pk=los_santos.pk)
        assert {k: v for k, v in after.items() if k != "updated"} == {
            k: v for k, v in before.items() if k != "updated"
        }
        assert los_santos.partnerships.count() == 1
        assert set(los_santos.themes.values_list("slug", flat=True)) == {
            "migrants-rights",
            "employment",
            "social-cohesion",
        }

    def test_edited_funding_shows_on_the_public_page(self, client, staff_client, los_santos):
        assert "162\u00a0000\u00a0US$" in public_page(client, los_santos)
        data = form_values(staff_client.get(change_url(los_santos)), "project_form")
        assert data["funding_amount"] == "162000.00"
        data["funding_amount"] = "175500.00"

        response = staff_client.post(change_url(los_santos), data)

        assert response.status_code == 302
        assert response["Location"] == CHANGELIST
        text = public_page(client, los_santos)
        assert "175\u00a0500\u00a0US$" in text
        assert "162\u00a0000" not in text

    def test_invalid_funding_is_refused_with_a_message(self, client, staff_client, los_santos):
        data = form_values(staff_client.get(change_url(los_santos)), "project_form")
        data["funding_amount"] = "-5"
        data["duration_months"] = "121"

        response = staff_client.post(change_url(los_santos), data)

        assert response.status_code == 200
        assert 'class="errornote"' in response.content.decode()
        assert set(response.context["adminform"].form.errors) == {
            "funding_amount",
            "duration_months",
        }
        los_santos.refresh_from_db()
        assert los_santos.funding_amount == Decimal("162000")

    def test_partner_added_through_the_inline_shows_on_the_public_page(
        self, client, staff_client, los_santos
    ):
        newcomer = OrganisationFactory(name="Asociación de Migrantes de Tarrazú", country="CR")
        assert newcomer.name not in public_page(client, los_santos)
        data = form_values(staff_client.get(change_url(los_santos)), "project_form")
        assert data["partnerships-TOTAL_FORMS"] == "2"
        data["partnerships-1-organisation"] = str(newcomer.pk)
        data["partnerships-1-role"] = "partner"
        data["partnerships-1-order"] = "1"

        response = staff_client.post(change_url(los_santos), data)

        assert response.status_code == 302
        text = public_page(client, los_santos)
        assert "Municipalité de Leon Cortes" in text
        assert newcomer.name in text
        assert text.index("Municipalité de Leon Cortes") < text.index(newcomer.name)
        assert f'href="/fr/organisations/{newcomer.slug}/"' in text

    def test_a_second_lead_through_the_inline_is_refused(self, staff_client, los_santos):
        data = form_values(staff_client.get(change_url(los_santos)), "project_form")
        data["partnerships-1-organisation"] = str(OrganisationFactory().pk)
        data["partnerships-1-role"] = "lead"

        response = staff_client.post(change_url(los_santos), data)

        assert response.status_code == 200
        with translation.override("fr"):  # the admin speaks the default language
            message = str(ONE_LEAD.violation_error_message)
        assert message in response.content.decode()
        assert los_santos.partnerships.count() == 1

    def test_the_same_organisation_twice_through_the_inline_is_refused(
        self, staff_client, los_santos
    ):
        data = form_values(staff_client.get(change_url(los_santos)), "project_form")
        data["partnerships-1-organisation"] = data["partnerships-0-organisation"]

        response = staff_client.post(change_url(los_santos), data)

        assert response.status_code == 200
        assert 'class="errornote"' in response.content.decode()
        assert los_santos.partnerships.count() == 1


class TestHistory:
    def test_history_shows_who_changed_what_and_the_partner_added(
        self, seed_copy, staff, staff_client
    ):
        project = Project.objects.get(slug="los-santos-inclusive-development")
        newcomer = OrganisationFactory(name="Fundación Tarrazú")
        data = form_values(staff_client.get(change_url(project)), "project_form")
        data["funding_amount"] = "175500.00"
        data["partnerships-1-organisation"] = str(newcomer.pk)
        versions = project.history.count()

        assert staff_client.post(change_url(project), data).status_code == 302
        response = staff_client.get(f"/admin/projects/project/{project.pk}/history/")

        text = page_text(response)
        table = text[text.index('id="change-history"') :]
        newest = table[: table.index("</tr>", table.index("<tbody>"))]
        assert str(staff) in newest
        assert verbose_name(Project, "funding_amount") in newest
        # In the admin's language (French here): "162000,00 → 175500,00".
        assert re.search(r"162000,00\s*\u00a0→\u00a0\u00a0175500,00", newest), newest
        assert "Fundación Tarrazú" in newest
        assert project.history.count() == versions + 1
        assert project.history.first().history_user == staff

    def test_organisation_history(self, seed_copy, staff, staff_client):
        oxfam = Organisation.objects.get(slug="oxfam-nepal")
        url = f"/admin/projects/organisation/{oxfam.pk}/change/"
        data = form_values(staff_client.get(url), "organisation_form")
        data["website"] = "https://oxfam.org.np/"
        data["verified"] = "on"

        assert staff_client.post(url, data).status_code == 302
        response = staff_client.get(f"/admin/projects/organisation/{oxfam.pk}/history/")

        table = page_text(response)[page_text(response).index('id="change-history"') :]
        assert str(staff) in table
        assert "https://oxfam.org.np/" in table
        no, yes = tr("No"), tr("Yes")
        assert re.search(rf"{no}\s*\u00a0→\u00a0\u00a0{yes}", table), table
        oxfam.refresh_from_db()
        assert oxfam.verified
        # The organisation's projects are still its projects.
        assert list(oxfam.projects.values_list("slug", flat=True)) == [
            "sril-remittances-livelihoods"
        ]


class TestAccess:
    URLS = [
        CHANGELIST,
        "/admin/projects/organisation/",
        "/admin/",
    ]

    @pytest.mark.parametrize("url", URLS)
    def test_anonymous_visitors_are_sent_to_log_in(self, client, url):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")

    @pytest.mark.parametrize("url", URLS)
    def test_members_who_are_not_staff_are_refused(self, member_client, url):
        response = member_client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")

    def test_a_member_cannot_change_a_project(self, member_client):
        project = ProjectFactory(funding_amount=Decimal("100"))

        response = member_client.post(
            change_url(project), {"title": "Pirated", "funding_amount": "1"}
        )

        assert response.status_code == 302
        project.refresh_from_db()
        assert (project.title, project.funding_amount) != ("Pirated", Decimal("1"))

    def test_staff_reach_the_admin(self, staff_client):
        assert staff_client.get(CHANGELIST).status_code == 200


class TestAutocomplete:
    URL = "/admin/autocomplete/"
    PARAMS = {"app_label": "projects", "model_name": "partnership", "field_name": "organisation"}

    def test_finds_organisations_by_part_of_their_name(self, seed_copy, staff_client):
        response = staff_client.get(self.URL, {**self.PARAMS, "term": "oxf"})

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        oxfam = Organisation.objects.get(slug="oxfam-nepal")
        assert response.json()["results"] == [{"id": str(oxfam.pk), "text": "Oxfam Népal"}]

    def test_ignores_accents(self, seed_copy, staff_client):
        response = staff_client.get(self.URL, {**self.PARAMS, "term": "sedhiou"})

        texts = [row["text"] for row in response.json()["results"]]
        assert texts == ["Agence régionale pour le développement de Sédhiou"]

    def test_many_matches(self, seed_copy, staff_client):
        response = staff_client.get(self.URL, {**self.PARAMS, "term": "agence"})

        texts = {row["text"] for row in response.json()["results"]}
        assert len(texts) == 4
        assert all("Agence" in text for text in texts)

    def test_refused_to_anonymous_and_members(self, client, member):
        params = {**self.PARAMS, "term": "oxf"}
        OrganisationFactory(name="Oxfam Intermón")

        anonymous = client.get(self.URL, params)
        client.force_login(member)
        as_member = client.get(self.URL, params)

        for response in (anonymous, as_member):
            assert response.status_code in {302, 403}
            assert "Oxfam" not in response.content.decode()


class TestDatabaseRulesInTheAdmin:
    """Every rule the database keeps, broken from the admin, is a message on the form
    in words, never a server error or a constraint's name; nothing is saved."""

    CONSTRAINT_NAMES = re.compile(r"partnership_\w+|project_\w+_\w+|phase_ends|iati_ref_unique")

    @pytest.fixture
    def organisations(self, db):
        return OrganisationFactory.create_batch(3)

    def refused(self, response, message):
        """The form came back with ``message`` (in the admin's language) and no
        constraint name."""
        assert response.status_code == 200
        page = page_text(response)
        assert 'class="errornote"' in page
        with translation.override("fr"):
            assert str(message) in page
        assert not self.CONSTRAINT_NAMES.search(page)

    def roles(self, project):
        return list(project.partnerships.values_list("organisation__slug", "role"))

    def test_a_new_project_with_two_leads_is_refused(self, staff_client, organisations):
        phase = ProjectFactory().phase
        url = "/admin/projects/project/add/"
        data = form_values(staff_client.get(url), "project_form")
        data.update(
            {
                "title_fr": "Deux chefs de file",
                "slug": "deux-chefs",
                "country": "SN",
                "objective_fr": "Essayer.",
                "phase": str(phase.pk),
                "duration_months": "12",
                "funding_amount": "1000",
                "partnerships-TOTAL_FORMS": "2",
            }
        )
        for row, organisation in enumerate(organisations[:2]):
            data[f"partnerships-{row}-organisation"] = str(organisation.pk)
            data[f"partnerships-{row}-role"] = "lead"
            data[f"partnerships-{row}-order"] = str(row)

        response = staff_client.post(url, data)

        self.refused(response, ONE_LEAD.violation_error_message)
        assert not Project.objects.filter(slug="deux-chefs").exists()
        assert not Partnership.objects.filter(organisation__in=organisations).exists()

    def test_two_partners_made_leads_in_one_save_are_refused(self, staff_client, organisations):
        project = ProjectFactory(partners=organisations[:2])
        Partnership.objects.filter(project=project).update(role="partner")
        before = self.roles(project)
        data = form_values(staff_client.get(change_url(project)), "project_form")
        data["partnerships-0-role"] = data["partnerships-1-role"] = "lead"

        response = staff_client.post(change_url(project), data)

        self.refused(response, ONE_LEAD.violation_error_message)
        assert self.roles(project) == before

    @pytest.mark.parametrize("lead_row", [0, 1])
    def test_the_lead_changes_hands_in_one_save(self, staff_client, organisations, lead_row):
        """The lead gives up its role and a partner takes it, in one save, whichever row
        comes first on the page."""
        first, second = organisations[:2]
        project = ProjectFactory(partners=[first, second])
        # The page lists partners by their order: put the lead on row ``lead_row``.
        project.partnerships.filter(organisation=first).update(order=lead_row)
        project.partnerships.filter(organisation=second).update(order=1 - lead_row)
        data = form_values(staff_client.get(change_url(project)), "project_form")
        assert data[f"partnerships-{lead_row}-role"] == "lead"
        data[f"partnerships-{lead_row}-role"] = "partner"
        data[f"partnerships-{1 - lead_row}-role"] = "lead"

        response = staff_client.post(change_url(project), data)

        assert response.status_code == 302
        assert dict(self.roles(project)) == {first.slug: "partner", second.slug: "lead"}

    def test_the_lead_removed_and_another_added_in_one_save(self, staff_client, organisations):
        old, newcomer = organisations[:2]
        project = ProjectFactory(partners=[old])
        data = form_values(staff_client.get(change_url(project)), "project_form")
        data["partnerships-0-DELETE"] = "on"
        data["partnerships-1-organisation"] = str(newcomer.pk)
        data["partnerships-1-role"] = "lead"

        response = staff_client.post(change_url(project), data)

        assert response.status_code == 302
        assert self.roles(project) == [(newcomer.slug, "lead")]

    def test_a_partner_made_lead_while_the_lead_is_removed_above_it(
        self, staff_client, organisations
    ):
        lead, partner = organisations[:2]
        project = ProjectFactory(partners=[lead, partner])
        project.partnerships.filter(organisation=partner).update(order=0)
        project.partnerships.filter(organisation=lead).update(order=1)
        data = form_values(staff_client.get(change_url(project)), "project_form")
        assert data["partnerships-0-organisation"] == str(partner.pk)
        data["partnerships-0-role"] = "lead"
        data["partnerships-1-DELETE"] = "on"

        response = staff_client.post(change_url(project), data)

        assert response.status_code == 302
        assert self.roles(project) == [(partner.slug, "lead")]
        assert Organisation.objects.filter(pk=lead.pk).exists()

    def test_a_second_lead_from_the_organisation_page_is_refused(self, staff_client, organisations):
        lead, partner, other = organisations
        project = ProjectFactory(partners=[lead, partner])
        second = ProjectFactory(partners=[other])
        url = f"/admin/projects/organisation/{partner.pk}/change/"
        data = form_values(staff_client.get(url), "organisation_form")
        data["partnerships-0-role"] = "lead"  # of ``project``, which has one
        data["partnerships-TOTAL_FORMS"] = "2"
        data["partnerships-1-project"] = str(second.pk)  # and of ``second``, which has one
        data["partnerships-1-role"] = "lead"
        data["partnerships-1-order"] = "1"

        response = staff_client.post(url, data)

        self.refused(response, ONE_LEAD.violation_error_message)
        assert self.roles(project) == [(lead.slug, "lead"), (partner.slug, "partner")]
        assert self.roles(second) == [(other.slug, "lead")]

    def test_a_currency_not_in_capitals_is_refused_on_its_field(self, staff_client):
        project = ProjectFactory()
        data = form_values(staff_client.get(change_url(project)), "project_form")
        data["funding_currency"] = "usd"

        response = staff_client.post(change_url(project), data)

        self.refused(response, CURRENCY_CODE)
        assert list(response.context["adminform"].form.errors) == ["funding_currency"]
        project.refresh_from_db()
        assert project.funding_currency == "USD"

    def test_a_project_ending_before_it_starts_is_refused(self, staff_client):
        project = ProjectFactory()
        data = form_values(staff_client.get(change_url(project)), "project_form")
        data["start_date"], data["end_date"] = "2014-01-01", "2013-06-30"

        response = staff_client.post(change_url(project), data)

        self.refused(response, ENDS_BEFORE_START)
        project.refresh_from_db()
        assert (project.start_date, project.end_date) == (None, None)

    def test_a_phase_ending_before_it_starts_is_refused(self, staff_client):
        phase = ProjectFactory().phase
        url = f"/admin/projects/phase/{phase.pk}/change/"
        data = form_values(staff_client.get(url), "phase_form")
        data["end_date"] = "2012-01-01"

        response = staff_client.post(url, data)

        self.refused(response, ENDS_BEFORE_START)
        phase.refresh_from_db()
        assert phase.end_date is None

    def test_an_iati_identifier_another_organisation_has_is_refused(self, staff_client):
        OrganisationFactory(iati_ref="XM-DAC-41114")
        organisation = OrganisationFactory()
        url = f"/admin/projects/organisation/{organisation.pk}/change/"
        data = form_values(staff_client.get(url), "organisation_form")
        data["iati_ref"] = "XM-DAC-41114"

        response = staff_client.post(url, data)

        iati_unique = next(
            c for c in Organisation._meta.constraints if c.name == "organisation_iati_ref_unique"
        )
        self.refused(response, iati_unique.violation_error_message)
        organisation.refresh_from_db()
        assert organisation.iati_ref == ""
