"""Compute every endpoint by every stratum from the analysis rows and print the headline table."""

from __future__ import annotations

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from outcomes.analysis import ENDPOINTS, analysis_rows
from outcomes.estimates import STRATUM_NAMES, outcome_tables


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--cut-off must be a date YYYY-MM-DD, got {value!r}.") from exc


def _pct(value) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def _ci(cell: dict) -> str:
    if cell["estimate"] is None:
        return f"{'-':>20}"
    low = "-" if cell["lower"] is None else f"{100 * cell['lower']:.1f}"
    high = "-" if cell["upper"] is None else f"{100 * cell['upper']:.1f}"
    return f"{_pct(cell['estimate'])} ({low}-{high})".rjust(20)


class Command(BaseCommand):
    help = "Compute recurrence, metastasis and survival estimates by stratum and print the headline table."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cut-off", type=_parse_date, default=None, help="Data cut-off date (default today)."
        )
        parser.add_argument(
            "--strata",
            default=",".join(STRATUM_NAMES),
            help="Comma-separated strata to print (default: all).",
        )

    def handle(self, *args, cut_off=None, strata=None, **options):
        chosen = [s.strip() for s in strata.split(",") if s.strip()]
        unknown = sorted(set(chosen) - set(STRATUM_NAMES))
        if unknown:
            raise CommandError(
                f"Unknown stratum {', '.join(unknown)}; choose from {', '.join(STRATUM_NAMES)}."
            )
        rows = list(
            tqdm(analysis_rows(cut_off=cut_off), desc="analysis rows", unit=" tumors", file=sys.stderr)
        )
        bar = tqdm(total=len(ENDPOINTS) * len(chosen), desc="estimates", unit=" tables", file=sys.stderr)

        def progress(done, total):
            bar.update(done - bar.n)

        results = outcome_tables(rows, strata=chosen, progress=progress)
        bar.close()
        share = results["metastatic_at_diagnosis"]
        self.stdout.write(
            f"Cut-off {cut_off or dt.date.today()}: {results['tumors']} tumors of {results['patients']} patients; "
            f"metastatic at diagnosis {share['count']} ({_pct(share['proportion']).strip()})"
        )
        header = (
            f"{'endpoint':<20} {'stratum':<18} {'level':<18} {'at risk':>7} {'events':>6} "
            f"{'CI at 1 y (95% CI)':>20} {'CI at 2 y':>20} {'CI at 5 y':>20} {'log-rank p':>10}"
        )
        for table in results["tables"]:
            self.stdout.write("")
            self.stdout.write(header)
            method = "aj" if table["endpoint"] in ("recurrence", "local_recurrence", "metastasis") else "km"
            for row in table["rows"]:
                p = table["logrank_p"] if row["level"] == "all" else None
                self.stdout.write(
                    f"{table['endpoint']:<20} {table['stratum']:<18} {row['level'][:18]:<18} {row['at_risk']:>7} "
                    f"{row['events']:>6} {_ci(row[method]['1'])} {_ci(row[method]['2'])} {_ci(row[method]['5'])} "
                    f"{'' if p is None else f'{p:10.4f}':>10}"
                )
