from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from common.seed import UnknownSeedRow
from forums.seed import load_forums
from icmd.seed import load_pages
from learning.seed import load_learning
from library.seed import load_library
from projects.seed import load_catalogue


class Command(BaseCommand):
    help = (
        "Load the seed catalogue, forums, site pages, library and courses from fixtures/. Each "
        "kind is created only while its table is empty (no project, no page, no forum, no "
        "resource, no course): "
        "once staff keep the content, what they deleted or renamed is not brought back. Rows "
        "already there "
        "(matched by slug) are left as they are, except that translations they lack are "
        "filled in from the files. --project, --page, --forum, --resource and --course create one "
        "row "
        "of the files on purpose."
    )

    def add_arguments(self, parser):
        for option, kind in (
            ("project", "catalogue"),
            ("page", "site"),
            ("forum", "forum"),
            ("resource", "library"),
            ("course", "learning"),
        ):
            parser.add_argument(
                f"--{option}",
                action="append",
                default=[],
                metavar="SLUG",
                dest=f"{option}s",
                help=(
                    f"Create the {kind} {option} of the seed with this slug if no {option} "
                    "has it (repeat for several)."
                ),
            )

    def handle(self, *args, **options):
        fixtures = settings.BASE_DIR / "fixtures"
        try:
            with transaction.atomic():  # a slug the seed lacks: nothing is created
                catalogue = load_catalogue(
                    fixtures / "catalogue.json", projects=options["projects"]
                )
                pages = load_pages(fixtures / "pages", pages=options["pages"])
                forums = load_forums(fixtures / "forums.json", forums=options["forums"])
                library = load_library(fixtures / "library.json", resources=options["resources"])
                learning = load_learning(
                    fixtures / "learning",
                    forums=fixtures / "forums.json",
                    courses=options["courses"],
                )
        except UnknownSeedRow as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] > 0:
            reports = {
                "projects": catalogue,
                "pages": pages,
                "forums": forums,
                "resources": library,
                "courses": learning,
            }
            filled = sum(report.translations_filled for report in reports.values())
            self.stdout.write(
                f"Seed loaded: created {catalogue}, {pages}, {forums}, {library}, {learning}; "
                f"filled {filled} missing translations."
            )
            for kind, report in reports.items():
                asked = options[kind]
                kept = [slug for slug in asked if slug not in report.created_slugs.get(kind, [])]
                if kept:
                    self.stdout.write(f"Already there, left as they are: {', '.join(kept)}.")
                left_out = [s for s in report.left_out.get(kind, []) if s not in asked]
                if left_out:
                    self.stdout.write(
                        f"Not created again, as staff keep the {kind}: {len(left_out)} seed "
                        f"{kind} not in the database (deleted or renamed): "
                        f"{', '.join(left_out)}. `load_seed --{kind[:-1]} <slug>` creates one."
                    )
        call_command("rebuild_search_index", verbosity=options["verbosity"])
