"""Writes for feedback: the cycle's settings and questionnaire, campaigns, answers, counting;
colleague feedback on a document (the list, its confirmation, answers and refusals);
recognition notes (sent, attached to the recipient's document, withdrawn).

Anonymous upward feedback (docs/rules.md section 9; README, "Anonymous upward feedback"): an
answer is written as a sealed ballot of its group and a `Participation` row of its author,
with nothing in common but the group; ballots are counted into the group's totals only in
groups of at least the minimum, in random order, and a group that never reaches the minimum
has its ballots destroyed unread when the campaign closes.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from org.models import Cycle, OrgUnit, StaffMember, User
from org.relations import line_in_effect
from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate, phrase
from pmsystem.notifications import notify
from pmsystem.signatures import content_hash
from workplans.locks import lock_document
from workplans.models import Competency, WorkPlan
from workplans.permissions import role_holders

from . import defaults
from .models import (
    AnswerComment,
    AnswerCount,
    Campaign,
    ColleagueRequest,
    ColleagueRound,
    FeedbackSettings,
    Participation,
    RatedManager,
    RecognitionNote,
    SealedBallot,
    UpwardQuestion,
    profile_defaults,
    settings_for,
)
from .permissions import (
    answer_refusal,
    campaign_roles,
    colleague_actions,
    colleague_roles,
    note_roles,
)
from .sealing import seal, unseal
from .selectors import responsible_chiefs
from .workflow import CAMPAIGN, NOTE, REQUEST, ROUND, launch_refusal

S = Campaign.State
COMMENT_MAX_LENGTH = 2000
# Shuffling what an administrator could otherwise read in insertion order.
_random = random.SystemRandom()


@transaction.atomic
def feedback_settings(cycle: Cycle) -> FeedbackSettings:
    """The cycle's settings, created with the defaults of docs/rules.md section 9 and the
    default questionnaire (`feedback.defaults`) the first time they are needed."""
    settings, _ = FeedbackSettings.objects.get_or_create(
        cycle=cycle, defaults=profile_defaults(cycle)
    )
    if not UpwardQuestion.objects.filter(cycle=cycle).exists():
        UpwardQuestion.objects.bulk_create(
            UpwardQuestion(cycle=cycle, position=position, section=section, text=text)
            for position, (section, text) in enumerate(defaults.QUESTIONS, start=1)
        )
    return settings


# --- campaigns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LaunchResult:
    campaign: Campaign
    added: int


@transaction.atomic
def launch_campaign(*, entity: OrgUnit, cycle: Cycle, actor: User) -> LaunchResult:
    """An HR focal point of the entity launches its upward feedback for the cycle.

    Rule (docs/rules.md section 9): every responsible chief of the entity is rated, that is
    every active staff member of it who is FRO of at least the minimum group size of active
    staff in the cycle (lines in effect today). Launching again while the campaign is open
    adds those who became responsible chiefs since; nobody is rated twice in one cycle."""
    settings = feedback_settings(cycle)
    Campaign.objects.get_or_create(cycle=cycle, entity=entity)
    campaign = (
        Campaign.objects.select_for_update().select_related("cycle").get(cycle=cycle, entity=entity)
    )
    roles = campaign_roles(actor, campaign)
    if campaign.state == S.PLANNED:
        CAMPAIGN.apply(campaign, "launch", roles)
        campaign.launched_by = actor
        campaign.launched_on = timezone.localdate()
        campaign.save(update_fields=["state", "launched_by", "launched_on"])
    else:
        # Launched already: the same rule says whether it may take in newcomers.
        if campaign.state != S.OPEN or "hr" not in roles:
            CAMPAIGN.check(campaign, "launch", roles)
        refusal = launch_refusal(campaign)
        if refusal:
            raise ApplicationError(refusal)
    already = set(
        RatedManager.objects.filter(campaign__cycle=cycle).values_list("manager_id", flat=True)
    )
    chiefs = [
        pk
        for pk in responsible_chiefs(
            entity=entity, cycle=cycle, minimum=settings.minimum_group_size
        )
        if pk not in already
    ]
    RatedManager.objects.bulk_create(
        RatedManager(campaign=campaign, manager_id=pk) for pk in sorted(chiefs)
    )
    return LaunchResult(campaign=campaign, added=len(chiefs))


@transaction.atomic
def close_campaign(*, campaign: Campaign, actor: User | None = None) -> Campaign:
    """Close a campaign whose window has passed (an HR focal point of the entity, or the daily
    task when `actor` is None), counting the answers still sealed.

    Rule: a group whose answers reach the minimum has them all counted; a group that never
    reached it has its sealed answers destroyed unread (they could never be shown)."""
    campaign = Campaign.objects.select_for_update().select_related("cycle").get(pk=campaign.pk)
    roles = frozenset({"system"}) if actor is None else campaign_roles(actor, campaign)
    CAMPAIGN.apply(campaign, "close", roles)
    campaign.closed_on = timezone.localdate()
    campaign.save(update_fields=["state", "closed_on"])
    settings = settings_for(campaign.cycle)
    questions = list(UpwardQuestion.objects.filter(cycle_id=campaign.cycle_id))
    for rated in RatedManager.objects.select_for_update().filter(campaign=campaign):
        ballots = _take_pool(rated)
        if ballots and rated.counted + len(ballots) >= settings.minimum_group_size:
            _count(rated, ballots, questions, settings.scale_top)
    return campaign


def close_finished_campaigns() -> int:
    """The daily task: close every launched campaign whose window has passed. Each in its own
    transaction; returns how many were closed."""
    today = timezone.localdate()
    closed = 0
    for campaign in Campaign.objects.filter(state=S.OPEN).select_related("cycle"):
        _, closes = settings_for(campaign.cycle).window()
        if closes < today:
            close_campaign(campaign=campaign)
            closed += 1
    return closed


# --- answers ----------------------------------------------------------------------------------


@transaction.atomic
def give_upward_feedback(
    *,
    rated: RatedManager,
    actor: User,
    answers: Mapping[int, int],
    comments: Mapping[int, str] | None = None,
    today: datetime.date | None = None,
) -> None:
    """A supervisee answers the questionnaire on their FRO: a value for every question, an
    optional comment on any.

    Rule (docs/rules.md section 9): a current supervisee of the rated manager, while the
    campaign is launched and its window open, once. Anonymity: what is written is a
    `Participation` row (who, on whom; nothing else) and a sealed ballot of the group; the
    group's sealed ballots are rewritten in random order under fresh keys, and counted into
    the totals as soon as there are at least the minimum of them."""
    today = today or timezone.localdate()
    rated = (
        RatedManager.objects.select_for_update()
        .select_related("campaign__cycle", "manager__user")
        .get(pk=rated.pk)
    )
    refusal = answer_refusal(rated, actor, today)
    if refusal:
        raise ApplicationError(refusal)
    settings = settings_for(rated.campaign.cycle)
    questions = list(UpwardQuestion.objects.filter(cycle_id=rated.campaign.cycle_id))
    ballot = _ballot(questions, answers, comments or {}, settings.scale_top)
    try:
        with transaction.atomic():
            Participation.objects.create(rated=rated, respondent=actor)
    except IntegrityError as exc:
        raise ApplicationError(
            interpolate(
                gettext("You have already given your feedback on %(name)s."),
                {"name": rated.manager.user},
            )
        ) from exc
    ballots = [*_take_pool(rated), ballot]
    if len(ballots) >= settings.minimum_group_size:
        _count(rated, ballots, questions, settings.scale_top)
    else:
        _random.shuffle(ballots)
        SealedBallot.objects.bulk_create(
            SealedBallot(rated=rated, sealed=seal(each, rated_id=rated.pk)) for each in ballots
        )


def _ballot(
    questions: Sequence[UpwardQuestion],
    answers: Mapping[int, int],
    comments: Mapping[int, str],
    top: int,
) -> dict[str, Any]:
    """The answers as a ballot ({"a": {question id: value}, "c": {question id: comment}}),
    refused unless every question of the cycle has a value on the scale."""
    known = {q.pk for q in questions}
    if set(answers) != known:
        raise ApplicationError(
            interpolate(gettext("Answer every question, from 1 to %(top)s."), {"top": top})
        )
    values: dict[str, int] = {}
    for pk, value in answers.items():
        if not isinstance(value, int) or not 1 <= value <= top:
            raise ApplicationError(
                interpolate(gettext("Answer every question, from 1 to %(top)s."), {"top": top})
            )
        values[str(pk)] = value
    texts: dict[str, str] = {}
    for pk, text in comments.items():
        text = (text or "").strip()
        if pk not in known or not text:
            continue
        if len(text) > COMMENT_MAX_LENGTH:
            raise ApplicationError(
                interpolate(
                    gettext("A comment has at most %(count)s characters."),
                    {"count": COMMENT_MAX_LENGTH},
                )
            )
        texts[str(pk)] = text
    return {"a": values, "c": texts}


def _take_pool(rated: RatedManager) -> list[dict[str, Any]]:
    """The group's sealed ballots, opened and removed from the table."""
    found = list(SealedBallot.objects.filter(rated_id=rated.pk))
    SealedBallot.objects.filter(pk__in=[b.pk for b in found]).delete()
    return [unseal(bytes(b.sealed), rated_id=rated.pk) for b in found]


