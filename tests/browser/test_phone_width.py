"""Phones (issue 17): at 390 px wide every main page fits the screen. A wide table scrolls
inside its own box and the document's tabs wrap; the page itself never scrolls sideways
(`document.documentElement.scrollWidth` is at most the window's width). The main pages of each
role are visited in a phone-sized window; a test lists every page that overflows at once, with
the elements that stick out."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.steps import enrol_totp
from tests.browser.test_accessibility import build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# The widest elements that end past the window's right edge (outside any box that scrolls
# them), to say what to fix.
STICKING_OUT = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => {
    // An absolutely positioned element escapes a scroll box that is not its containing block.
    if (["absolute", "fixed"].includes(getComputedStyle(el).position)) return false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (["auto", "scroll", "hidden"].includes(style.overflowX)) return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .map((el) => {
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (typeof el.className === "string" && el.className.trim()
          ? "." + el.className.trim().split(/\\s+/).join(".") : "");
      return `${name} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`;
    })
    .slice(0, 8);
}"""


class Overflows:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.visited = 0

    def check(self, page: Page, url: str, who: str) -> None:
        response = page.goto(url)
        self.visited += 1
        if response is None or response.status != 200:
            self.failures.append(f"{who} {url}: HTTP {response.status if response else '?'}")
            return
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            culprits = ", ".join(page.evaluate(STICKING_OUT)) or "?"
            self.failures.append(f"{who} {url}: {width} px wide in a {inner} px window: {culprits}")

    def assert_none(self) -> None:
        assert not self.failures, "Pages wider than a phone:\n" + "\n".join(self.failures)


def on_a_phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def test_the_main_pages_of_each_role_fit_a_phone(sign_in):
    org = build_org()
    team, docs = org.team, org.documents
    entity = team.entity
    overflows = Overflows()
    case = reverse("rebuttals:case", args=[org.case_id])

    # Staff member: My tasks, their work plan and its edit form, their evaluation.
    page = on_a_phone(sign_in(team.staff.user))
    for url in [
        "/",
        reverse("workplans:document", args=[docs["draft"].pk]),
        reverse("workplans:edit", args=[docs["draft"].pk]),
    ]:
        overflows.check(page, url, "staff")
    page = on_a_phone(sign_in(docs["case"].staff.user))
    overflows.check(page, reverse("appraisals:evaluation", args=[docs["case"].pk]), "staff")
    overflows.check(page, case, "staff")

    # FRO: My tasks, My team, a document, the rating form, a PIP.
    page = on_a_phone(sign_in(team.fro.user))
    for url in [
        "/",
        reverse("workplans:team"),
        reverse("workplans:document", args=[docs["submitted"].pk]),
        reverse("appraisals:evaluation", args=[docs["fro_evaluation"].pk]),
        reverse("appraisals:evaluation", args=[docs["completed"].pk]),
        reverse("appraisals:pips", args=[docs["completed"].pk]),
    ]:
        overflows.check(page, url, "FRO")

    # SRO: their documents and the approval.
    page = on_a_phone(sign_in(team.sro.user))
    overflows.check(page, reverse("workplans:team") + "?as=sro", "SRO")
    overflows.check(page, reverse("appraisals:evaluation", args=[docs["sro_review"].pk]), "SRO")

    # HOD: My tasks, the compliance dashboard, the follow-up, the roster, the case.
    page = on_a_phone(sign_in(org.hod, totp_secret=enrol_totp(org.hod)))
    for url in [
        "/",
        reverse("compliance:dashboard") + f"?entity={entity.pk}",
        reverse("compliance:follow-up"),
        reverse("rebuttals:roster", args=[entity.pk]),
        case,
    ]:
        overflows.check(page, url, "HOD")

    # HR focal point: the dashboard, the people list, rebuttals, the follow-up, the case.
    page = on_a_phone(sign_in(org.hr, totp_secret=enrol_totp(org.hr)))
    for url in [
        "/",
        reverse("compliance:dashboard"),
        reverse("compliance:dashboard") + f"?entity={entity.pk}&unit={team.section.pk}",
        reverse("compliance:people") + f"?entity={entity.pk}",
        reverse("compliance:broadcast-list"),
        reverse("rebuttals:monitor"),
        reverse("compliance:follow-up"),
        case,
    ]:
        overflows.check(page, url, "HR")

    # The panel's chair: the case with the report form.
    overflows.check(on_a_phone(sign_in(org.chair)), case, "chair")

    assert overflows.visited >= 25
    overflows.assert_none()


def test_the_check_finds_a_page_wider_than_the_phone(page, live_server):
    """The check can fail: a page made wider than the window is reported, with the culprit."""
    on_a_phone(page)
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const div = document.createElement('div'); div.id = 'too-wide';"
        " div.style.width = '900px'; div.style.height = '10px'; document.body.append(div); }"
    )
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width > inner == PHONE["width"]
    assert any(item.startswith("div#too-wide") for item in page.evaluate(STICKING_OUT))
