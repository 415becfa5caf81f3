"""Export bundles: a ZIP of tables, codebook and manifest, written chunk by chunk into a small buffer.

`export_bundle_chunks(plan, log_id)` is a generator: rows stream from the database in chunks, each chunk
is written into the ZIP (CSV or a Parquet row group) and the compressed bytes are yielded at once, so
memory stays bounded whatever the cohort size. The manifest is written last; the export-log row is
closed in `finally`, also when the stream fails midway or the client goes away.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.metadata
import io
import json
import logging
import operator
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import django
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from config.version import VERSION
from outcomes.analysis import ANALYSIS_COLUMNS, analysis_rows
from outcomes.cohorts import columns as cols
from outcomes.cohorts import copy_export
from outcomes.cohorts.criteria import criteria_fingerprint
from outcomes.cohorts.deidentify import AGE_TOP_CODE, SurrogateKeys, days_between, released_age
from outcomes.cohorts.models import ExportLog
from outcomes.cohorts.selectors import cohort_tumors
from registry.dates import DAYS_PER_YEAR, impute
from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Treatment
from registry.vocabularies import VitalStatus

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
BUNDLE_FORMAT_VERSION = "1"


def _arrow_types() -> dict:
    # pyarrow only for Parquet: a CSV export does not pay its import time and memory.
    import pyarrow as pa

    return {
        cols.INTEGER: pa.int64(),
        cols.NUMBER: pa.float64(),
        cols.STRING: pa.string(),
        cols.BOOLEAN: pa.bool_(),
    }


@dataclass
class ExportPlan:
    """Everything an export needs, validated before the first byte is sent."""

    user_id: int
    username: str
    criteria: dict
    cut_off: dt.date
    file_format: str = "csv"
    linkable: bool = True
    identified: bool = False
    cohort_id: int | None = None
    cohort_name: str = ""
    small_cell_threshold: int = field(default_factory=lambda: settings.SMALL_CELL_THRESHOLD)

    @property
    def fingerprint(self) -> str:
        return criteria_fingerprint(self.criteria)

    @property
    def filename(self) -> str:
        scope = f"cohort-{self.cohort_id}" if self.cohort_id else "registry"
        kind = "identified" if self.identified else "deidentified"
        return f"imt-{scope}-{kind}-{self.cut_off.isoformat()}.zip"


class _ChunkBuffer:
    """Write-only, unseekable sink for ZipFile; `drain()` hands over what was written since last time."""

    def __init__(self):
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class _HashingEntry:
    """A ZIP member being written: counts bytes and computes sha256 of the uncompressed content."""

    def __init__(self, member):
        self._member = member
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data) -> int:
        data = bytes(data)
        self.sha256.update(data)
        self.size += len(data)
        self._member.write(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._member.close()
            self.closed = True


class _TableWriter:
    def __init__(self, entry: _HashingEntry, columns: list[cols.Column], file_format: str):
        self.entry, self.columns, self.file_format = entry, columns, file_format
        self.rows = 0
        if file_format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            types = _arrow_types()
            self.schema = pa.schema([(c.name, types[c.type]) for c in columns])
            self.parquet = pq.ParquetWriter(entry, self.schema, compression="snappy")
        else:
            self._write_csv([[c.name for c in columns]])

    def _write_csv(self, rows) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        self.entry.write(text.getvalue().encode("utf-8"))

    def write_rows(self, values: list[list]) -> None:
        if not values:
            return
        self.rows += len(values)
        if self.file_format == "parquet":
            import pyarrow as pa

            arrays = [
                pa.array([row[i] for row in values], type=self.schema.field(i).type)
                for i in range(len(self.columns))
            ]
            self.parquet.write_table(pa.Table.from_arrays(arrays, schema=self.schema))
        else:
            # The csv module writes None as an empty field and floats with repr(): no per-value pass here.
            self._write_csv(values)

    def write_copy(self, part: copy_export.CopyRange) -> None:
        """A range shaped in SQL: COPY's CSV goes straight into the member (same bytes as `write_rows`)."""
        self.rows += copy_export.copy_into(part.sql, self.entry)

    def close(self) -> None:
        if self.file_format == "parquet":
            self.parquet.close()
        self.entry.close()


class _Context:
    """Per-export state. On PostgreSQL a CSV export shapes the long tables in SQL (`copy_export`); its
    keys then live in a table (key table or TEMP table) and only one chunk of them in memory."""

    def __init__(self, plan: ExportPlan):
        self.plan = plan
        self.copy = copy_export.copy_supported(plan)
        if self.copy:
            self.keys = copy_export.ExportKeys(_bundle_tumors(plan), linkable=plan.linkable)
        else:
            self.keys = SurrogateKeys(linkable=plan.linkable)

    def close(self) -> None:
        if self.copy:
            self.keys.close()


