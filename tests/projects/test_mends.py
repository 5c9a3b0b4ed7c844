"""What a walk through the catalogue found, mended: the JSON download opens the API with the
list's filters; a country page with partners but no project says so and links nothing
broken; choosing a phase whose projects are not in the catalogue explains the empty list;
staff verify a member's proposal in the queue only; the English pages call the initiative
JMDI, the French and Spanish ones ICMD.

Interface strings are compared with what gettext gives for the page's language, so the tests
hold whether or not a string is translated yet; data is compared literally."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import translation

from network import services
from projects.models import Organisation, OrganisationKind, Phase
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr, tr_count

pytestmark = pytest.mark.django_db


def links(node) -> dict[str, str]:
    return {text(a): a.attrs["href"] for a in find_all(node, "a")}


def notices(response) -> list[str]:
    return [text(p) for p in find_all(parse(response), "p", "notice")]


def active_filters(response) -> dict[str, str]:
    """{label: value} of the filters the list shows as in use."""
    found = {}
    for box in find_all(parse(response), "ul", "active-filters"):
        for item in find_all(box, "li"):
            found[text(item).split(":")[0]] = text(find(item, "strong"))
    return found


def titles(response) -> list[str]:
    return [
        text(find(find(card, "h3"), "a"))
        for card in find_all(parse(response), "article", "project-card")
    ]


# --- The JSON download of the list ----------------------------------------------------------


def test_the_json_link_opens_the_api_with_the_lists_filters(client, seed_copy):
    response = client.get("/en/projects/", {"country": "SN", "sort": "-funding", "page": "1"})

    downloads = links(find(parse(response), "p", "downloads"))
    json_link = downloads["JSON API"]
    assert urlsplit(json_link).path == "/api/v1/projects/"
    # The same query as the CSV link (page aside), in the page's language.
    assert parse_qs(urlsplit(json_link).query) == {
        **parse_qs(urlsplit(downloads["CSV (spreadsheet)"]).query),
        "lang": ["en"],
    }
    assert parse_qs(urlsplit(json_link).query) == {
        "country": ["SN"],
        "sort": ["-funding"],
        "lang": ["en"],
    }
    # The documentation keeps a link of its own.
    assert downloads["API documentation"] == "/en/open-data/api/"

    api = client.get(json_link, HTTP_ACCEPT="application/json")
    assert api.status_code == 200
    listed = api.json()
    assert listed["count"] == len(titles(response)) > 0
    assert {project["country"]["code"] for project in listed["results"]} == {"SN"}
    assert [project["title"] for project in listed["results"]] == titles(response)


def test_without_filters_the_json_link_is_the_whole_api_list(client, seed_copy):
    response = client.get("/fr/projects/")

    json_link = links(find(parse(response), "p", "downloads"))[tr("JSON API")]
    assert urlsplit(json_link).path == "/api/v1/projects/"
    assert parse_qs(urlsplit(json_link).query) == {"lang": ["fr"]}
    assert client.get(json_link).json()["count"] == 16


# --- Country pages ----------------------------------------------------------------------------


def test_a_country_with_partners_but_no_project_says_so_without_totals(client, seed_copy):
    """Italy: COSPE and a committee of Venice are partners of projects elsewhere."""
    response = client.get("/fr/countries/it/")

    assert response.status_code == 200
    page = parse(response)
    main = find(page, "main")
    assert text(find(main, "h1")) == "Italie"
    assert tr("No funded project in this country yet.") in text(main)
    assert tr("total funding") not in text(main)
    assert not find_all(main, "p", "totals")
    # No link to a catalogue that could not be filtered by a country without projects.
    assert tr("Filter the catalogue by this country") not in links(main)
    organisations = {text(a) for a in find_all(find(main, "ul"), "a")}
    assert "COSPE" in " ".join(organisations)


def test_the_filter_link_of_a_country_page_lists_that_countrys_projects(client, seed_copy):
    response = client.get("/fr/countries/sn/")

    link = links(find(parse(response), "p", "totals"))[tr("Filter the catalogue by this country")]
    filtered = client.get(link)

    assert filtered.status_code == 200
    with translation.override("fr"):
        country_label = tr("Country")
    assert active_filters(filtered) == {country_label: "Sénégal"}
    assert notices(filtered) == []  # nothing ignored
    assert sorted(titles(filtered)) == sorted(
        text(find(find(card, "h3"), "a"))
        for card in find_all(parse(response), "article", "project-card")
    )


def test_a_members_proposal_is_not_shown_on_a_country_page(client, db):
    """A proposal waiting for staff is nobody's to show: not even a page for its country."""
    services.propose_organisation(
        member=verify(MemberFactory()),
        new=services.NewOrganisation(
            name="Diaspora togolaise", kind=OrganisationKind.DIASPORA, country="TG"
        ),
    )

    assert client.get("/fr/countries/tg/").status_code == 404
    # Listed once it is a partner of a project (here in another country).
    ProjectFactory(country="SN", partners=[Organisation.objects.get()])
    response = client.get("/fr/countries/tg/")
    assert response.status_code == 200
    assert "Diaspora togolaise" in text(find(parse(response), "main"))


