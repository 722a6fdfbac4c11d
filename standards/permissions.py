"""Who may read and write the ratings standards, derived from today's dated relations
(`org.relations`, `org.permissions`); nothing is granted and stored.

Per entity and cycle:
- `hod`: the entity's HOD today, or the acting HOD while a delegation from a current HOD holds
  (`org.permissions.hod_entity_ids`): drafts, publishes, reads every version and draft, and
  sees which FROs acknowledged;
- `hr`: an HR focal point of the entity today: reads the published versions and who
  acknowledged them (compliance);
- `fro`, `sro`: the FRO or SRO (own, or acting while a delegation holds) of a staff member of
  the entity on a reporting line of the cycle in effect today: read the published versions;
  an FRO acknowledges the version in force.
Anyone else reads nothing (404). A closed cycle is read-only.
"""

from __future__ import annotations

import datetime

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from org.models import Cycle, DepartmentRole, OrgUnit, ReportingLine, User
from org.permissions import SeesOne, hod_entity_ids
from org.relations import current_delegations, current_department_roles, lines_in_effect, today
from pmsystem.db import AnyOf

from .models import Acknowledgement, RatingsStandard

S = RatingsStandard.State
READER_ROLES = frozenset({"hod", "hr", "fro", "sro"})


def hr_entity_ids(user: User, on: datetime.date | None = None) -> QuerySet[DepartmentRole]:
    """The entities `user` is an HR focal point of today (a subquery of ids)."""
    return (
        current_department_roles(on)
        .filter(user_id=user.pk, role=DepartmentRole.Role.HR_FOCAL_POINT)
        .values("entity_id")
    )


def officer_q(user: User, relation: str, on: datetime.date | None = None) -> Q:
    """Reporting lines on which `user` is the `relation` officer (fro or sro): their own, or a
    principal's they act for while the delegation holds. The principals as an array computed
    once (`AnyOf`): the OR is then two index scans, not a filter over every line of the cycle."""
    principals = (
        current_delegations(on).filter(acting_id=user.pk, role=relation).values("principal_id")
    )
    return Q(**{f"{relation}_id": user.pk}) | Q(AnyOf(f"{relation}_id", principals))


def officer_lines(
    user: User, relation: str, on: datetime.date | None = None
) -> QuerySet[ReportingLine]:
    """The lines in effect today on which `user` is the `relation` officer."""
    return lines_in_effect(on).filter(officer_q(user, relation, on))


def _flag(condition: Q | Exists) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def entity_roles(user: User, entity_id: int, cycle_id: int) -> frozenset[str]:
    """`user`'s relations to the ratings standards of an entity for a cycle: one query."""
    if not user.is_authenticated:
        return frozenset()

    def officer(relation: str) -> Exists:
        return Exists(
            officer_lines(user, relation).filter(
                cycle_id=cycle_id, staff__unit__entity_id=OuterRef("pk")
            )
        )

    row = (
        OrgUnit.objects.filter(pk=entity_id, kind=OrgUnit.Kind.ENTITY)
        .annotate(
            hod=_flag(Q(pk__in=hod_entity_ids(user))),
            hr=_flag(Q(pk__in=hr_entity_ids(user))),
            fro=officer("fro"),
            sro=officer("sro"),
        )
        .values("hod", "hr", "fro", "sro")
        .first()
    )
    if row is None:
        return frozenset()
    return frozenset(role for role, held in row.items() if held)


def _visible_q(user: User, on: datetime.date) -> Q:
    """The versions `user` may read on `on` (see `visible_standards`), as one condition."""
    rated = Q()
    for relation in ("fro", "sro"):
        rated |= Q(
            Exists(
                officer_lines(user, relation, on).filter(
                    cycle_id=OuterRef("cycle_id"), staff__unit__entity_id=OuterRef("entity_id")
                )
            )
        )
    released = ~Q(state=S.DRAFT) & (Q(entity_id__in=hr_entity_ids(user, on)) | rated)
    return Q(entity_id__in=hod_entity_ids(user, on)) | released


def visible_standards(user: User) -> QuerySet[RatingsStandard]:
    """The versions `user` may read: every version and draft of the entities they head; the
    published and superseded versions of the entities they are HR focal point of or rate
    staff in (for that cycle). One query."""
    if not user.is_authenticated:
        return RatingsStandard.objects.none()
    return RatingsStandard.objects.filter(_visible_q(user, today()))


# The one-version form of `visible_standards`: whether `user` may read the version `pk` today.
sees_standard = SeesOne(RatingsStandard, _visible_q)


def readable_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose standards `user` reads as HOD or HR focal point (any cycle)."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(Q(pk__in=hod_entity_ids(user)) | Q(pk__in=hr_entity_ids(user)))


def rated_entity_cycles(user: User) -> set[tuple[int, int]]:
    """(entity id, cycle id) of the staff `user` is FRO or SRO of today: one query."""
    if not user.is_authenticated:
        return set()
    lines = lines_in_effect().filter(officer_q(user, "fro") | officer_q(user, "sro"))
    return set(lines.values_list("staff__unit__entity_id", "cycle_id").distinct())


def allowed_actions(
    user: User, standard: RatingsStandard, roles: frozenset[str] | None = None
) -> frozenset[str]:
    """What `user` may do on this version now; `roles` from `entity_roles` when known."""
    from .workflow import STANDARD

    if roles is None:
        roles = entity_roles(user, standard.entity_id, standard.cycle_id)
    actions: set[str] = set()
    if not roles & READER_ROLES or (standard.state == S.DRAFT and "hod" not in roles):
        return frozenset()
    actions.add("view")
    if "hod" in roles or "hr" in roles:
        actions.add("view_acknowledgements")
    open_cycle = standard.cycle.status != Cycle.Status.CLOSED
    if standard.state == S.DRAFT and "hod" in roles and open_cycle:
        actions.add("edit")
        if STANDARD.refusal(standard, "publish", roles) is None:
            actions.add("publish")
    if (
        standard.state == S.PUBLISHED
        and "fro" in roles
        and open_cycle
        and not Acknowledgement.objects.filter(standard=standard, user_id=user.pk).exists()
    ):
        actions.add("acknowledge")
    return frozenset(actions)
