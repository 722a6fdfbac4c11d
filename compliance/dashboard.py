"""Compliance reports (selectors): per stage, how many staff are not started, in progress,
done, done on time and overdue, per entity down to the person, by staff category and by
gender, and the ratings distribution per entity next to the organisation's.

Every figure is computed in SQL: one `GROUP BY` query with conditional counts
(`COUNT(*) FILTER (WHERE ...)`) over the staff of the scope, LEFT-joined to their document of
the cycle; Python only adds up the grouped rows (one per unit, category and gender, never one
per person). The people list and its exports filter with the very same conditions, so a
count on the dashboard and the length of the list behind it always agree.

Definitions (`today` is the site's local date; dates of timestamps are local dates):

- **Population** of a cycle: the staff members whose (current) unit lies in the scope — the
  entities the user holds `manage_entity_compliance` on, or the drilled unit's subtree —
  optionally of one category, who are active and entered on duty by the end of the cycle, plus
  anyone with a document in the cycle whatever their status now. A staff member without a
  document counts as **not started** at every stage.
- **Work plan** — due `cycle.workplan_due`, or for staff who entered on duty after the cycle
  started `cycle.workplan_due_for(staff)` (N months after entry on duty, never before the
  cycle's date). Done = approved; in progress = a document in draft, submitted or returned;
  not started = no document; done on time = approved and `approved_at` on or before the due
  date; overdue = not done and today after the due date.
- **Mid-point review** (reported only when `cycle.midpoint_required`) — due
  `cycle.midpoint_due`. Done = finalised; in progress = open or awaiting the FRO's comments;
  not started = no review yet; on time = `finalised_at` on or before the due date; overdue =
  not done and today after the due date.
- **End-of-cycle evaluation** — due `cycle.end_of_cycle_due`. Done = the SRO signed (the
  evaluation awaits acknowledgement or is completed); in progress = self-evaluation, FRO
  evaluation or SRO review; not started = not started; on time = `sro_signed_at` on or before
  the due date; overdue = not done and today after the due date.
- **Acknowledgement** — due `cycle.end_of_cycle_due`. Done = completed (the staff member
  acknowledged); in progress = awaiting acknowledgement; not started = the SRO has not signed;
  on time = `acknowledged_at` on or before the due date; overdue = not done and today after
  the due date.
- **Extensions**: a stage whose deadline HR extended for a person (`org.deadlines`: the
  latest extension not undone, never earlier than the cycle's date) is due on the extended
  date for "on time" and "overdue" (`due_expression`); the stage's date shown is the cycle's.
- Not started + in progress + done = staff; done = on time + late. **Completion** = done /
  staff × 100 (none when there are no staff).
- **Ratings distribution**: the final rating (`Appraisal.final_rating`, a rebuttal panel's
  if it replaced the FRO's) of completed evaluations, per entity and for the whole
  organisation (every entity, whoever holds it: only counts leave this module).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db import NotSupportedError
from django.db.models import (
    Case,
    Count,
    DateField,
    Expression,
    F,
    FilteredRelation,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.db.models.lookups import GreaterThan, LessThan, LessThanOrEqual
from django.http import Http404
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisals.models import Appraisal
from org import deadlines
from org.models import (
    Category,
    Cycle,
    DeadlineExtension,
    OrgUnit,
    RatingLevel,
    RatingScale,
    StaffMember,
    User,
)
from pmsystem.db import InValues, PreparedQuery, prepared_values
from pmsystem.i18n import interpolate, translated
from schedules.selectors import EntityCount, entity_counts
from workplans.models import MidpointReview, WorkPlan

from .permissions import compliance_entity_rows

WORKPLAN, MIDPOINT, EVALUATION, ACKNOWLEDGEMENT = (
    "workplan",
    "midpoint",
    "evaluation",
    "acknowledgement",
)
COMPLETED = "completed"
STAGE_LABELS = {
    WORKPLAN: _("Work plan"),
    MIDPOINT: _("Mid-point review"),
    EVALUATION: _("End-of-cycle evaluation"),
    ACKNOWLEDGEMENT: _("Acknowledgement"),
    COMPLETED: _("Completed"),
}
STATUS_LABELS = {
    "not_started": _("Not started"),
    "in_progress": _("In progress"),
    "done": _("Done"),
    "on_time": _("Done on time"),
    "late": _("Done late"),
    "overdue": _("Overdue"),
}
# The heading of the dashboard's unit breakdown, and the name of that breakdown in exports,
# by the kind of the units listed (None: the entities the user holds).
UNITS_HEADINGS = {
    None: _("By department, office or mission"),
    OrgUnit.Kind.ENTITY: _("By department, office or mission"),
    OrgUnit.Kind.DIVISION: _("By division"),
    OrgUnit.Kind.SECTION: _("By section"),
    OrgUnit.Kind.UNIT: _("By unit"),
}
UNITS_BREAKDOWNS = {
    None: _("Department, office or mission"),
    OrgUnit.Kind.ENTITY: _("Department, office or mission"),
    OrgUnit.Kind.DIVISION: _("Division"),
    OrgUnit.Kind.SECTION: _("Section"),
    OrgUnit.Kind.UNIT: _("Unit"),
}
NO_DOCUMENT = _("Not started (no document)")
NO_WORK_PLAN = _("No work plan")
PEOPLE_PER_PAGE = 50
DOC = "doc"  # the staff member's document (work plan) of the cycle, LEFT-joined
LINE = "line"  # the staff member's current reporting line of the cycle, LEFT-joined

WP, MP, AP = WorkPlan.State, MidpointReview.State, Appraisal.State


@dataclass(frozen=True)
class StageRule:
    """How one stage reads the document: where its state is and which states mean what."""

    key: str
    state_path: str
    done_states: tuple[str, ...]
    in_progress_states: tuple[str, ...]
    done_at: str  # the timestamp compared with the due date for "done on time"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.key]


RULES = {
    WORKPLAN: StageRule(
        WORKPLAN,
        f"{DOC}__state",
        (WP.APPROVED,),
        (WP.DRAFT, WP.SUBMITTED, WP.RETURNED),
        f"{DOC}__approved_at",
    ),
    MIDPOINT: StageRule(
        MIDPOINT,
        f"{DOC}__midpoint__state",
        (MP.FINALISED,),
        (MP.OPEN, MP.STAFF_SUBMITTED),
        f"{DOC}__midpoint__finalised_at",
    ),
    EVALUATION: StageRule(
        EVALUATION,
        f"{DOC}__appraisal__state",
        (AP.ACKNOWLEDGEMENT, AP.COMPLETED),
        (AP.SELF_ASSESSMENT, AP.FRO_EVALUATION, AP.SRO_REVIEW),
        f"{DOC}__appraisal__sro_signed_at",
    ),
    ACKNOWLEDGEMENT: StageRule(
        ACKNOWLEDGEMENT,
        f"{DOC}__appraisal__state",
        (AP.COMPLETED,),
        (AP.ACKNOWLEDGEMENT,),
        f"{DOC}__appraisal__acknowledged_at",
    ),
}


def stages_of(cycle: Cycle) -> list[str]:
    """The stages reported for `cycle`: the mid-point review only when the cycle requires it."""
    return [s for s in RULES if s != MIDPOINT or cycle.midpoint_required]


# --- the work-plan due date in SQL ---------------------------------------------------------


class _MonthsAfter(Func):
    """The date `months` months after a date, on the same day but at most the 28th: the SQL
    twin of the new-staff branch of `Cycle.workplan_due_for`."""

    output_field = DateField()

    def __init__(self, date: Expression | str, months: int):
        super().__init__(F(date) if isinstance(date, str) else date)
        self.months = int(months)  # an int from the cycle row, inlined as a literal

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError(f"No work-plan due date SQL for {connection.vendor}.")

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(date_trunc('month', ({sql})::timestamp)"
            f" + make_interval(months => {self.months})"
            f" + make_interval(days => least(extract(day from {sql})::int, 28) - 1))::date",
            [*params, *params],
        )

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"date({sql}, 'start of month', '+{self.months} months', "
            f"'+' || (min(cast(strftime('%%d', {sql}) as integer), 28) - 1) || ' days')",
            [*params, *params],
        )


def workplan_due_expression(cycle: Cycle, entry_on_duty: str = "entry_on_duty") -> Case:
    """Each staff member's work-plan due date, as `Cycle.workplan_due_for` computes it (no
    extension: `due_expression` adds them)."""
    due = Value(cycle.workplan_due, output_field=DateField())
    return Case(
        When(
            **{f"{entry_on_duty}__gt": cycle.start},
            then=Greatest(due, _MonthsAfter(entry_on_duty, cycle.new_staff_workplan_months)),
        ),
        default=due,
        output_field=DateField(),
    )


# Each stage's deadline (`DeadlineExtension.Deadline`): the cycle's date HR may extend.
STAGE_DEADLINES = {
    WORKPLAN: DeadlineExtension.Deadline.WORK_PLAN,
    MIDPOINT: DeadlineExtension.Deadline.MIDPOINT,
    EVALUATION: DeadlineExtension.Deadline.END_OF_CYCLE,
    ACKNOWLEDGEMENT: DeadlineExtension.Deadline.END_OF_CYCLE,
}


def due_expression(cycle: Cycle, stage: str) -> Expression:
    """Each staff member's due date for `stage` (rows: staff members): the cycle's (for the
    work plan, their own when they joined late), or the later date of an extension HR gave
    them and did not undo (`org.deadlines`, the rule My tasks and the reminders follow)."""
    base: Expression = (
        workplan_due_expression(cycle)
        if stage == WORKPLAN
        else Value(stage_due(cycle, stage), output_field=DateField())
    )
    extended = deadlines.latest_extension(STAGE_DEADLINES[stage], cycle=cycle.pk, staff="pk")
    return Greatest(base, Coalesce(extended, base), output_field=DateField())


def stage_due(cycle: Cycle, stage: str) -> datetime.date:
    """The stage's due date on the cycle (a person's may be later: `due_expression`)."""
    return {
        WORKPLAN: cycle.workplan_due,
        MIDPOINT: cycle.midpoint_due,
        EVALUATION: cycle.end_of_cycle_due,
        ACKNOWLEDGEMENT: cycle.end_of_cycle_due,
    }[stage]


# --- the conditions, shared by the counts and the people list -------------------------------


def done_q(stage: str) -> Q:
    rule = RULES[stage]
    return Q(**{f"{rule.state_path}__in": rule.done_states})


def in_progress_q(stage: str) -> Q:
    rule = RULES[stage]
    return Q(**{f"{rule.state_path}__in": rule.in_progress_states})


_ALL_STATES = {
    WORKPLAN: tuple(WP.values),
    MIDPOINT: tuple(MP.values),
    EVALUATION: tuple(AP.values),
    ACKNOWLEDGEMENT: tuple(AP.values),
}


def not_started_q(stage: str) -> Q:
    rule = RULES[stage]
    rest = [
        s
        for s in _ALL_STATES[stage]
        if s not in rule.done_states and s not in rule.in_progress_states
    ]
    return Q(**{f"{rule.state_path}__isnull": True}) | Q(**{f"{rule.state_path}__in": rest})


def not_done_q(stage: str) -> Q:
    """No document, no stage row yet, or a state that is not done."""
    rule = RULES[stage]
    rest = [s for s in _ALL_STATES[stage] if s not in rule.done_states]
    return Q(**{f"{rule.state_path}__isnull": True}) | Q(**{f"{rule.state_path}__in": rest})


def on_time_q(stage: str, cycle: Cycle) -> Q:
    """Done on or before the person's due date (a local date)."""
    rule = RULES[stage]
    return done_q(stage) & Q(LessThanOrEqual(TruncDate(rule.done_at), due_expression(cycle, stage)))


