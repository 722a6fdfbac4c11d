"""The record every stage of a document shares: its signatures and its timeline.

A signature says who signed which stage, in which role (acting for whom), when, and the
SHA-256 of everything the signer saw (`pmsystem.signatures`); the timeline is append-only
(`pmsystem.events`). Both belong to the document (`workplans.WorkPlan`, the row of the
document whatever its stage) and are written by every stage's services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .event_kinds import EventKind
from .i18n import render
from .stages import Stage


class Signature(models.Model):
    """Who signed which stage, in which role (acting for whom), when, and the SHA-256 of the
    stage's content at that moment. Voided, never deleted, by a roll-back."""

    document = models.ForeignKey(
        "workplans.WorkPlan",
        on_delete=models.CASCADE,
        related_name="signatures",
        verbose_name=_("document"),
    )
    stage = models.CharField(_("stage"), max_length=32)
    action = models.CharField(_("action"), max_length=32)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signer"),
    )
    role = models.CharField(_("role"), max_length=32)
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acting for"),
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.TextField(_("void reason"), blank=True)

    class Meta:
        # Kept from when the model lived in `workplans`.
        db_table = "workplans_signature"
        ordering = ["signed_at", "pk"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        indexes = [models.Index(fields=["document", "stage"])]

    def __str__(self) -> str:
        values = {
            "stage": self.stage,
            "action": self.action,
            "signer": self.signer,
            "principal": self.acting_for,
        }
        if self.acting_for_id:
            return gettext("%(stage)s/%(action)s signed by %(signer)s acting for %(principal)s") % (
                values
            )
        return gettext("%(stage)s/%(action)s signed by %(signer)s") % values

    # Labels for people of what the signer did (the stage's own label is `pmsystem.stages`').
    ACTION_LABELS = {
        "submit": pgettext_lazy("signature", "Submitted"),
        "approve": pgettext_lazy("signature", "Approved"),
        "return": pgettext_lazy("signature", "Returned for changes"),
        "submit_midpoint": _("Staff comments signed"),
        "finalise_midpoint": pgettext_lazy("signature", "Finalised"),
        "submit_self_evaluation": pgettext_lazy("signature", "Submitted"),
        "sign_evaluation": pgettext_lazy("signature", "Signed"),
        "approve_evaluation": pgettext_lazy("signature", "Approved"),
        "return_to_fro": _("Returned to the FRO"),
        "acknowledge": pgettext_lazy("signature", "Acknowledged"),
    }
    ROLE_LABELS = {"staff": _("Staff member"), "fro": _("FRO"), "sro": _("SRO")}

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label if self.stage in Stage.values else self.stage

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)

    @property
    def role_label(self) -> str:
        return self.ROLE_LABELS.get(self.role, self.role.upper())


class DocumentEvent(models.Model):
    """The document's timeline: append-only (the application never edits or deletes a row)."""

    document = models.ForeignKey(
        "workplans.WorkPlan",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("document"),
    )
    kind = models.CharField(_("kind"), max_length=48, choices=EventKind.choices)
    summary = models.CharField(_("summary"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acting for"),
    )
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "workplans_documentevent"
        ordering = ["created_at", "pk"]
        verbose_name = _("document event")
        verbose_name_plural = _("document events")

    def __str__(self) -> str:
        return self.summary

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    @property
    def details(self) -> str:
        """The comment in the reader's language where the event keeps its lines as phrases
        (`data["lines"]`: the rating changes), else as written."""
        lines = self.data.get("lines") if isinstance(self.data, dict) else None
        if lines:
            return "\n".join(render(line) for line in lines)
        return self.comment

    @property
    def text(self) -> str:
        """The summary in the reader's language (events written as a phrase), else as stored."""
        stored = self.data.get("phrase") if isinstance(self.data, dict) else None
        return render(stored) if stored else self.summary


class Draft(models.Model):
    """Text a person is typing into one form of a document, kept as they type so that nothing
    is lost to a closed tab or an ended session (`pmsystem.drafts`). Private to its author:
    read and written only by them, while the form is theirs to fill, and deleted once the
    form is saved. Not in the admin (a draft is nobody else's business)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("author"),
    )
    document = models.ForeignKey(
        "workplans.WorkPlan",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document"),
    )
    # Which form of the document (`pmsystem.drafts.FORMS`): "self_evaluation", "ratings", ...
    form = models.CharField(_("form"), max_length=32)
    # {field name: text}, only the fields the form declares.
    fields = models.JSONField(_("fields"), default=dict)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "document", "form"], name="pmsystem_draft_one_per_form"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} ({self.document_id})"
