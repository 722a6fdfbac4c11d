"""The compliance summary: the dashboard's figures kept up to date as documents move, read
back in a few milliseconds (issue 14).

**What it holds.** `StageLedger` has one row per staff member counted in a cycle (the
dashboard's population, `compliance.dashboard.population`): the key they are counted under
(unit, category and gender now, and their due dates: the cycle's, later for staff who joined
late or were given an extension) and their 0/1 contribution to each counter
(`compliance.dashboard.counters`: per stage done, in progress, done on time). `StageSummary`
holds those contributions summed per key, `RatingSummary` the completed evaluations per final
rating, unit and category. The due dates are buckets of the key, so "overdue" is still decided
by today's date when the figures are read. `FroLedger` has one row per reporting line of an
active staff member (entity, FRO, dates) and `FroSummary` those lines counted per cycle,
entity, FRO and dates: the ratings standards' "FROs of the entity today" are the FROs with a
row in effect on the day (`froes_in_effect`), read against the day as the lines are.

**How it stays equal to the base tables.** PostgreSQL triggers (statement-level, with
transition tables) on the work plan, mid-point review, evaluation, staff member, unit, cycle,
deadline extension and bulk change tables call `compliance_summary_refresh(staff ids, cycle
ids)` (the staff member, unit and reporting line tables `compliance_fro_refresh` too, or
instead: `TRIGGERS`) in the same transaction as the change, whichever route made it
(services, admin, importer, bulk COPY, raw SQL): for each (staff member, cycle) touched it
locks the staff member's row (two refreshes of one person wait for each other), takes the
person's old contribution out of the ledger and the sums, and puts the new one in, read from
the base tables. Only columns the figures depend on start a refresh. The SQL is built here
from the dashboard's own rules (`RULES`) and installed by migration; `manage.py
check_compliance_summary` compares the summary with the aggregate over the base tables and
`--fix` rebuilds it.

Elsewhere than PostgreSQL (the SQLite of `make run`) there are no triggers: the dashboard
reads the base tables as before (`available()` is false).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from appraisals.models import Appraisal
from org.models import Cycle, OrgUnit, ReportingLine
from org.relations import today as access_today
from pmsystem.db import InValues, PreparedQuery
from standards.models import Acknowledgement

from . import dashboard as reports
from .models import (
    OPEN_END,
    SUMMARY_COUNTERS,
    EntitySummary,
    FroSummary,
    RatingSummary,
    StageSummary,
)

DUES = ("workplan_due", "midpoint_due", "end_of_cycle_due")
KEY = ("cycle_id", "unit_id", "category", "gender", *DUES)
ENTITY_KEY = ("cycle_id", "entity_id", "category", "gender", *DUES)
# The due-date bucket each stage's "overdue" is read from.
STAGE_DUE = {
    reports.WORKPLAN: "workplan_due",
    reports.MIDPOINT: "midpoint_due",
    reports.EVALUATION: "end_of_cycle_due",
    reports.ACKNOWLEDGEMENT: "end_of_cycle_due",
}
COUNTERS = ("total", *SUMMARY_COUNTERS)


def available() -> bool:
    """Whether the summary is maintained here (PostgreSQL, where the triggers live)."""
    return connection.vendor == "postgresql"


# --- the SQL: built from the dashboard's rules, installed by migration ------------------------


def _states(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _contribution_sql() -> dict[str, str]:
    """Each counter of one person as a 0/1 SQL expression over `sm` (the staff member), `cy`
    (the cycle), `w`, `m`, `a` (their document, mid-point review and evaluation, LEFT-joined)
    and `d` (their due dates): the dashboard's conditions (`done_q`, `in_progress_q`,
    `on_time_q`), in SQL."""
    rules = reports.RULES
    columns = {
        reports.WORKPLAN: ("w.state", "w.approved_at"),
        reports.MIDPOINT: ("m.state", "m.finalised_at"),
        reports.EVALUATION: ("a.state", "a.sro_signed_at"),
        reports.ACKNOWLEDGEMENT: ("a.state", "a.acknowledged_at"),
    }
    out = {"total": "1"}
    for stage, (state, done_at) in columns.items():
        rule = rules[stage]
        done = f"{state} IN ({_states(rule.done_states)})"
        # Done on or before the person's due date, a date in the site's time zone.
        on_time = (
            f"({done_at} AT TIME ZONE compliance_summary_time_zone())::date <= d.{STAGE_DUE[stage]}"
        )
        out[f"{stage}_done"] = done
        out[f"{stage}_in_progress"] = f"{state} IN ({_states(rule.in_progress_states)})"
        out[f"{stage}_on_time"] = f"{done} AND {on_time}"
    return {
        name: (condition if name == "total" else f"CASE WHEN {condition} THEN 1 ELSE 0 END")
        for name, condition in out.items()
    }


def _extended_sql(deadline: str) -> str:
    """The latest due date of the extensions of `deadline` in effect for `sm` in `cy`
    (`org.deadlines`), NULL without one: GREATEST ignores it."""
    return (
        "(SELECT max(e.due) FROM org_deadlineextension e "  # noqa: S608 - a quoted deadline name
        "JOIN org_bulkchange b ON b.id = e.change_id "
        "WHERE e.cycle_id = cy.id AND e.staff_id = sm.user_id "
        f"AND e.deadline IN ({_states([deadline])}) AND b.undone_at IS NULL)"
    )


def _dues_sql() -> str:
    """The person's due dates (`dashboard.due_expression`), as the columns of `d`."""
    deadline = reports.STAGE_DEADLINES
    return (
        f"GREATEST({_workplan_due_sql()}, {_extended_sql(deadline[reports.WORKPLAN])})"
        " AS workplan_due, "
        f"GREATEST(cy.midpoint_due, {_extended_sql(deadline[reports.MIDPOINT])})"
        " AS midpoint_due, "
        f"GREATEST(cy.end_of_cycle_due, {_extended_sql(deadline[reports.EVALUATION])})"
        " AS end_of_cycle_due"
    )


