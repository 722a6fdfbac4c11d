"""Rebuttals: panel rosters per entity, cases, HOD replies, panels, reports and the record
forwarded to the official status file."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import OrgUnit, RatingLevel
from pmsystem.i18n import interpolate
from workplans.models import WorkPlan

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Group(models.TextChoices):
    """The three groups of a roster, in equal numbers."""

    HOD_DESIGNATED = "hod_designated", _("Designated by the HOD")
    STAFF_DESIGNATED = "staff_designated", _("Designated by the staff representatives")
    CHAIR = "chair", _("Chairperson")


# The groups as they read inside a sentence ("… is already on the roster (chairperson)").
GROUP_NAMES: dict[str, StrOrPromise] = {
    Group.HOD_DESIGNATED: _("designated by the HOD"),
    Group.STAFF_DESIGNATED: _("designated by the staff representatives"),
    Group.CHAIR: _("chairperson"),
}


class PanelRoster(models.Model):
    """The entity's rebuttal panel roster, kept by HR, published when the groups are equal."""

    entity = models.OneToOneField(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="panel_roster",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
        verbose_name=_("entity"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    # The last time the roster stopped being published, by whom and why (a phrase,
    # pmsystem.i18n: "Helen Okafor added Jan Novak (chairperson)"), for whoever meets it
    # unpublished: the roster page, a case waiting on its panel, HR's tasks.
    unpublished_at = models.DateTimeField(_("unpublished at"), null=True, blank=True)
    unpublished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unpublished by"),
    )
    unpublished_because = models.JSONField(
        _("unpublished because"), default=dict, blank=True, db_default={}
    )

    class Meta:
        verbose_name = _("panel roster")
        verbose_name_plural = _("panel rosters")

    def __str__(self) -> str:
        return interpolate(gettext("Panel roster of %(entity)s"), {"entity": self.entity.code})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class RosterMember(models.Model):
    roster = models.ForeignKey(
        PanelRoster, on_delete=models.CASCADE, related_name="members", verbose_name=_("roster")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("designated by"),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    training_date = models.DateField(_("training date"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster member")
        verbose_name_plural = _("roster members")
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

    roster = models.ForeignKey(
        PanelRoster,
        on_delete=models.CASCADE,
        related_name="consultations",
        verbose_name=_("roster"),
    )
    held_on = models.DateField(_("held on"))
    participants = models.CharField(
        _("participants"), max_length=300, help_text=_("Who took part.")
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("roster consultation")
        verbose_name_plural = _("roster consultations")

    def __str__(self) -> str:
        return interpolate(gettext("Consultation of %(date)s"), {"date": self.held_on})


class RebuttalCase(models.Model):
    """A staff member's rebuttal of a completed evaluation. State moves only through
    `rebuttals.workflow`."""

    class State(models.TextChoices):
        NOT_FILED = "not_filed", _("Not filed")
        FILED = "filed", _("Awaiting the HOD's reply")
        REPLIED = "replied", _("Before the panel")
        REPORTED = "reported", _("Reported by the panel")
        FORWARDED = "forwarded", _("Forwarded to the official status file")

    class Decision(models.TextChoices):
        MAINTAINED = "maintained", _("Rating maintained")
        RAISED = "raised", _("Rating replaced by a higher one")

    document = models.OneToOneField(
        WorkPlan, on_delete=models.PROTECT, related_name="rebuttal", verbose_name=_("document")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.FILED)
    statement = models.TextField(_("statement"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    original_rating = models.ForeignKey(
        RatingLevel,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("original rating"),
    )
    reply_due = models.DateField(_("reply due"))
    report_due = models.DateField(_("report due"))
    hod_reply = models.TextField(_("HOD reply"), blank=True)
    hod_replied_at = models.DateTimeField(_("HOD replied at"), null=True, blank=True)
    hod_replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("HOD replied by"),
    )
    panel_constituted_at = models.DateTimeField(_("panel constituted at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    panel_rating = models.ForeignKey(
        RatingLevel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("panel rating"),
    )
    report = models.TextField(_("report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
    )
    removed_comments = models.JSONField(_("removed comments"), default=list, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("rebuttal case")
        verbose_name_plural = _("rebuttal cases")
        indexes = [
            models.Index(fields=["state", "reply_due"]),
            models.Index(fields=["state", "report_due"]),
        ]

    def __str__(self) -> str:
        return interpolate(gettext("Rebuttal of %(document)s"), {"document": self.document})


def attachment_path(instance: RebuttalAttachment, filename: str) -> str:
    """Stored names are never the uploaded ones."""
    return f"rebuttals/{instance.case_id}/{uuid.uuid4().hex}"


class RebuttalAttachment(models.Model):
    """A file filed with the statement: type and size checked, stored outside any public URL
    and served by a view that checks the case permission."""

    case = models.ForeignKey(
        RebuttalCase, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("case")
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("original name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("rebuttal attachment")
        verbose_name_plural = _("rebuttal attachments")

    def __str__(self) -> str:
        return self.original_name


class PanelMember(models.Model):
    """A seat on a case's panel: one chair and one member from each of the two other groups."""

    case = models.ForeignKey(
        RebuttalCase, on_delete=models.CASCADE, related_name="panel", verbose_name=_("case")
    )
    roster_member = models.ForeignKey(
        RosterMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("roster member")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    seat = models.CharField(_("seat"), max_length=16, choices=Group.choices)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("appointed by"),
    )
    appointed_at = models.DateTimeField(_("appointed at"), auto_now_add=True)
    excused_at = models.DateTimeField(_("excused at"), null=True, blank=True)
    conflict = models.TextField(_("conflict"), blank=True)

    class Meta:
        ordering = ["seat", "appointed_at"]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
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

    case = models.OneToOneField(
        RebuttalCase, on_delete=models.PROTECT, related_name="status_file", verbose_name=_("case")
    )
    forwarded_at = models.DateTimeField(_("forwarded at"), auto_now_add=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("forwarded by"),
    )
    report_pdf = models.FileField(_("report PDF"), upload_to="status-file/")
    evaluation_pdf = models.FileField(_("evaluation PDF"), upload_to="status-file/")

    class Meta:
        verbose_name = _("status file record")
        verbose_name_plural = _("status file records")

    def __str__(self) -> str:
        return interpolate(gettext("Status file record of %(case)s"), {"case": self.case})
