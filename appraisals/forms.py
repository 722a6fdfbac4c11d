"""Validation of what people type on end-of-cycle pages (rules live in the services)."""

from __future__ import annotations

from django import forms
from django.db.models import Case, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import User

from .models import ImprovementPlan, RollBack


def parse_rows(data, prefix: str, ids, *, with_rating: bool = False) -> dict:
    """Read `<prefix>-<id>-comment` (and `-rating`) fields for the given row ids.

    A rating that is not a number is reported, not guessed."""
    rows = {}
    for row_id in ids:
        comment = data.get(f"{prefix}-{row_id}-comment", "")
        if not with_rating:
            rows[row_id] = comment
            continue
        raw = data.get(f"{prefix}-{row_id}-rating", "")
        try:
            rating = int(raw) if raw else None
        except ValueError as exc:
            raise forms.ValidationError(gettext("A rating was not one of the choices.")) from exc
        rows[row_id] = (comment, rating)
    return rows


def parse_answers(data, question_ids) -> dict[int, str]:
    """Read the managerial-accountability answers (`accountability-<question id>`) sent for
    the given questions; a question not sent keeps its answer."""
    return {
        question_id: data[f"accountability-{question_id}"]
        for question_id in question_ids
        if f"accountability-{question_id}" in data
    }


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason"))


class RollBackForm(forms.Form):
    """Radio buttons, none chosen: HR picks the stage and the requester deliberately, one
    click each (issue 17: a roll-back in at most five clicks)."""

    target_stage = forms.ChoiceField(
        label=_("Return the document to"), choices=(), widget=forms.RadioSelect
    )
    requested_by = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Written request from"),
        widget=forms.RadioSelect,
        help_text=_("The FRO or SRO who asked for the correction in writing."),
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Reason (as given in the written request)"),
    )

    def __init__(self, *args, targets=(), officers=(), **kwargs):
        """`officers`: (user, "FRO"/"SRO") pairs who may have requested the roll-back."""
        super().__init__(*args, **kwargs)
        # No stage is preselected: the first one is the most sweeping roll-back.
        self.fields["target_stage"].choices = list(targets)
        labels = {user.pk: f"{user} ({role})" for user, role in officers}
        field = self.fields["requested_by"]
        # In the order given (the FRO, then the SRO).
        order = Case(*(When(pk=pk, then=i) for i, pk in enumerate(labels)), default=len(labels))
        field.queryset = User.objects.filter(pk__in=labels).order_by(order)
        field.label_from_instance = lambda user: labels.get(user.pk, str(user))

    def clean_target_stage(self) -> str:
        value = self.cleaned_data["target_stage"]
        if value not in RollBack.Stage.values:
            raise forms.ValidationError(gettext("Choose a stage."))
        return value


class ImprovementPlanForm(forms.Form):
    objectives = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Objectives"))
    support = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Support"),
        help_text=_("Training, coaching, other support."),
    )
    start = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label=_("Start")
    )
    end = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label=_("End")
    )
    review_every_days = forms.IntegerField(
        min_value=1,
        max_value=180,
        initial=30,
        required=False,
        label=_("Review meetings every (days)"),
        help_text=_("Each review meeting falls due this many days after the previous one."),
    )

    def clean_review_every_days(self) -> int:
        return self.cleaned_data["review_every_days"] or 30


class MeetingForm(forms.Form):
    held_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label=_("Date")
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Notes"))


class CloseImprovementPlanForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[c for c in ImprovementPlan.Outcome.choices if c[0]], label=_("Outcome")
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Comment")
    )
