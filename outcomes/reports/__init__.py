"""Outcome reports: Celery jobs, stored reproducible results, released figures, dashboard."""
