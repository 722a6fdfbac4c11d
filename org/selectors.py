"""Reads for `org`: current cycle, a user's roles, staff lists."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from pmsystem.db import PreparedQuery

from .models import Cycle, Delegation, DepartmentRole, OrgUnit, User
from .permissions import flags_rule_out, known_flags
from .relations import (
    current_delegations,
    current_department_roles,
    lines_in_effect,
    open_cycles_latest_first,
)


def current_cycle() -> Cycle | None:
    """The open cycle that started last (None when no cycle is open)."""
    found = _CURRENT_CYCLE.objects()
    return found[0] if found else None


# On nearly every page: compiled once per process and prepared (issue 14).
_CURRENT_CYCLE = PreparedQuery(lambda: open_cycles_latest_first()[:1])


@dataclass
class RoleSummary:
    fro_of: int = 0
    sro_of: int = 0
    hod_of: list[OrgUnit] = field(default_factory=list)
    hr_focal_point_of: list[OrgUnit] = field(default_factory=list)
    staff_representative_of: list[OrgUnit] = field(default_factory=list)
    board_member_of: list[OrgUnit] = field(default_factory=list)
    # On the review board of the whole organisation (a role without an entity).
    organisation_board: bool = False
    acting_for: list[Delegation] = field(default_factory=list)
    is_staff_member: bool = False

    @property
    def is_officer(self) -> bool:
        return bool(self.fro_of or self.sro_of)

    @property
    def is_department_manager(self) -> bool:
        return bool(self.hod_of or self.hr_focal_point_of)


def _line_counts(*, user_id: int, on: datetime.date, cycle_id: int) -> QuerySet[Any]:
    # The lines in effect on `on`, as access reads them (`org.relations`): a line dated to end
    # next month still counts, one starting tomorrow not yet.
    return (
        lines_in_effect(on)
        .filter(Q(fro_id=user_id) | Q(sro_id=user_id), cycle_id=cycle_id)
        .order_by()
        .values(one=Value(1))
        .annotate(
            fro=Count("pk", filter=Q(fro_id=user_id)), sro=Count("pk", filter=Q(sro_id=user_id))
        )
        .values_list("fro", "sro")
    )


def _roles(*, user_id: int, on: datetime.date) -> QuerySet[DepartmentRole]:
    return (
        current_department_roles(on)
        .filter(user_id=user_id)
        .select_related("entity")
        .order_by("entity__code", "pk")
    )


def _acting_for(*, user_id: int, on: datetime.date) -> QuerySet[Delegation]:
    return current_delegations(on).filter(acting_id=user_id).select_related("principal")


# The home page's three queries, compiled once per process and prepared (issue 14).
_LINE_COUNTS = PreparedQuery(
    _line_counts, user_id=-2_000_000_101, on=datetime.date(1901, 3, 16), cycle_id=-2_000_000_103
)
_ROLES = PreparedQuery(_roles, user_id=-2_000_000_107, on=datetime.date(1901, 3, 17))
_ACTING_FOR = PreparedQuery(_acting_for, user_id=-2_000_000_109, on=datetime.date(1901, 3, 18))


def role_summary(
    user: User, cycle: Cycle | None = None, today: datetime.date | None = None
) -> RoleSummary:
    """Every role the user holds now, in three queries whatever the organisation size; for the
    signed-in user of a request, only those of the three that its request flags do not rule
    out (most staff hold no role: none)."""
    # The flags are today's: for another day, every query runs.
    known = today is None
    today = today or timezone.localdate()
    summary = RoleSummary()
    if not user.is_authenticated:
        return summary
    summary.is_staff_member = hasattr(user, "staff")
    flags = known_flags(user) if known else None
    if cycle is not None and flags and flags["current_cycle_id"] == cycle.pk:
        # Counted with the request's flags, for the current cycle.
        summary.fro_of, summary.sro_of = flags["fro_lines"], flags["sro_lines"]
    elif cycle is not None and not (
        known and flags_rule_out(user, "is_officer", "is_sro", cycle=cycle)
    ):
        counts = _LINE_COUNTS.rows(user_id=user.pk, on=today, cycle_id=cycle.pk)
        summary.fro_of, summary.sro_of = counts[0] if counts else (0, 0)
    buckets: dict[str, list[OrgUnit]] = {
        DepartmentRole.Role.HOD: summary.hod_of,
        DepartmentRole.Role.HR_FOCAL_POINT: summary.hr_focal_point_of,
        DepartmentRole.Role.STAFF_REPRESENTATIVE: summary.staff_representative_of,
        DepartmentRole.Role.REVIEW_BOARD: summary.board_member_of,
    }
    if not (known and flags_rule_out(user, "has_department_role")):
        for role in _ROLES.objects(user_id=user.pk, on=today):
            if role.entity is None:  # organisation-wide: only a review board
                summary.organisation_board = True
            else:
                buckets[role.role].append(role.entity)
    if not (known and flags_rule_out(user, "is_acting")):
        summary.acting_for = _ACTING_FOR.objects(user_id=user.pk, on=today)
    return summary


SHARED_NAMES_KEY = "org:shared-names"
# The version of the cached set (a small value read on each call): each process keeps the set
# it last read with its version, and reads the set again only when the version changes.
SHARED_NAMES_VERSION_KEY = "org:shared-names:version"
# A backstop only: every write of an account forgets the cached set (`forget_shared_names`).
SHARED_NAMES_SECONDS = 300
# This process's copy: (version, names).
_shared_names_read: tuple[str, frozenset[str]] | None = None


def shared_names() -> frozenset[str]:
    """The full names (in lower case) that more than one active account bears: where a page
    names one of these people, it adds what tells them apart (`{% person %}`).

    Counting them is a scan of every account (20 ms at 40,000 staff, on every page that names
    someone: issue 14), so the set is cached and forgotten whenever an account is saved or
    deleted (`org.apps`: any route, the admin included) or written in bulk (the importer, the
    demo). Reading the cached set was still a millisecond (7,875 names at 40,000 staff): each
    process keeps its copy while the cached version is the one it read (one small read)."""
    global _shared_names_read
    version = cache.get(SHARED_NAMES_VERSION_KEY)
    if version is not None and _shared_names_read is not None:
        if _shared_names_read[0] == version:
            return _shared_names_read[1]
    if version is not None:
        cached = cache.get(SHARED_NAMES_KEY)
        if cached is not None and cached[0] == version:
            _shared_names_read = (version, frozenset(cached[1]))
            return _shared_names_read[1]
    rows = (
        User.objects.filter(is_active=True)
        .annotate(full=Lower(Concat("first_name", Value(" "), "last_name")))
        .values("full")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("full", flat=True)
    )
    names = frozenset(name.strip() for name in rows if name.strip())
    version = uuid.uuid4().hex
    cache.set_many(
        {SHARED_NAMES_KEY: (version, sorted(names)), SHARED_NAMES_VERSION_KEY: version},
        SHARED_NAMES_SECONDS,
    )
    _shared_names_read = (version, names)
    return names


def forget_shared_names(**_: object) -> None:
    """Drop the cached set now and again when the transaction commits (a page computing it
    meanwhile reads the accounts as they were before the write)."""
    keys = [SHARED_NAMES_VERSION_KEY, SHARED_NAMES_KEY]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
