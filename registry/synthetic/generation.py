"""Generation of synthetic patients as plain records: pure, never reads the clock or the database, so
the same seed and as-of date always give the same cohort (`cohort_digest`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker

from registry.coding import site_group_for
from registry.dates import normalize
from registry.synthetic.priors import (
    ALK_CLONE_WEIGHTS,
    ALK_INHIBITOR_WEIGHTS,
    ALK_PARTNER_WEIGHTS,
    AREA_CODES,
    BIOPSY_ONLY_SHARE,
    COORDINATOR_USERNAMES,
    EVENT_RISK,
    FEMALE_GU,
    HISPANIC_WEIGHTS,
    INSTITUTION_NAMES,
    LOST_SHARE,
    MALE_GU,
    MARGIN_WEIGHTS,
    MIN_PATIENTS_FOR_PROBLEMS,
    MISSED_VISIT_SHARE,
    MONTH_DAYS,
    PAIRED_SITES,
    PARTIAL_DIAGNOSIS_SHARE,
    PLANTED_PROBLEMS,
    RACE_WEIGHTS,
    RESPONSE_IMAGING,
    RESPONSE_OFF_TARGET,
    RESPONSE_ON_TARGET,
    ROS1_PARTNER_WEIGHTS,
    RX_SHARE,
    SITE_GROUP_WEIGHTS,
    SITE_RISK_FACTOR,
    SIZE_CODE_WEIGHTS,
    SIZE_MAX_MM,
    SIZE_MEDIAN_MM,
    SIZE_SIGMA,
    SURVEILLANCE_LATER_EVERY,
    SURVEILLANCE_RHYTHM,
    TOPOGRAPHY_WEIGHTS,
    TRANSFERRED_SHARE,
    YEAR_DAYS,
)
from registry.vocabularies import (
    Agent,
    BasisOfDiagnosis,
    CauseOfDeath,
    ConsentStatus,
    DatePrecision,
    Detection,
    EndReason,
    EventBasis,
    EventType,
    FollowUpStatus,
    FusionPartner,
    Gene,
    IhcClone,
    ImagingPurpose,
    ImagingRegion,
    ImagingResult,
    Laterality,
    Margin,
    MetastaticSite,
    Modality,
    Response,
    Sex,
    SiteGroup,
    SurgeryExtent,
    TestMethod,
    TestResult,
    TreatmentCategory,
    TreatmentIntent,
    Variant,
    VitalStatus,
)


@dataclass(slots=True)
class TumorRecord:
    tumor: dict
    presentation: dict
    surgeries: list[dict] = field(default_factory=list)
    molecular_tests: list[dict] = field(default_factory=list)
    treatments: list[dict] = field(default_factory=list)
    imaging: list[dict] = field(default_factory=list)
    # Each event dict may carry "source_imaging_index": the index of its study in `imaging`.
    events: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class PatientRecord:
    # Model field values, plus "institution_index" and "coordinator_index" (None: no coordinator).
    patient: dict
    tumors: list[TumorRecord]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InstitutionRecord:
    code: str
    name: str
    mrn_prefix: str


def institution_records(count: int) -> list[InstitutionRecord]:
    return [
        InstitutionRecord(
            code=f"SYN{i + 1:02d}",
            name=INSTITUTION_NAMES[i % len(INSTITUTION_NAMES)]
            + ("" if i < len(INSTITUTION_NAMES) else f" {i + 1}"),
            mrn_prefix=f"{chr(ord('A') + i % 26)}{i // 26 or ''}",
        )
        for i in range(count)
    ]


class _People:
    """Name pools drawn once from a seeded Faker, then sampled with the cohort's Random (fast, repeatable)."""

    def __init__(self, seed: int):
        faker = Faker("en_US")
        faker.seed_instance(seed)
        self.male = sorted({faker.first_name_male() for _ in range(800)})
        self.female = sorted({faker.first_name_female() for _ in range(800)})
        self.last = sorted({faker.last_name() for _ in range(1500)})

    def first_name(self, rng: random.Random, sex: int) -> str:
        if sex == Sex.MALE:
            return rng.choice(self.male)
        if sex == Sex.FEMALE:
            return rng.choice(self.female)
        return rng.choice(self.male if rng.random() < 0.5 else self.female)


def _phone(rng: random.Random) -> str:
    # 555-0100..0199 numbers are reserved for fiction: real-looking, never someone's number.
    return f"({rng.choice(AREA_CODES)}) 555-01{rng.randrange(100):02d}"


def _email(rng: random.Random, first: str, last: str) -> str:
    # Reserved example domains (RFC 2606): a synthetic address can never reach a real mailbox.
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    return f"{local}{rng.randrange(1, 99)}@{rng.choice(('example.com', 'example.org', 'example.net'))}"


def _pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=list(weights.values()))[0]


def _days(value: float) -> dt.timedelta:
    return dt.timedelta(days=int(round(value)))


def _months(value: float) -> dt.timedelta:
    return dt.timedelta(days=int(round(value * MONTH_DAYS)))


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.1f}")


@dataclass
class _Context:
    rng: random.Random
    people: _People
    as_of: dt.date
    institutions: list[InstitutionRecord]
    mrn_seen: set


@dataclass
class _Course:
    """The course of one tumor while it is being generated (not stored)."""

    group: str
    epithelioid: bool
    metastatic: bool
    alk_positive: bool
    driver: str | None  # the true fusion gene among ALK-negative tumors: ROS1, NTRK3, RET, PDGFRB or None
    alk_confirmed: bool = False
    residual: bool = False
    margin: str = ""
    no_event: bool = False


def generate_cohort(
    *, patients: int, seed: int, as_of: dt.date, institutions: int = 4
) -> Iterator[PatientRecord]:
    """Yield `patients` patient records, the same ones for the same seed and as-of date."""
    if patients < 0:
        raise ValueError("patients must not be negative")
    if institutions < 1:
        raise ValueError("institutions must be at least 1")
    rng = random.Random(seed)
    context = _Context(rng, _People(seed), as_of, institution_records(institutions), set())
    problems = _plan_problems(rng, patients)
    for index in range(patients):
        yield _patient(context, problems.get(index, ()))


