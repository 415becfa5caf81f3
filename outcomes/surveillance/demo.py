"""Demo data for trying surveillance on the SQLite demo: a coordinator and a handful of patients whose
items are overdue, due, upcoming and planned on `as_of`. Run: manage.py shell -c
"from outcomes.surveillance.demo import build; build()" (demo settings only)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from outcomes.surveillance.schedule import add_months
from registry.models import Institution, Patient, Surgery, Tumor
from registry.roles import COORDINATOR
from registry.services import record_changed


def build(*, as_of: dt.date | None = None) -> list[int]:
    as_of = as_of or dt.date.today()
    user, created = get_user_model().objects.get_or_create(
        username="coordinator", defaults={"email": "coordinator@example.org", "is_staff": True}
    )
    if created:
        user.set_password("coordinator-demo")
        user.save()
    user.groups.add(Group.objects.get(name=COORDINATOR))
    institution, _ = Institution.objects.get_or_create(
        code="DEMO", defaults={"name": "Demo Children's Hospital"}
    )
    # (days from due date to as_of, site): overdue 45, due 5, upcoming -10, escalated 120, planned -60
    cases = [(45, "C34.1"), (5, "C48.1"), (-10, "C34.1"), (120, "C67.2"), (-60, "C49.2")]
    ids = []
    for n, (late, site) in enumerate(cases):
        due = as_of - dt.timedelta(days=late)
        resection = add_months(due, -3)
        patient = Patient.objects.create(
            institution=institution,
            medical_record_number=f"DEMO{n:04d}",
            last_name=f"Demo{n}",
            first_name="Patient",
            date_of_birth=dt.date(2012, 5, 1 + n),
            phone=f"+1 555 010{n}",
            guardian_name=f"Guardian Demo{n}",
            coordinator=user if n != 4 else None,
        )
        tumor = Tumor.objects.create(
            patient=patient,
            date_of_diagnosis=resection - dt.timedelta(days=14),
            primary_site=site,
            size_mm=40,
        )
        Surgery.objects.create(tumor=tumor, date=resection, extent="complete", margin="R0")
        record_changed(tumor_ids=[tumor.pk])
        ids.append(patient.pk)
    return ids
