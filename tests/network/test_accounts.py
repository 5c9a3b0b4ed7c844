"""Joining M4D Net, logging in and account security (django-allauth and our adapter).

Every flow is followed as a person would: the page's form is read and posted back, the
email is read from the outbox and its link followed.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    MinimumLengthValidator,
    UserAttributeSimilarityValidator,
)
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from network.models import Member, Membership, MembershipRole, MembershipStatus, RepresentativeClaim
from projects.models import Organisation, OrganisationKind
from tests.factories import MemberFactory, OrganisationFactory, ProjectFactory, ThemeFactory, verify
from tests.forms import form_values
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # MemberFactory's
NEW_PASSWORD = "Baobab-sous-la-pluie-2031"


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits are counted in the cache (a database table): each test starts afresh."""
    cache.clear()
    yield
    cache.clear()


def url(name, language="fr", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def signup_form(client, language="fr", **values):
    """The sign-up form as the page offers it, filled in with ``values``."""
    response = client.get(url("account_signup", language))
    data = form_values(response, "signup-form")
    data.update(
        {
            "email": "amina.diallo@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "name": "Amina Diallo",
            "country": "SN",
            "city": "Kolda",
            "affiliation": "Université Gaston Berger",
            "bio": "Je travaille sur les transferts de fonds des migrants.",
            "join_as": "individual",
            "accept_terms": "on",
        }
    )
    data.update(values)
    return data


def link_in(message) -> str:
    found = re.findall(r"https?://testserver(/\S+)", message.body)
    assert len(found) == 1, message.body
    return found[0]


def comparable(response, *typed) -> str:
    """The page with what the person typed and the CSRF token taken out."""
    html = response.content.decode()
    for value in typed:
        html = html.replace(value, "…")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def logged_in_member(client):
    user_id = client.session.get("_auth_user_id")
    return Member.objects.get(pk=user_id) if user_id else None


# --- Settings ------------------------------------------------------------------------------


def test_rate_limits_are_counted_in_a_cache_shared_by_every_worker():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend in {
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    }, f"{backend}: a per-process cache (or none) would not hold the rate limits"


def test_security_settings_of_allauth():
    assert settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
    assert settings.ACCOUNT_LOGIN_METHODS == {"email"}
    assert settings.ACCOUNT_PREVENT_ENUMERATION is True
    assert settings.ACCOUNT_LOGOUT_ON_GET is False
    for action in ("login", "login_failed", "signup", "reset_password", "confirm_email"):
        assert settings.ACCOUNT_RATE_LIMITS[action]


# --- The sign-up page ----------------------------------------------------------------------


def test_signup_page_is_in_the_site_in_french_with_a_label_for_every_field(client, db):
    ThemeFactory(name="Agriculture", name_en="Agriculture")
    response = client.get(url("account_signup"))
    assert response.status_code == 200
    page = parse(response)
    assert find(page, "html").attrs["lang"] == "fr"
    assert find_all(page, "header", "site-header"), "the site's header (base.html)"
    assert text(find(page, "h1")) == tr("Join M4D Net")
    form = find(page, "form", id="signup-form")
    assert form.attrs["method"] == "post"
    labelled = {label.attrs.get("for") for label in find_all(form, "label")}
    for control in find_all(form, "input") + find_all(form, "select") + find_all(form, "textarea"):
        if control.attrs.get("type") in {"hidden", "submit"}:
            continue
        assert control.attrs["id"] in labelled, f"no label for {control.attrs}"
    legends = [text(legend) for legend in find_all(form, "legend")]
    assert tr("Areas of expertise") in legends
    assert tr("Join M4D Net") in legends


def test_organisation_fields_are_grouped_under_their_choice(client, db):
    response = client.get(url("account_signup"))
    join_as = find(parse(response), "fieldset", "join-as")
    choices = find_all(join_as, "div", "choice")
    assert [find(c, "input", type="radio").attrs["value"] for c in choices] == [
        "individual",
        "existing",
        "new",
    ]
    assert "checked" in find(choices[0], "input", type="radio").attrs
    assert not find_all(choices[0], "fieldset")
    existing = find(choices[1], "fieldset", "choice-details")
    assert [s.attrs["name"] for s in find_all(existing, "select")] == ["organisation"]
    new = find(choices[2], "fieldset", "choice-details")
    names = [c.attrs["name"] for c in find_all(new, "*") if "name" in c.attrs]
    assert names == [
        "organisation_name",
        "organisation_kind",
        "organisation_country",
        "organisation_website",
        "organisation_description",
    ]


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_signup", "Join M4D Net"),
        ("account_login", "Log in"),
        ("account_reset_password", "Password Reset"),
    ],
)
@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_entrance_pages_render_inside_the_site_in_each_language(
    client, db, name, heading, language
):
    response = client.get(url(name, language))
    assert response.status_code == 200
    page = parse(response)
    assert find(page, "html").attrs["lang"] == language
    assert text(find(page, "h1")) == tr(heading, language)
    assert find_all(page, "header", "site-header")
    assert find_all(page, "footer", "site-footer")
    form = find_all(find(page, "main"), "form")[-1]
    labelled = {label.attrs.get("for") for label in find_all(form, "label")}
    for control in find_all(form, "input") + find_all(form, "select"):
        if control.attrs.get("type") not in {"hidden", "submit"}:
            assert control.attrs["id"] in labelled, f"no label for {control.attrs}"


