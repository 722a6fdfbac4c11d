"""Authentication backends: Django's and allauth's, also refusing a deactivated staff profile.

`get_user` (run once per request by AuthenticationMiddleware) loads the staff profile and the
request's flags (`org.permissions.session_user`) in the same query, so a deactivated profile
ends the session at the next request at no extra cost: the user loads as anonymous and
`org.middleware.SessionLimitsMiddleware` ends the session.
"""

from __future__ import annotations

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from .permissions import session_user, staff_profile_active


class _StaffProfileMixin:
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and staff_profile_active(user)

    def get_user(self, user_id):
        user = session_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_StaffProfileMixin, django_backends.ModelBackend):
    pass


class AuthenticationBackend(_StaffProfileMixin, allauth_backends.AuthenticationBackend):
    pass