def late_q(stage: str, cycle: Cycle) -> Q:
    rule = RULES[stage]
    after = Q(GreaterThan(TruncDate(rule.done_at), due_expression(cycle, stage)))
    return done_q(stage) & (after | Q(**{f"{rule.done_at}__isnull": True}))


def overdue_q(stage: str, cycle: Cycle, today: datetime.date) -> Q:
    """Not done, and today after the person's due date."""
    return not_done_q(stage) & Q(LessThan(due_expression(cycle, stage), today))


def status_q(stage: str, status: str, cycle: Cycle, today: datetime.date) -> Q:
    """The people of `stage` in `status` (one of STATUS_LABELS)."""
    return {
        "not_started": lambda: not_started_q(stage),
        "in_progress": lambda: in_progress_q(stage),
        "done": lambda: done_q(stage),
        "on_time": lambda: on_time_q(stage, cycle),
        "late": lambda: late_q(stage, cycle),
        "overdue": lambda: overdue_q(stage, cycle, today),
    }[status]()


def people_where(scope: Scope, stage: str, status: str) -> Q | None:
    """What narrows a people list to a stage's status: both given, else nothing (the view
    takes a lone stage or status as neither)."""
    return status_q(stage, status, scope.cycle, scope.today) if stage and status else None


# --- scope: what the user asked for, checked against what they hold --------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str
    kind: str = OrgUnit.Kind.ENTITY
    parent_id: int | None = None

    @property
    def kind_label(self) -> str:
        return OrgUnit.Kind(self.kind).label

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


