"""The ratings standards: every state and transition, declared once.

draft → published → superseded. Roles: `hod` (the entity's HOD today, or the acting HOD while
a delegation from a current HOD holds: `org.permissions.hod_entity_ids`). Publishing a new
version supersedes the one in force in the same transaction (`standards.services`). A closed
cycle is read-only.
"""

from __future__ import annotations

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from org.models import Cycle, RatingLevel, RatingScale
from pmsystem.i18n import interpolate, translated
from pmsystem.workflow import Transition, Workflow

from .models import RatingsStandard

S = RatingsStandard.State


def closed_refusal(standard: RatingsStandard) -> str | None:
    """Rule (docs/rules.md section 3): a closed cycle is read-only everywhere."""
    if standard.cycle.status == Cycle.Status.CLOSED:
        return interpolate(
            gettext("The cycle %(cycle)s is closed: its ratings standards no longer change."),
            {"cycle": standard.cycle.name},
        )
    return None


def publish_refusal(standard: RatingsStandard) -> str | None:
    """Rule (docs/rules.md section 10): the standards say what each overall rating means, so
    every level of the cycle's overall scale has its text before they are published."""
    written = set(standard.texts.exclude(text="").values_list("level_id", flat=True))
    missing = [
        level.label
        for level in RatingLevel.objects.filter(
            scale__cycle_id=standard.cycle_id, scale__kind=RatingScale.Kind.OVERALL
        ).order_by("rank")
        if level.pk not in written
    ]
    if missing:
        return interpolate(
            gettext("Write what each overall rating means before publishing; missing: %(levels)s."),
            {"levels": ", ".join(translated(label) for label in missing)},
        )
    return None


STANDARD = Workflow(
    document="ratings_standards",
    state_field="state",
    states=dict(S.choices),
    too_early=_("These ratings standards are %(state)s: they cannot be %(past)s yet."),
    too_late=_("These ratings standards are %(state)s: they can no longer be %(past)s."),
    closed=closed_refusal,
    transitions=[
        Transition(
            "publish",
            _("Publish the ratings standards"),
            (S.DRAFT,),
            S.PUBLISHED,
            frozenset({"hod"}),
            guard=publish_refusal,
            action=_("publish these ratings standards"),
            past=pgettext_lazy("ratings standards", "published"),
        ),
        Transition(
            "supersede",
            _("Supersede the ratings standards"),
            (S.PUBLISHED,),
            S.SUPERSEDED,
            frozenset({"hod"}),
            action=_("replace these ratings standards"),
            past=pgettext_lazy("ratings standards", "superseded"),
        ),
    ],
)
