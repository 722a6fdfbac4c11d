"""Validation of what people type on rebuttal pages (rules live in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import User
from pmsystem.i18n import interpolate, translated

from .models import Group, RebuttalCase


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.png,.jpg,.jpeg"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class FileRebuttalForm(forms.Form):
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        label=_("Your rebuttal statement"),
        help_text=_(
            "Explain why the rating does not reflect your performance. Comments cannot be "
            "rebutted, only the overall rating."
        ),
    )
    attachments = MultipleFileField(
        required=False,
        label=_("Supporting documents"),
        help_text=_("PDF, Word (.docx) or images (PNG, JPEG); 10 MB each at most."),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label=_("Your reply"))


class ConflictForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("The conflict"))


class ReportForm(forms.Form):
    rating = forms.ModelChoiceField(queryset=None, label=_("The panel's rating"), empty_label=None)
    report = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), label=_("Report"))
    remove_overall = forms.BooleanField(
        required=False, label=_("Remove the FRO's overall comments")
    )

    def __init__(self, *args, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = levels
        # Seeded rating labels in the reader's language.
        self.fields["rating"].label_from_instance = lambda level: translated(level.label)


class RosterMemberForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    group = forms.ChoiceField(label=_("Group"), choices=Group.choices)

    def __init__(self, *args, groups=None, **kwargs):
        """`groups`: the groups the person may designate (the others are not offered)."""
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["group"].choices = [c for c in Group.choices if c[0] in groups]

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


class ConsultationForm(forms.Form):
    held_on = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label=_("Date")
    )
    participants = forms.CharField(
        max_length=300, label=_("Participants"), help_text=_("Who took part.")
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Note")
    )


class TrainingForm(forms.Form):
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label=_("Trained on")
    )


class MonitorFilter(forms.Form):
    entity = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("Entity"))
    state = forms.ChoiceField(
        required=False,
        label=_("State"),
        choices=[("", _("Any state")), *RebuttalCase.State.choices[1:]],
    )
    late = forms.BooleanField(required=False, label=_("Late only"))

    def __init__(self, *args, entities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [("", gettext("All my entities"))] + [
            (e.pk, e.code) for e in entities
        ]


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        label=_("Why unpublish the roster"),
        help_text=_("The other HR focal points are told, and the pages of waiting cases say so."),
    )
