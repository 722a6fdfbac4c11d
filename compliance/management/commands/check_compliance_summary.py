from django.core.management.base import BaseCommand, CommandError

from compliance import summary


class Command(BaseCommand):
    help = (
        "Compare the compliance summary (kept up to date by PostgreSQL triggers) with the "
        "dashboard's aggregate over the base tables, for every cycle, unit, category and "
        "gender, and the ratings per level; print every difference and exit non-zero on any. "
        "--fix reinstalls the triggers and rebuilds the summary from the base tables."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Reinstall the triggers and recompute the summary, then compare again.",
        )

    def handle(self, *args, fix: bool = False, **options):
        if not summary.available():
            self.stdout.write("No compliance summary on this database (PostgreSQL only).")
            return
        if fix:
            summary.install()
            summary.rebuild()
            self.stdout.write("Triggers reinstalled and summary rebuilt from the base tables.")
        result = summary.compare()
        for difference in result.differences:
            self.stdout.write(str(difference))
        line = (
            f"{result.cycles} cycles, {result.keys} unit/category/gender rows compared: "
            f"{len(result.differences)} differences"
        )
        if result.differences:
            raise CommandError(line)
        self.stdout.write(line)
