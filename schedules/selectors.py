"""Reads of special schedules: who is on one, which milestones they have, when each is due
and whether it was held.

**Which figures apply** (one rule, used everywhere): a staff member's schedule is counted
from their entry on duty with the figures of *the cycle whose dates contain their entry on
duty* (the latest such cycle), else *the latest open cycle*; with neither, they have no
schedule yet. Their terms are set when they join and do not move when a later cycle changes
its figures.

**Who is on one**: a staff member `on_probation` has the probation milestones
(`Cycle.probation_schedule`); one on a technical-cooperation contract (`tc`) has the
appraisals of `Cycle.tc_first_appraisal_months` / `tc_appraisal_every_months` while that
cycle sets a first appraisal, listed from that cycle's start to a year ahead of today. Both
apply to a technical-cooperation probationer. Inactive staff have none.

**Done / due / overdue**: a milestone with a record is done; without one it is overdue the
day after its date, due until then. A milestone belongs to the cycle whose dates contain its
date (`cycle_of`): it may fall in the cycle after the one that set the figures, and that
cycle's reminders and compliance show it. My tasks lists it by date whatever the cycle.

A fixed number of queries whatever the number of people: the staff with their figures and
recorded codes come in one query (`special_staff`).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Aggregate, CharField, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from feedback.models import ColleagueRound
from org.models import Cycle, StaffMember, User
from org.schedules import Milestone, probation_milestones, tc_appraisals
from pmsystem.dates import add_months
from pmsystem.db import AnyOf, InValues, PreparedQuery, raw_day, raw_json
from pmsystem.i18n import interpolate
from pmsystem.pending import Task
from pmsystem.progress import DONE, DUE, ORDER, OVERDUE, Tally
from workplans.models import WorkPlan

from .models import ReportComment, ScheduleRecord
from .permissions import supervised_staff_ids

STATE_LABELS = {
    DONE: _("Done"),
    DUE: _("Due"),
    OVERDUE: _("Overdue"),
}
# The FRO's task appears this many days before a milestone when the cycle sets no reminder.
DEFAULT_WINDOW_DAYS = 14
# Technical-cooperation appraisals are listed up to this many months ahead of today.
TC_AHEAD_MONTHS = 12


class _Codes(Aggregate):
    """The recorded milestone codes of a staff member, comma-separated (STRING_AGG on
    PostgreSQL, GROUP_CONCAT on SQLite)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def figures_cycle(entry_on_duty: str = "entry_on_duty") -> Coalesce:
    """The id of the cycle whose figures apply (the module's rule), for a query whose
    `entry_on_duty` field is named."""
    containing = (
        Cycle.objects.filter(start__lte=OuterRef(entry_on_duty), end__gte=OuterRef(entry_on_duty))
        .order_by("-start")
        .values("pk")[:1]
    )
    latest_open = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").values("pk")[:1]
    return Coalesce(Subquery(containing), Subquery(latest_open))


def _figure(name: str) -> Subquery:
    return Subquery(Cycle.objects.filter(pk=OuterRef("figures_cycle_id")).values(name)[:1])


# Who has a special schedule: an active staff member on probation or on a technical-cooperation
# contract.
_SPECIAL = Q(is_active=True) & (
    Q(on_probation=True) | Q(contract_type=StaffMember.ContractType.TECHNICAL_COOPERATION)
)


def special_staff() -> QuerySet[StaffMember]:
    """Active staff on probation or on a technical-cooperation contract, with the figures of
    their cycle and the codes recorded (one query)."""
    codes = (
        ScheduleRecord.objects.filter(staff_id=OuterRef("pk"))
        .order_by()
        .values("staff_id")
        .annotate(codes=_Codes("code"))
        .values("codes")
    )
    return (
        StaffMember.objects.filter(_SPECIAL)
        .annotate(figures_cycle_id=figures_cycle())
        .annotate(
            figures_schedule=_figure("probation_schedule"),
            figures_tc_first=_figure("tc_first_appraisal_months"),
            figures_tc_every=_figure("tc_appraisal_every_months"),
            figures_start=_figure("start"),
            figures_reminder_days=_figure("reminder_days_before"),
            recorded_codes=Subquery(codes),
        )
    )


