"""CSV and XLSX exports of the compliance dashboard and the people lists, streamed.

The people list of 40,000 staff is never one list in memory: rows come from
`.values_list(...).iterator(chunk_size=...)` and go out as they are read (CSV through a
`StreamingHttpResponse`; XLSX through pmsystem.xlsx's write-only workbook, which spools rows
to a temporary file, then sent with `FileResponse`). Every export is logged with its row count.

Headers, sheet titles and the words in cells are in the language of the person exporting;
the figures stay numbers (a spreadsheet formats them) and dates stay dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pmsystem.exports import CHUNK_SIZE, Table
from pmsystem.i18n import translated
from pmsystem.security import log_event
from schedules.selectors import EntityCount

from .dashboard import STAGE_LABELS, Dashboard, GroupRow, Scope, UnitRef, people, person_rows

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


def stage_tables(dashboard: Dashboard) -> list[Table]:
    """The dashboard's stage tables: the summary, by unit, category and gender."""
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
    ]


def dashboard_tables(
    dashboard: Dashboard, schedules: Sequence[tuple[UnitRef, EntityCount | None]]
) -> list[Table]:
    """The dashboard's tables: stages by unit, category and gender, the ratings and the
    special schedules (`dashboard.special_schedules`)."""
    return [*stage_tables(dashboard), ratings_table(dashboard), special_schedules_table(schedules)]


def stages_table(dashboard: Dashboard) -> Table:
    """Every stage table of the dashboard as one (for CSV): a Breakdown column tells them
    apart."""
    tables = stage_tables(dashboard)
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


SPECIAL_SCHEDULES_HEADER = [
    _("Entity"),
    _("Staff"),
    pgettext_lazy("training", "Done"),
    pgettext_lazy("training", "Due"),
    pgettext_lazy("training", "Overdue"),
]


def special_schedules_table(schedules: Sequence[tuple[UnitRef, EntityCount | None]]) -> Table:
    """Per entity, its staff on special schedules and their milestones done, due and overdue,
    as the dashboard shows them: counted when the view holds one entity; over several, each
    row says where they are counted instead."""
    title = gettext("Special schedules")
    counted = [(entity, count) for entity, count in schedules if count is not None]
    if len(counted) == len(schedules):
        rows = [[str(e), c.staff, c.done, c.due, c.overdue] for e, c in counted]
        return Table(title, [str(h) for h in SPECIAL_SCHEDULES_HEADER], rows)
    where = gettext(
        "Counted on the entity's special schedules page, or in this export when you choose "
        "the entity on the dashboard."
    )
    return Table(
        title,
        [gettext("Entity"), gettext("Special schedules")],
        [[str(entity), where] for entity, _ in schedules],
    )


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
