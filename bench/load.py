"""Load benchmark of the production server: every kind of page under ``wrk``, compared with
a bare Django view served by the same server in the same run.

    .venv/bin/python bench/load.py [--scale 1] [--duration 15] [--pages KEY ...] [--keep]

(``make bench`` runs it at full size; ``make bench BENCH_ARGS="--scale 0.1 --duration 5"``.)

1. A database of its own (``--database``, default ``icmd_bench``, on the server the settings
   use; never the development data), created again unless ``--keep`` finds it filled by an
   earlier run: migrated, the seed loaded, then filled by ``manage.py generate_data --scale``
   (1.0: 10,000 projects, 50,000 members, 100,000 forum posts …). ``--posters`` members of
   its own are added (confirmed addresses, no password) to post replies; with the seed alone
   a topic is written for the topic pages.
2. The SQL queries of each page, in this process (Django's test client on the same
   database, ``CaptureQueriesContext``, after a request that warms caches up): for a
   visitor, the page rendered and asked for again (from the page cache where the site keeps
   it), and for a member (a generated one, else the first poster).
3. gunicorn started as in production (docs/deploy/gunicorn.conf.py: threaded workers,
   ``DEBUG`` off, bench/slow_clients.py's ``production_environment`` and ``Servers``) on a
   loopback port, with bench/settings.py: the site's URLs plus ``/bare/``, the smallest
   view, through the same middleware. The API's throttle of anonymous clients (one address
   here for every client) is raised so that it counts but never refuses.
4. For each page, ``wrk`` with ``--connections`` connections (default 20, on 2 threads)
   for ``--warmup`` seconds, then ``--duration`` seconds measured, as a browser asks
   (``Accept-Encoding: gzip``): requests per second, latency percentiles (bench/stats.lua),
   errors (statuses other than 2xx/3xx, failed or timed-out connections), bytes per
   response. Anonymous pages are measured a second time rendered each time (``--rendered``,
   bench/render.lua: a parameter of its own on each request, so that none comes from the
   page cache). The bare view is measured first and again last; pages are compared with
   the mean. Member pages carry a member's session cookie. Last, members post replies to
   the longest topic (bench/post.lua), each request the next of ``--posters`` members, as
   the reply form sends it (CSRF and submission tokens): accepted posts per second.
5. The report (``--output``, default docs/bench/report.md): the machine, the data, each
   page's figures, and the targets met or missed. The database stays for ``--keep``
   unless ``--drop``.
"""

import argparse
import datetime
import gzip
import http.client
import json
import math
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
DEFAULT_OUTPUT = BASE_DIR / "docs" / "bench" / "report.md"
RECOMMENDED_CONFIG = BASE_DIR / "docs" / "deploy" / "gunicorn.conf.py"
# Every benchmark client comes from 127.0.0.1: the API's throttle per address would refuse
# all but its first requests. This rate keeps its cost (counted in the cache) without 429s.
API_RATE = "100000000/minute"
POSTER_EMAIL = "bench-poster-{}@bench.invalid"
SEARCH_WORDS = ["migration", "développement économique"]
WRK_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate",
    "Accept-Language": "fr",
    "User-Agent": "wrk (bench/load.py)",
}


# --- the pages -----------------------------------------------------------------------------


@dataclass
class Page:
    key: str
    label: str
    member: bool = False  # with a member's session cookie
    # Targets: p95 under ANONYMOUS_P95_MS or MEMBER_P95_MS; at least RATIO_TARGET of the
    # bare view's requests per second; the HTML under SIZE_TARGET_KB.
    ratio_target: bool = False
    size_target: bool = False
    path: str = ""  # found in the data
    note: str = ""
    results: dict = field(default_factory=dict)
    rendered: dict = field(default_factory=dict)  # each request at an address of its own


# Never kept by the page cache (common/pagecache.py): their "rendered" figures would be the
# same as their own.
NOT_KEPT = {"bare", "api"}
ANONYMOUS_P95_MS = 150
MEMBER_P95_MS = 300
RATIO_TARGET = 0.25
QUERIES_TARGET = 10
SIZE_TARGET_KB = 60


def all_pages() -> list[Page]:
    return [
        Page("bare", "bare Django view (reference)"),
        Page("list", "project list, page 1", ratio_target=True, size_target=True),
        Page("list_deep", "project list, page 200 (or the last)", ratio_target=True),
        Page("list_filtered", "project list, country + theme", ratio_target=True),
        Page("list_sorted", "project list, sorted by funding", ratio_target=True),
        Page("country", "country page (most projects)", ratio_target=True),
        Page("api", "API: projects list"),
        Page("members", "members directory"),
        Page("organisation", "organisation page (most projects)", ratio_target=True),
        Page("project", "project page", ratio_target=True),
        Page("forums", "forums index"),
        Page("forum", "forum page (most topics)"),
        Page("topic", "topic, page 1 (longest topic)", ratio_target=True),
        Page("topic_last", "topic, last page (longest topic)", ratio_target=True),
        Page("search", "search: migration", ratio_target=True),
        Page("search_phrase", "search: développement économique", ratio_target=True),
        Page("home", "home page"),
        Page("statistics", "statistics page"),
        Page("member_list", "member: project list, page 1", member=True),
        Page("member_topic", "member: topic, page 1", member=True),
        Page("member_search", "member: search: migration", member=True),
        Page("post", "member: posting a reply (POST)", member=True),
    ]


