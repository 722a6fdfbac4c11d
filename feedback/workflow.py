"""Feedback's documents: every state and transition, declared once.

The upward-feedback campaign (`CAMPAIGN`). Roles: `hr` (an HR focal point of the campaign's
entity today) and `system` (the daily task that closes campaigns whose window has passed).
Answering is not a transition of the campaign: it is each supervisee's own act, with its
rule in `feedback.permissions`.

Colleague feedback (`ROUND`, `REQUEST`): the staff member proposes the list and sends it, the
FRO returns or confirms it (roles: the document relations of
`workplans.permissions.relations_for`); each colleague (`colleague`) answers or declines.

Recognition notes (`NOTE`): the recipient (`recipient`) attaches a note to their document or
takes it off; its author (`sender`) withdraws it within 24 hours.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from org.models import Cycle
from pmsystem.i18n import interpolate
from pmsystem.workflow import Transition, Workflow
from workplans.models import WorkPlan

from .models import Campaign, ColleagueRequest, ColleagueRound, RecognitionNote, settings_for

S = Campaign.State


def launch_refusal(campaign: Campaign) -> str | None:
    """Rule (docs/rules.md section 9): upward feedback is on for the cycle, the cycle is open
    and the window has not closed yet."""
    settings = settings_for(campaign.cycle)
    if not settings.upward_enabled:
        return interpolate(
            gettext("Upward feedback is switched off for the cycle %(cycle)s."),
            {"cycle": campaign.cycle.name},
        )
    if campaign.cycle.status != Cycle.Status.OPEN:
        return gettext("Upward feedback is launched in an open cycle only.")
    _, closes = settings.window()
    if timezone.localdate() > closes:
        return interpolate(
            gettext("The upward-feedback window closed on %(date)s."),
            {"date": date_format(closes, "DATE_FORMAT")},
        )
    return None


def close_refusal(campaign: Campaign) -> str | None:
    """Rule: a campaign is closed (its last answers counted) once its window has passed,
    even in a cycle closed since: sealed answers are never left waiting."""
    _, closes = settings_for(campaign.cycle).window()
    if timezone.localdate() <= closes:
        return interpolate(
            gettext("Upward feedback stays open until %(date)s: close it after that day."),
            {"date": date_format(closes, "DATE_FORMAT")},
        )
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


# --- colleague feedback -----------------------------------------------------------------------

R = ColleagueRound.State
Q = ColleagueRequest.State


def _cycle_closed(round_: ColleagueRound) -> str | None:
    if round_.document.cycle.status == Cycle.Status.CLOSED:
        return interpolate(
            gettext("The cycle %(cycle)s is closed: it is read-only."),
            {"cycle": round_.document.cycle.name},
        )
    return None


def colleague_count_refusal(round_: ColleagueRound) -> str | None:
    """Rule (docs/rules.md section 9): three to five colleagues (cycle settings), counting
    those who have not declined."""
    settings = settings_for(round_.document.cycle)
    count = round_.requests.exclude(state=Q.DECLINED).count()
    if not settings.colleague_minimum <= count <= settings.colleague_maximum:
        return interpolate(
            gettext("Name from %(minimum)s to %(maximum)s colleagues (now %(count)s)."),
            {
                "minimum": settings.colleague_minimum,
                "maximum": settings.colleague_maximum,
                "count": count,
            },
        )
    return None


ROUND = Workflow(
    document="colleague feedback",
    state_field="state",
    states=dict(R.choices),
    too_early=_("This list of colleagues is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This list of colleagues is %(state)s: it can no longer be %(past)s."),
    closed=_cycle_closed,
    transitions=[
        Transition(
            "submit",
            _("Send to the FRO"),
            (R.DRAFT,),
            R.SUBMITTED,
            frozenset({"staff"}),
            guard=colleague_count_refusal,
            action=_("send this list of colleagues to the FRO"),
            past=pgettext_lazy("colleague list", "sent"),
        ),
        Transition(
            "return",
            _("Return to the staff member"),
            (R.SUBMITTED,),
            R.DRAFT,
            frozenset({"fro"}),
            action=_("return this list of colleagues"),
            past=pgettext_lazy("colleague list", "returned"),
        ),
        Transition(
            "confirm",
            _("Confirm and ask the colleagues"),
            (R.SUBMITTED,),
            R.CONFIRMED,
            frozenset({"fro"}),
            guard=colleague_count_refusal,
            action=_("confirm this list of colleagues"),
            past=pgettext_lazy("colleague list", "confirmed"),
        ),
    ],
)

REQUEST = Workflow(
    document="colleague request",
    state_field="state",
    states=dict(Q.choices),
    too_early=_("This request is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This request is %(state)s: it can no longer be %(past)s."),
    closed=lambda request: _cycle_closed(request.round),
    transitions=[
        Transition(
            "answer",
            _("Give feedback"),
            (Q.ASKED,),
            Q.ANSWERED,
            frozenset({"colleague"}),
            signs=True,
            action=_("answer this request"),
            past=pgettext_lazy("colleague request", "answered"),
        ),
        Transition(
            "decline",
            _("Decline"),
            (Q.ASKED,),
            Q.DECLINED,
            frozenset({"colleague"}),
            action=_("decline this request"),
            past=pgettext_lazy("colleague request", "declined"),
        ),
    ],
)


# --- recognition ------------------------------------------------------------------------------

N = RecognitionNote.State
# Rule (docs/rules.md section 9): a note may be withdrawn by its author within a day.
WITHDRAW_WITHIN = datetime.timedelta(hours=24)


def _withdraw_refusal(note: RecognitionNote) -> str | None:
    if timezone.now() > note.sent_at + WITHDRAW_WITHIN:
        return gettext("A note can be withdrawn within 24 hours of sending it only.")
    return None


def _attach_refusal(note: RecognitionNote) -> str | None:
    if not WorkPlan.objects.filter(staff_id=note.recipient_id, cycle_id=note.cycle_id).exists():
        return interpolate(
            gettext("There is no %(cycle)s document to attach it to yet."),
            {"cycle": note.cycle.name},
        )
    return None


def _note_cycle_closed(note: RecognitionNote) -> str | None:
    if note.cycle.status == Cycle.Status.CLOSED:
        return interpolate(
            gettext("The cycle %(cycle)s is closed: it is read-only."), {"cycle": note.cycle.name}
        )
    return None


NOTE = Workflow(
    document="recognition note",
    state_field="state",
    states=dict(N.choices),
    too_early=_("This note is %(state)s: it cannot be %(past)s yet."),
    too_late=_("This note is %(state)s: it can no longer be %(past)s."),
    closed=_note_cycle_closed,
    transitions=[
        Transition(
            "attach",
            _("Attach to my document"),
            (N.SENT,),
            N.ATTACHED,
            frozenset({"recipient"}),
            guard=_attach_refusal,
            action=_("attach this note"),
            past=pgettext_lazy("recognition note", "attached"),
        ),
        Transition(
            "detach",
            _("Take off my document"),
            (N.ATTACHED,),
            N.SENT,
            frozenset({"recipient"}),
            action=_("take this note off the document"),
            past=pgettext_lazy("recognition note", "taken off"),
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            (N.SENT, N.ATTACHED),
            N.WITHDRAWN,
            frozenset({"sender"}),
            guard=_withdraw_refusal,
            action=_("withdraw this note"),
            past=pgettext_lazy("recognition note", "withdrawn"),
        ),
    ],
)
