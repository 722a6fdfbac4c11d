"""A small declarative state machine, used by every document in the project.

Each document declares its transitions once, in its app's `workflow.py`: name, source
states, target state, the roles that may perform it and a guard. `allowed` answers
"which transitions may someone holding these roles take now", and `check` says why not.
Nothing else assigns a document's state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from pmsystem.errors import ApplicationError
from pmsystem.i18n import interpolate

Guard = Callable[[Any], str | None]


@dataclass(frozen=True)
class Transition:
    """One transition. `label` names it on buttons and the timeline ("Approve work plan");
    `action` is what a refusal says one may not do ("approve this work plan") and `past` what
    a document "can no longer be" ("approved"). All three are translatable (gettext_lazy), so
    each language words them itself instead of having them assembled from English words."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    guard: Guard | None = None
    signs: bool = False
    action: str = ""
    past: str = ""


@dataclass
class Workflow:
    """The transitions of one kind of document, keyed by name. `too_early` and `too_late`
    are the refusals for a transition tried before or after its source states, with the
    placeholders %(state)s (the document's state, as in a sentence) and %(past)s."""

    document: str
    state_field: str
    states: dict[str, str]
    too_early: str
    too_late: str
    transitions: dict[str, Transition] = field(default_factory=dict)
    closed: Guard | None = None

    def __init__(
        self,
        *,
        document: str,
        state_field: str,
        states: dict[str, str],
        too_early: str,
        too_late: str,
        transitions: Iterable[Transition],
        closed: Guard | None = None,
    ):
        self.document = document
        self.state_field = state_field
        self.states = states
        self.too_early = too_early
        self.too_late = too_late
        # Why no transition may be taken at all now (a closed cycle), or None.
        self.closed = closed
        self.transitions = {}
        for t in transitions:
            if not t.roles:
                raise ValueError(f"{document}.{t.name}: every transition names who may take it")
            if not (t.action and t.past):
                raise ValueError(f"{document}.{t.name}: every transition words its refusals")
            unknown = {*t.sources, t.target} - set(states)
            if unknown:
                raise ValueError(f"{document}.{t.name}: unknown states {sorted(unknown)}")
            self.transitions[t.name] = t

    def state_of(self, obj: Any) -> str:
        state: str = getattr(obj, self.state_field)
        return state

    def refusal(
        self, obj: Any, name: str, roles: Iterable[str], conflicts: dict[str, str] | None = None
    ) -> str | None:
        """Why `name` may not be taken now by someone holding `roles` (None when it may).
        `conflicts` are the roles the conflict-of-interest rule took from them, with why."""
        transition = self.transitions[name]
        state = self.state_of(obj)
        if not transition.roles.intersection(roles):
            for role in sorted(transition.roles.intersection(conflicts or {})):
                return (conflicts or {})[role]
            return interpolate(gettext("You may not %(action)s."), {"action": transition.action})
        if state not in transition.sources:
            # States are declared in the order a document goes through them: before every
            # source state the transition is "not yet" possible, after them "no longer".
            order = list(self.states)
            too_early = order.index(state) < min(order.index(s) for s in transition.sources)
            message = self.too_early if too_early else self.too_late
            return str(message) % {
                "state": lower_first(str(self.states[state])),
                "past": transition.past,
            }
        if self.closed is not None:
            closed = self.closed(obj)
            if closed:
                return closed
        if transition.guard is not None:
            return transition.guard(obj)
        return None

    def allowed(self, obj: Any, roles: Iterable[str]) -> list[Transition]:
        roles = set(roles)
        return [t for t in self.transitions.values() if self.refusal(obj, t.name, roles) is None]

    def check(self, obj: Any, name: str, roles: Iterable[str]) -> Transition:
        """Raise ApplicationError with the reason unless the transition may be taken now.
        `roles` may be a `workplans.conflicts.Relations`: a role the conflict rule took away
        is refused with its reason."""
        reason = self.refusal(obj, name, roles, getattr(roles, "conflicts", None))
        if reason:
            raise ApplicationError(reason)
        return self.transitions[name]

    def apply(self, obj: Any, name: str, roles: Iterable[str]) -> Transition:
        """Check, then move `obj` to the target state (the caller saves)."""
        transition = self.check(obj, name, roles)
        setattr(obj, self.state_field, transition.target)
        return transition


def lower_first(text: str) -> str:
    """A state label inside a sentence: 'Awaiting the FRO's comments' -> 'awaiting the FRO's
    comments'; 'SRO review' stays 'SRO review' (acronyms keep their capitals). Works for
    French labels alike ('Évaluation par le PN' -> 'évaluation par le PN')."""
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word.isupper():
        return text
    return text[:1].lower() + text[1:]
