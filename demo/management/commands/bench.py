"""`manage.py bench --staff N`: seed (or reuse) a demo organisation, time the compliance
dashboard against the raw SQL aggregate, count the queries of the main pages, and run the
reminder sweep twice. Prints one JSON object (progress goes to stderr).

Keys: `staff`, `documents` (of the open cycle), `dashboard_ms` (median server time of the
dashboard over every entity through the test client, signed in as an HR focal point holding
every entity), `drilldown_ms` (the same for one division), `raw_sql_ms` (median time of the
equivalent hand-written SQL aggregate), `ratio` (dashboard_ms / raw_sql_ms), `queries` (page →
query count), `sweep_first_s` / `sweep_second_s` (time the sweep took to plan its
reminders), `sweep_first_sent` / `sweep_second_sent` (emails sent: the sweep's tasks run
eagerly into Django's in-memory mailbox, so nothing leaves the machine), and
`sweep_first_total_s` / `sweep_second_total_s` (planning plus sending). The sweep keys are
null when `compliance.reminders.run_daily_sweep` does not exist.
"""

from __future__ import annotations

import importlib
import json
import statistics
import time

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from compliance import dashboard as reports
from demo.organisation import DEMO_DOMAIN, DEMO_LOGINS
from org.models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from org.services import assign_department_role
from pmsystem.db import analyze
from workplans.models import WorkPlan

