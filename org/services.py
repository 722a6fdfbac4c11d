"""Writes for `org`: cycles with their default scales, department roles, delegations, staff
records."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext, gettext_noop

from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate, phrase
from pmsystem.models import Signature
from pmsystem.notifications import notify
from pmsystem.security import log_event
from pmsystem.workflow import lower_first

from . import profiles
from .models import (
    AccountabilityQuestion,
    Cycle,
    Delegation,
    DepartmentRole,
    Organisation,
    OrgUnit,
    RatingLevel,
    RatingScale,
    ReportingLine,
    StaffMember,
    User,
)
from .relations import current_department_roles, lines_in_effect, today

DEFAULT_REMINDER_DAYS = [14, 7, 1]


@transaction.atomic
def create_cycle(
    *,
    name: str,
    start_year: int,
    status: str = Cycle.Status.OPEN,
    profile: str | None = None,
    **fields: Any,
) -> Cycle:
    """Create a cycle with the defaults of a policy profile (`org.profiles`; the
    organisation's when `profile` is None): its calendar from `start_year`, its rating scales,
    managerial-accountability questions, review-board routing and special schedules. `fields`
    override any figure."""
    chosen = profiles.profile(profile or organisation().profile)
    values = chosen.cycle_fields(start_year) | {"reminder_days_before": DEFAULT_REMINDER_DAYS}
    values.update(fields)
    cycle = Cycle(name=name, status=status, **values)
    cycle.full_clean()
    cycle.save()
    for kind, levels in (
        (RatingScale.Kind.OVERALL, chosen.overall_scale),
        (RatingScale.Kind.COMPETENCY, chosen.competency_scale),
        (RatingScale.Kind.GOAL, chosen.goal_scale),
    ):
        scale = RatingScale.objects.create(cycle=cycle, kind=kind)
        RatingLevel.objects.bulk_create(
            RatingLevel(
                scale=scale,
                rank=rank,
                code=code,
                label=label,
                rebuttable=rebuttable,
                underperformance=under,
            )
            for rank, (code, label, rebuttable, under) in enumerate(levels, start=1)
        )
    AccountabilityQuestion.objects.bulk_create(
        AccountabilityQuestion(cycle=cycle, position=position, text=text)
        for position, text in enumerate(chosen.accountability_questions, start=1)
    )
    return cycle


def organisation() -> Organisation:
    """The organisation's settings (the defaults, unsaved, until someone saves them)."""
    return Organisation.objects.filter(pk=1).first() or Organisation(pk=1)


@transaction.atomic
def save_organisation(*, settings_row: Organisation) -> Organisation:
    """Validate and save the organisation's settings (the Django admin writes through this)."""
    settings_row.pk = 1
    settings_row.full_clean()
    settings_row.save()
    return settings_row


@transaction.atomic
def assign_department_role(
    *,
    entity: OrgUnit | None,
    user: User,
    role: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> DepartmentRole:
    """Give `user` a department-wide role from `start` (today by default) to `end` (`entity`
    None: the whole organisation's, for a review board only). What the role lets them see
    and do follows its dates (`org.relations`): from its first day to its last, whoever
    changed it and however."""
    obj, _ = DepartmentRole.objects.get_or_create(
        entity=entity, user=user, role=role, defaults={"start": start or today()}
    )
    obj.start = start or obj.start
    obj.end = end
    return save_department_role(department_role=obj)


@transaction.atomic
def save_department_role(*, department_role: DepartmentRole) -> DepartmentRole:
    """Validate and save a department role as given (the Django admin writes through this)."""
    department_role.full_clean()
    department_role.save()
    return department_role


@transaction.atomic
def end_department_role(*, department_role: DepartmentRole) -> None:
    """Remove a department role: what it let its holder see and do stops at once."""
    department_role.delete()


@transaction.atomic
def save_reporting_line(*, line: ReportingLine) -> ReportingLine:
    """Validate and save a reporting line as given (the Django admin writes through this);
    access follows its dates (`org.relations`) from the moment it is saved."""
    line.full_clean()
    refused = reporting_line_refusal(line)
    if refused:
        raise ApplicationError(refused)
    line.save()
    return line


def reporting_line_refusal(line: ReportingLine) -> str | None:
    """Why this reporting line may not be saved as it is (None when it may).

    Rules: a staff member has one line in effect on any day of a cycle (the dates of their
    lines for the cycle do not overlap); someone who signed a stage of the staff member's
    document in one role is never named to the other (`workplans.conflicts`: one person, one
    role per document). The model's own checks (FRO, SRO and staff member three people; dates
    in order) come first, through `full_clean`; then the acting officers of the line's FRO
    and SRO (`acting_officer_clash`). `reporting_line_refusals` asks the same of many lines."""
    return reporting_line_refusals([line])[0]


def reporting_line_refusals(
    lines: Sequence[ReportingLine], *, closing: Collection[int] = ()
) -> list[str | None]:
    """`reporting_line_refusal` for each of `lines`, in a fixed number of queries whatever
    their number (a reorganisation changes hundreds at once). `closing`: the ids of the lines
    these replace, which end the day before the new ones start (left out of the overlap
    check, as they will no longer overlap)."""
    if not lines:
        return []
    staff_ids = {line.staff_id for line in lines}
    cycle_ids = {line.cycle_id for line in lines}
    excluded = set(closing) | {line.pk for line in lines if line.pk}
    others: dict[tuple[int, int], list[tuple[datetime.date, datetime.date | None]]] = {}
    for staff_id, cycle_id, start, end in _chunked_values(
        ReportingLine.objects.filter(cycle_id__in=cycle_ids).exclude(pk__in=excluded),
        "staff_id",
        staff_ids,
        ("staff_id", "cycle_id", "effective_from", "effective_to"),
    ):
        others.setdefault((staff_id, cycle_id), []).append((start, end))
    signed = signed_roles_on_documents(staff_ids)
    delegations = list(
        Delegation.objects.filter(
            Q(role=Delegation.Role.FRO, principal_id__in={line.fro_id for line in lines})
            | Q(role=Delegation.Role.SRO, principal_id__in={line.sro_id for line in lines}),
            end__gte=today(),
        ).select_related("acting", "principal")
    )
    names: dict[int, User] = {}
    cycles: dict[int, Cycle] = {}

    def name(user_id: int) -> User:
        if user_id not in names:
            wanted = staff_ids | {line.fro_id for line in lines} | {line.sro_id for line in lines}
            names.update(User.objects.in_bulk(wanted))
        return names[user_id]

    def cycle_of(cycle_id: int) -> Cycle:
        if not cycles:
            cycles.update(Cycle.objects.in_bulk(cycle_ids))
        return cycles[cycle_id]

    refusals: list[str | None] = []
    for line in lines:
        clash = min(
            (
                start
                for start, end in others.get((line.staff_id, line.cycle_id), [])
                if (end is None or end >= line.effective_from)
                and (line.effective_to is None or start <= line.effective_to)
            ),
            default=None,
        )
        if clash is not None:
            refusals.append(
                interpolate(
                    gettext(
                        "%(name)s already has a reporting line for %(cycle)s from %(start)s: close "
                        "it the day before this one starts, or change this one's dates."
                    ),
                    {
                        "name": name(line.staff_id),
                        "cycle": cycle_of(line.cycle_id),
                        "start": formats.date_format(clash, "SHORT_DATE_FORMAT"),
                    },
                )
            )
            continue
        refused = None
        on_document = signed.get((line.staff_id, line.cycle_id), {})
        for role, officer_id in (("fro", line.fro_id), ("sro", line.sro_id)):
            other = on_document.get(officer_id, set()) - {role}
            if other:
                refused = interpolate(
                    gettext(
                        "%(name)s signed this staff member's %(cycle)s document as %(signed)s, so "
                        "they cannot be named its %(role)s."
                    ),
                    {
                        "name": name(officer_id),
                        "cycle": cycle_of(line.cycle_id),
                        "signed": ", ".join(sorted(r.upper() for r in other)),
                        "role": role.upper(),
                    },
                )
                break
        if refused is None:
            acting_clash = acting_officer_clash(
                staff_id=line.staff_id,
                fro_id=line.fro_id,
                sro_id=line.sro_id,
                start=line.effective_from,
                end=line.effective_to,
                delegations=delegations,
            )
            refused = acting_officer_refusal(*acting_clash) if acting_clash else None
        refusals.append(refused)
    return refusals


def _chunked_values(
    queryset: QuerySet[ReportingLine], field: str, ids: Iterable[int], columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """`values_list(*columns)` of `queryset` filtered on `field__in` ids, a thousand at a time."""
    ids = sorted(set(ids))
    for start in range(0, len(ids), 1000):
        yield from queryset.filter(**{f"{field}__in": ids[start : start + 1000]}).values_list(
            *columns
        )


# --- changing reporting lines: one staff member, or many at once ---------------------------


@dataclass
class LineChange:
    """One staff member's new reporting line from `effective_from`, as planned: the line in
    effect it replaces (None for a first line), and why it may not be made (None when it
    may). `unchanged`: the FRO and SRO are those of the current line (nothing to write)."""

    staff: StaffMember
    fro: StaffMember | None
    sro: StaffMember | None
    line: ReportingLine
    current: ReportingLine | None = None
    refusal: str | None = None

    @property
    def unchanged(self) -> bool:
        return self.current is not None and (self.current.fro_id, self.current.sro_id) == (
            self.line.fro_id,
            self.line.sro_id,
        )


def plan_line_changes(
    *,
    cycle: Cycle,
    effective_from: datetime.date,
    changes: Sequence[tuple[int, int, int]],
    actor: User | None = None,
) -> list[LineChange]:
    """What giving each staff member (staff id, FRO id, SRO id) a new reporting line from
    `effective_from` would do, checked against every rule of a single change, in a fixed
    number of queries: the same plan backs `change_reporting_line` (one person) and HR's
    bulk reassignment (`org.bulk`), so a row of either is refused for the same reasons.

    Rules: the cycle is not closed and the date lies in it; the staff member and both officers
    are active staff members, three different people; the new line starts after the current
    one did (which then ends the day before); `reporting_line_refusals` (no overlap, nobody
    named to a role other than the one they signed in, no acting officer holding two roles);
    and an HR focal point (`actor`) makes no change to a document on which they hold a role,
    before or after it (`workplans.conflicts`: another HR focal point of the entity does).
    """
    if cycle.status == Cycle.Status.CLOSED:
        raise ApplicationError(
            interpolate(
                gettext("Cycle %(cycle)s is closed; its reporting lines cannot change."),
                {"cycle": cycle},
            )
        )
    if not cycle.start <= effective_from <= cycle.end:
        raise ApplicationError(
            interpolate(
                gettext("%(date)s is outside cycle %(cycle)s (%(start)s to %(end)s)."),
                {
                    "date": formats.date_format(effective_from, "SHORT_DATE_FORMAT"),
                    "cycle": cycle,
                    "start": formats.date_format(cycle.start, "SHORT_DATE_FORMAT"),
                    "end": formats.date_format(cycle.end, "SHORT_DATE_FORMAT"),
                },
            )
        )
    people_ids = {pk for change in changes for pk in change}
    people: dict[int, StaffMember] = {}
    for start in range(0, len(sorted(people_ids)), 1000):
        chunk = sorted(people_ids)[start : start + 1000]
        people.update(
            (staff.pk, staff)
            for staff in StaffMember.objects.filter(pk__in=chunk).select_related("user", "unit")
        )
    current: dict[int, ReportingLine] = {}
    staff_ids = {staff_id for staff_id, _, _ in changes}
    for start in range(0, len(sorted(staff_ids)), 1000):
        chunk = sorted(staff_ids)[start : start + 1000]
        for line in ReportingLine.objects.filter(
            cycle=cycle, staff_id__in=chunk, effective_to__isnull=True
        ).select_related("fro__user", "sro__user"):
            current[line.staff_id] = line
    planned: list[LineChange] = []
    for staff_id, fro_id, sro_id in changes:
        line = ReportingLine(
            staff_id=staff_id,
            cycle=cycle,
            fro_id=fro_id,
            sro_id=sro_id,
            effective_from=effective_from,
        )
        plan = LineChange(
            staff=people[staff_id],
            fro=people.get(fro_id),
            sro=people.get(sro_id),
            line=line,
            current=current.get(staff_id),
        )
        line.staff = plan.staff
        plan.refusal = _line_change_refusal(plan, actor)
        planned.append(plan)
    checked = [p for p in planned if p.refusal is None and not p.unchanged]
    refusals = reporting_line_refusals(
        [p.line for p in checked], closing=[p.current.pk for p in checked if p.current]
    )
    for plan, refusal in zip(checked, refusals, strict=True):
        plan.refusal = refusal
    return planned


def _line_change_refusal(plan: LineChange, actor: User | None) -> str | None:
    """The checks of one planned line that need no query (`plan_line_changes`)."""
    staff, line, current = plan.staff, plan.line, plan.current
    if not staff.is_active:
        return interpolate(gettext("%(name)s is not an active staff member."), {"name": staff.user})
    for officer, role, own in (
        (plan.fro, gettext("FRO"), gettext("A staff member cannot be their own FRO.")),
        (plan.sro, gettext("SRO"), gettext("A staff member cannot be their own SRO.")),
    ):
        if officer is None or not officer.is_active:
            return interpolate(
                gettext("The %(role)s must be an active staff member."), {"role": role}
            )
        if officer.pk == staff.pk:
            return own
    if line.fro_id == line.sro_id:
        return gettext("The SRO must be a different person from the FRO.")
    if plan.unchanged:
        return None
    if current is not None and line.effective_from <= current.effective_from:
        return interpolate(
            gettext(
                "The new reporting line must start after %(date)s, when the current one started."
            ),
            {"date": formats.date_format(current.effective_from, "SHORT_DATE_FORMAT")},
        )
    if actor is not None:
        held = {staff.pk: gettext("staff member"), line.fro_id: gettext("FRO")}
        held[line.sro_id] = gettext("SRO")
        if current is not None:
            held.setdefault(current.fro_id, gettext("FRO"))
            held.setdefault(current.sro_id, gettext("SRO"))
        if actor.pk in held:
            return interpolate(
                gettext(
                    "You are the %(role)s on this staff member's document, so you cannot change "
                    "their reporting line as HR focal point: another HR focal point of the "
                    "entity does."
                ),
                {"role": held[actor.pk]},
            )
    return None


def apply_line_changes(planned: Sequence[LineChange]) -> list[LineChange]:
    """Write planned changes none of which is refused: each current line ends the day before
    its successor starts, and the new lines are created (unchanged ones write nothing).
    Access follows at once (`org.relations`). Returns the changes written, their `line`
    saved."""
    refused = [plan for plan in planned if plan.refusal]
    if refused:
        raise ApplicationError(refused[0].refusal or "")
    written = [plan for plan in planned if not plan.unchanged]
    one_day = datetime.timedelta(days=1)
    ends: dict[datetime.date, list[int]] = {}
    for plan in written:
        if plan.current is not None:
            end = plan.line.effective_from - one_day
            ends.setdefault(end, []).append(plan.current.pk)
            plan.current.effective_to = end
    for end, pks in ends.items():
        for start in range(0, len(pks), 1000):
            ReportingLine.objects.filter(pk__in=pks[start : start + 1000]).update(effective_to=end)
    ReportingLine.objects.bulk_create([plan.line for plan in written], batch_size=1000)
    return written


def lock_staff(staff_ids: Iterable[int]) -> None:
    """Lock the staff members' rows, in key order: two changes of the same people's lines
    run one after the other, each planned on what the other wrote."""
    ids = sorted(set(staff_ids))
    for start in range(0, len(ids), 1000):
        list(
            StaffMember.objects.select_for_update()
            .filter(pk__in=ids[start : start + 1000])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@transaction.atomic
def change_reporting_line(
    *,
    staff: StaffMember,
    cycle: Cycle,
    fro: StaffMember,
    sro: StaffMember,
    effective_from: datetime.date,
    actor: User | None = None,
) -> ReportingLine:
    """Give one staff member a new FRO and SRO from `effective_from`: the current line ends
    the day before and the new one opens (`plan_line_changes` states the rules; nothing
    changes when the officers are those of the current line). Who may see and act on the
    staff member's documents follows the new line from its first day (`org.relations`)."""
    lock_staff([staff.pk])
    (plan,) = plan_line_changes(
        cycle=cycle,
        effective_from=effective_from,
        changes=[(staff.pk, fro.pk, sro.pk)],
        actor=actor,
    )
    if plan.refusal:
        raise ApplicationError(plan.refusal)
    if plan.unchanged and plan.current is not None:
        return plan.current
    apply_line_changes([plan])
    return plan.line


def acting_officer_clash(
    *,
    staff_id: int,
    fro_id: int,
    sro_id: int,
    start: datetime.date,
    end: datetime.date | None,
    delegations: Iterable[Delegation],
    on: datetime.date | None = None,
) -> tuple[Delegation, str] | None:
    """The delegation that would give its acting officer a second role on the staff member's
    document under this line, with that role ("staff", "fro" or "sro"); None when there is
    none.

    Rule (`workplans.conflicts`: one person, one role per document): while a delegation of the
    line's FRO as FRO (or of its SRO as SRO) holds, its acting officer stands in that role on
    the document, so on no day from today on that the line and the delegation share may they
    be its staff member or its other officer. Creating a delegation asks the same of the lines
    (`delegation_refusal`); a line written later (Django admin, import) asks it here."""
    first = max(start, on or today())
    for delegation in sorted(delegations, key=lambda d: (d.start, d.pk or 0)):
        if (delegation.role, delegation.principal_id) == (Delegation.Role.FRO, fro_id):
            others = {staff_id: "staff", sro_id: "sro"}
        elif (delegation.role, delegation.principal_id) == (Delegation.Role.SRO, sro_id):
            others = {staff_id: "staff", fro_id: "fro"}
        else:
            continue
        if delegation.acting_id not in others or delegation.end < first:
            continue
        if end is not None and delegation.start > end:
            continue
        return delegation, others[delegation.acting_id]
    return None


def acting_officer_refusal(delegation: Delegation, held: str) -> str:
    """The refusal of a reporting line that `acting_officer_clash` found."""
    names = {"staff": gettext("staff member"), "fro": gettext("FRO"), "sro": gettext("SRO")}
    return interpolate(
        gettext(
            "%(acting)s is acting %(role)s for %(principal)s from %(start)s to %(end)s, so they "
            "cannot also be the %(held)s of this reporting line: one person holds one role on a "
            "document. Choose someone else, or end that delegation first."
        ),
        {
            "acting": delegation.acting,
            "role": names[delegation.role],
            "principal": delegation.principal,
            "start": formats.date_format(delegation.start, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(delegation.end, "SHORT_DATE_FORMAT"),
            "held": names[held],
        },
    )


def signed_roles_on_document(*, staff_id: int, cycle_id: int) -> dict[int, set[str]]:
    """Who signed the staff member's document for the cycle, and in which roles (none when
    there is no document yet)."""
    return signed_roles_on_documents([staff_id]).get((staff_id, cycle_id), {})


def signed_roles_on_documents(
    staff_ids: Iterable[int],
) -> dict[tuple[int, int], dict[int, set[str]]]:
    """For the documents of these staff members: (staff id, cycle id) → {signer id: roles}, in
    one query per thousand staff members."""
    signed: dict[tuple[int, int], dict[int, set[str]]] = {}
    staff_ids = sorted(set(staff_ids))
    for start in range(0, len(staff_ids), 1000):
        for staff_id, cycle_id, signer_id, role in Signature.objects.filter(
            document__staff_id__in=staff_ids[start : start + 1000]
        ).values_list("document__staff_id", "document__cycle_id", "signer_id", "role"):
            signed.setdefault((staff_id, cycle_id), {}).setdefault(signer_id, set()).add(role)
    return signed


def delegable_roles(user: User, on: datetime.date | None = None) -> list[str]:
    """The roles `user` holds now and may hand to an acting officer."""
    on = on or today()
    roles: list[str] = []
    lines = lines_in_effect(on).filter(cycle__status=Cycle.Status.OPEN)
    if lines.filter(fro_id=user.pk).exists():
        roles.append(Delegation.Role.FRO)
    if lines.filter(sro_id=user.pk).exists():
        roles.append(Delegation.Role.SRO)
    if current_department_roles(on).filter(user_id=user.pk, role=DepartmentRole.Role.HOD).exists():
        roles.append(Delegation.Role.HOD)
    return roles


def delegation_refusal(
    *,
    principal: User,
    acting: User,
    role: str,
    start: datetime.date,
    end: datetime.date,
    delegation: Delegation | None = None,
) -> str | None:
    """Why this delegation may not be made (None when it may). The conflict-of-interest rule
    (`workplans.conflicts`) holds: an acting FRO or SRO holds no other role on any document of
    the principal's in those dates — not its staff member, its other officer, an additional
    supervisor, nor someone who signed it in another role — and the refusal names the
    document."""
    if acting.pk == principal.pk:
        return gettext("You cannot name yourself as your acting officer.")
    if not acting.is_active:
        return interpolate(gettext("%(name)s's account is not active."), {"name": acting})
    if end < start:
        return gettext("The delegation cannot end before it starts.")
    if end < today():
        return gettext("The delegation would already be over.")
    overlapping = Delegation.objects.filter(
        principal=principal, role=role, start__lte=end, end__gte=start
    )
    if delegation is not None and delegation.pk:
        overlapping = overlapping.exclude(pk=delegation.pk)
    if overlapping.exists():
        return gettext(
            "You already have an acting officer for this role in those dates: end that "
            "delegation first."
        )
    if role in (Delegation.Role.FRO, Delegation.Role.SRO):
        return _officer_delegation_conflict(principal, acting, role, start, end)
    return None


def _officer_delegation_conflict(
    principal: User, acting: User, role: str, start: datetime.date, end: datetime.date
) -> str | None:
    from django.apps import apps

    other = "sro" if role == "fro" else "fro"
    lines = (
        ReportingLine.objects.filter(**{f"{role}_id": principal.pk})
        .filter(effective_from__lte=end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .exclude(cycle__status=Cycle.Status.CLOSED)
    )
    # Additional supervisors belong to `workplans`, built on `org`: through the app registry.
    supervisor = apps.get_model("workplans", "AdditionalSupervisor")
    found = (
        lines.filter(Q(staff_id=acting.pk) | Q(**{f"{other}_id": acting.pk}))
        .select_related("staff__user", "cycle")
        .first()
    )
    if found is not None:
        held = gettext("staff member") if found.staff_id == acting.pk else other.upper()
        return _delegation_conflict(acting, held, found.staff.user, found.cycle)
    for model, condition, held in (
        (
            supervisor,
            Q(supervisor_id=acting.pk, state="accepted"),
            gettext("additional supervisor"),
        ),
        (Signature, Q(signer_id=acting.pk) & ~Q(role=role), gettext("a signer")),
    ):
        field = "work_plan" if model is supervisor else "document"
        row = (
            model.objects.filter(condition)
            .filter(
                **{
                    f"{field}__staff_id__in": lines.values("staff_id"),
                    f"{field}__cycle_id__in": lines.values("cycle_id"),
                }
            )
            .select_related(f"{field}__staff__user", f"{field}__cycle")
            .first()
        )
        if row is not None:
            document = getattr(row, field)
            return _delegation_conflict(acting, held, document.staff.user, document.cycle)
    return None


def _delegation_conflict(acting: User, held: str, staff: User, cycle: Cycle) -> str:
    return interpolate(
        gettext(
            "%(acting)s is already %(held)s on the %(cycle)s document of %(staff)s, one of the "
            "documents this delegation covers: one person holds one role on a document. Choose "
            "someone else."
        ),
        {"acting": acting, "held": held, "cycle": cycle, "staff": staff},
    )


@transaction.atomic
def create_delegation(
    *,
    principal: User,
    acting: User,
    role: str,
    start: datetime.date,
    end: datetime.date,
    reason: str = "",
) -> Delegation:
    """An FRO, SRO or HOD names an acting officer for a date range; while it holds, the
    acting officer sees the documents and acts, and every signature reads "X acting for Y".
    A delegation that would give someone two roles on one document is refused."""
    if role not in delegable_roles(principal):
        label = Delegation.Role(role).label if role in Delegation.Role.values else role
        raise ApplicationError(
            interpolate(
                gettext("You are not a %(role)s now, so you cannot delegate it."),
                {"role": lower_first(str(label))},
            )
        )
    refused = delegation_refusal(
        principal=principal, acting=acting, role=role, start=start, end=end
    )
    if refused:
        raise ApplicationError(refused)
    delegation = Delegation(
        principal=principal, acting=acting, role=role, start=start, end=end, reason=reason
    )
    delegation.full_clean()
    delegation.save()
    _tell_acting_officer(delegation)
    return delegation


@transaction.atomic
def save_delegation(*, delegation: Delegation) -> Delegation:
    """A system administrator's delegation, as the Django admin gives it: the same rules as
    `create_delegation` except that the principal need not hold the role today."""
    refused = delegation_refusal(
        principal=delegation.principal,
        acting=delegation.acting,
        role=delegation.role,
        start=delegation.start,
        end=delegation.end,
        delegation=delegation,
    )
    if refused:
        raise ApplicationError(refused)
    adding = delegation.pk is None
    delegation.full_clean()
    delegation.save()
    if adding:
        _tell_acting_officer(delegation)
    return delegation


def _tell_acting_officer(delegation: Delegation) -> None:
    principal, reason = delegation.principal, delegation.reason
    role_label = Delegation.Role(delegation.role).label
    words = {
        "principal": str(principal),
        "role": role_label,
        "start": delegation.start,
        "end": delegation.end,
    }
    if reason.strip():
        body = phrase(
            gettext_noop(
                "%(principal)s named you acting %(role)s from %(start)s to %(end)s. %(reason)s"
            ),
            reason=reason.strip(),
            **words,
        )
    else:
        body = phrase(
            gettext_noop("%(principal)s named you acting %(role)s from %(start)s to %(end)s."),
            **words,
        )
    notify(
        users=[delegation.acting],
        subject=phrase(
            gettext_noop("You are acting %(role)s for %(principal)s"),
            role=role_label,
            principal=str(principal),
        ),
        body=body,
    )


@transaction.atomic
def end_delegation(*, delegation: Delegation, actor: User) -> Delegation:
    """The principal ends a delegation early (it stops today; its record stays)."""
    if delegation.principal_id != actor.pk:
        raise ApplicationError(gettext("Only the officer who delegated can end the delegation."))
    on = today()
    if delegation.end < on:
        raise ApplicationError(gettext("This delegation is already over."))
    delegation.end = max(on - datetime.timedelta(days=1), delegation.start)
    if delegation.start >= on:
        delegation.delete()
        return delegation
    delegation.save(update_fields=["end"])
    return delegation


# --- staff records ----------------------------------------------------------------------------

# The fields of a staff record that put its holder on a special schedule (app `schedules`).
SPECIAL_SCHEDULE_FLAGS = ("on_probation", "contract_type")


@transaction.atomic
def save_staff_member(*, staff: StaffMember, actor: User | None = None) -> StaffMember:
    """Validate and save a staff record as given (the Django admin's staff page, and the staff
    part of its user page, write through this); a change of the record's special-schedule
    flags is logged (`log_special_schedule_changes`). `actor` None means the system."""
    # The row as it is, locked: two saves at once log each change once, from what it was.
    before = (
        StaffMember.objects.select_for_update()
        .filter(pk=staff.pk)
        .values(*SPECIAL_SCHEDULE_FLAGS)
        .first()
    )
    staff.full_clean(exclude=["category"])  # `save` derives the category from the grade
    staff.save()
    if before is not None:
        after = {name: getattr(staff, name) for name in SPECIAL_SCHEDULE_FLAGS}
        log_special_schedule_changes(actor=actor, changes=[(staff.pk, before, after)])
    return staff


def special_schedule_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(flag, old value, new value) for each special-schedule flag that `after` sets to
    another value than `before`: the probation flag, and the contract type when it goes to or
    from technical cooperation (a fixed-term contract made temporary changes no schedule)."""
    tc = StaffMember.ContractType.TECHNICAL_COOPERATION
    changes = []
    if "on_probation" in after and bool(after["on_probation"]) != bool(before["on_probation"]):
        changes.append(("on_probation", before["on_probation"], after["on_probation"]))
    if "contract_type" in after and (after["contract_type"] == tc) != (
        before["contract_type"] == tc
    ):
        changes.append(("contract_type", before["contract_type"], after["contract_type"]))
    return changes


def log_special_schedule_changes(
    *,
    actor: User | None,
    changes: Iterable[tuple[int, Mapping[str, Any], Mapping[str, Any]]],
) -> int:
    """Rule: a staff member put on or taken off probation, or moved to or from a
    technical-cooperation contract, leaves one `special_schedule_changed` event in the security
    log per flag changed: who (absent: the system), whose record, which flag, its old and new
    value. A new record is not a change. Every route that writes the flags gives its changes
    here as (staff id, values before, values written): the importer, which writes in bulk, and
    `save_staff_member`. The events are logged once the transaction commits, so a write rolled
    back (an import refused at its last step) logs nothing. Returns how many are logged."""
    events = [
        {"staff": staff_id, "flag": flag, "old": old, "new": new}
        for staff_id, before, after in changes
        for flag, old, new in special_schedule_changes(before, after)
    ]
    user = actor.pk if actor is not None else None

    def log() -> None:
        for event in events:
            log_event("special_schedule_changed", user=user, **event)

    if events:
        transaction.on_commit(log)
    return len(events)


def forget_old_addresses(user_ids: Iterable[int]) -> int:
    """Drop the allauth address rows of these accounts that are not their address now.

    Rule: an account is reached through its one address. allauth finds accounts by their
    EmailAddress rows as well as by `User.email`, so a row left with an old address would
    still sign in and receive password-reset links there. Whoever changes an account's
    address (the importer, the admin) calls this in the same transaction. One query."""
    ids = list(user_ids)
    if not ids:
        return 0
    deleted, _ = (
        EmailAddress.objects.filter(user_id__in=ids)
        .exclude(email__iexact=F("user__email"))
        .delete()
    )
    return int(deleted)


@transaction.atomic
def verify_email_by_password_reset(*, user: User) -> EmailAddress | None:
    """The address a completed password reset proves the person reads, marked verified.

    Rule: following the emailed reset link to a new password proves control of the address the
    link was sent to. allauth's link names no address, but it only works while the account's
    addresses are what they were when it was sent (its token covers them): when the account
    has exactly one address, that is where the link went, and it becomes verified (and primary,
    as the account has no other). With several addresses none is marked, as the link could
    have gone to any of them. This keeps privileged users' onboarding open: allauth enrols no
    authenticator while an address of the account is unverified.
    """
    rows = list(EmailAddress.objects.select_for_update().filter(user_id=user.pk))
    emails = {row.email.lower() for row in rows}
    if user.email:
        emails.add(user.email.lower())
    if len(emails) != 1:
        return None
    address = rows[0] if rows else EmailAddress(user=user, email=user.email.lower())
    if address.verified:
        return address
    if not address.set_verified(commit=False):
        return None  # another account holds this address verified: it stays unverified here
    address.primary = True
    address.save()
    return address


def set_language(*, user: User, language: str) -> User:
    """A user's choice among settings.LANGUAGES, kept on their profile: pages and emails
    follow it from their next request on."""
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(gettext("Choose one of the languages offered."))
    user.language = language
    user.save(update_fields=["language"])
    return user


def set_preferences(*, user: User, language: str, email_preference: str) -> User:
    """What a person chooses on their profile page: the language of their pages and emails
    (empty: the browser's) and how reminders reach them (`User.EmailPreference`: each as it
    comes, or one digest a day, compliance.reminders)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ApplicationError(gettext("Choose one of the languages offered."))
    if email_preference not in User.EmailPreference.values:
        raise ApplicationError(gettext("Choose how reminders should reach you."))
    user.language = language
    user.email_preference = email_preference
    user.save(update_fields=["language", "email_preference"])
    return user
