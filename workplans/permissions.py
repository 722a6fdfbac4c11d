"""Who may see and do what on a work plan: derived from today's relations, on every request.

A person's relations to a document are read from the records that define them, as they stand
today (`org.relations`): the staff member; the FRO and SRO of the reporting line in effect
(own, or as acting officer while a delegation holds); accepted additional supervisors; the
HOD and HR focal points of the entity (current department roles, or acting HOD). Nothing is
granted and stored, so a change made anywhere (page, admin, import, command) or a date
passing changes access at once. The conflict-of-interest rule (`workplans.conflicts`) then
keeps one document role per person.

`allowed_actions(user, work_plan)` is the one answer to "what may this user do on this
document now": the relation is necessary; the workflow's state and guards and the freeze
table (`pmsystem.freeze`) decide the rest.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.translation import gettext

from org.models import Cycle, DepartmentRole, OrgUnit, ReportingLine, StaffMember, User
from org.permissions import SeesOne, entity_ids_where, flag_holds, hod_entity_ids
from org.relations import (
    current_delegations,
    current_department_roles,
    lines_in_effect,
    roles_holding_on,
    today,
)
from pmsystem import freeze
from pmsystem.db import AnyOf, PreparedQuery
from pmsystem.i18n import interpolate
from pmsystem.models import Signature

from .conflicts import DOCUMENT_ROLES, Held, Relations, resolve
from .models import AdditionalSupervisor, MidpointReview, WorkPlan

HR_ONLY = frozenset({"hr"})
OFFICER_ROLES = ("fro", "sro")


# --- lists: one SQL query whatever the number of documents --------------------------------


def _officer_q(user: User, relation: str, on: datetime.date | None = None) -> Q:
    """Lines on which `user` is the `relation` officer: their own, or a principal's they act
    for while the delegation holds."""
    own = Q(**{f"{relation}_id": user.pk})
    acting = Q(
        AnyOf(
            f"{relation}_id",
            current_delegations(on).filter(acting_id=user.pk, role=relation).values("principal_id"),
        )
    )
    return own | acting


def _holds(user_id: int, on: datetime.date | None) -> tuple[dict[str, Q], dict[str, Q]]:
    """For a document row: whether the user holds each document role on it on `on` (today by
    default), on their own account and as acting officer (SQL conditions correlated with the
    row)."""
    lines = lines_in_effect(on).filter(staff_id=OuterRef("staff_id"), cycle_id=OuterRef("cycle_id"))
    own = {
        relation: Q(Exists(lines.filter(**{f"{relation}_id": user_id})))
        for relation in OFFICER_ROLES
    }
    own["additional_supervisor"] = Q(
        Exists(
            AdditionalSupervisor.objects.filter(
                work_plan_id=OuterRef("pk"),
                supervisor_id=user_id,
                state=AdditionalSupervisor.State.ACCEPTED,
            )
        )
    )
    acting = {
        relation: Q(
            Exists(
                lines.filter(
                    **{
                        f"{relation}_id__in": current_delegations(on)
                        .filter(acting_id=user_id, role=relation)
                        .values("principal_id")
                    }
                )
            )
        )
        for relation in OFFICER_ROLES
    }
    return own, acting


def _keeps_q(user_id: int, relation: str, on: datetime.date | None = None) -> Q:
    """SQL for `workplans.conflicts.resolve` keeping `relation` for the user on a document row:
    they hold it (own or acting), are not the staff member, signed no stage in another role,
    and hold no stronger role unless they signed in this one."""
    own, acting = _holds(user_id, on)
    order = [r for r in DOCUMENT_ROLES if r != "staff"]
    before = order[: order.index(relation)]
    signatures = Signature.objects.filter(document_id=OuterRef("pk"), signer_id=user_id)
    signed_here = Q(Exists(signatures.filter(role=relation)))

    def unless_stronger(holds: Q, stronger: list[Q]) -> Q:
        if not stronger:
            return holds
        return holds & (~reduce(operator.or_, stronger) | signed_here)

    held = unless_stronger(own[relation], [own[other] for other in before])
    if relation in acting:
        stronger = [own[other] for other in order if other != relation]
        stronger += [acting[other] for other in before if other in acting]
        held |= unless_stronger(acting[relation], stronger)
    return held & ~Q(staff_id=user_id) & ~Q(Exists(signatures.exclude(role=relation)))


def _candidates_q(user_id: int, relation: str, on: datetime.date | None = None) -> Q:
    """A superset of the documents `_keeps_q` keeps, that an index finds: those of staff on
    whose lines (any date) the user is the `relation` officer, or a principal they act for,
    or those they accepted to supervise. ANDed with the exact rule, the query starts from the
    user's few lines instead of filtering every document of the cycle (issue 14); as arrays
    computed once (`AnyOf`), the candidates of several relations ORed stay index scans."""
    if relation == "additional_supervisor":
        return Q(
            AnyOf(
                "pk",
                AdditionalSupervisor.objects.filter(
                    supervisor_id=user_id, state=AdditionalSupervisor.State.ACCEPTED
                ).values("work_plan_id"),
            )
        )
    principals = (
        current_delegations(on).filter(acting_id=user_id, role=relation).values("principal_id")
    )
    lines = ReportingLine.objects.filter(
        Q(**{f"{relation}_id": user_id}) | Q(AnyOf(f"{relation}_id", principals))
    )
    return Q(AnyOf("staff_id", lines.values("staff_id")))


def documents_where(
    user: User, relation: str, on: datetime.date | None = None
) -> QuerySet[WorkPlan]:
    """Documents on which the user acts in `relation` (staff, fro, sro,
    additional_supervisor) today, their own or as acting officer, as the conflict rule leaves
    it to them: one SQL query, driven by an index from the user's lines."""
    if not user.is_authenticated:
        return WorkPlan.objects.none()
    if relation == "staff":
        return WorkPlan.objects.filter(staff_id=user.pk)
    if relation not in DOCUMENT_ROLES:
        raise ValueError(f"unknown document relation {relation!r}")
    return WorkPlan.objects.filter(
        _candidates_q(user.pk, relation, on), _keeps_q(user.pk, relation, on)
    )


