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


def _export_start(*, user, file_format: str, identified: bool) -> InteropExportLog:
    """Log the export before its first byte leaves (the row stays "started" if the process dies)."""
    return InteropExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        file_format=file_format,
        identified=identified,
    )


def _export_chunks(*, log_id: int, writer, patient_chunks, label: str) -> Iterator[bytes]:
    """Yield the file in pieces; the log row is completed or failed in `finally`."""
    completed = False
    error_class = ""
    try:
        yield from writer.stream(patient_chunks)
        completed = True
    except BaseException as exc:  # GeneratorExit too: the client went away mid-stream
        error_class = type(exc).__name__
        raise
    finally:
        if not completed:
            # Class name only: an exception's text (a validation error, a database error) may quote a record.
            logger.warning("%s export %s failed (%s)", label, log_id, error_class or "Incomplete")
        InteropExportLog.objects.filter(pk=log_id).update(
            status=InteropExportLog.Status.COMPLETED if completed else InteropExportLog.Status.FAILED,
            finished_at=timezone.now(),
            patient_count=writer.patients,
            tumor_count=writer.tumors,
            sha256=writer.sha256 if completed else "",
            error_class="" if completed else (error_class or "Incomplete"),
        )


def naaccr_export_start(*, user, identified: bool) -> InteropExportLog:
    return _export_start(user=user, file_format=InteropExportLog.Format.NAACCR_XML, identified=identified)


def naaccr_export_chunks(
    *, log_id: int, identified: bool, chunk_size: int = selectors.CHUNK_SIZE
) -> Iterator[bytes]:
    """The NAACCR XML file in pieces."""
    return _export_chunks(
        log_id=log_id,
        writer=NaaccrXmlWriter(identified=identified),
        patient_chunks=selectors.naaccr_patient_chunks(chunk_size=chunk_size),
        label="NAACCR",
    )


def fhir_export_start(*, user, identified: bool) -> InteropExportLog:
    return _export_start(user=user, file_format=InteropExportLog.Format.FHIR_BUNDLE, identified=identified)


def fhir_export_chunks(
    *, log_id: int, identified: bool, chunk_size: int = selectors.CHUNK_SIZE
) -> Iterator[bytes]:
    """The FHIR NDJSON file in pieces."""
    return _export_chunks(
        log_id=log_id,
        writer=FhirNdjsonWriter(identified=identified),
        patient_chunks=selectors.fhir_patient_chunks(chunk_size=chunk_size),
        label="FHIR",
    )
