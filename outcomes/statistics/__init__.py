"""Survival and incidence estimators as pure functions over arrays (no Django imports)."""
