"""The reminder pipeline: the daily sweep that plans reminders, and the sending of them.

Rules (docs/rules.md section 6):

- **Which reminder, when.** Every app with deadlines yields its pending actions
  (`pmsystem.pending`). For each action the sweep finds the latest milestone reached today:
  - before the deadline (up to and on the due day): the smallest `d` of the cycle's
    `reminder_days_before` (a setting, default 14, 7, 1) with `due - d <= today`, kind
    "before-<d>", to the person whose action is due;
  - after it: week `k = (today - due - 1) // 7 + 1` (days 1–7 late are week 1, 8–14 week 2,
    ...), kind "overdue-<k>", to the person whose action is due **and** the escalation level
    of that week: week 1 the FRO, week 2 the SRO, week 3 and every later week the HOD(s) of
    the staff member's entity (for documents; other apps give their own chain). Someone who
    is both responsible and escalation level gets one email.
  Because the milestone is "the latest reached", a day the sweep did not run is caught up the
  next day, and an action that starts waiting after a milestone is reminded at once — but
  never twice for one milestone: the row's unique key (subject, stage, recipient, kind, due
  date) is already there. A new due date (an extended deadline) is a new key.
- **Exactly-once planning.** One sweep inserts all its rows with `bulk_create(
  ignore_conflicts=True)` (INSERT ... ON CONFLICT DO NOTHING) in one transaction, in key
  order (two concurrent sweeps wait on each other's rows instead of deadlocking), tagged
  with the sweep's `batch`. It enqueues only the rows of its own batch, after commit, in
  chunks of `CHUNK_SIZE` ids per task. A second sweep the same day inserts nothing and
  enqueues nothing.
- **At-most-once sending.** The email task claims each row (`UPDATE ... SET status='sending'
  WHERE id=%s AND status='pending'`, committed at once) and sends only when it changed one
  row, then marks it sent. A duplicated task, a retry or a message Celery redelivers after a
  worker died finds the row no longer pending and sends nothing. The price of claiming before
  sending: a worker killed between the claim and the SMTP hand-off leaves the row in
  "sending" and that one email is not sent — we choose that over sending it twice. Rows stuck
  in "sending" are visible in the admin, which can release them for resending by hand.
- Rows still pending `STALE_AFTER` after they were planned (the broker lost the task, or
  was down at commit) are enqueued again by the next sweep; the claim keeps that safe.
- **In the recipient's language.** Each email (subject, body) is written in the language of
  its recipient (`User.language`, read with the row), whoever planned it; a broadcast's own
  subject and message are sent as HR wrote them, in a frame in the recipient's language.
"""

from __future__ import annotations

import datetime
import functools
import time
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, pgettext_lazy

from org.models import Cycle, User
from org.services import DEFAULT_REMINDER_DAYS
from pmsystem import registry
from pmsystem.i18n import language_of
from pmsystem.pending import PendingAction, Stage

from .models import Reminder

CHUNK_SIZE = 500
INSERT_BATCH_SIZE = 2000
STALE_AFTER = datetime.timedelta(hours=1)
# The role a reminder reaches someone in, as said in the middle of a sentence ("waits for you
# as staff member").
ROLE_LABELS = {
    "staff": pgettext_lazy("reminder role", "staff member"),
    "fro": pgettext_lazy("reminder role", "FRO"),
    "sro": pgettext_lazy("reminder role", "SRO"),
    "hod": pgettext_lazy("reminder role", "HOD"),
    "hr": pgettext_lazy("reminder role", "HR focal point"),
    "panel": pgettext_lazy("reminder role", "panel member"),
}


# --- the registry of pending actions --------------------------------------------------------


def providers() -> tuple[ModuleType, ...]:
    """Every app's `pending` module (see `pmsystem.pending`), as registered in
    `pmsystem.registry` by the app itself."""
    return registry.pending_providers()


@functools.cache
def stages() -> dict[str, Stage]:
    """Every stage any app declares, by code."""
    registry: dict[str, Stage] = {}
    for module in providers():
        for stage in module.STAGES:
            if stage.code in registry:
                raise ValueError(f"stage {stage.code!r} is declared twice")
            registry[stage.code] = stage
    return registry


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    for module in providers():
        yield from module.pending_actions(today=today, entity_ids=entity_ids)


# --- which reminders are due today ----------------------------------------------------------


def milestone(
    action: PendingAction, *, today: datetime.date, days_before: Sequence[int]
) -> tuple[str, tuple[tuple[int, str], ...]] | None:
    """The latest milestone of `action` reached `today`, as (kind, ((recipient, role), ...)),
    or None before the first one. The responsible person comes first, with the stage's role.
    """
    role = stages()[action.stage].role
    responsible = ((action.responsible_id, role),)
    if today <= action.due:
        reached = [d for d in days_before if action.due - datetime.timedelta(days=d) <= today]
        if not reached:
            return None
        return f"before-{min(reached)}", responsible
    week = ((today - action.due).days - 1) // 7 + 1
    recipients = list(responsible)
    if action.escalation:
        level_role, user_ids = action.escalation[min(week, len(action.escalation)) - 1]
        recipients += [(uid, level_role) for uid in user_ids if uid != action.responsible_id]
    return f"overdue-{week}", tuple(recipients)


