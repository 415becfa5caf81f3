"""Due dates: month arithmetic clamped to month ends, leap days, and the phase a date falls in."""

import datetime as dt

import pytest

from outcomes.surveillance.schedule import Phase, add_months, months_elapsed, next_due

STANDARD = [Phase(0, 12, 3), Phase(12, 24, 4), Phase(24, 60, 6), Phase(60, 120, 12)]
HIGH_RISK = [Phase(0, 36, 3), Phase(36, 60, 6), Phase(60, 120, 12)]
ACTIVE = [Phase(0, None, 3)]
ANCHOR = dt.date(2020, 1, 15)


def test_january_31_plus_one_month_is_the_last_day_of_february():
    assert add_months(dt.date(2021, 1, 31), 1) == dt.date(2021, 2, 28)
    assert add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)


def test_february_29_anchor_falls_on_february_28_in_common_years_and_back_on_29_in_leap_years():
    assert add_months(dt.date(2020, 2, 29), 12) == dt.date(2021, 2, 28)
    assert add_months(dt.date(2020, 2, 29), 48) == dt.date(2024, 2, 29)
    assert months_elapsed(dt.date(2020, 2, 29), dt.date(2021, 2, 28)) == 12


def test_first_due_date_after_a_leap_day_anchor_is_three_months_later():
    assert next_due(anchor=dt.date(2020, 2, 29), last_study=None, phases=STANDARD).due_date == dt.date(
        2020, 5, 29
    )


@pytest.mark.parametrize(
    "month, interval", [(11, 3), (12, 4), (23, 4), (24, 6), (59, 6), (60, 12), (119, 12)]
)
def test_standard_plan_uses_the_interval_of_the_phase_the_last_study_falls_in(month, interval):
    last = add_months(ANCHOR, month)
    nxt = next_due(anchor=ANCHOR, last_study=last, phases=STANDARD)
    assert nxt.due_date == add_months(last, interval)


@pytest.mark.parametrize("month, interval", [(35, 3), (36, 6), (59, 6), (60, 12)])
def test_high_risk_plan_changes_interval_at_months_36_and_60(month, interval):
    last = add_months(ANCHOR, month)
    assert next_due(anchor=ANCHOR, last_study=last, phases=HIGH_RISK).due_date == add_months(last, interval)


def test_a_study_one_day_before_month_12_still_belongs_to_the_first_phase():
    last = add_months(ANCHOR, 12) - dt.timedelta(days=1)
    assert next_due(anchor=ANCHOR, last_study=last, phases=STANDARD).due_date == add_months(last, 3)


def test_surveillance_ends_at_month_120():
    assert next_due(anchor=ANCHOR, last_study=add_months(ANCHOR, 120), phases=STANDARD) is None
    assert next_due(anchor=ANCHOR, last_study=add_months(ANCHOR, 120), phases=HIGH_RISK) is None


def test_active_disease_plan_is_open_ended():
    last = add_months(ANCHOR, 300)
    assert next_due(anchor=ANCHOR, last_study=last, phases=ACTIVE).due_date == add_months(last, 3)


def test_a_study_before_the_anchor_does_not_move_the_schedule_back():
    nxt = next_due(anchor=ANCHOR, last_study=ANCHOR - dt.timedelta(days=40), phases=STANDARD)
    assert nxt.due_date == dt.date(2020, 4, 15)
