"""Surveillance plans, schedules, the coordinator worklist and reminder digests."""
