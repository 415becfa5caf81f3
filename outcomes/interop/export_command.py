"""Shared command for registry-file exports: write the same file and log row as the API export."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class RegistryFileExportCommand(BaseCommand):
    """Subclasses set `help`, `start` and `chunks` (the service functions of one file format)."""

    start = None
    chunks = None

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument("--identified", action="store_true", help="Include names and MRN.")
        parser.add_argument("--username", help="User the export log names (optional).")

    def handle(self, *args, output, identified, username=None, **options):
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"--username: no user named {username!r}.")
        try:
            handle = open(output, "wb")
        except OSError as exc:
            raise CommandError(f"--output: cannot write the file ({exc.strerror}).") from exc
        with handle:
            log = self.start(user=user, identified=identified)
            pieces = self.chunks(log_id=log.pk, identified=identified)
            try:
                for piece in pieces:
                    handle.write(piece)
            except OSError as exc:
                raise CommandError(f"--output: cannot write the file ({exc.strerror}).") from exc
            finally:
                pieces.close()  # closes the log row as failed if the loop stopped early
        log.refresh_from_db()
        self.stdout.write(
            f"Wrote {log.patient_count} patients, {log.tumor_count} tumors to {output} "
            f"(sha256 {log.sha256}, export log {log.pk})."
        )