@dataclass
class UnitTree:
    """The units of one entity, read in one query, walked in memory."""

    units: dict[int, UnitRef]
    children: dict[int | None, list[int]]

    @classmethod
    def of(cls, rows: Iterable[tuple]) -> UnitTree:
        units = {row[0]: UnitRef(*row) for row in rows}
        children: dict[int | None, list[int]] = defaultdict(list)
        for unit in sorted(units.values(), key=lambda u: u.code):
            children[unit.parent_id].append(unit.id)
        return cls(units, children)

    def subtree_ids(self, unit_id: int) -> list[int]:
        ids, todo = [], [unit_id]
        while todo:
            current = todo.pop()
            ids.append(current)
            todo.extend(self.children.get(current, ()))
        return ids

    def ancestors(self, unit_id: int) -> list[UnitRef]:
        """From the entity down to the unit itself."""
        chain = []
        current: int | None = unit_id
        while current is not None:
            chain.append(self.units[current])
            current = self.units[current].parent_id
        return chain[::-1]

    def child_towards(self, node_id: int, unit_id: int) -> int | None:
        """The child of `node_id` on the way down to `unit_id` (None: the node itself)."""
        previous = None
        current: int | None = unit_id
        while current is not None and current != node_id:
            previous, current = current, self.units[current].parent_id
        return previous


_UNIT_FIELDS = ("pk", "code", "name", "kind", "parent_id")


@dataclass(frozen=True)
class Scope:
    """The report's cycle, units and category, within the entities the user holds."""

    cycle: Cycle | None
    cycles: list[Cycle]
    entities: list[UnitRef]  # every entity the user holds
    node: UnitRef | None = None  # the drilled entity or unit; None = all held entities
    tree: UnitTree | None = None  # the units of the node's entity
    category: str = ""
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def entity(self) -> UnitRef | None:
        return self.tree.ancestors(self.node.id)[0] if self.node else None

    @property
    def breadcrumbs(self) -> list[UnitRef]:
        return self.tree.ancestors(self.node.id) if self.node else []

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category else ""

    @property
    def querystring(self) -> str:
        return urlencode(self.params())

    @property
    def querystring_top(self) -> str:
        """This cycle and category over every held entity."""
        return urlencode({k: v for k, v in self.params().items() if k != "unit"})

    @property
    def querystring_entity(self) -> str:
        return urlencode(self.params(unit=self.entity.id)) if self.node else self.querystring

    @property
    def breadcrumb_links(self) -> list[tuple[UnitRef, str]]:
        return [(unit, urlencode(self.params(unit=unit.id))) for unit in self.breadcrumbs]

    @property
    def category_choices(self) -> list[tuple[str, str]]:
        return Category.choices

    def params(self, **extra) -> dict[str, str | int]:
        """The query string that selects this scope (for links and exports)."""
        values: dict[str, str | int] = {}
        if self.cycle:
            values["cycle"] = self.cycle.pk
        if self.node:
            values["unit"] = self.node.id
        if self.category:
            values["category"] = self.category
        values.update({k: v for k, v in extra.items() if v not in (None, "")})
        return values


# On every compliance page: compiled once per process and prepared (issue 14).
_CYCLES = PreparedQuery(lambda: Cycle.objects.order_by("-start"))


# The units of a unit's entity, if it is one of `held`: on every drilled compliance page,
# compiled once per process and prepared (issue 14).
_TREE = PreparedQuery(
    lambda *, node_id, held: OrgUnit.objects.filter(
        entity_id__in=OrgUnit.objects.filter(pk=node_id)
        .filter(InValues("entity_id", held))
        .values("entity_id")
    ).values_list(*_UNIT_FIELDS),
    node_id=-2_000_000_235,
    held=[-2_000_000_237],
)


