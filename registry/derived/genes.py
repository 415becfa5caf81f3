"""Gene status of a tumor from its molecular tests (DESIGN section 4), and break-apart FISH counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from registry.vocabularies import (
    KINASE_FUSION_GENES,
    NTRK_GENES,
    SCREENING_METHODS,
    FusionStatus,
    Gene,
    GeneStatus,
    TestResult,
)

FISH_POSITIVE_FRACTION = 0.15
FISH_MINIMUM_NUCLEI = 50
FISH_RECOUNT_LOW, FISH_RECOUNT_HIGH, FISH_RECOUNT_NUCLEI = 0.10, 0.50, 100


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class
    gene: str
    method: str
    result: str


def _confirms(gene_family: str, method: str) -> bool:
    """ALK IHC confirms ALK; for ROS1 and NTRK, IHC is only a screen (DESIGN section 4)."""
    if gene_family == Gene.ALK:
        return True
    return method not in SCREENING_METHODS


def _family(gene: str) -> str:
    return "NTRK" if gene in NTRK_GENES else gene


def gene_status(tests: Iterable[TestOutcome], family: str) -> str:
    """Status of one gene family ("ALK", "ROS1", "NTRK", "RET", ...) from its tests."""
    results = [(t.method, t.result) for t in tests if _family(t.gene) == family]
    if any(r == TestResult.POSITIVE and _confirms(family, m) for m, r in results):
        return GeneStatus.POSITIVE
    if any(r == TestResult.NEGATIVE and _confirms(family, m) for m, r in results):
        return GeneStatus.NEGATIVE
    if any(r == TestResult.POSITIVE for m, r in results):
        return GeneStatus.SCREEN_POSITIVE
    if any(r == TestResult.NEGATIVE for m, r in results):
        return GeneStatus.NEGATIVE
    if any(r == TestResult.EQUIVOCAL for m, r in results):
        return GeneStatus.EQUIVOCAL
    return GeneStatus.UNKNOWN


def fusion_status(tests: Sequence[TestOutcome]) -> str:
    """Any confirmed kinase fusion (ALK, ROS1, NTRK1-3, RET, PDGFRB)."""
    families = sorted({_family(g) for g in KINASE_FUSION_GENES})
    statuses = [gene_status(tests, family) for family in families]
    if GeneStatus.POSITIVE in statuses:
        return FusionStatus.YES
    if any(t.result in (TestResult.NEGATIVE,) for t in tests if t.gene in KINASE_FUSION_GENES):
        # Tested and no confirmed fusion (unconfirmed screens and equivocals are not a fusion).
        if GeneStatus.SCREEN_POSITIVE in statuses or GeneStatus.EQUIVOCAL in statuses:
            return FusionStatus.UNKNOWN
        return FusionStatus.NO
    return FusionStatus.UNKNOWN


def tumor_gene_statuses(tests: Sequence[TestOutcome]) -> dict[str, str]:
    return {
        "alk_status": gene_status(tests, Gene.ALK),
        "ros1_status": gene_status(tests, Gene.ROS1),
        "ntrk_status": gene_status(tests, "NTRK"),
        "fusion_status": fusion_status(tests),
    }


def fish_interpretation(counted: int | None, rearranged: int | None) -> str | None:
    """Break-apart FISH: positive at >= 15% rearranged of at least 50 nuclei counted."""
    if not counted or rearranged is None or counted < FISH_MINIMUM_NUCLEI:
        return None
    return TestResult.POSITIVE if rearranged / counted >= FISH_POSITIVE_FRACTION else TestResult.NEGATIVE


def fish_needs_more_nuclei(counted: int | None, rearranged: int | None) -> bool:
    """A rate between 10% and 50% on fewer than 100 nuclei wants 100 counted."""
    if not counted or rearranged is None:
        return False
    return counted < FISH_RECOUNT_NUCLEI and FISH_RECOUNT_LOW <= rearranged / counted <= FISH_RECOUNT_HIGH
