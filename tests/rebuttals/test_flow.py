"""The rebuttal, end to end through the services, with each rule of docs/rules.md section 4."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from appraisals.models import Appraisal
from org.models import DepartmentRole, RatingLevel
from pmsystem.errors import ApplicationError
from rebuttals import services
from rebuttals.models import Group, RebuttalCase
from rebuttals.permissions import visible_cases
from tests.appraisals.helpers import make_document_at
from tests.factories import StaffMemberFactory, UserFactory
from tests.rebuttals.helpers import (
    entity_role,
    filed_case,
    full_panel,
    published_roster,
    rebuttable_document,
)
from tests.workplans.helpers import fro_of, sro_of

pytestmark = pytest.mark.django_db


def level(document, code):
    return RatingLevel.objects.get(scale__cycle=document.cycle, scale__kind="overall", code=code)


def test_rebuttal_within_the_window_then_reply_panel_report_raises_the_final_rating(
    mailoutbox, django_capture_on_commit_callbacks
):
    document = rebuttable_document()
    entity = document.staff.unit.entity
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    members = published_roster(entity)
    with django_capture_on_commit_callbacks(execute=True):
        case = filed_case(document)
    assert case.state == RebuttalCase.State.FILED
    assert hod.email in {address for m in mailoutbox for address in m.to}
    assert case.reply_due == datetime.date.today() + datetime.timedelta(days=14)
    assert case.report_due == datetime.date.today() + datetime.timedelta(days=60)

    services.reply_to_rebuttal(case=case, actor=hod, reply="The rating reflects the evidence.")
    panel = full_panel(case, members)
    chair = panel[Group.CHAIR].user
    case.refresh_from_db()
    assert case.panel_constituted_at is not None
    appraisal = Appraisal.objects.get(pk=document.pk)
    goal_row = appraisal.goal_rows.first()
    services.record_report(
        case=case,
        actor=chair,
        rating=level(document, "SM"),
        report="Goals were met.",
        removed=services.RemovedComments(goal_rows=[goal_row.pk], competency_rows=[]),
    )
    appraisal.refresh_from_db()
    goal_row.refresh_from_db()
    assert appraisal.final_rating.code == "SM"
    assert appraisal.overall_rating.code == "PM"  # the original stays on the record
    assert goal_row.fro_comment_removed and goal_row.fro_comment  # kept in the history
    case.refresh_from_db()
    assert case.decision == RebuttalCase.Decision.RAISED
    assert case.removed_comments == [{"goal": goal_row.goal_id, "comment": goal_row.fro_comment}]

    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    record = services.forward_to_status_file(case=case, actor=hr)
    assert record.report_pdf.read(5) == b"%PDF-"
    assert record.evaluation_pdf.read(5) == b"%PDF-"
    case.refresh_from_db()
    assert case.state == RebuttalCase.State.FORWARDED


def test_late_filing_is_refused_with_the_date_the_window_closed():
    document = rebuttable_document()
    deadline = Appraisal.objects.get(pk=document.pk).rebuttal_deadline
    with time_machine.travel(deadline + datetime.timedelta(days=1)):
        with pytest.raises(ApplicationError) as error:
            filed_case(document)
    assert error.value.message == f"The rebuttal window closed on {deadline:%-d %B %Y}."
    assert not RebuttalCase.objects.exists()


def test_filing_on_the_last_day_is_accepted():
    document = rebuttable_document()
    deadline = Appraisal.objects.get(pk=document.pk).rebuttal_deadline
    with time_machine.travel(datetime.datetime.combine(deadline, datetime.time(12))):
        assert filed_case(document).state == RebuttalCase.State.FILED


def test_a_rating_that_is_not_rebuttable_cannot_be_rebutted():
    document = make_document_at("completed", overall="SM")
    with pytest.raises(ApplicationError, match="cannot be rebutted"):
        filed_case(document)


def test_only_the_staff_member_files():
    document = rebuttable_document()
    with pytest.raises(ApplicationError, match="Only the staff member"):
        services.file_rebuttal(document=document, actor=fro_of(document), statement="x")


def test_attachments_are_type_checked_and_never_keep_the_uploaded_name():
    document = rebuttable_document()
    fake = SimpleUploadedFile("evidence.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ApplicationError, match="is not really a pdf file"):
        services.file_rebuttal(
            document=document, actor=document.staff.user, statement="s", attachments=[fake]
        )
    exe = SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")
    with pytest.raises(ApplicationError, match="is not a PDF, Word"):
        services.file_rebuttal(
            document=document, actor=document.staff.user, statement="s", attachments=[exe]
        )
    good = SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.7 evidence", "application/pdf")
    case = services.file_rebuttal(
        document=document, actor=document.staff.user, statement="s", attachments=[good]
    )
    attachment = case.attachments.get()
    assert attachment.original_name == "passwd.pdf"
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name


def test_unequal_roster_cannot_be_published_and_says_what_is_missing():
    entity = rebuttable_document().staff.unit.entity
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    services.add_roster_member(
        entity=entity, actor=hod, user=UserFactory(), group=Group.HOD_DESIGNATED
    )
    with pytest.raises(ApplicationError) as error:
        services.publish_roster(entity=entity, actor=hr)
    assert "cannot be published while its groups are unequal" in error.value.message
    assert "Designated by the staff representatives: 0 of 1 — add 1." in error.value.message


def test_a_person_sits_in_one_group_only():
    entity = rebuttable_document().staff.unit.entity
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    rep = entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE)
    person = UserFactory()
    services.add_roster_member(entity=entity, actor=hod, user=person, group=Group.HOD_DESIGNATED)
    with pytest.raises(ApplicationError, match="sits in one group only"):
        services.add_roster_member(
            entity=entity, actor=rep, user=person, group=Group.STAFF_DESIGNATED
        )


def test_groups_are_designated_by_their_owners():
    entity = rebuttable_document().staff.unit.entity
    rep = entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE)
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    with pytest.raises(ApplicationError, match="Only the HOD designates"):
        services.add_roster_member(
            entity=entity, actor=rep, user=UserFactory(), group=Group.HOD_DESIGNATED
        )
    with pytest.raises(ApplicationError, match="Record the consultation"):
        services.add_roster_member(entity=entity, actor=hod, user=UserFactory(), group=Group.CHAIR)


def test_removing_a_member_unpublishes_an_unequal_roster():
    entity = rebuttable_document().staff.unit.entity
    members = published_roster(entity)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    services.remove_roster_member(member=members[Group.CHAIR][0], actor=hr)
    from rebuttals.models import PanelRoster

    assert not PanelRoster.objects.get(entity=entity).is_published


def test_conflicted_people_are_not_offered_and_are_refused():
    supervisor = StaffMemberFactory().user
    document = rebuttable_document(supervisors=[supervisor])
    entity = document.staff.unit.entity
    case = filed_case(document)
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    rep = entity_role(entity, DepartmentRole.Role.STAFF_REPRESENTATIVE)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    services.record_consultation(
        entity=entity, actor=hod, held_on=datetime.date.today(), participants="Staff union"
    )
    fro_member = services.add_roster_member(
        entity=entity, actor=hod, user=fro_of(document), group=Group.HOD_DESIGNATED
    )
    sro_member = services.add_roster_member(
        entity=entity, actor=rep, user=sro_of(document), group=Group.STAFF_DESIGNATED
    )
    chair = services.add_roster_member(entity=entity, actor=hod, user=supervisor, group=Group.CHAIR)
    services.publish_roster(entity=entity, actor=hr)
    assert chair not in services.eligible_roster_members(case, Group.CHAIR)
    assert fro_member not in services.eligible_roster_members(case, Group.HOD_DESIGNATED)
    assert sro_member not in services.eligible_roster_members(case, Group.STAFF_DESIGNATED)
    with pytest.raises(ApplicationError, match="cannot sit on this panel"):
        services.appoint_panel_member(case=case, actor=hr, roster_member=fro_member)


def test_a_member_declares_a_conflict_and_is_replaced():
    case = filed_case()
    members = published_roster(case.document.staff.unit.entity)
    panel = full_panel(case, members)
    member = panel[Group.HOD_DESIGNATED]
    services.declare_conflict(case=case, actor=member.user, reason="He is my brother-in-law.")
    assert not visible_cases(member.user).filter(pk=case.pk).exists()
    hr = entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HR_FOCAL_POINT)
    with pytest.raises(ApplicationError, match="cannot sit on this panel"):
        services.appoint_panel_member(
            case=case, actor=hr, roster_member=members[Group.HOD_DESIGNATED][0]
        )
    services.appoint_panel_member(
        case=case, actor=hr, roster_member=members[Group.HOD_DESIGNATED][1]
    )
    case.refresh_from_db()
    assert case.panel_constituted_at is not None


def test_a_lower_rating_is_refused():
    case = filed_case()
    entity = case.document.staff.unit.entity
    services.reply_to_rebuttal(case=case, actor=entity_role(entity, "hod"), reply="Reply.")
    chair = full_panel(case)[Group.CHAIR].user
    with pytest.raises(ApplicationError) as error:
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "DN"), report="Worse."
        )
    assert error.value.message == (
        "A panel may maintain the rating or replace it by a higher one, never a lower one."
    )
    case.refresh_from_db()
    assert case.state == RebuttalCase.State.REPLIED
    assert Appraisal.objects.get(pk=case.document_id).final_rating.code == "PM"


def test_the_report_waits_for_the_hod_reply_and_a_full_panel():
    case = filed_case()
    members = published_roster(case.document.staff.unit.entity)
    hr = entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HR_FOCAL_POINT)
    chair = services.appoint_panel_member(
        case=case, actor=hr, roster_member=members[Group.CHAIR][0]
    ).user
    with pytest.raises(ApplicationError, match="cannot be recorded yet"):
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "PM"), report="Maintained."
        )
    services.reply_to_rebuttal(
        case=case, actor=entity_role(case.document.staff.unit.entity, "hod"), reply="Reply."
    )
    with pytest.raises(ApplicationError, match="needs a chair and one member"):
        services.record_report(
            case=case, actor=chair, rating=level(case.document, "PM"), report="Maintained."
        )


def test_who_sees_the_case():
    supervisor = StaffMemberFactory().user
    document = rebuttable_document(supervisors=[supervisor])
    case = filed_case(document)
    entity = document.staff.unit.entity
    seeing = [
        document.staff.user,
        fro_of(document),
        sro_of(document),
        entity_role(entity, "hod"),
        entity_role(entity, "hr_focal_point"),
    ]
    for user in seeing:
        assert visible_cases(user).filter(pk=case.pk).exists(), user
    for user in [
        supervisor,
        StaffMemberFactory().user,
        entity_role(entity, "staff_representative"),
    ]:
        assert not visible_cases(user).filter(pk=case.pk).exists(), user
