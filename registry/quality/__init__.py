"""Data-quality findings: the soft rules of DESIGN section 5, stored as rows and kept current."""