def _chunks(iterable: Iterable, size: int = CHUNK_ROWS) -> Iterator[list]:
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _bundle_tumors(plan: ExportPlan):
    return cohort_tumors(plan.criteria).filter(date_of_diagnosis__lte=plan.cut_off)


# --- source rows per table --------------------------------------------------------------------------


def tumor_source_chunks(plan: ExportPlan, ctx: _Context) -> Iterator[list[dict]]:
    # Without criteria the bundle's tumors are exactly what analysis rows select on their own (consent not
    # withdrawn, diagnosed by the cut-off): no selection subquery, no per-batch check of it.
    selection = _bundle_tumors(plan) if plan.criteria else None
    as_values = operator.attrgetter(*ANALYSIS_COLUMNS)
    for chunk in _chunks(analysis_rows(cut_off=plan.cut_off, tumor_ids=selection)):
        ctx.keys.load("patient", (r.patient_id for r in chunk))
        ctx.keys.load("tumor", (r.tumor_id for r in chunk))
        identifiers = {}
        if plan.identified:
            identifiers = {
                p["id"]: p
                for p in Patient.objects.filter(pk__in={r.patient_id for r in chunk}).values(
                    "id", "last_name", "first_name", "medical_record_number", "date_of_birth"
                )
            }
        rows = []
        for analysis_row in chunk:
            row = dict(
                zip(ANALYSIS_COLUMNS, as_values(analysis_row), strict=False)
            )  # as_dict(), without fields() per row
            origin = row["diagnosis_date"]
            follow_up_end = row["death_date"] or row["last_contact"]
            age_at_end = None
            if row["age_at_diagnosis"] is not None and follow_up_end is not None:
                age_at_end = row["age_at_diagnosis"] + (follow_up_end - origin).days / DAYS_PER_YEAR
            row["age_at_diagnosis"], row["age_band"] = released_age(row["age_at_diagnosis"], age_at_end)
            row["definitive_resection_day"] = days_between(origin, row["definitive_resection_date"])
            row["last_disease_assessment_day"] = days_between(origin, row["last_disease_assessment"])
            row["last_contact_day"] = days_between(origin, row["last_contact"])
            row["death_day"] = days_between(origin, row["death_date"])
            row["vital_status"] = VitalStatus.DEAD if row["death_date"] else VitalStatus.ALIVE
            row["cause_of_death"] = row["cause_of_death"] or None if row["death_date"] else None
            if plan.identified:
                patient = identifiers[row["patient_id"]]
                row.update(
                    last_name=patient["last_name"],
                    first_name=patient["first_name"],
                    medical_record_number=patient["medical_record_number"],
                    date_of_birth=_iso(patient["date_of_birth"]),
                    date_of_diagnosis=_iso(origin),
                )
            rows.append(row)
        yield rows


def _long_table_chunks(
    plan: ExportPlan, ctx: _Context, queryset, fields: list[str], shape, table: str
) -> Iterator[list[dict] | copy_export.CopyRange]:
    if ctx.copy:
        yield from copy_export.long_table_ranges(
            table, plan, ctx, cols.columns_for(table, identified=plan.identified), _bundle_tumors(plan)
        )
        return
    base = [
        "id",
        "tumor_id",
        "tumor__patient_id",
        "tumor__date_of_diagnosis",
        "tumor__date_of_diagnosis_precision",
        "tumor__patient__registry_number",
    ]
    values = (
        queryset.filter(tumor__in=_bundle_tumors(plan).values("pk"))
        .order_by("tumor_id", "id")
        .values(*base, *fields)
    )
    for chunk in _chunks(values.iterator(chunk_size=CHUNK_ROWS)):
        ctx.keys.load("patient", (r["tumor__patient_id"] for r in chunk))
        ctx.keys.load("tumor", (r["tumor_id"] for r in chunk))
        rows = []
        for record in chunk:
            origin = impute(record["tumor__date_of_diagnosis"], record["tumor__date_of_diagnosis_precision"])
            row = {
                "tumor_id": record["tumor_id"],
                "patient_id": record["tumor__patient_id"],
                "registry_number": record["tumor__patient__registry_number"],
            }
            row.update(shape(record, origin))
            rows.append(row)
        yield rows


