"""A demo that tells the truth (issue 17): on the seeded demo organisation every document's
dates are in order (each step after the one it follows, signatures with their steps, PIPs
opened before their meetings, rebuttals after the acknowledgement that allowed them), goals
fit the grade and units fit their section, and every line of README's table of logins can be
walked: each printed login signs in and the page of each thing to try answers with it.

The organisation is seeded once for the module, at README's default size (inside a
transaction rolled back at the end)."""

import datetime
import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appraisals.models import Appraisal, ImprovementPlan, RollBack
from appraisals.permissions import allowed_actions
from compliance.selectors import my_tasks
from demo.organisation import DEMO_LOGINS, DIVISION_SECTIONS, SECTION_UNITS
from demo.texts import LEADER_GRADES
from feedback.models import ColleagueRound, RecognitionNote
from org.models import Cycle, DepartmentRole, OrgUnit, ReportingLine, StaffMember, User
from org.selectors import current_cycle
from pmsystem.models import DocumentEvent, Signature
from rebuttals.models import RebuttalCase, StatusFileRecord
from rebuttals.permissions import allowed_case_actions
from tests.concurrency import ensure_competency_catalogue
from tests.security.helpers import enrol_totp
from tests.worlds import built_once
from workplans.models import AdditionalSupervisor, CheckIn, WorkPlan

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STAFF = 300
PASSWORD = "demo-pass-2026"
README = Path(settings.BASE_DIR) / "README.md"


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker):
        ensure_competency_catalogue()  # a flush before this module may have emptied it
        call_command(
            "seed_demo", staff=STAFF, password=PASSWORD, stdout=io.StringIO(), stderr=io.StringIO()
        )
        yield


# --- dates in order on every document -------------------------------------------------------

# A timeline event of the first kind comes after at least one event of each of the others:
# what the step follows. Kinds not listed (later additions) are checked against the document's
# creation only.
FOLLOWS = {
    "work_plan_submit": {"created"},
    "work_plan_return": {"work_plan_submit"},
    "work_plan_approve": {"work_plan_submit"},
    "goals_changed": {"work_plan_approve"},
    "additional_supervisor_answered": {"additional_supervisor_proposed"},
    "midpoint_started": {"work_plan_approve"},
    "submit_midpoint": {"midpoint_started"},
    "finalise_midpoint": {"submit_midpoint"},
    "start_evaluation": {"finalise_midpoint"},
    "submit_self_evaluation": {"start_evaluation"},
    "supervisor_comment": {"start_evaluation"},
    "ratings_changed": {"submit_self_evaluation"},
    "sign_evaluation": {"submit_self_evaluation", "ratings_changed"},
    "return_to_fro": {"sign_evaluation"},
    "approve_evaluation": {"sign_evaluation"},
    "acknowledge": {"approve_evaluation"},
    "rolled_back": {"approve_evaluation"},
    # A PIP follows an underperformance rating or is opened at any time while the cycle is open
    # (docs/rules.md §5): on an approved work plan at the earliest.
    "pip_opened": {"work_plan_approve"},
    "pip_meeting": {"pip_opened"},
    "pip_closed": {"pip_opened"},
    "rebuttal_filed": {"acknowledge"},
    "rebuttal_reply": {"rebuttal_filed"},
    "panel_member_appointed": {"rebuttal_filed"},
    "rebuttal_report": {"rebuttal_reply", "panel_member_appointed"},
    "rebuttal_forwarded": {"rebuttal_report"},
}
SAME_STEP = datetime.timedelta(seconds=5)


