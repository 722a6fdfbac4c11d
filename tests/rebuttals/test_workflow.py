"""The rebuttal case's declared transitions (`rebuttals.workflow.CASE`), each with its guard and
exact message, on a frozen clock (docs/rules.md section 4)."""

import datetime

import pytest
import time_machine

from appraisals.models import Appraisal
from org.models import Delegation, DepartmentRole, RatingLevel
from pmsystem.errors import ApplicationError
from pmsystem.models import DocumentEvent
from rebuttals import services
from rebuttals.models import Group, RebuttalCase
from rebuttals.permissions import allowed_case_actions, case_relations
from rebuttals.workflow import CASE, filing_refusal
from tests.appraisals.helpers import make_document_at
from tests.factories import DelegationFactory, UserFactory
from tests.rebuttals.helpers import (
    entity_role,
    filed_case,
    full_panel,
    published_roster,
    rebuttable_document,
)
from tests.workplans.helpers import fro_of, sro_of
from workplans.models import WorkPlan

pytestmark = pytest.mark.django_db

S = RebuttalCase.State
UTC = datetime.UTC
# The staff member acknowledges (signs) the evaluation at this moment: day 0 of the window.
ACKNOWLEDGED = datetime.datetime(2027, 5, 3, 10, 0, tzinfo=UTC)
STATEMENT = "My outputs were delivered; the rating ignores the mid-year reassignment."