def find_paths(pages: list[Page]) -> None:
    """Give each page its address in the data at hand."""
    from django.conf import settings
    from django.db.models import Count, Q

    from forums.models import Forum
    from forums.views.topics import POSTS_PER_PAGE
    from projects.models import Organisation, Project

    published = Project.objects.published()
    count = published.count()
    last_page = max(1, math.ceil(count / settings.PROJECTS_PER_PAGE))
    deep = min(200, last_page)
    country = published.values("country").annotate(n=Count("id")).order_by("-n", "country").first()
    country_code = country["country"]
    theme = (
        published.filter(country=country_code)
        .values("themes__slug")
        .exclude(themes__slug=None)
        .annotate(n=Count("id"))
        .order_by("-n", "themes__slug")
        .first()
    )
    organisation = (
        Organisation.objects.listed()
        .annotate(n=Count("partnerships", filter=Q(partnerships__project__published=True)))
        .order_by("-n", "pk")
        .first()
    )
    project = (
        published.annotate(n=Count("partnerships")).order_by("-n", "pk").only("pk", "slug").first()
    )
    forum = (
        Forum.objects.annotate(n=Count("topics", filter=Q(topics__is_hidden=False)))
        .order_by("-n", "order", "pk")
        .first()
    )
    topic = longest_topic()
    topic_pages = max(1, math.ceil(topic.post_count / POSTS_PER_PAGE))
    topic_url = topic.get_absolute_url()
    filtered = f"/fr/projects/?country={country_code}"
    if theme:
        filtered += f"&theme={theme['themes__slug']}"
    search = f"/fr/search/?q={quote(SEARCH_WORDS[0])}"
    paths = {
        "bare": "/bare/",
        "list": "/fr/projects/",
        "list_deep": f"/fr/projects/?page={deep}",
        "list_filtered": filtered,
        "list_sorted": "/fr/projects/?sort=-funding",
        "country": f"/fr/countries/{country_code.lower()}/",
        "api": "/api/v1/projects/",
        "members": "/fr/network/members/",
        "organisation": f"/fr/organisations/{organisation.slug}/",
        "project": project.get_absolute_url(),
        "forums": "/fr/forums/",
        "forum": forum.get_absolute_url(),
        "topic": topic_url,
        "topic_last": f"{topic_url}?page={topic_pages}",
        "search": search,
        "search_phrase": f"/fr/search/?q={quote(SEARCH_WORDS[1])}",
        "home": "/fr/",
        "statistics": "/fr/statistics/",
        "member_list": "/fr/projects/",
        "member_topic": topic_url,
        "member_search": search,
        "post": f"{topic_url}reply/",
    }
    notes = {
        "list_deep": f"page {deep} of {last_page}",
        "country": f"{country['n']:,} projects",
        "organisation": f"{organisation.n:,} projects",
        "project": f"{project.n} partners",
        "forum": f"{forum.n:,} topics",
        "topic": f"{topic.post_count:,} posts",
        "topic_last": f"page {topic_pages}",
        "member_topic": f"{topic.post_count:,} posts",
        "post": f"{topic.post_count:,} posts, {topic.subscriptions.count():,} followers",
    }
    for page in pages:
        page.path = paths[page.key]
        page.note = notes.get(page.key, "")


def longest_topic():
    """The longest topic open to replies (None when there is none)."""
    from forums.models import Topic, TopicKind

    return (
        Topic.objects.filter(is_hidden=False, is_locked=False, kind=TopicKind.DISCUSSION)
        .select_related("forum")
        .order_by("-post_count", "pk")
        .first()
    )


# --- the data ------------------------------------------------------------------------------


