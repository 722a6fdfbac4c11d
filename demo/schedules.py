"""The demo's staff on special schedules (issue 16 section 4, docs/rules.md section 10).

Five newcomers on probation join the team of the `fro` login, one at each point of the
schedule, their dates counted back from the day the demo is seeded so the story holds
whenever it is shown: the `probationer` login (their FRO recorded the initial discussion; the
six-month mid-term review is due in twelve days, in their My tasks and the FRO's), one who
joined ten days ago, one whose twelve-month appraisal is ten days overdue, one at their
eighteen-month mid-term, and one whose probationary report the FRO recorded: it reached the
entity's review board, which commented on it (the `review.board` login). When the open cycle
sets technical-cooperation figures (the ILO profile) a staff member on a technical-cooperation
contract joins the team too, their first appraisal due in a week. The FRO records every
milestone through the service; the people are written like the organisation's.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from org import profiles
from org.models import Cycle, ReportingLine, StaffMember, User
from pmsystem.dates import add_months
from schedules import services
from schedules.models import ReportComment
from schedules.selectors import staff_schedule

from .organisation import DEMO_DOMAIN, DEMO_LOGINS

SUMMARIES = {
    "discussion": "Agreed the first goals of the work plan and a meeting every month.",
    "midterm_6": "On track; the feedback of colleagues confirms good teamwork.",
    "appraisal_12": "Meets the requirements of the post; training in budgeting agreed.",
    "midterm_18": "Steady progress on the goals agreed at the appraisal.",
    "report_21": "Recommend confirming the appointment: the goals were met throughout.",
}
# (email local part, first name, last name, entry on duty from today, codes recorded)
PEOPLE = (
    (
        "probationer",
        "Amara",
        "Okonkwo",
        lambda t: add_months(t, -6) + datetime.timedelta(days=12),
        ("discussion",),
    ),
    ("probation.new", "Lucas", "Ferreira", lambda t: t - datetime.timedelta(days=10), ()),
    (
        "probation.overdue",
        "Mei",
        "Tanaka",
        lambda t: add_months(t, -12) - datetime.timedelta(days=10),
        ("discussion", "midterm_6"),
    ),
    (
        "probation.midterm",
        "Jonas",
        "Berg",
        lambda t: add_months(t, -18) + datetime.timedelta(days=20),
        ("discussion", "midterm_6", "appraisal_12"),
    ),
    (
        "probation.report",
        "Fatou",
        "Diallo",
        lambda t: add_months(t, -21) - datetime.timedelta(days=15),
        ("discussion", "midterm_6", "appraisal_12", "midterm_18", "report_21"),
    ),
)


def newcomers(profile: str) -> int:
    """How many staff members `seed_documents` adds to a demo organisation under the policy
    `profile`: the probationers, and the technical-cooperation newcomer when the profile's
    cycles set technical-cooperation figures. `manage.py seed_demo --staff N` counts them
    within N."""
    return len(PEOPLE) + (1 if profiles.profile(profile).tc_first_appraisal_months else 0)


BOARD_COMMENT = "Consistent with the appraisal and the mid-term reviews: confirm the appointment."


def seed_documents() -> int:
    """The records written (0 when the demo has its probationers already, or has no FRO
    login with a team in the open cycle)."""
    if User.objects.filter(email=DEMO_LOGINS["probationer"]).exists():
        return 0
    today = timezone.localdate()
    fro = StaffMember.objects.filter(user__email=DEMO_LOGINS["fro"]).select_related("user").first()
    cycle = Cycle.objects.filter(status=Cycle.Status.OPEN).order_by("-start").first()
    staff_login = User.objects.filter(email=DEMO_LOGINS["staff"]).first()
    if fro is None or cycle is None or staff_login is None:
        return 0
    line = (
        ReportingLine.objects.filter(cycle=cycle, fro=fro, effective_to__isnull=True)
        .select_related("staff")
        .order_by("pk")
        .first()
    )
    if line is None:
        return 0
    people = list(PEOPLE)
    if cycle.tc_first_appraisal_months:
        first = cycle.tc_first_appraisal_months
        people.append(
            (
                "technical.cooperation",
                "Rafael",
                "Mendes",
                lambda t: add_months(t, -first) + datetime.timedelta(days=7),
                (),
            )
        )
    written = 0
    board = User.objects.filter(email=DEMO_LOGINS["review_board"]).first()
    for n, (local, first_name, last_name, entry, recorded) in enumerate(people):
        user = User.objects.create(
            email=f"{local}@{DEMO_DOMAIN}",
            first_name=first_name,
            last_name=last_name,
            # The demo password, as every demo login has it.
            password=staff_login.password,
        )
        eod = entry(today)
        tc = local == "technical.cooperation"
        member = StaffMember.objects.create(
            user=user,
            # Beside the organisation's 9xxxxxxx numbers.
            index_number=f"{80000000 + n}",
            grade="P-2",
            gender=StaffMember.Gender.FEMALE if n % 2 else StaffMember.Gender.MALE,
            unit=line.staff.unit,
            entry_on_duty=eod,
            contract_type=(
                StaffMember.ContractType.TECHNICAL_COOPERATION
                if tc
                else StaffMember.ContractType.FIXED_TERM
            ),
            on_probation=not tc,
        )
        ReportingLine.objects.create(
            staff=member,
            cycle=cycle,
            fro=fro,
            sro=line.sro,
            effective_from=max(cycle.start, eod),
        )
        schedule = staff_schedule(member.pk)
        dues = {step.code: step.due for step in schedule.steps} if schedule else {}
        for code in recorded:
            due = dues[code]
            record = services.record_milestone(
                actor=fro.user,
                staff=member,
                code=code,
                held_on=min(due, today - datetime.timedelta(days=1)),
                summary=SUMMARIES[code],
            )
            written += 1
            if record.board and board is not None:
                services.comment_on_report(
                    actor=board,
                    record=record,
                    kind=ReportComment.Kind.RECOMMENDATION,
                    text=BOARD_COMMENT,
                )
    return written
