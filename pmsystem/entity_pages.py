"""What the entity pages of the dated obligations (`training`, `schedules`) share: the entity
the user reports on, the drill-down's filters and the search of its people.

Not reporting on the entity answers 404, as for one that does not exist; so does a malformed
filter, never a server error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict

from org.models import OrgUnit, StaffMember

Row = TypeVar("Row")


def report_entity(entities: QuerySet[OrgUnit], entity_id: int) -> OrgUnit:
    """The entity `entity_id` among `entities` (those the user reports on), else 404."""
    entity = entities.filter(pk=entity_id).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


def cleaned_filters(form: forms.Form) -> dict[str, Any]:
    """The filters of a bound filter form; 404 when one is malformed."""
    if not form.is_valid():
        raise Http404("Unknown filter.")
    return form.cleaned_data


def matching_staff_ids(entity_id: int, text: str) -> set[int]:
    """The staff of the entity whose name contains `text`, or whose index number or email is
    `text` (one query)."""
    text = text.strip()
    return set(
        StaffMember.objects.filter(unit__entity_id=entity_id)
        .filter(
            Q(user__last_name__icontains=text)
            | Q(user__first_name__icontains=text)
            | Q(index_number__iexact=text)
            | Q(user__email__iexact=text)
        )
        .values_list("pk", flat=True)
    )


def narrowed(
    rows: list[Row],
    filters: Mapping[str, Any],
    *,
    entity_id: int,
    values: Mapping[str, Callable[[Row], object]],
    person: Callable[[Row], int],
) -> list[Row]:
    """The rows that match every filter set: each of `values` (filter name → the row's value)
    equal to the filter, and, for the search `q`, a person `matching_staff_ids` finds."""
    for name, value_of in values.items():
        if filters[name]:
            rows = [row for row in rows if value_of(row) == filters[name]]
    if filters["q"]:
        found = matching_staff_ids(entity_id, filters["q"])
        rows = [row for row in rows if person(row) in found]
    return rows


def filter_query(params: QueryDict, filters: Mapping[str, Any]) -> dict[str, str]:
    """The filters set in the query string, for the links that keep them (exports, pages)."""
    # `items()` gives the last value of each name, a string (the stubs say a list too).
    return {name: str(value) for name, value in params.items() if name in filters and value}
