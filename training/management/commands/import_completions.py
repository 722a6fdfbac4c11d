"""manage.py import_completions FILE [FILE ...] [--dry-run]: the learning system's export,
the import behind the upload page (as the system: for anyone)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pmsystem.errors import ApplicationError
from training.services import import_completions


class Command(BaseCommand):
    help = (
        "Import training completions from CSV or XLSX files. Every row is validated first; if "
        "any row is bad, every error is printed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help=".csv or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count, write nothing"
        )

    def handle(self, *args, files: list[str], dry_run: bool, **options):
        contents = []
        for name in files:
            path = Path(name)
            try:
                contents.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(f"Cannot read {name}: {exc.strerror}.") from exc
        try:
            result = import_completions(files=contents, dry_run=dry_run)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            count = len(result.errors)
            raise CommandError(f"{count} error{'s' if count != 1 else ''}; nothing was written.")
        self.stdout.write(f"{result.created} new completions, {result.unchanged} already recorded.")
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
