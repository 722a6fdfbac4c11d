"""The report filters of the query string: cycle, entity, unit, category, and on the people
list a stage and a status (both, or neither). Only types are checked here;
`dashboard.resolve_scope` checks the ids against what the user holds (404 outside it). The
department follow-up's filters (django-filter) offer only what the user follows."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import Category, Cycle, OrgUnit
from pmsystem.http import ID_MAX
from workplans.models import WorkPlan

from .dashboard import STAGE_LABELS, STATUS_LABELS
from .follow_up import KINDS


class ReportFilterForm(forms.Form):
    cycle = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    entity = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    unit = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    category = forms.ChoiceField(
        required=False, choices=[("", _("All categories")), *Category.choices]
    )


class PeopleFilterForm(ReportFilterForm):
    stage = forms.ChoiceField(
        required=False,
        choices=[("", _("Any stage"))]
        + [(k, v) for k, v in STAGE_LABELS.items() if k != "completed"],
    )
    status = forms.ChoiceField(required=False, choices=[("", _("Any")), *STATUS_LABELS.items()])


class FollowUpFilter(django_filters.FilterSet):
    """The department follow-up's filters, on the documents of the user's entities. Every
    choice is limited to what the user follows: an id outside it (or a malformed one) makes
    the form invalid, which the view answers with 404."""

    cycle = django_filters.ModelChoiceFilter(
        queryset=Cycle.objects.order_by("-start"), label=_("Cycle"), empty_label=_("All cycles")
    )
    entity = django_filters.ModelChoiceFilter(
        field_name="staff__unit__entity",
        queryset=OrgUnit.objects.none(),
        label=_("Department, office or mission"),
        empty_label=_("All my entities"),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.none(),
        method="in_unit",
        label=_("Unit (and the units below it)"),
        empty_label=_("All units"),
    )
    category = django_filters.ChoiceFilter(
        field_name="staff__category",
        choices=Category.choices,
        label=_("Staff category"),
        empty_label=_("All categories"),
    )
    name = django_filters.CharFilter(method="named", label=_("Name or index number"))
    show = django_filters.ChoiceFilter(
        choices=list(KINDS.items()),
        method="everything",
        label=_("Show"),
        empty_label=_("The four lists"),
    )

    class Meta:
        model = WorkPlan
        fields: list[str] = []

    def __init__(self, data=None, *args, entities, **kwargs):
        super().__init__(data, *args, **kwargs)
        ids = [entity.pk for entity in entities]
        self.filters["entity"].queryset = OrgUnit.objects.filter(pk__in=ids).order_by("code")
        self.filters["unit"].queryset = (
            OrgUnit.objects.filter(entity_id__in=ids)
            .exclude(kind=OrgUnit.Kind.ENTITY)
            .order_by("code")
        )

    def in_unit(self, queryset, name, value):
        from .selectors import unit_subtree_ids

        return queryset.filter(staff__unit_id__in=unit_subtree_ids(value))

    def named(self, queryset, name, value):
        words = value.strip()
        if not words:
            return queryset
        return queryset.filter(
            Q(staff__index_number__iexact=words)
            | Q(staff__user__last_name__icontains=words)
            | Q(staff__user__first_name__icontains=words)
        )

    def everything(self, queryset, name, value):
        """Which list the page shows: the view reads it, the documents stay as they are."""
        return queryset
