"""CSV and XLSX exports of the compliance dashboard and the people lists, streamed.

The people list of 40,000 staff is never one list in memory: rows come from
`.values_list(...).iterator(chunk_size=...)` and go out as they are read (CSV through a
`StreamingHttpResponse`; XLSX through pmsystem.xlsx's write-only workbook, which spools rows
to a temporary file, then sent with `FileResponse`). Every export is logged with its row count.

Headers, sheet titles and the words in cells are in the language of the person exporting;
the figures stay numbers (a spreadsheet formats them) and dates stay dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmsystem.exports import CHUNK_SIZE, Table
from pmsystem.i18n import translated
from pmsystem.security import log_event

from .dashboard import STAGE_LABELS, Dashboard, GroupRow, Scope, people, person_rows

# --- the tables -----------------------------------------------------------------------------

STAGE_HEADER = [
    _("Staff"),
    _("Not started"),
    _("In progress"),
    _("Done"),
    _("Done on time"),
    _("Done late"),
    _("Overdue"),
    _("Completion %"),
]


def _stage_rows(breakdown: str, rows: Iterable[GroupRow]) -> Iterator[list]:
    for row in rows:
        for s in row.stages:
            yield [
                breakdown,
                row.label,
                str(s.label),
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
    header = [gettext("Breakdown"), gettext("Group"), gettext("Stage"), gettext("Due")]
    header += [str(title) for title in STAGE_HEADER]
    return [
        Table(gettext("Summary"), header, list(_stage_rows(gettext("All"), [dashboard.summary]))),
        Table(
            gettext("By unit"),
            header,
            list(_stage_rows(dashboard.units_breakdown, dashboard.units)),
        ),
        Table(
            gettext("By category"),
            header,
            list(_stage_rows(gettext("Category"), dashboard.by_category)),
        ),
        Table(
            gettext("By gender"), header, list(_stage_rows(gettext("Gender"), dashboard.by_gender))
        ),
        ratings_table(dashboard),
    ]


def stages_table(dashboard: Dashboard) -> Table:
    """Every stage table of the dashboard as one (for CSV): a Breakdown column tells them
    apart."""
    tables = dashboard_tables(dashboard)[:4]
    return Table(
        gettext("Compliance"), tables[0].header, [row for table in tables for row in table.rows]
    )


def ratings_table(dashboard: Dashboard) -> Table:
    ratings = dashboard.ratings
    header = [gettext("Entity"), gettext("Completed evaluations")]
    for code, label in ratings.levels:
        name = translated(label)
        header += [f"{name} ({code})", f"{name} ({code}) %"]
    rows = []
    for row in ratings.rows:
        cells = [row.label, row.total]
        for count, share in row.cells:
            cells += [count, share]
        rows.append(cells)
    return Table(gettext("Ratings"), header, rows)


PEOPLE_HEADER = [
    _("Index number"),
    _("Name"),
    _("Email"),
    _("Category"),
    _("Gender"),
    _("Unit"),
    _("FRO"),
    _("Stage"),
    _("State"),
    _("Due"),
    _("Overdue"),
    _("Work plan"),
    _("Mid-point review"),
    _("End-of-cycle evaluation"),
]


def people_table(scope: Scope, *, stage: str = "", status: str = "") -> Table:
    """The people list as a lazily read table: chunks of CHUNK_SIZE value tuples (read while
    the response streams, in the request's language: pmsystem.exports.csv_response)."""
    values = people(scope, stage=stage, status=status).iterator(chunk_size=CHUNK_SIZE)

    def rows() -> Iterator[list]:
        yes, no = gettext("yes"), gettext("no")
        stages = {stage: str(label) for stage, label in STAGE_LABELS.items()}
        for p in person_rows(scope, values):
            yield [
                p.index_number,
                p.name,
                p.email,
                p.category,
                p.gender,
                p.unit,
                p.fro,
                stages[p.stage],
                p.stage_state,
                p.due,
                yes if p.overdue else no,
                p.workplan_state,
                p.midpoint_state,
                p.evaluation_state,
            ]

    return Table(gettext("People"), [str(title) for title in PEOPLE_HEADER], rows())


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
