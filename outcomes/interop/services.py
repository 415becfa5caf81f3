"""Registry-file exports (NAACCR XML, FHIR NDJSON): open the log row, stream the file, close the log row."""
from __future__ import annotations

import logging
from collections.abc import Iterator

from django.utils import timezone

from outcomes.interop import selectors
from outcomes.interop.fhir import FhirNdjsonWriter
from outcomes.interop.models import InteropExportLog
from outcomes.interop.naaccr import NaaccrXmlWriter

logger = logging.getLogger(__name__)


def naaccr_export_start(*, user, identified: bool) -> InteropExportLog:
    """Log the export before its first byte leaves (the row stays "started" if the process dies)."""
    return InteropExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        file_format=InteropExportLog.Format.NAACCR_XML, identified=identified,
    )


def naaccr_export_chunks(*, log_id: int, identified: bool, chunk_size: int = selectors.CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the NAACCR XML file in pieces; the log row is completed or failed in `finally`."""
    writer = NaaccrXmlWriter(identified=identified)
    completed = False
    error_class = ""
    try:
        yield from writer.stream(selectors.naaccr_patient_chunks(chunk_size=chunk_size))
        completed = True
    except BaseException as exc:  # GeneratorExit too: the client went away mid-stream
        error_class = type(exc).__name__
        raise
    finally:
        if not completed:
            # Class name only: an exception's text may quote a record.
            logger.warning("NAACCR export %s failed (%s)", log_id, error_class or "Incomplete")
        InteropExportLog.objects.filter(pk=log_id).update(
            status=InteropExportLog.Status.COMPLETED if completed else InteropExportLog.Status.FAILED,
            finished_at=timezone.now(), patient_count=writer.patients, tumor_count=writer.tumors,
            sha256=writer.sha256 if completed else "", error_class="" if completed else (error_class or "Incomplete"),
        )


def fhir_export_start(*, user, identified: bool) -> InteropExportLog:
    """Log the FHIR export before its first byte leaves (the row stays "started" if the process dies)."""
    return InteropExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        file_format=InteropExportLog.Format.FHIR_BUNDLE, identified=identified,
    )


def fhir_export_chunks(*, log_id: int, identified: bool, chunk_size: int = selectors.CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the FHIR NDJSON file in pieces; the log row is completed or failed in `finally`."""
    writer = FhirNdjsonWriter(identified=identified)
    completed = False
    error_class = ""
    try:
        yield from writer.stream(selectors.fhir_patient_chunks(chunk_size=chunk_size))
        completed = True
    except BaseException as exc:  # GeneratorExit too: the client went away mid-stream
        error_class = type(exc).__name__
        raise
    finally:
        if not completed:
            # Class name only: a validation error's text quotes the record's values.
            logger.warning("FHIR export %s failed (%s)", log_id, error_class or "Incomplete")
        InteropExportLog.objects.filter(pk=log_id).update(
            status=InteropExportLog.Status.COMPLETED if completed else InteropExportLog.Status.FAILED,
            finished_at=timezone.now(), patient_count=writer.patients, tumor_count=writer.tumors,
            sha256=writer.sha256 if completed else "", error_class="" if completed else (error_class or "Incomplete"),
        )