def _plan_problems(rng: random.Random, patients: int) -> dict[int, tuple[str, ...]]:
    if patients < MIN_PATIENTS_FOR_PROBLEMS:
        return {}
    wanted = [
        (name, max(minimum, round(share * patients))) for name, (share, minimum) in PLANTED_PROBLEMS.items()
    ]
    chosen = rng.sample(range(patients), sum(count for _, count in wanted))
    plan, position = {}, 0
    for name, count in wanted:
        for index in chosen[position : position + count]:
            plan[index] = (name,)
        position += count
    return plan


def cohort_digest(records: Iterable[PatientRecord]) -> str:
    """A SHA-256 over every generated value: equal digests mean identical cohorts."""
    digest = hashlib.sha256()
    for record in records:
        payload = {
            "patient": record.patient,
            "problems": record.problems,
            "tumors": [
                [t.tumor, t.presentation, t.surgeries, t.molecular_tests, t.treatments, t.imaging, t.events]
                for t in record.tumors
            ],
        }
        digest.update(json.dumps(payload, sort_keys=True, default=str).encode())
    return digest.hexdigest()


# --- patients -------------------------------------------------------------------------------------------


def _age_at_diagnosis(rng: random.Random) -> float:
    """Two thirds pediatric (median about 10 years), one third adult (median about 43 years)."""
    if rng.random() < 2 / 3:
        while True:
            age = rng.gammavariate(4.0, 2.8)
            if 0.2 <= age < 18:
                return age
    while True:
        age = 18 + rng.gammavariate(2.4, 12.0)
        if age < 88:
            return age


def _patient(ctx: _Context, problems: tuple[str, ...]) -> PatientRecord:
    rng, as_of = ctx.rng, ctx.as_of
    stale = "stale_active" in problems
    quiet = "imaging_without_event" in problems
    age = _age_at_diagnosis(rng)
    # Recent years contribute more cases (registries grow); at least a month before the as-of date.
    years_ago = 0.1 + 14.9 * rng.random() ** 1.5
    if stale:
        years_ago = max(years_ago, 3 + rng.random() * 4)
    if quiet:
        years_ago = max(years_ago, 1.5 + rng.random() * 3)
    diagnosis = as_of - _days(years_ago * YEAR_DAYS)
    birth = diagnosis - _days(age * YEAR_DAYS)
    epithelioid = rng.random() < 0.03
    if epithelioid:
        sex = Sex.MALE if rng.random() < 0.8 else Sex.FEMALE
    else:
        roll = rng.random()
        sex = Sex.MALE if roll < 0.497 else Sex.FEMALE if roll < 0.997 else Sex.UNKNOWN

    # Follow-up ends at the as-of date, or earlier for patients lost or transferred.
    follow_up_status = FollowUpStatus.ACTIVE
    horizon = as_of
    if not (stale or quiet):
        roll = rng.random()
        if roll < LOST_SHARE + TRANSFERRED_SHARE:
            span = (as_of - diagnosis).days
            if span > 120:
                follow_up_status = FollowUpStatus.LOST if roll < LOST_SHARE else FollowUpStatus.TRANSFERRED
                horizon = diagnosis + _days(90 + rng.random() * (span - 90))
    if stale:
        horizon = as_of - _months(14 + rng.random() * 16)

    tumor_records = []
    courses = []
    record, course = _tumor(ctx, diagnosis, age, sex, epithelioid, horizon, no_event=quiet, problems=problems)
    tumor_records.append(record)
    courses.append(course)
    if rng.random() < 0.01 and not (stale or quiet):
        second = diagnosis + _days(YEAR_DAYS * (1 + rng.random() * 5))
        if second < horizon - dt.timedelta(days=60):
            age2 = age + (second - diagnosis).days / YEAR_DAYS
            record, course = _tumor(ctx, second, age2, sex, False, horizon, no_event=False, problems=())
            tumor_records.append(record)
            courses.append(course)

    death, cause = None, ""
    if not (stale or quiet):
        death, cause = _death(rng, diagnosis, age, tumor_records, courses)
        if death is not None and death > horizon:
            death, cause = None, ""
    for tumor in tumor_records:
        # Nothing planned past the end of follow-up is known yet (a resection scheduled next month).
        _truncate(tumor, horizon)
    if death is not None:
        tumor_records = [t for t in tumor_records if t.tumor["date_of_diagnosis"] < death]
        for tumor in tumor_records:
            _truncate(tumor, death - dt.timedelta(days=1))
        follow_up_status = FollowUpStatus.ACTIVE
    _number_tumors(tumor_records)
    last_record = max(_record_dates(tumor_records))
    if death is not None:
        last_contact, last_contact_precision = death, DatePrecision.DAY
    elif follow_up_status == FollowUpStatus.ACTIVE and not stale:
        last_contact = min(as_of, max(last_record, as_of - _days(rng.random() * 75)))
        last_contact_precision = DatePrecision.DAY
    else:
        last_contact = max(last_record, horizon if not stale else last_record)
        last_contact_precision = DatePrecision.DAY
        if rng.random() < 0.05:
            last_contact_precision = DatePrecision.MONTH
            last_contact = normalize(last_contact, DatePrecision.MONTH)

    birth_precision = DatePrecision.DAY
    if rng.random() < 0.005:
        birth_precision = DatePrecision.MONTH
        birth = normalize(birth, DatePrecision.MONTH)

    first_name = ctx.people.first_name(rng, sex)
    last_name = rng.choice(ctx.people.last)
    age_now = (as_of - birth).days / YEAR_DAYS
    minor = age_now < 18
    # Children are reached through their guardian; some teenagers have their own phone.
    phone = _phone(rng) if (not minor or (age_now >= 13 and rng.random() < 0.5)) else ""
    email = _email(rng, first_name, last_name) if (not minor and rng.random() < 0.85) else ""
    guardian_name = guardian_phone = ""
    if minor:
        guardian_sex = Sex.FEMALE if rng.random() < 0.6 else Sex.MALE
        guardian_last = last_name if rng.random() < 0.85 else rng.choice(ctx.people.last)
        guardian_name = f"{ctx.people.first_name(rng, guardian_sex)} {guardian_last}"
        guardian_phone = _phone(rng)

    institution_index = min(int(rng.paretovariate(1.2)) - 1, len(ctx.institutions) - 1)
    prefix = ctx.institutions[institution_index].mrn_prefix
    while True:
        mrn = f"{prefix}{rng.randrange(1_000_000_000, 10_000_000_000)}"
        if (institution_index, mrn) not in ctx.mrn_seen:
            ctx.mrn_seen.add((institution_index, mrn))
            break

    roll = rng.random()
    consent = (
        ConsentStatus.WITHDRAWN
        if roll < 0.01
        else ConsentStatus.WAIVER
        if roll < 0.05
        else ConsentStatus.CONSENTED
    )
    coordinator_index = None if rng.random() < 0.02 else rng.randrange(len(COORDINATOR_USERNAMES))
    patient = {
        "institution_index": institution_index,
        "medical_record_number": mrn,
        "last_name": last_name,
        "first_name": first_name,
        "date_of_birth": birth,
        "date_of_birth_precision": birth_precision,
        "sex": int(sex),
        "race": _pick(rng, RACE_WEIGHTS),
        "hispanic_origin": _pick(rng, HISPANIC_WEIGHTS),
        "vital_status": int(VitalStatus.DEAD if death else VitalStatus.ALIVE),
        "date_of_death": death,
        "date_of_death_precision": DatePrecision.DAY,
        "cause_of_death": cause,
        "date_of_last_contact": last_contact,
        "date_of_last_contact_precision": last_contact_precision,
        "follow_up_status": follow_up_status,
        "consent_status": consent,
        "coordinator_index": coordinator_index,
        "phone": phone,
        "email": email,
        "guardian_name": guardian_name,
        "guardian_phone": guardian_phone,
    }
    return PatientRecord(patient=patient, tumors=tumor_records, problems=problems)


