"""Staff on special schedules (docs/rules.md section 10): probation and technical-cooperation
contracts.

When each milestone is due is derived each day from the staff member's entry on duty and the
figures of a cycle (`org.schedules`, `schedules.selectors`); only what happened is stored: a
`ScheduleRecord` says the FRO held a milestone on a day, with a summary. The probationary
report (the milestone flagged `board`) is read by the entity's review board, whose members
comment on it (`ReportComment`); their comments on performance documents are `board`'s.

This app reads `org`, `workplans` and `feedback`; `board` and `compliance` read it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, StaffMember


class ScheduleRecord(models.Model):
    """The FRO held a milestone of a staff member's special schedule on `held_on`."""

    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="schedule_records",
        verbose_name=_("staff member"),
    )
    code = models.CharField(_("milestone"), max_length=32)
    # The cycle whose figures set the schedule when it was recorded, and the milestone's date
    # and kind then: the record keeps them if a cycle's figures change later.
    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cycle"),
    )
    due = models.DateField(_("due"))
    board = models.BooleanField(_("routed to the review board"), default=False)
    held_on = models.DateField(_("held on"))
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrected by"),
    )
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)

    class Meta:
        ordering = ["staff", "due", "code"]
        verbose_name = _("special-schedule record")
        verbose_name_plural = _("special-schedule records")
        constraints = [
            models.UniqueConstraint(fields=["staff", "code"], name="schedulerecord_one_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.staff}: {self.code} ({self.held_on})"


class ReportComment(models.Model):
    """A review board member's comment or recommendation on a probationary report; never
    edited."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        RECOMMENDATION = "recommendation", _("Recommendation")

    record = models.ForeignKey(
        ScheduleRecord,
        on_delete=models.CASCADE,
        related_name="board_comments",
        verbose_name=_("probationary report"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("review board comment on a probationary report")
        verbose_name_plural = _("review board comments on probationary reports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} ({self.created_at:%Y-%m-%d})"
