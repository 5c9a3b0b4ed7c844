"""The members and organisations directories of M4D Net: who sees whom, search, filters,
pages, bad input, escaping, and a number of queries that does not grow with the rows.

Interface strings are compared with what gettext gives for the page's language, so the
tests hold whether or not a string is translated yet; data is compared literally.
"""

import secrets
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from network.models import Member, Membership, MembershipRole, MembershipStatus, Visibility
from projects.models import Organisation, OrganisationKind, Partnership, Project
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    PhaseFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
    verify,
)
from tests.html import find, find_all, parse, text, tr, tr_count

MEMBERS = "/fr/network/members/"
ORGANISATIONS = "/fr/network/organisations/"
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Far above what either directory needs, far below one query per row.
MAX_QUERIES = 14


# --- data ----------------------------------------------------------------------------------


def person(name: str, visibility=Visibility.EVERYONE, verified: bool = True, **fields) -> Member:
    member = MemberFactory(name=name, visibility=visibility, **fields)
    return verify(member) if verified else member


def join(member, organisation, status=MembershipStatus.APPROVED, role=MembershipRole.MEMBER):
    return Membership.objects.create(
        member=member, organisation=organisation, status=status, role=role
    )


# --- reading pages -------------------------------------------------------------------------


def member_names(response) -> list[str]:
    """Names on the member cards, in the order of the page."""
    return [text(find(card, "h3")) for card in find_all(parse(response), "article", "member-card")]


def organisation_names(response) -> list[str]:
    """Names on the organisation rows (without the badge), in the order of the page."""
    return [
        text(find(find(row, "h3"), "a"))
        for row in find_all(parse(response), "article", "organisation-card")
    ]


def card_of(response, name: str, cls: str = "member-card"):
    for card in find_all(parse(response), "article", cls):
        if text(find(card, "a")) == name:
            return card
    raise AssertionError(f"no card for {name!r}")


def notices(response) -> list[str]:
    return [text(p) for p in find_all(parse(response), "p", "notice")]


def totals(response) -> str:
    return text(find(parse(response), "p", "totals"))


def empty_message(response) -> str:
    return text(find(parse(response), "p", "empty"))


def query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query, keep_blank_values=True)


def members_count(count: int) -> str:
    return tr_count("%(counter)s member", "%(counter)s members", count)


def organisations_count(count: int) -> str:
    return tr_count("%(counter)s organisation", "%(counter)s organisations", count)


# --- who sees whom -------------------------------------------------------------------------


@pytest.fixture
def people(db):
    """One member per kind of profile: only the first two may ever be listed."""
    return SimpleNamespace(
        public=person("Awa Public", Visibility.EVERYONE),
        members_only=person("Bintou Réseau", Visibility.MEMBERS),
        hidden=person("Cheikh Caché", Visibility.NOBODY),
        unverified=person("Dado Nonvérifié", Visibility.EVERYONE, verified=False),
        inactive=person("Edo Inactif", Visibility.EVERYONE, is_active=False),
        deleted=person("Fatou Partie", Visibility.EVERYONE, deleted_at=timezone.now()),
    )


def viewer_client(client, actor: str):
    """A client for ``actor``, whose own profile is hidden so it does not get in the way."""
    if actor == "anonymous":
        return client
    factory = StaffFactory if actor.endswith("staff") else MemberFactory
    viewer = factory(name="Zoé Viewer", visibility=Visibility.NOBODY)
    if actor.startswith("verified"):
        verify(viewer)
    client.force_login(viewer)
    return client


ACTORS = {
    # who: the profiles they see
    "anonymous": ["Awa Public"],
    "unverified member": ["Awa Public"],
    "verified member": ["Awa Public", "Bintou Réseau"],
    # Staff are members like the others here: what they see depends on their address.
    "staff": ["Awa Public"],
    "verified staff": ["Awa Public", "Bintou Réseau"],
}


@pytest.mark.parametrize("actor", ACTORS)
def test_each_actor_sees_the_profiles_shared_with_them(client, people, actor):
    response = viewer_client(client, actor).get(MEMBERS)

    assert response.status_code == 200
    assert member_names(response) == ACTORS[actor]
    assert members_count(len(ACTORS[actor])) in totals(response)
    for hidden in ("Cheikh Caché", "Dado Nonvérifié", "Edo Inactif", "Fatou Partie"):
        assert hidden not in response.text
    assert people.hidden.get_absolute_url() not in response.text