def _number_tumors(tumors: list[TumorRecord]) -> None:
    """NAACCR 60 (record number) and 380 (sequence: 60-87 for /1 tumors, 00-35 for /3 tumors)."""
    for number, record in enumerate(tumors, start=1):
        record.tumor["tumor_record_number"] = number
        malignant = record.tumor["behavior"] == 3
        if len(tumors) == 1:
            record.tumor["sequence_number"] = "00" if malignant else "60"
        else:
            record.tumor["sequence_number"] = f"{number:02d}" if malignant else f"{60 + number}"


def _record_dates(tumors: list[TumorRecord]) -> Iterator[dt.date]:
    for record in tumors:
        yield record.tumor["date_of_diagnosis"]
        for rows, key in (
            (record.surgeries, "date"),
            (record.molecular_tests, "specimen_date"),
            (record.treatments, "start_date"),
            (record.imaging, "date"),
            (record.events, "date"),
        ):
            for row in rows:
                yield row[key]
        for row in record.treatments:
            if row["end_date"]:
                yield row["end_date"]


def _death(rng, diagnosis, age, tumors, courses) -> tuple[dt.date | None, str]:
    """Deaths are rare (5-year OS about 95%): mostly other causes, or IMT after progression."""
    candidates = []
    yearly_hazard = 0.0008 if age < 18 else 0.002 if age < 50 else 0.012
    years = min(rng.expovariate(yearly_hazard), 150.0)
    candidates.append((diagnosis + _days(years * YEAR_DAYS), CauseOfDeath.OTHER))
    for record, course in zip(tumors, courses, strict=False):
        if record.events:
            risk = 0.10 + 0.30 * course.epithelioid + 0.20 * course.metastatic
            if any(e["event_type"] == EventType.DISTANT_METASTASIS for e in record.events):
                risk += 0.25
            if rng.random() < risk:
                candidates.append(
                    (record.events[-1]["date"] + _months(2 + rng.random() * 30), CauseOfDeath.IMT)
                )
        elif course.metastatic and rng.random() < 0.15:
            candidates.append(
                (record.tumor["date_of_diagnosis"] + _months(6 + rng.random() * 30), CauseOfDeath.IMT)
            )
        if rng.random() < 0.002:
            when = record.tumor["date_of_diagnosis"] + _months(1 + rng.random() * 10)
            candidates.append((when, CauseOfDeath.TREATMENT))
    when, cause = min(candidates)
    when = max(when, diagnosis + dt.timedelta(days=30))
    if rng.random() < 0.08:
        cause = CauseOfDeath.UNKNOWN
    return when, str(cause)


def _truncate(record: TumorRecord, last_day: dt.date) -> None:
    """Drop what would happen after `last_day` (death, or the end of a stale patient's follow-up)."""
    record.imaging = [row for row in record.imaging if row["date"] <= last_day]
    kept = len(record.imaging)
    record.events = [
        row
        for row in record.events
        if row["date"] <= last_day
        and (row.get("source_imaging_index") is None or row["source_imaging_index"] < kept)
    ]
    record.surgeries = [row for row in record.surgeries if row["date"] <= last_day]
    record.molecular_tests = [row for row in record.molecular_tests if row["specimen_date"] <= last_day]
    treatments = []
    for row in record.treatments:
        if row["start_date"] > last_day:
            continue
        if row["end_date"] is None or row["end_date"] > last_day:
            row.update(end_date=None, end_reason="")
        treatments.append(row)
    record.treatments = treatments


# --- tumors ---------------------------------------------------------------------------------------------


