"""HR's bulk work on an entity: what HR practitioners otherwise do by hand, one person at a
time, when a manager leaves, a unit is reorganised or a new cycle starts.

- **Reassign reporting lines**: everyone whose FRO or SRO is leaving gets the successor, or
  every staff member of a unit (and the units below it) or named people get a new FRO and/or
  SRO, from an effective date, with a hand-over note. Each row goes through the plan of a
  single change (`org.services.plan_line_changes`: `reporting_line_refusal` and the conflict
  rule of `workplans.conflicts`), so access (derived from the dated lines, `org.relations`)
  and one person, one role per document hold for every row. All or nothing: one refused row
  and nothing is written, every refused row is reported.
- **Extend a deadline** (work plan, mid-point review, end-of-cycle evaluation) for the whole
  entity, a unit and the units below it, or named people, with a reason
  (`DeadlineExtension`, read by `org.deadlines`).
- **Launch a cycle** for the entity: each staff member's last reporting line of the previous
  cycle is copied into the new one from its first day (those who already have a line there
  are left as they are; a line that could not be made today, e.g. an officer who left, is
  left out and listed).

Each is previewed first (who is affected: the list and the count); confirming needs the
preview of exactly those rows (`Preview.digest`), as broadcasts do. Each leaves a
`BulkChange` (who, when, why, on whom), which the HR focal point who made it may undo within
`HR_BULK_UNDO_HOURS` (24) while nothing was built on it since; HODs read the record.

Who may: an HR focal point of the entity today (`hr_entities`); HODs (own or acting) and HR
focal points read the record of their entities (`record_entities`).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop

from pmsystem.errors import ApplicationError
from pmsystem.i18n import Phrase, interpolate, phrase
from pmsystem.models import Signature
from pmsystem.notifications import notify

from . import deadlines
from .models import (
    BulkChange,
    BulkChangeRow,
    Cycle,
    DeadlineExtension,
    DepartmentRole,
    OrgUnit,
    ReportingLine,
    StaffMember,
    User,
)
from .permissions import entity_ids_where, hod_entity_ids
from .relations import current_department_roles
from .services import LineChange, apply_line_changes, lock_staff, plan_line_changes

Deadline = DeadlineExtension.Deadline


def undo_window() -> datetime.timedelta:
    """How long the HR focal point who made a bulk change may undo it (setting
    `HR_BULK_UNDO_HOURS`, default 24)."""
    return datetime.timedelta(hours=getattr(settings, "HR_BULK_UNDO_HOURS", 24))


# --- who may ---------------------------------------------------------------------------------


def hr_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities where `user` is an HR focal point today: where they do bulk work."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    roles = current_department_roles().filter(
        user_id=user.pk, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    return OrgUnit.objects.filter(pk__in=roles.values("entity_id"))


def record_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose bulk changes `user` reads: as HR focal point or HOD (own role, or
    acting for a current HOD) today. One query."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        Q(pk__in=entity_ids_where(user, "view_entity_documents")) | Q(pk__in=hod_entity_ids(user))
    )


def visible_changes(user: User) -> QuerySet[BulkChange]:
    """The bulk changes of the entities `user` reads, newest first, with what the list shows."""
    return (
        BulkChange.objects.filter(entity__in=record_entities(user))
        .select_related("entity", "cycle", "source_cycle", "actor", "undone_by")
        .order_by("-created_at", "-pk")
    )


def _check_hr(actor: User, entity: OrgUnit) -> None:
    if not hr_entities(actor).filter(pk=entity.pk).exists():
        raise ApplicationError(
            interpolate(
                gettext("Only an HR focal point of %(entity)s makes bulk changes there."),
                {"entity": entity.code},
            )
        )


def changeable_cycles() -> QuerySet[Cycle]:
    """Cycles whose reporting lines and deadlines may still change (not closed)."""
    return Cycle.objects.exclude(status=Cycle.Status.CLOSED).order_by("-start")


# --- whom a change is about -------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Whom a reassignment or an extension is about.

    kind: "replace" (the staff whose FRO or SRO is `leaving` get `replacement` in that role),
    "unit" (every staff member of `unit` and the units below it), "people" (the staff members
    with the index numbers `people`) or "entity" (everyone in the entity; extensions only).
    `fro`, `sro`: the new officers of a "unit" or "people" reassignment (None: kept)."""

    kind: str
    unit: OrgUnit | None = None
    people: tuple[str, ...] = ()
    leaving: StaffMember | None = None
    replacement: StaffMember | None = None
    fro: StaffMember | None = None
    sro: StaffMember | None = None

    def describe(self, entity: OrgUnit) -> Phrase:
        """Whom it is about, as a phrase for the record."""
        if self.kind == "replace" and self.leaving and self.replacement:
            return phrase(
                gettext_noop("Staff of %(entity)s whose FRO or SRO was %(leaving)s: now %(new)s"),
                entity=entity.code,
                leaving=str(self.leaving.user),
                new=str(self.replacement.user),
            )
        officers = []
        if self.fro is not None:
            officers.append(phrase(gettext_noop("FRO %(name)s"), name=str(self.fro.user)))
        if self.sro is not None:
            officers.append(phrase(gettext_noop("SRO %(name)s"), name=str(self.sro.user)))
        if self.kind == "unit" and self.unit is not None:
            who = phrase(
                gettext_noop("Staff of %(unit)s and the units below it"), unit=self.unit.name
            )
        elif self.kind == "people":
            who = phrase(
                gettext_noop("Named staff members: %(numbers)s"), numbers=", ".join(self.people)
            )
        else:
            who = phrase(gettext_noop("Everyone in %(entity)s"), entity=entity.code)
        if len(officers) == 2:
            return phrase(
                gettext_noop("%(who)s: now %(first)s and %(second)s"),
                who=who,
                first=officers[0],
                second=officers[1],
            )
        if officers:
            return phrase(gettext_noop("%(who)s: now %(first)s"), who=who, first=officers[0])
        return who


