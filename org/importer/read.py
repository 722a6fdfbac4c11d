"""Reading import files: CSV and XLSX into tables of rows, with the columns each kind of
file has (`COLUMNS`) and the errors a file can have before any row is checked."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import openpyxl
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext, gettext_lazy

from org.models import (
    Grade,
    OrgUnit,
    StaffMember,
)
from pmsystem.i18n import interpolate

UNITS, STAFF, LINES = "units", "staff", "lines"
KINDS = (UNITS, STAFF, LINES)
BATCH = 1000
GROUPED_UPDATE_LIMIT = 50
DATE_FORMAT_HINT = "YYYY-MM-DD"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str | StrPromise  # lazy: shown on the upload page in the reader's language


COLUMNS: dict[str, tuple[Column, ...]] = {
    UNITS: (
        Column("unit_code", True, gettext_lazy("Unique code of the unit, at most 32 characters.")),
        Column("unit_name", True, gettext_lazy("Name of the unit, at most 200 characters.")),
        Column(
            "kind",
            True,
            gettext_lazy("entity (also: department, office, mission), division, section or unit."),
        ),
        Column(
            "parent_code",
            False,
            gettext_lazy(
                "Code of the unit above; required for a new division, section or unit, "
                "blank for an entity."
            ),
        ),
        Column("head_index_number", False, gettext_lazy("Index number of the head of the unit.")),
    ),
    STAFF: (
        Column("index_number", True, gettext_lazy("Unique index number, at most 16 characters.")),
        Column("first_name", True, gettext_lazy("Given name(s).")),
        Column("last_name", True, gettext_lazy("Family name.")),
        Column("email", True, gettext_lazy("Login email; one person per address.")),
        Column(
            "grade",
            True,
            gettext_lazy("G-1…G-7, P-1…P-5, D-1, D-2, ASG, USG, NO-A…NO-D, FS-1…FS-7."),
        ),
        Column("gender", True, gettext_lazy("F, M or X (also: female, male, other).")),
        Column("unit_code", True, gettext_lazy("Code of the staff member's unit.")),
        Column("entry_on_duty", True, gettext_lazy("Date, YYYY-MM-DD (or an Excel date cell).")),
        Column(
            "contract_type",
            False,
            gettext_lazy(
                "permanent, continuing, fixed_term, temporary or tc (technical cooperation; "
                "default fixed_term)."
            ),
        ),
        Column("on_probation", False, gettext_lazy("yes/no (default no).")),
        Column("active", False, gettext_lazy("yes/no (default yes).")),
    ),
    LINES: (
        Column("index_number", True, gettext_lazy("Index number of the staff member.")),
        Column(
            "cycle", True, gettext_lazy('Name of an existing, not closed cycle, e.g. "2026-27".')
        ),
        Column(
            "fro_index_number", True, gettext_lazy("Index number of the first reporting officer.")
        ),
        Column(
            "sro_index_number", True, gettext_lazy("Index number of the second reporting officer.")
        ),
        Column(
            "effective_from",
            False,
            gettext_lazy(
                "Date, YYYY-MM-DD; default: the cycle start for a first line, today for a change."
            ),
        ),
    ),
}
SHEET_NAMES = {"units": UNITS, "staff": STAFF, "lines": LINES}

KIND_WORDS = {
    "entity": OrgUnit.Kind.ENTITY,
    "department": OrgUnit.Kind.ENTITY,
    "office": OrgUnit.Kind.ENTITY,
    "mission": OrgUnit.Kind.ENTITY,
    "division": OrgUnit.Kind.DIVISION,
    "section": OrgUnit.Kind.SECTION,
    "unit": OrgUnit.Kind.UNIT,
}
GENDER_WORDS = {
    "f": StaffMember.Gender.FEMALE,
    "female": StaffMember.Gender.FEMALE,
    "m": StaffMember.Gender.MALE,
    "male": StaffMember.Gender.MALE,
    "x": StaffMember.Gender.OTHER,
    "other": StaffMember.Gender.OTHER,
}
CONTRACT_WORDS = {
    "permanent": StaffMember.ContractType.PERMANENT,
    "continuing": StaffMember.ContractType.CONTINUING,
    "fixed_term": StaffMember.ContractType.FIXED_TERM,
    "fixed-term": StaffMember.ContractType.FIXED_TERM,
    "fixed term": StaffMember.ContractType.FIXED_TERM,
    "temporary": StaffMember.ContractType.TEMPORARY,
    "tc": StaffMember.ContractType.TECHNICAL_COOPERATION,
    "technical_cooperation": StaffMember.ContractType.TECHNICAL_COOPERATION,
    "technical-cooperation": StaffMember.ContractType.TECHNICAL_COOPERATION,
    "technical cooperation": StaffMember.ContractType.TECHNICAL_COOPERATION,
}
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0"}
VALID_GRADES = ", ".join(Grade.values)
GRADE_PATTERN = re.compile(r"^(G|P|D|FS|NO)-?0?([0-9A-D])$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Cell = str | bool | datetime.date


# ---------------------------------------------------------------------------------------------
# Result


@dataclass(frozen=True)
class RowError:
    source: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: line {self.line}: {self.column or '-'}: {self.reason}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a file with errors, would have done)."""

    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, Counts] = field(
        default_factory=lambda: {kind: Counts() for kind in ("units", "users", "staff", "lines")}
    )

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary_lines(self) -> list[str]:
        return [
            f"{kind}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            for kind, c in self.counts.items()
        ]


