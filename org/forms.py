"""Validation of what people type on organisation pages."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pmsystem.i18n import interpolate

from .bulk import Selection, changeable_cycles
from .models import Cycle, DeadlineExtension, Delegation, OrgUnit, StaffMember, User


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
                interpolate(
                    gettext("Nobody with the email %(email)s has an account."), {"email": email}
                )
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
                interpolate(
                    gettext("Only .csv and .xlsx files can be imported: %(files)s."),
                    {"files": ", ".join(wrong)},
                )
            )
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        total = sum(f.size for f in files)
        if total > limit:
            raise forms.ValidationError(
                interpolate(
                    gettext("The upload is %(size)s; the limit is %(limit)s."),
                    {"size": filesizeformat(total), "limit": filesizeformat(limit)},
                )
            )
        return files


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Choose one of the languages offered.")},
    )


class ProfileForm(forms.ModelForm):
    """A person's own choices: the language of their pages and emails, and how reminders
    reach them."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("The browser's language")), *settings.LANGUAGES],
        required=False,
        help_text=_("The language of your pages and emails."),
    )

    class Meta:
        model = User
        fields = ["language", "email_preference"]
        widgets = {"email_preference": forms.RadioSelect}


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    """The new password typed after following the emailed reset link
    (settings.ACCOUNT_FORMS["reset_password_from_key"]): saving it also marks the address the
    link went to as verified (org.services.verify_email_by_password_reset)."""

    def save(self) -> None:
        from .services import verify_email_by_password_reset

        super().save()
        verify_email_by_password_reset(user=self.user)


# --- HR's bulk work (org.bulk) -----------------------------------------------------------------


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _index_numbers(text: str) -> tuple[str, ...]:
    """Index numbers typed one per line, or separated by commas, semicolons or spaces."""
    for separator in ",;\t\r\n":
        text = text.replace(separator, " ")
    seen: dict[str, str] = {}
    for number in text.split():
        seen.setdefault(number.upper(), number)
    return tuple(seen.values())


class _BulkForm(forms.Form):
    """What every bulk form shares: the entity's units and cycles, staff by index number."""

    def __init__(self, *args, entity, **kwargs):
        super().__init__(*args, **kwargs)
        self.entity = entity
        cycles = changeable_cycles()
        self.fields["cycle"].queryset = cycles
        open_cycle = cycles.filter(status="open").first()
        if open_cycle is not None and "cycle" not in self.initial:
            self.initial["cycle"] = open_cycle.pk
        if "unit" in self.fields:
            self.fields["unit"].queryset = OrgUnit.objects.filter(
                entity=entity, is_active=True
            ).exclude(pk=entity.pk)

    def staff_member(self, name: str, *, active: bool = True):
        number = (self.cleaned_data.get(name) or "").strip()
        if not number:
            return None
        found = StaffMember.objects.filter(index_number__iexact=number).select_related("user")
        if active:
            found = found.filter(is_active=True)
        staff = found.first()
        if staff is None:
            self.add_error(
                name,
                interpolate(
                    gettext("No active staff member has the index number %(index)s."),
                    {"index": number},
                ),
            )
        return staff

    def selection(self, **officers):
        data = self.cleaned_data
        kind = data.get("kind")
        if kind == "unit" and not data.get("unit"):
            self.add_error("unit", gettext("Choose the unit."))
        people = _index_numbers(data.get("people") or "")
        if kind == "people" and not people:
            self.add_error("people", gettext("Type at least one index number."))
        return Selection(kind=kind, unit=data.get("unit"), people=people, **officers)


WHO_HELP = _("A division, section or unit includes the units below it.")


class ReassignForm(_BulkForm):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), label=_("Cycle"))
    kind = forms.ChoiceField(
        label=_("Whose reporting lines"),
        widget=forms.RadioSelect,
        initial="replace",
        choices=[
            ("replace", _("Everyone whose FRO or SRO is leaving: give them the successor")),
            ("unit", _("Everyone in a unit: give them a new FRO and/or SRO")),
            ("people", _("Named staff members: give them a new FRO and/or SRO")),
        ],
    )
    leaving = forms.CharField(
        label=_("Index number of the officer who leaves"), max_length=16, required=False
    )
    replacement = forms.CharField(
        label=_("Index number of the successor"), max_length=16, required=False
    )
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=_("Unit"), required=False, help_text=WHO_HELP
    )
    people = forms.CharField(
        label=_("Index numbers of the staff members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas."),
    )
    fro = forms.CharField(
        label=_("Index number of the new FRO"),
        max_length=16,
        required=False,
        help_text=_("Empty: each keeps their FRO."),
    )
    sro = forms.CharField(
        label=_("Index number of the new SRO"),
        max_length=16,
        required=False,
        help_text=_("Empty: each keeps their SRO."),
    )
    effective_from = forms.DateField(label=_("Effective from"), widget=_date_input())
    reason = forms.CharField(
        label=_("Hand-over note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Why the lines change and what the new officers pick up. Everyone affected reads it."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("effective_from", timezone.localdate())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "replace":
            for name in ("leaving", "replacement"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, gettext("Required."))
            leaving = self.staff_member("leaving", active=False)
            replacement = self.staff_member("replacement")
            data["selection"] = self.selection(leaving=leaving, replacement=replacement)
        elif kind:
            fro, sro = self.staff_member("fro"), self.staff_member("sro")
            if not (data.get("fro") or data.get("sro")):
                self.add_error("fro", gettext("Name the new FRO, the new SRO, or both."))
            data["selection"] = self.selection(fro=fro, sro=sro)
        return data


class ExtendForm(_BulkForm):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), label=_("Cycle"))
    deadline = forms.ChoiceField(label=_("Deadline"), choices=DeadlineExtension.Deadline.choices)
    due = forms.DateField(label=_("New due date"), widget=_date_input())
    kind = forms.ChoiceField(
        label=_("For whom"),
        widget=forms.RadioSelect,
        initial="entity",
        choices=[
            ("entity", _("Everyone in the department/office/mission")),
            ("unit", _("Everyone in a unit")),
            ("people", _("Named staff members")),
        ],
    )
    unit = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=_("Unit"), required=False, help_text=WHO_HELP
    )
    people = forms.CharField(
        label=_("Index numbers of the staff members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, or separated by commas."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The staff members concerned read it in their email."),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind"):
            data["selection"] = self.selection()
        return data


class LaunchForm(_BulkForm):
    cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.none(),
        label=_("Cycle to launch"),
        help_text=_("Each staff member's last reporting line of the cycle before it is copied."),
    )
    reason = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept on the record."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        planned = self.fields["cycle"].queryset.filter(status="planned").first()
        if planned is not None and not self.is_bound:
            self.initial["cycle"] = planned.pk