ACTING_RELATIONS = tuple(r for r in DOCUMENT_ROLES if r != "staff")


def _acting_candidates(user_id: int, on: datetime.date) -> QuerySet[WorkPlan]:
    candidates = reduce(operator.or_, (_candidates_q(user_id, r, on) for r in ACTING_RELATIONS))
    return WorkPlan.objects.filter(candidates, cycle__status=Cycle.Status.OPEN)


def _acting_query(*, user_id: int, on: datetime.date) -> QuerySet[WorkPlan]:
    keeps = {
        relation: ExpressionWrapper(_keeps_q(user_id, relation, on), output_field=BooleanField())
        for relation in ACTING_RELATIONS
    }
    return (
        _acting_candidates(user_id, on)
        .annotate(**{f"keeps_{relation}": keep for relation, keep in keeps.items()})
        .order_by()
        .values_list("pk", "cycle_id", *(f"keeps_{relation}" for relation in ACTING_RELATIONS))
    )


# Compiled once per process (pmsystem.db.PreparedQuery): the conditions of three relations
# cost several milliseconds of Python each time Django compiles them.
_ACTING = PreparedQuery(_acting_query, user_id=-2_000_000_011, on=datetime.date(1901, 2, 3))
# Whether there is any candidate at all. Most people act on no one's document, and PostgreSQL
# plans the conditions above for several times as long as it runs them (3,000 staff: 4-16 ms
# of planning, 1 ms of execution), the same with nothing to apply them to; this one plans in
# a fraction of a millisecond.
_ANY_ACTING = PreparedQuery(
    lambda *, user_id, on: _acting_candidates(user_id, on).values_list("pk")[:1],
    user_id=-2_000_000_013,
    on=datetime.date(1901, 2, 7),
)


