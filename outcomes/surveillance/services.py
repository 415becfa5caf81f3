"""Services that write surveillance data: default plans, the schedule refresh, coordinator actions, overrides.

`refresh_surveillance` reads the record in batches with a fixed number of queries per batch (never per
patient), computes each patient's plan and next item (see `schedule`), and writes only what changed,
with history. Reminder rows and digests live in `outcomes.surveillance.reminders`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from outcomes.surveillance import schedule
from outcomes.surveillance.models import (
    OPEN_STATES,
    ItemState,
    PlanModality,
    PlanOverride,
    PlanPhase,
    RefreshLock,
    SurveillanceItem,
    SurveillancePlan,
)
from registry.dates import DAYS_PER_YEAR, impute
from registry.models import DiseaseEvent, ImagingStudy, Patient, Surgery, Treatment, Tumor
from registry.vocabularies import (
    SYSTEMIC_CATEGORIES,
    ConsentStatus,
    FollowUpStatus,
    ImagingPurpose,
    SurgeryExtent,
    VitalStatus,
)

logger = logging.getLogger(__name__)

PLANS_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "surveillance_plans.json"
REFRESH_BATCH = 500
REFRESH_REASON = "surveillance refresh"
DEFAULT_MODALITY = "Imaging of the primary site"
ITEM_FIELDS = [
    "tumor",
    "plan",
    "plan_reason",
    "anchor_date",
    "phase",
    "due_date",
    "window_start",
    "modality",
    "state",
    "scheduled_date",
    "completed_by",
    "not_needed_reason",
    "closed_manually",
    "stopped",
]


# --- Reference data ------------------------------------------------------------------------------


def plans_ensure_defaults(*, path: Path = PLANS_FIXTURE) -> list[str]:
    """Create the default plans from fixtures/ when missing. Idempotent; an existing plan (perhaps edited
    by an admin) is left exactly as it is. Returns the codes created."""
    created = []
    with transaction.atomic():
        existing = set(SurveillancePlan.objects.values_list("code", flat=True))
        for spec in json.loads(path.read_text()):
            if spec["code"] in existing:
                continue
            plan = SurveillancePlan.objects.create(
                code=spec["code"],
                name=spec["name"],
                intensity=spec["intensity"],
                description=spec.get("description", ""),
            )
            for phase in spec["phases"]:
                PlanPhase.objects.create(plan=plan, **phase)
            for modality in spec["modalities"]:
                PlanModality.objects.create(plan=plan, **modality)
            created.append(plan.code)
    return created


def beat_schedule_ensure() -> None:
    """The daily reminder task as a django-celery-beat PeriodicTask. Idempotent; keeps an admin's edits."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name="surveillance: refresh and send reminder digests",
        defaults={"task": "outcomes.surveillance.tasks.surveillance_daily", "crontab": crontab},
    )


def surveillance_reference_data() -> None:
    """Run after migrate (registry.roles.on_reference_data)."""
    plans_ensure_defaults()
    beat_schedule_ensure()
    RefreshLock.objects.get_or_create(name="surveillance")


# --- Plans as loaded for a refresh ---------------------------------------------------------------


@dataclass
class LoadedPlan:
    plan: SurveillancePlan
    phases: list[schedule.Phase]
    modalities: dict[str, PlanModality]

    def modality_for(self, site_group: str, primary_site: str) -> str:
        row = self.modalities.get(site_group)
        return row.for_topography(primary_site) if row else DEFAULT_MODALITY


def load_plans() -> dict[str, LoadedPlan]:
    plans = {}
    for plan in SurveillancePlan.objects.prefetch_related("phases", "modalities"):
        phases = [
            schedule.Phase(p.from_month, p.until_month, p.interval_months)
            for p in sorted(plan.phases.all(), key=lambda p: p.from_month)
        ]
        plans[plan.code] = LoadedPlan(plan, phases, {m.site_group: m for m in plan.modalities.all()})
    return plans


# --- Refresh -------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    patients: int = 0
    created: int = 0
    updated: int = 0