@pytest.mark.parametrize("actor", ACTORS)
def test_no_search_or_filter_reveals_a_hidden_profile(client, people, actor):
    client = viewer_client(client, actor)
    organisation = OrganisationFactory(verified=True)
    theme = ThemeFactory()
    for member in vars(people).values():
        member.city = "Thiès"
        member.country = "SN"
        member.save()
        member.expertise.add(theme)
        join(member, organisation)
    for name in ("Caché", "Nonvérifié", "Inactif", "Partie", "Former"):
        assert member_names(client.get(MEMBERS, {"q": name})) == [], name
    searches = [
        "?q=thies",
        "?country=SN",
        f"?expertise={theme.slug}",
        f"?organisation={organisation.slug}",
    ]
    for search in searches:
        assert member_names(client.get(MEMBERS + search)) == ACTORS[actor], search


def test_anonymous_visitors_are_told_why_they_see_fewer_members(client, people):
    hint = text(find(parse(client.get(MEMBERS)), "p", "hint"))

    assert tr("Only members who share their profile with everyone are listed here.") in hint


def test_a_member_is_told_to_confirm_their_address(client, people):
    response = viewer_client(client, "unverified member").get(MEMBERS)

    hint = text(find(parse(response), "p", "hint"))
    confirm = tr(
        "Confirm your email address to see the members who share their profile with M4D Net only."
    )
    assert confirm in hint


def test_a_verified_member_gets_no_hint(client, people):
    response = viewer_client(client, "verified member").get(MEMBERS)

    assert find_all(parse(response), "p", "hint") == []


# --- what a member card shows --------------------------------------------------------------


