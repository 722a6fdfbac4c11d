"""Reads across every app: "My tasks". `compliance` reads the other apps; none imports it."""

from __future__ import annotations

import datetime

from appraisals.selectors import evaluation_tasks
from org.models import Cycle, User
from workplans.selectors import Task, work_plan_tasks


def my_tasks(user: User, cycle: Cycle | None) -> list[Task]:
    """Everything that waits for the user in any role: overdue first, then by due date
    (undated last)."""
    tasks = [*work_plan_tasks(user, cycle), *evaluation_tasks(user, cycle)]
    return sorted(tasks, key=lambda t: (not t.overdue, t.due or datetime.date.max, t.label))