@dataclass
class Step:
    """One milestone of a staff member's schedule, with its state today."""

    milestone: Milestone
    state: str
    record: ScheduleRecord | None = None
    # The colleague-feedback round of the staff member's document, on the milestone flagged
    # `colleague_feedback` (`feedback`): (document id, state label) or None.
    colleagues: tuple[int, str] | None = None

    @property
    def code(self) -> str:
        return self.milestone.code

    @property
    def due(self) -> datetime.date:
        return self.milestone.due

    @property
    def label(self) -> str:
        return self.milestone.label

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def done(self) -> bool:
        return self.state == DONE


@dataclass
class Schedule:
    """A staff member on a special schedule: their milestones, in date order."""

    staff: StaffMember
    cycle_id: int | None
    steps: list[Step]
    window_days: int = DEFAULT_WINDOW_DAYS
    kinds: list[str] = field(default_factory=list)

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    def step(self, code: str) -> Step | None:
        return next((s for s in self.steps if s.code == code), None)

    @property
    def kind_label(self) -> str:
        names = {"probation": gettext("Probation"), "tc": gettext("Technical cooperation")}
        return ", ".join(names[k] for k in self.kinds)


def schedule_from(member: StaffMember, today: datetime.date | None = None) -> Schedule | None:
    """The schedule of a staff member read through `special_staff` (None when they have
    none): no query."""
    today = today or timezone.localdate()
    # The annotations of `special_staff`.
    staff: Any = member
    if getattr(staff, "figures_cycle_id", None) is None:
        return None
    eod = staff.entry_on_duty
    milestones: list[Milestone] = []
    kinds = []
    if staff.on_probation:
        milestones += probation_milestones(eod, list(raw_json(staff.figures_schedule) or []))
        kinds.append("probation")
    if staff.contract_type == StaffMember.ContractType.TECHNICAL_COOPERATION:
        start = raw_day(staff.figures_start)
        appraisals = [
            m
            for m in tc_appraisals(
                eod,
                staff.figures_tc_first,
                staff.figures_tc_every,
                add_months(today, TC_AHEAD_MONTHS),
            )
            if start is None or m.due >= start
        ]
        if staff.figures_tc_first:
            milestones += appraisals
            kinds.append("tc")
    if not kinds:
        return None
    recorded = set(filter(None, (staff.recorded_codes or "").split(",")))
    steps = [
        Step(m, DONE if m.code in recorded else OVERDUE if m.due < today else DUE)
        for m in sorted(milestones, key=lambda m: (m.due, m.code))
    ]
    days = [int(d) for d in (raw_json(staff.figures_reminder_days) or []) if int(d) > 0]
    return Schedule(
        staff=staff,
        cycle_id=staff.figures_cycle_id,
        steps=steps,
        window_days=max(days, default=DEFAULT_WINDOW_DAYS),
        kinds=kinds,
    )


def schedules_of(
    staff: Iterable[StaffMember], today: datetime.date | None = None
) -> list[Schedule]:
    return [s for member in staff if (s := schedule_from(member, today)) is not None]


def staff_schedule(staff_id: int, today: datetime.date | None = None) -> Schedule | None:
    """One staff member's schedule with its records and, on the milestone flagged
    `colleague_feedback`, the colleague-feedback round (three queries)."""
    member = special_staff().select_related("user", "unit").filter(pk=staff_id).first()
    schedule = schedule_from(member, today) if member is not None else None
    if schedule is None:
        return None
    records = {
        r.code: r
        for r in ScheduleRecord.objects.filter(staff_id=staff_id).select_related(
            "recorded_by", "corrected_by"
        )
    }
    for step in schedule.steps:
        step.record = records.get(step.code)
    flagged = [s for s in schedule.steps if s.milestone.colleague_feedback]
    if flagged:
        rounds = colleague_rounds(staff_id, [s.due for s in flagged])
        for step in flagged:
            step.colleagues = rounds.get(step.due)
    return schedule


