"""Import a NAACCR XML file (plain or gzip): `import_naaccr FILE --source NAME [--dry-run] [--username U]`."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.imports.naaccr import NaaccrFileError, naaccr_import


class Command(BaseCommand):
    help = "Import the IMT tumors (8825/1) of a NAACCR XML file; 8825/3 goes to the review list."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--source",
            required=True,
            help="The sending registry's code (patients are matched on it and patientIdNumber).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--username", help="The registrar the history records the changes under.")

    def handle(self, *args, file, source, dry_run, username, **options) -> None:
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named {username!r}.")
        try:
            report = naaccr_import(path=file, source=source, user=user, dry_run=dry_run)
        except NaaccrFileError as error:
            raise CommandError(f"{error} Nothing was written.") from None
        for line in report.lines():
            self.stdout.write(line)
