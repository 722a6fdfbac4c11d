"""`manage.py bench` on a small organisation: one JSON object with every key."""

from __future__ import annotations

import datetime
import io
import json
import shutil

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from compliance import dashboard as reports
from compliance.models import Reminder
from demo.management.commands.bench import raw_aggregate_sql

from .helpers import build_small_org

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

KEYS = {
    "staff",
    "dashboard_ms",
    "raw_sql_ms",
    "ratio",
    "queries",
    "sweep_first_s",
    "sweep_first_sent",
    "sweep_second_s",
    "sweep_second_sent",
    "pages_ms",
    "http",
    "send_rate_per_s",
    "send_rate_one_process_per_s",
    "send_pipeline",
    "smtp_received",
    "verify_signatures_s",
    "signatures",
    "xlsx_s",
    "csv_s",
    "export_rows",
}
PAGES = {
    "sign-in",
    "home",
    "fro home",
    "my team",
    "document",
    "sro queue",
    "dashboard",
    "drill-down",
    "people",
    "people all",
}


def test_bench_prints_one_json_object_with_every_key():
    out = io.StringIO()
    call_command("bench", staff=60, repeats=1, stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    assert KEYS <= set(result)
    assert result["staff"] == 60  # --staff counts every staff member of the demo
    assert result["dashboard_ms"] > 0 and result["raw_sql_ms"] > 0
    assert result["ratio"] == pytest.approx(result["dashboard_ms"] / result["raw_sql_ms"], rel=0.1)
    assert PAGES <= set(result["queries"]) and PAGES <= set(result["pages_ms"])
    for page in PAGES:
        assert result["pages_ms"][page] > 0 and result["queries"][page] > 0
    for page in ("dashboard", "drill-down"):
        assert result["queries"][page] <= 15
    assert result["http"] is None  # without --http
    # Every staff member of every held entity, as CSV and as XLSX.
    assert result["export_rows"] >= 60 and result["csv_s"] > 0 and result["xlsx_s"] > 0
    assert result["signatures"] > 0 and result["verify_signatures_s"] > 0
    # Inside the test's transaction the sweep's emails (sent on commit) never leave.
    assert result["sweep_second_sent"] == 0
    assert result["smtp_received"] == 0
    # The bench leaves the reminders as it found them.
    assert not Reminder.objects.exists()


@pytest.mark.subprocess
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk: scripts/system-deps.sh bench")
def test_bench_http_loads_every_page_through_gunicorn_and_sends_to_the_smtp_sink():
    """--http: gunicorn against the test database, wrk on each page with a signed-in session,
    no error; committed data, so the sweep's emails reach the local SMTP sink exactly once."""
    out = io.StringIO()
    call_command(
        "bench",
        staff=60,
        repeats=1,
        http=True,
        # wrk's shortest run, a second per page, without the warm-up: the answers are
        # checked here, not the speed (the warm-up kept both cores busy another 10 s).
        http_seconds=1,
        http_warm_up_seconds=0,
        http_connections=2,
        stdout=out,
        stderr=io.StringIO(),
    )
    result = json.loads(out.getvalue())
    assert set(result["http"]) == PAGES
    for page, figures in result["http"].items():
        # Every answer was the page (a timeout on a machine busy with other work is not the
        # bench's failure: it counts in `errors`, with the non-200 answers).
        assert figures["non_200"] == 0, page
        if figures["requests"]:
            assert figures["rps"] > 0 and 0 < figures["p50_ms"] <= figures["p99_ms"], page
    # Even on a busy machine, pages were served (a slow page may finish none in 2 s).
    assert sum(f["requests"] for f in result["http"].values()) >= len(PAGES)
    assert result["sweep_first_sent"] > 0
    # Each row once: a second sweep sends nothing; a digest carries several rows in one email.
    assert 0 < result["smtp_received"] <= result["sweep_first_sent"]
    assert result["sweep_second_sent"] == 0
    assert result["send_rate_per_s"] > 0
    # With a broker, through the production worker command; the same sweep in one process too.
    if settings.REDIS_URL:
        assert result["send_pipeline"].startswith("Celery worker, prefork"), result
    assert result["send_rate_one_process_per_s"] > 0
    assert not Reminder.objects.exists()


def test_the_raw_sql_aggregate_counts_what_the_dashboard_counts():
    """The bench compares like with like: its hand-written SQL gives the dashboard's rows."""
    org = build_small_org()
    today = datetime.date(2027, 7, 10)
    scope = reports.resolve_scope(org.hr, cycle_id=org.cycle.pk, today=today)
    orm = {
        (row.pop("unit__entity_id"), row.pop("category"), row.pop("gender")): row
        for row in reports.population(scope)
        .values("unit__entity_id", "category", "gender")
        .annotate(**reports.counters(org.cycle, today))
        .order_by()
    }
    sql, params = raw_aggregate_sql(org.cycle, today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = {tuple(row[:3]): list(row[3:]) for row in cursor.fetchall()}
    names = list(reports.counters(org.cycle, today))
    held = {
        key: dict(zip(names, values, strict=True))
        for key, values in raw.items()
        if key[0] == org.entity.pk
    }
    assert held == orm
    assert sum(row["total"] for row in orm.values()) == 8
