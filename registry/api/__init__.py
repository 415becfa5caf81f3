"""REST API conventions shared by every endpoint, and the registrars' read API of the record."""
