"""The department's ratings standards (docs/rules.md section 10; ST/AI/2010/5: "A Head of
Department may establish performance standards for the department or office").

Per entity and cycle, the HOD (or acting HOD) writes a text per level of the cycle's rating
scales, optionally with an attachment, and publishes it. Each publication is a new version;
the one it replaces is kept, superseded, so the history shows what FROs were asked to apply
when. A published or superseded version never changes (`standards.services`).

FROs acknowledge the current version (`Acknowledgement`); when the cycle asks for it
(`StandardsSettings.acknowledgement_required`, on by default), an FRO signs no rating in the
entity before acknowledging the version in force (`standards.selectors.sign_refusal`, asked
by `appraisals.services.sign_evaluation`).

This app reads `org` only; `appraisals` asks it (a rule of the signature it checks in its own
transaction), `compliance` reads it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, OrgUnit, RatingLevel
from pmsystem.i18n import interpolate


class StandardsSettings(models.Model):
    """What a cycle asks of the ratings standards (docs/rules.md section 10: a setting)."""

    cycle = models.OneToOneField(
        Cycle,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="standards_settings",
        verbose_name=_("cycle"),
    )
    acknowledgement_required = models.BooleanField(
        _("FROs acknowledge the ratings standards before signing a rating"),
        default=True,
        help_text=_(
            "When a department has published ratings standards, each FRO acknowledges the "
            "version in force before their first rating is signed; a new version asks again."
        ),
    )

    class Meta:
        verbose_name = _("ratings standards settings")
        verbose_name_plural = _("ratings standards settings")

    def __str__(self) -> str:
        return str(self.cycle)


def settings_for(cycle: Cycle) -> StandardsSettings:
    """The cycle's settings, or the defaults when none were saved (nothing written)."""
    try:
        return cycle.standards_settings
    except StandardsSettings.DoesNotExist:
        return StandardsSettings(cycle=cycle)


def attachment_path(instance: RatingsStandard, filename: str) -> str:
    """Stored names are never the uploaded ones."""
    return f"standards/{instance.entity_id}/{uuid.uuid4().hex}"


class RatingsStandard(models.Model):
    """One version of an entity's ratings standards for a cycle."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("ratings standards", "Draft")
        PUBLISHED = "published", pgettext_lazy("ratings standards", "Published")
        SUPERSEDED = "superseded", pgettext_lazy("ratings standards", "Superseded")

    entity = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
        verbose_name=_("entity"),
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="+", verbose_name=_("cycle")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    introduction = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("What the standards are for, or what changed since the last version."),
    )
    attachment = models.FileField(_("attachment"), upload_to=attachment_path, blank=True)
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    attachment_type = models.CharField(_("attachment type"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        ordering = ["entity", "cycle", "-version"]
        verbose_name = _("ratings standards")
        verbose_name_plural = _("ratings standards")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "cycle", "version"], name="ratingsstandard_unique_version"
            ),
            # One version in force and one draft at most per entity and cycle.
            models.UniqueConstraint(
                fields=["entity", "cycle"],
                condition=Q(state="published"),
                name="ratingsstandard_one_published",
            ),
            models.UniqueConstraint(
                fields=["entity", "cycle"],
                condition=Q(state="draft"),
                name="ratingsstandard_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False),
                name="ratingsstandard_published_dated",
            ),
        ]

    def __str__(self) -> str:
        return interpolate(
            gettext("Ratings standards of %(entity)s, %(cycle)s, version %(version)s"),
            {
                "entity": self.entity.code,
                "cycle": self.cycle.name,
                "version": self.version,
            },
        )


class LevelStandard(models.Model):
    """What a level of one of the cycle's scales means in the department."""

    standard = models.ForeignKey(
        RatingsStandard,
        on_delete=models.CASCADE,
        related_name="texts",
        verbose_name=_("ratings standards"),
    )
    level = models.ForeignKey(
        RatingLevel, on_delete=models.CASCADE, related_name="+", verbose_name=_("rating level")
    )
    text = models.TextField(_("standard"))

    class Meta:
        ordering = ["standard", "level__scale_id", "level__rank"]
        verbose_name = _("standard of a rating level")
        verbose_name_plural = _("standards of rating levels")
        constraints = [
            models.UniqueConstraint(fields=["standard", "level"], name="levelstandard_unique")
        ]

    def __str__(self) -> str:
        return f"{self.standard} — {self.level}"


class Acknowledgement(models.Model):
    """An FRO read and acknowledged one version of the standards."""

    standard = models.ForeignKey(
        RatingsStandard,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("ratings standards"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("FRO"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("acknowledgement of ratings standards")
        verbose_name_plural = _("acknowledgements of ratings standards")
        constraints = [
            models.UniqueConstraint(fields=["standard", "user"], name="acknowledgement_unique")
        ]
        indexes = [models.Index(fields=["user", "standard"], name="acknowledgement_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.standard}"
