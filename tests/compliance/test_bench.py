"""`manage.py bench` on a small organisation: one JSON object with every key."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from compliance import dashboard as reports
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
}
PAGES = {"home", "my team", "document", "dashboard", "drill-down"}


def test_bench_prints_one_json_object_with_every_key():
    out = io.StringIO()
    call_command("bench", staff=60, repeats=1, stdout=out, stderr=io.StringIO())
    result = json.loads(out.getvalue())
    assert KEYS <= set(result)
    assert result["staff"] >= 60
    assert result["dashboard_ms"] > 0 and result["raw_sql_ms"] > 0
    assert result["ratio"] == pytest.approx(result["dashboard_ms"] / result["raw_sql_ms"], rel=0.1)
    assert PAGES <= set(result["queries"])
    for page in ("dashboard", "drill-down"):
        assert 0 < result["queries"][page] <= 15
    # Inside the test's transaction the sweep's emails (sent on commit) never leave.
    assert result["sweep_second_sent"] == 0


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
