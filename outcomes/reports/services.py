"""Outcome report jobs: request (with the lease), claim, compute, store atomically, sweep lost runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
import platform
import time
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.version import VERSION
from outcomes.analysis import ENDPOINTS, AnalysisRow, analysis_rows
from outcomes.estimates import RECURRENCE_ENDPOINTS, STRATA, STRATUM_NAMES, outcome_tables, stratum_level
from outcomes.reports.models import OutcomeReport
from registry.db_router import replica_reads

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # the sweep re-runs a lost report at most this many times in all
PROGRESS_MIN_INTERVAL_SECONDS = 1.0  # progress writes are throttled: at most one a second
SAFE_GENERIC_MESSAGE = "The report could not be computed; the worker log names the failing step."
# Worker tests pause a run here (the file named by this variable must appear) to kill the worker mid-report.
PAUSE_FLAG_ENV = "IMT_REPORT_PAUSE_FLAG"


class ReportError(Exception):
    """An error whose message is safe to store and show (no identifier, no database text)."""


class CohortCriteriaInvalid(ReportError):
    pass


class ReportSuperseded(Exception):
    """The row is no longer ours (swept as lost, or finished by another run): stop without writing."""


# --- parameters ----------------------------------------------------------------------------------


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def parameters_key(
    *,
    scope: str,
    cohort_id: int | None,
    cohort_criteria: dict | None,
    cut_off: dt.date,
    endpoints: Sequence[str],
    strata: Sequence[str],
) -> str:
    canonical = _canonical(
        {
            "scope": scope,
            "cohort": cohort_id,
            "criteria": cohort_criteria,
            "cut_off": cut_off.isoformat(),
            "endpoints": list(endpoints),
            "strata": list(strata),
        }
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def software_version() -> str:
    import numpy
    import scipy

    return f"imt-registry {VERSION}; python {platform.python_version()}; numpy {numpy.__version__}; scipy {scipy.__version__}"


def _enqueue(report_id: int) -> None:
    from outcomes.reports.tasks import compute_outcome_report

    transaction.on_commit(lambda: compute_outcome_report.delay(report_id))


@transaction.atomic
def report_request(
    *,
    cut_off: dt.date | None = None,
    cohort=None,
    endpoints: Sequence[str] | None = None,
    strata: Sequence[str] | None = None,
    requested_by=None,
    trigger: str = OutcomeReport.Trigger.DASHBOARD,
) -> tuple[OutcomeReport, bool]:
    """Queue a report, or return the pending/running one with the same parameters (created=False)."""
    cut_off = cut_off or timezone.localdate()
    endpoints = [e for e in ENDPOINTS if e in (endpoints or ENDPOINTS)]
    strata = [s for s in STRATUM_NAMES if s in (strata or STRATUM_NAMES)]
    scope = OutcomeReport.Scope.COHORT if cohort is not None else OutcomeReport.Scope.REGISTRY
    criteria = dict(cohort.criteria) if cohort is not None else None
    key = parameters_key(
        scope=scope,
        cohort_id=getattr(cohort, "pk", None),
        cohort_criteria=criteria,
        cut_off=cut_off,
        endpoints=endpoints,
        strata=strata,
    )
    existing = OutcomeReport.objects.filter(parameters_key=key, status__in=OutcomeReport.ACTIVE).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            report = OutcomeReport.objects.create(
                scope=scope,
                cohort=cohort,
                cohort_criteria=criteria,
                cut_off=cut_off,
                endpoints=endpoints,
                strata=strata,
                parameters_key=key,
                requested_by=requested_by,
                trigger=trigger,
                lease_expires_at=timezone.now() + dt.timedelta(seconds=settings.REPORT_LEASE_SECONDS),
            )
    except IntegrityError:
        # Another request created the active report between our read and our insert.
        return OutcomeReport.objects.get(parameters_key=key, status__in=OutcomeReport.ACTIVE), False
    _enqueue(report.pk)
    return report, True


# --- analysis rows and fingerprint ---------------------------------------------------------------


def cohort_tumor_selection(criteria: dict):
    """The tumors of a cohort, from the criteria snapshot kept on the report."""
    from rest_framework.exceptions import ValidationError

    from outcomes.cohorts.criteria import validate_criteria
    from outcomes.cohorts.selectors import cohort_tumors

    try:
        validated = validate_criteria(criteria)
    except ValidationError as exc:
        raise CohortCriteriaInvalid("the cohort's saved criteria are no longer valid") from exc
    return cohort_tumors(validated)


def report_rows(report: OutcomeReport) -> list[AnalysisRow]:
    tumor_ids = None
    if report.scope == OutcomeReport.Scope.COHORT:
        tumor_ids = cohort_tumor_selection(report.cohort_criteria or {})
    with replica_reads():
        rows = list(analysis_rows(cut_off=report.cut_off, tumor_ids=tumor_ids))
    rows.sort(key=lambda r: r.tumor_id)  # one order, whatever the database returns
    return rows


def _fingerprint_value(value):
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6)
    return value


def rows_fingerprint(rows: Iterable[AnalysisRow]) -> str:
    """sha256 over every row's endpoint times and statuses and strata levels, lines sorted.

    Identifiers are left out, so the fingerprint says "same data" without depending on keys.
    """
    strata = [s for s in STRATA if s.name != "all"]
    lines = []
    for row in rows:
        line = []
        for endpoint in ENDPOINTS:
            line += [
                _fingerprint_value(getattr(row, f"{endpoint}_time")),
                getattr(row, f"{endpoint}_status"),
                _fingerprint_value(getattr(row, f"{endpoint}_potential_time")),
            ]
        for stratum in strata:
            if stratum.name == "margin":
                line += [
                    stratum_level(row, stratum, RECURRENCE_ENDPOINTS[0]),
                    stratum_level(row, stratum, "metastasis"),
                ]
            else:
                line.append(stratum_level(row, stratum, "metastasis"))
        line.append(bool(row.metastatic_at_diagnosis))
        lines.append(_canonical(line))
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def json_safe(value):
    """NaN and infinity become null; tuples become lists; numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return None
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu":
        return int(value)
    return number


