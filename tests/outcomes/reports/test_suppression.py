"""Released figures hide small cells (DESIGN section 6, rules 1-4) so no hidden count can be recovered."""

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes.reports.suppression import (
    COUNT_COLUMNS,
    ROW_COUNTS,
    SUPPRESSED,
    release_report,
    release_table,
)
from tests.outcomes.reports.attacker import attack, released_value
from tests.outcomes.reports.report_tables import follow_up, report_table


def counts(row):
    return {column: row[column] for column in ROW_COUNTS}


def withheld_fields(row):
    return {entry["field"] for entry in row["withheld"]}


def assert_nothing_recoverable(released, k=11):
    pinned = [recovery for recovery in attack(released, k) if recovery.pinned]
    assert pinned == []


def assert_shown_counts_are_true(original, released):
    for original_row, released_row in zip(original["rows"], released["rows"], strict=False):
        for column in COUNT_COLUMNS:
            shown = released_value(released_row, column)
            if isinstance(shown, int):
                assert shown == released_value(original_row, column)


# A table with nothing small: margin R0 and R1, every count at least 11 or zero.
def large_table():
    return report_table({"R0": follow_up(30, 0, 90), "R1": follow_up(15, 0, 40, start=10, step=80)})


# --- rule 1 -----------------------------------------------------------------------------------------


def test_counts_from_1_to_10_show_as_less_than_11_and_zero_stays_zero():
    table = report_table({"all": follow_up(events=4, competing=0, censored=40)}, stratum="all")

    row = release_table(table)["rows"][0]

    assert row["events"] == "<11"
    assert row["competing"] == 0
    assert row["at_risk"] == 44


def test_threshold_comes_from_the_argument():
    table = report_table({"all": follow_up(events=7, competing=0, censored=40)}, stratum="all")

    assert release_table(table, k=5)["rows"][0]["events"] == 7
    assert release_table(table, k=8)["rows"][0]["events"] == "<8"
    assert release_table(table)["rows"][0]["events"] == "<11"


def test_a_threshold_below_3_is_refused_because_less_than_2_would_say_1():
    with pytest.raises(ValueError):
        release_table(large_table(), k=2)


def test_a_table_without_small_counts_keeps_every_count_figure_and_curve_head():
    table = large_table()

    released = release_table(table)

    assert [counts(row) for row in released["rows"]] == [counts(row) for row in table["rows"]]
    for original, row in zip(table["rows"], released["rows"], strict=False):
        # Only the curve tails, where fewer than 11 remain, go.
        # ("all" may also stop where R1, the shorter level, stops: rule 3 for curves.)
        assert {entry["reason"] for entry in row["withheld"]} <= {"tail_below_k", "complementary"}
        assert row["km"] == original["km"] and row["rate_per_100py"] == original["rate_per_100py"]
        kept = len(row["curve"]["time"])
        assert kept > 10
        assert row["curve"] == {key: values[:kept] for key, values in original["curve"].items()}
    assert released["logrank_p"] == table["logrank_p"]
    assert released["released"] == {"k": 11}


# --- rule 2 -----------------------------------------------------------------------------------------


def test_figures_computed_from_hidden_events_are_withheld_and_named():
    table = report_table({"all": follow_up(events=4, competing=0, censored=40)}, stratum="all")

    row = release_table(table)["rows"][0]

    for field in (
        "crude_proportion",
        "crude_lower",
        "crude_upper",
        "rate_per_100py",
        "rate_lower",
        "rate_upper",
        "km",
        "aj",
        "median_follow_up",
        "curve",
    ):
        assert row[field] is None, field
        assert field in withheld_fields(row)
    entry = next(entry for entry in row["withheld"] if entry["field"] == "rate_per_100py")
    assert entry["reason"] == "small_cell"
    assert entry["counts"] == ["events"]
    # Person-years alone reveal no count once the rate is withheld.
    assert row["person_years"] == pytest.approx(table["rows"][0]["person_years"])


def test_hidden_competing_events_withhold_aalen_johansen_but_keep_one_minus_kaplan_meier():
    # Competing 3 is hidden; its row complement is censored (the next smallest), events stay shown.
    table = report_table({"all": follow_up(events=40, competing=3, censored=20)}, stratum="all")

    row = release_table(table)["rows"][0]

    assert (row["events"], row["competing"], row["censored"]) == (40, "<11", SUPPRESSED)
    assert row["aj"] is None and row["curve"]["aj"] is None
    assert row["km"] == table["rows"][0]["km"]
    assert row["rate_per_100py"] == table["rows"][0]["rate_per_100py"]
    assert "curve.aj" in withheld_fields(row)


