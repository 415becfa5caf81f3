"""Values derived from the record: the one home of every per-record rule.

Each rule is a pure function on plain values (so the analysis selector can call it on streamed rows and
the generator on records in memory). Where a rule must also run in the database (COPY exports, cohort
filters, bulk refreshes) its SQL twin, a Django expression named `<rule>_sql`, sits beside it in the
same module; where the analysis needs it on whole columns, its numpy twin is `<rule>_array`.
`tests/registry/test_derived_parity.py` runs the twins on the same hand-made records.

- `genes`: gene status per family, fusion status, break-apart FISH interpretation;
- `surgery`: first resection, margin of record, definitive resection;
- `follow_up`: last contact, last disease assessment, who is under follow-up.
"""

from registry.derived.follow_up import last_contact, last_disease_assessment, latest
from registry.derived.genes import (
    FISH_MINIMUM_NUCLEI,
    FISH_POSITIVE_FRACTION,
    FISH_RECOUNT_HIGH,
    FISH_RECOUNT_LOW,
    FISH_RECOUNT_NUCLEI,
    TestOutcome,
    fish_interpretation,
    fish_needs_more_nuclei,
    fusion_status,
    gene_status,
    tumor_gene_statuses,
)
from registry.derived.surgery import SurgeryFacts, definitive_resection, first_resection

__all__ = [
    "FISH_MINIMUM_NUCLEI",
    "FISH_POSITIVE_FRACTION",
    "FISH_RECOUNT_HIGH",
    "FISH_RECOUNT_LOW",
    "FISH_RECOUNT_NUCLEI",
    "SurgeryFacts",
    "TestOutcome",
    "definitive_resection",
    "first_resection",
    "fish_interpretation",
    "fish_needs_more_nuclei",
    "fusion_status",
    "gene_status",
    "last_contact",
    "last_disease_assessment",
    "latest",
    "tumor_gene_statuses",
]
