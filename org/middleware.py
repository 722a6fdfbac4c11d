"""Security middleware: session limits, enforced two-factor authentication, denial logging.

They come after the session, authentication, messages and allauth middleware in
settings.MIDDLEWARE. `SessionLimitsMiddleware` ends a session before any view runs, and
LoginRequiredMiddleware then sends the visitor to the login page.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext_lazy

from pmsystem.security import log_event

from .permissions import MFAStatus, mfa_status, request_flags

# {"user": pk, "start": sign-in time, "seen": last request}, seconds since the epoch.
SESSION_STAMP = "pmsystem.session"
# `seen` is rewritten at most this often (or a tenth of the idle timeout, if shorter), so an
# active user's session is not saved on every request: the idle timeout is exact to within
# `seen_resolution()` seconds.
SEEN_RESOLUTION_SECONDS = 60
# {"user": pk, "required": bool, "enrolled": bool, "at": time}: whether the signed-in user
# must have, and has, a TOTP authenticator. Only "required and enrolled" is reused from the
# session (no change of role can make that account miss a factor; enrolment changes only on
# the MFA pages, which drop the stamp); any other status is worked out again on every request,
# so a role that starts (by its date or an edit anywhere) asks for the factor at once.
MFA_STAMP = "pmsystem.mfa"

# Shown to the person signed out: `IDLE_MESSAGE % {"minutes": n}`, `ABSOLUTE_MESSAGE % {"hours": n}`
# (translated, with the plural the number needs); the other two are msgids, shown with gettext.
IDLE_MESSAGE = ngettext_lazy(
    "You were signed out after %(minutes)s minute without activity. Please sign in again.",
    "You were signed out after %(minutes)s minutes without activity. Please sign in again.",
    "minutes",
)
ABSOLUTE_MESSAGE = ngettext_lazy(
    "You were signed out: a session lasts at most %(hours)s hour. Please sign in again.",
    "You were signed out: a session lasts at most %(hours)s hours. Please sign in again.",
    "hours",
)
INACTIVE_MESSAGE = gettext_noop(
    "Your account is no longer active. Ask your HR focal point if this is a mistake."
)
MFA_MESSAGE = gettext_noop(
    "Your account must use two-factor authentication. Set up an authenticator app below to "
    "continue; until then only this page and signing out are available."
)
MFA_EMAIL_MESSAGE = gettext_noop(
    "Your account must use two-factor authentication, which can be set up once your email "
    "address is verified. Send yourself a verification link below and follow it; until then "
    "only these pages and signing out are available."
)

# Views an account without its required second factor may still reach: allauth's MFA pages
# (TOTP setup, recovery codes, reauthentication), confirming the password before setting up
# TOTP, signing out, and choosing the language those pages are in; and verifying the email
# address, which allauth requires before it enrols an authenticator.
MFA_EXEMPT_URL_NAMES = {
    "account_logout",
    "account_reauthenticate",
    "account_inactive",
    "language",
    "account_email",
    "account_email_verification_sent",
    "account_confirm_email",
}
MFA_EXEMPT_URL_PREFIX = "mfa_"


def _remember(request: HttpRequest, user, status: MFAStatus, now: int) -> None:
    request.session[MFA_STAMP] = {
        "user": user.pk,
        "required": status.required,
        "enrolled": status.enrolled,
        "at": now,
    }


def idle_timeout() -> float:
    """Seconds without a request after which a session ends (the setting is in minutes, and
    may be a fraction of one: the browser tests shorten it to seconds)."""
    return float(settings.SESSION_IDLE_TIMEOUT_MINUTES) * 60


def seen_resolution() -> float:
    return min(SEEN_RESOLUTION_SECONDS, idle_timeout() / 10)


def idle_seconds_left(request: HttpRequest) -> float | None:
    """Seconds before the session of `request` ends for want of activity (from the stamp the
    middleware keeps), or None without a signed-in user. The pages warn before then
    (static/js/session.js)."""
    stamp = request.session.get(SESSION_STAMP) if hasattr(request, "session") else None
    if not stamp or not request.user.is_authenticated or stamp.get("user") != request.user.pk:
        return None
    return max(0.0, idle_timeout() - (time.time() - stamp["seen"]))


def keep_alive(request: HttpRequest) -> float:
    """The signed-in person asked to stay signed in: their idle clock starts again now (the
    absolute lifetime still holds). Returns the seconds left."""
    stamp = request.session[SESSION_STAMP]
    request.session[SESSION_STAMP] = {**stamp, "seen": int(time.time())}
    return idle_timeout()


def stamp_session(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """At sign-in (Django's `user_logged_in`): when the session started, and the MFA status."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SESSION_STAMP] = {"user": user.pk, "start": now, "seen": now}
    status = mfa_status(user)
    if status.required and status.enrolled:
        _remember(request, user, status, now)


class SessionLimitsMiddleware:
    """Idle timeout, absolute lifetime, and deactivated accounts signed out.

    Rule: a session ends after `SESSION_IDLE_TIMEOUT_MINUTES` without a request or
    `SESSION_ABSOLUTE_TIMEOUT_HOURS` after sign-in, whichever comes first. Deactivating a user
    (User.is_active) or their staff profile (StaffMember.is_active) ends their sessions at
    their next request: the authentication backends (org.backends) no longer load them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.enforce(request)
        return self.get_response(request)

    def enforce(self, request: HttpRequest) -> None:
        session = request.session
        user = request.user
        if not user.is_authenticated:
            if SESSION_KEY in session:
                # The session names a user the backends refuse: deactivated (or deleted).
                log_event("session_ended", user=session[SESSION_KEY], reason="inactive")
                session.flush()
                messages.warning(request, gettext(INACTIVE_MESSAGE))
            return
        now = int(time.time())
        stamp = session.get(SESSION_STAMP)
        if not stamp or stamp.get("user") != user.pk:
            stamp = session[SESSION_STAMP] = {"user": user.pk, "start": now, "seen": now}
        if now - stamp["seen"] > idle_timeout():
            self.end(request, "idle", IDLE_MESSAGE)
        elif now - stamp["start"] > settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600:
            self.end(request, "absolute", ABSOLUTE_MESSAGE)
        elif now - stamp["seen"] >= seen_resolution():
            session[SESSION_STAMP] = {**stamp, "seen": now}

    @staticmethod
    def end(request: HttpRequest, reason: str, message) -> None:
        log_event("session_ended", user=request.user.pk, reason=reason)
        logout(request)
        messages.warning(
            request,
            message
            % {
                # A whole number (a fraction of a minute is for tests: said as one minute).
                "minutes": math.ceil(settings.SESSION_IDLE_TIMEOUT_MINUTES),
                "hours": settings.SESSION_ABSOLUTE_TIMEOUT_HOURS,
            },
        )


class UserLanguageMiddleware:
    """A signed-in user reads pages in the language of their profile (User.language).

    Until they choose one, LocaleMiddleware's choice stands: the language cookie (set by the
    language switch, also on the sign-in page), then the browser's preference."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class MFARequiredMiddleware:
    """Accounts that must use two-factor authentication reach only the MFA setup until they do.

    Rule: HODs, HR focal points, staff administrators and superusers (everyone, with
    `MFA_REQUIRED_FOR_ALL`) without a TOTP authenticator are sent to the TOTP activation page
    from every page except allauth's MFA pages, reauthentication, sign-out, email verification
    and static files; to the email addresses page first while an address of theirs is
    unverified, since allauth enrols no authenticator until it is (nobody is left stuck).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        if self.exempt(request):
            # Enrolment changes on these pages: work the status out again afterwards.
            request.session.pop(MFA_STAMP, None)
            return None
        if not self.status(request).missing:
            return None
        target, message = self.next_step(request.user)
        if request.method == "GET":
            messages.warning(request, gettext(message))
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    @staticmethod
    def status(request: HttpRequest) -> MFAStatus:
        user = request.user
        now = int(time.time())
        cached = request.session.get(MFA_STAMP)
        if cached and cached.get("user") == user.pk and cached["required"] and cached["enrolled"]:
            return MFAStatus(required=True, enrolled=True)
        status = mfa_status(user, flags=request_flags(user))
        if status.required and status.enrolled:
            _remember(request, user, status, now)
        else:
            request.session.pop(MFA_STAMP, None)
        return status

    @staticmethod
    def next_step(user) -> tuple[str, str]:
        """The page that moves the account towards enrolment, and the message that says so:
        the TOTP setup, or first verifying the email address when allauth would refuse the
        setup for an unverified one (it then shows the MFA overview, with no way forward)."""
        from allauth.mfa.internal.flows.add import validate_can_add_authenticator

        try:
            validate_can_add_authenticator(user)
        except ValidationError:
            return reverse("account_email"), MFA_EMAIL_MESSAGE
        return reverse("mfa_activate_totp"), MFA_MESSAGE

    @staticmethod
    def exempt(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        name = request.resolver_match.url_name if request.resolver_match else None
        return bool(name) and (
            name.startswith(MFA_EXEMPT_URL_PREFIX) or name in MFA_EXEMPT_URL_NAMES
        )
