"""Who may do what in `org`: department-wide grants derived from DepartmentRole.

Grants are guardian object permissions on the entity (direct FK table
OrgUnitUserObjectPermission). They are derived, never granted by hand: call
`sync_department_grants` whenever department roles change, and `rebuild_permissions`
(the `rebuild_permissions` command) rebuilds every app's grants from scratch.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Value

from .models import (
    Delegation,
    DepartmentRole,
    OrgUnit,
    OrgUnitUserObjectPermission,
    StaffMember,
    User,
)

Role = DepartmentRole.Role

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.HOD: (
        "view_entity_documents",
        "reply_entity_rebuttals",
        "manage_entity_compliance",
        "view_entity_roster",
    ),
    Role.HR_FOCAL_POINT: (
        "view_entity_documents",
        "manage_entity_compliance",
        "rollback_entity_documents",
        "manage_entity_roster",
        "view_entity_roster",
        "import_entity_staff",
    ),
    Role.STAFF_REPRESENTATIVE: ("view_entity_roster",),
}
MANAGED_CODENAMES = sorted({code for codes in ROLE_PERMISSIONS.values() for code in codes})


def _permissions_by_codename() -> dict[str, Permission]:
    content_type = ContentType.objects.get_for_model(OrgUnit)
    return {
        p.codename: p
        for p in Permission.objects.filter(
            content_type=content_type, codename__in=MANAGED_CODENAMES
        )
    }


@transaction.atomic
def sync_department_grants(
    *, entity_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> int:
    """Make the entity grants match the department roles current today; returns rows granted.

    Rule: HODs, HR focal points and staff representatives hold their permissions on the
    entity only while their role is current (start <= today <= end).
    """
    today = today or datetime.date.today()
    perms = _permissions_by_codename()
    existing = OrgUnitUserObjectPermission.objects.filter(permission__in=perms.values())
    roles = DepartmentRole.objects.filter(start__lte=today).exclude(end__lt=today)
    if entity_ids is not None:
        entity_ids = list(entity_ids)
        existing = existing.filter(content_object_id__in=entity_ids)
        roles = roles.filter(entity_id__in=entity_ids)
    existing.delete()
    wanted = {
        (role.user_id, role.entity_id, codename)
        for role in roles.only("user_id", "entity_id", "role")
        for codename in ROLE_PERMISSIONS[role.role]
    }
    OrgUnitUserObjectPermission.objects.bulk_create(
        [
            OrgUnitUserObjectPermission(
                user_id=user_id, content_object_id=entity_id, permission=perms[codename]
            )
            for user_id, entity_id, codename in sorted(wanted)
        ],
        batch_size=2000,
    )
    return len(wanted)


def rebuild_permissions() -> dict[str, int]:
    """Rebuild every app's derived grants from scratch.

    Each installed app may expose `rebuild_grants() -> int` in its permissions module; this
    finds them through the app registry so that `org` never imports the apps built on it.
    """
    results = {"org": sync_department_grants()}
    for config in apps.get_app_configs():
        if config.name == "org":
            continue
        try:
            module = importlib.import_module(f"{config.name}.permissions")
        except ModuleNotFoundError:
            continue
        rebuild = getattr(module, "rebuild_grants", None)
        if rebuild is not None:
            results[config.label] = rebuild()
    return results


def entities_where(user: User, codename: str) -> QuerySet[OrgUnit]:
    """The entities on which `user` holds `codename`: one join on the grant table."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        orgunituserobjectpermission__user=user,
        orgunituserobjectpermission__permission__codename=codename,
    ).distinct()


def can_import(user: User) -> bool:
    """System administrators and HR focal points may import staff, units and lines."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or (user.is_staff and user.has_perm("org.add_staffmember")):
        return True
    return entities_where(user, "import_entity_staff").exists()


def importable_entity_ids(user: User) -> set[int] | None:
    """The entities whose staff, units and lines `user` may import; None means all of them.

    System administrators (superusers, or holders of the model permission to add staff) import
    anything; an HR focal point only within the entities they hold `import_entity_staff` on.
    """
    if user.is_superuser or (user.is_staff and user.has_perm("org.add_staffmember")):
        return None
    return set(entities_where(user, "import_entity_staff").values_list("pk", flat=True))


# --- who may use the site: deactivated profiles, two-factor authentication --------------------

# Department roles whose holders must use two-factor authentication (DESIGN.md §1: they see a
# whole department's documents). Staff administrators and superusers must as well.
MFA_REQUIRED_ROLES = (Role.HOD, Role.HR_FOCAL_POINT)


def staff_profile_active(user: User) -> bool:
    """A user whose staff profile is deactivated may not sign in or stay signed in; users
    without a profile (system administrators) are not affected."""
    try:
        return user.staff.is_active
    except StaffMember.DoesNotExist:
        return True


@dataclass(frozen=True)
class MFAStatus:
    required: bool
    enrolled: bool

    @property
    def missing(self) -> bool:
        return self.required and not self.enrolled


def mfa_status(user: User, *, today: datetime.date | None = None) -> MFAStatus:
    """Whether `user` must have a TOTP authenticator, and has one: one query.

    Rule: HODs and HR focal points (current roles, or acting as HOD), staff administrators and
    superusers must; everyone must when `MFA_REQUIRED_FOR_ALL` is on.
    """
    from allauth.mfa.models import Authenticator

    today = today or datetime.date.today()
    always = user.is_staff or user.is_superuser or settings.MFA_REQUIRED_FOR_ALL
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            enrolled=Exists(
                Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
            ),
            privileged=Value(True)
            if always
            else Exists(
                DepartmentRole.objects.filter(
                    user_id=OuterRef("pk"), role__in=MFA_REQUIRED_ROLES, start__lte=today
                ).exclude(end__lt=today)
            )
            | Exists(
                Delegation.objects.filter(
                    acting_id=OuterRef("pk"),
                    role=Delegation.Role.HOD,
                    start__lte=today,
                    end__gte=today,
                )
            ),
        )
        .values("enrolled", "privileged")
        .first()
    )
    if row is None:
        return MFAStatus(required=True, enrolled=False)
    return MFAStatus(required=bool(row["privileged"]), enrolled=row["enrolled"])


# --- privileged accounts: changed only through a system administrator (DESIGN.md §8) ----------

# Holders of these department roles (while current) see a whole department's documents.
PRIVILEGED_ROLES = (Role.HOD, Role.HR_FOCAL_POINT)


def privileged_accounts(on: datetime.date | None = None) -> QuerySet[User]:
    """Superusers, staff administrators, and holders of a current HOD or HR focal point role.

    Rule (DESIGN.md §8, scoped administration): only a system administrator changes these
    accounts' login; an entity HR focal point's import may not.
    """
    on = on or datetime.date.today()
    roles = DepartmentRole.objects.filter(
        user_id=OuterRef("pk"), role__in=PRIVILEGED_ROLES, start__lte=on
    ).exclude(end__lt=on)
    return (
        User.objects.filter(is_superuser=True)
        | User.objects.filter(is_staff=True)
        | User.objects.filter(Exists(roles))
    )


def is_privileged_account(user: User, *, on: datetime.date | None = None) -> bool:
    """Whether `user`'s account is privileged (see `privileged_accounts`): one query."""
    return privileged_accounts(on).filter(pk=user.pk).exists()