def _count(
    rated: RatedManager,
    ballots: Sequence[dict[str, Any]],
    questions: Sequence[UpwardQuestion],
    top: int,
) -> None:
    """Add `ballots` (at least the minimum, or the rest at the close) to the group's totals:
    every counter of the group rewritten in one statement, changed or not, and the comments
    inserted in random order with random keys."""
    counters = {(c.question_id, c.value): c for c in AnswerCount.objects.filter(rated=rated)}
    missing = [
        AnswerCount(rated=rated, question=q, value=value)
        for q in questions
        for value in range(1, top + 1)
        if (q.pk, value) not in counters
    ]
    for counter in AnswerCount.objects.bulk_create(missing):
        counters[(counter.question_id, counter.value)] = counter
    comments = []
    for ballot in ballots:
        for pk, value in ballot["a"].items():
            if (found := counters.get((int(pk), value))) is not None:
                found.count += 1
        for pk, text in ballot["c"].items():
            if any(q.pk == int(pk) for q in questions):
                comments.append(AnswerComment(rated=rated, question_id=int(pk), text=text))
    _random.shuffle(comments)
    AnswerCount.objects.bulk_update(list(counters.values()), ["count"])
    AnswerComment.objects.bulk_create(comments)
    rated.counted += len(ballots)
    rated.save(update_fields=["counted"])


