"""Import units, staff and reporting lines from CSV or XLSX files (the shape HR systems export).

Rules this module enforces:
- Every row of every file is validated before anything is written; any bad row means nothing is
  written at all (one transaction), and every bad row is reported as (line, column, reason) with
  the line numbers a person sees in the file (the header is line 1).
- Re-importing the same file changes nothing: units upsert on `unit_code`, staff on
  `index_number`, users on email, and reporting lines per (staff member, cycle) only when the FRO
  or SRO changes; a change closes the current line (effective_to) and opens the next.
- An HR focal point imports only within the entities they hold `import_entity_staff` on, and
  changes only accounts of staff in those entities: never a superuser's or staff
  administrator's login, never a login without a staff profile, never the email of a
  privileged account (`permissions.privileged_accounts`); a system administrator may do these.
- Changing the email of a staff member's account tells the old address once the import commits.

What a file holds is told by its header (see `COLUMNS`); an XLSX workbook may carry the three
kinds as sheets named `units`, `staff` and `lines`. Whatever the order of files or sheets, units
are written first, then users and staff, then reporting lines, so cross-references work.

Rows are checked field by field here instead of `full_clean()` per object: that would cost a
query per row (unique and foreign-key checks) and 40,000 rows must import in seconds.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

import openpyxl
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext

from pmsystem.db import analyze
from pmsystem.errors import ApplicationError
from pmsystem.i18n import language_of, phrase

from .models import (
    Cycle,
    Delegation,
    Grade,
    OrgUnit,
    ReportingLine,
    StaffMember,
    User,
    category_for_grade,
)
from .notifications import notify_addresses
from .permissions import importable_entity_ids, privileged_accounts
from .services import acting_officer_clash, acting_officer_refusal, signed_roles_on_documents

UNITS, STAFF, LINES = "units", "staff", "lines"
KINDS = (UNITS, STAFF, LINES)
BATCH = 1000
GROUPED_UPDATE_LIMIT = 50
DATE_FORMAT_HINT = "YYYY-MM-DD"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str  # lazy: shown on the upload page in the reader's language


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
            gettext_lazy("permanent, continuing, fixed_term or temporary (default fixed_term)."),
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
    source: str, records: Iterable[tuple[int, Sequence[object]]], kind: str | None
) -> tuple[Table | None, list[RowError], list[str]]:
    """Turn (line number, cells) records into a table; the first non-blank record is the header."""
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
    detected = _detect_kind(positions)
    if kind is None:
        kind = detected
    if kind is None:
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
    known = {column.name for column in COLUMNS[kind]}
    for column in COLUMNS[kind]:
        if column.required and column.name not in positions:
            errors.append(
                RowError(
                    source, header_line, column.name, gettext("This required column is missing.")
                )
            )
    ignored = sorted(set(positions) - known)
    if ignored:
        warnings.append(
            gettext("%(source)s: columns ignored: %(columns)s.")
            % {"source": source, "columns": ", ".join(ignored)}
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
    table = Table(source, kind, frozenset(wanted), rows)
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
        reason = gettext("This CSV cannot be read: %(error)s.") % {"error": exc}
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
            warnings.append(gettext("%(source)s: the file is empty.") % {"source": source})
        return ([table] if table else []), errors, warnings
    if name.endswith(".xlsx"):
        tables, errors, warnings = [], [], []
        try:
            sheets = list(_xlsx_sheets(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            reason = gettext("This is not a readable XLSX workbook (%(error)s).") % {
                "error": exc.__class__.__name__
            }
            return [], [RowError(source, 1, "", reason)], []
        for title, kind, records in sheets:
            label = f"{source} [{title}]"
            table, sheet_errors, sheet_warnings = _table(label, records, kind)
            if kind is None and sheet_errors and table is None and not _looks_like_data(records):
                warnings.append(
                    gettext("%(sheet)s: sheet ignored (its columns are not recognised).")
                    % {"sheet": label}
                )
                continue
            tables += [table] if table else []
            errors += sheet_errors
            warnings += sheet_warnings
        return tables, errors, warnings
    reason = gettext("Only .csv and .xlsx files can be imported.")
    return [], [RowError(source, 1, "", reason)], []


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


def _parse_date(value: Cell) -> tuple[datetime.date | None, str | None]:
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    text = value if isinstance(value, str) else str(value)
    if not DATE_PATTERN.match(text):
        return None, gettext("“%(value)s” is not a date in the format %(format)s.") % {
            "value": text,
            "format": DATE_FORMAT_HINT,
        }
    try:
        return datetime.date.fromisoformat(text), None
    except ValueError:
        return None, gettext("“%(value)s” is not a valid date (format %(format)s).") % {
            "value": text,
            "format": DATE_FORMAT_HINT,
        }


def _parse_bool(value: Cell) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True, None
    if text in FALSE_WORDS:
        return False, None
    return None, gettext("“%(value)s” is not yes or no.") % {"value": value}


def _parse_grade(text: str) -> tuple[str | None, str | None]:
    compact = text.strip().upper().replace(" ", "")
    if compact in Grade.values:
        return compact, None
    match = GRADE_PATTERN.match(compact)
    if match and f"{match[1]}-{match[2]}" in Grade.values:
        return f"{match[1]}-{match[2]}", None
    return None, gettext("Unknown grade “%(grade)s”. Valid grades: %(grades)s.") % {
        "grade": text,
        "grades": VALID_GRADES,
    }


def _max_length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def _chunks(values: Iterable, size: int = 2000) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------------------------------------
# Validation and writing


@dataclass
class _DbUnit:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    entity_id: int | None
    head_id: int | None


@dataclass
class _DbStaff:
    user_id: int
    index_number: str
    email: str
    first_name: str
    last_name: str
    grade: str
    gender: str
    unit_id: int
    entry_on_duty: datetime.date
    contract_type: str
    on_probation: bool
    is_active: bool
    language: str


@dataclass
class _UnitPlan:
    row: Row
    code: str
    name: str = ""
    kind: str | None = None
    parent_code: str | None = None  # None: keep the current parent
    head_index: str | None = None  # None: keep the current head
    existing: _DbUnit | None = None
    changed: bool = False
    valid: bool = True


@dataclass
class _StaffPlan:
    row: Row
    index: str
    values: dict = field(default_factory=dict)
    user_values: dict = field(default_factory=dict)
    unit_code: str = ""
    existing: _DbStaff | None = None
    user_id: int | None = None  # an existing user (the staff member's, or linked by email)
    user_action: str = "create"
    staff_action: str = "create"
    valid: bool = True


@dataclass
class _LinePlan:
    row: Row
    index: str
    cycle: Cycle
    fro_index: str
    sro_index: str
    effective_from: datetime.date
    close_line_id: int | None = None
    action: str = "create"


class _Import:
    def __init__(self, tables: list[Table], *, scope: set[int] | None, today: datetime.date):
        self.tables = tables
        self.scope = scope
        self.today = today
        self.errors: list[RowError] = []
        self.units: dict[str, _UnitPlan] = {}
        self.staff: dict[str, _StaffPlan] = {}
        self.lines: list[_LinePlan] = []
        self.counts = ImportResult(dry_run=True).counts

    def error(self, row: Row, column: str, reason: str) -> None:
        self.errors.append(RowError(row.source, row.line, column, reason))

    def rows(self, kind: str) -> Iterator[tuple[Table, Row]]:
        for table in self.tables:
            if table.kind == kind:
                for row in table.rows:
                    yield table, row

    # -- database snapshot -----------------------------------------------------------------

    def load(self) -> None:
        self.db_units = {
            u["code"]: _DbUnit(**u)
            for u in OrgUnit.objects.values(
                "id", "code", "name", "kind", "parent_id", "entity_id", "head_id"
            )
        }
        self.unit_code_by_id = {u.id: u.code for u in self.db_units.values()}
        self.db_children: dict[int, list[_DbUnit]] = {}
        for unit in self.db_units.values():
            if unit.parent_id:
                self.db_children.setdefault(unit.parent_id, []).append(unit)
        indexes = {row.text("index_number") for _, row in self.rows(STAFF)}
        for _, row in self.rows(LINES):
            indexes |= {row.text(c) for c in ("index_number", "fro_index_number")}
            indexes.add(row.text("sro_index_number"))
        indexes |= {row.text("head_index_number") for _, row in self.rows(UNITS)}
        indexes.discard("")
        self.db_staff: dict[str, _DbStaff] = {}
        for chunk in _chunks(indexes):
            for s in StaffMember.objects.filter(index_number__in=chunk).values(
                "user_id",
                "index_number",
                "grade",
                "gender",
                "unit_id",
                "entry_on_duty",
                "contract_type",
                "on_probation",
                "is_active",
                email=F("user__email"),
                language=F("user__language"),
                first_name=F("user__first_name"),
                last_name=F("user__last_name"),
            ):
                self.db_staff[s["index_number"]] = _DbStaff(**s)
        emails = {row.text("email").lower() for _, row in self.rows(STAFF)} - {""}
        self.db_users: dict[str, dict] = {}
        for chunk in _chunks(emails):
            for u in (
                User.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=chunk)
                .values(
                    "id",
                    "email",
                    "email_lower",
                    "first_name",
                    "last_name",
                    "is_superuser",
                    "is_staff",
                    "staff__index_number",
                )
            ):
                self.db_users[u["email_lower"]] = u
        self.cycles = {c.name: c for c in Cycle.objects.all()}

    # -- after-import view of units and staff ------------------------------------------------

    def unit_known(self, code: str) -> bool:
        return code in self.units or code in self.db_units

    def unit_kind(self, code: str) -> str | None:
        plan = self.units.get(code)
        if plan is not None and plan.kind:
            return plan.kind
        db = self.db_units.get(code)
        return db.kind if db else None

    def unit_parent(self, code: str) -> str | None:
        plan = self.units.get(code)
        if plan is not None and plan.parent_code is not None:
            return plan.parent_code or None
        db = self.db_units.get(code)
        return self.unit_code_by_id.get(db.parent_id) if db and db.parent_id else None

    def unit_entity(self, code: str) -> str | None:
        """The code of the entity a unit belongs to after the import (None if unresolvable)."""
        for _ in range(len(OrgUnit.KIND_DEPTH) + 1):
            kind = self.unit_kind(code)
            if kind is None:
                return None
            if kind == OrgUnit.Kind.ENTITY:
                return code
            parent = self.unit_parent(code)
            if parent is None:
                return None
            code = parent
        return None

    def entity_allowed(self, entity_code: str | None) -> bool:
        if self.scope is None:
            return True
        db = self.db_units.get(entity_code or "")
        return db is not None and db.id in self.scope

    def scope_reason(
        self, *, unit: str | None = None, index: str | None = None, entity_code: str | None
    ) -> str:
        """Why a row is outside the importer's entities: about a unit code or an index number."""
        allowed = ", ".join(
            sorted(self.unit_code_by_id[i] for i in self.scope or () if i in self.unit_code_by_id)
        )
        params = {"unit": unit, "index": index, "entity": entity_code, "allowed": allowed}
        if unit is not None:
            if entity_code:
                text = gettext(
                    "Unit %(unit)s is in %(entity)s; you may import only for %(allowed)s."
                )
            else:
                text = gettext(
                    "Unit %(unit)s is outside your entities; you may import only for %(allowed)s."
                )
        elif entity_code:
            text = gettext(
                "Index number %(index)s is in %(entity)s; you may import only for %(allowed)s."
            )
        else:
            text = gettext(
                "Index number %(index)s is outside your entities; you may import only for "
                "%(allowed)s."
            )
        return text % params

    def staff_known(self, index: str) -> bool:
        return index in self.staff or index in self.db_staff

    def staff_unit_code(self, index: str) -> str | None:
        plan = self.staff.get(index)
        if plan is not None and plan.unit_code:
            return plan.unit_code
        db = self.db_staff.get(index)
        return self.unit_code_by_id.get(db.unit_id) if db else None

    def staff_active(self, index: str) -> bool:
        plan = self.staff.get(index)
        if plan is not None and "is_active" in plan.values:
            return plan.values["is_active"] is not False
        db = self.db_staff.get(index)
        return db.is_active if db else True

    def planned_user_id(self, index: str) -> int | None:
        """The user id of a staff member if it exists before the import, else None."""
        db = self.db_staff.get(index)
        if db is not None:
            return db.user_id
        plan = self.staff.get(index)
        return plan.user_id if plan is not None else None

    # -- units -------------------------------------------------------------------------------

    def check_units(self) -> None:
        for table, row in self.rows(UNITS):
            code = row.text("unit_code")
            if not code:
                self.error(row, "unit_code", gettext("Required."))
                continue
            if code in self.units:
                first = self.units[code].row
                self.error(
                    row,
                    "unit_code",
                    gettext("Duplicate unit code; first given on line %(line)s.")
                    % {"line": first.line},
                )
                continue
            plan = _UnitPlan(row=row, code=code, existing=self.db_units.get(code))
            self.units[code] = plan
            if len(code) > _max_length(OrgUnit, "code"):
                plan.valid = False
                self.error(row, "unit_code", _at_most(_max_length(OrgUnit, "code")))
            plan.name = row.text("unit_name")
            if not plan.name:
                plan.valid = False
                self.error(row, "unit_name", gettext("Required."))
            elif len(plan.name) > _max_length(OrgUnit, "name"):
                plan.valid = False
                self.error(row, "unit_name", _at_most(_max_length(OrgUnit, "name")))
            kind_text = row.text("kind")
            plan.kind = KIND_WORDS.get(kind_text.lower())
            if plan.kind is None:
                plan.valid = False
                if kind_text:
                    reason = gettext(
                        "Unknown kind “%(kind)s”. Use one of: entity (department, office or "
                        "mission), division, section, unit."
                    ) % {"kind": kind_text}
                else:
                    reason = gettext(
                        "Required: entity (department, office or mission), division, section, unit."
                    )
                self.error(row, "kind", reason)
            if "parent_code" in table.columns and row.text("parent_code"):
                plan.parent_code = row.text("parent_code")
            elif plan.kind == OrgUnit.Kind.ENTITY:
                plan.parent_code = ""
            if "head_index_number" in table.columns and row.text("head_index_number"):
                plan.head_index = row.text("head_index_number")

    def check_unit_relations(self, plan: _UnitPlan) -> None:
        row, kind, existing = plan.row, plan.kind, plan.existing
        entity_kind = OrgUnit.Kind.ENTITY
        label = OrgUnit.Kind(kind).label.lower()

        def bad(column: str, reason: str) -> None:
            plan.valid = False
            self.error(row, column, reason)

        if existing and (existing.kind == entity_kind) != (kind == entity_kind):
            current = OrgUnit.Kind(existing.kind).label.lower()
            bad(
                "kind",
                gettext(
                    "%(unit)s is a %(current)s; it cannot become a %(kind)s by import "
                    "(change it in the administration)."
                )
                % {"unit": plan.code, "current": current, "kind": label},
            )
            return
        parent = self.unit_parent(plan.code)
        if kind == entity_kind:
            if plan.parent_code:
                bad(
                    "parent_code",
                    gettext("A department/office/mission has no parent; leave it blank."),
                )
        elif parent is None:
            bad(
                "parent_code",
                gettext("Required for a %(kind)s: the code of the unit above it.")
                % {"kind": label},
            )
        elif parent == plan.code:
            bad("parent_code", gettext("A unit cannot be its own parent."))
        elif not self.unit_known(parent):
            bad("parent_code", _unknown_unit(parent))
        else:
            parent_kind = self.unit_kind(parent)
            if parent_kind and OrgUnit.KIND_DEPTH[parent_kind] >= OrgUnit.KIND_DEPTH[kind]:
                parent_label = OrgUnit.Kind(parent_kind).label.lower()
                column = "parent_code" if plan.parent_code else "kind"
                bad(
                    column,
                    gettext("A %(kind)s cannot sit under a %(parent_kind)s (%(parent)s).")
                    % {"kind": label, "parent_kind": parent_label, "parent": parent},
                )
        if existing:
            for child in self.db_children.get(existing.id, ()):
                if child.code in self.units:
                    continue  # that child's own row is checked against this unit
                if OrgUnit.KIND_DEPTH[child.kind] <= OrgUnit.KIND_DEPTH[kind]:
                    child_label = OrgUnit.Kind(child.kind).label.lower()
                    bad(
                        "kind",
                        gettext(
                            "%(unit)s cannot become a %(kind)s: %(child)s (%(child_kind)s) "
                            "sits under it."
                        )
                        % {
                            "unit": plan.code,
                            "kind": label,
                            "child": child.code,
                            "child_kind": child_label,
                        },
                    )
                    break
        if plan.head_index and not self.staff_known(plan.head_index):
            bad("head_index_number", _unknown_index(plan.head_index))
        if self.scope is not None and plan.valid:
            # None: a unit above is bad, and that row is reported already.
            entities = [self.unit_entity(plan.code)]
            if existing:
                entities.append(self.unit_code_by_id.get(existing.entity_id))
            for entity in entities:
                if entity is not None and not self.entity_allowed(entity):
                    bad("unit_code", self.scope_reason(unit=plan.code, entity_code=entity))
                    break

    def unit_changed(self, plan: _UnitPlan) -> bool:
        existing = plan.existing
        if existing is None:
            return True
        if plan.parent_code is not None and self.unit_parent_db(existing) != plan.parent_code:
            return True
        if plan.head_index is not None and (
            existing.head_id is None or existing.head_id != self.planned_user_id(plan.head_index)
        ):
            return True
        return (existing.name, existing.kind) != (plan.name, plan.kind)

    def unit_parent_db(self, unit: _DbUnit) -> str:
        return self.unit_code_by_id.get(unit.parent_id, "") if unit.parent_id else ""

    # -- staff -------------------------------------------------------------------------------

    def check_staff(self) -> None:
        emails: dict[str, _StaffPlan] = {}
        for table, row in self.rows(STAFF):
            index = row.text("index_number")
            if not index:
                self.error(row, "index_number", gettext("Required."))
                continue
            if index in self.staff:
                first = self.staff[index].row
                self.error(
                    row,
                    "index_number",
                    gettext("Duplicate index number; first given on line %(line)s.")
                    % {"line": first.line},
                )
                continue
            plan = _StaffPlan(row=row, index=index, existing=self.db_staff.get(index))
            self.staff[index] = plan
            self.check_staff_fields(table, plan)
            email = plan.user_values.get("email")
            if email:
                other = emails.get(email)
                if other is not None:
                    plan.valid = False
                    self.error(
                        row,
                        "email",
                        gettext(
                            "Email %(email)s is also given for index number %(index)s on line "
                            "%(line)s."
                        )
                        % {"email": email, "index": other.index, "line": other.row.line},
                    )
                else:
                    emails[email] = plan
                    self.check_email(plan, email)

    def check_staff_fields(self, table: Table, plan: _StaffPlan) -> None:
        row = plan.row

        def bad(column: str, reason: str) -> None:
            plan.valid = False
            self.error(row, column, reason)

        if len(plan.index) > _max_length(StaffMember, "index_number"):
            bad("index_number", _at_most(_max_length(StaffMember, "index_number")))
        for column in ("first_name", "last_name"):
            value = row.text(column)
            if not value:
                bad(column, gettext("Required."))
            elif len(value) > _max_length(User, column):
                bad(column, _at_most(_max_length(User, column)))
            plan.user_values[column] = value
        email = row.text("email").lower()
        if not email:
            bad("email", gettext("Required."))
        else:
            try:
                validate_email(email)
            except ValidationError:
                bad(
                    "email",
                    gettext("“%(value)s” is not a valid email address.")
                    % {"value": row.text("email")},
                )
            else:
                plan.user_values["email"] = email
        grade_text = row.text("grade")
        if not grade_text:
            bad("grade", gettext("Required. Valid grades: %(grades)s.") % {"grades": VALID_GRADES})
        else:
            grade, reason = _parse_grade(grade_text)
            if reason:
                bad("grade", reason)
            plan.values["grade"] = grade
        gender_text = row.text("gender")
        gender = GENDER_WORDS.get(gender_text.lower())
        if gender is None:
            bad(
                "gender",
                gettext("“%(value)s” is not a gender; use F, M or X.") % {"value": gender_text}
                if gender_text
                else gettext("Required: F, M or X."),
            )
        plan.values["gender"] = gender
        plan.unit_code = row.text("unit_code")
        if not plan.unit_code:
            bad("unit_code", gettext("Required."))
        eod = row.cells.get("entry_on_duty", "")
        if eod == "":
            bad(
                "entry_on_duty",
                gettext("Required: a date in the format %(format)s.")
                % {"format": DATE_FORMAT_HINT},
            )
        else:
            value, reason = _parse_date(eod)
            if reason:
                bad("entry_on_duty", reason)
            plan.values["entry_on_duty"] = value
        contract = row.text("contract_type")
        if "contract_type" in table.columns and contract:
            value = CONTRACT_WORDS.get(contract.lower())
            if value is None:
                bad(
                    "contract_type",
                    gettext("Unknown contract type “%(value)s”. Use one of: %(choices)s.")
                    % {"value": contract, "choices": ", ".join(StaffMember.ContractType.values)},
                )
            plan.values["contract_type"] = value
        for column, attribute in (("on_probation", "on_probation"), ("active", "is_active")):
            cell = row.cells.get(column, "")
            if column in table.columns and cell != "":
                value, reason = _parse_bool(cell)
                if reason:
                    bad(column, reason)
                plan.values[attribute] = value

    def check_email(self, plan: _StaffPlan, email: str) -> None:
        owner = self.db_users.get(email)
        existing = plan.existing
        if owner is None:
            return
        if self.scope is not None and (owner["is_superuser"] or owner["is_staff"]):
            plan.valid = False
            self.error(
                plan.row,
                "email",
                gettext(
                    "Email %(email)s is a system administrator's login: only a system "
                    "administrator changes it."
                )
                % {"email": email},
            )
            return
        if existing is not None and owner["id"] == existing.user_id:
            return
        if owner["staff__index_number"]:
            plan.valid = False
            self.error(
                plan.row,
                "email",
                gettext("Email %(email)s is already used by index number %(index)s.")
                % {"email": email, "index": owner["staff__index_number"]},
            )
        elif existing is not None:
            plan.valid = False
            self.error(
                plan.row,
                "email",
                gettext("Email %(email)s belongs to another account (one without a staff profile).")
                % {"email": email},
            )
        elif self.scope is not None:
            plan.valid = False
            self.error(
                plan.row,
                "email",
                gettext(
                    "Email %(email)s is the login of an account without a staff profile: only a "
                    "system administrator links it to a staff member."
                )
                % {"email": email},
            )
        else:
            plan.user_id = owner["id"]  # a login without a staff profile becomes this person's

    def check_staff_relations(self, plan: _StaffPlan) -> None:
        row, existing = plan.row, plan.existing
        if not self.unit_known(plan.unit_code):
            plan.valid = False
            self.error(row, "unit_code", _unknown_unit(plan.unit_code))
            return
        if self.scope is not None:
            entities = [self.unit_entity(plan.unit_code)]
            if existing:
                current_unit = self.db_units[self.unit_code_by_id[existing.unit_id]]
                # "": a staff member whose unit is in no entity is in none of the importer's.
                entities.append(self.unit_code_by_id.get(current_unit.entity_id, ""))
            for entity in entities:
                if entity is not None and not self.entity_allowed(entity):
                    plan.valid = False
                    reason = self.scope_reason(index=plan.index, entity_code=entity or None)
                    self.error(row, "unit_code", reason)
                    return
        if existing is None:
            plan.staff_action = "create"
            if plan.user_id is None:
                plan.user_action = "create"
            else:
                owner = self.db_users[plan.user_values["email"]]
                names = (owner["first_name"], owner["last_name"])
                wanted = (plan.user_values["first_name"], plan.user_values["last_name"])
                plan.user_action = "update" if names != wanted else "unchanged"
            return
        plan.user_id = existing.user_id
        if _email_changed(plan) and plan.user_id in self.privileged_ids:
            plan.valid = False
            self.error(
                row,
                "email",
                gettext(
                    "Index number %(index)s is a privileged account (a system administrator, HOD "
                    "or HR focal point): only a system administrator changes its email address."
                )
                % {"index": plan.index},
            )
            return
        current_user = {
            "first_name": existing.first_name,
            "last_name": existing.last_name,
            "email": existing.email,
        }
        plan.user_action = "update" if current_user != plan.user_values else "unchanged"
        changed = self.unit_code_by_id[existing.unit_id] != plan.unit_code or any(
            getattr(existing, name) != value for name, value in plan.values.items()
        )
        plan.staff_action = "update" if changed else "unchanged"

    def load_privileged(self) -> None:
        """The privileged accounts among those whose email the rows change: only a system
        administrator changes their login (an importer with no scope is one)."""
        self.privileged_ids: set[int] = set()
        if self.scope is None:
            return
        user_ids = [
            p.existing.user_id for p in self.staff.values() if p.valid and _email_changed(p)
        ]
        for chunk in _chunks(user_ids):
            self.privileged_ids.update(
                privileged_accounts(self.today).filter(pk__in=chunk).values_list("pk", flat=True)
            )

    def notify_email_changes(self, actor: User | None) -> None:
        """Tell each old address that its account's login changed: an account taken over through
        a changed address and a password reset does not go unnoticed."""
        subject = phrase(gettext_noop("The email address of your pmsystem account was changed"))
        messages = []
        for plan in self.staff.values():
            if not _email_changed(plan):
                continue
            words = {"email": plan.user_values["email"], "date": self.today}
            if actor is None:
                body = phrase(
                    gettext_noop(
                        "The email address of your pmsystem account was changed to %(email)s by "
                        "a system administrator on %(date)s (staff import). If you did not expect "
                        "this, contact your system administrator."
                    ),
                    **words,
                )
            else:
                body = phrase(
                    gettext_noop(
                        "The email address of your pmsystem account was changed to %(email)s by "
                        "%(actor)s on %(date)s (staff import). If you did not expect this, "
                        "contact %(actor)s at %(actor_email)s or your system administrator."
                    ),
                    actor=str(actor),
                    actor_email=actor.email,
                    **words,
                )
            messages.append((plan.existing.email, language_of(plan.existing), subject, body))
        notify_addresses(messages=messages)

    # -- reporting lines ---------------------------------------------------------------------

    def check_lines(self) -> None:
        seen: dict[tuple[str, str], Row] = {}
        pending: list[tuple[Row, str, Cycle, str, str, datetime.date | None]] = []
        open_cycles = sorted(n for n, c in self.cycles.items() if c.status != Cycle.Status.CLOSED)
        for table, row in self.rows(LINES):
            ok = True

            def bad(column: str, reason: str, row: Row = row) -> None:
                nonlocal ok
                ok = False
                self.error(row, column, reason)

            index = row.text("index_number")
            fro, sro = row.text("fro_index_number"), row.text("sro_index_number")
            cycle_name = row.text("cycle")
            if not index:
                bad("index_number", gettext("Required."))
            elif not self.staff_known(index):
                bad("index_number", _unknown_index(index))
            cycle = self.cycles.get(cycle_name)
            if not cycle_name:
                bad("cycle", gettext("Required: the name of a cycle, e.g. 2026-27."))
            elif cycle is None:
                if open_cycles:
                    reason = gettext("Unknown cycle “%(cycle)s”. Cycles: %(cycles)s.") % {
                        "cycle": cycle_name,
                        "cycles": ", ".join(open_cycles),
                    }
                else:
                    reason = gettext("Unknown cycle “%(cycle)s”. Cycles: none.") % {
                        "cycle": cycle_name
                    }
                bad("cycle", reason)
            elif cycle.status == Cycle.Status.CLOSED:
                bad(
                    "cycle",
                    gettext("Cycle %(cycle)s is closed; its reporting lines cannot change.")
                    % {"cycle": cycle_name},
                )
            for column, value, own, inactive in (
                (
                    "fro_index_number",
                    fro,
                    gettext("A staff member cannot be their own FRO."),
                    gettext("The FRO (%(index)s) is not an active staff member."),
                ),
                (
                    "sro_index_number",
                    sro,
                    gettext("A staff member cannot be their own SRO."),
                    gettext("The SRO (%(index)s) is not an active staff member."),
                ),
            ):
                if not value:
                    bad(column, gettext("Required."))
                elif not self.staff_known(value):
                    bad(column, _unknown_index(value))
                elif value == index:
                    bad(column, own)
                elif not self.staff_active(value):
                    bad(column, inactive % {"index": value})
            if fro and sro and fro == sro:
                bad(
                    "sro_index_number",
                    gettext("The SRO must be a different person from the FRO."),
                )
            effective_from = None
            cell = row.cells.get("effective_from", "")
            if "effective_from" in table.columns and cell != "":
                effective_from, reason = _parse_date(cell)
                if reason:
                    bad("effective_from", reason)
                elif cycle is not None and not cycle.start <= effective_from <= cycle.end:
                    bad(
                        "effective_from",
                        gettext("%(date)s is outside cycle %(cycle)s (%(start)s to %(end)s).")
                        % {
                            "date": effective_from.isoformat(),
                            "cycle": cycle.name,
                            "start": cycle.start.isoformat(),
                            "end": cycle.end.isoformat(),
                        },
                    )
            if index and cycle_name:
                first = seen.get((index, cycle_name))
                if first is not None:
                    bad(
                        "index_number",
                        gettext(
                            "Index number %(index)s already has a line for cycle %(cycle)s on "
                            "line %(line)s."
                        )
                        % {"index": index, "cycle": cycle_name, "line": first.line},
                    )
                else:
                    seen[(index, cycle_name)] = row
            if ok and self.scope is not None:
                entity = self.unit_entity(self.staff_unit_code(index) or "")
                if entity is not None and not self.entity_allowed(entity):
                    bad("index_number", self.scope_reason(index=index, entity_code=entity))
            if ok:
                pending.append((row, index, cycle, fro, sro, effective_from))
        self.plan_lines(pending)

    def plan_lines(self, pending) -> None:
        staff_ids = {self.db_staff[p[1]].user_id for p in pending if p[1] in self.db_staff}
        current: dict[tuple[int, int], dict] = {}
        # The last day of the closed lines, for a staff member whose lines are all closed (a
        # line can be given an end in the Django admin): the next line starts after it.
        closed_until: dict[tuple[int, int], datetime.date] = {}
        for chunk in _chunks(staff_ids):
            for line in ReportingLine.objects.filter(staff_id__in=chunk).values(
                "id", "staff_id", "cycle_id", "fro_id", "sro_id", "effective_from", "effective_to"
            ):
                key = (line["staff_id"], line["cycle_id"])
                if line["effective_to"] is None:
                    current[key] = line
                else:
                    closed_until[key] = max(
                        line["effective_to"], closed_until.get(key, line["effective_to"])
                    )
        self.signed = signed_roles_on_documents(staff_ids)
        # Delegations of FROs and SROs that hold today or later, by principal: read once.
        delegations: dict[int, list[Delegation]] = {}
        for delegation in Delegation.objects.filter(
            role__in=(Delegation.Role.FRO, Delegation.Role.SRO), end__gte=self.today
        ).select_related("acting", "principal"):
            delegations.setdefault(delegation.principal_id, []).append(delegation)
        for row, index, cycle, fro, sro, effective_from in pending:
            staff_id = self.planned_user_id(index) if index in self.db_staff else None
            key = (staff_id, cycle.pk)
            line = current.get(key) if staff_id else None
            ended = closed_until.get(key) if staff_id else None
            plan = _LinePlan(row, index, cycle, fro, sro, effective_from or cycle.start)
            fro_id = self.db_staff[fro].user_id if fro in self.db_staff else None
            sro_id = self.db_staff[sro].user_id if sro in self.db_staff else None
            if line is None and ended is None:
                if not self.acting_otherwise(plan, delegations):
                    self.lines.append(plan)
                continue
            if line is not None and (line["fro_id"], line["sro_id"]) == (fro_id, sro_id):
                plan.action = "unchanged"
                self.lines.append(plan)
                continue
            plan.effective_from = effective_from or min(max(self.today, cycle.start), cycle.end)
            column = "effective_from" if effective_from else "index_number"
            if line is not None and plan.effective_from <= line["effective_from"]:
                self.error(
                    row,
                    column,
                    gettext(
                        "The new reporting line must start after %(date)s, when the current one "
                        "started (give effective_from)."
                    )
                    % {"date": line["effective_from"].isoformat()},
                )
                continue
            if line is None and plan.effective_from <= ended:
                self.error(
                    row,
                    column,
                    gettext(
                        "The new reporting line must start after %(date)s, when the last one "
                        "ends (give effective_from)."
                    )
                    % {"date": ended.isoformat()},
                )
                continue
            clash = self.signed_otherwise(
                staff_id, cycle, {"fro": (fro, fro_id), "sro": (sro, sro_id)}
            )
            if clash:
                self.error(row, f"{clash[1]}_index_number", clash[0])
                continue
            if self.acting_otherwise(plan, delegations):
                continue
            if line is not None:
                plan.action = "update"
                plan.close_line_id = line["id"]
            self.lines.append(plan)

    def acting_otherwise(self, plan: _LinePlan, delegations: dict[int, list[Delegation]]) -> bool:
        """Whether the new line would give an acting FRO or SRO a second role on the staff
        member's document (`services.acting_officer_clash`); the row's error says which."""
        staff_id, fro_id, sro_id = (
            self.planned_user_id(index) for index in (plan.index, plan.fro_index, plan.sro_index)
        )
        if staff_id is None or fro_id is None or sro_id is None:
            return False  # a login created by this import is in no delegation yet
        clash = acting_officer_clash(
            staff_id=staff_id,
            fro_id=fro_id,
            sro_id=sro_id,
            start=plan.effective_from,
            end=None,
            delegations=delegations.get(fro_id, []) + delegations.get(sro_id, []),
            on=self.today,
        )
        if clash is None:
            return False
        delegation, held = clash
        column = f"{held}_index_number" if held != "staff" else f"{delegation.role}_index_number"
        self.error(plan.row, column, acting_officer_refusal(delegation, held))
        return True

    def signed_otherwise(
        self, staff_id: int, cycle: Cycle, officers: dict[str, tuple[str, int | None]]
    ) -> tuple[str, str] | None:
        """A new officer who signed this staff member's document for the cycle in the other
        role (one person, one role per document): the reason and the role, or None."""
        signed = self.signed.get((staff_id, cycle.pk), {})
        for role, (index, officer_id) in officers.items():
            other = signed.get(officer_id, set()) - {role} if officer_id else set()
            if other:
                return (
                    gettext(
                        "Index number %(index)s signed this staff member's %(cycle)s document "
                        "as %(signed)s, so they cannot be named its %(role)s."
                    )
                    % {
                        "index": index,
                        "cycle": cycle,
                        "signed": ", ".join(sorted(r.upper() for r in other)),
                        "role": role.upper(),
                    },
                    role,
                )
        return None

    # -- counts and writes -------------------------------------------------------------------

    def validate(self) -> None:
        self.load()
        self.check_units()
        self.check_staff()
        self.load_privileged()
        for plan in self.units.values():
            if plan.valid:
                self.check_unit_relations(plan)
        for plan in self.staff.values():
            if plan.valid:
                self.check_staff_relations(plan)
        self.check_lines()
        for plan in self.units.values():
            plan.changed = plan.valid and self.unit_changed(plan)
        units, users, staff, lines = (self.counts[k] for k in ("units", "users", "staff", "lines"))
        for plan in self.units.values():
            if plan.existing is None:
                units.created += 1
            elif plan.changed:
                units.updated += 1
            else:
                units.unchanged += 1
        for plan in self.staff.values():
            setattr(users, _ATTR[plan.user_action], getattr(users, _ATTR[plan.user_action]) + 1)
            setattr(staff, _ATTR[plan.staff_action], getattr(staff, _ATTR[plan.staff_action]) + 1)
        for plan in self.lines:
            setattr(lines, _ATTR[plan.action], getattr(lines, _ATTR[plan.action]) + 1)

    def write(self) -> None:
        unit_ids = {code: unit.id for code, unit in self.db_units.items()}
        self.write_units(unit_ids)
        user_ids = {index: s.user_id for index, s in self.db_staff.items()}
        self.write_staff(unit_ids, user_ids)
        self.write_heads(unit_ids, user_ids)
        self.write_lines(user_ids)
        self.analyze_written()

    @staticmethod
    def analyze_written() -> None:
        """A large import changes the tables' sizes: what follows (in this transaction too) is
        planned on the new numbers, not on those from before the import."""
        analyze([OrgUnit, User, StaffMember, ReportingLine])

    def write_units(self, unit_ids: dict[str, int]) -> None:
        new = [p for p in self.units.values() if p.existing is None]
        for depth in sorted({OrgUnit.KIND_DEPTH[p.kind] for p in new}):
            # Parents before children, so every parent has its id.
            level = [p for p in new if OrgUnit.KIND_DEPTH[p.kind] == depth]
            OrgUnit.objects.bulk_create(
                [
                    OrgUnit(
                        code=p.code,
                        name=p.name,
                        kind=p.kind,
                        parent_id=unit_ids[p.parent_code] if p.parent_code else None,
                        entity_id=unit_ids.get(self.unit_entity(p.code) or ""),
                    )
                    for p in level
                ],
                batch_size=BATCH,
            )
            codes = [p.code for p in level]
            for chunk in _chunks(codes):
                unit_ids.update(OrgUnit.objects.filter(code__in=chunk).values_list("code", "id"))
            if depth == 0:
                OrgUnit.objects.filter(pk__in=[unit_ids[c] for c in codes]).update(
                    entity_id=F("pk")
                )
        changes = []
        for p in self.units.values():
            if p.existing is None or not p.changed:
                continue
            values = {"name": p.name, "kind": p.kind}
            if p.parent_code is not None:
                values["parent_id"] = unit_ids[p.parent_code] if p.parent_code else None
            current = {"name": p.existing.name, "kind": p.existing.kind}
            current["parent_id"] = p.existing.parent_id
            changes.append((p.existing.id, _differences(current, values)))
        _update(OrgUnit, changes)
        if new or changes:
            self.recompute_entities()

    @staticmethod
    def recompute_entities() -> None:
        """Every unit's denormalised entity follows its parent chain (units may have moved)."""
        units = {
            u[0]: u for u in OrgUnit.objects.values_list("id", "parent_id", "kind", "entity_id")
        }

        def entity_of(unit_id: int) -> int | None:
            for _ in range(len(OrgUnit.KIND_DEPTH) + 1):
                _, parent_id, kind, _ = units[unit_id]
                if kind == OrgUnit.Kind.ENTITY:
                    return unit_id
                if parent_id is None:
                    return None
                unit_id = parent_id
            return None

        _update(
            OrgUnit,
            [
                (unit_id, {"entity_id": entity_of(unit_id)})
                for unit_id, (_, _, _, entity_id) in units.items()
                if entity_of(unit_id) != entity_id
            ],
        )

    def write_staff(self, unit_ids: dict[str, int], user_ids: dict[str, int]) -> None:
        plans = list(self.staff.values())
        new_users = [
            User(password=_unusable_password(), **p.user_values)
            for p in plans
            if p.user_action == "create"
        ]
        User.objects.bulk_create(new_users, batch_size=BATCH)
        id_by_email = {}
        for chunk in _chunks([u.email for u in new_users]):
            id_by_email.update(User.objects.filter(email__in=chunk).values_list("email", "id"))
        user_changes = []
        for p in plans:
            if p.user_action == "create":
                p.user_id = id_by_email[p.user_values["email"]]
            elif p.user_action == "update":
                if p.existing is not None:
                    current = {name: getattr(p.existing, name) for name in p.user_values}
                else:
                    current = {
                        name: self.db_users[p.user_values["email"]].get(name)
                        for name in p.user_values
                    }
                user_changes.append((p.user_id, _differences(current, p.user_values)))
            user_ids[p.index] = p.user_id
        _update(User, user_changes)
        defaults = {
            "contract_type": StaffMember.ContractType.FIXED_TERM,
            "on_probation": False,
            "is_active": True,
        }
        StaffMember.objects.bulk_create(
            [
                StaffMember(
                    user_id=p.user_id,
                    index_number=p.index,
                    unit_id=unit_ids[p.unit_code],
                    category=category_for_grade(p.values["grade"]),
                    **(defaults | p.values),
                )
                for p in plans
                if p.staff_action == "create"
            ],
            batch_size=BATCH,
        )
        staff_changes = []
        for p in plans:
            if p.staff_action != "update":
                continue
            values = p.values | {"unit_id": unit_ids[p.unit_code]}
            values["category"] = category_for_grade(values["grade"])
            current = {name: getattr(p.existing, name, None) for name in values}
            current["category"] = category_for_grade(p.existing.grade)
            staff_changes.append((p.user_id, _differences(current, values)))
        _update(StaffMember, staff_changes)

    def write_heads(self, unit_ids: dict[str, int], user_ids: dict[str, int]) -> None:
        _update(
            OrgUnit,
            [
                (unit_ids[p.code], {"head_id": user_ids[p.head_index]})
                for p in self.units.values()
                if p.head_index and p.changed
            ],
        )

    def write_lines(self, user_ids: dict[str, int]) -> None:
        one_day = datetime.timedelta(days=1)
        _update(
            ReportingLine,
            [
                (p.close_line_id, {"effective_to": p.effective_from - one_day})
                for p in self.lines
                if p.action == "update"
            ],
        )
        ReportingLine.objects.bulk_create(
            [
                ReportingLine(
                    staff_id=user_ids[p.index],
                    cycle=p.cycle,
                    fro_id=user_ids[p.fro_index],
                    sro_id=user_ids[p.sro_index],
                    effective_from=p.effective_from,
                )
                for p in self.lines
                if p.action != "unchanged"
            ],
            batch_size=BATCH,
        )


