"""Benchmark of the IATI import of a large file, as the worker runs it: wall time, time of
each phase, peak memory of the process, and how long a staff member saving a project
meanwhile waits.

Runs against a throw-away test database (never the development data):

    .venv/bin/python bench/iati_import.py                      # 2,000 activities, 8 MiB
    .venv/bin/python bench/iati_import.py --activities 20000 --stop-after 300   # 81 MiB

The file is generated: each activity like one of the portal's own export (texts in French,
English and Spanish, a lead organisation of its own and a partner among 200 shared ones,
two themes, a budget, its page), about 4.6 KB. It is kept as an upload is (an
``IATIImport``, its file under a temporary ``MEDIA_ROOT``; the upload's size limit is not
applied here) and imported by ``run_import``, run after run (each works ``TIME_SLICE``
seconds, then the next goes on) until done, as the worker does: first into the seed
catalogue (every activity creates a project), then again with every title changed (every
project updated). Each import runs in a fresh process, so that its peak resident memory
(``ru_maxrss``) is its own.

While the second import runs, a thread plays a staff member who saves, every half second,
the project the import updated first in its batch under way (the worst case: that row
stays locked until the batch commits), and records how long each save waited for it.

With ``--stop-after SECONDS``, each import stops after its first run that ends past that
time (a big file takes long): the figures then say how far it got, and the time the whole
file would take at that pace (the check, then the activities left at the pace measured;
each later run also reads again the part of the file already done, which the projection
counts at the speed of the check).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve()
LANGUAGES = ("fr", "en", "es")
TITLES = {
    "fr": "Développement local et migration : projet {n} porté par la diaspora",
    "en": "Local development and migration: project {n} led by the diaspora",
    "es": "Desarrollo local y migración: proyecto {n} impulsado por la diáspora",
}
OBJECTIVES = {
    "fr": "Renforcer le rôle des migrants et de leurs associations dans le développement "
    "économique et social de la commune {n}, avec les autorités locales.",
    "en": "Strengthen the role of migrants and their associations in the economic and social "
    "development of municipality {n}, with the local authorities.",
    "es": "Fortalecer el papel de los migrantes y sus asociaciones en el desarrollo económico "
    "y social del municipio {n}, junto con las autoridades locales.",
}
REPORTER = {
    "fr": "Programme des Nations Unies pour le développement (PNUD)",
    "en": "United Nations Development Programme (UNDP)",
    "es": "Programa de las Naciones Unidas para el Desarrollo (PNUD)",
}
LEADS = {
    "fr": "Association des migrants numéro {n}",
    "en": "Migrants' association number {n}",
    "es": "Asociación de migrantes número {n}",
}
PARTNERS = {"fr": "Commune {k}", "en": "Municipality {k}", "es": "Municipio {k}"}
COUNTRIES = ["SN", "MA", "TN", "NP", "PH", "EC", "SV", "CR", "ML", "GH", "MX", "GT"]
THEMES = ["local-governance", "diaspora", "employment", "migrants-rights", "gender"]


def narratives(texts: dict, **values) -> str:
    return "".join(
        f'<narrative xml:lang="{language}">{escape(texts[language].format(**values))}</narrative>'
        for language in LANGUAGES
    )


def activity(n: int, *, partners: int, edition: str) -> str:
    country, k = COUNTRIES[n % len(COUNTRIES)], n % partners
    title = {language: f"{text}{edition}" for language, text in TITLES.items()}
    tags = "".join(
        f'<tag vocabulary="99" vocabulary-uri="http://testserver/api/v1/themes/" '
        f'code="{THEMES[(n + i) % len(THEMES)]}"/>'
        for i in range(2)
    )
    lead = f'role="4" type="22" icmd:role="lead" icmd:kind="diaspora" icmd:country="{country}"'
    partner = (
        f'role="4" type="11" icmd:role="partner" icmd:kind="local_authority" '
        f'icmd:country="{country}"'
    )
    undp = 'ref="XM-DAC-41114" type="40"'
    return f"""  <iati-activity xml:lang="fr" default-currency="USD" icmd:slug="bench-{n}"
      icmd:phase="2012-local">
    <iati-identifier>XM-DAC-41114-ICMD-bench-{n}</iati-identifier>
    <reporting-org {undp}>{narratives(REPORTER)}</reporting-org>
    <title>{narratives(title, n=n)}</title>
    <description type="1">{narratives(OBJECTIVES, n=n)}</description>
    <description type="2">{narratives(OBJECTIVES, n=n)}</description>
    <participating-org {undp} role="1">{narratives(REPORTER)}</participating-org>
    <participating-org {lead}>{narratives(LEADS, n=n)}</participating-org>
    <participating-org {partner}>{narratives(PARTNERS, k=k)}</participating-org>
    <activity-status code="2"/>
    <activity-date type="1" iso-date="2013-01-01"/>
    <activity-date type="3" iso-date="2014-12-31"/>
    <recipient-country code="{country}" percentage="100"/>
    <location><name>{narratives(PARTNERS, k=k)}</name></location>
    {tags}
    <budget type="1" status="2">
      <period-start iso-date="2013-01-01"/><period-end iso-date="2014-12-31"/>
      <value currency="USD" value-date="2013-01-01">{50_000 + (n * 1000) % 200_000}.00</value>
    </budget>
    <document-link url="http://testserver/fr/projects/bench-{n}/" format="text/html">
      <title>{narratives(title, n=n)}</title>
      <category code="A12"/><language code="fr"/>
    </document-link>
  </iati-activity>