# --- colleague feedback (attributed) ----------------------------------------------------------


def _locked_round(document: WorkPlan) -> ColleagueRound:
    """The document's colleague round under a row lock (created as a draft the first time),
    the document locked first as every service of a document does."""
    document = lock_document(document)
    ColleagueRound.objects.get_or_create(document=document)
    round_ = ColleagueRound.objects.select_for_update().get(document=document)
    round_.document = document
    return round_


def _require(round_: ColleagueRound, roles: frozenset[str], action: str, refusal: str) -> None:
    if action not in colleague_actions(round_, roles):
        raise ApplicationError(refusal)


@transaction.atomic
def add_colleague(*, document: WorkPlan, actor: User, colleague: User) -> ColleagueRequest:
    """Name a colleague (or a person served, inside or outside the entity) to give feedback.

    Rule (docs/rules.md section 9): the staff member proposes while the list is theirs, the
    FRO adds while confirming it or, once confirmed, to replace someone who declined (asked
    at once); at most the cycle's maximum who have not declined; never someone who holds a
    role on the document (`workplans.conflicts`)."""
    round_ = _locked_round(document)
    roles = colleague_roles(actor, round_.document)
    _require(round_, roles, "edit_list", gettext("You may not change this list of colleagues now."))
    if not colleague.is_active:
        raise ApplicationError(
            interpolate(gettext("%(name)s's account is not active."), {"name": colleague})
        )
    held = role_holders(round_.document).get(colleague.pk)
    if held:
        raise ApplicationError(
            interpolate(
                gettext(
                    "%(name)s already holds a role on this document: colleagues give feedback "
                    "from outside the reporting line."
                ),
                {"name": colleague},
            )
        )
    settings = settings_for(round_.document.cycle)
    active = round_.requests.exclude(state=ColleagueRequest.State.DECLINED)
    if active.filter(colleague=colleague).exists():
        raise ApplicationError(
            interpolate(gettext("%(name)s is already on the list."), {"name": colleague})
        )
    if active.count() >= settings.colleague_maximum:
        raise ApplicationError(
            interpolate(
                gettext("At most %(count)s colleagues are asked."),
                {"count": settings.colleague_maximum},
            )
        )
    confirmed = round_.state == ColleagueRound.State.CONFIRMED
    request, _ = ColleagueRequest.objects.update_or_create(
        round=round_,
        colleague=colleague,
        defaults={
            "proposed_by": actor,
            "state": ColleagueRequest.State.ASKED if confirmed else ColleagueRequest.State.PROPOSED,
            "decline_reason": "",
        },
    )
    if confirmed:
        _ask([request], round_)
    return request


