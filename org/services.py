"""Writes for `org`: cycles with their default scales, department roles, delegations."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from pmsystem.errors import ApplicationError
from pmsystem.i18n import phrase

from .models import (
    Cycle,
    Delegation,
    DepartmentRole,
    OrgUnit,
    RatingLevel,
    RatingScale,
    ReportingLine,
    User,
)
from .notifications import notify
from .permissions import sync_department_grants

# (code, label, rebuttable, underperformance), highest first: the UN defaults (DESIGN.md).
# The labels are stored in English and shown with `translated` in the reader's language.
UN_OVERALL_SCALE = [
    ("EX", gettext_noop("Exceeds performance expectations"), False, False),
    ("SM", gettext_noop("Successfully meets performance expectations"), False, False),
    ("PM", gettext_noop("Partially meets performance expectations"), True, True),
    ("DN", gettext_noop("Does not meet performance expectations"), True, True),
]
UN_COMPETENCY_SCALE = [
    ("OUT", gettext_noop("Outstanding"), False, False),
    ("FC", gettext_noop("Fully competent"), False, False),
    ("RD", gettext_noop("Requires development"), False, False),
    ("UNS", gettext_noop("Unsatisfactory"), False, False),
]
DEFAULT_REMINDER_DAYS = [14, 7, 1]


def default_cycle_dates(start_year: int) -> dict[str, datetime.date]:
    """The ST/AI/2010/5 calendar: 1 April to 31 March, work plan by 31 May, end of cycle 30 June."""
    return {
        "start": datetime.date(start_year, 4, 1),
        "end": datetime.date(start_year + 1, 3, 31),
        "workplan_due": datetime.date(start_year, 5, 31),
        "midpoint_due": datetime.date(start_year, 10, 31),
        "end_of_cycle_due": datetime.date(start_year + 1, 6, 30),
    }


@transaction.atomic
def create_cycle(*, name: str, start_year: int, status: str = Cycle.Status.OPEN, **fields) -> Cycle:
    """Create a cycle with the default calendar and the UN default rating scales."""
    values = default_cycle_dates(start_year) | {"reminder_days_before": DEFAULT_REMINDER_DAYS}
    values.update(fields)
    cycle = Cycle(name=name, status=status, **values)
    cycle.full_clean()
    cycle.save()
    for kind, levels in (
        (RatingScale.Kind.OVERALL, UN_OVERALL_SCALE),
        (RatingScale.Kind.COMPETENCY, UN_COMPETENCY_SCALE),
        (RatingScale.Kind.GOAL, UN_OVERALL_SCALE),
    ):
        scale = RatingScale.objects.create(cycle=cycle, kind=kind)
        RatingLevel.objects.bulk_create(
            RatingLevel(
                scale=scale,
                rank=rank,
                code=code,
                label=label,
                rebuttable=rebuttable,
                underperformance=under,
            )
            for rank, (code, label, rebuttable, under) in enumerate(levels, start=1)
        )
    return cycle


@transaction.atomic
def assign_department_role(
    *,
    entity: OrgUnit,
    user: User,
    role: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> DepartmentRole:
    """Give `user` a department-wide role; the entity grants follow at once."""
    obj, _ = DepartmentRole.objects.get_or_create(
        entity=entity, user=user, role=role, defaults={"start": start or datetime.date.today()}
    )
    obj.start = start or obj.start
    obj.end = end
    obj.full_clean()
    obj.save()
    sync_department_grants(entity_ids=[entity.pk])
    return obj


@transaction.atomic
def end_department_role(*, department_role: DepartmentRole) -> None:
    """Remove a department role; the grants it gave are withdrawn at once."""
    entity_id = department_role.entity_id
    department_role.delete()
    sync_department_grants(entity_ids=[entity_id])


def delegable_roles(user: User, today: datetime.date | None = None) -> list[str]:
    """The roles `user` holds now and may hand to an acting officer."""
    today = today or datetime.date.today()
    roles = []
    lines = ReportingLine.objects.filter(effective_to__isnull=True, cycle__status=Cycle.Status.OPEN)
    if lines.filter(fro_id=user.pk).exists():
        roles.append(Delegation.Role.FRO)
    if lines.filter(sro_id=user.pk).exists():
        roles.append(Delegation.Role.SRO)
    if (
        DepartmentRole.objects.filter(user=user, role=DepartmentRole.Role.HOD, start__lte=today)
        .exclude(end__lt=today)
        .exists()
    ):
        roles.append(Delegation.Role.HOD)
    return roles


@transaction.atomic
def create_delegation(
    *,
    principal: User,
    acting: User,
    role: str,
    start: datetime.date,
    end: datetime.date,
    reason: str = "",
) -> Delegation:
    """An FRO, SRO or HOD names an acting officer for a date range; while it holds, the
    acting officer sees the documents and acts, and every signature reads "X acting for Y"."""
    if role not in delegable_roles(principal):
        label = Delegation.Role(role).label if role in Delegation.Role.values else role
        raise ApplicationError(
            gettext("You are not a %(role)s now, so you cannot delegate it.")
            % {"role": label.lower()}
        )
    if acting.pk == principal.pk:
        raise ApplicationError(gettext("You cannot name yourself as your acting officer."))
    if not acting.is_active:
        raise ApplicationError(gettext("%(name)s's account is not active.") % {"name": acting})
    if end < start:
        raise ApplicationError(gettext("The delegation cannot end before it starts."))
    if end < datetime.date.today():
        raise ApplicationError(gettext("The delegation would already be over."))
    overlapping = Delegation.objects.filter(
        principal=principal, role=role, start__lte=end, end__gte=start
    )
    if overlapping.exists():
        raise ApplicationError(
            gettext(
                "You already have an acting officer for this role in those dates: end that "
                "delegation first."
            )
        )
    delegation = Delegation(
        principal=principal, acting=acting, role=role, start=start, end=end, reason=reason
    )
    delegation.full_clean()
    delegation.save()
    role_label = Delegation.Role(delegation.role).label
    if reason.strip():
        body = phrase(
            gettext_noop(
                "%(principal)s named you acting %(role)s from %(start)s to %(end)s. %(reason)s"
            ),
            principal=str(principal),
            role=role_label,
            start=start,
            end=end,
            reason=reason.strip(),
        )
    else:
        body = phrase(
            gettext_noop("%(principal)s named you acting %(role)s from %(start)s to %(end)s."),
            principal=str(principal),
            role=role_label,
            start=start,
            end=end,
        )
    notify(
        users=[acting],
        subject=phrase(
            gettext_noop("You are acting %(role)s for %(principal)s"),
            role=role_label,
            principal=str(principal),
        ),
        body=body,
    )
    return delegation


@transaction.atomic
def end_delegation(*, delegation: Delegation, actor: User) -> Delegation:
    """The principal ends a delegation early (it stops today; its record stays)."""
    if delegation.principal_id != actor.pk:
        raise ApplicationError(gettext("Only the officer who delegated can end the delegation."))
    today = datetime.date.today()
    if delegation.end < today:
        raise ApplicationError(gettext("This delegation is already over."))
    delegation.end = max(today - datetime.timedelta(days=1), delegation.start)
    if delegation.start >= today:
        delegation.delete()
        return delegation
    delegation.save(update_fields=["end"])
    return delegation


@transaction.atomic
def verify_email_by_password_reset(*, user: User) -> EmailAddress | None:
    """The address a completed password reset proves the person reads, marked verified.

    Rule: following the emailed reset link to a new password proves control of the address the
    link was sent to. allauth's link names no address, but it only works while the account's
    addresses are what they were when it was sent (its token covers them): when the account
    has exactly one address, that is where the link went, and it becomes verified (and primary,
    as the account has no other). With several addresses none is marked, as the link could
    have gone to any of them. This keeps privileged users' onboarding open: allauth enrols no
    authenticator while an address of the account is unverified.
    """
    rows = list(EmailAddress.objects.select_for_update().filter(user_id=user.pk))
    emails = {row.email.lower() for row in rows}
    if user.email:
        emails.add(user.email.lower())
    if len(emails) != 1:
        return None
    address = rows[0] if rows else EmailAddress(user=user, email=user.email.lower())
    if address.verified:
        return address
    if not address.set_verified(commit=False):
        return None  # another account holds this address verified: it stays unverified here
    address.primary = True
    address.save()
    return address


def set_language(*, user: User, language: str) -> User:
    """A user's choice among settings.LANGUAGES, kept on their profile: pages and emails
    follow it from their next request on."""
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(gettext("Choose one of the languages offered."))
    user.language = language
    user.save(update_fields=["language"])
    return user
