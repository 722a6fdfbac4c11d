"""End of cycle: self-evaluation, additional supervisors' comments, FRO ratings, SRO
approval, acknowledgement, roll-backs and performance improvement plans."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from org.models import AccountabilityQuestion, RatingLevel
from pmsystem.i18n import interpolate
from workplans.models import Competency, Goal, WorkPlan


class Appraisal(models.Model):
    """The end-of-cycle evaluation of a document (steps 6–9). State moves only through
    `appraisals.workflow`."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", pgettext_lazy("evaluation", "Not started")
        SELF_ASSESSMENT = "self_assessment", _("Self-evaluation")
        FRO_EVALUATION = "fro_evaluation", _("FRO evaluation")
        SRO_REVIEW = "sro_review", _("SRO review")
        ACKNOWLEDGEMENT = "acknowledgement", _("Awaiting acknowledgement")
        COMPLETED = "completed", pgettext_lazy("evaluation", "Completed")

    document = models.OneToOneField(
        WorkPlan,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="appraisal",
        verbose_name=_("document"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.NOT_STARTED
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    self_overall_comment = models.TextField(_("overall self-assessment"), blank=True)
    self_submitted_at = models.DateTimeField(
        _("self-evaluation submitted at"), null=True, blank=True
    )
    overall_rating = models.ForeignKey(
        RatingLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("overall rating"),
    )
    fro_overall_comment = models.TextField(_("FRO's overall comments"), blank=True)
    # A rebuttal panel may order FRO comments removed from the current version; the text
    # stays in the database (the history) and on the record of the panel's report.
    fro_overall_comment_removed = models.BooleanField(
        _("FRO's overall comments removed by the rebuttal panel"), default=False
    )
    # The FRO's comments on the managerial-accountability section (ILO; `AccountabilityAnswer`).
    fro_accountability_comment = models.TextField(
        _("FRO's comments on the managerial-accountability section"), blank=True
    )
    fro_signed_at = models.DateTimeField(_("signed by the FRO at"), null=True, blank=True)
    sro_comment = models.TextField(_("SRO's comments"), blank=True)
    sro_signed_at = models.DateTimeField(_("approved by the SRO at"), null=True, blank=True)
    staff_final_comment = models.TextField(_("staff member's final comments"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # The rating reports use: the FRO's, or a rebuttal panel's higher one.
    final_rating = models.ForeignKey(
        RatingLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("final rating"),
    )

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return interpolate(gettext("Evaluation of %(document)s"), {"document": self.document})

    @property
    def rebuttal_deadline(self) -> datetime.date | None:
        """The last day a rebuttal may be filed (setting: days after acknowledgement)."""
        if self.acknowledged_at is None:
            return None
        days = self.document.cycle.rebuttal_filing_days
        return self.acknowledged_at.date() + datetime.timedelta(days=days)


class GoalAssessment(models.Model):
    appraisal = models.ForeignKey(
        Appraisal,
        on_delete=models.CASCADE,
        related_name="goal_rows",
        verbose_name=_("appraisal"),
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, related_name="+", verbose_name=_("goal")
    )
    self_comment = models.TextField(_("self-evaluation"), blank=True)
    rating = models.ForeignKey(
        RatingLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rating"),
    )
    fro_comment = models.TextField(_("FRO's comments"), blank=True)
    fro_comment_removed = models.BooleanField(
        _("FRO's comments removed by the rebuttal panel"), default=False
    )

    class Meta:
        verbose_name = _("goal assessment")
        verbose_name_plural = _("goal assessments")
        ordering = ["goal__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "goal"], name="goalassessment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.goal}"


class CompetencyAssessment(models.Model):
    appraisal = models.ForeignKey(
        Appraisal,
        on_delete=models.CASCADE,
        related_name="competency_rows",
        verbose_name=_("appraisal"),
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency")
    )
    self_comment = models.TextField(_("self-evaluation"), blank=True)
    rating = models.ForeignKey(
        RatingLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("rating"),
    )
    fro_comment = models.TextField(_("FRO's comments"), blank=True)
    fro_comment_removed = models.BooleanField(
        _("FRO's comments removed by the rebuttal panel"), default=False
    )

    class Meta:
        verbose_name = _("competency assessment")
        verbose_name_plural = _("competency assessments")
        ordering = ["competency__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "competency"], name="competencyassessment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competency}"


class AccountabilityAnswer(models.Model):
    """The staff member's answer to a question of the cycle's managerial-accountability
    section (ILO: staff with supervisory responsibilities), written with the self-evaluation
    and signed with it."""

    appraisal = models.ForeignKey(
        Appraisal,
        on_delete=models.CASCADE,
        related_name="accountability_answers",
        verbose_name=_("appraisal"),
    )
    question = models.ForeignKey(
        AccountabilityQuestion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("question"),
    )
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("managerial-accountability answer")
        verbose_name_plural = _("managerial-accountability answers")
        ordering = ["question__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "question"], name="accountabilityanswer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question}"


class SupervisorComment(models.Model):
    """An accepted additional supervisor's end-of-cycle comments (never a rating)."""

    appraisal = models.ForeignKey(
        Appraisal,
        on_delete=models.CASCADE,
        related_name="supervisor_comments",
        verbose_name=_("appraisal"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("additional supervisor"),
    )
    comment = models.TextField(_("comments"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now=True)
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("additional supervisor's comments")
        verbose_name_plural = _("additional supervisors' comments")
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return interpolate(gettext("Comments of %(supervisor)s"), {"supervisor": self.supervisor})


class RollBack(models.Model):
    """An HR focal point returned a document to an earlier stage on an officer's written
    request. What was current after that stage is kept here, no longer current."""

    class Stage(models.TextChoices):
        WORK_PLAN = "work_plan", _("Work plan (back to draft)")
        MIDPOINT = "midpoint", _("Mid-point review (staff comments)")
        SELF_ASSESSMENT = "self_assessment", _("Self-evaluation")
        FRO_EVALUATION = "fro_evaluation", _("FRO evaluation")
        SRO_REVIEW = "sro_review", _("SRO review")

    # Who asked for the roll-back, as the record names them.
    REQUESTER_ROLES = {"fro": _("FRO"), "sro": _("SRO")}

    document = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="rollbacks", verbose_name=_("document")
    )
    target_stage = models.CharField(_("target stage"), max_length=16, choices=Stage.choices)
    from_state = models.CharField(_("from state"), max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requester_role = models.CharField(_("requester role"), max_length=8)
    reason = models.TextField(_("reason"))
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("performed by"),
    )
    performed_at = models.DateTimeField(_("performed at"), auto_now_add=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)

    class Meta:
        verbose_name = _("roll-back")
        verbose_name_plural = _("roll-backs")
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return interpolate(
            gettext("Roll-back of %(document)s to %(stage)s"),
            {
                "document": self.document,
                "stage": self.get_target_stage_display(),
            },
        )

    @property
    def requester_role_label(self) -> str:
        return self.REQUESTER_ROLES.get(self.requester_role, self.requester_role.upper())


class ImprovementPlan(models.Model):
    """A performance improvement plan (PIP) linked to the document."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("improvement plan", "Open")
        CLOSED = "closed", pgettext_lazy("improvement plan", "Closed")

    class Outcome(models.TextChoices):
        NONE = "", "—"
        IMPROVED = "improved", _("Performance improved to the expected level")
        PARTIAL = "partial", _("Partially improved")
        NOT_IMPROVED = "not_improved", _("Not improved")

    document = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="pips", verbose_name=_("document")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    objectives = models.TextField(_("objectives"))
    support = models.TextField(_("support"), help_text=_("Training, coaching and other support."))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    # The plan's timeline of review meetings (docs/rules.md §5): the FRO meets the staff member
    # at most this many days after the start or the last meeting.
    review_every_days = models.PositiveSmallIntegerField(
        _("review meetings every (days)"),
        default=30,
        db_default=30,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_comment = models.TextField(_("outcome comment"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("performance improvement plan")
        verbose_name_plural = _("performance improvement plans")
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="pip_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("PIP for %(name)s from %(start)s"),
            {
                "name": self.document.staff.user,
                "start": self.start,
            },
        )


class ImprovementPlanMeeting(models.Model):
    plan = models.ForeignKey(
        ImprovementPlan,
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("performance improvement plan"),
    )
    held_on = models.DateField(_("held on"))
    notes = models.TextField(_("notes"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("PIP review meeting")
        verbose_name_plural = _("PIP review meetings")
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return interpolate(gettext("Review meeting %(date)s"), {"date": self.held_on})
