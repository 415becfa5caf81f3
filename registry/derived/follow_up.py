"""The dates that count toward last contact and last disease assessment, and who is under follow-up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def latest(dates: Iterable[dt.date | None]) -> dt.date | None:
    present = [d for d in dates if d is not None]
    return max(present) if present else None


def last_disease_assessment(
    imaging_with_result: Iterable[dt.date | None],
    event_dates: Iterable[dt.date | None],
    cut_off: dt.date | None = None,
) -> dt.date | None:
    """Per tumor: the latest imaging study with a result, or event, up to the cut-off."""
    dates = [*imaging_with_result, *event_dates]
    if cut_off is not None:
        dates = [d for d in dates if d is not None and d <= cut_off]
    return latest(dates)


def last_contact(
    recorded_last_contact: dt.date | None,
    record_dates: Iterable[dt.date | None],
    death: dt.date | None,
    cut_off: dt.date | None = None,
) -> dt.date | None:
    """Per patient: the latest of last contact, any dated record, and death, up to the cut-off."""
    dates = [recorded_last_contact, death, *record_dates]
    if cut_off is not None:
        dates = [d for d in dates if d is not None and d <= cut_off]
    return latest(dates)
