"""People, data and page steps shared by the browser journeys.

The data is made with the factories and services (never through the pages under test); the
steps drive the pages the way a person does: by labels, roles and visible text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

from org.models import Cycle, OrgUnit, StaffMember, User
from tests.factories import (
    CycleFactory,
    EntityFactory,
    OrgUnitFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UnitGoalFactory,
    UserFactory,
)
from workplans.models import Goal


@dataclass
class Team:
    """A staff member with their FRO and SRO in one section of a department, and goals
    published by the department and the section for the staff member to align to."""

    cycle: Cycle
    entity: OrgUnit
    section: OrgUnit
    staff: StaffMember
    fro: StaffMember
    sro: StaffMember
    entity_goal: Goal
    section_goal: Goal


def person(first: str, last: str, unit: OrgUnit) -> StaffMember:
    user = UserFactory(
        email=f"{first}.{last}@example.org".lower(), first_name=first, last_name=last
    )
    return StaffMemberFactory(user=user, unit=unit)


def user(first: str, last: str) -> User:
    return UserFactory(
        email=f"{first}.{last}@example.org".lower(), first_name=first, last_name=last
    )


def enrol_totp(user: User) -> str:
    """Give the user an authenticator app (HODs and HR focal points must have one); returns
    its secret, for `sign_in(user, totp_secret=...)`."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def build_team(**cycle_fields) -> Team:
    cycle = CycleFactory(name="2026-27", **cycle_fields)
    entity = EntityFactory(code="DOF", name="Department of Finance")
    section = OrgUnitFactory(
        code="BUD", name="Budget Section", kind=OrgUnit.Kind.SECTION, parent=entity
    )
    staff = person("Amina", "Diallo", section)
    fro = person("Farid", "Osei", section)
    sro = person("Sofia", "Rossi", section)
    ReportingLineFactory(staff=staff, cycle=cycle, fro=fro, sro=sro)
    return Team(
        cycle=cycle,
        entity=entity,
        section=section,
        staff=staff,
        fro=fro,
        sro=sro,
        entity_goal=UnitGoalFactory(
            owner_unit=entity, cycle=cycle, title="Close the accounts on time"
        ),
        section_goal=UnitGoalFactory(
            owner_unit=section, cycle=cycle, title="Publish a realistic budget"
        ),
    )


# What the staff member types into the work plan: three goals, each aligned to a goal of the
# section or the department (the option label is "<unit code>: <goal title>").
GOALS = [
    {
        "title": "Prepare the 2027 budget proposal",
        "description": "Collect the divisions' needs and draft the proposal.",
        "success_criteria": "Proposal submitted to the controller by 30 November.",
        "expected_date": "2026-11-30",
        "aligned_to": "BUD: Publish a realistic budget",
    },
    {
        "title": "Reconcile the suspense accounts",
        "description": "Clear the open items older than 90 days.",
        "success_criteria": "Be quicker.",
        "expected_date": "2026-12-15",
        "aligned_to": "DOF: Close the accounts on time",
    },
    {
        "title": "Train two colleagues on the reporting tool",
        "description": "Hands-on sessions with the new reporting tool.",
        "success_criteria": "Two colleagues produce the monthly report on their own.",
        "expected_date": "2027-02-28",
        "aligned_to": "BUD: Publish a realistic budget",
    },
]
COMPETENCIES = ["Communication", "Teamwork", "Planning and Organizing"]
DEVELOPMENT_GOAL = "Complete the IPSAS e-learning"


def fill_goal(page: Page, number: int, goal: dict) -> None:
    """Fill goal `number` (1-based) of the edit page."""
    group = page.get_by_role("group", name=f"Goal {number}", exact=True)
    group.get_by_label("Title").fill(goal["title"])
    group.get_by_label("Description").fill(goal["description"])
    group.get_by_label("Success criteria / measures").fill(goal["success_criteria"])
    group.get_by_label("Expected by").fill(goal["expected_date"])
    group.get_by_label("Aligned to").select_option(label=goal["aligned_to"])


def draft_work_plan(page: Page) -> None:
    """On the edit page: three aligned goals, three competencies and a development goal."""
    for number, goal in enumerate(GOALS, start=1):
        fill_goal(page, number, goal)
    for name in COMPETENCIES:
        page.get_by_label(name, exact=True).check()
    development = page.get_by_role("group", name="Development goal 1", exact=True)
    development.get_by_label("Development goal", exact=True).fill(DEVELOPMENT_GOAL)
    development.get_by_label("Learning activities").fill("Modules 1 to 4, with a certificate.")


