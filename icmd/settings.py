"""Settings for the ICMD portal.

Configuration comes from environment variables only; every one has a development default.
See README.md ("Configuring production") for the production values.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from icmd import localdb

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    SECRET_KEY = "development-only-key-never-used-in-production-5f2c9a7e1b"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin: translated fields (title_fr, title_en, title_es) in admin forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_tasks_db",
    "common",
    "projects",
    "network",
    "forums",
    "blogs",
    "library",
    "learning",
    "search",
    "icmd",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy and the other headers of every response,
    # static files included (before WhiteNoise).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "common.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed when no proxy does, if they hold no secret (BREACH, icmd/compression.py):
    # after WhiteNoise (static files come compressed), before anything that sets cookies or
    # reads or writes the body, so that it sees each response last.
    "icmd.compression.PublicPagesGZipMiddleware",
    # Keeps whole pages for visitors who are not logged in (common/pagecache.py): above the
    # middlewares that set cookies, so that it sees them and never keeps such a page.
    "common.pagecache.StorePageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: answers from the cache once the visitor is known not to be logged in.
    "common.pagecache.ServeCachedPageMiddleware",
]

ROOT_URLCONF = "icmd.urls"
WSGI_APPLICATION = "icmd.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "icmd.navigation.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL, or the project-local cluster started by `make run` / `make test`.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or localdb.database_url(),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Two test runs on one server each need their own test database (default: test_<name>).
if os.environ.get("DJANGO_TEST_DATABASE"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DJANGO_TEST_DATABASE"]}


# No JIT compilation: the site's queries are short, and compiling one whose estimate is high
# (the catalogue's text search over 10,000 projects) took seconds longer than running it.
def without_jit(database: dict) -> dict:
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


without_jit(DATABASES["default"])
# Optional read replicas of the primary (PostgreSQL streaming replication, docs/deploy.md):
# DATABASE_REPLICA_URLS, comma-separated, or DATABASE_REPLICA_URL. Pages read from a replica;
# writes, the worker, and for REPLICA_PIN_SECONDS whoever has just written, use the primary
# (common/db_router.py). Unset: one database, and nothing of this is installed.
DATABASE_REPLICAS = []
for _url in env_list("DATABASE_REPLICA_URLS", os.environ.get("DATABASE_REPLICA_URL", "")):
    _alias = "replica" if not DATABASE_REPLICAS else f"replica{len(DATABASE_REPLICAS) + 1}"
    DATABASES[_alias] = without_jit(
        dj_database_url.parse(
            _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
        )
    )
    # Tests run on the primary's test database alone (there is no replication there).
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
_pin = os.environ.get("DJANGO_REPLICA_PIN_SECONDS", "").strip() or "10"
if not _pin.isdecimal() or not 1 <= int(_pin) <= 3600:
    raise ImproperlyConfigured("DJANGO_REPLICA_PIN_SECONDS: seconds, from 1 to 3600.")
REPLICA_PIN_SECONDS = int(_pin)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["common.db_router.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "common.db_router.PrimaryPinningMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, otherwise a table in the database, shared by every
# process (rate limits must hold across workers). Whole pages for visitors (see PAGE_CACHE_*
# below) have a cache of their own, so that they never push rate limits out.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "pages",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_table",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "page_cache_table",
            # Beyond this many pages, a third of them is dropped (about 10 KiB each, gzipped).
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("DJANGO_PAGE_CACHE_ENTRIES") or 5000)},
        },
    }

# Whole pages for visitors who are not logged in (common/pagecache.py), kept this many
# seconds at most (0: none kept), and until what they show changes: each address under
# /<language>/ that starts with one of these prefixes ("": the home page alone; the longest
# prefix decides) shows these sections, and a change to a section (icmd/cache_sections.py
# says which models make which) has its pages rendered again at their next request.
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS") or 300)
PAGE_CACHE_ALIAS = "pages"
_everything = ("catalogue", "pages", "forums", "blogs", "network", "library", "events", "learning")
PAGE_CACHE_PATHS = {
    "": _everything,  # the home page: figures, discussions, news, events, organisations, pages
    "about/": ("pages",),
    "privacy/": ("pages",),
    "terms/": ("pages",),
    # A project's topics, blog posts and documents; a country's and an organisation's documents.
    "projects/": ("catalogue", "forums", "blogs", "library"),
    "countries/": ("catalogue", "library"),
    "statistics/": ("catalogue",),
    "open-data/": ("catalogue",),
    "organisations/": ("catalogue", "network", "library"),
    "network/": _everything,
    "forums/": ("forums", "catalogue", "network"),  # topics name projects, posts authors
    "blog/": ("blogs", "catalogue", "network"),
    "news/": ("blogs", "catalogue", "network"),
    # Resources name their publisher, projects, who shared them and their events; events
    # their organiser, projects and resources.
    "library/": ("library", "events", "catalogue", "network"),
    "events/": ("events", "library", "catalogue"),
    "search/": ("search",),  # the index, written by the worker after each change
    # Courses name their themes, forum and cohorts; lessons their downloads and cases.
    "learning/": ("learning", "catalogue", "library", "forums", "network"),
}
# Cookies that change what a page shows: a page is kept once per value of each (the time
# zone a visitor chose for events' times, library/event_times.py).
PAGE_CACHE_COOKIES = ("event_time_zone",)

# Users and authentication
AUTH_USER_MODEL = "network.Member"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "name"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A URL name, so that @login_required sends to the login page in the language being read.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
# Sign-up, login and password reset answer the same for known and unknown addresses.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "network.forms.SignupForm"
ACCOUNT_ADAPTER = "network.adapter.AccountAdapter"
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# One address per member; changing it sends a new verification link.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[M4D Net] "
# Links in emails (verification, password reset) use HTTPS in production.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Rate limits, counted in the cache (a database table or Redis, shared by every worker):
# "amount/period/per", per IP address, per user or per key (the email address typed).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "5/10m/ip",
    "reset_password": "10/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "manage_email": "10/h/user",
    "change_password": "5/m/user",
    # Our own actions, counted the same way:
    "admin_login_failed": "10/m/ip,5/5m/key",
    "contact_member": "5/h/user,20/d/user",
    "delete_account": "5/15m/user",
    "forum_post": "10/m/user,100/d/user",
    "forum_flag": "5/m/user,30/d/user",
    # Requests someone must answer: claims and proposals of organisations made on signing up
    # (no account yet: counted per address), requests to join an organisation (per member),
    # and representatives' answers to them (each emails the person).
    "organisation_request_signup": "10/h/ip,30/d/ip",
    "organisation_request": "10/h/user,30/d/user",
    "membership_decision": "60/h/user",
    "blog_post": "10/h/user,30/d/user",
    # Resources shared with the library (each waits for staff's review).
    "library_share": "10/h/user,30/d/user",
    # Events proposed by organisations' representatives (each waits for staff's review).
    "event_proposal": "10/h/user,30/d/user",
    # Organisers' emails to an event's attendees (each one an email to every attendee).
    "event_attendees_email": "5/h/user,20/d/user",
    # Facilitators' emails to their cohort's learners (each one an email to every learner).
    "learning_cohort_email": "5/h/user,20/d/user",
    # The site's contact form (icmd/views.py), open to visitors: per IP address.
    "contact": "5/h/ip,20/d/ip",
    # Downloads of the project list (CSV, IATI XML): anonymous clients per IP address,
    # members per account.
    "export": "10/m/ip",
    "export_member": "60/m/user",
    # Browsers' reports of Content-Security-Policy violations, per address.
    "csp_report": "30/m/ip",
    # Tries at a module's quiz (learning/quiz_views.py): unlimited retries, each one stored.
    "quiz_attempt": "20/m/user,300/d/user",
}

# Languages: French first (the default), then English and Spanish; URLs carry the language.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True

# Content people read (project titles, organisation descriptions, theme and forum names…)
# is stored once per language by django-modeltranslation: one column per language
# (``title_fr``, ``title_en``, ``title_es``). French is the original; a text missing in the
# visitor's language falls back to French, then English, then Spanish, and the page marks
# it (``lang`` attribute and a note, see common/translation.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_LANGUAGES = ("fr", "en", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("fr", "en", "es")}
TIME_ZONE = "UTC"
USE_TZ = True

# Static files, served by WhiteNoise
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Uploaded files (kept by `manage.py backup`): DJANGO_MEDIA_ROOT, else var/media/.
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT") or str(BASE_DIR / "var" / "media")
STATICFILES_DIRS = [BASE_DIR / "static"]


# Where uploaded files are stored: MEDIA_STORAGE_URL empty, the file system under MEDIA_ROOT;
# "s3://bucket/optional/prefix?endpoint_url=https://…&region=…", any S3-compatible object
# store through django-storages (credentials from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, never in the address). Files stay private there: the library's
# downloads go through its view, and a link the storage signs lasts `expire` seconds.
S3_URL_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "addressing_style": "addressing_style",
    "signature_version": "signature_version",
    "expire": "querystring_expire",
}


def storage_from_url(url: str) -> dict:
    if not url:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unknown scheme {parts.scheme!r} (s3://…)")
    if "@" in parts.netloc:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE_URL: credentials go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "not in the address."
        )
    bucket = parts.netloc
    if not bucket or ":" in bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL: s3://<bucket>[/prefix][?options]")
    options = {
        "bucket_name": bucket,
        "location": parts.path.strip("/"),
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        "object_parameters": {"ContentDisposition": "attachment"},
    }
    for key, values in parse_qs(parts.query, keep_blank_values=True).items():
        if key not in S3_URL_OPTIONS:
            known = ", ".join(S3_URL_OPTIONS)
            raise ImproperlyConfigured(f"MEDIA_STORAGE_URL: unknown option {key!r} ({known}).")
        options[S3_URL_OPTIONS[key]] = values[-1]
    endpoint = urlsplit(options.get("endpoint_url", "https://s3.amazonaws.com"))
    if endpoint.scheme not in {"http", "https"} or not endpoint.hostname:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL: endpoint_url must be an http(s) address.")
    expire = str(options["querystring_expire"])
    if not expire.isdecimal() or not 1 <= int(expire) <= 7 * 24 * 3600:
        raise ImproperlyConfigured("MEDIA_STORAGE_URL: expire is seconds, from 1 to 604800.")
    options["querystring_expire"] = int(expire)
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": storage_from_url(os.environ.get("MEDIA_STORAGE_URL", "").strip()),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


# Email: EMAIL_URL ("smtp://user:password@host:587", "smtps://…:465", "console:",
# "file:///path"); by default, files under var/mail/ so a person can open their links.
def mailer_from_url(url: str) -> dict:
    if not url:
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(BASE_DIR / "var" / "mail")},
        }
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme in {"smtp", "smtps"}:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if parts.scheme == "smtps" else 587),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": parts.scheme == "smtp" and options.get("tls", "1") == "1",
                "timeout": int(options.get("timeout", "10")),
            },
        }
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL: unknown scheme {parts.scheme!r}")
    mailer = {"BACKEND": backends[parts.scheme]}
    if parts.scheme == "file":
        mailer["OPTIONS"] = {"file_path": parts.path or str(BASE_DIR / "var" / "mail")}
    return mailer


MAILERS = {"default": mailer_from_url(os.environ.get("EMAIL_URL", ""))}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ICMD <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who receives the messages of the contact page (/<lang>/contact/): DJANGO_CONTACT_EMAILS,
# comma-separated; when it is empty, every active staff member. Never shown on the site.
CONTACT_EMAILS = [address.lower() for address in env_list("DJANGO_CONTACT_EMAILS")]
for _address in CONTACT_EMAILS:
    if "@" not in _address or any(c.isspace() or c in ',;<>"' for c in _address):
        raise ImproperlyConfigured(f"DJANGO_CONTACT_EMAILS: {_address!r} is not an email address.")

# Background tasks (django.tasks): stored in the database and run by
# `manage.py run_worker` (started by `make run`; a second process in production).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Emails are rows of an outbox (common/outbox.py) sent by the worker (`manage.py run_worker`);
# a failed send is retried for this long (seconds), then marked failed in the admin.
OUTBOX_RETRY_FOR = 2 * 24 * 3600
# Staff are told of flagged posts and of organisations to verify by digests: what comes
# within this many seconds of the first goes out as one email per person (common/outbox.py).
OUTBOX_DIGEST_WINDOW = int(os.environ.get("DJANGO_DIGEST_WINDOW") or 300)
# The group (admin, "Groups") whose active staff members are told of organisations to
# verify; while it has none, every active staff member allowed to decide them is told.
VERIFIERS_GROUP = os.environ.get("DJANGO_VERIFIERS_GROUP") or "Verifiers"
# The library's daily digest to followers of themes and countries is written at this hour
# (UTC) by the worker, for what was published in the day before (library/services.py).
LIBRARY_DIGEST_HOUR = int(os.environ.get("LIBRARY_DIGEST_HOUR") or 6)
# Double-submission tokens of forms that create something (common/idempotency.py), kept
# this long (seconds).
SUBMISSION_TOKENS_KEPT = 24 * 3600
# The site's address, for links in emails sent by background tasks (no request there):
# DJANGO_SITE_URL, else the development server, else the first allowed host over HTTPS.
SITE_URL = (
    os.environ.get("DJANGO_SITE_URL")
    or (
        f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        if DEBUG or not ALLOWED_HOSTS
        else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    )
).rstrip("/")

# Security. Production (DJANGO_DEBUG=0) is served over HTTPS only.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Behind reverse proxies (DJANGO_BEHIND_PROXY=1), HTTPS is read from X-Forwarded-Proto and a
# client's address from X-Forwarded-For: the entry added by the outermost of the
# DJANGO_TRUSTED_PROXIES proxies (default 1: nginx in front), never one the client wrote.
# Every rate limit per address (allauth's, the admin's login, downloads, the API) reads it
# through common.security.client_address.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
_proxies = os.environ.get("DJANGO_TRUSTED_PROXIES", "1").strip()
if not _proxies.isdecimal() or not 1 <= int(_proxies) <= 10:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXIES: the number of proxies in front, 1 to 10.")
TRUSTED_PROXIES = int(_proxies) if BEHIND_PROXY else 0
if BEHIND_PROXY and not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (Django's own, django.middleware.csp) on every response: nothing
# but the site's own files; no inline script or style except a <style> or <script> carrying
# the request's nonce ({{ csp_nonce }}); no framing, no plugin, no <base>, forms post here
# only. Violations are reported to /csp-report/ (logged, rate-limited). For a rollout,
# DJANGO_CSP_REPORT_ONLY=1 only reports what the policy would block.
CSP_REPORT_URL = "/csp-report/"
CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "report-uri": CSP_REPORT_URL,
    "report-to": "csp",
}
if not DEBUG:
    CONTENT_SECURITY_POLICY["upgrade-insecure-requests"] = True
if env_bool("DJANGO_CSP_REPORT_ONLY", False):
    SECURE_CSP = {}
    SECURE_CSP_REPORT_ONLY = {
        directive: value
        for directive, value in CONTENT_SECURITY_POLICY.items()
        if directive != "upgrade-insecure-requests"  # not allowed in a report-only policy
    }
else:
    SECURE_CSP = CONTENT_SECURITY_POLICY
    SECURE_CSP_REPORT_ONLY = {}
# Browser features the site never uses, refused to every page and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=(), browsing-topics=()"
)
# A violation report larger than this (bytes) is refused (413).
CSP_REPORT_MAX_BYTES = 16 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Change history: the admin's change message (which names inline rows) is kept in full.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# The catalogue's list pages
PROJECTS_PER_PAGE = 20
# Finished downloads of the project list (CSV, IATI XML), served again until the catalogue
# changes (projects/export_cache.py); a folder every worker can write to.
EXPORT_CACHE_DIR = Path(os.environ.get("DJANGO_EXPORT_CACHE_DIR") or BASE_DIR / "var" / "exports")
# The largest IATI activities file staff may upload in the admin's import (bytes; 50 MB, about
# 10,000 activities). The file is kept under MEDIA_ROOT and imported by the worker; a proxy
# in front must accept a request this size and a little more (nginx: client_max_body_size).
IATI_IMPORT_MAX_BYTES = int(os.environ.get("DJANGO_IATI_IMPORT_MAX_BYTES") or 50 * 1024 * 1024)
# The largest file of the library (library/uploads.py), in MB: LIBRARY_UPLOAD_MAX_MB (25). A
# proxy in front must accept it too (nginx: client_max_body_size).
_library_mb = os.environ.get("LIBRARY_UPLOAD_MAX_MB", "").strip() or "25"
if not _library_mb.isdecimal() or not 1 <= int(_library_mb) <= 1024:
    raise ImproperlyConfigured("LIBRARY_UPLOAD_MAX_MB: megabytes, from 1 to 1024.")
LIBRARY_UPLOAD_MAX_BYTES = int(_library_mb) * 1024 * 1024
# Uploads reach the forms' checks, which answer a file too large with a clear message: a file
# is held in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then in a temporary file; the other
# fields of a form may take DATA_UPLOAD_MAX_MEMORY_SIZE (files not counted). Beyond
# FILE_UPLOAD_CAP_BYTES in one request (the largest file a form takes, and a little more),
# the rest of a file is read but not kept: the form still hears its full size and refuses it
# (common/upload_handlers.py), and no disk fills up.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_CAP_BYTES = max(LIBRARY_UPLOAD_MAX_BYTES, IATI_IMPORT_MAX_BYTES) + 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "common.upload_handlers.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Open data: the read-only REST API under /api/v1/, its OpenAPI schema (/api/schema/) and
# its interactive console (/api/docs/, served from our own static files; the documentation is
# the page /<lang>/open-data/api/). Anonymous clients are
# throttled per IP address (common.security.client_address), counted in one query of a
# table (or in Redis with REDIS_URL) shared by every worker (common/throttling.py).
API_ANON_RATE = os.environ.get("DJANGO_API_ANON_RATE", "120/minute")
_requests, _slash, _period = API_ANON_RATE.partition("/")
_periods = {"second", "minute", "hour", "day"}
if not (_requests.isdecimal() and int(_requests) > 0 and _period in _periods):
    raise ImproperlyConfigured("DJANGO_API_ANON_RATE: expected e.g. 120/minute or 5000/day.")
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # The API's views use a subclass of this throttle (projects/api.py).
    "DEFAULT_THROTTLE_CLASSES": ["common.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_ANON_RATE},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ICMD open data API",
    "DESCRIPTION": (
        "The catalogue of projects funded by the Joint Migration and Development Initiative "
        "(ICMD/JMDI), the resources of its library and its events, read-only. Lists take the "
        "filters of their pages on the site, are paginated and, for projects, give totals. "
        "Names follow the Accept-Language header (fr, en, es)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    # Swagger UI's deep links put a link inside each operation's button, which screen readers
    # and touch screens cannot tell apart (axe: nested-interactive, target-size); its syntax
    # colours lack contrast (axe: color-contrast).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choices named "kind" or "language" in several places: one name each.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "projects.models.OrganisationKind",
        "ResourceKindEnum": "library.models.ResourceKind",
        "EventKindEnum": "library.models.EventKind",
        "DocumentLanguageEnum": "library.models.DOCUMENT_LANGUAGES",
    },
}
