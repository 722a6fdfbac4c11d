"""Content-Security-Policy and Permissions-Policy: the headers on every page, in every mode, and
templates that need nothing the policy refuses (the browser tests fail on anything blocked)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from pmsystem.middleware import PermissionsPolicyMiddleware, permissions_policy_header
from tests.factories import UserFactory
from tests.workplans.helpers import fro_of, make_approved_work_plan, make_complete_work_plan

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered to PDF by WeasyPrint, never sent to a browser: their <style> is WeasyPrint's.
PDF_TEMPLATES = {
    "appraisals/document_pdf.html",
    "rebuttals/report_pdf.html",
    "feedback/campaign_pdf.html",
}
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()"
)
DJANGO_CODE = re.compile(
    r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S
)
TAG = re.compile(r"<([a-zA-Z][\w-]*)\b([^>]*)>", re.S)
EVENT_HANDLER = re.compile(r"""(?:^|\s)(on[a-z]+)\s*=""", re.I)


def inline_code(source: str, *, styles: bool = True) -> list[str]:
    """What a Content-Security-Policy without 'unsafe-inline' would refuse in a template: a
    <script> without src (JSON data blocks excepted), an on*= event handler, a javascript: URL
    and, with `styles`, a <style> block or a style= attribute. Template code and comments are
    left out first."""
    found = []
    html = DJANGO_CODE.sub(" ", source)
    for tag in TAG.finditer(html):
        name, attributes = tag.group(1).lower(), tag.group(2)
        if name == "script" and "src=" not in attributes and "application/json" not in attributes:
            found.append(f"inline <script>: {tag.group(0)}")
        found += [
            f"{handler}= handler: {tag.group(0)}" for handler in EVENT_HANDLER.findall(attributes)
        ]
        if re.search(r"""=\s*["']?\s*javascript:""", attributes, re.I):
            found.append(f"javascript URL: {tag.group(0)}")
        if styles and name == "style":
            found.append("<style> block")
        if styles and re.search(r"""(?:^|\s)style\s*=""", attributes, re.I):
            found.append(f"style= attribute: {tag.group(0)}")
    return found


def test_no_template_has_inline_script_event_handler_or_style():
    """Behaviour lives in static/js and looks in static/css: a template with inline code would
    be blocked by the browser (script-src 'self', style-src 'self')."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        for problem in inline_code(path.read_text(), styles=name not in PDF_TEMPLATES):
            found.append(f"{name}: {problem}")
    assert not found, "Inline code the Content-Security-Policy refuses:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<script>alert(1)</script>", ["inline <script>"]),
        ("<script defer>\n  go();\n</script>", ["inline <script>"]),
        ('<button type="button" onclick="go()">Go</button>', ["onclick= handler"]),
        ("<select\n  onchange='this.form.submit()'>", ["onchange= handler"]),
        ('<a href="javascript:go()">Go</a>', ["javascript URL"]),
        ('<td style="padding-left: {{ depth }}rem">', ["style= attribute"]),
        ("<style>p { color: red }</style>", ["<style> block"]),
        ('<form {% if x %}onsubmit="go()"{% endif %}>', ["onsubmit= handler"]),
        ("<script src=\"{% static 'js/app.js' %}\" defer></script>", []),
        ('<script id="data" type="application/json">{"a": 1}</script>', []),
        ('<button data-confirm="Sure?" class="online">Go</button>', []),
        ('<div hx-get="/x" hx-trigger="load">', []),
        ("<p>Click on = to compare</p>", []),
        ("{% comment %}No <script> or <style> here.{% endcomment %}", []),
    ],
)
def test_the_template_check_finds_each_kind_of_inline_code(source, expected):
    found = inline_code(source)
    assert [problem.split(":")[0] for problem in found] == expected


def policy_of(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


def test_pages_carry_the_content_security_policy(client):
    """The login page, a signed-in page, a 404 and a 403 (Django's technical error pages are
    exempt only with DEBUG on, which the tests never have)."""
    responses = [client.get(reverse("account_login"))]
    document = make_complete_work_plan()
    client.force_login(fro_of(document))
    responses += [client.get(reverse("home")), client.get("/no-such-page/")]
    responses.append(client.get(reverse("workplans:edit", args=[document.pk])))
    assert [r.status_code for r in responses] == [200, 200, 404, 403]
    for response in responses:
        assert policy_of(response) == POLICY, response.request["PATH_INFO"]
        assert "unsafe" not in response["Content-Security-Policy"]


def test_the_pdf_keeps_only_the_refusal_to_be_framed(client):
    """The browser's PDF viewer draws the document in an <embed> with inline styles, which the
    site's policy would blank out (object-src 'none', style-src 'self')."""
    document = make_approved_work_plan()
    client.force_login(document.staff.user)
    response = client.get(reverse("appraisals:pdf", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert policy_of(response) == {"frame-ancestors": ["'none'"]}


def settings_in_subprocess(expression: str, **environment: str):
    """`expression` evaluated on the settings of a fresh process with `environment` (and no
    inherited OIDC_ or DJANGO_ENV variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "DJANGO_ENV"))}
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "pmsystem.settings", **environment},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(result.stdout)


@pytest.mark.subprocess
def test_with_sso_the_sign_in_form_may_lead_to_the_identity_provider():
    """allauth's SSO form posts to pmsystem, which redirects to the provider's authorisation
    endpoint; browsers check form-action on that redirect too, so the provider's origin (and
    only its origin) is allowed."""
    expression = 'settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]'
    with_sso = settings_in_subprocess(
        expression,
        OIDC_SERVER_URL="https://idp.example.org/realms/staff",
        OIDC_CLIENT_ID="pmsystem",
    )
    assert with_sso == ["'self'", "https://idp.example.org"]
    assert settings_in_subprocess(expression) == ["'self'"]


def test_pages_carry_the_permissions_policy(client):
    assert client.get(reverse("account_login"))["Permissions-Policy"] == PERMISSIONS
    client.force_login(UserFactory())
    assert client.get("/no-such-page/")["Permissions-Policy"] == PERMISSIONS


@pytest.mark.subprocess
def test_production_settings_send_both_policies():
    """The production module (DJANGO_ENV=production) keeps both middlewares and both policies;
    tests/test_stack.py reads the headers from gunicorn serving in production mode."""
    production = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "pmsystem.example.org",
    }
    found = settings_in_subprocess(
        "[settings.DEBUG, settings.MIDDLEWARE, settings.PERMISSIONS_POLICY, "
        'settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]]',
        **production,
    )
    debug, middleware, permissions, directives = found
    assert debug is False
    assert "csp.middleware.CSPMiddleware" in middleware
    assert "pmsystem.middleware.PermissionsPolicyMiddleware" in middleware
    assert permissions_policy_header(permissions) == PERMISSIONS
    assert directives == POLICY


def test_a_view_may_send_its_own_permissions_policy():
    def view(request):
        response = HttpResponse()
        response["Permissions-Policy"] = "camera=(self)"
        return response

    response = PermissionsPolicyMiddleware(view)(RequestFactory().get("/"))
    assert response["Permissions-Policy"] == "camera=(self)"


def test_permissions_policy_header_lists_the_allowed_origins():
    policy = {"camera": [], "fullscreen": ["self", '"https://a.example"']}
    assert permissions_policy_header(policy) == 'camera=(), fullscreen=(self "https://a.example")'
