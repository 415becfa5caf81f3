"""Reads shared by the dashboard, the API and the plots: which report, and which figures a user may see."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from outcomes.estimates import COMPETING_ENDPOINTS, ENDPOINT_LABELS
from outcomes.reports.models import OutcomeReport
from registry.api.permissions import sees_full_reports

PLOT_KINDS = ("km", "aj")
PLOT_CACHE_SECONDS = 24 * 3600  # a succeeded report never changes, so its plots never go stale


def reports_list() -> QuerySet[OutcomeReport]:
    # Results can be megabytes: lists never load them.
    return OutcomeReport.objects.defer("results").select_related("cohort")


def latest_succeeded_report(*, cohort_id: int | None = None) -> OutcomeReport | None:
    reports = OutcomeReport.objects.filter(status=OutcomeReport.Status.SUCCEEDED)
    reports = (
        reports.filter(cohort_id=cohort_id)
        if cohort_id
        else reports.filter(scope=OutcomeReport.Scope.REGISTRY)
    )
    return reports.order_by("-finished_at", "-id").first()


def latest_active_report(*, cohort_id: int | None = None) -> OutcomeReport | None:
    reports = reports_list().filter(status__in=OutcomeReport.ACTIVE)
    reports = (
        reports.filter(cohort_id=cohort_id)
        if cohort_id
        else reports.filter(scope=OutcomeReport.Scope.REGISTRY)
    )
    return reports.order_by("-queued_at", "-id").first()


def report_results_for(user, report: OutcomeReport) -> dict | None:
    """The full results for registrars and admins, the released figures for everyone else."""
    if report.results is None:
        return None
    if sees_full_reports(user):
        return report.results
    from outcomes.reports.suppression import release_report

    k = settings.SMALL_CELL_THRESHOLD
    return release_report(report.results, k)


def find_table(results: dict | None, endpoint: str, stratum: str) -> dict | None:
    for table in (results or {}).get("tables", []):
        if table["endpoint"] == endpoint and table["stratum"] == stratum:
            return table
    return None


class PlotNotAvailable(Exception):
    """The report has no table for that endpoint and stratum."""


class InvalidPlotKind(ValueError):
    pass


def report_plot_png(*, user, report: OutcomeReport, endpoint: str, stratum: str, kind: str) -> bytes:
    """A Kaplan-Meier or cumulative-incidence plot drawn from the stored report, cached per figure set."""
    if kind not in PLOT_KINDS:
        raise InvalidPlotKind("kind must be km or aj.")
    if kind == "aj" and endpoint not in COMPETING_ENDPOINTS:
        raise InvalidPlotKind(
            "kind aj (cumulative incidence with a competing event) applies to recurrence, "
            "local recurrence and metastasis only."
        )
    released = not sees_full_reports(user)
    key = f"report-plot:{report.pk}:{endpoint}:{stratum}:{kind}:{'released' if released else 'full'}"
    png = cache.get(key)
    if png is not None:
        return png
    table = find_table(report_results_for(user, report), endpoint, stratum)
    if table is None:
        raise PlotNotAvailable("This report has no table for that endpoint and stratum.")
    from outcomes.reports.plots import survival_plot

    competing = endpoint in COMPETING_ENDPOINTS
    if competing:
        method = "Aalen-Johansen" if kind == "aj" else "1 - Kaplan-Meier"
        y_label = f"Cumulative incidence ({method})"
    else:
        y_label = "Survival probability (Kaplan-Meier)"
    by = "all tumors" if stratum == "all" else f"by {table['stratum_label'].lower()}"
    title = f"{ENDPOINT_LABELS[endpoint]}, {by}, cut-off {report.cut_off}"
    png = survival_plot(table, kind=kind, title=title, y_label=y_label)
    cache.set(key, png, PLOT_CACHE_SECONDS)
    return png