@pytest.fixture
def awa(db):
    """A member with everything a card shows, in organisations in every state."""
    health = ThemeFactory(name="Santé", name_en="Health", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Employment", slug="employment")
    awa = person(
        "Awa Diop",
        affiliation="Université Cheikh Anta Diop",
        city="Dakar",
        country="SN",
    )
    awa.expertise.add(health, jobs)
    join(awa, OrganisationFactory(name="Diaspora de Kolda", slug="kolda", verified=True))
    partner = OrganisationFactory(name="Commune de Figuig", slug="figuig", country="MA")
    ProjectFactory(partners=[partner])
    join(awa, partner, role=MembershipRole.REPRESENTATIVE)
    join(awa, OrganisationFactory(name="Attente SA", verified=True), MembershipStatus.PENDING)
    join(awa, OrganisationFactory(name="Refus SA", verified=True), MembershipStatus.REJECTED)
    # Approved by mistake on an organisation nobody has verified: still not shown.
    join(awa, OrganisationFactory(name="Proposée SA"))
    return awa


def test_a_card_shows_name_affiliation_place_expertise_and_organisations(client, awa):
    response = client.get(MEMBERS)

    card = card_of(response, "Awa Diop")
    assert find(find(card, "h3"), "a").attrs["href"] == awa.get_absolute_url()
    assert text(find(card, "p", "affiliation")) == "Université Cheikh Anta Diop"
    assert text(find(card, "p", "place")) == "Dakar, Sénégal"
    assert [text(li) for li in find_all(find(card, "ul", "tags"), "li")] == ["Emploi", "Santé"]
    organisations = find(card, "p", "organisations")
    assert {text(a): a.attrs["href"] for a in find_all(organisations, "a")} == {
        "Commune de Figuig": "/fr/organisations/figuig/",
        "Diaspora de Kolda": "/fr/organisations/kolda/",
    }
    assert tr("Representative") in text(organisations)
    for absent in ("Attente SA", "Refus SA", "Proposée SA", awa.email):
        assert absent not in response.text


def test_a_card_without_the_optional_facts(client, db):
    person("Sans Détails")

    card = card_of(client.get(MEMBERS), "Sans Détails")

    assert find_all(card, "p") == []
    assert find_all(card, "ul") == []


def test_members_are_sorted_by_name_ignoring_accents_and_case(client, db):
    for name in ("zoé", "Émile", "Ali", "edgar"):
        person(name)

    assert member_names(client.get(MEMBERS)) == ["Ali", "edgar", "Émile", "zoé"]


def test_html_typed_into_a_profile_is_shown_as_text(client, db):
    person(f"Nom {XSS}", affiliation=f"Affiliation {XSS}", city=f"Ville {XSS}")

    response = client.get(MEMBERS)

    assert XSS not in response.text
    assert response.text.count(XSS_ESCAPED) == 3
    assert member_names(response) == [f"Nom {XSS}"]


def test_html_in_a_search_is_shown_as_text(client, db):
    response = client.get(MEMBERS, {"q": XSS})

    assert response.status_code == 200
    assert XSS not in response.text
    assert find(parse(response), "input", name="q").attrs["value"] == XSS


# --- searching and filtering members -------------------------------------------------------


@pytest.fixture
def network(db):
    health = ThemeFactory(name="Santé", name_en="Health", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Employment", slug="employment")
    kolda = OrganisationFactory(name="Diaspora de Kolda", slug="kolda", verified=True)
    upala = OrganisationFactory(name="Municipalité d’Upala", slug="upala", verified=True)
    eloise = person("Éloïse Ndiaye", affiliation="ONG Kolda", city="Kolda", country="SN")
    eloise.expertise.add(health)
    join(eloise, kolda)
    moussa = person("Moussa Sall", affiliation="Université de Dakar", city="Dakar", country="SN")
    moussa.expertise.add(jobs)
    join(moussa, upala, MembershipStatus.PENDING)
    lucia = person("Lucía Gómez", affiliation="Municipalidad", city="Upala", country="CR")
    lucia.expertise.add(health, jobs)
    join(lucia, upala)
    join(lucia, kolda, MembershipStatus.REJECTED)
    return SimpleNamespace(health=health, jobs=jobs, kolda=kolda, upala=upala)


EVERYONE = ["Éloïse Ndiaye", "Lucía Gómez", "Moussa Sall"]


def test_without_filters_every_visible_member_is_listed(client, network):
    response = client.get(MEMBERS)

    assert member_names(response) == EVERYONE
    assert members_count(3) in totals(response)
    assert find_all(parse(response), "ul", "active-filters") == []


@pytest.mark.parametrize(
    "q, expected",
    [
        ("eloise", ["Éloïse Ndiaye"]),  # accents ignored
        ("ÉLOÏSE", ["Éloïse Ndiaye"]),
        ("lucia gomez", ["Lucía Gómez"]),  # every word, in any order
        ("gomez lucia", ["Lucía Gómez"]),
        ("eloise sall", []),  # each word must match the same member
        ("universite", ["Moussa Sall"]),  # affiliation
        ("kolda", ["Éloïse Ndiaye"]),  # affiliation or city
        ("upala", ["Lucía Gómez"]),  # the city, not an organisation's name
        ("  ", EVERYONE),
        ("example.org", []),  # never the email address
    ],
)
def test_member_search(client, network, q, expected):
    assert member_names(client.get(MEMBERS, {"q": q})) == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"country": "SN"}, ["Éloïse Ndiaye", "Moussa Sall"]),
        ({"country": "cr"}, ["Lucía Gómez"]),  # as in /countries/cr/
        ({"expertise": "health"}, ["Éloïse Ndiaye", "Lucía Gómez"]),
        ({"expertise": "employment"}, ["Lucía Gómez", "Moussa Sall"]),
        ({"organisation": "kolda"}, ["Éloïse Ndiaye"]),  # Lucía was rejected
        ({"organisation": "upala"}, ["Lucía Gómez"]),  # Moussa is pending
        ({"country": "SN", "expertise": "health"}, ["Éloïse Ndiaye"]),
        ({"q": "dakar", "expertise": "health"}, []),
    ],
)
def test_member_filters(client, network, params, expected):
    response = client.get(MEMBERS, params)

    assert member_names(response) == expected
    assert members_count(len(expected)) in totals(response)
    assert notices(response) == []


