"""Benchmark of the site search: server time of the search page over ~5,000 documents.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/search.py [--documents 5000] [--repeat 30]

Generates projects and organisations written in French, English and Spanish (each in
the three languages' columns), topics with replies and blog posts each written in one of
them, rebuilds the index (timed), then prints for each search the median and
95th-percentile server time, the number of SQL queries and the number of matches.
"""

import argparse
import datetime
import random
import time

from harness import Client, call_command, connection, measure, throwaway_database  # noqa: I001 - bench/ on sys.path

SEARCHES = [
    ("empty form (page baseline)", "/fr/search/"),
    ("common French word, unaccented", "/fr/search/?q=developpement"),
    ("Spanish, unaccented", "/fr/search/?q=migracion+ninos"),
    ("English, stemmed", "/en/search/?q=developing+remittances"),
    ("Spanish country name, English page", "/en/search/?q=marruecos"),
    ("phrase", "/fr/search/?q=%22diaspora+marocaine%22"),
    ("rare word", "/fr/search/?q=palmeraie+figuig"),
    ("one kind, page 3", "/fr/search/?q=developpement&kind=topics&page=3"),
    ("nothing found", "/fr/search/?q=xylophone"),
]

SENTENCES = {
    "fr": [
        "Le développement local porté par la diaspora marocaine et les collectivités.",
        "Renforcer le rôle des migrants dans le développement économique de la région.",
        "Les transferts de fonds des migrants financent des projets d'irrigation.",
        "Formation professionnelle des jeunes et création d'emplois dans les oasis.",
        "Coopération décentralisée entre communes du Sénégal et de France.",
    ],
    "en": [
        "Local development driven by migrant associations and remittances.",
        "Developing the capacity of local authorities to work with the diaspora.",
        "Women entrepreneurs returning home start small businesses.",
        "Vocational training for young people and new jobs in the oases.",
    ],
    "es": [
        "La migración de los niños y el desarrollo local en los municipios rurales.",
        "Las remesas de los migrantes apoyan la educación y la salud comunitaria.",
        "Cooperación descentralizada entre municipios de Ecuador y de España.",
    ],
}
LANGUAGES = list(SENTENCES)


def paragraph(rng: random.Random, sentences: int, language: str) -> str:
    return " ".join(rng.choice(SENTENCES[language]) for _ in range(sentences))


def sentence(rng: random.Random, language: str, length: int) -> str:
    return rng.choice(SENTENCES[language])[:length]


def in_each_language(field: str, make) -> dict:
    """``{"objective_fr": make("fr"), "objective_en": …}``."""
    return {f"{field}_{language}": make(language) for language in LANGUAGES}


def add_generated_content(total: int) -> None:
    from blogs.models import BlogPost, BlogPostStatus
    from forums.models import Forum, Post, Topic
    from network.models import Member
    from projects.models import Organisation, Partnership, Phase, Project

    rng = random.Random(42)
    now = datetime.datetime.now(datetime.UTC)
    phase = Phase.objects.get(slug="2012-local")
    countries = ["SN", "MA", "TN", "NP", "PH", "EC", "SV", "CR", "ML", "GH", "MX", "GT"]
    share = total // 10
    author = Member.objects.create_user("bench@example.org", name="Bench")
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name_fr=f"Association {i} pour le développement",
            slug=f"bench-org-{i}",
            kind="civil_society",
            country=countries[i % len(countries)],
            **in_each_language("description", lambda language: paragraph(rng, 2, language)),
            verified=True,
        )
        for i in range(share)
    )
    projects = Project.objects.bulk_create(
        Project(
            **in_each_language(
                "title", lambda language, i=i: f"{i}: {sentence(rng, language, 120)}"
            ),
            slug=f"bench-{i}",
            country=countries[i % len(countries)],
            **in_each_language("objective", lambda language: paragraph(rng, 2, language)),
            **in_each_language("description", lambda language: paragraph(rng, 6, language)),
            phase=phase,
            duration_months=24,
            funding_amount=100_000,
        )
        for i in range(3 * share)
    )
    Partnership.objects.bulk_create(
        Partnership(project=project, organisation=organisations[i % len(organisations)])
        for i, project in enumerate(projects)
    )
    forum = Forum.objects.first() or Forum.objects.create(name="Bench", slug="bench")
    topics = Topic.objects.bulk_create(
        Topic(
            forum=forum,
            title=sentence(rng, language, 100),
            language=language,
            slug=f"bench-{i}",
            author=author,
        )
        for i, language in enumerate(rng.choice(LANGUAGES) for _ in range(share))
    )
    posts = []
    for i in range(5 * share):
        language = rng.choice(LANGUAGES)
        body = paragraph(rng, 4, language)
        posts.append(
            Post(
                topic=topics[i % len(topics)],
                author=author,
                language=language,
                body=body,
                body_html=f"<p>{body}</p>",
            )
        )
    Post.objects.bulk_create(posts)
    BlogPost.objects.bulk_create(
        BlogPost(
            author=author,
            title=sentence(rng, language, 100),
            language=language,
            slug=f"bench-{i}",
            body_html=f"<p>{paragraph(rng, 8, language)}</p>",
            status=BlogPostStatus.PUBLISHED,
            published_at=now - datetime.timedelta(days=i),
        )
        for i, language in enumerate(rng.choice(LANGUAGES) for _ in range(share))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000, help="generated documents")
    parser.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args()

    from search.models import SearchDocument
    from search.query import text_query

    with throwaway_database():
        add_generated_content(options.documents)
        start = time.perf_counter()
        call_command("rebuild_search_index", verbosity=0)
        rebuild_s = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SearchDocument._meta.db_table}")
        documents = SearchDocument.objects.count()
        print(f"\n## Search over {documents} documents (index rebuilt in {rebuild_s:.1f} s)\n")
        print("| search | matches | median ms | p95 ms | SQL queries |")
        print("|---|---:|---:|---:|---:|")
        client = Client()
        for label, url in SEARCHES:
            words = url.partition("q=")[2].split("&")[0].replace("+", " ").replace("%22", '"')
            matches = (
                SearchDocument.objects.filter(vector=text_query(words)).count() if words else 0
            )
            r, _body = measure(client, url, options.repeat)
            print(
                f"| {label} (`{url.removeprefix('/fr').removeprefix('/en')}`) | {matches} "
                f"| {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} |"
            )


if __name__ == "__main__":
    main()
