"""Who must take which course, by when, and whether it is done (docs/rules.md section 10).

Nothing of this is stored: it is derived from the catalogue, the completions and today's
organisation, so a new FRO, a role that ends or a completion that expires changes it the same
day, through every route (page, import, admin, the clock).

The rule, once (`assess`):
- a course's audience (`member`): every active staff member; those of some grades; the FROs and
  SROs of a reporting line in effect in an open cycle; or the holders of a current department
  role. A course of an entity binds only members of that entity.
- the first deadline: `deadline_months` after the base date, which is the entry on duty (for
  a role: the day the role started), or, when the course says so, the day they first became an
  FRO or SRO (the earliest `effective_from` of a line naming them, in any cycle); never before
  the course is in force (`starts_on`): a new course does not make everyone overdue at once;
- a completion counts for good, or for `validity_years`: it is then due again the day it
  expires;
- done while a completion counts; otherwise due until the deadline and overdue after it.

Two readers share the rule: `obligations` (a whole organisation or some entities: a fixed
number of queries whatever their size) and `user_obligations` (one person, one query).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from org.models import Cycle, DepartmentRole, ReportingLine, StaffMember, User
from org.relations import current_department_roles, lines_in_effect
from pmsystem.dates import add_months
from pmsystem.db import PreparedQuery, raw_day, raw_json
from pmsystem.i18n import interpolate
from pmsystem.pending import Task
from pmsystem.progress import DONE, DUE, ORDER, OVERDUE, Tally

from .models import Completion, Course

A = Course.Audience

STATE_LABELS = {
    DONE: pgettext_lazy("training", "Done"),
    DUE: pgettext_lazy("training", "Due"),
    OVERDUE: pgettext_lazy("training", "Overdue"),
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rule needs to know of one person today."""

    entry_on_duty: datetime.date | None = None  # None: no active staff profile
    grade: str = ""
    entity_id: int | None = None
    unit_id: int | None = None
    managing: bool = False  # FRO or SRO of a line in effect in an open cycle
    first_managing: datetime.date | None = None
    # Per department role held today: (its earliest start, its entity).
    roles: tuple[tuple[str, datetime.date, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Obligation:
    course_id: int
    user_id: int
    entity_id: int | None
    unit_id: int | None
    state: str
    due: datetime.date  # the deadline of the next completion (or of the one that counts)
    completed_on: datetime.date | None
    valid_until: datetime.date | None  # the last day a completion counts (None: for good)
    has_profile: bool = True  # an active staff profile (a role holder may have none)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def member(course: Course, facts: Facts) -> tuple[datetime.date, int | None] | None:
    """(base date, entity) when `course` binds the person of `facts`; None when it does not."""
    if course.audience == A.ROLE:
        held = next((r for r in facts.roles if r[0] == course.role), None)
        if held is None:
            return None
        base: datetime.date = held[1]
        entity_id: int | None = held[2]
    elif course.audience == A.MANAGERS:
        if not facts.managing or facts.first_managing is None:
            return None
        first = course.deadline_from == Course.DeadlineFrom.FIRST_MANAGING
        base = facts.first_managing if first else facts.entry_on_duty or facts.first_managing
        entity_id = facts.entity_id
    else:
        if facts.entry_on_duty is None:
            return None
        if course.audience == A.GRADES and facts.grade not in course.grades:
            return None
        base, entity_id = facts.entry_on_duty, facts.entity_id
    if course.entity_id is not None and course.entity_id != entity_id:
        return None
    return max(base, course.starts_on), entity_id


def assess(
    course: Course, base: datetime.date, last: datetime.date | None, today: datetime.date
) -> tuple[str, datetime.date, datetime.date | None]:
    """(state, due, valid until) of a course whose first deadline counts from `base`, last
    completed on `last`."""
    if last is not None:
        if not course.validity_years:
            return DONE, add_months(base, course.deadline_months), None
        expires = add_months(last, 12 * course.validity_years)
        if today < expires:
            return DONE, expires, expires - datetime.timedelta(days=1)
        return (OVERDUE if today > expires else DUE), expires, None
    due = add_months(base, course.deadline_months)
    return (OVERDUE if today > due else DUE), due, None


def _obligation(
    course: Course, user_id: int, facts: Facts, last: datetime.date | None, today: datetime.date
) -> Obligation | None:
    found = member(course, facts)
    if found is None:
        return None
    base, entity_id = found
    state, due, valid_until = assess(course, base, last, today)
    return Obligation(
        course_id=course.pk,
        user_id=user_id,
        entity_id=entity_id,
        unit_id=facts.unit_id if entity_id == facts.entity_id else None,
        state=state,
        due=due,
        completed_on=last,
        valid_until=valid_until,
        has_profile=facts.entry_on_duty is not None,
    )


def active_courses(entity_ids: Collection[int] | None = None) -> QuerySet[Course]:
    courses = Course.objects.filter(is_active=True)
    if entity_ids is not None:
        courses = courses.filter(Q(entity__isnull=True) | Q(entity_id__in=list(entity_ids)))
    return courses.order_by("code")


def _open_lines(today: datetime.date) -> QuerySet[ReportingLine]:
    return lines_in_effect(today).filter(
        cycle__status=Cycle.Status.OPEN, staff__is_active=True, staff__user__is_active=True
    )


def _first_line(officer: str) -> Subquery:
    return Subquery(
        ReportingLine.objects.filter(**{officer: OuterRef("pk")})
        .order_by("effective_from")
        .values("effective_from")[:1]
    )


def obligations(
    *,
    today: datetime.date | None = None,
    entity_ids: Collection[int] | None = None,
    courses: Sequence[Course] | None = None,
    user_ids: Collection[int] | None = None,
) -> list[Obligation]:
    """Every obligation of the active courses (or `courses`), for the people of `entity_ids`
    (all when None) or of `user_ids`. At most six queries whatever the number of people."""
    today = today or timezone.localdate()
    if courses is None:
        courses = list(active_courses(entity_ids))
    if not courses:
        return []
    audiences = {course.audience for course in courses}
    facts: dict[int, dict[str, Any]] = defaultdict(dict)
    staff = StaffMember.objects.filter(is_active=True, user__is_active=True)
    if user_ids is not None:
        staff = staff.filter(pk__in=list(user_ids))
    if entity_ids is not None:
        staff = staff.filter(unit__entity_id__in=list(entity_ids))
    for pk, grade, entry, unit_id, entity_id in staff.values_list(
        "pk", "grade", "entry_on_duty", "unit_id", "unit__entity_id"
    ).iterator(chunk_size=5000):
        facts[pk].update(entry_on_duty=entry, grade=grade, unit_id=unit_id, entity_id=entity_id)
    if A.MANAGERS in audiences:
        lines = _open_lines(today)
        if user_ids is not None:
            lines = lines.filter(Q(fro_id__in=list(user_ids)) | Q(sro_id__in=list(user_ids)))
        if entity_ids is not None:
            ids = list(entity_ids)
            lines = lines.filter(Q(fro__unit__entity_id__in=ids) | Q(sro__unit__entity_id__in=ids))
        managing = {pk for pair in lines.values_list("fro_id", "sro_id") for pk in pair if pk}
        managers = StaffMember.objects.filter(
            pk__in=list(managing), is_active=True, user__is_active=True
        )
        if entity_ids is not None:
            managers = managers.filter(unit__entity_id__in=list(entity_ids))
        first: dict[int, datetime.date] = {}
        # One query: the earliest line naming each current manager as FRO, and as SRO.
        for pk, fro_day, sro_day in managers.annotate(
            fro_day=_first_line("fro_id"), sro_day=_first_line("sro_id")
        ).values_list("pk", "fro_day", "sro_day"):
            first[pk] = min(d for d in (fro_day, sro_day) if d is not None)
        for pk, day in first.items():
            facts[pk].update(managing=True, first_managing=day)
    if A.ROLE in audiences:
        roles = current_department_roles(today).filter(user__is_active=True)
        if user_ids is not None:
            roles = roles.filter(user_id__in=list(user_ids))
        held: dict[int, dict[str, tuple[datetime.date, int]]] = defaultdict(dict)
        for user_id, role, start, entity_id in roles.order_by("start", "entity_id").values_list(
            "user_id", "role", "start", "entity_id"
        ):
            held[user_id].setdefault(role, (start, entity_id))
        for user_id, by_role in held.items():
            facts[user_id]["roles"] = tuple((r, s, e) for r, (s, e) in by_role.items())
    completions = Completion.objects.filter(course__in=[c.pk for c in courses])
    if user_ids is not None:
        completions = completions.filter(user_id__in=list(user_ids))
    elif entity_ids is not None:
        completions = completions.filter(user_id__in=list(facts))
    last = {
        (course_id, user_id): day
        for course_id, user_id, day in completions.values("course_id", "user_id")
        .annotate(last=Max("completed_on"))
        .values_list("course_id", "user_id", "last")
        .iterator(chunk_size=5000)
    }
    wanted = None if entity_ids is None else set(entity_ids)
    found: list[Obligation] = []
    for user_id, values in facts.items():
        person = Facts(**values)
        for course in courses:
            obligation = _obligation(course, user_id, person, last.get((course.pk, user_id)), today)
            if obligation is not None and (wanted is None or obligation.entity_id in wanted):
                found.append(obligation)
    return found


def user_obligations(user: User, today: datetime.date | None = None) -> list[Obligation]:
    return [o for o, _ in user_courses(user, today)]


COURSE_COLUMNS = (
    "pk",
    "code",
    "name",
    "description",
    "entity_id",
    "audience",
    "grades",
    "role",
    "deadline_months",
    "deadline_from",
    "starts_on",
    "validity_years",
)
FACT_COLUMNS = (
    "last",
    "p_entry",
    "p_grade",
    "p_unit",
    "p_entity",
    "p_managing",
    "p_first",
    "p_role_start",
    "p_role_entity",
)


def _user_courses_query(*, user_id: int, on: datetime.date) -> QuerySet[Course]:
    """The active courses, each with the person's facts and last completion as subqueries."""
    profile = StaffMember.objects.filter(pk=user_id, is_active=True)
    lines = ReportingLine.objects.filter(Q(fro_id=user_id) | Q(sro_id=user_id)).order_by(
        "effective_from"
    )
    roles = (
        current_department_roles(on)
        .filter(user_id=user_id, role=OuterRef("role"))
        .order_by("start", "entity_id")
    )
    return (
        active_courses()
        .annotate(
            last=Subquery(
                Completion.objects.filter(course=OuterRef("pk"), user_id=user_id)
                .order_by("-completed_on")
                .values("completed_on")[:1]
            ),
            p_entry=Subquery(profile.values("entry_on_duty")[:1]),
            p_grade=Subquery(profile.values("grade")[:1]),
            p_unit=Subquery(profile.values("unit_id")[:1]),
            p_entity=Subquery(profile.values("unit__entity_id")[:1]),
            p_managing=Exists(_open_lines(on).filter(Q(fro_id=user_id) | Q(sro_id=user_id))),
            p_first=Subquery(lines.values("effective_from")[:1]),
            p_role_start=Subquery(roles.values("start")[:1]),
            p_role_entity=Subquery(roles.values("entity_id")[:1]),
        )
        .values_list(*COURSE_COLUMNS, *FACT_COLUMNS)
    )


# Compiled once per process (issue 14: compiling it took 5 ms of the home page, the database
# 0.15 ms); the rows come raw from the driver (`raw_day`, `raw_json` read SQLite's text).
_USER_COURSES = PreparedQuery(
    _user_courses_query, user_id=-2_000_000_017, on=datetime.date(1901, 3, 4)
)


def user_courses(user: User, today: datetime.date | None = None) -> list[tuple[Obligation, Course]]:
    """The person's obligations with their courses, the same rule as `obligations`, in one
    query compiled once (`_user_courses_query`)."""
    if not user.is_authenticated or not user.is_active:
        return []
    today = today or timezone.localdate()
    found: list[tuple[Obligation, Course]] = []
    width = len(COURSE_COLUMNS)
    for row in _USER_COURSES.rows(user_id=user.pk, on=today):
        values = dict(zip(COURSE_COLUMNS, row[:width], strict=True))
        values["grades"] = list(raw_json(values["grades"]) or [])
        values["starts_on"] = raw_day(values["starts_on"])
        course = Course(**values)
        last, entry, grade, unit, entity, managing, first, role_start, role_entity = row[width:]
        role_start = raw_day(role_start)
        facts = Facts(
            entry_on_duty=raw_day(entry),
            grade=grade or "",
            entity_id=entity,
            unit_id=unit,
            managing=bool(managing),
            first_managing=raw_day(first),
            roles=((course.role, role_start, role_entity),) if role_start else (),
        )
        obligation = _obligation(course, user.pk, facts, raw_day(last), today)
        if obligation is not None:
            found.append((obligation, course))
    return found


def training_tasks(user: User) -> list[Task]:
    """My tasks: each course the person must still take, by its deadline (one query)."""
    return [
        Task(
            interpolate(gettext("Take the mandatory course “%(course)s”"), {"course": course.name}),
            "training:home",
            (),
            o.due,
            gettext("Staff member"),
        )
        for o, course in user_courses(user)
        if o.state != DONE
    ]


# --- reports --------------------------------------------------------------------------------


@dataclass
class CourseCount(Tally):
    course: Course
    counts: Counter[str]

    @property
    def completion(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


def entity_counts(
    entity_ids: Collection[int], today: datetime.date | None = None
) -> dict[int, list[CourseCount]]:
    """Per entity, per course that binds anyone there: done, due and overdue."""
    courses = {course.pk: course for course in active_courses(entity_ids)}
    by_entity: dict[int | None, list[Obligation]] = defaultdict(list)
    for o in obligations(today=today, entity_ids=entity_ids, courses=list(courses.values())):
        by_entity[o.entity_id].append(o)
    return {
        entity_id: entity_counts_from(by_entity.get(entity_id, []), courses)
        for entity_id in entity_ids
    }


def entity_counts_from(rows: Iterable[Obligation], courses: dict[int, Course]) -> list[CourseCount]:
    """Per course of `courses`: done, due and overdue among `rows`."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for o in rows:
        counts[o.course_id][o.state] += 1
    return [CourseCount(course, counts[pk]) for pk, course in courses.items() if pk in counts]


@dataclass(frozen=True)
class PersonRow:
    obligation: Obligation
    course: Course
    name: str
    index_number: str
    email: str
    unit: str


def person_rows(obligations_: Iterable[Obligation], courses: dict[int, Course]) -> list[PersonRow]:
    """The people of `obligations_` with their names (one query for the lot)."""
    rows = list(obligations_)
    people = {
        pk: (f"{last}, {first}", email, index or "", unit or "")
        for pk, first, last, email, index, unit in User.objects.filter(
            pk__in={o.user_id for o in rows}
        ).values_list(
            "pk", "first_name", "last_name", "email", "staff__index_number", "staff__unit__code"
        )
    }
    return [
        PersonRow(
            obligation=o,
            course=courses[o.course_id],
            name=people[o.user_id][0],
            email=people[o.user_id][1],
            index_number=people[o.user_id][2],
            unit=people[o.user_id][3],
        )
        for o in rows
        if o.user_id in people
    ]


def sort_key(o: Obligation) -> tuple[int, datetime.date, int]:
    """Overdue first, then due, then done; earliest deadline first."""
    return (ORDER[o.state], o.due, o.user_id)


def recent_completions(staff: QuerySet[StaffMember], limit: int = 30) -> list[Completion]:
    """The latest completions of `staff` (those the reader keeps), newest recorded first."""
    return list(
        Completion.objects.filter(user_id__in=staff.values("pk"))
        .select_related("course", "user", "recorded_by")
        .order_by("-recorded_at", "-pk")[:limit]
    )


def completions_of(user_ids: Collection[int]) -> QuerySet[Completion]:
    return (
        Completion.objects.filter(user_id__in=list(user_ids))
        .select_related("course", "recorded_by")
        .order_by("-completed_on", "course__code")
    )


def role_labels() -> dict[str, str]:
    return {value: str(label) for value, label in DepartmentRole.Role.choices}