def stop_reason(patient: dict) -> str | None:
    """Why surveillance stops for this patient, or None (DESIGN 7)."""
    if patient["vital_status"] == VitalStatus.DEAD:
        return "Surveillance stopped: patient died"
    if patient["consent_status"] == ConsentStatus.WITHDRAWN:
        return "Surveillance stopped: consent withdrawn"
    if patient["follow_up_status"] == FollowUpStatus.LOST:
        return "Surveillance stopped: lost to follow-up"
    if patient["follow_up_status"] == FollowUpStatus.TRANSFERRED:
        return "Surveillance stopped: transferred"
    return None


def refresh_surveillance(*, as_of: dt.date, patient_ids: Iterable[int] | None = None) -> RefreshResult:
    """Bring every (or the given) patient's surveillance items up to date on `as_of`."""
    result = RefreshResult()
    plans = load_plans()
    if not plans:
        return result
    if patient_ids is None:
        ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(patient_ids))
    for start in range(0, len(ids), REFRESH_BATCH):
        with transaction.atomic():
            # Serialise refreshes (daily task, record-change listener, two workers): same rows, one writer.
            RefreshLock.objects.select_for_update().filter(name="surveillance").first()
            _refresh_batch(ids[start : start + REFRESH_BATCH], as_of, plans, result)
    return result


def _tumor_facts(batch: list[int], as_of: dt.date, births: dict[int, dt.date | None]):
    tumors = defaultdict(list)
    facts = {}
    for row in Tumor.objects.filter(patient_id__in=batch, date_of_diagnosis__lte=as_of).values(
        "id",
        "patient_id",
        "date_of_diagnosis",
        "date_of_diagnosis_precision",
        "site_group",
        "primary_site",
        "variant",
        "size_mm",
        "alk_status",
        "metastatic_at_diagnosis",
        "definitive_resection__date",
        "definitive_resection__date_precision",
        "definitive_resection__margin",
    ):
        diagnosis = impute(row["date_of_diagnosis"], row["date_of_diagnosis_precision"])
        resection = impute(row["definitive_resection__date"], row["definitive_resection__date_precision"])
        if resection is not None and resection > as_of:
            resection = None
        birth = births.get(row["patient_id"])
        fact = schedule.TumorFacts(
            tumor_id=row["id"],
            diagnosis_date=diagnosis,
            site_group=row["site_group"],
            primary_site=row["primary_site"],
            variant=row["variant"],
            size_mm=row["size_mm"],
            alk_status=row["alk_status"],
            age_at_diagnosis=(diagnosis - birth).days / DAYS_PER_YEAR if birth else None,
            metastatic_at_diagnosis=row["metastatic_at_diagnosis"],
            definitive_resection_date=resection,
            definitive_margin=row["definitive_resection__margin"] if resection else None,
        )
        facts[row["id"]] = fact
        tumors[row["patient_id"]].append(fact)
    tumor_ids = list(facts)
    for tumor_id, margin in (
        Surgery.objects.filter(tumor_id__in=tumor_ids, date__lte=as_of)
        .exclude(extent=SurgeryExtent.BIOPSY)
        .values_list("tumor_id", "margin")
    ):
        facts[tumor_id].margins.add(margin)
    for tumor_id in (
        DiseaseEvent.objects.filter(tumor_id__in=tumor_ids, date__lte=as_of)
        .values_list("tumor_id", flat=True)
        .distinct()
    ):
        facts[tumor_id].has_event = True
    for tumor_id in (
        Treatment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=as_of),
            tumor_id__in=tumor_ids,
            category__in=SYSTEMIC_CATEGORIES,
            start_date__lte=as_of,
        )
        .values_list("tumor_id", flat=True)
        .distinct()
    ):
        facts[tumor_id].on_systemic_therapy = True
    return tumors


