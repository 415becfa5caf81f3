"""Registry-scale benchmark: each operation beside a baseline measured in the same run.

    python -m bench --patients 100000      (make bench)
    python -m bench --patients 10000       (make bench-quick)

Builds (or reuses) a PostgreSQL database `imt_bench_<N>` of synthetic patients on the server of
DATABASE_URL, then measures each operation several times and prints median and spread, peak RSS where
it matters and query counts, each beside its baseline, so ratios hold on a noisy shared machine.
Operations whose code is not in the tree are listed as "not built", never faked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 1)
SEED = 20260101
CACHE = ROOT / "bench" / ".cache"


@dataclass
class Measure:
    operation: str
    baseline: str
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)
    target: str = ""
    note: str = ""
    queries: int | None = None
    peak_rss_mb: float | None = None
    built: bool = True

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline_samples) if self.baseline_samples else None

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.baseline_median:
            return None
        return self.median / self.baseline_median


def spread(samples: list[float]) -> str:
    if len(samples) < 2:
        return ""
    return f"±{(max(samples) - min(samples)) / 2:.3f}"


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def bench_database_url(patients: int) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/imt_registry")
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path=f"/imt_bench_{patients}"))


def prepare_database(patients: int, url: str) -> tuple[float | None, bool]:
    """Create the bench database with N patients unless it already holds them. Returns generation time."""
    import psycopg2

    parsed = urlparse(url)
    admin = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
    )
    admin.autocommit = True
    name = parsed.path.lstrip("/")
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    if exists:
        try:
            with psycopg2.connect(url) as probe, probe.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM registry_patient")
                if cursor.fetchone()[0] == patients:
                    admin.close()
                    return None, True
        except psycopg2.Error:
            pass
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}"')
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "generate_cohort",
            "--patients",
            str(patients),
            "--seed",
            str(SEED),
            "--as-of",
            AS_OF.isoformat(),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start, False


RECORD_TABLES = (
    "registry_patient",
    "registry_tumor",
    "registry_presentation",
    "registry_surgery",
    "registry_moleculartest",
    "registry_treatment",
    "registry_imagingstudy",
    "registry_diseaseevent",
)


def copy_baseline(connection) -> float:
    """Time to COPY every record table (and its history) back in from files: PostgreSQL's own floor."""
    tables = [*RECORD_TABLES, *(t.replace("registry_", "registry_historical") for t in RECORD_TABLES)]
    dumps = {}
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            for table in tables:
                buffer = io.StringIO()
                pg.copy_expert(f"COPY {table} TO STDOUT", buffer)
                dumps[table] = buffer.getvalue()
            start = time.perf_counter()
            for table in tables:
                pg.execute(f"CREATE TEMP TABLE bench_{table} (LIKE {table})")
                pg.copy_expert(f"COPY bench_{table} FROM STDIN", io.StringIO(dumps[table]))
            elapsed = time.perf_counter() - start
            for table in tables:
                pg.execute(f"DROP TABLE bench_{table}")
    return elapsed


