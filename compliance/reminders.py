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
- **At-most-once sending.** The email task claims its chunk's rows in one statement
  (`UPDATE ... SET status='sending' WHERE id IN (...) AND status='pending' RETURNING id`,
  committed at once), sends only the rows it changed over one SMTP connection, and marks them
  sent every `MARK_EVERY` emails and at its end, one statement each (failed rows with their
  error; commits without waiting for the disk, `asynchronous_commit`). A duplicated task, a
  retry or a message Celery redelivers after a worker died finds the rows no longer pending
  and sends nothing. (Claiming and marking per email was two statements per email, most of
  the sending's time at 40,000 staff: issue 14.) The price of claiming before sending: a
  worker killed during its chunk leaves the rows it had not marked in "sending" (the unsent
  rest of the chunk, and at most `MARK_EVERY` emails that did leave) and does not send them
  again — we choose that over sending any twice. An exception that stops the loop, unlike a
  kill, marks what was sent and puts the rest back to pending. Rows stuck in "sending" are
  visible in the admin with their claim time, which can release them for resending by hand;
  each email carries its rows' ids (`X-Pmsystem-Reminder`, `X-Pmsystem-Digest`) to check
  against the mail server's log.
- Rows still pending `STALE_AFTER` after they were planned (the broker lost the task, or
  was down at commit) are enqueued again by the next sweep; the claim keeps that safe.
- **Digests.** A person whose email preference (`User.email_preference`, on their profile)
  is the daily digest gets their reminders and escalations of a day in one email, listing
  every document with its link (the same exactly-once claim per row: the digest holds the rows
  its worker claimed, and is one email however many workers run the chunk). The sweep keeps
  each recipient's rows in one chunk. Rows that reach a person who already had their email
  today (a second sweep the same day, a row released by hand) stay pending and go out with the
  next day's digest: one email a day. A single row is sent as the ordinary reminder; a
  broadcast always goes at once.
- **In the recipient's language.** Each email (subject, body) is written in the language of
  its recipient (`User.language`, read with the row), whoever planned it; a broadcast's own
  subject and message are sent as HR wrote them, in a frame in the recipient's language.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import time
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext, pgettext_lazy

from org.models import Cycle, User
from org.services import DEFAULT_REMINDER_DAYS
from pmsystem import registry
from pmsystem.db import InValues
from pmsystem.i18n import language_of
from pmsystem.links import Links
from pmsystem.pending import PendingAction, Stage

from .models import Broadcast, Reminder

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
    "colleague": pgettext_lazy("reminder role", "colleague"),
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
            Reminder.objects.filter(batch=batch).order_by("pk").values_list("pk", "recipient_id")
        )
        stale = list(
            Reminder.objects.filter(
                status=Reminder.Status.PENDING, created_at__lt=now - STALE_AFTER
            )
            .exclude(batch=batch)
            .order_by("pk")
            .values_list("pk", "recipient_id")
        )
        ids = planned + stale
        tasks = enqueue_chunks_on_commit(chunks_by_recipient(ids))
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
    return enqueue_chunks_on_commit(
        [list(reminder_ids[i : i + CHUNK_SIZE]) for i in range(0, len(reminder_ids), CHUNK_SIZE)]
    )