def facet_values(response, name: str) -> list[tuple[str, str]]:
    """(value's name, count) of the facet ``name``, in the order shown."""
    box = find(parse(response), "div", "facet", aria_labelledby=f"facet-{name}")
    return [
        (text(find(item, "a")).rstrip(" ×"), text(find(item, "span", "facet-count")))
        for item in find_all(box, "li")
    ]


def test_member_facets_count_the_visible_members(client, network):
    person("Invisible", Visibility.NOBODY, country="NP")
    join(person("Caché", Visibility.NOBODY), OrganisationFactory(name="Secrète", verified=True))

    response = client.get(MEMBERS)

    # Most members first; nobody hidden is counted, nor a pending or rejected membership.
    assert facet_values(response, "country") == [("Sénégal", "2"), ("Costa Rica", "1")]
    assert facet_values(response, "organisation") == [
        ("Diaspora de Kolda", "1"),
        ("Municipalité d’Upala", "1"),
    ]
    page = parse(response)
    assert not find_all(page, "select", name="country")
    assert not find_all(page, "select", name="organisation")
    areas = [text(o) for o in find_all(find(page, "select", name="expertise"), "option")]
    assert areas == [tr("All areas"), "Emploi", "Santé"]


def test_a_member_facet_links_to_the_filtered_directory_and_back(client, network):
    page = parse(client.get(MEMBERS, {"q": "a"}))
    box = find(page, "div", "facet", aria_labelledby="facet-country")
    senegal = find(box, "a")
    assert query(senegal.attrs["href"]) == {"q": ["a"], "country": ["SN"]}

    response = client.get(MEMBERS + senegal.attrs["href"])

    assert member_names(response) == ["Éloïse Ndiaye", "Moussa Sall"]
    chosen = find(find(parse(response), "div", "facet", aria_labelledby="facet-country"), "a")
    assert chosen.attrs["aria-current"] == "true"
    assert query(chosen.attrs["href"]) == {"q": ["a"]}
    # The filter form keeps the country chosen when other filters are applied.
    assert find(parse(response), "input", type="hidden", name="country").attrs["value"] == "SN"


def test_active_member_filters_can_each_be_removed(client, network):
    response = client.get(MEMBERS, {"q": "a", "country": "SN", "expertise": "health", "page": "1"})

    chips = find_all(find(parse(response), "ul", "active-filters"), "li")
    shown = {text(chip).rstrip(" ×"): query(find(chip, "a").attrs["href"]) for chip in chips}
    assert shown == {
        f"{tr('Search')}: a": {"country": ["SN"], "expertise": ["health"]},
        f"{tr('Country')}: Sénégal": {"q": ["a"], "expertise": ["health"]},
        f"{tr('Area of expertise')}: Santé": {"q": ["a"], "country": ["SN"]},
    }


def test_no_member_matches(client, network):
    response = client.get(MEMBERS, {"q": "personne"})

    assert member_names(response) == []
    assert members_count(0) in totals(response)
    assert tr("No member matches these filters.") in empty_message(response)
    assert find(find(parse(response), "p", "empty"), "a").attrs["href"] == MEMBERS


def test_an_empty_directory(client, db):
    response = client.get(MEMBERS)

    assert response.status_code == 200
    assert tr("No member shares a profile with you yet.") in empty_message(response)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"country": "ZZ"}, "Country"),
        ({"expertise": "no-such-theme"}, "Area of expertise"),
        ({"organisation": "no-such-organisation"}, "Organisation"),
        ({"q": "x" * 201}, "Search"),
    ],
)
def test_a_malformed_member_filter_is_ignored_with_a_notice(client, network, params, field):
    response = client.get(MEMBERS, params)

    assert response.status_code == 200
    assert member_names(response) == EVERYONE
    [notice] = notices(response)
    assert notice.startswith(tr(field))
    assert find_all(parse(response), "ul", "active-filters") == []


def test_a_country_where_nobody_is_listed_lists_nobody(client, network):
    person("Invisible", Visibility.NOBODY, country="NP")

    response = client.get(MEMBERS, {"country": "NP"})

    assert member_names(response) == []
    assert members_count(0) in totals(response)
    assert notices(response) == []


