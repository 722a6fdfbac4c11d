"""Two-factor helpers: an enrolled authenticator and the codes it shows."""

import time

import time_machine
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value


def enrol_totp(user) -> str:
    """Give `user` an authenticator app; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def post_code(client, url: str, secret: str, **data):
    """Type the authenticator's current code into `url`, the clock held still meanwhile."""
    with time_machine.travel(time.time(), tick=False):
        return client.post(url, {"code": totp_code(secret), **data})


def imported_hr_focal_point(email: str = "ann.one@example.org"):
    """An HR focal point as onboarding finds them: imported from HR's staff file (no password,
    no EmailAddress row; org.importer), then given the role on their department."""
    from org.importer import import_org
    from org.models import DepartmentRole, OrgUnit, User
    from tests.factories import CycleFactory, DepartmentRoleFactory

    CycleFactory(name="2026-27", start_year=2026)
    units = "unit_code,unit_name,kind,parent_code,head_index_number\nDEP,Department,entity,,\n"
    staff = (
        "index_number,first_name,last_name,email,grade,gender,unit_code,entry_on_duty,"
        f"contract_type,on_probation,active\nS1,Ann,One,{email},P-4,F,DEP,2015-01-01,,,\n"
    )
    result = import_org(files=[("units.csv", units.encode()), ("staff.csv", staff.encode())])
    assert result.ok, result.errors
    user = User.objects.get(email=email)
    DepartmentRoleFactory(
        user=user, entity=OrgUnit.objects.get(code="DEP"), role=DepartmentRole.Role.HR_FOCAL_POINT
    )
    return user