# --- The phase filter -------------------------------------------------------------------------


def test_a_phase_whose_projects_are_not_in_the_catalogue_is_explained(client, seed_copy):
    earlier = Phase.objects.get(slug="2008-2012")
    with translation.override("fr"):
        earlier_name = str(earlier)

    page = parse(client.get("/fr/projects/"))
    options = {
        option.attrs["value"]: text(option)
        for option in find_all(find(page, "select", name="phase"), "option")
    }
    assert options["2008-2012"] == tr("%(phase)s (not in the catalogue yet)") % {
        "phase": earlier_name
    }
    current = Phase.objects.get(slug="2012-local")
    with translation.override("fr"):
        assert options["2012-local"] == str(current)

    response = client.get("/fr/projects/", {"phase": "2008-2012"})

    assert response.status_code == 200
    assert titles(response) == []
    explained = notices(response)
    assert explained, "the empty list says why"
    assert explained[0].startswith(
        tr("No project of “%(phase)s” is in the catalogue yet.") % {"phase": earlier_name}
    )
    assert tr_count("%(counter)s project", "%(counter)s projects", 51) in explained[0]
    assert tr_count("%(counter)s country", "%(counter)s countries", 16) in explained[0]


def test_a_phase_with_projects_has_no_such_note(client, seed_copy):
    response = client.get("/fr/projects/", {"phase": "2012-local"})

    assert titles(response)
    assert notices(response) == []


# --- Verifying organisations: through the queue only -----------------------------------------


def proposal() -> Organisation:
    membership = services.propose_organisation(
        member=verify(MemberFactory()),
        new=services.NewOrganisation(
            name="Association des Maliens de Montreuil",
            kind=OrganisationKind.DIASPORA,
            country="FR",
        ),
    )
    return membership.organisation


def test_staff_cannot_tick_verified_on_a_members_proposal(staff_client):
    organisation = proposal()
    url = f"/admin/projects/organisation/{organisation.pk}/change/"

    page = staff_client.get(url)

    assert page.status_code == 200
    form = find(parse(page), "form", id="organisation_form")
    assert not find_all(form, "input", name="verified")
    verification = text(find(form, "div", "field-verification"))
    assert "Organisations to verify" in verification or tr("Open its requests") in verification
    queue = find(find(form, "div", "field-verification"), "a").attrs["href"]
    assert queue.startswith("/admin/network/representativeclaim/")
    # Posting the box all the same changes nothing.
    data = form_values(page, "organisation_form")
    data["verified"] = "on"
    data["description_fr"] = "Une description revue par l’équipe."
    assert staff_client.post(url, data).status_code == 302
    organisation.refresh_from_db()
    assert not organisation.verified
    assert organisation.description == "Une description revue par l’équipe."
    assert not Organisation.objects.listed().filter(pk=organisation.pk).exists()
    assert staff_client.get(queue).status_code == 200


def test_staff_still_verify_a_partner_of_the_catalogue_and_their_own(staff_client):
    partner = OrganisationFactory(name="Mairie de Kolda")
    ProjectFactory(partners=[partner])
    url = f"/admin/projects/organisation/{partner.pk}/change/"
    data = form_values(staff_client.get(url), "organisation_form")
    data["verified"] = "on"

    assert staff_client.post(url, data).status_code == 302
    partner.refresh_from_db()
    assert partner.verified
    # One they add themselves is verified unless they untick it.
    add = form_values(staff_client.get("/admin/projects/organisation/add/"), "organisation_form")
    assert add.get("verified") == "on"


# --- The initiative's name in each language ---------------------------------------------------


@pytest.mark.parametrize(("language", "name"), [("en", "JMDI"), ("fr", "ICMD"), ("es", "ICMD")])
def test_a_project_page_names_the_funder_in_the_page_language(client, seed_copy, language, name):
    response = client.get(f"/{language}/projects/upala-inclusive-human-development/")

    facts = text(find(parse(response), "dl", "facts"))
    assert tr("JMDI funding", language) in facts
    if language == "en":
        assert "JMDI funding" in facts and "ICMD" not in facts


@pytest.mark.parametrize(
    "path",
    [
        "/en/projects/upala-inclusive-human-development/",
        "/en/accounts/signup/",
        "/en/network/organisations/",
        "/en/blog/feed/rss/",
        "/en/news/feed/atom/",
    ],
)
def test_english_pages_do_not_call_the_initiative_icmd(client, seed_copy, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "ICMD" not in response.content.decode()


def test_the_english_admin_is_the_jmdi_portals(staff_client):
    response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")

    page = parse(response)
    assert "JMDI portal administration" in text(find(page, "header"))
    assert text(find(page, "title")).endswith("JMDI portal")
    assert "ICMD" not in response.content.decode()