def _topography(rng: random.Random, group: str, sex: int) -> str:
    table = TOPOGRAPHY_WEIGHTS[group]
    if group == SiteGroup.GENITOURINARY:
        table = {**table, **(FEMALE_GU if sex == Sex.FEMALE else MALE_GU if sex == Sex.MALE else {})}
    return _pick(rng, table)


def _size(rng: random.Random, group: str, problems) -> tuple[int | None, int | None]:
    if "oversize" in problems:
        return rng.randint(320, 400), None
    if rng.random() < 0.04:
        return None, int(_pick(rng, SIZE_CODE_WEIGHTS))
    while True:
        size = rng.lognormvariate(math.log(SIZE_MEDIAN_MM[group]), SIZE_SIGMA)
        if 3 <= size <= SIZE_MAX_MM:
            return int(round(size)), None


def _tumor(
    ctx: _Context,
    true_diagnosis: dt.date,
    age: float,
    sex: int,
    epithelioid: bool,
    horizon: dt.date,
    *,
    no_event: bool,
    problems,
) -> tuple[TumorRecord, _Course]:
    rng = ctx.rng
    group = (
        SiteGroup.ABDOMEN_PELVIS if epithelioid and rng.random() < 0.85 else _pick(rng, SITE_GROUP_WEIGHTS)
    )
    site = _topography(rng, group, sex)
    laterality = Laterality.NOT_PAIRED
    if site in PAIRED_SITES:
        roll = rng.random()
        laterality = (
            Laterality.RIGHT if roll < 0.48 else Laterality.LEFT if roll < 0.96 else Laterality.UNKNOWN
        )
    variant, behavior = Variant.CONVENTIONAL, 1
    if epithelioid:
        variant, behavior = Variant.EPITHELIOID, (3 if rng.random() < 0.85 else 1)
    elif rng.random() < 0.02:
        variant = Variant.OTHER
    if "malignant_not_epithelioid" in problems:
        variant, behavior = Variant.CONVENTIONAL, 3
    size_mm, size_code = _size(rng, group, problems)
    metastatic = rng.random() < (0.3 if epithelioid else 0.045)
    # ALK: 50-65% positive in children and young adults, fewer in older adults; nearly all epithelioid.
    alk_share = 0.95 if epithelioid else 0.60 if age < 40 else 0.35
    alk_positive = rng.random() < alk_share
    driver = None
    if not alk_positive:
        roll = rng.random()
        driver = (
            Gene.ROS1
            if roll < 0.15
            else Gene.NTRK3
            if roll < 0.25
            else Gene.RET
            if roll < 0.26
            else Gene.PDGFRB
            if roll < 0.27
            else None
        )
    course = _Course(group, epithelioid, metastatic, alk_positive, driver, no_event=no_event)

    precision = DatePrecision.DAY
    roll = rng.random()
    if roll < PARTIAL_DIAGNOSIS_SHARE:
        precision = DatePrecision.MONTH if roll < PARTIAL_DIAGNOSIS_SHARE * 0.8 else DatePrecision.YEAR
    tumor = {
        "date_of_diagnosis": normalize(true_diagnosis, precision),
        "date_of_diagnosis_precision": precision,
        "basis_of_diagnosis": int(BasisOfDiagnosis.POSITIVE_HISTOLOGY),
        "primary_site": site,
        "site_group": site_group_for(site),
        "laterality": int(laterality),
        "histology": 8825,
        "behavior": behavior,
        "variant": variant,
        "size_mm": size_mm,
        "size_code": size_code,
        "multifocal": rng.random() < 0.04,
        "metastatic_at_diagnosis": metastatic,
    }
    record = TumorRecord(tumor=tumor, presentation=_presentation(rng, group, site))
    _staging(rng, record, course, true_diagnosis, horizon)
    primary_end = _primary_treatment(rng, record, course, true_diagnosis, horizon, problems)
    if (
        record.surgeries
        and record.surgeries[0]["extent"] == SurgeryExtent.BIOPSY
        and len(record.surgeries) == 1
        and rng.random() < 0.3
    ):
        tumor["basis_of_diagnosis"] = int(
            BasisOfDiagnosis.POSITIVE_CYTOLOGY if rng.random() < 0.3 else BasisOfDiagnosis.POSITIVE_HISTOLOGY
        )
    _follow_up(rng, record, course, primary_end, horizon, no_event=no_event)
    if "imaging_without_event" in problems:
        _plant_unrecorded_event(rng, record)
    return record, course


def _presentation(rng: random.Random, group: str, site: str) -> dict:
    detection = _pick(
        rng,
        {Detection.SYMPTOMS: 62, Detection.INCIDENTAL: 20, Detection.PALPABLE_MASS: 12, Detection.UNKNOWN: 6},
    )
    values = dict.fromkeys(
        (
            "fever",
            "night_sweats",
            "weight_loss",
            "cough",
            "dyspnea",
            "abdominal_pain",
            "obstruction",
            "gastrointestinal_bleeding",
            "hematuria",
            "palpable_mass",
            "other_symptom",
        ),
        False,
    )
    # Systemic inflammatory symptoms in about 30% of patients.
    systemic = rng.random() < 0.30
    if systemic:
        values["fever"] = rng.random() < 0.65
        values["night_sweats"] = rng.random() < 0.35
        values["weight_loss"] = rng.random() < 0.5
        if not (values["fever"] or values["night_sweats"] or values["weight_loss"]):
            values[rng.choice(("fever", "night_sweats", "weight_loss"))] = True
    if detection == Detection.SYMPTOMS or systemic:
        if group == SiteGroup.LUNG_THORAX:
            values["cough"] = rng.random() < 0.45
            values["dyspnea"] = rng.random() < 0.25
        elif group == SiteGroup.ABDOMEN_PELVIS:
            values["abdominal_pain"] = rng.random() < 0.55
            values["obstruction"] = rng.random() < 0.10
            values["gastrointestinal_bleeding"] = rng.random() < 0.06
        elif group == SiteGroup.GENITOURINARY:
            values["hematuria"] = site.startswith("C67") and rng.random() < 0.7
        values["other_symptom"] = rng.random() < 0.12
    values["palpable_mass"] = detection == Detection.PALPABLE_MASS or (
        group in (SiteGroup.TRUNK_EXTREMITIES, SiteGroup.HEAD_NECK) and rng.random() < 0.4
    )
    values["detection"] = detection
    values.update(crp_mg_l=None, esr_mm_h=None, hemoglobin_g_dl=None, platelets_10e9_l=None)
    if rng.random() < 0.7:
        values["crp_mg_l"] = _decimal(min(rng.lognormvariate(math.log(45 if systemic else 5), 0.8), 350))
        values["esr_mm_h"] = int(min(rng.lognormvariate(math.log(55 if systemic else 14), 0.5), 140))
        values["hemoglobin_g_dl"] = _decimal(max(5.5, min(17.5, rng.gauss(10.3 if systemic else 12.8, 1.3))))
        values["platelets_10e9_l"] = int(max(60, min(1200, rng.gauss(480 if systemic else 290, 90))))
    return values


