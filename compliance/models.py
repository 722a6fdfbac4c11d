"""Reminders and broadcasts: every email the reminder pipeline sends is one `Reminder` row.

The row's unique key (subject, stage, recipient, kind, due date) is what makes a reminder
exactly-once to plan: the daily sweep inserts with ON CONFLICT DO NOTHING, so a second sweep,
or two at once, plan nothing new. Sending is at most once: the email task claims the row
(pending → sending) before it sends and marks it sent after (see `compliance.reminders`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, OrgUnit, StaffMember
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
        return gettext("%(kind)s %(stage)s for %(recipient)s (due %(date)s)") % {
            "kind": self.kind,
            "stage": self.stage,
            "recipient": self.recipient_id,
            "date": str(self.due_date),
        }

    @property
    def milestone(self) -> tuple[str, int]:
        """("before", days) / ("overdue", week) / ("broadcast", 0)."""
        kind, _, step = self.kind.partition("-")
        return kind, int(step or 0)

    @property
    def is_escalation(self) -> bool:
        return self.responsible_id is not None and self.recipient_id != self.responsible_id
