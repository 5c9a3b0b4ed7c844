"""The admin's history of a project or an organisation reads in the staff member's language:
headings, the kind of change, why it was made, and the values before and after as people
write them (no "None", no "False → True", no choice keys or country codes).

Interface strings are compared with what gettext gives in the page's language, so the tests
hold whether or not a string is translated yet."""

import re
from decimal import Decimal

import pytest
from django.utils import formats, translation
from django.utils.text import capfirst, get_text_list

from projects.models import Organisation, OrganisationKind, Project, ProjectStatus
from tests.factories import OrganisationFactory, ProjectFactory, ThemeFactory
from tests.forms import form_values
from tests.html import Node, find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

ARROW = "\u00a0→\u00a0\u00a0"


def history_table(response) -> tuple[list[str], list[Node]]:
    """The headings of the history table and its rows, newest first."""
    assert response.status_code == 200
    table = find(parse(response), "table", id="change-history")
    headings = [text(th) for th in find_all(find(table, "thead"), "th")]
    return headings, find_all(find(table, "tbody"), "tr")


def cells(row: Node) -> list[str]:
    return [text(td) for td in find_all(row, "td")]


def changes(row: Node) -> dict[str, str]:
    """{field label: "old → new"} of a version."""
    found = {}
    for item in find_all(row, "li"):
        label, _colon, values = text(item).partition(":")
        found[label.strip()] = values.strip()
    return found


def label(model, field, language) -> str:
    with translation.override(language):
        return capfirst(model._meta.get_field(field).verbose_name)


@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_history_headings_and_kinds_of_change_are_in_the_admin_language(staff_client, language):
    organisation = OrganisationFactory(name="Fondation Sahel", website="")
    url = f"/admin/projects/organisation/{organisation.pk}/change/"
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    data = form_values(staff_client.get(url, **headers), "organisation_form")
    data["website"] = "https://sahel.example.org/"

    assert staff_client.post(url, data, **headers).status_code == 302
    response = staff_client.get(
        f"/admin/projects/organisation/{organisation.pk}/history/", **headers
    )

    headings, rows = history_table(response)
    with translation.override(language):
        assert headings == [
            tr("Version", language),
            tr("Date/time", language),
            tr("Action", language),
            tr("Changed by", language),
            tr("Reason for the change", language),
            tr("What changed", language),
        ]
        changed = translation.pgettext("history", "Changed")
        created = translation.pgettext("history", "Created")
    newest, first = cells(rows[0]), cells(rows[-1])
    assert newest[2] == changed
    assert first[2] == created
    # The factory's version was made by nobody: a dash, not "None".
    assert first[3] == "—"
    assert "None" not in text(find(parse(response), "table", id="change-history"))
    # The empty website was "nothing" before.
    assert changes(rows[0])[label(Organisation, "website", language)] == (
        f"—{ARROW}https://sahel.example.org/"
    )


def test_a_ticked_box_reads_no_to_yes_in_french(staff_client):
    """A partner of a project (listed) may be marked verified here; the change reads
    "Non → Oui", not "False → True"."""
    partner = OrganisationFactory(name="Mairie de Kolda")
    ProjectFactory(partners=[partner])
    url = f"/admin/projects/organisation/{partner.pk}/change/"
    data = form_values(staff_client.get(url), "organisation_form")
    data["verified"] = "on"
    data["kind"] = OrganisationKind.LOCAL_AUTHORITY
    data["country"] = "ML"

    assert staff_client.post(url, data).status_code == 302
    _headings, rows = history_table(
        staff_client.get(f"/admin/projects/organisation/{partner.pk}/history/")
    )

    found = changes(rows[0])
    with translation.override("fr"):
        yes, no = translation.gettext("Yes"), translation.gettext("No")
        kinds = dict(OrganisationKind.choices)
        civil, local = str(kinds["civil_society"]), str(kinds["local_authority"])
    assert found[label(Organisation, "verified", "fr")] == f"{no}{ARROW}{yes}"
    assert found[label(Organisation, "kind", "fr")] == f"{civil}{ARROW}{local}"
    assert found[label(Organisation, "country", "fr")] == f"Sénégal{ARROW}Mali"
    table = text(find(parse(staff_client.get(url.replace("change", "history"))), "table"))
    assert not re.search(r"\b(True|False|None)\b", table)