def test_a_malformed_filter_does_not_cancel_the_others(client, network):
    response = client.get(MEMBERS, {"country": "ZZ", "expertise": "health"})

    assert member_names(response) == ["Éloïse Ndiaye", "Lucía Gómez"]
    assert len(notices(response)) == 1


# --- pages of members ----------------------------------------------------------------------


def add_members(count: int, prefix: str = "Membre", **fields) -> list[Member]:
    """``count`` verified members who share their profile with everyone, inserted in bulk."""
    members = MemberFactory.build_batch(count, visibility=Visibility.EVERYONE, **fields)
    token = secrets.token_hex(3)
    for number, member in enumerate(members):
        member.name = f"{prefix} {number:03d}"
        member.slug = f"{prefix.lower()}-{number:03d}-{token}"
    members = Member.objects.bulk_create(members)
    EmailAddress.objects.bulk_create(
        EmailAddress(user=m, email=m.email, verified=True, primary=True) for m in members
    )
    return members


def test_members_come_24_to_a_page(client, db):
    add_members(30)

    first = client.get(MEMBERS)
    second = client.get(MEMBERS, {"page": 2})

    assert member_names(first) == [f"Membre {n:03d}" for n in range(24)]
    assert member_names(second) == [f"Membre {n:03d}" for n in range(24, 30)]
    assert members_count(30) in totals(first) and members_count(30) in totals(second)
    assert notices(first) == notices(second) == []


def test_page_links_keep_the_filters(client, db):
    add_members(30, country="SN")

    response = client.get(MEMBERS, {"country": "SN", "page": 2})

    previous = find(find(parse(response), "nav", "pagination"), "a", rel="prev")
    assert query(previous.attrs["href"]) == {"country": ["SN"], "page": ["1"]}


def pages_notice(count: int) -> str:
    with translation.override("fr"):
        return translation.ngettext(
            "There is only %(count)d page: showing it.",
            "There are only %(count)d pages: showing the last one.",
            count,
        ) % {"count": count}


@pytest.mark.parametrize(
    "page, shown, notice",
    [
        (
            "abc",
            0,
            tr("“%(page)s” is not a page number: showing the first page.") % {"page": "abc"},
        ),
        ("0", 0, tr("Pages start at 1: showing the first page.")),
        ("-3", 0, tr("Pages start at 1: showing the first page.")),
        ("99", 24, pages_notice(2)),
    ],
)
def test_bad_page_numbers_give_a_notice_not_an_error(client, db, page, shown, notice):
    add_members(30)

    response = client.get(MEMBERS, {"page": page})

    assert response.status_code == 200
    assert member_names(response)[0] == f"Membre {shown:03d}"
    assert notices(response) == [notice]


def test_a_page_past_the_end_of_an_empty_result(client, db):
    response = client.get(MEMBERS, {"q": "personne", "page": 5})

    assert response.status_code == 200
    assert notices(response) == [pages_notice(1)]
    assert tr("No member matches these filters.") in empty_message(response)


# --- the organisations directory -----------------------------------------------------------