def _in_unit(unit: OrgUnit) -> Q:
    """Staff of `unit` or of a unit below it (the tree is at most four levels deep)."""
    return (
        Q(unit=unit)
        | Q(unit__parent=unit)
        | Q(unit__parent__parent=unit)
        | Q(unit__parent__parent__parent=unit)
    )


@dataclass
class Missing:
    """A named index number that cannot be part of the change, and why."""

    index_number: str
    reason: str


def _scoped_staff(
    entity: OrgUnit, selection: Selection
) -> tuple[QuerySet[StaffMember], list[Missing]]:
    """The entity's staff the selection names (no query yet), and the named index numbers
    that are no staff member of the entity (one query when people are named)."""
    staff = StaffMember.objects.filter(unit__entity=entity)
    missing: list[Missing] = []
    if selection.kind == "unit" and selection.unit is not None:
        staff = staff.filter(_in_unit(selection.unit))
    elif selection.kind == "people":
        wanted = {number.upper(): number for number in selection.people}
        found = {
            number.upper()
            for number in StaffMember.objects.filter(
                unit__entity=entity, index_number__in=list(selection.people)
            ).values_list("index_number", flat=True)
        }
        missing = [
            Missing(
                number,
                interpolate(
                    gettext("%(index)s is not a staff member of %(entity)s."),
                    {"index": number, "entity": entity.code},
                ),
            )
            for key, number in wanted.items()
            if key not in found
        ]
        staff = staff.filter(index_number__in=list(selection.people))
    return staff, missing


# --- previews ---------------------------------------------------------------------------------


@dataclass
class Preview:
    """What confirming would do: `rows` are written; `refused` (with their reasons) and
    `missing` block a reassignment (all or nothing) and are left out of a launch; `unchanged`
    (already so) and `kept` (a launch: already has a line) are left as they are."""

    rows: list[LineChange] = field(default_factory=list)
    refused: list[LineChange] = field(default_factory=list)
    unchanged: list[LineChange] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    kept: int = 0

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def blocked(self) -> bool:
        return bool(self.refused or self.missing)

    @property
    def digest(self) -> str:
        """Fingerprint of exactly what would be written and refused: confirming requires the
        preview's."""
        parts = [
            f"{p.staff.pk}:{p.line.fro_id}:{p.line.sro_id}:{p.current.pk if p.current else 0}"
            for p in self.rows
        ]
        parts += [f"r{p.staff.pk}" for p in self.refused] + [
            f"m{m.index_number}" for m in self.missing
        ]
        return hashlib.sha256(",".join(parts).encode()).hexdigest()[:16]


