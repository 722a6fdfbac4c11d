"""Who may do what with feedback, derived from today's dated relations (`org.relations`).

- A supervisee answers on their FRO: the reporting line in effect today, in the campaign's
  cycle, names the rated manager as their FRO.
- The rated manager reads their results, and so do their own FRO and SRO (the lines in effect
  today for the manager in the campaign's cycle).
- An HR focal point of the entity (a current department role) launches and closes its
  campaign and reads participation and the entity's aggregates, never a manager's results.
- Colleague feedback: the staff member proposes colleagues, the FRO confirms them (the
  document's relations, `workplans.permissions.relations_for`); the FRO and SRO read the
  answers, the staff member too when the cycle says so; each colleague sees their own request.
- Recognition: the author and the recipient read a note, and the recipient's FRO (the line in
  effect in the note's cycle); HR focal points see counts per entity and unit, never notes.
Nothing is granted and stored: a line or role that changes changes access at once.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext

from org.models import Cycle, DepartmentRole, OrgUnit, User
from org.relations import current_department_roles, lines_in_effect
from pmsystem.i18n import interpolate
from workplans.models import WorkPlan
from workplans.permissions import relations_for

from .models import (
    Campaign,
    ColleagueRequest,
    ColleagueRound,
    Participation,
    RatedManager,
    RecognitionNote,
    settings_for,
)
from .workflow import ROUND

S = Campaign.State


def hr_entity_ids(user: User, on: datetime.date | None = None) -> QuerySet:
    """The entities `user` is an HR focal point of today (a subquery of ids)."""
    return (
        current_department_roles(on)
        .filter(user_id=user.pk, role=DepartmentRole.Role.HR_FOCAL_POINT)
        .values("entity_id")
    )


def campaign_entities(user: User) -> QuerySet[OrgUnit]:
    """The entities whose upward-feedback campaigns `user` runs: one query."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(pk__in=hr_entity_ids(user))


def visible_campaigns(user: User) -> QuerySet[Campaign]:
    if not user.is_authenticated:
        return Campaign.objects.none()
    return Campaign.objects.filter(entity_id__in=hr_entity_ids(user))


def campaign_roles(user: User, campaign: Campaign) -> frozenset[str]:
    """`hr` when `user` is an HR focal point of the campaign's entity today (one query)."""
    if hr_entity_ids(user).filter(entity_id=campaign.entity_id).exists():
        return frozenset({"hr"})
    return frozenset()


def answerable(user: User, on: datetime.date | None = None) -> QuerySet[RatedManager]:
    """The rated managers `user` answers on: those who are their FRO in the line in effect
    today in the campaign's cycle (a launched or closed campaign). One query."""
    if not user.is_authenticated:
        return RatedManager.objects.none()
    lines = lines_in_effect(on).filter(staff_id=user.pk, staff__is_active=True)
    return RatedManager.objects.filter(
        campaign__state__in=[S.OPEN, S.CLOSED],
        manager_id__in=lines.values("fro_id"),
    ).filter(
        Exists(lines.filter(cycle_id=OuterRef("campaign__cycle_id"), fro_id=OuterRef("manager_id")))
    )


def readable_results(user: User, on: datetime.date | None = None) -> QuerySet[RatedManager]:
    """The rated managers whose results `user` reads: their own, and those of the managers
    they are FRO or SRO of in the line in effect today in the campaign's cycle. One query."""
    if not user.is_authenticated:
        return RatedManager.objects.none()
    officer = Q(fro_id=user.pk) | Q(sro_id=user.pk)
    lines = lines_in_effect(on).filter(officer)
    return RatedManager.objects.filter(campaign__state__in=[S.OPEN, S.CLOSED]).filter(
        Q(manager_id=user.pk)
        | (
            Q(manager_id__in=lines.values("staff_id"))
            & Exists(
                lines.filter(
                    cycle_id=OuterRef("campaign__cycle_id"), staff_id=OuterRef("manager_id")
                )
            )
        )
    )