def _workplan_due_sql() -> str:
    """`Cycle.workplan_due_for` (and `dashboard.workplan_due_expression`) in SQL."""
    eod = "sm.entry_on_duty"
    months_after = (
        f"(date_trunc('month', {eod}::timestamp)"
        " + make_interval(months => cy.new_staff_workplan_months)"
        f" + make_interval(days => least(extract(day from {eod})::int, 28) - 1))::date"
    )
    return (
        f"CASE WHEN {eod} > cy.start THEN GREATEST(cy.workplan_due, {months_after}) "
        "ELSE cy.workplan_due END"
    )


def _upsert_sums(source: str, sign: str, table: str, columns: tuple[str, ...]) -> str:
    """INSERT ... ON CONFLICT adding `sign` × the sums of `source` rows per key, in key order
    (two transactions touching the same keys lock them in the same order)."""
    key = ", ".join(columns)
    sums = ", ".join(f"{sign}sum({c})" for c in COUNTERS)
    updates = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COUNTERS)
    return (
        f"INSERT INTO {table} AS t ({key}, {', '.join(COUNTERS)}) "  # noqa: S608
        f"SELECT {key}, {sums} FROM {source} GROUP BY {key} ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )  # names from this module only, no value


def _upsert_ratings(source: str, sign: str) -> str:
    return (
        "INSERT INTO compliance_ratingsummary AS r (level_id, entity_id, category, n) "  # noqa: S608
        f"SELECT final_rating_id, entity_id, category, {sign}count(*) FROM {source} "
        "WHERE final_rating_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 "
        "ON CONFLICT (level_id, entity_id, category) DO UPDATE SET n = r.n + EXCLUDED.n"
    )  # names from this module only, no value


def refresh_function_sql() -> str:
    contribution = _contribution_sql()
    ledger_columns = [
        "staff_id",
        *KEY,
        "entity_id",
        "final_rating_id",
        *COUNTERS,
    ]
    completed = _states(reports.RULES[reports.ACKNOWLEDGEMENT].done_states)
    values = [
        "sm.user_id",
        "cy.id",
        "sm.unit_id",
        "sm.category",
        "sm.gender",
        *(f"d.{due}" for due in DUES),
        "u.entity_id",
        f"CASE WHEN a.state IN ({completed}) THEN a.final_rating_id END",
        *(contribution[c] for c in COUNTERS),
    ]
    pairs = "(SELECT DISTINCT s, c FROM unnest(p_staff, p_cycle) AS p(s, c))"
    return f"""
CREATE OR REPLACE FUNCTION compliance_summary_refresh(p_staff bigint[], p_cycle bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF p_staff IS NULL OR cardinality(p_staff) = 0 THEN
    RETURN;
  END IF;
  -- One refresh of a person at a time: a second waits here, then reads what the first wrote.
  PERFORM 1 FROM org_staffmember WHERE user_id = ANY(p_staff)
    ORDER BY user_id FOR NO KEY UPDATE;
  -- Out: the old contributions, from the ledger.
  WITH old AS (
    DELETE FROM compliance_stageledger l USING {pairs} p
    WHERE l.staff_id = p.s AND l.cycle_id = p.c
    RETURNING l.*
  ), units AS ({_upsert_sums("old", "-", "compliance_stagesummary", KEY)}
  ), entities AS ({_upsert_sums("old", "-", "compliance_entitysummary", ENTITY_KEY)})
  {_upsert_ratings("old", "-")};
  -- In: the new ones, from the base tables (the dashboard's population and conditions).
  WITH new AS (
    INSERT INTO compliance_stageledger ({", ".join(ledger_columns)})
    SELECT {", ".join(values)}
    FROM {pairs} p
    JOIN org_staffmember sm ON sm.user_id = p.s
    JOIN org_cycle cy ON cy.id = p.c
    JOIN org_orgunit u ON u.id = sm.unit_id
    CROSS JOIN LATERAL (SELECT {_dues_sql()}) d
    LEFT JOIN workplans_workplan w ON w.staff_id = p.s AND w.cycle_id = p.c
    LEFT JOIN workplans_midpointreview m ON m.work_plan_id = w.id
    LEFT JOIN appraisals_appraisal a ON a.document_id = w.id
    WHERE (sm.is_active AND sm.entry_on_duty <= cy."end") OR w.id IS NOT NULL
    RETURNING *
  ), units AS ({_upsert_sums("new", "", "compliance_stagesummary", KEY)}
  ), entities AS ({_upsert_sums("new", "", "compliance_entitysummary", ENTITY_KEY)})
  {_upsert_ratings("new", "")};
END
$fn$;
"""  # noqa: S608 - SQL from this module's constants and the dashboard's state names


FRO_KEY = ("cycle_id", "entity_id", "fro_id", "effective_from", "effective_to")


def _upsert_froes(source: str, sign: str) -> str:
    key = ", ".join(FRO_KEY)
    return (
        f"INSERT INTO compliance_frosummary AS t ({key}, lines) "  # noqa: S608
        f"SELECT {key}, {sign}count(*) FROM {source} GROUP BY {key} ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET lines = t.lines + EXCLUDED.lines"
    )  # names from this module only, no value


def fro_refresh_function_sql() -> str:
    """`compliance_fro_refresh(staff ids, cycle ids)`: the people's reporting lines out of
    FroLedger and FroSummary, and back in as the base tables now have them (active staff of
    a unit with an entity: the lines `standards_status` counts)."""
    pairs = "(SELECT DISTINCT s, c FROM unnest(p_staff, p_cycle) AS p(s, c))"
    return f"""
CREATE OR REPLACE FUNCTION compliance_fro_refresh(p_staff bigint[], p_cycle bigint[])
RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  IF p_staff IS NULL OR cardinality(p_staff) = 0 THEN
    RETURN;
  END IF;
  PERFORM 1 FROM org_staffmember WHERE user_id = ANY(p_staff)
    ORDER BY user_id FOR NO KEY UPDATE;
  WITH old AS (
    DELETE FROM compliance_froledger l USING {pairs} p
    WHERE l.staff_id = p.s AND l.cycle_id = p.c
    RETURNING l.*
  )
  {_upsert_froes("old", "-")};
  WITH new AS (
    INSERT INTO compliance_froledger (staff_id, {", ".join(FRO_KEY)})
    SELECT rl.staff_id, rl.cycle_id, u.entity_id, rl.fro_id, rl.effective_from,
      COALESCE(rl.effective_to, DATE '{OPEN_END.isoformat()}')
    FROM {pairs} p
    JOIN org_reportingline rl ON rl.staff_id = p.s AND rl.cycle_id = p.c
    JOIN org_staffmember sm ON sm.user_id = rl.staff_id
    JOIN org_orgunit u ON u.id = sm.unit_id
    WHERE sm.is_active AND u.entity_id IS NOT NULL
    RETURNING *
  )
  {_upsert_froes("new", "")};
END
$fn$;
"""  # noqa: S608 - SQL from this module's constants


# Per table: the trigger function's body for each event. `pairs` selects (staff, cycle) rows.
def _pairs_from(select: str) -> str:
    return (
        "SELECT array_agg(x.s), array_agg(x.c) INTO staff_ids, cycle_ids FROM ("  # noqa: S608
        + select
        + ") x(s, c);"
    )  # SQL from this module's constants


def _changed(columns: tuple[str, ...]) -> str:
    old = ", ".join(f"o.{c}" for c in columns)
    new = ", ".join(f"n.{c}" for c in columns)
    return f"ROW({old}) IS DISTINCT FROM ROW({new})"


STAGES = "compliance_summary_refresh"
FROES = "compliance_fro_refresh"

# Per table: the columns whose change starts a refresh, the (staff, cycle) pairs it touches
# and the refreshes it runs (`functions`: the stages' by default).
TRIGGERS: dict[str, dict[str, str]] = {
    # The document: its state and approval time, and whose and which cycle's it is.
    "workplans_workplan": {
        "key": "id",
        "columns": "state, approved_at, staff_id, cycle_id",
        "rows": "SELECT {t}.staff_id, {t}.cycle_id FROM {rows} {t}",
    },
    "workplans_midpointreview": {
        "key": "id",
        "columns": "state, finalised_at, work_plan_id",
        "rows": (
            "SELECT w.staff_id, w.cycle_id FROM {rows} {t} "
            "JOIN workplans_workplan w ON w.id = {t}.work_plan_id"
        ),
    },
    "appraisals_appraisal": {
        "key": "document_id",
        "columns": "state, sro_signed_at, acknowledged_at, final_rating_id, document_id",
        "rows": (
            "SELECT w.staff_id, w.cycle_id FROM {rows} {t} "
            "JOIN workplans_workplan w ON w.id = {t}.document_id"
        ),
    },
    # The staff member: what they are counted under, and whether they are counted, in every
    # cycle.
    "org_staffmember": {
        "key": "user_id",
        "columns": "unit_id, category, gender, is_active, entry_on_duty",
        "rows": "SELECT {t}.user_id, cy.id FROM {rows} {t} CROSS JOIN org_cycle cy",
        "functions": f"{STAGES}, {FROES}",
    },
    # A unit moved to another entity: its staff are counted under the new one.
    "org_orgunit": {
        "key": "id",
        "columns": "entity_id",
        "rows": (
            "SELECT sm.user_id, cy.id FROM {rows} {t} "
            "JOIN org_staffmember sm ON sm.unit_id = {t}.id CROSS JOIN org_cycle cy"
        ),
        "functions": f"{STAGES}, {FROES}",
    },
    # A reporting line: whose FRO the staff member is, and when (the ratings standards' FROs).
    "org_reportingline": {
        "key": "id",
        "columns": "staff_id, cycle_id, fro_id, effective_from, effective_to",
        "rows": "SELECT {t}.staff_id, {t}.cycle_id FROM {rows} {t}",
        "functions": FROES,
    },
    # An extension HR gave (or its removal): the person's due date of that deadline.
    "org_deadlineextension": {
        "key": "id",
        "columns": "staff_id, cycle_id, deadline, due, change_id",
        "rows": "SELECT {t}.staff_id, {t}.cycle_id FROM {rows} {t}",
    },
    # A bulk change undone (or done again): its extensions stop (or start) counting.
    "org_bulkchange": {
        "key": "id",
        "columns": "undone_at",
        "rows": (
            "SELECT e.staff_id, e.cycle_id FROM {rows} {t} "
            "JOIN org_deadlineextension e ON e.change_id = {t}.id"
        ),
    },
    # The cycle: its dates decide the population, the due dates and "on time" for everyone.
    # A deleted cycle: every ledger row of it (nothing is put back: the cycle is gone).
    "org_cycle": {
        "key": "id",
        "columns": (
            'start, "end", workplan_due, new_staff_workplan_months, midpoint_due, end_of_cycle_due'
        ),
        "rows": "SELECT sm.user_id, {t}.id FROM {rows} {t} CROSS JOIN org_staffmember sm",
        "deleted_rows": (
            "SELECT l.staff_id, l.cycle_id FROM {rows} {t} "
            "JOIN compliance_stageledger l ON l.cycle_id = {t}.id"
        ),
        "after_delete": (
            "DELETE FROM compliance_stagesummary WHERE cycle_id IN (SELECT id FROM old_rows); "
            "DELETE FROM compliance_entitysummary WHERE cycle_id IN (SELECT id FROM old_rows); "
            "DELETE FROM compliance_froledger WHERE cycle_id IN (SELECT id FROM old_rows); "
            "DELETE FROM compliance_frosummary WHERE cycle_id IN (SELECT id FROM old_rows);"
        ),
    },
}


def trigger_sql(table: str) -> str:
    spec = TRIGGERS[table]
    columns = tuple(c.strip() for c in spec["columns"].split(","))
    key = spec["key"]
    rows = spec["rows"]
    deleted = spec.get("deleted_rows", rows)
    changed = _changed(columns)
    update = (
        rows.format(rows="old_rows", t="o")
        + f" JOIN new_rows n ON n.{key} = o.{key} WHERE {changed}"
        + " UNION "
        + rows.format(rows="new_rows", t="n")
        + f" JOIN old_rows o ON o.{key} = n.{key} WHERE {changed}"
    )
    name = f"compliance_summary_on_{table}"
    functions = [f.strip() for f in spec.get("functions", STAGES).split(",")]
    calls = " ".join(f"PERFORM {function}(staff_ids, cycle_ids);" for function in functions)
    statements = [
        f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  staff_ids bigint[];
  cycle_ids bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_pairs_from(rows.format(rows="new_rows", t="n"))}
  ELSIF TG_OP = 'DELETE' THEN
    {_pairs_from(deleted.format(rows="old_rows", t="o"))}
  ELSE
    {_pairs_from(update)}
  END IF;
  {calls}
  IF TG_OP = 'DELETE' THEN
    {spec.get("after_delete", "NULL;")}
  END IF;
  RETURN NULL;
END
$fn$;
"""
    ]
    for event, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        trigger = f"{name}_{event.lower()}"
        statements.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
        statements.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
        )
    return "\n".join(statements)


def time_zone_sql(name: str | None = None) -> str:
    """The site's time zone (dates of timestamps are local dates), as the functions read it."""
    zone = (name or settings.TIME_ZONE).replace("'", "''")
    return (
        "CREATE OR REPLACE FUNCTION compliance_summary_time_zone() RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT '{zone}'::text $$;"
    )


def install_sql() -> list[str]:
    return [
        time_zone_sql(),
        refresh_function_sql(),
        fro_refresh_function_sql(),
        *(trigger_sql(t) for t in TRIGGERS),
    ]


def uninstall_sql() -> list[str]:
    statements = []
    for table in TRIGGERS:
        name = f"compliance_summary_on_{table}"
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS {name}_{event} ON {table};")
        statements.append(f"DROP FUNCTION IF EXISTS {name}();")
    statements.append("DROP FUNCTION IF EXISTS compliance_summary_refresh(bigint[], bigint[]);")
    statements.append("DROP FUNCTION IF EXISTS compliance_fro_refresh(bigint[], bigint[]);")
    statements.append("DROP FUNCTION IF EXISTS compliance_summary_time_zone();")
    return statements


def install() -> None:
    """(Re)create the functions and triggers (migration, `check_compliance_summary --fix`)."""
    if not available():
        return
    with connection.cursor() as cursor:
        for statement in install_sql():
            cursor.execute(statement)


# Every summary table emptied; every staff member's contribution in every cycle recomputed.
EMPTY_SQL = (
    "TRUNCATE compliance_stageledger, compliance_stagesummary, "
    "compliance_entitysummary, compliance_ratingsummary, "
    "compliance_froledger, compliance_frosummary"
)
REFRESH_ALL_SQL = (
    "SELECT compliance_summary_refresh(array_agg(sm.user_id), array_agg(cy.id)), "
    "compliance_fro_refresh(array_agg(sm.user_id), array_agg(cy.id)) "
    "FROM org_staffmember sm CROSS JOIN org_cycle cy"
)


def rebuild() -> None:
    """Empty the summary and recompute it for every staff member and cycle: one refresh."""
    if not available():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(EMPTY_SQL)
        cursor.execute(REFRESH_ALL_SQL)


# --- reading it ------------------------------------------------------------------------------


# The scope's kind: every held entity ("entities", their rows of EntitySummary), one entity
# ("entity", its units' rows of StageSummary) or a unit's subtree ("units"); the column that
# picks its rows.
_KIND_FILTER = {"entities": "entity_id", "entity": "unit__entity_id", "units": "unit_id"}


def _kind(scope: reports.Scope) -> tuple[str, list[int]]:
    """The scope's kind of summary rows and the ids that pick them."""
    if scope.node is None:
        return "entities", [e.id for e in scope.entities]
    if scope.node.kind == OrgUnit.Kind.ENTITY:
        return "entity", [scope.node.id]
    return "units", sorted(scope.tree.subtree_ids(scope.node.id))


def _kind_rows(kind: str, ids: list[int], cycle_id: int) -> QuerySet:
    model = EntitySummary if kind == "entities" else StageSummary
    return model.objects.filter(InValues(_KIND_FILTER[kind], ids), cycle_id=cycle_id)


def _rows(scope: reports.Scope, **filters):
    """The summary rows of the scope: per entity over every held entity (a few hundred rows),
    per unit below (the drilled unit's subtree)."""
    rows = _kind_rows(*_kind(scope), scope.cycle.pk).filter(**filters)
    if scope.category:
        rows = rows.filter(category=scope.category)
    return rows


def _overdue_sums(cycle: Cycle, today: datetime.date) -> dict[str, Coalesce]:
    """Per stage, the people not done whose due date (their bucket) is before `today`."""
    return _overdue_sums_of(reports.stages_of(cycle), today)


def _overdue_sums_of(stages: Iterable[str], today: datetime.date) -> dict[str, Coalesce]:
    return {
        f"sum_{stage}_overdue": Coalesce(
            Sum(
                F("total") - F(f"{stage}_done"),
                filter=Q(**{f"{STAGE_DUE[stage]}__lt": today}),
            ),
            0,
        )
        for stage in stages
    }


def _sum_names(stages: Iterable[str]) -> list[str]:
    """The grouped counts' columns, in their order: the staff, then per stage the done, in
    progress and on time, then per stage the overdue."""
    stages = list(stages)
    names = ["total"]
    for stage in stages:
        names += [f"{stage}_{figure}" for figure in ("done", "in_progress", "on_time")]
    return names + [f"{stage}_overdue" for stage in stages]


def _sums(stages: Iterable[str], today: datetime.date) -> dict[str, Sum | Coalesce]:
    """The grouped counts' sums (`_sum_names`), aliased (a sum may not share its column's
    name)."""
    stages = list(stages)
    overdue = _overdue_sums_of(stages, today)
    return {
        alias: overdue[alias] if alias in overdue else Sum(name)
        for name in _sum_names(stages)
        for alias in [f"sum_{name}"]
    }


_CATEGORY = "category-placeholder-2000000219"


def _grouped_query(kind: str, stages: tuple[str, ...], by_category: bool) -> PreparedQuery:
    """`grouped_counts`' statement for a kind of scope, the cycle's stages and whether a
    category is chosen: compiled once per process and prepared, where compiling its sums
    was a third of the figures' time on every dashboard (issue 14)."""
    key = (kind, stages, by_category)
    query = _GROUPED.get(key)
    if query is not None:
        return query
    column = "entity_id" if kind == "entities" else "unit_id"

    def build(*, cycle_id: int, today: datetime.date, ids: list[int], **category: str):
        sums = _sums(stages, today)
        return (
            _kind_rows(kind, ids, cycle_id)
            .filter(total__gt=0, **category)
            .values(column, "category", "gender")
            .annotate(**sums)
            .order_by()
            .values_list(column, "category", "gender", *sums)
        )

    placeholders: dict[str, Any] = {
        "cycle_id": -2_000_000_211,
        "today": datetime.date(1901, 4, 5),
        "ids": [-2_000_000_213],
    }
    if by_category:
        placeholders["category"] = _CATEGORY
    query = _GROUPED[key] = PreparedQuery(build, **placeholders)
    return query


_GROUPED: dict[tuple[str, tuple[str, ...], bool], PreparedQuery] = {}


def grouped_sums(scope: reports.Scope) -> tuple[list[str], list[tuple]]:
    """The counts' names (`_sum_names`) and the rows (group, category, gender, *counts) of
    `grouped_counts`, as tuples: what the dashboard adds up, column by column."""
    cycle = scope.cycle
    kind, ids = _kind(scope)
    stages = tuple(reports.stages_of(cycle))
    values: dict[str, Any] = {"cycle_id": cycle.pk, "today": scope.today, "ids": ids}
    if scope.category:
        values["category"] = scope.category
    query = _grouped_query(kind, stages, bool(scope.category))
    return _sum_names(stages), query.rows(**values)


def grouped_counts(scope: reports.Scope, group: str) -> list[dict]:
    """The rows `population(scope).values(group, "category", "gender").annotate(
    **counters(...))` gives (`group`: "unit__entity_id" over every held entity, else
    "unit_id"), read from the summary: one query over at most a few thousand rows, compiled
    once per kind of scope (`_grouped_query`)."""
    if (group == "unit__entity_id") != (scope.node is None):
        raise ValueError(f"No summary rows by {group} for this scope.")
    names, rows = grouped_sums(scope)
    return [
        {group: key, "category": category, "gender": gender, **dict(zip(names, sums, strict=True))}
        for key, category, gender, *sums in rows
    ]


def _total_query(kind: str, by_category: bool) -> PreparedQuery:
    """The staff of a kind of scope (`status_count` without a status): compiled once per
    process and prepared, as every people list asks it."""
    key = (kind, by_category)
    query = _TOTALS.get(key)
    if query is None:
        placeholders: dict[str, Any] = {"cycle_id": -2_000_000_239, "ids": [-2_000_000_241]}
        if by_category:
            placeholders["category"] = _CATEGORY
        query = _TOTALS[key] = PreparedQuery(
            lambda *, cycle_id, ids, **category: (
                _kind_rows(kind, ids, cycle_id)
                .filter(**category)
                .order_by()
                .values("cycle_id")
                .annotate(n=Sum("total"))
                .values_list("n")
            ),
            **placeholders,
        )
    return query


_TOTALS: dict[tuple[str, bool], PreparedQuery] = {}


def status_count(scope: reports.Scope, stage: str = "", status: str = "") -> int:
    """How many people `people(scope, stage=..., status=...)` lists, from the summary."""
    today = scope.today
    if not (stage and status):
        kind, ids = _kind(scope)
        values: dict[str, Any] = {"cycle_id": scope.cycle.pk, "ids": ids}
        if scope.category:
            values["category"] = scope.category
        return sum(n for (n,) in _total_query(kind, bool(scope.category)).rows(**values))
    rows = _rows(scope)
    done, in_progress, on_time = (F(f"{stage}_{f}") for f in ("done", "in_progress", "on_time"))
    if status == "overdue":
        rows = rows.filter(**{f"{STAGE_DUE[stage]}__lt": today})
        expression = F("total") - done
    else:
        expression = {
            "not_started": F("total") - done - in_progress,
            "in_progress": in_progress,
            "done": done,
            "on_time": on_time,
            "late": done - on_time,
        }[status]
    return int(rows.aggregate(n=Coalesce(Sum(expression), 0))["n"])


def rating_counts(scope: reports.Scope, level_ids: list[int]) -> list[tuple[int, int, int]]:
    """(entity id, level id, completed evaluations) of these levels, every entity (the
    ratings distribution compares with the whole organisation), of the scope's category."""
    query = _RATINGS_OF_CATEGORY if scope.category else _RATINGS
    values: dict[str, Any] = {"ids": level_ids}
    if scope.category:
        values["category"] = scope.category
    return [(entity_id, level_id, int(n)) for entity_id, level_id, n in query.rows(**values)]


def _rating_counts(*, ids: list[int], **category: str) -> QuerySet[Any]:
    return (
        RatingSummary.objects.filter(InValues("level_id", ids), n__gt=0, **category)
        .values("entity_id", "level_id")
        .annotate(completed=Sum("n"))
        .values_list("entity_id", "level_id", "completed")
        .order_by()
    )


# On every dashboard: compiled once per process and prepared (issue 14).
_RATINGS = PreparedQuery(_rating_counts, ids=[-2_000_000_221])
_RATINGS_OF_CATEGORY = PreparedQuery(_rating_counts, ids=[-2_000_000_223], category=_CATEGORY)


def _froes_on(cycle_id: int, day: datetime.date) -> QuerySet[FroSummary]:
    return FroSummary.objects.filter(
        cycle_id=cycle_id, lines__gt=0, effective_from__lte=day, effective_to__gte=day
    )


# The dashboard's ratings standards counts (`standards_counts`): compiled once per process and
# prepared, where building them per request was most of the standards' part of the page.
_FRO_COUNTS = PreparedQuery(
    lambda *, cycle_id, day, ids: (
        _froes_on(cycle_id, day)
        .filter(InValues("entity_id", ids))
        .order_by()
        .values("entity_id")
        .annotate(n=Count("fro_id", distinct=True))
        .values_list("entity_id", "n")
    ),
    cycle_id=-2_000_000_201,
    day=datetime.date(1901, 4, 2),
    ids=[-2_000_000_203],
)
_ACKNOWLEDGED = PreparedQuery(
    lambda *, cycle_id, day, ids: (
        Acknowledgement.objects.filter(InValues("standard_id", ids))
        .filter(
            Exists(
                _froes_on(cycle_id, day).filter(
                    fro_id=OuterRef("user_id"), entity_id=OuterRef("standard__entity_id")
                )
            )
        )
        .order_by()
        .values("standard__entity_id")
        .annotate(n=Count("user_id"))
        .values_list("standard__entity_id", "n")
    ),
    cycle_id=-2_000_000_207,
    day=datetime.date(1901, 4, 3),
    ids=[-2_000_000_209],
)


def standards_counts(
    cycle: Cycle, on: datetime.date | None = None
) -> Callable[[list[int], list[int]], tuple[dict[int, int], dict[int, int]]] | None:
    """For `standards.selectors.standards_status` (`counts=`): per entity, its FROs on `on`
    (as `froes_in_effect` keeps them) and how many of them acknowledged the version in force
    (standard ids), two prepared statements. None where the summary is not maintained."""
    if not available():
        return None
    day = max(on or access_today(), cycle.start)

    def counts(entity_ids: list[int], standard_ids: list[int]) -> tuple[dict, dict]:
        froes = dict(_FRO_COUNTS.rows(cycle_id=cycle.pk, day=day, ids=entity_ids))
        acknowledged = (
            dict(_ACKNOWLEDGED.rows(cycle_id=cycle.pk, day=day, ids=standard_ids))
            if standard_ids
            else {}
        )
        return froes, acknowledged

    return counts


def froes_in_effect(cycle: Cycle, on: datetime.date | None = None) -> QuerySet[FroSummary] | None:
    """The FROs of each entity's active staff on `on` (today by default; before the cycle
    starts, on its first day, as `org.relations.lines_in_effect` reads lines): one row per
    FRO, entity and dates, with the entity as `entity_key`. `standards_status` counts them
    (the compliance dashboard), a few thousand rows where the lines are tens of thousands.
    None where the summary is not maintained (SQLite): the lines are read instead."""
    if not available():
        return None
    day = max(on or access_today(), cycle.start)
    return _froes_on(cycle.pk, day).annotate(entity_key=F("entity_id"))


# --- checking it against the base tables ------------------------------------------------------


@dataclass
class Difference:
    where: str
    key: tuple
    summary: dict[str, int]
    base: dict[str, int]

    def __str__(self) -> str:
        changed = {
            name: (self.summary.get(name, 0), self.base.get(name, 0))
            for name in sorted(set(self.summary) | set(self.base))
            if self.summary.get(name, 0) != self.base.get(name, 0)
        }
        parts = ", ".join(f"{n}: summary {s}, base tables {b}" for n, (s, b) in changed.items())
        return f"{self.where} {self.key}: {parts}"


@dataclass
class Comparison:
    cycles: int = 0
    keys: int = 0
    differences: list[Difference] = field(default_factory=list)


def _every_entity(cycle: Cycle, today: datetime.date) -> reports.Scope:
    entities = [
        reports.UnitRef(pk, code, name)
        for pk, code, name in OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY).values_list(
            "pk", "code", "name"
        )
    ]
    return reports.Scope(cycle, [cycle], entities, today=today)


