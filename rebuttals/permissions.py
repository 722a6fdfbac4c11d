"""Who may see and do what on rebuttals and rosters, derived from today's relations.

A case is seen by the staff member, the FRO and SRO (own or acting), the HOD (or acting HOD)
and HR focal points of the entity, and the case's seated panel members. Additional
supervisors and everyone else: 404. Nothing is granted and stored: a seat excused, a role
ended or a line changed changes access at once, whatever route made the change.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from org.models import DepartmentRole, OrgUnit, User
from org.permissions import SeesOne, entities_where, entity_ids_where, hod_entity_ids
from org.relations import current_department_roles, today
from workplans.conflicts import Relations
from workplans.permissions import documents_where, relations_for

from .models import PanelMember, RebuttalCase
from .workflow import CASE

S = RebuttalCase.State
CASE_READERS = {"staff", "fro", "sro", "hod", "hr", "panel_member", "panel_chair"}


# --- cases ---------------------------------------------------------------------------------


def seated_cases(user: User) -> QuerySet:
    """The cases whose panel `user` sits on (a subquery of case ids)."""
    return PanelMember.objects.filter(user_id=user.pk, excused_at__isnull=True).values("case_id")


def _visible_cases_q(user: User, on: datetime.date) -> Q:
    """The filed cases `user` may see on `on` (see `visible_cases`), as one condition."""
    documents = Q(document__staff_id=user.pk)
    for relation in ("fro", "sro"):
        documents |= Q(document__in=documents_where(user, relation, on))
    entities = entity_ids_where(user, "view_entity_documents", on)
    return ~Q(state=S.NOT_FILED) & (
        documents
        | Q(document__staff__unit__entity_id__in=entities)
        | Q(document__staff__unit__entity_id__in=hod_entity_ids(user, on))
        | Q(pk__in=seated_cases(user))
    )


def visible_cases(user: User) -> QuerySet[RebuttalCase]:
    """Cases the user may see, in one SQL query."""
    if not user.is_authenticated:
        return RebuttalCase.objects.none()
    return RebuttalCase.objects.filter(_visible_cases_q(user, today()))


# The one-case form of `visible_cases`: whether `user` may see the case `pk` today.
sees_case = SeesOne(RebuttalCase, _visible_cases_q)


def case_relations(user: User, case: RebuttalCase) -> Relations:
    """The user's relations to the case: the document's (additional supervisors do not see
    the case), plus their panel seat."""
    document_relations = relations_for(user, case.document)
    relations = Relations(
        {r: p for r, p in document_relations.items() if r != "additional_supervisor"},
        conflicts=document_relations.conflicts,
    )
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
    roles = (
        current_department_roles()
        .filter(user_id=user.pk, entity_id=entity.pk)
        .values_list("role", flat=True)
    )
    mapping = {
        DepartmentRole.Role.HOD: "hod",
        DepartmentRole.Role.HR_FOCAL_POINT: "hr",
        DepartmentRole.Role.STAFF_REPRESENTATIVE: "staff_representative",
    }
    return frozenset(mapping[r] for r in roles)


def can_view_roster(user: User, entity: OrgUnit) -> bool:
    return entities_where(user, "view_entity_roster").filter(pk=entity.pk).exists()


def rosters_visible_to(user: User) -> QuerySet[OrgUnit]:
    return entities_where(user, "view_entity_roster")


def monitored_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose rebuttal cases `user` follows: where they hold the department-wide
    documents grant themselves (HR focal points and HODs; a staff representative, who sees
    the roster, does not)."""
    return entities_where(user, "view_entity_documents")