def answer_refusal(rated: RatedManager, user: User, today: datetime.date) -> str | None:
    """Why `user` may not answer on `rated` today (None when they may). Rule (docs/rules.md
    section 9): a current supervisee, in a launched campaign, inside the window, once."""
    name = str(rated.manager.user)
    if not answerable(user, today).filter(pk=rated.pk).exists():
        return interpolate(
            gettext("Only the staff who report to %(name)s today give feedback on them."),
            {"name": name},
        )
    settings = settings_for(rated.campaign.cycle)
    opens, closes = settings.window()
    if rated.campaign.state != S.OPEN or not settings.upward_enabled or today > closes:
        return interpolate(
            gettext("Feedback on %(name)s closed on %(date)s."),
            {
                "name": name,
                "date": date_format(min(closes, rated.campaign.closed_on or closes), "DATE_FORMAT"),
            },
        )
    if today < opens:
        return interpolate(
            gettext("Feedback on %(name)s opens on %(date)s."),
            {
                "name": name,
                "date": date_format(opens, "DATE_FORMAT"),
            },
        )
    if Participation.objects.filter(rated_id=rated.pk, respondent_id=user.pk).exists():
        return interpolate(
            gettext(
                "You have already given your feedback on %(name)s. It counts once and cannot be "
                "changed: nothing links it to you any more."
            ),
            {"name": name},
        )
    return None


# --- colleague feedback -----------------------------------------------------------------------

# The document relations that take part in colleague feedback.
COLLEAGUE_ROLES = frozenset({"staff", "fro", "sro"})


def colleague_roles(user: User, document: WorkPlan) -> frozenset[str]:
    """The user's relations to the document that count here: the staff member, the FRO and
    SRO (own or acting) of the line in effect, after the conflict rule."""
    return frozenset(relations_for(user, document)) & COLLEAGUE_ROLES


def reads_colleague_answers(roles: frozenset[str], document: WorkPlan) -> bool:
    """Rule (docs/rules.md section 9): the FRO and SRO read the answers; the staff member too
    when the cycle says so (default yes)."""
    if roles & {"fro", "sro"}:
        return True
    return "staff" in roles and settings_for(document.cycle).colleague_feedback_visible_to_staff


def colleague_actions(round_: ColleagueRound, roles: frozenset[str]) -> frozenset[str]:
    """What the holder of `roles` may do with the document's colleagues now: the workflow's
    transitions, `edit_list` (add or remove names), `view`, `read_answers`."""
    if not roles:
        return frozenset()
    actions = {"view"}
    if reads_colleague_answers(roles, round_.document):
        actions.add("read_answers")
    closed = round_.document.cycle.status == Cycle.Status.CLOSED
    R = ColleagueRound.State
    if not closed and (
        ("staff" in roles and round_.state == R.DRAFT)
        or ("fro" in roles and round_.state in (R.SUBMITTED, R.CONFIRMED))
    ):
        actions.add("edit_list")
    if round_.pk:
        actions |= {t.name for t in ROUND.allowed(round_, roles)}
    return frozenset(actions)


def asked_of(user: User) -> QuerySet[ColleagueRequest]:
    """The requests `user` was asked (or answered, or declined) as a colleague: one query."""
    if not user.is_authenticated:
        return ColleagueRequest.objects.none()
    return ColleagueRequest.objects.filter(colleague_id=user.pk).exclude(
        state=ColleagueRequest.State.PROPOSED
    )


# --- recognition ------------------------------------------------------------------------------


def _team_of(user: User) -> QuerySet:
    """The staff `user` is FRO of in a line in effect today (a subquery of staff ids)."""
    return lines_in_effect().filter(fro_id=user.pk).values("staff_id")


def visible_notes(user: User) -> QuerySet[RecognitionNote]:
    """The notes `user` reads: those they sent, and (unless withdrawn) those they received and
    those to the staff they are FRO of in the note's cycle. One query."""
    if not user.is_authenticated:
        return RecognitionNote.objects.none()
    as_fro = Q(recipient_id__in=_team_of(user)) & Exists(
        lines_in_effect().filter(
            fro_id=user.pk, staff_id=OuterRef("recipient_id"), cycle_id=OuterRef("cycle_id")
        )
    )
    received = Q(recipient_id=user.pk) | as_fro
    return RecognitionNote.objects.filter(
        Q(sender_id=user.pk) | (received & ~Q(state=RecognitionNote.State.WITHDRAWN))
    )


def note_roles(user: User, note: RecognitionNote) -> frozenset[str]:
    """`sender`, `recipient` (the workflow's roles) and `fro` (reads the note)."""
    roles = set()
    if note.sender_id == user.pk:
        roles.add("sender")
    if note.recipient_id == user.pk:
        roles.add("recipient")
    if (
        lines_in_effect()
        .filter(fro_id=user.pk, staff_id=note.recipient_id, cycle_id=note.cycle_id)
        .exists()
    ):
        roles.add("fro")
    return frozenset(roles)
