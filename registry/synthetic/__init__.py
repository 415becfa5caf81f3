"""Synthetic IMT cohorts for demos, tests and benchmarks: realistic patients drawn from published figures.

- `priors`: the published shares and weights the cohort is drawn from, and the planted data-quality
  problems;
- `generation`: `generate_cohort()` turns a seed and an as-of date into plain records (dicts of model
  field values), never reading the clock or the database, so the same seed and as-of date always give
  the same cohort (`cohort_digest`);
- `writing`: `synthetic_cohort_write()` bulk-inserts the records with history, in batches, and refreshes
  the derived columns that bulk paths do not keep current.
"""

from registry.synthetic.generation import (
    InstitutionRecord,
    PatientRecord,
    TumorRecord,
    cohort_digest,
    generate_cohort,
    institution_records,
)
from registry.synthetic.priors import (
    CHANGE_REASON,
    COORDINATOR_USERNAMES,
    DEFAULT_BATCH_PATIENTS,
    GENERATOR_USERNAME,
)
from registry.synthetic.writing import (
    CohortSummary,
    CohortWriteError,
    ensure_generator_users,
    synthetic_cohort_write,
)

__all__ = [
    "CHANGE_REASON",
    "COORDINATOR_USERNAMES",
    "DEFAULT_BATCH_PATIENTS",
    "GENERATOR_USERNAME",
    "CohortSummary",
    "CohortWriteError",
    "InstitutionRecord",
    "PatientRecord",
    "TumorRecord",
    "cohort_digest",
    "ensure_generator_users",
    "generate_cohort",
    "institution_records",
    "synthetic_cohort_write",
]