def resolve_scope(
    user: User,
    *,
    cycle_id: int | None = None,
    entity_id: int | None = None,
    unit_id: int | None = None,
    category: str = "",
    today: datetime.date | None = None,
) -> Scope:
    """Check the requested cycle, entity and unit against what `user` holds.

    A user holding `manage_entity_compliance` on no entity is refused (403); an entity or unit
    outside the held entities answers 404, the same as one that does not exist, and so does a
    unit outside the requested entity or an unknown cycle."""
    entities = [UnitRef(pk, code, name) for pk, code, name in compliance_entity_rows(user)]
    if not entities:
        raise PermissionDenied(gettext("Compliance reports are for the HODs and HR focal points."))
    held = {e.id for e in entities}
    cycles = _CYCLES.objects()
    if cycle_id is not None:
        cycle = next((c for c in cycles if c.pk == cycle_id), None)
        if cycle is None:
            raise Http404("No such cycle.")
    else:
        opened = [c for c in cycles if c.status == Cycle.Status.OPEN]
        cycle = (opened or cycles or [None])[0]
    if category and category not in Category.values:
        raise Http404("No such category.")
    node_id = unit_id if unit_id is not None else entity_id
    if node_id is None:
        return Scope(
            cycle, cycles, entities, category=category, today=today or timezone.localdate()
        )
    # The whole tree of the unit's entity, only if the user holds that entity: one query.
    tree = UnitTree.of(_TREE.rows(node_id=node_id, held=sorted(held)))
    if node_id not in tree.units:
        raise Http404("No such unit.")
    if entity_id is not None and tree.ancestors(node_id)[0].id != entity_id:
        raise Http404("No such unit in this entity.")
    return Scope(
        cycle,
        cycles,
        entities,
        node=tree.units[node_id],
        tree=tree,
        category=category,
        today=today or timezone.localdate(),
    )


# --- the population -------------------------------------------------------------------------


def population(scope: Scope, where: Q | None = None) -> QuerySet[StaffMember]:
    """The staff of the scope, each LEFT-joined to their document of the cycle (`doc`);
    `where` narrows it further (a stage status).

    One `filter()` call: a second one naming the document would join it a second time."""
    cycle = scope.cycle
    condition = Q(is_active=True, entry_on_duty__lte=cycle.end) | Q(**{f"{DOC}__isnull": False})
    if scope.node is None:
        condition &= Q(unit__entity_id__in=[e.id for e in scope.entities])
    elif scope.node.kind == OrgUnit.Kind.ENTITY:
        condition &= Q(unit__entity_id=scope.node.id)
    else:
        condition &= Q(unit_id__in=scope.tree.subtree_ids(scope.node.id))
    if scope.category:
        condition &= Q(category=scope.category)
    if where is not None:
        condition &= where
    return with_document(StaffMember.objects.all(), cycle).filter(condition)


def with_document(staff: QuerySet[StaffMember], cycle: Cycle) -> QuerySet[StaffMember]:
    """`staff`, each LEFT-joined to their document of the cycle (`doc`)."""
    return staff.annotate(
        **{DOC: FilteredRelation("work_plans", condition=Q(work_plans__cycle_id=cycle.pk))}
    )


def counters(cycle: Cycle, today: datetime.date) -> dict[str, Count]:
    """The conditional counts of one `GROUP BY` row. Overdue is counted per stage: a person's
    due date may be later than the cycle's (new staff's work plan, HR's extensions)."""
    counts = {"total": Count("pk")}
    for stage in stages_of(cycle):
        counts[f"{stage}_done"] = Count("pk", filter=done_q(stage))
        counts[f"{stage}_in_progress"] = Count("pk", filter=in_progress_q(stage))
        counts[f"{stage}_on_time"] = Count("pk", filter=on_time_q(stage, cycle))
        counts[f"{stage}_overdue"] = Count("pk", filter=overdue_q(stage, cycle, today))
    return counts


# --- the dashboard --------------------------------------------------------------------------


@dataclass
class StageCounts:
    stage: str
    due: datetime.date
    total: int = 0
    not_started: int = 0
    in_progress: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    links: dict[str, str] = field(default_factory=dict)  # status -> people-list query string

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def late(self) -> int:
        return self.done - self.on_time

    @property
    def completion(self) -> float | None:
        return round(100 * self.done / self.total, 1) if self.total else None

    @property
    def cells(self) -> list[tuple[str, int | float | None, str]]:
        """(status, value, people-list query string) in the tables' column order."""
        values = [
            ("not_started", self.not_started),
            ("in_progress", self.in_progress),
            ("done", self.done),
            ("on_time", self.on_time),
            ("late", self.late),
            ("overdue", self.overdue),
        ]
        cells = [(status, value, self.links.get(status, "")) for status, value in values]
        return [*cells, ("completion", self.completion, "")]


@dataclass
class GroupRow:
    """One line of a breakdown: a unit, a category or a gender (or the whole scope)."""

    key: str | int | None
    label: str
    stages: list[StageCounts]
    query: str = ""  # the query string of this line's scope ("" when it has no list)
    unit_id: int | None = None  # set when the line drills down to a unit
    total: int = 0

    def stage(self, key: str) -> StageCounts:
        return next(s for s in self.stages if s.stage == key)

    @property
    def breakdown_cells(self) -> list[tuple[str, str]]:
        """Per stage: done, overdue and completion, as (text, people-list query string or "")
        — what a breakdown table's row shows, ready to print."""
        numbers = NumberText()
        cells = []
        for s in self.stages:
            cells.append((numbers.count(s.done), s.links.get("done", "") if s.done else ""))
            cells.append(
                (numbers.count(s.overdue), s.links.get("overdue", "") if s.overdue else "")
            )
            cells.append(("—" if s.completion is None else numbers.percent(s.completion), ""))
        return cells


