"""Work plans: the performance document, goals (unit and personal), competencies,
development goals, additional supervisors, check-ins, the mid-point review, signatures
and the document's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, OrgUnit, StaffMember
from pmsystem.i18n import interpolate
from pmsystem.stages import Stage


class Competency(models.Model):
    """An entry of a competency catalogue (seeded data, chosen per cycle)."""

    class Kind(models.TextChoices):
        CORE_VALUE = "core_value", _("Core value")
        CORE_COMPETENCY = "core_competency", _("Core competency")
        MANAGERIAL = "managerial", _("Managerial competency")
        VALUE = "value", _("Value")
        BEHAVIOUR = "behaviour", _("Behaviour")

    ALWAYS_INCLUDED = {Kind.CORE_VALUE, Kind.VALUE}

    framework = models.CharField(_("framework"), max_length=4, choices=Cycle.Framework.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["framework", "position"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
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
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="work_plans",
        verbose_name=_("staff"),
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="work_plans", verbose_name=_("cycle")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    # Where the whole document is (pmsystem.stages): set by the service that moves it, so the
    # freeze table, lists and reports read it from this row.
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.WORK_PLAN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_comment = models.TextField(_("return comment"), blank=True)
    competencies = models.ManyToManyField(
        Competency, blank=True, related_name="+", verbose_name=_("competencies")
    )

    class Meta:
        ordering = ["cycle", "staff"]
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        constraints = [
            models.UniqueConstraint(fields=["staff", "cycle"], name="workplan_one_per_cycle")
        ]
        indexes = [
            models.Index(fields=["cycle", "state"]),
            models.Index(fields=["cycle", "stage"]),
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("Work plan %(cycle)s — %(name)s"),
            {
                "cycle": self.cycle,
                "name": self.staff.user,
            },
        )

    @property
    def is_editable_by_staff(self) -> bool:
        return self.state in {self.State.DRAFT, self.State.RETURNED}


class Goal(models.Model):
    """A goal of an org unit's work plan or of a staff member's work plan.

    `aligned_to` links a goal to a goal of the level above, so alignment is a tree from
    the entity's goals down to each person's.
    """

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="goals", verbose_name=_("cycle")
    )
    owner_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("owner unit"),
    )
    work_plan = models.ForeignKey(
        WorkPlan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("work plan"),
    )
    aligned_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aligned_goals",
        verbose_name=_("aligned to"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    success_criteria = models.TextField(_("success criteria"), blank=True)
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_current = models.BooleanField(_("is current"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
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
        ADDED = "added", _("Added")
        CHANGED = "changed", _("Changed")
        REMOVED = "removed", _("Removed")

    work_plan = models.ForeignKey(
        WorkPlan,
        on_delete=models.CASCADE,
        related_name="goal_changes",
        verbose_name=_("work plan"),
    )
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="changes", verbose_name=_("goal")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    after_approval = models.BooleanField(_("after approval"), default=False)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("goal change")
        verbose_name_plural = _("goal changes")

    def __str__(self) -> str:
        return interpolate(
            gettext("%(kind)s %(goal)s (%(date)s)"),
            {
                "kind": self.get_kind_display(),
                "goal": self.goal,
                "date": self.changed_at.date().isoformat(),
            },
        )

    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return [key for key in sorted({*before, *after}) if before.get(key) != after.get(key)]


class DevelopmentGoal(models.Model):
    work_plan = models.ForeignKey(
        WorkPlan,
        on_delete=models.CASCADE,
        related_name="development_goals",
        verbose_name=_("work plan"),
    )
    title = models.CharField(_("title"), max_length=200)
    activities = models.TextField(
        _("activities"),
        blank=True,
        help_text=_("Learning activities, training, coaching."),
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("development goal")
        verbose_name_plural = _("development goals")

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
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (State.PROPOSED, State.ACCEPTED)

    work_plan = models.ForeignKey(
        WorkPlan,
        on_delete=models.CASCADE,
        related_name="additional_supervisors",
        verbose_name=_("work plan"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervision_requests",
        verbose_name=_("supervisor"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["proposed_at"]
        verbose_name = _("additional supervisor")
        verbose_name_plural = _("additional supervisors")
        constraints = [
            models.UniqueConstraint(
                fields=["work_plan", "supervisor"],
                condition=Q(state__in=["proposed", "accepted"]),
                name="additionalsupervisor_once_while_active",
            )
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("%(supervisor)s (%(state)s)"),
            {
                "supervisor": self.supervisor,
                "state": self.get_state_display(),
            },
        )


class CheckIn(models.Model):
    """A dated note between the staff member and the FRO, private to the two of them."""

    work_plan = models.ForeignKey(
        WorkPlan, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("work plan")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    held_on = models.DateField(_("held on"))
    note = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("check in")
        verbose_name_plural = _("check ins")

    def __str__(self) -> str:
        return interpolate(gettext("Check-in %(date)s"), {"date": self.held_on.isoformat()})


class MidpointReview(models.Model):
    """Steps 3–5: staff comments, FRO comments, FRO finalises. Signed and read-only after."""

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        OPEN = "open", _("Open for the staff member's comments")
        STAFF_SUBMITTED = "staff_submitted", _("Awaiting the FRO's comments")
        FINALISED = "finalised", _("Finalised")

    work_plan = models.OneToOneField(
        WorkPlan, on_delete=models.CASCADE, related_name="midpoint", verbose_name=_("work plan")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.NOT_STARTED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    staff_comments = models.TextField(_("staff comments"), blank=True)
    staff_submitted_at = models.DateTimeField(_("staff submitted at"), null=True, blank=True)
    fro_comments = models.TextField(_("fro comments"), blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("midpoint review")
        verbose_name_plural = _("midpoint reviews")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return interpolate(
            gettext("Mid-point review of %(work_plan)s"), {"work_plan": self.work_plan}
        )

    def content(self) -> dict:
        return {"staff_comments": self.staff_comments, "fro_comments": self.fro_comments}
