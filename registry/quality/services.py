"""Services that write findings: refresh them from the record, acknowledge them, and create the
disease event an imaging study suggests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from registry.models import DiseaseEvent, ImagingStudy, Tumor
from registry.quality.models import Finding, FindingState, Rule
from registry.quality.rules import expected_findings
from registry.services import record_changed
from registry.vocabularies import IMAGING_RESULT_EVENT, EventBasis

FINDINGS_BATCH = 1000


def findings_refresh(*, patient_ids: Iterable[int], as_of: dt.date | None = None) -> dict[str, int]:
    """Bring the findings of these patients in line with the rules as of `as_of` (default today).

    New conditions open a finding; a resolved finding whose condition returns reopens; an acknowledged
    finding stays acknowledged while its condition holds; a finding whose condition is gone resolves.
    A fixed number of queries per batch of patients.
    """
    as_of = as_of or timezone.localdate()
    ids = sorted(set(patient_ids))
    counts = {"opened": 0, "reopened": 0, "resolved": 0}
    for start in range(0, len(ids), FINDINGS_BATCH):
        batch_counts = _refresh_batch(ids[start : start + FINDINGS_BATCH], as_of)
        for name, value in batch_counts.items():
            counts[name] += value
    return counts


@transaction.atomic
def _refresh_batch(patient_ids: list[int], as_of: dt.date) -> dict[str, int]:
    now = timezone.now()
    expected = {finding.key: finding for finding in expected_findings(patient_ids, as_of=as_of)}
    existing = {
        f.condition_key: f
        for f in Finding.objects.filter(patient_id__in=patient_ids).only(
            "id",
            "condition_key",
            "state",
            "detail",
            "reason",
            "state_changed_at",
            "state_changed_by_id",
        )
    }
    new = [
        Finding(
            rule=e.rule,
            patient_id=e.patient_id,
            tumor_id=e.tumor_id,
            imaging_study_id=e.imaging_study_id,
            molecular_test_id=e.molecular_test_id,
            condition_key=key,
            detail=e.detail,
        )
        for key, e in expected.items()
        if key not in existing
    ]
    changed, reopened, resolved = [], 0, 0
    for key, finding in existing.items():
        wanted = expected.get(key)
        if wanted is None and finding.state != FindingState.RESOLVED:
            finding.state, finding.state_changed_at, finding.state_changed_by_id = (
                FindingState.RESOLVED,
                now,
                None,
            )
            changed.append(finding)
            resolved += 1
        elif wanted is not None and finding.state == FindingState.RESOLVED:
            finding.state, finding.state_changed_at, finding.state_changed_by_id = (
                FindingState.OPEN,
                now,
                None,
            )
            finding.reason, finding.detail = "", wanted.detail
            changed.append(finding)
            reopened += 1
        elif wanted is not None and finding.detail != wanted.detail:
            finding.detail = wanted.detail
            changed.append(finding)
    if new:
        Finding.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        Finding.objects.bulk_update(
            changed, ["state", "state_changed_at", "state_changed_by", "reason", "detail"]
        )
    return {"opened": len(new), "reopened": reopened, "resolved": resolved}


def findings_on_record_changed(*, tumor_ids: Iterable[int] = (), patient_ids: Iterable[int] = ()) -> None:
    """Listener for registry.services.record_changed: re-evaluate the touched patients' findings."""
    patient_ids = set(patient_ids)
    tumor_ids = set(tumor_ids)
    if tumor_ids:
        patient_ids |= set(Tumor.objects.filter(pk__in=tumor_ids).values_list("patient_id", flat=True))
    if patient_ids:
        findings_refresh(patient_ids=patient_ids)


def findings_acknowledge(*, finding_ids: Iterable[int], user, reason: str) -> int:
    """Acknowledge open findings with a reason; returns how many changed. Resolved ones stay resolved."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for acknowledging the finding."})
    return Finding.objects.filter(pk__in=list(finding_ids), state=FindingState.OPEN).update(
        state=FindingState.ACKNOWLEDGED,
        reason=reason,
        state_changed_at=timezone.now(),
        state_changed_by=user,
    )


def disease_event_create_from_imaging(*, imaging_study: ImagingStudy, user=None) -> DiseaseEvent:
    """Record the disease event an imaging result suggests (type from the result, date from the study,
    basis imaging, the study as source) and resolve its finding."""
    event_type = IMAGING_RESULT_EVENT.get(imaging_study.result)
    if event_type is None:
        raise ValidationError({"result": "This imaging result does not suggest a disease event."})
    with transaction.atomic():
        event = DiseaseEvent(
            tumor_id=imaging_study.tumor_id,
            event_type=event_type,
            date=imaging_study.date,
            date_precision=imaging_study.date_precision,
            basis=EventBasis.IMAGING,
            source_imaging=imaging_study,
        )
        event.full_clean()
        if user is not None:
            event._history_user = user  # history records who created it, also outside a request
        event.save()
        # Refresh now rather than on commit, so the finding is resolved when the admin page comes back.
        record_changed(tumor_ids=[imaging_study.tumor_id])
        Finding.objects.filter(
            rule=Rule.IMAGING_EVENT_NOT_RECORDED,
            imaging_study=imaging_study,
            state=FindingState.RESOLVED,
        ).update(state_changed_by=user)
    return event
