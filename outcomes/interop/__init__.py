"""Interoperability: NAACCR XML export of the record (DESIGN section 9)."""