def by_document(rows, key="document_id"):
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def test_every_seeded_document_tells_its_story_in_order():
    now = timezone.now()
    today = timezone.localdate()
    documents = {plan.pk: plan for plan in WorkPlan.objects.select_related("cycle")}
    events = by_document(DocumentEvent.objects.order_by("created_at", "pk"))
    signatures = by_document(Signature.objects.all())
    problems = []

    def bad(document_id, text):
        problems.append(f"document {document_id}: {text}")

    for pk, plan in documents.items():
        story = events[pk]
        if not story or story[0].kind != "created":
            bad(pk, f"the first event is {story[0].kind if story else None}, not its creation")
            continue
        if abs(story[0].created_at - plan.created_at) > SAME_STEP:
            bad(pk, "created at another moment than its creation event")
        seen: dict[str, datetime.datetime] = {}
        for event in story:
            if event.created_at > now:
                bad(pk, f"{event.kind} in the future")
            missing = [kind for kind in FOLLOWS.get(event.kind, ()) if kind not in seen]
            if missing:
                bad(pk, f"{event.kind} at {event.created_at} before any {', '.join(missing)}")
            seen.setdefault(event.kind, event.created_at)
        moments = [event.created_at for event in story]
        for signature in signatures[pk]:
            if not any(abs(signature.signed_at - moment) <= SAME_STEP for moment in moments):
                bad(pk, f"signature {signature.stage}/{signature.action} matches no event")
    for check_in in CheckIn.objects.select_related("work_plan"):
        plan = check_in.work_plan
        if not plan.approved_at or not (plan.approved_at.date() <= check_in.held_on <= today):
            bad(plan.pk, f"check-in held {check_in.held_on} outside approval..today")
    for request in AdditionalSupervisor.objects.select_related("work_plan"):
        if request.proposed_at < request.work_plan.created_at:
            bad(request.work_plan_id, "supervisor proposed before the work plan existed")
        if request.answered_at and request.answered_at < request.proposed_at:
            bad(request.work_plan_id, "supervisor answered before being proposed")
    problems += pip_problems(today)
    problems += rebuttal_problems(now)
    for rollback in RollBack.objects.all():
        voided = Signature.objects.filter(document_id=rollback.document_id).exclude(voided_at=None)
        if any(s.signed_at > rollback.performed_at for s in voided):
            bad(rollback.document_id, "a signature voided by a roll-back came after it")
    assert problems == [], "\n".join(problems)


def pip_problems(today) -> list[str]:
    problems = []
    for plan in ImprovementPlan.objects.select_related(
        "document__midpoint", "document__appraisal"
    ).prefetch_related("meetings"):
        label = f"PIP {plan.pk} (document {plan.document_id})"
        held = sorted(meeting.held_on for meeting in plan.meetings.all())
        if held and plan.opened_at.date() > held[0]:
            problems.append(f"{label}: opened {plan.opened_at.date()} after its meeting {held[0]}")
        if any(not plan.start <= day <= min(plan.end, today) for day in held):
            problems.append(f"{label}: a meeting outside {plan.start}..{plan.end} or in the future")
        midpoint = getattr(plan.document, "midpoint", None)
        if midpoint and midpoint.finalised_at and plan.opened_at < midpoint.finalised_at:
            problems.append(f"{label}: opened before the mid-point review it follows")
        if plan.closed_at and (
            plan.closed_at < plan.opened_at or (held and plan.closed_at.date() < held[-1])
        ):
            problems.append(f"{label}: closed before it opened or before a meeting")
    return problems


def rebuttal_problems(now) -> list[str]:
    problems = []
    forwarded = dict(StatusFileRecord.objects.values_list("case_id", "forwarded_at"))
    for case in RebuttalCase.objects.select_related("document__appraisal", "document__cycle"):
        appraisal = case.document.appraisal
        label = f"rebuttal {case.pk} (document {case.document_id})"
        window = datetime.timedelta(days=case.document.cycle.rebuttal_filing_days)
        if not appraisal.acknowledged_at <= case.filed_at <= appraisal.acknowledged_at + window:
            problems.append(f"{label}: filed outside the window its acknowledgement opened")
        steps = [
            ("filed", case.filed_at),
            ("replied", case.hod_replied_at),
            ("panel", case.panel_constituted_at),
            ("reported", case.reported_at),
            ("forwarded", forwarded.get(case.pk)),
        ]
        reached = [(name, moment) for name, moment in steps if moment is not None]
        for (before, first), (after, then) in zip(reached, reached[1:], strict=False):
            if then < first:
                problems.append(f"{label}: {after} {then} before {before} {first}")
        if reached[-1][1] > now:
            problems.append(f"{label}: in the future")
        if case.hod_replied_at and case.hod_replied_at.date() > case.reply_due:
            problems.append(f"{label}: the HOD replied after the reply was due")
    return problems


