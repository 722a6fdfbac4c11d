"""Bulk loads leave the planner real statistics (pmsystem.db.analyze), and the demo's queries
stay fast even when they do not: a plan made from the statistics of empty tables once ran
for over eleven minutes in CI."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from demo.organisation import DEMO_LOGINS
from org.importer import import_org
from org.models import StaffMember, User
from org.permissions import session_user
from org.selectors import current_cycle
from pmsystem.db import analyze
from tests.concurrency import only_on_postgresql
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "docs" / "samples"
DEMO_TABLES = (
    "org_user",
    "org_staffmember",
    "org_reportingline",
    "workplans_workplan",
    "workplans_goal",
    "workplans_signature",
    "appraisals_appraisal",
)


@pytest.fixture(autouse=True)
def _postgresql_only():
    """Planner statistics are PostgreSQL's (on SQLite `analyze` does nothing): skip elsewhere,
    fail in CI, which must run these on PostgreSQL (`bash scripts/test.sh`)."""
    only_on_postgresql(
        "planner statistics tests",
        f"Planner statistics are PostgreSQL's; this database is {connection.vendor}.",
    )


def reltuples(table: str) -> float:
    """The planner's row count of the table (pg_class; ANALYZE writes it at once, also
    inside a transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0]


def row_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def analyze_everything() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class _RolledBack(Exception):
    pass


def statistics_of_empty_tables() -> None:
    """What the suite leaves behind: earlier tests wrote rows and rolled them back (their pages
    stay), then autovacuum analysed the tables while they were empty. The planner then reckons
    zero rows per page, so one row for any table, however many it holds."""
    with contextlib.suppress(_RolledBack), transaction.atomic():
        call_command("seed_demo", staff=40, stdout=_Null(), stderr=_Null())
        raise _RolledBack
    analyze_everything()
    for table in ("org_staffmember", "workplans_workplan"):
        assert reltuples(table) == 0, table


