"""Rebuttals: panel rosters per entity, cases, HOD replies, panels, reports and the record
forwarded to the official status file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from org.models import OrgUnit, RatingLevel
from workplans.models import WorkPlan


class Group(models.TextChoices):
    """The three groups of a roster, in equal numbers."""

    HOD_DESIGNATED = "hod_designated", "Designated by the HOD"
    STAFF_DESIGNATED = "staff_designated", "Designated by the staff representatives"
    CHAIR = "chair", "Chairperson"


class PanelRoster(models.Model):
    """The entity's rebuttal panel roster, kept by HR, published when the groups are equal."""

    entity = models.OneToOneField(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="panel_roster",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Panel roster of {self.entity.code}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class RosterMember(models.Model):
    roster = models.ForeignKey(PanelRoster, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=16, choices=Group.choices)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    training_date = models.DateField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "user__last_name"]
        constraints = [
            # A person sits in one group only.
            models.UniqueConstraint(
                fields=["roster", "user"],
                condition=Q(removed_at__isnull=True),
                name="rostermember_one_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_group_display()})"


class RosterConsultation(models.Model):
    """The HOD's consultation of the staff representatives on the roster and its chairs."""

    roster = models.ForeignKey(PanelRoster, on_delete=models.CASCADE, related_name="consultations")
    held_on = models.DateField()
    participants = models.CharField(max_length=300, help_text="Who took part.")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"Consultation of {self.held_on}"


class RebuttalCase(models.Model):
    """A staff member's rebuttal of a completed evaluation. State moves only through
    `rebuttals.workflow`."""

    class State(models.TextChoices):
        NOT_FILED = "not_filed", "Not filed"
        FILED = "filed", "Awaiting the HOD's reply"
        REPLIED = "replied", "Before the panel"
        REPORTED = "reported", "Reported by the panel"
        FORWARDED = "forwarded", "Forwarded to the official status file"

    class Decision(models.TextChoices):
        MAINTAINED = "maintained", "Rating maintained"
        RAISED = "raised", "Rating replaced by a higher one"

    document = models.OneToOneField(WorkPlan, on_delete=models.PROTECT, related_name="rebuttal")
    state = models.CharField(max_length=16, choices=State.choices, default=State.FILED)
    statement = models.TextField()
    filed_at = models.DateTimeField(auto_now_add=True)
    original_rating = models.ForeignKey(RatingLevel, on_delete=models.PROTECT, related_name="+")
    reply_due = models.DateField()
    report_due = models.DateField()
    hod_reply = models.TextField(blank=True)
    hod_replied_at = models.DateTimeField(null=True, blank=True)
    hod_replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    panel_constituted_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    panel_rating = models.ForeignKey(
        RatingLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report = models.TextField(blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_comments = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        indexes = [
            models.Index(fields=["state", "reply_due"]),
            models.Index(fields=["state", "report_due"]),
        ]
        permissions = [("act_as_panel_member", "Sit on the panel of the case")]

    def __str__(self) -> str:
        return f"Rebuttal of {self.document}"


class RebuttalCaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(RebuttalCase, on_delete=models.CASCADE)


class RebuttalCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RebuttalCase, on_delete=models.CASCADE)


def attachment_path(instance: RebuttalAttachment, filename: str) -> str:
    """Stored names are never the uploaded ones."""
    return f"rebuttals/{instance.case_id}/{uuid.uuid4().hex}"


class RebuttalAttachment(models.Model):
    """A file filed with the statement: type and size checked, stored outside any public URL
    and served by a view that checks the case permission."""

    case = models.ForeignKey(RebuttalCase, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class PanelMember(models.Model):
    """A seat on a case's panel: one chair and one member from each of the two other groups."""

    case = models.ForeignKey(RebuttalCase, on_delete=models.CASCADE, related_name="panel")
    roster_member = models.ForeignKey(RosterMember, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.CharField(max_length=16, choices=Group.choices)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)
    excused_at = models.DateTimeField(null=True, blank=True)
    conflict = models.TextField(blank=True)

    class Meta:
        ordering = ["seat", "appointed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "seat"],
                condition=Q(excused_at__isnull=True),
                name="panelmember_one_per_seat",
            ),
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=Q(excused_at__isnull=True),
                name="panelmember_once_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_seat_display()})"


class StatusFileRecord(models.Model):
    """HR forwarded the panel's report and the evaluation to the official status file."""

    case = models.OneToOneField(RebuttalCase, on_delete=models.PROTECT, related_name="status_file")
    forwarded_at = models.DateTimeField(auto_now_add=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    report_pdf = models.FileField(upload_to="status-file/")
    evaluation_pdf = models.FileField(upload_to="status-file/")

    def __str__(self) -> str:
        return f"Status file record of {self.case}"