def test_amounts_dates_and_choices_are_written_as_in_the_admin_language(staff_client):
    project = ProjectFactory(
        funding_amount=Decimal("162000.00"), status=ProjectStatus.ONGOING, start_date=None
    )
    url = f"/admin/projects/project/{project.pk}/change/"
    headers = {"HTTP_ACCEPT_LANGUAGE": "es"}
    data = form_values(staff_client.get(url, **headers), "project_form")
    data["funding_amount"] = "175500.00"
    data["status"] = ProjectStatus.COMPLETED
    data["start_date"] = "2014-03-01"

    response = staff_client.post(url, data, **headers)
    assert response.status_code == 302, response.content.decode()[:3000]
    _headings, rows = history_table(
        staff_client.get(f"/admin/projects/project/{project.pk}/history/", **headers)
    )

    found = changes(rows[0])
    with translation.override("es"):
        old_amount = formats.localize(Decimal("162000.00"))
        new_amount = formats.localize(Decimal("175500.00"))
        start = formats.localize(Project.objects.get(pk=project.pk).start_date)
        statuses = dict(ProjectStatus.choices)
        ongoing, completed = str(statuses["ongoing"]), str(statuses["completed"])
    assert found[label(Project, "funding_amount", "es")] == f"{old_amount}{ARROW}{new_amount}"
    assert found[label(Project, "status", "es")] == f"{ongoing}{ARROW}{completed}"
    assert found[label(Project, "start_date", "es")] == f"—{ARROW}{start}"


def test_the_reason_of_an_admin_change_is_written_in_the_readers_language(staff_client):
    """Staff who edit in English leave a reason a French colleague reads in French."""
    project = ProjectFactory()
    url = f"/admin/projects/project/{project.pk}/change/"
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    data = form_values(staff_client.get(url, **english), "project_form")
    data["duration_months"] = "30"
    data["title_es"] = "Un título nuevo"
    assert staff_client.post(url, data, **english).status_code == 302

    _headings, rows = history_table(
        staff_client.get(f"/admin/projects/project/{project.pk}/history/")
    )

    reason = cells(rows[0])[4]
    with translation.override("fr"):
        fields = [
            str(capfirst(Project._meta.get_field(name).verbose_name))
            for name in ("title_es", "duration_months")
        ]
        expected = translation.gettext("Changed {fields}.").format(
            fields=get_text_list(fields, translation.gettext("and"))
        )
    assert reason == expected


def test_themes_read_by_their_names_and_an_earlier_version_opens(staff_client):
    health = ThemeFactory(name="Santé", slug="health")
    jobs = ThemeFactory(name="Emploi", slug="employment")
    project = ProjectFactory(themes=[health])
    url = f"/admin/projects/project/{project.pk}/change/"
    data = form_values(staff_client.get(url), "project_form")
    data["themes"] = [str(health.pk), str(jobs.pk)]
    assert staff_client.post(url, data).status_code == 302

    history = staff_client.get(f"/admin/projects/project/{project.pk}/history/")
    _headings, rows = history_table(history)

    themes = changes(rows[0])[label(Project, "themes", "fr")]
    assert themes == f"Santé{ARROW}Santé, Emploi" or themes == f"Santé{ARROW}Emploi, Santé"
    assert text(find(parse(history), "h1")) == tr("History of “%(object)s”") % {
        "object": project.title
    }
    # An earlier version: its page, in the admin's language.
    earlier = find(rows[-1], "a").attrs["href"]
    version = staff_client.get(earlier)
    assert version.status_code == 200
    page = parse(version)
    assert text(find(page, "h1")) == tr("Go back to an earlier version of “%(object)s”") % {
        "object": project.title
    }
    buttons = [node.attrs.get("value") for node in find_all(page, "input", type="submit")]
    assert tr("Go back to this version") in buttons