HAND_WRITTEN_ANALYSIS_SQL = """
SELECT t.id, t.patient_id, p.registry_number, t.tumor_record_number, i.code, p.sex, p.date_of_birth,
       t.date_of_diagnosis, t.primary_site, t.site_group, t.variant, t.behavior, t.size_mm, t.size_code,
       t.alk_status, t.ros1_status, t.ntrk_status, t.fusion_status, t.metastatic_at_diagnosis,
       pr.fever OR pr.night_sweats OR pr.weight_loss AS systemic,
       p.date_of_death, p.cause_of_death, p.date_of_last_contact,
       (SELECT s.date FROM registry_surgery s WHERE s.tumor_id = t.id AND s.extent <> 'biopsy'
          AND s.margin IN ('R0', 'R1') AND s.date <= %(cut_off)s ORDER BY s.date, s.id LIMIT 1) AS definitive_date,
       (SELECT s.margin FROM registry_surgery s WHERE s.tumor_id = t.id AND s.extent <> 'biopsy'
          AND s.date <= %(cut_off)s ORDER BY s.date, s.id LIMIT 1) AS first_margin,
       (SELECT min(e.date) FROM registry_diseaseevent e WHERE e.tumor_id = t.id AND e.date <= %(cut_off)s) AS first_event,
       (SELECT min(e.date) FROM registry_diseaseevent e WHERE e.tumor_id = t.id AND e.date <= %(cut_off)s
          AND e.event_type = 'distant_metastasis') AS first_metastasis,
       (SELECT max(m.date) FROM registry_imagingstudy m WHERE m.tumor_id = t.id AND m.result <> ''
          AND m.date <= %(cut_off)s) AS last_assessment,
       (SELECT max(m.date) FROM registry_imagingstudy m JOIN registry_tumor t2 ON t2.id = m.tumor_id
          WHERE t2.patient_id = t.patient_id AND m.date <= %(cut_off)s) AS last_imaging
FROM registry_tumor t
JOIN registry_patient p ON p.id = t.patient_id
LEFT JOIN registry_institution i ON i.id = p.institution_id
LEFT JOIN registry_presentation pr ON pr.tumor_id = t.id
WHERE p.consent_status <> 'withdrawn' AND t.date_of_diagnosis <= %(cut_off)s
ORDER BY t.patient_id, t.date_of_diagnosis
"""


def run(patients: int, repeat: int) -> list[Measure]:
    url = bench_database_url(patients)
    generation, reused = prepare_database(patients, url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measures: list[Measure] = []

    gen = Measure(
        "generate the cohort",
        "COPY of the same rows from a file",
        target=f"{patients:,} patients: 100,000 in under 3 minutes",
    )
    record = CACHE / f"generation-{patients}.txt"
    if generation is not None:
        gen.samples = [generation]
        CACHE.mkdir(parents=True, exist_ok=True)
        record.write_text(f"{generation:.3f}\n")
    elif record.exists():
        gen.samples = [float(record.read_text())]
        gen.note = "timed when the database was built (drop imt_bench_N to re-time)"
    else:
        gen.note = "database reused; generation not re-timed (drop imt_bench_N to re-time)"
    gen.baseline_samples = [copy_baseline(connection)]
    measures.append(gen)

    from outcomes.analysis import analysis_rows

    rows_measure = Measure(
        "analysis rows for all tumors", "hand-written SQL returning the same rows", target="<= 1.5x"
    )

    def hand_written():
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN_ANALYSIS_SQL, {"cut_off": AS_OF})
            cursor.fetchall()

    rows_measure.baseline_samples = timed(hand_written, repeat)
    rows_measure.samples = timed(lambda: list(analysis_rows(cut_off=AS_OF)), repeat)
    with CaptureQueriesContext(connection) as queries:
        list(analysis_rows(cut_off=AS_OF))
    rows_measure.queries = len(queries.captured_queries)
    measures.append(rows_measure)

    from outcomes.estimates import outcome_tables

    tables = Measure("all endpoints by all strata", "analysis rows alone", target="under 30 s in total")
    tables.baseline_samples = rows_measure.samples
    tables.samples = timed(lambda: outcome_tables(analysis_rows(cut_off=AS_OF)), max(1, repeat - 1))
    measures.append(tables)

    measures.append(export_measure(patients, repeat))
    measures.append(surveillance_measure(repeat))
    measures.extend(list_measures(repeat))
    return measures


