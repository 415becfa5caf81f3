"""`manage.py refresh_surveillance [--as-of YYYY-MM-DD]`: recompute every patient's surveillance items."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from outcomes.surveillance.services import refresh_surveillance


def parse_as_of(value):
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError("--as-of must be a date like 2024-05-31.") from exc


class Command(BaseCommand):
    help = "Refresh every patient's surveillance items as of a date (default today)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default today)")

    def handle(self, *args, **options):
        as_of = parse_as_of(options["as_of"])
        result = refresh_surveillance(as_of=as_of)
        self.stdout.write(
            f"Refreshed {result.patients} patients as of {as_of}: "
            f"{result.created} items created, {result.updated} updated."
        )
