"""CSV and XLSX exports of the compliance dashboard and the people lists, streamed.

The people list of 40,000 staff is never one list in memory: rows come from
`.values_list(...).iterator(chunk_size=...)` and go out as they are read (CSV through a
`StreamingHttpResponse`; XLSX through openpyxl's write-only workbook, which spools rows to a
temporary file, then sent with `FileResponse`). Every export is logged with its row count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pmsystem.exports import CHUNK_SIZE, Table
from pmsystem.security import log_event

from .dashboard import Dashboard, GroupRow, Scope, people, person_rows

# --- the tables -----------------------------------------------------------------------------

STAGE_HEADER = [
    "Staff",
    "Not started",
    "In progress",
    "Done",
    "Done on time",
    "Done late",
    "Overdue",
    "Completion %",
]


def _stage_rows(breakdown: str, rows: Iterable[GroupRow]) -> Iterator[list]:
    for row in rows:
        for s in row.stages:
            yield [
                breakdown,
                row.label,
                s.label,
                s.due,
                s.total,
                s.not_started,
                s.in_progress,
                s.done,
                s.on_time,
                s.late,
                s.overdue,
                s.completion,
            ]


def dashboard_tables(dashboard: Dashboard) -> list[Table]:
    """The dashboard's tables: stages by unit, category and gender, and the ratings."""
    header = ["Breakdown", "Group", "Stage", "Due", *STAGE_HEADER]
    unit_label = dashboard.units_heading.removeprefix("By ").capitalize()
    return [
        Table("Summary", header, list(_stage_rows("All", [dashboard.summary]))),
        Table("By unit", header, list(_stage_rows(unit_label, dashboard.units))),
        Table("By category", header, list(_stage_rows("Category", dashboard.by_category))),
        Table("By gender", header, list(_stage_rows("Gender", dashboard.by_gender))),
        ratings_table(dashboard),
    ]


def stages_table(dashboard: Dashboard) -> Table:
    """Every stage table of the dashboard as one (for CSV): a Breakdown column tells them
    apart."""
    tables = dashboard_tables(dashboard)[:4]
    return Table("Compliance", tables[0].header, [row for table in tables for row in table.rows])


def ratings_table(dashboard: Dashboard) -> Table:
    ratings = dashboard.ratings
    header = ["Entity", "Completed evaluations"]
    for code, label in ratings.levels:
        header += [f"{label} ({code})", f"{label} ({code}) %"]
    rows = []
    for row in ratings.rows:
        cells = [row.label, row.total]
        for count, share in row.cells:
            cells += [count, share]
        rows.append(cells)
    return Table("Ratings", header, rows)


PEOPLE_HEADER = [
    "Index number",
    "Name",
    "Email",
    "Category",
    "Gender",
    "Unit",
    "FRO",
    "Stage",
    "State",
    "Due",
    "Overdue",
    "Work plan",
    "Mid-point review",
    "End-of-cycle evaluation",
]


def people_table(scope: Scope, *, stage: str = "", status: str = "") -> Table:
    """The people list as a lazily read table: chunks of CHUNK_SIZE value tuples."""
    values = people(scope, stage=stage, status=status).iterator(chunk_size=CHUNK_SIZE)
    rows = (
        [
            p.index_number,
            p.name,
            p.email,
            p.category,
            p.gender,
            p.unit,
            p.fro,
            p.stage_label,
            p.stage_state,
            p.due,
            "yes" if p.overdue else "no",
            p.workplan_state,
            p.midpoint_state,
            p.evaluation_state,
        ]
        for p in person_rows(scope, values)
    )
    return Table("People", PEOPLE_HEADER, rows)


def export_filename(scope: Scope, table: str, fmt: str) -> str:
    parts = ["compliance", table, scope.cycle.name if scope.cycle else "no-cycle"]
    if scope.node:
        parts.append(scope.node.code)
    if scope.category:
        parts.append(scope.category)
    safe = "-".join(parts).replace("/", "-").replace('"', "")
    return f"{safe}.{fmt}"


def log_export(user, *, view: str, fmt: str, rows: int, scope: Scope) -> None:
    log_event(
        "export",
        user=user.pk,
        view=view,
        format=fmt,
        rows=rows,
        cycle=scope.cycle.pk if scope.cycle else None,
        unit=scope.node.id if scope.node else None,
        category=scope.category or None,
    )
