from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from common.security import csp_report
from icmd import views
from icmd.admin_login import rate_limited_admin_login
from network.views.accounts import signup
from network.views.organisations import organisation_detail

admin.site.site_header = _("JMDI portal administration")
admin.site.site_title = _("JMDI portal")
admin.site.index_title = _("Catalogue, members and pages")

admin.site.login = rate_limited_admin_login

urlpatterns = [
    path("admin/", admin.site.urls),
    # Open data: REST API (/api/v1/), OpenAPI schema and docs; not language-prefixed. The
    # library's resources and events first: the catalogue's API answers 404 to the rest.
    path("api/", include("library.api")),
    path("api/", include("projects.api")),
    # Browsers' reports of Content-Security-Policy violations (common/security.py).
    path("csp-report/", csp_report, name="csp_report"),
    # Asked for by browsers whatever the page links (templates/base.html links the icon).
    path("favicon.ico", views.favicon, name="favicon"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("about/", views.about, name="about_index"),
    path("about/<slug:slug>/", views.about, name="about"),
    path("privacy/", views.privacy, name="privacy"),
    path("terms/", views.terms, name="terms"),
    path("contact/", views.contact, name="contact"),
    # allauth's sign-up, in one transaction and safe to submit twice (network/views/accounts.py).
    path("accounts/signup/", signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("projects.urls")),
    path("network/", include("network.urls")),
    # Before forums.urls, whose /forums/<slug>/ would take /forums/follow/.
    path("", include("blogs.urls")),
    path("", include("forums.urls")),
    path("library/", include("library.urls")),
    path("events/", include("library.event_urls")),
    path("learning/", include("learning.urls")),
    path("search/", include("search.urls")),
    # One page per organisation: its projects (catalogue) and its people (network).
    path("organisations/<slug:slug>/", organisation_detail, name="organisation"),
    prefix_default_language=True,
)