def _base_counts(scope: reports.Scope, group: str) -> dict[tuple, dict[str, int]]:
    """The dashboard's aggregate over the base tables (what it computed before the summary
    existed), per `group`, category and gender."""
    return {
        (row.pop(group), row.pop("category"), row.pop("gender")): row
        for row in reports.population(scope)
        .values(group, "category", "gender")
        .annotate(**reports.counters(scope.cycle, scope.today))
        .order_by()
    }


def _stored_units(scope: reports.Scope) -> dict[tuple, dict[str, int]]:
    """StageSummary per unit, category and gender, over every unit."""
    names = ["total", *SUMMARY_COUNTERS]
    if not scope.cycle.midpoint_required:
        names = [n for n in names if not n.startswith(reports.MIDPOINT)]
    sums = {f"sum_{n}": Sum(n) for n in names} | _overdue_sums(scope.cycle, scope.today)
    return {
        (row.pop("unit_id"), row.pop("category"), row.pop("gender")): {
            name.removeprefix("sum_"): value for name, value in row.items()
        }
        for row in StageSummary.objects.filter(cycle_id=scope.cycle.pk)
        .values("unit_id", "category", "gender")
        .annotate(**sums)
        .order_by()
    }


def _compare(
    where: str, stored: dict[tuple, dict[str, int]], base: dict[tuple, dict[str, int]]
) -> tuple[int, list[Difference]]:
    differences = []
    keys = sorted(set(stored) | set(base), key=str)
    for key in keys:
        got = {k: v for k, v in stored.get(key, {}).items() if v}
        expected = {k: v for k, v in base.get(key, {}).items() if v}
        if got != expected:
            differences.append(Difference(where, key, got, expected))
    return len(keys), differences


