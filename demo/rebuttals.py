"""Demo rebuttals for `manage.py seed_demo`: a published roster per entity and, in the demo
logins' entity, rebuttal cases at each step (filed, replied with its panel, reported,
forwarded), so the demo HOD, HR focal point and panel chair find something waiting.

Called by `manage.py seed_demo` after `demo.documents`; idempotent (nothing is added once a
roster exists)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from appraisals.models import Appraisal
from demo.organisation import DEMO_LOGINS
from demo.timeline import Clock
from org.models import (
    Cycle,
    DepartmentRole,
    OrgUnit,
    RatingLevel,
    ReportingLine,
    StaffMember,
    User,
)
from pmsystem.events import record_event
from pmsystem.i18n import phrase
from pmsystem.models import Signature
from rebuttals import services
from rebuttals.models import Group, PanelRoster, RebuttalCase
from workplans.models import AdditionalSupervisor, WorkPlan

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


def _rebuttable_documents(
    entity: OrgUnit, cycle: Cycle, exclude: set[int], hr: User | None
) -> list[Appraisal]:
    """Up to four completed, rebuttable evaluations: the demo entity's first, then those of
    other entities with a published roster, each group by index number; in the demo entity
    none on which its HR login holds a role (they constitute the panel and forward the report:
    one person, one role per document).

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
    people = [
        row
        for row in StaffMember.objects.filter(pk__in=list(document_of)).values_list(
            "pk", "unit__entity_id", "index_number"
        )
        if row[1] in with_roster
    ]
    # One person, one role per document: none on which the officers who act on the case
    # hold a role (the entity's HOD replies, its HR focal point constitutes the panel; in the
    # demo entity, the HR login). Checked entity by entity until four are found.
    by_entity: dict[int, list[int]] = {}
    for staff_id, entity_id, _ in sorted(people, key=lambda row: row[2]):
        by_entity.setdefault(entity_id, []).append(document_of[staff_id])
    chosen: list[int] = []
    for entity_id in sorted(by_entity, key=lambda pk: (pk != entity.pk, pk)):
        if len(chosen) >= 4:
            break
        candidates = by_entity[entity_id]
        officers = [
            _holder_id(entity_id, DepartmentRole.Role.HOD),
            hr.pk if hr is not None and entity_id == entity.pk else None,
            _holder_id(entity_id, DepartmentRole.Role.HR_FOCAL_POINT),
        ]
        held: set[int] = set()
        for officer in {pk for pk in officers if pk is not None}:
            held |= _held_by(officer, candidates, cycle)
        chosen += [document for document in candidates if document not in held][: 4 - len(chosen)]
    found = Appraisal.objects.select_related(
        "document__staff__user", "document__staff__unit", "document__cycle", "final_rating"
    ).in_bulk(chosen)
    return [found[document] for document in chosen]


def _holder_id(entity_id: int, role: str) -> int | None:
    return (
        DepartmentRole.objects.filter(entity_id=entity_id, role=role)
        .values_list("user_id", flat=True)
        .first()
    )


def _held_by(user_id: int, document_ids: list[int], cycle: Cycle) -> set[int]:
    """The documents among these on which `user` holds a role: staff member, FRO or SRO of a
    line of the cycle, accepted additional supervisor or signer."""
    staff_of = dict(WorkPlan.objects.filter(pk__in=document_ids).values_list("pk", "staff_id"))
    in_line = set(
        ReportingLine.objects.filter(cycle=cycle, staff_id__in=staff_of.values())
        .filter(Q(staff_id=user_id) | Q(fro_id=user_id) | Q(sro_id=user_id))
        .values_list("staff_id", flat=True)
    )
    held = {pk for pk, staff_id in staff_of.items() if staff_id in in_line}
    held |= set(
        Signature.objects.filter(document_id__in=document_ids, signer_id=user_id).values_list(
            "document_id", flat=True
        )
    )
    held |= set(
        AdditionalSupervisor.objects.filter(
            work_plan_id__in=document_ids, supervisor_id=user_id
        ).values_list("work_plan_id", flat=True)
    )
    return held


# How long each step of a case took after the one before (days): filed after the
# acknowledgement, the HOD's reply, the panel constituted, its report, the forwarding. A case
# whose evaluation was acknowledged more recently than that runs faster, in the same order.
CASE_GAPS = {"filed": 3, "replied": 7, "panel": 2, "reported": 20, "forwarded": 3}


