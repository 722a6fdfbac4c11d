"""`manage.py bench --staff N [--http]`: seed (or reuse) a demo organisation, time the main
pages, the compliance dashboard against the raw SQL aggregate, the exports, the signature check
and the reminder pipeline; with `--http`, load each page over HTTP through gunicorn. Prints one
JSON object (progress goes to stderr).

Keys:
- `staff`, `documents` (of the open cycle);
- `dashboard_ms` (median server time of the dashboard over every entity through the test
  client, signed in as an HR focal point holding every entity), `drilldown_ms` (the same for
  one division), `raw_sql_ms` (median time of the equivalent hand-written SQL aggregate over
  the base tables), `ratio` (dashboard_ms / raw_sql_ms);
- `pages_ms` {page: median server ms through the test client, after `WARM_UP_REQUESTS`
  unmeasured ones} and `queries` {page: queries of one request, after a first uncounted one},
  for every page of PAGES;
- `http` {page: {rps, p50_ms, p99_ms, errors, requests}} with `--http`, else null: gunicorn
  (4 workers) on a loopback port against the same database, each page driven by wrk with 8
  connections for `--http-seconds` (after a short warm-up), every non-200 answer an error;
  `http_connections`, `http_seconds`;
- `csv_s`, `xlsx_s` (the people list of every entity, downloaded through the export view and
  read to the end), `export_rows`;
- `verify_signatures_s`, `signatures` (`manage.py verify_signatures` over the database;
  null with `--skip-verify`);
- `sweep_first_s` / `sweep_second_s` (time the sweep took to plan its reminders),
  `sweep_first_sent` / `sweep_second_sent` (emails sent), `sweep_first_total_s` /
  `sweep_second_total_s` (planning plus sending), `smtp_received` (emails the sink got; a
  daily digest is one email for several rows), `send_rate_per_s` (those emails per second of
  sending), `send_pipeline` (what sent them). The emails go through Django's SMTP backend to a
  local sink (demo/smtp_sink.py, its own process). With a broker (`REDIS_URL`) the tasks go to
  the production worker command (`scripts/entrypoint.sh worker`: prefork, 2 processes by
  default, as docker-compose runs it) on a queue of the bench's own, and
  `send_rate_one_process_per_s` is the same first sweep again with its tasks run one after
  another in the bench's process; without a broker both are that one-process figure. The
  bench deletes the reminders its sweeps planned, so that the next run measures a first sweep
  again. The sweep keys are null with `--skip-sweep`.

The figures depend on the machine: report its load (`uptime`) with them.
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import time

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Max
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from compliance import dashboard as reports
from compliance.models import Reminder
from compliance.reminders import run_daily_sweep
from demo import loadtest
from demo.organisation import DEMO_DOMAIN, DEMO_LOGINS
from org.models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from org.services import assign_department_role
from pmsystem.db import analyze
from workplans.models import WorkPlan

BENCH_HR_EMAIL = f"bench.hr@{DEMO_DOMAIN}"
REPEATS = 7
# Unmeasured requests before the timed ones: the first opens the connection and fills the
# caches; PostgreSQL plans a prepared statement afresh for its first five runs, then keeps a
# generic plan (pmsystem.db), so the sixth request on is what a long-running worker serves.
WARM_UP_REQUESTS = 6
HTTP_SECONDS = 10
WARM_UP_SECONDS = 2


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
        parser.add_argument(
            "--skip-verify",
            action="store_true",
            help="Do not run verify_signatures (its keys are null).",
        )
        parser.add_argument(
            "--http",
            action="store_true",
            help="Also load every page over HTTP: gunicorn (4 workers) and wrk on loopback.",
        )
        parser.add_argument(
            "--http-seconds",
            type=float,
            default=HTTP_SECONDS,
            help=f"Seconds of load per page with --http ({HTTP_SECONDS}).",
        )
        parser.add_argument(
            "--http-warm-up-seconds",
            type=float,
            default=WARM_UP_SECONDS,
            help=(
                f"Seconds of unmeasured load per page before --http-seconds ({WARM_UP_SECONDS};"
                " 0: none)."
            ),
        )
        parser.add_argument(
            "--http-connections",
            type=int,
            default=loadtest.CONNECTIONS,
            help=f"Concurrent connections with --http ({loadtest.CONNECTIONS}).",
        )

    def handle(
        self,
        *args,
        staff: int,
        repeats: int,
        skip_sweep: bool = False,
        skip_verify: bool = False,
        http: bool = False,
        http_seconds: float = HTTP_SECONDS,
        http_warm_up_seconds: float = WARM_UP_SECONDS,
        http_connections: int = loadtest.CONNECTIONS,
        **options,
    ):
        if http and loadtest.wrk_path() is None:
            raise CommandError("--http needs wrk: bash scripts/system-deps.sh bench")
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
            pages = bench_pages(hr, cycle)
            result["pages_ms"], result["queries"] = self.measure_pages(pages, repeats)
            result |= self.measure_exports(hr)
        result |= (
            {"verify_signatures_s": None, "signatures": None}
            if skip_verify
            else self.measure_verify_signatures()
        )
        result["http"] = (
            self.measure_http(
                pages,
                seconds=http_seconds,
                warm_up=http_warm_up_seconds,
                connections=http_connections,
            )
            if http
            else None
        )
        if http:
            result |= {"http_connections": http_connections, "http_seconds": http_seconds}
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

    # --- pages --------------------------------------------------------------------------

    def measure_pages(
        self, pages: dict[str, BenchPage | None], repeats: int
    ) -> tuple[dict[str, float | None], dict[str, int | None]]:
        """Per page: the median server time of `repeats` requests through the test client
        (after a warm-up request), and the queries of one request."""
        times: dict[str, float | None] = {}
        counts: dict[str, int | None] = {}
        for name, page in pages.items():
            if page is None:
                times[name] = counts[name] = None
                continue
            client = page.client()
            _ok(client.get(page.url))
            with CaptureQueriesContext(connection) as queries:
                _ok(client.get(page.url))
            counts[name] = len(queries.captured_queries)
            times[name] = round(median_ms(lambda c=client, p=page: _ok(c.get(p.url)), repeats), 2)
        self.log(f"  pages_ms {times}")
        self.log(f"  queries {counts}")
        return times, counts

    def measure_http(
        self,
        pages: dict[str, BenchPage | None],
        *,
        seconds: float,
        warm_up: float,
        connections: int,
    ) -> dict[str, dict | None]:
        results: dict[str, dict | None] = {}
        self.log(f"  HTTP: gunicorn ({loadtest.WORKERS} workers), wrk {connections} connections")
        with loadtest.Gunicorn() as server:
            for name, page in pages.items():
                if page is None:
                    results[name] = None
                    continue
                cookie = page.cookie()
                url = server.base_url + page.url
                if warm_up > 0:  # none (0) where only the answers count, as in the tests
                    loadtest.run_wrk(url, cookie=cookie, seconds=warm_up, connections=connections)
                outcome = loadtest.run_wrk(
                    url, cookie=cookie, seconds=seconds, connections=connections
                )
                results[name] = outcome.as_dict()
                self.log(f"    {name}: {outcome}")
        return results

    # --- exports and signatures ---------------------------------------------------------

    def measure_exports(self, hr: User) -> dict:
        """The people list of every held entity as CSV and as XLSX, read to the last byte."""
        client = Client()
        client.force_login(hr)
        result: dict = {}
        for fmt in ("csv", "xlsx"):
            url = reverse("compliance:export", args=["people", fmt])
            started = time.perf_counter()
            response = client.get(url)
            _ok(response)
            # Read to the end: the test client then closes the response (and its file).
            size = sum(len(chunk) for chunk in response.streaming_content)
            result[f"{fmt}_s"] = round(time.perf_counter() - started, 2)
            self.log(f"  {fmt} export: {result[f'{fmt}_s']} s, {size} bytes")
        result["export_rows"] = reports.people_count(reports.resolve_scope(hr))
        return result

    def measure_verify_signatures(self) -> dict:
        out = io.StringIO()
        started = time.perf_counter()
        try:
            call_command("verify_signatures", stdout=out)
        except CommandError as error:
            self.log(f"  verify_signatures: {error}")
        spent = round(time.perf_counter() - started, 2)
        last = out.getvalue().strip().splitlines()[-1:] or [""]
        self.log(f"  verify_signatures: {spent} s ({last[0]})")
        count = last[0].split(" ", 1)[0]
        return {
            "verify_signatures_s": spent,
            "signatures": int(count) if count.isdigit() else None,
        }

    # --- reminder sweep -----------------------------------------------------------------

    def sweep_twice(self, *, skip: bool = False) -> dict:
        keys = ("sweep_first", "sweep_second")
        nulls = {f"{k}_{s}": None for k in keys for s in ("s", "sent", "total_s")}
        nulls |= {
            "send_rate_per_s": None,
            "smtp_received": None,
            "send_pipeline": None,
            "send_rate_one_process_per_s": None,
        }
        if skip:
            return nulls
        before = Reminder.objects.aggregate(last=Max("pk"))["last"] or 0
        mine = Reminder.objects.filter(pk__gt=before)
        try:
            # No broker, or rows another process cannot see yet (a test's transaction): the
            # tasks run in this process.
            if not settings.REDIS_URL or connection.in_atomic_block:
                result = self.sweeps(mine, keys)
                result["send_pipeline"] = "one process (tasks run eagerly)"
                result["send_rate_one_process_per_s"] = result["send_rate_per_s"]
                return result
            result = self.sweeps(mine, keys, worker=True)
            result["send_pipeline"] = (
                f"Celery worker, prefork, {loadtest.worker_concurrency()} processes"
            )
            # The same first sweep again, its tasks run one after another in this process.
            mine.delete()
            alone = self.sweeps(mine, ("sweep_one_process",))
            result["send_rate_one_process_per_s"] = alone["send_rate_per_s"]
            return result
        finally:
            # As it found them: the next bench measures a first sweep again.
            mine.delete()

    def sweeps(self, mine, keys: tuple[str, ...], worker: bool = False) -> dict:
        """Run the sweep once per key, its emails to a local SMTP sink: through the production
        worker command (`worker`; the tasks go to its own queue), or eagerly in this
        process."""
        from pmsystem.celery import app

        result: dict = {}
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = not worker
        smtp = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 30,
        }
        try:
            with loadtest.SmtpSink() as sink:
                with contextlib.ExitStack() as stack:
                    stack.enter_context(override_settings(**smtp, EMAIL_PORT=sink.port))
                    sender = None
                    if worker:
                        sender = stack.enter_context(loadtest.CeleryWorker(sink.port))
                        stack.enter_context(tasks_to_queue(sender.queue))
                    sent_before = 0
                    sending_s = 0.0
                    for key in keys:
                        started = time.perf_counter()
                        outcome = run_daily_sweep()
                        if sender is not None:
                            wait_until_sent(mine, sender)
                        total = time.perf_counter() - started
                        sent = mine.filter(status=Reminder.Status.SENT).count()
                        result[f"{key}_s"] = round(outcome.plan_seconds, 2)
                        result[f"{key}_sent"] = sent - sent_before
                        result[f"{key}_total_s"] = round(total, 2)
                        sending_s += total - outcome.plan_seconds
                        sent_before = sent
                        self.log(f"  {key}: {outcome}, {total:.1f} s with sending")
            # Emails, not rows: a daily digest carries several rows in one email.
            result["smtp_received"] = sink.received
            result["send_rate_per_s"] = (
                round(sink.received / sending_s, 1) if sink.received and sending_s > 0 else None
            )
        finally:
            app.conf.task_always_eager = eager
        return result


@contextlib.contextmanager
def tasks_to_queue(queue: str):
    """The sweep's email tasks go to `queue` (the bench's own worker) while the block runs."""
    from compliance import tasks

    task = tasks.send_reminders
    task.delay = lambda ids: task.apply_async(args=[ids], queue=queue)
    try:
        yield
    finally:
        del task.delay


def wait_until_sent(rows, worker: loadtest.CeleryWorker, timeout_s: float = 900) -> None:
    """Until none of `rows` is pending or being sent (a first sweep's chunks hold each
    recipient's rows whole: none is held for tomorrow's digest)."""
    deadline = time.monotonic() + timeout_s
    waiting = rows.filter(status__in=(Reminder.Status.PENDING, Reminder.Status.SENDING))
    while waiting.exists():
        if not worker.alive():
            raise CommandError(f"The Celery worker exited; see {worker.log.name}")
        if time.monotonic() > deadline:
            raise CommandError(f"Reminders still unsent after {timeout_s:.0f} s")
        time.sleep(0.2)


class BenchPage:
    """A page of the bench: its URL and whom it is requested as (None: anonymous)."""

    def __init__(self, url: str, user: User | None):
        self.url = url
        self.user = user

    def client(self) -> Client:
        client = Client()
        if self.user is not None:
            client.force_login(self.user)
        return client

    def cookie(self) -> str:
        """A signed-in session of the user, as a Cookie header (a fresh one per call)."""
        if self.user is None:
            return ""
        client = self.client()
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={client.cookies[name].value}"


def bench_pages(hr: User, cycle: Cycle | None) -> dict[str, BenchPage | None]:
    """The pages of issue 14's table, each as the demo user it is meant for; None when the
    organisation lacks that user or document."""
    users = {
        role: User.objects.filter(email=DEMO_LOGINS[role]).first()
        for role in ("staff", "fro", "sro")
    }
    fro = users["fro"]
    document = (
        WorkPlan.objects.filter(
            cycle=cycle,
            staff__lines__cycle=cycle,
            staff__lines__fro_id=fro.pk,
            staff__lines__effective_to__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        if fro is not None and cycle is not None
        else None
    )
    division = largest_division()
    dashboard = reverse("compliance:dashboard")

    def page(url: str | None, user: User | None, anonymous: bool = False) -> BenchPage | None:
        if url is None or (user is None and not anonymous):
            return None
        return BenchPage(url, user)

    return {
        "sign-in": page(reverse("account_login"), None, anonymous=True),
        "home": page(reverse("home"), users["staff"]),
        "fro home": page(reverse("home"), fro),
        "my team": page(reverse("workplans:team"), fro),
        "document": page(reverse("workplans:document", args=[document]) if document else None, fro),
        "sro queue": page(reverse("appraisals:sro-queue"), users["sro"]),
        "dashboard": page(dashboard, hr),
        "drill-down": page(f"{dashboard}?unit={division}" if division else None, hr),
        "people": page(f"{reverse('compliance:people')}?unit={division}" if division else None, hr),
        "people all": page(reverse("compliance:people"), hr),
    }


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
    for _ in range(WARM_UP_REQUESTS):
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
    for _ in range(WARM_UP_REQUESTS):  # connection, templates, caches, prepared statements
        run()
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
    LEFT-joined to their document, mid-point review, evaluation and deadline extensions,
    grouped by entity, category and gender, with the same conditional counts."""
    vendor = connection.vendor
    eod = "s.entry_on_duty"
    months = int(cycle.new_staff_workplan_months)
    if vendor == "postgresql":
        months_after = (
            f"(date_trunc('month', {eod}::timestamp) + make_interval(months => {months})"
            f" + make_interval(days => least(extract(day from {eod})::int, 28) - 1))::date"
        )
        greatest = "GREATEST"

        def local_date(column: str) -> str:
            return f"({column} AT TIME ZONE 'UTC')::date"
    else:
        months_after = (
            f"date({eod}, 'start of month', '+{months} months', "
            f"'+' || (min(cast(strftime('%%d', {eod}) as integer), 28) - 1) || ' days')"
        )
        greatest = "MAX"

        def local_date(column: str) -> str:
            return f"date({column})"

    def extended(base: str, column: str) -> str:
        return f"{greatest}({base}, coalesce(x.{column}, {base}))"

    wp_base = (
        f"CASE WHEN {eod} > %(start)s THEN {greatest}(%(wp_due)s, {months_after}) "
        "ELSE %(wp_due)s END"
    )
    wp_due = extended(wp_base, "wp")
    mp_due = extended("%(mp_due)s", "mp")
    eoc_due = extended("%(eoc_due)s", "eoc")

    def stage(state: str, done: str, in_progress: str, done_at: str, due: str) -> str:
        not_done = f"({state} IS NULL OR {state} NOT IN ({done}))"
        return (
            f" count(*) FILTER (WHERE {state} IN ({done})),"
            f" count(*) FILTER (WHERE {state} IN ({in_progress})),"
            f" count(*) FILTER (WHERE {state} IN ({done}) AND {local_date(done_at)} <= {due}),"
            f" count(*) FILTER (WHERE {not_done} AND {due} < %(today)s),"
        )

    midpoint = (
        stage("m.state", "'finalised'", "'open', 'staff_submitted'", "m.finalised_at", mp_due)
        if cycle.midpoint_required
        else ""
    )
    sql = f"""
        SELECT u.entity_id, s.category, s.gender, count(*),
          {
        stage("w.state", "'approved'", "'draft', 'submitted', 'returned'", "w.approved_at", wp_due)
    }
          {midpoint}
          {
        stage(
            "a.state",
            "'acknowledgement', 'completed'",
            "'self_assessment', 'fro_evaluation', 'sro_review'",
            "a.sro_signed_at",
            eoc_due,
        )
    }
          {
        stage("a.state", "'completed'", "'acknowledgement'", "a.acknowledged_at", eoc_due).rstrip(
            ","
        )
    }
        FROM org_staffmember s
        JOIN org_orgunit u ON u.id = s.unit_id
        LEFT JOIN workplans_workplan w ON w.staff_id = s.user_id AND w.cycle_id = %(cycle)s
        LEFT JOIN workplans_midpointreview m ON m.work_plan_id = w.id
        LEFT JOIN appraisals_appraisal a ON a.document_id = w.id
        LEFT JOIN (
          SELECT e.staff_id,
            max(e.due) FILTER (WHERE e.deadline = 'work_plan') AS wp,
            max(e.due) FILTER (WHERE e.deadline = 'midpoint') AS mp,
            max(e.due) FILTER (WHERE e.deadline = 'end_of_cycle') AS eoc
          FROM org_deadlineextension e JOIN org_bulkchange b ON b.id = e.change_id
          WHERE e.cycle_id = %(cycle)s AND b.undone_at IS NULL
          GROUP BY e.staff_id
        ) x ON x.staff_id = s.user_id
        WHERE (s.is_active AND s.entry_on_duty <= %(end)s) OR w.id IS NOT NULL
        GROUP BY 1, 2, 3
    """  # noqa: S608 - only integers and vendor SQL are formatted in; values are parameters
    params = {
        "cycle": cycle.pk,
        "start": cycle.start,
        "end": cycle.end,
        "wp_due": cycle.workplan_due,
        "mp_due": cycle.midpoint_due,
        "eoc_due": cycle.end_of_cycle_due,
        "today": today,
    }
    return sql, params