@pytest.fixture
def organisations(db):
    """Organisations in each state, with projects and members of each kind."""
    health = ThemeFactory(name="Santé", name_en="Health", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Employment", slug="employment")
    amd = OrganisationFactory(
        name="Association Migration & Développement",
        slug="amd",
        kind=OrganisationKind.DIASPORA,
        country="MA",
        city="Agadir",
    )
    upala = OrganisationFactory(
        name="Municipalité d’Upala",
        slug="upala",
        kind=OrganisationKind.LOCAL_AUTHORITY,
        country="CR",
        verified=True,
    )
    kolda = OrganisationFactory(
        name="Diaspora de Kolda", slug="kolda", kind=OrganisationKind.DIASPORA, verified=True
    )
    proposed = OrganisationFactory(name="Proposée mais pas vérifiée", slug="proposed")
    ProjectFactory(partners=[amd, upala], themes=[health])
    ProjectFactory(partners=[amd])
    ProjectFactory(partners=[kolda], themes=[jobs], published=False)
    # Members of Kolda: one per profile kind, and some who are not (yet) members.
    join(person("Public", Visibility.EVERYONE), kolda)
    networked = person("Réseau", Visibility.MEMBERS)
    networked.expertise.add(jobs)
    join(networked, kolda)
    join(person("Personne", Visibility.NOBODY), kolda)
    join(person("Attente"), kolda, MembershipStatus.PENDING)
    join(person("Refusé"), kolda, MembershipStatus.REJECTED)
    join(person("Pas confirmé", verified=False), kolda)
    join(person("Public bis"), proposed)
    return SimpleNamespace(
        health=health, jobs=jobs, amd=amd, upala=upala, kolda=kolda, proposed=proposed
    )


LISTED = ["Association Migration & Développement", "Diaspora de Kolda", "Municipalité d’Upala"]


@pytest.mark.parametrize("actor", ACTORS)
def test_each_actor_sees_the_listed_organisations(client, organisations, actor):
    response = viewer_client(client, actor).get(ORGANISATIONS)

    assert response.status_code == 200
    assert organisation_names(response) == LISTED
    assert organisations_count(3) in totals(response)
    assert "Proposée" not in response.text


@pytest.mark.parametrize("actor", ACTORS)
def test_member_counts_only_count_the_profiles_the_viewer_sees(client, organisations, actor):
    response = viewer_client(client, actor).get(ORGANISATIONS)

    counts = text(find(card_of(response, "Diaspora de Kolda", "organisation-card"), "p", "counts"))
    visible = len(ACTORS[actor])  # the public profile, and the members-only one if allowed
    assert tr_count("%(counter)s member", "%(counter)s members", visible) in counts
    # The unpublished project is not counted.
    assert tr_count("%(counter)s project", "%(counter)s projects", 0) in counts


def test_an_organisation_row(client, organisations):
    response = client.get(ORGANISATIONS)

    amd = card_of(response, "Association Migration & Développement", "organisation-card")
    assert find(find(amd, "h3"), "a").attrs["href"] == "/fr/organisations/amd/"
    assert find_all(amd, "span", "badge") == []
    meta = text(find(amd, "p", "meta"))
    assert tr("Migrant or diaspora association") in meta and "Maroc" in meta
    counts = text(find(amd, "p", "counts"))
    assert tr_count("%(counter)s project", "%(counter)s projects", 2) in counts
    assert tr_count("%(counter)s member", "%(counter)s members", 0) in counts

    upala = card_of(response, "Municipalité d’Upala", "organisation-card")
    assert text(find(upala, "span", "badge")) == tr("Verified")
    assert tr("Local authority") in text(find(upala, "p", "meta"))
    assert tr_count("%(counter)s project", "%(counter)s projects", 1) in text(upala)


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "developpement"}, ["Association Migration & Développement"]),
        ({"q": "MUNICIPALITE upala"}, ["Municipalité d’Upala"]),
        ({"q": "kolda migration"}, []),
        ({"country": "SN"}, ["Diaspora de Kolda"]),
        ({"country": "cr"}, ["Municipalité d’Upala"]),
        ({"kind": "diaspora"}, ["Association Migration & Développement", "Diaspora de Kolda"]),
        ({"kind": "ngo"}, []),
        ({"verified": "on"}, ["Diaspora de Kolda", "Municipalité d’Upala"]),
        ({"verified": "on", "kind": "diaspora"}, ["Diaspora de Kolda"]),
        # Theme: through a published project...
        ({"theme": "health"}, ["Association Migration & Développement", "Municipalité d’Upala"]),
    ],
)
def test_organisation_search_and_filters(client, organisations, params, expected):
    response = client.get(ORGANISATIONS, params)

    assert organisation_names(response) == expected
    assert organisations_count(len(expected)) in totals(response)
    assert notices(response) == []


@pytest.mark.parametrize(
    "actor, expected",
    [
        # ...or through the expertise of an approved member the viewer may see (Kolda's
        # project on "employment" is not published, and its member listing it shares her
        # profile with members only).
        ("anonymous", []),
        ("unverified member", []),
        ("verified member", ["Diaspora de Kolda"]),
    ],
)
def test_theme_through_members_expertise(client, organisations, actor, expected):
    response = viewer_client(client, actor).get(ORGANISATIONS, {"theme": "employment"})

    assert organisation_names(response) == expected


