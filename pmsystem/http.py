"""Ids that come from the client: a malformed one answers 404, never a server error.

Every id is a PostgreSQL bigint, 1 to 2**63 - 1. A path id goes through the `id` converter
(`<id:pk>` in every URLconf of the project; registered by `register_id_converter`, which
org's AppConfig calls); an id from the query string or a form through `id_param` or
`id_params`. Letters, nothing, a sign, a decimal point, zero, digits beyond the column (which
PostgreSQL would refuse with an error rather than find nothing) and characters that
`str.isdigit()` takes but `int()` does not ("²") are ids no row has: 404, as for an id that
does not exist.
"""

from __future__ import annotations

import re

from django.http import Http404, QueryDict
from django.urls import register_converter
from django.urls.converters import get_converters

ID_MAX = 2**63 - 1
# ASCII digits only: `\d` would take other scripts' digits, which int() reads as numbers.
ID_DIGITS = "[0-9]{1,19}"
_ID = re.compile(ID_DIGITS)


def parse_id(value: object) -> int | None:
    """The id `value` spells, or None when it spells none."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None


def id_param(data: QueryDict, name: str, *, required: bool = True) -> int | None:
    """The id sent as `name` in `request.GET` or `request.POST`. Absent or empty: None when
    not `required`, else 404; malformed: 404."""
    value = data.get(name, "")
    if value == "" and not required:
        return None
    number = parse_id(value)
    if number is None:
        raise Http404(f"No such {name}.")
    return number


def id_params(data: QueryDict, name: str) -> list[int]:
    """Every id sent as `name` (ticked boxes); 404 when one of them is malformed."""
    numbers = [parse_id(value) for value in data.getlist(name)]
    if None in numbers:
        raise Http404(f"No such {name}.")
    return numbers


class IdConverter:
    """`<id:pk>`: like `<int:pk>`, but an id beyond bigint does not match (404)."""

    regex = ID_DIGITS

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def register_id_converter() -> None:
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
