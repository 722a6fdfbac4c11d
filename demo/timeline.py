"""When the demo's documents built through the real services happened.

The services stamp what they write with the time they run (`auto_now`, `timezone.now()`), so
a document the seed takes from draft to acknowledgement in a second would have been drafted,
approved, reviewed and signed in that second, and its check-ins, PIP meetings or rebuttal
would seem to come before it existed. The seed instead tells a `Clock` when each step
happened (`clock.at(moment)` before the service call that takes it) and, once the documents
are built, `clock.apply(document_ids)` moves every timestamp those calls wrote to its step's
moment (keeping the milliseconds between the rows of one step, so their order holds). Moments
must increase from one step to the next and lie in the past.

What it moves: every date-time field of the rows of those documents listed in
`DOCUMENT_TIMESTAMPS` (the document, its goals and changes, supervisors, check-ins, mid-point
review, signatures, timeline, evaluation, comments, roll-backs, PIPs, rebuttal case, panel and
status-file record), written at or after the first step's call.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Collection

from django.apps import apps
from django.utils import timezone

# (app label, model, the lookup from the row to the document's id, date-time fields)
DOCUMENT_TIMESTAMPS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("workplans", "WorkPlan", "pk", ("created_at", "updated_at", "submitted_at", "approved_at")),
    ("workplans", "Goal", "work_plan_id", ("created_at",)),
    ("workplans", "GoalChange", "work_plan_id", ("changed_at",)),
    ("workplans", "AdditionalSupervisor", "work_plan_id", ("proposed_at", "answered_at")),
    ("workplans", "CheckIn", "work_plan_id", ("created_at",)),
    (
        "workplans",
        "MidpointReview",
        "work_plan_id",
        ("started_at", "staff_submitted_at", "finalised_at"),
    ),
    ("pmsystem", "Signature", "document_id", ("signed_at", "voided_at")),
    ("pmsystem", "DocumentEvent", "document_id", ("created_at",)),
    (
        "appraisals",
        "Appraisal",
        "document_id",
        ("started_at", "self_submitted_at", "fro_signed_at", "sro_signed_at", "acknowledged_at"),
    ),
    ("appraisals", "SupervisorComment", "appraisal__document_id", ("submitted_at",)),
    ("appraisals", "RollBack", "document_id", ("performed_at",)),
    ("appraisals", "ImprovementPlan", "document_id", ("opened_at", "closed_at")),
    (
        "rebuttals",
        "RebuttalCase",
        "document_id",
        ("filed_at", "hod_replied_at", "panel_constituted_at", "reported_at"),
    ),
    ("rebuttals", "PanelMember", "case__document_id", ("appointed_at", "excused_at")),
    ("rebuttals", "RebuttalAttachment", "case__document_id", ("uploaded_at",)),
    ("rebuttals", "StatusFileRecord", "case__document_id", ("forwarded_at",)),
]


class Clock:
    """The moments the seed's service calls stand for (see the module docstring)."""

    def __init__(self) -> None:
        self.marks: list[datetime.datetime] = []  # when each step's call started, really
        self.moments: list[datetime.datetime] = []  # when the step happened in the demo

    def at(self, moment: datetime.datetime) -> None:
        """The service calls from now until the next `at` took place at `moment`."""
        if self.moments and moment <= self.moments[-1]:
            moment = self.moments[-1] + datetime.timedelta(seconds=1)
        self.marks.append(timezone.now())
        self.moments.append(moment)

    def moved(self, value: datetime.datetime | None) -> datetime.datetime | None:
        """Where a timestamp written during the steps goes (None and earlier values stay)."""
        if value is None or not self.marks or value < self.marks[0]:
            return value
        step = bisect.bisect_right(self.marks, value) - 1
        return self.moments[step] + (value - self.marks[step])

    def apply(self, document_ids: Collection[int]) -> None:
        """Move every timestamp the steps wrote on these documents' rows."""
        if not self.marks or not document_ids:
            return
        for app_label, model_name, lookup, names in DOCUMENT_TIMESTAMPS:
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                continue
            fields = [name for name in names if any(f.name == name for f in model._meta.fields)]
            rows = model.objects.filter(**{f"{lookup}__in": list(document_ids)}).only("pk", *fields)
            changed = []
            for row in rows:
                moved = False
                for name in fields:
                    value = getattr(row, name)
                    new = self.moved(value)
                    if new != value:
                        setattr(row, name, new)
                        moved = True
                if moved:
                    changed.append(row)
            if changed:
                # A queryset update, never save(): auto_now fields would take the real time
                # again, and timeline events refuse to be saved twice.
                for row in changed:
                    model.objects.filter(pk=row.pk).update(
                        **{name: getattr(row, name) for name in fields}
                    )
