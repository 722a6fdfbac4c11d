"""Accessibility (issue 7): every main page, as each role that uses it, passes axe-core with no
serious or critical violation; the main flows work from the keyboard alone.

One small organisation is built per test through the factories and services; each person signs
in once through the real login form (HODs and HR focal points with their authenticator app)
and their pages are checked in turn. A test lists every failing page at once."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from appraisals import services as appraisal_services
from appraisals.models import Appraisal
from org import services as org_services
from org.models import Delegation, DepartmentRole, User
from rebuttals import services as rebuttal_services
from rebuttals.models import Group
from tests.appraisals.helpers import make_document_at
from tests.browser.conftest import PASSWORD, assert_accessible
from tests.browser.steps import Team, build_team, enrol_totp, person, state_badge, user
from tests.factories import DepartmentRoleFactory
from tests.rebuttals.helpers import filed_case, full_panel, published_roster
from tests.workplans.helpers import (
    make_approved_work_plan,
    make_complete_work_plan,
    make_submitted_work_plan,
)
from workplans import services as workplan_services
from workplans.models import WorkPlan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@dataclass
class Org:
    team: Team
    hod: User
    hr: User
    chair: User
    supervisor: User
    documents: dict[str, WorkPlan]
    case_id: int
    plan_id: int


def build_org() -> Org:
    """A section with an FRO and SRO, and one staff member's document at each stage: a draft,
    a submitted work plan, an approved one (mid-point open), the evaluation at the
    self-evaluation, FRO, SRO and acknowledgement stages, a completed one rated "Partially
    meets" with a PIP, and one whose rebuttal has the HOD's reply and a panel."""
    team = build_team()
    hod = DepartmentRoleFactory(
        entity=team.entity, user=user("Helen", "Okafor"), role=DepartmentRole.Role.HOD
    ).user
    hr = DepartmentRoleFactory(
        entity=team.entity, user=user("Ravi", "Menon"), role=DepartmentRole.Role.HR_FOCAL_POINT
    ).user
    officers = {"cycle": team.cycle, "fro": team.fro, "sro": team.sro}

    def staff(first: str, last: str) -> dict:
        return {"staff": person(first, last, team.section), **officers}

    documents = {
        "draft": make_complete_work_plan(staff=team.staff, **officers),
        "submitted": make_submitted_work_plan(**staff("Bruno", "Costa")),
        "midpoint": make_approved_work_plan(**staff("Chen", "Wei")),
    }
    for stage, (first, last) in {
        "self_assessment": ("Dana", "Ilic"),
        "fro_evaluation": ("Emeka", "Obi"),
        "sro_review": ("Fatima", "Zahra"),
        "acknowledgement": ("Gabriel", "Souza"),
    }.items():
        documents[stage] = make_document_at(stage, **staff(first, last))
    documents["completed"] = make_document_at("completed", overall="PM", **staff("Hana", "Kim"))
    documents["case"] = make_document_at("completed", overall="PM", **staff("Ivan", "Petrov"))

    fro = team.fro.user
    supervisor = person("Grace", "Mensah", team.section)
    # The mid-point review under way: the staff member's comments wait for the FRO.
    midpoint_staff = documents["midpoint"].staff.user
    workplan_services.start_midpoint(work_plan=documents["midpoint"], actor=midpoint_staff)
    workplan_services.submit_midpoint(
        work_plan=documents["midpoint"], actor=midpoint_staff, comments="Half done."
    )
    plan = appraisal_services.open_improvement_plan(
        document=documents["completed"],
        actor=fro,
        objectives="Close the monthly accounts within five working days.",
        support="Coaching by the section chief; the IPSAS course.",
        start=datetime.date.today(),
        end=datetime.date.today() + datetime.timedelta(days=90),
    )
    workplan_services.propose_additional_supervisor(
        work_plan=documents["draft"], actor=team.staff.user, supervisor=supervisor.user
    )
    # The FRO's acting officer holds no role on the FRO's documents (one person, one role).
    org_services.create_delegation(
        principal=fro,
        acting=person("Lena", "Vogel", team.section).user,
        role=Delegation.Role.FRO,
        start=datetime.date.today(),
        end=datetime.date.today() + datetime.timedelta(days=14),
        reason="Annual leave.",
    )
    members = published_roster(team.entity)
    case = filed_case(documents["case"])
    rebuttal_services.reply_to_rebuttal(
        case=case, actor=hod, reply="The rating reflects the outputs agreed at the mid-point."
    )
    full_panel(case, members)
    return Org(
        team=team,
        hod=hod,
        hr=hr,
        chair=members[Group.CHAIR][0].user,
        supervisor=supervisor.user,
        documents=documents,
        case_id=case.pk,
        plan_id=plan.pk,
    )


