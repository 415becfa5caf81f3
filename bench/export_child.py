"""Benchmark child: stream one de-identified CSV bundle of the whole registry, discard the bytes, and
print the seconds taken and this process's peak RSS (KiB). Runs in its own process so that its peak
memory is the export's alone."""

import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from outcomes.cohorts.bundle import export_bundle_chunks  # noqa: E402
from outcomes.cohorts.services import export_log_start, export_plan_build  # noqa: E402

AS_OF = dt.date(2026, 11, 1)


def peak_rss_kib() -> int:
    """This process's own peak RSS. Linux carries ru_maxrss across exec, so a child started by a big
    parent would report the parent's peak; VmHWM belongs to the exec'd image alone."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    user, _ = get_user_model().objects.get_or_create(username="bench-epidemiologist")
    plan = export_plan_build(
        user=user,
        cohort=None,
        criteria_input={},
        cut_off=AS_OF,
        file_format="csv",
        linkable=True,
        identified=False,
    )
    log = export_log_start(plan=plan)
    start = time.perf_counter()
    size = 0
    for chunk in export_bundle_chunks(plan, log.pk):
        size += len(chunk)
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.3f} {peak_rss_kib()}")
    print(f"bundle bytes {size}", file=sys.stderr)


if __name__ == "__main__":
    main()