def _email_changed(plan: _StaffPlan) -> bool:
    """Whether the row gives a staff member in the system another address (not only other
    capitals)."""
    email = plan.user_values.get("email")
    return plan.existing is not None and email is not None and email != plan.existing.email.lower()


def _unknown_unit(code: str) -> str:
    return gettext("Unknown unit code “%(code)s”: not found in this import or in the system.") % {
        "code": code
    }


def _unknown_index(index: str) -> str:
    return gettext(
        "Unknown index number “%(index)s”: not found in this import or in the system."
    ) % {"index": index}


def _at_most(limit: int) -> str:
    return ngettext("At most %(count)s character.", "At most %(count)s characters.", limit) % {
        "count": limit
    }


def _differences(current: dict, wanted: dict) -> dict:
    return {name: value for name, value in wanted.items() if current.get(name) != value}


def _update(model, changes: Sequence[tuple[int, dict]]) -> None:
    """Write changed fields only. A field with few distinct new values (a reorganisation moves
    thousands of people into a few units; closing lines shares one date) is one UPDATE per
    value; a field with many (names) goes through bulk_update. Django's bulk_update alone
    builds a CASE per row and takes minutes for 40,000 rows."""
    by_field: dict[str, dict[int, object]] = {}
    for pk, values in changes:
        for name, value in values.items():
            by_field.setdefault(name, {})[pk] = value
    for name, values in by_field.items():
        groups: dict[object, list[int]] = {}
        for pk, value in values.items():
            groups.setdefault(value, []).append(pk)
        if len(groups) <= GROUPED_UPDATE_LIMIT:
            for value, pks in groups.items():
                for chunk in _chunks(pks):
                    model.objects.filter(pk__in=chunk).update(**{name: value})
        else:
            objs = []
            for pk, value in values.items():
                obj = model(pk=pk)
                setattr(obj, name, value)
                objs.append(obj)
            model.objects.bulk_update(objs, [name.removesuffix("_id")], batch_size=BATCH)