class NumberText:
    """Counts and percentages as `formats.number_format` writes them in the active language,
    its formats read once: it reads three of them on each call, and a dashboard prints some
    three hundred numbers (a few milliseconds of each request, issue 14)."""

    def __init__(self) -> None:
        self.grouping = settings.USE_THOUSAND_SEPARATOR
        self.decimal = formats.get_format("DECIMAL_SEPARATOR")
        self.pattern = gettext("%(value)s%%")

    def count(self, value: int) -> str:
        # Without grouping, number_format writes an integer as str() does.
        return formats.number_format(value) if self.grouping else str(value)

    def percent(self, value: float) -> str:
        """One decimal, cut from str() as number_format cuts it (the values come rounded to
        one decimal)."""
        if self.grouping:
            text = formats.number_format(value, 1)
        else:
            whole, _, decimals = str(value).partition(".")
            text = f"{whole}{self.decimal}{(decimals + '0')[:1]}"
        return interpolate(self.pattern, {"value": text})


def percent(value: float) -> str:
    """A percentage with one decimal, as the reader writes it (87.5%, 87,5 %)."""
    return NumberText().percent(value)


@dataclass
class Dashboard:
    scope: Scope
    stages: list[str]
    summary: GroupRow
    units: list[GroupRow]
    units_heading: str
    units_breakdown: str  # what the unit lines are, for exports ("Division")
    by_category: list[GroupRow]
    by_gender: list[GroupRow]
    ratings: RatingsTable


def _group_row(key, label, sums: dict[str, int], scope: Scope, params=None) -> GroupRow:
    """A breakdown line from summed counters; `params` selects its people (None: no list)."""
    cycle = scope.cycle
    total = sums.get("total", 0)
    base = urlencode(params) if params is not None else None
    stages = []
    for stage in stages_of(cycle):
        done = sums.get(f"{stage}_done", 0)
        in_progress = sums.get(f"{stage}_in_progress", 0)
        # Stage and status are slugs: appended as they are, not encoded again per cell.
        links = (
            {status: f"{base}&stage={stage}&status={status}" for status in STATUS_LABELS}
            if base is not None
            else {}
        )
        stages.append(
            StageCounts(
                stage=stage,
                due=stage_due(cycle, stage),
                total=total,
                not_started=total - done - in_progress,
                in_progress=in_progress,
                done=done,
                on_time=sums.get(f"{stage}_on_time", 0),
                overdue=sums.get(f"{stage}_overdue", 0),
                links=links,
            )
        )
    return GroupRow(
        key=key,
        label=label,
        stages=stages,
        query=base or "",
        unit_id=params.get("unit") if params else None,
        total=total,
    )


def _column_sums(groups: dict[Any, list[tuple]], names: list[str]) -> dict[Any, dict[str, int]]:
    """Per group, its rows' counts added column by column (`zip` and `sum` do the work: adding
    them a name at a time was a millisecond and a half of each dashboard, issue 14)."""
    return {
        key: dict(zip(names, map(sum, zip(*rows, strict=True)), strict=True))
        for key, rows in groups.items()
    }


def _grouped_rows(scope: Scope, group: str) -> tuple[list[str], list[tuple]]:
    """The counts' names and the rows (group, category, gender, *counts) of the scope, from
    the maintained summary on PostgreSQL, else aggregated over the base tables."""
    from . import summary

    if summary.available():  # the same rows, kept up to date by triggers (compliance.summary)
        return summary.grouped_sums(scope)
    rows = list(
        population(scope)
        .values(group, "category", "gender")
        .annotate(**counters(scope.cycle, scope.today))
        .order_by()
    )
    names = list(counters(scope.cycle, scope.today))
    return names, [
        (row[group], row["category"], row["gender"], *(row[name] or 0 for name in names))
        for row in rows
    ]


def compliance_dashboard(scope: Scope) -> Dashboard:
    """The dashboard of `scope`: one aggregate query (plus two for the ratings).

    Rows are grouped by (entity or unit, category, gender) in SQL; the per-unit, per-category
    and per-gender lines and the summary are sums of those grouped rows. On PostgreSQL they
    are read from the maintained summary (`compliance.summary`, a few thousand rows), which
    always equals this module's aggregate over the base tables."""
    cycle = scope.cycle
    group = "unit__entity_id" if scope.node is None else "unit_id"
    names, rows = _grouped_rows(scope, group)
    every: dict[None, list[tuple]] = {None: []}
    unit_rows: dict[int | None, list[tuple]] = defaultdict(list)
    categories: dict[str, list[tuple]] = defaultdict(list)
    genders: dict[str, list[tuple]] = defaultdict(list)
    towards = scope.tree.child_towards if scope.node is not None else None
    for key, category, gender, *counts in rows:
        if towards is not None:
            key = towards(scope.node.id, key)
        every[None].append(counts)
        unit_rows[key].append(counts)
        categories[category].append(counts)
        genders[gender].append(counts)
    summary = _column_sums(every, names)[None] if rows else {}
    by_unit: dict[int | None, dict[str, int]] = defaultdict(dict, _column_sums(unit_rows, names))
    by_category = _column_sums(categories, names)
    by_gender = _column_sums(genders, names)

    if scope.node is None:
        units = [
            _group_row(e.id, str(e), by_unit[e.id], scope, scope.params(unit=e.id))
            for e in scope.entities
        ]
        kind = None
    else:
        children = [scope.tree.units[i] for i in scope.tree.children.get(scope.node.id, ())]
        units = [
            _group_row(c.id, str(c), by_unit[c.id], scope, scope.params(unit=c.id))
            for c in children
        ]
        if children and by_unit.get(None):  # a leaf unit's own staff are its people list
            directly = interpolate(gettext("Directly in %(unit)s"), {"unit": scope.node.code})
            units.insert(0, _group_row(None, directly, by_unit[None], scope))
        kind = scope.tree.units[children[0].id].kind if children else OrgUnit.Kind.UNIT
    return Dashboard(
        scope=scope,
        stages=stages_of(cycle),
        summary=_group_row(None, gettext("All staff in scope"), summary, scope, scope.params()),
        units=units,
        units_heading=str(UNITS_HEADINGS[kind]),
        units_breakdown=str(UNITS_BREAKDOWNS[kind]),
        by_category=[
            _group_row(value, str(label), by_category[value], scope, scope.params(category=value))
            for value, label in Category.choices
            if value in by_category
        ],
        by_gender=[
            _group_row(value, str(label), by_gender[value], scope)
            for value, label in StaffMember.Gender.choices
            if value in by_gender
        ],
        ratings=ratings_distribution(scope),
    )