# --- rule 3 -----------------------------------------------------------------------------------------


def test_a_row_with_one_hidden_count_hides_its_next_smallest_as_suppressed():
    table = report_table({"all": follow_up(events=5, competing=12, censored=30)}, stratum="all")

    row = release_table(table)["rows"][0]

    # at_risk = 47 is shown; without the complement, competing 12 would give events = 47 - 12 - 30.
    assert (row["at_risk"], row["events"], row["competing"], row["censored"]) == (47, "<11", SUPPRESSED, 30)


def test_complementary_hiding_never_picks_a_zero():
    table = report_table({"all": follow_up(events=5, competing=0, censored=30)}, stratum="all")

    row = release_table(table)["rows"][0]

    assert (row["events"], row["competing"], row["censored"]) == ("<11", 0, SUPPRESSED)


def test_a_column_with_one_hidden_level_hides_its_next_smallest_level():
    table = report_table(
        {
            "R0": follow_up(40, 0, 60),
            "R1": follow_up(20, 0, 30, start=5, step=70),
            "R2": follow_up(3, 0, 30, start=8, step=90),
        }
    )

    released = release_table(table)
    events = [row["events"] for row in released["rows"]]

    # all, R0, R1, R2: R2's 3 is hidden; the smallest other level (R1, 20) goes too; "all" stays.
    assert events == [63, 40, SUPPRESSED, "<11"]
    assert_nothing_recoverable(released)


def test_two_hidden_counts_that_must_both_be_10_are_protected_by_a_third():
    # at risk 20 = events 10 + censored 10: both "<11" and their sum 20 forces each to be 10.
    table = report_table({"all": follow_up(events=10, competing=0, censored=10)}, stratum="all")

    row = release_table(table)["rows"][0]

    assert (row["events"], row["censored"]) == ("<11", "<11")
    assert row["at_risk"] == SUPPRESSED
    assert row["numbers_at_risk"]["0"] == SUPPRESSED


def test_a_hidden_1_next_to_a_complement_of_exactly_k_is_protected():
    # at risk 12 = events 1 + censored 11: "<11" is at least 1, "suppressed" at least 11, so both pinned.
    table = report_table({"all": follow_up(events=1, competing=0, censored=11)}, stratum="all")

    released = release_table(table)

    assert released["rows"][0]["at_risk"] == SUPPRESSED
    assert_nothing_recoverable(released)


def test_a_table_too_small_to_protect_releases_no_count():
    # k = 5: four levels of one tumor each under an "all" of 4; "<5" four times forces each to be 1.
    table = report_table({f"L{i}": follow_up(0, 0, 1, start=i + 1) for i in range(4)})

    released = release_table(table, k=5)

    for row in released["rows"]:
        assert counts(row) == dict.fromkeys(ROW_COUNTS)
        assert set(row["numbers_at_risk"].values()) == {None}
        assert row["withheld"][0] == {"field": "counts", "reason": "small_table"}
        assert row["curve"] is None
    assert_nothing_recoverable(released, k=5)


def test_every_line_of_a_released_table_has_none_or_at_least_two_hidden_counts():
    table = report_table(
        {
            "R0": follow_up(25, 2, 60),
            "R1": follow_up(6, 0, 30, start=20, step=50),
            "R2": follow_up(2, 1, 4),
        }
    )

    rows = release_table(table)["rows"]

    for row in rows:
        assert sum(isinstance(row[column], str) for column in ROW_COUNTS) != 1
    for column in COUNT_COLUMNS:
        assert sum(isinstance(released_value(row, column), str) for row in rows) != 1


def test_releasing_twice_gives_the_same_table():
    table = report_table({"R0": follow_up(25, 2, 60), "R1": follow_up(6, 0, 30), "R2": follow_up(2, 1, 4)})

    assert release_table(table) == release_table(table)


# --- rule 4 -----------------------------------------------------------------------------------------


def test_curve_stops_before_the_step_into_fewer_than_k_at_risk():
    table = report_table({"all": follow_up(events=20, competing=0, censored=30, step=90)}, stratum="all")
    full = table["rows"][0]["curve"]

    curve = release_table(table)["rows"][0]["curve"]

    kept = len(curve["time"])
    assert min(curve["n_risk"]) >= 11
    # The next point still had at least 11 at risk; the one after it did not.
    assert full["n_risk"][kept] >= 11 or kept == len(full["time"]) - 1
    assert full["n_risk"][kept] < 11 or full["n_risk"][kept + 1] < 11
    assert all(len(values) == kept for values in curve.values())


