"""The one registry through which an app contributes to the apps below it.

An earlier stage never imports a later one; a later stage plugs into it here, by explicit
calls in its `AppConfig.ready` (no import-by-name loops, no signals):

- `register_pending(module)`: a `pending` module (`pmsystem.pending`): what waits for whom, by
  when; `compliance.reminders` sweeps every registered one and My tasks lists them.
- `register_evaluation_extra(function)`: `function(document) -> dict` adds what a later stage
  shows on the evaluation page (the rebuttals app: the document's rebuttal case).
- `register_evaluation_section(function)`: `function(document, reader, roles) -> str` adds a
  section of HTML (empty for none) that a later stage shows on the evaluation page to this
  reader, given their relations to the document (the feedback app: a manager's upward
  feedback, for their FRO and SRO).
- `register_pdf_section(function)`: the same for the document's PDF (`function(document,
  reader, roles) -> str`: HTML for the PDF of the reader who downloads it).
- `register_team_extra(function)`: `function(document ids) -> {document id: dict}` adds what a
  later stage shows on each row of My team (the appraisals app: the open PIP), in a fixed
  number of queries whatever the team's size.
- `register_signature_check(function)`: `function() -> (count, [problem])` re-verifies what a
  later stage has signed outside the documents' signatures (the feedback app: colleagues'
  answers), for `manage.py verify_signatures`.
- `register_request_flag(name, build)`: `build(on) -> expression` on a query of users (the
  user as `OuterRef("pk")`), a fact about the user on day `on` that the signed-in user's one
  query of each request reads with the others (`org.permissions.session_user`): a later stage
  tells by it whether a query of its own on the home page could find anything (the rebuttals
  app: a seat on a panel). It must hold whenever that query would find a row.
- `register_draft_form(form)`: a form of a document whose text is kept as a draft while it is
  typed (`pmsystem.drafts.DraftForm`: the fields it keeps and who may keep one, by the
  actions the app's own `allowed_actions` gives).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the document, for the annotations only (a later app plugs in here)
    from org.models import User
    from workplans.models import WorkPlan

    from .drafts import DraftForm

EvaluationExtra = Callable[["WorkPlan"], dict[str, Any]]
EvaluationSection = Callable[["WorkPlan", "User", frozenset[str]], str]
TeamExtra = Callable[[Collection[int]], dict[int, dict[str, Any]]]
SignatureCheck = Callable[[], tuple[int, list[str]]]
RequestFlag = Callable[[Any], Any]

_pending: list[ModuleType] = []
_evaluation_extras: list[EvaluationExtra] = []
_evaluation_sections: list[EvaluationSection] = []
_pdf_sections: list[EvaluationSection] = []
_team_extras: list[TeamExtra] = []
_team_staff_extras: list[TeamExtra] = []
_draft_forms: dict[str, DraftForm] = {}
_signature_checks: list[SignatureCheck] = []
_request_flags: dict[str, RequestFlag] = {}


def register_pending(module: ModuleType) -> None:
    if module not in _pending:
        _pending.append(module)


def pending_providers() -> tuple[ModuleType, ...]:
    return tuple(_pending)


def register_evaluation_extra(function: EvaluationExtra) -> None:
    if function not in _evaluation_extras:
        _evaluation_extras.append(function)


def evaluation_extras(document: WorkPlan) -> dict[str, Any]:
    """What the later stages add to the evaluation page of `document`."""
    extras: dict[str, Any] = {}
    for function in _evaluation_extras:
        extras.update(function(document))
    return extras


def register_evaluation_section(function: EvaluationSection) -> None:
    if function not in _evaluation_sections:
        _evaluation_sections.append(function)


def evaluation_sections(document: WorkPlan, reader: User, roles: frozenset[str]) -> list[str]:
    """The later stages' sections of the evaluation page of `document` for `reader`."""
    return [
        html for function in _evaluation_sections if (html := function(document, reader, roles))
    ]


def register_pdf_section(function: EvaluationSection) -> None:
    if function not in _pdf_sections:
        _pdf_sections.append(function)


def pdf_sections(document: WorkPlan, reader: User, roles: frozenset[str]) -> list[str]:
    """The later stages' sections of the PDF of `document` downloaded by `reader`."""
    return [html for function in _pdf_sections if (html := function(document, reader, roles))]


def register_team_extra(function: TeamExtra) -> None:
    if function not in _team_extras:
        _team_extras.append(function)


def team_extras(document_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """What the later stages add to the My team row of each document of `document_ids`."""
    extras: dict[int, dict[str, Any]] = {pk: {} for pk in document_ids}
    for function in _team_extras:
        for pk, values in function(document_ids).items():
            extras.setdefault(pk, {}).update(values)
    return extras


def register_team_staff_extra(function: TeamExtra) -> None:
    if function not in _team_staff_extras:
        _team_staff_extras.append(function)


def team_staff_extras(staff_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """What the later stages add to the My team row of each staff member of `staff_ids`."""
    extras: dict[int, dict[str, Any]] = {pk: {} for pk in staff_ids}
    for function in _team_staff_extras:
        for pk, values in function(staff_ids).items():
            extras.setdefault(pk, {}).update(values)
    return extras


def register_signature_check(function: SignatureCheck) -> None:
    if function not in _signature_checks:
        _signature_checks.append(function)


def signature_checks() -> tuple[SignatureCheck, ...]:
    return tuple(_signature_checks)


def register_draft_form(form: DraftForm) -> None:
    if _draft_forms.get(form.key, form) is not form:
        raise ValueError(f"draft form {form.key!r} is registered twice")
    _draft_forms[form.key] = form


def draft_form(key: str) -> DraftForm | None:
    """The registered form `key`, or None when no app declares it."""
    return _draft_forms.get(key)


def register_request_flag(name: str, build: RequestFlag) -> None:
    """Before the first request: the flags are compiled into one query once per process."""
    if _request_flags.get(name, build) is not build:
        raise ValueError(f"request flag {name!r} is registered twice")
    _request_flags[name] = build


def request_flags() -> dict[str, RequestFlag]:
    """The flags the later stages registered, by name."""
    return dict(_request_flags)