@transaction.atomic
def remove_colleague(*, request: ColleagueRequest, actor: User) -> None:
    """Take a name off the list before the colleagues are asked."""
    round_ = _locked_round(request.round.document)
    roles = colleague_roles(actor, round_.document)
    _require(round_, roles, "edit_list", gettext("You may not change this list of colleagues now."))
    if request.state != ColleagueRequest.State.PROPOSED:
        raise ApplicationError(
            interpolate(gettext("%(name)s has been asked already."), {"name": request.colleague})
        )
    request.delete()


@transaction.atomic
def submit_colleagues(*, document: WorkPlan, actor: User) -> ColleagueRound:
    """The staff member sends their list to the FRO (3 to 5 names, cycle settings)."""
    round_ = _locked_round(document)
    ROUND.apply(round_, "submit", colleague_roles(actor, round_.document))
    round_.submitted_at = timezone.now()
    round_.return_comment = ""
    round_.save(update_fields=["state", "submitted_at", "return_comment"])
    line = line_in_effect(round_.document.staff_id, round_.document.cycle_id)
    notify(
        users=[line.fro.user if line else None],
        subject=phrase(
            gettext_noop("Colleagues to confirm for %(name)s's feedback"),
            name=round_.document.staff.user,
        ),
        body=phrase(
            gettext_noop(
                "%(name)s proposed the colleagues who will give feedback on their work: "
                "confirm the list, change it or return it."
            ),
            name=round_.document.staff.user,
        ),
    )
    return round_


@transaction.atomic
def return_colleagues(*, document: WorkPlan, actor: User, comment: str) -> ColleagueRound:
    """The FRO returns the list to the staff member, saying why."""
    comment = comment.strip()
    if not comment:
        raise ApplicationError(gettext("Say why the list goes back to the staff member."))
    round_ = _locked_round(document)
    ROUND.apply(round_, "return", colleague_roles(actor, round_.document))
    round_.return_comment = comment
    round_.save(update_fields=["state", "return_comment"])
    notify(
        users=[round_.document.staff.user],
        subject=phrase(gettext_noop("Your FRO returned your list of colleagues")),
        body=phrase(
            gettext_noop("%(fro)s returned the list: %(comment)s"), fro=actor, comment=comment
        ),
    )
    return round_


@transaction.atomic
def confirm_colleagues(*, document: WorkPlan, actor: User) -> ColleagueRound:
    """The FRO confirms the list: each colleague is asked, with a due date the cycle's
    answer days away."""
    round_ = _locked_round(document)
    ROUND.apply(round_, "confirm", colleague_roles(actor, round_.document))
    settings = settings_for(round_.document.cycle)
    round_.confirmed_by = actor
    round_.confirmed_at = timezone.now()
    round_.due = timezone.localdate() + datetime.timedelta(days=settings.colleague_answer_days)
    round_.save(update_fields=["state", "confirmed_by", "confirmed_at", "due"])
    proposed = list(round_.requests.filter(state=ColleagueRequest.State.PROPOSED))
    for request in proposed:
        request.state = ColleagueRequest.State.ASKED
    ColleagueRequest.objects.bulk_update(proposed, ["state"])
    _ask(proposed, round_)
    return round_


def _ask(requests: Sequence[ColleagueRequest], round_: ColleagueRound) -> None:
    for request in requests:
        notify(
            users=[request.colleague],
            subject=phrase(
                gettext_noop("Your feedback on %(name)s's work is asked"),
                name=round_.document.staff.user,
            ),
            body=phrase(
                gettext_noop(
                    "%(name)s and their FRO ask for your feedback on %(name)s's work "
                    "(strengths, areas to develop, examples) by %(date)s. You may decline."
                ),
                name=round_.document.staff.user,
                date=round_.due,
            ),
        )


def _locked_request(request: ColleagueRequest) -> ColleagueRequest:
    _locked_round(request.round.document)
    return (
        ColleagueRequest.objects.select_for_update()
        .select_related("round__document__cycle", "round__document__staff__user")
        .get(pk=request.pk)
    )


def _request_roles(request: ColleagueRequest, actor: User) -> frozenset[str]:
    return frozenset({"colleague"}) if request.colleague_id == actor.pk else frozenset()


@transaction.atomic
def answer_colleague_request(
    *,
    request: ColleagueRequest,
    actor: User,
    strengths: str,
    areas_to_develop: str,
    examples: str = "",
) -> ColleagueRequest:
    """The colleague answers: strengths and areas to develop (required), examples; signed
    with their name, the time and the SHA-256 of what they wrote."""
    request = _locked_request(request)
    REQUEST.check(request, "answer", _request_roles(request, actor))
    request.strengths, request.areas_to_develop = strengths.strip(), areas_to_develop.strip()
    request.examples = examples.strip()
    if not (request.strengths and request.areas_to_develop):
        raise ApplicationError(gettext("Write the strengths and the areas to develop."))
    REQUEST.apply(request, "answer", _request_roles(request, actor))
    request.answered_at = timezone.now()
    request.content_hash = content_hash(request.signed_content())
    request.save()
    return request


