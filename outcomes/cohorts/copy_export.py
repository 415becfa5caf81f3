"""CSV tables of an export shaped in SQL and streamed with PostgreSQL's COPY, one tumor-id range at a time.

A Python loop over fetched rows runs at several times the speed of COPY; here the long tables (events,
treatments, imaging, molecular) are shaped by one SELECT each: days since diagnosis from the imputed
dates (the rule of `registry.dates`, written as CASE on the precision column), labels from CASE
expressions generated from the column definitions in `columns.py` (so codebook and CSV stay one
definition), surrogate keys joined from a key table. Each range's COPY output goes straight into the ZIP
member, so memory is bounded by one range, never by the cohort.

Keys: linkable exports first make sure every selected patient and tumor has a row in the key table (in
batches); unlinkable exports load fresh random keys into a TEMP table of the export's connection, dropped
at the end. Keys travel as data (COPY FROM STDIN), never in SQL text.

SQLite (the demo) and Parquet keep the Python path of `outcomes.cohorts.bundle`; a test proves both
paths write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import Exists, Max, Min, OuterRef

from outcomes.cohorts import columns as cols
from outcomes.cohorts.deidentify import KEY_BATCH, KEY_PREFIX, new_key
from outcomes.cohorts.models import SurrogateKey
from registry.models import DiseaseEvent, ImagingStudy, MolecularTest, Patient, Treatment
from registry.vocabularies import DatePrecision

TUMORS_PER_RANGE = 20_000
SINK_FLUSH_BYTES = 1 << 20
ANALYZE_AFTER_KEYS = 10_000


def copy_supported(plan) -> bool:
    return plan.file_format == "csv" and connection.vendor == "postgresql"


# --- SQL text ---------------------------------------------------------------------------------------


def literal(value) -> str:
    """A SQL literal for the code tables and dates this module writes (no user input reaches here)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    text = str(value)
    if "\x00" in text:
        raise ValueError("NUL byte in a SQL literal")
    return "'" + text.replace("'", "''") + "'"


def imputed_sql(value: str, precision: str, floor: str | None = None) -> str:
    """`registry.dates.impute` in SQL: month precision -> the 15th, year -> July 1, never before `floor`
    when the floor lies inside the known period."""
    month_start = f"date_trunc('month', {value})::date"
    year = f"extract(year FROM {value})::int"
    month_guess, month_latest = f"({month_start} + 14)", f"(({month_start} + interval '1 month')::date - 1)"
    year_guess, year_latest = f"make_date({year}, 7, 1)", f"make_date({year}, 12, 31)"

    def floored(guess, latest):
        if floor is None:
            return guess
        return f"CASE WHEN {guess} < {floor} AND {floor} <= {latest} THEN {floor} ELSE {guess} END"

    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {precision} = {literal(DatePrecision.MONTH.value)} THEN {floored(month_guess, month_latest)}"
        f" WHEN {precision} = {literal(DatePrecision.YEAR.value)} THEN {floored(year_guess, year_latest)}"
        f" ELSE {value} END"
    )


def code_sql(column: cols.Column, source: str) -> str:
    """The code column: an empty code is no code (as `columns.coded`'s code_of)."""
    return f"NULLIF({source}, '')" if column.type == cols.STRING else source


def label_sql(code_column: cols.Column, source: str) -> str:
    """The label column from the same codes the codebook lists; an unknown code reads as itself."""
    empty = f"{source} IS NULL" + (f" OR {source} = ''" if code_column.type == cols.STRING else "")
    whens = " ".join(
        f"WHEN {source} = {literal(code)} THEN {literal(label)}" for code, label in code_column.codes.items()
    )
    return f"CASE WHEN {empty} THEN NULL {whens} ELSE {source}::text END"


def iso_sql(date_expression: str) -> str:
    return f"to_char({date_expression}, 'YYYY-MM-DD')"


class _Table:
    """One long table: its model, the dates it carries and how each shaped-row key reads in SQL.

    `dates` are (shaped name, date column, precision column, required): the imputed, cut-off date is
    available as `d_<shaped name>` in the expressions.
    """

    def __init__(self, model, cut_off_column: str, dates: list[tuple[str, str, str]], values: dict[str, str]):
        self.model, self.cut_off_column, self.dates, self.values = model, cut_off_column, dates, values


def _days(name: str) -> str:
    return f"(d_{name}.v - o.origin)"