def prepare_database(options) -> dict:
    """The benchmark's database, migrated and filled; returns what was done (timings)."""
    from django.core.management import call_command, get_commands
    from django.db import connection

    from projects.models import Project

    development = connection.settings_dict["NAME"]
    if options.database == development:
        sys.exit(f"error: --database {options.database} is the development database.")
    timings = {}
    started = time.monotonic()
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=options.keep, serialize=False
    )
    timings["create and migrate"] = time.monotonic() - started
    if options.keep and Project.objects.exists():
        say(f"Database {options.database} kept as it was filled before (--keep).")
        timings["kept"] = 0.0
        return timings
    started = time.monotonic()
    call_command("load_seed", verbosity=0)
    timings["seed"] = time.monotonic() - started
    if "generate_data" in get_commands():
        started = time.monotonic()
        say(f"Generating data: manage.py generate_data --scale {options.scale} …")
        # The same content each run (--seed), so that runs compare.
        call_command("generate_data", "--scale", str(options.scale), "--seed", "1")
        timings["generate_data"] = time.monotonic() - started
    else:
        say("manage.py generate_data is not available: the benchmark runs on the seed alone.")
    return timings


def prepare_members(count: int) -> list:
    """``count`` members of the benchmark's own, with a confirmed address (who may post)."""
    from allauth.account.models import EmailAddress

    from network.models import Member

    emails = [POSTER_EMAIL.format(n) for n in range(count)]
    existing = set(Member.objects.filter(email__in=emails).values_list("email", flat=True))
    for n, email in enumerate(emails):
        if email not in existing:
            member = Member.objects.create_user(email, name=f"Bench Poster {n}")
            EmailAddress.objects.create(user=member, email=email, verified=True, primary=True)
    by_email = Member.objects.in_bulk(emails, field_name="email")
    return [by_email[email] for email in emails]


def reader(posters: list):
    """The member whose pages are measured: a generated one (with a profile, memberships,
    topics followed), else the first poster."""
    from network.models import Member

    generated = (
        Member.objects.with_verified_email()
        .filter(is_active=True)
        .exclude(email__startswith=POSTER_EMAIL.split("{")[0])
        .order_by("pk")
        .first()
    )
    return generated or posters[0]


def ensure_topic(author) -> None:
    """With the seed alone there is no topic: one of 45 posts, written as members do."""
    from forums import services
    from forums.models import Forum

    if longest_topic() is not None:
        return
    say("No topic in the data: writing one of 45 posts.")
    forum = Forum.objects.exclude(slug=services.EDISCUSSIONS_FORUM_SLUG).order_by("order").first()
    topic = services.start_topic(
        author=author,
        forum=forum,
        title="Transferts de fonds et développement local",
        body="Comment les associations de migrants financent-elles des projets locaux ?",
        language="fr",
    )
    for n in range(44):
        services.reply(
            author=author,
            topic=topic,
            body=f"Réponse {n + 1} : notre commune a réuni la diaspora et les autorités.",
            language="fr",
        )


def data_size() -> list[tuple[str, int]]:
    from django.apps import apps
    from django.db.models import Count

    from projects.models import Project

    def count(label: str, **filters) -> int | None:
        app_label, name = label.split(".")
        try:
            model = apps.get_model(app_label, name)
        except LookupError:
            return None
        return model.objects.filter(**filters).count()

    # Blog posts are in their own app, or in the forums' in older versions.
    blog_posts = [count("blogs.BlogPost"), count("forums.BlogPost")]
    sizes = [
        ("projects (published)", Project.objects.published().count()),
        ("organisations", count("projects.Organisation")),
        (
            "countries with projects",
            Project.objects.published().aggregate(n=Count("country", distinct=True))["n"],
        ),
        ("members", count("network.Member")),
        ("forum topics", count("forums.Topic")),
        ("forum posts", count("forums.Post")),
        ("blog posts", next((n for n in blog_posts if n is not None), None)),
        ("search index entries", count("search.SearchDocument")),
    ]
    return [(label, n) for label, n in sizes if n is not None]


def database_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


# --- sessions and SQL queries --------------------------------------------------------------


def sessions(members: list) -> list[tuple[str, str]]:
    """(Cookie header, CSRF token) of a session for each member, as a login leaves them."""
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    result = []
    for member in members:
        client = Client()
        client.force_login(member)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
        result.append((cookie, csrf))
    return result


def with_parameter(path: str, value: str) -> str:
    """``path`` with a parameter of its own: an address no page cache has seen."""
    return f"{path}{'&' if '?' in path else '?'}bench={value}"


def count_queries(pages: list[Page], member) -> None:
    """SQL queries of each page (Django's test client on the same database, after a request
    that warms caches up): for a visitor, the page rendered (at an address of its own, so
    never from the page cache) and asked for again (as most visitors get it); for
    ``member``. Last, one reply posted by ``member``."""
    from django.test import Client

    anonymous, signed_in = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(member)
    for page in pages:
        if page.key == "post":
            continue
        if not page.member:
            anonymous.get(page.path)
            page.results["queries_again"] = queries_of(anonymous, page.path)
            page.results["queries_anonymous"] = (
                queries_of(anonymous, with_parameter(page.path, "queries"))
                if page.key != "bare"
                else page.results["queries_again"]
            )
        if page.member or page.key != "bare":
            signed_in.get(page.path)
            page.results["queries_member"] = queries_of(signed_in, page.path)
    post = next((page for page in pages if page.key == "post"), None)
    if post:
        data = reply_form("Une réponse pour compter les requêtes.")
        post.results["queries_member"] = queries_of(signed_in, post.path, data=data, status=302)