def _refresh_batch(
    batch: list[int], as_of: dt.date, plans: dict[str, LoadedPlan], result: RefreshResult
) -> None:
    patients = {
        row["id"]: row
        for row in Patient.objects.filter(pk__in=batch).values(
            "id",
            "vital_status",
            "consent_status",
            "follow_up_status",
            "date_of_birth",
            "date_of_birth_precision",
        )
    }
    births = {pk: impute(p["date_of_birth"], p["date_of_birth_precision"]) for pk, p in patients.items()}
    tumors = _tumor_facts(batch, as_of, births)
    studies = defaultdict(list)  # patient -> [(date, study id)], ascending
    for pk, patient_id, date, precision in (
        ImagingStudy.objects.filter(tumor__patient_id__in=batch, date__lte=as_of)
        .order_by("date", "id")
        .values_list("id", "tumor__patient_id", "date", "date_precision")
    ):
        studies[patient_id].append((impute(date, precision), pk))
    overrides = dict(
        PlanOverride.objects.filter(patient_id__in=batch).values_list("patient_id", "plan__code")
    )
    items = defaultdict(list)
    for item in SurveillanceItem.objects.filter(patient_id__in=batch):
        items[item.patient_id].append(item)
    intensity = {code: loaded.plan.intensity for code, loaded in plans.items()}

    to_create, to_update = [], {}
    for patient_id in batch:
        if patient_id not in patients:
            continue
        result.patients += 1
        patient_items = items[patient_id]
        open_item = next((i for i in patient_items if i.state in OPEN_STATES), None)
        desired, reason = _desired_item(
            patient=patients[patient_id],
            plan_tumors=tumors.get(patient_id, []),
            patient_items=patient_items,
            patient_studies=studies[patient_id],
            override=overrides.get(patient_id),
            plans=plans,
            intensity=intensity,
        )
        if open_item is not None and (desired is None or open_item.due_date != desired["due_date"]):
            moved = _settle_open_item(open_item, desired, reason, studies[patient_id], patient_items, as_of)
            to_update[open_item.pk] = open_item
            if moved:
                continue
            open_item = None
        _reconcile_patient(patient_id, open_item, desired, patient_items, as_of, to_create, to_update)

    if to_update:
        bulk_update_with_history(
            list(to_update.values()), SurveillanceItem, ITEM_FIELDS, default_change_reason=REFRESH_REASON
        )
        result.updated += len(to_update)
    if to_create:
        bulk_create_with_history(to_create, SurveillanceItem, default_change_reason=REFRESH_REASON)
        result.created += len(to_create)


def _desired_item(
    *,
    patient: dict,
    plan_tumors: list,
    patient_items: list[SurveillanceItem],
    patient_studies: list,
    override: str | None,
    plans: dict[str, LoadedPlan],
    intensity: dict,
) -> tuple[dict | None, str | None]:
    """The item a patient's schedule asks for now (None when surveillance stops or has not started),
    and the reason it stopped, if it did."""
    reason = stop_reason(patient)
    if reason is not None or not plan_tumors:
        return None, reason
    assigned = [(t, schedule.assign_plan(t)) for t in plan_tumors]
    assigned = [(t, a) for t, a in assigned if a.plan_code in plans]
    if not assigned:
        return None, None
    tumor, assignment = schedule.driving_tumor(assigned, intensity)
    if override is not None and override in plans:
        assignment = schedule.Assignment(override, "Set by an administrator")
    loaded = plans[assignment.plan_code]
    # A coordinator's "not needed" moves the schedule on from that item's due date. A coordinator's
    # "completed" names a study, which is already among `studies`: the next item counts from the
    # study's date (DESIGN 7), not from the due date (a study early in the window would otherwise
    # push the next due date later than the plan's interval allows).
    manual = [i.due_date for i in patient_items if i.closed_manually and i.state == ItemState.NOT_NEEDED]
    last = max([d for d, _ in patient_studies] + manual, default=None)
    nxt = schedule.next_due(anchor=tumor.anchor, last_study=last, phases=loaded.phases)
    if nxt is None:
        return None, "Surveillance ended: end of the last phase of the plan"
    return dict(
        tumor_id=tumor.tumor_id,
        plan=loaded.plan,
        plan_reason=assignment.reason[:300],
        anchor_date=tumor.anchor,
        phase=nxt.phase.label[:60],
        due_date=nxt.due_date,
        window_start=nxt.due_date - dt.timedelta(days=settings.SURVEILLANCE_WINDOW_DAYS),
        modality=loaded.modality_for(tumor.site_group, tumor.primary_site),
    ), None