TABLES = {
    "events": _Table(
        DiseaseEvent,
        "date",
        [("date", "date", "date_precision")],
        {
            "event_type": "r.event_type",
            "day": _days("date"),
            "date": iso_sql("d_date.v"),
            "basis": "r.basis",
            # ";"-joined organ codes in their recorded order, none when the list is empty.
            "metastatic_sites": (
                "CASE WHEN jsonb_typeof(r.metastatic_sites::jsonb) = 'array' THEN NULLIF(("
                "SELECT string_agg(site, ';' ORDER BY position) FROM jsonb_array_elements_text("
                "r.metastatic_sites::jsonb) WITH ORDINALITY AS sites(site, position)), '') END"
            ),
        },
    ),
    "treatments": _Table(
        Treatment,
        "start_date",
        [
            ("start_date", "start_date", "start_date_precision"),
            ("end_date", "end_date", "end_date_precision"),
        ],
        {
            "category": "r.category",
            "agent": "r.agent",
            "start_day": _days("start_date"),
            "start_date": iso_sql("d_start_date.v"),
            "end_day": _days("end_date"),
            "end_date": iso_sql("d_end_date.v"),
            "intent": "r.intent",
            "best_response": "r.best_response",
            # An end reason only with an end inside the follow-up.
            "end_reason": "CASE WHEN d_end_date.v IS NOT NULL THEN r.end_reason ELSE '' END",
        },
    ),
    "imaging": _Table(
        ImagingStudy,
        "date",
        [("date", "date", "date_precision")],
        {
            "day": _days("date"),
            "date": iso_sql("d_date.v"),
            "purpose": "r.purpose",
            "modality": "r.modality",
            "region": "r.region",
            "result": "r.result",
        },
    ),
    "molecular": _Table(
        MolecularTest,
        "specimen_date",
        [("specimen_date", "specimen_date", "specimen_date_precision")],
        {
            "specimen_day": _days("specimen_date"),
            "specimen_date": iso_sql("d_specimen_date.v"),
            "gene": "r.gene",
            "method": "r.method",
            "ihc_clone": "r.ihc_clone",
            "result": "r.result",
            "nuclei_counted": "r.nuclei_counted",
            "nuclei_rearranged": "r.nuclei_rearranged",
            "fusion_partner": "r.fusion_partner",
        },
    ),
}


def select_sql(
    table: str,
    columns: list[cols.Column],
    *,
    cut_off: dt.date,
    tumor_subquery: str,
    keys_table: str,
    namespace: str,
    tumor_range: tuple[int, int],
) -> str:
    """The SELECT of one tumor-id range of a long table, columns in the order of `columns`."""
    spec = TABLES[table]
    values = {**spec.values, "registry_number": "p.registry_number"}
    select = []
    for column in columns:
        if column.part in ("patient_key", "tumor_key"):
            select.append(f"{column.part[0]}k.key")
        elif column.part == "code":
            select.append(code_sql(column, values[column.key]))
        elif column.part == "label":
            code_column = next(c for c in columns if c.part == "code" and c.key == column.key)
            select.append(label_sql(code_column, values[column.key]))
        else:
            select.append(values[column.key])
    origin = imputed_sql("t.date_of_diagnosis", "t.date_of_diagnosis_precision")
    laterals = [f"CROSS JOIN LATERAL (SELECT {origin} AS origin) o"]
    for name, date_column, precision_column in spec.dates:
        imputed = imputed_sql(f"r.{date_column}", f"r.{precision_column}", "o.origin")
        # A date after the cut-off is not released (nor its day).
        laterals.append(
            f"CROSS JOIN LATERAL (SELECT CASE WHEN i.v <= {literal(cut_off)} THEN i.v END AS v "
            f"FROM (SELECT {imputed} AS v) i) d_{name}"
        )
    lo, hi = tumor_range
    key_join = (
        f"LEFT JOIN {keys_table} {{alias}} ON {{alias}}.kind = {{kind}} AND {{alias}}.record_id = {{record}}"
        + (f" AND {{alias}}.namespace = {literal(namespace)}" if namespace is not None else "")
    )
    return (
        f"SELECT {', '.join(select)} FROM {spec.model._meta.db_table} r "
        f"JOIN registry_tumor t ON t.id = r.tumor_id JOIN registry_patient p ON p.id = t.patient_id "
        + key_join.format(alias="pk", kind=literal("patient"), record="t.patient_id")
        + " "
        + key_join.format(alias="tk", kind=literal("tumor"), record="t.id")
        + " "
        + " ".join(laterals)
        # The range on both sides of the join: PostgreSQL carries equalities across a join, not ranges.
        + f" WHERE r.tumor_id >= {int(lo)} AND r.tumor_id < {int(hi)} AND t.id >= {int(lo)} AND t.id < {int(hi)}"
        f" AND r.{spec.cut_off_column} <= {literal(cut_off)}"
        f" AND r.tumor_id IN ({tumor_subquery}) ORDER BY r.tumor_id, r.id"
    )