def _current_lines(
    cycle: Cycle, staff: QuerySet[StaffMember], extra: Q | None = None
) -> list[ReportingLine]:
    lines = ReportingLine.objects.filter(
        cycle=cycle, effective_to__isnull=True, staff__in=staff
    ).order_by("staff__index_number")
    if extra is not None:
        lines = lines.filter(extra)
    return list(lines)


def reassignment_preview(
    *,
    actor: User,
    entity: OrgUnit,
    cycle: Cycle,
    selection: Selection,
    effective_from: datetime.date,
) -> Preview:
    """Who a reassignment would change, and how: every row planned as a single change would
    be (`plan_line_changes`), in a fixed number of queries whatever their number."""
    staff, missing = _scoped_staff(entity, selection)
    changes: list[tuple[int, int, int]] = []
    if selection.kind == "replace":
        leaving, new = selection.leaving, selection.replacement
        if leaving is None or new is None:
            raise ApplicationError(gettext("Name the officer who leaves and their successor."))
        if leaving.pk == new.pk:
            raise ApplicationError(gettext("The successor must be someone else."))
        for line in _current_lines(cycle, staff, Q(fro=leaving) | Q(sro=leaving)):
            fro = new.pk if line.fro_id == leaving.pk else line.fro_id
            sro = new.pk if line.sro_id == leaving.pk else line.sro_id
            changes.append((line.staff_id, fro, sro))
    else:
        if selection.fro is None and selection.sro is None:
            raise ApplicationError(gettext("Name the new FRO, the new SRO, or both."))
        lines = _current_lines(cycle, staff)
        with_line = {line.staff_id for line in lines}
        if selection.kind == "people":
            for number in staff.exclude(pk__in=with_line).values_list("index_number", flat=True):
                missing.append(
                    Missing(
                        number,
                        interpolate(
                            gettext("%(index)s has no current reporting line in %(cycle)s."),
                            {"index": number, "cycle": cycle},
                        ),
                    )
                )
        for line in lines:
            changes.append(
                (
                    line.staff_id,
                    selection.fro.pk if selection.fro else line.fro_id,
                    selection.sro.pk if selection.sro else line.sro_id,
                )
            )
    planned = plan_line_changes(
        cycle=cycle, effective_from=effective_from, changes=changes, actor=actor
    )
    preview = Preview(missing=missing)
    for plan in planned:
        if plan.refusal:
            preview.refused.append(plan)
        elif plan.unchanged:
            preview.unchanged.append(plan)
        else:
            preview.rows.append(plan)
    return preview


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The cycle before `cycle` (the latest that starts earlier)."""
    return Cycle.objects.filter(start__lt=cycle.start).order_by("-start").first()


def launch_preview(*, actor: User, entity: OrgUnit, cycle: Cycle) -> Preview:
    """Whose reporting lines launching `cycle` for the entity would copy from the previous
    cycle: each active staff member's last line there (the FRO and SRO it ended with), from
    the new cycle's first day; staff who already have a line in `cycle` are kept as they are.
    A line that may not be made today (an officer no longer active, a conflict) is refused
    and left out."""
    source = previous_cycle(cycle)
    if source is None:
        raise ApplicationError(
            interpolate(
                gettext("There is no cycle before %(cycle)s to copy reporting lines from."),
                {"cycle": cycle},
            )
        )
    staff = StaffMember.objects.filter(unit__entity=entity, is_active=True)
    already = set(
        ReportingLine.objects.filter(cycle=cycle, staff__in=staff).values_list(
            "staff_id", flat=True
        )
    )
    last: dict[int, tuple[int, int]] = {}
    for staff_id, fro_id, sro_id in (
        ReportingLine.objects.filter(cycle=source, staff__in=staff)
        .order_by("staff_id", "effective_from", "pk")
        .values_list("staff_id", "fro_id", "sro_id")
    ):
        last[staff_id] = (fro_id, sro_id)
    changes = [
        (staff_id, fro_id, sro_id)
        for staff_id, (fro_id, sro_id) in last.items()
        if staff_id not in already
    ]
    planned = plan_line_changes(
        cycle=cycle, effective_from=cycle.start, changes=changes, actor=actor
    )
    planned.sort(key=lambda plan: plan.staff.index_number)
    preview = Preview(kept=len(already & set(last)))
    for plan in planned:
        (preview.refused if plan.refusal else preview.rows).append(plan)
    return preview


@dataclass
class ExtensionRow:
    staff: StaffMember
    due: datetime.date  # in effect now


@dataclass
class ExtensionPreview:
    """Whose due date an extension would move (`rows`, with the date in effect now), and
    who already has that date or a later one (`unchanged`)."""

    rows: list[ExtensionRow] = field(default_factory=list)
    unchanged: list[ExtensionRow] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def blocked(self) -> bool:
        return bool(self.missing)

    @property
    def digest(self) -> str:
        text = ",".join(f"{row.staff.pk}:{row.due.isoformat()}" for row in self.rows)
        text += "|" + ",".join(m.index_number for m in self.missing)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_extension(cycle: Cycle, deadline: str, due: datetime.date) -> None:
    if cycle.status == Cycle.Status.CLOSED:
        raise ApplicationError(
            interpolate(
                gettext("Cycle %(cycle)s is closed; its deadlines cannot change."), {"cycle": cycle}
            )
        )
    if deadline not in Deadline.values:
        raise ApplicationError(gettext("Choose a deadline."))
    if deadline == Deadline.MIDPOINT and not cycle.midpoint_required:
        raise ApplicationError(
            interpolate(gettext("Cycle %(cycle)s has no mid-point review."), {"cycle": cycle})
        )
    base = deadlines.cycle_due(cycle, deadline)
    if due <= base:
        raise ApplicationError(
            interpolate(
                gettext(
                    "The new due date must be after %(date)s, the cycle's date for this deadline."
                ),
                {"date": formats.date_format(base, "SHORT_DATE_FORMAT")},
            )
        )
    if due > cycle.end + datetime.timedelta(days=366):
        raise ApplicationError(
            gettext("The new due date must be within a year of the cycle's end.")
        )


def extension_preview(
    *, entity: OrgUnit, cycle: Cycle, deadline: str, due: datetime.date, selection: Selection
) -> ExtensionPreview:
    """Whose `deadline` in `cycle` an extension to `due` would move: the active staff members
    the selection names who have a reporting line in the cycle (a document due). Four queries."""
    _check_extension(cycle, deadline, due)
    staff, missing = _scoped_staff(entity, selection)
    in_cycle = ReportingLine.objects.filter(cycle=cycle).values("staff_id")
    people = list(
        staff.filter(is_active=True, pk__in=in_cycle)
        .select_related("user", "unit")
        .order_by("index_number")
    )
    if selection.kind == "people":
        listed = {person.index_number.upper() for person in people}
        known = {m.index_number.upper() for m in missing}
        missing += [
            Missing(
                number,
                interpolate(
                    gettext("%(index)s has no reporting line in %(cycle)s."),
                    {"index": number, "cycle": cycle},
                ),
            )
            for number in selection.people
            if number.upper() not in listed and number.upper() not in known
        ]
    found = deadlines.extensions([cycle.pk], [person.pk for person in people])
    preview = ExtensionPreview(missing=missing)
    for person in people:
        now_due = deadlines.due(
            deadlines.cycle_due(cycle, deadline, person),
            found,
            cycle_id=cycle.pk,
            staff_id=person.pk,
            deadline=deadline,
        )
        row = ExtensionRow(person, now_due)
        (preview.rows if now_due < due else preview.unchanged).append(row)
    return preview


# --- the changes ------------------------------------------------------------------------------


class PreviewChanged(ApplicationError):
    """What confirming would do is no longer what the person saw: they see the new preview."""


def _confirmed(digest: str, previewed: str) -> None:
    if digest != previewed:
        raise PreviewChanged(
            gettext(
                "Who is affected changed since your preview: check the new preview below and "
                "confirm again."
            )
        )


@transaction.atomic
def reassign_lines(
    *,
    actor: User,
    entity: OrgUnit,
    cycle: Cycle,
    selection: Selection,
    effective_from: datetime.date,
    reason: str,
    previewed: str,
) -> BulkChange:
    """Apply a previewed reassignment: every row, or none (any refused row, or a named staff
    member who cannot be part of it, and nothing is written). The old lines end the day
    before `effective_from`; the staff members and their old and new officers are told, with
    the hand-over note. Access follows the new lines from their first day."""
    _check_hr(actor, entity)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(gettext("Write the hand-over note: why, and what to pick up."))
    staff, _ = _scoped_staff(entity, selection)
    lock_staff(staff.values_list("pk", flat=True))
    preview = reassignment_preview(
        actor=actor, entity=entity, cycle=cycle, selection=selection, effective_from=effective_from
    )
    _confirmed(preview.digest, previewed)
    if preview.blocked:
        raise ApplicationError(
            gettext("Nothing was changed: every row must be possible (see the refused rows).")
        )
    if not preview.rows:
        raise ApplicationError(gettext("Nothing to change: these lines are already so."))
    written = apply_line_changes(preview.rows)
    change = BulkChange.objects.create(
        kind=BulkChange.Kind.REASSIGNMENT,
        entity=entity,
        cycle=cycle,
        actor=actor,
        scope=selection.describe(entity),
        reason=reason,
        effective_from=effective_from,
        count=len(written),
    )
    _record_rows(change, written)
    affected: set[int] = set()
    for plan in written:
        affected |= {plan.staff.pk, plan.line.fro_id, plan.line.sro_id}
        if plan.current is not None:
            affected |= {plan.current.fro_id, plan.current.sro_id}
    notify(
        users=User.objects.filter(pk__in=affected),
        subject=phrase(
            gettext_noop("Reporting lines in %(entity)s change from %(date)s"),
            entity=entity.code,
            date=effective_from,
        ),
        body=phrase(
            gettext_noop(
                "%(actor)s, HR focal point, changed the reporting lines of %(count)s staff "
                "members of %(entity)s for cycle %(cycle)s from %(date)s; yours is among "
                "them. Your pages show the FRO and SRO in effect each day. Hand-over note: "
                "%(note)s"
            ),
            actor=str(actor),
            count=len(written),
            entity=entity.code,
            cycle=str(cycle),
            date=effective_from,
            note=reason,
        ),
    )
    return change


def _record_rows(change: BulkChange, written: Sequence[LineChange]) -> None:
    BulkChangeRow.objects.bulk_create(
        [
            BulkChangeRow(
                change=change,
                staff_id=plan.staff.pk,
                old_fro_id=plan.current.fro_id if plan.current else None,
                old_sro_id=plan.current.sro_id if plan.current else None,
                new_fro_id=plan.line.fro_id,
                new_sro_id=plan.line.sro_id,
                closed_line=plan.current,
                closed_line_end=None,
                new_line=plan.line,
            )
            for plan in written
        ],
        batch_size=1000,
    )


@transaction.atomic
def launch_cycle(
    *, actor: User, entity: OrgUnit, cycle: Cycle, reason: str, previewed: str
) -> BulkChange:
    """Apply a previewed launch: the previewed lines are created from the cycle's first day;
    refused rows stay left out (listed on the record's preview, to be made one by one or by
    import). Nobody is emailed: each staff member finds their FRO and SRO on their pages."""
    _check_hr(actor, entity)
    if cycle.status == Cycle.Status.CLOSED:
        raise ApplicationError(
            interpolate(
                gettext("Cycle %(cycle)s is closed; its reporting lines cannot change."),
                {"cycle": cycle},
            )
        )
    lock_staff(
        StaffMember.objects.filter(unit__entity=entity, is_active=True).values_list("pk", flat=True)
    )
    preview = launch_preview(actor=actor, entity=entity, cycle=cycle)
    _confirmed(preview.digest, previewed)
    if not preview.rows:
        raise ApplicationError(
            interpolate(
                gettext("Nothing to copy: every staff member already has a line in %(cycle)s."),
                {"cycle": cycle},
            )
        )
    written = apply_line_changes(preview.rows)
    change = BulkChange.objects.create(
        kind=BulkChange.Kind.LAUNCH,
        entity=entity,
        cycle=cycle,
        source_cycle=previous_cycle(cycle),
        actor=actor,
        scope=phrase(gettext_noop("Everyone in %(entity)s"), entity=entity.code),
        reason=reason.strip() or gettext("Cycle launched"),
        effective_from=cycle.start,
        count=len(written),
    )
    _record_rows(change, written)
    return change


@transaction.atomic
def extend_deadline(
    *,
    actor: User,
    entity: OrgUnit,
    cycle: Cycle,
    deadline: str,
    due: datetime.date,
    selection: Selection,
    reason: str,
    previewed: str,
) -> BulkChange:
    """Apply a previewed extension: each previewed staff member's `deadline` is due on
    `due` (reminders, My tasks and My team follow, `org.deadlines`); they are told, with
    the reason."""
    _check_hr(actor, entity)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(gettext("Say why the deadline is extended."))
    preview = extension_preview(
        entity=entity, cycle=cycle, deadline=deadline, due=due, selection=selection
    )
    _confirmed(preview.digest, previewed)
    if preview.blocked:
        raise ApplicationError(
            gettext("Nothing was changed: every named staff member must be part of it.")
        )
    if not preview.rows:
        raise ApplicationError(gettext("Nothing to change: these due dates are already so."))
    change = BulkChange.objects.create(
        kind=BulkChange.Kind.EXTENSION,
        entity=entity,
        cycle=cycle,
        actor=actor,
        scope=selection.describe(entity),
        reason=reason,
        deadline=deadline,
        due=due,
        count=len(preview.rows),
    )
    DeadlineExtension.objects.bulk_create(
        [
            DeadlineExtension(
                change=change, cycle=cycle, staff=row.staff, deadline=deadline, due=due
            )
            for row in preview.rows
        ],
        batch_size=1000,
    )
    notify(
        users=[row.staff.user for row in preview.rows],
        subject=phrase(
            gettext_noop("%(deadline)s: now due %(date)s"),
            deadline=Deadline(deadline).label,
            date=due,
        ),
        body=phrase(
            gettext_noop(
                "%(actor)s, HR focal point, extended the %(deadline)s deadline of cycle "
                "%(cycle)s to %(date)s for you. Reason: %(reason)s"
            ),
            actor=str(actor),
            deadline=Deadline(deadline).label,
            cycle=str(cycle),
            date=due,
            reason=reason,
        ),
    )
    return change


# --- undo -------------------------------------------------------------------------------------


def undo_refusal(
    change: BulkChange, actor: User, now: datetime.datetime | None = None
) -> str | None:
    """Why `actor` may not undo `change` now (None when they may).

    Rules: only the HR focal point who made it, while they still hold the role, within the
    undo window; and only while nothing was built on it: every line it opened still in
    effect as it opened it, no stage of those documents signed since, and (a launch) no
    document created since in the new cycle. Otherwise the change stays, on the record, and
    a new change corrects it."""
    now = now or timezone.now()
    if change.undone_at is not None:
        return gettext("This change was already undone.")
    if change.actor_id != actor.pk or not hr_entities(actor).filter(pk=change.entity_id).exists():
        return interpolate(
            gettext("Only %(name)s, who made this change, may undo it."), {"name": change.actor}
        )
    closes = change.created_at + undo_window()
    if now > closes:
        return interpolate(
            gettext(
                "The time to undo this change ended %(date)s: it stays on the record; make a new "
                "change to correct it."
            ),
            {"date": formats.date_format(timezone.localtime(closes), "SHORT_DATETIME_FORMAT")},
        )
    if change.kind == BulkChange.Kind.EXTENSION:
        return None
    rows = list(change.rows.select_related("new_line", "closed_line", "staff__user"))
    one_day = datetime.timedelta(days=1)
    for row in rows:
        line = row.new_line
        if (
            line is None
            or line.effective_to is not None
            or (line.fro_id, line.sro_id) != (row.new_fro_id, row.new_sro_id)
            or (
                row.closed_line_id is not None
                and (
                    row.closed_line is None
                    or row.closed_line.effective_to != line.effective_from - one_day
                )
            )
        ):
            return interpolate(
                gettext(
                    "The reporting line of %(name)s changed again since: this change can no "
                    "longer be undone."
                ),
                {"name": row.staff.user},
            )
    staff_ids = [row.staff_id for row in rows]
    signed = (
        Signature.objects.filter(
            document__cycle_id=change.cycle_id,
            document__staff_id__in=staff_ids,
            signed_at__gte=change.created_at,
        )
        .select_related("document__staff__user")
        .first()
    )
    if signed is not None:
        return interpolate(
            gettext(
                "A stage of the document of %(name)s was signed since this change: it can no "
                "longer be undone."
            ),
            {"name": signed.document.staff.user},
        )
    if change.kind == BulkChange.Kind.LAUNCH:
        # The document row lives in `workplans`, built on `org`: through the app registry.
        document = (
            apps.get_model("workplans", "WorkPlan")
            .objects.filter(cycle_id=change.cycle_id, staff_id__in=staff_ids)
            .select_related("staff__user")
            .first()
        )
        if document is not None:
            return interpolate(
                gettext(
                    "%(name)s has started their %(cycle)s document since the launch: it can no "
                    "longer be undone."
                ),
                {"name": document.staff.user, "cycle": change.cycle},
            )
    return None


@transaction.atomic
def undo_bulk_change(*, change: BulkChange, actor: User) -> BulkChange:
    """Undo a bulk change (`undo_refusal` says when): the lines it opened are removed and the
    lines it closed are open again as they were; the deadlines it extended fall back. The
    record stays, with who undid it and when; whoever a reassignment told is told again."""
    change = (
        BulkChange.objects.select_for_update().select_related("entity", "cycle").get(pk=change.pk)
    )
    rows = list(change.rows.all())
    lock_staff(row.staff_id for row in rows)
    refused = undo_refusal(change, actor)
    if refused:
        raise ApplicationError(refused)
    if rows:
        new_ids = [row.new_line_id for row in rows if row.new_line_id]
        for start in range(0, len(new_ids), 1000):
            ReportingLine.objects.filter(pk__in=new_ids[start : start + 1000]).delete()
        reopened = [row.closed_line_id for row in rows if row.closed_line_id]
        for start in range(0, len(reopened), 1000):
            ReportingLine.objects.filter(pk__in=reopened[start : start + 1000]).update(
                effective_to=None
            )
    change.undone_at = timezone.now()
    change.undone_by = actor
    change.save(update_fields=["undone_at", "undone_by"])
    if change.kind == BulkChange.Kind.REASSIGNMENT:
        affected = _people(rows)
        notify(
            users=User.objects.filter(pk__in=affected),
            subject=phrase(
                gettext_noop("Reporting lines in %(entity)s: the change was undone"),
                entity=change.entity.code,
            ),
            body=phrase(
                gettext_noop(
                    "%(actor)s, HR focal point, undid the change of reporting lines of "
                    "%(count)s staff members of %(entity)s from %(date)s: the FRO and SRO are "
                    "those before it."
                ),
                actor=str(actor),
                count=len(rows),
                entity=change.entity.code,
                date=change.effective_from,
            ),
        )
    return change


def _people(rows: Iterable[BulkChangeRow]) -> set[int]:
    found: set[int] = set()
    for row in rows:
        found |= {row.staff_id, row.new_fro_id, row.new_sro_id}
        found |= {pk for pk in (row.old_fro_id, row.old_sro_id) if pk}
    return found
