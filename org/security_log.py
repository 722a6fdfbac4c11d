"""Receivers that write the security log (pmsystem.security) for sign-ins and MFA changes.

Connected in `OrgConfig.ready`. They only log: no business rule lives here.
"""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured

from pmsystem.security import log_event

LOGIN_FIELD_MAX = 254  # what is logged of a failed attempt's login (an email address)


def client_ip(request) -> str | None:
    """The client address the way allauth's rate limits count it (TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:  # fewer X-Forwarded-For entries than trusted proxies
        return request.META.get("REMOTE_ADDR")


def on_login(sender, request, user, **kwargs) -> None:
    sociallogin = kwargs.get("sociallogin")
    log_event(
        "login",
        user=user.pk,
        ip=client_ip(request),
        method=f"sso:{sociallogin.account.provider}" if sociallogin else "password",
    )


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    login = credentials.get("email") or credentials.get("username") or ""
    log_event(
        "login_failed",
        login=str(login).strip().lower()[:LOGIN_FIELD_MAX],
        ip=client_ip(request),
    )


def login_throttled(request, credentials: dict) -> None:
    """Called by the account adapter when a rate limit refuses an attempt."""
    login = credentials.get("email") or credentials.get("username") or ""
    log_event(
        "login_throttled",
        login=str(login).strip().lower()[:LOGIN_FIELD_MAX],
        ip=client_ip(request),
    )


def _authenticator_event(event: str):
    def receiver(sender, request, user, authenticator, **kwargs) -> None:
        log_event(event, user=user.pk, ip=client_ip(request), type=authenticator.type)

    receiver.__name__ = f"on_{event}"
    return receiver


on_mfa_enrolled = _authenticator_event("mfa_enrolled")
on_mfa_removed = _authenticator_event("mfa_removed")
on_mfa_reset = _authenticator_event("mfa_reset")
on_mfa_failed = _authenticator_event("mfa_failed")


def connect() -> None:
    from allauth.account.signals import user_logged_in as allauth_logged_in
    from allauth.mfa import signals as mfa
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    from .middleware import stamp_session

    allauth_logged_in.connect(on_login, dispatch_uid="pmsystem.security.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="pmsystem.security.login_failed")
    mfa.authenticator_added.connect(on_mfa_enrolled, dispatch_uid="pmsystem.security.mfa_added")
    mfa.authenticator_removed.connect(on_mfa_removed, dispatch_uid="pmsystem.security.mfa_removed")
    mfa.authenticator_reset.connect(on_mfa_reset, dispatch_uid="pmsystem.security.mfa_reset")
    mfa.authentication_failed.connect(on_mfa_failed, dispatch_uid="pmsystem.security.mfa_failed")
    # Not a log line: the session's sign-in time, which the absolute session limit counts from.
    user_logged_in.connect(stamp_session, dispatch_uid="pmsystem.session.stamp")
    # Not a log line either: an activated authenticator counts as a fresh authentication.
    from .adapters import record_activation

    mfa.authenticator_added.connect(record_activation, dispatch_uid="pmsystem.mfa.activation")
