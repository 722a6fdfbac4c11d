"""Feedback beyond the reporting line (docs/rules.md section 9): anonymous upward feedback,
and attributed colleague feedback on a performance document.

Anonymity is a property of these tables, not of the pages (README, "Anonymous upward
feedback"). Who has answered (`Participation`) and what was answered (`SealedBallot`,
`AnswerCount`, `AnswerComment`) are kept apart:

- the answer tables name the group (the rated manager) and the question, never a person, and
  carry no date and no sequence: comments and sealed ballots have random UUID keys, counters
  one row per question and value created together;
- `Participation` names the respondent and the group, and nothing else: no answer, no date;
- until a group holds at least the minimum number of answers its ballots stay sealed
  (encrypted with a key the database does not hold, `feedback.sealing`), and they are counted
  into the totals only in groups of at least the minimum, in random order.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from org import profiles
from org.models import Cycle, OrgUnit, StaffMember
from pmsystem.dates import add_months


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the last day of that month when it is shorter)."""
    return add_months(day, -months)


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months later (the last day of that month when it is shorter)."""
    return add_months(day, months)


class FeedbackSettings(models.Model):
    """What a cycle asks of feedback beyond the reporting line; every figure is a setting with
    the default of docs/rules.md section 9 (created with its default questionnaire by
    `feedback.services.feedback_settings`)."""

    cycle = models.OneToOneField(
        Cycle,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="feedback_settings",
        verbose_name=_("cycle"),
    )
    upward_enabled = models.BooleanField(_("upward feedback"), default=True)
    upward_opens_months_before = models.PositiveSmallIntegerField(
        _("upward feedback opens (months before the end-of-cycle due date)"), default=4
    )
    upward_closes_months_before = models.PositiveSmallIntegerField(
        _("upward feedback closes (months before the end-of-cycle due date)"), default=3
    )
    upward_opens_on = models.DateField(
        _("upward feedback opens on"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the number of months above."),
    )
    upward_closes_on = models.DateField(
        _("upward feedback closes on"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the number of months above."),
    )
    minimum_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=5,
        help_text=_(
            "Managers with at least this many staff are rated; results are shown from this "
            "many answers on, comments above it."
        ),
    )
    scale_top = models.PositiveSmallIntegerField(
        _("top of the scale"), default=5, help_text=_("Answers go from 1 to this number.")
    )
    colleague_feedback_visible_to_staff = models.BooleanField(
        _("staff members read their colleagues' feedback"), default=True
    )
    colleague_minimum = models.PositiveSmallIntegerField(
        _("fewest colleagues asked for feedback"), default=3
    )
    colleague_maximum = models.PositiveSmallIntegerField(
        _("most colleagues asked for feedback"), default=5
    )
    colleague_answer_days = models.PositiveSmallIntegerField(
        _("days colleagues have to answer"), default=21
    )
    probation_midterm_months = models.PositiveSmallIntegerField(
        _("probation mid-term (months after entry on duty)"),
        default=6,
        help_text=_("Staff on probation ask colleagues for feedback by this mid-term."),
    )

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")
        constraints = [
            # Fewer than three answers would be no crowd to hide in.
            models.CheckConstraint(
                condition=Q(minimum_group_size__gte=3), name="feedbacksettings_minimum_group"
            ),
            models.CheckConstraint(
                condition=Q(scale_top__gte=3, scale_top__lte=10), name="feedbacksettings_scale"
            ),
            models.CheckConstraint(
                condition=Q(upward_opens_months_before__gte=F("upward_closes_months_before")),
                name="feedbacksettings_window_months",
            ),
            models.CheckConstraint(
                condition=Q(
                    colleague_minimum__gte=1, colleague_maximum__gte=F("colleague_minimum")
                ),
                name="feedbacksettings_colleague_bounds",
            ),
            models.CheckConstraint(
                condition=Q(upward_opens_on__isnull=True)
                | Q(upward_closes_on__isnull=True)
                | Q(upward_closes_on__gte=F("upward_opens_on")),
                name="feedbacksettings_window_dates",
            ),
        ]

    def __str__(self) -> str:
        return str(self.cycle)

    def window(self) -> tuple[datetime.date, datetime.date]:
        """The days upward feedback is open, both included: explicit dates, or N months
        before the cycle's end-of-cycle due date."""
        due = self.cycle.end_of_cycle_due
        opens = self.upward_opens_on or months_before(due, self.upward_opens_months_before)
        closes = self.upward_closes_on or months_before(due, self.upward_closes_months_before)
        return opens, closes

    def probation_midterm(self, staff: StaffMember) -> datetime.date:
        """When a staff member on probation has their mid-term (N months after entry on
        duty): their colleagues' feedback is due by then."""
        return months_after(staff.entry_on_duty, self.probation_midterm_months)