ANONYMOUS_PAGES = [
    "/fr/accounts/confirm-email/",  # "verify your email address"
    "/fr/accounts/confirm-email/not-a-key/",  # an expired or wrong link
    "/fr/accounts/password/reset/done/",
    "/fr/accounts/password/reset/key/1-not-a-token/",
    "/fr/accounts/inactive/",
]
MEMBER_PAGES = [
    "/fr/accounts/logout/",
    "/fr/accounts/email/",
    "/fr/accounts/password/change/",
    "/fr/accounts/reauthenticate/",
]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES + MEMBER_PAGES)
def test_every_account_page_is_a_page_of_the_site_with_labelled_fields(client, db, path):
    if path in MEMBER_PAGES:
        client.force_login(verify(MemberFactory()))
    response = client.get(path, follow=True)
    assert response.status_code == 200
    page = parse(response)
    assert find(page, "html").attrs["lang"] == "fr"
    assert find_all(page, "header", "site-header") and find_all(page, "footer", "site-footer")
    assert len(find_all(page, "h1")) == 1
    assert text(find(page, "title")).endswith("· ICMD")
    main = find(page, "main")
    labelled = {label.attrs.get("for") for label in find_all(main, "label")}
    for control in find_all(main, "input") + find_all(main, "select"):
        if control.attrs.get("type") not in {"hidden", "submit"}:
            assert control.attrs["id"] in labelled, f"no label for {control.attrs}"
    for form in find_all(main, "form"):
        if form.attrs.get("method") == "post":
            assert find_all(form, "input", name="csrfmiddlewaretoken")


@pytest.mark.parametrize("rows", [5, 60])
def test_signup_page_queries_do_not_grow_with_themes_and_organisations(
    client, db, django_assert_num_queries, rows
):
    ThemeFactory.create_batch(rows)
    for organisation in OrganisationFactory.create_batch(rows):
        ProjectFactory(partners=[organisation])
    # The themes (expertise) and the listed organisations: one query each.
    with django_assert_num_queries(2):
        response = client.get(url("account_signup"))
    assert len(find_all(find(parse(response), "select", name="organisation"), "option")) == rows + 1


# --- Joining as an individual, end to end ------------------------------------------------


