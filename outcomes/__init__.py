"""Everything derived from the record: analysis rows, statistics, reports, cohorts, surveillance."""
