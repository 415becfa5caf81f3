"""Reads the worklist, the patient panel, the admin and the reminders share (they own their queries)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from outcomes.surveillance.models import OPEN_STATES, ItemState, PlanOverride, SurveillanceItem
from registry.api.permissions import has_role
from registry.models import ImagingStudy, Patient
from registry.roles import COORDINATOR, REGISTRAR, REGISTRY_ADMIN

ACTIVE_STATES = (
    ItemState.UPCOMING,
    ItemState.DUE,
    ItemState.OVERDUE,
    ItemState.ESCALATED,
    ItemState.SCHEDULED,
)
SORTS = {
    "overdue": ("due_date", "patient__registry_number"),  # most days overdue first
    "due": ("due_date", "patient__registry_number"),
    "-due": ("-due_date", "patient__registry_number"),
    "registry_number": ("patient__registry_number", "due_date"),
}


def can_read_worklist(user) -> bool:
    return has_role(user, REGISTRAR, COORDINATOR, REGISTRY_ADMIN)


def can_act_on_worklist(user) -> bool:
    return has_role(user, COORDINATOR, REGISTRY_ADMIN)


def sees_all_patients(user) -> bool:
    """Admins (and read-only registrars) see every patient; a coordinator sees their own."""
    return has_role(user, REGISTRAR, REGISTRY_ADMIN)


def visible_items(user) -> QuerySet[SurveillanceItem]:
    items = SurveillanceItem.objects.select_related(
        "patient",
        "patient__institution",
        "patient__coordinator",
        "plan",
        "tumor",
        "completed_by",
    )
    if not sees_all_patients(user):
        items = items.filter(patient__coordinator=user)
    return items


def worklist_items(
    *,
    user,
    state: str = "active",
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    institution_id: int | None = None,
    coordinator_id: int | None = None,
    sort: str = "overdue",
) -> QuerySet[SurveillanceItem]:
    items = visible_items(user)
    if state == "active":
        items = items.filter(state__in=ACTIVE_STATES)
    elif state == "open":
        items = items.filter(state__in=OPEN_STATES)
    elif state in ItemState.values:
        items = items.filter(state=state)
    if due_from:
        items = items.filter(due_date__gte=due_from)
    if due_to:
        items = items.filter(due_date__lte=due_to)
    if institution_id:
        items = items.filter(patient__institution_id=institution_id)
    if coordinator_id and sees_all_patients(user):
        items = items.filter(patient__coordinator_id=coordinator_id)
    return items.order_by(*SORTS.get(sort, SORTS["overdue"]))


def patient_studies(patient_id: int) -> QuerySet[ImagingStudy]:
    return ImagingStudy.objects.filter(tumor__patient_id=patient_id).order_by("-date", "-id")


def patient_surveillance_summary(patient: Patient | int) -> dict:
    """Plan, reason, override and current item of one patient: the panel on the patient page."""
    patient_id = patient if isinstance(patient, int) else patient.pk
    items = list(
        SurveillanceItem.objects.filter(patient_id=patient_id)
        .select_related("plan", "completed_by")
        .order_by("-due_date")[:6]
    )
    current = next((i for i in items if i.state in OPEN_STATES), None)
    override = PlanOverride.objects.filter(patient_id=patient_id).select_related("plan", "set_by").first()
    return {
        "current": current,
        "recent": items,
        "override": override,
        "plan": current.plan if current else (items[0].plan if items else None),
        "plan_reason": current.plan_reason if current else (items[0].plan_reason if items else ""),
    }