def test_numbers_at_risk_below_k_show_as_less_than_k():
    table = report_table({"all": follow_up(events=20, competing=0, censored=30, step=45)}, stratum="all")
    at_five_years = table["rows"][0]["numbers_at_risk"]["5"]
    assert 1 <= at_five_years < 11

    released = release_table(table)
    row = released["rows"][0]

    assert row["numbers_at_risk"]["5"] == "<11"
    assert max(row["curve"]["time"]) < 5 * 365.25
    assert_nothing_recoverable(released)


def test_the_all_curve_stops_where_one_level_curve_stops_alone():
    # R1's curve falls below 11 at risk long before R0's; all - R0 would otherwise show R1's small tail.
    table = report_table(
        {
            "R0": follow_up(40, 0, 100, step=30),
            "R1": follow_up(15, 0, 20, start=10, step=40),
        }
    )

    rows = release_table(table)["rows"]

    r1_last = max(rows[2]["curve"]["time"])
    assert max(rows[1]["curve"]["time"]) > r1_last
    full_r1_times = table["rows"][2]["curve"]["time"]
    r1_stop = full_r1_times[len(rows[2]["curve"]["time"])]
    assert max(rows[0]["curve"]["time"]) < r1_stop
    assert {"field": "curve", "reason": "complementary"} in rows[0]["withheld"]


# --- tests between levels ---------------------------------------------------------------------------


def test_logrank_and_gray_p_are_withheld_when_a_level_count_is_hidden():
    table = report_table({"R0": follow_up(40, 0, 60), "R1": follow_up(3, 0, 30)})

    released = release_table(table)

    assert released["logrank_p"] is None and released["gray_p"] is None
    assert {entry["field"] for entry in released["withheld"]} == {"logrank_p", "gray_p"}


def test_logrank_p_stays_when_only_competing_events_are_hidden():
    # Competing 3, 4 and 7 are hidden; each row's complement is censored, so events and at risk stay shown.
    table = report_table({"R0": follow_up(40, 3, 20), "R1": follow_up(30, 4, 15, start=7, step=41)})

    released = release_table(table)

    assert released["logrank_p"] == table["logrank_p"]
    assert released["gray_p"] is None


# --- the attacker -----------------------------------------------------------------------------------


def naive_release(table, k=11):
    """Rule 1 alone, the release this module exists to avoid."""
    naive = copy.deepcopy(table)
    for row in naive["rows"]:
        for column in ROW_COUNTS:
            if 1 <= row[column] < k:
                row[column] = f"<{k}"
    return naive


def test_the_attacker_recovers_a_count_from_a_release_by_rule_1_alone():
    table = report_table({"R0": follow_up(40, 0, 60), "R1": follow_up(3, 0, 30)})

    recovered = {r.cell: r.lowest for r in attack(naive_release(table), 11) if r.pinned}

    # The row identity (33 - 0 - 30) and the column sum (43 - 40) both give R1's 3 events.
    assert recovered[(2, "events")] == 3


def test_the_attacker_reads_events_from_a_shown_rate_and_person_years():
    table = report_table({"all": follow_up(events=4, competing=0, censored=40)}, stratum="all")
    leaky = naive_release(table)
    row = leaky["rows"][0]
    # Two hidden counts in the row, no curve, no proportion: only the rate is left to give events away.
    row["censored"] = row["numbers_at_risk"]["0"] = SUPPRESSED
    row["at_risk"] = SUPPRESSED
    row["curve"] = row["crude_proportion"] = None

    recovered = {r.cell: r.lowest for r in attack(leaky, 11) if r.pinned}

    assert recovered[(0, "events")] == 4


def test_the_attacker_reads_events_from_a_shown_curve():
    table = report_table({"all": follow_up(events=10, competing=30, censored=1)}, stratum="all")
    leaky = naive_release(table)
    for field in ("rate_per_100py", "crude_proportion"):
        leaky["rows"][0][field] = None

    recovered = {r.cell: r.lowest for r in attack(leaky, 11) if r.pinned}

    # events + censored = 11 by the row; the curve's drops add up to 10 events, so censored is 1.
    assert recovered[(0, "events")] == 10
    assert recovered[(0, "censored")] == 1


