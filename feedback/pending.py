"""What waits on feedback, for the reminder sweep and broadcasts (`pmsystem.pending`).

- upward_feedback: a supervisee gives their anonymous feedback on their FRO, a rated manager
  of a launched campaign, while its window is open; due the day it closes. Reminded before
  that day (the cycle's `reminder_days_before`) and never after it: the window is closed then,
  and nobody is escalated to (feedback is the supervisee's to give, and their FRO is the
  person rated). Answering stops the reminders: the `Participation` row says who answered,
  and nothing else.
Four queries whatever the number of campaigns: campaigns with their settings, rated managers,
their supervisees' lines in effect, the participations.

Colleague feedback: colleague_answer, colleague_confirmation, colleague_proposal (see
`_colleague_actions`).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Collection, Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Cycle
from org.relations import lines_in_effect
from pmsystem.pending import PendingAction, Stage
from workplans.models import WorkPlan
from workplans.pending import current_lines, document_action, hods_by_entity, open_cycles

from .models import (
    Campaign,
    ColleagueRequest,
    ColleagueRound,
    Participation,
    RatedManager,
    settings_for,
)
from .selectors import CONFIRMATION_DAYS

STAGES = (
    Stage("upward_feedback", _("Upward feedback on your FRO"), "staff", None),
    Stage(
        "colleague_proposal",
        _("Colleague feedback: naming colleagues for the probation mid-term"),
        "staff",
        "feedback:colleagues",
    ),
    Stage(
        "colleague_confirmation",
        _("Colleague feedback: confirmation by the FRO"),
        "fro",
        "feedback:colleagues",
    ),
    Stage("colleague_answer", _("Colleague feedback: your answer"), "colleague", None),
)


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    """One action per current supervisee of a rated manager who has not answered, while the
    campaign's window is open; and the colleague feedback waiting (`_colleague_actions`)."""
    yield from _upward_actions(today=today, entity_ids=entity_ids)
    yield from _colleague_actions(today=today, entity_ids=entity_ids)


def _upward_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None
) -> Iterator[PendingAction]:
    campaigns = Campaign.objects.filter(
        state=Campaign.State.OPEN, cycle__status=Cycle.Status.OPEN
    ).select_related("cycle__feedback_settings")
    if entity_ids is not None:
        campaigns = campaigns.filter(entity_id__in=list(entity_ids))
    open_now: dict[int, tuple[Campaign, datetime.date]] = {}
    for campaign in campaigns:
        settings = settings_for(campaign.cycle)
        opens, closes = settings.window()
        if settings.upward_enabled and opens <= today <= closes:
            open_now[campaign.pk] = (campaign, closes)
    if not open_now:
        return
    rated = {
        (cycle_id, manager_id): (pk, campaign_id)
        for pk, campaign_id, cycle_id, manager_id in RatedManager.objects.filter(
            campaign_id__in=list(open_now)
        ).values_list("pk", "campaign_id", "campaign__cycle_id", "manager_id")
    }
    if not rated:
        return
    answered = set(
        Participation.objects.filter(rated__campaign_id__in=list(open_now)).values_list(
            "rated_id", "respondent_id"
        )
    )
    lines = (
        lines_in_effect(today)
        .filter(
            cycle_id__in={cycle_id for cycle_id, _ in rated},
            fro_id__in=RatedManager.objects.filter(campaign_id__in=list(open_now)).values(
                "manager_id"
            ),
            staff__is_active=True,
            staff__user__is_active=True,
        )
        .values_list("cycle_id", "fro_id", "staff_id", "staff__unit_id")
    )
    for cycle_id, fro_id, staff_id, unit_id in lines.iterator(chunk_size=5000):
        found = rated.get((cycle_id, fro_id))
        if found is None:
            continue
        rated_id, campaign_id = found
        if (rated_id, staff_id) in answered:
            continue
        campaign, closes = open_now[campaign_id]
        yield PendingAction(
            subject=f"upward:{rated_id}",
            stage="upward_feedback",
            responsible_id=staff_id,
            due=closes,
            cycle_id=cycle_id,
            # The reminder names the manager the feedback is on.
            staff_id=fro_id,
            entity_id=campaign.entity_id,
            unit_id=unit_id,
        )


def _colleague_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None
) -> Iterator[PendingAction]:
    """Colleague feedback in open cycles (docs/rules.md section 9), escalated to the FRO:
    - colleague_answer: each colleague asked who has not answered or declined, due the
      round's due date;
    - colleague_confirmation: the FRO confirms a submitted list within a week;
    - colleague_proposal: a staff member on probation names colleagues (no list sent yet),
      due their mid-term when it falls in the cycle.
    Six queries: open cycles, requests, rounds, documents of staff on probation, their
    owners, lines (and the HODs)."""
    cycles = open_cycles()
    if not cycles:
        return
    documents = WorkPlan.objects.filter(cycle_id__in=list(cycles))
    if entity_ids is not None:
        documents = documents.filter(staff__unit__entity_id__in=list(entity_ids))
    asked = list(
        ColleagueRequest.objects.filter(
            state=ColleagueRequest.State.ASKED, round__document__in=documents
        ).values_list("pk", "colleague_id", "round__due", "round__document_id")
    )
    submitted = list(
        ColleagueRound.objects.filter(
            state=ColleagueRound.State.SUBMITTED, document__in=documents
        ).values_list("document_id", "submitted_at")
    )
    probation = [
        document
        for document in documents.filter(staff__on_probation=True)
        .exclude(
            colleague_round__state__in=[
                ColleagueRound.State.SUBMITTED,
                ColleagueRound.State.CONFIRMED,
            ]
        )
        .select_related("staff", "cycle__feedback_settings")
    ]
    needed = {row[3] for row in asked} | {row[0] for row in submitted} | {d.pk for d in probation}
    if not needed:
        return
    by_document, cycle_of = {}, {}
    for pk, staff_id, cycle_id in WorkPlan.objects.filter(pk__in=needed).values_list(
        "pk", "staff_id", "cycle_id"
    ):
        by_document[pk], cycle_of[pk] = staff_id, cycle_id
    lines = current_lines(cycles, entity_ids, staff_ids=set(by_document.values()))
    hods = hods_by_entity(today)

    def action(document_id: int, **fields) -> PendingAction | None:
        line = lines.get((cycle_of[document_id], by_document[document_id]))
        if line is None:
            return None
        found = document_action(line, document_id=document_id, hods=hods, **fields)
        # Late colleague feedback is the FRO's to follow up, not the HOD's.
        return dataclasses.replace(found, escalation=(("fro", (line.fro_id,)),))

    for pk, colleague_id, due, document_id in asked:
        if due is None:
            continue
        found = action(document_id, stage="colleague_answer", responsible_id=colleague_id, due=due)
        if found is not None:
            yield dataclasses.replace(found, subject=f"colleague:{pk}")
    for document_id, submitted_at in submitted:
        line = lines.get((cycle_of[document_id], by_document[document_id]))
        if line is None or submitted_at is None:
            continue
        found = action(
            document_id,
            stage="colleague_confirmation",
            responsible_id=line.fro_id,
            due=timezone.localdate(submitted_at) + datetime.timedelta(days=CONFIRMATION_DAYS),
        )
        if found is not None:
            yield found
    for document in probation:
        midterm = settings_for(document.cycle).probation_midterm(document.staff)
        if not document.cycle.start <= midterm <= document.cycle.end:
            continue
        found = action(
            document.pk,
            stage="colleague_proposal",
            responsible_id=document.staff_id,
            due=midterm,
        )
        if found is not None:
            yield found
