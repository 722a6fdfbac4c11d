"""Writes for `org`: cycles with their default scales, department roles, delegations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext, gettext_noop

from pmsystem.errors import ApplicationError
from pmsystem.i18n import phrase
from pmsystem.models import Signature
from pmsystem.notifications import notify

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
from .relations import current_department_roles, lines_in_effect, today

# (code, label, rebuttable, underperformance), highest first: the UN defaults (docs/rules.md).
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
def create_cycle(
    *, name: str, start_year: int, status: str = Cycle.Status.OPEN, **fields: Any
) -> Cycle:
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
    """Give `user` a department-wide role from `start` (today by default) to `end`. What the
    role lets them see and do follows its dates (`org.relations`): from its first day to its
    last, whoever changed it and however."""
    obj, _ = DepartmentRole.objects.get_or_create(
        entity=entity, user=user, role=role, defaults={"start": start or today()}
    )
    obj.start = start or obj.start
    obj.end = end
    return save_department_role(department_role=obj)


@transaction.atomic
def save_department_role(*, department_role: DepartmentRole) -> DepartmentRole:
    """Validate and save a department role as given (the Django admin writes through this)."""
    department_role.full_clean()
    department_role.save()
    return department_role


@transaction.atomic
def end_department_role(*, department_role: DepartmentRole) -> None:
    """Remove a department role: what it let its holder see and do stops at once."""
    department_role.delete()


@transaction.atomic
def save_reporting_line(*, line: ReportingLine) -> ReportingLine:
    """Validate and save a reporting line as given (the Django admin writes through this);
    access follows its dates (`org.relations`) from the moment it is saved."""
    line.full_clean()
    refused = reporting_line_refusal(line)
    if refused:
        raise ApplicationError(refused)
    line.save()
    return line


def reporting_line_refusal(line: ReportingLine) -> str | None:
    """Why this reporting line may not be saved as it is (None when it may).

    Rules: a staff member has one line in effect on any day of a cycle (the dates of their
    lines for the cycle do not overlap); someone who signed a stage of the staff member's
    document in one role is never named to the other (`workplans.conflicts`: one person, one
    role per document). The model's own checks (FRO, SRO and staff member three people; dates
    in order) come first, through `full_clean`; then the acting officers of the line's FRO
    and SRO (`acting_officer_clash`)."""
    others = ReportingLine.objects.filter(staff_id=line.staff_id, cycle_id=line.cycle_id).exclude(
        pk=line.pk
    )
    overlapping = others.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=line.effective_from)
    )
    if line.effective_to is not None:
        overlapping = overlapping.filter(effective_from__lte=line.effective_to)
    clash = overlapping.order_by("effective_from").first()
    if clash is not None:
        return gettext(
            "%(name)s already has a reporting line for %(cycle)s from %(start)s: close it "
            "the day before this one starts, or change this one's dates."
        ) % {
            "name": line.staff.user,
            "cycle": line.cycle,
            "start": formats.date_format(clash.effective_from, "SHORT_DATE_FORMAT"),
        }
    signed = signed_roles_on_document(staff_id=line.staff_id, cycle_id=line.cycle_id)
    for role, officer_id in (("fro", line.fro_id), ("sro", line.sro_id)):
        other = signed.get(officer_id, set()) - {role}
        if other:
            return gettext(
                "%(name)s signed this staff member's %(cycle)s document as %(signed)s, so "
                "they cannot be named its %(role)s."
            ) % {
                "name": User.objects.get(pk=officer_id),
                "cycle": line.cycle,
                "signed": ", ".join(sorted(r.upper() for r in other)),
                "role": role.upper(),
            }
    delegations = Delegation.objects.filter(
        Q(role=Delegation.Role.FRO, principal_id=line.fro_id)
        | Q(role=Delegation.Role.SRO, principal_id=line.sro_id),
        end__gte=today(),
    ).select_related("acting", "principal")
    acting_clash = acting_officer_clash(
        staff_id=line.staff_id,
        fro_id=line.fro_id,
        sro_id=line.sro_id,
        start=line.effective_from,
        end=line.effective_to,
        delegations=delegations,
    )
    return acting_officer_refusal(*acting_clash) if acting_clash else None


def acting_officer_clash(
    *,
    staff_id: int,
    fro_id: int,
    sro_id: int,
    start: datetime.date,
    end: datetime.date | None,
    delegations: Iterable[Delegation],
    on: datetime.date | None = None,
) -> tuple[Delegation, str] | None:
    """The delegation that would give its acting officer a second role on the staff member's
    document under this line, with that role ("staff", "fro" or "sro"); None when there is
    none.

    Rule (`workplans.conflicts`: one person, one role per document): while a delegation of the
    line's FRO as FRO (or of its SRO as SRO) holds, its acting officer stands in that role on
    the document, so on no day from today on that the line and the delegation share may they
    be its staff member or its other officer. Creating a delegation asks the same of the lines
    (`delegation_refusal`); a line written later (Django admin, import) asks it here."""
    first = max(start, on or today())
    for delegation in sorted(delegations, key=lambda d: (d.start, d.pk or 0)):
        if (delegation.role, delegation.principal_id) == (Delegation.Role.FRO, fro_id):
            others = {staff_id: "staff", sro_id: "sro"}
        elif (delegation.role, delegation.principal_id) == (Delegation.Role.SRO, sro_id):
            others = {staff_id: "staff", fro_id: "fro"}
        else:
            continue
        if delegation.acting_id not in others or delegation.end < first:
            continue
        if end is not None and delegation.start > end:
            continue
        return delegation, others[delegation.acting_id]
    return None


def acting_officer_refusal(delegation: Delegation, held: str) -> str:
    """The refusal of a reporting line that `acting_officer_clash` found."""
    names = {"staff": gettext("staff member"), "fro": gettext("FRO"), "sro": gettext("SRO")}
    return gettext(
        "%(acting)s is acting %(role)s for %(principal)s from %(start)s to %(end)s, so they "
        "cannot also be the %(held)s of this reporting line: one person holds one role on a "
        "document. Choose someone else, or end that delegation first."
    ) % {
        "acting": delegation.acting,
        "role": names[delegation.role],
        "principal": delegation.principal,
        "start": formats.date_format(delegation.start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(delegation.end, "SHORT_DATE_FORMAT"),
        "held": names[held],
    }


def signed_roles_on_document(*, staff_id: int, cycle_id: int) -> dict[int, set[str]]:
    """Who signed the staff member's document for the cycle, and in which roles (none when
    there is no document yet)."""
    return signed_roles_on_documents([staff_id]).get((staff_id, cycle_id), {})


def signed_roles_on_documents(
    staff_ids: Iterable[int],
) -> dict[tuple[int, int], dict[int, set[str]]]:
    """For the documents of these staff members: (staff id, cycle id) → {signer id: roles}, in
    one query per thousand staff members."""
    signed: dict[tuple[int, int], dict[int, set[str]]] = {}
    staff_ids = sorted(set(staff_ids))
    for start in range(0, len(staff_ids), 1000):
        for staff_id, cycle_id, signer_id, role in Signature.objects.filter(
            document__staff_id__in=staff_ids[start : start + 1000]
        ).values_list("document__staff_id", "document__cycle_id", "signer_id", "role"):
            signed.setdefault((staff_id, cycle_id), {}).setdefault(signer_id, set()).add(role)
    return signed


def delegable_roles(user: User, on: datetime.date | None = None) -> list[str]:
    """The roles `user` holds now and may hand to an acting officer."""
    on = on or today()
    roles: list[str] = []
    lines = lines_in_effect(on).filter(cycle__status=Cycle.Status.OPEN)
    if lines.filter(fro_id=user.pk).exists():
        roles.append(Delegation.Role.FRO)
    if lines.filter(sro_id=user.pk).exists():
        roles.append(Delegation.Role.SRO)
    if current_department_roles(on).filter(user_id=user.pk, role=DepartmentRole.Role.HOD).exists():
        roles.append(Delegation.Role.HOD)
    return roles


def delegation_refusal(
    *,
    principal: User,
    acting: User,
    role: str,
    start: datetime.date,
    end: datetime.date,
    delegation: Delegation | None = None,
) -> str | None:
    """Why this delegation may not be made (None when it may). The conflict-of-interest rule
    (`workplans.conflicts`) holds: an acting FRO or SRO holds no other role on any document of
    the principal's in those dates — not its staff member, its other officer, an additional
    supervisor, nor someone who signed it in another role — and the refusal names the
    document."""
    if acting.pk == principal.pk:
        return gettext("You cannot name yourself as your acting officer.")
    if not acting.is_active:
        return gettext("%(name)s's account is not active.") % {"name": acting}
    if end < start:
        return gettext("The delegation cannot end before it starts.")
    if end < today():
        return gettext("The delegation would already be over.")
    overlapping = Delegation.objects.filter(
        principal=principal, role=role, start__lte=end, end__gte=start
    )
    if delegation is not None and delegation.pk:
        overlapping = overlapping.exclude(pk=delegation.pk)
    if overlapping.exists():
        return gettext(
            "You already have an acting officer for this role in those dates: end that "
            "delegation first."
        )
    if role in (Delegation.Role.FRO, Delegation.Role.SRO):
        return _officer_delegation_conflict(principal, acting, role, start, end)
    return None


def _officer_delegation_conflict(
    principal: User, acting: User, role: str, start: datetime.date, end: datetime.date
) -> str | None:
    from django.apps import apps

    other = "sro" if role == "fro" else "fro"
    lines = (
        ReportingLine.objects.filter(**{f"{role}_id": principal.pk})
        .filter(effective_from__lte=end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .exclude(cycle__status=Cycle.Status.CLOSED)
    )
    # Additional supervisors belong to `workplans`, built on `org`: through the app registry.
    supervisor = apps.get_model("workplans", "AdditionalSupervisor")
    found = (
        lines.filter(Q(staff_id=acting.pk) | Q(**{f"{other}_id": acting.pk}))
        .select_related("staff__user", "cycle")
        .first()
    )
    if found is not None:
        held = gettext("staff member") if found.staff_id == acting.pk else other.upper()
        return _delegation_conflict(acting, held, found.staff.user, found.cycle)
    for model, condition, held in (
        (
            supervisor,
            Q(supervisor_id=acting.pk, state="accepted"),
            gettext("additional supervisor"),
        ),
        (Signature, Q(signer_id=acting.pk) & ~Q(role=role), gettext("a signer")),
    ):
        field = "work_plan" if model is supervisor else "document"
        row = (
            model.objects.filter(condition)
            .filter(
                **{
                    f"{field}__staff_id__in": lines.values("staff_id"),
                    f"{field}__cycle_id__in": lines.values("cycle_id"),
                }
            )
            .select_related(f"{field}__staff__user", f"{field}__cycle")
            .first()
        )
        if row is not None:
            document = getattr(row, field)
            return _delegation_conflict(acting, held, document.staff.user, document.cycle)
    return None


def _delegation_conflict(acting: User, held: str, staff: User, cycle: Cycle) -> str:
    return gettext(
        "%(acting)s is already %(held)s on the %(cycle)s document of %(staff)s, one of the "
        "documents this delegation covers: one person holds one role on a document. Choose "
        "someone else."
    ) % {"acting": acting, "held": held, "cycle": cycle, "staff": staff}


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
    acting officer sees the documents and acts, and every signature reads "X acting for Y".
    A delegation that would give someone two roles on one document is refused."""
    if role not in delegable_roles(principal):
        label = Delegation.Role(role).label if role in Delegation.Role.values else role
        raise ApplicationError(
            gettext("You are not a %(role)s now, so you cannot delegate it.")
            % {"role": label.lower()}
        )
    refused = delegation_refusal(
        principal=principal, acting=acting, role=role, start=start, end=end
    )
    if refused:
        raise ApplicationError(refused)
    delegation = Delegation(
        principal=principal, acting=acting, role=role, start=start, end=end, reason=reason
    )
    delegation.full_clean()
    delegation.save()
    _tell_acting_officer(delegation)
    return delegation