def queryset_sql(queryset) -> str:
    """A queryset as SQL text with its parameters bound by the driver (COPY takes no parameters)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode("utf-8")


def tumor_ranges(tumors, size: int | None = None) -> Iterator[tuple[int, int]]:
    """Half-open tumor-id ranges covering the selected tumors: only the bounds are held in memory."""
    size = size or TUMORS_PER_RANGE
    bounds = tumors.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, size):
        yield start, start + size


# --- keys -------------------------------------------------------------------------------------------


class ExportKeys:
    """Where the keys of one COPY export live: the key table (linkable) or a TEMP table (unlinkable).

    `load()` keeps only the last chunk's keys, so the tumors table (written in Python) holds one chunk.
    """

    def __init__(self, tumors, *, linkable: bool):
        self.linkable = linkable
        self._keys: dict[str, dict[int, str]] = {kind: {} for kind in KEY_PREFIX}
        if linkable:
            self.table, self.namespace = SurrogateKey._meta.db_table, ""
            self._ensure_linkable(tumors)
        else:
            self.table, self.namespace = f"export_keys_{uuid.uuid4().hex[:12]}", None
            self._fill_temporary(tumors)

    def _ensure_linkable(self, tumors) -> None:
        def missing(queryset, kind):
            return (
                queryset.exclude(
                    Exists(SurrogateKey.objects.filter(kind=kind, namespace="", record_id=OuterRef("pk")))
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )

        patients = Patient.objects.filter(pk__in=tumors.values("patient_id"))
        created = 0
        for kind, queryset in (
            ("patient", missing(patients, "patient")),
            ("tumor", missing(tumors, "tumor")),
        ):
            for batch in _batches(queryset.iterator(chunk_size=KEY_BATCH)):
                SurrogateKey.objects.bulk_create(
                    [SurrogateKey(kind=kind, record_id=record_id, key=new_key(kind)) for record_id in batch],
                    ignore_conflicts=True,  # another export created the same record's key at the same time
                )
                created += len(batch)
        if created >= ANALYZE_AFTER_KEYS:
            # Fresh statistics before the joins: with stale ones the planner expects one key and hashes them all.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.table}")

    def _fill_temporary(self, tumors) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (kind varchar(8) NOT NULL, record_id bigint NOT NULL, "
                f"key varchar(24) NOT NULL, PRIMARY KEY (kind, record_id))"
            )
            pg = cursor.cursor
            last_patient = None
            # Ordered by patient, so each patient gets one key however many tumors it has.
            rows = (
                tumors.order_by("patient_id", "pk")
                .values_list("pk", "patient_id")
                .iterator(chunk_size=KEY_BATCH)
            )
            for batch in _batches(rows):
                lines = []
                for tumor_id, patient_id in batch:
                    lines.append(f"tumor\t{tumor_id}\t{new_key('tumor')}\n")
                    if patient_id != last_patient:
                        lines.append(f"patient\t{patient_id}\t{new_key('patient')}\n")
                        last_patient = patient_id
                pg.copy_expert(
                    f"COPY {self.table} (kind, record_id, key) FROM STDIN", io.StringIO("".join(lines))
                )
            cursor.execute(f"ANALYZE {self.table}")

    def load(self, kind: str, record_ids: Iterable[int]) -> None:
        ids = sorted({i for i in record_ids if i is not None})
        namespace = "" if self.namespace is None else " AND k.namespace = %s"
        params = [ids, kind] + ([] if self.namespace is None else [self.namespace])
        with connection.cursor() as cursor:
            # A join on the chunk's ids, not `= ANY(list)`: the planner hashes them instead of testing every
            # key row against the whole list.
            cursor.execute(
                f"SELECT k.record_id, k.key FROM {self.table} k JOIN unnest(%s::bigint[]) AS ids(id) "
                f"ON k.record_id = ids.id WHERE k.kind = %s" + namespace,
                params,
            )
            self._keys[kind] = dict(cursor.fetchall())

    def patient(self, record_id: int) -> str:
        return self._keys["patient"][record_id]

    def tumor(self, record_id: int) -> str:
        return self._keys["tumor"][record_id]

    def close(self) -> None:
        if not self.linkable:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


def _batches(iterable, size: int = KEY_BATCH) -> Iterator[list]:
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- streaming --------------------------------------------------------------------------------------


class CopyRange:
    """One COPY statement for a range of a table, run by the table writer into the ZIP member."""

    def __init__(self, sql: str):
        self.sql = sql


class CopySink:
    """File object for `copy_expert`: psycopg2 writes one row per call; pass them on in larger pieces."""

    def __init__(self, target):
        self.target = target
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data) -> int:
        self._parts.append(data)
        self._size += len(data)
        if self._size >= SINK_FLUSH_BYTES:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._parts:
            self.target.write(b"".join(self._parts))
            self._parts.clear()
            self._size = 0


def copy_into(sql: str, target) -> int:
    """Run `COPY (sql) TO STDOUT` into `target` (a binary writer); returns the number of rows."""
    sink = CopySink(target)
    with connection.cursor() as cursor:
        pg = cursor.cursor
        pg.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", sink)
        rows = pg.rowcount
    sink.flush()
    return rows


def long_table_ranges(table: str, plan, ctx, columns: list[cols.Column], tumors) -> Iterator[CopyRange]:
    for low, high in tumor_ranges(tumors):
        # The range in the cohort subquery too: PostgreSQL does not carry an inequality across the IN.
        subquery = queryset_sql(tumors.filter(pk__gte=low, pk__lt=high).order_by().values("pk"))
        yield CopyRange(
            select_sql(
                table,
                columns,
                cut_off=plan.cut_off,
                tumor_subquery=subquery,
                keys_table=ctx.keys.table,
                namespace=ctx.keys.namespace,
                tumor_range=(low, high),
            )
        )