# --- running -------------------------------------------------------------------------------------


def _lease_end(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(seconds=settings.REPORT_LEASE_SECONDS)


def report_claim(*, report_id: int) -> OutcomeReport | None:
    """Pending -> running, once: a redelivered or duplicate task finds nothing to claim."""
    now = timezone.now()
    claimed = OutcomeReport.objects.filter(pk=report_id, status=OutcomeReport.Status.PENDING).update(
        status=OutcomeReport.Status.RUNNING,
        started_at=now,
        lease_expires_at=_lease_end(now),
        progress=0,
    )
    if not claimed:
        return None
    return OutcomeReport.objects.get(pk=report_id)


class _ProgressRecorder:
    """Writes the percentage (and renews the lease) at most once a second; stops a superseded run."""

    def __init__(self, report: OutcomeReport):
        self.report = report
        self.last_write = 0.0
        self.last_percent = -1

    def __call__(self, done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 99  # 100 only when the results are stored
        now = time.monotonic()
        if percent == self.last_percent or now - self.last_write < PROGRESS_MIN_INTERVAL_SECONDS:
            return
        updated = OutcomeReport.objects.filter(
            pk=self.report.pk,
            status=OutcomeReport.Status.RUNNING,
            attempt=self.report.attempt,
        ).update(progress=percent, lease_expires_at=_lease_end())
        if not updated:
            raise ReportSuperseded()
        self.last_write, self.last_percent = now, percent


def _pause_for_tests() -> None:
    """Only when the worker's environment names a flag file: wait for it (worker tests kill us here)."""
    flag = os.environ.get(PAUSE_FLAG_ENV)
    if not flag:
        return
    open(f"{flag}.waiting", "w").close()
    deadline = time.monotonic() + 120
    while not os.path.exists(flag) and time.monotonic() < deadline:
        time.sleep(0.05)


def _mark_failed(report: OutcomeReport, exc: BaseException) -> None:
    message = str(exc) if isinstance(exc, ReportError) else SAFE_GENERIC_MESSAGE
    OutcomeReport.objects.filter(
        pk=report.pk, status=OutcomeReport.Status.RUNNING, attempt=report.attempt
    ).update(
        status=OutcomeReport.Status.FAILED,
        finished_at=timezone.now(),
        error_class=type(exc).__name__[:100],
        error_message=message[:500],
        lease_expires_at=None,
    )


def report_compute(*, report_id: int) -> str:
    """Claim, compute and store one report. Returns what happened: claimed-by-other, succeeded, failed,
    superseded. Results and status=succeeded are one UPDATE guarded by status=running and the attempt."""
    report = report_claim(report_id=report_id)
    if report is None:
        return "not-pending"
    try:
        rows = report_rows(report)
        fingerprint = rows_fingerprint(rows)
        results = json_safe(
            outcome_tables(
                rows, endpoints=report.endpoints, strata=report.strata, progress=_ProgressRecorder(report)
            )
        )
        json.dumps(results, allow_nan=False)  # fail here rather than store something unreadable
        _pause_for_tests()
    except ReportSuperseded:
        logger.info("Outcome report %s attempt %s was superseded; nothing written", report.pk, report.attempt)
        return "superseded"
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row, never raised to the broker
        # Class name only: database errors carry row contents.
        logger.error("Outcome report %s failed: %s", report.pk, type(exc).__name__)
        _mark_failed(report, exc)
        return "failed"
    with transaction.atomic():
        stored = OutcomeReport.objects.filter(
            pk=report.pk,
            status=OutcomeReport.Status.RUNNING,
            attempt=report.attempt,
        ).update(
            status=OutcomeReport.Status.SUCCEEDED,
            results=results,
            fingerprint=fingerprint,
            tumors=len(rows),
            software_version=software_version()[:200],
            progress=100,
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
    if not stored:
        logger.info("Outcome report %s finished after it was swept; result discarded", report.pk)
        return "superseded"
    return "succeeded"


def report_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Mark running reports past their lease failed and queue a new attempt; send pending ones again.
    Returns the ids of the new attempts."""
    now = now or timezone.now()
    requeued = []
    # A report still pending past its lease has not started: its message may be queued behind a long
    # run or lost with the broker. Send it again (claiming is idempotent) rather than failing it.
    waiting = list(
        OutcomeReport.objects.filter(status=OutcomeReport.Status.PENDING, lease_expires_at__lt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for report_id in waiting:
        if OutcomeReport.objects.filter(pk=report_id, status=OutcomeReport.Status.PENDING).update(
            lease_expires_at=_lease_end(now)
        ):
            _enqueue(report_id)
    expired = list(
        OutcomeReport.objects.filter(status=OutcomeReport.Status.RUNNING, lease_expires_at__lt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for report_id in expired:
        with transaction.atomic():
            lost = OutcomeReport.objects.filter(
                pk=report_id, status=OutcomeReport.Status.RUNNING, lease_expires_at__lt=now
            ).first()
            if lost is None:
                continue
            marked = OutcomeReport.objects.filter(
                pk=lost.pk,
                status=lost.status,
                attempt=lost.attempt,
                lease_expires_at__lt=now,
            ).update(
                status=OutcomeReport.Status.FAILED,
                finished_at=now,
                error_class="LeaseExpired",
                error_message="The worker stopped before finishing (lease expired).",
                lease_expires_at=None,
            )
            if not marked or lost.attempt >= MAX_ATTEMPTS:
                continue
            retry = OutcomeReport.objects.create(
                scope=lost.scope,
                cohort=lost.cohort,
                cohort_criteria=lost.cohort_criteria,
                cut_off=lost.cut_off,
                endpoints=lost.endpoints,
                strata=lost.strata,
                parameters_key=lost.parameters_key,
                requested_by=lost.requested_by,
                trigger=OutcomeReport.Trigger.SWEEP,
                attempt=lost.attempt + 1,
                retry_of=lost,
                lease_expires_at=_lease_end(now),
            )
            logger.warning("Outcome report %s lost its worker; re-queued as %s", lost.pk, retry.pk)
            _enqueue(retry.pk)
            requeued.append(retry.pk)
    return requeued
