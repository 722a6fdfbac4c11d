"""Writing a validated import: units (parents first), users and staff, unit heads, then
reporting lines, in bulk, and the notices to old addresses after the commit."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.db.models import F
from django.utils.translation import gettext_noop

from org.models import (
    OrgUnit,
    ReportingLine,
    StaffMember,
    User,
    category_for_grade,
)
from org.selectors import forget_shared_names
from org.services import forget_old_addresses, log_special_schedule_changes
from pmsystem.db import analyze
from pmsystem.i18n import language_of, phrase
from pmsystem.notifications import notify_addresses

from .read import BATCH, GROUPED_UPDATE_LIMIT
from .validate import _chunks, _differences, _email_changed, _Import


def write(job: _Import, actor: User | None) -> None:
    unit_ids = {code: unit.id for code, unit in job.db_units.items()}
    write_units(job, unit_ids)
    user_ids = {index: s.user_id for index, s in job.db_staff.items()}
    write_staff(job, unit_ids, user_ids, actor)
    write_heads(job, unit_ids, user_ids)
    write_lines(job, user_ids)
    analyze_written()
    forget_shared_names()  # accounts written in bulk: no save signal


def analyze_written() -> None:
    """A large import changes the tables' sizes: what follows (in this transaction too) is
    planned on the new numbers, not on those from before the import."""
    analyze([OrgUnit, User, StaffMember, ReportingLine])


def write_units(job: _Import, unit_ids: dict[str, int]) -> None:
    new = [p for p in job.units.values() if p.existing is None]
    for depth in sorted({OrgUnit.KIND_DEPTH[p.kind] for p in new}):
        # Parents before children, so every parent has its id.
        level = [p for p in new if OrgUnit.KIND_DEPTH[p.kind] == depth]
        OrgUnit.objects.bulk_create(
            [
                OrgUnit(
                    code=p.code,
                    name=p.name,
                    kind=p.kind,
                    parent_id=unit_ids[p.parent_code] if p.parent_code else None,
                    entity_id=unit_ids.get(job.unit_entity(p.code) or ""),
                )
                for p in level
            ],
            batch_size=BATCH,
        )
        codes = [p.code for p in level]
        for chunk in _chunks(codes):
            unit_ids.update(OrgUnit.objects.filter(code__in=chunk).values_list("code", "id"))
        if depth == 0:
            OrgUnit.objects.filter(pk__in=[unit_ids[c] for c in codes]).update(entity_id=F("pk"))
    changes = []
    for p in job.units.values():
        if p.existing is None or not p.changed:
            continue
        values = {"name": p.name, "kind": p.kind}
        if p.parent_code is not None:
            values["parent_id"] = unit_ids[p.parent_code] if p.parent_code else None
        current = {"name": p.existing.name, "kind": p.existing.kind}
        current["parent_id"] = p.existing.parent_id
        changes.append((p.existing.id, _differences(current, values)))
    _update(OrgUnit, changes)
    if new or changes:
        recompute_entities()


def recompute_entities() -> None:
    """Every unit's denormalised entity follows its parent chain (units may have moved)."""
    units = {u[0]: u for u in OrgUnit.objects.values_list("id", "parent_id", "kind", "entity_id")}

    def entity_of(unit_id: int) -> int | None:
        for _ in range(len(OrgUnit.KIND_DEPTH) + 1):
            _, parent_id, kind, _ = units[unit_id]
            if kind == OrgUnit.Kind.ENTITY:
                return unit_id
            if parent_id is None:
                return None
            unit_id = parent_id
        return None

    _update(
        OrgUnit,
        [
            (unit_id, {"entity_id": entity_of(unit_id)})
            for unit_id, (_, _, _, entity_id) in units.items()
            if entity_of(unit_id) != entity_id
        ],
    )


