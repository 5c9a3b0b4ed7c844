"""Organisations' representatives propose events; staff publish or refuse them in the admin's
queue, and the proposer is told by email.

Per actor: a visitor, a member who represents nothing, a representative of another
organisation (or of one not verified, or not yet approved), the organisation's verified
representative, and staff. Interface strings are compared with what gettext gives (``tr``),
so the tests hold before the new strings are translated."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from common.models import OutgoingEmail
from library import event_services
from library.models import Event, EventKind, ReviewStatus
from network.accounts import delete_account, member_data
from network.models import Membership, MembershipRole, MembershipStatus
from tests.factories import (
    EventFactory,
    MemberFactory,
    OrganisationFactory,
    StaffFactory,
    ThemeFactory,
    verified_member,
)
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

PROPOSE = "/fr/events/propose/"
MY_PROPOSALS = "/fr/events/my-proposals/"
QUEUE = "/admin/library/eventproposal/"
NEXT_YEAR = timezone.now().year + 1


def represent(member, organisation, status=MembershipStatus.APPROVED):
    Membership.objects.create(
        member=member, organisation=organisation, role=MembershipRole.REPRESENTATIVE, status=status
    )
    return member


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Commune de Kolda", slug="kolda", country="SN", verified=True)


@pytest.fixture
def representative(organisation):
    return represent(verified_member(name="Awa Diop", email="awa@example.org"), organisation)


@pytest.fixture
def representative_client(client, representative):
    client.force_login(representative)
    return client


def proposal_data(for_organisation, **changes) -> dict:
    data = {
        "organisation": str(for_organisation.pk),
        "language": "fr",
        "title": "Atelier sur la diaspora et le développement local",
        "description": "Un atelier pour les élus locaux et les associations de migrants.",
        "kind": EventKind.WORKSHOP,
        "time_zone": "Africa/Dakar",
        "starts_at": f"{NEXT_YEAR}-03-15T14:00",
        "ends_at": f"{NEXT_YEAR}-03-15T17:30",
        "where": "place",
        "online_url": "",
        "city": "Kolda",
        "country": "SN",
        "languages": ["fr", "en"],
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def propose(member, organisation, **changes) -> Event:
    """A proposal made through the service, as the form makes it."""
    values = {
        "member": member,
        "organisation": organisation,
        "language": "fr",
        "title": "Webinaire des communes",
        "description": "Échanges entre communes.",
        "kind": EventKind.WEBINAR,
        "starts_at": timezone.now() + datetime.timedelta(days=10),
        "ends_at": timezone.now() + datetime.timedelta(days=10, hours=2),
        "time_zone": "Africa/Dakar",
        "online": True,
        "online_url": "https://meet.example.org/communes",
        **changes,
    }
    return event_services.propose_event(**values)


def refusal_text(response) -> str:
    return text(find(parse(response), "p", "notice"))


# --- Who may propose --------------------------------------------------------------------------


def test_a_visitor_is_asked_to_log_in(client):
    response = client.get(PROPOSE)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get(MY_PROPOSALS).status_code == 302


def test_a_member_who_represents_no_organisation_is_told_how_to_become_one(client):
    client.force_login(verified_member())

    response = client.get(PROPOSE)

    assert response.status_code == 403
    assert refusal_text(response) == tr(
        "Events are proposed by the verified representatives of an organisation. Ask to "
        "represent yours in “My organisations”: the JMDI team verifies it."
    )
    assert find(parse(response), "a", href="/fr/network/me/organisations/")


def test_a_representative_who_has_not_confirmed_their_address_may_not(client, organisation):
    member = represent(MemberFactory(), organisation)
    client.force_login(member)

    response = client.get(PROPOSE)

    assert response.status_code == 403
    assert refusal_text(response) == tr(
        "Confirm your email address first: follow the link in the email we sent you."
    )


@pytest.mark.parametrize(
    "verified, status",
    [(False, MembershipStatus.APPROVED), (True, MembershipStatus.PENDING)],
    ids=["organisation not verified", "claim still waiting"],
)
def test_only_an_approved_representative_of_a_verified_organisation_may(client, verified, status):
    organisation = OrganisationFactory(verified=verified)
    client.force_login(represent(verified_member(), organisation, status=status))

    response = client.get(PROPOSE)

    assert response.status_code == 403
    assert not Event.objects.exists()


def test_a_representative_of_another_organisation_may_not_propose_for_this_one(
    client, organisation
):
    other = OrganisationFactory(name="Mairie de Praia", verified=True)
    client.force_login(represent(verified_member(), other))

    page = client.get(f"{PROPOSE}?organisation={organisation.slug}")
    posted = client.post(PROPOSE, proposal_data(organisation))

    expected = tr("Only the verified representatives of %(name)s can propose its events.") % {
        "name": "Commune de Kolda"
    }
    for response in (page, posted):
        assert response.status_code == 403
        assert refusal_text(response) == expected
    assert not Event.objects.exists()
    # Their own organisation is the only one offered.
    form = parse(client.get(PROPOSE))
    options = find_all(find(form, "select", name="organisation"), "option")
    assert [text(option) for option in options] == ["Mairie de Praia"]


def test_staff_who_represent_nothing_are_sent_to_the_admin(staff_client):
    response = staff_client.get(PROPOSE)

    assert response.status_code == 403
    assert find(parse(response), "a", href="/admin/library/event/add/")


def test_an_unknown_organisation_is_not_found(representative_client):
    assert representative_client.get(f"{PROPOSE}?organisation=nowhere").status_code == 404


# --- Proposing -------------------------------------------------------------------------------


def test_the_form_starts_with_their_organisation_and_its_time_zone(representative_client):
    page = parse(representative_client.get(PROPOSE))

    organisation = find(find(page, "select", name="organisation"), "option", selected="")
    assert text(organisation) == "Commune de Kolda"
    zone = find(find(page, "select", name="time_zone"), "option", selected="")
    assert zone.attrs["value"] == "Africa/Dakar"
    assert find(page, "input", name="starts_at").attrs["type"] == "datetime-local"


def test_a_representative_proposes_an_event_which_waits_for_review(
    representative, representative_client, organisation
):
    theme = ThemeFactory()
    data = proposal_data(organisation, themes=[str(theme.pk)])
    data["submission"] = form_values(representative_client.get(PROPOSE), "event-proposal-form")[
        "submission"
    ]

    response = representative_client.post(PROPOSE, data)

    assert response.status_code == 302
    assert response["Location"] == MY_PROPOSALS
    event = Event.objects.get()
    assert event.status == ReviewStatus.PENDING and event.published_at is None
    assert event.organiser == organisation and event.proposed_by == representative
    assert event.title_fr == "Atelier sur la diaspora et le développement local"
    assert event.title_en == "" and event.title_es == ""
    assert event.slug == "atelier-sur-la-diaspora-et-le-developpement-local"
    assert (event.city, event.country.code, event.online) == ("Kolda", "SN", False)
    assert event.languages == ["fr", "en"]
    assert list(event.themes.all()) == [theme]
    # Dakar is on UTC all year: 14:00 there is 14:00 UTC.
    assert event.starts_at == datetime.datetime(NEXT_YEAR, 3, 15, 14, 0, tzinfo=datetime.UTC)
    assert event.ends_at == datetime.datetime(NEXT_YEAR, 3, 15, 17, 30, tzinfo=datetime.UTC)
    # Sent twice (a double click): still one proposal, and the same answer.
    again = representative_client.post(PROPOSE, data)
    assert again.status_code == 302 and again["Location"] == MY_PROPOSALS
    assert Event.objects.count() == 1
    # Their page says where it stands.
    page = representative_client.get(MY_PROPOSALS)
    card = find(parse(page), "li", "proposal")
    assert "Atelier sur la diaspora" in text(card)
    assert tr("Waiting for review") in text(card)


def test_times_are_read_in_the_chosen_zone_across_a_change_of_the_clocks(
    representative_client, organisation
):
    # Paris: UTC+1 in winter, UTC+2 from the last Sunday of March.
    data = proposal_data(
        organisation,
        time_zone="Europe/Paris",
        starts_at=f"{NEXT_YEAR}-07-01 09:00",
        ends_at=f"{NEXT_YEAR}-07-01T11:00",
        where="online",
        online_url="meet.example.org/kolda",
        city="",
        country="",
    )

    response = representative_client.post(PROPOSE, data)

    assert response.status_code == 302
    event = Event.objects.get()
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert event.starts_at == datetime.datetime(NEXT_YEAR, 7, 1, 9, 0, tzinfo=paris)
    assert event.starts_at.astimezone(datetime.UTC).hour == 7
    assert event.online and event.online_url == "https://meet.example.org/kolda"
    assert event.link_for_members_only is False  # the box was not ticked
    assert event.city == "" and not event.country


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"starts_at": "2020-01-10T10:00", "ends_at": "2020-01-10T12:00"},
            "starts_at",
            "The event must start in the future.",
        ),
        (
            {"ends_at": f"{NEXT_YEAR}-03-15T13:00"},
            "ends_at",
            "The event must end after it starts.",
        ),
        (
            {"ends_at": f"{NEXT_YEAR}-05-15T13:00"},
            "ends_at",
            "An event lasts 31 days at most: check the dates of its end.",
        ),
        (
            {"where": "online", "online_url": ""},
            "online_url",
            "Give the link to join the event online.",
        ),
        ({"country": ""}, "country", "Say in which country the event takes place."),
        ({"city": "  "}, "city", "Say in which city the event takes place."),
    ],
    ids=["past", "end before start", "too long", "online without link", "no country", "no city"],
)
def test_a_proposal_the_rules_refuse_says_what_to_correct(
    representative_client, organisation, changes, field, message
):
    response = representative_client.post(PROPOSE, proposal_data(organisation, **changes))

    assert response.status_code == 400
    errors = find(parse(response), "input" if field != "country" else "select", name=field)
    assert errors.attrs.get("aria-invalid") == "true"
    assert tr(message) in response.content.decode()
    assert not Event.objects.exists()


def last_sunday(year: int, month: int) -> int:
    day = datetime.date(year, month, 31)
    return 31 - (day.weekday() + 1) % 7


@pytest.mark.parametrize(
    "month, message",
    [
        (
            3,
            "%(time)s does not exist in %(zone)s: the clocks go forward at that hour that "
            "night. Choose another time.",
        ),
        (
            10,
            "%(time)s happens twice in %(zone)s: the clocks go back at that hour that night. "
            "Choose another time.",
        ),
    ],
    ids=["skipped hour", "repeated hour"],
)
def test_a_time_the_clocks_skip_or_repeat_is_refused_not_guessed(
    representative_client, organisation, month, message
):
    sunday = last_sunday(NEXT_YEAR, month)
    response = representative_client.post(
        PROPOSE,
        proposal_data(
            organisation,
            time_zone="Europe/Paris",
            starts_at=f"{NEXT_YEAR}-{month:02}-{sunday}T02:30",
            ends_at=f"{NEXT_YEAR}-{month:02}-{sunday}T05:00",
        ),
    )

    assert response.status_code == 400
    with translation.override("fr"):
        shown = formats.date_format(
            datetime.datetime(NEXT_YEAR, month, sunday, 2, 30), "DATETIME_FORMAT"
        )
    error = find(parse(response), "ul", "errorlist", id="id_starts_at_error")
    assert text(error) == tr(message) % {"time": shown, "zone": "Europe/Paris"}
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"time_zone": "Mars/Olympus_Mons"},
        {"starts_at": "le 15 mars"},
        {"kind": "party"},
        {"organisation": "not-a-number"},
    ],
    ids=["unknown zone", "unreadable date", "unknown kind", "unreadable organisation"],
)
def test_unreadable_input_gets_a_message_not_an_error(representative_client, organisation, changes):
    response = representative_client.post(PROPOSE, proposal_data(organisation, **changes))

    assert response.status_code == 400
    assert find(parse(response), "ul", "errorlist")
    assert not Event.objects.exists()


def test_proposals_are_limited_per_member(settings, representative_client, organisation):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "event_proposal": "1/h/user"}
    assert representative_client.post(PROPOSE, proposal_data(organisation)).status_code == 302

    response = representative_client.post(PROPOSE, proposal_data(organisation, title="Encore"))

    assert response.status_code == 429
    assert Event.objects.count() == 1


def test_staff_are_told_of_proposals_waiting(representative, organisation, run_tasks, settings):
    settings.OUTBOX_DIGEST_WINDOW = 0
    reviewer = StaffFactory(email="staff@example.org", language="en")
    StaffFactory(email="not-staff@example.org", is_staff=False, is_superuser=False)

    propose(representative, organisation, title="Webinaire des communes")
    run_tasks()

    (message,) = [message for message in mail.outbox if message.to == [reviewer.email]]
    assert "Webinaire des communes" in message.body
    assert f"{QUEUE}" in message.body
    assert not [message for message in mail.outbox if message.to == ["not-staff@example.org"]]


# --- Staff review ----------------------------------------------------------------------------


@pytest.fixture
def proposal(representative, organisation):
    return propose(representative, organisation)


def test_the_queue_is_for_staff_only(client, proposal):
    assert client.get(QUEUE).status_code == 302  # a visitor: the admin's login
    client.force_login(verified_member())
    assert client.get(QUEUE).status_code == 302  # a member is not staff
    client.force_login(proposal.proposed_by)
    assert client.get(QUEUE).status_code == 302  # nor is the proposer


def test_staff_see_the_proposals_waiting(staff_client, proposal):
    decided = EventFactory(proposed_by=proposal.proposed_by, status=ReviewStatus.REFUSED)
    EventFactory(title="Événement de l’équipe")  # staff's own: not a proposal

    page = parse(staff_client.get(QUEUE))
    rows = find_all(find(page, "table", id="result_list"), "tr")[1:]

    assert [text(find(row, "th")) for row in rows] == ["Webinaire des communes"]
    everything = parse(staff_client.get(f"{QUEUE}?status=all"))
    rows = find_all(find(everything, "table", id="result_list"), "tr")[1:]
    titles = {text(find(row, "th")) for row in rows}
    assert titles == {"Webinaire des communes", decided.title}


def test_staff_publish_a_proposal_and_the_proposer_is_told_in_their_language(
    staff, staff_client, proposal, run_tasks
):
    proposer = proposal.proposed_by
    proposer.language = "es"
    proposer.save(update_fields=["language"])
    page = staff_client.get(f"{QUEUE}{proposal.pk}/change/")
    assert find(parse(page), "form", id="refuse-event-form")

    response = staff_client.post(
        f"{QUEUE}{proposal.pk}/publish/", form_values(page, "publish-event-form")
    )

    assert response.status_code == 302 and response["Location"] == QUEUE
    proposal.refresh_from_db()
    assert proposal.status == ReviewStatus.PUBLISHED
    assert proposal.reviewed_by == staff and proposal.published_at is not None
    email = OutgoingEmail.objects.get(to=proposer.email)
    assert email.language == "es"
    assert email.subject == tr("Your event “%(title)s” is published", "es") % {
        "title": "Webinaire des communes"
    }
    assert f"/es/events/{proposal.slug}/" in email.body
    # Decided once: a second decision is refused, and nobody is told twice.
    again = staff_client.post(f"{QUEUE}{proposal.pk}/publish/")
    assert again["Location"] == f"{QUEUE}{proposal.pk}/change/"
    assert OutgoingEmail.objects.filter(to=proposer.email).count() == 1


def test_staff_refuse_a_proposal_with_a_reason(staff_client, proposal, run_tasks):
    page = staff_client.get(f"{QUEUE}{proposal.pk}/change/")
    data = form_values(page, "refuse-event-form")
    data["reason"] = "Les dates tombent pendant le forum régional."

    response = staff_client.post(f"{QUEUE}{proposal.pk}/refuse/", data)

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ReviewStatus.REFUSED
    assert proposal.refusal_reason == "Les dates tombent pendant le forum régional."
    run_tasks()
    (message,) = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert "Les dates tombent pendant le forum régional." in message.body
    # The proposer reads the reason on their page.
    own = Client()
    own.force_login(proposal.proposed_by)
    assert "Les dates tombent pendant le forum régional." in text(
        find(parse(own.get(MY_PROPOSALS)), "li", "proposal")
    )


def test_a_refusal_without_a_reason_changes_nothing(staff_client, proposal):
    response = staff_client.post(f"{QUEUE}{proposal.pk}/refuse/", {"reason": "  "})

    assert response["Location"] == f"{QUEUE}{proposal.pk}/change/"
    proposal.refresh_from_db()
    assert proposal.status == ReviewStatus.PENDING
    assert not OutgoingEmail.objects.filter(to="awa@example.org").exists()


def test_staff_decide_several_at_once_with_the_actions(staff_client, representative, organisation):
    first = propose(representative, organisation, title="Premier")
    second = propose(representative, organisation, title="Second")

    published = staff_client.post(
        QUEUE, {"action": "publish_events", "_selected_action": [str(first.pk)]}
    )
    asked = staff_client.post(
        QUEUE, {"action": "refuse_events", "_selected_action": [str(second.pk)]}
    )
    refused = staff_client.post(
        QUEUE,
        {
            "action": "refuse_events",
            "_selected_action": [str(second.pk)],
            "apply": "yes",
            "reason": "Hors du champ de l’initiative.",
        },
    )

    assert published.status_code == 302
    assert asked.status_code == 200 and find(parse(asked), "textarea", name="reason")
    assert refused.status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == ReviewStatus.PUBLISHED
    assert (second.status, second.refusal_reason) == (
        ReviewStatus.REFUSED,
        "Hors du champ de l’initiative.",
    )


def test_an_event_over_by_now_is_not_published(staff, proposal):
    Event.objects.filter(pk=proposal.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )

    with pytest.raises(event_services.EventError):
        event_services.publish_event(event=proposal, by=staff)


def test_only_staff_decide(representative, proposal):
    with pytest.raises(event_services.ProposalNotPermitted):
        event_services.publish_event(event=proposal, by=representative)
    with pytest.raises(event_services.ProposalNotPermitted):
        event_services.refuse_event(event=proposal, by=representative, reason="Non.")


def test_the_service_checks_the_representative_whatever_the_form(organisation):
    outsider = verified_member()

    with pytest.raises(event_services.ProposalNotPermitted):
        propose(outsider, organisation)


# --- Staff write events in the admin ---------------------------------------------------------


def test_staff_write_an_event_with_its_times_in_its_own_zone(staff, staff_client):
    page = staff_client.get("/admin/library/event/add/")
    data = form_values(page, "event_form")
    data.update(
        {
            "title_fr": "Conférence de San Salvador",
            "title_en": "San Salvador conference",
            "slug": "conference-san-salvador",
            "kind": EventKind.CONFERENCE,
            "time_zone": "America/El_Salvador",
            "starts_local": f"{NEXT_YEAR}-06-10T09:00",
            "ends_local": f"{NEXT_YEAR}-06-11T17:00",
            "city": "San Salvador",
            "country": "SV",
            "languages": ["es", "en"],
        }
    )
    data.pop("online", None)

    response = staff_client.post("/admin/library/event/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(slug="conference-san-salvador")
    # San Salvador is UTC−6 all year.
    assert event.starts_at == datetime.datetime(NEXT_YEAR, 6, 10, 15, 0, tzinfo=datetime.UTC)
    assert event.status == ReviewStatus.PUBLISHED and event.reviewed_by == staff
    assert event.published_at is not None and event.proposed_by is None
    # Its page in the admin shows the times as they were typed.
    again = parse(staff_client.get(f"/admin/library/event/{event.pk}/change/"))
    assert find(again, "input", name="starts_local").attrs["value"] == f"{NEXT_YEAR}-06-10T09:00"


def test_the_admin_refuses_an_address_of_the_calendar_and_a_backwards_event(staff_client):
    data = form_values(staff_client.get("/admin/library/event/add/"), "event_form")
    data.update(
        {
            "title_fr": "Passé",
            "slug": "past",
            "kind": EventKind.WEBINAR,
            "time_zone": "Africa/Dakar",
            "starts_local": f"{NEXT_YEAR}-06-10T09:00",
            "ends_local": f"{NEXT_YEAR}-06-10T08:00",
            "online": "on",
        }
    )

    response = staff_client.post("/admin/library/event/add/", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert tr("The event must end after it starts.") in html
    assert "past" in text(find(parse(response), "div", "field-slug"))
    assert not Event.objects.exists()


def test_a_proposal_waiting_is_not_published_from_the_events_admin(staff_client, proposal):
    page = parse(staff_client.get(f"/admin/library/event/{proposal.pk}/change/"))

    assert not find_all(page, "select", name="status")
    assert find(page, "div", "field-status")


# --- Where representatives find it -----------------------------------------------------------


def test_the_organisation_page_offers_its_representative_to_propose_an_event(
    client, representative, organisation
):
    href = f"{PROPOSE}?organisation=kolda"
    client.force_login(verified_member())
    assert not find_all(parse(client.get("/fr/organisations/kolda/")), "a", href=href)

    client.force_login(representative)
    page = parse(client.get("/fr/organisations/kolda/"))

    assert text(find(page, "a", href=href)) == tr("Propose an event")


def test_the_calendar_offers_representatives_to_propose_an_event(client, representative):
    client.force_login(verified_member())
    assert not find_all(parse(client.get("/fr/events/")), "a", href=PROPOSE)

    client.force_login(representative)
    page = parse(client.get("/fr/events/"))

    assert text(find(page, "a", href=PROPOSE)) == tr("Propose an event")


# --- Their own page, and their data ----------------------------------------------------------


def test_my_proposals_lists_only_mine(client, representative, organisation):
    propose(representative, organisation, title="Le mien")
    other = represent(verified_member(), organisation)
    propose(other, organisation, title="Celui d’un autre")
    client.force_login(representative)

    page = parse(client.get(MY_PROPOSALS))

    assert [text(find(card, "h2")) for card in find_all(page, "li", "proposal")] == ["Le mien"]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_proposals(member, organisation, count):
    start = timezone.now() + datetime.timedelta(days=5)
    Event.objects.bulk_create(
        Event(
            title=f"Proposition {number}",
            title_fr=f"Proposition {number}",
            slug=f"proposition-{member.pk}-{number}-{count}",
            kind=EventKind.WEBINAR,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            time_zone="Africa/Dakar",
            online=True,
            organiser=organisation,
            proposed_by=member,
            status=ReviewStatus.PENDING,
        )
        for number in range(count)
    )


def test_queries_of_my_proposals_and_the_queue_do_not_grow(
    client, staff_client, representative, organisation
):
    own = Client()
    own.force_login(representative)
    add_proposals(representative, organisation, 5)
    few = count_queries(own, MY_PROPOSALS), count_queries(staff_client, QUEUE)

    add_proposals(representative, organisation, 195)
    many = count_queries(own, MY_PROPOSALS), count_queries(staff_client, QUEUE)

    assert many == few, f"5 proposals: {few} queries; 200: {many}"


def test_member_data_exports_proposals_and_deletion_keeps_published_ones(
    representative, organisation, staff
):
    published = propose(representative, organisation, title="Publié")
    event_services.publish_event(event=published, by=staff)
    waiting = propose(representative, organisation, title="En attente")

    exported = member_data(representative)["library"]["proposed_events"]

    assert [item["title"] for item in exported] == ["Publié", "En attente"]
    assert exported[0]["status"] == ReviewStatus.PUBLISHED
    delete_account(representative)
    assert Event.objects.filter(pk=published.pk).exists()
    assert not Event.objects.filter(pk=waiting.pk).exists()