def _settle_open_item(
    open_item: SurveillanceItem,
    desired: dict | None,
    reason: str | None,
    patient_studies: list,
    patient_items: list[SurveillanceItem],
    as_of: dt.date,
) -> bool:
    """The open item is done with: completed by a study in its window, or closed with a reason, or (when
    the plan or anchor changed) moved to the new due date. Returns True when it was moved (still open)."""
    completing = next((pk for d, pk in patient_studies if d >= open_item.window_start), None)
    if completing is not None:
        open_item.state, open_item.completed_by_id = ItemState.COMPLETED, completing
    elif desired is None:
        open_item.state, open_item.not_needed_reason, open_item.stopped = (
            ItemState.NOT_NEEDED,
            (reason or "Surveillance stopped")[:300],
            True,
        )
    elif not any(i.due_date == desired["due_date"] for i in patient_items):
        _apply(open_item, desired, as_of)  # plan or anchor changed: same item, new due date
        return True
    else:
        open_item.state, open_item.not_needed_reason, open_item.stopped = (
            ItemState.NOT_NEEDED,
            "Replaced by the recomputed schedule",
            True,
        )
    open_item.scheduled_date = open_item.scheduled_date if completing else None
    return False


def _item_values(item: SurveillanceItem) -> list:
    return [
        getattr(item, f if f not in ("tumor", "plan", "completed_by") else f + "_id") for f in ITEM_FIELDS
    ]


def _reconcile_patient(
    patient_id: int,
    open_item: SurveillanceItem | None,
    desired: dict | None,
    patient_items: list[SurveillanceItem],
    as_of: dt.date,
    to_create: list,
    to_update: dict,
) -> None:
    """Bring the patient's items in line with ``desired``: a state that moved with the date, a new item,
    or the matching item updated (reopened when surveillance resumed)."""
    if desired is None:
        if open_item is not None:
            state = schedule.item_state(
                due_date=open_item.due_date,
                window_start=open_item.window_start,
                as_of=as_of,
                scheduled_date=open_item.scheduled_date,
            )
            if state != open_item.state:
                open_item.state = state
                to_update[open_item.pk] = open_item
        return
    target = open_item or next((i for i in patient_items if i.due_date == desired["due_date"]), None)
    if target is None:
        item = SurveillanceItem(patient_id=patient_id, state=ItemState.PLANNED)
        _apply(item, desired, as_of)
        to_create.append(item)
    elif target.state in OPEN_STATES or target.stopped:
        before = _item_values(target)
        if target.stopped:  # surveillance resumed (e.g. back from transfer): reopen the same item
            target.stopped, target.not_needed_reason, target.state = False, "", ItemState.PLANNED
        _apply(target, desired, as_of)
        if before != _item_values(target):
            to_update[target.pk] = target


def _apply(item: SurveillanceItem, desired: dict, as_of: dt.date) -> None:
    item.tumor_id = desired["tumor_id"]
    item.plan = desired["plan"]
    for name in ("plan_reason", "anchor_date", "phase", "due_date", "window_start", "modality"):
        setattr(item, name, desired[name])
    item.state = schedule.item_state(
        due_date=item.due_date,
        window_start=item.window_start,
        as_of=as_of,
        scheduled_date=item.scheduled_date,
    )


def refresh_after_record_change(*, tumor_ids=(), patient_ids=()) -> None:
    """registry.services.on_record_changed listener: refresh the affected patients now."""
    if not patient_ids:
        return
    try:
        refresh_surveillance(as_of=dt.date.today(), patient_ids=patient_ids)
    except Exception as exc:  # never fail the clinical save; the daily refresh catches up
        # Only the class: database errors can carry row contents (PHI).
        logger.error("Surveillance refresh after a record change failed: %s", exc.__class__.__name__)


# --- Coordinator actions -------------------------------------------------------------------------


def _open_item(item_id: int) -> SurveillanceItem:
    item = SurveillanceItem.objects.select_for_update().get(pk=item_id)
    if not item.is_open:
        raise ValidationError({"item": "This item is already closed; refresh the worklist."})
    return item


def item_schedule(*, item_id: int, scheduled_date: dt.date, user, as_of: dt.date) -> SurveillanceItem:
    """The coordinator booked the study for a date."""
    with transaction.atomic():
        item = _open_item(item_id)
        if scheduled_date < item.window_start - dt.timedelta(days=365):
            raise ValidationError({"scheduled_date": "The date lies far before this item's window."})
        if scheduled_date > max(item.due_date, as_of) + dt.timedelta(days=2 * 366):
            raise ValidationError({"scheduled_date": "The date lies more than two years ahead."})
        item.scheduled_date, item.state = scheduled_date, ItemState.SCHEDULED
        item._history_user = user
        item._change_reason = "scheduled by coordinator"
        item.save()
    return item


