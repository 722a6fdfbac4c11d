"""Who may do what with feedback, derived from today's dated relations (`org.relations`).

- A supervisee answers on their FRO: the reporting line in effect today, in the campaign's
  cycle, names the rated manager as their FRO.
- The rated manager reads their results, and so do their own FRO and SRO (the lines in effect
  today for the manager in the campaign's cycle).
- An HR focal point of the entity (a current department role) launches and closes its
  campaign and reads participation and the entity's aggregates, never a manager's results.
Nothing is granted and stored: a line or role that changes changes access at once.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext

from org.models import DepartmentRole, OrgUnit, User
from org.relations import current_department_roles, lines_in_effect

from .models import Campaign, Participation, RatedManager, settings_for

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
        return gettext("Only the staff who report to %(name)s today give feedback on them.") % {
            "name": name
        }
    settings = settings_for(rated.campaign.cycle)
    opens, closes = settings.window()
    if rated.campaign.state != S.OPEN or not settings.upward_enabled or today > closes:
        return gettext("Feedback on %(name)s closed on %(date)s.") % {
            "name": name,
            "date": date_format(min(closes, rated.campaign.closed_on or closes), "DATE_FORMAT"),
        }
    if today < opens:
        return gettext("Feedback on %(name)s opens on %(date)s.") % {
            "name": name,
            "date": date_format(opens, "DATE_FORMAT"),
        }
    if Participation.objects.filter(rated_id=rated.pk, respondent_id=user.pk).exists():
        return gettext(
            "You have already given your feedback on %(name)s. It counts once and cannot be "
            "changed: nothing links it to you any more."
        ) % {"name": name}
    return None
