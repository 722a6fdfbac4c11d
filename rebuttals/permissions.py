"""Who may see and do what on rebuttals and rosters.

A case is seen by the staff member, the FRO and SRO (own or acting), the HOD and HR focal
points of the entity, and the case's panel members (guardian grant on the case, derived from
the panel by `sync_case_grants`). Additional supervisors and everyone else: 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet

from org.models import Delegation, DepartmentRole, OrgUnit, OrgUnitUserObjectPermission, User
from org.permissions import entities_where
from workplans.permissions import documents_where, relations_for

from .models import PanelMember, RebuttalCase, RebuttalCaseUserObjectPermission
from .workflow import CASE

S = RebuttalCase.State
CASE_READERS = {"staff", "fro", "sro", "hod", "hr", "panel_member", "panel_chair"}


# --- grants -------------------------------------------------------------------------------


@transaction.atomic
def sync_case_grants(*, case_ids: Iterable[int] | None = None) -> int:
    """Rule: the active members of a case's panel hold `act_as_panel_member` on the case;
    nobody else does."""
    permission = Permission.objects.get(
        content_type=ContentType.objects.get_for_model(RebuttalCase),
        codename="act_as_panel_member",
    )
    existing = RebuttalCaseUserObjectPermission.objects.filter(permission=permission)
    members = PanelMember.objects.filter(excused_at__isnull=True)
    if case_ids is not None:
        case_ids = list(case_ids)
        existing = existing.filter(content_object_id__in=case_ids)
        members = members.filter(case_id__in=case_ids)
    existing.delete()
    rows = {(m.user_id, m.case_id) for m in members.only("user_id", "case_id")}
    RebuttalCaseUserObjectPermission.objects.bulk_create(
        RebuttalCaseUserObjectPermission(user_id=u, content_object_id=c, permission=permission)
        for u, c in sorted(rows)
    )
    return len(rows)


def rebuild_grants() -> int:
    return sync_case_grants()


# --- cases ---------------------------------------------------------------------------------


def hod_entity_ids(user: User) -> QuerySet:
    """The entities where the user replies to rebuttals: as their HOD, or as acting HOD while
    a delegation from the HOD holds (a subquery of entity ids)."""
    today = datetime.date.today()
    principals = Delegation.objects.filter(
        acting=user, role=Delegation.Role.HOD, start__lte=today, end__gte=today
    ).values("principal")
    return OrgUnitUserObjectPermission.objects.filter(
        Q(user=user) | Q(user__in=principals), permission__codename="reply_entity_rebuttals"
    ).values("content_object_id")


def visible_cases(user: User) -> QuerySet[RebuttalCase]:
    """Cases the user may see, in one SQL query."""
    if not user.is_authenticated:
        return RebuttalCase.objects.none()
    documents = Q()
    for relation in ("staff", "fro", "sro"):
        documents |= Q(document__in=documents_where(user, relation))
    documents |= Q(document__staff_id=user.pk)
    entities = entities_where(user, "view_entity_documents").values("pk")
    panel = RebuttalCaseUserObjectPermission.objects.filter(user=user).values("content_object_id")
    return RebuttalCase.objects.exclude(state=S.NOT_FILED).filter(
        documents
        | Q(document__staff__unit__entity_id__in=entities)
        | Q(document__staff__unit__entity_id__in=hod_entity_ids(user))
        | Q(pk__in=panel)
    )


def case_relations(user: User, case: RebuttalCase) -> dict[str, int | None]:
    """The user's relations to the case: the document's, plus their panel seat."""
    relations = {
        role: principal
        for role, principal in relations_for(user, case.document).items()
        if role != "additional_supervisor"
    }
    if case.pk:
        seat = (
            PanelMember.objects.filter(case=case, user=user, excused_at__isnull=True)
            .values_list("seat", flat=True)
            .first()
        )
        if seat is not None:
            relations["panel_member"] = None
            if seat == "chair":
                relations["panel_chair"] = None
    return relations


def allowed_case_actions(
    user: User, case: RebuttalCase, relations: dict | None = None
) -> frozenset[str]:
    relations = case_relations(user, case) if relations is None else relations
    roles = frozenset(relations)
    actions = {t.name for t in CASE.allowed(case, roles)}
    if roles & CASE_READERS and case.state != S.NOT_FILED:
        actions.add("view")
    if "hr" in roles and case.state in (S.FILED, S.REPLIED):
        actions.add("constitute_panel")
    if "panel_member" in roles and case.state in (S.FILED, S.REPLIED):
        actions.add("declare_conflict")
    if "hr" in roles:
        actions.add("monitor")
    return frozenset(actions)


# --- rosters -------------------------------------------------------------------------------


def roster_roles(user: User, entity: OrgUnit) -> frozenset[str]:
    """hod, staff_representative and/or hr on the entity's roster (one query)."""
    today = datetime.date.today()
    roles = (
        DepartmentRole.objects.filter(user=user, entity=entity, start__lte=today)
        .exclude(end__lt=today)
        .values_list("role", flat=True)
    )
    mapping = {
        DepartmentRole.Role.HOD: "hod",
        DepartmentRole.Role.HR_FOCAL_POINT: "hr",
        DepartmentRole.Role.STAFF_REPRESENTATIVE: "staff_representative",
    }
    return frozenset(mapping[r] for r in roles)


def can_view_roster(user: User, entity: OrgUnit) -> bool:
    return OrgUnitUserObjectPermission.objects.filter(
        user=user, content_object=entity, permission__codename="view_entity_roster"
    ).exists()


def rosters_visible_to(user: User) -> QuerySet[OrgUnit]:
    return entities_where(user, "view_entity_roster")


def monitored_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose rebuttal cases `user` follows: where they hold the department-wide
    documents grant themselves (HR focal points and HODs; a staff representative, who sees
    the roster, does not)."""
    return entities_where(user, "view_entity_documents")