@transaction.atomic
def save_delegation(*, delegation: Delegation) -> Delegation:
    """A system administrator's delegation, as the Django admin gives it: the same rules as
    `create_delegation` except that the principal need not hold the role today."""
    refused = delegation_refusal(
        principal=delegation.principal,
        acting=delegation.acting,
        role=delegation.role,
        start=delegation.start,
        end=delegation.end,
        delegation=delegation,
    )
    if refused:
        raise ApplicationError(refused)
    adding = delegation.pk is None
    delegation.full_clean()
    delegation.save()
    if adding:
        _tell_acting_officer(delegation)
    return delegation


def _tell_acting_officer(delegation: Delegation) -> None:
    principal, reason = delegation.principal, delegation.reason
    role_label = Delegation.Role(delegation.role).label
    words = {
        "principal": str(principal),
        "role": role_label,
        "start": delegation.start,
        "end": delegation.end,
    }
    if reason.strip():
        body = phrase(
            gettext_noop(
                "%(principal)s named you acting %(role)s from %(start)s to %(end)s. %(reason)s"
            ),
            reason=reason.strip(),
            **words,
        )
    else:
        body = phrase(
            gettext_noop("%(principal)s named you acting %(role)s from %(start)s to %(end)s."),
            **words,
        )
    notify(
        users=[delegation.acting],
        subject=phrase(
            gettext_noop("You are acting %(role)s for %(principal)s"),
            role=role_label,
            principal=str(principal),
        ),
        body=body,
    )


@transaction.atomic
def end_delegation(*, delegation: Delegation, actor: User) -> Delegation:
    """The principal ends a delegation early (it stops today; its record stays)."""
    if delegation.principal_id != actor.pk:
        raise ApplicationError(gettext("Only the officer who delegated can end the delegation."))
    on = today()
    if delegation.end < on:
        raise ApplicationError(gettext("This delegation is already over."))
    delegation.end = max(on - datetime.timedelta(days=1), delegation.start)
    if delegation.start >= on:
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