def test_join_as_an_individual_verify_the_email_and_land_on_the_profile(client, db, run_tasks):
    themes = [ThemeFactory(), ThemeFactory(), ThemeFactory()]
    data = signup_form(client, expertise=[str(themes[0].pk), str(themes[2].pk)])

    response = client.post(url("account_signup"), data)

    assert response.status_code == 302
    assert response["Location"] == url("account_email_verification_sent")
    member = Member.objects.get(email="amina.diallo@example.org")
    assert (member.name, member.country.code, member.city) == ("Amina Diallo", "SN", "Kolda")
    assert member.affiliation == "Université Gaston Berger"
    assert member.bio.startswith("Je travaille")
    assert set(member.expertise.all()) == {themes[0], themes[2]}
    assert member.check_password(NEW_PASSWORD)
    assert not member.has_verified_email
    assert not Membership.objects.filter(member=member).exists()
    assert logged_in_member(client) is None, "not logged in before the address is verified"

    page = client.get(response["Location"])
    assert text(find(parse(page), "h1")) == tr("Verify Your Email Address")

    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["amina.diallo@example.org"]
    assert message.subject.startswith("[M4D Net] ")
    assert tr("Please Confirm Your Email Address") in message.subject
    assert tr("Hello from %(site_name)s!") % {"site_name": "M4D Net"} in message.body
    link = link_in(message)
    assert link.startswith("/fr/accounts/confirm-email/")

    response = client.get(link, follow=True)

    address = EmailAddress.objects.get(user=member)
    assert address.verified and address.primary
    assert logged_in_member(client) == member
    chain = [location for location, _status in response.redirect_chain]
    assert chain[0] == url("network:me")
    assert chain[-1] == url("network:member", slug=member.slug)
    assert response.status_code == 200
    assert text(find(parse(response), "h1")) == "Amina Diallo"


def test_the_verification_link_works_once(client, db, run_tasks):
    client.post(url("account_signup"), signup_form(client))
    run_tasks()
    link = link_in(mail.outbox[0])
    client.get(link)
    client.post(url("account_logout"))

    response = client.get(link)

    assert response.status_code == 200
    assert logged_in_member(client) is None
    assert find(find(parse(response), "main"), "a", href=url("account_email"))