@pytest.mark.parametrize(
    "levels",
    [
        {"R0": follow_up(25, 2, 60), "R1": follow_up(6, 0, 30, start=20, step=50), "R2": follow_up(2, 1, 4)},
        {"R0": follow_up(10, 0, 10), "R1": follow_up(10, 0, 10, start=3)},
        {"R0": follow_up(1, 0, 11), "R1": follow_up(1, 0, 11, start=3), "R2": follow_up(0, 0, 40)},
        {"R0": follow_up(3, 3, 3), "R1": follow_up(3, 3, 3, start=3)},
        {"R0": follow_up(15, 0, 20, step=40), "R1": follow_up(40, 0, 100, step=30)},
    ],
    ids=["three-margins", "tens", "ones-next-to-elevens", "all-small", "one-short-tail"],
)
def test_no_hidden_count_is_recoverable_from_a_released_table(levels):
    table = report_table(levels)

    released = release_table(table)

    assert_nothing_recoverable(released)
    assert_shown_counts_are_true(table, released)


# --- copies and reports -----------------------------------------------------------------------------


def test_the_stored_table_is_not_changed():
    table = report_table({"R0": follow_up(25, 2, 60), "R1": follow_up(6, 0, 30), "R2": follow_up(2, 1, 4)})
    stored = copy.deepcopy(table)

    release_table(table)

    assert table == stored


def test_release_report_releases_every_table_and_copies_the_rest():
    tables = [large_table(), report_table({"R0": follow_up(40, 0, 60), "R1": follow_up(3, 0, 30)})]
    results = {"tables": tables, "cut_off": "2025-01-01", "fingerprint": "abc"}
    stored = copy.deepcopy(results)

    released = release_report(results, k=11)

    assert released["cut_off"] == "2025-01-01" and released["fingerprint"] == "abc"
    assert released["tables"] == [release_table(table) for table in tables]
    assert results == stored


# --- random tables ----------------------------------------------------------------------------------

count = st.one_of(st.just(0), st.integers(1, 12), st.integers(0, 45))


@st.composite
def tables(draw):
    level_count = draw(st.integers(0, 6))
    levels = {}
    for number in range(max(level_count, 1)):
        events, competing, censored = draw(count), draw(count), draw(count)
        if events + competing + censored == 0:
            censored = draw(st.integers(1, 15))
        step = draw(st.integers(5, 120))
        start = draw(st.integers(1, 60))
        levels[f"L{number}"] = follow_up(events, competing, censored, start=start, step=step)
    return report_table(levels, stratum="all" if level_count == 0 else "margin")


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), k=st.sampled_from([5, 11]))
def test_random_tables_leave_no_hidden_count_recoverable_and_shown_counts_true(table, k):
    released = release_table(table, k)

    assert_nothing_recoverable(released, k)
    assert_shown_counts_are_true(table, released)
    for original_row, row in zip(table["rows"], released["rows"], strict=False):
        too_small = {"field": "counts", "reason": "small_table"} in row["withheld"]
        for column in ROW_COUNTS:
            value = original_row[column]
            if 1 <= value < k:
                assert row[column] == (None if too_small else f"<{k}")
            if row[column] == SUPPRESSED:
                assert value >= k
        if row["curve"] is not None:
            assert min(row["curve"]["n_risk"]) >= k
            assert not math.isnan(sum(row["curve"]["time"]))


def test_report_level_counts_and_the_metastatic_share_are_released_too():
    from outcomes.reports.suppression import release_report

    results = {
        "tables": [],
        "tumors": 7,
        "patients": 7,
        "metastatic_at_diagnosis": {
            "count": 3,
            "total": 240,
            "proportion": 0.0125,
            "lower": 0.004,
            "upper": 0.036,
        },
    }
    released = release_report(results, 11)
    assert released["tumors"] == "<11" and released["patients"] == "<11"
    share = released["metastatic_at_diagnosis"]
    assert share["count"] == "<11" and share["proportion"] is None and share["lower"] is None
    complement = release_report(
        {
            "tables": [],
            "tumors": 240,
            "patients": 230,
            "metastatic_at_diagnosis": {"count": 236, "total": 240, "proportion": 0.98},
        },
        11,
    )
    assert complement["metastatic_at_diagnosis"]["count"] == "suppressed"
    assert complement["metastatic_at_diagnosis"]["proportion"] is None
    assert results["tumors"] == 7  # the stored report is untouched
