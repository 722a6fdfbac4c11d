"""Issue 17, never lose typed text, in Chromium: what a staff member types into their
self-evaluation is kept as a draft as they type; before the idle timeout the page warns and
offers to stay signed in; once the session has expired they sign in again and find the text
in the form; saving the form deletes the draft. Leaving the page before the draft was saved
keeps it too (sendBeacon). The idle timeout is shortened to seconds for the test."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pmsystem.models import Draft
from tests.appraisals.helpers import make_document_at
from tests.browser.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

IDLE_SECONDS = 12  # the warning comes 4 s before (a third of the timeout)
WAIT = {"timeout": (IDLE_SECONDS + 15) * 1000}


def eventually(check, seconds: float = 10) -> None:
    """Wait for what the page sent in the background (a draft, a beacon) to reach the
    database."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the draft never reached the server"
        time.sleep(0.1)


def draft_of(document, user):
    draft = Draft.objects.filter(author=user, document=document, form="self_evaluation").first()
    return draft and draft.fields.get("overall")


def test_text_typed_before_the_session_expired_is_there_after_signing_in_again(sign_in, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = IDLE_SECONDS / 60
    document = make_document_at("self_assessment")
    staff = document.staff.user
    page = sign_in(staff)
    page.goto(reverse("appraisals:evaluation", args=[document.pk]))

    overall = page.get_by_label("Overall self-assessment")
    overall.fill("I closed the 2026 accounts two weeks early")
    expect(page.get_by_text(re.compile(r"^Draft saved at"))).to_be_visible()
    assert draft_of(document, staff) == "I closed the 2026 accounts two weeks early"

    # Nothing more happens: the page warns before the timeout, and "Stay signed in" keeps the
    # session going.
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(**WAIT)
    expect(warning).to_contain_text("Without activity you will be signed out at")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    stay.click()
    expect(warning).to_be_hidden()

    overall.press("End")
    overall.press_sequentially(" and led the audit.")
    text = "I closed the 2026 accounts two weeks early and led the audit."
    eventually(lambda: draft_of(document, staff) == text)

    # Then the person walks away: the warning comes again, then the session is over.
    expect(warning).to_be_visible(**WAIT)
    sign_in_again = warning.get_by_role("link", name="Sign in again")
    expect(sign_in_again).to_be_visible(**WAIT)
    expect(warning).to_contain_text("You were signed out after a while without activity")
    sign_in_again.click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_text("You were signed out after 1 minute without activity")).to_be_visible()
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(rf"/appraisals/{document.pk}/$"))
    expect(page.get_by_label("Overall self-assessment")).to_have_value(text)
    expect(page.get_by_text("is back in the form below")).to_be_visible()

    # Saved through the form: the draft has done its work.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Self-evaluation saved.")).to_be_visible()
    expect(page.get_by_label("Overall self-assessment")).to_have_value(text)
    expect(page.get_by_text("is back in the form below")).to_have_count(0)
    assert not Draft.objects.filter(author=staff).exists()


def test_text_typed_just_before_leaving_the_page_is_kept_and_can_be_discarded(sign_in):
    document = make_document_at("self_assessment")
    staff = document.staff.user
    page = sign_in(staff)
    evaluation = reverse("appraisals:evaluation", args=[document.pk])
    page.goto(evaluation)

    # Typed and gone at once, before the typing pause that saves the draft.
    page.get_by_label("Overall self-assessment").fill("Written in a hurry")
    page.get_by_role("link", name="My tasks").click()
    expect(page).to_have_url(re.compile(r"/$"))
    eventually(lambda: draft_of(document, staff) == "Written in a hurry")

    page.goto(evaluation)
    expect(page.get_by_label("Overall self-assessment")).to_have_value("Written in a hurry")
    notice = page.locator(".draft-restored")
    expect(notice).to_contain_text("is back in the form below")

    # Not wanted after all: the form shows what was saved, and the draft is gone.
    with page.expect_response(lambda response: "/drafts/" in response.url) as discarded:
        notice.get_by_role("button", name="Discard the draft").click()
    assert discarded.value.status == 204
    expect(page.get_by_label("Overall self-assessment")).to_have_value("")
    expect(notice).to_contain_text("Draft discarded")
    page.reload()
    expect(page.get_by_label("Overall self-assessment")).to_have_value("")
    assert not Draft.objects.filter(author=staff).exists()
