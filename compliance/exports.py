"""CSV and XLSX exports of the compliance dashboard and the people lists, streamed.

The people list of 40,000 staff is never one list in memory: rows come from
`.values_list(...).iterator(chunk_size=...)` and go out as they are read (CSV through a
`StreamingHttpResponse`; XLSX through openpyxl's write-only workbook, which spools rows to a
temporary file, then sent with `FileResponse`). Every export is logged with its row count.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook

from pmsystem.security import log_event

from .dashboard import Dashboard, GroupRow, Scope, people, person_rows

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """One sheet of an export: a title, a header row and the rows (possibly a generator)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]


def _safe(value):
    """Text that a spreadsheet would run as a formula is written as text (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _safe(value)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(
    table: Table, *, filename: str, on_done: Callable[[int], None]
) -> StreamingHttpResponse:
    """Stream `table` as CSV (UTF-8 with BOM, so spreadsheets read the accents);
    `on_done(rows)` runs once the last row is sent (or the client went away)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        count = 0
        try:
            yield "\ufeff" + writer.writerow(list(table.header))
            for row in table.rows:
                yield writer.writerow([_csv_value(v) for v in row])
                count += 1
        finally:
            on_done(count)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_response(tables: Iterable[Table], *, filename: str) -> tuple[FileResponse, int]:
    """Write `tables` one sheet each into a write-only workbook spooled to a temporary file,
    and send the file; returns the response and the number of data rows written."""
    workbook = Workbook(write_only=True)
    count = 0
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:31])
        sheet.append(list(table.header))
        for row in table.rows:
            sheet.append([_safe(v) for v in row])
            count += 1
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return response, count


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
