"""Outcome dashboard: the latest succeeded report by endpoint and stratum, plots, queue a run, progress."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from outcomes.analysis import ENDPOINTS
from outcomes.estimates import COMPETING_ENDPOINTS, ENDPOINT_LABELS, STRATA
from outcomes.reports import selectors, services
from outcomes.reports.models import OutcomeReport
from registry.api.permissions import has_role, sees_full_reports
from registry.roles import EPIDEMIOLOGIST, REGISTRAR, REGISTRY_ADMIN

HORIZONS = ("1", "2", "5")


def _require_report_role(user) -> None:
    if not has_role(user, REGISTRAR, EPIDEMIOLOGIST, REGISTRY_ADMIN):
        raise PermissionDenied("Your role does not give access to outcome reports.")


def _choice(value: str | None, allowed, default: str) -> str:
    return value if value in allowed else default


@login_required
@require_GET
def dashboard(request):
    _require_report_role(request.user)
    report_id = request.GET.get("report")
    if report_id and report_id.isdecimal() and report_id.isascii():
        report = get_object_or_404(OutcomeReport, pk=int(report_id), status=OutcomeReport.Status.SUCCEEDED)
    else:
        report = selectors.latest_succeeded_report()
    results = selectors.report_results_for(request.user, report) if report else None
    endpoints = [e for e in ENDPOINTS if not report or e in report.endpoints]
    strata = [s for s in STRATA if not report or s.name in report.strata]
    endpoint = _choice(request.GET.get("endpoint"), endpoints, endpoints[0] if endpoints else "")
    stratum = _choice(request.GET.get("stratum"), [s.name for s in strata], "all")
    table = selectors.find_table(results, endpoint, stratum)
    competing = endpoint in COMPETING_ENDPOINTS
    rows = []
    for row in (table or {}).get("rows", []):
        # Competing endpoints read Aalen-Johansen; EFS and OS read 1 - Kaplan-Meier (stored as "km").
        incidence = (row.get("aj") if competing else row.get("km")) or {}
        rows.append({**row, "incidence": [incidence.get(h) for h in HORIZONS]})
    plot_base = reverse("outcome-report-plot", args=[report.pk]) if report else ""
    context = {
        "title": "Outcome reports",
        "report": report,
        "results": results,
        "released": not sees_full_reports(request.user),
        "endpoints": [(e, ENDPOINT_LABELS[e]) for e in endpoints],
        "strata": [(s.name, s.label) for s in strata],
        "endpoint": endpoint,
        "stratum": stratum,
        "table": table,
        "rows": rows,
        "competing": competing,
        "horizons": HORIZONS,
        "plots": [
            (f"{plot_base}?endpoint={endpoint}&stratum={stratum}&kind={kind}", label)
            for kind, label in (
                (("aj", "Cumulative incidence (Aalen-Johansen)"), ("km", "1 - Kaplan-Meier"))
                if competing
                else (("km", "Kaplan-Meier survival"),)
            )
        ]
        if table
        else [],
        "active": selectors.latest_active_report(),
        "today": timezone.localdate().isoformat(),
    }
    return render(request, "reports/dashboard.html", context)


@login_required
@require_POST
def queue_report(request):
    _require_report_role(request.user)
    try:
        cut_off = dt.date.fromisoformat(request.POST.get("cut_off") or timezone.localdate().isoformat())
    except ValueError:
        messages.error(request, "Cut-off: enter a date as YYYY-MM-DD.")
        return redirect("outcome-dashboard")
    if cut_off > timezone.localdate():
        messages.error(request, "Cut-off: the cut-off cannot be after today.")
        return redirect("outcome-dashboard")
    report, created = services.report_request(
        cut_off=cut_off, requested_by=request.user, trigger=OutcomeReport.Trigger.DASHBOARD
    )
    report.refresh_from_db()
    if created:
        messages.success(request, f"Report {report.pk} (cut-off {cut_off}) queued.")
    else:
        messages.info(request, f"Report {report.pk} with these parameters is already {report.status}.")
    return redirect(f"{reverse('outcome-dashboard')}?watch={report.pk}")


@login_required
@require_GET
def report_status(request, report_id: int):
    _require_report_role(request.user)
    report = get_object_or_404(selectors.reports_list(), pk=report_id)
    return JsonResponse(
        {
            "id": report.pk,
            "status": report.status,
            "progress": report.progress,
            "attempt": report.attempt,
            "cut_off": report.cut_off.isoformat(),
            "fingerprint": report.fingerprint,
            "queued_at": report.queued_at.isoformat(),
            "finished_at": report.finished_at.isoformat() if report.finished_at else None,
            "error_class": report.error_class,
            "error_message": report.error_message,
            "dashboard_url": f"{reverse('outcome-dashboard')}?report={report.pk}",
        }
    )
