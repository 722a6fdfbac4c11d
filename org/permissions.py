"""Who may do what in `org`: department-wide capabilities derived from today's roles.

An HOD, HR focal point or staff representative holds the capabilities of their role on the
entity while the role is current (`org.relations`); nothing is granted or stored, so an ended
role stops and a future one starts on its day, without anyone acting.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from pmsystem import registry
from pmsystem.db import PreparedQuery

from .models import Cycle, DepartmentRole, OrgUnit, StaffMember, User
from .relations import (
    current_delegations,
    current_department_roles,
    lines_in_effect,
    open_cycles_latest_first,
    roles_holding_on,
    today,
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
        "manage_entity_training",
    ),
    Role.STAFF_REPRESENTATIVE: ("view_entity_roster",),
    # Reads the documents routed to the board (`workplans.permissions.board_routed_q`).
    Role.REVIEW_BOARD: ("review_entity_documents",),
}
CAPABILITIES = sorted({code for codes in ROLE_PERMISSIONS.values() for code in codes})


def roles_with(capability: str) -> list[str]:
    """The department roles that carry `capability`."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown entity capability {capability!r}")
    return [role for role, codes in ROLE_PERMISSIONS.items() if capability in codes]


def entity_ids_where(user: User, capability: str, on: datetime.date | None = None) -> QuerySet:
    """The ids of the entities on which `user` holds `capability` through a current role of
    their own (a subquery, its column named `entity_id`).

    A role held on the whole organisation (a review board's) holds on every entity
    (`org.relations.roles_holding_on`): every reader of the board's capability (the
    documents' lists, the board's pages, the probationary reports) asks here."""
    roles = roles_with(capability)
    if not set(roles) & set(DepartmentRole.ORGANISATION_WIDE):
        return (
            current_department_roles(on).filter(user_id=user.pk, role__in=roles).values("entity_id")
        )
    # An entity's `entity_id` is its own id (OrgUnit.entity: the top of the unit's branch).
    held = roles_holding_on(OuterRef("pk"), on).filter(user_id=user.pk, role__in=roles)
    return OrgUnit.objects.filter(Exists(held), kind=OrgUnit.Kind.ENTITY).values("entity_id")


def entities_where(user: User, capability: str) -> QuerySet[OrgUnit]:
    """The entities on which `user` holds `capability` today: one query."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(pk__in=entity_ids_where(user, capability))


def hod_entity_ids(user: User, on: datetime.date | None = None) -> QuerySet:
    """The entities where `user` acts as head: as their current HOD, or as acting HOD while a
    delegation from a current HOD holds (a subquery of entity ids)."""
    principals = current_delegations(on).filter(acting_id=user.pk, role="hod").values("principal")
    # One filter, not a UNION: SQLite (make run) refuses the ordered subqueries of a compound
    # statement (tests/test_sqlite_demo.py browses the demo there).
    return (
        current_department_roles(on)
        .filter(
            Q(role=Role.HOD, user_id__in=principals)
            | Q(user_id=user.pk, role__in=roles_with("reply_entity_rebuttals"))
        )
        .values("entity_id")
    )


class SeesOne:
    """Whether a user may see one object, by id: `model.objects.filter(condition(user, on))`
    (the condition the object's list uses, dated by `on`) holds it. Compiled once per process
    (`PreparedQuery`): a page of one document asks this, then loads the object by id, instead
    of building and compiling the list's conditions on every request."""

    def __init__(self, model: type[Model], condition: Callable[[User, datetime.date], Q]):
        def build(*, user_id: int, on: datetime.date, pk: int) -> QuerySet:
            # The condition reads only the user's id.
            return model._default_manager.filter(
                condition(User(pk=user_id), on), pk=pk
            ).values_list("pk")

        self._query = PreparedQuery(
            build, user_id=-2_000_000_061, on=datetime.date(1901, 3, 4), pk=-2_000_000_063
        )

    def __call__(self, user: User, pk: int) -> bool:
        if not user.is_authenticated or not 0 < pk < 2**63:
            return False
        return bool(self._query.rows(user_id=user.pk, on=today(), pk=pk))


def follow_up_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose open PIPs, low ratings, rebuttal cases and roll-backs `user` follows
    (the department view): where they are HOD (their own role, or acting for a current HOD)
    or HR focal point today. One query."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        Q(pk__in=entity_ids_where(user, "view_entity_documents")) | Q(pk__in=hod_entity_ids(user))
    )


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

# Department roles whose holders must use two-factor authentication (docs/rules.md §1: they see a
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