def _modality(rng: random.Random, group: str, site: str) -> tuple[str, str]:
    roll = rng.random()
    if group == SiteGroup.LUNG_THORAX:
        return (
            (Modality.CT, ImagingRegion.CHEST)
            if roll < 0.88
            else (Modality.MRI, ImagingRegion.CHEST)
            if roll < 0.94
            else (Modality.RADIOGRAPH, ImagingRegion.CHEST)
        )
    if group == SiteGroup.ABDOMEN_PELVIS:
        return (
            Modality.CT if roll < 0.5 else Modality.MRI if roll < 0.8 else Modality.ULTRASOUND,
            ImagingRegion.ABDOMEN_PELVIS,
        )
    if group == SiteGroup.HEAD_NECK:
        return (Modality.MRI if roll < 0.75 else Modality.CT, ImagingRegion.HEAD_NECK)
    if group == SiteGroup.GENITOURINARY:
        if site.startswith("C67"):
            return (
                Modality.CYSTOSCOPY if roll < 0.4 else Modality.ULTRASOUND if roll < 0.75 else Modality.MRI,
                ImagingRegion.BLADDER,
            )
        return (Modality.MRI if roll < 0.6 else Modality.ULTRASOUND, ImagingRegion.ABDOMEN_PELVIS)
    return (
        Modality.MRI if roll < 0.7 else Modality.ULTRASOUND if roll < 0.9 else Modality.CT,
        ImagingRegion.PRIMARY_SITE,
    )


def _imaging(date: dt.date, purpose: str, modality: str, region: str, result: str) -> dict:
    return {
        "date": date,
        "date_precision": DatePrecision.DAY,
        "purpose": purpose,
        "modality": modality,
        "region": region,
        "result": result,
    }


def _staging(rng, record: TumorRecord, course: _Course, diagnosis: dt.date, horizon: dt.date) -> None:
    site = record.tumor["primary_site"]
    modality, region = _modality(rng, course.group, site)
    when = diagnosis - _days(rng.random() * 25)
    # The tumor is there at staging: no result that counts as a disease assessment.
    record.imaging.append(_imaging(when, ImagingPurpose.STAGING, modality, region, ""))
    if course.metastatic or rng.random() < 0.12:
        record.imaging.append(
            _imaging(
                diagnosis - _days(rng.random() * 10),
                ImagingPurpose.STAGING,
                Modality.PET_CT,
                ImagingRegion.WHOLE_BODY,
                "",
            )
        )


def _surgery(date: dt.date, extent: str, margin: str) -> dict:
    return {"date": date, "date_precision": DatePrecision.DAY, "extent": extent, "margin": margin}


def _test(date, gene, method, result, *, clone="", counted=None, rearranged=None, partner="") -> dict:
    return {
        "specimen_date": date,
        "specimen_date_precision": DatePrecision.DAY,
        "gene": gene,
        "method": method,
        "ihc_clone": clone,
        "result": result,
        "nuclei_counted": counted,
        "nuclei_rearranged": rearranged,
        "fusion_partner": partner,
    }


def _treatment(category, agent, start, end, intent, end_reason, response) -> dict:
    return {
        "category": category,
        "agent": agent,
        "start_date": start,
        "start_date_precision": DatePrecision.DAY,
        "end_date": end,
        "end_date_precision": DatePrecision.DAY,
        "intent": intent,
        "end_reason": end_reason,
        "best_response": response,
    }


def _fish(rng, date, gene, positive: bool) -> dict:
    counted = 100 if rng.random() < 0.75 else 200 if rng.random() < 0.6 else rng.randint(50, 99)
    # Clear-cut rates only: the 10-50% grey zone on fewer than 100 nuclei is a planted problem.
    if positive:
        low = 0.55 if counted < 100 else 0.18
        fraction = low + rng.random() * (0.85 - low)
    else:
        fraction = rng.random() * 0.08
    return _test(
        date,
        gene,
        TestMethod.FISH,
        TestResult.POSITIVE if positive else TestResult.NEGATIVE,
        counted=counted,
        rearranged=int(counted * fraction),
    )