def test_verification_link_opened_in_another_browser_confirms_without_logging_in(
    client, db, run_tasks
):
    client.post(url("account_signup"), signup_form(client))
    run_tasks()
    link = link_in(mail.outbox[0])
    other_browser = Client()

    response = other_browser.get(link)

    assert EmailAddress.objects.get(email="amina.diallo@example.org").verified
    assert logged_in_member(other_browser) is None
    assert response.status_code == 302
    # The person then logs in with their password, as usual.
    response = other_browser.post(
        url("account_login"), {"login": "amina.diallo@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert logged_in_member(other_browser).email == "amina.diallo@example.org"


# --- Joining on behalf of an organisation --------------------------------------------------


def test_join_claiming_an_organisation_of_the_catalogue(client, db):
    organisation = OrganisationFactory(name="Association Migration & Développement")
    ProjectFactory(partners=[organisation])
    data = signup_form(client, join_as="existing", organisation=str(organisation.pk))

    response = client.post(url("account_signup"), data)

    assert response.status_code == 302
    member = Member.objects.get(email="amina.diallo@example.org")
    claim = RepresentativeClaim.objects.get(member=member)
    assert claim.organisation == organisation
    assert (claim.role, claim.status) == (MembershipRole.REPRESENTATIVE, MembershipStatus.PENDING)
    organisation.refresh_from_db()
    assert organisation.verified is False


def test_join_proposing_a_new_organisation_that_waits_for_staff(client, db):
    data = signup_form(
        client,
        join_as="new",
        organisation_name="Collectif des ressortissants de Kolda",
        organisation_kind=OrganisationKind.DIASPORA,
        organisation_country="FR",
        organisation_website="kolda-diaspora.example.org",
        organisation_description="Association de migrants à Paris.",
    )

    response = client.post(url("account_signup"), data)

    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Collectif des ressortissants de Kolda")
    assert organisation.verified is False
    assert (organisation.kind, organisation.country.code) == (OrganisationKind.DIASPORA, "FR")
    assert organisation.website == "https://kolda-diaspora.example.org"
    assert organisation not in Organisation.objects.listed()
    claim = RepresentativeClaim.objects.get(organisation=organisation)
    assert claim.member.email == "amina.diallo@example.org"
    assert (claim.role, claim.status) == (MembershipRole.REPRESENTATIVE, MembershipStatus.PENDING)
    # Not offered to other newcomers until staff verify it.
    page = client.get(url("account_signup"))
    assert "Collectif des ressortissants de Kolda" not in page.content.decode()


# --- Validation errors: shown on the form, nothing created ---------------------------------


def field_errors(response, field):
    """The error messages shown for ``field`` on the page."""
    page = parse(response)
    errors = find_all(page, "ul", "errorlist", id=f"id_{field}_error")
    return [text(item) for errors_list in errors for item in find_all(errors_list, "li")]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"join_as": "existing", "organisation": ""}, "organisation", None),
        ({"join_as": "new"}, "organisation_name", "Needed for a new organisation."),
        ({"join_as": "new", "organisation_name": "Kolda"}, "organisation_kind", None),
        ({"join_as": "new", "organisation_name": "Kolda"}, "organisation_country", None),
        (
            {
                "join_as": "new",
                "organisation_name": "association migration & developpement",
                "organisation_kind": OrganisationKind.NGO,
                "organisation_country": "MA",
            },
            "organisation_name",
            "This organisation is already listed: choose it from the catalogue.",
        ),
        ({"password1": "Kolda-2031", "password2": "Kolda-2031"}, "password1", None),
        ({"password1": "password1234", "password2": "password1234"}, "password1", None),
        (
            {"password1": "amina.diallo.example", "password2": "amina.diallo.example"},
            "password1",
            None,
        ),
        (
            {"name": "Marie-Claire Ndiaye", "password1": "ndiaye marie-claire"},
            "password1",
            None,
        ),
        ({"password2": "another-password-2031"}, "password2", None),
        ({"name": ""}, "name", None),
        ({"email": "not-an-address"}, "email", None),
    ],
    ids=[
        "existing-without-organisation",
        "new-without-name",
        "new-without-kind",
        "new-without-country",
        "new-duplicate-name",
        "password-too-short",
        "password-common",
        "password-like-email",
        "password-like-name",
        "passwords-differ",
        "no-name",
        "bad-email",
    ],
)
def test_signup_errors_are_shown_and_nothing_is_created(
    client, db, values, field, message, run_tasks
):
    OrganisationFactory(name="Association Migration & Développement", verified=True)
    data = signup_form(client, **values)
    if "password1" in values and "password2" not in values:
        data["password2"] = values["password1"]
    organisations = Organisation.objects.count()

    response = client.post(url("account_signup"), data)

    assert response.status_code == 200
    errors = field_errors(response, field)
    assert errors, f"no error shown for {field}"
    if message:
        assert tr(message) in errors
    assert find_all(parse(response), "div", "form-errors")
    assert not Member.objects.exists()
    assert Organisation.objects.count() == organisations
    assert not Membership.objects.exists()
    run_tasks()
    assert not mail.outbox
    # What was typed is kept (except passwords).
    form = find(parse(response), "form", id="signup-form")
    if field != "name":
        assert find(form, "input", name="name").attrs["value"] == data["name"]
    assert "value" not in find(form, "input", name="password1").attrs


@pytest.mark.parametrize(
    ("password", "validator", "probe"),
    [
        ("Kolda-2031", MinimumLengthValidator(12), None),
        ("password1234", CommonPasswordValidator(), None),
        (
            "amina.diallo.example",
            UserAttributeSimilarityValidator(),
            Member(email="amina.diallo@example.org"),
        ),
        (
            "diallo amina 2031",
            UserAttributeSimilarityValidator(user_attributes=("name",)),
            Member(name="Amina Diallo"),
        ),
    ],
    ids=["too-short", "common", "like-email", "like-name"],
)
def test_password_errors_say_which_rule_in_the_page_language(
    client, db, password, validator, probe
):
    data = signup_form(client, password1=password, password2=password)
    response = client.post(url("account_signup"), data)
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        validator.validate(password, probe)
    assert field_errors(response, "password1") == refused.value.messages
    assert not Member.objects.exists()


