"""Import imaging studies from a CSV or XLSX table: `import_imaging FILE [--dry-run] --username USER`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.imports.imaging_table import ImagingTableError, imaging_import


class Command(BaseCommand):
    help = "Import follow-up imaging studies from a CSV or XLSX file; all or nothing per file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--username", required=True, help="The user the history records the studies under."
        )

    def handle(self, *args, file, dry_run, username, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise CommandError(f"The file cannot be opened ({error.strerror}).") from None
        try:
            report = imaging_import(data=data, user=user, dry_run=dry_run)
        except ImagingTableError as error:
            raise CommandError(f"{error} Nothing was written.") from None
        for line in report.lines():
            self.stdout.write(line)
        if report.errors:
            raise CommandError(f"{len(report.errors)} errors; nothing was written.")
