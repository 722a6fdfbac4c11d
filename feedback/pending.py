"""What waits on feedback, for the reminder sweep and broadcasts (`pmsystem.pending`).

- upward_feedback: a supervisee gives their anonymous feedback on their FRO, a rated manager
  of a launched campaign, while its window is open; due the day it closes. Reminded before
  that day (the cycle's `reminder_days_before`) and never after it: the window is closed then,
  and nobody is escalated to (feedback is the supervisee's to give, and their FRO is the
  person rated). Answering stops the reminders: the `Participation` row says who answered,
  and nothing else.
Four queries whatever the number of campaigns: campaigns with their settings, rated managers,
their supervisees' lines in effect, the participations.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator

from django.utils.translation import gettext_lazy as _

from org.models import Cycle
from org.relations import lines_in_effect
from pmsystem.pending import PendingAction, Stage

from .models import Campaign, Participation, RatedManager, settings_for

STAGES = (Stage("upward_feedback", _("Upward feedback on your FRO"), "staff", None),)


def pending_actions(
    *, today: datetime.date, entity_ids: Collection[int] | None = None
) -> Iterator[PendingAction]:
    """One action per current supervisee of a rated manager who has not answered, while the
    campaign's window is open."""
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