def _base_ratings() -> dict[tuple, dict[str, int]]:
    return {
        (level_id, entity_id, category): {"completed": n}
        for level_id, entity_id, category, n in Appraisal.objects.filter(
            state=Appraisal.State.COMPLETED, final_rating_id__isnull=False
        )
        .values("final_rating_id", "document__staff__unit__entity_id", "document__staff__category")
        .annotate(n=Count("pk"))
        .values_list(
            "final_rating_id",
            "document__staff__unit__entity_id",
            "document__staff__category",
            "n",
        )
        .order_by()
    }


def _base_froes() -> dict[tuple, dict[str, int]]:
    """The lines `standards_status` reads, per cycle, entity, FRO and dates (any day's FROs
    are those of the rows in effect on it)."""
    return {
        (cycle_id, entity_id, fro_id, start, end or OPEN_END): {"lines": n}
        for cycle_id, entity_id, fro_id, start, end, n in ReportingLine.objects.filter(
            staff__is_active=True, staff__unit__entity__isnull=False
        )
        .values("cycle_id", "staff__unit__entity_id", "fro_id", "effective_from", "effective_to")
        .annotate(n=Count("pk"))
        .values_list(
            "cycle_id",
            "staff__unit__entity_id",
            "fro_id",
            "effective_from",
            "effective_to",
            "n",
        )
        .order_by()
    }


