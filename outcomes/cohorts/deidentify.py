"""HIPAA Safe Harbor helpers: random surrogate keys, relative days, top-coded and banded ages.

Keys come from `secrets` and are kept in the key table (linkable) or only in memory for one export
(unlinkable); none is derived from a registry number, MRN or any other identifier (45 CFR 164.514(c)).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from outcomes.cohorts.models import SurrogateKey
from registry.dates import DAYS_PER_YEAR

AGE_TOP_CODE = 90
KEY_PREFIX = {SurrogateKey.Kind.PATIENT: "P", SurrogateKey.Kind.TUMOR: "T"}
KEY_BATCH = 2000


def new_key(kind: str) -> str:
    # A letter prefix keeps a key from ever reading as a (numeric) registry number.
    return KEY_PREFIX[kind] + secrets.token_hex(8)


class SurrogateKeys:
    """Keys for patients and tumors of one export (or one API page), filled in batches.

    Linkable keys are read from, and added to, the key table; unlinkable keys live only in this object.
    """

    def __init__(self, *, linkable: bool = True):
        self.linkable = linkable
        self._keys: dict[str, dict[int, str]] = {kind: {} for kind in KEY_PREFIX}

    def load(self, kind: str, record_ids: Iterable[int]) -> None:
        known = self._keys[kind]
        missing = sorted({i for i in record_ids if i is not None and i not in known})
        for start in range(0, len(missing), KEY_BATCH):
            batch = missing[start : start + KEY_BATCH]
            if not self.linkable:
                known.update({record_id: new_key(kind) for record_id in batch})
                continue
            found = dict(
                SurrogateKey.objects.filter(kind=kind, namespace="", record_id__in=batch).values_list(
                    "record_id", "key"
                )
            )
            absent = [record_id for record_id in batch if record_id not in found]
            if absent:
                SurrogateKey.objects.bulk_create(
                    [SurrogateKey(kind=kind, record_id=record_id, key=new_key(kind)) for record_id in absent],
                    ignore_conflicts=True,  # another export created the same record's key at the same time
                )
                found.update(
                    SurrogateKey.objects.filter(kind=kind, namespace="", record_id__in=absent).values_list(
                        "record_id", "key"
                    )
                )
            known.update(found)

    def get(self, kind: str, record_id: int) -> str:
        return self._keys[kind][record_id]

    def patient(self, record_id: int) -> str:
        return self._keys[SurrogateKey.Kind.PATIENT][record_id]

    def tumor(self, record_id: int) -> str:
        return self._keys[SurrogateKey.Kind.TUMOR][record_id]


def days_between(origin: dt.date | None, value: dt.date | None) -> int | None:
    if origin is None or value is None:
        return None
    return (value - origin).days


def age_years(birth: dt.date | None, on: dt.date | None) -> float | None:
    if birth is None or on is None:
        return None
    return (on - birth).days / DAYS_PER_YEAR


def released_age(
    age_at_diagnosis: float | None, age_at_end_of_follow_up: float | None
) -> tuple[int | None, str | None]:
    """(age at diagnosis in completed years, top-coded at 90; 10-year band).

    Safe Harbor: ages over 89 are aggregated; a patient who reaches 90 within the exported follow-up
    gets only the band, since days of follow-up added to an exact age would reveal the age over 89.
    """
    if age_at_diagnosis is None:
        return None, None
    years = int(age_at_diagnosis)
    band = "90+" if years >= AGE_TOP_CODE else f"{years // 10 * 10}-{years // 10 * 10 + 9}"
    reaches_90 = age_at_end_of_follow_up is not None and age_at_end_of_follow_up >= AGE_TOP_CODE
    if years >= AGE_TOP_CODE:
        return AGE_TOP_CODE, band
    if reaches_90:
        return None, band
    return years, band


def age_group(age: float | None) -> str | None:
    """Outcome stratum (DESIGN section 6): <18, 18-39, >=40."""
    if age is None:
        return None
    return "<18" if age < 18 else "18-39" if age < 40 else ">=40"
