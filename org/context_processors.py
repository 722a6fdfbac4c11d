"""Navigation for the base layout: only the entries the user's roles allow."""

from django.http import HttpRequest

from .permissions import can_import, entities_where


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "can_import": can_import(user),
            "is_department_manager": entities_where(user, "view_entity_documents").exists(),
            "admin": user.is_staff,
        }
    }