@contextlib.contextmanager
def no_analyze():
    """Statements starting with ANALYZE are not sent (as before pmsystem.db.analyze)."""

    def skip_analyze(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("ANALYZE"):
            return None
        return execute(sql, params, many, context)

    with connection.execute_wrapper(skip_analyze):
        yield


@contextlib.contextmanager
def statement_timeout(seconds: int):
    """A statement running longer fails the test with its SQL and its plan (tests/conftest.py).
    One waiting for a lock fails just before, with "lock timeout": a slow plan and a wait for
    another session are then told apart (this test once timed out in a read of a reporting
    line that takes milliseconds alone)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = '{int(seconds)}s'")
        # Just short of the statement's limit: a wait that long fails either way, and no
        # shorter one fails that passed before.
        cursor.execute(f"SET LOCAL lock_timeout = '{max(int(seconds) * 1000 - 100, 100)}ms'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("SET LOCAL lock_timeout = 0")


class _Null:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


def test_analyze_counts_the_rows_of_the_loading_transaction():
    analyze([User])
    before = reltuples("org_user")
    User.objects.bulk_create(User(email=f"bulk{i}@example.org") for i in range(50))

    analyze([User, User])  # each table once

    assert reltuples("org_user") == before + 50


@pytest.mark.slow
def test_the_demo_seed_leaves_statistics_of_what_it_wrote():
    analyze_everything()
    assert all(reltuples(table) == 0 for table in DEMO_TABLES)

    call_command("seed_demo", staff=40, stdout=_Null(), stderr=_Null())

    for table in DEMO_TABLES:
        assert reltuples(table) == row_count(table) > 0, table


def test_the_importer_leaves_statistics_of_what_it_wrote():
    CycleFactory(name="2026-27", start_year=2026)
    analyze_everything()
    assert reltuples("org_staffmember") == 0
    files = [
        (name, (SAMPLES / name).read_bytes()) for name in ("units.csv", "staff.csv", "lines.csv")
    ]

    result = import_org(files=files)

    assert result.ok and result.written
    assert reltuples("org_staffmember") == StaffMember.objects.count() > 0
    assert reltuples("org_reportingline") == row_count("org_reportingline") > 0


@pytest.mark.slow
def test_the_demo_seeds_and_serves_in_bounded_time_on_statistics_of_empty_tables():
    """No ANALYZE since the tables were empty: every statement of the seed, and of each demo
    login's home page (their tasks), is planned as if each table held one row, and each must
    still finish in moments. The rebuttal demo's search for rebuttable evaluations, and the
    additional supervisor's tasks (appraisals.selectors.evaluation_tasks), took seconds at 300
    staff so, and over eleven minutes in CI: nested loops over every row of each table."""
    statistics_of_empty_tables()
    # The prepared statements this connection keeps have generic plans made on the empty
    # tables (after five runs); the seed must not use them as its tables fill
    # (`pmsystem.db.unprepared`).
    for _ in range(8):
        session_user(-1)
        current_cycle()
    started = time.monotonic()
    with no_analyze(), statement_timeout(3):
        call_command("seed_demo", staff=300, stdout=_Null(), stderr=_Null())
        for email in DEMO_LOGINS.values():
            client = Client()
            client.force_login(User.objects.get(email=email))
            assert client.get(reverse("home")).status_code == 200, email
        # The department follow-up (issue 17) of the HOD and the HR focal point, every list of
        # every cycle, on the page and exported.
        for role in ("hod", "hr_focal_point"):
            client = Client()
            client.force_login(User.objects.get(email=DEMO_LOGINS[role]))
            for url, query in (
                (reverse("compliance:follow-up"), {"cycle": ""}),
                (reverse("compliance:follow-up-export", args=["xlsx"]), {"cycle": ""}),
            ):
                assert client.get(url, query).status_code == 200, (role, url)
        assert reltuples("workplans_workplan") == 0  # planned as empty throughout
    assert time.monotonic() - started < 120


def test_a_cancelled_statement_is_quoted_in_the_failure():
    with pytest.raises(OperationalError) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '50ms'")
            cursor.execute("SELECT pg_sleep(%s)", [5])
    notes = caught.value.__notes__
    assert any("SELECT pg_sleep(%s) with [5]" in note for note in notes)
    assert any(note.startswith("Its plan, from another connection:\nResult") for note in notes)


def test_a_statement_waiting_for_a_lock_is_quoted_with_its_plan():
    """A lock held by another session: the failure says "lock timeout", not a slow plan."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE org_cycle IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(OperationalError) as caught, transaction.atomic():
                with statement_timeout(3), connection.cursor() as waiting:
                    waiting.execute("SELECT count(*) FROM org_cycle WHERE id > %s", [0])
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert "lock timeout" in str(caught.value)
    notes = caught.value.__notes__
    assert any("FROM org_cycle WHERE id > %s with [0]" in note for note in notes)
    # Planning it elsewhere waits for the same lock: said, and not for long.
    assert any("not explained" in note and "lock timeout" in note for note in notes)


@pytest.mark.parametrize(
    ("env", "options"),
    [
        (
            {"DB_STATEMENT_TIMEOUT_MS": "60000"},
            "-c jit=off -c random_page_cost=1.1 -c statement_timeout=60000",
        ),
        ({}, "-c jit=off -c random_page_cost=1.1"),
        ({"DJANGO_ENV": "production"}, "-c jit=off -c random_page_cost=1.1"),
        ({"DB_RANDOM_PAGE_COST": "2"}, "-c jit=off -c random_page_cost=2.0"),
        ({"DB_RANDOM_PAGE_COST": ""}, "-c jit=off"),
    ],
)
@pytest.mark.subprocess
def test_the_statement_timeout_is_set_only_when_asked(env, options):
    """And JIT compilation is always off: it spent seconds compiling millisecond queries;
    the planner is told the data is in memory (random_page_cost 1.1) unless told otherwise."""
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options'))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DB_STATEMENT_TIMEOUT_MS", "DJANGO_ENV", "DB_RANDOM_PAGE_COST"}
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "pmsystem.settings",
        "DATABASE_URL": "postgres://pmsystem@127.0.0.1:5432/pmsystem",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "pmsystem.example.org",
        **env,
    }
    printed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == str(options)