@dataclass(frozen=True)
class ActingDocuments:
    """The documents of open cycles on which a user acts today as FRO, SRO or additional
    supervisor (own or acting), as `documents_where` keeps them under the conflict rule."""

    rows: tuple[tuple[int, int, str], ...] = ()  # (document id, cycle id, relation)

    def ids(self, relation: str, cycle_id: int | None = None) -> list[int]:
        return [
            pk
            for pk, cycle, held in self.rows
            if held == relation and (cycle_id is None or cycle == cycle_id)
        ]

    def __bool__(self) -> bool:
        return bool(self.rows)


def acting_documents(user: User, *, on: datetime.date | None = None) -> ActingDocuments:
    """`documents_where` for every officer relation at once, over the open cycles: one query,
    compiled once per process. My tasks reads it once and hands it to every app's tasks."""
    if not user.is_authenticated:
        return ActingDocuments()
    # The quick check is for the many who act on no one's document. An FRO of an open cycle
    # today (the request's flags, `org.permissions.request_flags`) mostly does: the full query
    # runs at once (it finds nothing where their staff have no document yet).
    known_officer = on is None and flag_holds(user, "is_officer")
    on = on or today()
    if not known_officer and not _ANY_ACTING.rows(user_id=user.pk, on=on):
        return ActingDocuments()
    rows = _ACTING.rows(user_id=user.pk, on=on)
    return ActingDocuments(
        tuple(
            (pk, cycle_id, relation)
            for pk, cycle_id, *kept in rows
            for relation, keeps in zip(ACTING_RELATIONS, kept, strict=True)
            if keeps
        )
    )


def _visible_q(user: User, on: datetime.date) -> Q:
    """The documents `user` may see on `on` (see `visible_work_plans`), as one condition."""
    officer = Q()
    for relation in OFFICER_ROLES:
        officer |= _officer_q(user, relation, on)
    lines = lines_in_effect(on).filter(
        officer, staff_id=OuterRef("staff_id"), cycle_id=OuterRef("cycle_id")
    )
    supervised = AdditionalSupervisor.objects.filter(
        work_plan_id=OuterRef("pk"),
        supervisor_id=user.pk,
        state=AdditionalSupervisor.State.ACCEPTED,
    )
    entities = Q(
        staff__unit__entity_id__in=entity_ids_where(user, "view_entity_documents", on)
    ) | Q(staff__unit__entity_id__in=hod_entity_ids(user, on))
    board = (
        Q(staff__unit__entity_id__in=entity_ids_where(user, "review_entity_documents", on))
        & board_routed_q()
    )
    return Q(staff_id=user.pk) | Exists(lines) | Exists(supervised) | entities | board


def visible_work_plans(user: User) -> QuerySet[WorkPlan]:
    """Documents the user may see today: their own, those where they are FRO, SRO (own or
    acting) or an accepted additional supervisor, and those of the entities they see as HOD,
    acting HOD or HR focal point. One SQL query, never a check per object."""
    if not user.is_authenticated:
        return WorkPlan.objects.none()
    return WorkPlan.objects.filter(_visible_q(user, today()))


# The one-document form of `visible_work_plans`: whether `user` may see the document `pk` today.
sees_work_plan = SeesOne(WorkPlan, _visible_q)


# --- the review board -------------------------------------------------------------------------


def board_routed_q() -> Q:
    """The documents routed to the entity's review board, by the cycle's setting
    (`Cycle.board_receives`): its completed evaluations, or every document with a signed
    stage (the ILO's "sign, send to the Reports Board")."""
    signed = Signature.objects.filter(document_id=OuterRef("pk"), voided_at__isnull=True)
    return Q(cycle__board_receives=Cycle.BoardReceives.COMPLETED, stage="completed") | (
        Q(cycle__board_receives=Cycle.BoardReceives.SIGNED) & Exists(signed)
    )


def is_board_routed(work_plan: WorkPlan) -> bool:
    if work_plan.cycle.board_receives == Cycle.BoardReceives.COMPLETED:
        return work_plan.stage == "completed"
    return Signature.objects.filter(document_id=work_plan.pk, voided_at__isnull=True).exists()


