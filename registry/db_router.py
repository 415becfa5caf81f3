"""Read replica routing (DESIGN section 11): outcome jobs and exports read the record from the replica at
`DATABASE_REPLICA_URL`, inside `replica_reads()`; every write, and every read outside it, uses the primary.

Only the record (`registry` models) is read from the replica: tables the same job writes and reads back
(surrogate keys, export log, reports) stay on the primary, so replication lag cannot hide a fresh row."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
_local = threading.local()


@contextmanager
def replica_reads():
    """Route reads of the record to the replica, when one is configured, for the enclosed block."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1


def _replica_active() -> bool:
    return getattr(_local, "depth", 0) > 0 and REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _replica_active() and model._meta.app_label == "registry":
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