def past_records(staff: StaffMember) -> list[ScheduleRecord]:
    """The milestones recorded for `staff` (one query), each with its `label`: what their
    page shows, read-only, once they are no longer on a special schedule (taken off
    probation, or off a technical-cooperation contract). The records are kept when the
    flags change (`tests/schedules/test_flags_change.py`); without this they were in the
    Django admin only."""
    records = list(
        ScheduleRecord.objects.filter(staff_id=staff.pk)
        .select_related("recorded_by", "corrected_by")
        .order_by("due", "code")
    )
    start = staff.entry_on_duty
    for record in records:
        months = (
            (record.due.year - start.year) * 12 + record.due.month - start.month if start else 0
        )
        record.label = Milestone(code=record.code, months=months, due=record.due).label  # type: ignore[attr-defined]
    return records


def colleague_rounds(
    staff_id: int, days: Collection[datetime.date]
) -> dict[datetime.date, tuple[int, str]]:
    """For each day, the staff member's document of the cycle containing it and the state of
    its colleague-feedback round (`feedback`): the round's own page says the rest."""
    documents = list(
        WorkPlan.objects.filter(staff_id=staff_id)
        .select_related("cycle")
        .order_by("-cycle__start")
        .values_list("pk", "cycle__start", "cycle__end")
    )
    states = dict(
        ColleagueRound.objects.filter(document_id__in=[d[0] for d in documents]).values_list(
            "document_id", "state"
        )
    )
    found = {}
    for day in days:
        document = next((d for d in documents if d[1] <= day <= d[2]), None)
        if document is None:
            continue
        state = states.get(document[0])
        label = (
            str(ColleagueRound.State(state).label) if state else gettext("No colleagues named yet")
        )
        found[day] = (document[0], label)
    return found


def cycle_of(
    day: datetime.date, cycles: list[tuple[int, datetime.date, datetime.date]]
) -> int | None:
    """The cycle whose dates contain `day` (the latest starting), from (id, start, end) rows."""
    return next((pk for pk, start, end in cycles if start <= day <= end), None)


def cycle_spans() -> list[tuple[int, datetime.date, datetime.date]]:
    return list(Cycle.objects.order_by("-start").values_list("pk", "start", "end"))


# --- My tasks, My team -----------------------------------------------------------------------


def _own_and_supervised(user: User, on: datetime.date) -> Q:
    """The user and the staff they are FRO of, own or acting, on `on`: an index scan of the
    user and of their staff, not a filter over every staff member."""
    return Q(pk=user.pk) | Q(AnyOf("pk", supervised_staff_ids(user, on)))


# The schedules of the user and of those they supervise, for My tasks: compiled once per process
# and prepared, where compiling it (the figures of each person's cycle, the codes recorded) took
# a third of a staff member's home page (issue 14).
_SCHEDULE_STAFF = PreparedQuery(
    lambda *, user_id, on: (
        special_staff().filter(_own_and_supervised(User(pk=user_id), on)).select_related("user")
    ),
    user_id=-2_000_000_089,
    on=datetime.date(1901, 3, 11),
)