class Checker:
    """Visit pages and run axe on each, keeping every failure to report them together."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.checked = 0

    def check(self, page: Page, url: str, who: str, status: int = 200, shows: str = "") -> None:
        """Open `url` as `who`; with `shows`, the page must offer the button of that name (so
        the form of the stage under test is what axe reads)."""
        response = page.goto(url)
        self.checked += 1
        if response is None or response.status != status:
            got = response.status if response else "no response"
            self.failures.append(f"{who} {url}: HTTP {got}, expected {status}")
            return
        try:
            if shows:
                expect(page.get_by_role("button", name=shows, exact=True)).to_be_visible()
            assert_accessible(page)
        except AssertionError as error:
            self.failures.append(f"{who} {url}: {error}")

    def assert_clean(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


def doc_urls(document: WorkPlan) -> dict[str, str]:
    return {
        "document": reverse("workplans:document", args=[document.pk]),
        "evaluation": reverse("appraisals:evaluation", args=[document.pk]),
    }


def test_login_and_two_factor_pages(page, sign_in):
    checker = Checker()
    checker.check(page, "/accounts/login/", "anonymous")
    # A wrong password: the form with its error message.
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text(re.compile("not correct|incorrect", re.I))).to_be_visible()
    try:
        assert_accessible(page)
    except AssertionError as error:
        checker.failures.append(f"anonymous, failed sign-in: {error}")

    # The authenticator-code step of someone who enrolled.
    hr = user("Ravi", "Menon")
    enrol_totp(hr)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(hr.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    try:
        assert_accessible(page)
    except AssertionError as error:
        checker.failures.append(f"two-factor step: {error}")
    checker.assert_clean()


def test_every_main_page_as_each_role(sign_in):
    org = build_org()
    team, docs = org.team, org.documents
    checker = Checker()

    # Staff members: home, their work plan (draft and edit), each evaluation stage of theirs.
    draft = doc_urls(docs["draft"])
    page = sign_in(team.staff.user)
    for url in [
        "/",
        reverse("workplans:mine"),
        draft["document"],
        reverse("workplans:edit", args=[docs["draft"].pk]),
        reverse("workplans:check-ins", args=[docs["draft"].pk]),
        reverse("compliance:reminder-list"),
        reverse("org:delegations"),
    ]:
        checker.check(page, url, "staff")
    checker.check(page, reverse("org:import"), "staff", status=403)
    checker.check(page, "/workplans/999999/", "staff", status=404)
    for stage, button in [
        ("self_assessment", "Sign and send to FRO"),
        ("acknowledgement", "Sign and complete"),
        ("completed", ""),
        ("case", ""),
    ]:
        document = docs[stage]
        page = sign_in(document.staff.user)
        if stage in ("acknowledgement", "completed"):
            checker.check(page, "/", f"staff ({stage})")
        checker.check(page, doc_urls(document)["evaluation"], f"staff ({stage})", shows=button)
        if stage == "completed":
            checker.check(page, reverse("rebuttals:file", args=[document.pk]), "staff")
            checker.check(page, reverse("appraisals:pips", args=[document.pk]), "staff")
        if stage == "case":
            checker.check(page, reverse("rebuttals:case", args=[org.case_id]), "staff")

    # The FRO: tasks, team, delegations, the approval, the mid-point, the rating form, a PIP.
    page = sign_in(team.fro.user)
    for url, button in [
        ("/", ""),
        (reverse("workplans:team"), ""),
        (reverse("org:delegations"), "End now"),
        (doc_urls(docs["submitted"])["document"], "Approve and sign"),
        (reverse("workplans:midpoint", args=[docs["midpoint"].pk]), "Sign and finalise"),
        (doc_urls(docs["fro_evaluation"])["evaluation"], "Sign and send to SRO"),
        (doc_urls(docs["completed"])["evaluation"], ""),
        (reverse("appraisals:pips", args=[docs["completed"].pk]), ""),
    ]:
        checker.check(page, url, "FRO", shows=button)

    # The SRO: tasks, the SRO queue and form, supervision requests, delegations.
    page = sign_in(team.sro.user)
    for url in [
        "/",
        reverse("appraisals:sro-queue"),
        reverse("workplans:team") + "?as=sro",
        reverse("workplans:supervision-requests"),
        reverse("org:delegations"),
    ]:
        checker.check(page, url, "SRO")
    checker.check(page, doc_urls(docs["sro_review"])["evaluation"], "SRO", shows="Approve and sign")

    # An additional supervisor asked to comment on a work plan.
    page = sign_in(org.supervisor)
    checker.check(
        page, reverse("workplans:supervision-requests"), "additional supervisor", shows="Accept"
    )

    # The HOD: goals, compliance, the roster, the case.
    entity, section = team.entity, team.section
    dashboard = reverse("compliance:dashboard")
    page = sign_in(org.hod, totp_secret=enrol_totp(org.hod))
    for url in [
        "/",
        reverse("workplans:goal-tree", args=[entity.pk]),
        reverse("workplans:unit-goals", args=[entity.pk]),
        reverse("workplans:unit-goals", args=[section.pk]),
        dashboard,
        f"{dashboard}?entity={entity.pk}",
        reverse("compliance:people") + f"?entity={entity.pk}",
        reverse("rebuttals:roster", args=[entity.pk]),
        reverse("rebuttals:case", args=[org.case_id]),
        reverse("compliance:follow-up"),
    ]:
        checker.check(page, url, "HOD")

    # The HR focal point: compliance with drill-down and people, broadcasts, import, rebuttals,
    # a roll-back form.
    page = sign_in(org.hr, totp_secret=enrol_totp(org.hr))
    for url in [
        "/",
        dashboard,
        f"{dashboard}?entity={entity.pk}&unit={section.pk}",
        reverse("compliance:people") + f"?unit={section.pk}",
        reverse("compliance:broadcast-list"),
        reverse("compliance:broadcast-create", args=[entity.pk]),
        reverse("org:import"),
        reverse("rebuttals:monitor"),
        reverse("rebuttals:rosters"),
        reverse("rebuttals:case", args=[org.case_id]),
        reverse("appraisals:rollback", args=[docs["sro_review"].pk]),
        doc_urls(docs["sro_review"])["document"],
        reverse("compliance:follow-up") + "?show=pips",
        reverse("rebuttals:roster", args=[entity.pk]),
        reverse("training:home"),
        reverse("training:entity", args=[entity.pk]),
        reverse("training:catalogue"),
        reverse("training:course-new"),
        reverse("training:import"),
        reverse("training:record"),
    ]:
        checker.check(page, url, "HR")

    # The panel's chair: the case with the report form.
    page = sign_in(org.chair)
    checker.check(page, "/", "chair")
    checker.check(
        page, reverse("rebuttals:case", args=[org.case_id]), "chair", shows="Record the report"
    )

    assert checker.checked >= 50
    checker.assert_clean()


def tab_to(page: Page, locator, limit: int) -> int:
    """Press Tab until `locator` has the focus; fail after `limit` presses."""
    locator.evaluate("el => { el.dataset.tabTarget = 'yes'; }")
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.tabTarget === 'yes'"):
            return presses
    raise AssertionError(f"{locator} not reached in {limit} presses of Tab")


def test_keyboard_fro_approves_a_work_plan(sign_in):
    team = build_team()
    document = make_submitted_work_plan(staff=team.staff, cycle=team.cycle)
    page = sign_in(team.fro.user)
    page.goto(reverse("workplans:document", args=[document.pk]))

    approve = page.get_by_role("button", name="Approve and sign")
    tab_to(page, approve, limit=60)
    expect(approve).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Work plan approved.")).to_be_visible()
    expect(state_badge(page)).to_have_text("Work plan: approved")
    document.refresh_from_db()
    assert document.state == WorkPlan.State.APPROVED


def test_keyboard_fro_rates_and_signs(sign_in):
    team = build_team()
    document = make_document_at(
        "fro_evaluation", staff=team.staff, cycle=team.cycle, fro=team.fro, sro=team.sro
    )
    page = sign_in(team.fro.user)
    page.goto(reverse("appraisals:evaluation", args=[document.pk]))
    form = page.locator("form", has=page.get_by_role("heading", name="Your evaluation as FRO"))
    rows = form.get_by_role("group")
    count = rows.count()
    assert count >= 7  # each goal, each value and competency, the overall rating

    # Tab into each row of the grid in turn and choose a level with the arrow keys: the first
    # Tab lands on the row's first level, ArrowDown moves to the next one and selects it.
    for index in range(count):
        row = rows.nth(index)
        radios = row.get_by_role("radio")
        tab_to(page, radios.first, limit=80 if index == 0 else 10)
        expect(radios.first).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(radios.nth(1)).to_be_checked()
        expect(radios.nth(1)).to_be_focused()
    overall_comments = form.get_by_label("Overall comments")
    tab_to(page, overall_comments, limit=10)
    page.keyboard.type("Rated from the keyboard alone.")

    sign = form.get_by_role("button", name="Sign and send to SRO")
    tab_to(page, sign, limit=20)
    expect(sign).to_be_in_viewport()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Evaluation signed and sent to the SRO.")).to_be_visible()
    evaluation = page.get_by_role("heading", level=2, name="End-of-cycle evaluation")
    expect(evaluation.locator(".badge")).to_have_text("SRO review")
    appraisal = Appraisal.objects.get(document=document)
    assert appraisal.state == Appraisal.State.SRO_REVIEW
    assert appraisal.fro_overall_comment == "Rated from the keyboard alone."
    assert appraisal.overall_rating_id is not None
    # Every goal, value and competency has the level chosen with the arrow keys.
    assert not appraisal.goal_rows.filter(rating__isnull=True).exists()
    assert not appraisal.competency_rows.filter(rating__isnull=True).exists()


def test_assert_accessible_reports_serious_violations(page):
    """The check itself can fail: an unlabelled field, faint text, white text on white."""
    page.goto("/accounts/login/")
    # Colours set through the DOM: the Content-Security-Policy refuses style="" attributes.
    page.evaluate(
        """() => {
            const main = document.querySelector('main') || document.body;
            main.insertAdjacentHTML('beforeend',
                '<input type="text" id="unlabelled"><p id="faint">Faint text</p>' +
                '<p id="invisible">Invisible</p>');
            const paint = (id, color) => Object.assign(
                document.getElementById(id).style, {color: color, background: '#fff'});
            paint('faint', '#bbb');
            paint('invisible', '#fff');
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "- label (critical)" in message
    assert "#unlabelled" in message
    assert "- color-contrast (serious): Elements must meet minimum color contrast" in message
    assert "same colour as its background; #invisible" in message
