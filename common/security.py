"""The browser's second line of defence and the client's address.

- ``SecurityHeadersMiddleware`` adds, to every response (pages, the admin, the API, static
  files, error pages), the headers that Django's own middlewares do not: Permissions-Policy
  (``settings.PERMISSIONS_POLICY``), Cross-Origin-Resource-Policy and the Reporting
  endpoint that the Content-Security-Policy's ``report-to`` names. The policy itself is
  Django's (``django.middleware.csp``, ``settings.SECURE_CSP``).
- ``csp_report`` receives the violations browsers report, and logs them; the reports are
  size- and rate-limited, since anybody can send one.
- ``client_address`` is the one place that says who a request comes from, for every rate
  limit per address.
"""

import ipaddress
import json
import logging
from http import HTTPStatus

from allauth.core import ratelimit
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("icmd.csp")

REPORTING_GROUP = "csp"  # the name the policy's ``report-to`` directive gives


def client_address(request) -> str:
    """The address of the client. Directly connected: the connection's. Behind
    ``settings.TRUSTED_PROXIES`` reverse proxies, each of which appends the address it was
    connected from to X-Forwarded-For: the entry the outermost one appended. Entries before
    it were written by the client and are never believed; a header with fewer entries than
    proxies (or one that is not an address) falls back to the connection's address."""
    connected = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if not proxies:
        return connected
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:
        return connected
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return connected


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if settings.SECURE_CSP or settings.SECURE_CSP_REPORT_ONLY:
            endpoint = request.build_absolute_uri(settings.CSP_REPORT_URL)
            response.headers.setdefault("Reporting-Endpoints", f'{REPORTING_GROUP}="{endpoint}"')
        return response


# The fields of a report worth a line in the log, in both formats browsers send:
# ``application/csp-report`` (report-uri: {"csp-report": {"document-uri": …}}) and
# ``application/reports+json`` (report-to: [{"type": "csp-violation", "body": {…}}]).
LOGGED_FIELDS = {
    "document-uri": "documentURL",
    "violated-directive": "effectiveDirective",
    "blocked-uri": "blockedURL",
    "source-file": "sourceFile",
    "line-number": "lineNumber",
    "disposition": "disposition",
}


def _violations(payload) -> list[dict]:
    """The violations a report carries, each as {legacy field name: value}; [] when the
    payload is not a report."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        report = payload["csp-report"]
        return [{name: report.get(name) for name in LOGGED_FIELDS}]
    if isinstance(payload, list):
        return [
            {name: entry["body"].get(field) for name, field in LOGGED_FIELDS.items()}
            for entry in payload
            if isinstance(entry, dict)
            and entry.get("type") == "csp-violation"
            and isinstance(entry.get("body"), dict)
        ]
    return []


@csrf_exempt  # browsers send reports without a token; nothing is written but a log line
@require_POST
def csp_report(request):
    """Log the Content-Security-Policy violations a browser reports: 204. Refused: a body
    over ``settings.CSP_REPORT_MAX_BYTES`` (413, unread), more reports from one address than
    ``ACCOUNT_RATE_LIMITS["csp_report"]`` (429), anything that is not a report (400)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=HTTPStatus.BAD_REQUEST)
    if length > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    if not ratelimit.consume(request, action="csp_report"):
        return HttpResponse(status=HTTPStatus.TOO_MANY_REQUESTS)
    body = request.read(settings.CSP_REPORT_MAX_BYTES + 1)
    if len(body) > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    try:
        violations = _violations(json.loads(body))
    except (UnicodeDecodeError, ValueError):
        violations = []
    if not violations:
        return HttpResponse(status=HTTPStatus.BAD_REQUEST)
    for violation in violations:
        logger.warning(
            "Content-Security-Policy violation: %s",
            " ".join(f"{name}={str(value)[:300]!r}" for name, value in violation.items()),
        )
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