def test_goals_fit_the_grade_and_units_fit_their_section():
    cycle = current_cycle()
    leaders = StaffMember.objects.filter(grade__in=LEADER_GRADES).select_related("unit")
    assert leaders.exists()
    for leader in leaders:
        plan = WorkPlan.objects.filter(staff=leader, cycle=cycle).first()
        if plan is None:
            continue
        for goal in plan.goals.filter(is_current=True):
            assert leader.unit.name in goal.title, (leader.grade, goal.title)
    # Nobody below director level has a leader's goal.
    for title in (
        WorkPlan.objects.filter(cycle=cycle)
        .exclude(staff__grade__in=LEADER_GRADES)
        .values_list("goals__title", flat=True)
    ):
        assert not (title or "").startswith(("Lead the ", "Steer ", "Sponsor ")), title
    for unit in OrgUnit.objects.select_related("parent").exclude(kind=OrgUnit.Kind.ENTITY):
        if unit.kind == OrgUnit.Kind.UNIT:
            assert unit.name in SECTION_UNITS[unit.parent.name], (unit.name, unit.parent.name)
        elif unit.kind == OrgUnit.Kind.SECTION:
            assert unit.name in DIVISION_SECTIONS[unit.parent.name], (unit.name, unit.parent)


def test_the_date_check_can_fail():
    """Move one rebuttal before the acknowledgement that allowed it: the check reports it."""
    case = RebuttalCase.objects.select_related("document__appraisal").first()
    before = case.document.appraisal.acknowledged_at - datetime.timedelta(days=1)
    with transaction.atomic():
        RebuttalCase.objects.filter(pk=case.pk).update(filed_at=before)
        problems = rebuttal_problems(timezone.now())
        transaction.set_rollback(True)
    assert any(f"rebuttal {case.pk} " in problem for problem in problems)


# --- README's table of logins, walked -------------------------------------------------------


def readme_table() -> dict[str, list[str]]:
    """README's "login | what to try" table: {login: [the things to try]}."""
    rows, inside = {}, False
    for line in README.read_text().splitlines():
        if line.startswith("| login | what to try |"):
            inside = True
            continue
        if inside and line.startswith("|---"):
            continue
        if inside and line.startswith("| `"):
            login, what = (cell.strip() for cell in line.strip("|").split("|", 1))
            rows[login.strip("`")] = [part.strip() for part in what.strip(" |").split(";")]
        elif inside:
            break
    return rows


