"""Benchmark of the site search over ~100,000 documents: server time, SQL time and plans.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/search.py [--documents 100000] [--repeat 20] [--explain]
        [--keep | --again]

Generates projects and organisations written in French, English and Spanish (each in
the three languages' columns), topics with replies, blog posts each written in one of them
and news in the three, over six years, from sentences of the field and a long tail of
rarer words (so that the planner's statistics look like real text's); about two documents
in three hold "migration", and one old reply holds the only "tisserandes de Kolda".
Building 100,000 documents and their index takes about ten minutes on two cores. Then
prints for each search the number of matches, the median and 95th-percentile server time,
the number of SQL queries, their total time (median and 95th percentile), each one's
median time, the CPU time the database server spends on them (which waiting for a busy
processor does not inflate) and, with ``--explain``, the ``EXPLAIN (ANALYZE, BUFFERS)``
of each of them. ``--keep`` keeps the database (``test_`` and the database's name, or
``$DJANGO_TEST_DATABASE``) and ``--again`` measures it again without building it; drop it
with ``dropdb`` when done.
"""

import argparse
import datetime
import random
import re
import statistics
import time
from contextlib import ExitStack, contextmanager
from urllib.parse import parse_qs, urlsplit

from harness import Client, call_command, connection, measure, throwaway_database  # noqa: I001 - bench/ on sys.path

SEARCHES = [
    ("empty form (page baseline)", "/fr/search/"),
    ("common word", "/fr/search/?q=migration"),
    ("two common French words", "/fr/search/?q=d%C3%A9veloppement+%C3%A9conomique"),
    ("common French word, unaccented", "/fr/search/?q=developpement"),
    ("Spanish, unaccented", "/fr/search/?q=migracion+ninos"),
    ("English, stemmed", "/en/search/?q=developing+remittances"),
    ("Spanish country name, English page", "/en/search/?q=marruecos"),
    ("Spanish phrase", "/es/search/?q=%22remesas+de+los+migrantes%22"),
    ("English phrase", "/en/search/?q=%22local+authorities%22"),
    ("rare word (one seed project)", "/fr/search/?q=palmeraie+figuig"),
    ("rare phrase (one old reply)", "/fr/search/?q=%22tisserandes+de+Kolda%22"),
    ("one kind, page 3", "/fr/search/?q=developpement&kind=topics&page=3"),
    ("common word, one kind, page 3", "/fr/search/?q=migration&kind=topics&page=3"),
    ("nothing found", "/fr/search/?q=xylophone"),
]
# The searches whose plans the report shows (with --explain).
EXPLAINED = {
    "common word",
    "two common French words",
    "Spanish phrase",
    "English phrase",
    "rare word (one seed project)",
    "rare phrase (one old reply)",
    "common word, one kind, page 3",
}

SENTENCES = {
    "fr": [
        "Le développement local porté par la diaspora marocaine et les collectivités.",
        "Renforcer le rôle des migrants dans le développement économique de la région.",
        "Les transferts de fonds des migrants financent des projets d'irrigation.",
        "Formation professionnelle des jeunes et création d'emplois dans les oasis.",
        "Coopération décentralisée entre communes du Sénégal et de France.",
        "La migration est un levier pour le développement des territoires d'origine.",
        "Intégrer la migration dans la planification locale avec la diaspora.",
        "Les politiques de migration se décident aussi au niveau des communes.",
        "Les associations de migrants cofinancent des écoles et des centres de santé.",
    ],
    "en": [
        "Local development driven by migrant associations and remittances.",
        "Developing the capacity of local authorities to work with the diaspora.",
        "Women entrepreneurs returning home start small businesses.",
        "Vocational training for young people and new jobs in the oases.",
        "Migration and development are linked in the plans of local authorities.",
        "Labour migration shapes the economy of rural municipalities.",
        "Mainstreaming migration into local development planning.",
    ],
    "es": [
        "La migración de los niños y el desarrollo local en los municipios rurales.",
        "Las remesas de los migrantes apoyan la educación y la salud comunitaria.",
        "Cooperación descentralizada entre municipios de Ecuador y de España.",
        "El desarrollo económico local con la participación de la diáspora.",
        "Las autoridades locales integran la migración en sus planes de desarrollo.",
    ],
}
LANGUAGES = list(SENTENCES)
RARE_PHRASE = "Les tisserandes de Kolda ont ouvert un atelier de teinture."
SYLLABLES = [consonant + vowel for consonant in "bdklmnrstvz" for vowel in "aeio"]


def rare_words(rng: random.Random, count: int) -> list[str]:
    """Made-up words of three to four syllables: the long tail of a real vocabulary."""
    words = {
        "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((3, 4)))) for _ in range(count)
    }
    return sorted(words)


