"""Who may do what with mandatory training; nothing else decides it.

- The catalogue: a system administrator (a superuser, or staff with `training.change_course`)
  keeps the organisation's courses; an HR focal point keeps the courses of their entities
  (`manage_entity_training`, from their current role).
- Completions: HR focal points record and import them for the staff of their entities; a
  system administrator (and `manage.py import_completions`) for anyone.
- Reports: the HODs and HR focal points of an entity (`manage_entity_compliance`).
- Everyone sees their own courses.
"""

from __future__ import annotations

from django.db.models import QuerySet

from org.models import OrgUnit, StaffMember, User
from org.permissions import entities_where, entity_ids_where

MANAGE = "manage_entity_training"
REPORT = "manage_entity_compliance"


def is_catalogue_admin(user: User) -> bool:
    return user.is_authenticated and (
        user.is_superuser or (user.is_staff and user.has_perm("training.change_course"))
    )


def report_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose training compliance `user` follows (HOD, HR focal point)."""
    return entities_where(user, REPORT)


def managed_entity_ids(user: User) -> set[int] | None:
    """The entities whose courses and completions `user` keeps; None: all (an administrator)."""
    if is_catalogue_admin(user):
        return None
    if not user.is_authenticated:
        return set()
    return set(entity_ids_where(user, MANAGE).values_list("entity_id", flat=True))


def can_manage(user: User) -> bool:
    scope = managed_entity_ids(user)
    return scope is None or bool(scope)


def can_keep_course(user: User, entity_id: int | None) -> bool:
    """An organisation-wide course is the administrators'; an entity's, its HR's too."""
    scope = managed_entity_ids(user)
    return scope is None or (entity_id is not None and entity_id in scope)


def recordable_staff(user: User) -> QuerySet[StaffMember]:
    """The staff whose completions `user` may record."""
    scope = managed_entity_ids(user)
    staff = StaffMember.objects.all()
    return staff if scope is None else staff.filter(unit__entity_id__in=scope)