class Walk:
    """One login signed in through the login form (its authenticator set up when the role
    requires one), with what its checks need."""

    def __init__(self, login: str):
        self.email = f"{login}@{DEMO_LOGINS['staff'].split('@')[1]}"
        self.user = User.objects.get(email=self.email)
        self.client = Client()
        response = self.client.post(
            reverse("account_login"), {"login": self.email, "password": PASSWORD}
        )
        assert response.status_code == 302, (login, response.status_code)
        assert not response["Location"].startswith(reverse("account_login")), login
        home = self.client.get(reverse("home"))
        if home.status_code == 302 and "2fa" in home["Location"]:
            enrol_totp(self.user)  # README: these roles set up an authenticator app first
            home = self.client.get(reverse("home"))
        assert home.status_code == 200, (login, home.status_code, home.get("Location"))
        self.home = home.content.decode()
        self.tasks = my_tasks(self.user, current_cycle())

    def task(self, start: str):
        found = [task for task in self.tasks if task.label.startswith(start)]
        assert found, f"{self.email}: no task {start!r} among {[t.label for t in self.tasks]}"
        return found[0]

    def page(self, url: str, *markers: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (self.email, url, response.status_code)
        text = response.content.decode()
        for marker in markers:
            assert marker in text, (self.email, url, marker)
        return text

    def opens_task(self, start: str, *markers: str) -> str:
        task = self.task(start)
        assert task.url in self.home, (self.email, task.url)
        return self.page(task.url, *markers)

    @property
    def entity(self) -> OrgUnit:
        return DepartmentRole.objects.filter(user=self.user).first().entity


def own_evaluation(walk: Walk) -> WorkPlan:
    return WorkPlan.objects.get(staff_id=walk.user.pk, cycle=current_cycle())


def acknowledge(walk: Walk) -> None:
    document = own_evaluation(walk)
    assert document.appraisal.overall_rating.code == "PM"
    page = walk.opens_task("Read and acknowledge your evaluation", "Partially meets")
    assert reverse("appraisals:acknowledge", args=[document.pk]) in page
    comments = document.appraisal.supervisor_comments.get()
    assert comments.comment[:40] in page
    notes = walk.page(reverse("workplans:check-ins", args=[document.pk]))
    for check_in in document.check_ins.all():
        assert check_in.note[:40] in notes


def upward_answer(walk: Walk) -> None:
    walk.page(reverse("feedback:home"))
    assert any("feedback" in task.url for task in walk.tasks), [t.url for t in walk.tasks]


def feedback_page(walk: Walk) -> None:
    walk.page(reverse("feedback:home"))


def approve_work_plan(walk: Walk) -> None:
    walk.opens_task("Approve the work plan of", "approve")


def finalise_midpoint(walk: Walk) -> None:
    walk.opens_task("Comment on and finalise the mid-point review of")


def rate_and_sign(walk: Walk) -> None:
    rated = [task for task in walk.tasks if task.label.startswith("Evaluate and rate")]
    assert len(rated) >= 2, [t.label for t in walk.tasks]
    rollback = RollBack.objects.get(requested_by=walk.user)
    document = rollback.document
    assert document.appraisal.state == Appraisal.State.FRO_EVALUATION
    walk.page(reverse("appraisals:evaluation", args=[document.pk]), rollback.reason[:40])


def follow_pip(walk: Walk) -> None:
    task = next(t for t in walk.tasks if t.url_name == "appraisals:pips")
    walk.page(task.url)


def six_month_review(walk: Walk) -> None:
    task = walk.task("Hold the six-month review of the PIP of")
    assert task.due <= timezone.localdate(), task
    walk.page(task.url)


def approve_evaluation(walk: Walk) -> None:
    walk.opens_task("Approve the evaluation of")


def comment_evaluation(walk: Walk) -> None:
    walk.opens_task("Give your comments on")


def answer_request(walk: Walk) -> None:
    walk.opens_task("Answer ", "decline")


def reply_rebuttal(walk: Walk) -> None:
    walk.opens_task("Reply to the rebuttal")


def self_evaluation(walk: Walk) -> None:
    walk.opens_task("Complete and sign your self-evaluation")


def department_documents(walk: Walk) -> None:
    entity = walk.entity
    rollback = RollBack.objects.get(document__staff__unit__entity=entity)
    pip = ImprovementPlan.objects.filter(
        document__staff__unit__entity=entity, state=ImprovementPlan.State.OPEN
    ).first()
    for document in (rollback.document, pip.document):
        walk.page(reverse("workplans:document", args=[document.pk]))
    walk.page(reverse("compliance:follow-up"), str(rollback.document.staff.user))


def cases_of(walk: Walk, state: str) -> list[RebuttalCase]:
    return list(RebuttalCase.objects.filter(document__staff__unit__entity=walk.entity, state=state))


def constitute_panel(walk: Walk) -> None:
    cases = [
        case
        for case in cases_of(walk, RebuttalCase.State.FILED)
        if "constitute_panel" in allowed_case_actions(walk.user, case)
    ]
    assert cases, "no case in the HR login's entity waits for its panel"
    walk.page(
        reverse("rebuttals:case", args=[cases[0].pk]),
        reverse("rebuttals:appoint", args=[cases[0].pk]),
    )


def forward_report(walk: Walk) -> None:
    cases = [
        case
        for case in cases_of(walk, RebuttalCase.State.REPORTED)
        if "forward" in allowed_case_actions(walk.user, case)
    ]
    assert cases, "no reported case in the HR login's entity for its HR focal point"
    walk.page(
        reverse("rebuttals:case", args=[cases[0].pk]),
        reverse("rebuttals:forward", args=[cases[0].pk]),
    )


def follow_cases(walk: Walk) -> None:
    cases = RebuttalCase.objects.filter(document__staff__unit__entity=walk.entity)
    assert cases.count() >= 4
    page = walk.page(reverse("rebuttals:monitor"))
    for case in cases:
        assert reverse("rebuttals:case", args=[case.pk]) in page


def own_work_plan(walk: Walk) -> None:
    walk.opens_task("Draft and submit your work plan")


def roll_back(walk: Walk) -> None:
    documents = WorkPlan.objects.filter(
        staff__unit__entity=walk.entity,
        cycle=current_cycle(),
        appraisal__state__in=[Appraisal.State.SRO_REVIEW, Appraisal.State.ACKNOWLEDGEMENT],
    ).select_related("staff__user", "cycle")
    document = next((d for d in documents if "roll_back" in allowed_actions(walk.user, d)), None)
    assert document is not None, "no document the HR login may roll back"
    walk.page(reverse("appraisals:rollback", args=[document.pk]))


def ratings_standards(walk: Walk) -> None:
    """The department's ratings standards answer, and so does any task about them."""
    walk.page(reverse("standards:home"))
    for task in walk.tasks:
        if "ratings standards" in task.label:
            walk.page(task.url)


def hr_changes(walk: Walk) -> None:
    """The demo FRO leaves: the HR login previews who gets the successor (nothing written)."""
    entity = walk.entity
    walk.page(reverse("org:bulk-list"), reverse("org:bulk-reassign", args=[entity.pk]))
    url = reverse("org:bulk-reassign", args=[entity.pk])
    walk.page(url)
    leaving = User.objects.get(email=DEMO_LOGINS["fro"]).staff
    successor = (
        StaffMember.objects.filter(unit=leaving.unit, is_active=True)
        .exclude(pk__in=[leaving.pk, walk.user.pk])
        .order_by("-grade")
        .first()
    )
    lines = set(ReportingLine.objects.values_list("pk", "effective_to"))
    response = walk.client.post(
        url,
        {
            "cycle": current_cycle().pk,
            "kind": "replace",
            "leaving": leaving.index_number,
            "replacement": successor.index_number,
            "effective_from": timezone.localdate().isoformat(),
            "reason": "Retirement: the team's documents pass to the successor.",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.count + len(preview.refused) > 0
    assert set(ReportingLine.objects.values_list("pk", "effective_to")) == lines


def compliance(walk: Walk) -> None:
    walk.page(reverse("compliance:dashboard"))
    walk.page(reverse("compliance:broadcast-list"))


def campaign(walk: Walk) -> None:
    walk.page(reverse("feedback:campaigns"))


def ask_colleagues(walk: Walk) -> None:
    walk.page(reverse("feedback:colleagues", args=[own_evaluation(walk).pk]), "Add to the list")


def notes_received(walk: Walk) -> None:
    walk.page(reverse("feedback:recognition"), "Take off")


def confirm_colleagues(walk: Walk) -> None:
    walk.opens_task("Confirm the colleagues", "Confirm and ask them")


def colleague_answers(walk: Walk) -> None:
    confirmed = ColleagueRound.objects.get(state=ColleagueRound.State.CONFIRMED)
    walk.page(reverse("feedback:colleagues", args=[confirmed.document_id]), "Signed by")


def withdraw_note(walk: Walk) -> None:
    note = RecognitionNote.objects.get(sender=walk.user)
    walk.page(
        reverse("feedback:recognition"), reverse("feedback:recognition-withdraw", args=[note.pk])
    )


def give_colleague_feedback(walk: Walk) -> None:
    walk.opens_task("Give feedback on the work of", "Sign and send")


def recognition_counts(walk: Walk) -> None:
    walk.page(reverse("feedback:recognition-counts"))


def roster(walk: Walk) -> None:
    walk.page(reverse("rebuttals:roster", args=[walk.entity.pk]))


def revise_returned(walk: Walk) -> None:
    walk.opens_task("Your FRO returned your work plan")


def django_admin(walk: Walk) -> None:
    walk.page(reverse("admin:index"))


def managers_course(walk: Walk) -> None:
    """The FRO's managers' course is overdue in My tasks, and under Training."""
    task = walk.opens_task(
        "Take the mandatory course “Performance Management and Development”", "Overdue"
    )
    assert task
    assert walk.task("Take the mandatory course").overdue


def own_training_and_figures(walk: Walk) -> None:
    """The HOD's own overdue programme, and the department's figures."""
    text = walk.page(reverse("training:home"), "Senior leadership programme", "Overdue")
    assert "Compliance of the entities I follow" in text
    walk.page(reverse("training:entity", args=[walk.entity.pk]), "Performance Management")


def keep_training(walk: Walk) -> None:
    """HR's training pages: the figures with drill-down and export, the import, the record
    page, the catalogue with the department's course, a new course's form."""
    entity = walk.entity
    page = reverse("training:entity", args=[entity.pk])
    walk.page(page, "Ethics and integrity", "Senior leadership programme")
    walk.page(f"{page}?state=overdue", "Overdue")
    export = walk.client.get(reverse("training:export", args=[entity.pk, "csv"]))
    assert export.status_code == 200
    walk.page(reverse("training:import"), "course_code")
    walk.page(reverse("training:record"), "Latest completions")
    walk.page(reverse("training:catalogue"), f"LEAD-{entity.code}")
    walk.page(reverse("training:course-new"))


def review_board(walk: Walk) -> None:
    """The board's page for the demo entity: the consistency view, the routed documents, and
    a document the board commented on."""
    from board.models import BoardComment

    entity = DepartmentRole.objects.get(user=walk.user, role="review_board").entity
    text = walk.page(reverse("board:entity", args=[entity.pk]), "Consistency of the ratings")
    assert "Documents routed to the board" in text
    comment = BoardComment.objects.filter(author=walk.user, document__isnull=False).first()
    assert comment is not None
    walk.page(reverse("board:document", args=[comment.document_id]), comment.text)
    walk.page(reverse("appraisals:evaluation", args=[comment.document_id]), comment.text)


def probation_report(walk: Walk) -> None:
    """The board's page lists the probationary report; its page shows the recommendation."""
    from schedules.models import ReportComment

    entity = DepartmentRole.objects.get(user=walk.user, role="review_board").entity
    walk.page(reverse("board:entity", args=[entity.pk]), "Probationary reports")
    comment = ReportComment.objects.get(author=walk.user)
    walk.page(reverse("schedules:report", args=[comment.record_id]), comment.text)


def my_schedule(walk: Walk) -> None:
    """The probationer's milestones, the recorded discussion's summary among them."""
    from schedules.models import ScheduleRecord

    record = ScheduleRecord.objects.get(staff_id=walk.user.pk, code="discussion")
    walk.page(reverse("schedules:home"), "Initial discussion", record.summary)


def next_milestone(walk: Walk) -> None:
    walk.task("Your next milestone: Mid-term review (6 months)")


def course_catalogue(walk: Walk) -> None:
    walk.page(reverse("training:catalogue"), "PMD", "ETHICS")
    walk.page(reverse("training:course-new"), "The whole organisation")


# What each thing to try is (a pattern of its words) and how it is walked, per login.
WALKS = {
    "staff": [
        (r"^acknowledge an evaluation rated", acknowledge),
        (r"^give your anonymous upward feedback", upward_answer),
        (r"^ask colleagues for feedback on your work", ask_colleagues),
        (r"^under \*Feedback → Recognition\*, the notes colleagues sent you", notes_received),
    ],
    "fro": [
        (r"^approve or return a submitted work plan$", approve_work_plan),
        (r"^finalise a mid-point review$", finalise_midpoint),
        (r"rate and sign evaluations, one of them rolled back by HR$", rate_and_sign),
        (r"ratings standards", ratings_standards),
        (r"^follow an open performance improvement plan$", follow_pip),
        (r"^hold the six-month review of another", six_month_review),
        (r"^read your upward feedback", feedback_page),
        (r"^confirm the colleagues a staff member on probation named", confirm_colleagues),
        (r"^read the signed colleague feedback", colleague_answers),
        (r"^withdraw the note of recognition you sent today", withdraw_note),
        (r"^find the managers' course", managers_course),
    ],
    "sro": [
        (r"^approve an evaluation, or return it to the FRO", approve_evaluation),
        (r"ratings standards", ratings_standards),
        (r"^read the upward feedback of the managers", feedback_page),
    ],
    "additional.supervisor": [
        (r"^comment on an evaluation$", comment_evaluation),
        (r"^accept or decline a pending request$", answer_request),
        (r"^see your upward feedback withheld", feedback_page),
    ],
    "hod": [
        (r"^reply to a rebuttal$", reply_rebuttal),
        (r"^complete your own self-evaluation$", self_evaluation),
        (r"^see the department's documents", department_documents),
        (r"\*Ratings standards\*", ratings_standards),
        (r"^under \*Training\*, your own overdue", own_training_and_figures),
    ],
    "hr.focal.point": [
        (r"^constitute a rebuttal panel from the published roster, forward", constitute_panel),
        (r"forward a panel's report to the status file$", forward_report),
        (r"^follow the cases under Rebuttals$", follow_cases),
        (r"^draft and submit your own work plan$", own_work_plan),
        (r"^roll a document back on an officer's request$", roll_back),
        (r"^the compliance dashboard\b.* and broadcasts$", compliance),
        (r"^the upward-feedback campaign", campaign),
        (r"^recognition notes per entity and unit", recognition_counts),
        (r"^under \*HR changes\*, reassign the reporting lines", hr_changes),
        (r"^under \*Training\*, the department's courses", keep_training),
    ],
    "staff.representative": [
        (r"^read the department's panel roster$", roster),
        (r"^revise and resubmit the work plan your FRO returned$", revise_returned),
        (r"^give feedback on a colleague's work, or decline it$", give_colleague_feedback),
    ],
    "review.board": [
        (r"^under \*Review board\*, the department's consistency view", review_board),
        (r"^read one, and add a comment or a recommendation", review_board),
        (r"^recommend something to an FRO", review_board),
        (r"^read a probationary report routed to the board", probation_report),
    ],
    "probationer": [
        (r"^under \*Special schedules\*, your probation milestones", my_schedule),
        (r"^the six-month mid-term review, due in My tasks$", next_milestone),
    ],
    "admin": [
        (r"^Django admin$", django_admin),
        (r"^under \*Training\*, the organisation's course catalogue", course_catalogue),
    ],
}


def test_readme_names_every_printed_login_and_each_thing_to_try_is_walked():
    table = readme_table()
    assert {login.replace(".", "_") for login in table} == set(DEMO_LOGINS)
    unwalked = [
        f"{login}: {thing}"
        for login, things in table.items()
        for thing in things
        if not any(re.search(pattern, thing) for pattern, _ in WALKS.get(login, []))
    ]
    assert unwalked == [], "README lines this test does not walk yet"


@pytest.mark.parametrize("login", list(WALKS))
def test_each_login_does_what_readme_says(login, mfa_enforced):
    table = readme_table()
    walk = Walk(login)
    for thing in table[login]:
        for pattern, check in WALKS[login]:
            if re.search(pattern, thing):
                check(walk)


def test_the_cycles_are_those_readme_describes():
    assert set(Cycle.objects.values_list("name", "status")) >= {
        ("2025-26", Cycle.Status.CLOSED),
        ("2026-27", Cycle.Status.OPEN),
    }


# --- the request flags skip only what finds nothing ------------------------------------------


def test_my_tasks_and_the_role_summary_of_the_signed_in_user_equal_those_read_in_full(demo):
    """On the demo (every stage, open PIPs, requests to be additional supervisor, colleague
    requests, rebuttal panels, department roles, delegations), My tasks and the role summary
    read for the signed-in user, whose request flags let them skip the sections that could
    find nothing (`org.permissions.session_user`), equal those read for a user object without
    flags, every query run: for everyone with a role, a line, a request or a seat, and some
    staff with none. The flags are seen to skip something for most of them."""
    from feedback.models import ColleagueRequest
    from org.models import Delegation
    from org.permissions import session_user
    from org.selectors import role_summary
    from rebuttals.models import PanelMember

    cycle = current_cycle()
    lines = ReportingLine.objects.filter(cycle=cycle)
    people = {
        *lines.values_list("fro_id", flat=True),
        *lines.values_list("sro_id", flat=True),
        *DepartmentRole.objects.values_list("user_id", flat=True),
        *Delegation.objects.values_list("acting_id", flat=True),
        *PanelMember.objects.values_list("user_id", flat=True),
        *AdditionalSupervisor.objects.values_list("supervisor_id", flat=True),
        *ColleagueRequest.objects.values_list("colleague_id", flat=True),
        *StaffMember.objects.order_by("pk").values_list("pk", flat=True)[:20],
    }
    assert AdditionalSupervisor.objects.filter(state=AdditionalSupervisor.State.PROPOSED)
    assert ColleagueRequest.objects.filter(state=ColleagueRequest.State.ASKED)
    assert PanelMember.objects.filter(seat="chair")
    assert ImprovementPlan.objects.filter(state=ImprovementPlan.State.OPEN)

    def summary(user: User) -> dict:
        found = role_summary(user, cycle)
        return {**vars(found), "acting_for": [d.pk for d in found.acting_for]}

    def tasks(user: User) -> list[tuple]:
        return [(t.label, t.url_name, t.url_args, t.due, t.role) for t in my_tasks(user, cycle)]

    skipped = 0
    for pk in sorted(people):
        full = User.objects.get(pk=pk)
        signed_in = session_user(pk)
        with CaptureQueriesContext(connection) as flagged_queries:
            flagged = tasks(signed_in), summary(signed_in)
        with CaptureQueriesContext(connection) as full_queries:
            expected = tasks(full), summary(full)
        assert flagged == expected, full
        skipped += len(flagged_queries) < len(full_queries)
    assert skipped > len(people) / 2, (skipped, len(people))


# --- My team's rows, written in Python -------------------------------------------------------

# The rows of templates/workplans/team_list.html before `team_rows` wrote them (issue 14),
# verbatim: `team_rows` must write the same.
TEAM_ROWS_TEMPLATE = """{% load i18n %}{% for row in rows %}
    <tr>
      <td>{{ row.line.staff.user }}{% with step=row.extra.milestone %}{% if step %}<br><a href="{% url 'schedules:staff' row.line.staff_id %}" class="help">{% blocktranslate trimmed with milestone=step.label date=step.due|date:"SHORT_DATE_FORMAT" %}Next milestone: {{ milestone }}, due {{ date }}{% endblocktranslate %}</a>{% if step.state == "overdue" %} <span class="badge overdue">{% translate "overdue" %}</span>{% endif %}{% endif %}{% endwith %}</td>
      <td>{{ row.line.staff.index_number }}</td>
      <td>{{ row.line.staff.unit.code }}</td>
      {% if as_role == "sro" %}<td>{{ row.line.fro.user }}</td>{% endif %}
      <td><span class="badge{% if row.state == 'approved' %} done{% endif %}">{{ row.state_label }}</span></td>
      <td>{{ row.midpoint_label }}</td>
      <td>{{ row.due|date:"SHORT_DATE_FORMAT" }}{% if row.overdue %} <span class="badge overdue">{% translate "overdue" %}</span>{% endif %}</td>
      <td>{% if row.work_plan_id %}<a href="{% if row.stage == 'work_plan' or row.stage == 'midpoint' %}{% url 'workplans:document' row.work_plan_id %}{% else %}{% url 'appraisals:evaluation' row.work_plan_id %}{% endif %}">{{ row.stage_label }}</a>{% else %}—{% endif %}</td>
      <td>{% with step=row.extra.pip_step %}{% if step %}<a href="{% url 'appraisals:pips' row.work_plan_id %}">{% blocktranslate trimmed with step=step.name date=step.due|date:"SHORT_DATE_FORMAT" %}{{ step }}, due {{ date }}{% endblocktranslate %}</a>{% if step.overdue %} <span class="badge overdue">{% translate "overdue" %}</span>{% endif %}{% else %}—{% endif %}{% endwith %}</td>
      <td>{% if row.work_plan_id %}<a href="{% url 'workplans:document' row.work_plan_id %}">{% translate "Open" context "open a document" %}</a>{% elif as_role == "fro" %}
        <form method="post" action="{% url 'workplans:create' row.line.staff_id %}" class="inline">{% csrf_token %}<button type="submit" class="secondary">{% translate "Create work plan" %}</button></form>{% endif %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501 - verbatim


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_my_teams_rows_written_in_python_equal_the_template_they_replaced(demo, language, rf):
    """`workplans/templatetags/team_table.team_rows` writes what the template wrote, for the
    demo's FRO (every stage, milestones of probationers, open PIPs, people without a work
    plan) and SRO, in English, French and Spanish, and for names with HTML's special
    characters."""
    from django.template import engines
    from django.utils import translation

    from workplans.selectors import team_rows

    cycle = current_cycle()
    django_engine = engines["django"]
    tag = django_engine.from_string("{% load team_table %}{% team_rows rows as_role %}")
    template = django_engine.from_string(TEAM_ROWS_TEMPLATE)

    def normal(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return re.sub(r"\s+", " ", html).strip()

    seen = set()
    with translation.override(language):
        for role in ("fro", "sro"):
            user = User.objects.get(email=DEMO_LOGINS[role])
            rows = team_rows(user, cycle, as_role=role)
            rows[0].line.staff.user.first_name = 'Ana & <Bo> "O\'Neil"'
            context = {"rows": rows, "as_role": role}
            request = rf.get("/")
            written = tag.render(context, request)
            got = normal(written)
            assert got == normal(template.render(context, request)), role
            assert 'name="csrfmiddlewaretoken"' in written or "<form" not in written
            seen |= {
                marker
                for marker in ("Next milestone", "/pips/", "<form", "&amp; &lt;Bo")
                if marker in got
            } | {"sro" for _ in [1] if role == "sro" and rows}
    if language == "en":
        assert seen == {"Next milestone", "/pips/", "<form", "&amp; &lt;Bo", "sro"}