def _dated(record, field_name, origin, cut_off):
    """(imputed date, days since diagnosis) of a record date, None after the cut-off."""
    precision_field = "date_precision" if field_name == "date" else f"{field_name}_precision"
    value = impute(record[field_name], record[precision_field], floor=origin)
    if value is None or value > cut_off:
        return None, None
    return value, days_between(origin, value)


def event_source_chunks(plan, ctx):
    def shape(record, origin):
        date, day = _dated(record, "date", origin, plan.cut_off)
        return {
            "event_type": record["event_type"],
            "day": day,
            "date": _iso(date),
            "basis": record["basis"],
            "metastatic_sites": ";".join(str(s) for s in (record["metastatic_sites"] or [])) or None,
        }

    return _long_table_chunks(
        plan,
        ctx,
        DiseaseEvent.objects.filter(date__lte=plan.cut_off),
        ["event_type", "date", "date_precision", "metastatic_sites", "basis"],
        shape,
        "events",
    )


def treatment_source_chunks(plan, ctx):
    def shape(record, origin):
        start, start_day = _dated(record, "start_date", origin, plan.cut_off)
        end, end_day = (None, None)
        if record["end_date"]:
            end, end_day = _dated(record, "end_date", origin, plan.cut_off)
        return {
            "category": record["category"],
            "agent": record["agent"],
            "start_day": start_day,
            "start_date": _iso(start),
            "end_day": end_day,
            "end_date": _iso(end),
            "intent": record["intent"],
            "end_reason": record["end_reason"] if end else "",
            "best_response": record["best_response"],
        }

    return _long_table_chunks(
        plan,
        ctx,
        Treatment.objects.filter(start_date__lte=plan.cut_off),
        [
            "category",
            "agent",
            "start_date",
            "start_date_precision",
            "end_date",
            "end_date_precision",
            "intent",
            "end_reason",
            "best_response",
        ],
        shape,
        "treatments",
    )


def imaging_source_chunks(plan, ctx):
    def shape(record, origin):
        date, day = _dated(record, "date", origin, plan.cut_off)
        return {
            "day": day,
            "date": _iso(date),
            "purpose": record["purpose"],
            "modality": record["modality"],
            "region": record["region"],
            "result": record["result"],
        }

    return _long_table_chunks(
        plan,
        ctx,
        ImagingStudy.objects.filter(date__lte=plan.cut_off),
        ["date", "date_precision", "purpose", "modality", "region", "result"],
        shape,
        "imaging",
    )


def molecular_source_chunks(plan, ctx):
    def shape(record, origin):
        date, day = _dated(record, "specimen_date", origin, plan.cut_off)
        return {
            "specimen_day": day,
            "specimen_date": _iso(date),
            "gene": record["gene"],
            "method": record["method"],
            "ihc_clone": record["ihc_clone"],
            "result": record["result"],
            "nuclei_counted": record["nuclei_counted"],
            "nuclei_rearranged": record["nuclei_rearranged"],
            "fusion_partner": record["fusion_partner"],
        }

    return _long_table_chunks(
        plan,
        ctx,
        MolecularTest.objects.filter(specimen_date__lte=plan.cut_off),
        [
            "specimen_date",
            "specimen_date_precision",
            "gene",
            "method",
            "ihc_clone",
            "result",
            "nuclei_counted",
            "nuclei_rearranged",
            "fusion_partner",
        ],
        shape,
        "molecular",
    )


TABLE_SOURCES = (
    ("tumors", tumor_source_chunks),
    ("events", event_source_chunks),
    ("treatments", treatment_source_chunks),
    ("imaging", imaging_source_chunks),
    ("molecular", molecular_source_chunks),
)


# --- the bundle -------------------------------------------------------------------------------------


def deidentification_settings(plan: ExportPlan) -> dict:
    if plan.identified:
        return {
            "method": "none: identified export (permission cohorts.export_identified)",
            "identified": True,
        }
    return {
        "method": "HIPAA Safe Harbor (45 CFR 164.514(b)(2))",
        "identified": False,
        "dates": "year of diagnosis only; every other date as days since diagnosis (imputed dates)",
        "age_top_code": AGE_TOP_CODE,
        "age_band_when_reaching_top_code_in_follow_up": "10-year band",
        "identifiers_removed": [
            "names",
            "medical record numbers",
            "registry numbers",
            "birth dates",
            "contact details",
            "free text",
            "full dates",
        ],
        "keys": (
            "random surrogate keys from the key table, stable across linkable exports"
            if plan.linkable
            else "random surrogate keys generated for this export only, not stored"
        ),
        "withdrawn_consent": "excluded",
        "small_group_threshold": plan.small_cell_threshold,
        "small_group_key": ["age_group", "sex", "diagnosis_year", "site_group"],
    }


