"""Cohort definitions, de-identified export bundles, surrogate keys and the export log."""