def _molecular(rng, record: TumorRecord, course: _Course, date: dt.date, problems) -> None:
    tests = record.molecular_tests
    if rng.random() < 0.95:
        roll = rng.random()
        result = (
            TestResult.FAILED
            if roll < 0.01
            else TestResult.EQUIVOCAL
            if roll < 0.025
            else (TestResult.POSITIVE if course.alk_positive else TestResult.NEGATIVE)
        )
        partner = ""
        if "partner_from_ihc" in problems:
            result, partner = TestResult.POSITIVE, FusionPartner.TPM3
        tests.append(
            _test(
                date, Gene.ALK, TestMethod.IHC, result, clone=_pick(rng, ALK_CLONE_WEIGHTS), partner=partner
            )
        )
        course.alk_confirmed = result == TestResult.POSITIVE
        if result in (TestResult.FAILED, TestResult.EQUIVOCAL) or rng.random() < 0.2:
            tests.append(_fish(rng, date, Gene.ALK, course.alk_positive))
            course.alk_confirmed = course.alk_positive
    else:
        tests.append(_fish(rng, date, Gene.ALK, course.alk_positive))
        course.alk_confirmed = course.alk_positive
    if "alk_ihc_fish_disagree" in problems:
        tests.append(_test(date, Gene.ALK, TestMethod.IHC, TestResult.POSITIVE, clone=IhcClone.D5F3))
        tests.append(_fish(rng, date, Gene.ALK, False))
        course.alk_confirmed = True
    if "fish_needs_more_nuclei" in problems:
        counted = rng.randint(50, 90)
        rearranged = int(counted * (0.15 + rng.random() * 0.3))
        tests.append(
            _test(
                date, Gene.ALK, TestMethod.FISH, TestResult.POSITIVE, counted=counted, rearranged=rearranged
            )
        )
    if course.alk_positive:
        if rng.random() < 0.35:
            # RANBP2-ALK (nuclear membrane staining) marks the epithelioid variant.
            partner = (
                FusionPartner.RANBP2
                if course.epithelioid and rng.random() < 0.8
                else _pick(rng, ALK_PARTNER_WEIGHTS)
            )
            tests.append(_test(date, Gene.ALK, TestMethod.RNA_NGS, TestResult.POSITIVE, partner=partner))
            course.alk_confirmed = True
        return
    # ALK-negative: ROS1 and NTRK screened by IHC / pan-TRK IHC, confirmed by NGS or FISH.
    driver = course.driver
    screen_positive = False
    if rng.random() < 0.6:
        tests.append(
            _test(
                date,
                Gene.ROS1,
                TestMethod.IHC,
                TestResult.POSITIVE if driver == Gene.ROS1 else TestResult.NEGATIVE,
                clone=IhcClone.D4D6,
            )
        )
        screen_positive = driver == Gene.ROS1
    if rng.random() < 0.5:
        tests.append(
            _test(
                date,
                Gene.NTRK3,
                TestMethod.PAN_TRK_IHC,
                TestResult.POSITIVE if driver == Gene.NTRK3 else TestResult.NEGATIVE,
                clone=IhcClone.EPR17341,
            )
        )
        screen_positive = screen_positive or driver == Gene.NTRK3
    # A positive screen is usually sent for confirmation; otherwise NGS for a part of the ALK-negative.
    if rng.random() < (0.9 if screen_positive else 0.6):
        confirm_date = date + _days(7 + rng.random() * 21)
        if driver == Gene.ROS1:
            tests.append(
                _test(
                    confirm_date,
                    Gene.ROS1,
                    TestMethod.RNA_NGS,
                    TestResult.POSITIVE,
                    partner=_pick(rng, ROS1_PARTNER_WEIGHTS),
                )
            )
        elif driver == Gene.NTRK3:
            tests.append(
                _test(
                    confirm_date,
                    Gene.NTRK3,
                    TestMethod.RNA_NGS,
                    TestResult.POSITIVE,
                    partner=FusionPartner.ETV6,
                )
            )
        elif driver in (Gene.RET, Gene.PDGFRB):
            tests.append(
                _test(
                    confirm_date, driver, TestMethod.RNA_NGS, TestResult.POSITIVE, partner=FusionPartner.OTHER
                )
            )
        else:
            for gene in (Gene.ROS1, Gene.NTRK3):
                tests.append(_test(confirm_date, gene, TestMethod.RNA_NGS, TestResult.NEGATIVE))
    elif driver == Gene.ROS1 and rng.random() < 0.4:
        tests.append(_fish(rng, date + _days(7 + rng.random() * 14), Gene.ROS1, True))


def _primary_treatment(
    rng, record: TumorRecord, course: _Course, diagnosis: dt.date, horizon: dt.date, problems
) -> dt.date:
    """Surgery, molecular work-up and first-line treatment; returns when surveillance starts."""
    biopsy_only = rng.random() < (
        BIOPSY_ONLY_SHARE * (2.5 if course.metastatic else 1) + (0.12 if course.epithelioid else 0)
    )
    pre_biopsy = biopsy_only or rng.random() < 0.4
    if pre_biopsy:
        record.surgeries.append(_surgery(diagnosis, SurgeryExtent.BIOPSY, ""))
    _molecular(rng, record, course, diagnosis, problems)
    alk_target = course.alk_positive and course.alk_confirmed
    start_surveillance = diagnosis
    if not biopsy_only:
        resection = diagnosis + (_days(14 + rng.random() * 45) if pre_biopsy else dt.timedelta(0))
        large = (record.tumor["size_mm"] or 0) > 80
        if pre_biopsy and alk_target and large and rng.random() < 0.25:
            start = diagnosis + _days(14 + rng.random() * 20)
            resection = start + _months(3 + rng.random() * 4)
            record.treatments.append(
                _treatment(
                    TreatmentCategory.ALK_INHIBITOR,
                    _pick(rng, ALK_INHIBITOR_WEIGHTS),
                    start,
                    resection - _days(7 + rng.random() * 7),
                    TreatmentIntent.NEOADJUVANT,
                    EndReason.COMPLETED,
                    Response.PR if rng.random() < 0.7 else Response.SD,
                )
            )
        if rng.random() < RX_SHARE:
            margin = Margin.RX
        else:
            margin = _pick(rng, MARGIN_WEIGHTS)
        extent = (
            SurgeryExtent.INCOMPLETE
            if margin == Margin.R2 or (margin == Margin.R1 and rng.random() < 0.3)
            else SurgeryExtent.COMPLETE
        )
        record.surgeries.append(_surgery(resection, extent, margin))
        course.margin = margin
        course.residual = margin == Margin.R2
        start_surveillance = resection
        if rng.random() < 0.06:
            drug = Agent.IBUPROFEN if rng.random() < 0.6 else Agent.CELECOXIB
            begin = diagnosis - _days(rng.random() * 20)
            end = begin + _days(14 + rng.random() * 60)
            record.treatments.append(
                _treatment(TreatmentCategory.NSAID, drug, begin, end, "", EndReason.COMPLETED, "")
            )
    else:
        course.residual = True
    if course.residual or course.metastatic:
        start_surveillance = _systemic(rng, record, course, start_surveillance, horizon)
    return start_surveillance


