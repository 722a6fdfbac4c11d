"""Reminders and broadcasts: every email the reminder pipeline sends is one `Reminder` row.

The row's unique key (subject, stage, recipient, kind, due date) is what makes a reminder
exactly-once to plan: the daily sweep inserts with ON CONFLICT DO NOTHING, so a second sweep,
or two at once, plan nothing new. Sending is at most once: the email task claims the row
(pending → sending) before it sends and marks it sent after (see `compliance.reminders`).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, OrgUnit, StaffMember
from pmsystem.i18n import interpolate
from workplans.models import WorkPlan


class Broadcast(models.Model):
    """A message from an HR focal point to everyone in an entity (or unit) with a pending
    action at one stage, sent on behalf of the HOD or another senior manager."""

    entity = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="broadcasts",
        limit_choices_to={"kind": "entity"},
        verbose_name=_("department, office or mission"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_broadcasts",
        verbose_name=_("unit"),
    )
    stage = models.CharField(_("stage"), max_length=32)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    subject = models.CharField(_("subject"), max_length=150)
    message = models.TextField(_("message"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="broadcasts_sent",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # The preview's token: posting the same form twice (double click, back button) finds the
    # broadcast already made instead of making a second one.
    token = models.UUIDField(_("token"), unique=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["entity", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} ({self.entity.code}, {self.created_at:%Y-%m-%d})"

    @property
    def subject_key(self) -> str:
        return f"broadcast:{self.pk}"


class Reminder(models.Model):
    """One email to one person: a reminder before a deadline, an escalation after it, or a
    broadcast.

    `kind` is the milestone: "before-14" (14 days before `due_date`), "overdue-2" (the second
    week after it) or "broadcast". `subject` identifies what the action is on (see
    `pmsystem.pending`); for a broadcast it is "broadcast:<id>" and `due_date` the day it was
    sent, so a broadcast reaches each person once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending (claimed)")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    subject = models.CharField(_("about"), max_length=48)
    stage = models.CharField(_("stage"), max_length=32)
    # Indexed by (recipient, -sent_at) below, which also serves the foreign key.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=16)
    due_date = models.DateField(_("due date"))
    # What the recipient is told as: the responsible person's relation (staff, fro, sro, ...)
    # or the escalation level that brought them in.
    recipient_role = models.CharField(_("recipient's role"), max_length=16)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("whose action is due"),
    )
    cycle = models.ForeignKey(
        Cycle,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("cycle"),
    )
    staff = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
    )
    document = models.ForeignKey(
        WorkPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("performance document"),
    )
    broadcast = models.ForeignKey(
        Broadcast,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("broadcast"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    # The sweep or broadcast that inserted the row: each enqueues only the rows it inserted.
    batch = models.UUIDField(_("batch"), default=uuid.uuid4)
    planned_on = models.DateField(_("planned on"))
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "stage", "recipient", "kind", "due_date"],
                name="reminder_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["batch"]),
            models.Index(fields=["planned_on"], name="reminder_planned_on"),
            models.Index(fields=["recipient", "-sent_at"], name="reminder_recipient_sent"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="reminder_pending_created",
            ),
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("%(kind)s %(stage)s for %(recipient)s (due %(date)s)"),
            {
                "kind": self.kind,
                "stage": self.stage,
                "recipient": self.recipient_id,
                "date": str(self.due_date),
            },
        )

    @property
    def milestone(self) -> tuple[str, int]:
        """("before", days) / ("overdue", week) / ("broadcast", 0)."""
        kind, _, step = self.kind.partition("-")
        return kind, int(step or 0)

    @property
    def is_escalation(self) -> bool:
        return self.responsible_id is not None and self.recipient_id != self.responsible_id


# --- the compliance summary, maintained by PostgreSQL triggers (compliance/summary.py) -------

SUMMARY_STAGES = ("workplan", "midpoint", "evaluation", "acknowledgement")
# Per stage: done, in progress, done on time (the dashboard's counters, compliance.dashboard).
SUMMARY_COUNTERS = tuple(
    f"{stage}_{figure}" for stage in SUMMARY_STAGES for figure in ("done", "in_progress", "on_time")
)


class _SummaryKey(models.Model):
    """What a staff member is counted under in a cycle: their unit, category and gender now,
    and their due dates (the cycle's; later for staff who joined late or were given an
    extension), kept as buckets so that "overdue" is decided by today's date when the figures
    are read."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=8)
    gender = models.CharField(max_length=1)
    workplan_due = models.DateField()
    midpoint_due = models.DateField()
    end_of_cycle_due = models.DateField()  # the evaluation's and the acknowledgement's

    class Meta:
        abstract = True


def _counter_fields(field_class) -> dict[str, models.Field]:
    return {
        "total": field_class(default=0),
        **{name: field_class(default=0) for name in SUMMARY_COUNTERS},
    }


class StageLedger(_SummaryKey):
    """One row per staff member counted in a cycle (the dashboard's population): the key they
    are counted under and their 0/1 contribution to each counter, written only by the
    triggers of compliance/summary.py. It is what a change subtracts before adding the
    person's new contribution."""

    staff = models.ForeignKey(
        StaffMember, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The unit's entity (EntitySummary's key).
    entity = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The final rating of a completed evaluation (the ratings distribution), else null.
    final_rating_id = models.BigIntegerField(null=True)
    locals().update(_counter_fields(models.SmallIntegerField))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "cycle"], name="stageledger_one_per_cycle")
        ]

    def __str__(self) -> str:
        return f"staff {self.staff_id}, cycle {self.cycle_id}"


