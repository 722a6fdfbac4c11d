"""Who may see and do what on a work plan.

Per-document grants (guardian, direct FK table WorkPlanUserObjectPermission) record the
relations: the staff member, FRO, SRO and accepted additional supervisors. They are
derived from the document, the current reporting line and the accepted requests by
`sync_work_plan_grants`, never granted by hand. HODs and HR focal points see their
entity's documents through the entity grants of `org.permissions`.

`allowed_actions(user, work_plan)` is the one answer to "what may this user do on this
document now": the held relation (grant) is necessary, the workflow's state and guards
decide the rest.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver

from org.models import (
    Delegation,
    DepartmentRole,
    OrgUnit,
    OrgUnitUserObjectPermission,
    ReportingLine,
    User,
)
from org.permissions import entities_where
from org.signals import reporting_lines_changed

from .models import AdditionalSupervisor, MidpointReview, WorkPlan, WorkPlanUserObjectPermission

RELATION_CODENAMES = {
    "staff": "act_as_staff",
    "fro": "act_as_fro",
    "sro": "act_as_sro",
    "additional_supervisor": "act_as_additional_supervisor",
}
CODENAME_RELATION = {v: k for k, v in RELATION_CODENAMES.items()}
HR_ONLY = frozenset({"hr"})
ENTITY_CODENAME_ROLE = {
    "view_entity_documents": "entity_viewer",
    "reply_entity_rebuttals": "hod",
    "rollback_entity_documents": "hr",
}


# --- grants -------------------------------------------------------------------------------


def _relation_permissions() -> dict[str, Permission]:
    content_type = ContentType.objects.get_for_model(WorkPlan)
    return {
        p.codename: p
        for p in Permission.objects.filter(
            content_type=content_type, codename__in=RELATION_CODENAMES.values()
        )
    }


@transaction.atomic
def sync_work_plan_grants(*, work_plan_ids: Iterable[int] | None = None) -> int:
    """Make the document grants match the relations; returns the number of grants held.

    Rule: the staff member, the FRO and SRO of the current reporting line, and accepted
    additional supervisors hold a grant on the document; nobody else does.
    """
    perms = _relation_permissions()
    plans = WorkPlan.objects.all()
    existing = WorkPlanUserObjectPermission.objects.filter(permission__in=perms.values())
    if work_plan_ids is not None:
        work_plan_ids = list(work_plan_ids)
        plans = plans.filter(pk__in=work_plan_ids)
        existing = existing.filter(content_object_id__in=work_plan_ids)
    plan_rows = list(plans.values_list("pk", "staff_id", "cycle_id"))
    staff_ids = {staff_id for _, staff_id, _ in plan_rows}
    cycle_ids = {cycle_id for _, _, cycle_id in plan_rows}
    lines = {
        (staff_id, cycle_id): (fro_id, sro_id)
        for staff_id, cycle_id, fro_id, sro_id in ReportingLine.objects.filter(
            staff_id__in=staff_ids, cycle_id__in=cycle_ids, effective_to__isnull=True
        ).values_list("staff_id", "cycle_id", "fro_id", "sro_id")
    }
    supervisors = defaultdict(set)
    for plan_id, user_id in AdditionalSupervisor.objects.filter(
        work_plan_id__in=[pk for pk, _, _ in plan_rows], state=AdditionalSupervisor.State.ACCEPTED
    ).values_list("work_plan_id", "supervisor_id"):
        supervisors[plan_id].add(user_id)

    wanted: set[tuple[int, int, str]] = set()
    for plan_id, staff_id, cycle_id in plan_rows:
        wanted.add((staff_id, plan_id, "staff"))
        fro_id, sro_id = lines.get((staff_id, cycle_id), (None, None))
        if fro_id:
            wanted.add((fro_id, plan_id, "fro"))
        if sro_id:
            wanted.add((sro_id, plan_id, "sro"))
        for user_id in supervisors[plan_id]:
            wanted.add((user_id, plan_id, "additional_supervisor"))
    existing.delete()
    _insert_grants(
        [
            (user_id, plan_id, perms[RELATION_CODENAMES[relation]].pk)
            for user_id, plan_id, relation in sorted(wanted)
        ]
    )
    return len(wanted)


def _insert_grants(rows: list[tuple[int, int, int]]) -> None:
    """Insert (user, work plan, permission) grant rows. On PostgreSQL one statement takes
    them as three arrays (a full rebuild holds a few grants per document: hundreds of
    thousands at 40,000 staff, where bulk_create spends its time building model instances)."""
    if connection.vendor != "postgresql":
        WorkPlanUserObjectPermission.objects.bulk_create(
            [
                WorkPlanUserObjectPermission(
                    user_id=user_id, content_object_id=plan_id, permission_id=permission_id
                )
                for user_id, plan_id, permission_id in rows
            ],
            batch_size=5000,
        )
        return
    if not rows:
        return
    meta = WorkPlanUserObjectPermission._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("user", "content_object", "permission")
    )
    users, plans, permissions = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            # Table and column names come from the model's meta; the values are bound.
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])",
            [users, plans, permissions],
        )


def rebuild_grants() -> int:
    """Called by `manage.py rebuild_permissions`."""
    return sync_work_plan_grants()


@receiver(reporting_lines_changed, dispatch_uid="workplans.resync_grants")
def _reporting_lines_changed(sender, staff_ids=None, cycle_ids=None, **kwargs) -> None:
    plans = WorkPlan.objects.all()
    if staff_ids is not None:
        plans = plans.filter(staff_id__in=list(staff_ids))
    if cycle_ids is not None:
        plans = plans.filter(cycle_id__in=list(cycle_ids))
    sync_work_plan_grants(work_plan_ids=plans.values_list("pk", flat=True))


# --- reading the relations -----------------------------------------------------------------


def _current_delegations(user: User):
    today = datetime.date.today()
    return Delegation.objects.filter(acting=user, start__lte=today, end__gte=today)


def visible_work_plans(user: User) -> QuerySet[WorkPlan]:
    """Documents the user may see: a per-document grant, the entity grant, or the grant of an
    officer the user is acting for. One SQL query, never a check per object."""
    if not user.is_authenticated:
        return WorkPlan.objects.none()
    delegations = _current_delegations(user)
    visible = Q(
        pk__in=WorkPlanUserObjectPermission.objects.filter(user=user).values("content_object_id")
    ) | Q(staff__unit__entity_id__in=entities_where(user, "view_entity_documents").values("pk"))
    for role in (Delegation.Role.FRO, Delegation.Role.SRO):
        visible |= Q(
            pk__in=WorkPlanUserObjectPermission.objects.filter(
                permission__codename=RELATION_CODENAMES[role],
                user__in=delegations.filter(role=role).values("principal"),
            ).values("content_object_id")
        )
    visible |= Q(
        staff__unit__entity_id__in=OrgUnitUserObjectPermission.objects.filter(
            permission__codename="reply_entity_rebuttals",
            user__in=delegations.filter(role=Delegation.Role.HOD).values("principal"),
        ).values("content_object_id")
    )
    return WorkPlan.objects.filter(visible)


def documents_where(user: User, relation: str) -> QuerySet[WorkPlan]:
    """Documents on which the user holds `relation` (fro, sro, staff, additional_supervisor),
    their own or as acting officer: one SQL query."""
    if not user.is_authenticated:
        return WorkPlan.objects.none()
    holders = Q(user=user)
    if relation in (Delegation.Role.FRO, Delegation.Role.SRO):
        holders |= Q(user__in=_current_delegations(user).filter(role=relation).values("principal"))
    grants = WorkPlanUserObjectPermission.objects.filter(
        holders, permission__codename=RELATION_CODENAMES[relation]
    ).values("content_object_id")
    return WorkPlan.objects.filter(pk__in=grants).exclude(staff_id=user.pk)


def relations_for(user: User, work_plan: WorkPlan) -> dict[str, int | None]:
    """The user's relations to this document, each with the officer they act for (None when
    the relation is their own). Three queries.

    Rule: while a delegation holds, the acting officer holds the principal's FRO/SRO/HOD
    relation, and what they sign reads "X acting for Y"."""
    if not user.is_authenticated:
        return {}
    relations: dict[str, int | None] = {
        CODENAME_RELATION[codename]: None
        for codename in WorkPlanUserObjectPermission.objects.filter(
            user=user, content_object=work_plan
        ).values_list("permission__codename", flat=True)
        if codename in CODENAME_RELATION
    }
    entity_id = work_plan.staff.unit.entity_id
    for codename in OrgUnitUserObjectPermission.objects.filter(
        user=user, content_object_id=entity_id, permission__codename__in=ENTITY_CODENAME_ROLE
    ).values_list("permission__codename", flat=True):
        relations[ENTITY_CODENAME_ROLE[codename]] = None
    delegations = list(_current_delegations(user).values_list("principal_id", "role"))
    if delegations:
        principals = {principal for principal, _ in delegations}
        held = set(
            WorkPlanUserObjectPermission.objects.filter(
                user_id__in=principals, content_object=work_plan
            ).values_list("user_id", "permission__codename")
        ) | {
            (principal, "hod")
            for principal in OrgUnitUserObjectPermission.objects.filter(
                user_id__in=principals,
                content_object_id=entity_id,
                permission__codename="reply_entity_rebuttals",
            ).values_list("user_id", flat=True)
        }
        for principal, role in delegations:
            marker = "hod" if role == Delegation.Role.HOD else RELATION_CODENAMES[role]
            if (principal, marker) in held and role not in relations:
                relations[role] = principal
                if role == Delegation.Role.HOD:
                    relations.setdefault("entity_viewer", principal)
    if "staff" in relations:
        # Nobody acts on their own document in an officer's capacity.
        for role in ("fro", "sro", "additional_supervisor"):
            if relations.get(role) is not None:
                del relations[role]
    return relations


def roles_for(user: User, work_plan: WorkPlan) -> frozenset[str]:
    """The user's relations to this document (see `relations_for`)."""
    return frozenset(relations_for(user, work_plan))


