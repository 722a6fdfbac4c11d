"""Navigation for the base layout: only the entries the user's roles allow."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import User
from .permissions import REQUEST_FLAGS, request_flags


def _navigation(user: User) -> dict:
    """Everything the menu needs, from the flags the request reads once
    (`org.permissions.request_flags`), and the model-permission check of staff
    administrators."""
    flags = request_flags(user)
    holds_import = flags.get("holds_import", False)
    return {
        **{
            name: flags.get(name, None if name == "entity_id" else False)
            for name in REQUEST_FLAGS
            if name not in ("mfa_enrolled", "mfa_role", "holds_import")
        },
        "can_import": holds_import
        or user.is_superuser
        or (user.is_staff and user.has_perm("org.add_staffmember")),
        "admin": user.is_staff,
    }


def navigation(request: HttpRequest) -> dict:
    """Lazy: computed only when a template reads `nav`, once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {"nav": SimpleLazyObject(lambda: _navigation(user))}