def item_not_needed(*, item_id: int, reason: str, user, as_of: dt.date) -> SurveillanceItem:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this study is not needed."})
    with transaction.atomic():
        item = _open_item(item_id)
        item.state, item.not_needed_reason, item.closed_manually = ItemState.NOT_NEEDED, reason[:300], True
        item._history_user = user
        item._change_reason = "marked not needed by coordinator"
        item.save()
    refresh_surveillance(as_of=as_of, patient_ids=[item.patient_id])
    return item


def item_complete(
    *,
    item_id: int,
    user,
    as_of: dt.date,
    study_id: int | None = None,
    study_date: dt.date | None = None,
    modality: str = "",
    region: str = "",
    result: str = "",
) -> SurveillanceItem:
    """Completed by an existing imaging study of the patient, or by a new one entered here."""
    with transaction.atomic():
        item = _open_item(item_id)
        if study_id is not None:
            study = ImagingStudy.objects.filter(pk=study_id, tumor__patient_id=item.patient_id).first()
            if study is None:
                raise ValidationError({"study": "Pick one of this patient's imaging studies."})
            # Only a study on or after the window start completes the item (DESIGN 7); the refresh
            # compares the same imputed date.
            if impute(study.date, study.date_precision) < item.window_start:
                raise ValidationError(
                    {
                        "study": "This study was done before this item's window opened; "
                        "pick one dated on or after the window start."
                    }
                )
        else:
            if study_date is None:
                raise ValidationError({"study_date": "Enter the date of the study."})
            if study_date > as_of:
                raise ValidationError({"study_date": "The study date cannot be in the future."})
            if study_date < item.window_start:
                raise ValidationError({"study_date": "The study date lies before this item's window opened."})
            study = ImagingStudy(
                tumor_id=item.tumor_id,
                date=study_date,
                purpose=ImagingPurpose.SURVEILLANCE,
                modality=modality,
                region=region or "primary_site",
                result=result,
            )
            study.full_clean()
            study._history_user = user
            study.save()
        item.state, item.completed_by, item.closed_manually = ItemState.COMPLETED, study, True
        item._history_user = user
        item._change_reason = "completed by coordinator"
        item.save()
    # The registry's own listener runs on commit too; refresh here so the next item shows at once.
    from registry.services import record_changed

    record_changed(tumor_ids=[item.tumor_id], patient_ids=[item.patient_id])
    refresh_surveillance(as_of=as_of, patient_ids=[item.patient_id])
    return item


FOLLOW_UP_CHOICES = (FollowUpStatus.ACTIVE, FollowUpStatus.LOST, FollowUpStatus.TRANSFERRED)


def patient_set_follow_up(*, patient_id: int, status: str, user, as_of: dt.date) -> Patient:
    if status not in FOLLOW_UP_CHOICES:
        raise ValidationError({"follow_up_status": "Choose active, lost to follow-up or transferred."})
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient_id)
        patient.follow_up_status = status
        patient._history_user = user
        patient._change_reason = "follow-up status set on the surveillance worklist"
        patient.save(update_fields=["follow_up_status", "updated_at"])
    refresh_surveillance(as_of=as_of, patient_ids=[patient_id])
    return patient


def plan_override_set(*, patient_id: int, plan_id: int | None, reason: str, user, as_of: dt.date) -> None:
    """An admin's per-patient plan choice (plan_id None removes it)."""
    with transaction.atomic():
        if plan_id is None:
            PlanOverride.objects.filter(patient_id=patient_id).delete()
        else:
            if not (reason or "").strip():
                raise ValidationError({"reason": "Say why this patient follows another plan."})
            override = PlanOverride.objects.filter(patient_id=patient_id).first() or PlanOverride(
                patient_id=patient_id
            )
            override.plan_id, override.reason, override.set_by = plan_id, reason.strip(), user
            override._history_user = user
            override.save()
    refresh_surveillance(as_of=as_of, patient_ids=[patient_id])