def _stored_froes() -> dict[tuple, dict[str, int]]:
    return {
        key[:-1]: {"lines": key[-1]}
        for key in FroSummary.objects.exclude(lines=0).values_list(*FRO_KEY, "lines")
    }


def compare(today: datetime.date | None = None) -> Comparison:
    """The summary against the aggregate over the base tables: every cycle per unit and per
    entity (category, gender), and the ratings per level, entity and category; and no
    negative sum anywhere."""
    today = today or timezone.localdate()
    result = Comparison()
    if not available():
        return result
    for cycle in Cycle.objects.order_by("start"):
        result.cycles += 1
        scope = _every_entity(cycle, today)
        for where, stored, base in (
            (f"cycle {cycle.name}, unit", _stored_units(scope), _base_counts(scope, "unit_id")),
            (
                f"cycle {cycle.name}, entity",
                {
                    (row.pop("unit__entity_id"), row.pop("category"), row.pop("gender")): row
                    for row in grouped_counts(scope, "unit__entity_id")
                },
                _base_counts(scope, "unit__entity_id"),
            ),
        ):
            keys, differences = _compare(where, stored, base)
            result.keys += keys
            result.differences += differences
    keys, differences = _compare("FROs (cycle, entity, FRO, dates)", _stored_froes(), _base_froes())
    result.keys += keys
    result.differences += differences
    stored_ratings = {
        (level_id, entity_id, category): {"completed": n}
        for level_id, entity_id, category, n in RatingSummary.objects.values_list(
            "level_id", "entity_id", "category", "n"
        )
    }
    keys, differences = _compare(
        "ratings (level, entity, category)", stored_ratings, _base_ratings()
    )
    result.keys += keys
    result.differences += differences
    below_zero = Q()
    for name in COUNTERS:
        below_zero |= Q(**{f"{name}__lt": 0})
    for model, negative_q in (
        (StageSummary, below_zero),
        (EntitySummary, below_zero),
        (FroSummary, Q(lines__lt=0)),
    ):
        negative = model.objects.filter(negative_q).count()
        if negative:
            result.differences.append(
                Difference(model.__name__, ("below zero",), {"rows": negative}, {"rows": 0})
            )
    return result