def write_staff(
    job: _Import, unit_ids: dict[str, int], user_ids: dict[str, int], actor: User | None
) -> None:
    plans = list(job.staff.values())
    new_users = [
        User(password=_unusable_password(), **p.user_values)
        for p in plans
        if p.user_action == "create"
    ]
    User.objects.bulk_create(new_users, batch_size=BATCH)
    id_by_email = {}
    for chunk in _chunks([u.email for u in new_users]):
        id_by_email.update(User.objects.filter(email__in=chunk).values_list("email", "id"))
    user_changes = []
    for p in plans:
        if p.user_action == "create":
            p.user_id = id_by_email[p.user_values["email"]]
        elif p.user_action == "update":
            if p.existing is not None:
                current = {name: getattr(p.existing, name) for name in p.user_values}
            else:
                current = {
                    name: job.db_users[p.user_values["email"]].get(name) for name in p.user_values
                }
            user_changes.append((p.user_id, _differences(current, p.user_values)))
        user_ids[p.index] = p.user_id
    _update(User, user_changes)
    # The old address stops being a way in (allauth also finds accounts by these rows).
    forget_old_addresses(
        p.user_id for p in plans if p.user_action == "update" and _email_changed(p)
    )
    defaults = {
        "contract_type": StaffMember.ContractType.FIXED_TERM,
        "on_probation": False,
        "is_active": True,
    }
    StaffMember.objects.bulk_create(
        [
            StaffMember(
                user_id=p.user_id,
                index_number=p.index,
                unit_id=unit_ids[p.unit_code],
                category=category_for_grade(p.values["grade"]),
                **(defaults | p.values),
            )
            for p in plans
            if p.staff_action == "create"
        ],
        batch_size=BATCH,
    )
    staff_changes = []
    flag_changes = []  # (staff id, before, after): a new record is not a change
    for p in plans:
        if p.staff_action != "update":
            continue
        values = p.values | {"unit_id": unit_ids[p.unit_code]}
        values["category"] = category_for_grade(values["grade"])
        current = {name: getattr(p.existing, name, None) for name in values}
        current["category"] = category_for_grade(p.existing.grade)
        staff_changes.append((p.user_id, _differences(current, values)))
        flag_changes.append((p.user_id, current, values))
    _update(StaffMember, staff_changes)
    log_special_schedule_changes(actor=actor, changes=flag_changes)


def write_heads(job: _Import, unit_ids: dict[str, int], user_ids: dict[str, int]) -> None:
    _update(
        OrgUnit,
        [
            (unit_ids[p.code], {"head_id": user_ids[p.head_index]})
            for p in job.units.values()
            if p.head_index and p.changed
        ],
    )


def write_lines(job: _Import, user_ids: dict[str, int]) -> None:
    one_day = datetime.timedelta(days=1)
    _update(
        ReportingLine,
        [
            (p.close_line_id, {"effective_to": p.effective_from - one_day})
            for p in job.lines
            if p.action == "update"
        ],
    )
    ReportingLine.objects.bulk_create(
        [
            ReportingLine(
                staff_id=user_ids[p.index],
                cycle=p.cycle,
                fro_id=user_ids[p.fro_index],
                sro_id=user_ids[p.sro_index],
                effective_from=p.effective_from,
            )
            for p in job.lines
            if p.action != "unchanged"
        ],
        batch_size=BATCH,
    )


def notify_email_changes(job: _Import, actor: User | None) -> None:
    """Tell each old address that its account's login changed: an account taken over through
    a changed address and a password reset does not go unnoticed."""
    subject = phrase(gettext_noop("The email address of your pmsystem account was changed"))
    messages = []
    for plan in job.staff.values():
        if not _email_changed(plan):
            continue
        words = {"email": plan.user_values["email"], "date": job.today}
        if actor is None:
            body = phrase(
                gettext_noop(
                    "The email address of your pmsystem account was changed to %(email)s by "
                    "a system administrator on %(date)s (staff import). If you did not expect "
                    "this, contact your system administrator."
                ),
                **words,
            )
        else:
            body = phrase(
                gettext_noop(
                    "The email address of your pmsystem account was changed to %(email)s by "
                    "%(actor)s on %(date)s (staff import). If you did not expect this, "
                    "contact %(actor)s at %(actor_email)s or your system administrator."
                ),
                actor=str(actor),
                actor_email=actor.email,
                **words,
            )
        messages.append((plan.existing.email, language_of(plan.existing), subject, body))
    notify_addresses(messages=messages)


# -- reporting lines ---------------------------------------------------------------------


def _update(model, changes: Sequence[tuple[int, dict]]) -> None:
    """Write changed fields only. A field with few distinct new values (a reorganisation moves
    thousands of people into a few units; closing lines shares one date) is one UPDATE per
    value; a field with many (names) goes through bulk_update. Django's bulk_update alone
    builds a CASE per row and takes minutes for 40,000 rows."""
    by_field: dict[str, dict[int, object]] = {}
    for pk, values in changes:
        for name, value in values.items():
            by_field.setdefault(name, {})[pk] = value
    for name, values in by_field.items():
        groups: dict[object, list[int]] = {}
        for pk, value in values.items():
            groups.setdefault(value, []).append(pk)
        if len(groups) <= GROUPED_UPDATE_LIMIT:
            for value, pks in groups.items():
                for chunk in _chunks(pks):
                    model.objects.filter(pk__in=chunk).update(**{name: value})
        else:
            objs = []
            for pk, value in values.items():
                obj = model(pk=pk)
                setattr(obj, name, value)
                objs.append(obj)
            model.objects.bulk_update(objs, [name.removesuffix("_id")], batch_size=BATCH)


def _unusable_password() -> str:
    """What make_password(None) stores, without its per-call cost (40,000 users)."""
    return (
        UNUSABLE_PASSWORD_PREFIX
        + secrets.token_urlsafe(UNUSABLE_PASSWORD_SUFFIX_LENGTH)[:UNUSABLE_PASSWORD_SUFFIX_LENGTH]
    )