class Writer:
    """Text in one language: sentences of the field, then words of a long tail drawn as
    in real text (Zipf: the k-th word about 1/k as frequent as the first)."""

    def __init__(self, seed: int = 42, vocabulary: int = 20_000):
        self.rng = random.Random(seed)
        self.tail = rare_words(self.rng, vocabulary)

    def sentence(self, language: str, length: int = 500) -> str:
        return self.rng.choice(SENTENCES[language])[:length]

    def words(self, count: int) -> str:
        tail = self.tail
        picked = (tail[int(len(tail) ** self.rng.random()) - 1] for _ in range(count))
        return " ".join(picked).capitalize() + "." if count else ""

    def paragraph(self, language: str, sentences: int, words: int = 0) -> str:
        said = " ".join(self.sentence(language) for _ in range(sentences))
        return f"{said} {self.words(words)}".strip()


def in_each_language(field: str, make) -> dict:
    """``{"objective_fr": make("fr"), "objective_en": …}``."""
    return {f"{field}_{language}": make(language) for language in LANGUAGES}


def shares(total: int) -> dict[str, int]:
    """How many of each: mostly forum replies, as on a forum-heavy portal."""
    parts = {"organisations": 2, "projects": 3, "topics": 10, "replies": 70, "blogs": 12, "news": 3}
    return {name: max(1, total * part // 100) for name, part in parts.items()}


def add_generated_content(total: int) -> None:
    from blogs.models import BlogPost, BlogPostStatus
    from forums.models import Forum, Post, Topic
    from network.models import Member
    from projects.models import Organisation, Partnership, Phase, Project

    write = Writer()
    rng = write.rng
    count = shares(total)
    now = datetime.datetime.now(datetime.UTC)
    six_years = datetime.timedelta(days=6 * 365)

    def when(position: int, of: int) -> datetime.datetime:
        """The ``position``-th of ``of`` things written over six years, oldest first."""
        return now - six_years * (1 - position / of) - datetime.timedelta(minutes=5)

    phase = Phase.objects.get(slug="2012-local")
    countries = ["SN", "MA", "TN", "NP", "PH", "EC", "SV", "CR", "ML", "GH", "MX", "GT"]
    author = Member.objects.create_user("bench@example.org", name="Bench")
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name_fr=f"Association {i} pour le développement",
            slug=f"bench-org-{i}",
            kind="civil_society",
            country=countries[i % len(countries)],
            **in_each_language("description", lambda language: write.paragraph(language, 2, 10)),
            verified=True,
        )
        for i in range(count["organisations"])
    )
    projects = Project.objects.bulk_create(
        Project(
            **in_each_language(
                "title", lambda language, i=i: f"{i}: {write.sentence(language, 120)}"
            ),
            slug=f"bench-{i}",
            country=countries[i % len(countries)],
            **in_each_language("objective", lambda language: write.paragraph(language, 2)),
            **in_each_language("description", lambda language: write.paragraph(language, 6, 40)),
            phase=phase,
            duration_months=24,
            funding_amount=100_000,
        )
        for i in range(count["projects"])
    )
    Partnership.objects.bulk_create(
        Partnership(project=project, organisation=organisations[i % len(organisations)])
        for i, project in enumerate(projects)
    )
    forum = Forum.objects.first() or Forum.objects.create(name="Bench", slug="bench")
    topics = Topic.objects.bulk_create(
        Topic(
            forum=forum,
            title=write.sentence(language, 100),
            language=language,
            slug=f"bench-{i}",
            author=author,
            created=when(i, count["topics"]),
        )
        for i, language in enumerate(rng.choice(LANGUAGES) for _ in range(count["topics"]))
    )
    # Each topic's first post (part of the topic's document), then the replies, oldest first.
    posts = count["topics"] + count["replies"]
    for start in range(0, posts, 10_000):
        batch = []
        for i in range(start, min(start + 10_000, posts)):
            language = rng.choice(LANGUAGES)
            body = write.paragraph(language, 3, 15)
            if i == count["topics"] + 7:
                language, body = "fr", f"{body} {RARE_PHRASE}"
            batch.append(
                Post(
                    topic=topics[i % len(topics)],
                    author=author,
                    language=language,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    created=max(topics[i % len(topics)].created, when(i, posts)),
                )
            )
        Post.objects.bulk_create(batch)
    BlogPost.objects.bulk_create(
        BlogPost(
            author=author,
            title=write.sentence(language, 100),
            language=language,
            slug=f"bench-{i}",
            body_html=f"<p>{write.paragraph(language, 8, 60)}</p>",
            status=BlogPostStatus.PUBLISHED,
            published_at=when(i, count["blogs"]),
        )
        for i, language in enumerate(rng.choice(LANGUAGES) for _ in range(count["blogs"]))
    )
    BlogPost.objects.bulk_create(
        BlogPost(
            kind="news",
            author=author,
            **in_each_language("title", lambda language: write.sentence(language, 100)),
            **in_each_language(
                "body_html", lambda language: f"<p>{write.paragraph(language, 4, 20)}</p>"
            ),
            slug=f"bench-news-{i}",
            status=BlogPostStatus.PUBLISHED,
            published_at=when(i, count["news"]),
        )
        for i in range(count["news"])
    )


