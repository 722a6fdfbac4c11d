"""Validation of what people type on organisation pages."""

from __future__ import annotations

from django import forms

from .models import Delegation, User


class DelegationForm(forms.Form):
    role = forms.ChoiceField(label="Role to delegate")
    acting = forms.EmailField(label="Email of the acting officer")
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, required=False, help_text="E.g. annual leave.")

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Delegation.Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]

    def clean_acting(self) -> User:
        email = self.cleaned_data["acting"].strip().lower()
        try:
            return User.objects.get(email=email, is_active=True)
        except User.DoesNotExist as exc:
            raise forms.ValidationError(f"Nobody with the email {email} has an account.") from exc
