"""Reads across every app: "My tasks", "My reminders", broadcast recipients and previews.
`compliance` reads the other apps; none imports it."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from appraisals.selectors import evaluation_tasks, own_document, pip_tasks
from feedback.selectors import colleague_tasks, upward_tasks
from org import deadlines
from org.models import Category, Cycle, DepartmentRole, OrgUnit, StaffMember, User
from pmsystem.pending import Task
from rebuttals.selectors import rebuttal_tasks
from schedules.selectors import schedule_tasks
from standards.selectors import standards_tasks
from training.selectors import training_tasks
from workplans.permissions import acting_documents
from workplans.selectors import work_plan_tasks

from .models import Broadcast, Reminder
from .reminders import pending_actions


def my_tasks(user: User, cycle: Cycle | None) -> list[Task]:
    """Everything that waits for the user in any role: overdue first, then by due date
    (undated last)."""
    own = staff = None
    # The documents the user acts on as FRO, SRO or additional supervisor: read once (one
    # query, compiled once per process) for every app's tasks.
    acting = acting_documents(user)
    if cycle is not None and user.is_authenticated:
        own = own_document(user, cycle)
        # Without a document yet, the profile carries the staff member's extended due dates.
        staff = (
            own.staff
            if own
            else deadlines.with_extensions(
                StaffMember.objects.filter(pk=user.pk), cycle=cycle.pk, staff="pk"
            ).first()
        )
    tasks = [
        *work_plan_tasks(user, cycle, staff=staff, own=own, acting=acting),
        *evaluation_tasks(user, cycle, own=own, acting=acting),
        *pip_tasks(user, acting=acting),
        *rebuttal_tasks(user, cycle),
        *upward_tasks(user, cycle),
        *colleague_tasks(user, cycle, own=own),
        *standards_tasks(user, cycle),
        *training_tasks(user),
        *schedule_tasks(user),
    ]
    return sorted(tasks, key=lambda t: (not t.overdue, t.due or datetime.date.max, t.label))


# --- reminders and broadcasts ---------------------------------------------------------------


def my_reminders(user: User) -> QuerySet[Reminder]:
    """The reminders and broadcasts sent to the user, newest first."""
    return (
        Reminder.objects.filter(recipient=user, status=Reminder.Status.SENT)
        .select_related("staff__user", "responsible", "cycle", "broadcast__on_behalf_of")
        .order_by("-sent_at", "-pk")
    )


def unit_subtree_ids(unit: OrgUnit) -> set[int]:
    """The unit and every unit below it (one query over the unit's entity)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in OrgUnit.objects.filter(entity_id=unit.entity_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), [unit.pk]
    while todo:
        pk = todo.pop()
        found.add(pk)
        todo.extend(children.get(pk, ()))
    return found


def broadcast_recipient_ids(
    *, entity: OrgUnit, stage: str, unit: OrgUnit | None = None, today: datetime.date | None = None
) -> list[int]:
    """The people whose action waits at `stage` on a document of the entity (or of the unit's
    subtree), active accounts only, each once."""
    today = today or timezone.localdate()
    units = unit_subtree_ids(unit) if unit is not None else None
    ids = {
        action.responsible_id
        for action in pending_actions(today=today, entity_ids=[entity.pk])
        if action.stage == stage and (units is None or action.unit_id in units)
    }
    return sorted(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


@dataclass(frozen=True)
class BroadcastPreview:
    recipient_ids: list[int]
    sample: list[User]

    @property
    def count(self) -> int:
        return len(self.recipient_ids)

    @property
    def digest(self) -> str:
        """Fingerprint of exactly who would receive it: sending requires the preview's."""
        text = ",".join(map(str, self.recipient_ids))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def broadcast_preview(
    *, entity: OrgUnit, stage: str, unit: OrgUnit | None = None, sample_size: int = 10
) -> BroadcastPreview:
    ids = broadcast_recipient_ids(entity=entity, stage=stage, unit=unit)
    sample = list(
        User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk")[:sample_size]
    )
    return BroadcastPreview(recipient_ids=ids, sample=sample)


SENIOR_CATEGORIES = (Category.SENIOR, Category.DIRECTOR)


def broadcast_senders(entity: OrgUnit, today: datetime.date | None = None) -> QuerySet[User]:
    """On whose behalf a broadcast may go: the entity's HOD(s) and its senior managers (staff
    of the entity at director level and above)."""
    today = today or timezone.localdate()
    hods = (
        DepartmentRole.objects.filter(entity=entity, role=DepartmentRole.Role.HOD, start__lte=today)
        .exclude(end__lt=today)
        .values("user_id")
    )
    seniors = StaffMember.objects.filter(
        unit__entity=entity, category__in=SENIOR_CATEGORIES, is_active=True
    ).values("user_id")
    return User.objects.filter(Q(pk__in=hods) | Q(pk__in=seniors), is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def entity_head(entity: OrgUnit, today: datetime.date | None = None) -> User | None:
    """The entity's head of department today (the first by name when it has several): whom a
    broadcast goes on behalf of unless HR chooses another senior manager."""
    today = today or timezone.localdate()
    role = (
        DepartmentRole.objects.filter(entity=entity, role=DepartmentRole.Role.HOD, start__lte=today)
        .exclude(end__lt=today)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
        .first()
    )
    return role.user if role else None


def broadcasts_with_delivery(broadcasts: QuerySet[Broadcast]) -> QuerySet[Broadcast]:
    """Broadcasts with their delivery counts, newest first."""
    return (
        broadcasts.select_related("entity", "unit", "on_behalf_of", "created_by")
        .annotate(
            sent_count=Count("reminders", filter=Q(reminders__status=Reminder.Status.SENT)),
            waiting_count=Count(
                "reminders",
                filter=Q(reminders__status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]),
            ),
            failed_count=Count("reminders", filter=Q(reminders__status=Reminder.Status.FAILED)),
        )
        .order_by("-created_at", "-pk")
    )