def _systemic(rng, record: TumorRecord, course: _Course, after: dt.date, horizon: dt.date) -> dt.date:
    """Treatment of residual or metastatic disease: ALK inhibitor for ALK-positive disease, else others."""
    statuses = {
        t["gene"]
        for t in record.molecular_tests
        if t["result"] == TestResult.POSITIVE and t["method"] not in (TestMethod.IHC, TestMethod.PAN_TRK_IHC)
    }
    start = after + _days(14 + rng.random() * 30)
    if start >= horizon:
        return after
    intent = TreatmentIntent.PALLIATIVE if course.metastatic else TreatmentIntent.DEFINITIVE
    on_target = True
    if course.alk_positive and course.alk_confirmed and rng.random() < 0.85:
        category, agent = TreatmentCategory.ALK_INHIBITOR, _pick(rng, ALK_INHIBITOR_WEIGHTS)
    elif Gene.ROS1 in statuses and rng.random() < 0.7:
        category = TreatmentCategory.ROS1_NTRK_INHIBITOR
        agent = Agent.ENTRECTINIB if rng.random() < 0.6 else Agent.REPOTRECTINIB
    elif Gene.NTRK3 in statuses and rng.random() < 0.7:
        category = TreatmentCategory.ROS1_NTRK_INHIBITOR
        agent = Agent.LAROTRECTINIB if rng.random() < 0.7 else Agent.ENTRECTINIB
    else:
        on_target = False
        roll = rng.random()
        if roll < 0.3:
            category, agent = (
                TreatmentCategory.NSAID,
                Agent.CELECOXIB if rng.random() < 0.5 else Agent.IBUPROFEN,
            )
        elif roll < 0.55:
            category, agent = TreatmentCategory.CORTICOSTEROID, Agent.PREDNISONE
        elif roll < 0.85:
            category = TreatmentCategory.CHEMOTHERAPY
            agent = Agent.DOXORUBICIN_IFOSFAMIDE if course.epithelioid else Agent.METHOTREXATE_VINBLASTINE
        elif roll < 0.88:
            category, agent = TreatmentCategory.RADIOTHERAPY, Agent.EXTERNAL_BEAM
        else:
            return after  # watchful waiting
    response = _pick(rng, RESPONSE_ON_TARGET if on_target else RESPONSE_OFF_TARGET)
    if course.no_event and response == Response.PD:
        response = Response.SD
    assessment = start + _months(3 + rng.random())
    end = start + _months(6 + rng.random() * 18)
    end_reason = EndReason.COMPLETED if rng.random() < 0.85 else EndReason.TOXICITY
    if response == Response.PD:
        end, end_reason = assessment + _days(rng.random() * 14), EndReason.PROGRESSION
    if end > horizon:
        end, end_reason = None, ""
    record.treatments.append(_treatment(category, agent, start, end, intent, end_reason, response))
    if assessment <= horizon:
        modality, region = _modality(rng, course.group, record.tumor["primary_site"])
        result = RESPONSE_IMAGING[response]
        record.imaging.append(_imaging(assessment, ImagingPurpose.RESPONSE, modality, region, result))
        if response == Response.PD:
            record.events.append(_event(EventType.PROGRESSION, assessment, len(record.imaging) - 1, rng))
        elif response == Response.CR:
            course.residual = False
    return assessment if assessment <= horizon else after


def _event(event_type: str, date: dt.date, source_index: int | None, rng, sites=()) -> dict:
    basis = EventBasis.IMAGING if rng.random() < 0.85 else EventBasis.PATHOLOGY
    return {
        "event_type": event_type,
        "date": date,
        "date_precision": DatePrecision.DAY,
        "metastatic_sites": list(sites),
        "basis": basis,
        "source_imaging_index": source_index,
    }


def _visits(rng, start: dt.date, end: dt.date) -> list[dt.date]:
    """Surveillance dates from `start`: every 3 months in year 1, 4 in year 2, 6 to year 5, then yearly,
    with a few missed visits (never two in a row, never a yearly one, so no gap exceeds 13 months)."""
    dates, month, missed_last = [], 0.0, False
    while True:
        step = next(
            (every for until, every in SURVEILLANCE_RHYTHM if month < until), SURVEILLANCE_LATER_EVERY
        )
        month += step
        when = start + _months(month) + _days(rng.uniform(-10, 14))
        if when > end:
            return dates
        if step < SURVEILLANCE_LATER_EVERY and not missed_last and rng.random() < MISSED_VISIT_SHARE:
            missed_last = True
            continue
        missed_last = False
        dates.append(when)


def _event_risk(course: _Course) -> float:
    risk = EVENT_RISK[course.margin or "biopsy"]
    risk *= SITE_RISK_FACTOR.get(course.group, 1.0)
    if course.epithelioid:
        risk *= 1.8
    return min(risk, 0.9)


