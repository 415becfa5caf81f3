"""Clinical dates with a precision (day, month or year), their bounds and analysis imputation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.vocabularies import DatePrecision

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class PartialDate:
    """A date known to the day, month or year. `value` holds the first day of the known period."""

    value: dt.date
    precision: str = DatePrecision.DAY

    @classmethod
    def of(cls, value: dt.date | None, precision: str | None) -> PartialDate | None:
        if value is None:
            return None
        return cls(normalize(value, precision or DatePrecision.DAY), precision or DatePrecision.DAY)

    @property
    def earliest(self) -> dt.date:
        return self.value

    @property
    def latest(self) -> dt.date:
        if self.precision == DatePrecision.YEAR:
            return dt.date(self.value.year, 12, 31)
        if self.precision == DatePrecision.MONTH:
            return _month_end(self.value)
        return self.value

    def imputed(self, floor: dt.date | None = None) -> dt.date:
        """Analysis date: a missing day is the 15th, a missing month July 1, never before `floor`
        (a known earlier date of the same tumor) when the floor lies inside the known period."""
        if self.precision == DatePrecision.MONTH:
            guess = self.value.replace(day=15)
        elif self.precision == DatePrecision.YEAR:
            guess = dt.date(self.value.year, 7, 1)
        else:
            return self.value
        if floor is not None and guess < floor <= self.latest:
            return floor
        return guess


def normalize(value: dt.date, precision: str | None) -> dt.date:
    """Store a partial date as the first day of its known period."""
    if precision == DatePrecision.YEAR:
        return dt.date(value.year, 1, 1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def impute(value: dt.date | None, precision: str | None, floor: dt.date | None = None) -> dt.date | None:
    if value is None:
        return None
    if precision == DatePrecision.DAY or precision is None:
        return value  # the common case, on the hot path of the analysis rows
    return PartialDate(normalize(value, precision), precision or DatePrecision.DAY).imputed(floor)


def _month_end(value: dt.date) -> dt.date:
    first_next = (value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def is_before(first: PartialDate | None, second: PartialDate | None, *, days: int = 0) -> bool:
    """True when `first` is certainly earlier than `second` minus `days`, whatever the unknown parts."""
    if first is None or second is None:
        return False
    return first.latest < second.earliest - dt.timedelta(days=days)


def age_in_years(birth: dt.date, on: dt.date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years
