"""Realistic generated data at a chosen size, for measuring the portal at real scale
(``manage.py generate_data`` and the benchmarks of bench/).

At its default size (``Counts()``): 10,000 projects and 3,000 partner organisations in 60
countries, 50,000 members, 2,000 topics holding 100,000 posts in the forums already there,
and 1,000 blog posts and news items. It adds to what the database holds (after
``load_seed``, whose phases, themes and forums it uses); run again, it adds again, under
slugs and emails of its own (``-g1-``, ``-g2-``… in each of them).

What it writes looks like the real thing: content in French, English and Spanish (most
projects in the three, some in one), a catalogue skewed towards a few countries (the
first holds about a tenth of it) and a few organisations (the busiest with about 200
projects), partners abroad (diaspora associations, cities of the countries migrants live
in), every profile visibility, representatives of organisations, e-discussions open and
closed, a topic of about 2,000 posts, hidden posts with their moderator's reason, flags.
The same ``seed`` gives the same content.

It is fast because it writes rows in batches (``bulk_create``), never one ``save()`` at a
time, and so sends none of the per-row signals that keep derived data up to date. It then
brings that data up to date in bulk: each generated topic's counters (its visible posts,
last post and last activity, as ``forums.services.refresh_topic`` computes them), the site
search's documents of every generated row (``search.indexing.index``), the planner's
statistics (``ANALYZE``) and the home page's cached blocks. Every generated member logs in
with ``PASSWORD`` (one hash, computed once).

For development and benchmark databases only: the accounts it makes share a known password.
"""

import datetime
import itertools
import math
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from blogs.models import BlogPost, BlogPostKind, BlogPostStatus, Subscription
from common.text import render_markdown
from common.translation import LANGUAGE_CODES, localized_field
from forums.models import (
    MODERATORS_GROUP,
    Flag,
    FlagCategory,
    Forum,
    Post,
    PostRevision,
    Topic,
    TopicKind,
)
from forums.services import EDISCUSSIONS_FORUM_SLUG
from icmd import generation_vocabulary as words
from icmd.home import forget as forget_home_blocks
from icmd.models import Page
from network.models import Member, Membership, MembershipRole, MembershipStatus, Visibility
from projects.models import (
    Organisation,
    Partnership,
    PartnershipRole,
    Phase,
    Project,
    ProjectStatus,
    SelectionCriterion,
    Theme,
)
from search import indexing
from search.documents import country_name
from search.models import SearchDocument

# Every generated member's password.
PASSWORD = "generated-m4d-password"
EMAIL_DOMAIN = "example.org"
BATCH_SIZE = 2000
# Rows read from the database when a kind is not generated but another needs some (the
# organisations of generated projects, the authors of generated topics): at most this many.
POOL_SIZE = 5000
# Indexing more documents than this (and than the index holds) drops the GIN index of the
# search vectors meanwhile, and builds it again once they are written.
REBUILD_INDEX_FROM = 10_000


class GenerationError(ValueError):
    """What was asked cannot be generated; the message says why."""


@dataclass(frozen=True)
class Counts:
    """How much to generate of each kind (the default: the portal at its real size)."""

    projects: int = 10_000
    organisations: int = 3_000
    countries: int = 60
    members: int = 50_000
    topics: int = 2_000
    posts: int = 100_000  # topics' first posts included
    blog_posts: int = 1_000  # blog posts and news items

    @classmethod
    def kinds(cls) -> list[str]:
        return [each.name for each in fields(cls)]

    def check(self) -> "Counts":
        for kind in self.kinds():
            if getattr(self, kind) < 0:
                raise GenerationError(f"--{kind.replace('_', '-')} cannot be negative.")
        if not 1 <= self.countries <= words.MAX_COUNTRIES:
            raise GenerationError(
                f"--countries is between 1 and {words.MAX_COUNTRIES} (the countries the "
                "generator knows places of)."
            )
        if self.posts < self.topics:
            raise GenerationError(
                f"--posts ({self.posts}) must be at least --topics ({self.topics}): each "
                "topic opens with a post."
            )
        if self.posts and not self.topics:
            raise GenerationError("Posts are written in generated topics: ask for --topics too.")
        return self


def scaled_counts(scale: float = 1.0, **overrides: int) -> Counts:
    """The default counts times ``scale`` (a kind scaled below one row but not to zero keeps
    one; countries stay between 2 and all of them), then ``overrides`` (kind: count)."""
    if not math.isfinite(scale) or scale <= 0:
        raise GenerationError("--scale must be a number above 0, e.g. 0.01 or 2.")
    default = Counts()
    scaled = {}
    for kind in Counts.kinds():
        exact = getattr(default, kind) * scale
        scaled[kind] = max(1, round(exact)) if exact > 0 else 0
    # Two countries at least: projects in one, partners abroad in the other.
    scaled["countries"] = min(max(2, scaled["countries"]), words.MAX_COUNTRIES)
    return replace(Counts(**scaled), **overrides).check()


@dataclass
class Report:
    """What was generated: rows written per kind and the seconds each step took."""

    tag: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    example_email: str = ""  # of a member with a confirmed address
    example_moderator: str = ""

    def add(self, kind: str, count: int) -> None:
        self.rows[kind] = self.rows.get(kind, 0) + count


Progress = Callable[[str, int, int], None]  # (step, rows done, rows to do)


def generate(
    counts: Counts,
    *,
    seed: int | None = None,
    progress: Progress | None = None,
    index: bool = True,
    batch_size: int = BATCH_SIZE,
) -> Report:
    """Generate ``counts`` rows (one transaction), then bring the search index (unless
    ``index`` is False: a benchmark that does not search), the planner's statistics and the
    home page's cache up to date. ``progress(step, done, total)`` is called after each
    batch."""
    return Generator(counts.check(), seed=seed, progress=progress, batch_size=batch_size).run(
        index=index
    )


