"""Who may see compliance reports: the HODs and HR focal points of an entity.

Both hold `manage_entity_compliance` on the entity (granted by `org.permissions` from their
department role), so "which entities may this user report on" is one join on the grant table.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from org.models import DepartmentRole, OrgUnit, User
from org.permissions import entities_where, entity_ids_where
from pmsystem.db import PreparedQuery

from .models import Broadcast

COMPLIANCE_CODENAME = "manage_entity_compliance"


def compliance_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose compliance reports `user` may see (none for anonymous users)."""
    return entities_where(user, COMPLIANCE_CODENAME)


def compliance_entity_rows(user: User) -> list[tuple[int, str, str]]:
    """`compliance_entities(user)` today as (id, code, name), by code: the same rule
    (`org.permissions.entity_ids_where`), compiled once per process and prepared (every
    compliance page reads it first)."""
    if not user.is_authenticated:
        return []
    return [tuple(row) for row in _ENTITY_ROWS.rows(user_id=user.pk, on=timezone.localdate())]


_ENTITY_ROWS = PreparedQuery(
    lambda *, user_id, on: (
        OrgUnit.objects.filter(pk__in=entity_ids_where(User(pk=user_id), COMPLIANCE_CODENAME, on))
        .order_by("code")
        .values_list("pk", "code", "name")
    ),
    user_id=-2_000_000_229,
    on=datetime.date(1901, 4, 6),
)


# --- broadcasts ---------------------------------------------------------------------------


def broadcast_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities `user` may write a broadcast to: those they hold
    `manage_entity_compliance` on *as an HR focal point* (a HOD holds the same grant but
    broadcasts go out through HR, on the HOD's behalf). One query."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    today = timezone.localdate()
    hr_roles = (
        DepartmentRole.objects.filter(
            user=user, role=DepartmentRole.Role.HR_FOCAL_POINT, start__lte=today
        )
        .exclude(end__lt=today)
        .values("entity_id")
    )
    return compliance_entities(user).filter(pk__in=hr_roles)


def can_broadcast(user: User, entity: OrgUnit) -> bool:
    return broadcast_entities(user).filter(pk=entity.pk).exists()


def broadcast_entity_or_404(user: User, entity_id: int) -> OrgUnit:
    """The entity, if `user` may broadcast to it. Someone who sees the entity's compliance
    reports but does not broadcast (its HOD) is refused with the reason (403); for anyone
    else the entity does not exist (404)."""
    entity = broadcast_entities(user).filter(pk=entity_id).first()
    if entity is None:
        if compliance_entities(user).filter(pk=entity_id).exists():
            raise PermissionDenied(
                gettext(
                    "Broadcasts go out through an HR focal point of the entity, who may write "
                    "them on your behalf."
                )
            )
        raise Http404("No such entity.")
    return entity


def visible_broadcasts(user: User) -> QuerySet[Broadcast]:
    """Broadcasts of the entities `user` broadcasts to, and those sent on their behalf."""
    if not user.is_authenticated:
        return Broadcast.objects.none()
    return Broadcast.objects.filter(
        Q(entity__in=broadcast_entities(user).values("pk")) | Q(on_behalf_of=user)
    )