def queries_of(client, path: str, data=None, status: int = 200) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, data) if data else client.get(path)
    if response.status_code != status:
        raise SystemExit(f"{path} answered {response.status_code} in this process")
    return len(queries)


def reply_form(body: str) -> dict:
    return {"body": body, "language": "fr", "submission": str(uuid.uuid4())}


# --- running wrk ---------------------------------------------------------------------------


def fetch(port: int, path: str, cookie: str) -> dict:
    """One request as wrk sends it: status, bytes of the body sent and of the HTML."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1", **WRK_HEADERS}
    if cookie:
        headers["Cookie"] = cookie
    try:
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        body = response.read()
    finally:
        client.close()
    html = body
    if response.getheader("Content-Encoding") == "gzip":
        html = gzip.decompress(body)
    return {"status": response.status, "body_bytes": len(body), "html_bytes": len(html)}


def run_wrk(options, port: int, path: str, seconds: float, *, headers=(), script=None, args=()):
    command = [
        "wrk",
        "--threads",
        str(options.threads),
        "--connections",
        str(options.connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--script",
        str(script or BENCH_DIR / "stats.lua"),
    ]
    for header in headers:
        command += ["--header", header]
    command.append(f"http://127.0.0.1:{port}{path}")
    if args:
        command += ["--", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.stderr.strip():
        say(f"wrk, {path}: {result.stderr.strip()}")
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk gave no figures for {path}:\n{result.stdout}\n{result.stderr}")


def figures(raw: dict) -> dict:
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["latency_us"]["p50"] / 1000,
        "p95_ms": raw["latency_us"]["p95"] / 1000,
        "p99_ms": raw["latency_us"]["p99"] / 1000,
        "max_ms": raw["latency_us"]["max"] / 1000,
        "status_errors": errors["status"],
        "socket_errors": socket_errors,
        "errors": errors["status"] + socket_errors,
        "bytes_per_response": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
    }


def measure_pages(options, pages: list[Page], servers, cookie: str) -> None:
    headers = [f"{name}: {value}" for name, value in WRK_HEADERS.items()]
    if options.warmup:
        # Every worker started and warm (the server answers once its first worker does).
        for path in ("/bare/", "/fr/"):
            run_wrk(options, servers.port, path, 2 * options.warmup, headers=headers)
    for page in pages:
        if page.key == "post":
            continue
        check = fetch(servers.port, page.path, cookie if page.member else "")
        if check["status"] != 200:
            raise RuntimeError(f"{page.path} answered {check['status']}:\n{servers.log()}")
        page.results.update(check)
        page_headers = headers + ([f"Cookie: {cookie}"] if page.member else [])
        if options.warmup:
            run_wrk(options, servers.port, page.path, options.warmup, headers=page_headers)
        raw = run_wrk(options, servers.port, page.path, options.duration, headers=page_headers)
        page.results.update(figures(raw))
        say(line(page.label, page.results))
        if page.key not in options.rendered:
            continue
        rendered = with_parameter(page.path, "check")
        check = fetch(servers.port, rendered, "")
        if check["status"] != 200:
            raise RuntimeError(f"{rendered} answered {check['status']}:\n{servers.log()}")
        render = {"headers": headers, "script": BENCH_DIR / "render.lua"}
        if options.warmup:
            run_wrk(options, servers.port, page.path, options.warmup, **render)
        raw = run_wrk(options, servers.port, page.path, options.duration, **render)
        page.rendered = figures(raw)
        say(line("  rendered each time", page.rendered))
    # The bare view again, last: on a machine whose load changes meanwhile, each page is
    # compared with the mean of the two.
    bare = next(page for page in pages if page.key == "bare")
    raw = run_wrk(options, servers.port, bare.path, options.duration, headers=headers)
    bare.results["again"] = figures(raw)
    say(line(f"{bare.label}, again", bare.results["again"]))


def bare_rps(pages: list[Page]) -> float:
    """The bare view's requests per second: the mean of its runs, first and last."""
    bare = next((p for p in pages if p.key == "bare" and "rps" in p.results), None)
    if bare is None:
        return 0.0
    runs = [bare.results, *([bare.results["again"]] if "again" in bare.results else [])]
    return sum(run["rps"] for run in runs) / len(runs)


def line(label: str, r: dict) -> str:
    return (
        f"{label:<42} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f}  "
        f"p95 {r['p95_ms']:7.1f}  p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}"
    )


