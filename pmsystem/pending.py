"""Pending actions: what waits for whom, by when, and who hears of it when it is late.

Each app that owns a deadline exposes a module `<app>/pending.py` with

    STAGES: tuple[Stage, ...]
    def pending_actions(*, today: date, entity_ids: Collection[int] | None = None)
        -> Iterable[PendingAction]

`compliance.reminders` finds these modules through the app registry (as
`org.permissions.rebuild_permissions` finds `rebuild_grants`), so the apps never import
`compliance`. A provider reads in bulk (a few queries whatever the number of documents) and
yields one action per thing that is waiting; the sweep decides which reminder, if any, is due
today. The types live here, beside `pmsystem.workflow`, because every app shares them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True, slots=True)
class Stage:
    """One kind of pending action.

    `label` names the stage and who acts ("Work plan: FRO approval"); `role` is the relation of
    the person whose action is due (staff, fro, sro, hod, panel, ...); `url_name` is a named
    route taking the document id, for the link in the email (None: the home page). `explain`,
    given an entity id, says what stands in the way of the action there today (None when
    nothing does): the reminder emails add it under the task, read when they are sent.
    `about_document` False: the action is not on a performance document (mandatory training),
    and the emails say so; `name_subject`, given a reminder's subject and a dict the caller
    keeps for one task's emails or one page's rows (for what it reads once there: a course's
    name), names what it is on ("Mandatory training: <course>"), read when the email is
    written."""

    code: str
    label: str
    role: str
    url_name: str | None = None
    explain: Callable[[int], str | None] | None = None
    about_document: bool = True
    name_subject: Callable[[str, dict], str] | None = None


@dataclass(frozen=True, slots=True)
class PendingAction:
    """Something that waits for `responsible_id` until `due`.

    `subject` is the stable identity of what the action is on, part of the reminder's unique
    key: `document_subject(cycle_id, staff_id)` for a performance document (stable before the
    work plan row exists), "rebuttal:<case id>" for a rebuttal case. `escalation` lists, week
    by week after the deadline, who is told besides the responsible person: week k goes to
    `escalation[min(k, len(escalation)) - 1]`, a (role, user ids) pair.
    """

    subject: str
    stage: str
    responsible_id: int
    due: datetime.date
    escalation: tuple[tuple[str, tuple[int, ...]], ...] = ()
    cycle_id: int | None = None
    staff_id: int | None = None
    document_id: int | None = None
    entity_id: int | None = None
    unit_id: int | None = None


def document_subject(cycle_id: int, staff_id: int) -> str:
    """A performance document is one per staff member per cycle: that pair identifies it even
    before its work plan is created."""
    return f"document:{cycle_id}:{staff_id}"


def document_escalation(
    fro_id: int | None, sro_id: int | None, hod_ids: Iterable[int]
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """docs/rules.md section 6: week 1 after the deadline the FRO, week 2 the SRO, week 3 and every
    week after it the HOD(s) of the staff member's entity."""
    return (
        ("fro", (fro_id,) if fro_id else ()),
        ("sro", (sro_id,) if sro_id else ()),
        ("hod", tuple(sorted(hod_ids))),
    )


@dataclass
class Task:
    """One line of a person's "My tasks": what to do (`label`), where (`url_name`, `url_args`),
    by when, and in which role. Every app contributes its own (pmsystem.registry)."""

    label: str
    url_name: str
    url_args: tuple[int, ...]
    due: datetime.date | None
    role: str

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)