def _case_moments(acknowledged: datetime.datetime, now: datetime.datetime, steps: int) -> dict:
    names = list(CASE_GAPS)[: steps + 1] if steps == 0 else list(CASE_GAPS)[: steps + 2]
    wanted = sum(CASE_GAPS[name] for name in names)
    span = (now - datetime.timedelta(hours=1) - acknowledged).total_seconds() / 86400
    scale = min(1.0, span / (wanted + 1))
    moments, moment = {}, acknowledged
    for name in names:
        moment += datetime.timedelta(days=CASE_GAPS[name] * scale)
        moments[name] = moment
    return moments


def _case(appraisal: Appraisal) -> RebuttalCase:
    """A rebuttal filed now (the clock moves it to its moment)."""
    document = appraisal.document
    cycle = document.cycle
    case = RebuttalCase.objects.create(
        document=document,
        state=RebuttalCase.State.FILED,
        statement="The rating does not reflect the outputs I delivered after the mid-year "
        "reassignment; my FRO did not consider the evidence I shared in October.",
        original_rating=appraisal.final_rating,
        reply_due=timezone.localdate() + datetime.timedelta(days=cycle.hod_reply_days),
        report_due=timezone.localdate() + datetime.timedelta(days=cycle.panel_report_days),
    )
    record_event(
        document=document,
        kind="rebuttal_filed",
        summary=phrase(gettext_noop("Rebuttal filed")),
        actor=document.staff.user,
    )
    return case


def _panel(case: RebuttalCase, hr: User) -> None:
    """HR constitutes the panel from the published roster, as on the case's page."""
    for group in (Group.CHAIR, Group.HOD_DESIGNATED, Group.STAFF_DESIGNATED):
        member = services.eligible_roster_members(case, group).first()
        services.appoint_panel_member(case=case, actor=hr, roster_member=member)


@transaction.atomic
def seed_documents() -> int:
    """Rosters for every entity and four cases in the demo logins' entity, at each step
    (filed; replied with its panel; reported; forwarded), each step after the one before it
    and the first after the acknowledgement that allowed it."""
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
    hr_login = User.objects.filter(email=DEMO_LOGINS["hr_focal_point"]).first()
    entity = DepartmentRole.objects.filter(user=hod_login, role="hod").first().entity
    demo_staff = set(
        User.objects.filter(email__in=DEMO_LOGINS.values()).values_list("pk", flat=True)
    )
    appraisals = _rebuttable_documents(entity, cycle, demo_staff, hr_login)
    # The case furthest along is the demo entity's whose evaluation was acknowledged first.
    appraisals.sort(
        key=lambda appraisal: (
            appraisal.document.staff.unit.entity_id != entity.pk,
            appraisal.acknowledged_at,
        )
    )
    now = timezone.now()
    cases = 0
    for step, appraisal in zip(range(len(appraisals) - 1, -1, -1), appraisals, strict=False):
        moments = _case_moments(appraisal.acknowledged_at, now, step)
        clock = Clock()
        clock.at(moments["filed"])
        case = _case(appraisal)
        case.reply_due = moments["filed"].date() + datetime.timedelta(days=cycle.hod_reply_days)
        case.report_due = moments["filed"].date() + datetime.timedelta(days=cycle.panel_report_days)
        case.save(update_fields=["reply_due", "report_due"])
        cases += 1
        if step > 0:
            case_entity = appraisal.document.staff.unit.entity
            hr = hr_login if case_entity == entity and hr_login else None
            hr = hr or _holder(case_entity, DepartmentRole.Role.HR_FOCAL_POINT)
            clock.at(moments["replied"])
            services.reply_to_rebuttal(
                case=case,
                actor=_holder(case_entity, DepartmentRole.Role.HOD),
                reply="The rating followed the evidence discussed at the mid-point review.",
            )
            clock.at(moments["panel"])
            _panel(case, hr)
        if step > 1:
            clock.at(moments["reported"])
            case.refresh_from_db()
            chair = case.panel.get(seat=Group.CHAIR, excused_at__isnull=True).user
            higher = RatingLevel.objects.filter(
                scale_id=case.original_rating.scale_id, rank=case.original_rating.rank - 1
            ).first()
            services.record_report(
                case=case,
                actor=chair,
                rating=higher or case.original_rating,
                report="The panel found the outputs of goals 2 and 3 were delivered as agreed.",
            )
        if step > 2:
            clock.at(moments["forwarded"])
            try:
                services.forward_to_status_file(case=case, actor=hr)
            except OSError:
                pass  # WeasyPrint's system libraries are missing: the case stays reported
        clock.apply([appraisal.document_id])
    return len(rosters) + cases
