"""No log line carries a database error's details (they contain the failing row, i.e. patient data).

The lines are emitted through the loggers and handlers that settings.LOGGING configured in this process
(Django applies it at start-up); each handler's output is read back, so a handler that loses the filter
fails here."""

import io
import logging
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from config.logging import RedactDatabaseErrors
from tests.factories import PatientFactory

# Application code logs under its module name (propagating to the root handlers); Django and Celery log
# under the loggers the settings configure by name.
LOGGER_NAMES = ["outcomes.reports.services", *settings.LOGGING.get("loggers", {})]


@contextmanager
def configured_output(name: str):
    """Everything the configured handlers of logger ``name`` write, read from a buffer swapped in for
    their stream (the handler, its filters and formatter stay as configured)."""
    logger = logging.getLogger(name)
    handlers = []
    while logger is not None:
        handlers.extend(h for h in logger.handlers if type(h).__module__.startswith("logging"))
        logger = logger.parent if logger.propagate else None
    streams = [h for h in handlers if isinstance(h, logging.StreamHandler)]
    assert streams, f"logger {name} has no configured stream handler"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in streams]
    try:
        yield buffer
    finally:
        for handler, stream in zip(streams, previous, strict=True):
            handler.setStream(stream)


def _integrity_error_with_detail() -> IntegrityError:
    """A real PostgreSQL error whose DETAIL line shows the failing row (with the patient's name)."""
    patient = PatientFactory(last_name="Quixotic", medical_record_number="MRN-LOG-1")
    try:
        with transaction.atomic():
            type(patient).objects.filter(pk=patient.pk).update(medical_record_number="", source_registry="")
    except IntegrityError as error:
        assert "Quixotic" in str(error)  # the danger is real: the raw error names the patient
        return error
    raise AssertionError("the update should have violated a constraint")


@pytest.mark.django_db
@pytest.mark.parametrize("name", LOGGER_NAMES)
def test_a_logged_database_exception_keeps_its_class_but_not_the_failing_row(name):
    error = _integrity_error_with_detail()
    with configured_output(name) as output:
        try:
            raise error
        except IntegrityError:
            logging.getLogger(name).error("Task failed", exc_info=True)
    text = output.getvalue()
    assert "Task failed" in text and "IntegrityError" in text and "details withheld" in text
    assert "Quixotic" not in text and "Failing row" not in text and "DETAIL" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("name", LOGGER_NAMES)
def test_a_database_error_formatted_into_a_message_is_cut_at_its_detail(name):
    error = _integrity_error_with_detail()
    with configured_output(name) as output:
        logging.getLogger(name).warning("Import row failed: %s", error)
    text = output.getvalue()
    assert "Import row failed" in text and "details withheld" in text
    assert "Quixotic" not in text and "Failing row" not in text


def test_messages_are_cut_at_their_detail_part():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "insert failed DETAIL: Failing row contains (Smith)", None, None
    )
    RedactDatabaseErrors().filter(record)
    assert record.getMessage() == "insert failed [details withheld]"
