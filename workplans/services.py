"""Writes for work plans: creation, drafting, submission, approval and return, additional
supervisors, check-ins, the mid-point review and unit work plans.

Each service locks the document row, asks the freeze table (`pmsystem.freeze`) or the
workflow through the actor's relations, changes state only through the
declared workflow, signs where the workflow says so and writes one timeline event.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, OrgUnit, StaffMember, User
from org.relations import line_in_effect
from pmsystem import freeze
from pmsystem.errors import ApplicationError
from pmsystem.events import record_event
from pmsystem.i18n import Phrase, interpolate, phrase
from pmsystem.notifications import notify
from pmsystem.signatures import record_signature
from pmsystem.stages import Stage

from .conflicts import ROLE_NAMES
from .locks import lock_document as _lock
from .locks import lock_midpoint as _lock_midpoint
from .models import (
    AdditionalSupervisor,
    CheckIn,
    Competency,
    DevelopmentGoal,
    Goal,
    GoalChange,
    MidpointReview,
    WorkPlan,
)
from .permissions import can_manage_unit_goals, is_fro_of, relations_for, role_holders
from .selectors import alignment_choices, unit_alignment_choices, work_plan_problems
from .signing import work_plan_content
from .workflow import MIDPOINT, WORK_PLAN

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ROLE_LABELS = {"staff": _("Staff member"), "fro": _("FRO"), "sro": _("SRO")}


@dataclass
class GoalInput:
    title: str
    description: str = ""
    success_criteria: str = ""
    expected_date: datetime.date | None = None
    weight: int | None = None
    aligned_to_id: int | None = None
    id: int | None = None


@dataclass
class DevelopmentGoalInput:
    title: str
    activities: str = ""
    target_date: datetime.date | None = None


def _require_part(actor: User, work_plan: WorkPlan, part: str) -> frozenset[str]:
    """Refuse, with the freeze table's reason, a change to a part not open to `actor` now
    (or the conflict rule's reason, when it took the role that part needs)."""
    relations = relations_for(actor, work_plan)
    reason = freeze.refusal(work_plan, part, relations)
    if reason:
        needed = freeze.PARTS[part].roles
        for role in sorted(needed.intersection(relations.conflicts)):
            reason = relations.conflicts[role]
        raise ApplicationError(reason)
    return frozenset(relations)


def _acting_role(roles: frozenset[str], transition_roles: frozenset[str]) -> str:
    return sorted(roles & transition_roles)[0]


def _principal(relations: dict[str, int | None], role: str) -> User | None:
    """The officer the actor stands in for in `role` (None when the role is their own)."""
    principal_id = relations.get(role)
    return User.objects.get(pk=principal_id) if principal_id else None


# --- the work plan -------------------------------------------------------------------------


@transaction.atomic
def create_work_plan(*, staff: StaffMember, cycle: Cycle, actor: User) -> WorkPlan:
    """Step 1: the staff member creates their work plan, or the FRO creates the empty
    document on their behalf (the FRO never fills it in)."""
    on_behalf = actor.pk != staff.pk
    if on_behalf and not is_fro_of(actor, staff.pk, cycle.pk):
        raise ApplicationError(
            gettext("Only the staff member or their FRO may create this work plan.")
        )
    if cycle.status != Cycle.Status.OPEN:
        raise ApplicationError(
            interpolate(gettext("The %(cycle)s cycle is not open."), {"cycle": cycle})
        )
    if line_in_effect(staff.pk, cycle.pk) is None:
        raise ApplicationError(
            interpolate(
                gettext(
                    "%(name)s has no FRO for the %(cycle)s cycle yet: ask an HR focal point to "
                    "record the reporting line."
                ),
                {"name": staff.user, "cycle": cycle},
            )
        )
    exists = interpolate(
        gettext("A work plan of %(name)s for %(cycle)s already exists."),
        {
            "name": staff.user,
            "cycle": cycle,
        },
    )
    if WorkPlan.objects.filter(staff=staff, cycle=cycle).exists():
        raise ApplicationError(exists)
    work_plan = WorkPlan(staff=staff, cycle=cycle, created_by=actor)
    work_plan.full_clean()
    try:
        with transaction.atomic():
            work_plan.save()
    except IntegrityError as exc:
        raise ApplicationError(exists) from exc
    work_plan.competencies.set(
        Competency.objects.filter(
            framework=cycle.competency_framework, kind__in=Competency.ALWAYS_INCLUDED
        )
    )
    summary = (
        phrase(
            gettext_noop("Work plan created by the FRO, %(fro)s, on behalf of %(name)s"),
            fro=actor,
            name=staff.user,
        )
        if on_behalf
        else phrase(gettext_noop("Work plan created"))
    )
    record_event(document=work_plan, kind="created", summary=summary, actor=actor)
    if on_behalf:
        notify(
            users=[staff.user],
            subject=phrase(gettext_noop("Your FRO started your %(cycle)s work plan"), cycle=cycle),
            body=phrase(
                gettext_noop(
                    "%(fro)s created your work plan for %(cycle)s. Please draft your goals."
                ),
                fro=actor,
                cycle=cycle,
            ),
        )
    return work_plan


@transaction.atomic
def save_work_plan(
    *,
    work_plan: WorkPlan,
    actor: User,
    goals: list[GoalInput],
    development_goals: list[DevelopmentGoalInput],
    competency_ids: list[int],
    submit: bool = False,
) -> WorkPlan:
    """The staff member drafts goals (with success criteria), competencies and development
    goals while the freeze table leaves the work plan open to them (`pmsystem.freeze`): as a
    draft, and once approved until the end-of-cycle evaluation starts. After approval every
    change to goals, competencies and development goals is kept in the history, the FRO is
    told, and the plan must stay complete. With `submit` the draft is saved and submitted in
    one step: when the submission is refused, nothing is saved."""
    work_plan = _lock(work_plan)
    relations = relations_for(actor, work_plan)
    refused = freeze.refusal(work_plan, "goals", relations)
    if refused:
        if "staff" not in relations:
            if "fro" in relations:
                raise ApplicationError(
                    gettext("An FRO may create a work plan but never fills it in.")
                )
            raise ApplicationError(gettext("Only the staff member fills in their work plan."))
        raise ApplicationError(refused)
    cycle = work_plan.cycle
    after_approval = work_plan.state == WorkPlan.State.APPROVED
    if len(goals) > cycle.max_goals:
        raise ApplicationError(
            ngettext(
                "A work plan has at most %(count)s goal.",
                "A work plan has at most %(count)s goals.",
                cycle.max_goals,
            )
            % {"count": cycle.max_goals}
        )
    allowed_alignment = {g.pk: g for g in alignment_choices(work_plan.staff, cycle)}
    for goal in goals:
        if goal.aligned_to_id and goal.aligned_to_id not in allowed_alignment:
            raise ApplicationError(
                interpolate(
                    gettext(
                        "Goal “%(title)s” is aligned to a goal outside your reporting "
                        "line: choose a goal of your own unit or of the units above it."
                    ),
                    {"title": goal.title},
                )
            )
        if goal.weight is not None and not 0 <= goal.weight <= 100:
            raise ApplicationError(
                interpolate(
                    gettext("The weight of goal “%(title)s” must be 0–100."), {"title": goal.title}
                )
            )

    changes = _save_goals(work_plan, goals, actor, after_approval)
    competency_change = _save_competencies(work_plan, competency_ids)
    development_change = _save_development_goals(work_plan, development_goals)
    if after_approval:
        problems = work_plan_problems(work_plan)
        if problems:
            raise ApplicationError(
                interpolate(
                    gettext("An approved work plan must stay complete. %(problems)s"),
                    {"problems": " ".join(problems)},
                )
            )
    work_plan.save(update_fields=["updated_at"])
    changed = bool(changes or competency_change or development_change)
    detail = _change_detail(changes, competency_change, development_change)
    if changed or not after_approval:
        summary = (
            phrase(gettext_noop("Work plan changed after approval (%(detail)s)"), detail=detail)
            if after_approval
            else phrase(gettext_noop("Draft saved (%(detail)s)"), detail=detail)
        )
        record_event(
            document=work_plan,
            kind="goals_changed" if after_approval else "draft_saved",
            summary=summary,
            actor=actor,
            data={
                "changes": [c.pk for c in changes],
                **({"competencies": competency_change} if competency_change else {}),
                **({"development_goals": development_change} if development_change else {}),
            },
        )
    if after_approval and changed:
        line = line_in_effect(work_plan.staff_id, work_plan.cycle_id)
        notify(
            users=[line.fro.user if line else None],
            subject=phrase(
                gettext_noop("%(name)s changed their approved work plan"),
                name=work_plan.staff.user,
            ),
            body=phrase(
                gettext_noop("%(name)s changed their approved %(cycle)s work plan: %(detail)s."),
                name=work_plan.staff.user,
                cycle=cycle,
                detail=detail,
            ),
        )
    if submit:
        submit_work_plan(work_plan=work_plan, actor=actor)
    return work_plan


def _save_goals(
    work_plan: WorkPlan, goals: list[GoalInput], actor: User, after_approval: bool
) -> list[GoalChange]:
    """Write the goals as given (changed ones in place, new ones added, missing ones no longer
    current) and return their history rows."""
    existing = {g.pk: g for g in work_plan.goals.filter(is_current=True)}
    changes: list[GoalChange] = []
    kept: set[int] = set()
    for position, data in enumerate(goals, start=1):
        fields = {
            "title": data.title.strip(),
            "description": data.description.strip(),
            "success_criteria": data.success_criteria.strip(),
            "expected_date": data.expected_date,
            "weight": data.weight,
            "aligned_to_id": data.aligned_to_id,
            "position": position,
        }
        if data.id is not None and data.id in existing:
            goal = existing[data.id]
            before = goal.content()
            for name, value in fields.items():
                setattr(goal, name, value)
            goal.full_clean()
            goal.save()
            kept.add(goal.pk)
            if goal.content() != before:
                changes.append(_change(work_plan, goal, "changed", actor, before, after_approval))
        else:
            goal = Goal(cycle=work_plan.cycle, work_plan=work_plan, **fields)
            goal.full_clean()
            goal.save()
            changes.append(_change(work_plan, goal, "added", actor, None, after_approval))
    for pk, goal in existing.items():
        if pk not in kept:
            goal.is_current = False
            goal.save(update_fields=["is_current"])
            changes.append(
                _change(work_plan, goal, "removed", actor, goal.content(), after_approval)
            )
    GoalChange.objects.bulk_create(changes)
    return changes


def _save_competencies(
    work_plan: WorkPlan, competency_ids: list[int]
) -> dict[str, list[str]] | None:
    """Set the chosen competencies (the core values always included); the codes added and
    removed, or None when nothing changed."""
    catalogue = Competency.objects.filter(framework=work_plan.cycle.competency_framework)
    chosen = set(
        catalogue.filter(pk__in=competency_ids).exclude(kind__in=Competency.ALWAYS_INCLUDED)
    )
    wanted = {*catalogue.filter(kind__in=Competency.ALWAYS_INCLUDED), *chosen}
    before = set(work_plan.competencies.values_list("code", flat=True))
    after = {c.code for c in wanted}
    if before == after:
        return None
    work_plan.competencies.set(wanted)
    return {"added": sorted(after - before), "removed": sorted(before - after)}


def _save_development_goals(
    work_plan: WorkPlan, development_goals: list[DevelopmentGoalInput]
) -> dict[str, list[dict[str, Any]]] | None:
    """Replace the development goals when they changed; before and after, or None."""
    wanted = [
        DevelopmentGoal(
            work_plan=work_plan,
            title=d.title.strip(),
            activities=d.activities.strip(),
            target_date=d.target_date,
            position=position,
        )
        for position, d in enumerate((d for d in development_goals if d.title.strip()), start=1)
    ]
    before = [d.content() for d in work_plan.development_goals.all()]
    after = [d.content() for d in wanted]
    if before == after:
        return None
    work_plan.development_goals.all().delete()
    DevelopmentGoal.objects.bulk_create(wanted)
    return {"before": before, "after": after}


def _change_detail(
    changes: list[GoalChange],
    competencies: dict[str, list[str]] | None,
    development: dict[str, list[dict[str, Any]]] | None,
) -> Phrase:
    """'2 added, 1 removed; competencies changed' for the timeline and the FRO."""
    parts = [_change_counts(changes)] if changes or not (competencies or development) else []
    if competencies:
        parts.append(phrase(gettext_noop("competencies changed")))
    if development:
        parts.append(phrase(gettext_noop("development goals changed")))
    if len(parts) == 1:
        return parts[0]
    return phrase(
        _SEMICOLON_LISTS[len(parts)], **dict(zip(("first", "second", "third"), parts, strict=False))
    )


_SEMICOLON_LISTS = {
    2: gettext_noop("%(first)s; %(second)s"),
    3: gettext_noop("%(first)s; %(second)s; %(third)s"),
}


# How many goals were added, changed and removed, each wording whole for the count of one
# and for more (the English "1 added", "2 added"; French agrees the participle).
_COUNTED = {
    GoalChange.Kind.ADDED: (gettext_noop("1 added"), gettext_noop("%(count)s added")),
    GoalChange.Kind.CHANGED: (gettext_noop("1 changed"), gettext_noop("%(count)s changed")),
    GoalChange.Kind.REMOVED: (gettext_noop("1 removed"), gettext_noop("%(count)s removed")),
}
_LISTS = {
    2: gettext_noop("%(first)s, %(second)s"),
    3: gettext_noop("%(first)s, %(second)s, %(third)s"),
}


def _change_counts(changes: list[GoalChange]) -> Phrase:
    """'2 added, 1 removed' (or 'no goal changes') as a phrase, for the timeline and the FRO."""
    parts = []
    for kind, (one, many) in _COUNTED.items():
        count = sum(1 for c in changes if c.kind == kind)
        if count == 1:
            parts.append(phrase(one))
        elif count:
            parts.append(phrase(many, count=count))
    if not parts:
        return phrase(gettext_noop("no goal changes"))
    if len(parts) == 1:
        return parts[0]
    return phrase(
        _LISTS[len(parts)], **dict(zip(("first", "second", "third"), parts, strict=False))
    )


def _change(
    work_plan: WorkPlan,
    goal: Goal,
    kind: str,
    actor: User,
    before: dict[str, Any] | None,
    after_approval: bool,
) -> GoalChange:
    return GoalChange(
        work_plan=work_plan,
        goal=goal,
        kind=kind,
        actor=actor,
        before=before,
        after=None if kind == "removed" else goal.content(),
        after_approval=after_approval,
    )


def _work_plan_transition(
    *, work_plan: WorkPlan, actor: User, name: str, comment: str = ""
) -> WorkPlan:
    work_plan = _lock(work_plan)
    relations = relations_for(actor, work_plan)
    roles = frozenset(relations)
    if not roles:
        raise ApplicationError(gettext("You may not act on this work plan."))
    transition = WORK_PLAN.apply(work_plan, name, relations)
    now = timezone.now()
    if name == "submit":
        work_plan.submitted_at = now
        work_plan.return_comment = ""
    elif name == "approve":
        work_plan.approved_at = now
    elif name == "return":
        work_plan.return_comment = comment
    work_plan.save()
    role = _acting_role(roles, transition.roles)
    acting_for = _principal(relations, role)
    data = {}
    if transition.signs:
        signature = record_signature(
            document=work_plan,
            stage="work_plan",
            action=name,
            signer=actor,
            role=role,
            content=work_plan_content(work_plan),
            acting_for=acting_for,
        )
        data["signature"] = signature.content_hash
    record_event(
        document=work_plan,
        kind=f"work_plan_{name}",
        summary=_transition_summary(transition.label, role),
        actor=actor,
        acting_for=acting_for,
        comment=comment,
        data=data,
    )
    return work_plan


def _transition_summary(label: StrOrPromise, role: str) -> Phrase:
    """'Submit work plan (Staff member)' for the timeline."""
    return phrase(
        gettext_noop("%(action)s (%(role)s)"), action=label, role=ROLE_LABELS.get(role, role)
    )


@transaction.atomic
def submit_work_plan(*, work_plan: WorkPlan, actor: User) -> WorkPlan:
    """Step 1 ends: the staff member signs and sends a complete work plan to the FRO."""
    work_plan = _work_plan_transition(work_plan=work_plan, actor=actor, name="submit")
    line = line_in_effect(work_plan.staff_id, work_plan.cycle_id)
    notify(
        users=[line.fro.user if line else None],
        subject=phrase(gettext_noop("Work plan of %(name)s to approve"), name=work_plan.staff.user),
        body=phrase(
            gettext_noop("%(name)s submitted their %(cycle)s work plan for approval."),
            name=work_plan.staff.user,
            cycle=work_plan.cycle,
        ),
    )
    return work_plan


@transaction.atomic
def approve_work_plan(*, work_plan: WorkPlan, actor: User, comment: str = "") -> WorkPlan:
    """Step 2: the FRO approves (signs) the submitted work plan."""
    work_plan = _work_plan_transition(
        work_plan=work_plan, actor=actor, name="approve", comment=comment
    )
    notify(
        users=[work_plan.staff.user],
        subject=phrase(gettext_noop("Your work plan was approved")),
        body=phrase(
            gettext_noop("%(fro)s approved your %(cycle)s work plan."),
            fro=actor,
            cycle=work_plan.cycle,
        ),
    )
    return work_plan


@transaction.atomic
def return_work_plan(*, work_plan: WorkPlan, actor: User, comment: str) -> WorkPlan:
    """Step 2, the other way: the FRO returns the work plan to draft with a comment."""
    if not comment.strip():
        raise ApplicationError(gettext("Say what needs to change when returning a work plan."))
    work_plan = _work_plan_transition(
        work_plan=work_plan, actor=actor, name="return", comment=comment.strip()
    )
    notify(
        users=[work_plan.staff.user],
        subject=phrase(gettext_noop("Your work plan was returned")),
        body=phrase(
            gettext_noop("%(fro)s returned your %(cycle)s work plan: %(comment)s"),
            fro=actor,
            cycle=work_plan.cycle,
            comment=comment.strip(),
        ),
    )
    return work_plan


# --- additional supervisors ----------------------------------------------------------------


@transaction.atomic
def propose_additional_supervisor(
    *, work_plan: WorkPlan, actor: User, supervisor: User
) -> AdditionalSupervisor:
    """The staff member proposes up to N additional supervisors (cycle setting)."""
    work_plan = _lock(work_plan)
    if work_plan.staff_id != actor.pk:
        raise ApplicationError(gettext("Only the staff member proposes additional supervisors."))
    _require_part(actor, work_plan, "additional_supervisors")
    if supervisor.pk == work_plan.staff_id:
        raise ApplicationError(gettext("You cannot be your own additional supervisor."))
    _refuse_role_holder(work_plan, supervisor)
    if not supervisor.is_active:
        raise ApplicationError(
            interpolate(gettext("%(name)s's account is not active."), {"name": supervisor})
        )
    active = work_plan.additional_supervisors.filter(state__in=AdditionalSupervisor.ACTIVE)
    if active.filter(supervisor=supervisor).exists():
        raise ApplicationError(
            interpolate(gettext("%(name)s is already proposed or accepted."), {"name": supervisor})
        )
    limit = work_plan.cycle.max_additional_supervisors
    if active.count() >= limit:
        raise ApplicationError(
            ngettext(
                "A work plan has at most %(count)s additional supervisor.",
                "A work plan has at most %(count)s additional supervisors.",
                limit,
            )
            % {"count": limit}
        )
    request = AdditionalSupervisor.objects.create(work_plan=work_plan, supervisor=supervisor)
    record_event(
        document=work_plan,
        kind="additional_supervisor_proposed",
        summary=phrase(gettext_noop("%(name)s proposed as additional supervisor"), name=supervisor),
        actor=actor,
    )
    notify(
        users=[supervisor],
        subject=phrase(
            gettext_noop("%(name)s asks you to be an additional supervisor"),
            name=work_plan.staff.user,
        ),
        body=phrase(
            gettext_noop(
                "%(name)s proposed you as an additional supervisor for %(cycle)s. Accept or "
                "decline under My tasks."
            ),
            name=work_plan.staff.user,
            cycle=work_plan.cycle,
        ),
    )
    return request


@transaction.atomic
def answer_supervision_request(
    *, request: AdditionalSupervisor, actor: User, accept: bool
) -> AdditionalSupervisor:
    """The proposed supervisor accepts (and then sees the document) or declines."""
    request = AdditionalSupervisor.objects.select_for_update().get(pk=request.pk)
    if request.supervisor_id != actor.pk:
        raise ApplicationError(gettext("Only the proposed supervisor answers this request."))
    if request.state != AdditionalSupervisor.State.PROPOSED:
        raise ApplicationError(_already_answered(request.state))
    work_plan = _lock(request.work_plan)
    closed = freeze.closed_cycle_refusal(work_plan.cycle)
    if closed:
        raise ApplicationError(closed)
    if accept:
        _refuse_role_holder(work_plan, actor)
    request.state = (
        AdditionalSupervisor.State.ACCEPTED if accept else AdditionalSupervisor.State.DECLINED
    )
    request.answered_at = timezone.now()
    request.save()
    record_event(
        document=request.work_plan,
        kind="additional_supervisor_answered",
        summary=phrase(
            gettext_noop("%(name)s accepted to be additional supervisor")
            if accept
            else gettext_noop("%(name)s declined to be additional supervisor"),
            name=actor,
        ),
        actor=actor,
    )
    notify(
        users=[request.work_plan.staff.user],
        subject=phrase(
            gettext_noop("%(name)s accepted your request")
            if accept
            else gettext_noop("%(name)s declined your request"),
            name=actor,
        ),
        body=phrase(
            gettext_noop("%(name)s accepted to be your additional supervisor.")
            if accept
            else gettext_noop("%(name)s declined to be your additional supervisor."),
            name=actor,
        ),
    )
    return request


def _refuse_role_holder(work_plan: WorkPlan, person: User) -> None:
    """An additional supervisor is someone who holds no other role on the document and signed
    none of its stages (`workplans.conflicts`)."""
    roles = role_holders(work_plan).get(person.pk, set()) - {"additional_supervisor"}
    if roles:
        raise ApplicationError(
            interpolate(
                gettext(
                    "%(name)s already holds a role on this document (%(roles)s): an additional "
                    "supervisor is someone else."
                ),
                {
                    "name": person,
                    "roles": ", ".join(str(ROLE_NAMES.get(role, role)) for role in sorted(roles)),
                },
            )
        )


def _already_answered(state: str) -> str:
    """'This request was already accepted.' (declined, cancelled): one sentence per state."""
    S = AdditionalSupervisor.State
    sentences: dict[str, str] = {
        S.ACCEPTED: gettext("This request was already accepted."),
        S.DECLINED: gettext("This request was already declined."),
        S.CANCELLED: gettext("This request was already cancelled."),
    }
    return sentences[state]


def _no_longer_cancellable(state: str) -> str:
    S = AdditionalSupervisor.State
    sentences: dict[str, str] = {
        S.ACCEPTED: gettext("This request was already accepted: it can no longer be cancelled."),
        S.DECLINED: gettext("This request was already declined: it can no longer be cancelled."),
        S.CANCELLED: gettext("This request was already cancelled: it can no longer be cancelled."),
    }
    return sentences[state]


@transaction.atomic
def cancel_supervision_request(*, request: AdditionalSupervisor, actor: User) -> None:
    """The staff member withdraws a proposal the supervisor has not accepted yet."""
    request = AdditionalSupervisor.objects.select_for_update().get(pk=request.pk)
    if request.work_plan.staff_id != actor.pk:
        raise ApplicationError(gettext("Only the staff member may cancel this request."))
    if request.state != AdditionalSupervisor.State.PROPOSED:
        raise ApplicationError(_no_longer_cancellable(request.state))
    closed = freeze.closed_cycle_refusal(request.work_plan.cycle)
    if closed:
        raise ApplicationError(closed)
    request.state = AdditionalSupervisor.State.CANCELLED
    request.answered_at = timezone.now()
    request.save()
    record_event(
        document=request.work_plan,
        kind="additional_supervisor_cancelled",
        summary=phrase(gettext_noop("Request to %(name)s cancelled"), name=request.supervisor),
        actor=actor,
    )


# --- check-ins -----------------------------------------------------------------------------


@transaction.atomic
def add_check_in(*, work_plan: WorkPlan, actor: User, held_on: datetime.date, note: str) -> CheckIn:
    """A dated note between the staff member and the FRO, held during the cycle and not
    dated in the future."""
    work_plan = _lock(work_plan)
    relations = relations_for(actor, work_plan)
    if not {"staff", "fro"} & set(relations):
        raise ApplicationError(gettext("Only the staff member and the FRO record check-ins."))
    _require_part(actor, work_plan, "check_ins")
    if not note.strip():
        raise ApplicationError(gettext("Write the check-in note."))
    if held_on > timezone.localdate():
        raise ApplicationError(gettext("A check-in cannot be dated in the future."))
    cycle = work_plan.cycle
    if not cycle.start <= held_on <= cycle.end:
        raise ApplicationError(
            interpolate(
                gettext("A check-in of the %(cycle)s cycle is held between %(start)s and %(end)s."),
                {
                    "cycle": cycle,
                    "start": formats.date_format(cycle.start, "SHORT_DATE_FORMAT"),
                    "end": formats.date_format(cycle.end, "SHORT_DATE_FORMAT"),
                },
            )
        )
    check_in = CheckIn(work_plan=work_plan, author=actor, held_on=held_on, note=note.strip())
    check_in.full_clean()
    check_in.save()
    return check_in


# --- mid-point review ----------------------------------------------------------------------


@transaction.atomic
def start_midpoint(*, work_plan: WorkPlan, actor: User) -> MidpointReview:
    """Steps 3–4: either the staff member or the FRO starts the mid-point review."""
    work_plan = _lock(work_plan)
    midpoint = _lock_midpoint(work_plan)
    MIDPOINT.apply(midpoint, "start_midpoint", relations_for(actor, work_plan))
    midpoint.started_by = actor
    midpoint.save()
    work_plan.stage = Stage.MIDPOINT
    work_plan.save(update_fields=["stage"])
    record_event(
        document=work_plan,
        kind="midpoint_started",
        summary=phrase(gettext_noop("Mid-point review started")),
        actor=actor,
    )
    other = work_plan.staff.user if actor.pk != work_plan.staff_id else None
    if other is None:
        line = line_in_effect(work_plan.staff_id, work_plan.cycle_id)
        other = line.fro.user if line else None
    notify(
        users=[other],
        subject=phrase(gettext_noop("Mid-point review started")),
        body=phrase(
            gettext_noop("%(actor)s started the %(cycle)s mid-point review of %(name)s."),
            actor=actor,
            cycle=work_plan.cycle,
            name=work_plan.staff.user,
        ),
    )
    return midpoint


@transaction.atomic
def save_midpoint_comments(*, work_plan: WorkPlan, actor: User, comments: str) -> MidpointReview:
    """Each side writes its own part; a finalised review is read-only."""
    work_plan = _lock(work_plan)
    midpoint = _lock_midpoint(work_plan)
    if midpoint.state == MidpointReview.State.NOT_STARTED:
        raise ApplicationError(gettext("Start the mid-point review before writing comments."))
    staff_side = work_plan.staff_id == actor.pk
    _require_part(actor, work_plan, "midpoint_staff" if staff_side else "midpoint_fro")
    if staff_side:
        midpoint.staff_comments = comments.strip()
    else:
        midpoint.fro_comments = comments.strip()
    midpoint.save()
    return midpoint


@transaction.atomic
def submit_midpoint(*, work_plan: WorkPlan, actor: User, comments: str) -> MidpointReview:
    """Step 3: the staff member signs their mid-point comments."""
    midpoint = save_midpoint_comments(work_plan=work_plan, actor=actor, comments=comments)
    return _midpoint_transition(midpoint, actor, "submit_midpoint")


@transaction.atomic
def finalise_midpoint(*, work_plan: WorkPlan, actor: User, comments: str) -> MidpointReview:
    """Step 5: the FRO adds comments and finalises; the review is signed and read-only."""
    midpoint = save_midpoint_comments(work_plan=work_plan, actor=actor, comments=comments)
    return _midpoint_transition(midpoint, actor, "finalise_midpoint")


def _midpoint_transition(midpoint: MidpointReview, actor: User, name: str) -> MidpointReview:
    work_plan = midpoint.work_plan
    relations = relations_for(actor, work_plan)
    roles = frozenset(relations)
    transition = MIDPOINT.apply(midpoint, name, relations)
    now = timezone.now()
    if name == "submit_midpoint":
        midpoint.staff_submitted_at = now
    else:
        midpoint.finalised_at = now
    midpoint.save()
    role = _acting_role(roles, transition.roles)
    acting_for = _principal(relations, role)
    signature = record_signature(
        document=work_plan,
        stage="midpoint",
        action=name,
        signer=actor,
        role=role,
        content={"document": work_plan.pk, **midpoint.content()},
        acting_for=acting_for,
    )
    record_event(
        document=work_plan,
        kind=name,
        summary=_transition_summary(transition.label, role),
        actor=actor,
        acting_for=acting_for,
        data={"signature": signature.content_hash},
    )
    line = line_in_effect(work_plan.staff_id, work_plan.cycle_id)
    recipient = (line.fro.user if line else None) if role == "staff" else work_plan.staff.user
    notify(
        users=[recipient],
        subject=phrase(transition.label),
        body=phrase(_MIDPOINT_BODIES[name], actor=actor, name=work_plan.staff.user),
    )
    return midpoint


_MIDPOINT_BODIES = {
    "submit_midpoint": gettext_noop("%(actor)s: submit mid-point comments for %(name)s."),
    "finalise_midpoint": gettext_noop("%(actor)s: finalise mid-point review for %(name)s."),
}


# --- unit work plans -----------------------------------------------------------------------


@transaction.atomic
def save_unit_goal(
    *,
    unit: OrgUnit,
    cycle: Cycle,
    actor: User,
    title: str,
    description: str = "",
    success_criteria: str = "",
    expected_date: datetime.date | None = None,
    aligned_to_id: int | None = None,
    goal: Goal | None = None,
) -> Goal:
    """The HOD keeps the entity's goals; unit heads add goals aligned to the level above; a
    closed cycle's goals no longer change."""
    if goal is not None and goal.pk and goal.owner_unit_id != unit.pk:
        stored = Goal.objects.get(pk=goal.pk)
        if stored.owner_unit_id != unit.pk:
            raise ApplicationError(gettext("That goal belongs to another unit."))
    if not can_manage_unit_goals(actor, unit):
        raise ApplicationError(
            interpolate(
                gettext(
                    "Only the HOD or the head of %(unit)s (or of a unit above it) "
                    "maintains its goals."
                ),
                {"unit": unit.name},
            )
        )
    goal = goal or Goal(cycle=cycle, owner_unit=unit, position=unit.goals.count() + 1)
    goal.owner_unit = unit
    goal.aligned_to_id = aligned_to_id
    refused = unit_goal_refusal(goal)
    if refused:
        raise ApplicationError(refused)
    goal.title = title.strip()
    goal.description = description.strip()
    goal.success_criteria = success_criteria.strip()
    goal.expected_date = expected_date
    goal.full_clean()
    goal.save()
    return goal


def unit_goal_refusal(goal: Goal) -> str | None:
    """Why a unit goal may not be saved as it is: its cycle is closed (a closed cycle is
    read-only everywhere), or it aligns to a goal that is not of a unit above its own."""
    closed = freeze.closed_cycle_refusal(goal.cycle)
    if closed:
        return closed
    # Without a unit (never from save_unit_goal; the admin refuses it first) there is no unit
    # above to align to either.
    if goal.aligned_to_id and (
        goal.owner_unit is None
        or not unit_alignment_choices(goal.owner_unit, goal.cycle)
        .filter(pk=goal.aligned_to_id)
        .exists()
    ):
        return gettext("A unit goal aligns to a goal of a unit above it.")
    return None


@transaction.atomic
def remove_unit_goal(*, goal: Goal, actor: User) -> None:
    """A unit goal others still align to cannot be removed."""
    unit = goal.owner_unit
    closed = freeze.closed_cycle_refusal(goal.cycle)
    if closed:
        raise ApplicationError(closed)
    if unit is None or not can_manage_unit_goals(actor, unit):
        raise ApplicationError(gettext("Only the HOD or the unit's head removes its goals."))
    aligned = goal.aligned_goals.filter(is_current=True).count()
    if aligned:
        raise ApplicationError(
            ngettext(
                "%(count)s goal still aligns to “%(title)s”: realign them first.",
                "%(count)s goals still align to “%(title)s”: realign them first.",
                aligned,
            )
            % {"count": aligned, "title": goal.title}
        )
    goal.is_current = False
    goal.save(update_fields=["is_current"])
