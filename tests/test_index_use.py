"""Issue 14: a single person's page finds its documents through indexes. Every SELECT that
the bench's single-person pages (a staff member's home, an FRO's home and team, a document,
an SRO's queue) send is explained on PostgreSQL with sequential scans priced out
(`enable_seqscan = off`): a plan that still scans a document table sequentially has no index
to use for it, whatever the table's size. (Planned with the statistics of a small demo, a
sequential scan is often the cheapest plan and says nothing; priced out, it is chosen only
where nothing else can answer.)"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.management.commands.bench import bench_hr_focal_point, bench_pages
from org.models import Cycle
from pmsystem.models import Signature
from tests.concurrency import only_on_postgresql
from tests.worlds import built_once

pytestmark = pytest.mark.django_db

SINGLE_PERSON_PAGES = ("home", "fro home", "my team", "document", "sro queue")
DOCUMENT_APPS = ("workplans", "appraisals", "rebuttals")


def document_tables() -> set[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in DOCUMENT_APPS
    }
    return tables | {Signature._meta.db_table}


@pytest.fixture(autouse=True)
def _postgresql_only():
    only_on_postgresql(
        "index-use tests", f"EXPLAIN is read as PostgreSQL's; this database is {connection.vendor}."
    )


class _Null:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker):
        if connection.vendor != "postgresql":
            yield {}
            return
        call_command("seed_demo", staff=60, stdout=_Null(), stderr=_Null())
        cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
        yield bench_pages(bench_hr_focal_point(), cycle)


def sequential_scans(sql: str, tables: set[str]) -> list[str]:
    """The document tables the statement's plan reads sequentially though scans are priced
    out: those it has no index for."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    found = []
    stack = [plan[0]["Plan"]] if isinstance(plan, list) else []
    while stack:
        node = stack.pop()
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in tables:
            found.append(node["Relation Name"])
        stack.extend(node.get("Plans", ()))
    return found


@pytest.mark.parametrize("name", SINGLE_PERSON_PAGES)
def test_a_single_persons_page_scans_no_document_table(pages, name):
    page = pages[name]
    assert page is not None, f"the demo has no {name} page"
    client = page.client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url)
    assert response.status_code == 200
    tables = document_tables()
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert selects
    scans = {sql: found for sql in selects if (found := sequential_scans(sql, tables))}
    assert not scans, "\n\n".join(f"{', '.join(t)}:\n{sql}" for sql, t in scans.items())


def test_the_check_finds_a_scan_no_index_serves(pages):
    """The detector itself: a condition no index serves is reported, an indexed one is not."""
    tables = document_tables()
    assert sequential_scans(
        "SELECT id FROM workplans_workplan WHERE lower(stage) = 'x'", tables
    ) == ["workplans_workplan"]
    assert sequential_scans("SELECT id FROM workplans_workplan WHERE id = 1", tables) == []
    assert sequential_scans("SELECT id FROM org_user WHERE lower(email) = 'x'", tables) == []


def test_the_first_page_of_the_people_list_reads_the_names_in_order(pages):
    """The people of every held entity, by name: the first page walks the name index (one
    page of names) instead of sorting every person of every entity. Sorting priced out, as
    scans above: a plan that still sorts the whole table has no index to read it in order."""
    from compliance import dashboard as reports

    scope = reports.resolve_scope(bench_hr_focal_point())
    sql, params = reports.people(scope)[: reports.PEOPLE_PER_PAGE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        try:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("SET LOCAL enable_sort = on")
    assert "user_name_order on org_user" in plan, plan