def schedule_tasks(user: User, today: datetime.date | None = None) -> list[Task]:
    """My tasks (one query): the staff member's next milestone; for their FRO (own or
    acting), each milestone of their staff not recorded that is overdue or due within the
    reminder window (the cycle's earliest reminder, `DEFAULT_WINDOW_DAYS` without one)."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    found = _SCHEDULE_STAFF.objects(user_id=user.pk, on=today)
    tasks = []
    for schedule in schedules_of(found, today):
        if schedule.staff.pk == user.pk:
            step = schedule.next_step
            if step is not None:
                tasks.append(
                    Task(
                        interpolate(
                            gettext("Your next milestone: %(milestone)s"), {"milestone": step.label}
                        ),
                        "schedules:home",
                        (),
                        step.due,
                        gettext("Staff member"),
                    )
                )
            continue
        horizon = today + datetime.timedelta(days=schedule.window_days)
        for step in schedule.steps:
            if not step.done and step.due <= horizon:
                tasks.append(
                    Task(
                        interpolate(
                            gettext("Record the milestone “%(milestone)s” of %(name)s"),
                            {"milestone": step.label, "name": schedule.staff.user},
                        ),
                        "schedules:staff",
                        (schedule.staff.pk,),
                        step.due,
                        gettext("FRO"),
                    )
                )
    return tasks


# My team's: compiled once per process and prepared (issue 14).
_TEAM_SCHEDULES = PreparedQuery(
    lambda *, ids: special_staff().filter(InValues("pk", ids)), ids=[-2_000_000_199]
)


def team_staff_extra(staff_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """What My team shows of each member on a special schedule (`pmsystem.registry`): their
    next milestone. One query."""
    today = timezone.localdate()
    return {
        schedule.staff.pk: {"milestone": schedule.next_step, "milestone_staff": schedule.staff.pk}
        for schedule in schedules_of(_TEAM_SCHEDULES.objects(ids=list(staff_ids)), today)
        if schedule.next_step is not None
    }


# --- HR's entity page ------------------------------------------------------------------------


@dataclass
class Row:
    """One milestone of one person, for the entity's list and its export."""

    staff: StaffMember
    step: Step
    cycle_id: int | None


@dataclass
class MilestoneCount(Tally):
    code: str
    label: str
    counts: Counter[str] = field(default_factory=Counter)


def entity_rows(entity_id: int, today: datetime.date | None = None) -> list[Row]:
    """Every milestone of the entity's staff on special schedules, overdue first then by
    date (two queries: the staff, the cycles)."""
    today = today or timezone.localdate()
    staff = special_staff().filter(unit__entity_id=entity_id).select_related("user", "unit")
    spans = cycle_spans()
    rows = [
        Row(schedule.staff, step, cycle_of(step.due, spans))
        for schedule in schedules_of(staff, today)
        for step in schedule.steps
    ]
    rows.sort(key=lambda r: (ORDER[r.step.state], r.step.due, r.staff.user.last_name, r.staff.pk))
    return rows


def milestone_counts(rows: Iterable[Row]) -> list[MilestoneCount]:
    """Done, due and overdue per milestone code, in the order the codes first fall due."""
    counts: dict[str, MilestoneCount] = {}
    for row in sorted(rows, key=lambda r: (r.step.milestone.months, r.step.code)):
        count = counts.setdefault(row.step.code, MilestoneCount(row.step.code, row.step.label))
        count.counts[row.step.state] += 1
    return list(counts.values())


@dataclass
class EntityCount(Tally):
    """An entity's staff on special schedules and the states of their milestones: the sum of
    the entity page's `milestone_counts`, so the compliance dashboard and the page agree."""

    staff: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def entity_counts(
    entity_ids: Collection[int], today: datetime.date | None = None
) -> dict[int, EntityCount]:
    """Per entity: how many of its staff are on a special schedule, and their milestones
    done, due and overdue. One query whatever the number of entities and people."""
    found = {pk: EntityCount() for pk in entity_ids}
    staff = special_staff().filter(unit__entity_id__in=list(found)).select_related("unit")
    for schedule in schedules_of(staff, today or timezone.localdate()):
        # The filter keeps only staff of these entities: their unit names one.
        count = found[cast(int, schedule.staff.unit.entity_id)]
        count.staff += 1
        count.counts.update(step.state for step in schedule.steps)
    return found


# --- the review board ------------------------------------------------------------------------


def board_reports(entity_id: int) -> QuerySet[ScheduleRecord]:
    """The entity's recorded probationary reports (the milestone flagged `board`), newest
    first, with their people and the number of the board's comments."""
    return (
        ScheduleRecord.objects.filter(board=True, staff__unit__entity_id=entity_id)
        .select_related("staff__user", "staff__unit", "recorded_by")
        .annotate(comment_count=Count("board_comments"))
        .order_by("-held_on", "pk")
    )


def report_comments(record: ScheduleRecord) -> list[ReportComment]:
    return list(record.board_comments.select_related("author").order_by("created_at", "pk"))
