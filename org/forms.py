"""Validation of what people type on organisation pages."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Delegation, User


class DelegationForm(forms.Form):
    role = forms.ChoiceField(label=_("Role to delegate"))
    acting = forms.EmailField(label=_("Email of the acting officer"))
    start = forms.DateField(
        label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("End"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, required=False, help_text=_("E.g. annual leave.")
    )

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Delegation.Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]

    def clean_acting(self) -> User:
        email = self.cleaned_data["acting"].strip().lower()
        try:
            return User.objects.get(email=email, is_active=True)
        except User.DoesNotExist as exc:
            raise forms.ValidationError(
                gettext("Nobody with the email %(email)s has an account.") % {"email": email}
            ) from exc


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files (Django's documented recipe for `multiple`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]


class ImportForm(forms.Form):
    IMPORTABLE_EXTENSIONS = (".csv", ".xlsx")

    files = MultipleFileField(
        label=_("Files"),
        help_text=_(
            "One or more .csv files (units, staff, reporting lines), or one .xlsx "
            "workbook with sheets named units, staff and lines."
        ),
    )
    validate_only = forms.BooleanField(
        required=False, label=_("Validate only: check every row and count, write nothing")
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        wrong = [f.name for f in files if not f.name.lower().endswith(self.IMPORTABLE_EXTENSIONS)]
        if wrong:
            raise forms.ValidationError(
                gettext("Only .csv and .xlsx files can be imported: %(files)s.")
                % {"files": ", ".join(wrong)}
            )
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        total = sum(f.size for f in files)
        if total > limit:
            raise forms.ValidationError(
                gettext("The upload is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(total), "limit": filesizeformat(limit)}
            )
        return files


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Choose one of the languages offered.")},
    )


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    """The new password typed after following the emailed reset link
    (settings.ACCOUNT_FORMS["reset_password_from_key"]): saving it also marks the address the
    link went to as verified (org.services.verify_email_by_password_reset)."""

    def save(self) -> None:
        from .services import verify_email_by_password_reset

        super().save()
        verify_email_by_password_reset(user=self.user)
