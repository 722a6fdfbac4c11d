"""Mandatory training (docs/rules.md section 10; the UN's "Performance Management and
Development (overview programme required for all managers and supervisors)", senior leaders'
programmes "to be taken within the first 6 months").

A `Course` of the catalogue says who must take it (its audience), by when (months after
appointment, after first becoming an FRO/SRO, or after taking up the role) and for how long a
completion counts (validity). A `Completion` records that someone completed it on a day:
imported from the learning system or recorded by HR. Nothing else is stored: who must take
what, and whether it is done, due or overdue, is derived each day (`training.selectors`), so an
appointment, a new reporting line or a role's end changes it without anyone acting.

This app reads `org` only; `compliance` reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import DepartmentRole, OrgUnit


class Course(models.Model):
    class Audience(models.TextChoices):
        MANAGERS = "managers", _("All FROs and SROs")
        STAFF = "staff", _("All staff")
        GRADES = "grades", _("Staff of some grades")
        ROLE = "role", _("Holders of a department role")

    class DeadlineFrom(models.TextChoices):
        APPOINTMENT = "appointment", _("Entry on duty (for a role: the day the role starts)")
        FIRST_MANAGING = "first_managing", _("The day they first became an FRO or SRO")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    entity = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
        verbose_name=_("entity"),
        help_text=_("Blank: the whole organisation."),
    )
    audience = models.CharField(_("who must take it"), max_length=16, choices=Audience.choices)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    role = models.CharField(
        _("department role"), max_length=24, choices=DepartmentRole.Role.choices, blank=True
    )
    deadline_months = models.PositiveSmallIntegerField(_("deadline (months)"), default=6)
    deadline_from = models.CharField(
        _("counted from"),
        max_length=16,
        choices=DeadlineFrom.choices,
        default=DeadlineFrom.APPOINTMENT,
    )
    starts_on = models.DateField(
        _("in force from"),
        default=timezone.localdate,
        help_text=_(
            "People appointed (or managing, or in the role) before this day have the deadline "
            "counted from it: a new course does not make everyone overdue at once."
        ),
    )
    validity_years = models.PositiveSmallIntegerField(
        _("valid for (years)"),
        null=True,
        blank=True,
        help_text=_("Blank: a completion counts for good."),
    )
    is_active = models.BooleanField(_("is active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="role") | ~Q(role=""), name="course_role_audience_has_role"
            ),
            models.CheckConstraint(
                condition=Q(deadline_from="appointment") | Q(audience="managers"),
                name="course_first_managing_only_for_managers",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


# What the catalogue's form edits and `services.save_course` writes.
COURSE_FIELDS = (
    "code",
    "name",
    "description",
    "entity",
    "audience",
    "grades",
    "role",
    "deadline_months",
    "deadline_from",
    "starts_on",
    "validity_years",
    "is_active",
)


class Completion(models.Model):
    """Someone completed a course on a day (the learning system's record, or HR's)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Imported from the learning system")
        HR = "hr", _("Recorded by HR")

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="completions", verbose_name=_("course")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_completions",
        verbose_name=_("person"),
    )
    completed_on = models.DateField(_("completed on"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-completed_on", "pk"]
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user", "completed_on"], name="completion_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "course", "completed_on"])]

    def __str__(self) -> str:
        return f"{self.course.code}: {self.user} ({self.completed_on})"
