"""Writes of the cohorts app: cohort definitions, export preparation and the export log."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied, ValidationError

from outcomes.cohorts.bundle import ExportPlan
from outcomes.cohorts.criteria import criteria_fingerprint, validate_criteria
from outcomes.cohorts.models import Cohort, ExportLog

IDENTIFIED_EXPORT_PERMISSION = "cohorts.export_identified"


@transaction.atomic
def cohort_create(*, owner, name: str, description: str = "", criteria: dict) -> Cohort:
    return Cohort.objects.create(owner=owner, name=name, description=description, criteria=criteria)


@transaction.atomic
def cohort_update(*, cohort: Cohort, **changes) -> Cohort:
    for field_name in ("name", "description", "criteria"):
        if field_name in changes:
            setattr(cohort, field_name, changes[field_name])
    cohort.save()
    return cohort


@transaction.atomic
def cohort_delete(*, cohort: Cohort) -> None:
    cohort.delete()


def export_plan_build(
    *,
    user,
    cohort: Cohort | None,
    criteria_input: dict | None,
    cut_off: dt.date | None,
    file_format: str,
    linkable: bool,
    identified: bool,
) -> ExportPlan:
    """Validate an export request completely, before the first byte is streamed."""
    if file_format not in ("csv", "parquet"):
        raise ValidationError({"file_format": ["Choose csv or parquet."]})
    if identified and not user.has_perm(IDENTIFIED_EXPORT_PERMISSION):
        raise PermissionDenied("Identified exports need the 'export identified data' permission.")
    if identified and not linkable:
        raise ValidationError({"linkable": ["Identified exports carry registry numbers; keys are linkable."]})
    if cohort is not None and criteria_input:
        raise ValidationError({"cohort": ["Give either a saved cohort or criteria, not both."]})
    today = timezone.localdate()
    cut_off = cut_off or today
    if cut_off > today:
        raise ValidationError({"cut_off": ["The cut-off date cannot be in the future."]})
    if cohort is not None:
        criteria = validate_criteria(cohort.criteria)
    else:
        criteria = validate_criteria(criteria_input or {})
    return ExportPlan(
        user_id=user.pk,
        username=user.get_username(),
        criteria=criteria,
        cut_off=cut_off,
        file_format=file_format,
        linkable=linkable,
        identified=identified,
        cohort_id=cohort.pk if cohort else None,
        cohort_name=cohort.name if cohort else "",
    )


@transaction.atomic
def export_log_start(*, plan: ExportPlan) -> ExportLog:
    return ExportLog.objects.create(
        user_id=plan.user_id,
        cohort_id=plan.cohort_id,
        cohort_name=plan.cohort_name,
        criteria=plan.criteria,
        criteria_fingerprint=criteria_fingerprint(plan.criteria),
        cut_off=plan.cut_off,
        file_format=plan.file_format,
        deidentified=not plan.identified,
        linkable=plan.linkable,
    )
