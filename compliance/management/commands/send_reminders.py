"""Run the daily reminder sweep by hand (beat runs it once a day)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from compliance.reminders import run_daily_sweep


class Command(BaseCommand):
    help = "Plan today's deadline reminders and escalations and enqueue their emails."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="Sweep as if today were this day (YYYY-MM-DD); default: today."
        )

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {error}") from error
        result = run_daily_sweep(today)
        self.stdout.write(
            f"{result.today}: {result.pending_actions} pending actions, "
            f"{result.planned} reminders planned, {result.enqueued} enqueued in "
            f"{result.tasks} tasks ({result.plan_seconds:.2f} s to plan)."
        )
