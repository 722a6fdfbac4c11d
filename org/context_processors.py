"""Navigation for the base layout: only the entries the user's roles allow."""

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Cycle, StaffMember, User
from .permissions import roles_with
from .relations import current_department_roles, lines_in_effect

ENTITY_FLAGS = {
    "is_department_manager": "view_entity_documents",
    "can_see_compliance": "manage_entity_compliance",
    "can_view_roster": "view_entity_roster",
    "holds_import": "import_entity_staff",
}


def _navigation(user: User) -> dict:
    """Everything the menu needs in one query (and the model-permission check of staff
    administrators)."""
    lines = lines_in_effect().filter(cycle__status=Cycle.Status.OPEN)
    roles = current_department_roles().filter(user_id=OuterRef("pk"))
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            entity_id=Subquery(
                StaffMember.objects.filter(pk=OuterRef("pk")).values("unit__entity_id")[:1]
            ),
            is_staff_member=Exists(StaffMember.objects.filter(pk=OuterRef("pk"))),
            is_officer=Exists(lines.filter(fro_id=OuterRef("pk"))),
            is_sro=Exists(lines.filter(sro_id=OuterRef("pk"))),
            **{
                flag: Exists(roles.filter(role__in=roles_with(codename)))
                for flag, codename in ENTITY_FLAGS.items()
            },
        )
        .values("entity_id", "is_staff_member", "is_officer", "is_sro", *ENTITY_FLAGS)
        .get()
    )
    holds_import = flags.pop("holds_import")
    return {
        **flags,
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
