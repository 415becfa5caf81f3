"""Bulk import of imaging studies from a table (DESIGN section 9): a hospital's radiology list as CSV
(UTF-8, header row) or XLSX (first sheet, header row).

Columns: registry_number, tumor_record_number (optional when the patient has one tumor), date
(YYYY-MM-DD, YYYY-MM or YYYY; the precision follows), purpose, modality, region (optional, primary site
by default), result (optional). Coded columns take the code or its label, in any case. Other columns are
ignored and never read.

All or nothing per file: every row is checked with `full_clean()` (the hard rules of DESIGN section 5)
and any error in any row writes nothing; the report lists each error as "row N, column X: message",
where N is the spreadsheet row (the header is row 1). A row that repeats a study already recorded (same
tumor, date, modality, region) is skipped and counted, not an error. A dry run is the same code in a
transaction that is rolled back. Messages never echo a cell's value (a misplaced column could hold a
name or an MRN); only the registry number, which is not an identifier outside the registry, is named.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from registry.dates import normalize
from registry.models import ImagingStudy, Tumor
from registry.services import record_changed
from registry.vocabularies import (
    DatePrecision,
    ImagingPurpose,
    ImagingRegion,
    ImagingResult,
    Modality,
)

CHANGE_REASON = "imaging import"
MAX_ROWS = 10_000
REQUIRED = ("registry_number", "date", "purpose", "modality")
OPTIONAL = ("tumor_record_number", "region", "result")
ZIP_MAGIC = b"PK\x03\x04"
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
# The model field a validation error names -> the column the user typed it in.
FIELD_COLUMN = {"tumor": "tumor_record_number", "date_precision": "date", NON_FIELD_ERRORS: "row"}


class ImagingTableError(Exception):
    """The file as a whole cannot be read (format, encoding, missing columns); nothing is written."""


# --- reading -------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError:
        raise ImagingTableError("The CSV file must be UTF-8 encoded.") from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise ImagingTableError("The file cannot be read as CSV.") from None


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # What openpyxl raises for a damaged zip, a zip that is not a workbook, or a broken sheet.
    unreadable = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except unreadable:
        raise ImagingTableError("The file cannot be read as XLSX.") from None
    try:
        if not workbook.worksheets:
            raise ImagingTableError("The XLSX file has no sheet.")
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except unreadable:
        raise ImagingTableError("The file cannot be read as XLSX.") from None
    finally:
        workbook.close()


def read_table(data: bytes) -> list[tuple[int, dict]]:
    """(spreadsheet row number, {column: cell}) for each non-empty row below the header. XLSX is told
    from CSV by its zip magic bytes, not by the file name."""
    rows = _xlsx_rows(data) if data[:4] == ZIP_MAGIC else _csv_rows(data)
    if not rows:
        raise ImagingTableError("The file is empty; the first row must name the columns.")
    header = [_text(cell).lower() for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImagingTableError("Missing columns: " + ", ".join(missing) + ".")
    wanted = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    table = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: (row[index] if index < len(row) else None) for name, index in wanted.items()}
        if all(_text(value) == "" for value in cells.values()):
            continue
        table.append((number, cells))
    if len(table) > MAX_ROWS:
        raise ImagingTableError(f"The file has more than {MAX_ROWS:,} rows; split it.")
    return table


# --- cells -> values -----------------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def _lookup(choices) -> dict[str, str]:
    table = {}
    for code, label in choices.choices:
        table[code.lower()] = code
        table[str(label).lower()] = code
    return table


CODES = {
    "purpose": _lookup(ImagingPurpose),
    "modality": _lookup(Modality),
    "region": _lookup(ImagingRegion),
    "result": _lookup(ImagingResult),
}
CHOICES = {"purpose": ImagingPurpose, "modality": Modality, "region": ImagingRegion, "result": ImagingResult}


def parse_code(column: str, value) -> str:
    text = _text(value).lower()
    if not text:
        return ""
    code = CODES[column].get(text)
    if code is None:
        labels = ", ".join(str(label) for label in CHOICES[column].labels)
        raise CellError(column, f"Not a known {column.replace('_', ' ')}; use a code or one of: {labels}.")
    return code


def parse_date(value) -> tuple[dt.date, str]:
    if isinstance(value, dt.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, dt.date):
        return value, DatePrecision.DAY
    match = _DATE.match(_text(value))
    if match:
        year, month, day = match.groups()
        try:
            if day:
                return dt.date(int(year), int(month), int(day)), DatePrecision.DAY
            if month:
                return dt.date(int(year), int(month), 1), DatePrecision.MONTH
            return dt.date(int(year), 1, 1), DatePrecision.YEAR
        except ValueError:
            pass
    raise CellError("date", "Not a date; use YYYY-MM-DD, YYYY-MM or YYYY.")


def parse_number(column: str, value, digits: int) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not text.isdigit() or len(text) > digits:
        raise CellError(column, f"Must be a number of at most {digits} digits.")
    return int(text)


# --- report --------------------------------------------------------------------------------------------


@dataclass
class ImagingImportReport:
    dry_run: bool = False
    rows: int = 0
    created: int = 0  # to create, on a dry run or when errors stopped the import
    already_recorded: list[int] = field(default_factory=list)  # row numbers
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, message)

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.errors and self.created > 0

    def summary(self) -> str:
        verb = "created" if not self.dry_run and not self.errors else "to create"
        return (
            f"{self.rows:,} rows: {self.created:,} {verb}, {len(self.already_recorded):,} already recorded, "
            f"{len(self.errors):,} errors"
        )

    def error_lines(self) -> list[str]:
        return [f"row {row}, column {column}: {message}" for row, column, message in self.errors]

    def lines(self) -> list[str]:
        head = "Dry run, nothing written: " if self.dry_run else ""
        out = [head + self.summary()]
        if self.errors:
            out.append("Nothing was written; correct these rows and import the whole file again:")
            out += ["  " + line for line in self.error_lines()]
        if self.already_recorded:
            out.append("Already recorded (skipped): rows " + ", ".join(map(str, self.already_recorded)))
        return out


# --- import --------------------------------------------------------------------------------------------


def _tumors_by_patient(table) -> dict[int, list[Tumor]]:
    numbers = set()
    for _row, cells in table:
        try:
            number = parse_number("registry_number", cells.get("registry_number"), 8)
        except CellError:
            continue
        if number is not None:
            numbers.add(number)
    tumors = defaultdict(list)
    for tumor in Tumor.objects.filter(patient__registry_number__in=numbers).select_related("patient"):
        tumors[tumor.patient.registry_number].append(tumor)
    return tumors


def _tumor(cells, tumors_by_patient) -> Tumor:
    number = parse_number("registry_number", cells.get("registry_number"), 8)
    if number is None:
        raise CellError("registry_number", "Required.")
    tumors = tumors_by_patient.get(number)
    if not tumors:
        raise CellError("registry_number", f"No patient with registry number {number:08d}.")
    record = parse_number("tumor_record_number", cells.get("tumor_record_number"), 4)
    if record is None:
        if len(tumors) > 1:
            raise CellError(
                "tumor_record_number", f"Required: patient {number:08d} has {len(tumors)} tumors."
            )
        return tumors[0]
    for tumor in tumors:
        if tumor.tumor_record_number == record:
            return tumor
    raise CellError("tumor_record_number", f"Patient {number:08d} has no tumor with this record number.")


def _study(row: int, cells: dict, tumors_by_patient, errors: list) -> ImagingStudy | None:
    """The unsaved study a row describes, or None with its errors added (every column that fails)."""
    values, failed = {}, False
    for column, parse in (
        ("tumor", lambda: _tumor(cells, tumors_by_patient)),
        ("date", lambda: parse_date(cells.get("date"))),
        *(
            (column, lambda column=column: parse_code(column, cells.get(column)))
            for column in ("purpose", "modality", "region", "result")
        ),
    ):
        try:
            values[column] = parse()
        except CellError as error:
            errors.append((row, error.column, error.message))
            failed = True
    for column in ("purpose", "modality"):
        if values.get(column) == "":
            errors.append((row, column, "Required."))
            failed = True
    if failed:
        return None
    date, precision = values.pop("date")
    study = ImagingStudy(date=normalize(date, precision), date_precision=precision, **values)
    study.region = study.region or ImagingRegion.PRIMARY_SITE
    try:
        study.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                errors.append((row, FIELD_COLUMN.get(name, name), message))
        return None
    return study


def imaging_import(*, data: bytes, user=None, dry_run: bool = False) -> ImagingImportReport:
    """Import the imaging studies of one CSV or XLSX file; all or nothing, rolled back on a dry run.
    Raises ImagingTableError when the file cannot be read at all."""
    table = read_table(data)
    report = ImagingImportReport(dry_run=dry_run, rows=len(table))
    tumors_by_patient = _tumors_by_patient(table)
    tumor_ids = {tumor.pk for tumors in tumors_by_patient.values() for tumor in tumors}
    seen = set(
        ImagingStudy.objects.filter(tumor_id__in=tumor_ids).values_list(
            "tumor_id", "date", "modality", "region"
        )
    )
    studies = []
    for row, cells in table:
        study = _study(row, cells, tumors_by_patient, report.errors)
        if study is None:
            continue
        key = (study.tumor_id, study.date, study.modality, study.region)
        if key in seen:  # recorded before, or earlier in this file
            report.already_recorded.append(row)
            continue
        seen.add(key)
        studies.append(study)
    report.created = len(studies)
    if report.errors or not studies:
        return report
    with transaction.atomic():
        for study in studies:
            study._history_user = user
            study._change_reason = CHANGE_REASON
            study.save()
        # Derived columns, findings and surveillance items, once for the whole file.
        record_changed(tumor_ids={study.tumor_id for study in studies})
        if dry_run:
            transaction.set_rollback(True)
    return report
