"""Django admin for the organisation, shaped for an HR administrator."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from pmsystem.admin import ReadOnlyAdmin, service_checked_form

from . import services
from .models import (
    AccountabilityQuestion,
    BulkChange,
    Cycle,
    Delegation,
    DepartmentRole,
    Organisation,
    OrgUnit,
    RatingLevel,
    RatingScale,
    ReportingLine,
    StaffMember,
    User,
)


class StaffMemberInline(admin.StackedInline):
    model = StaffMember
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["unit"]
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "first_name", "last_name", "staff__index_number"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name", "language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [StaffMemberInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:  # the old address stops being a way in
            services.forget_old_addresses([obj.pk])

    def save_formset(self, request, form, formset, change) -> None:
        # The one inline is the staff record: saved as on its own page.
        for staff in formset.save(commit=False):
            services.save_staff_member(staff=staff, actor=request.user)
        formset.save_m2m()


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "entity", "head", "is_active"]
    list_filter = ["kind", "is_active", "entity"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "head"]
    readonly_fields = ["entity"]
    list_select_related = ["parent", "entity", "head"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = [
        "index_number",
        "name",
        "grade",
        "category",
        "gender",
        "unit",
        "entry_on_duty",
        "on_probation",
        "is_active",
    ]
    list_filter = [
        "is_active",
        "category",
        "grade",
        "gender",
        "contract_type",
        "on_probation",
        "unit__entity",
    ]
    search_fields = ["index_number", "user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]
    readonly_fields = ["category"]

    @admin.display(description=_("Name"))
    def name(self, obj: StaffMember) -> str:
        return obj.name

    def save_model(self, request, obj, form, change) -> None:
        services.save_staff_member(staff=obj, actor=request.user)


class RatingLevelInline(admin.TabularInline):
    model = RatingLevel
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["cycle", "kind"]
    list_filter = ["cycle", "kind"]
    inlines = [RatingLevelInline]


class AccountabilityQuestionInline(admin.TabularInline):
    model = AccountabilityQuestion
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    """The organisation's one row of settings: its policy profile."""

    list_display = ["__str__", "profile"]

    def has_add_permission(self, request):
        return not Organisation.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.save_organisation(settings_row=obj)


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "start",
        "end",
        "status",
        "workplan_due",
        "midpoint_required",
        "end_of_cycle_due",
    ]
    list_filter = ["status", "profile", "midpoint_required", "competency_framework"]
    search_fields = ["name"]
    inlines = [AccountabilityQuestionInline]


@admin.register(ReportingLine)
class ReportingLineAdmin(admin.ModelAdmin):
    list_display = ["staff", "cycle", "fro", "sro", "effective_from", "effective_to"]
    list_filter = ["cycle", "staff__unit__entity"]
    search_fields = [
        "staff__index_number",
        "staff__user__email",
        "staff__user__last_name",
        "fro__user__email",
        "fro__user__last_name",
        "sro__user__email",
        "sro__user__last_name",
    ]
    autocomplete_fields = ["staff", "fro", "sro"]
    list_select_related = ["staff__user", "fro__user", "sro__user", "cycle"]
    form = service_checked_form(services.reporting_line_refusal)

    def save_model(self, request, obj, form, change):
        services.save_reporting_line(line=obj)


@admin.register(DepartmentRole)
class DepartmentRoleAdmin(admin.ModelAdmin):
    list_display = ["entity", "role", "user", "start", "end"]
    list_filter = ["role", "entity"]
    search_fields = ["user__email", "user__last_name", "entity__code", "entity__name"]
    autocomplete_fields = ["entity", "user"]
    list_select_related = ["entity", "user"]

    def save_model(self, request, obj, form, change):
        services.save_department_role(department_role=obj)

    def delete_model(self, request, obj):
        services.end_department_role(department_role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.end_department_role(department_role=role)


def _delegation_refusal(delegation: Delegation) -> str | None:
    return services.delegation_refusal(
        principal=delegation.principal,
        acting=delegation.acting,
        role=delegation.role,
        start=delegation.start,
        end=delegation.end,
        delegation=delegation,
    )


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["principal", "acting", "role", "start", "end", "reason"]
    list_filter = ["role"]
    search_fields = [
        "principal__email",
        "acting__email",
        "principal__last_name",
        "acting__last_name",
    ]
    autocomplete_fields = ["principal", "acting"]
    list_select_related = ["principal", "acting"]
    form = service_checked_form(_delegation_refusal)

    def save_model(self, request, obj, form, change):
        services.save_delegation(delegation=obj)


@admin.register(BulkChange)
class BulkChangeAdmin(ReadOnlyAdmin):
    """HR's bulk changes are made and undone on their pages (`org.bulk`); here, the record."""

    list_display = ["created_at", "kind", "entity", "cycle", "count", "actor", "undone_at"]
    list_filter = ["kind", "cycle"]
    list_select_related = ["entity", "cycle", "actor"]
    date_hierarchy = "created_at"