def create_and_submit_work_plan(page: Page) -> None:
    """The staff member creates their work plan from "My work plan", drafts it and submits."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work plan").click()
    page.get_by_role("button", name="Create my work plan").click()
    expect(page.get_by_role("heading", name="Goals", exact=True)).to_be_visible()
    draft_work_plan(page)
    page.get_by_role("button", name="Save, sign and submit to FRO").click()
    expect(page.get_by_text("Work plan submitted to your FRO.")).to_be_visible()


def state_badge(page: Page):
    """The state badge next to the staff member's name in the document header."""
    return page.locator(".doc-header h1 .badge")


def open_task(page: Page, label: str | re.Pattern) -> None:
    """From "My tasks", follow the task link."""
    page.goto("/")
    page.get_by_role("region", name="Waiting for me").get_by_role("link", name=label).click()


# --- counting clicks -------------------------------------------------------------------------

# What a person does with the pointer, per Playwright call: a click, a tap, ticking a box or a
# radio button, choosing files; choosing from a list is two (open it, pick); filling or typing
# into a field named by a locator is one (the click into the field, then the keys). Keys
# pressed on the focused element (`page.keyboard`: Tab, the arrow keys, typing) count
# nothing: that is how someone who works from the keyboard goes through a form.
POINTER_ACTIONS = {
    "click": 1,
    "dblclick": 1,
    "tap": 1,
    "check": 1,
    "uncheck": 1,
    "set_checked": 1,
    "select_option": 2,
    "fill": 1,
    "type": 1,
    "press": 1,
    "press_sequentially": 1,
    "set_input_files": 1,  # the file chooser
}


@dataclass
class Clicks:
    """The pointer actions of a step, in order (see POINTER_ACTIONS)."""

    actions: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(POINTER_ACTIONS[a.split(" ", 1)[0]] for a in self.actions)

    def __str__(self) -> str:
        return f"{self.count} click(s): " + "; ".join(self.actions)


@contextmanager
def counting_clicks() -> Iterator[Clicks]:
    """Count the pointer actions taken through any page or locator while the block runs:
    `with counting_clicks() as clicks: ...; assert clicks.count <= 5, clicks`."""
    clicks = Clicks()
    originals = {}
    for cls in (Page, Locator):
        for name in POINTER_ACTIONS:
            if not hasattr(cls, name):
                continue
            original = getattr(cls, name)
            originals[(cls, name)] = original

            def counted(self, *args, _original=original, _name=name, **kwargs):
                clicks.actions.append(f"{_name} {args[0] if args else self}"[:160])
                return _original(self, *args, **kwargs)

            setattr(cls, name, counted)
    try:
        yield clicks
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)


def tab_to(page: Page, locator: Locator, limit: int) -> int:
    """Press Tab until `locator` has the focus; fail after `limit` presses."""
    locator.evaluate("el => { el.dataset.tabTarget = 'yes'; }")
    try:
        for presses in range(1, limit + 1):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.dataset.tabTarget === 'yes'"):
                return presses
    finally:
        locator.evaluate("el => { delete el.dataset.tabTarget; }")
    raise AssertionError(f"{locator} not reached in {limit} presses of Tab")


def choose_level_by_keyboard(page: Page, row: Locator, level: str) -> None:
    """In one row of the rating grid (a fieldset of radio buttons): Tab into the row, then
    the arrow keys to the level (Space when it is the first), as a keyboard user does."""
    radios = row.get_by_role("radio")
    labels = [
        radios.nth(i).evaluate("el => el.labels[0].innerText.trim()") for i in range(radios.count())
    ]
    target = labels.index(level)
    checked = [radios.nth(i).is_checked() for i in range(len(labels))]
    start = checked.index(True) if True in checked else 0
    tab_to(page, radios.nth(start), limit=80)
    if target == start:
        page.keyboard.press("Space")
    for _ in range(abs(target - start)):
        page.keyboard.press("ArrowDown" if target > start else "ArrowUp")
    expect(radios.nth(target)).to_be_checked()


def type_by_keyboard(page: Page, field: Locator, text: str, limit: int = 10) -> None:
    """Tab to the field, select what it holds and type over it."""
    tab_to(page, field, limit=limit)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(text)
