"""Settings split by environment: base, demo, test, production."""
