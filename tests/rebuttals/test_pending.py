"""Rebuttal deadlines feed the reminder sweep: the HOD's reply, the panel, the report."""

import datetime

import pytest
import time_machine

from compliance.models import Reminder
from compliance.reminders import run_daily_sweep
from org.models import DepartmentRole
from rebuttals import services
from rebuttals.models import Group
from rebuttals.pending import pending_actions
from tests.rebuttals.helpers import (
    built_rebuttable_document,
    entity_role,
    filed_case,
    full_panel,
    published_roster,
)

pytestmark = pytest.mark.django_db


def actions_by_stage(today):
    result = {}
    for action in pending_actions(today=today):
        result.setdefault(action.stage, set()).add((action.responsible_id, action.due))
    return result


def test_a_filed_case_waits_for_the_hod_and_for_hr():
    case = filed_case(built_rebuttable_document())
    entity = case.document.staff.unit.entity
    hod = entity_role(entity, DepartmentRole.Role.HOD)
    hr = entity_role(entity, DepartmentRole.Role.HR_FOCAL_POINT)
    actions = actions_by_stage(datetime.date.today())
    assert actions["rebuttal_reply"] == {(hod.pk, case.reply_due)}
    assert actions["rebuttal_panel"] == {(hr.pk, case.report_due)}
    assert "rebuttal_report" not in actions


def test_after_the_reply_and_the_panel_the_chair_owes_the_report():
    case = filed_case(built_rebuttable_document())
    entity = case.document.staff.unit.entity
    panel = full_panel(case, published_roster(entity))
    services.reply_to_rebuttal(case=case, actor=entity_role(entity, "hod"), reply="Reply.")
    actions = actions_by_stage(datetime.date.today())
    assert actions == {"rebuttal_report": {(panel[Group.CHAIR].user_id, case.report_due)}}


def test_the_sweep_reminds_the_hod_before_the_reply_is_due_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    case = filed_case(built_rebuttable_document())
    hod = entity_role(case.document.staff.unit.entity, DepartmentRole.Role.HOD)
    day_before = case.reply_due - datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(day_before, datetime.time(6))):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                run_daily_sweep(day_before)
    reminders = Reminder.objects.filter(stage="rebuttal_reply", recipient=hod)
    assert reminders.count() == 1
    sent_to_hod = [m for m in mailoutbox if m.to == [hod.email]]
    assert len(sent_to_hod) == 1
    assert f"/rebuttals/document/{case.document_id}/" in sent_to_hod[0].body