# --- ratings --------------------------------------------------------------------------------


@dataclass
class RatingsRow:
    label: str
    counts: list[int]
    is_organisation: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def shares(self) -> list[float | None]:
        total = self.total
        return [round(100 * n / total, 1) if total else None for n in self.counts]

    @property
    def cells(self) -> list[tuple[int, float | None]]:
        return list(zip(self.counts, self.shares, strict=True))

    @property
    def cell_texts(self) -> list[tuple[str, str | None]]:
        """`cells` as the table prints them: the count, and the share as a percentage (None
        without any), written once per row (`NumberText`)."""
        numbers = NumberText()
        return [
            (numbers.count(count), None if share is None else numbers.percent(share))
            for count, share in self.cells
        ]


@dataclass
class RatingsTable:
    levels: list[tuple[str, str]]  # (code, label as stored: show it with `translated`)
    rows: list[RatingsRow]


# On every dashboard: compiled once per process and prepared (issue 14).
_OVERALL_LEVELS = PreparedQuery(
    lambda *, cycle_id: (
        RatingLevel.objects.filter(scale__cycle_id=cycle_id, scale__kind=RatingScale.Kind.OVERALL)
        .order_by("rank")
        .values_list("pk", "code", "label")
    ),
    cycle_id=-2_000_000_227,
)


