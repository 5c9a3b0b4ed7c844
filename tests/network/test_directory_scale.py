"""M4D Net's directories at two sizes, many countries and organisations: each page runs the
same number of queries at both (ten at most), and holds no list of options that grows with
the rows (organisations and countries are facets: the most frequent, then a page of their
own)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from network.models import Member, Membership, MembershipRole, MembershipStatus, Visibility
from projects.models import Organisation
from tests.factories import MemberFactory, OrganisationFactory, ThemeFactory, verify
from tests.html import find, find_all, parse, text

MAX_QUERIES = 10
COUNTRIES = ["SN", "MA", "TN", "NP", "PH", "EC", "SV", "CR", "ML", "GH", "MX", "GT", "BJ", "TG"]
SMALL, LARGE = 30, 330


@pytest.fixture
def themes(db):
    return ThemeFactory.create_batch(4)


def grow(themes, count: int) -> None:
    """``count`` more public members over fourteen countries, each the approved member of an
    organisation of their own (verified, so listed) and with an area of expertise."""
    start = Member.objects.count()
    members = Member.objects.bulk_create(
        MemberFactory.build(
            email=f"person{number}@example.org",
            name=f"Personne {number:04d}",
            slug=f"personne-{number}",
            country=COUNTRIES[number % len(COUNTRIES)],
            visibility=Visibility.EVERYONE,
        )
        for number in range(start, start + count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=member, email=member.email, verified=True, primary=True)
        for member in members
    )
    organisations = Organisation.objects.bulk_create(
        OrganisationFactory.build(country=COUNTRIES[number % len(COUNTRIES)], verified=True)
        for number in range(count)
    )
    Membership.objects.bulk_create(
        Membership(
            member=member,
            organisation=organisation,
            role=MembershipRole.MEMBER,
            status=MembershipStatus.APPROVED,
        )
        for member, organisation in zip(members, organisations, strict=True)
    )
    Expertise = Member.expertise.through
    Expertise.objects.bulk_create(
        Expertise(member=member, theme=themes[number % 4]) for number, member in enumerate(members)
    )
    tables = [Member, EmailAddress, Organisation, Membership, Expertise]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


PAGES = {
    "members": lambda themes: "/fr/network/members/",
    "members, page 2": lambda themes: "/fr/network/members/?page=2",
    "members by country and area": lambda themes: (
        f"/fr/network/members/?country=sn&expertise={themes[0].slug}&q=personne"
    ),
    "members of an organisation": lambda themes: (
        f"/fr/network/members/?organisation={Organisation.objects.order_by('pk').first().slug}"
    ),
    "organisations facet": lambda themes: "/fr/network/members/?facet=organisation&facet_q=org",
    "organisations": lambda themes: "/fr/network/organisations/",
    "organisations by country and kind": lambda themes: (
        "/fr/network/organisations/?country=SN&kind=civil_society&verified=on"
    ),
    "countries facet": lambda themes: "/fr/network/organisations/?facet=country",
}


def get(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def options(html: str) -> int:
    return len(re.findall(r"<option\b", html))


@pytest.mark.parametrize("actor", ["anonymous", "verified member"])
@pytest.mark.parametrize("page", PAGES)
def test_queries_are_few_and_the_page_bounded(client, themes, page, actor):
    if actor != "anonymous":
        client.force_login(verify(MemberFactory(visibility=Visibility.MEMBERS)))
    grow(themes, SMALL)
    url = PAGES[page](themes)
    few, small = get(client, url)

    grow(themes, LARGE - SMALL)
    many, large = get(client, url)

    assert many == few, f"{page}: {few} queries with {SMALL} members, {many} with {LARGE}"
    if actor == "anonymous":
        assert few <= MAX_QUERIES, f"{page}: {few} queries"
    assert options(large) == options(small), "a select grows with the rows"
    assert len(large.encode()) < 60 * 1024


def test_the_organisations_facet_shows_the_first_ten_and_links_to_the_others(client, themes):
    grow(themes, LARGE)

    page = parse(client.get("/fr/network/members/"))

    box = find(page, "div", "facet", aria_labelledby="facet-organisation")
    assert len(find_all(box, "li")) == 10
    more = find(find(box, "p", "facet-more"), "a")
    assert str(LARGE) in text(more)
    assert more.attrs["href"] == "?facet=organisation"
