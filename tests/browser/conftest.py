"""Playwright on Debian's Chromium, driven through the sync API against pytest-django's live server.

There is no Playwright browser download here: the browser is /usr/bin/chromium (installed by
scripts/system-deps.sh test). Tests need the database committed for the server thread to see
it, so mark them `@pytest.mark.django_db(transaction=True)` as well as `@pytest.mark.browser`
(the migration-seeded competency catalogues are put back before each, see below).
A failing test leaves a full-page screenshot in test-results/.

Every page keeps the site's Content-Security-Policy (no `bypass_csp`): a test fails if the
browser blocked anything on any page it opened (a `securitypolicyviolation` event), so the
journeys prove that no page needs an inline script, style or event handler. axe-core is
evaluated through the DevTools protocol, which the page's policy does not govern.
"""

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django refuses database access from
# a thread with a running loop unless told it is safe (each call here is still synchronous).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
# axe-core from the npm registry, kept beside the tests (see vendor/README); never served.
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# Runs first in every document of a test's browser: reports what the page's
# Content-Security-Policy blocked to the test (window.reportCspViolation, bound below).
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "?"} on ${location.pathname}` +
    ` (${event.sourceFile || "?"}:${event.lineNumber}): ${event.sample}`
  );
});
"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture knows if the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# The password tests.factories.UserFactory gives every user.
PASSWORD = "pass-word-123"


def totp_code(secret: str, margin: int = 5) -> str:
    """The code an authenticator app shows now (allauth's own HOTP helper). A code is only
    accepted in its own time step, so with less than `margin` seconds of the step left, wait
    for the next one rather than race the server's clock."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def login(page: Page, email: str, password: str = PASSWORD, totp_secret: str = "") -> None:
    """Sign in through the real allauth form, as a person would; with `totp_secret`, type the
    authenticator app's code on the two-factor page too."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret:
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        page.get_by_placeholder("Code").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))


def _new_context(browser: Browser, live_server) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    context.csp_violations = violations = []

    def report(violation: str) -> None:
        violations.append(violation)

    context.expose_function("reportCspViolation", report)
    context.add_init_script(CSP_WATCH)
    return context


def _assert_nothing_blocked(context: BrowserContext, page: Page) -> None:
    """Fail if the Content-Security-Policy blocked anything on any page the context opened."""
    if not page.is_closed():
        page.evaluate("0")  # a round trip, so that every report already sent has arrived
    if context.csp_violations:
        pytest.fail("The Content-Security-Policy blocked:\n" + "\n".join(context.csp_violations))


def _screenshot_if_failed(request, page: Page, suffix: str = "") -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid + suffix)
        page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)


@pytest.fixture
def page(browser: Browser, live_server, request) -> Page:
    """A fresh browser context per test, pointed at the live server."""
    context = _new_context(browser, live_server)
    page = context.new_page()
    yield page
    _screenshot_if_failed(request, page)
    try:
        _assert_nothing_blocked(context, page)
    finally:
        context.close()


@pytest.fixture
def sign_in(browser: Browser, live_server, request):
    """`sign_in(user)`: a page of the user's own browser (context), signed in through the
    login form. Journeys with several people keep one such page per person; a failing test
    leaves a screenshot of each."""
    opened: list[tuple[str, BrowserContext, Page]] = []

    def open_as(user, password: str = PASSWORD, totp_secret: str = "") -> Page:
        context = _new_context(browser, live_server)
        page = context.new_page()
        opened.append((user.email, context, page))
        login(page, user.email, password, totp_secret)
        return page

    yield open_as
    try:
        for email, context, page in opened:
            _screenshot_if_failed(request, page, f"-{email}")
            _assert_nothing_blocked(context, page)
    finally:
        for _, context, _ in opened:
            context.close()


@pytest.fixture(autouse=True)
def competency_catalogue(transactional_db) -> None:
    """The competency catalogues come from a data migration, and a transactional test empties
    every table when it ends: seed them again (idempotent) before every browser test."""
    from importlib import import_module

    from django.apps import apps

    import_module("workplans.migrations.0002_competency_catalogues").seed(apps, None)


def _same_colour_text(results: dict) -> list[dict]:
    """axe leaves text drawn in its background's own colour "to review" (it may be hidden on
    purpose); nothing on these pages is hidden that way, so it is invisible text: a failure."""
    nodes = [
        node
        for rule in results["incomplete"]
        if rule["id"] == "color-contrast"
        for node in rule["nodes"]
        if any(check.get("data", {}).get("messageKey") == "equalRatio" for check in node["any"])
    ]
    if not nodes:
        return []
    help_text = "Text must not be the same colour as its background"
    return [{"id": "color-contrast", "impact": "serious", "nodes": nodes, "help": help_text}]


def assert_accessible(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> None:
    """Run axe-core on the page as it stands and fail listing every violation of one of the
    `impacts` (rule id, its help and the first few elements it found), and any text in the
    same colour as its background."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Not add_script_tag: an injected inline <script> is refused by the page's policy.
        page.evaluate(AXE_JS.read_text())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations', 'incomplete']})")
    found = [v for v in results["violations"] if v["impact"] in impacts]
    found += _same_colour_text(results)
    if found:
        lines = [f"{len(found)} axe violation(s) on {page.url}:"]
        for violation in found:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            more = len(violation["nodes"]) - len(targets)
            lines.append(
                f"- {violation['id']} ({violation['impact']}): {violation['help']}; "
                f"{', '.join(targets)}" + (f" and {more} more" if more > 0 else "")
            )
        raise AssertionError("\n".join(lines))
