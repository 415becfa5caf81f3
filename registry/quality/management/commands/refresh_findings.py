"""Re-evaluate the data-quality rules for the whole registry, in batches, with a progress bar."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.models import Patient
from registry.quality.services import FINDINGS_BATCH, findings_refresh


class Command(BaseCommand):
    help = "Refresh every data-quality finding (opens, reopens and resolves them) as of a date."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="Date the 13-month assessment rule counts from (YYYY-MM-DD; default today)."
        )
        parser.add_argument("--batch-size", type=int, default=FINDINGS_BATCH)
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of must be a date as YYYY-MM-DD.") from None
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = Patient.objects.count()
        totals = {"opened": 0, "reopened": 0, "resolved": 0}
        batch: list[int] = []
        with tqdm(
            total=total, unit="patient", disable=options["no_progress"] or not total, file=self.stderr
        ) as progress:
            for patient_id in (
                Patient.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=batch_size)
            ):
                batch.append(patient_id)
                if len(batch) == batch_size:
                    self._refresh(batch, as_of, totals, progress)
                    batch = []
            if batch:
                self._refresh(batch, as_of, totals, progress)
        self.stdout.write(
            f"Findings refreshed for {total} patients: {totals['opened']} opened, "
            f"{totals['reopened']} reopened, {totals['resolved']} resolved."
        )

    @staticmethod
    def _refresh(batch, as_of, totals, progress):
        for name, value in findings_refresh(patient_ids=batch, as_of=as_of).items():
            totals[name] += value
        progress.update(len(batch))