def measure_posting(options, page: Page, servers, member_sessions, folder: Path) -> None:
    from django.core.cache import cache

    from forums.models import Post

    members_file = folder / "members.tsv"
    members_file.write_text("".join(f"{cookie}\t{csrf}\n" for cookie, csrf in member_sessions))
    cache.clear()  # the posting rates counted so far (the benchmark's own database)
    posts = Post.objects.filter(author__email__startswith=POSTER_EMAIL.split("{")[0])
    before = posts.count()
    origin = f"http://127.0.0.1:{servers.port}"
    args = [str(members_file), page.path, origin, str(options.threads)]
    raw = run_wrk(
        options, servers.port, page.path, options.duration, script=BENCH_DIR / "post.lua", args=args
    )
    # Replies still being written when wrk stopped (it drops their answers) are let finish,
    # as a person waiting for them would: "written" counts them too.
    written, deadline = -1, time.monotonic() + 60
    while time.monotonic() < deadline:
        now_written = posts.count()
        if now_written == written:
            break
        written = now_written
        time.sleep(2)
    written -= before
    result = figures(raw)
    answers = raw["answers"]
    # A 429 (a member over their posting rate) is an answer wrk counts as an error, as any
    # status but 2xx and 3xx.
    result.update(
        accepted=answers["accepted"],
        refused=answers["refused"],
        other_answers=answers["other"],
        written=written,
        accepted_per_s=answers["accepted"] / result["seconds"] if result["seconds"] else 0,
    )
    page.results.update(result)
    say(
        f"{page.label:<42} {result['accepted_per_s']:8.1f} posts/s  p50 {result['p50_ms']:7.1f}  "
        f"p95 {result['p95_ms']:7.1f}  p99 {result['p99_ms']:7.1f} ms  errors {result['errors']} "
        f"(429: {answers['refused']}); {written} posts written"
    )


# --- the report ----------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "ram_gib": memory_kib / 1024 / 1024,
        "load": os.getloadavg(),
    }


def software() -> str:
    import django
    from django.db import connection

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    wrk_version = (wrk.stdout or wrk.stderr).split(" Copyright")[0].strip()
    gunicorn = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, {gunicorn}, "
        f"PostgreSQL {postgres}, {wrk_version}"
    )


def server_shape() -> str:
    """Workers and threads of the production configuration on this machine."""
    workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
    threads = int(os.environ.get("GUNICORN_THREADS", "4"))
    return f"{workers} workers × {threads} threads (gthread)"


def kb(value: float) -> str:
    return f"{value / 1000:.1f}"


def p95(r: dict) -> float:
    """The run's 95th percentile; no answer at all counts as infinitely slow."""
    return r["p95_ms"] if r["requests"] else math.inf


class Targets:
    """The checks of the report's "Targets" table, counted as they are made."""

    def __init__(self):
        self.met = self.checked = 0

    def check(self, value: float, limit: float, rule: str, unit: str = "", digits=0) -> str:
        """``rule``: "below", "at most" or "at least" ``limit``."""
        if rule == "at least":
            met, gap = value >= limit, limit - value
        else:
            met = value < limit if rule == "below" else value <= limit
            gap = value - limit
        self.checked += 1
        self.met += met
        if math.isinf(value):
            return "**missed** (no answer)"
        shown = f"{value:,.{digits}f}{unit}"
        return f"met ({shown})" if met else f"**missed** by {gap:,.{digits}f}{unit} ({shown})"

    def rows(self, pages: list[Page], reference: float) -> list[str]:
        rows = []
        for page in pages:
            r, rendered = page.results, page.rendered
            if "requests" not in r:
                continue
            cells = ["", "", "", "", "", "", ""]
            if page.key != "bare":
                limit = MEMBER_P95_MS if page.member else ANONYMOUS_P95_MS
                cells[0] = self.check(p95(r), limit, "below", " ms")
                if rendered:
                    cells[1] = self.check(p95(rendered), limit, "below", " ms")
            runs = [r, *([rendered] if rendered else []), *([r["again"]] if "again" in r else [])]
            errors = sum(run["errors"] for run in runs)
            unanswered = sum(not run["requests"] for run in runs)
            cells[2] = self.check(errors + unanswered, 0, "at most")
            if unanswered:
                cells[2] += " (no answer within a run)"
            if page.ratio_target and reference:
                cells[3] = self.check(r["rps"] / reference, RATIO_TARGET, "at least", digits=2)
                if rendered:
                    ratio = rendered["rps"] / reference
                    cells[4] = self.check(ratio, RATIO_TARGET, "at least", digits=2)
            queries = [r.get("queries_anonymous"), r.get("queries_member")]
            worst = max((q for q in queries if q is not None), default=None)
            if worst is not None and page.key != "bare":
                cells[5] = self.check(worst, QUERIES_TARGET, "at most")
            if page.size_target:
                cells[6] = self.check(r["html_bytes"] / 1000, SIZE_TARGET_KB, "below", " KB", 1)
            rows.append(f"| {page.label} | " + " | ".join(cells) + " |")
        return rows