def export_measure(patients: int, repeat: int) -> Measure:
    measure = Measure(
        "de-identified CSV bundle",
        "COPY (hand-written analysis SELECT) TO STDOUT",
        target="<= 3x; peak RSS < 250 MB, +20% at most from 10k to 100k",
    )
    runner = ROOT / "bench" / "export_child.py"
    try:
        from outcomes.cohorts import bundle  # noqa: F401
    except ImportError:
        measure.built = False
        measure.note = "not built: outcomes.cohorts.bundle is not in this tree"
        return measure
    from django.db import connection

    def copy_tumors():
        # The same tumor rows the bundle's tumors file holds: the hand-written analysis SQL, through COPY.
        with connection.cursor() as cursor, cursor.connection.cursor() as pg:
            select = pg.mogrify(HAND_WRITTEN_ANALYSIS_SQL, {"cut_off": AS_OF}).decode()
            pg.copy_expert(f"COPY ({select}) TO STDOUT WITH CSV HEADER", io.StringIO())

    measure.baseline_samples = timed(copy_tumors, repeat)
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, str(runner)],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            measure.note = "export failed: " + result.stderr.strip().splitlines()[-1][:200]
            return measure
        seconds, peak_kb = result.stdout.split()[-2:]
        measure.samples.append(float(seconds))
        measure.peak_rss_mb = max(measure.peak_rss_mb or 0.0, int(peak_kb) / 1024)
    return measure


def surveillance_measure(repeat: int) -> Measure:
    measure = Measure(
        "surveillance refresh",
        "one SELECT of the needed columns",
        target="under 20 s; queries grow with batches, not patients",
    )
    try:
        from outcomes.surveillance.services import refresh_surveillance
    except ImportError:
        measure.built = False
        measure.note = "not built: outcomes.surveillance.services.refresh_surveillance is not in this tree"
        return measure
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def one_select():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.id, p.follow_up_status, p.consent_status, p.vital_status, t.id, t.site_group, "
                "t.date_of_diagnosis, t.definitive_resection_id, t.size_mm, t.variant, t.alk_status, "
                "(SELECT max(m.date) FROM registry_imagingstudy m WHERE m.tumor_id = t.id) "
                "FROM registry_patient p JOIN registry_tumor t ON t.patient_id = p.id"
            )
            cursor.fetchall()

    measure.baseline_samples = timed(one_select, repeat)
    measure.samples = timed(lambda: refresh_surveillance(as_of=AS_OF), repeat)
    with CaptureQueriesContext(connection) as queries:
        refresh_surveillance(as_of=AS_OF)
    measure.queries = len(queries.captured_queries)
    return measure


def list_measures(repeat: int) -> list[Measure]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)

    def pk_select():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM registry_tumor ORDER BY id LIMIT 100")
            cursor.fetchall()

    baseline = timed(pk_select, repeat * 5)
    measures = []
    for operation, url, target in (
        ("API list of 100 tumors", "/api/tumors/?page_size=100", "p50 under 50 ms; fixed query count"),
        ("admin patient changelist", "/admin/registry/patient/", "p50 under 300 ms; fixed query count"),
    ):
        measure = Measure(operation, "a primary-key SELECT of 100 rows", target=target)
        measure.baseline_samples = baseline
        first = client.get(url)
        if first.status_code == 404:
            measure.built = False
            measure.note = f"not built: {url} answers 404"
        else:
            measure.samples = timed(functools.partial(client.get, url), repeat * 5)
            with CaptureQueriesContext(connection) as queries:
                status = client.get(url).status_code
            measure.queries = len(queries.captured_queries)
            measure.note = f"HTTP {status}"
        measures.append(measure)
    return measures


def render(measures: list[Measure], patients: int) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"Benchmark: {patients:,} synthetic patients, commit {commit}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {platform.python_version()}",
        "",
        "| operation | median s | spread | baseline | baseline s | ratio | queries | peak RSS MB | target | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measures:
        if not m.built:
            lines.append(f"| {m.operation} | not built | | {m.baseline} | | | | | {m.target} | {m.note} |")
            continue
        median = f"{m.median:.3f}" if m.median is not None else "-"
        base = f"{m.baseline_median:.3f}" if m.baseline_median is not None else "-"
        ratio = f"{m.ratio:.2f}x" if m.ratio is not None else "-"
        rss = f"{m.peak_rss_mb:.0f}" if m.peak_rss_mb is not None else ""
        lines.append(
            f"| {m.operation} | {median} | {spread(m.samples)} | {m.baseline} | {base} | {ratio} | "
            f"{m.queries if m.queries is not None else ''} | {rss} | {m.target} | {m.note} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    measures = run(args.patients, args.repeat)
    print(render(measures, args.patients))
    print(f"\n(bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