def day(n: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A moment on day `n` after the acknowledgement."""
    date = ACKNOWLEDGED.date() + datetime.timedelta(days=n)
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=UTC)


def acknowledged_document(**kwargs) -> WorkPlan:
    """A completed document acknowledged at ACKNOWLEDGED (rated "Partially meets" unless
    `overall` says otherwise)."""
    kwargs.setdefault("overall", "PM")
    with time_machine.travel(ACKNOWLEDGED, tick=False):
        return make_document_at("completed", **kwargs)


def level(document: WorkPlan, code: str) -> RatingLevel:
    return RatingLevel.objects.get(scale__cycle=document.cycle, scale__kind="overall", code=code)


def file_on(moment: datetime.datetime, document: WorkPlan) -> RebuttalCase:
    with time_machine.travel(moment, tick=False):
        return services.file_rebuttal(
            document=document, actor=document.staff.user, statement=STATEMENT
        )


def refusal_on(moment: datetime.datetime, document: WorkPlan) -> str:
    with time_machine.travel(moment, tick=False):
        with pytest.raises(ApplicationError) as error:
            services.file_rebuttal(
                document=document, actor=document.staff.user, statement=STATEMENT
            )
    return error.value.message


def hod_of(case: RebuttalCase):
    return entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HOD)


def hr_of(case: RebuttalCase):
    return entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HR_FOCAL_POINT)


def events(case: RebuttalCase, kind: str):
    return DocumentEvent.objects.filter(document_id=case.document_id, kind=kind)


# --- the declaration ----------------------------------------------------------------------


def test_case_transitions_are_declared_once_with_who_may_take_them():
    assert {name: (t.sources, t.target, t.roles) for name, t in CASE.transitions.items()} == {
        "file": ((S.NOT_FILED,), S.FILED, frozenset({"staff"})),
        "reply": ((S.FILED,), S.REPLIED, frozenset({"hod"})),
        "report": ((S.REPLIED,), S.REPORTED, frozenset({"panel_chair"})),
        "forward": ((S.REPORTED,), S.FORWARDED, frozenset({"hr"})),
    }


# --- filing: the window (setting) -----------------------------------------------------------


def test_filing_on_day_14_is_accepted_until_midnight():
    document = acknowledged_document()
    assert Appraisal.objects.get(pk=document.pk).rebuttal_deadline == datetime.date(2027, 5, 17)
    case = file_on(day(14, 23, 59), document)
    assert case.state == S.FILED
    assert case.filed_at == day(14, 23, 59)


def test_filing_on_day_15_is_refused_with_the_date_the_window_closed():
    document = acknowledged_document()
    assert refusal_on(day(15, 0, 1), document) == "The rebuttal window closed on 17 May 2027."
    assert not RebuttalCase.objects.exists()
    assert not DocumentEvent.objects.filter(document=document, kind="rebuttal_filed").exists()


def test_the_closed_window_is_also_the_workflow_guard():
    document = acknowledged_document()
    case = RebuttalCase(document=document, state=S.NOT_FILED)
    with time_machine.travel(day(14), tick=False):
        assert filing_refusal(case) is None
        assert "file" in allowed_case_actions(document.staff.user, case)
    with time_machine.travel(day(15), tick=False):
        assert filing_refusal(case) == "The rebuttal window closed on 17 May 2027."
        assert "file" not in allowed_case_actions(document.staff.user, case)


@pytest.mark.parametrize("days", [7, 30])
def test_the_window_length_follows_the_cycle_setting(days):
    document = acknowledged_document()
    document.cycle.rebuttal_filing_days = days
    document.cycle.save(update_fields=["rebuttal_filing_days"])
    last_day = ACKNOWLEDGED.date() + datetime.timedelta(days=days)
    assert refusal_on(day(days + 1), document) == (
        f"The rebuttal window closed on {last_day:%-d %B %Y}."
    )
    assert file_on(day(days), document).state == S.FILED


def test_a_rebuttal_is_filed_on_day_0():
    document = acknowledged_document()
    assert file_on(ACKNOWLEDGED + datetime.timedelta(minutes=5), document).state == S.FILED


# --- filing: what may be rebutted -------------------------------------------------------------


@pytest.mark.parametrize("stage", ["fro_evaluation", "sro_review", "acknowledgement"])
def test_an_evaluation_that_is_not_completed_cannot_be_rebutted(stage):
    document = make_document_at(stage, overall="PM")
    with pytest.raises(ApplicationError) as error:
        filed_case(document)
    assert error.value.message == "Only a completed evaluation can be rebutted."
    assert not RebuttalCase.objects.exists()


def test_a_document_without_an_evaluation_cannot_be_rebutted():
    document = make_document_at("not_started", overall="PM")
    Appraisal.objects.filter(pk=document.pk).delete()
    document = WorkPlan.objects.get(pk=document.pk)
    with pytest.raises(ApplicationError) as error:
        filed_case(document)
    assert error.value.message == "Only a completed evaluation can be rebutted."


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("SM", "Successfully meets performance expectations"),
        ("EX", "Exceeds performance expectations"),
    ],
)
def test_a_level_that_is_not_rebuttable_cannot_be_rebutted(code, label):
    document = make_document_at("completed", overall=code)
    with pytest.raises(ApplicationError) as error:
        filed_case(document)
    assert error.value.message == f"A rating of \u201c{label}\u201d cannot be rebutted."
    assert not RebuttalCase.objects.exists()


def test_both_rebuttable_levels_can_be_rebutted():
    for code in ("PM", "DN"):
        case = filed_case(make_document_at("completed", overall=code))
        assert case.original_rating.code == code


def test_rebuttable_follows_the_level_flag_of_the_cycle():
    document = make_document_at("completed", overall="SM")
    RatingLevel.objects.filter(pk=level(document, "SM").pk).update(rebuttable=True)
    assert filed_case(WorkPlan.objects.get(pk=document.pk)).original_rating.code == "SM"


def test_a_second_filing_is_refused():
    document = rebuttable_document()
    first = filed_case(document)
    with pytest.raises(ApplicationError) as error:
        filed_case(document)
    assert error.value.message == "A rebuttal of this evaluation was already filed."
    assert list(RebuttalCase.objects.values_list("pk", flat=True)) == [first.pk]
    assert events(first, "rebuttal_filed").count() == 1


@pytest.mark.parametrize("who", ["fro", "sro", "hod", "hr"])
def test_only_the_staff_member_files(who):
    document = rebuttable_document()
    entity = document.staff.unit.entity
    actor = {
        "fro": lambda: fro_of(document),
        "sro": lambda: sro_of(document),
        "hod": lambda: entity_role(entity, DepartmentRole.Role.HOD),
        "hr": lambda: entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT),
    }[who]()
    with pytest.raises(ApplicationError) as error:
        services.file_rebuttal(document=document, actor=actor, statement=STATEMENT)
    assert error.value.message == "Only the staff member may rebut their evaluation."
    assert not RebuttalCase.objects.exists()


def test_an_empty_statement_is_refused():
    document = rebuttable_document()
    with pytest.raises(ApplicationError) as error:
        services.file_rebuttal(document=document, actor=document.staff.user, statement="  \n")
    assert error.value.message == "Write your rebuttal statement."
    assert not RebuttalCase.objects.exists()


# --- filing: the due dates (settings) ---------------------------------------------------------


def test_due_dates_count_from_the_filing_date():
    document = acknowledged_document()
    case = file_on(day(3, 22, 30), document)
    filed_on = day(3).date()
    assert case.reply_due == filed_on + datetime.timedelta(days=14)
    assert case.report_due == filed_on + datetime.timedelta(days=60)
    assert (case.reply_due, case.report_due) == (
        datetime.date(2027, 5, 20),
        datetime.date(2027, 7, 5),
    )


def test_due_dates_follow_the_cycle_settings_when_changed():
    document = acknowledged_document()
    document.cycle.hod_reply_days = 10
    document.cycle.panel_report_days = 45
    document.cycle.save(update_fields=["hod_reply_days", "panel_report_days"])
    case = file_on(day(2), document)
    assert case.reply_due == day(2).date() + datetime.timedelta(days=10)
    assert case.report_due == day(2).date() + datetime.timedelta(days=45)
    case.refresh_from_db()
    assert (case.reply_due, case.report_due) == (
        datetime.date(2027, 5, 15),
        datetime.date(2027, 6, 19),
    )


def test_filing_is_on_the_timeline_with_the_attachment_count():
    case = filed_case()
    (event,) = events(case, "rebuttal_filed")
    assert (event.summary, event.actor) == (
        "Rebuttal filed (0 attachments)",
        case.document.staff.user,
    )


# --- the HOD's reply --------------------------------------------------------------------------


def test_the_hod_replies_and_the_reply_is_recorded():
    case = file_on(day(1), acknowledged_document())
    hod = hod_of(case)
    assert "reply" in allowed_case_actions(hod, case)
    with time_machine.travel(day(5), tick=False):
        services.reply_to_rebuttal(
            case=case, actor=hod, reply="  The rating reflects the evidence. "
        )
    case.refresh_from_db()
    assert case.state == S.REPLIED
    assert (case.hod_reply, case.hod_replied_by, case.hod_replied_at) == (
        "The rating reflects the evidence.",
        hod,
        day(5),
    )
    (event,) = events(case, "rebuttal_reply")
    assert (event.summary, event.actor, event.acting_for) == (
        "HOD replied to the rebuttal",
        hod,
        None,
    )


@pytest.mark.parametrize("who", ["staff", "fro", "sro", "hr", "other"])
def test_only_the_hod_replies(who):
    case = filed_case()
    document = case.document
    actor = {
        "staff": lambda: document.staff.user,
        "fro": lambda: fro_of(document),
        "sro": lambda: sro_of(document),
        "hr": lambda: hr_of(case),
        "other": UserFactory,
    }[who]()
    with pytest.raises(ApplicationError) as error:
        services.reply_to_rebuttal(case=case, actor=actor, reply="No.")
    assert error.value.message == "You may not reply to this rebuttal."
    case.refresh_from_db()
    assert (case.state, case.hod_reply) == (S.FILED, "")
    assert not events(case, "rebuttal_reply").exists()


def test_the_hod_replies_once():
    case = filed_case()
    services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="First.")
    with pytest.raises(ApplicationError) as error:
        services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="Second.")
    assert error.value.message == (
        "This rebuttal is before the panel: it can no longer be replied to."
    )
    case.refresh_from_db()
    assert case.hod_reply == "First."


def test_an_empty_reply_is_refused():
    case = filed_case()
    with pytest.raises(ApplicationError) as error:
        services.reply_to_rebuttal(case=case, actor=hod_of(case), reply=" ")
    assert error.value.message == "Write the reply."
    case.refresh_from_db()
    assert case.state == S.FILED


def test_the_acting_hod_replies_and_the_timeline_reads_acting_for():
    case = filed_case()
    hod = hod_of(case)
    acting = UserFactory()
    assert "reply" not in allowed_case_actions(acting, case)
    DelegationFactory(principal=hod, acting=acting, role=Delegation.Role.HOD)
    assert case_relations(acting, case)["hod"] == hod.pk
    assert {"view", "reply"} <= allowed_case_actions(acting, case)

    services.reply_to_rebuttal(case=case, actor=acting, reply="Replying while the HOD is away.")
    case.refresh_from_db()
    assert (case.state, case.hod_replied_by) == (S.REPLIED, acting)
    (event,) = events(case, "rebuttal_reply")
    assert (event.actor, event.acting_for) == (acting, hod)


def test_an_expired_hod_delegation_gives_no_reply():
    case = filed_case()
    acting = UserFactory()
    DelegationFactory(
        principal=hod_of(case),
        acting=acting,
        role=Delegation.Role.HOD,
        start=datetime.date.today() - datetime.timedelta(days=20),
        end=datetime.date.today() - datetime.timedelta(days=1),
    )
    with pytest.raises(ApplicationError) as error:
        services.reply_to_rebuttal(case=case, actor=acting, reply="Too late.")
    assert error.value.message == "You may not reply to this rebuttal."


def test_an_fro_delegation_does_not_carry_the_hod_reply():
    case = filed_case()
    acting = UserFactory()
    DelegationFactory(principal=hod_of(case), acting=acting, role=Delegation.Role.FRO)
    assert "reply" not in allowed_case_actions(acting, case)


# --- the panel's report -----------------------------------------------------------------------


@pytest.fixture
def replied_case_with_panel():
    case = filed_case()
    services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="The rating stands.")
    panel = full_panel(case)
    case.refresh_from_db()
    return case, panel


def test_the_chair_records_the_report(replied_case_with_panel):
    case, panel = replied_case_with_panel
    chair = panel[Group.CHAIR].user
    assert "report" in allowed_case_actions(chair, case)
    with time_machine.travel(day(40), tick=False):
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "SM"), report="Goals met."
        )
    case.refresh_from_db()
    assert (case.state, case.decision, case.panel_rating.code) == (
        S.REPORTED,
        RebuttalCase.Decision.RAISED,
        "SM",
    )
    assert (case.reported_by, case.reported_at) == (chair, day(40))
    (event,) = events(case, "rebuttal_report")
    assert event.summary == (
        "Rebuttal panel report: rating replaced by a higher one "
        "(Partially meets performance expectations → Successfully meets performance expectations)"
    )


def test_the_chair_may_maintain_the_rating(replied_case_with_panel):
    case, panel = replied_case_with_panel
    services.record_report(
        case=case,
        actor=panel[Group.CHAIR].user,
        rating=level(case.document, "PM"),
        report="The rating is fair.",
    )
    case.refresh_from_db()
    assert case.decision == RebuttalCase.Decision.MAINTAINED
    assert Appraisal.objects.get(pk=case.document_id).final_rating.code == "PM"


@pytest.mark.parametrize("seat", [Group.HOD_DESIGNATED, Group.STAFF_DESIGNATED])
def test_a_panel_member_who_is_not_the_chair_cannot_record_the_report(
    replied_case_with_panel, seat
):
    case, panel = replied_case_with_panel
    member = panel[seat].user
    assert case_relations(member, case) == {"panel_member": None}
    assert "report" not in allowed_case_actions(member, case)
    with pytest.raises(ApplicationError) as error:
        services.record_report(
            case=case, actor=member, rating=level(case.document, "SM"), report="Raised."
        )
    assert error.value.message == "You may not record the panel's report."
    case.refresh_from_db()
    assert (case.state, case.panel_rating) == (S.REPLIED, None)
    assert Appraisal.objects.get(pk=case.document_id).final_rating.code == "PM"


@pytest.mark.parametrize("who", ["staff", "fro", "hod", "hr"])
def test_nobody_but_the_chair_records_the_report(replied_case_with_panel, who):
    case, _ = replied_case_with_panel
    actor = {
        "staff": lambda: case.document.staff.user,
        "fro": lambda: fro_of(case.document),
        "hod": lambda: hod_of(case),
        "hr": lambda: hr_of(case),
    }[who]()
    with pytest.raises(ApplicationError) as error:
        services.record_report(
            case=case, actor=actor, rating=level(case.document, "SM"), report="Raised."
        )
    assert error.value.message == "You may not record the panel's report."
    case.refresh_from_db()
    assert case.state == S.REPLIED


def test_the_report_waits_for_the_hod_reply():
    case = filed_case()
    chair = full_panel(case)[Group.CHAIR].user
    case.refresh_from_db()
    assert case.panel_constituted_at is not None
    assert "report" not in allowed_case_actions(chair, case)
    with pytest.raises(ApplicationError) as error:
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "SM"), report="Raised."
        )
    assert error.value.message == (
        "This rebuttal is awaiting the HOD's reply: it cannot be recorded yet."
    )
    case.refresh_from_db()
    assert case.state == S.FILED


@pytest.mark.parametrize("missing", [Group.HOD_DESIGNATED, Group.STAFF_DESIGNATED])
def test_the_report_needs_a_complete_panel(missing):
    case = filed_case()
    members = published_roster(case.document.staff.unit.entity)
    hr = hr_of(case)
    for group in (Group.CHAIR, Group.HOD_DESIGNATED, Group.STAFF_DESIGNATED):
        if group != missing:
            services.appoint_panel_member(case=case, actor=hr, roster_member=members[group][0])
    services.reply_to_rebuttal(case=case, actor=hod_of(case), reply="Reply.")
    chair = members[Group.CHAIR][0].user
    case.refresh_from_db()
    assert case.panel_constituted_at is None
    assert "report" not in allowed_case_actions(chair, case)
    with pytest.raises(ApplicationError) as error:
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "PM"), report="Maintained."
        )
    assert error.value.message == (
        "The panel needs a chair and one member from each of the other two groups."
    )


def test_an_excused_member_leaves_the_panel_incomplete_until_replaced(replied_case_with_panel):
    case, panel = replied_case_with_panel
    chair = panel[Group.CHAIR].user
    member = panel[Group.STAFF_DESIGNATED]
    services.declare_conflict(case=case, actor=member.user, reason="My former supervisor.")
    case.refresh_from_db()
    assert "report" not in allowed_case_actions(chair, case)
    replacement = member.roster_member.roster.members.filter(
        group=Group.STAFF_DESIGNATED, removed_at__isnull=True
    ).exclude(pk=member.roster_member_id)[0]
    services.appoint_panel_member(case=case, actor=hr_of(case), roster_member=replacement)
    case.refresh_from_db()
    assert "report" in allowed_case_actions(chair, case)


def test_the_report_is_recorded_once(replied_case_with_panel):
    case, panel = replied_case_with_panel
    chair = panel[Group.CHAIR].user
    services.record_report(
        case=case, actor=chair, rating=level(case.document, "SM"), report="Raised."
    )
    with pytest.raises(ApplicationError) as error:
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "EX"), report="Raised again."
        )
    assert (
        error.value.message
        == "This rebuttal is reported by the panel: it can no longer be recorded."
    )
    assert Appraisal.objects.get(pk=case.document_id).final_rating.code == "SM"


# --- forwarding to the status file ------------------------------------------------------------


@pytest.fixture
def reported_case(replied_case_with_panel):
    case, panel = replied_case_with_panel
    services.record_report(
        case=case,
        actor=panel[Group.CHAIR].user,
        rating=level(case.document, "SM"),
        report="Raised.",
    )
    case.refresh_from_db()
    return case


def test_hr_forwards_after_the_report(reported_case):
    hr = hr_of(reported_case)
    assert "forward" in allowed_case_actions(hr, reported_case)
    with time_machine.travel(day(50), tick=False):
        record = services.forward_to_status_file(case=reported_case, actor=hr)
    reported_case.refresh_from_db()
    assert reported_case.state == S.FORWARDED
    assert (record.forwarded_by, record.forwarded_at) == (hr, day(50))
    assert events(reported_case, "rebuttal_forwarded").count() == 1
    with pytest.raises(ApplicationError) as error:
        services.forward_to_status_file(case=reported_case, actor=hr)
    assert error.value.message == (
        "This rebuttal is forwarded to the official status file: it can no longer be forwarded."
    )


def test_forwarding_waits_for_the_report(replied_case_with_panel):
    case, _ = replied_case_with_panel
    hr = hr_of(case)
    assert "forward" not in allowed_case_actions(hr, case)
    with pytest.raises(ApplicationError) as error:
        services.forward_to_status_file(case=case, actor=hr)
    assert error.value.message == ("This rebuttal is before the panel: it cannot be forwarded yet.")
    case.refresh_from_db()
    assert case.state == S.REPLIED
    assert not hasattr(case, "status_file")


@pytest.mark.parametrize("who", ["staff", "hod", "chair"])
def test_only_hr_forwards(reported_case, who):
    actor = {
        "staff": lambda: reported_case.document.staff.user,
        "hod": lambda: hod_of(reported_case),
        "chair": lambda: reported_case.panel.get(seat=Group.CHAIR).user,
    }[who]()
    assert "forward" not in allowed_case_actions(actor, reported_case)
    with pytest.raises(ApplicationError) as error:
        services.forward_to_status_file(case=reported_case, actor=actor)
    assert error.value.message == "You may not forward to the status file."
    reported_case.refresh_from_db()
    assert reported_case.state == S.REPORTED
    assert not events(reported_case, "rebuttal_forwarded").exists()
