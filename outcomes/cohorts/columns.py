"""Declarative column lists of the export tables: one list per table drives both the writer and the codebook.

Each column names its label, type, unit, vocabulary (a TextChoices/IntegerChoices class or a code map),
NAACCR item where one exists, and how to compute it from a source row. Coded columns come with a
`<name>_label` column so tables read in pandas and R without reshaping. Columns marked `identified`
appear only in identified exports (admin permission); everything else is Safe Harbor de-identified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from outcomes.analysis import ENDPOINTS
from registry.vocabularies import (
    Agent,
    Behavior,
    CauseOfDeath,
    EndReason,
    EventBasis,
    EventType,
    FusionPartner,
    FusionStatus,
    Gene,
    GeneStatus,
    IhcClone,
    ImagingPurpose,
    ImagingRegion,
    ImagingResult,
    Modality,
    Response,
    Sex,
    SiteGroup,
    SizeCode,
    TestMethod,
    TestResult,
    TreatmentCategory,
    TreatmentIntent,
    Variant,
    VitalStatus,
)

INTEGER, NUMBER, STRING, BOOLEAN = "integer", "number", "string", "boolean"
ENDPOINT_STATUS = {0: "Censored", 1: "Event", 2: "Competing event"}
FIRST_MARGIN_CODES = {
    "R0": "R0 - no residual tumor",
    "R1": "R1 - microscopic residual",
    "R2": "R2 - macroscopic residual",
    "RX": "RX - cannot be assessed",
    "none": "No resection",
}
DEFINITIVE_MARGIN_CODES = {
    "R0": "R0 - no residual tumor",
    "R1": "R1 - microscopic residual",
    "none": "No definitive resection",
}
ENDPOINT_LABELS = {
    "recurrence": "Recurrence (origin: definitive resection)",
    "local_recurrence": "Local or regional recurrence (origin: definitive resection)",
    "metastasis": "Distant metastasis (origin: diagnosis)",
    "event_free_survival": "Event-free survival (origin: diagnosis)",
    "overall_survival": "Overall survival (origin: diagnosis)",
}


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    compute: Callable[[dict, object], object]
    unit: str = ""
    codes: dict = field(default_factory=dict)
    naaccr_item: str = ""
    identified: bool = False
    # How the COPY path builds the column in SQL (outcomes.cohorts.copy_export): the shaped-row key it
    # reads, and whether it is that value as is, its code, its code's label, or a surrogate key.
    key: str = ""
    part: str = "value"  # value | code | label | patient_key | tumor_key


def vocabulary_codes(vocabulary) -> dict:
    if isinstance(vocabulary, dict):
        return dict(vocabulary)
    return {member.value: member.label for member in vocabulary}


def source(key: str) -> Callable[[dict, object], object]:
    return lambda row, ctx: row.get(key)


def plain(name, label, type_, key=None, **extra) -> list[Column]:
    return [Column(name, label, type_, source(key or name), key=key or name, **extra)]


def coded(name, label, vocabulary, key=None, type_=STRING, naaccr_item="", identified=False) -> list[Column]:
    """A code column and its label column (the label column carries no codes of its own)."""
    codes = vocabulary_codes(vocabulary)
    read = source(key or name)

    def label_of(row, ctx):
        value = read(row, ctx)
        return None if value in (None, "") else codes.get(value, str(value))

    def code_of(row, ctx):
        value = read(row, ctx)
        return None if value == "" else value

    return [
        Column(
            name,
            label,
            type_,
            code_of,
            codes=codes,
            naaccr_item=naaccr_item,
            identified=identified,
            key=key or name,
            part="code",
        ),
        Column(
            f"{name}_label",
            f"{label} (label)",
            STRING,
            label_of,
            identified=identified,
            key=key or name,
            part="label",
        ),
    ]


def days(name, label, key) -> list[Column]:
    return [Column(name, label, INTEGER, source(key), unit="days since diagnosis", key=key)]


def keys_columns() -> list[Column]:
    return [
        Column(
            "patient_key",
            "Patient surrogate key (random; stable across linkable exports)",
            STRING,
            lambda row, ctx: ctx.keys.patient(row["patient_id"]),
            part="patient_key",
        ),
        Column(
            "tumor_key",
            "Tumor surrogate key (random; stable across linkable exports)",
            STRING,
            lambda row, ctx: ctx.keys.tumor(row["tumor_id"]),
            part="tumor_key",
        ),
    ]


def identified_columns(*, dated: tuple[tuple[str, str, str], ...] = ()) -> list[Column]:
    """Identifiers in identified exports only: registry number and record dates (ISO)."""
    columns = [
        Column(
            "registry_number",
            "Registry number",
            INTEGER,
            source("registry_number"),
            naaccr_item="20",
            identified=True,
            key="registry_number",
        )
    ]
    for name, label, item in dated:
        columns.append(
            Column(
                name,
                label,
                STRING,
                source(name),
                unit="YYYY-MM-DD",
                naaccr_item=item,
                identified=True,
                key=name,
            )
        )
    return columns


def _endpoint_columns() -> list[Column]:
    columns = []
    for endpoint in ENDPOINTS:
        label = ENDPOINT_LABELS[endpoint]
        columns += [
            Column(
                f"{endpoint}_time",
                f"{label}: time from origin",
                NUMBER,
                source(f"{endpoint}_time"),
                unit="days",
            ),
            Column(
                f"{endpoint}_status",
                f"{label}: status",
                INTEGER,
                source(f"{endpoint}_status"),
                codes=ENDPOINT_STATUS,
            ),
            # Cut-off minus potential follow-up gives the date of origin: identified exports only.
            Column(
                f"{endpoint}_potential_time",
                f"{label}: potential follow-up (origin to cut-off or death)",
                NUMBER,
                source(f"{endpoint}_potential_time"),
                unit="days",
                identified=True,
            ),
        ]
    return columns


TUMOR_COLUMNS: list[Column] = [
    *keys_columns(),
    *identified_columns(
        dated=(("date_of_birth", "Date of birth", "240"), ("date_of_diagnosis", "Date of diagnosis", "390"))
    ),
    Column("last_name", "Last name", STRING, source("last_name"), naaccr_item="2230", identified=True),
    Column("first_name", "First name", STRING, source("first_name"), naaccr_item="2240", identified=True),
    Column(
        "medical_record_number",
        "Medical record number",
        STRING,
        source("medical_record_number"),
        naaccr_item="2300",
        identified=True,
    ),
    *plain(
        "tumor_sequence",
        "Order of the patient's tumors in the registry",
        INTEGER,
        "tumor_record_number",
        naaccr_item="60",
    ),
    *plain("is_first_tumor", "First tumor of the patient (unit of the survival endpoints)", BOOLEAN),
    *plain("institution", "Institution code", STRING),
    *coded("sex", "Sex", Sex, type_=INTEGER, naaccr_item="220"),
    *plain(
        "age_at_diagnosis",
        "Age at diagnosis, completed years, top-coded at 90 (empty when only the band is released)",
        INTEGER,
        unit="years",
    ),
    *plain("age_band", "Age at diagnosis, 10-year band", STRING, unit="years"),
    *coded(
        "age_group", "Age group at diagnosis", {"<18": "Under 18", "18-39": "18 to 39", ">=40": "40 or older"}
    ),
    *plain("diagnosis_year", "Year of diagnosis", INTEGER, naaccr_item="390"),
    *plain("diagnosis_period", "Diagnosis period (5-year bin)", STRING),
    *plain("primary_site", "Primary site (ICD-O-3 topography)", STRING, naaccr_item="400"),
    *coded("site_group", "Site group", SiteGroup),
    *coded("variant", "Variant", Variant),
    *coded("behavior", "Behavior (ICD-O-3)", Behavior, type_=INTEGER, naaccr_item="523"),
    *plain("size_mm", "Largest dimension", INTEGER, unit="mm", naaccr_item="756"),
    *coded(
        "size_code", "Descriptive size code when no measurement", SizeCode, type_=INTEGER, naaccr_item="756"
    ),
    *coded(
        "size_group", "Size group", {"<50": "Under 50 mm", "50-100": "50 to 100 mm", ">100": "Over 100 mm"}
    ),
    *coded("alk_status", "ALK status (derived)", GeneStatus),
    *coded("ros1_status", "ROS1 status (derived)", GeneStatus),
    *coded("ntrk_status", "NTRK status (derived)", GeneStatus),
    *coded("fusion_status", "Any kinase fusion (derived)", FusionStatus),
    *plain(
        "systemic_symptoms", "Systemic inflammatory symptoms (fever, night sweats or weight loss)", BOOLEAN
    ),
    *plain("metastatic_at_diagnosis", "Metastatic at diagnosis", BOOLEAN),
    *coded("first_resection_margin", "Margin of the first resection", FIRST_MARGIN_CODES, naaccr_item="1320"),
    *coded("definitive_margin", "Margin of the definitive resection", DEFINITIVE_MARGIN_CODES),
    *days("definitive_resection_day", "Definitive resection", "definitive_resection_day"),
    *days("last_disease_assessment_day", "Last disease assessment", "last_disease_assessment_day"),
    *days("last_contact_day", "Last contact", "last_contact_day"),
    *days("death_day", "Death", "death_day"),
    *coded("vital_status", "Vital status at the cut-off", VitalStatus, type_=INTEGER, naaccr_item="1760"),
    *coded("cause_of_death", "Cause of death", CauseOfDeath),
    *_endpoint_columns(),
]

EVENT_COLUMNS: list[Column] = [
    *keys_columns(),
    *identified_columns(dated=(("date", "Event date", ""),)),
    *coded("event_type", "Event type", EventType),
    *days("day", "Event", "day"),
    *plain(
        "metastatic_sites",
        "Organs of distant disease (NAACCR recurrence type codes 51-59; ';'-separated)",
        STRING,
    ),
    *coded("basis", "Basis of the event", EventBasis),
]

TREATMENT_COLUMNS: list[Column] = [
    *keys_columns(),
    *identified_columns(dated=(("start_date", "Start date", ""), ("end_date", "End date", ""))),
    *coded("category", "Treatment category", TreatmentCategory),
    *coded("agent", "Agent", Agent),
    *days("start_day", "Treatment start", "start_day"),
    *days("end_day", "Treatment end (empty if ongoing or after the cut-off)", "end_day"),
    *coded("intent", "Intent", TreatmentIntent),
    *coded("end_reason", "End reason", EndReason),
    *coded("best_response", "Best response (RECIST 1.1)", Response),
]

IMAGING_COLUMNS: list[Column] = [
    *keys_columns(),
    *identified_columns(dated=(("date", "Study date", ""),)),
    *days("day", "Imaging study", "day"),
    *coded("purpose", "Purpose", ImagingPurpose),
    *coded("modality", "Modality", Modality),
    *coded("region", "Region", ImagingRegion),
    *coded("result", "Result", ImagingResult),
]

MOLECULAR_COLUMNS: list[Column] = [
    *keys_columns(),
    *identified_columns(dated=(("specimen_date", "Specimen date", ""),)),
    *days("specimen_day", "Specimen", "specimen_day"),
    *coded("gene", "Gene", Gene),
    *coded("method", "Method", TestMethod),
    *coded("ihc_clone", "IHC clone", IhcClone),
    *coded("result", "Result", TestResult),
    *plain("nuclei_counted", "FISH nuclei counted", INTEGER, unit="nuclei"),
    *plain("nuclei_rearranged", "FISH nuclei rearranged", INTEGER, unit="nuclei"),
    *coded("fusion_partner", "Fusion partner", FusionPartner),
]

TABLE_COLUMNS = {
    "tumors": TUMOR_COLUMNS,
    "events": EVENT_COLUMNS,
    "treatments": TREATMENT_COLUMNS,
    "imaging": IMAGING_COLUMNS,
    "molecular": MOLECULAR_COLUMNS,
}


def columns_for(table: str, *, identified: bool) -> list[Column]:
    return [c for c in TABLE_COLUMNS[table] if identified or not c.identified]


def codebook_rows(*, identified: bool):
    """One codebook row per exported column, from the same definitions the writer uses."""
    for table, columns in TABLE_COLUMNS.items():
        for column in columns:
            if column.identified and not identified:
                continue
            yield {
                "table": table,
                "column": column.name,
                "label": column.label,
                "type": column.type,
                "unit": column.unit,
                "codes": " | ".join(f"{code}={label}" for code, label in column.codes.items()),
                "naaccr_item": column.naaccr_item,
            }


CODEBOOK_COLUMNS = ("table", "column", "label", "type", "unit", "codes", "naaccr_item")
