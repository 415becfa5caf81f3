"""Every endpoint by every stratum: tables whose levels add up and whose figures come from the estimators."""

import datetime as dt

import pytest
from django.core.management import call_command

from outcomes.analysis import analysis_rows
from outcomes.estimates import outcome_tables
from tests.factories import DiseaseEventFactory, ImagingStudyFactory, SurgeryFactory, TumorFactory

pytestmark = pytest.mark.django_db
CUT_OFF = dt.date(2024, 12, 31)


@pytest.fixture
def small_registry():
    for index in range(12):
        tumor = TumorFactory(
            primary_site="C48.1" if index % 2 else "C34.1", date_of_diagnosis=dt.date(2019, 1 + index % 12, 5)
        )
        SurgeryFactory(
            tumor=tumor,
            date=tumor.date_of_diagnosis + dt.timedelta(days=10),
            margin="R1" if index % 3 == 0 else "R0",
        )
        ImagingStudyFactory(tumor=tumor, date=dt.date(2023, 1, 1), result="ned")
        if index % 3 == 0:
            DiseaseEventFactory(tumor=tumor, date=dt.date(2020, 6, 1 + index), event_type="local_recurrence")


def test_levels_add_up_to_all_in_every_table(small_registry):
    results = outcome_tables(analysis_rows(cut_off=CUT_OFF))
    assert results["tumors"] == 12
    for table in results["tables"]:
        all_row, *levels = table["rows"]
        for column in ("at_risk", "events", "competing", "censored"):
            if levels:
                assert sum(level[column] for level in levels) == all_row[column], (table["stratum"], column)
        assert all_row["at_risk"] == all_row["events"] + all_row["competing"] + all_row["censored"]


def test_recurrence_is_higher_after_r1_than_r0(small_registry):
    results = outcome_tables(analysis_rows(cut_off=CUT_OFF), endpoints=("recurrence",), strata=("margin",))
    table = results["tables"][0]
    by_level = {row["level"]: row for row in table["rows"]}
    assert by_level["R1"]["events"] == 4 and by_level["R0"]["events"] == 0
    assert by_level["R1"]["crude_proportion"] == pytest.approx(1.0)
    assert by_level["R0"]["aj"]["1"]["estimate"] == 0.0
    assert table["logrank_p"] is not None and table["logrank_p"] < 0.05


def test_compute_outcomes_prints_the_headline_table(small_registry, capsys):
    call_command("compute_outcomes", "--cut-off", "2024-12-31", "--strata", "all,margin")
    out = capsys.readouterr().out
    assert "12 tumors of 12 patients" in out
    assert "recurrence" in out and "R1" in out


def test_compute_outcomes_refuses_an_unknown_stratum():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown stratum shoe_size"):
        call_command("compute_outcomes", "--strata", "shoe_size")


def test_stored_curves_agree_with_the_estimators_at_every_grid_point(small_registry):
    import numpy as np

    from outcomes.analysis import COMPETING, EVENT
    from outcomes.statistics import aalen_johansen, kaplan_meier

    rows = list(analysis_rows(cut_off=CUT_OFF))
    for endpoint, competing in (("recurrence", True), ("overall_survival", False)):
        table = outcome_tables(rows, endpoints=(endpoint,), strata=("all",))["tables"][0]
        curve = table["rows"][0]["curve"]
        selected = [r for r in rows if getattr(r, f"{endpoint}_status") is not None]
        time = np.array([getattr(r, f"{endpoint}_time") for r in selected], dtype=float)
        status = np.array([getattr(r, f"{endpoint}_status") for r in selected])
        km = kaplan_meier(time, status == EVENT)
        aj = aalen_johansen(time, status, event_code=EVENT, competing_codes=(COMPETING,))
        for index, t in enumerate(curve["time"]):
            if competing:
                assert curve["km"][index] == pytest.approx(km.cumulative_incidence_at(t))
                assert curve["aj"][index] == pytest.approx(aj.estimate_at(t))
                low, high = aj.interval_at(t)
                assert (curve["aj_lower"][index], curve["aj_upper"][index]) == (
                    pytest.approx(low) if low is not None else None,
                    pytest.approx(high) if high is not None else None,
                )
            else:
                assert curve["km"][index] == pytest.approx(km.survival_at(t))
                assert (curve["km_lower"][index], curve["km_upper"][index]) == tuple(
                    pytest.approx(v) if v is not None else None for v in km.interval_at(t)
                )
            assert curve["n_risk"][index] == int((time >= t).sum())
