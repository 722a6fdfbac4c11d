"""Reads across every app: "My tasks". `compliance` reads the other apps; none imports it."""

from __future__ import annotations

from org.models import Cycle, User
from workplans.selectors import Task, work_plan_tasks


def my_tasks(user: User, cycle: Cycle | None) -> list[Task]:
    """Everything that waits for the user in any role, overdue first, then by due date."""
    tasks = work_plan_tasks(user, cycle)
    return sorted(
        tasks,
        key=lambda t: (not t.overdue, t.due is None, t.due or cycle.end if cycle else None),
    )
