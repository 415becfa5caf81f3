"""NAACCR XML codes shared by the import (here) and the export (`outcomes.interop.naaccr`).

Pure functions and constants only: dates (YYYYMMDD, YYYYMM or YYYY with a precision), topography
without the dot, tumor size (item 756) and surgical margins (item 1320). Most registry vocabularies
already carry NAACCR codes as their values (sex, race, origin, laterality, diagnostic confirmation).
"""

from __future__ import annotations

import datetime as dt

from registry.vocabularies import MARGIN_TO_NAACCR, DatePrecision, SizeCode

NAMESPACE = "http://naaccr.org/naaccrxml"

# NAACCR 1320 rxSummSurgicalMargins: the export writes registry.vocabularies.MARGIN_TO_NAACCR;
# the import reads the codes back; 1 (residual NOS), 8 (no surgery) and 9 (unknown) have no residual
# classification of the registry's own.
NAACCR_TO_MARGIN = {code: margin for margin, code in MARGIN_TO_NAACCR.items()}

# NAACCR 756 tumorSizeSummary codes that carry no size.
NO_SIZE_CODES = {"000", "998"}


def naaccr_date(value: dt.date | None, precision: str | None) -> str | None:
    """YYYYMMDD, YYYYMM or YYYY by how much of the date is known."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}{value.month:02d}"
    return value.strftime("%Y%m%d")


def parse_naaccr_date(text: str | None) -> tuple[dt.date, str] | None:
    """(first day of the known period, precision) from YYYYMMDD, YYYYMM or YYYY; None if empty.

    Raises ValueError for anything else (including impossible days such as 20230230).
    """
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) not in (4, 6, 8):
        raise ValueError("not YYYYMMDD, YYYYMM or YYYY")
    year = int(text[:4])
    if len(text) == 4:
        return dt.date(year, 1, 1), DatePrecision.YEAR
    month = int(text[4:6])
    if len(text) == 6:
        return dt.date(year, month, 1), DatePrecision.MONTH
    return dt.date(year, month, int(text[6:8])), DatePrecision.DAY


def topography_from_naaccr(text: str) -> str:
    """C481 -> C48.1 (already dotted codes pass through)."""
    text = text.strip().upper()
    if len(text) == 4 and "." not in text:
        return f"{text[:3]}.{text[3]}"
    return text


def size_from_naaccr(text: str | None) -> tuple[int | None, int | None]:
    """(size_mm, size_code) from tumorSizeSummary: 001-989 mm, 990-995/999 descriptive, 000/998 none.

    Raises ValueError for a value that is not a three-digit code.
    """
    text = (text or "").strip()
    if not text or text in NO_SIZE_CODES:
        return None, None
    if not text.isdigit() or len(text) != 3:
        raise ValueError("not a three-digit size code")
    value = int(text)
    if 1 <= value <= 989:
        return value, None
    if value in SizeCode.values:
        return None, value
    raise ValueError("not a valid size code")
