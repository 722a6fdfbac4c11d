"""Validation of what people type on work-plan pages (rules live in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import User
from pmsystem.i18n import interpolate, translated

from .models import Competency, Goal

# A date input sends and expects ISO dates whatever the page's language.
DATE_INPUT = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.owner_unit.code}: {obj.title}"


class CompetencyChoiceField(forms.ModelMultipleChoiceField):
    """Catalogue entries by name, in the reader's language when it is a seeded name."""

    def label_from_instance(self, obj: Competency) -> str:
        return translated(obj.name)


class GoalForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, required=False, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    success_criteria = forms.CharField(
        label=_("Success criteria / measures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("How you and your FRO will know the goal is achieved."),
    )
    expected_date = forms.DateField(
        required=False, widget=forms.DateInput(**DATE_INPUT), label=_("Expected by")
    )
    weight = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label=_("Weight"),
        help_text=_("Optional; weights total 100."),
    )
    aligned_to = GoalChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        label=_("Aligned to"),
        empty_label=_("— not aligned —"),
        help_text=_("A goal of your unit or of the units above it."),
    )

    def __init__(self, *args, alignment_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if alignment_queryset is not None:
            self.fields["aligned_to"].queryset = alignment_queryset

    def clean(self):
        data = super().clean()
        filled = any(
            data.get(name)
            for name in ("title", "description", "success_criteria", "expected_date", "weight")
        )
        if filled and not (data.get("title") or "").strip():
            self.add_error("title", gettext("Give the goal a title (or clear the whole goal)."))
        return data

    @property
    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("title") or "").strip()


class DevelopmentGoalForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label=_("Development goal"))
    activities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Learning activities"),
    )
    target_date = forms.DateField(
        required=False, widget=forms.DateInput(**DATE_INPUT), label=_("Target date")
    )

    def clean(self):
        data = super().clean()
        if (data.get("activities") or data.get("target_date")) and not (
            data.get("title") or ""
        ).strip():
            self.add_error("title", gettext("Give the development goal a title."))
        return data


# A forged TOTAL_FORMS builds at most this many forms, then is a form error (Django's own cap
# is 2,000 forms: seconds of work for one request).
MAX_FORMS = 100
GoalFormSet = forms.formset_factory(
    GoalForm, extra=0, can_delete=True, max_num=MAX_FORMS, absolute_max=MAX_FORMS
)
DevelopmentGoalFormSet = forms.formset_factory(
    DevelopmentGoalForm, extra=0, max_num=MAX_FORMS, absolute_max=MAX_FORMS
)


class CompetencyForm(forms.Form):
    competencies = CompetencyChoiceField(
        queryset=Competency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Competencies chosen with your FRO"),
        help_text=_("Choose 3 to 5. The core values are always included."),
    )

    def __init__(self, *args, catalogue=None, **kwargs):
        super().__init__(*args, **kwargs)
        if catalogue is not None:
            self.fields["competencies"].queryset = catalogue


class ReturnForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What needs to change"),
    )


class ProposeSupervisorForm(forms.Form):
    email = forms.EmailField(label=_("Email of the additional supervisor"))

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        try:
            return User.objects.get(email=email, is_active=True)
        except User.DoesNotExist as exc:
            raise forms.ValidationError(
                interpolate(
                    gettext("Nobody with the email %(email)s has an account."), {"email": email}
                )
            ) from exc


class CheckInForm(forms.Form):
    held_on = forms.DateField(widget=forms.DateInput(**DATE_INPUT), label=_("Date"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Note"))


class MidpointForm(forms.Form):
    comments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, label=_("Your comments")
    )


class UnitGoalForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    success_criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Success criteria")
    )
    expected_date = forms.DateField(
        required=False, widget=forms.DateInput(**DATE_INPUT), label=_("Expected by")
    )
    aligned_to = GoalChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        label=_("Aligned to"),
        empty_label=_("— top-level goal —"),
    )

    def __init__(self, *args, alignment_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if alignment_queryset is not None:
            self.fields["aligned_to"].queryset = alignment_queryset