def settings_for(cycle: Cycle) -> FeedbackSettings:
    """The cycle's settings, or the defaults when none were saved (nothing written)."""
    try:
        return cycle.feedback_settings
    except FeedbackSettings.DoesNotExist:
        return FeedbackSettings(cycle=cycle, **profile_defaults(cycle))


def profile_defaults(cycle: Cycle) -> dict[str, int]:
    """The campaign timing the cycle's policy profile gives its feedback settings."""
    chosen = profiles.profile(cycle.profile)
    return {
        "upward_opens_months_before": chosen.upward_opens_months_before,
        "upward_closes_months_before": chosen.upward_closes_months_before,
    }


class UpwardQuestion(models.Model):
    """One question of a cycle's upward-feedback questionnaire, answered from 1 to the top of
    the scale with an optional comment (seeded from `feedback.defaults`)."""

    class Section(models.TextChoices):
        VALUES = "values", _("Values")
        COMPETENCIES = "competencies", _("Competencies")
        PEOPLE_MANAGEMENT = "people_management", _("People management")
        OVERALL = "overall", _("Overall effectiveness")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="upward_questions", verbose_name=_("cycle")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    section = models.CharField(_("section"), max_length=24, choices=Section.choices)
    text = models.CharField(_("question"), max_length=300)

    class Meta:
        ordering = ["cycle", "position"]
        verbose_name = _("upward-feedback question")
        verbose_name_plural = _("upward-feedback questions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "position"], name="upwardquestion_position")
        ]

    def __str__(self) -> str:
        return self.text


class Campaign(models.Model):
    """Upward feedback in one entity for one cycle, launched by an HR focal point
    (`feedback.workflow.CAMPAIGN`)."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Not launched")
        OPEN = "open", _("Launched")
        CLOSED = "closed", _("Closed")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="feedback_campaigns", verbose_name=_("cycle")
    )
    entity = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="feedback_campaigns",
        limit_choices_to={"kind": OrgUnit.Kind.ENTITY},
        verbose_name=_("department, office or mission"),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PLANNED)
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("launched by"),
    )
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["cycle", "entity"]
        verbose_name = _("upward-feedback campaign")
        verbose_name_plural = _("upward-feedback campaigns")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "entity"], name="campaign_one_per_entity")
        ]

    def __str__(self) -> str:
        return f"{self.entity.code} — {self.cycle}"


class RatedManager(models.Model):
    """A responsible chief rated in a campaign: the group the answers belong to.

    `counted` is how many answers the results hold: zero until the group reaches the minimum,
    then grown only in steps of at least the minimum (and by the rest when the campaign
    closes)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="rated", verbose_name=_("campaign")
    )
    manager = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="+", verbose_name=_("manager")
    )
    counted = models.PositiveIntegerField(_("answers counted"), default=0)

    class Meta:
        ordering = ["campaign", "manager"]
        verbose_name = _("rated manager")
        verbose_name_plural = _("rated managers")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "manager"], name="ratedmanager_once")
        ]

    def __str__(self) -> str:
        return str(self.manager)


class Participation(models.Model):
    """That `respondent` has answered on `rated`: for answering once and for stopping the
    reminders. Nothing else, by design: no answer, no date, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rated = models.ForeignKey(
        RatedManager,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("rated manager"),
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("respondent"),
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["rated", "respondent"], name="participation_once")
        ]

    def __str__(self) -> str:
        return str(_("an answer"))


class SealedBallot(models.Model):
    """Answers not counted yet, encrypted (`feedback.sealing`): no person, no date, a random
    key; rewritten in random order with fresh keys at every new answer of the group."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rated = models.ForeignKey(
        RatedManager, on_delete=models.CASCADE, related_name="+", verbose_name=_("rated manager")
    )
    sealed = models.BinaryField(_("sealed answers"))

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return str(_("a sealed ballot"))


