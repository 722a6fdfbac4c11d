"""Validation of user input only; the rules are `training.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.forms import ImportForm as OrgImportForm
from org.models import Grade, OrgUnit

from .models import COURSE_FIELDS, Course
from .selectors import STATE_LABELS


class CourseForm(forms.ModelForm):
    grades = forms.MultipleChoiceField(
        label=_("Grades"),
        choices=Grade.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When the course is for staff of some grades."),
    )

    class Meta:
        model = Course
        fields = list(COURSE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, entity_ids: set[int] | None, **kwargs):
        """`entity_ids`: the entities the user keeps courses of (None: any, and the whole
        organisation)."""
        super().__init__(*args, **kwargs)
        entities = OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTITY, is_active=True)
        field = self.fields["entity"]
        if entity_ids is not None:
            field.queryset = entities.filter(pk__in=entity_ids)
            field.required = True
            field.empty_label = None
        else:
            field.queryset = entities
            field.empty_label = gettext("The whole organisation")


class RecordForm(forms.Form):
    person = forms.CharField(
        label=_("Index number or email"), max_length=254, help_text=_("Of the staff member.")
    )
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses


class ImportForm(OrgImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = gettext(
            "One or more .csv files, or .xlsx workbooks (the first sheet is read), as the "
            "learning system exports them."
        )


class PeopleFilterForm(forms.Form):
    """The drill-down's filters; a malformed value is a 404 (the view's), never a 500."""

    course = forms.IntegerField(required=False, min_value=1)
    state = forms.ChoiceField(
        required=False, choices=[("", "")] + [(k, v) for k, v in STATE_LABELS.items()]
    )
    q = forms.CharField(required=False, max_length=100)