def sql_times(client: Client, url: str, repeat: int) -> list[list[float]]:
    """The time of each SQL query of each of ``repeat`` requests, in milliseconds."""
    requests = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            requests[-1].append((time.perf_counter() - start) * 1000)

    with connection.execute_wrapper(timed):
        for _ in range(repeat):
            requests.append([])
            client.get(url)
    return requests


def sql_cpu_ms(client: Client, url: str, repeat: int) -> float | None:
    """Median CPU time the database server spends on the page's queries, in milliseconds
    (from ``log_statement_stats``, which only a superuser may turn on: None otherwise).
    On a shared machine this moves less than the time taken, which includes waiting for
    a processor."""
    from django.db import DatabaseError
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    notices = []

    def handler(notice):  # the notice is only readable while this runs
        notices.append(notice.message_detail or "")

    connection.connection.add_notice_handler(handler)
    pattern = re.compile(r"([\d.]+) s user, ([\d.]+) s system, [\d.]+ s elapsed")
    totals = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET client_min_messages = log; SET log_statement_stats = on")
            for _ in range(repeat):
                total = 0.0
                for query in queries:
                    notices.clear()
                    cursor.execute(query["sql"])
                    user, system = pattern.search("\n".join(notices)).groups()
                    total += (float(user) + float(system)) * 1000
                totals.append(total)
            cursor.execute("RESET log_statement_stats; RESET client_min_messages")
    except DatabaseError:
        return None
    finally:
        connection.connection.remove_notice_handler(handler)
    return statistics.median(totals)


def explain(client: Client, url: str) -> list[str]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of each SQL query the page makes, in order."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(
                f"-- {query['sql'][:300]}{' …' if len(query['sql']) > 300 else ''}\n{plan}"
            )
    return plans


def words_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("q", [""])[0]


@contextmanager
def database(options):
    """A throw-away database with the generated content, built and dropped afterwards;
    kept with ``--keep``, measured again with ``--again`` (nothing generated then)."""
    from django.test.utils import setup_test_environment

    from search.models import SearchDocument

    if options.again:
        setup_test_environment()
        name = connection.creation._get_test_db_name()
        connection.close()
        connection.settings_dict["NAME"] = name
        yield "measured again"
        return
    with ExitStack() as stack:
        if options.keep:
            setup_test_environment()
            connection.creation.create_test_db(verbosity=0, autoclobber=True)
            call_command("load_seed", verbosity=0)
        else:
            stack.enter_context(throwaway_database())
        start = time.perf_counter()
        add_generated_content(options.documents)
        generate_s = time.perf_counter() - start
        start = time.perf_counter()
        call_command("rebuild_search_index", verbosity=0)
        rebuild_s = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {SearchDocument._meta.db_table}")
        yield f"content generated in {generate_s:.0f} s, index rebuilt in {rebuild_s:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000, help="generated documents")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print the plans")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (test_…) for --again"
    )
    parser.add_argument(
        "--again", action="store_true", help="measure the database kept by --keep again"
    )
    options = parser.parse_args()

    from django.test.utils import override_settings

    from search.models import SearchDocument
    from search.query import text_query

    # The search itself: no page kept for visitors (common/pagecache.py) answers instead.
    with override_settings(PAGE_CACHE_SECONDS=0), database(options) as how:
        documents = SearchDocument.objects.count()
        print(f"\n## Search over {documents} documents ({how})\n")
        print(
            "| search | matches | median ms | p95 ms | SQL queries | SQL median ms | SQL p95 ms "
            "| each query, median ms | database CPU ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        client = Client()
        plans = {}
        for label, url in SEARCHES:
            words = words_of(url)
            matches = (
                SearchDocument.objects.filter(vector=text_query(words)).count() if words else 0
            )
            r, _body = measure(client, url, options.repeat)
            requests = sql_times(client, url, options.repeat)
            totals = sorted(sum(request) for request in requests)
            each = " + ".join(
                f"{statistics.median(times):.1f}" for times in zip(*requests, strict=True)
            )
            cpu = sql_cpu_ms(client, url, 5)
            print(
                f"| {label} (`{url.split('/search/')[1] or '–'}`) | {matches} "
                f"| {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} "
                f"| {statistics.median(totals):.1f} | {totals[int(len(totals) * 0.95) - 1]:.1f} "
                f"| {each or '–'} | {'n/a' if cpu is None else f'{cpu:.1f}'} |"
            )
            if options.explain and label in EXPLAINED:
                plans[label, url] = explain(client, url)
        for (label, url), queries in plans.items():
            print(f"\n### {label}: `{url}`\n")
            for plan in queries:
                print(f"```\n{plan}\n```\n")


if __name__ == "__main__":
    main()