def software_version() -> dict:
    return {
        "imt_registry": VERSION,
        "bundle_format": BUNDLE_FORMAT_VERSION,
        "django": django.get_version(),
        "pyarrow": importlib.metadata.version("pyarrow"),
    }


def export_bundle_chunks(plan: ExportPlan, log_id: int) -> Iterator[bytes]:
    """Yield the ZIP bundle in pieces; close the export-log row whatever happens."""
    extension = "parquet" if plan.file_format == "parquet" else "csv"
    buffer = _ChunkBuffer()
    ctx = None
    row_counts, checksums, files = {}, {}, []
    small_groups: Counter = Counter()
    completed = False
    error_class = ""
    try:
        ctx = _Context(plan)
        # Fast deflate: CSV compresses well even at level 1, and the stream must keep pace with COPY.
        archive = zipfile.ZipFile(
            buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
        )
        for table, source_chunks in TABLE_SOURCES:
            columns = cols.columns_for(table, identified=plan.identified)
            name = f"{table}.{extension}"
            entry = _HashingEntry(archive.open(name, "w", force_zip64=True))
            writer = _TableWriter(entry, columns, plan.file_format)
            for rows in source_chunks(plan, ctx):
                if isinstance(rows, copy_export.CopyRange):
                    writer.write_copy(rows)
                    yield buffer.drain()
                    continue
                if table == "tumors":
                    small_groups.update(
                        (r["age_group"], r["sex"], r["diagnosis_year"], r["site_group"]) for r in rows
                    )
                writer.write_rows([[column.compute(row, ctx) for column in columns] for row in rows])
                yield buffer.drain()
            writer.close()
            row_counts[table] = writer.rows
            checksums[name] = entry.sha256.hexdigest()
            files.append({"name": name, "rows": writer.rows, "bytes": entry.size, "sha256": checksums[name]})
            yield buffer.drain()

        codebook_name = f"codebook.{extension}"
        entry = _HashingEntry(archive.open(codebook_name, "w", force_zip64=True))
        codebook_columns = [cols.Column(n, n, cols.STRING, cols.source(n)) for n in cols.CODEBOOK_COLUMNS]
        writer = _TableWriter(entry, codebook_columns, plan.file_format)
        writer.write_rows(
            [[r[n] for n in cols.CODEBOOK_COLUMNS] for r in cols.codebook_rows(identified=plan.identified)]
        )
        writer.close()
        row_counts["codebook"] = writer.rows
        checksums[codebook_name] = entry.sha256.hexdigest()
        files.append(
            {
                "name": codebook_name,
                "rows": writer.rows,
                "bytes": entry.size,
                "sha256": checksums[codebook_name],
            }
        )

        k = plan.small_cell_threshold
        manifest = {
            "bundle": "IMT Registry export",
            "criteria": plan.criteria,
            "criteria_fingerprint": plan.fingerprint,
            "cohort": {"id": plan.cohort_id, "name": plan.cohort_name} if plan.cohort_id else None,
            "cut_off": plan.cut_off.isoformat(),
            "user": plan.username,
            "created_at": timezone.now().isoformat(),
            "file_format": plan.file_format,
            "identified": plan.identified,
            "linkable": plan.linkable,
            "deidentification": deidentification_settings(plan),
            "row_counts": row_counts,
            "files": files,
            "small_groups": {
                "threshold": k,
                "key": ["age_group", "sex", "diagnosis_year", "site_group"],
                "groups_below_threshold": sum(1 for n in small_groups.values() if n < k),
                "rows_in_groups_below_threshold": sum(n for n in small_groups.values() if n < k),
            },
            "software_version": software_version(),
            "export_log_id": log_id,
        }
        with archive.open("manifest.json", "w") as member:
            member.write(json.dumps(manifest, indent=2, sort_keys=False).encode("utf-8"))
        archive.close()
        yield buffer.drain()
        completed = True
    except BaseException as exc:  # GeneratorExit too: the client went away mid-stream
        error_class = type(exc).__name__
        raise
    finally:
        if ctx is not None:
            try:
                ctx.close()
            except (
                DatabaseError
            ) as exc:  # a TEMP table goes with the connection anyway; the log row matters more
                logger.warning("export %s: could not drop its key table (%s)", log_id, type(exc).__name__)
        ExportLog.objects.filter(pk=log_id).update(
            status=ExportLog.Status.COMPLETED if completed else ExportLog.Status.FAILED,
            finished_at=timezone.now(),
            row_counts=row_counts,
            checksums=checksums,
            error_class="" if completed else (error_class or "Incomplete"),
        )
