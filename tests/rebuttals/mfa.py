"""Two-factor authentication for the HODs and HR focal points of rebuttal tests.

`org.middleware.MFARequiredMiddleware` sends HODs, acting HODs and HR focal points without a
TOTP authenticator to the enrolment page. These tests act as such people, so they enrol them
the way allauth stores an enrolment; `totp_code` gives the code an authenticator app shows,
for journeys that sign in through the login form.
"""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from org.models import User


def enrol_totp(*users: User) -> dict[int, str]:
    """Give each user a TOTP authenticator; returns their secrets by user id."""
    secrets = {}
    for user in users:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        secrets[user.pk] = secret
    return secrets


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (RFC 6238)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))