BENCH_HR_EMAIL = f"bench.hr@{DEMO_DOMAIN}"
REPEATS = 7


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0]

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=40000, help="Staff to seed (40,000).")
        parser.add_argument(
            "--repeats", type=int, default=REPEATS, help="Timed requests per measure (7)."
        )
        parser.add_argument(
            "--skip-sweep",
            action="store_true",
            help="Do not run the reminder sweep (its keys are null).",
        )

    def handle(self, *args, staff: int, repeats: int, skip_sweep: bool = False, **options):
        self.log(f"Seeding (or reusing) a demo organisation of {staff} staff...")
        started = time.perf_counter()
        call_command("seed_demo", staff=staff, stdout=_Null(), stderr=self.stderr)
        self.log(f"  seeded in {time.perf_counter() - started:.1f} s")
        # seed_demo analyses what it writes; an organisation it reuses may have been loaded
        # otherwise (an import, an older seed) and not be analysed yet: without statistics
        # the planner picks nested loops over 40,000 rows.
        analyze(apps.get_models(include_auto_created=True))
        cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
        documents = WorkPlan.objects.filter(cycle=cycle).count() if cycle else 0
        if not documents:
            self.log("  the open cycle holds no documents: every stage counts as not started")
        hr = bench_hr_focal_point()
        result = {
            "staff": StaffMember.objects.filter(is_active=True).count(),
            "documents": documents,
        }
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            result |= self.measure_dashboard(hr, cycle, repeats)
            result["queries"] = self.page_queries(hr, cycle)
        result |= self.sweep_twice(skip=skip_sweep)
        self.stdout.write(json.dumps(result))

    def log(self, message: str) -> None:
        self.stderr.write(message)

    # --- dashboard ----------------------------------------------------------------------

    def measure_dashboard(self, hr: User, cycle: Cycle, repeats: int) -> dict:
        client = Client()
        client.force_login(hr)
        url = reverse("compliance:dashboard")
        division = largest_division()
        sql, params = raw_aggregate_sql(cycle, timezone.localdate())

        def raw() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        # Page and SQL alternate, so a busy moment of the machine weighs on both alike.
        dashboard_ms, raw_ms = interleaved_medians_ms([lambda: _ok(client.get(url)), raw], repeats)
        drilldown_ms = (
            median_ms(lambda: _ok(client.get(url, {"unit": division})), repeats)
            if division
            else None
        )
        self.log(f"  dashboard {dashboard_ms:.1f} ms, raw SQL {raw_ms:.1f} ms")
        return {
            "dashboard_ms": round(dashboard_ms, 2),
            "drilldown_ms": round(drilldown_ms, 2) if drilldown_ms is not None else None,
            "raw_sql_ms": round(raw_ms, 2),
            "ratio": round(dashboard_ms / raw_ms, 2) if raw_ms else None,
        }

    def page_queries(self, hr: User, cycle: Cycle) -> dict[str, int | None]:
        """Queries of one request to each main page (after a first, uncounted one)."""
        hr_client = Client()
        hr_client.force_login(hr)
        fro = User.objects.filter(email=DEMO_LOGINS["fro"]).first()
        fro_client = Client()
        if fro is not None:
            fro_client.force_login(fro)
        document = (
            WorkPlan.objects.filter(
                cycle=cycle,
                staff__lines__cycle=cycle,
                staff__lines__fro_id=fro.pk,
                staff__lines__effective_to__isnull=True,
            )
            .values_list("pk", flat=True)
            .first()
            if fro is not None and cycle is not None
            else None
        )
        division = largest_division()
        pages = {
            "home": (fro_client, reverse("home"), {}),
            "my team": (fro_client, reverse("workplans:team"), {}),
            "document": (
                fro_client,
                reverse("workplans:document", args=[document]) if document else None,
                {},
            ),
            "dashboard": (hr_client, reverse("compliance:dashboard"), {}),
            "drill-down": (hr_client, reverse("compliance:dashboard"), {"unit": division}),
            "people": (hr_client, reverse("compliance:people"), {"unit": division}),
        }
        counts: dict[str, int | None] = {}
        for name, (client, url, query) in pages.items():
            if url is None or (name in ("home", "my team", "document") and fro is None):
                counts[name] = None
                continue
            _ok(client.get(url, query))
            with CaptureQueriesContext(connection) as queries:
                _ok(client.get(url, query))
            counts[name] = len(queries.captured_queries)
        self.log(f"  queries {counts}")
        return counts

    # --- reminder sweep -----------------------------------------------------------------

    def sweep_twice(self, *, skip: bool = False) -> dict:
        keys = ("sweep_first", "sweep_second")
        nulls = {f"{k}_{s}": None for k in keys for s in ("s", "sent", "total_s")}
        if skip:
            return nulls
        try:
            sweep = importlib.import_module("compliance.reminders").run_daily_sweep
        except (ImportError, AttributeError):
            self.log("  no compliance.reminders.run_daily_sweep: sweep figures are null")
            return nulls
        from pmsystem.celery import app

        result = {}
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True  # send in this process, into the locmem outbox
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                for key in keys:
                    mail.outbox = []
                    started = time.perf_counter()
                    outcome = sweep()
                    total = time.perf_counter() - started
                    result[f"{key}_s"] = round(getattr(outcome, "plan_seconds", total), 2)
                    result[f"{key}_sent"] = len(mail.outbox)
                    result[f"{key}_total_s"] = round(total, 2)
                    self.log(f"  {key}: {outcome}")
        finally:
            app.conf.task_always_eager = eager
            mail.outbox = []
        return result


def _ok(response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request['PATH_INFO']} answered {response.status_code}")


class _Null:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


def interleaved_medians_ms(runs, repeats: int) -> list[float]:
    """The median time of each of `runs`, timed in turn, `repeats` rounds (after a warm-up)."""
    for run in runs:
        run()
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(max(repeats, 1)):
        for run, spent in zip(runs, times, strict=True):
            started = time.perf_counter()
            run()
            spent.append((time.perf_counter() - started) * 1000)
    return [statistics.median(spent) for spent in times]


def median_ms(run, repeats: int) -> float:
    run()  # warm-up: connection, templates, caches
    times = []
    for _ in range(max(repeats, 1)):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_hr_focal_point() -> User:
    """An HR focal point of every entity (with an authenticator app, as HR must have)."""
    from allauth.mfa.models import Authenticator

    user, _ = User.objects.get_or_create(
        email=BENCH_HR_EMAIL, defaults={"first_name": "Bench", "last_name": "HR"}
    )
    held = set(
        DepartmentRole.objects.filter(
            user=user, role=DepartmentRole.Role.HR_FOCAL_POINT
        ).values_list("entity_id", flat=True)
    )
    for entity in OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY).exclude(pk__in=held):
        assign_department_role(entity=entity, user=user, role=DepartmentRole.Role.HR_FOCAL_POINT)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(user, generate_totp_secret())
    return user