def test_theme_ignores_pending_members(client, organisations):
    waiting = person("Expert en attente")
    waiting.expertise.add(organisations.health)
    join(waiting, organisations.kolda, MembershipStatus.PENDING)

    assert "Diaspora de Kolda" not in organisation_names(
        client.get(ORGANISATIONS, {"theme": "health"})
    )


def test_an_unticked_box_does_not_filter(client, organisations):
    response = client.get(ORGANISATIONS, {"verified": ""})

    assert organisation_names(response) == LISTED
    assert find_all(parse(response), "ul", "active-filters") == []


def test_active_organisation_filters_can_each_be_removed(client, organisations):
    response = client.get(ORGANISATIONS, {"kind": "diaspora", "verified": "on", "page": "1"})

    chips = find_all(find(parse(response), "ul", "active-filters"), "li")
    shown = {text(chip).rstrip(" ×"): query(find(chip, "a").attrs["href"]) for chip in chips}
    assert shown == {
        f"{tr('Kind of organisation')}: {tr('Migrant or diaspora association')}": {
            "verified": ["on"]
        },
        f"{tr('Verified organisations only')}: {tr('yes')}": {"kind": ["diaspora"]},
    }


def test_organisation_country_facet_counts_the_listed_ones(client, organisations):
    values = facet_values(client.get(ORGANISATIONS), "country")

    assert values == [("Costa Rica", "1"), ("Maroc", "1"), ("Sénégal", "1")]


def test_no_organisation_matches(client, organisations):
    response = client.get(ORGANISATIONS, {"q": "introuvable"})

    assert organisation_names(response) == []
    assert tr("No organisation matches these filters.") in empty_message(response)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"country": "ZZ"}, "Country"),
        ({"kind": "club"}, "Kind of organisation"),
        ({"theme": "no-such-theme"}, "Theme"),
    ],
)
def test_a_malformed_organisation_filter_is_ignored_with_a_notice(
    client, organisations, params, field
):
    response = client.get(ORGANISATIONS, params)

    assert response.status_code == 200
    assert organisation_names(response) == LISTED
    [notice] = notices(response)
    assert notice.startswith(tr(field))


def test_html_typed_into_an_organisation_is_shown_as_text(client, db):
    OrganisationFactory(name=f"Org {XSS}", slug="xss", city=f"Ville {XSS}", verified=True)

    response = client.get(ORGANISATIONS)

    assert XSS not in response.text
    assert organisation_names(response) == [f"Org {XSS}"]
    assert response.text.count(XSS_ESCAPED) >= 2


def add_organisations(count: int, theme, verified: bool = True) -> list[Organisation]:
    organisations = OrganisationFactory.build_batch(count, verified=verified)
    token = secrets.token_hex(3)
    for number, organisation in enumerate(organisations):
        organisation.name = f"Organisation {number:03d}"
        organisation.slug = f"organisation-{number:03d}-{token}"
    return Organisation.objects.bulk_create(organisations)


def test_organisations_come_24_to_a_page_and_bad_pages_give_a_notice(client, db):
    add_organisations(30, theme=None)

    assert len(organisation_names(client.get(ORGANISATIONS))) == 24
    assert len(organisation_names(client.get(ORGANISATIONS, {"page": 2}))) == 6
    response = client.get(ORGANISATIONS, {"page": "deux"})
    assert response.status_code == 200
    assert organisation_names(response)[0] == "Organisation 000"
    assert notices(response) == [
        tr("“%(page)s” is not a page number: showing the first page.") % {"page": "deux"}
    ]


def test_an_empty_organisation_directory(client, db):
    response = client.get(ORGANISATIONS)

    assert response.status_code == 200
    assert tr("No organisation yet.") in empty_message(response)


def test_the_directories_speak_the_page_language(client, network):
    response = client.get("/en/network/members/", {"country": "SN"})

    assert "Senegal" in text(find(parse(response), "ul", "active-filters"))
    assert "/en/network/members/" in response.text


# --- queries -------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """Four themes and a verified organisation every member belongs to."""
    return SimpleNamespace(
        phase=PhaseFactory(),
        themes=ThemeFactory.create_batch(4),
        hub=OrganisationFactory(name="Hub", slug="hub", verified=True),
    )


