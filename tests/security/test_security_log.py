"""The security log (pmsystem.security): one JSON object per line, UTC, for every sign-in and
failed sign-in, MFA enrolment, permission denial on a document URL, roll-back, signature and
export; on stderr and, with SECURITY_LOG_FILE, in a file."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from allauth.account.app_settings import RATE_LIMITS
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.urls import reverse

from appraisals import services as appraisal_services
from org.models import Cycle, DepartmentRole
from tests.appraisals.helpers import hr_focal_point, make_document_at
from tests.factories import CycleFactory, DepartmentRoleFactory, StaffMemberFactory, UserFactory
from tests.workplans.helpers import fro_of, make_complete_work_plan, sro_of
from workplans import services as workplan_services

from .helpers import enrol_totp, post_code

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_every_event_is_one_json_object_with_a_utc_time(client, security_log):
    user = UserFactory()
    login(client, user.email)
    (event,) = security_log()
    at = datetime.datetime.fromisoformat(event["at"])
    assert at.utcoffset() == datetime.timedelta(0)
    assert abs(datetime.datetime.now(datetime.UTC) - at) < datetime.timedelta(minutes=1)


def test_a_sign_in_is_logged(client, security_log):
    user = UserFactory()
    login(client, user.email, REMOTE_ADDR="10.1.2.3")
    assert [{k: v for k, v in e.items() if k != "at"} for e in security_log()] == [
        {"event": "login", "user": user.pk, "ip": "10.1.2.3", "method": "password"}
    ]


def test_a_failed_sign_in_is_logged_without_the_password(client, security_log):
    UserFactory(email="amina.diallo@example.org")
    login(client, "Amina.Diallo@example.org", "Wrong-Secret-42", REMOTE_ADDR="10.1.2.3")
    (event,) = security_log()
    assert (event["event"], event["login"], event["ip"]) == (
        "login_failed",
        "amina.diallo@example.org",
        "10.1.2.3",
    )
    assert "Wrong-Secret-42" not in json.dumps(security_log())


def test_a_sign_in_refused_by_the_rate_limit_is_logged(client, security_log):
    user = UserFactory()
    (per_account,) = [r for r in parse_rates(RATE_LIMITS["login_failed"]) if r.per == "key"]
    for _ in range(per_account.amount):
        login(client, user.email, "wrong-guess")
    login(client, user.email)
    assert [e["event"] for e in security_log()] == ["login_failed"] * per_account.amount + [
        "login_throttled"
    ]
    assert security_log("login_throttled")[0]["login"] == user.email


def test_a_wrong_second_factor_is_logged(client, security_log):
    user = UserFactory()
    secret = enrol_totp(user)
    login(client, user.email)
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert [(e["event"], e["user"], e["type"]) for e in security_log("mfa_failed")] == [
        ("mfa_failed", user.pk, "totp")
    ]
    assert not security_log("login")
    post_code(client, reverse("mfa_authenticate"), secret)
    assert [e["user"] for e in security_log("login")] == [user.pk]


def test_mfa_enrolment_is_logged(client, security_log, django_capture_on_commit_callbacks):
    user = UserFactory()
    login(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    with django_capture_on_commit_callbacks(execute=True):
        post_code(client, reverse("mfa_activate_totp"), client.session["mfa.totp.secret"])
    assert sorted((e["user"], e["type"]) for e in security_log("mfa_enrolled")) == [
        (user.pk, "recovery_codes"),
        (user.pk, "totp"),
    ]


def test_a_document_the_user_may_not_see_is_logged_as_denied(client, security_log):
    document = make_complete_work_plan()
    stranger = StaffMemberFactory().user
    client.force_login(stranger)
    url = reverse("workplans:document", args=[document.pk])
    assert client.get(url).status_code == 404
    (event,) = security_log("permission_denied")
    assert {k: event[k] for k in ("user", "path", "status", "view", "method")} == {
        "user": stranger.pk,
        "path": url,
        "status": 404,
        "view": "workplans:document",
        "method": "GET",
    }


def test_an_action_the_user_may_not_take_is_logged_as_denied(client, security_log):
    document = make_complete_work_plan()
    fro = fro_of(document)
    client.force_login(fro)
    url = reverse("workplans:edit", args=[document.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert [(e["user"], e["path"], e["status"]) for e in security_log("permission_denied")] == [
        (fro.pk, url, 403)
    ]


def test_only_denials_on_object_urls_to_signed_in_users_are_logged(client, security_log):
    document = make_complete_work_plan()
    url = reverse("workplans:document", args=[document.pk])
    client.get(url)  # anonymous: sent to the login page
    client.force_login(document.staff.user)
    assert client.get(url).status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    no_such_action = reverse("workplans:transition", args=[document.pk, "fly"])
    assert client.post(no_such_action).status_code == 404
    assert [(e["path"], e["method"]) for e in security_log("permission_denied")] == [
        (no_such_action, "POST")
    ]


def test_signatures_are_logged(security_log):
    document = make_complete_work_plan()
    staff, fro = document.staff.user, fro_of(document)
    workplan_services.submit_work_plan(work_plan=document, actor=staff)
    workplan_services.approve_work_plan(work_plan=document, actor=fro)
    signatures = document.signatures.order_by("pk")
    assert [
        (e["user"], e["document"], e["stage"], e["action"], e["role"], e["content_hash"])
        for e in security_log("signature")
    ] == [(s.signer_id, document.pk, s.stage, s.action, s.role, s.content_hash) for s in signatures]
    assert [e["user"] for e in security_log("signature")] == [staff.pk, fro.pk]


def test_a_roll_back_is_logged(security_log):
    document = make_document_at("acknowledgement")
    hr, sro = hr_focal_point(document), sro_of(document)
    appraisal_services.roll_back_document(
        document=document,
        actor=hr,
        requested_by=sro,
        reason="Written request of 2 May.",
        target_stage="fro_evaluation",
    )
    assert [
        (e["user"], e["document"], e["target"], e["requested_by"]) for e in security_log("rollback")
    ] == [(hr.pk, document.pk, "fro_evaluation", sro.pk)]


def run_logging_process(extra_env: dict) -> subprocess.CompletedProcess:
    """A fresh Python process with the project's LOGGING that logs one event and one ordinary
    message."""
    script = (
        "import django, logging; django.setup(); "
        "from pmsystem.security import log_event; "
        "log_event('login', user=7, ip='10.0.0.1'); "
        "logging.getLogger('org').warning('an ordinary message')"
    )
    env = {k: v for k, v in os.environ.items() if k != "SECURITY_LOG_FILE"}
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "DJANGO_SETTINGS_MODULE": "pmsystem.settings", **extra_env},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )


@pytest.mark.subprocess
def test_the_log_is_json_lines_on_stderr_and_optionally_in_a_file(tmp_path):
    result = run_logging_process({})
    lines = result.stderr.splitlines()
    security = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(e["event"], e["user"], e["ip"]) for e in security] == [("login", 7, "10.0.0.1")]
    # Written once, as bare JSON: the general console handler leaves security events out.
    assert sum('"event": "login"' in line for line in lines) == 1
    assert any(line.endswith("WARNING org an ordinary message") for line in lines)

    log_file = tmp_path / "security.log"
    run_logging_process({"SECURITY_LOG_FILE": str(log_file)})
    (line,) = log_file.read_text().splitlines()
    assert json.loads(line)["event"] == "login"


def test_an_export_is_logged(client, security_log):
    cycle = CycleFactory(status=Cycle.Status.OPEN)
    staff = StaffMemberFactory()
    hr = DepartmentRoleFactory(
        entity=staff.unit.entity, role=DepartmentRole.Role.HR_FOCAL_POINT
    ).user
    enrol_totp(hr)
    client.force_login(hr)
    response = client.get(reverse("compliance:export", args=["people", "csv"]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    (event,) = security_log("export")
    assert (event["user"], event["view"], event["format"], event["cycle"]) == (
        hr.pk,
        "people",
        "csv",
        cycle.pk,
    )
