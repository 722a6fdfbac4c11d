from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmsystem.i18n import translated

from .selectors import ScaleTexts


class DraftForm(forms.Form):
    """The HOD's draft: an introduction, a text per level of the cycle's scales (field
    `level-<id>`), an attachment."""

    introduction = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the standards are for, or what changed since the last version."),
    )
    attachment = forms.FileField(
        label=_("Attachment (PDF or Word, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx"}),
    )
    remove_attachment = forms.BooleanField(label=_("Remove the attachment"), required=False)

    def __init__(self, *args: Any, scales: list[ScaleTexts], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scales = scales
        for scale in scales:
            for row in scale.rows:
                self.fields[f"level-{row.level.pk}"] = forms.CharField(
                    label=translated(row.level.label),
                    required=False,
                    initial=row.text,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )

    def level_fields(self) -> list[tuple[ScaleTexts, list[forms.BoundField]]]:
        return [
            (scale, [self[f"level-{row.level.pk}"] for row in scale.rows]) for scale in self.scales
        ]

    def texts(self) -> dict[int, str]:
        return {
            int(name.split("-", 1)[1]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("level-")
        }
