"""`manage.py send_reminders [--dry-run] [--as-of]`: the daily task's work, run in this process."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from outcomes.surveillance.management.commands.refresh_surveillance import parse_as_of
from outcomes.surveillance.reminders import (
    DeliveryIncomplete,
    reminders_create,
    reminders_preview,
    reminders_send,
)
from outcomes.surveillance.services import refresh_surveillance


class Command(BaseCommand):
    help = "Refresh the schedule, record reminders for new stages and send each coordinator one digest."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default today)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show the digests that would be sent; write and send nothing.",
        )

    def handle(self, *args, **options):
        as_of = parse_as_of(options["as_of"])
        if options["dry_run"]:
            # Refresh and record reminders as the real run would, show the digests, then roll it all back.
            with transaction.atomic():
                refresh_surveillance(as_of=as_of)
                reminders_create(as_of=as_of)
                digests = reminders_preview(as_of=as_of)
                transaction.set_rollback(True)
            for digest in digests:
                self.stdout.write(
                    f"--- To: {digest.recipient} Cc: {', '.join(digest.cc) or '-'} "
                    f"Message-ID: {digest.message_id or '(assigned when sent)'}\n"
                    f"Subject: {digest.subject}\n{digest.text}"
                )
            self.stdout.write(f"Dry run: {len(digests)} digests would be sent; nothing was written or sent.")
            return
        refresh_surveillance(as_of=as_of)
        created = reminders_create(as_of=as_of)
        try:
            result = reminders_send(as_of=as_of)
        except DeliveryIncomplete as exc:
            raise CommandError(f"{created} new reminders; delivery incomplete: {exc}") from None
        self.stdout.write(
            f"{created} new reminders; sent {len(result.digests)} digests covering "
            f"{result.sent_rows} reminders ({result.cancelled} cancelled)."
        )
