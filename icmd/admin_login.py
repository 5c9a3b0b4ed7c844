"""The admin's login, rate-limited like the site's own login (allauth's rate limits)."""

from allauth.core import ratelimit
from django.contrib import admin

_admin_login = admin.site.login


def rate_limited_admin_login(request, extra_context=None):
    """Failed attempts are counted per IP address and per email address typed; past the
    limit, every attempt is refused with 429 until the period ends, right or wrong."""
    if request.method != "POST":
        return _admin_login(request, extra_context)
    key = request.POST.get("username", "").strip().lower()
    if not ratelimit.consume(request, action="admin_login_failed", key=key, dry_run=True):
        return ratelimit.respond_429(request)
    response = _admin_login(request, extra_context)
    if not request.user.is_authenticated or not request.user.is_staff:
        ratelimit.consume(request, action="admin_login_failed", key=key)
    return response