@transaction.atomic
def decline_colleague_request(
    *, request: ColleagueRequest, actor: User, reason: str
) -> ColleagueRequest:
    """The colleague declines, with a reason the staff member and FRO read (the FRO may ask
    someone else)."""
    request = _locked_request(request)
    REQUEST.check(request, "decline", _request_roles(request, actor))
    if not reason.strip():
        raise ApplicationError(gettext("Say why you decline."))
    REQUEST.apply(request, "decline", _request_roles(request, actor))
    request.decline_reason = reason.strip()
    request.answered_at = timezone.now()
    request.save(update_fields=["state", "decline_reason", "answered_at"])
    line = line_in_effect(request.round.document.staff_id, request.round.document.cycle_id)
    notify(
        users=[line.fro.user if line else None],
        subject=phrase(
            gettext_noop("%(colleague)s declined to give feedback on %(name)s"),
            colleague=actor,
            name=request.round.document.staff.user,
        ),
        body=phrase(
            gettext_noop("Their reason: %(reason)s. You may ask someone else."),
            reason=request.decline_reason,
        ),
    )
    return request


# --- recognition ------------------------------------------------------------------------------

NOTE_MAX_LENGTH = 500


@transaction.atomic
def send_recognition(
    *, cycle: Cycle, actor: User, recipient: StaffMember, competency_id: int, text: str
) -> RecognitionNote:
    """Anyone sends a colleague a note of recognition tied to a value or competency of the
    cycle's catalogue (docs/rules.md section 9); the recipient is told by email."""
    if cycle.status != Cycle.Status.OPEN:
        raise ApplicationError(gettext("Recognition notes are sent in an open cycle."))
    if recipient.pk == actor.pk:
        raise ApplicationError(gettext("A note of recognition goes to someone else."))
    if not (recipient.is_active and recipient.user.is_active):
        raise ApplicationError(
            interpolate(gettext("%(name)s is not an active staff member."), {"name": recipient})
        )
    competency = Competency.objects.filter(
        pk=competency_id, framework=cycle.competency_framework
    ).first()
    if competency is None:
        raise ApplicationError(gettext("Choose a value or competency of the cycle's catalogue."))
    text = text.strip()
    if not text or len(text) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            interpolate(
                gettext("Write a short note (at most %(count)s characters)."),
                {"count": NOTE_MAX_LENGTH},
            )
        )
    note = RecognitionNote.objects.create(
        cycle=cycle, sender=actor, recipient=recipient, competency=competency, text=text
    )
    notify(
        users=[recipient.user],
        subject=phrase(gettext_noop("%(name)s recognised your work"), name=actor),
        body=phrase(
            gettext_noop("%(name)s sent you a note of recognition (%(competency)s): %(text)s"),
            name=actor,
            competency=phrase(competency.name),
            text=text,
        ),
    )
    return note


def _locked_note(note: RecognitionNote) -> RecognitionNote:
    return RecognitionNote.objects.select_for_update().select_related("cycle").get(pk=note.pk)


@transaction.atomic
def attach_note(*, note: RecognitionNote, actor: User) -> RecognitionNote:
    """The recipient attaches a note to their document of the note's cycle: it shows on the
    evaluation and in the PDF."""
    note = _locked_note(note)
    NOTE.apply(note, "attach", note_roles(actor, note))
    note.document = WorkPlan.objects.get(staff_id=note.recipient_id, cycle_id=note.cycle_id)
    note.save(update_fields=["state", "document"])
    return note


@transaction.atomic
def detach_note(*, note: RecognitionNote, actor: User) -> RecognitionNote:
    note = _locked_note(note)
    NOTE.apply(note, "detach", note_roles(actor, note))
    note.document = None
    note.save(update_fields=["state", "document"])
    return note


@transaction.atomic
def withdraw_note(*, note: RecognitionNote, actor: User) -> RecognitionNote:
    """Its author withdraws a note within 24 hours (taken off the document too)."""
    note = _locked_note(note)
    NOTE.apply(note, "withdraw", note_roles(actor, note))
    note.withdrawn_at = timezone.now()
    note.document = None
    note.save(update_fields=["state", "withdrawn_at", "document"])
    return note