def report(options, pages: list[Page], context: dict) -> str:
    reference = bare_rps(pages)
    m = context["machine"]
    end_load = context["load_after"]
    lines = [
        "# Load benchmark",
        "",
        f"`make bench` (bench/load.py), run on {context['date']}: the site served by gunicorn "
        "as in production, driven by wrk through every kind of page. This report: "
        f"`{context['command']}`.",
        "",
    ]
    if options.note:
        lines += [f"> {options.note}", ""]
    data = ", ".join(f"{n:,} {label}" for label, n in context["data"])
    if context["generated"]:
        generated = f"`generate_data --scale {options.scale:g} --seed 1` on the seed"
        if "kept" in context["timings"]:
            generated += ", kept from an earlier run (`--keep`)"
    else:
        generated = "the seed alone (`manage.py generate_data` was not available)"
    lines += [
        "## Machine and run",
        "",
        f"- **Machine:** {m['cores']} cores, {m['cpu']}, {m['ram_gib']:.1f} GiB RAM; load "
        f"average {m['load'][0]:.2f} / {m['load'][1]:.2f} / {m['load'][2]:.2f} (1 / 5 / 15 min) "
        f"at the start, {end_load[0]:.2f} / {end_load[1]:.2f} / {end_load[2]:.2f} at the end.",
        f"- **Software:** {context['software']}.",
        f"- **Server:** gunicorn with docs/deploy/gunicorn.conf.py ({server_shape()}, "
        "`max_requests` 1000), `DEBUG` off, production settings (bench/slow_clients.py's "
        "`production_environment`; no HTTPS redirection on the loopback) on a loopback port, "
        "without nginx; PostgreSQL on the same machine, the caches (rate limits, pages) in "
        f"{context['caches']}. The API's "
        f"throttle of anonymous clients is raised to {API_RATE} (every client here is "
        "127.0.0.1): it counts, it does not refuse. Workers started during the run: "
        f"{context['workers_started']} (each is replaced after about 1,000 requests); "
        "killed for being silent over 30 s (`WORKER TIMEOUT`): "
        f"{context['worker_timeouts']}.",
        f"- **Load:** wrk, {options.connections} connections on {options.threads} threads, "
        f"{options.warmup:g} s of warm-up then {options.duration:g} s measured per page, one "
        "page at a time; requests as a browser sends them (`Accept-Encoding: gzip, deflate`); "
        "member pages with a member's session cookie (a generated member's when there are "
        "some). Posting: each request is the next of "
        f"{options.posters} members (sessions and CSRF tokens of their own).",
        f"- **Data:** {generated}: {data}; database {context['database_mb']:,.0f} MB.",
        "",
        "## Pages",
        "",
        "Requests per second and latency (ms, from sending the request to the last byte, "
        f"queueing included: {options.connections} clients at once); ×bare: the page's "
        "requests per second over the bare view's. Errors: answers other than 2xx/3xx, "
        "connections failed or timed out (30 s). Queries: SQL queries of one request for a "
        "visitor, the page rendered (with the database as cache, storing it in the page cache "
        "included) / asked for again (served from the page cache where the site keeps it), "
        "and for a member. KB sent: bytes per response as wrk read them "
        "(headers included; compressed where the site compresses: public pages, not a "
        "member's); KB HTML: the page before compression.",
        "",
        "| page | address | req/s | ×bare | p50 ms | p95 ms | p99 ms | errors "
        "| queries (visitor rendered / again / member) | KB sent | KB HTML |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages:
        r = page.results
        if page.key == "post" or "rps" not in r:
            continue
        queries = " / ".join(
            str(r.get(key, "–")) for key in ("queries_anonymous", "queries_again", "queries_member")
        )
        address = f"`{page.path}`" + (f" ({page.note})" if page.note else "")
        sent = kb(r["bytes_per_response"]) if r["requests"] else "–"
        lines.append(
            f"| {page.label} | {address} | {figure_cells(r, reference)} | {queries} "
            f"| {sent} | {kb(r['html_bytes'])} |"
        )
    bare = next((p for p in pages if p.key == "bare" and "again" in p.results), None)
    if bare:
        lines += [
            "",
            f"The bare view answered {bare.results['rps']:,.1f} requests per second at the "
            f"start and {bare.results['again']['rps']:,.1f} at the end "
            f"(p95 {bare.results['again']['p95_ms']:.1f} ms, "
            f"{bare.results['again']['errors']} errors); ×bare is over their mean, "
            f"{reference:,.1f}.",
        ]
    rendered = [page for page in pages if page.rendered]
    if rendered:
        lines += [
            "",
            "### Anonymous pages rendered each time",
            "",
            "The same pages, each request at an address of its own (`bench=<n>` added), so "
            "that none is served from the page cache: what a page costs the first time, or "
            "after what it shows has changed.",
            "",
            "| page | req/s | ×bare | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [f"| {p.label} | {figure_cells(p.rendered, reference)} |" for p in rendered]
    post = next((p for p in pages if p.key == "post" and "rps" in p.results), None)
    if post:
        r = post.results
        lines += [
            "",
            "## Posting replies",
            "",
            f"`POST {post.path}` (the longest topic: {post.note} to notify), "
            f"{options.connections} "
            f"connections, each request the next of {options.posters} members (posting rate: "
            f"{context['posting_rate']} per member), as the reply form sends it: CSRF token, a "
            "new submission token, the text. Accepted: answered 302 (published, sent on to "
            "the post); refused: 429 (a member over their rate), counted as errors. Posts "
            "written: in the database afterwards, with those still being written when wrk "
            "stopped (it drops their answers).",
            "",
            "| requests/s | accepted posts/s | p50 ms | p95 ms | p99 ms | accepted "
            "| refused (429) | other answers | socket errors | posts written | queries per post |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {r['rps']:,.1f} | {r['accepted_per_s']:,.1f} | {r['p50_ms']:.1f} "
            f"| {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['accepted']:,} | {r['refused']:,} "
            f"| {r['other_answers']:,} | {r['socket_errors']} | {r['written']:,} "
            f"| {r.get('queries_member', '')} |",
        ]
    targets = Targets()
    rows = targets.rows(pages, reference)
    lines += [
        "",
        "## Targets",
        "",
        f"{targets.met} of {targets.checked} checks met. p95: anonymous pages under "
        f"{ANONYMOUS_P95_MS} ms, a member's under {MEMBER_P95_MS} ms; no error; anonymous "
        f"catalogue, project, topic and search pages at least {RATIO_TARGET} of the bare "
        f"view's requests per second; at most {QUERIES_TARGET} SQL queries per page (the "
        "page rendered for a visitor, and for a member); the project list's HTML under "
        f'{SIZE_TARGET_KB} KB (before compression). "rendered": each request rendered, '
        "never from the page cache. Why the misses are missed, and what would meet them: "
        "[targets.md](targets.md).",
        "",
        "| page | p95 | p95 rendered | errors | ×bare | ×bare rendered | queries | size |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Timings of the run",
        "",
        ", ".join(
            f"{name}: {seconds:.0f} s" for name, seconds in context["timings"].items() if seconds
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def figure_cells(r: dict, reference: float) -> str:
    if not r["requests"]:
        return f"no answer within the run | | | | | {r['errors']}"
    ratio = f"{r['rps'] / reference:.2f}" if reference else ""
    errors = str(r["errors"])
    if r["errors"]:
        errors += f" ({r['status_errors']} answers, {r['socket_errors']} connections)"
    return (
        f"{r['rps']:,.1f} | {ratio} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
        f"| {r['p99_ms']:.1f} | {errors}"
    )


# --- the benchmark -------------------------------------------------------------------------


def command_line(options) -> str:
    """How to run this benchmark again (where its files go left out)."""
    words = ["bench/load.py", f"--scale {options.scale:g}", f"--duration {options.duration:g}"]
    words += [f"--warmup {options.warmup:g}", f"--connections {options.connections}"]
    words += [f"--threads {options.threads}", f"--posters {options.posters}"]
    if options.pages:
        words.append("--pages " + " ".join(options.pages))
    if options.rendered_asked is not None:
        words.append(" ".join(["--rendered", *options.rendered_asked]))
    return " ".join(words)


def say(text: str) -> None:
    print(text, flush=True)


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of generate_data (1.0: full)")
    parser.add_argument("--duration", type=float, default=15, help="seconds measured per page")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="of wrk")
    parser.add_argument("--posters", type=int, default=100, help="members posting replies")
    parser.add_argument(
        "--pages", nargs="+", metavar="KEY", help="default: all (the bare view always runs)"
    )
    parser.add_argument(
        "--rendered",
        nargs="*",
        metavar="KEY",
        help="anonymous pages also measured rendered each time, never from the page cache "
        "(default: every anonymous page but the bare view and the API; none if no KEY)",
    )
    parser.add_argument("--database", default="icmd_bench", help="created (and dropped) here")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the database if an earlier run filled it"
    )
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the report")
    parser.add_argument("--json", type=Path, help="the figures as JSON, too")
    parser.add_argument("--note", default="", help="a sentence at the top of the report")
    options = parser.parse_args(argv)
    known = [page.key for page in all_pages()]
    unknown = [key for key in (options.pages or []) + (options.rendered or []) if key not in known]
    if unknown:
        parser.error(f"unknown page {', '.join(unknown)}; known: {', '.join(known)}")
    options.rendered_asked = options.rendered
    if options.rendered is None:
        options.rendered = [
            page.key for page in all_pages() if not page.member and page.key not in NOT_KEPT
        ]
    if options.scale <= 0 or options.duration <= 0 or options.posters < 1:
        parser.error("--scale, --duration and --posters must be positive.")
    return options


def main(argv=None) -> None:
    options = parse_options(argv)
    if not shutil.which("wrk"):
        sys.exit("error: wrk not found: install it (apt-get install wrk) to run the benchmark.")
    secret_key = secrets.token_urlsafe(50)
    # Before Django starts (slow_clients' import sets it up): this process and the server
    # share the settings, the database and the key that signs sessions.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_TEST_DATABASE"] = options.database
    os.environ["DJANGO_SECRET_KEY"] = secret_key
    os.environ["DJANGO_API_ANON_RATE"] = API_RATE
    sys.path.insert(0, str(BASE_DIR))

    from django.db import connection
    from slow_clients import Configuration, Servers, collect_static_files, database_url

    context = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "command": command_line(options),
    }
    pages = [
        page
        for page in all_pages()
        if options.pages is None or page.key in options.pages or page.key == "bare"
    ]
    started = time.monotonic()
    collect_static_files()
    timings = {"collectstatic": time.monotonic() - started}
    timings.update(prepare_database(options))
    finished = False
    try:
        from django.conf import settings
        from django.core.cache import caches

        from network.models import Member

        # The seed holds no member: any other than the benchmark's own was generated.
        context["generated"] = Member.objects.exclude(
            email__startswith=POSTER_EMAIL.split("{")[0]
        ).exists()
        # Every cache starts empty (the benchmark's own tables): nothing kept by an earlier
        # run, whose pages hold the placeholder of another secret key.
        for alias in settings.CACHES:
            caches[alias].clear()
        started = time.monotonic()
        posters = prepare_members(options.posters)
        ensure_topic(posters[0])
        find_paths(pages)
        member = reader(posters)
        member_sessions = sessions(posters)
        reader_cookie = sessions([member])[0][0]
        count_queries(pages, member)
        timings["members, sessions and queries"] = time.monotonic() - started
        context["data"] = data_size()
        context["database_mb"] = database_bytes() / 1e6
        context["software"] = software()
        context["posting_rate"] = settings.ACCOUNT_RATE_LIMITS["forum_post"]
        redis = any("redis" in cache["BACKEND"].lower() for cache in settings.CACHES.values())
        context["caches"] = "Redis" if redis else "its tables"
        database = database_url(connection.settings_dict["NAME"])
        connection.close()  # the server opens its own

        configuration = Configuration(
            "production",
            ["--config", str(RECOMMENDED_CONFIG), "--env", f"DJANGO_SECRET_KEY={secret_key}"],
        )
        say(
            f"\n{len(pages)} pages, {options.connections} connections, "
            f"{options.warmup:g} s + {options.duration:g} s each:"
        )
        started = time.monotonic()
        with Servers(configuration, database) as servers, tempfile.TemporaryDirectory() as tmp:
            timings["server start"] = time.monotonic() - started
            started = time.monotonic()
            measure_pages(options, pages, servers, reader_cookie)
            post = next((page for page in pages if page.key == "post"), None)
            if post:
                measure_posting(options, post, servers, member_sessions, Path(tmp))
            timings["load"] = time.monotonic() - started
            worker_timeouts = servers.worker_timeouts()
            boots = servers.gunicorn_log.read_text().count("Booting worker")
        context["worker_timeouts"] = worker_timeouts
        context["workers_started"] = boots
        context["load_after"] = os.getloadavg()
        context["timings"] = timings
        text = report(options, pages, context)
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(text)
        say(f"\nReport written to {options.output}.")
        if options.json:
            options.json.write_text(
                json.dumps(
                    {
                        "pages": {
                            page.key: {
                                "label": page.label,
                                "path": page.path,
                                **page.results,
                                "rendered": page.rendered,
                            }
                            for page in pages
                        },
                        "data": dict(context["data"]),
                        "machine": context["machine"],
                    },
                    indent=1,
                )
            )
        finished = True
    finally:
        connection.close()
        # After a failure the data stays, for a run with --keep.
        if options.drop and finished:
            connection.creation.destroy_test_db(options.database, verbosity=0)
        else:
            say(
                f"Database {options.database} kept: --keep reuses it, --drop removes it "
                f"(or: dropdb {options.database})."
            )


if __name__ == "__main__":
    main()