# --- Unverified members ------------------------------------------------------------------


def test_an_unverified_member_cannot_log_in_and_is_asked_to_verify(client, db, run_tasks):
    member = MemberFactory(email="awa@example.org")
    EmailAddress.objects.create(user=member, email=member.email, verified=False, primary=True)

    response = client.post(url("account_login"), {"login": "awa@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == url("account_email_verification_sent")
    assert logged_in_member(client) is None
    page = client.get(response["Location"])
    assert text(find(parse(page), "h1")) == tr("Verify Your Email Address")
    # A new link is sent, and following it lets them in.
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["awa@example.org"]
    client.get(link_in(message))
    assert logged_in_member(client) == member
    # Until then they could not contact anyone (the contact view asks this).
    assert Member.objects.get(pk=member.pk).has_verified_email


def test_an_unverified_member_has_no_verified_email(db):
    member = MemberFactory()
    EmailAddress.objects.create(user=member, email=member.email, verified=False, primary=True)
    assert member.has_verified_email is False
    assert verify(MemberFactory()).has_verified_email is True


def test_a_verified_member_logs_in_with_their_email(client, db):
    member = verify(MemberFactory(email="ousmane@example.org"))
    response = client.post(
        url("account_login"), {"login": " Ousmane@Example.ORG ", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert logged_in_member(client) == member


# --- No account enumeration ----------------------------------------------------------------


def test_signup_with_an_existing_address_answers_as_for_a_new_one(client, db, run_tasks):
    existing = verify(MemberFactory(email="known@example.org", name="Fatou Sow"))

    known = Client().post(
        url("account_signup"), signup_form(Client(), email="known@example.org"), follow=True
    )
    unknown = Client().post(
        url("account_signup"), signup_form(Client(), email="nobody@example.org"), follow=True
    )

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert comparable(known, "known@example.org") == comparable(unknown, "nobody@example.org")
    assert text(parse(known)).replace("known@", "…@") == text(parse(unknown)).replace(
        "nobody@", "…@"
    )
    existing.refresh_from_db()
    assert existing.name == "Fatou Sow" and existing.check_password(PASSWORD)
    assert Member.objects.filter(email__iexact="known@example.org").count() == 1
    # The owner of the address is told by email, without a new account.
    run_tasks()
    to_known = [m for m in mail.outbox if m.to == ["known@example.org"]]
    assert len(to_known) == 1 and "/accounts/password/reset/" in to_known[0].body


def test_login_answers_the_same_for_an_unknown_address_and_a_wrong_password(client, db):
    verify(MemberFactory(email="known@example.org"))

    unknown = Client().post(
        url("account_login"), {"login": "nobody@example.org", "password": "wrong-password-1"}
    )
    wrong = Client().post(
        url("account_login"), {"login": "known@example.org", "password": "wrong-password-1"}
    )

    assert unknown.status_code == wrong.status_code == 200
    assert comparable(unknown, "nobody@example.org") == comparable(wrong, "known@example.org")
    errors = find(parse(wrong), "div", "form-errors")
    assert tr("The email address and/or password you specified are not correct.") in text(errors)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, db, run_tasks):
    verify(MemberFactory(email="known@example.org"))

    known = Client().post(
        url("account_reset_password"), {"email": "known@example.org"}, follow=True
    )
    unknown = Client().post(
        url("account_reset_password"), {"email": "nobody@example.org"}, follow=True
    )

    assert known.status_code == unknown.status_code == 200
    assert (
        known.redirect_chain
        == unknown.redirect_chain
        == [(url("account_reset_password_done"), 302)]
    )
    assert comparable(known, "known@example.org") == comparable(unknown, "nobody@example.org")
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == ["known@example.org", "nobody@example.org"]


def test_password_reset_end_to_end(client, db, run_tasks):
    member = verify(MemberFactory(email="known@example.org"))
    client.post(url("account_reset_password"), {"email": "known@example.org"})
    run_tasks()
    (message,) = mail.outbox
    response = client.get(link_in(message), follow=True)
    assert response.status_code == 200
    data = form_values(response, "password-reset-key-form")
    data.update(password1=NEW_PASSWORD, password2=NEW_PASSWORD)

    response = client.post(response.redirect_chain[-1][0], data)

    assert response.status_code == 302
    assert response["Location"] == url("account_reset_password_from_key_done")
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


# --- Rate limits (the real cache) --------------------------------------------------------


def test_failed_logins_are_limited_per_address_then_even_the_right_password_is_refused(client, db):
    member = verify(MemberFactory(email="known@example.org"))
    for _attempt in range(5):  # "5/5m/key"
        response = client.post(
            url("account_login"), {"login": "known@example.org", "password": "wrong-password-1"}
        )
        assert response.status_code == 200

    response = client.post(
        url("account_login"), {"login": "known@example.org", "password": "wrong-password-1"}
    )
    assert response.status_code == 429
    assert text(find(parse(response), "h1")) == tr("Too many attempts")

    response = client.post(
        url("account_login"), {"login": "known@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert logged_in_member(client) is None

    # Another address from another place is not affected.
    other = verify(MemberFactory(email="other@example.org"))
    other_client = Client(REMOTE_ADDR="192.0.2.7")
    response = other_client.post(
        url("account_login"), {"login": "other@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert logged_in_member(other_client) == other != member


def test_a_successful_login_does_not_count_as_a_failure(client, db):
    verify(MemberFactory(email="known@example.org"))
    for _attempt in range(8):
        response = Client().post(
            url("account_login"), {"login": "known@example.org", "password": PASSWORD}
        )
        assert response.status_code == 302


def test_signups_are_limited_per_ip(client, db):
    for attempt in range(5):  # "5/10m/ip": every attempt counts, valid or not
        response = client.post(url("account_signup"), {"email": f"person{attempt}@example.org"})
        assert response.status_code == 200
    response = client.post(url("account_signup"), signup_form(client))
    assert response.status_code == 429
    assert not Member.objects.exists()
    # Reading the page is not limited.
    assert client.get(url("account_signup")).status_code == 200


def test_rate_limits_are_read_from_the_settings_at_each_request(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    statuses = [client.post(url("account_signup"), {}).status_code for _attempt in range(3)]
    assert statuses == [200, 200, 429]


def test_password_resets_are_limited_per_address(client, db, run_tasks):
    verify(MemberFactory(email="known@example.org"))
    for _attempt in range(3):  # "3/h/key"
        response = client.post(url("account_reset_password"), {"email": "known@example.org"})
        assert response.status_code == 302
    response = client.post(url("account_reset_password"), {"email": "KNOWN@example.org"})
    assert response.status_code == 429
    run_tasks()
    assert len(mail.outbox) == 3
    # The same for an unknown address: the limit tells nothing about accounts.
    for _attempt in range(3):
        client.post(url("account_reset_password"), {"email": "nobody@example.org"})
    response = client.post(url("account_reset_password"), {"email": "nobody@example.org"})
    assert response.status_code == 429


def test_password_resets_are_limited_per_ip(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/h/ip"}
    statuses = [
        client.post(url("account_reset_password"), {"email": f"p{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


# --- The admin's login -------------------------------------------------------------------


def admin_login(client, email, password):
    return client.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}
    )


def test_admin_login_refuses_everything_after_five_wrong_passwords(client, staff):
    for _attempt in range(5):
        assert admin_login(client, staff.email, "wrong-password-1").status_code == 200
    assert admin_login(client, staff.email, "wrong-password-1").status_code == 429
    assert admin_login(client, staff.email.upper(), PASSWORD).status_code == 429
    assert logged_in_member(client) is None
    # The admin page itself still answers (a GET is not an attempt).
    assert client.get("/admin/login/").status_code == 200


def test_admin_login_lets_staff_in_below_the_limit(client, staff):
    for _attempt in range(4):
        assert admin_login(client, staff.email, "wrong-password-1").status_code == 200
    response = admin_login(client, staff.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert logged_in_member(client) == staff
    assert client.get("/admin/").status_code == 200


def test_admin_login_of_a_member_who_is_not_staff_counts_as_a_failure(client, member):
    for _attempt in range(5):
        assert admin_login(client, member.email, PASSWORD).status_code == 200
    assert admin_login(client, member.email, PASSWORD).status_code == 429


# --- Logout ------------------------------------------------------------------------------


def test_logout_is_a_post_with_csrf(db):
    member = verify(MemberFactory())
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    page = client.get(url("account_logout"))
    assert page.status_code == 200
    assert logged_in_member(client) == member, "a GET does not log out"

    assert client.post(url("account_logout")).status_code == 403
    assert logged_in_member(client) == member

    data = form_values(page, "logout-form")
    response = client.post(url("account_logout"), data)
    assert response.status_code == 302
    assert logged_in_member(client) is None


def test_the_header_logs_out_with_a_form(client, db):
    member = verify(MemberFactory())
    client.force_login(member)
    page = parse(client.get(url("home")))
    form = find(find(page, "header", "site-header"), "form")
    assert form.attrs["method"] == "post"
    assert form.attrs["action"] == url("account_logout")
    assert find(form, "input", name="csrfmiddlewaretoken")


# --- Changing the email address ----------------------------------------------------------


def test_change_email_is_verified_before_it_replaces_the_old_one(client, db, run_tasks):
    member = verify(MemberFactory(email="old@example.org"))
    client.force_login(member)
    page = client.get(url("account_email"))
    assert page.status_code == 200
    data = form_values(page, "email-change-form")
    data.update(email="new@example.org", action_add="")

    response = client.post(url("account_email"), data)

    assert response.status_code == 302
    run_tasks()
    (message,) = mail.outbox
    assert message.to == ["new@example.org"]
    member.refresh_from_db()
    assert member.email == "old@example.org"
    old = EmailAddress.objects.get(email="old@example.org")
    new = EmailAddress.objects.get(email="new@example.org")
    assert old.primary and old.verified
    assert not new.primary and not new.verified
    page = client.get(url("account_email"))
    assert "new@example.org" in text(parse(page))
    # The new address does not let anyone in until it is confirmed.
    other_browser = Client()
    other_browser.post(url("account_login"), {"login": "new@example.org", "password": PASSWORD})
    assert logged_in_member(other_browser) is None
    mail.outbox.clear()
    message_to_new = message

    response = client.get(link_in(message_to_new))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == "new@example.org"
    assert list(
        EmailAddress.objects.filter(user=member).values_list("email", "primary", "verified")
    ) == [("new@example.org", True, True)]
    # The old address is told of the change.
    run_tasks()
    assert [m.to for m in mail.outbox] == [["old@example.org"]]


def test_email_and_password_pages_need_a_login(client, db):
    for name in ("account_email", "account_change_password"):
        response = client.get(url(name))
        assert response.status_code == 302
        assert response["Location"].startswith(url("account_login"))


def test_change_password(client, db):
    member = verify(MemberFactory())
    client.force_login(member)
    page = client.get(url("account_change_password"))
    assert find_all(parse(page), "header", "site-header")
    data = form_values(page, "password-change-form")
    data.update(oldpassword=PASSWORD, password1="short", password2="short")
    response = client.post(url("account_change_password"), data)
    assert response.status_code == 200
    assert field_errors(response, "password1")

    data.update(password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    response = client.post(url("account_change_password"), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
