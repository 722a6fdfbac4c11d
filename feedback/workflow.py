"""The upward-feedback campaign: every state and transition, declared once.

Roles: `hr` (an HR focal point of the campaign's entity today) and `system` (the daily task
that closes campaigns whose window has passed). Answering is not a transition of the
campaign: it is each supervisee's own act, with its rule in `feedback.permissions`.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from org.models import Cycle
from pmsystem.workflow import Transition, Workflow

from .models import Campaign, settings_for

S = Campaign.State


def launch_refusal(campaign: Campaign) -> str | None:
    """Rule (docs/rules.md section 9): upward feedback is on for the cycle, the cycle is open
    and the window has not closed yet."""
    settings = settings_for(campaign.cycle)
    if not settings.upward_enabled:
        return gettext("Upward feedback is switched off for the cycle %(cycle)s.") % {
            "cycle": campaign.cycle.name
        }
    if campaign.cycle.status != Cycle.Status.OPEN:
        return gettext("Upward feedback is launched in an open cycle only.")
    _, closes = settings.window()
    if timezone.localdate() > closes:
        return gettext("The upward-feedback window closed on %(date)s.") % {
            "date": date_format(closes, "DATE_FORMAT")
        }
    return None


def close_refusal(campaign: Campaign) -> str | None:
    """Rule: a campaign is closed (its last answers counted) once its window has passed,
    even in a cycle closed since: sealed answers are never left waiting."""
    _, closes = settings_for(campaign.cycle).window()
    if timezone.localdate() <= closes:
        return gettext("Upward feedback stays open until %(date)s: close it after that day.") % {
            "date": date_format(closes, "DATE_FORMAT")
        }
    return None


CAMPAIGN = Workflow(
    document="campaign",
    state_field="state",
    states=dict(S.choices),
    too_early=_("This campaign is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This campaign is %(state)s: it can no longer be %(past)s."),
    transitions=[
        Transition(
            "launch",
            _("Launch upward feedback"),
            (S.PLANNED,),
            S.OPEN,
            frozenset({"hr"}),
            guard=launch_refusal,
            action=_("launch this campaign"),
            past=pgettext_lazy("campaign", "launched"),
        ),
        Transition(
            "close",
            _("Close upward feedback"),
            (S.OPEN,),
            S.CLOSED,
            frozenset({"hr", "system"}),
            guard=close_refusal,
            action=_("close this campaign"),
            past=pgettext_lazy("campaign", "closed"),
        ),
    ],
)
