"""allauth adapters: accounts come from HR, so nobody signs themselves up."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth.tokens import PasswordResetTokenGenerator as DjangoTokenGenerator
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's login rate limits; a refused attempt goes to the security log."""
        from .security_log import login_throttled

        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login_throttled(request, credentials)
            raise

    def pre_login(self, request, user, **kwargs):
        """A deactivated staff profile signs in no more than a deactivated user does."""
        from allauth.account.internal.stagekit import clear_login

        from .permissions import staff_profile_active

        if user.is_active and not staff_profile_active(user):
            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A person who proved who they are less than ACCOUNT_REAUTHENTICATION_TIMEOUT seconds
        ago in this session (signed in with their password, or just activated their
        authenticator app) is not asked for the password again. An HOD's or HR focal point's
        first sign-in, which must set up the app (org.middleware.MFARequiredMiddleware), then
        asks for the password once (issue 17); later, a change to the second factor asks for
        it again once the sign-in is that old."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        from allauth.account import app_settings
        from allauth.account.internal.flows.login import get_authentication_records
        from allauth.core import context

        request = context.request
        if request is None or not request.user.is_authenticated:
            return True
        records = get_authentication_records(request, request.user)
        if not records:
            return True
        return time.time() - records[-1]["at"] >= app_settings.REAUTHENTICATION_TIMEOUT


def record_activation(sender, request, user, authenticator, **kwargs) -> None:
    """Activating an authenticator app proves its code: the session records it as a fresh
    authentication, so the recovery codes shown next need no password
    (`AccountAdapter.is_reauthentication_required`)."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator

    if request is not None and authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, method="mfa", type="totp", id=authenticator.pk)


class PasswordResetTokenGenerator(DjangoTokenGenerator):
    """allauth's password-reset token (settings.ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR), minus
    its side effect.

    allauth's `EmailAwarePasswordResetTokenGenerator` stores the account's address as an
    unverified EmailAddress row while it makes a token, so anyone asking for a reset on an
    imported account (which has no row yet) left it with an unverified address, and allauth
    enrols no authenticator while one exists. This token is the same value, made by reading
    only: it still changes when the account's addresses do, so a link stops working then.
    """

    def _make_hash_value(self, user, timestamp) -> str:
        from allauth.account.models import EmailAddress

        emails = {user.email} if user.email else set()
        emails.update(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
        return super()._make_hash_value(user, timestamp) + "|".join(sorted(emails))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False
