import time

from django.core.management.base import BaseCommand, CommandError

from icmd import generation


class Command(BaseCommand):
    help = (
        "Fill the database with realistic generated data, to measure the portal at real "
        "scale: by default 10,000 projects and 3,000 organisations in 60 countries, 50,000 "
        "members, 2,000 topics holding 100,000 posts, 1,000 blog posts and news items, in "
        "French, English and Spanish. Adds to what is there (run it after load_seed; run "
        "again, it adds again), then brings topic counters and the search index up to date. "
        "Every generated member logs in with the same password: for development and "
        "benchmark databases only, never a production one."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply every default count (e.g. 0.01 for a test-sized run; default 1).",
        )
        default = generation.Counts()
        for kind in generation.Counts.kinds():
            parser.add_argument(
                f"--{kind.replace('_', '-')}",
                type=int,
                dest=kind,
                metavar="N",
                help=f"How many {kind.replace('_', ' ')} (default {getattr(default, kind):,} "
                "times --scale).",
            )
        parser.add_argument(
            "--seed",
            type=int,
            help="Seed of the random generator: the same seed writes the same content.",
        )

    def handle(self, *args, **options):
        overrides = {
            kind: options[kind]
            for kind in generation.Counts.kinds()
            if options.get(kind) is not None
        }
        try:
            counts = generation.scaled_counts(options["scale"], **overrides)
        except generation.GenerationError as error:
            raise CommandError(str(error)) from error
        verbose = options["verbosity"] > 0
        if verbose:
            self.stdout.write(
                f"Generating {counts.projects:,} projects, {counts.organisations:,} "
                f"organisations in {counts.countries} countries, {counts.members:,} members, "
                f"{counts.topics:,} topics with {counts.posts:,} posts, {counts.blog_posts:,} "
                f"blog posts and news"
                + (f" (seed {options['seed']})" if options["seed"] is not None else "")
                + "."
            )
        self._shown = {}  # the tenth of each step last shown
        started = time.perf_counter()
        try:
            report = generation.generate(
                counts, seed=options["seed"], progress=self.progress if verbose else None
            )
        except generation.GenerationError as error:
            raise CommandError(str(error)) from error
        if verbose:
            self.summary(report, time.perf_counter() - started)

    def progress(self, step: str, done: int, total: int) -> None:
        """A line per tenth of each step (and its last)."""
        tenth = done * 10 // max(total, 1)
        if done == total or tenth > self._shown.get(step, 0):
            self._shown[step] = tenth
            self.stdout.write(f"  {step}: {done:,} / {total:,}")
            self.stdout.flush()

    def summary(self, report: generation.Report, seconds: float) -> None:
        self.stdout.write("\n| step | seconds |\n|---|---:|")
        for step, spent in report.seconds.items():
            self.stdout.write(f"| {step} | {spent:.1f} |")
        self.stdout.write(f"| total | {seconds:.1f} |\n")
        rows = ", ".join(f"{count:,} {kind}" for kind, count in report.rows.items())
        self.stdout.write(f"Rows written: {rows}.")
        self.stdout.write(
            f"Generated slugs and emails carry “-{report.tag}-”. Generated members log in with "
            f"their email and the password “{generation.PASSWORD}”"
            + (f", e.g. {report.example_email}" if report.example_email else "")
            + (f" (a moderator: {report.example_moderator})" if report.example_moderator else "")
            + "."
        )