class AnswerCount(models.Model):
    """How many counted answers gave `value` to `question` for `rated`: the results are these
    totals, one row per question and value (zeros included), all rewritten at each count."""

    rated = models.ForeignKey(
        RatedManager, on_delete=models.CASCADE, related_name="+", verbose_name=_("rated manager")
    )
    question = models.ForeignKey(
        UpwardQuestion, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    value = models.PositiveSmallIntegerField(_("value"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("answer count")
        verbose_name_plural = _("answer counts")
        constraints = [
            models.UniqueConstraint(
                fields=["rated", "question", "value"], name="answercount_one_per_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.value}: {self.count}"


class AnswerComment(models.Model):
    """A counted comment: its question and group only (shown in random order)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rated = models.ForeignKey(
        RatedManager, on_delete=models.CASCADE, related_name="+", verbose_name=_("rated manager")
    )
    question = models.ForeignKey(
        UpwardQuestion, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )
    text = models.TextField(_("comment"))

    class Meta:
        verbose_name = _("answer comment")
        verbose_name_plural = _("answer comments")

    def __str__(self) -> str:
        return str(_("a comment"))


# --- colleague feedback (attributed) ---------------------------------------------------------


class ColleagueRound(models.Model):
    """The colleagues asked for feedback on one performance document: proposed by the staff
    member, confirmed by the FRO (`feedback.workflow.ROUND`); required of staff on probation
    by their mid-term (docs/rules.md section 9)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Being proposed by the staff member")
        SUBMITTED = "submitted", _("Waiting for the FRO's confirmation")
        CONFIRMED = "confirmed", _("Confirmed: the colleagues are asked")

    document = models.OneToOneField(
        "workplans.WorkPlan",
        on_delete=models.CASCADE,
        related_name="colleague_round",
        verbose_name=_("performance document"),
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    due = models.DateField(_("answers due"), null=True, blank=True)
    return_comment = models.TextField(_("FRO's comment on returning the list"), blank=True)

    class Meta:
        verbose_name = _("colleague feedback")
        verbose_name_plural = _("colleague feedback")

    def __str__(self) -> str:
        return str(self.document)


class ColleagueRequest(models.Model):
    """One colleague (or person served) asked for feedback: they answer, signed with their
    name and the SHA-256 of what they wrote, or decline with a reason."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ASKED = "asked", _("Asked")
        ANSWERED = "answered", _("Answered")
        DECLINED = "declined", _("Declined")

    round = models.ForeignKey(
        ColleagueRound,
        on_delete=models.CASCADE,
        related_name="requests",
        verbose_name=_("colleague feedback"),
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="colleague_requests",
        verbose_name=_("colleague"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PROPOSED
    )
    strengths = models.TextField(_("strengths"), blank=True)
    areas_to_develop = models.TextField(_("areas to develop"), blank=True)
    examples = models.TextField(_("examples"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)

    class Meta:
        ordering = ["round", "pk"]
        verbose_name = _("colleague feedback request")
        verbose_name_plural = _("colleague feedback requests")
        constraints = [
            models.UniqueConstraint(fields=["round", "colleague"], name="colleaguerequest_once")
        ]
        indexes = [models.Index(fields=["colleague", "state"])]

    def __str__(self) -> str:
        return str(self.colleague)

    def signed_content(self) -> dict[str, object]:
        """What the colleague signs: their answer, whose document it is on, and who they are."""
        return colleague_answer_content(
            self.round.document_id,
            self.colleague_id,
            self.strengths,
            self.areas_to_develop,
            self.examples,
        )


def colleague_answer_content(
    document_id: int, colleague_id: int, strengths: str, areas_to_develop: str, examples: str
) -> dict[str, object]:
    """`ColleagueRequest.signed_content` from the values (`feedback.signing` reads rows)."""
    return {
        "document": document_id,
        "colleague": colleague_id,
        "strengths": strengths,
        "areas_to_develop": areas_to_develop,
        "examples": examples,
    }


# --- recognition ------------------------------------------------------------------------------


class RecognitionNote(models.Model):
    """A note of recognition from anyone to a colleague, tied to a value or competency of the
    cycle's catalogue (`feedback.workflow.NOTE`): the recipient and their FRO read it, the
    recipient may attach it to their document (evaluation and PDF), its author may withdraw it
    within a day."""

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        ATTACHED = "attached", _("Attached to the document")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="recognition_notes", verbose_name=_("cycle")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recognition_sent",
        verbose_name=_("from"),
    )
    recipient = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="recognition_received",
        verbose_name=_("to"),
    )
    competency = models.ForeignKey(
        "workplans.Competency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("value or competency"),
    )
    text = models.CharField(_("note"), max_length=500)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SENT)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    document = models.ForeignKey(
        "workplans.WorkPlan",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recognition_notes",
        verbose_name=_("attached to"),
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("recognition note")
        verbose_name_plural = _("recognition notes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(sender=F("recipient")), name="recognitionnote_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(state="attached", document__isnull=False) | ~Q(state="attached"),
                name="recognitionnote_attached_has_document",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "cycle"]), models.Index(fields=["sender"])]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient}"