def generate_catalogue(
    projects: int,
    *,
    organisations: int | None = None,
    countries: int = Counts.countries,
    seed: int | None = None,
) -> Report:
    """Only projects and their partner organisations (three for ten projects, unless
    ``organisations`` says), without members, forums or search index: what the catalogue's
    benchmarks measure."""
    if organisations is None:
        organisations = max(1, projects * Counts.organisations // Counts.projects)
    counts = Counts(
        projects=projects,
        organisations=organisations,
        countries=countries,
        members=0,
        topics=0,
        posts=0,
        blog_posts=0,
    )
    return generate(counts, seed=seed, index=False)


# --- Helpers ---------------------------------------------------------------------------------


def batched(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def zipf_cum_weights(count: int, exponent: float) -> list[float]:
    """Cumulative weights of ranks 1..count, rank r weighing r**-exponent: a few ranks take
    much, most take little."""
    return list(itertools.accumulate(rank**-exponent for rank in range(1, count + 1)))


def share(total: int, cum_weights: list[float]) -> list[int]:
    """``total`` split by the weights (whose cumulative sums these are), exactly."""
    weights = [b - a for a, b in itertools.pairwise([0.0, *cum_weights])]
    whole = sum(weights)
    parts = [int(total * weight / whole) for weight in weights]
    for rank in range(total - sum(parts)):
        parts[rank % len(parts)] += 1
    return parts


def free_tag() -> str:
    """The mark of this run in its slugs and emails ("g1", then "g2"…): the first no slug or
    email of the database holds, so that a run never collides with an earlier one."""

    def taken(marker: str) -> bool:
        return Member.objects.filter(email__contains=marker).exists() or any(
            model.objects.filter(slug__contains=marker).exists()
            for model in (Organisation, Project, Member, Topic, BlogPost)
        )

    number = 1
    while taken(f"-g{number}-"):
        number += 1
    return f"g{number}"


def months_later(date: datetime.date, months: int) -> datetime.date:
    return date + datetime.timedelta(days=round(months * 30.44))


def originals(row: dict, field_names: Iterable[str]) -> dict:
    """The untranslated column of each field (modeltranslation keeps it, NOT NULL): the
    first language that has text, as the models' fallback reads them."""
    values = {}
    for name in field_names:
        values[name] = next(
            (
                row[localized_field(name, code)]
                for code in LANGUAGE_CODES
                if row.get(localized_field(name, code))
            ),
            "",
        )
    return values


@dataclass
class Country:
    code: str
    language: str
    places: list[str]
    abroad: bool


class Generator:
    def __init__(
        self,
        counts: Counts,
        *,
        seed: int | None = None,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
    ):
        self.counts = counts
        self.rng = random.Random(seed)
        self.progress = progress or (lambda step, done, total: None)
        self.batch_size = batch_size
        self.now = timezone.now().replace(microsecond=0)
        self.today = self.now.date()
        self.report = Report()
        self._choose_countries()
        # Filled as the kinds are generated, read by the kinds after them.
        self.organisations: list[tuple[int, str]] = []  # (id, country)
        self.projects: list[tuple[int, str]] = []  # (id, country)
        self.members: list[tuple[int, str]] = []  # (id, language): active, verified
        self.moderators: list[tuple[int, str]] = []
        self.listed_organisations: set[int] = set()  # partners of generated projects
        self.follows_own_topics: set[int] = set()
        self.topic_ids: list[int] = []
        self.post_ids: list[int] = []
        self.blog_post_ids: list[int] = []

    # --- Orchestration ---------------------------------------------------------------------

    def run(self, *, index: bool = True) -> Report:
        self._check_seed_loaded()
        self.report.tag = self.tag = free_tag()
        steps = [
            ("organisations", self.generate_organisations),
            ("projects", self.generate_projects),
            ("members", self.generate_members),
            ("forums", self.generate_forums),
            ("blog posts", self.generate_blog_posts),
        ]
        # One transaction: a run that fails (or is interrupted) leaves nothing behind.
        with transaction.atomic():
            for step, generate_step in steps:
                self._timed(step, generate_step)
            if index:
                self._timed("search index", self.index)
        self._timed("statistics", self.analyze)
        forget_home_blocks()
        return self.report

    def _timed(self, step: str, function) -> None:
        start = time.perf_counter()
        function()
        self.report.seconds[step] = time.perf_counter() - start

    def _check_seed_loaded(self) -> None:
        missing = []
        if self.counts.projects and not (Phase.objects.exists() and Theme.objects.exists()):
            missing.append("phases and themes (for projects)")
        if self.counts.topics and not Forum.objects.exists():
            missing.append("forums (for topics)")
        if missing:
            raise GenerationError(
                f"The database has no {' nor '.join(missing)}: load the seed first "
                "(manage.py load_seed)."
            )

    def _bulk(self, step: str, model, rows: list) -> None:
        """Insert ``rows`` (model instances) in batches, reporting progress; the rows get
        their primary keys."""
        done = 0
        for batch in batched(rows, self.batch_size):
            model.objects.bulk_create(batch)
            done += len(batch)
            self.progress(step, done, len(rows))
        self.report.add(step, len(rows))

    def _bulk_links(self, step: str, model, rows: list) -> None:
        """Rows of a table nobody reads the keys of (links, through tables)."""
        for batch in batched(rows, self.batch_size * 5):
            model.objects.bulk_create(batch)
        self.report.add(step, len(rows))

    def _choose_countries(self) -> None:
        total = self.counts.countries
        at_home = total if total == 1 else max(1, min(total - 1, round(total * 0.75)))
        at_home = min(at_home, len(words.ORIGIN_COUNTRIES))
        abroad = min(total - at_home, len(words.DESTINATION_COUNTRIES))
        self.home_countries = [
            Country(code, language, places.split("|"), abroad=False)
            for code, language, places in words.ORIGIN_COUNTRIES[:at_home]
        ]
        self.abroad_countries = [
            Country(code, language, places.split("|"), abroad=True)
            for code, language, places in words.DESTINATION_COUNTRIES[:abroad]
        ] or self.home_countries
        self.country_of = {c.code: c for c in self.home_countries + self.abroad_countries}
        # Projects: one country holds about an eleventh of them (with 45 countries), the last
        # ones a few dozens each.
        self.project_country_weights = zipf_cum_weights(len(self.home_countries), 0.52)
        self.abroad_weights = zipf_cum_weights(len(self.abroad_countries), 0.8)

    # --- Words -----------------------------------------------------------------------------

    def pick_home(self) -> Country:
        return self.rng.choices(self.home_countries, cum_weights=self.project_country_weights)[0]

    def pick_abroad(self) -> Country:
        return self.rng.choices(self.abroad_countries, cum_weights=self.abroad_weights)[0]

    def slots(self, country: Country, abroad: Country | None = None) -> dict:
        """What fills the braces of a sentence about ``country``, per language."""
        abroad = abroad or self.pick_abroad()
        common = {
            "city": self.rng.choice(country.places),
            "n": self.rng.randint(3, 400),
            "year": self.rng.randint(1985, 2022),
        }
        return {
            code: {
                **common,
                "country": country_name(country.code, code),
                "abroad": country_name(abroad.code, code),
            }
            for code in LANGUAGE_CODES
        }

    def sentences(self, pool, count: int, slots: dict, languages: Iterable[str]) -> dict:
        """``count`` different sentences of ``pool`` (triples), per language asked for."""
        chosen = self.rng.sample(pool, min(count, len(pool)))
        return {
            code: " ".join(
                triple[LANGUAGE_CODES.index(code)].format(**slots[code]) for triple in chosen
            )
            for code in languages
        }

    def languages_of_translated_row(self, own: str) -> list[str]:
        """Which languages a catalogue row is written in: most in all three, some in its
        country's language and English, some in its country's language only."""
        draw = self.rng.random()
        if draw < 0.65:
            return list(LANGUAGE_CODES)
        if draw < 0.82:
            return sorted({own, "en"}, key=LANGUAGE_CODES.index)
        return [own]

    def in_columns(self, name: str, texts: dict, languages: Iterable[str]) -> dict:
        """``{"title_fr": …, "title_en": None, …}``: the languages asked for, the others
        empty (NULL, as modeltranslation leaves a translation nobody wrote)."""
        return {
            localized_field(name, code): texts[code] if code in languages else None
            for code in LANGUAGE_CODES
        }

    # --- Organisations ---------------------------------------------------------------------

    def generate_organisations(self) -> None:
        count = self.counts.organisations
        if not count:
            return
        # One in each country where projects are first, so each has a possible lead; then
        # three in four where projects are (as many as their projects call for), one in
        # four abroad.
        flat_home = zipf_cum_weights(len(self.home_countries), 0.35)
        countries = self.home_countries[:count]
        while len(countries) < count:
            if self.rng.random() < 0.75:
                countries.append(self.rng.choices(self.home_countries, cum_weights=flat_home)[0])
            else:
                countries.append(self.pick_abroad())
        rows = []
        for number, country in enumerate(countries):
            rows.append(self.organisation(number, country))
        self._bulk("organisations", Organisation, rows)
        self.organisations = [(row.pk, row.country.code) for row in rows]

    def organisation(self, number: int, country: Country) -> Organisation:
        rng = self.rng
        kinds = words.KINDS_ABROAD if country.abroad else words.KINDS_AT_HOME
        kind = rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
        city = rng.choice(country.places)
        origin_country = self.pick_home()
        word = rng.choice(words.NAME_WORDS)
        fill = {
            "city": city,
            "origin": rng.choice(origin_country.places) if country.abroad else city,
            "word_fr": word[0],
            "word_en": word[1],
            "word_es": word[2],
        }
        if kind in words.TRANSLATED_NAMES:
            triple = rng.choice(words.TRANSLATED_NAMES[kind])
            names = {code: triple[i].format(**fill) for i, code in enumerate(LANGUAGE_CODES)}
            # A small municipality's name is often only in its own language.
            languages = list(LANGUAGE_CODES) if rng.random() < 0.7 else [country.language]
        else:
            template = rng.choice(words.OWN_LANGUAGE_NAMES[kind][country.language])
            names = {country.language: template.format(**fill)}
            languages = [country.language]
        description_languages = list(LANGUAGE_CODES) if rng.random() < 0.3 else languages
        has_description = rng.random() < 0.6
        slots = self.slots(country)
        descriptions = (
            self.sentences(
                words.ORGANISATION_SENTENCES, rng.randint(1, 3), slots, description_languages
            )
            if has_description
            else {}
        )
        row = {
            **self.in_columns("name", names, languages),
            **self.in_columns("description", descriptions, descriptions),
        }
        row.update(originals(row, ["name", "description"]))
        slug_base = slugify(row["name"])[:80] or "organisation"
        slug = f"{slug_base}-{self.tag}-{number}"
        return Organisation(
            **row,
            slug=slug,
            kind=kind,
            country=country.code,
            city=city,
            website=f"https://{slug_base[:40]}.{EMAIL_DOMAIN}/" if rng.random() < 0.4 else "",
            verified=rng.random() < 0.35,
        )

    def _organisation_pool(self) -> list[tuple[int, str]]:
        if self.organisations:
            return self.organisations
        pool = list(Organisation.objects.order_by("pk").values_list("pk", "country")[:POOL_SIZE])
        if not pool:
            raise GenerationError(
                "Projects need partner organisations: ask for --organisations too (the "
                "database has none)."
            )
        return pool

    # --- Projects --------------------------------------------------------------------------

    def generate_projects(self) -> None:
        count = self.counts.projects
        if not count:
            return
        rng = self.rng
        pool = self._organisation_pool()
        by_country = defaultdict(list)
        for pk, code in pool:
            by_country[code].append(pk)
        for ids in by_country.values():
            rng.shuffle(ids)  # which organisation of a country is the busiest
        # Within a country, a few organisations lead many projects; abroad, a few partner
        # many (the busiest about 200 projects at the default size).
        lead_weights = {code: zipf_cum_weights(len(ids), 1.0) for code, ids in by_country.items()}
        abroad_codes = {c.code for c in self.abroad_countries if c.abroad}
        abroad_ids = [pk for pk, code in pool if code in abroad_codes]
        rng.shuffle(abroad_ids)
        abroad_weights = zipf_cum_weights(len(abroad_ids), 0.6)
        all_ids = [pk for pk, _code in pool]
        country_of_organisation = dict(pool)

        phases = list(Phase.objects.order_by("start_date"))
        current, earlier = phases[-1], phases[:-1]
        themes = list(Theme.objects.order_by("slug").values_list("pk", flat=True))
        rng.shuffle(themes)
        theme_weights = zipf_cum_weights(len(themes), 0.7)
        criteria = list(SelectionCriterion.objects.values_list("pk", flat=True))

        projects, partners, project_themes, project_criteria = [], [], [], []
        for number in range(count):
            country = self.pick_home()
            # Partners: a lead of the country, and often a partner abroad.
            local = by_country.get(country.code)
            if local:
                lead = rng.choices(local, cum_weights=lead_weights[country.code])[0]
            else:
                lead = rng.choice(all_ids)
            chosen = [lead]
            extra = rng.choices([0, 1, 2, 3], weights=[30, 42, 20, 8])[0]
            for position in range(extra):
                if abroad_ids and (position == 0 and rng.random() < 0.75 or rng.random() < 0.3):
                    partner = rng.choices(abroad_ids, cum_weights=abroad_weights)[0]
                elif local and rng.random() < 0.6:
                    partner = rng.choice(local)
                else:
                    partner = rng.choice(all_ids)
                if partner not in chosen:
                    chosen.append(partner)
            for position, partner in enumerate(chosen):
                partners.append((number, partner, position))
            abroad = self._abroad_partner_country(chosen[1:], country_of_organisation)
            projects.append(self.project(number, country, abroad, current, earlier))
            k = rng.choices([1, 2, 3], weights=[40, 40, 20])[0]
            picked = set()
            while len(picked) < min(k, len(themes)):
                picked.add(rng.choices(themes, cum_weights=theme_weights)[0])
            project_themes.extend((number, theme) for theme in picked)
            if criteria:
                project_criteria.extend(
                    (number, criterion)
                    for criterion in rng.sample(criteria, rng.randint(0, min(4, len(criteria))))
                )
        self._bulk("projects", Project, projects)
        ids = [project.pk for project in projects]
        self.projects = [
            (project.pk, project.country.code) for project in projects if project.published
        ]
        self._bulk_links(
            "partnerships",
            Partnership,
            [
                Partnership(
                    project_id=ids[number],
                    organisation_id=organisation,
                    role=PartnershipRole.LEAD if position == 0 else PartnershipRole.PARTNER,
                    order=position,
                )
                for number, organisation, position in partners
            ],
        )
        self.listed_organisations.update(organisation for _n, organisation, _p in partners)
        ThemeLink = Project.themes.through
        self._bulk_links(
            "project themes",
            ThemeLink,
            [ThemeLink(project_id=ids[n], theme_id=theme) for n, theme in project_themes],
        )
        CriterionLink = Project.criteria_met.through
        self._bulk_links(
            "project criteria",
            CriterionLink,
            [
                CriterionLink(project_id=ids[n], selectioncriterion_id=criterion)
                for n, criterion in project_criteria
            ],
        )

    def _abroad_partner_country(self, organisation_ids, country_of_organisation) -> Country | None:
        """The country of the project's first partner abroad, if it has one: its text
        speaks of it."""
        for pk in organisation_ids:
            country = self.country_of.get(country_of_organisation.get(pk))
            if country is not None and country.abroad:
                return country
        return None

    def project(self, number, country: Country, abroad, current: Phase, earlier) -> Project:
        rng = self.rng
        languages = self.languages_of_translated_row(country.language)
        slots = self.slots(country, abroad)
        locality = rng.choice(words.LOCALITIES)
        title = rng.choice(words.PROJECT_TITLES)
        localities, titles = {}, {}
        for i, code in enumerate(LANGUAGE_CODES):
            localities[code] = locality[i].format(**slots[code])
            separator = " : " if code == "fr" else ": "
            titles[code] = f"{localities[code]}{separator}{title[i]}"
        objectives = self.sentences(words.OBJECTIVES, rng.choice([1, 1, 2]), slots, languages)
        descriptions = (
            self.sentences(words.PROJECT_SENTENCES, rng.randint(3, 7), slots, languages)
            if rng.random() < 0.9
            else {}
        )
        # Phase, dates and status.
        if earlier and rng.random() < 0.3:
            phase = rng.choice(earlier)
            last_start = (phase.end_date or self.today) - datetime.timedelta(days=200)
            start = phase.start_date + datetime.timedelta(
                days=rng.randint(0, max(0, (last_start - phase.start_date).days))
            )
            duration = rng.randint(12, 36)
        else:
            phase = current
            # More projects started in recent years than in the phase's first ones.
            span = max(0, (self.today - phase.start_date).days + 180)
            start = phase.start_date + datetime.timedelta(days=round(span * rng.random() ** 0.5))
            duration = rng.randint(6, 60)
        end = months_later(start, duration)
        if start > self.today:
            status = ProjectStatus.PLANNED
        elif end < self.today:
            status = ProjectStatus.COMPLETED
        else:
            status = ProjectStatus.ONGOING
        funding = min(3_000_000, max(10_000, rng.lognormvariate(math.log(150_000), 0.8)))
        row = {
            **self.in_columns("title", titles, languages),
            **self.in_columns("locality", localities, languages),
            **self.in_columns("objective", objectives, languages),
            **self.in_columns("description", descriptions, descriptions),
        }
        row.update(originals(row, ["title", "locality", "objective", "description"]))
        return Project(
            **row,
            slug=f"{slugify(row['title'])[:90]}-{self.tag}-{number}",
            country=country.code,
            phase=phase,
            status=status,
            duration_months=duration,
            funding_amount=Decimal(round(funding / 500) * 500),
            funding_currency=rng.choices(["USD", "EUR", "CHF"], weights=[85, 13, 2])[0],
            start_date=start,
            end_date=end,
            published=rng.random() < 0.98,
        )

    # --- Members ---------------------------------------------------------------------------

    def generate_members(self) -> None:
        count = self.counts.members
        if not count:
            return
        rng = self.rng
        password = make_password(PASSWORD)
        terms_version = Page.objects.terms_version()
        themes = list(Theme.objects.values_list("pk", flat=True))
        visibilities = [Visibility.EVERYONE, Visibility.MEMBERS, Visibility.NOBODY]
        regions = list(words.FIRST_NAMES)
        home_regions = [r for r in regions if r != "europe"]
        first_names = {r: names.split() for r, names in words.FIRST_NAMES.items()}
        last_names = {r: names.split() for r, names in words.LAST_NAMES.items()}
        members, emails, expertise, verified_flags = [], [], [], []
        six_years = 6 * 365 * 24 * 3600
        for number in range(count):
            country = self.pick_home() if rng.random() < 0.55 else self.pick_abroad()
            if country.abroad:
                region = rng.choice(home_regions) if rng.random() < 0.6 else "europe"
            else:
                region = words.REGION_OF_COUNTRY.get(country.code, rng.choice(home_regions))
            first, last = rng.choice(first_names[region]), rng.choice(last_names[region])
            name = f"{first} {last}"
            language = country.language if rng.random() < 0.8 else rng.choice(LANGUAGE_CODES)
            email = f"{slugify(first)}.{slugify(last)}-{self.tag}-{number}@{EMAIL_DOMAIN}"
            joined = self.now - datetime.timedelta(seconds=rng.randrange(six_years))
            slots = self.slots(country)[language]
            members.append(
                Member(
                    email=email.lower(),
                    name=name,
                    slug=f"{slugify(name)[:60] or 'member'}-{self.tag}-{number}",
                    password=password,
                    country=country.code,
                    city=rng.choice(country.places) if rng.random() < 0.7 else "",
                    affiliation=(
                        rng.choice(words.AFFILIATIONS)[LANGUAGE_CODES.index(language)].format(
                            **slots
                        )
                        if rng.random() < 0.55
                        else ""
                    ),
                    bio=(
                        " ".join(
                            triple[LANGUAGE_CODES.index(language)].format(**slots)
                            for triple in rng.sample(words.BIOS, rng.randint(1, 2))
                        )
                        if rng.random() < 0.45
                        else ""
                    ),
                    visibility=rng.choices(visibilities, weights=[50, 35, 15])[0],
                    language=language,
                    follow_own_topics=rng.random() < 0.9,
                    terms_accepted_at=joined,
                    terms_version=terms_version,
                    is_active=rng.random() < 0.99,
                    date_joined=joined,
                )
            )
            verified_flags.append(rng.random() < 0.93)
        # The first of every 10,000 (one at least) moderate the forums.
        moderator_count = max(1, count // 10_000)
        for index in range(moderator_count):
            members[index].is_active = True
            verified_flags[index] = True
        self._bulk("members", Member, members)
        for member, verified in zip(members, verified_flags, strict=True):
            emails.append(
                EmailAddress(user_id=member.pk, email=member.email, verified=verified, primary=True)
            )
            for theme in rng.sample(themes, rng.choice([0, 1, 1, 2, 3])) if themes else []:
                expertise.append((member.pk, theme))
        self._bulk_links("email addresses", EmailAddress, emails)
        ExpertiseLink = Member.expertise.through
        self._bulk_links(
            "expertise",
            ExpertiseLink,
            [ExpertiseLink(member_id=m, theme_id=t) for m, t in expertise],
        )
        self.members = [
            (member.pk, member.language)
            for member, verified in zip(members, verified_flags, strict=True)
            if verified and member.is_active
        ]
        self.follows_own_topics = {member.pk for member in members if member.follow_own_topics}
        moderators = members[:moderator_count]
        group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
        GroupLink = Member.groups.through
        self._bulk_links(
            "moderators",
            GroupLink,
            [GroupLink(member_id=m.pk, group_id=group.pk) for m in moderators],
        )
        self.moderators = [(m.pk, m.language) for m in moderators]
        self.report.example_moderator = moderators[0].email
        self.report.example_email = next(
            (
                member.email
                for member, verified in zip(members, verified_flags, strict=True)
                if verified and member.is_active and member not in moderators
            ),
            "",
        )
        self.generate_memberships()

    def generate_memberships(self) -> None:
        """Representatives of about a third of the organisations, and some of their people."""
        rng = self.rng
        organisations = [pk for pk, _code in self._organisation_pool()]
        people = [pk for pk, _language in self.members[len(self.moderators) :]]
        if not organisations or not people:
            return
        rng.shuffle(people)
        memberships, taken = [], set()
        represented = rng.sample(
            organisations, min(len(organisations), len(organisations) // 3 + 1)
        )
        for organisation, member in zip(represented, people, strict=False):
            approved = rng.random() < 0.9
            memberships.append(
                Membership(
                    member_id=member,
                    organisation_id=organisation,
                    role=MembershipRole.REPRESENTATIVE,
                    status=MembershipStatus.APPROVED if approved else MembershipStatus.PENDING,
                    decided_at=self.now if approved else None,
                )
            )
            taken.add((member, organisation))
        for _ in range(len(people) // 10):
            pair = (rng.choice(people), rng.choice(organisations))
            if pair in taken:
                continue
            taken.add(pair)
            status = rng.choices(
                [MembershipStatus.APPROVED, MembershipStatus.PENDING, MembershipStatus.REJECTED],
                weights=[85, 10, 5],
            )[0]
            memberships.append(
                Membership(
                    member_id=pair[0],
                    organisation_id=pair[1],
                    role=MembershipRole.MEMBER,
                    status=status,
                    decided_at=None if status == MembershipStatus.PENDING else self.now,
                    reason="Not a member of our staff."
                    if status == MembershipStatus.REJECTED
                    else "",
                )
            )
        self._bulk_links("memberships", Membership, memberships)

    def _author_pool(self) -> list[tuple[int, str]]:
        if self.members:
            return self.members
        pool = list(
            Member.objects.filter(is_active=True, deleted_at__isnull=True)
            .with_verified_email()
            .order_by("pk")
            .values_list("pk", "language")[:POOL_SIZE]
        )
        if not pool:
            raise GenerationError(
                "Topics and blog posts need authors: ask for --members too (the database has "
                "no active member with a confirmed address)."
            )
        self.follows_own_topics = set(
            Member.objects.filter(
                pk__in=[pk for pk, _l in pool], follow_own_topics=True
            ).values_list("pk", flat=True)
        )
        return pool

    def _moderator_pool(self) -> list[tuple[int, str]]:
        if self.moderators:
            return self.moderators
        return list(
            Member.objects.filter(is_active=True, groups__name=MODERATORS_GROUP)
            .order_by("pk")
            .values_list("pk", "language")[:100]
        )

    # --- Forums ----------------------------------------------------------------------------

    def generate_forums(self) -> None:
        topic_count, post_count = self.counts.topics, self.counts.posts
        if not topic_count:
            return
        rng = self.rng
        authors = list(self._author_pool())
        rng.shuffle(authors)
        moderators = self._moderator_pool()
        author_weights = zipf_cum_weights(len(authors), 0.7)  # a few post a lot
        forums = list(Forum.objects.order_by("order", "pk"))
        ediscussions_forum = next((f for f in forums if f.slug == EDISCUSSIONS_FORUM_SLUG), None)
        discussion_forums = [f for f in forums if f is not ediscussions_forum] or forums
        forum_weights = zipf_cum_weights(len(discussion_forums), 0.8)
        projects = self.projects or list(
            Project.objects.published().order_by("pk").values_list("pk", "country")[:POOL_SIZE]
        )
        themes = list(Theme.objects.values_list("pk", flat=True))

        # E-discussions: a few, closed ones and (the last two) open now.
        ediscussion_count = 0
        if ediscussions_forum is not None and topic_count >= 10:
            ediscussion_count = max(3, round(topic_count * 0.003))
        # Replies, spread so that the busiest topic holds about 2% of them.
        replies = share(post_count - topic_count, zipf_cum_weights(topic_count, 0.6))
        rng.shuffle(replies)
        three_years = 3 * 365 * 24 * 3600

        topics, plans = [], []  # plans: (first post's time, reply times, language)
        for number in range(topic_count):
            author, author_language = rng.choices(authors, cum_weights=author_weights)[0]
            language = author_language if rng.random() < 0.85 else rng.choice(LANGUAGE_CODES)
            country = self.pick_home()
            slots = self.slots(country)[language]
            title = rng.choice(words.TOPIC_TITLES)[LANGUAGE_CODES.index(language)].format(**slots)
            topic = Topic(
                title=title[:200],
                slug=f"{slugify(title)[:180] or 'topic'}-{self.tag}-{number}",
                language=language,
                author_id=author,
                is_locked=rng.random() < 0.02,
                is_pinned=rng.random() < 0.005,
            )
            ediscussion_number = number - (topic_count - ediscussion_count)
            if ediscussion_number >= 0:
                self._make_ediscussion(topic, ediscussion_number, ediscussion_count, moderators)
                topic.forum = ediscussions_forum
                window_start, window_end = topic.starts_at, min(topic.ends_at, self.now)
                created = topic.starts_at
            else:
                topic.forum = rng.choices(discussion_forums, cum_weights=forum_weights)[0]
                created = self.now - datetime.timedelta(seconds=rng.randrange(three_years))
                window_start = created
                window_end = min(
                    self.now, created + datetime.timedelta(days=rng.choice([7, 30, 180, 720]))
                )
            topic.created = topic.last_activity = created
            draw = rng.random()
            if draw < 0.15 and projects:
                project, project_country = rng.choice(projects)
                topic.project_id, topic.country = project, project_country
            elif draw < 0.35:
                topic.country = country.code
            if themes and rng.random() < 0.3:
                topic.theme_id = rng.choice(themes)
            span = (window_end - window_start).total_seconds()
            times = sorted(
                window_start + datetime.timedelta(seconds=span * rng.random() ** 1.5)
                for _ in range(replies[number])
            )
            topics.append(topic)
            plans.append((created, times, language))
        self._bulk("topics", Topic, topics)
        self.topic_ids = [topic.pk for topic in topics]
        self._write_posts(topics, plans, authors, author_weights, moderators)
        self.refresh_topic_counters(self.topic_ids)

    def _make_ediscussion(self, topic: Topic, number: int, count: int, moderators) -> None:
        """The last two e-discussions are open now, the others closed."""
        rng = self.rng
        index = LANGUAGE_CODES.index(topic.language)
        topic.kind = TopicKind.EDISCUSSION
        if number >= count - 2:
            topic.starts_at = self.now - datetime.timedelta(days=rng.randint(1, 10))
            topic.ends_at = self.now + datetime.timedelta(days=rng.randint(3, 20))
        else:
            topic.starts_at = self.now - datetime.timedelta(days=rng.randint(30, 900))
            topic.ends_at = topic.starts_at + datetime.timedelta(days=14)
            topic.summary = rng.choice(words.SUMMARIES)[index].format(n=rng.randint(12, 80))
            topic.summary_html = render_markdown(topic.summary)
        topic.guiding_questions = "\n".join(
            f"{i}. {triple[index]}" for i, triple in enumerate(words.GUIDING_QUESTIONS, 1)
        )
        if moderators:
            topic.moderator_id, _language = rng.choice(moderators)
            topic.author_id = topic.moderator_id

    def post_body(self, language: str) -> str:
        rng = self.rng
        index = LANGUAGE_CODES.index(language)
        slots = self.slots(self.pick_home())[language]

        def sentences(count: int) -> str:
            chosen = []
            for _ in range(count):
                pool = words.FORUM_SENTENCES if rng.random() < 0.7 else words.PROJECT_SENTENCES
                chosen.append(rng.choice(pool)[index].format(**slots))
            return " ".join(chosen)

        paragraphs = []
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(words.GREETINGS)[index])
        paragraphs.append(sentences(rng.randint(1, 4)))
        if rng.random() < 0.25:
            paragraphs.append(sentences(rng.randint(1, 3)))
        if rng.random() < 0.08:
            items = rng.sample(words.LIST_ITEMS, 3)
            paragraphs.append("\n".join(f"- {item[index]}" for item in items))
        if rng.random() < 0.05:
            paragraphs[-1] = (
                f"**{paragraphs[-1]}**" if "\n" not in paragraphs[-1] else paragraphs[-1]
            )
        if rng.random() < 0.2:
            paragraphs.append(rng.choice(words.CLOSINGS)[index])
        return "\n\n".join(paragraphs)

    def _write_posts(self, topics, plans, authors, author_weights, moderators) -> None:
        rng = self.rng
        total = self.counts.posts
        done = 0
        batch: list[Post] = []
        follows: set[tuple[int, int]] = set()
        # Which replies moderators hid (one in 500), and which posts are flagged or edited
        # (one in 100), by their rank among the replies.
        reply_count = total - len(topics)
        to_hide = set(rng.sample(range(reply_count), min(reply_count, max(1, reply_count // 500))))
        to_pick = set(rng.sample(range(reply_count), min(reply_count, max(4, reply_count // 100))))
        if not moderators:
            to_hide = set()
        hidden: list[Post] = []
        picked: list[Post] = []  # visible replies, some of them flagged, some edited
        reply_rank = -1

        def flush():
            nonlocal done, batch
            Post.objects.bulk_create(batch)
            done += len(batch)
            self.progress("posts", done, total)
            self.post_ids.extend(post.pk for post in batch)
            batch = []

        for topic, (created, times, topic_language) in zip(topics, plans, strict=True):
            for position, moment in enumerate([created, *times]):
                if position == 0:
                    author = topic.author_id
                else:
                    author = rng.choices(authors, cum_weights=author_weights)[0][0]
                language = topic_language if rng.random() < 0.8 else rng.choice(LANGUAGE_CODES)
                body = self.post_body(language)
                post = Post(
                    topic_id=topic.pk,
                    author_id=author,
                    body=body,
                    body_html=render_markdown(body),
                    language=language,
                    created=moment,
                )
                reply_rank += position > 0
                if position and reply_rank in to_pick and reply_rank not in to_hide:
                    picked.append(post)
                if position and reply_rank in to_hide:
                    hidden.append(post)
                    moderator, moderator_language = rng.choice(moderators)
                    post.is_hidden = True
                    post.hidden_by_id = moderator
                    post.hidden_at = min(
                        self.now, moment + datetime.timedelta(hours=rng.randint(1, 48))
                    )
                    post.hidden_reason = rng.choice(words.HIDDEN_REASONS)[
                        LANGUAGE_CODES.index(moderator_language)
                    ]
                batch.append(post)
                if author in self.follows_own_topics:
                    follows.add((author, topic.pk))
                if len(batch) >= self.batch_size:
                    flush()
        if batch:
            flush()
        self.report.add("posts", done)
        self._write_flags(hidden, picked[::2], [pk for pk, _l in authors], moderators)
        self._write_revisions(picked[1::2])
        self._bulk_links(
            "subscriptions",
            Subscription,
            [Subscription(member_id=member, topic_id=topic) for member, topic in sorted(follows)],
        )

    def _write_flags(self, hidden: list[Post], visible: list[Post], reporters, moderators) -> None:
        """Flags: those of hidden posts, dealt with by hiding them; open ones on visible
        posts; a few dismissed."""
        rng = self.rng
        categories = [c for c in FlagCategory.values if c != FlagCategory.OTHER]
        flags, taken = [], set()

        def flag(post: Post, **decision):
            reporter = rng.choice(reporters)
            if reporter == post.author_id or (post.pk, reporter) in taken:
                return
            taken.add((post.pk, reporter))
            category = rng.choice(categories) if rng.random() < 0.7 else FlagCategory.OTHER
            reason = ""
            if category == FlagCategory.OTHER or rng.random() < 0.3:
                reason = rng.choice(words.FLAG_REASONS)[LANGUAGE_CODES.index(post.language)]
            flags.append(
                Flag(
                    post_id=post.pk,
                    reporter_id=reporter,
                    category=category,
                    reason=reason,
                    created=min(self.now, post.created + datetime.timedelta(hours=1)),
                    **decision,
                )
            )

        for post in hidden:
            for _ in range(rng.randint(1, 3)):
                flag(
                    post,
                    resolved_at=post.hidden_at,
                    resolved_by_id=post.hidden_by_id,
                    resolution=post.hidden_reason,
                )
        moderator_ids = [pk for pk, _l in moderators]
        for position, post in enumerate(visible):
            if position % 3 == 2 and moderator_ids:  # dismissed
                flag(
                    post,
                    resolved_at=self.now,
                    resolved_by_id=rng.choice(moderator_ids),
                    resolution=words.DISMISSED[LANGUAGE_CODES.index(post.language)],
                )
            else:
                flag(post)
        self._bulk_links("flags", Flag, flags)

    def _write_revisions(self, posts: list[Post]) -> None:
        """A few posts edited by their authors: their first text kept."""
        revisions = []
        for post in posts:
            first_text = post.body.split("\n\n")[0]
            revisions.append(
                PostRevision(
                    post_id=post.pk,
                    body=first_text,
                    version=1,
                    edited_by_id=post.author_id,
                    edited_at=post.created,
                )
            )
            post.edited_at = min(self.now, post.created + datetime.timedelta(minutes=20))
            post.version = 2
        for batch in batched(posts, self.batch_size):
            Post.objects.bulk_update(batch, ["edited_at", "version"])
        self._bulk_links("post revisions", PostRevision, revisions)

    @staticmethod
    def refresh_topic_counters(topic_ids: Sequence[int]) -> None:
        """What ``forums.services.refresh_topic`` computes for one topic, for many at once:
        the number of visible posts, the last of them, and its time (else the topic's)."""
        visible = Post.objects.filter(topic=OuterRef("pk"), is_hidden=False)
        last = visible.order_by("-created", "-id")
        counted = visible.order_by().values("topic").annotate(count=Count("pk")).values("count")
        for batch in batched(sorted(topic_ids), 1000):
            Topic.objects.filter(pk__in=batch).update(
                post_count=Coalesce(Subquery(counted), 0),
                last_post=Subquery(last.values("pk")[:1]),
                last_activity=Coalesce(Subquery(last.values("created")[:1]), F("created")),
            )

    # --- Blog posts and news -----------------------------------------------------------------

    def generate_blog_posts(self) -> None:
        count = self.counts.blog_posts
        if not count:
            return
        rng = self.rng
        authors = self._author_pool()
        bloggers = rng.sample(authors, min(len(authors), max(1, count // 4)))
        blogger_weights = zipf_cum_weights(len(bloggers), 0.8)
        staff = (
            list(
                Member.objects.filter(is_staff=True, is_active=True).values_list("pk", "language")[
                    :20
                ]
            )
            or self._moderator_pool()
            or bloggers[:1]
        )
        projects = self.projects or list(
            Project.objects.published().order_by("pk").values_list("pk", "country")[:POOL_SIZE]
        )
        three_years = 3 * 365 * 24 * 3600
        posts = []
        for number in range(count):
            news = rng.random() < 0.25
            if news:
                author, language = rng.choice(staff)
                languages = list(LANGUAGE_CODES) if rng.random() < 0.7 else [language]
                titles_pool = words.NEWS_TITLES
            else:
                author, language = rng.choices(bloggers, cum_weights=blogger_weights)[0]
                languages = [language]
                titles_pool = words.BLOG_TITLES
            slots = self.slots(self.pick_home())
            title = rng.choice(titles_pool)
            titles = {
                code: title[LANGUAGE_CODES.index(code)].format(**slots[code]) for code in languages
            }
            summaries = self.sentences(words.PROJECT_SENTENCES, 1, slots, languages)
            bodies = self.blog_body(slots, languages)
            row = {
                **self.in_columns("title", titles, languages),
                **self.in_columns("summary", summaries, languages),
                **self.in_columns("body", bodies, languages),
                **self.in_columns(
                    "body_html",
                    {code: render_markdown(bodies[code]) for code in languages},
                    languages,
                ),
            }
            # As ``BlogPost.set_text`` leaves them: the other languages empty, not NULL.
            row = {column: value or "" for column, value in row.items()}
            row.update(originals(row, ["title", "summary", "body", "body_html"]))
            draw = rng.random()
            created = self.now - datetime.timedelta(seconds=rng.randrange(three_years))
            if draw < 0.08:
                status, published_at = BlogPostStatus.DRAFT, None
            elif draw < 0.1:  # scheduled
                status = BlogPostStatus.PUBLISHED
                published_at = self.now + datetime.timedelta(days=rng.randint(1, 30))
            else:
                status, published_at = BlogPostStatus.PUBLISHED, created
            posts.append(
                BlogPost(
                    **row,
                    kind=BlogPostKind.NEWS if news else BlogPostKind.BLOG,
                    author_id=author,
                    slug=f"{slugify(row['title'])[:180] or 'post'}-{self.tag}-{number}",
                    language=languages[0] if news else language,
                    status=status,
                    created=created,
                    published_at=published_at,
                    project_id=rng.choice(projects)[0] if projects and rng.random() < 0.2 else None,
                    is_hidden=not news and rng.random() < 0.01,
                )
            )
        self._bulk("blog posts", BlogPost, posts)
        self.blog_post_ids = [post.pk for post in posts]
        # Readers follow some bloggers.
        followers = [pk for pk, _l in authors]
        follows = set()
        for _ in range(count // 2):
            member, (blogger, _l) = rng.choice(followers), rng.choice(bloggers)
            if member != blogger:
                follows.add((member, blogger))
        self._bulk_links(
            "subscriptions",
            Subscription,
            [Subscription(member_id=m, blog_author_id=b) for m, b in sorted(follows)],
        )

    def blog_body(self, slots: dict, languages: list[str]) -> dict:
        """A blog post's or news item's Markdown (paragraphs, headings, sometimes a list), the
        same text in each of ``languages``."""
        rng = self.rng
        headings = rng.sample(words.BLOG_HEADINGS, 2)
        pool = words.PROJECT_SENTENCES + words.FORUM_SENTENCES
        paragraphs = [rng.sample(pool, rng.randint(2, 5)) for _ in range(3)]
        with_list = rng.random() < 0.4
        bodies = {}
        for code in languages:
            i = LANGUAGE_CODES.index(code)

            def text(chosen, i=i, code=code):
                return " ".join(triple[i].format(**slots[code]) for triple in chosen)

            parts = [text(paragraphs[0]), f"## {headings[0][i]}", text(paragraphs[1])]
            if with_list:
                parts.append("\n".join(f"- {item[i]}" for item in words.LIST_ITEMS[:3]))
            parts += [f"## {headings[1][i]}", text(paragraphs[2])]
            bodies[code] = "\n\n".join(parts)
        return bodies

    # --- Derived data ----------------------------------------------------------------------

    def index(self) -> None:
        """The search documents of what was generated (and of the organisations now listed
        as partners), in batches. When they outnumber the documents there were, the vector
        index is dropped meanwhile and built again at the end, in the run's transaction
        (searches wait for it): building it whole is several times faster than adding each
        document to it."""
        work = [
            (Organisation, {pk for pk, _c in self.organisations} | self.listed_organisations),
            (Project, {pk for pk, _c in self.projects}),
            (Topic, set(self.topic_ids)),
            (Post, set(self.post_ids)),
            (BlogPost, set(self.blog_post_ids)),
        ]
        total = sum(len(ids) for _model, ids in work)
        vector_indexes = [i for i in SearchDocument._meta.indexes if "vector" in i.fields]
        rebuild_vector_index = total > max(REBUILD_INDEX_FROM, SearchDocument.objects.count())
        done = 0
        with connection.schema_editor() as schema_editor:
            if rebuild_vector_index:
                for vector_index in vector_indexes:
                    schema_editor.remove_index(SearchDocument, vector_index)
            for model, ids in work:
                for batch in batched(sorted(ids), indexing.BATCH_SIZE * 4):
                    written = indexing.index(model, batch, batch_size=indexing.BATCH_SIZE * 2)
                    self.report.add("search documents", written)
                    done += len(batch)
                    self.progress("search index", done, total)
            if rebuild_vector_index:
                with connection.cursor() as cursor:
                    # The foreign keys' checks, deferred to the commit, are run now: an
                    # index cannot be built while checks of its table wait.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for vector_index in vector_indexes:
                    schema_editor.add_index(SearchDocument, vector_index)

    def analyze(self) -> None:
        """Fresh planner statistics for the tables that grew: the pages' query plans are
        those of a database of this size."""
        models = [
            Organisation,
            Project,
            Partnership,
            Project.themes.through,
            Project.criteria_met.through,
            Member,
            EmailAddress,
            Member.expertise.through,
            Membership,
            Topic,
            Post,
            Flag,
            Subscription,
            BlogPost,
            SearchDocument,
        ]
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