def can_see(roles: Iterable[str]) -> bool:
    return bool(set(roles))


def allowed_actions(
    user: User, work_plan: WorkPlan, roles: frozenset[str] | None = None
) -> frozenset[str]:
    """Every action the user may take on the document now: workflow transitions plus the
    edits the state allows. Views, templates and tests all ask this."""
    from .workflow import MIDPOINT, WORK_PLAN

    roles = roles_for(user, work_plan) if roles is None else roles
    if not roles:
        return frozenset()
    actions = {"view"}
    # HR's roll-back transitions are steps of `appraisals.services.roll_back_document`, never
    # actions of their own: the whole document's "roll_back" comes from the appraisals layer.
    actions.update(t.name for t in WORK_PLAN.allowed(work_plan, roles) if t.roles != HR_ONLY)
    state = work_plan.state
    if "staff" in roles:
        if state in {WorkPlan.State.DRAFT, WorkPlan.State.RETURNED}:
            actions.add("edit")
        if state == WorkPlan.State.APPROVED:
            actions.add("change_goals")
        actions.add("propose_additional_supervisor")
    if roles & {"staff", "fro"}:
        # DESIGN.md §3: check-ins are private to the staff member and the FRO.
        actions.update({"add_check_in", "view_check_ins"})
    midpoint = _midpoint_of(work_plan)
    actions.update(t.name for t in MIDPOINT.allowed(midpoint, roles) if t.roles != HR_ONLY)
    if midpoint.state == MidpointReview.State.OPEN and "staff" in roles:
        actions.add("edit_midpoint_staff")
    if (
        midpoint.state in {MidpointReview.State.OPEN, MidpointReview.State.STAFF_SUBMITTED}
        and "fro" in roles
    ):
        actions.add("edit_midpoint_fro")
    if midpoint.state != MidpointReview.State.NOT_STARTED and roles & {
        "staff",
        "fro",
        "sro",
        "hod",
        "hr",
        "entity_viewer",
    }:
        actions.add("view_midpoint")
    return frozenset(actions)


