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