# What the pages ask of the signed-in user on every request: the second-factor rule's facts
# and the navigation's (`org.context_processors`). Menu entries by the capability they need.
ENTITY_FLAGS = {
    "is_department_manager": "view_entity_documents",
    "can_see_compliance": "manage_entity_compliance",
    "can_view_roster": "view_entity_roster",
    "holds_import": "import_entity_staff",
    "is_board_member": "review_entity_documents",
}
REQUEST_FLAGS = (
    "mfa_enrolled",
    "mfa_role",
    "entity_id",
    "is_staff_member",
    "is_officer",
    "is_sro",
    "on_special_schedule",
    "has_department_role",
    "is_acting",
    *ENTITY_FLAGS,
)
# Besides the menu's: the open cycle that started last (`org.selectors.current_cycle`) and
# how many of its lines in effect today name the user FRO and SRO (the home page's role
# summary), then the flags the later stages register (`pmsystem.registry`). Values, not
# booleans: these and `entity_id`.
COUNT_FLAGS = ("current_cycle_id", "fro_lines", "sro_lines")
_VALUE_FLAGS = frozenset({"entity_id", *COUNT_FLAGS})


def flag_names() -> tuple[str, ...]:
    """Every flag the request reads: the menu's, the counts, the later stages'."""
    return (*REQUEST_FLAGS, *COUNT_FLAGS, *registry.request_flags())


def _flag_expressions(on: datetime.date) -> dict[str, Any]:
    """`flag_names()` as expressions on a query of users."""
    from allauth.mfa.models import Authenticator

    lines = lines_in_effect(on).filter(cycle__status=Cycle.Status.OPEN)
    roles = current_department_roles(on).filter(user_id=OuterRef("pk"))
    current_cycle = open_cycles_latest_first().values("pk")[:1]

    def line_count(officer: str) -> Coalesce:
        counted = (
            lines_in_effect(on)
            .filter(cycle_id=Subquery(current_cycle), **{officer: OuterRef("pk")})
            .order_by()
            .values(officer)
            .annotate(count=Count("pk"))
            .values("count")
        )
        return Coalesce(Subquery(counted), Value(0))

    return {
        "mfa_enrolled": Exists(
            Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
        ),
        "mfa_role": ExpressionWrapper(
            Exists(roles.filter(role__in=MFA_REQUIRED_ROLES))
            | Exists(current_delegations(on).filter(acting_id=OuterRef("pk"), role="hod")),
            output_field=BooleanField(),
        ),
        "entity_id": Subquery(
            StaffMember.objects.filter(pk=OuterRef("pk")).values("unit__entity_id")[:1]
        ),
        "is_staff_member": Exists(StaffMember.objects.filter(pk=OuterRef("pk"))),
        "is_officer": Exists(lines.filter(fro_id=OuterRef("pk"))),
        "is_sro": Exists(lines.filter(sro_id=OuterRef("pk"))),
        # Probation or a technical-cooperation contract (the `schedules` app's pages).
        "on_special_schedule": Exists(
            StaffMember.objects.filter(pk=OuterRef("pk"), is_active=True).filter(
                Q(on_probation=True)
                | Q(contract_type=StaffMember.ContractType.TECHNICAL_COOPERATION)
            )
        ),
        # Any department role, and any delegation to act for someone: a page that lists
        # them (the home page's role summary) reads them only when there is one.
        "has_department_role": Exists(roles),
        "is_acting": Exists(current_delegations(on).filter(acting_id=OuterRef("pk"))),
        **{
            flag: Exists(roles.filter(role__in=roles_with(codename)))
            for flag, codename in ENTITY_FLAGS.items()
        },
        "current_cycle_id": Subquery(current_cycle),
        "fro_lines": line_count("fro_id"),
        "sro_lines": line_count("sro_id"),
        **{name: build(on) for name, build in registry.request_flags().items()},
    }


def _request_flags_query(*, user_id: int, on: datetime.date) -> QuerySet:
    return (
        User.objects.filter(pk=user_id).annotate(**_flag_expressions(on)).values_list(*flag_names())
    )


# One query, compiled once per process (pmsystem.db.PreparedQuery).
_REQUEST_FLAGS = PreparedQuery(
    _request_flags_query, user_id=-2_000_000_017, on=datetime.date(1901, 2, 5)
)


