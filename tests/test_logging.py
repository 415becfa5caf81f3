"""No log line carries a database error's details (they contain the failing row, i.e. patient data)."""

import logging

import pytest
from django.db import IntegrityError, transaction

from config.logging import RedactDatabaseErrors
from tests.factories import PatientFactory


@pytest.mark.django_db
def test_a_logged_integrity_error_keeps_its_class_but_not_the_failing_row(caplog):
    patient = PatientFactory(last_name="Quixotic", medical_record_number="MRN-LOG-1")
    logger = logging.getLogger("tests.redaction")
    logger.addFilter(RedactDatabaseErrors())
    try:
        with transaction.atomic():
            type(patient).objects.filter(pk=patient.pk).update(medical_record_number="", source_registry="")
    except IntegrityError:
        logger.exception("Task failed")
    finally:
        logger.filters.clear()
    record = caplog.records[-1]
    text = record.getMessage() + (record.exc_text or "")
    assert "IntegrityError" in text and "details withheld" in text
    assert "Quixotic" not in text and "Failing row" not in text and record.exc_info is None


def test_messages_are_cut_at_their_detail_part():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "insert failed DETAIL: Failing row contains (Smith)", None, None
    )
    RedactDatabaseErrors().filter(record)
    assert record.getMessage() == "insert failed [details withheld]"
