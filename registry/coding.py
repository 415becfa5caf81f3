"""Coding tables loaded from fixtures/: ICD-O-3 topography and the site-group table.

Rows of the site-group table are tried in order; the first range holding a code decides its group,
so specific ranges (C41.0-C41.1 head and neck) stand before the general ones (the rest of C40-C41).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from registry.vocabularies import SiteGroup

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TOPOGRAPHY_PATTERN = re.compile(r"^C(\d{2})\.?(\d)$")


@lru_cache(maxsize=1)
def topography_titles() -> dict[str, str]:
    with open(FIXTURES / "icdo3_topography.csv", newline="", encoding="utf-8") as handle:
        return {row["code"]: row["title"] for row in csv.DictReader(handle)}


def normalize_topography(code: str) -> str:
    """Accept 'C481', 'c48.1' or 'C48.1' and return the dotted form; unknown shapes come back as given."""
    match = TOPOGRAPHY_PATTERN.match(code.strip().upper())
    if not match:
        return code.strip().upper()
    return f"C{match.group(1)}.{match.group(2)}"


def is_valid_topography(code: str) -> bool:
    return code in topography_titles()


def _key(code: str) -> tuple[int, int]:
    return int(code[1:3]), int(code[4])


@lru_cache(maxsize=1)
def _site_group_ranges() -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    with open(FIXTURES / "site_groups.csv", newline="", encoding="utf-8") as handle:
        return [(_key(row["from"]), _key(row["to"]), row["site_group"]) for row in csv.DictReader(handle)]


def site_group_for(topography: str) -> str:
    key = _key(normalize_topography(topography))
    for low, high, group in _site_group_ranges():
        if low <= key <= high:
            return group
    return SiteGroup.OTHER


def topography_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {title}") for code, title in topography_titles().items()]
