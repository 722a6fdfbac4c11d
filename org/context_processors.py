"""Navigation for the base layout: only the entries the user's roles allow."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import ReportingLine, StaffMember
from .permissions import can_import, entities_where


def _navigation(user) -> dict:
    staff = StaffMember.objects.filter(pk=user.pk).values("unit__entity_id").first()
    return {
        "can_import": can_import(user),
        "is_department_manager": entities_where(user, "view_entity_documents").exists(),
        "can_see_compliance": entities_where(user, "manage_entity_compliance").exists(),
        "can_view_roster": entities_where(user, "view_entity_roster").exists(),
        "is_staff_member": staff is not None,
        "entity_id": staff["unit__entity_id"] if staff else None,
        "is_officer": ReportingLine.objects.filter(
            fro_id=user.pk, effective_to__isnull=True, cycle__status="open"
        ).exists(),
        "is_sro": ReportingLine.objects.filter(
            sro_id=user.pk, effective_to__isnull=True, cycle__status="open"
        ).exists(),
        "admin": user.is_staff,
    }


def navigation(request: HttpRequest) -> dict:
    """Lazy: computed only when a template reads `nav` (a handful of queries, once)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {"nav": SimpleLazyObject(lambda: _navigation(user))}