def _follow_up(
    rng, record: TumorRecord, course: _Course, start: dt.date, horizon: dt.date, *, no_event: bool
) -> None:
    if record.events:
        # Progression already seen on response imaging: surveillance of the residual disease goes on.
        _continue_surveillance(
            rng, record, course, record.events[-1]["date"], horizon, ImagingResult.STABLE_RESIDUAL
        )
        return
    if no_event:
        event_month = None
    else:
        event_month = rng.lognormvariate(math.log(9), 0.75) if rng.random() < _event_risk(course) else None
    if event_month is not None:
        event_month = max(1.0, min(event_month, 72.0))
    modality, region = _modality(rng, course.group, record.tumor["primary_site"])
    residual = course.residual
    baseline = ImagingResult.STABLE_RESIDUAL if residual else ImagingResult.NED
    event_day = start + _months(event_month) if event_month is not None else None
    for when in _visits(rng, start, horizon):
        if event_day is not None and when >= event_day:
            _recurrence(rng, record, course, when, horizon, modality, region)
            return
        if rng.random() < 0.2:
            modality, region = _modality(rng, course.group, record.tumor["primary_site"])
        record.imaging.append(_imaging(when, ImagingPurpose.SURVEILLANCE, modality, region, baseline))
    # Distant metastasis without a local event (rare).
    if (
        not record.events
        and not no_event
        and not course.metastatic
        and rng.random() < 0.028
        and record.imaging
    ):
        _distant(rng, record, record.imaging[-1]["date"] + _months(1 + rng.random() * 6), horizon)


def _distant(rng, record: TumorRecord, when: dt.date, horizon: dt.date) -> None:
    if when > horizon:
        return
    sites = rng.sample(
        [
            MetastaticSite.LUNG,
            MetastaticSite.LIVER,
            MetastaticSite.PERITONEUM,
            MetastaticSite.BONE,
            MetastaticSite.DISTANT_NODES,
            MetastaticSite.CNS,
        ],
        1 + (rng.random() < 0.3),
    )
    record.imaging.append(
        _imaging(
            when,
            ImagingPurpose.SURVEILLANCE,
            Modality.PET_CT,
            ImagingRegion.WHOLE_BODY,
            ImagingResult.DISTANT_METASTASIS,
        )
    )
    record.events.append(
        _event(
            EventType.DISTANT_METASTASIS,
            when,
            len(record.imaging) - 1,
            rng,
            sites=[str(site) for site in sorted(sites)],
        )
    )


def _recurrence(
    rng, record: TumorRecord, course: _Course, when: dt.date, horizon: dt.date, modality, region
) -> None:
    """A first event found at a surveillance visit, its treatment, and surveillance after it."""
    if course.residual:
        event_type, result = EventType.PROGRESSION, ImagingResult.PROGRESSION
    else:
        roll = rng.random()
        event_type, result = (
            (EventType.LOCAL_RECURRENCE, ImagingResult.LOCAL_RECURRENCE)
            if roll < 0.86
            else (EventType.REGIONAL_RECURRENCE, ImagingResult.REGIONAL_RECURRENCE)
            if roll < 0.95
            else (EventType.DISTANT_METASTASIS, ImagingResult.DISTANT_METASTASIS)
        )
    sites = []
    if event_type == EventType.DISTANT_METASTASIS:
        sites = [str(rng.choice([MetastaticSite.LUNG, MetastaticSite.LIVER, MetastaticSite.PERITONEUM]))]
        modality, region = Modality.PET_CT, ImagingRegion.WHOLE_BODY
    record.imaging.append(_imaging(when, ImagingPurpose.SURVEILLANCE, modality, region, result))
    record.events.append(_event(event_type, when, len(record.imaging) - 1, rng, sites))
    restart = when
    residual = True
    if event_type != EventType.DISTANT_METASTASIS and rng.random() < 0.55:
        resection = when + _days(14 + rng.random() * 45)
        if resection <= horizon:
            margin = _pick(rng, {Margin.R0: 60, Margin.R1: 25, Margin.R2: 15})
            extent = SurgeryExtent.INCOMPLETE if margin == Margin.R2 else SurgeryExtent.COMPLETE
            record.surgeries.append(_surgery(resection, extent, margin))
            restart, residual = resection, margin == Margin.R2
    if residual:
        course.residual = True
        course.metastatic = course.metastatic or event_type == EventType.DISTANT_METASTASIS
        before = len(record.events)
        restart = _systemic(rng, record, course, restart, horizon)
        residual = course.residual
        if len(record.events) > before:
            # Progressed again on treatment: the residual disease stays under surveillance.
            _continue_surveillance(
                rng, record, course, record.events[-1]["date"], horizon, ImagingResult.STABLE_RESIDUAL
            )
            return
    result = ImagingResult.STABLE_RESIDUAL if residual else ImagingResult.NED
    visits = _visits(rng, restart, horizon)
    distant_at = None
    if event_type != EventType.DISTANT_METASTASIS and rng.random() < 0.08 and visits:
        distant_at = rng.randrange(len(visits))
    for index, visit in enumerate(visits):
        if index == distant_at:
            _distant(rng, record, visit, horizon)
            return
        record.imaging.append(_imaging(visit, ImagingPurpose.SURVEILLANCE, modality, region, result))


def _continue_surveillance(
    rng, record: TumorRecord, course: _Course, start: dt.date, horizon: dt.date, result: str
) -> None:
    modality, region = _modality(rng, course.group, record.tumor["primary_site"])
    for visit in _visits(rng, start, horizon):
        record.imaging.append(_imaging(visit, ImagingPurpose.SURVEILLANCE, modality, region, result))


def _plant_unrecorded_event(rng, record: TumorRecord) -> None:
    """Planted problem: the last surveillance study reports a recurrence that was never recorded."""
    for study in reversed(record.imaging):
        if study["purpose"] == ImagingPurpose.SURVEILLANCE:
            study["result"] = ImagingResult.LOCAL_RECURRENCE
            return
    start = record.tumor["date_of_diagnosis"] + _months(6)
    modality, region = _modality(rng, SiteGroup(record.tumor["site_group"]), record.tumor["primary_site"])
    record.imaging.append(
        _imaging(start, ImagingPurpose.SURVEILLANCE, modality, region, ImagingResult.LOCAL_RECURRENCE)
    )