# --- one document: the relations a person holds on it ------------------------------------

ENTITY_ROLES = {
    DepartmentRole.Role.HOD: ("hod", "entity_viewer"),
    DepartmentRole.Role.HR_FOCAL_POINT: ("hr", "entity_viewer"),
    # Only on a document routed to the board (`is_board_routed`).
    DepartmentRole.Role.REVIEW_BOARD: ("board",),
}


def _held_query(
    *, user_id: int, on: datetime.date, staff_id: int, cycle_id: int, document_id: int
) -> QuerySet[StaffMember]:
    line = (
        lines_in_effect(on)
        .filter(staff_id=OuterRef("pk"), cycle_id=cycle_id)
        .order_by("-effective_from")
    )
    delegations = current_delegations(on).filter(acting_id=user_id)
    roles = roles_holding_on(OuterRef("unit__entity_id"), on)  # its own, the organisation's
    hod = DepartmentRole.Role.HOD
    signatures = Signature.objects.filter(document_id=document_id, signer_id=user_id)
    return (
        StaffMember.objects.filter(pk=staff_id)
        .annotate(
            **{
                f"line_{relation}": Subquery(line.values(f"{relation}_id")[:1])
                for relation in OFFICER_ROLES
            },
            **{
                f"acting_{relation}": Exists(
                    delegations.filter(role=relation, principal_id=OuterRef(f"line_{relation}"))
                )
                for relation in OFFICER_ROLES
            },
            **{
                f"own_{role}": Exists(roles.filter(role=role, user_id=user_id))
                for role in ENTITY_ROLES
            },
            acting_hod=Subquery(
                roles.filter(
                    role=hod,
                    user_id__in=delegations.filter(role="hod").values("principal_id"),
                )
                .order_by("user_id")
                .values("user_id")[:1]
            ),
            supervises=Exists(
                AdditionalSupervisor.objects.filter(
                    work_plan_id=document_id,
                    supervisor_id=user_id,
                    state=AdditionalSupervisor.State.ACCEPTED,
                )
            ),
            **{f"signed_{role}": Exists(signatures.filter(role=role)) for role in DOCUMENT_ROLES},
        )
        .values_list(
            *(f"line_{relation}" for relation in OFFICER_ROLES),
            *(f"acting_{relation}" for relation in OFFICER_ROLES),
            *(f"own_{role}" for role in ENTITY_ROLES),
            "acting_hod",
            "supervises",
            *(f"signed_{role}" for role in DOCUMENT_ROLES),
        )
    )


# One query, compiled once per process: a document page asks it on every request.
_HELD = PreparedQuery(
    _held_query,
    user_id=-2_000_000_071,
    on=datetime.date(1901, 3, 8),
    staff_id=-2_000_000_073,
    cycle_id=-2_000_000_077,
    document_id=-2_000_000_079,
)


def held_relations(user: User, work_plan: WorkPlan) -> Held:
    """What `user` holds on the document today, before the conflict rule: one query (two when
    they sit on the entity's review board). The reporting line in effect gives the FRO and
    SRO, their own or a principal's they act for; the entity's current department roles give
    HOD (own, or acting for a current HOD), HR focal point and review board."""
    held = Held()
    if not user.is_authenticated:
        return held
    if work_plan.staff_id == user.pk:
        held.relations["staff"] = None
    rows = _HELD.rows(
        user_id=user.pk,
        on=today(),
        staff_id=work_plan.staff_id,
        cycle_id=work_plan.cycle_id,
        document_id=work_plan.pk or 0,
    )
    if not rows:
        return held
    values = iter(rows[0])
    lines = {relation: next(values) for relation in OFFICER_ROLES}
    acting = {relation: bool(next(values)) for relation in OFFICER_ROLES}
    own_roles = [role for role in ENTITY_ROLES if next(values)]
    acting_hod, supervises = next(values), bool(next(values))
    held.signed_roles = {role for role in DOCUMENT_ROLES if next(values)}
    for relation in OFFICER_ROLES:
        if lines[relation] == user.pk:
            held.relations[relation] = None
        elif lines[relation] is not None and acting[relation]:
            held.relations[relation] = lines[relation]
    for role in own_roles:
        for relation in ENTITY_ROLES[role]:
            held.relations[relation] = None
    if acting_hod is not None:
        for relation in ENTITY_ROLES[DepartmentRole.Role.HOD]:
            held.relations.setdefault(relation, acting_hod)
    if "board" in held.relations and not is_board_routed(work_plan):
        del held.relations["board"]
    if supervises:
        held.relations["additional_supervisor"] = None
    return held


