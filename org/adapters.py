"""allauth adapters: accounts come from HR, so nobody signs themselves up."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
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


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False
