"""A country's, an organisation's and a project's page list a bounded number of projects,
organisations and members, however many there are: the first ones, pages of the others, and
links to the lists that hold them all."""

from urllib.parse import parse_qs, urlsplit

import pytest

from network.models import Membership, MembershipRole, MembershipStatus, Visibility
from projects.models import Organisation, Partnership, PartnershipRole, Project
from tests.factories import MemberFactory, OrganisationFactory, PhaseFactory, ProjectFactory, verify
from tests.html import find, find_all, parse, text, tr

NBSP = "\u00a0"


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def card_titles(response) -> list[str]:
    return [text(find(card, "h3")) for card in find_all(parse(response), "article", "project-card")]


@pytest.fixture
def senegal(db):
    """Twenty-five projects in Senegal, all led by Kolda, each with a partner of its own; and
    fifteen more organisations based in Senegal."""
    phase = PhaseFactory()
    kolda = OrganisationFactory(name="Diaspora de Kolda", slug="kolda", country="SN")
    projects = Project.objects.bulk_create(
        ProjectFactory.build(
            title=f"Projet {number:02d}", slug=f"projet-{number:02d}", country="SN", phase=phase
        )
        for number in range(1, 26)
    )
    partners = Organisation.objects.bulk_create(
        OrganisationFactory.build(name=f"Partenaire {number:02d}", country="SN")
        for number in range(1, 26)
    )
    Partnership.objects.bulk_create(
        partnership
        for project, partner in zip(projects, partners, strict=True)
        for partnership in (
            Partnership(project=project, organisation=kolda, role=PartnershipRole.LEAD),
            Partnership(project=project, organisation=partner, order=1),
        )
    )
    Organisation.objects.bulk_create(
        OrganisationFactory.build(name=f"Sans projet {number:02d}", country="SN", verified=True)
        for number in range(1, 16)
    )
    return kolda


def test_the_country_page_shows_its_projects_a_page_at_a_time(client, senegal, settings):
    settings.PROJECTS_PER_PAGE = 10

    first = client.get("/fr/countries/sn/")

    assert card_titles(first) == [f"Projet {number:02d}" for number in range(1, 11)]
    assert "25" in text(find(parse(first), "p", "totals"))
    following = find(parse(first), "a", rel="next").attrs["href"]
    last = client.get("/fr/countries/sn/" + following.replace("page=2", "page=3"))
    assert card_titles(last) == [f"Projet {number:02d}" for number in range(21, 26)]

    past = client.get("/fr/countries/sn/?page=9")
    assert card_titles(past) == card_titles(last)
    assert find_all(parse(past), "p", "notice")


def test_the_country_page_shows_the_organisations_with_most_projects(client, senegal):
    page = parse(client.get("/fr/countries/sn/"))

    based_here = find_all(find(page, "ul", "based-here"), "li")
    assert len(based_here) == 12
    assert text(based_here[0]).startswith("Diaspora de Kolda")
    more = find(find(page, "p", "more"), "a")
    assert "41" in text(more)  # Kolda, 25 partners and 15 more
    assert more.attrs["href"] == "/fr/network/organisations/?country=SN"


def test_the_project_page_shows_six_others_of_its_country_and_links_to_all(client, senegal):
    page = parse(client.get("/fr/projects/projet-01/"))

    others = [text(item) for item in find_all(find(page, "ul", "same-country"), "li")]
    assert others == [f"Projet {number:02d}" for number in range(2, 8)]
    link = find(find(page, "p", "more"), "a")
    assert link.attrs["href"] == "/fr/projects/?country=SN"
    assert "25" in text(link)


def test_the_project_page_of_a_country_with_few_projects_has_no_such_link(client, db):
    ProjectFactory(slug="seul", country="TG")

    page = parse(client.get("/fr/projects/seul/"))

    assert text(find(page, "ul", "same-country")) == tr("No other project in this country.")
    assert not find_all(page, "p", "more")


def test_the_organisation_page_shows_its_projects_a_page_at_a_time(client, senegal):
    first = parse(client.get("/fr/organisations/kolda/"))

    listed = [text(find(li, "a")) for li in find_all(find(first, "ul", "partners"), "li")]
    assert listed == [f"Projet {number:02d}" for number in range(1, 21)]
    assert "25" in text(find(first, "p", "totals"))
    following = find(first, "a", rel="next").attrs["href"]
    assert query(following) == {"page": ["2"]}

    second = parse(client.get("/fr/organisations/kolda/" + following))
    listed = [text(find(li, "a")) for li in find_all(find(second, "ul", "partners"), "li")]
    assert listed == [f"Projet {number:02d}" for number in range(21, 26)]


def test_the_organisation_page_shows_its_first_partners_and_links_to_all(client, senegal):
    page = parse(client.get("/fr/organisations/kolda/"))

    partners = find_all(find(page, "ul", "shared-partners"), "li")
    assert len(partners) == 12
    more = [a for a in find_all(page, "a") if "facet=partner" in a.attrs.get("href", "")]
    assert more and "25" in text(more[0])
    assert query(more[0].attrs["href"]) == {"partner": ["kolda"], "facet": ["partner"]}


def test_the_organisation_page_shows_its_first_members_and_links_to_all(client, senegal):
    for number in range(30):
        member = verify(MemberFactory(name=f"Membre {number:02d}", visibility=Visibility.EVERYONE))
        Membership.objects.create(
            member=member,
            organisation=senegal,
            role=MembershipRole.MEMBER,
            status=MembershipStatus.APPROVED,
        )

    page = parse(client.get("/fr/organisations/kolda/"))

    assert len(find_all(find(page, "ul", "members"), "li")) == 24
    link = [a for a in find_all(page, "a") if "organisation=kolda" in a.attrs.get("href", "")]
    assert link and "30" in text(link[0])
