"""Work plans: the performance document, goals (unit and personal), competencies,
development goals, additional supervisors, check-ins, the mid-point review, signatures
and the document's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from org.models import Cycle, OrgUnit, StaffMember


class Competency(models.Model):
    """An entry of a competency catalogue (seeded data, chosen per cycle)."""

    class Kind(models.TextChoices):
        CORE_VALUE = "core_value", "Core value"
        CORE_COMPETENCY = "core_competency", "Core competency"
        MANAGERIAL = "managerial", "Managerial competency"
        VALUE = "value", "Value"
        BEHAVIOUR = "behaviour", "Behaviour"

    ALWAYS_INCLUDED = {Kind.CORE_VALUE, Kind.VALUE}

    framework = models.CharField(max_length=4, choices=Cycle.Framework.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="competency_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def always_included(self) -> bool:
        return self.kind in self.ALWAYS_INCLUDED


class WorkPlan(models.Model):
    """The performance document of one staff member for one cycle (its work-plan stage).

    The state is moved only by `workplans.workflow` through the services.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        APPROVED = "approved", "Approved"

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="work_plans")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="work_plans")
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(blank=True)
    competencies = models.ManyToManyField(Competency, blank=True, related_name="+")

    class Meta:
        ordering = ["cycle", "staff"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "cycle"], name="workplan_one_per_cycle")
        ]
        indexes = [models.Index(fields=["cycle", "state"])]
        permissions = [
            ("act_as_staff", "Act as the staff member of the document"),
            ("act_as_fro", "Act as the FRO of the document"),
            ("act_as_sro", "Act as the SRO of the document"),
            ("act_as_additional_supervisor", "Act as an additional supervisor of the document"),
        ]

    def __str__(self) -> str:
        return f"Work plan {self.cycle} — {self.staff.user}"

    @property
    def is_editable_by_staff(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.RETURNED}


class WorkPlanUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(WorkPlan, on_delete=models.CASCADE)


class WorkPlanGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WorkPlan, on_delete=models.CASCADE)


class Goal(models.Model):
    """A goal of an org unit's work plan or of a staff member's work plan.

    `aligned_to` links a goal to a goal of the level above, so alignment is a tree from
    the entity's goals down to each person's.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="goals")
    owner_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    work_plan = models.ForeignKey(
        WorkPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    aligned_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="aligned_goals"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    success_criteria = models.TextField(blank=True)
    expected_date = models.DateField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_unit__isnull=False) & Q(work_plan__isnull=True))
                | (Q(owner_unit__isnull=True) & Q(work_plan__isnull=False)),
                name="goal_owned_by_unit_or_work_plan",
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__lte=100), name="goal_weight_max_100"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_unit", "cycle"]),
            models.Index(fields=["aligned_to", "is_current"]),
        ]

    def __str__(self) -> str:
        return self.title

    def content(self) -> dict:
        """What a signature hashes and the history compares."""
        return {
            "title": self.title,
            "description": self.description,
            "success_criteria": self.success_criteria,
            "expected_date": self.expected_date.isoformat() if self.expected_date else None,
            "weight": self.weight,
            "aligned_to": self.aligned_to_id,
        }


class GoalChange(models.Model):
    """History of a personal goal: who changed what, when, before and after."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Removed"

    work_plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="goal_changes")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    after_approval = models.BooleanField(default=False)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.goal} ({self.changed_at:%Y-%m-%d})"

    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return [key for key in sorted({*before, *after}) if before.get(key) != after.get(key)]


class DevelopmentGoal(models.Model):
    work_plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="development_goals"
    )
    title = models.CharField(max_length=200)
    activities = models.TextField(blank=True, help_text="Learning activities, training, coaching.")
    target_date = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def content(self) -> dict:
        return {
            "title": self.title,
            "activities": self.activities,
            "target_date": self.target_date.isoformat() if self.target_date else None,
        }


class AdditionalSupervisor(models.Model):
    """A supervisor proposed by the staff member; comments at the end of cycle, never rates."""

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (State.PROPOSED, State.ACCEPTED)

    work_plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="additional_supervisors"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_requests"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROPOSED)
    proposed_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "supervisor"],
                condition=Q(state__in=["proposed", "accepted"]),
                name="additionalsupervisor_once_while_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} ({self.get_state_display()})"


class CheckIn(models.Model):
    """A dated note between the staff member and the FRO (the SRO reads; nobody else)."""

    work_plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Check-in {self.held_on}"


class MidpointReview(models.Model):
    """Steps 3–5: staff comments, FRO comments, FRO finalises. Signed and read-only after."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        OPEN = "open", "Open for the staff member's comments"
        STAFF_SUBMITTED = "staff_submitted", "Awaiting the FRO's comments"
        FINALISED = "finalised", "Finalised"

    work_plan = models.OneToOneField(WorkPlan, on_delete=models.CASCADE, related_name="midpoint")
    state = models.CharField(max_length=16, choices=State.choices, default=State.NOT_STARTED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    staff_comments = models.TextField(blank=True)
    staff_submitted_at = models.DateTimeField(null=True, blank=True)
    fro_comments = models.TextField(blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"Mid-point review of {self.work_plan}"

    def content(self) -> dict:
        return {"staff_comments": self.staff_comments, "fro_comments": self.fro_comments}


class Signature(models.Model):
    """Who signed which stage, in which role (acting for whom), when, and the SHA-256 of the
    stage's content at that moment. Voided, never deleted, by a roll-back."""

    document = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="signatures")
    stage = models.CharField(max_length=32)
    action = models.CharField(max_length=32)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32)
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]
        indexes = [models.Index(fields=["document", "stage"])]

    def __str__(self) -> str:
        who = f"{self.signer} acting for {self.acting_for}" if self.acting_for_id else self.signer
        return f"{self.stage}/{self.action} signed by {who}"

    # Labels for people: the stage a signature closes and what the signer did. The stages of
    # later apps are listed here too, so every page and PDF reads the same words.
    STAGE_LABELS = {
        "work_plan": "Work plan",
        "midpoint": "Mid-point review",
        "self_assessment": "Self-evaluation",
        "fro_evaluation": "FRO evaluation",
        "sro_review": "SRO review",
        "acknowledgement": "Acknowledgement",
    }
    ACTION_LABELS = {
        "submit": "Submitted",
        "approve": "Approved",
        "return": "Returned for changes",
        "submit_midpoint": "Staff comments signed",
        "finalise_midpoint": "Finalised",
        "submit_self_evaluation": "Submitted",
        "sign_evaluation": "Signed",
        "approve_evaluation": "Approved",
        "return_to_fro": "Returned to the FRO",
        "acknowledge": "Acknowledged",
    }
    ROLE_LABELS = {"staff": "Staff member", "fro": "FRO", "sro": "SRO"}

    @property
    def stage_label(self) -> str:
        return self.STAGE_LABELS.get(self.stage, self.stage)

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)

    @property
    def role_label(self) -> str:
        return self.ROLE_LABELS.get(self.role, self.role.upper())


class DocumentEvent(models.Model):
    """The document's timeline: append-only (the application never edits or deletes a row)."""

    document = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=48)
    summary = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)
