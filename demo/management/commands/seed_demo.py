import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import board, documents, feedback, rebuttals, schedules, standards, training
from demo.organisation import DEFAULT_PASSWORD, DEFAULT_STAFF, MIN_STAFF, demo_staff, seed_demo
from org import profiles
from org.services import ApplicationError
from pmsystem.db import analyze, unprepared
from pmsystem.notifications import muted


class Command(BaseCommand):
    help = (
        "Build a demo organisation (UN-like departments, offices and missions; units, grades, "
        "reporting lines for the open cycle 2026-27 and the closed 2025-26, department roles, "
        "delegations and a superuser) and the apps' demo documents (unit work plans; work "
        "plans, mid-point reviews and evaluations at every stage) with bulk inserts, then print "
        "one demo login per role as 'role<TAB>email'. --staff counts every staff member of the "
        "demo, its named logins and its newcomers on probation among them; the same --staff "
        "always gives the same organisation. Idempotent: if the demo organisation already "
        "exists nothing is added (whatever --staff says; only documents still missing are "
        "seeded) and only the demo users' password is reset when --password differs; to seed "
        "another size, start from an empty database. --profile ilo builds an ILO-shaped "
        "organisation instead (the biennium 2026-27 open and 2024-25 closed, three overall "
        "rating levels, every signed stage routed to the review board, staff on "
        "technical-cooperation contracts)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--staff",
            type=int,
            default=DEFAULT_STAFF,
            help=f"How many staff members in all, the demo logins among them (at least "
            f"{MIN_STAFF}, one more under the ilo profile; default {DEFAULT_STAFF}).",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo user (default {DEFAULT_PASSWORD!r}).",
        )
        parser.add_argument(
            "--profile",
            choices=list(profiles.PROFILES),
            default=None,
            help="The organisation's policy profile: un (the UN Secretariat, default for a new "
            "demo) or ilo. An existing demo keeps its own; asking for another is refused.",
        )

    def handle(self, *args, staff: int, password: str, profile: str | None = None, **options):
        started = time.monotonic()
        try:
            # One transaction: a failure leaves neither an organisation nor half its documents.
            # No email: the demo addresses are not real, and stdout carries only the logins.
            # Unprepared: the tables fill as the seed runs (`pmsystem.db.unprepared`).
            with transaction.atomic(), muted(), unprepared():
                result = seed_demo(staff=staff, password=password, profile=profile, newcomers=True)
                # Each stage's demo, in the order the stages build on each other.
                seeded = {
                    "appraisals": documents.seed_documents(),
                    "rebuttals": rebuttals.seed_documents(),
                    "feedback": feedback.seed_documents(),
                    "ratings standards": standards.seed_documents(),
                    "mandatory training": training.seed_documents(),
                    "review board": board.seed_documents(),
                    # After the board: its member comments on the probationary report.
                    "special schedules": schedules.seed_documents(),
                }
                if result.created or any(seeded.values()):
                    # Whatever the apps' demos wrote: the next query (the first page, the
                    # bench, a test) is planned on these rows, not on empty tables.
                    analyze(apps.get_models(include_auto_created=True))
                total = demo_staff().count()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.monotonic() - started
        if result.created:
            self.stderr.write(
                f"Seeded {total} staff in {result.entities} entities and "
                f"{result.units} units ({result.profile} profile)."
            )
        else:
            self.stderr.write(f"The demo organisation already exists ({total} staff).")
        added = {label: count for label, count in seeded.items() if count}
        for label, count in added.items():
            self.stderr.write(f"Seeded {count} demo documents ({label}).")
        if result.created or added:
            self.stderr.write(f"Done in {elapsed:.1f} s.")
        else:
            self.stderr.write("Nothing added.")
        for role, email in result.logins:
            self.stdout.write(f"{role}\t{email}")
