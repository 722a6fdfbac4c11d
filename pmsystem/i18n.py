"""Text written once and read in each reader's language.

A timeline event is read long after it was written, by people who chose different
languages, and an email is rendered for each recipient. Such texts are stored as a *phrase*:
a JSON-able description of a translatable sentence, rendered when it is read.

    phrase(gettext_noop("%(name)s proposed as additional supervisor"), name=str(user))
    phrase(gettext_noop("Rolled back to %(stage)s"), stage=Stage.SRO_REVIEW.label)

The msgid is marked with `gettext_noop` (or `pgettext_lazy`/`gettext_lazy` for a ready-made
lazy string) so that makemessages finds it. Parameters may be plain values (shown as they
are), dates and datetimes (shown in the reader's SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT:
"7 Dec 2026", "7 déc. 2026"), lazy translatable strings such as
a choice's label (translated for the reader), or phrases themselves.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy

Phrase = dict[str, Any]

# The month abbreviations of the short dates (the "N" of SHORT_DATE_FORMAT, Django's own
# msgids), named here so that our catalogue keeps their French forms: CLDR's ("7 janv. 2027",
# "7 févr. 2027"), which our catalogue gives before Django's ("jan.", "fév.").
MONTH_ABBREVIATIONS = (
    pgettext_lazy("abbrev. month", "Jan."),
    pgettext_lazy("abbrev. month", "Feb."),
    pgettext_lazy("abbrev. month", "March"),
    pgettext_lazy("abbrev. month", "April"),
    pgettext_lazy("abbrev. month", "May"),
    pgettext_lazy("abbrev. month", "June"),
    pgettext_lazy("abbrev. month", "July"),
    pgettext_lazy("abbrev. month", "Aug."),
    pgettext_lazy("abbrev. month", "Sept."),
    pgettext_lazy("abbrev. month", "Oct."),
    pgettext_lazy("abbrev. month", "Nov."),
    pgettext_lazy("abbrev. month", "Dec."),
)


def phrase(msgid: str | Promise, /, **params: Any) -> Phrase:
    """A translatable sentence with its parameters, ready to store as JSON."""
    base = _lazy(msgid) if isinstance(msgid, Promise) else {"msgid": str(msgid)}
    if params:
        base["params"] = {key: _param(value) for key, value in params.items()}
    return base


def _lazy(value: Promise) -> Phrase:
    """The msgid (and context) behind a lazy gettext_lazy/pgettext_lazy string."""
    func, args = value.__reduce__()[1][:2]
    name = getattr(func, "__name__", "")
    if name == "gettext" and len(args) == 1:
        return {"msgid": args[0]}
    if name == "pgettext" and len(args) == 2:
        return {"msgid": args[1], "context": args[0]}
    raise TypeError(f"cannot store the lazy text {value!r} ({name}) as a phrase")


def _param(value: Any) -> Any:
    if isinstance(value, Promise):
        return _lazy(value)
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, dict) or value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def render(value: Phrase | str) -> str:
    """The phrase in the active language (a plain string is returned as it is)."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    if "date" in value:
        day = datetime.date.fromisoformat(value["date"])
        return formats.date_format(day, "SHORT_DATE_FORMAT")
    if "datetime" in value:
        moment = datetime.datetime.fromisoformat(value["datetime"])
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    context = value.get("context")
    text = pgettext(context, value["msgid"]) if context else gettext(value["msgid"])
    params = value.get("params")
    if params:
        text = interpolate(text, {key: render(param) for key, param in params.items()})
    return text


# French elides "de" and "que" before a vowel: "d'Adaeze", "qu'Ivan" (not before h or y, which
# names often aspirate: "de Hana", "de Yusuf").
_VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")


def elided(text: str, values: Iterable[Any]) -> str:
    """`text` with French elision where one of the `values` it was given follows "de" or
    "que" ("Plan de travail d'Adaeze Obi"), when the active language is French; otherwise as
    it is. Only those places change: the sentence's own words are already correct."""
    if not (translation.get_language() or "").startswith("fr"):
        return text
    for value in {str(v) for v in values}:
        if value[:1].lower() not in _VOWELS:
            continue
        text = re.sub(
            r"\b([dD]e|[qQ]ue) " + re.escape(value),
            lambda match, value=value: f"{match.group(1)[:-1]}'{value}",
            text,
        )
    return text


def interpolate(text: str, values: dict[str, Any]) -> str:
    """`text % values`, with French elision before the values (`elided`)."""
    return elided(text % values, values.values())


def render_in(value: Phrase | str, language: str) -> str:
    with translation.override(language):
        return render(value)


def language_of(user) -> str:
    """The language a user reads: their choice, else the site's default."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def data_label(value: str) -> Phrase:
    """A label stored as data (a rating level, a competency) as a phrase or a phrase's
    parameter: read in each reader's language as `translated` shows it."""
    return {"msgid": value}


def translated(value: str) -> str:
    """A label stored as data (rating levels, competencies, scales) in the reader's language,
    when it is one of the defaults the project seeds (marked with gettext_noop where they are
    seeded, so the catalogue has them); an organisation's own wording shows as it is."""
    return gettext(value) if value else value