"""


def write_file(path: Path, count: int, *, partners: int = 200, edition: str = "") -> int:
    """An activities file of ``count`` activities; ``edition`` is added to every title."""
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<iati-activities xmlns:icmd="urn:x-icmd-portal:iati:1" version="2.03" '
            'generated-datetime="2026-01-05T10:00:00Z">\n'
        )
        for n in range(count):
            out.write(activity(n, partners=partners, edition=edition))
        out.write("</iati-activities>\n")
    return path.stat().st_size


def measure_one(
    file: str, database: str, media: str, with_staff: bool, stop_after: float | None
) -> dict:
    """One import of ``file``, as the worker runs it, in this (fresh) process."""
    from django.conf import settings
    from django.core.files import File
    from django.db import connection, transaction
    from harness import setup_test_environment

    from projects.iati import importer, jobs
    from projects.models import IATIImport, Project

    setup_test_environment(debug=False)  # as in production: no query log
    connection.settings_dict["NAME"] = database
    settings.MEDIA_ROOT = media
    with open(file, "rb") as source:
        iati_import = IATIImport(
            file_name=Path(file).name, size=Path(file).stat().st_size, language="fr"
        )
        iati_import.file.save(Path(file).name, File(source), save=False)
        iati_import.save()

    waits, stop = [], threading.Event()

    def staff_saves():
        """Save the project the import updated first in its batch under way."""
        while not stop.wait(0.5):
            processed = IATIImport.objects.get(pk=iati_import.pk).processed
            n = min(processed, count - 1)
            start = time.perf_counter()
            with transaction.atomic():
                project = Project.objects.select_for_update().get(slug=f"bench-{n}")
                project.locality = f"Saved by staff at {time.time():.0f}"
                project.save()
            waits.append(time.perf_counter() - start)
        connection.close()

    count = Project.objects.filter(slug__startswith="bench-").count()
    staff = threading.Thread(target=staff_saves) if with_staff and count else None
    start = time.perf_counter()
    if staff:
        staff.start()
    runs, more = 0, True
    while more:
        runs += 1
        more = jobs.run_import(iati_import.pk)
        if stop_after is not None and time.perf_counter() - start > stop_after:
            break
    total = time.perf_counter() - start
    stop.set()
    if staff:
        staff.join()
    iati_import.refresh_from_db()
    assert iati_import.status in ("done", "importing"), (iati_import.status, iati_import.failure)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {
        "status": iati_import.status,
        "processed": iati_import.processed,
        "activities": iati_import.total,
        "created": iati_import.created_count,
        "updated": iati_import.updated_count,
        "unchanged": iati_import.unchanged_count,
        "skipped": iati_import.skipped_count,
        "runs": runs,
        "batch": f"{importer.BATCH_SIZE} activities or {importer.BATCH_SECONDS} s",
        "total_s": total,
        "per_activity_ms": total / iati_import.processed * 1000,
        "peak_rss_mib": peak_kib / 1024,
    }
    if waits:
        figures.update(
            staff_saves=len(waits),
            staff_wait_median_s=statistics.median(waits),
            staff_wait_max_s=max(waits),
        )
    return figures


def check_only(file: str) -> dict:
    """Phase 1 alone (the schema check), in this fresh process: time and peak memory."""
    import harness  # noqa: F401  (Django set up)

    from projects.iati import ActivitiesFile

    start = time.perf_counter()
    count = ActivitiesFile(Path(file)).check()
    return {
        "activities": count,
        "check_s": time.perf_counter() - start,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def projected(figures: dict, check: dict) -> float:
    """Seconds the whole import would take at the pace measured (see the module's
    documentation)."""
    count, done = figures["activities"], figures["processed"]
    per_activity = (figures["total_s"] - check["check_s"]) / done
    runs_left = (count - done) * per_activity / 60  # a run per time slice of a minute
    reading_again = runs_left * check["check_s"] / 2  # half the file, on average
    return check["check_s"] + count * per_activity + reading_again


def in_fresh_process(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(HERE), *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--partners", type=int, default=200, help="shared partner organisations")
    parser.add_argument("--stop-after", type=float, help="stop each import after this long (s)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--check", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--staff", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))

    if options.check:
        print(json.dumps(check_only(options.check)))
        return
    if options.measure:
        figures = measure_one(
            options.measure, options.database, options.media, options.staff, options.stop_after
        )
        print(json.dumps(figures))
        return

    from harness import connection, throwaway_database

    folder = Path(tempfile.mkdtemp(prefix="iati-bench-"))
    try:
        first, second = folder / "activities.xml", folder / "activities-revised.xml"
        size = write_file(first, options.activities, partners=options.partners)
        write_file(second, options.activities, partners=options.partners, edition=" (révisé)")
        print(f"{options.activities} activities, {size / 1024 / 1024:.1f} MiB", flush=True)
        check = in_fresh_process("--check", str(first))
        print("check only:", check, flush=True)
        limit = [] if options.stop_after is None else ["--stop-after", str(options.stop_after)]
        with throwaway_database():
            database, media = connection.settings_dict["NAME"], str(folder / "media")
            connection.close()
            common = ["--database", database, "--media", media, *limit]
            for title, file, staff in [
                ("into the seed", first, []),
                ("every project updated, staff saving meanwhile", second, ["--staff"]),
            ]:
                figures = in_fresh_process("--measure", str(file), *common, *staff)
                if figures["status"] != "done":
                    figures["projected_total_s"] = projected(figures, check)
                print(f"{title}:", figures, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icmd.settings")
    main()
