"""Demo rebuttals for `manage.py seed_demo`: a published roster per entity and, in the demo
logins' entity, rebuttal cases at each step (filed, replied with its panel, reported,
forwarded), so the demo HOD, HR focal point and panel chair find something waiting.

Called by `manage.py seed_demo` after `demo.documents`; idempotent (nothing is added once a
roster exists)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from appraisals.models import Appraisal
from demo.organisation import DEMO_LOGINS
from org.models import Cycle, DepartmentRole, OrgUnit, RatingLevel, StaffMember, User
from pmsystem.events import record_event
from pmsystem.i18n import phrase
from rebuttals import services
from rebuttals.models import Group, PanelMember, PanelRoster, RebuttalCase

PER_GROUP = 3


def _holder(entity: OrgUnit, role: str) -> User | None:
    found = DepartmentRole.objects.filter(entity=entity, role=role).select_related("user").first()
    return found.user if found else None


def _seed_roster(entity: OrgUnit, rng: random.Random) -> PanelRoster | None:
    hod = _holder(entity, DepartmentRole.Role.HOD)
    hr = _holder(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    rep = _holder(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE)
    if not (hod and hr and rep):
        return None
    busy = {
        hod.pk,
        hr.pk,
        rep.pk,
        *User.objects.filter(email__in=DEMO_LOGINS.values()).values_list("pk", flat=True),
    }
    # Staff at a wide range of levels, from general service to director.
    pool = list(
        StaffMember.objects.filter(unit__entity=entity, is_active=True)
        .exclude(pk__in=busy)
        .select_related("user")
        .order_by("index_number")[:400]
    )
    if len(pool) < 3 * PER_GROUP:
        return None
    rng.shuffle(pool)
    pool.sort(key=lambda s: s.grade)
    picked = pool[:: max(1, len(pool) // (3 * PER_GROUP))][: 3 * PER_GROUP]
    services.record_consultation(
        entity=entity,
        actor=hod,
        held_on=datetime.date(2026, 4, 15),
        participants=f"{rep} and the staff union committee",
        note="Agreed the chairpersons and the HOD-designated members.",
    )
    groups = [(Group.HOD_DESIGNATED, hod), (Group.STAFF_DESIGNATED, rep), (Group.CHAIR, hod)]
    for index, staff in enumerate(picked):
        group, actor = groups[index % 3]
        member = services.add_roster_member(
            entity=entity, actor=actor, user=staff.user, group=group
        )
        if index % 2 == 0:
            services.record_training(member=member, actor=hr, date=datetime.date(2026, 5, 20))
    return services.publish_roster(entity=entity, actor=hr)


def _rebuttable_documents(entity: OrgUnit, cycle: Cycle, exclude: set[int]) -> list[Appraisal]:
    """Up to four completed, rebuttable evaluations: the demo entity's first, then those of
    other entities with a published roster, each group by index number.

    In steps that each join at most two of the large tables, then the four by key. One query
    joining them all (evaluations, documents, staff, units, rosters, ratings, users), ordered
    by index number and limited, was planned, on statistics taken while the tables were
    empty, as nested loops over every row of each: minutes instead of milliseconds."""
    with_roster = set(
        PanelRoster.objects.filter(published_at__isnull=False).values_list("entity_id", flat=True)
    )
    document_of = dict(
        Appraisal.objects.filter(
            state=Appraisal.State.COMPLETED,
            final_rating__rebuttable=True,
            document__cycle=cycle,
            document__rebuttal__isnull=True,
        )
        .exclude(document__staff_id__in=exclude)
        .values_list("document__staff_id", "document_id")
    )
    ranked = sorted(
        (entity_id != entity.pk, index_number, document_of[staff_id])
        for staff_id, entity_id, index_number in StaffMember.objects.filter(
            pk__in=list(document_of)
        ).values_list("pk", "unit__entity_id", "index_number")
        if entity_id in with_roster
    )
    own = [document for elsewhere, _, document in ranked if not elsewhere][:4]
    others = [document for elsewhere, _, document in ranked if elsewhere][: 4 - len(own)]
    found = Appraisal.objects.select_related(
        "document__staff__user", "document__staff__unit", "document__cycle", "final_rating"
    ).in_bulk(own + others)
    return [found[document] for document in own + others]


def _case(appraisal: Appraisal, filed: datetime.datetime) -> RebuttalCase:
    document = appraisal.document
    cycle = document.cycle
    case = RebuttalCase.objects.create(
        document=document,
        state=RebuttalCase.State.FILED,
        statement="The rating does not reflect the outputs I delivered after the mid-year "
        "reassignment; my FRO did not consider the evidence I shared in October.",
        original_rating=appraisal.final_rating,
        reply_due=filed.date() + datetime.timedelta(days=cycle.hod_reply_days),
        report_due=filed.date() + datetime.timedelta(days=cycle.panel_report_days),
    )
    RebuttalCase.objects.filter(pk=case.pk).update(filed_at=filed)
    case.refresh_from_db()
    record_event(
        document=document,
        kind="rebuttal_filed",
        summary=phrase(gettext_noop("Rebuttal filed")),
        actor=document.staff.user,
    )
    return case


def _panel(case: RebuttalCase, hr: User) -> None:
    conflicted = services.conflicted_user_ids(case)
    for group in Group.values:
        member = (
            PanelRoster.objects.get(entity_id=case.document.staff.unit.entity_id)
            .members.filter(group=group, removed_at__isnull=True)
            .exclude(user_id__in=conflicted)
            .first()
        )
        PanelMember.objects.create(
            case=case, roster_member=member, user=member.user, seat=group, appointed_by=hr
        )
    RebuttalCase.objects.filter(pk=case.pk).update(panel_constituted_at=timezone.now())


@transaction.atomic
def seed_documents() -> int:
    """Rosters for every entity and four cases in the demo logins' entity."""
    if PanelRoster.objects.exists():
        return 0
    rng = random.Random(42)  # noqa: S311 - demo data, not security
    rosters = [
        roster
        for entity in OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY).order_by("code")
        if (roster := _seed_roster(entity, rng)) is not None
    ]
    cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
    hod_login = User.objects.filter(email=DEMO_LOGINS["hod"]).first()
    if cycle is None or hod_login is None:
        return len(rosters)
    entity = DepartmentRole.objects.filter(user=hod_login, role="hod").first().entity
    demo_staff = set(
        User.objects.filter(email__in=DEMO_LOGINS.values()).values_list("pk", flat=True)
    )
    appraisals = _rebuttable_documents(entity, cycle, demo_staff)
    now = timezone.now()
    cases = 0
    for step, appraisal in enumerate(appraisals):
        case = _case(appraisal, now - datetime.timedelta(days=5 + 10 * step))
        cases += 1
        if step == 0:
            continue  # filed: the HOD's reply and HR's panel wait
        case_entity = appraisal.document.staff.unit.entity
        hr = _holder(case_entity, DepartmentRole.Role.HR_FOCAL_POINT)
        services.reply_to_rebuttal(
            case=case,
            actor=_holder(case_entity, DepartmentRole.Role.HOD),
            reply="The rating followed the evidence discussed at the mid-point review.",
        )
        _panel(case, hr)
        if step == 1:
            continue  # before the panel: the chair's report waits
        chair = case.panel.get(seat=Group.CHAIR).user
        higher = RatingLevel.objects.filter(
            scale_id=case.original_rating.scale_id, rank=case.original_rating.rank - 1
        ).first()
        services.record_report(
            case=case,
            actor=chair,
            rating=higher or case.original_rating,
            report="The panel found the outputs of goals 2 and 3 were delivered as agreed.",
        )
        if step == 2:
            continue  # reported: HR's forwarding waits
        try:
            services.forward_to_status_file(case=case, actor=hr)
        except OSError:
            pass  # WeasyPrint's system libraries are missing: the case stays reported
    return len(rosters) + cases