def relations_for(user: User, work_plan: WorkPlan) -> Relations:
    """The user's relations to this document today, each with the officer they act for (None
    when the relation is their own), after the conflict-of-interest rule.

    Rule: while a delegation holds, the acting officer holds the principal's FRO/SRO/HOD
    relation, and what they sign reads "X acting for Y"; one person holds one document role."""
    if not user.is_authenticated:
        return Relations()
    return resolve(held_relations(user, work_plan))


def roles_for(user: User, work_plan: WorkPlan) -> frozenset[str]:
    """The user's relations to this document (see `relations_for`)."""
    return frozenset(relations_for(user, work_plan))


# What each part of the freeze table is called among the actions the pages ask for.
PART_ACTIONS = {
    "additional_supervisors": "propose_additional_supervisor",
    "check_ins": "add_check_in",
    "midpoint_staff": "edit_midpoint_staff",
    "midpoint_fro": "edit_midpoint_fro",
}
READERS = frozenset({"staff", "fro", "sro", "hod", "hr", "entity_viewer", "observer", "board"})


def allowed_actions(
    user: User, work_plan: WorkPlan, roles: frozenset[str] | None = None
) -> frozenset[str]:
    """Every action the user may take on the work plan and mid-point review now: workflow
    transitions plus the parts the freeze table leaves open to them. Views, templates and
    tests all ask this (the whole document's answer is `appraisals.permissions`)."""
    from .workflow import MIDPOINT, WORK_PLAN

    roles = roles_for(user, work_plan) if roles is None else roles
    if not roles:
        return frozenset()
    actions = {"view"}
    # HR's roll-back transitions are steps of `appraisals.services.roll_back_document`, never
    # actions of their own: the whole document's "roll_back" comes from the appraisals layer.
    actions.update(t.name for t in WORK_PLAN.allowed(work_plan, roles) if t.roles != HR_ONLY)
    parts = freeze.open_parts(work_plan, roles)
    if "goals" in parts:
        approved = work_plan.state == WorkPlan.State.APPROVED
        actions.add("change_goals" if approved else "edit")
    actions.update(action for part, action in PART_ACTIONS.items() if part in parts)
    if roles & {"staff", "fro"}:
        # docs/rules.md §3: check-ins are private to the staff member and the FRO.
        actions.add("view_check_ins")
    midpoint = _midpoint_of(work_plan)
    actions.update(t.name for t in MIDPOINT.allowed(midpoint, roles) if t.roles != HR_ONLY)
    if midpoint.state != MidpointReview.State.NOT_STARTED and roles & READERS:
        actions.add("view_midpoint")
    return frozenset(actions)


def document_links(roles: frozenset[str]) -> dict[str, bool]:
    """The header links of a document's pages, by relation only (each page re-checks the
    stage): the PDF for every reader of the record, improvement plans for the people docs/rules.md
    names, roll-back for HR focal points."""
    roles = frozenset(roles)
    return {
        "pdf": bool(roles & READERS),
        "pips": bool(roles & {"staff", "fro", "sro", "hod", "hr"}),
        "rollback": "hr" in roles,
    }


def _midpoint_of(work_plan: WorkPlan) -> MidpointReview:
    try:
        return work_plan.midpoint
    except MidpointReview.DoesNotExist:
        return MidpointReview(work_plan=work_plan)