# ---------------------------------------------------------------------------------------------
# Reading files


@dataclass
class Row:
    source: str
    line: int
    cells: dict[str, Cell]

    def text(self, column: str) -> str:
        value = self.cells.get(column, "")
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value


@dataclass
class Table:
    source: str
    kind: str
    columns: frozenset[str]
    rows: list[Row]


def _normalise_header(value: object) -> str:
    text = "" if value is None else str(value)
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool | datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _detect_kind(columns: Iterable[str]) -> str | None:
    columns = set(columns)
    if columns & {"fro_index_number", "sro_index_number"}:
        return LINES
    if "index_number" in columns and columns & {"email", "grade", "entry_on_duty"}:
        return STAFF
    if "unit_code" in columns and "unit_name" in columns:
        return UNITS
    return None


def _table(
    source: str,
    records: Iterable[tuple[int, Sequence[object]]],
    kind: str | None,
    columns: Sequence[Column] | None = None,
) -> tuple[Table | None, list[RowError], list[str]]:
    """Turn (line number, cells) records into a table; the first non-blank record is the header.
    With `columns`, the table has those columns (another app's file, `read_rows`)."""
    records = iter(records)
    first = next((r for r in records if any(_cell(c) != "" for c in r[1])), None)
    if first is None:
        return None, [], []
    header_line, header_cells = first
    header = [_normalise_header(c) for c in header_cells]
    errors: list[RowError] = []
    warnings: list[str] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if not name:
            continue
        if name in positions:
            errors.append(
                RowError(source, header_line, name, gettext("This column appears twice."))
            )
        positions[name] = position
    if columns is None and kind is None:
        kind = _detect_kind(positions)
    if columns is None and kind is None:
        return (
            None,
            [
                RowError(
                    source,
                    header_line,
                    "",
                    gettext(
                        "Cannot tell what this file holds from its header. A units file has "
                        "unit_code and unit_name; a staff file has index_number, email and "
                        "grade; a reporting lines file has index_number, cycle, "
                        "fro_index_number and sro_index_number."
                    ),
                )
            ],
            [],
        )
    if columns is None:
        columns = COLUMNS[kind]
    known = {column.name for column in columns}
    for column in columns:
        if column.required and column.name not in positions:
            errors.append(
                RowError(
                    source, header_line, column.name, gettext("This required column is missing.")
                )
            )
    ignored = sorted(set(positions) - known)
    if ignored:
        warnings.append(
            interpolate(
                gettext("%(source)s: columns ignored: %(columns)s."),
                {"source": source, "columns": ", ".join(ignored)},
            )
        )
    wanted = {name: pos for name, pos in positions.items() if name in known}
    rows = []
    for line, cells in records:
        values = {
            name: _cell(cells[pos]) if pos < len(cells) else "" for name, pos in wanted.items()
        }
        if all(v == "" for v in values.values()):
            continue
        rows.append(Row(source, line, values))
    table = Table(source, kind or "", frozenset(wanted), rows)
    return (None if errors else table), errors, warnings


