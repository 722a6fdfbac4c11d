"""The review board (docs/rules.md section 10; the ILO's Reports Board: it "examines appraisal
reports and provides comments, recommendations and guidance to ensure consistency and
compliance").

Members hold a department role on the entity (`DepartmentRole.Role.REVIEW_BOARD`, with dates
like the others); which documents reach them is the cycle's setting (`Cycle.board_receives`),
and reading them goes through the documents' one permission home
(`workplans.permissions`), where the conflict rule keeps a member from reviewing a document
on which they hold another role. A `BoardComment` is a comment or a recommendation on one
document, or on one FRO's ratings in a cycle; it is never edited.

This app reads `org`, `workplans`, `appraisals` and `schedules` (probationary reports, whose
comments are `schedules.ReportComment`); nothing imports it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, OrgUnit
from workplans.models import WorkPlan


class BoardComment(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        RECOMMENDATION = "recommendation", _("Recommendation")

    entity = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("entity")
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="+", verbose_name=_("cycle")
    )
    document = models.ForeignKey(
        WorkPlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="board_comments",
        verbose_name=_("document"),
    )
    fro = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("FRO"),
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
        verbose_name = _("review board comment")
        verbose_name_plural = _("review board comments")
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False) ^ Q(fro__isnull=False),
                name="boardcomment_on_a_document_or_an_fro",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} ({self.created_at:%Y-%m-%d})"