def _unusable_password() -> str:
    """What make_password(None) stores, without its per-call cost (40,000 users)."""
    return (
        UNUSABLE_PASSWORD_PREFIX
        + secrets.token_urlsafe(UNUSABLE_PASSWORD_SUFFIX_LENGTH)[:UNUSABLE_PASSWORD_SUFFIX_LENGTH]
    )


_ATTR = {"create": "created", "update": "updated", "unchanged": "unchanged"}


def import_org(
    *,
    files: Sequence[tuple[str, bytes | IO[bytes]]],
    actor: User | None = None,
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> ImportResult:
    """Validate every row of the files, then write them all in one transaction, or nothing.

    `files` are (file name, content) pairs; the name's extension (.csv or .xlsx) says how to read
    it. `actor` None means the system (the management command): no entity scope. An HR focal
    point may only touch units, staff and reporting lines of the entities they import for.
    With `dry_run`, or when any row is bad, nothing is written; the result says what would be.
    """
    scope = None if actor is None else importable_entity_ids(actor)
    if scope is not None and not scope:
        raise ApplicationError(gettext("You may not import staff, units or reporting lines."))
    result = ImportResult(dry_run=dry_run)
    tables: list[Table] = []
    for name, content in files:
        data = content if isinstance(content, bytes) else content.read()
        file_tables, errors, warnings = read_tables(name, data)
        tables += file_tables
        result.errors += errors
        result.warnings += warnings
    if result.errors:
        return result  # a file that cannot be read, or a missing column: fix that first
    if not any(table.rows for table in tables):
        result.warnings.append(gettext("There were no rows to import."))
    try:
        with transaction.atomic():
            job = _Import(tables, scope=scope, today=today or datetime.date.today())
            job.validate()
            result.errors = sorted(
                job.errors, key=lambda e: (_source_order(tables, e.source), e.line)
            )
            result.counts = job.counts
            if result.ok and not dry_run:
                job.write()
                job.notify_email_changes(actor)
    except IntegrityError as exc:
        raise ApplicationError(
            gettext(
                "The organisation changed while this file was being imported, so nothing was "
                "written. Import the file again."
            )
        ) from exc
    return result


def _source_order(tables: list[Table], source: str) -> int:
    for position, table in enumerate(tables):
        if table.source == source:
            return position
    return len(tables)
