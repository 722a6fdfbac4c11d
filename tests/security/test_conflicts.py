"""One person, one role per document (docs/rules.md §8, `workplans/conflicts.py`), through every
route that names someone to a role: a delegation (page service and Django admin), a reporting
line (admin, import), a panel seat, an HR action and the HOD's reply; and when relations change
under a document anyway, the person keeps one role and reads the reason."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape

from appraisals import services as appraisal_services
from org.importer import import_org
from org.models import Delegation, DepartmentRole, ReportingLine, StaffMember
from org.services import create_delegation, save_reporting_line
from pmsystem.errors import ApplicationError
from rebuttals import services as rebuttal_services
from rebuttals.models import Group, PanelMember
from tests.appraisals.helpers import make_document_at
from tests.factories import DelegationFactory, DepartmentRoleFactory, StaffMemberFactory
from tests.rebuttals.helpers import entity_role, filed_case, published_roster
from tests.security.helpers import enrol_totp
from tests.workplans.helpers import fro_of, line_of, make_submitted_work_plan, sro_of
from workplans import services as workplan_services
from workplans.models import WorkPlan
from workplans.permissions import allowed_actions, documents_where, relations_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
SOON = TODAY + datetime.timedelta(days=10)
LINES_HEADER = "index_number,cycle,fro_index_number,sro_index_number,effective_from\n"


def refused(call, **kwargs) -> str:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value.message


# --- delegations ----------------------------------------------------------------------------


def test_the_fro_cannot_name_the_sro_acting_fro_nor_the_reverse():
    work_plan = make_submitted_work_plan()
    fro, sro = fro_of(work_plan), sro_of(work_plan)
    message = (
        f"{sro} is already SRO on the {work_plan.cycle} document of {work_plan.staff.user}, one "
        "of the documents this delegation covers: one person holds one role on a document. "
        "Choose someone else."
    )
    assert (
        refused(create_delegation, principal=fro, acting=sro, role="fro", start=TODAY, end=SOON)
        == message
    )
    assert refused(
        create_delegation, principal=sro, acting=fro, role="sro", start=TODAY, end=SOON
    ) == message.replace(f"{sro} is already SRO", f"{fro} is already FRO")
    assert not Delegation.objects.exists()


def test_an_fro_cannot_name_one_of_their_own_staff_acting_fro():
    work_plan = make_submitted_work_plan()
    staff = work_plan.staff.user
    assert refused(
        create_delegation,
        principal=fro_of(work_plan),
        acting=staff,
        role="fro",
        start=TODAY,
        end=SOON,
    ).startswith(f"{staff} is already staff member on the {work_plan.cycle} document of {staff}")


def test_someone_with_no_role_on_the_documents_may_act():
    work_plan = make_submitted_work_plan()
    acting = StaffMemberFactory().user
    create_delegation(principal=fro_of(work_plan), acting=acting, role="fro", start=TODAY, end=SOON)
    assert relations_for(acting, work_plan) == {"fro": fro_of(work_plan).pk}


def test_the_admin_refuses_the_same_delegation_and_writes_nothing(admin_client, admin_user):
    enrol_totp(admin_user)
    work_plan = make_submitted_work_plan()
    fro, sro = fro_of(work_plan), sro_of(work_plan)
    response = admin_client.post(
        reverse("admin:org_delegation_add"),
        {
            "principal": fro.pk,
            "acting": sro.pk,
            "role": "fro",
            "start": TODAY.isoformat(),
            "end": SOON.isoformat(),
            "reason": "Leave",
        },
    )
    assert response.status_code == 200
    assert "one person holds one role on a document" in response.content.decode()
    assert not Delegation.objects.exists()


def test_a_conflict_arising_after_the_delegation_keeps_one_role_and_says_why():
    """Relations can change under a delegation (the acting FRO is later made the SRO): the
    person keeps their own role, acts in no second one, and the refusal names the reason;
    the lists agree."""
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    acting = StaffMemberFactory(unit=work_plan.staff.unit)
    create_delegation(principal=fro, acting=acting.user, role="fro", start=TODAY, end=SOON)
    ReportingLine.objects.filter(pk=line_of(work_plan).pk).update(sro=acting)
    relations = relations_for(acting.user, work_plan)
    assert relations == {"sro": None}
    assert relations.conflicts["fro"].startswith("You are the SRO on this document")
    assert "approve" not in allowed_actions(acting.user, work_plan)
    assert (
        refused(workplan_services.approve_work_plan, work_plan=work_plan, actor=acting.user)
        == (relations.conflicts["fro"])
    )
    assert not documents_where(acting.user, "fro").filter(pk=work_plan.pk).exists()
    assert documents_where(acting.user, "sro").filter(pk=work_plan.pk).exists()


def test_whoever_signed_in_one_role_never_acts_in_another():
    document = make_document_at("sro_review")
    fro = fro_of(document)
    # The FRO is made the SRO behind the services' back: they signed as FRO, so they only read.
    ReportingLine.objects.filter(pk=line_of(document).pk).update(
        sro=StaffMember.objects.get(pk=fro.pk), fro=StaffMemberFactory(unit=document.staff.unit)
    )
    relations = relations_for(fro, document)
    assert set(relations) == {"observer"}
    assert "approve_evaluation" not in appraisal_services.allowed_actions(fro, document)
    assert refused(appraisal_services.approve_evaluation, document=document, actor=fro).startswith(
        "You signed this document as FRO, so you cannot also act on it as SRO"
    )
    assert not documents_where(fro, "sro").filter(pk=document.pk).exists()


# --- reporting lines ----------------------------------------------------------------------


def test_a_line_never_names_a_signer_to_the_other_role():
    document = make_document_at("sro_review")
    line = line_of(document)
    line.sro = StaffMember.objects.get(pk=fro_of(document).pk)
    line.fro = StaffMemberFactory(unit=document.staff.unit)
    message = (
        f"{fro_of(document)} signed this staff member's {document.cycle} document as FRO, so "
        "they cannot be named its SRO."
    )
    assert refused(save_reporting_line, line=line) == message
    assert line_of(document).fro.user == fro_of(document)


def acting_fro_refusal(acting, fro, held: str) -> str:
    return (
        f"{acting} is acting FRO for {fro} from {formats.date_format(TODAY, 'SHORT_DATE_FORMAT')} "
        f"to {formats.date_format(SOON, 'SHORT_DATE_FORMAT')}, so they cannot also be the {held} "
        "of this reporting line: one person holds one role on a document. Choose someone else, "
        "or end that delegation first."
    )


def test_a_line_never_names_an_acting_fro_to_another_role_on_the_document(admin_client, admin_user):
    """The acting FRO stands in for the FRO on the staff member's document while the
    delegation holds: a line edited afterwards (admin, service) may not make them its SRO."""
    enrol_totp(admin_user)
    work_plan = make_submitted_work_plan()
    fro, line = fro_of(work_plan), line_of(work_plan)
    sro_id = line.sro_id
    acting = StaffMemberFactory(unit=work_plan.staff.unit)
    create_delegation(principal=fro, acting=acting.user, role="fro", start=TODAY, end=SOON)
    message = acting_fro_refusal(acting.user, fro, "SRO")
    response = admin_client.post(
        reverse("admin:org_reportingline_change", args=[line.pk]),
        {
            "staff": line.staff_id,
            "cycle": line.cycle_id,
            "fro": line.fro_id,
            "sro": acting.pk,
            "effective_from": line.effective_from.isoformat(),
            "effective_to": "",
        },
    )
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    line.sro = acting
    assert refused(save_reporting_line, line=line) == message
    assert line_of(work_plan).sro_id == sro_id
    # Once the delegation is over, the same line is fine.
    with time_machine.travel(SOON + datetime.timedelta(days=1)):
        save_reporting_line(line=line)
    assert line_of(work_plan).sro_id == acting.pk


def test_an_import_never_makes_an_acting_fro_the_staff_member_of_the_fro():
    """Nor an import: a first line for the acting FRO under the FRO they act for would make
    them acting FRO on their own document."""
    work_plan = make_submitted_work_plan()
    fro = fro_of(work_plan)
    acting = StaffMemberFactory(unit=work_plan.staff.unit)
    create_delegation(principal=fro, acting=acting.user, role="fro", start=TODAY, end=SOON)
    row = f"{acting.index_number},{work_plan.cycle},{fro.staff.index_number},"
    row += f"{sro_of(work_plan).staff.index_number},\n"
    result = import_org(files=[("lines.csv", (LINES_HEADER + row).encode())])
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (2, "fro_index_number", acting_fro_refusal(acting.user, fro, "staff member"))
    ]
    assert not ReportingLine.objects.filter(staff=acting).exists()


# --- HR focal points and HODs on their own document or case ---------------------------------


def test_an_hr_focal_point_cannot_roll_back_their_own_document_and_is_told_who_can():
    document = make_document_at("sro_review")
    entity = document.staff.unit.entity
    DepartmentRoleFactory(
        entity=entity, user=document.staff.user, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    colleague = DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HR_FOCAL_POINT).user
    message = refused(
        appraisal_services.roll_back_document,
        document=document,
        actor=document.staff.user,
        requested_by=fro_of(document),
        reason="Written request.",
        target_stage="fro_evaluation",
    )
    assert message == (
        "You are the staff member on this document, so you cannot act on it as HR focal point: "
        f"another HR focal point of the entity does. They are: {colleague}."
    )
    assert WorkPlan.objects.get(pk=document.pk).stage == "sro_review"
    appraisal_services.roll_back_document(
        document=document,
        actor=colleague,
        requested_by=fro_of(document),
        reason="Written request.",
        target_stage="fro_evaluation",
    )
    assert WorkPlan.objects.get(pk=document.pk).stage == "fro_evaluation"


def test_an_hr_focal_point_cannot_constitute_the_panel_of_their_own_rebuttal():
    case = filed_case()
    document = case.document
    entity = document.staff.unit.entity
    roster = published_roster(entity)
    DepartmentRoleFactory(
        entity=entity, user=document.staff.user, role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    assert refused(
        rebuttal_services.appoint_panel_member,
        case=case,
        actor=document.staff.user,
        roster_member=roster[Group.CHAIR][0],
    ).startswith("You are the staff member on this document, so you cannot act on it as HR")
    assert not PanelMember.objects.exists()


def test_the_hod_does_not_reply_to_their_own_rebuttal_and_their_deputy_does():
    case = filed_case()
    document = case.document
    entity = document.staff.unit.entity
    hod = document.staff.user
    DepartmentRoleFactory(entity=entity, user=hod, role=DepartmentRole.Role.HOD)
    assert refused(
        rebuttal_services.reply_to_rebuttal, case=case, actor=hod, reply="Mine."
    ).startswith("You are the staff member on this document, so you cannot act on it as HOD")
    deputy = StaffMemberFactory(unit=document.staff.unit).user
    DelegationFactory(principal=hod, acting=deputy, role=Delegation.Role.HOD)
    case = rebuttal_services.reply_to_rebuttal(case=case, actor=deputy, reply="The reply.")
    assert case.hod_replied_by == deputy


def test_a_staff_member_named_acting_hod_does_not_reply_to_their_own_rebuttal():
    case = filed_case()
    document = case.document
    hod = entity_role(document.staff.unit.entity, DepartmentRole.Role.HOD)
    DelegationFactory(principal=hod, acting=document.staff.user, role=Delegation.Role.HOD)
    assert refused(
        rebuttal_services.reply_to_rebuttal, case=case, actor=document.staff.user, reply="Mine."
    ).startswith("You are the staff member on this document, so you cannot act on it as HOD")
    assert rebuttal_services.reply_to_rebuttal(case=case, actor=hod, reply="The reply.")


# --- panels -------------------------------------------------------------------------------


def test_an_acting_officer_who_signed_the_contested_rating_is_never_seated():
    document = make_document_at("fro_evaluation", overall="PM")
    fro = fro_of(document)
    acting = StaffMemberFactory().user
    DelegationFactory(principal=fro, acting=acting, role=Delegation.Role.FRO)
    from tests.appraisals.helpers import rate_everything

    rate_everything(document, overall="PM")
    appraisal_services.sign_evaluation(document=document, actor=acting)
    appraisal_services.approve_evaluation(document=document, actor=sro_of(document))
    appraisal_services.acknowledge_evaluation(document=document, actor=document.staff.user)
    case = filed_case(WorkPlan.objects.get(pk=document.pk))
    entity = document.staff.unit.entity
    roster = published_roster(entity)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    # The acting officer is on the roster among the chairs.
    from rebuttals.models import RosterMember

    member = RosterMember.objects.create(
        roster=roster[Group.CHAIR][0].roster,
        user=acting,
        group=Group.CHAIR,
        designated_by=entity_role(entity, DepartmentRole.Role.HOD),
        added_at=timezone.now(),
    )
    assert member not in rebuttal_services.eligible_roster_members(case, Group.CHAIR)
    assert "signed the document" in refused(
        rebuttal_services.appoint_panel_member, case=case, actor=hr, roster_member=member
    )
    assert not PanelMember.objects.filter(user=acting).exists()
