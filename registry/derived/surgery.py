"""First resection, margin of record and definitive resection of a tumor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from registry.vocabularies import (
    Margin,
    SurgeryExtent,
)


@dataclass(frozen=True)
class SurgeryFacts:
    id: int
    date: dt.date
    extent: str
    margin: str


def definitive_resection(surgeries: Iterable[SurgeryFacts]) -> SurgeryFacts | None:
    """The first resection leaving no macroscopic tumor (R0 or R1); RX is never definitive."""
    for surgery in sorted(surgeries, key=lambda s: (s.date, s.id)):
        if surgery.extent != SurgeryExtent.BIOPSY and surgery.margin in (Margin.R0, Margin.R1):
            return surgery
    return None


def first_resection(surgeries: Iterable[SurgeryFacts]) -> SurgeryFacts | None:
    resections = [s for s in surgeries if s.extent != SurgeryExtent.BIOPSY]
    return min(resections, key=lambda s: (s.date, s.id)) if resections else None