class StageSummary(_SummaryKey):
    """The dashboard's counters summed per cycle, unit, category, gender and due dates: kept
    equal to the aggregate over the base tables by PostgreSQL triggers, in the same
    transaction as every change of a document, staff member, cycle or deadline extension
    (compliance/summary.py; `manage.py check_compliance_summary` compares and repairs)."""

    locals().update(_counter_fields(models.IntegerField))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "cycle",
                    "unit",
                    "category",
                    "gender",
                    "workplan_due",
                    "midpoint_due",
                    "end_of_cycle_due",
                ],
                name="stagesummary_one_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"cycle {self.cycle_id}, unit {self.unit_id}, {self.category}/{self.gender}"


class EntitySummary(models.Model):
    """StageSummary summed per entity instead of unit: what the dashboard over every entity
    (and one entity) reads, a few hundred rows."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    entity = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=8)
    gender = models.CharField(max_length=1)
    workplan_due = models.DateField()
    midpoint_due = models.DateField()
    end_of_cycle_due = models.DateField()
    locals().update(_counter_fields(models.IntegerField))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "cycle",
                    "entity",
                    "category",
                    "gender",
                    "workplan_due",
                    "midpoint_due",
                    "end_of_cycle_due",
                ],
                name="entitysummary_one_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"cycle {self.cycle_id}, entity {self.entity_id}, {self.category}/{self.gender}"


class RatingSummary(models.Model):
    """Completed evaluations per final rating level, entity and category (the ratings
    distribution), maintained with StageSummary."""

    level = models.ForeignKey(
        "org.RatingLevel", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    entity = models.ForeignKey(
        OrgUnit, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    category = models.CharField(max_length=8)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "entity", "category"], name="ratingsummary_one_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"level {self.level_id}, entity {self.entity_id}, {self.category}: {self.n}"


# The end date of a reporting line without one, in the FRO summary's key (a unique key may
# not hold a null as an equal value on every supported PostgreSQL).
OPEN_END = datetime.date(9999, 12, 31)


def _unindexed_key(to: type[models.Model]) -> models.ForeignKey:
    """A key of the FRO tables: no constraint, and no index of its own (the ledger's and the
    summary's own keys index them)."""
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )


class _FroKey(models.Model):
    """What a reporting line is counted under: its cycle, the entity of its staff member, its
    FRO and its dates."""

    cycle = _unindexed_key(Cycle)
    entity = _unindexed_key(OrgUnit)
    fro = _unindexed_key(StaffMember)
    effective_from = models.DateField()
    effective_to = models.DateField()  # OPEN_END when the line has no end

    class Meta:
        abstract = True


class FroLedger(_FroKey):
    """One row per reporting line of an active staff member whose unit has an entity: the
    entity, the FRO and the line's dates, written only by the triggers of
    compliance/summary.py. It is what a change subtracts from FroSummary before adding the
    person's lines as they now are."""

    staff = _unindexed_key(StaffMember)

    class Meta:
        indexes = [models.Index(fields=["staff", "cycle"], name="froledger_staff_cycle")]

    def __str__(self) -> str:
        return f"staff {self.staff_id}, cycle {self.cycle_id}: FRO {self.fro_id}"


class FroSummary(_FroKey):
    """How many lines of active staff of an entity each FRO holds per cycle and dates: the
    ratings standards' "FROs of the entity today" (standards.selectors.standards_status) is
    the FROs with a row in effect on the day, a few thousand rows at 40,000 staff where the
    lines are 40,000. Kept by the same triggers as StageSummary; the dates are read against
    today (or the cycle's start) when the figures are read."""

    lines = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "entity", "fro", "effective_from", "effective_to"],
                name="frosummary_one_per_key",
            )
        ]
        indexes = [
            # Whether one FRO is an FRO of the entity (the acknowledgements counted, one
            # probe each: 5.7 -> 0.7 ms at 40,000 staff, where a hash of every row was built).
            models.Index(fields=["fro", "cycle", "entity"], name="frosummary_fro"),
        ]

    def __str__(self) -> str:
        return f"cycle {self.cycle_id}, entity {self.entity_id}, FRO {self.fro_id}: {self.lines}"
