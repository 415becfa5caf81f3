"""Outcome jobs and exports read the record from the replica when one is configured; writes never do."""

from django.conf import settings

from outcomes.cohorts.models import ExportLog
from registry.db_router import ReplicaRouter, replica_reads
from registry.models import Tumor


def test_record_reads_go_to_the_replica_only_inside_replica_reads(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "replica", dict(settings.DATABASES["default"]))
    router = ReplicaRouter()
    assert router.db_for_read(Tumor) is None
    with replica_reads():
        assert router.db_for_read(Tumor) == "replica"
        assert router.db_for_read(ExportLog) is None  # written and read back by the same job
        assert router.db_for_write(Tumor) == "default"
    assert router.db_for_read(Tumor) is None


def test_without_a_replica_everything_stays_on_the_primary():
    with replica_reads():
        assert ReplicaRouter().db_for_read(Tumor) is None
    assert ReplicaRouter().allow_migrate("replica", "registry") is False