def milestone_start(kind: str, due: datetime.date) -> datetime.date:
    """The first day on which `kind` is the latest milestone of a deadline `due`."""
    name, _, step = kind.partition("-")
    if name == "before":
        return due - datetime.timedelta(days=int(step))
    return due + datetime.timedelta(days=7 * (int(step) - 1) + 1)


def reminder_days(cycle_days: Iterable) -> tuple[int, ...]:
    """The cycle's setting as positive whole days (an empty list: no advance reminders)."""
    return tuple(sorted({int(d) for d in cycle_days if int(d) > 0}, reverse=True))


# --- the sweep ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    today: datetime.date
    pending_actions: int
    planned: int  # rows this sweep inserted (new reminders)
    enqueued: int  # row ids handed to the email tasks (planned + stale pending rows)
    tasks: int
    plan_seconds: float  # from reading the pending actions to the commit
    seconds: float  # including enqueueing (and sending, when Celery runs eagerly)


def run_daily_sweep(today: datetime.date | None = None) -> SweepResult:
    """Plan today's reminders for the whole organisation and enqueue them after commit.

    Bulk reads (a few queries per app) and one multi-row INSERT per `INSERT_BATCH_SIZE` rows;
    safe to run twice or concurrently (see the module docstring)."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    now = timezone.now()
    batch = uuid.uuid4()
    days = {
        pk: reminder_days(value)
        for pk, value in Cycle.objects.filter(status=Cycle.Status.OPEN).values_list(
            "pk", "reminder_days_before"
        )
    }
    default_days = reminder_days(DEFAULT_REMINDER_DAYS)
    inactive = set(User.objects.filter(is_active=False).values_list("pk", flat=True))
    wanted: dict[tuple, tuple[PendingAction, str]] = {}
    earliest = today
    count = 0
    for action in pending_actions(today=today):
        count += 1
        found = milestone(
            action,
            today=today,
            days_before=days.get(action.cycle_id, default_days)
            if action.cycle_id
            else default_days,
        )
        if found is None:
            continue
        kind, recipients = found
        earliest = min(earliest, milestone_start(kind, action.due))
        for recipient_id, role in recipients:
            if recipient_id not in inactive:
                key = (action.subject, action.stage, recipient_id, kind, action.due)
                wanted.setdefault(key, (action, role))
    # Most days most reminders already exist (planned on an earlier day of their milestone):
    # leave them out before building rows. A row of a milestone can only have been planned
    # since the milestone began, so one indexed range of `planned_on` holds them all. The
    # INSERT still ignores conflicts (a sweep running at the same time).
    for key in Reminder.objects.filter(planned_on__gte=earliest).values_list(
        "subject", "stage", "recipient_id", "kind", "due_date"
    ):
        wanted.pop(key, None)
    rows = [
        Reminder(
            subject=subject,
            stage=stage,
            recipient_id=recipient_id,
            kind=kind,
            due_date=due,
            recipient_role=role,
            responsible_id=action.responsible_id,
            cycle_id=action.cycle_id,
            staff_id=action.staff_id,
            document_id=action.document_id,
            batch=batch,
            planned_on=today,
            created_at=now,
        )
        # Key order: two sweeps inserting the same keys lock them in the same order.
        for (subject, stage, recipient_id, kind, due), (action, role) in sorted(wanted.items())
    ]
    with transaction.atomic():
        Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH_SIZE)
        planned = list(
            Reminder.objects.filter(batch=batch).order_by("pk").values_list("pk", flat=True)
        )
        stale = list(
            Reminder.objects.filter(
                status=Reminder.Status.PENDING, created_at__lt=now - STALE_AFTER
            )
            .exclude(batch=batch)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ids = planned + stale
        tasks = enqueue_on_commit(ids)
        plan_seconds = time.perf_counter() - started
    return SweepResult(
        today=today,
        pending_actions=count,
        planned=len(planned),
        enqueued=len(ids),
        tasks=tasks,
        plan_seconds=plan_seconds,
        seconds=time.perf_counter() - started,
    )


def enqueue_on_commit(reminder_ids: Sequence[int]) -> int:
    """Hand the rows to the email task in chunks once the transaction commits; returns the
    number of tasks."""
    from .tasks import send_reminders as send_task

    chunks = [
        list(reminder_ids[i : i + CHUNK_SIZE]) for i in range(0, len(reminder_ids), CHUNK_SIZE)
    ]

    def enqueue() -> None:
        for chunk in chunks:
            send_task.delay(chunk)

    if chunks:
        transaction.on_commit(enqueue)
    return len(chunks)


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    skipped: int = 0  # not pending any more: sent, being sent or failed elsewhere
    failed: int = 0


def claim(reminder_id: int) -> bool:
    """Take the row for sending: true for exactly one caller, whatever the concurrency (the
    UPDATE is atomic and commits at once outside a transaction)."""
    return bool(
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING).update(
            status=Reminder.Status.SENDING, claimed_at=timezone.now()
        )
    )


def send_reminders(*, reminder_ids: Sequence[int]) -> SendResult:
    """Send each pending reminder of `reminder_ids` at most once (claim, send, mark sent).

    Deliberately not atomic: each claim must commit before its email leaves, so that another
    worker running the same ids sees it."""
    rows = {
        r.pk: r
        for r in Reminder.objects.filter(pk__in=list(reminder_ids), status=Reminder.Status.PENDING)
        .select_related(
            "recipient",
            "responsible",
            "staff__user",
            "cycle",
            "broadcast__entity",
            "broadcast__on_behalf_of",
            "broadcast__created_by",
        )
        .order_by("pk")
    }
    sent = failed = 0
    if not rows:
        return SendResult(skipped=len(reminder_ids))
    with get_connection(fail_silently=False) as connection:
        for pk, reminder in rows.items():
            if not claim(pk):
                continue
            if not reminder.recipient.is_active or not reminder.recipient.email:
                _finish(pk, Reminder.Status.FAILED, error="The recipient has no active account.")
                failed += 1
                continue
            try:
                message = build_message(reminder)
                message.connection = connection
                message.send()
            except Exception as error:  # the row records why; the other rows still go
                _finish(pk, Reminder.Status.FAILED, error=repr(error)[:2000])
                failed += 1
                continue
            _finish(pk, Reminder.Status.SENT)
            sent += 1
    return SendResult(sent=sent, skipped=len(reminder_ids) - sent - failed, failed=failed)


def _finish(pk: int, status: str, error: str = "") -> None:
    values = {"status": status, "error": error}
    if status == Reminder.Status.SENT:
        values["sent_at"] = timezone.now()
    Reminder.objects.filter(pk=pk, status=Reminder.Status.SENDING).update(**values)


# --- the message ----------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def reminder_link(reminder: Reminder) -> str:
    """Where the recipient acts: the document page of the stage, or their task list."""
    stage = stages().get(reminder.stage)
    if stage and stage.url_name and reminder.document_id:
        try:
            return reverse(stage.url_name, args=[reminder.document_id])
        except NoReverseMatch:
            pass
    return reverse("home")


def day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def describe(reminder: Reminder) -> dict:
    """What the email and the "My reminders" page say about a row, in the active language."""
    stage = stages().get(reminder.stage)
    kind, step = reminder.milestone
    staff_name = str(reminder.staff.user) if reminder.staff_id else ""
    about_self = reminder.staff_id == reminder.recipient_id
    label = str(stage.label) if stage else reminder.stage
    named = bool(staff_name and not about_self)
    values = {"date": day(reminder.due_date), "stage": label, "name": staff_name}
    if kind == "broadcast":
        title = reminder.broadcast.subject if reminder.broadcast_id else label
    elif kind == "before" and named:
        title = gettext("Due %(date)s: %(stage)s — %(name)s") % values
    elif kind == "before":
        title = gettext("Due %(date)s: %(stage)s") % values
    elif named:
        title = gettext("Overdue since %(date)s: %(stage)s — %(name)s") % values
    else:
        title = gettext("Overdue since %(date)s: %(stage)s") % values
    return {
        "kind": kind,
        "step": step,
        "title": title,
        "stage_label": label,
        "staff_name": staff_name,
        "about_self": about_self,
        "escalation": reminder.is_escalation,
        "role_label": ROLE_LABELS.get(reminder.recipient_role, reminder.recipient_role),
        "responsible_role_label": ROLE_LABELS.get(stage.role, stage.role) if stage else "",
        "link": reminder_link(reminder),
    }


def build_message(reminder: Reminder) -> EmailMessage:
    """The email of one reminder, in its recipient's language."""
    with translation.override(language_of(reminder.recipient)):
        return _build_message(reminder)


def _build_message(reminder: Reminder) -> EmailMessage:
    info = describe(reminder)
    days_left = (reminder.due_date - reminder.planned_on).days
    context = {
        "reminder": reminder,
        "info": info,
        "days_left": days_left,
        "days_late": -days_left,
        "url": absolute_url(info["link"]),
        "tasks_url": absolute_url(reverse("home")),
        "reminders_url": absolute_url(reverse("compliance:reminder-list")),
        "broadcast": reminder.broadcast,
    }
    body = render_to_string("compliance/email/reminder.txt", context)
    headers = {"X-Pmsystem-Reminder": str(reminder.pk)}
    reply_to = None
    if reminder.broadcast_id and reminder.broadcast.on_behalf_of.email:
        reply_to = [reminder.broadcast.on_behalf_of.email]
    return EmailMessage(
        subject=f"[pmsystem] {info['title']}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.recipient.email],
        headers=headers,
        reply_to=reply_to,
    )