def _csv_records(source: str, data: bytes) -> tuple[list[tuple[int, list[str]]], list[RowError]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        reason = gettext(
            "This is not UTF-8 text. Save the file as “CSV UTF-8” and import it again."
        )
        return [], [RowError(source, line, "", reason)]
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        reason = interpolate(gettext("This CSV cannot be read: %(error)s."), {"error": exc})
        return [], [RowError(source, reader.line_num, "", reason)]
    return records, []


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, str | None, list[tuple[int, tuple]]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some exporters write a wrong dimension
            kind = SHEET_NAMES.get(sheet.title.strip().lower())
            rows = list(enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1))
            yield sheet.title, kind, rows
    finally:
        workbook.close()


def read_tables(source: str, data: bytes) -> tuple[list[Table], list[RowError], list[str]]:
    """Parse one uploaded file into tables (one per CSV file or per recognised XLSX sheet)."""
    name = source.lower()
    if name.endswith(".csv"):
        records, errors = _csv_records(source, data)
        if errors:
            return [], errors, []
        table, errors, warnings = _table(source, records, None)
        if table is None and not errors:
            warnings.append(
                interpolate(gettext("%(source)s: the file is empty."), {"source": source})
            )
        return ([table] if table else []), errors, warnings
    if name.endswith(".xlsx"):
        tables, errors, warnings = [], [], []
        try:
            sheets = list(_xlsx_sheets(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            reason = interpolate(
                gettext("This is not a readable XLSX workbook (%(error)s)."),
                {"error": exc.__class__.__name__},
            )
            return [], [RowError(source, 1, "", reason)], []
        for title, kind, records in sheets:
            label = f"{source} [{title}]"
            table, sheet_errors, sheet_warnings = _table(label, records, kind)
            if kind is None and sheet_errors and table is None and not _looks_like_data(records):
                warnings.append(
                    interpolate(
                        gettext("%(sheet)s: sheet ignored (its columns are not recognised)."),
                        {"sheet": label},
                    )
                )
                continue
            tables += [table] if table else []
            errors += sheet_errors
            warnings += sheet_warnings
        return tables, errors, warnings
    reason = gettext("Only .csv and .xlsx files can be imported.")
    return [], [RowError(source, 1, "", reason)], []


def read_rows(
    source: str, data: bytes, columns: Sequence[Column]
) -> tuple[list[Row], list[RowError], list[str]]:
    """The rows of one CSV file, or of the first sheet of an XLSX workbook, with `columns`:
    for another app's import (training completions), with the same errors as this one's."""
    name = source.lower()
    if name.endswith(".csv"):
        records, errors = _csv_records(source, data)
        label = source
    elif name.endswith(".xlsx"):
        try:
            sheets = list(_xlsx_sheets(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            reason = interpolate(
                gettext("This is not a readable XLSX workbook (%(error)s)."),
                {"error": exc.__class__.__name__},
            )
            return [], [RowError(source, 1, "", reason)], []
        title, _, records = sheets[0] if sheets else ("", None, [])
        label, errors = f"{source} [{title}]", []
    else:
        reason = gettext("Only .csv and .xlsx files can be imported.")
        return [], [RowError(source, 1, "", reason)], []
    if errors:
        return [], errors, []
    table, errors, warnings = _table(label, records, None, columns)
    if table is None and not errors:
        warnings.append(interpolate(gettext("%(source)s: the file is empty."), {"source": source}))
    return (table.rows if table else []), errors, warnings


def _looks_like_data(records: Iterable[tuple[int, Sequence[object]]]) -> bool:
    """A sheet with an unrecognised header but an importer column in it is an error, not notes."""
    known = {column.name for columns in COLUMNS.values() for column in columns}
    for _, cells in records:
        names = {_normalise_header(c) for c in cells}
        if any(names):
            return bool(names & known)
    return False


# ---------------------------------------------------------------------------------------------
# Field parsers: each returns (value, reason); reason is None when the value is good.
