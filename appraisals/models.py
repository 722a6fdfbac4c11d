"""End of cycle: self-evaluation, additional supervisors' comments, FRO ratings, SRO
approval, acknowledgement, roll-backs and performance improvement plans."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models

from org.models import RatingLevel
from workplans.models import Competency, Goal, WorkPlan


class Appraisal(models.Model):
    """The end-of-cycle evaluation of a document (steps 6–9). State moves only through
    `appraisals.workflow`."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        SELF_ASSESSMENT = "self_assessment", "Self-evaluation"
        FRO_EVALUATION = "fro_evaluation", "FRO evaluation"
        SRO_REVIEW = "sro_review", "SRO review"
        ACKNOWLEDGEMENT = "acknowledgement", "Awaiting acknowledgement"
        COMPLETED = "completed", "Completed"

    ORDER = [s.value for s in State]

    document = models.OneToOneField(
        WorkPlan, on_delete=models.CASCADE, primary_key=True, related_name="appraisal"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.NOT_STARTED)
    started_at = models.DateTimeField(null=True, blank=True)
    self_overall_comment = models.TextField(blank=True)
    self_submitted_at = models.DateTimeField(null=True, blank=True)
    overall_rating = models.ForeignKey(
        RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fro_overall_comment = models.TextField(blank=True)
    # A rebuttal panel may order FRO comments removed from the current version; the text
    # stays in the database (the history) and on the record of the panel's report.
    fro_overall_comment_removed = models.BooleanField(default=False)
    fro_signed_at = models.DateTimeField(null=True, blank=True)
    sro_comment = models.TextField(blank=True)
    sro_signed_at = models.DateTimeField(null=True, blank=True)
    staff_final_comment = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The rating reports use: the FRO's, or a rebuttal panel's higher one.
    final_rating = models.ForeignKey(
        RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"Evaluation of {self.document}"

    def stage_reached(self, state: str) -> bool:
        return self.ORDER.index(self.state) >= self.ORDER.index(state)

    @property
    def rebuttal_deadline(self) -> datetime.date | None:
        """The last day a rebuttal may be filed (setting: days after acknowledgement)."""
        if self.acknowledged_at is None:
            return None
        days = self.document.cycle.rebuttal_filing_days
        return self.acknowledged_at.date() + datetime.timedelta(days=days)


class GoalAssessment(models.Model):
    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="goal_rows")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    self_comment = models.TextField(blank=True)
    rating = models.ForeignKey(
        RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fro_comment = models.TextField(blank=True)
    fro_comment_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["goal__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "goal"], name="goalassessment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.goal}"


class CompetencyAssessment(models.Model):
    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="competency_rows"
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    self_comment = models.TextField(blank=True)
    rating = models.ForeignKey(
        RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fro_comment = models.TextField(blank=True)
    fro_comment_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["competency__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "competency"], name="competencyassessment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competency}"


class SupervisorComment(models.Model):
    """An accepted additional supervisor's end-of-cycle comments (never a rating)."""

    appraisal = models.ForeignKey(
        Appraisal, on_delete=models.CASCADE, related_name="supervisor_comments"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField()
    submitted_at = models.DateTimeField(auto_now=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"Comments of {self.supervisor}"


class RollBack(models.Model):
    """An HR focal point returned a document to an earlier stage on an officer's written
    request. What was current after that stage is kept here, no longer current."""

    class Stage(models.TextChoices):
        WORK_PLAN = "work_plan", "Work plan (back to draft)"
        MIDPOINT = "midpoint", "Mid-point review (staff comments)"
        SELF_ASSESSMENT = "self_assessment", "Self-evaluation"
        FRO_EVALUATION = "fro_evaluation", "FRO evaluation"
        SRO_REVIEW = "sro_review", "SRO review"

    document = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="rollbacks")
    target_stage = models.CharField(max_length=16, choices=Stage.choices)
    from_state = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requester_role = models.CharField(max_length=8)
    reason = models.TextField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return f"Roll-back of {self.document} to {self.get_target_stage_display()}"


class ImprovementPlan(models.Model):
    """A performance improvement plan (PIP) linked to the document."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        NONE = "", "—"
        IMPROVED = "improved", "Performance improved to the expected level"
        PARTIAL = "partial", "Partially improved"
        NOT_IMPROVED = "not_improved", "Not improved"

    document = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="pips")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    objectives = models.TextField()
    support = models.TextField(help_text="Training, coaching and other support.")
    start = models.DateField()
    end = models.DateField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_comment = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="pip_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"PIP for {self.document.staff.user} from {self.start}"


class ImprovementPlanMeeting(models.Model):
    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField()
    notes = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"Review meeting {self.held_on}"
