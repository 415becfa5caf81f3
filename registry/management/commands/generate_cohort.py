"""Generate a synthetic IMT cohort (demo, tests, benchmark): same seed and as-of date, same cohort."""

import datetime as dt
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from registry.synthetic import (
    DEFAULT_BATCH_PATIENTS,
    CohortWriteError,
    generate_cohort,
    institution_records,
    synthetic_cohort_write,
)


def _as_of(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--as-of: expected a date as YYYY-MM-DD, got {value!r}.") from error


class Command(BaseCommand):
    help = "Write N synthetic IMT patients with their tumors, treatment and follow-up (with history)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True, help="Number of patients to generate.")
        parser.add_argument(
            "--seed", type=int, required=True, help="Random seed; the same seed repeats the cohort."
        )
        parser.add_argument(
            "--as-of",
            type=_as_of,
            default=None,
            help="Follow-up runs up to this date (YYYY-MM-DD; default today).",
        )
        parser.add_argument("--institutions", type=int, default=4, help="Number of institutions (default 4).")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Writer processes (PostgreSQL only; default: 2 on PostgreSQL, 1 on SQLite).",
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH_PATIENTS,
            help=f"Patients per transaction (default {DEFAULT_BATCH_PATIENTS}).",
        )

    def handle(self, *args, patients, seed, as_of, institutions, batch, workers, **options):
        if patients < 1:
            raise CommandError("--patients: give at least 1.")
        if institutions < 1:
            raise CommandError("--institutions: give at least 1.")
        if batch < 1:
            raise CommandError("--batch: give at least 1.")
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if connection.vendor == "postgresql" else 1
        elif workers < 1:
            raise CommandError("--workers: give at least 1.")
        as_of = as_of or timezone.localdate()
        started = time.perf_counter()
        records = generate_cohort(patients=patients, seed=seed, as_of=as_of, institutions=institutions)
        with tqdm(
            total=patients,
            unit="patients",
            desc="Generating cohort",
            file=self.stderr._out,
            disable=options.get("verbosity", 1) == 0,
        ) as progress:
            try:
                summary = synthetic_cohort_write(
                    records=records,
                    institutions=institution_records(institutions),
                    batch_patients=batch,
                    workers=workers,
                    on_batch=progress.update,
                )
            except CohortWriteError as error:
                raise CommandError(str(error)) from error
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Fresh statistics after a bulk load: without them the planner picks nested scans that
            # make analysis-row and export queries orders of magnitude slower.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated a synthetic cohort (seed {seed}, as of {as_of.isoformat()}) in {elapsed:.1f} s:"
            )
        )
        for name, count in summary.counts.items():
            self.stdout.write(f"  {name:<16} {count:>9,}")