def largest_division() -> int | None:
    """The first division of the entity with the most staff."""
    largest = (
        StaffMember.objects.values("unit__entity_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("unit__entity_id", flat=True)
        .first()
    )
    return (
        OrgUnit.objects.filter(kind=OrgUnit.Kind.DIVISION, entity_id=largest)
        .order_by("code")
        .values_list("pk", flat=True)
        .first()
    )


def raw_aggregate_sql(cycle: Cycle, today) -> tuple[str, dict]:
    """The dashboard's aggregate over every entity, written by hand: one pass over the staff,
    LEFT-joined to their document, mid-point review and evaluation, grouped by entity,
    category and gender, with the same conditional counts."""
    vendor = connection.vendor
    eod = "s.entry_on_duty"
    months = int(cycle.new_staff_workplan_months)
    if vendor == "postgresql":
        months_after = (
            f"(date_trunc('month', {eod}::timestamp) + make_interval(months => {months})"
            f" + make_interval(days => least(extract(day from {eod})::int, 28) - 1))::date"
        )
        greatest, approved_on = "GREATEST", "(w.approved_at AT TIME ZONE 'UTC')::date"
    else:
        months_after = (
            f"date({eod}, 'start of month', '+{months} months', "
            f"'+' || (min(cast(strftime('%%d', {eod}) as integer), 28) - 1) || ' days')"
        )
        greatest, approved_on = "MAX", "date(w.approved_at)"
    due = (
        f"CASE WHEN {eod} > %(start)s THEN {greatest}(%(wp_due)s, {months_after}) "
        "ELSE %(wp_due)s END"
    )
    midpoint = (
        "count(*) FILTER (WHERE m.state = 'finalised'),"
        " count(*) FILTER (WHERE m.state IN ('open', 'staff_submitted')),"
        " count(*) FILTER (WHERE m.state = 'finalised' AND m.finalised_at < %(mp_end)s),"
        if cycle.midpoint_required
        else ""
    )
    sql = f"""
        SELECT u.entity_id, s.category, s.gender, count(*),
          count(*) FILTER (WHERE w.state = 'approved'),
          count(*) FILTER (WHERE w.state IN ('draft', 'submitted', 'returned')),
          count(*) FILTER (WHERE w.state = 'approved' AND {approved_on} <= {due}),
          {midpoint}
          count(*) FILTER (WHERE a.state IN ('acknowledgement', 'completed')),
          count(*) FILTER (WHERE a.state IN ('self_assessment', 'fro_evaluation', 'sro_review')),
          count(*) FILTER (WHERE a.state IN ('acknowledgement', 'completed')
                           AND a.sro_signed_at < %(eoc_end)s),
          count(*) FILTER (WHERE a.state = 'completed'),
          count(*) FILTER (WHERE a.state = 'acknowledgement'),
          count(*) FILTER (WHERE a.state = 'completed' AND a.acknowledged_at < %(eoc_end)s),
          count(*) FILTER (WHERE (w.state IS NULL OR w.state <> 'approved') AND {due} < %(today)s)
        FROM org_staffmember s
        JOIN org_orgunit u ON u.id = s.unit_id
        LEFT JOIN workplans_workplan w ON w.staff_id = s.user_id AND w.cycle_id = %(cycle)s
        LEFT JOIN workplans_midpointreview m ON m.work_plan_id = w.id
        LEFT JOIN appraisals_appraisal a ON a.document_id = w.id
        WHERE (s.is_active AND s.entry_on_duty <= %(end)s) OR w.id IS NOT NULL
        GROUP BY 1, 2, 3
    """  # noqa: S608 - only integers and vendor SQL are formatted in; values are parameters
    params = {
        "cycle": cycle.pk,
        "start": cycle.start,
        "end": cycle.end,
        "wp_due": cycle.workplan_due,
        "today": today,
        "mp_end": reports.day_after(cycle.midpoint_due),
        "eoc_end": reports.day_after(cycle.end_of_cycle_due),
    }
    return sql, params
