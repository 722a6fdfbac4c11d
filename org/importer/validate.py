"""Validating an import: every row checked against the files and the database, and planned
(what to create, change or leave), before anything is written; every bad row becomes an
error with its line, column and reason."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext, ngettext

from org.models import (
    Cycle,
    Delegation,
    Grade,
    OrgUnit,
    ReportingLine,
    StaffMember,
    User,
)
from org.permissions import privileged_accounts
from org.services import acting_officer_clash, acting_officer_refusal, signed_roles_on_documents
from pmsystem.i18n import interpolate

from .read import (
    CONTRACT_WORDS,
    DATE_FORMAT_HINT,
    DATE_PATTERN,
    FALSE_WORDS,
    GENDER_WORDS,
    GRADE_PATTERN,
    KIND_WORDS,
    LINES,
    STAFF,
    TRUE_WORDS,
    UNITS,
    VALID_GRADES,
    Cell,
    ImportResult,
    Row,
    RowError,
    Table,
)

# How each planned action is counted.
_ATTR = {"create": "created", "update": "updated", "unchanged": "unchanged"}


def _parse_date(value: Cell) -> tuple[datetime.date | None, str | None]:
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    text = value if isinstance(value, str) else str(value)
    if not DATE_PATTERN.match(text):
        return None, interpolate(
            gettext("“%(value)s” is not a date in the format %(format)s."),
            {
                "value": text,
                "format": DATE_FORMAT_HINT,
            },
        )
    try:
        return datetime.date.fromisoformat(text), None
    except ValueError:
        return None, interpolate(
            gettext("“%(value)s” is not a valid date (format %(format)s)."),
            {
                "value": text,
                "format": DATE_FORMAT_HINT,
            },
        )


def _parse_bool(value: Cell) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True, None
    if text in FALSE_WORDS:
        return False, None
    return None, interpolate(gettext("“%(value)s” is not yes or no."), {"value": value})


def _parse_grade(text: str) -> tuple[str | None, str | None]:
    compact = text.strip().upper().replace(" ", "")
    if compact in Grade.values:
        return compact, None
    match = GRADE_PATTERN.match(compact)
    if match and f"{match[1]}-{match[2]}" in Grade.values:
        return f"{match[1]}-{match[2]}", None
    return None, interpolate(
        gettext("Unknown grade “%(grade)s”. Valid grades: %(grades)s."),
        {
            "grade": text,
            "grades": VALID_GRADES,
        },
    )


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
                    interpolate(
                        gettext("Duplicate unit code; first given on line %(line)s."),
                        {"line": first.line},
                    ),
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
                    reason = interpolate(
                        gettext(
                            "Unknown kind “%(kind)s”. Use one of: entity (department, office or "
                            "mission), division, section, unit."
                        ),
                        {"kind": kind_text},
                    )
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
                interpolate(
                    gettext(
                        "%(unit)s is a %(current)s; it cannot become a %(kind)s by import "
                        "(change it in the administration)."
                    ),
                    {"unit": plan.code, "current": current, "kind": label},
                ),
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
                interpolate(
                    gettext("Required for a %(kind)s: the code of the unit above it."),
                    {"kind": label},
                ),
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
                    interpolate(
                        gettext("A %(kind)s cannot sit under a %(parent_kind)s (%(parent)s)."),
                        {"kind": label, "parent_kind": parent_label, "parent": parent},
                    ),
                )
        if existing:
            for child in self.db_children.get(existing.id, ()):
                if child.code in self.units:
                    continue  # that child's own row is checked against this unit
                if OrgUnit.KIND_DEPTH[child.kind] <= OrgUnit.KIND_DEPTH[kind]:
                    child_label = OrgUnit.Kind(child.kind).label.lower()
                    bad(
                        "kind",
                        interpolate(
                            gettext(
                                "%(unit)s cannot become a %(kind)s: %(child)s (%(child_kind)s) "
                                "sits under it."
                            ),
                            {
                                "unit": plan.code,
                                "kind": label,
                                "child": child.code,
                                "child_kind": child_label,
                            },
                        ),
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
                    interpolate(
                        gettext("Duplicate index number; first given on line %(line)s."),
                        {"line": first.line},
                    ),
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
                        interpolate(
                            gettext(
                                "Email %(email)s is also given for index number %(index)s on line "
                                "%(line)s."
                            ),
                            {"email": email, "index": other.index, "line": other.row.line},
                        ),
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
                    interpolate(
                        gettext("“%(value)s” is not a valid email address."),
                        {"value": row.text("email")},
                    ),
                )
            else:
                plan.user_values["email"] = email
        grade_text = row.text("grade")
        if not grade_text:
            bad(
                "grade",
                interpolate(
                    gettext("Required. Valid grades: %(grades)s."), {"grades": VALID_GRADES}
                ),
            )
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
                interpolate(
                    gettext("“%(value)s” is not a gender; use F, M or X."), {"value": gender_text}
                )
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
                interpolate(
                    gettext("Required: a date in the format %(format)s."),
                    {"format": DATE_FORMAT_HINT},
                ),
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
                    interpolate(
                        gettext("Unknown contract type “%(value)s”. Use one of: %(choices)s."),
                        {"value": contract, "choices": ", ".join(StaffMember.ContractType.values)},
                    ),
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
                interpolate(
                    gettext(
                        "Email %(email)s is a system administrator's login: only a system "
                        "administrator changes it."
                    ),
                    {"email": email},
                ),
            )
            return
        if existing is not None and owner["id"] == existing.user_id:
            return
        if owner["staff__index_number"]:
            plan.valid = False
            self.error(
                plan.row,
                "email",
                interpolate(
                    gettext("Email %(email)s is already used by index number %(index)s."),
                    {"email": email, "index": owner["staff__index_number"]},
                ),
            )
        elif existing is not None:
            plan.valid = False
            self.error(
                plan.row,
                "email",
                interpolate(
                    gettext(
                        "Email %(email)s belongs to another account (one without a staff profile)."
                    ),
                    {"email": email},
                ),
            )
        elif self.scope is not None:
            plan.valid = False
            self.error(
                plan.row,
                "email",
                interpolate(
                    gettext(
                        "Email %(email)s is the login of an account without a staff profile: only "
                        "a system administrator links it to a staff member."
                    ),
                    {"email": email},
                ),
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
                interpolate(
                    gettext(
                        "Index number %(index)s is a privileged account (a system administrator, "
                        "HOD or HR focal point): only a system administrator changes its email "
                        "address."
                    ),
                    {"index": plan.index},
                ),
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
                    reason = interpolate(
                        gettext("Unknown cycle “%(cycle)s”. Cycles: %(cycles)s."),
                        {
                            "cycle": cycle_name,
                            "cycles": ", ".join(open_cycles),
                        },
                    )
                else:
                    reason = interpolate(
                        gettext("Unknown cycle “%(cycle)s”. Cycles: none."), {"cycle": cycle_name}
                    )
                bad("cycle", reason)
            elif cycle.status == Cycle.Status.CLOSED:
                bad(
                    "cycle",
                    interpolate(
                        gettext("Cycle %(cycle)s is closed; its reporting lines cannot change."),
                        {"cycle": cycle_name},
                    ),
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
                        interpolate(
                            gettext("%(date)s is outside cycle %(cycle)s (%(start)s to %(end)s)."),
                            {
                                "date": effective_from.isoformat(),
                                "cycle": cycle.name,
                                "start": cycle.start.isoformat(),
                                "end": cycle.end.isoformat(),
                            },
                        ),
                    )
            if index and cycle_name:
                first = seen.get((index, cycle_name))
                if first is not None:
                    bad(
                        "index_number",
                        interpolate(
                            gettext(
                                "Index number %(index)s already has a line for cycle %(cycle)s on "
                                "line %(line)s."
                            ),
                            {"index": index, "cycle": cycle_name, "line": first.line},
                        ),
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
                    interpolate(
                        gettext(
                            "The new reporting line must start after %(date)s, when the current "
                            "one started (give effective_from)."
                        ),
                        {"date": line["effective_from"].isoformat()},
                    ),
                )
                continue
            if line is None and plan.effective_from <= ended:
                self.error(
                    row,
                    column,
                    interpolate(
                        gettext(
                            "The new reporting line must start after %(date)s, when the last one "
                            "ends (give effective_from)."
                        ),
                        {"date": ended.isoformat()},
                    ),
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
                    interpolate(
                        gettext(
                            "Index number %(index)s signed this staff member's %(cycle)s document "
                            "as %(signed)s, so they cannot be named its %(role)s."
                        ),
                        {
                            "index": index,
                            "cycle": cycle,
                            "signed": ", ".join(sorted(r.upper() for r in other)),
                            "role": role.upper(),
                        },
                    ),
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


def _email_changed(plan: _StaffPlan) -> bool:
    """Whether the row gives a staff member in the system another address (not only other
    capitals)."""
    email = plan.user_values.get("email")
    return plan.existing is not None and email is not None and email != plan.existing.email.lower()


def _unknown_unit(code: str) -> str:
    return interpolate(
        gettext("Unknown unit code “%(code)s”: not found in this import or in the system."),
        {"code": code},
    )


def _unknown_index(index: str) -> str:
    return interpolate(
        gettext("Unknown index number “%(index)s”: not found in this import or in the system."),
        {"index": index},
    )


def _at_most(limit: int) -> str:
    return ngettext("At most %(count)s character.", "At most %(count)s characters.", limit) % {
        "count": limit
    }


def _differences(current: dict, wanted: dict) -> dict:
    return {name: value for name, value in wanted.items() if current.get(name) != value}


# For other apps' imports (training completions): the same date rule and message.
parse_date = _parse_date