def chunks_by_recipient(rows: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The ids of (id, recipient id) rows in chunks of at most `CHUNK_SIZE`, each recipient's
    rows in one chunk (one worker writes their digest; a recipient with more rows than a
    chunk gets a chunk of their own)."""
    by_recipient: dict[int, list[int]] = defaultdict(list)
    for pk, recipient_id in sorted(rows, key=lambda row: (row[1], row[0])):
        by_recipient[recipient_id].append(pk)
    chunks: list[list[int]] = []
    current: list[int] = []
    for ids in by_recipient.values():
        if current and len(current) + len(ids) > CHUNK_SIZE:
            chunks.append(current)
            current = []
        current.extend(ids)
    if current:
        chunks.append(current)
    return chunks


def enqueue_chunks_on_commit(chunks: Sequence[list[int]]) -> int:
    """Hand each chunk of row ids to an email task once the transaction commits; returns the
    number of tasks."""
    from .tasks import send_reminders as send_task

    def enqueue() -> None:
        for chunk in chunks:
            send_task.delay(chunk)

    if chunks:
        transaction.on_commit(enqueue)
    return len(chunks)


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    sent: int = 0  # rows sent (in `emails` emails)
    skipped: int = 0  # not pending any more: sent, being sent or failed elsewhere
    failed: int = 0
    held: int = 0  # left pending for tomorrow's digest (the recipient had theirs today)
    emails: int = 0


def claim(reminder_id: int) -> bool:
    """Take the row for sending: true for exactly one caller, whatever the concurrency (the
    UPDATE is atomic and commits at once outside a transaction)."""
    return bool(claim_rows([reminder_id]))


def claim_rows(reminder_ids: Sequence[int]) -> set[int]:
    """Take for sending those of the rows (one email's) still pending, in one statement that
    commits at once: each row is returned to exactly one caller, whatever the concurrency."""
    if not reminder_ids:
        return set()
    table = connection.ops.quote_name(Reminder._meta.db_table)
    # The ids as one array on PostgreSQL (pmsystem.db.InValues): a placeholder per id made
    # each chunk's statement text thousands of characters long to send and parse.
    if connection.vendor == "postgresql":
        where, ids = "id = ANY(%s)", [list(reminder_ids)]
    else:
        where, ids = f"id IN ({', '.join(['%s'] * len(reminder_ids))})", list(reminder_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claimed_at = %s "  # noqa: S608 - fixed names
            f"WHERE {where} AND status = %s RETURNING id",
            [Reminder.Status.SENDING, timezone.now(), *ids, Reminder.Status.PENDING],
        )
        return {row[0] for row in cursor.fetchall()}


@contextlib.contextmanager
def asynchronous_commit() -> Iterator[None]:
    """On PostgreSQL, commit the sending's claims and marks without waiting for the disk
    (`synchronous_commit = off`, this connection only, until the end of the block).

    A commit is visible to every other worker at once either way: at-most-once against
    duplicated tasks and dead workers is unchanged. What the database server itself could
    lose in a crash is its last fraction of a second of claims (three times
    `wal_writer_delay`, 0.6 s by default): those rows would be pending again after its
    restart, and the next sweep would send them a second time. Without it every claim waited
    for a disk flush and the sending was bound by the disk (35 emails/s on this machine's
    durable PostgreSQL); a database crash is rarer than the daily sweep by far."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def send_reminders(*, reminder_ids: Sequence[int]) -> SendResult:
    """Send each pending reminder of `reminder_ids` at most once (claim, send, mark sent): one
    email per row, or one digest per recipient who chose it (see the module docstring).

    Deliberately not atomic: each claim must commit before its email leaves, so that another
    worker running the same ids sees it."""
    rows = {
        r.pk: r
        for r in Reminder.objects.filter(
            InValues("pk", reminder_ids), status=Reminder.Status.PENDING
        )
        .select_related(
            "recipient",
            "responsible",
            "staff__user",
            "staff__unit",  # its entity, for a stage's explanation (`Notes`)
            "cycle",
        )
        # Apart, and only when some rows are broadcasts: joined to every row, the broadcasts'
        # people were two hashes of the whole user table (51 -> 18 ms a chunk of 600 rows).
        .prefetch_related(
            Prefetch(
                "broadcast",
                queryset=Broadcast.objects.select_related("entity", "on_behalf_of", "created_by"),
            )
        )
        .order_by("pk")
    }
    if not rows:
        return SendResult(skipped=len(reminder_ids))
    singles: list[Reminder] = []
    digests: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in rows.values():
        if wants_digest(reminder):
            digests[reminder.recipient_id].append(reminder)
        else:
            singles.append(reminder)
    had_theirs = emailed_today(digests)
    waiting = [reminder.pk for recipient_id in had_theirs for reminder in digests.pop(recipient_id)]
    # Held: still pending for tomorrow (another copy of this chunk may have claimed some of
    # them meanwhile: those count as skipped).
    held = (
        Reminder.objects.filter(pk__in=waiting, status=Reminder.Status.PENDING).count()
        if waiting
        else 0
    )
    batches = [[reminder] for reminder in singles] + list(digests.values())
    with get_connection(fail_silently=False) as smtp, asynchronous_commit():
        taken = claim_rows([reminder.pk for batch in batches for reminder in batch])
        outcome = _Outcome()
        try:
            for batch in batches:
                claimed = [reminder for reminder in batch if reminder.pk in taken]
                if claimed:
                    _send_one(claimed, smtp, outcome)
        finally:  # a kill skips this: the rows stay "sending" (at most once)
            outcome.write()
            _release(taken - outcome.done)  # none, unless an exception stopped the loop
    return SendResult(
        sent=outcome.sent,
        skipped=len(reminder_ids) - outcome.sent - outcome.failed - held,
        failed=outcome.failed,
        held=held,
        emails=outcome.emails,
    )


# A task marks the rows it sent every this many emails, and at its end: a worker killed
# mid-chunk leaves at most this many emails' rows in "sending" that did leave.
MARK_EVERY = 50


@dataclass
class _Outcome:
    """What one task's loop did, written back every `MARK_EVERY` emails in one statement per
    status (and per error)."""

    sent: int = 0
    failed: int = 0
    emails: int = 0
    done: set[int] = field(default_factory=set)
    notes: Notes = field(default_factory=lambda: Notes())
    to_mark: list[Reminder] = field(default_factory=list)
    to_fail: dict[str, list[Reminder]] = field(default_factory=lambda: defaultdict(list))

    def succeeded(self, rows: list[Reminder]) -> None:
        self.to_mark += rows
        self.sent += len(rows)
        self.emails += 1
        if self.emails % MARK_EVERY == 0:
            self.write()

    def did_not(self, rows: list[Reminder], error: str) -> None:
        self.to_fail[error] += rows
        self.failed += len(rows)

    def write(self) -> None:
        _finish(self.to_mark, Reminder.Status.SENT)
        for error, rows in self.to_fail.items():
            _finish(rows, Reminder.Status.FAILED, error=error)
        self.done |= {reminder.pk for reminder in self.to_mark}
        self.done |= {reminder.pk for rows in self.to_fail.values() for reminder in rows}
        self.to_mark, self.to_fail = [], defaultdict(list)


def _send_one(claimed: list[Reminder], smtp: Any, outcome: _Outcome) -> None:
    """Send one email (a reminder, or a recipient's digest) of claimed rows over `smtp`."""
    recipient = claimed[0].recipient
    if not recipient.is_active or not recipient.email:
        outcome.did_not(claimed, "The recipient has no active account.")
        return
    try:
        message = (
            build_message(claimed[0], outcome.notes)
            if len(claimed) == 1
            else build_digest(claimed, outcome.notes)
        )
        message.connection = smtp
        message.send()
    except Exception as error:  # the rows record why; the other emails still go
        outcome.did_not(claimed, repr(error)[:2000])
        return
    outcome.succeeded(claimed)


def wants_digest(reminder: Reminder) -> bool:
    """A reminder or escalation to someone who chose the daily digest (a broadcast, written
    by HR for that day, always goes at once)."""
    return (
        not reminder.broadcast_id
        and reminder.kind != "broadcast"
        and reminder.recipient.email_preference == User.EmailPreference.DAILY_DIGEST
    )


def emailed_today(recipient_ids: Iterable[int]) -> set[int]:
    """Those of `recipient_ids` who already had a reminder email today (or one is being sent
    to them now): their further rows of the day wait for tomorrow's digest."""
    ids = list(recipient_ids)
    if not ids:
        return set()
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    return set(
        Reminder.objects.filter(
            recipient_id__in=ids,
            status__in=(Reminder.Status.SENDING, Reminder.Status.SENT),
            claimed_at__gte=start,
            broadcast__isnull=True,
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def _finish(reminders: Sequence[Reminder], status: str, error: str = "") -> None:
    """Mark claimed rows sent or failed (one statement)."""
    if not reminders:
        return
    values = {"status": status, "error": error}
    if status == Reminder.Status.SENT:
        values["sent_at"] = timezone.now()
    Reminder.objects.filter(
        InValues("pk", [reminder.pk for reminder in reminders]), status=Reminder.Status.SENDING
    ).update(**values)


def _release(reminder_ids: Collection[int]) -> None:
    """Put back to pending rows this task claimed and did not send (an exception stopped its
    loop): tomorrow's sweep, or a retry, sends them."""
    if reminder_ids:
        Reminder.objects.filter(pk__in=list(reminder_ids), status=Reminder.Status.SENDING).update(
            status=Reminder.Status.PENDING, claimed_at=None
        )


# --- the message ----------------------------------------------------------------------------


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def reminder_link(reminder: Reminder, links: Links | None = None) -> str:
    """Where the recipient acts: the document page of the stage, or their task list."""
    links = links or Links()
    stage = stages().get(reminder.stage)
    if stage and stage.url_name and reminder.document_id:
        try:
            return links(stage.url_name, reminder.document_id)
        except NoReverseMatch:
            pass
    return links("home")


def day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def describe(reminder: Reminder, memo: dict | None = None, links: Links | None = None) -> dict:
    """What the email and the "My reminders" page say about a row, in the active language.
    `memo`: what naming the subjects reads once for all of a task's emails or a page's rows
    (`Stage.name_subject`; without it, once for this row); `links`: the URLs reversed once
    for them (`Links`)."""
    stage = stages().get(reminder.stage)
    kind, step = reminder.milestone
    staff_name = str(reminder.staff.user) if reminder.staff_id else ""
    about_self = reminder.staff_id == reminder.recipient_id
    label = str(stage.label) if stage else reminder.stage
    if stage and stage.name_subject:
        label = stage.name_subject(reminder.subject, {} if memo is None else memo)
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
        "about_document": stage.about_document if stage else True,
        "escalation": reminder.is_escalation,
        "role_label": ROLE_LABELS.get(reminder.recipient_role, reminder.recipient_role),
        "responsible_role_label": ROLE_LABELS.get(stage.role, stage.role) if stage else "",
        "link": reminder_link(reminder, links),
    }


class Notes:
    """What stands in the way of each reminder's action (`Stage.explain`), read once per
    stage, entity and language for all the emails one task sends (a chunk's recipients are
    mostly of a few entities: a query per email would be a query per row)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int, str], str] = {}
        self.names: dict = {}  # `describe`'s memo for the same emails
        self.links = Links()  # and their URLs

    def __call__(self, reminder: Reminder) -> str:
        stage = stages().get(reminder.stage)
        if stage is None or stage.explain is None or reminder.staff_id is None:
            return ""
        entity_id = reminder.staff.unit.entity_id
        if entity_id is None:
            return ""
        key = (stage.code, entity_id, translation.get_language() or "")
        if key not in self._seen:
            self._seen[key] = stage.explain(entity_id) or ""
        return self._seen[key]


def build_message(reminder: Reminder, notes: Notes | None = None) -> EmailMessage:
    """The email of one reminder, in its recipient's language."""
    with translation.override(language_of(reminder.recipient)):
        return _build_message(reminder, notes or Notes())


def _build_message(reminder: Reminder, notes: Notes) -> EmailMessage:
    info = describe(reminder, notes.names, notes.links)
    days_left = (reminder.due_date - reminder.planned_on).days
    context = {
        "reminder": reminder,
        "info": info,
        "days_left": days_left,
        "days_late": -days_left,
        "url": absolute_url(info["link"]),
        "tasks_url": absolute_url(notes.links("home")),
        "reminders_url": absolute_url(notes.links("compliance:reminder-list")),
        "broadcast": reminder.broadcast,
        "note": notes(reminder),
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


def build_digest(reminders: Sequence[Reminder], notes: Notes | None = None) -> EmailMessage:
    """One email listing every reminder of `reminders` (all to one recipient), overdue ones
    first, each with its document's link, in the recipient's language."""
    recipient = reminders[0].recipient
    with translation.override(language_of(recipient)):
        items = []
        notes = notes or Notes()
        for reminder in sorted(reminders, key=lambda r: (r.due_date, r.stage, r.pk)):
            info = describe(reminder, notes.names, notes.links)
            items.append(
                {
                    "reminder": reminder,
                    "info": info,
                    "url": absolute_url(info["link"]),
                    "note": notes(reminder),
                }
            )
        count = len(items)
        context = {
            "recipient": recipient,
            "count": count,
            "overdue": [item for item in items if item["info"]["kind"] == "overdue"],
            "due": [item for item in items if item["info"]["kind"] != "overdue"],
            "tasks_url": absolute_url(notes.links("home")),
            "reminders_url": absolute_url(notes.links("compliance:reminder-list")),
            "profile_url": absolute_url(notes.links("org:profile")),
        }
        body = render_to_string("compliance/email/digest.txt", context)
        subject = ngettext(
            "Today's reminders: %(count)s action waits for you",
            "Today's reminders: %(count)s actions wait for you",
            count,
        ) % {"count": count}
    return EmailMessage(
        subject=f"[pmsystem] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"X-Pmsystem-Digest": ",".join(str(r.pk) for r in reminders)},
    )