def user_flags(user: User, *, today: datetime.date | None = None) -> dict[str, Any]:
    """`flag_names()` of `user` as they stand today (empty for a user not in the database)."""
    rows = _REQUEST_FLAGS.rows(user_id=user.pk, on=today or timezone.localdate())
    if not rows:
        return {}
    return {
        name: value if name in _VALUE_FLAGS else bool(value)
        for name, value in zip(flag_names(), rows[0], strict=True)
    }


# The signed-in user of a request (`org.backends`), with their staff profile and the request's
# flags, in one query compiled once per process: the flags' own query was one more on every
# page (issue 14). The flags are annotated as `flag_<name>`, apart from the model's attributes.
_SESSION_USER = PreparedQuery(
    lambda *, user_id, on: (
        User.objects.select_related("staff")
        .filter(pk=user_id)
        .annotate(**{f"flag_{name}": value for name, value in _flag_expressions(on).items()})
    ),
    user_id=-2_000_000_163,
    on=datetime.date(1901, 3, 20),
)


def session_user(user_id: int) -> User | None:
    """The user `user_id` with their staff profile, and their request flags already read
    (`request_flags` asks no more); None when there is no such user."""
    found = _SESSION_USER.objects(user_id=user_id, on=timezone.localdate())
    if not found:
        return None
    user = found[0]
    user.__dict__["_request_flags"] = {
        name: value if name in _VALUE_FLAGS else bool(value)
        for name in flag_names()
        for value in [user.__dict__.pop(f"flag_{name}")]
    }
    return user


def request_flags(user: User) -> dict[str, Any]:
    """`user_flags` of the signed-in user of this request, read once: the second-factor check
    (org.middleware) and the navigation share them. Kept on the user object, which the
    authentication middleware loads afresh for every request, with them already
    (`session_user`); another user object reads them at the first call."""
    # Through getattr and setattr: `request.user` is a lazy object wrapping the user.
    flags: dict[str, Any] | None = getattr(user, "_request_flags", None)
    if flags is None:
        flags = user_flags(user)
        setattr(user, "_request_flags", flags)  # noqa: B010
    return flags


def flags_rule_out(user: User, *flags: str, cycle: Cycle | None = None) -> bool:
    """Whether the request flags already read for `user` (the signed-in user of this request,
    `session_user`) say that none of `flags` holds today: a page may then skip a query that
    could find nothing. False when they were not read (another user object), so the caller
    runs its query. `is_officer` and `is_sro` count the lines of open cycles only: with them,
    `cycle` must be given and open."""
    known: dict[str, Any] | None = getattr(user, "_request_flags", None)
    if not known:
        return False
    if {"is_officer", "is_sro"} & set(flags) and (
        cycle is None or cycle.status != Cycle.Status.OPEN
    ):
        return False
    return not any(known[flag] for flag in flags)


def known_flags(user: User) -> dict[str, Any] | None:
    """The request flags already read for `user` (the signed-in user of this request,
    `session_user`): None when they were not read (another user object)."""
    return getattr(user, "_request_flags", None) or None


def flag_holds(user: User, flag: str) -> bool:
    """Whether the request flags already read for `user` (see `flags_rule_out`) say that
    `flag` holds today; False when they were not read."""
    known: dict[str, Any] | None = getattr(user, "_request_flags", None)
    return bool(known and known[flag])


def mfa_status(
    user: User, *, today: datetime.date | None = None, flags: dict[str, Any] | None = None
) -> MFAStatus:
    """Whether `user` must have a TOTP authenticator, and has one: one query (none when the
    caller passes the user's `flags`, `request_flags`).

    Rule: HODs and HR focal points (current roles, or acting as HOD), staff administrators and
    superusers must; everyone must when `MFA_REQUIRED_FOR_ALL` is on.
    """
    if flags is None:
        flags = user_flags(user, today=today)
    if not flags:
        return MFAStatus(required=True, enrolled=False)
    always = user.is_staff or user.is_superuser or settings.MFA_REQUIRED_FOR_ALL
    return MFAStatus(required=always or flags["mfa_role"], enrolled=flags["mfa_enrolled"])


# --- privileged accounts: changed only through a system administrator (docs/rules.md §8) ----------

# Holders of these department roles (while current) see a whole department's documents.
PRIVILEGED_ROLES = (Role.HOD, Role.HR_FOCAL_POINT)


def privileged_accounts(on: datetime.date | None = None) -> QuerySet[User]:
    """Superusers, staff administrators, and holders of a current HOD or HR focal point role.

    Rule (docs/rules.md §8, scoped administration): only a system administrator changes these
    accounts' login; an entity HR focal point's import may not.
    """
    on = on or timezone.localdate()
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
