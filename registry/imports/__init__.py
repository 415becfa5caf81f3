"""Imports of registry files into the IMT record (NAACCR XML)."""