def is_fro_of(user: User, staff_id: int, cycle_id: int) -> bool:
    """Relation check used before a document exists (the FRO creating it on staff's behalf):
    the FRO of the line in effect today, not an acting one."""
    return lines_in_effect().filter(staff_id=staff_id, cycle_id=cycle_id, fro_id=user.pk).exists()


# --- unit work plans -----------------------------------------------------------------------


def can_manage_unit_goals(user: User, unit: OrgUnit) -> bool:
    """The HOD owns the entity's plan; the head of a unit (or of a unit above it) maintains
    that unit's goals."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or (user.is_staff and user.has_perm("workplans.change_goal")):
        return True  # a system administrator, through the Django admin
    if (
        current_department_roles()
        .filter(user_id=user.pk, entity_id=unit.entity_id, role=DepartmentRole.Role.HOD)
        .exists()
    ):
        return True
    return any(node.head_id == user.pk for node in unit.ancestors())


def can_view_entity_goals(user: User, entity: OrgUnit) -> bool:
    """Staff of the entity see its plan (they align to it); so do its HOD and HR."""
    if not user.is_authenticated:
        return False
    if entity_ids_where(user, "view_entity_documents").filter(entity_id=entity.pk).exists():
        return True
    staff = getattr(user, "staff", None)
    return staff is not None and staff.unit.entity_id == entity.pk


# --- who holds a role on a document: for the conflict rule about someone else -------------


def role_holders(work_plan: WorkPlan) -> dict[int, set[str]]:
    """Everyone who holds a document role on `work_plan` today or signed one of its stages,
    with those roles: the staff member, the FRO and SRO of the line in effect and their acting
    officers, accepted additional supervisors and every signer (voided signatures included).
    Four queries. Used where someone is named to a role (an additional supervisor, an acting
    officer, a panel member): nobody already in this list may be."""
    holders: dict[int, set[str]] = defaultdict(set)
    holders[work_plan.staff_id].add("staff")
    line = (
        lines_in_effect()
        .filter(staff_id=work_plan.staff_id, cycle_id=work_plan.cycle_id)
        .order_by("-effective_from")
        .values("fro_id", "sro_id")
        .first()
    )
    if line:
        officers = {line["fro_id"]: "fro", line["sro_id"]: "sro"}
        for officer_id, role in officers.items():
            holders[officer_id].add(role)
        for acting_id, principal_id, role in (
            current_delegations()
            .filter(principal_id__in=list(officers), role__in=OFFICER_ROLES)
            .values_list("acting_id", "principal_id", "role")
        ):
            if officers[principal_id] == role:
                holders[acting_id].add(role)
    for user_id in work_plan.additional_supervisors.filter(
        state=AdditionalSupervisor.State.ACCEPTED
    ).values_list("supervisor_id", flat=True):
        holders[user_id].add("additional_supervisor")
    for signer_id, role in Signature.objects.filter(document_id=work_plan.pk).values_list(
        "signer_id", "role"
    ):
        holders[signer_id].add(role)
    return dict(holders)


def hr_conflict_refusal(work_plan: WorkPlan, actor: User, relations: Relations) -> str:
    """The refusal of an HR action the conflict rule keeps `actor` from, naming who may act
    instead: the entity's other HR focal points today who hold no role on the document."""
    hr_roles = current_department_roles().filter(
        entity_id=work_plan.staff.unit.entity_id, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    holders = role_holders(work_plan)
    others = [
        user
        for user in User.objects.filter(
            pk__in=hr_roles.exclude(user_id=actor.pk).values("user_id")
        ).order_by("last_name", "first_name")
        if user.pk not in holders
    ]
    if others:
        instead = interpolate(
            gettext("They are: %(names)s."), {"names": ", ".join(str(user) for user in others)}
        )
    else:
        instead = gettext(
            "No other HR focal point of the entity holds the role now: ask a system "
            "administrator to name one."
        )
    return f"{relations.conflicts['hr']} {instead}"