def ratings_distribution(scope: Scope) -> RatingsTable:
    """Final ratings of completed evaluations per entity of the scope and for the whole
    organisation (same cycle and category): two queries."""
    cycle = scope.cycle
    levels = [tuple(row) for row in _OVERALL_LEVELS.rows(cycle_id=cycle.pk)]
    from . import summary

    level_ids = [pk for pk, _, _ in levels]
    if summary.available():  # kept up to date by triggers (compliance.summary)
        counted = summary.rating_counts(scope, level_ids)
    else:
        # The cycle's own levels pick its evaluations through the final_rating index, without
        # reading every other cycle's completed evaluations.
        appraisals = Appraisal.objects.filter(final_rating_id__in=level_ids, state=AP.COMPLETED)
        if scope.category:
            appraisals = appraisals.filter(document__staff__category=scope.category)
        counted = list(
            appraisals.values_list("document__staff__unit__entity_id", "final_rating_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    per_entity: dict[int, dict[int, int]] = defaultdict(dict)
    for entity_id, level_id, n in counted:
        per_entity[entity_id][level_id] = n
    entities = [scope.entity] if scope.node else scope.entities
    rows = [
        RatingsRow(str(e), [per_entity[e.id].get(pk, 0) for pk, _, _ in levels]) for e in entities
    ]
    rows.append(
        RatingsRow(
            gettext("Whole organisation"),
            [sum(c.get(pk, 0) for c in per_entity.values()) for pk, _, _ in levels],
            is_organisation=True,
        )
    )
    return RatingsTable(levels=[(code, label) for _, code, label in levels], rows=rows)


# --- special schedules ----------------------------------------------------------------------


def special_schedules(scope: Scope) -> list[tuple[UnitRef, EntityCount | None]]:
    """Each entity in view with its staff on special schedules and their milestones done, due
    and overdue (`schedules.selectors.entity_counts`, the figures of the entity's schedules
    page), for the dashboard and its exports alike.

    Rule: counted only when the view holds one entity (a drill-down, which counts its whole
    entity, or an HR focal point of one entity); over several, None for each, whose page
    counts. Counting works out every milestone of every person on a schedule: 267 ms for the
    16 entities of the 40,000-staff demo (1,792 people), too much for the page everyone
    refreshes (issue 14). One query for one entity, none for several."""
    entities = [scope.entity] if scope.node else scope.entities
    ids = [e.id for e in entities]
    counts = entity_counts(ids, scope.today) if len(ids) == 1 else {}
    return [(e, counts.get(e.id)) for e in entities]


# --- people ---------------------------------------------------------------------------------

PEOPLE_FIELDS = (
    "pk",
    "index_number",
    "user__first_name",
    "user__last_name",
    "user__email",
    "category",
    "gender",
    "unit__code",
    "unit__name",
    f"{DOC}__id",
    f"{DOC}__state",
    f"{DOC}__midpoint__state",
    f"{DOC}__appraisal__state",
    "workplan_due",
    "midpoint_due",
    "end_of_cycle_due",
    f"{LINE}__fro__user__first_name",
    f"{LINE}__fro__user__last_name",
    f"{LINE}__fro__user__email",
)


def people(scope: Scope, *, stage: str = "", status: str = "") -> QuerySet:
    """The people of the scope (with both `stage` and `status`: those of the stage in that
    status), as value tuples in
    PEOPLE_FIELDS order, sorted by name: one query per page, streamed by the exports."""
    cycle = scope.cycle
    where = people_where(scope, stage, status)
    return with_columns(population(scope, where), cycle).order_by(*PEOPLE_ORDER)


def with_columns(staff: QuerySet[StaffMember], cycle: Cycle) -> QuerySet:
    """The people list's columns (PEOPLE_FIELDS) of `staff` (joined to their document of the
    cycle, `with_document`)."""
    return staff.annotate(
        **{
            LINE: FilteredRelation(
                "lines",
                condition=Q(lines__cycle_id=cycle.pk, lines__effective_to__isnull=True),
            )
        },
        workplan_due=due_expression(cycle, WORKPLAN),
        midpoint_due=due_expression(cycle, MIDPOINT),
        end_of_cycle_due=due_expression(cycle, EVALUATION),
    ).values_list(*PEOPLE_FIELDS)


def _columns_query(months: int) -> PreparedQuery:
    """`with_columns` of the staff of some ids, for a cycle whose new staff have `months`
    months for their work plan (a literal of the SQL, the rest of the cycle its parameters):
    compiled once per process and prepared, where building and compiling its expressions
    was a fifth of each drilled people list (issue 14)."""
    query = _COLUMNS.get(months)
    if query is None:

        def build(*, ids, cycle_id, start, workplan_due, midpoint_due, end_of_cycle_due):
            cycle = Cycle(
                pk=cycle_id,
                start=start,
                workplan_due=workplan_due,
                midpoint_due=midpoint_due,
                end_of_cycle_due=end_of_cycle_due,
                new_staff_workplan_months=months,
            )
            staff = with_document(StaffMember.objects.filter(InValues("pk", ids)), cycle)
            return with_columns(staff, cycle)

        query = _COLUMNS[months] = PreparedQuery(
            build,
            ids=[-2_000_000_243],
            cycle_id=-2_000_000_245,
            start=datetime.date(1901, 4, 7),
            workplan_due=datetime.date(1901, 4, 8),
            midpoint_due=datetime.date(1901, 4, 9),
            end_of_cycle_due=datetime.date(1901, 4, 10),
        )
    return query


_COLUMNS: dict[int, PreparedQuery] = {}


def people_columns(cycle: Cycle, ids: list[int]) -> list[tuple]:
    """`people()`'s rows of the staff `ids` (in no order): the same columns."""
    return _columns_query(cycle.new_staff_workplan_months).values(
        ids=ids,
        cycle_id=cycle.pk,
        start=cycle.start,
        workplan_due=cycle.workplan_due,
        midpoint_due=cycle.midpoint_due,
        end_of_cycle_due=cycle.end_of_cycle_due,
    )


# The people lists' order: by name, then index number (unique: no two runs differ).
PEOPLE_ORDER = ("user__last_name", "user__first_name", "index_number")
# A drilled people list of at most this many people finds a page's people among all its ids
# in order (`people_page`), a larger one with the page's LIMIT.
SORTED_WHOLE_UP_TO = 2_000


def people_count(scope: Scope, *, stage: str = "", status: str = "") -> int:
    """How many `people()` lists: the dashboard's figure (the maintained summary on
    PostgreSQL), else counted without the joins that only feed its columns."""
    from . import summary

    if summary.available():
        return summary.status_count(scope, stage if status else "", status if stage else "")
    where = people_where(scope, stage, status)
    return population(scope, where).count()


def _name(first: str | None, last: str | None, email: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (email or "")


_STATE_LABELS = {
    WORKPLAN: dict(WP.choices),
    MIDPOINT: dict(MP.choices),
    EVALUATION: dict(AP.choices),
    ACKNOWLEDGEMENT: dict(AP.choices),
}


@dataclass
class PersonRow:
    staff_id: int
    index_number: str
    name: str
    email: str
    category: str
    gender: str
    unit: str
    document_id: int | None
    workplan_state: str
    midpoint_state: str
    evaluation_state: str
    fro: str
    stage: str  # the stage the document is at (STAGE_LABELS key)
    stage_state: str  # its state, readable
    due: datetime.date | None
    overdue: bool

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])


@dataclass(frozen=True)
class _Labels:
    """The words of a people row in the active language, translated once per list: a lazy
    label turned into text row by row was most of the 40,000-row export's time (issue 14)."""

    category: dict[str, str]
    gender: dict[str, str]
    states: dict[str, dict[str, str]]
    no_document: str
    no_work_plan: str

    @classmethod
    def active(cls) -> _Labels:
        return cls(
            category={value: str(label) for value, label in Category.choices},
            gender={value: str(label) for value, label in StaffMember.Gender.choices},
            states={
                stage: {state: str(label) for state, label in labels.items()}
                for stage, labels in _STATE_LABELS.items()
            },
            no_document=str(NO_DOCUMENT),
            no_work_plan=str(NO_WORK_PLAN),
        )


def person_row(
    values: tuple, cycle: Cycle, today: datetime.date, labels: _Labels | None = None
) -> PersonRow:
    """A row of `people()` made readable: where the document is, and what is due when."""
    labels = labels or _Labels.active()
    (
        staff_id,
        index_number,
        first,
        last,
        email,
        category,
        gender,
        unit_code,
        unit_name,
        document_id,
        wp_state,
        mp_state,
        ap_state,
        workplan_due,
        midpoint_due,
        end_of_cycle_due,
        fro_first,
        fro_last,
        fro_email,
    ) = values
    workplan_due, midpoint_due, end_of_cycle_due = (
        datetime.date.fromisoformat(day) if isinstance(day, str) else day  # SQLite: text
        for day in (workplan_due, midpoint_due, end_of_cycle_due)
    )
    states = labels.states
    if wp_state != WP.APPROVED:
        stage, state, due = (
            WORKPLAN,
            states[WORKPLAN].get(wp_state, labels.no_document),
            workplan_due,
        )
    elif cycle.midpoint_required and mp_state != MP.FINALISED:
        stage, state, due = (
            MIDPOINT,
            states[MIDPOINT].get(mp_state or MP.NOT_STARTED),
            midpoint_due,
        )
    elif ap_state not in (AP.ACKNOWLEDGEMENT, AP.COMPLETED):
        stage, state, due = (
            EVALUATION,
            states[EVALUATION].get(ap_state or AP.NOT_STARTED),
            end_of_cycle_due,
        )
    elif ap_state == AP.ACKNOWLEDGEMENT:
        stage, state, due = (ACKNOWLEDGEMENT, states[EVALUATION][ap_state], end_of_cycle_due)
    else:
        stage, state, due = COMPLETED, states[EVALUATION][AP.COMPLETED], None
    return PersonRow(
        staff_id=staff_id,
        index_number=index_number,
        name=_name(first, last, email),
        email=email,
        category=labels.category[category] if category else "",
        gender=labels.gender[gender] if gender else "",
        unit=f"{unit_code} — {unit_name}",
        document_id=document_id,
        workplan_state=states[WORKPLAN].get(wp_state, labels.no_work_plan),
        midpoint_state=str(states[MIDPOINT].get(mp_state or MP.NOT_STARTED))
        if cycle.midpoint_required
        else "",
        evaluation_state=str(states[EVALUATION].get(ap_state or AP.NOT_STARTED)),
        fro=_name(fro_first, fro_last, fro_email) if (fro_first or fro_last or fro_email) else "",
        stage=stage,
        stage_state=str(state),
        due=due,
        overdue=due is not None and today > due,
    )


def people_page(scope: Scope, page: Page, *, stage: str = "", status: str = "") -> list[PersonRow]:
    """The rows of one page of `people(scope, stage=..., status=...)`: `page` is a
    `Paginator` page over that many people (`people_count`), its bounds those of the rows.

    Over every held entity, one query (prepared, `pmsystem.db.prepared_values`: a page's
    query costs more to plan than to run): it walks the names and finds the page's people at
    once. In a drilled entity or unit, the page's people are found first (their ids, in
    order, from the population alone), then their columns for those alone (`people_columns`,
    prepared once per process): the walk through the names passes thousands of other people
    before it has the unit's fifty, and joining every column along the way cost more than the
    walk (a division of 600 of 40,000 staff: 18 -> 13 ms; the ids without the columns' joins
    and expressions: 11.6 -> 7 ms)."""
    if not page.paginator.count:
        return []
    # The page's bounds, as the paginator slices its list.
    bottom, top = page.start_index() - 1, page.end_index()
    if scope.node is None:
        rows = people(scope, stage=stage, status=status)[bottom:top]
        return list(person_rows(scope, prepared_values(rows)))
    where = people_where(scope, stage, status)
    # Not prepared: it plans in half a millisecond, and its generic plan ran at half the
    # speed of the one made for the unit's own ids.
    ordered = population(scope, where).order_by(*PEOPLE_ORDER).values_list("pk", flat=True)
    if page.paginator.count <= SORTED_WHOLE_UP_TO:
        # Every id of the scope in order, the page cut here: with a LIMIT the planner walks
        # the whole organisation's names until it has met the page's people (a division of
        # 577 of 40,000 staff: 3,317 names, 7.5 ms; the division's ids sorted: 3.3 ms).
        ids = list(ordered)[bottom:top]
    else:
        ids = list(ordered[bottom:top])
    found = {row[0]: row for row in people_columns(scope.cycle, ids)}
    return list(person_rows(scope, (found[pk] for pk in ids if pk in found)))


def person_rows(scope: Scope, values: Iterable[tuple]) -> Iterator[PersonRow]:
    """`person_row` of each of `values`, in the language active when the first is read."""
    labels = None
    for row in values:
        labels = labels or _Labels.active()
        yield person_row(row, scope.cycle, scope.today, labels)


# --- charts ---------------------------------------------------------------------------------


def chart_data(dashboard: Dashboard) -> dict:
    """What the charts draw (the same numbers as the tables next to them), with the labels in
    the reader's language: the page renders it (json_script) for the script, which has no
    text of its own."""
    summary = dashboard.summary
    return {
        "stages": {
            "labels": [str(s.label) for s in summary.stages],
            "series": [
                {"label": str(STATUS_LABELS["done"]), "data": [s.done for s in summary.stages]},
                {
                    "label": str(STATUS_LABELS["in_progress"]),
                    "data": [s.in_progress for s in summary.stages],
                },
                {
                    "label": str(STATUS_LABELS["not_started"]),
                    "data": [s.not_started for s in summary.stages],
                },
            ],
        },
        "units": {
            "labels": [row.label for row in dashboard.units],
            "series": [
                {
                    "label": str(STAGE_LABELS[stage]),
                    "data": [row.stage(stage).completion or 0 for row in dashboard.units],
                }
                for stage in dashboard.stages
            ],
        },
        "ratings": {
            "labels": [row.label for row in dashboard.ratings.rows],
            "series": [
                {
                    "label": translated(label),
                    "data": [row.shares[i] or 0 for row in dashboard.ratings.rows],
                }
                for i, (_, label) in enumerate(dashboard.ratings.levels)
            ],
        },
    }
