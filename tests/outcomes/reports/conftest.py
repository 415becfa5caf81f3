"""A small registry whose tables have both large cells (abdominal tumors) and small ones (lung tumors)."""

import datetime as dt

import pytest

from tests.factories import DiseaseEventFactory, ImagingStudyFactory, SurgeryFactory, TumorFactory

CUT_OFF = dt.date(2024, 12, 31)


def build_registry(abdominal: int = 22, lung: int = 6) -> None:
    for index in range(abdominal + lung):
        diagnosed = dt.date(2016 + index % 6, 1 + index % 12, 3 + index % 20)
        tumor = TumorFactory(
            primary_site="C48.1" if index < abdominal else "C34.1", date_of_diagnosis=diagnosed
        )
        SurgeryFactory(
            tumor=tumor, date=diagnosed + dt.timedelta(days=12), margin="R1" if index % 4 == 0 else "R0"
        )
        ImagingStudyFactory(tumor=tumor, date=diagnosed + dt.timedelta(days=200 + 37 * index), result="ned")
        if index % 4 == 0:
            DiseaseEventFactory(
                tumor=tumor,
                date=diagnosed + dt.timedelta(days=150 + 11 * index),
                event_type="local_recurrence",
            )


@pytest.fixture
def small_registry(db):
    build_registry()
