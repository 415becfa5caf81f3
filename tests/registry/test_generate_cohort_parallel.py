"""Writing a synthetic cohort with several writer processes (PostgreSQL): same result as one writer.

Kept apart from test_generate_cohort.py, whose module-wide cohort holds a transaction open that a
transactional test cannot run inside.
"""

import datetime as dt

import pytest

from registry.models import Patient
from registry.synthetic import generate_cohort, institution_records, synthetic_cohort_write

AS_OF = dt.date(2025, 6, 30)


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_store_the_whole_cohort_with_numbers_in_generation_order():
    synthetic_cohort_write(
        records=generate_cohort(patients=240, seed=12, as_of=AS_OF),
        institutions=institution_records(4),
        batch_patients=50,
        workers=2,
    )
    expected = [
        r.patient["medical_record_number"] for r in generate_cohort(patients=240, seed=12, as_of=AS_OF)
    ]
    stored = list(Patient.objects.order_by("registry_number").values_list("medical_record_number", flat=True))
    assert stored == expected
    assert Patient.history.count() == 240
    assert not Patient.objects.filter(last_contact__isnull=True).exists()
