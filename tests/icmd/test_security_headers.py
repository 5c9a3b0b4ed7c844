"""The headers a browser (and a scanner) sees on every kind of response, the violation
report endpoint, and the client address that rate limits count behind proxies."""

import json
import logging

import pytest
from django.test import Client, RequestFactory

from common.security import client_address
from tests.factories import ProjectFactory

POLICY = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parsed = {}
    for part in header.split(";"):
        name, _space, value = part.strip().partition(" ")
        parsed[name] = value
    return parsed


def assert_secure_headers(response):
    policy = directives(response["Content-Security-Policy"])
    for name, value in POLICY.items():
        assert policy[name] == value, (name, policy)
    for kind in ("script-src", "style-src"):
        assert "'self'" in policy[kind]
        assert "unsafe-inline" not in policy[kind]
        assert "unsafe-eval" not in policy[kind]
    assert "report-uri" in policy
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture
def catalogue(db):
    return ProjectFactory(published=True)


PUBLIC_PAGES = [
    "/fr/",  # the site's pages
    "/en/projects/",  # the catalogue
    "/es/network/members/",  # M4D Net
    "/fr/forums/",  # forums
    "/fr/blog/",  # blogs
    "/fr/search/?q=migration",  # site search
    "/fr/accounts/login/",  # allauth
    "/admin/login/",  # the admin
    "/api/v1/projects/",  # the API
    "/api/schema/",
    "/fr/no-such-page/",  # an error page (404)
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_kind_of_response_carries_the_security_headers(client, catalogue, url):
    response = client.get(url)
    assert response.status_code in {200, 404}
    assert_secure_headers(response)


def test_a_project_page_and_the_admin_change_form_carry_them_too(staff_client, catalogue):
    assert_secure_headers(staff_client.get(catalogue.get_absolute_url()))
    change = staff_client.get(f"/admin/projects/project/{catalogue.pk}/change/")
    assert change.status_code == 200
    assert_secure_headers(change)


def test_a_refusal_and_a_method_not_allowed_carry_them(client, member, catalogue):
    client.force_login(member)
    assert_secure_headers(client.get("/admin/projects/project/"))  # redirect to the login
    assert_secure_headers(client.post("/api/v1/projects/"))  # 405


def test_session_and_csrf_cookies_stay_http_only_and_lax(client, db):
    response = client.get("/fr/accounts/login/")
    csrf = response.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"


def test_the_statistics_bars_need_no_inline_style_attribute(client, catalogue):
    """The only inline code of the site's own pages: the bars' lengths, in a style block
    carrying this response's nonce, which the policy names."""
    response = client.get("/fr/statistics/")
    html = response.content.decode()
    assert "style=" not in html
    nonce = html.split('<style nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce}'" in directives(response["Content-Security-Policy"])["style-src"]
    assert "#bar-country-1 { --share: 100.0%; }" in html
    second = client.get("/fr/statistics/")
    assert nonce not in second.content.decode()  # a new nonce for every response


# --- Violation reports ------------------------------------------------------------------------

LEGACY_REPORT = {
    "csp-report": {
        "document-uri": "https://portal.example.org/fr/",
        "violated-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js",
        "disposition": "enforce",
    }
}
REPORTING_API_REPORT = [
    {
        "type": "csp-violation",
        "url": "https://portal.example.org/fr/",
        "body": {
            "documentURL": "https://portal.example.org/fr/",
            "effectiveDirective": "style-src-attr",
            "blockedURL": "inline",
            "disposition": "enforce",
        },
    }
]


def report(client, payload, content_type="application/csp-report", **extra):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post("/csp-report/", body, content_type=content_type, **extra)


def test_a_violation_report_is_logged_in_either_format(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="icmd.csp"):
        assert report(client, LEGACY_REPORT).status_code == 204
        assert report(client, REPORTING_API_REPORT, "application/reports+json").status_code == 204
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "https://evil.example/x.js" in logged
    assert "style-src-attr" in logged


def test_a_report_needs_no_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    assert report(client, LEGACY_REPORT).status_code == 204


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"{}", b"[1, 2]", b"\xff\xfe", b'{"csp-report": 3}']
)
def test_anything_but_a_report_is_refused(client, db, body):
    assert report(client, body).status_code == 400


def test_a_huge_report_is_refused_unread(client, db, caplog):
    huge = {"csp-report": {**LEGACY_REPORT["csp-report"], "script-sample": "x" * 100_000}}
    with caplog.at_level(logging.WARNING, logger="icmd.csp"):
        assert report(client, huge).status_code == 413
    assert not [record for record in caplog.records if record.name == "icmd.csp"]


def test_reports_are_rate_limited_per_address(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "csp_report": "3/m/ip"}
    codes = [report(client, LEGACY_REPORT).status_code for _ in range(5)]
    assert codes == [204, 204, 204, 429, 429]
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert report(other, LEGACY_REPORT).status_code == 204


def test_reports_are_only_posted(client, db):
    assert client.get("/csp-report/").status_code == 405


# --- The client's address behind proxies --------------------------------------------------------


def address(settings, proxies: int, forwarded: str | None, connected="10.0.0.2") -> str:
    settings.TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": connected}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **meta))


def test_without_proxies_the_connection_is_the_client(settings):
    assert address(settings, 0, "203.0.113.5") == "10.0.0.2"


def test_behind_one_proxy_only_the_entry_it_added_counts(settings):
    # nginx appends the address it was connected from; what the client wrote comes before.
    assert address(settings, 1, "203.0.113.5") == "203.0.113.5"
    assert address(settings, 1, "1.2.3.4, 6.6.6.6, 203.0.113.5") == "203.0.113.5"


def test_behind_two_proxies_the_outer_proxys_entry_counts(settings):
    # A CDN appends the client, then nginx appends the CDN.
    assert address(settings, 2, "1.2.3.4, 203.0.113.5, 192.0.2.80") == "203.0.113.5"


def test_a_short_or_forged_header_falls_back_to_the_connection(settings):
    assert address(settings, 2, "203.0.113.5") == "10.0.0.2"
    assert address(settings, 1, None) == "10.0.0.2"
    assert address(settings, 1, "unknown") == "10.0.0.2"
    assert address(settings, 1, "<script>, ") == "10.0.0.2"


def test_forging_the_header_does_not_escape_the_api_throttle(client, db, settings):
    """A client rotating X-Forwarded-For behind the proxy is still one client: the proxy's
    own entry comes last."""
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"},
    }
    codes = [
        client.get(
            "/api/v1/themes/",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}, 203.0.113.5",
        ).status_code
        for number in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]


def test_forging_a_victims_address_does_not_lock_the_victim_out(client, db, settings):
    settings.TRUSTED_PROXIES = 1
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip"}
    victim, attacker = "203.0.113.5", "198.51.100.66"
    for _ in range(4):  # the attacker writes the victim's address first
        client.post(
            "/fr/accounts/login/",
            {"login": "nobody@example.org", "password": "wrong password"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{victim}, {attacker}",
        )
    attackers = client.post(
        "/fr/accounts/login/",
        {"login": "nobody@example.org", "password": "wrong password"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=attacker,
    )
    victims = Client().post(
        "/fr/accounts/login/",
        {"login": "nobody@example.org", "password": "wrong password"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=victim,
    )
    assert attackers.status_code == 429
    assert victims.status_code == 200  # the form again, with its error: not locked out