def document_links(roles: frozenset[str]) -> dict[str, bool]:
    """The header links of a document's pages, by relation only (each page re-checks the
    stage): the PDF for every reader of the record, improvement plans for the people DESIGN.md
    names, roll-back for HR focal points."""
    roles = frozenset(roles)
    return {
        "pdf": bool(roles & {"staff", "fro", "sro", "hod", "hr", "entity_viewer"}),
        "pips": bool(roles & {"staff", "fro", "sro", "hod", "hr"}),
        "rollback": "hr" in roles,
    }


def _midpoint_of(work_plan: WorkPlan) -> MidpointReview:
    try:
        return work_plan.midpoint
    except MidpointReview.DoesNotExist:
        return MidpointReview(work_plan=work_plan)


def is_fro_of(user: User, staff_id: int, cycle_id: int) -> bool:
    """Relation check used before a document exists (the FRO creating it on staff's behalf)."""
    return ReportingLine.objects.filter(
        staff_id=staff_id, cycle_id=cycle_id, fro_id=user.pk, effective_to__isnull=True
    ).exists()


# --- unit work plans -----------------------------------------------------------------------


def can_manage_unit_goals(user: User, unit: OrgUnit) -> bool:
    """The HOD owns the entity's plan; the head of a unit (or of a unit above it) maintains
    that unit's goals."""
    if not user.is_authenticated:
        return False
    today = datetime.date.today()
    if (
        DepartmentRole.objects.filter(
            user=user, entity_id=unit.entity_id, role=DepartmentRole.Role.HOD, start__lte=today
        )
        .exclude(end__lt=today)
        .exists()
    ):
        return True
    return any(node.head_id == user.pk for node in unit.ancestors())


def can_view_entity_goals(user: User, entity: OrgUnit) -> bool:
    """Staff of the entity see its plan (they align to it); so do its HOD and HR."""
    if not user.is_authenticated:
        return False
    if entities_where(user, "view_entity_documents").filter(pk=entity.pk).exists():
        return True
    staff = getattr(user, "staff", None)
    return staff is not None and staff.unit.entity_id == entity.pk
