"""Work plan in Chromium: the staff member drafts and submits, the FRO returns it with a
comment, the staff member fixes a goal and resubmits, the FRO approves (docs/rules.md §3 steps 1-2).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import (
    DEVELOPMENT_GOAL,
    GOALS,
    build_team,
    create_and_submit_work_plan,
    fill_goal,
    open_task,
    state_badge,
)
from tests.factories import WorkPlanFactory
from tests.workplans.helpers import make_complete_work_plan
from workplans.models import WorkPlan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_staff_drafts_and_submits_fro_returns_staff_resubmits_fro_approves(sign_in):
    team = build_team()
    staff_page = sign_in(team.staff.user)

    create_and_submit_work_plan(staff_page)
    expect(state_badge(staff_page)).to_have_text("Work plan: submitted")
    goals = staff_page.get_by_role("region", name="Goals", exact=True)
    expect(goals.get_by_role("heading", level=3)).to_have_text(
        [f"{n}. {g['title']}" for n, g in enumerate(GOALS, start=1)]
    )
    expect(goals).to_contain_text("BUD: Publish a realistic budget")
    expect(goals).to_contain_text("DOF: Close the accounts on time")
    # Nothing left to do for the staff member but wait for the FRO.
    expect(staff_page.get_by_role("link", name="Edit work plan")).to_have_count(0)

    fro_page = sign_in(team.fro.user)
    open_task(fro_page, "Approve the work plan of Amina Diallo")
    expect(state_badge(fro_page)).to_have_text("Work plan: submitted")
    fro_page.get_by_text("Return to the staff member with a comment").click()
    fro_page.get_by_label("What needs to change").fill(
        "Goal 2: make the success criteria measurable (how many items, by when)."
    )
    fro_page.get_by_role("button", name="Return work plan").click()
    expect(fro_page.get_by_text("Work plan returned to the staff member.")).to_be_visible()
    expect(state_badge(fro_page)).to_have_text("Work plan: returned for changes")
    expect(fro_page.get_by_role("button", name="Approve and sign")).to_have_count(0)

    open_task(staff_page, "Your FRO returned your work plan: revise and resubmit")
    expect(staff_page.get_by_role("alert")).to_contain_text(
        "Returned by the FRO: Goal 2: make the success criteria measurable"
    )
    goal_2 = staff_page.get_by_role("group", name="Goal 2", exact=True)
    expect(goal_2.get_by_label("Success criteria / measures")).to_have_value("Be quicker.")
    goal_2.get_by_label("Success criteria / measures").fill(
        "All 40 open items older than 90 days cleared by 15 December."
    )
    staff_page.get_by_role("button", name="Save, sign and submit to FRO").click()
    expect(staff_page.get_by_text("Work plan submitted to your FRO.")).to_be_visible()
    expect(state_badge(staff_page)).to_have_text("Work plan: submitted")

    open_task(fro_page, "Approve the work plan of Amina Diallo")
    expect(fro_page.get_by_role("region", name="Goals", exact=True)).to_contain_text(
        "All 40 open items older than 90 days cleared by 15 December."
    )
    fro_page.get_by_role("button", name="Approve and sign").click()
    expect(fro_page.get_by_text("Work plan approved.")).to_be_visible()
    expect(state_badge(fro_page)).to_have_text("Work plan: approved")

    timeline = fro_page.get_by_role("region", name="Timeline").get_by_role("listitem")
    expect(timeline).to_have_text(
        [
            re.compile(r"— Work plan created · Amina Diallo$"),
            re.compile(
                r"— Draft saved \(3 added; competencies changed; development goals changed\)"
                r" · Amina Diallo$"
            ),
            re.compile(r"— Submit work plan \(Staff member\) · Amina Diallo$"),
            re.compile(
                r"— Return work plan \(FRO\) · Farid Osei\s*"
                r"Goal 2: make the success criteria measurable"
            ),
            re.compile(r"— Draft saved \(1 changed\) · Amina Diallo$"),
            re.compile(r"— Submit work plan \(Staff member\) · Amina Diallo$"),
            re.compile(r"— Approve work plan \(FRO\) · Farid Osei$"),
        ]
    )
    signatures = fro_page.get_by_role("region", name="Signatures").locator("tbody tr")
    expect(signatures).to_have_count(4)

    staff_page.reload()
    expect(state_badge(staff_page)).to_have_text("Work plan: approved")
    assert WorkPlan.objects.get(staff=team.staff).state == WorkPlan.State.APPROVED


def test_edit_form_keeps_what_was_typed_when_a_goal_has_no_title(sign_in):
    team = build_team()
    work_plan = WorkPlanFactory(staff=team.staff, cycle=team.cycle)
    page = sign_in(team.staff.user)
    page.goto(f"/workplans/{work_plan.pk}/edit/")

    goal_1 = page.get_by_role("group", name="Goal 1", exact=True)
    goal_1.get_by_label("Description").fill("A description typed before the title.")
    goal_1.get_by_label("Aligned to").select_option(label="DOF: Close the accounts on time")
    fill_goal(page, 2, GOALS[1])
    page.get_by_label("Teamwork", exact=True).check()
    page.get_by_role("group", name="Development goal 1", exact=True).get_by_label(
        "Development goal", exact=True
    ).fill(DEVELOPMENT_GOAL)
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_text("Some entries need correcting: nothing was saved yet.")).to_be_visible()
    goal_1 = page.get_by_role("group", name="Goal 1", exact=True)
    expect(goal_1).to_contain_text("Give the goal a title (or clear the whole goal).")
    expect(goal_1.get_by_label("Description")).to_have_value(
        "A description typed before the title."
    )
    expect(goal_1.get_by_label("Aligned to")).to_have_value(str(team.entity_goal.pk))
    goal_2 = page.get_by_role("group", name="Goal 2", exact=True)
    for label, key in [
        ("Title", "title"),
        ("Description", "description"),
        ("Success criteria / measures", "success_criteria"),
        ("Expected by", "expected_date"),
    ]:
        expect(goal_2.get_by_label(label)).to_have_value(GOALS[1][key])
    expect(goal_2.get_by_label("Aligned to")).to_have_value(str(team.entity_goal.pk))
    expect(page.get_by_label("Teamwork", exact=True)).to_be_checked()
    expect(page.get_by_label("Development goal", exact=True).first).to_have_value(DEVELOPMENT_GOAL)
    # Nothing was saved: the database still holds the empty draft.
    assert not work_plan.goals.exists()
    assert not work_plan.development_goals.exists()

    # Giving the title is enough to save.
    goal_1.get_by_label("Title").fill("Close the 2026 accounts")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    assert sorted(work_plan.goals.values_list("title", flat=True)) == [
        "Close the 2026 accounts",
        GOALS[1]["title"],
    ]


def test_keyboard_reaches_the_first_goal_and_submits_the_work_plan(sign_in):
    team = build_team()
    work_plan = make_complete_work_plan(WorkPlanFactory(staff=team.staff, cycle=team.cycle))
    page = sign_in(team.staff.user)
    page.goto(f"/workplans/{work_plan.pk}/edit/")

    def tab_to(element_id: str, limit: int) -> int:
        for presses in range(1, limit + 1):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return presses
        raise AssertionError(f"#{element_id} not reached in {limit} presses of Tab")

    # Past the skip link, the main navigation and the document's tabs, then the first goal.
    tab_to("id_goals-0-title", limit=20)
    title = page.locator("#id_goals-0-title")
    expect(title).to_be_focused()
    assert title.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    # Tabbing into a field selects its text: move to its end before typing.
    page.keyboard.press("End")
    page.keyboard.type(" (revised)")
    expect(title).to_have_value("Goal 1 (revised)")

    # The help under a field is its accessible description (aria-describedby finds it).
    expect(page.locator("#id_goals-0-success_criteria")).to_have_accessible_description(
        "How you and your FRO will know the goal is achieved."
    )

    submit = page.get_by_role("button", name="Save, sign and submit to FRO")
    submit.evaluate("el => { el.id = 'submit-button'; }")
    tab_to("submit-button", limit=150)
    expect(submit).to_be_focused()
    expect(submit).to_be_in_viewport()
    page.keyboard.press("Space")

    expect(page.get_by_text("Work plan submitted to your FRO.")).to_be_visible()
    expect(state_badge(page)).to_have_text("Work plan: submitted")
    work_plan.refresh_from_db()
    assert work_plan.state == WorkPlan.State.SUBMITTED
    titles = work_plan.goals.filter(is_current=True).values_list("title", flat=True)
    assert sorted(titles) == ["Goal 1 (revised)", "Goal 2", "Goal 3"]