def analyse(*models) -> None:
    # As autovacuum does after a bulk load: without statistics, PostgreSQL plans for empty
    # tables, and a slow plan would hang the test instead of failing it.
    tables = ", ".join(model._meta.db_table for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def grow_members(world, count: int) -> None:
    """``count`` more public members, each with two areas of expertise, an approved
    membership of the hub and of an organisation of their own, and a pending one."""
    members = add_members(count, prefix=f"Membre{Member.objects.count():04d}", country="SN")
    own = add_organisations(count, theme=None)
    Expertise = Member.expertise.through
    Expertise.objects.bulk_create(
        Expertise(member=member, theme=theme)
        for number, member in enumerate(members)
        for theme in (world.themes[number % 4], world.themes[(number + 1) % 4])
    )
    pending = OrganisationFactory(verified=True)
    Membership.objects.bulk_create(
        membership
        for member, organisation in zip(members, own, strict=True)
        for membership in (
            Membership(
                role=MembershipRole.MEMBER,
                member=member,
                organisation=world.hub,
                status=MembershipStatus.APPROVED,
            ),
            Membership(
                role=MembershipRole.MEMBER,
                member=member,
                organisation=organisation,
                status=MembershipStatus.APPROVED,
            ),
            Membership(role=MembershipRole.MEMBER, member=member, organisation=pending),
        )
    )
    analyse(Member, Organisation, Membership, Expertise, EmailAddress)


def grow_organisations(world, count: int) -> None:
    """``count`` more organisations, half verified and half catalogue partners, each with a
    published project and two approved members."""
    verified = add_organisations(count - count // 2, theme=None)
    partners = add_organisations(count // 2, theme=None, verified=False)
    projects = Project.objects.bulk_create(ProjectFactory.build_batch(count, phase=world.phase))
    Partnership.objects.bulk_create(
        Partnership(project=project, organisation=organisation, role="lead")
        for project, organisation in zip(projects, verified + partners, strict=True)
    )
    ProjectTheme = Project.themes.through
    ProjectTheme.objects.bulk_create(
        ProjectTheme(project=project, theme=world.themes[number % 4])
        for number, project in enumerate(projects)
    )
    members = add_members(2 * count, prefix=f"Gens{Member.objects.count():04d}")
    Membership.objects.bulk_create(
        Membership(
            role=MembershipRole.MEMBER,
            member=member,
            organisation=organisation,
            status=MembershipStatus.APPROVED,
        )
        for number, member in enumerate(members)
        for organisation in [(verified + partners)[number // 2]]
    )
    analyse(Member, Organisation, Membership, Project, Partnership, ProjectTheme, EmailAddress)


def count_queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


DIRECTORIES = {
    "members": (grow_members, lambda world: MEMBERS),
    "filtered members": (
        grow_members,
        lambda world: (
            f"{MEMBERS}?q=membre&country=sn&expertise={world.themes[0].slug}&organisation=hub"
        ),
    ),
    "members, page 2": (grow_members, lambda world: f"{MEMBERS}?page=2"),
    "organisations": (grow_organisations, lambda world: ORGANISATIONS),
    "filtered organisations": (
        grow_organisations,
        lambda world: (
            f"{ORGANISATIONS}?q=organisation&country=SN&kind=civil_society"
            f"&theme={world.themes[0].slug}&verified=on"
        ),
    ),
}


@pytest.mark.parametrize("actor", ["anonymous", "verified member"])
@pytest.mark.parametrize("directory", DIRECTORIES)
def test_queries_do_not_grow_with_the_rows(client, world, directory, actor):
    client = viewer_client(client, actor)
    grow, url = DIRECTORIES[directory]
    grow(world, 5)
    few, html = count_queries(client, url(world))
    if directory.startswith("members"):
        assert "Hub" in html  # the cards show the organisations
    else:
        assert "Organisation 000" in html

    grow(world, 55)
    many, html = count_queries(client, url(world))

    assert many == few, f"{directory}: {few} queries with 5 rows, {many} with 60"
    assert few <= MAX_QUERIES, f"{directory}: {few} queries"
