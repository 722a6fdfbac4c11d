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

from pmsystem.errors import ApplicationError

Guard = Callable[[Any], str | None]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    guard: Guard | None = None
    signs: bool = False


@dataclass
class Workflow:
    """The transitions of one kind of document, keyed by name."""

    document: str
    state_field: str
    states: dict[str, str]
    transitions: dict[str, Transition] = field(default_factory=dict)

    def __init__(
        self,
        *,
        document: str,
        state_field: str,
        states: dict[str, str],
        transitions: Iterable[Transition],
    ):
        self.document = document
        self.state_field = state_field
        self.states = states
        self.transitions = {}
        for t in transitions:
            if not t.roles:
                raise ValueError(f"{document}.{t.name}: every transition names who may take it")
            unknown = {*t.sources, t.target} - set(states)
            if unknown:
                raise ValueError(f"{document}.{t.name}: unknown states {sorted(unknown)}")
            self.transitions[t.name] = t

    def state_of(self, obj: Any) -> str:
        return getattr(obj, self.state_field)

    def refusal(self, obj: Any, name: str, roles: Iterable[str]) -> str | None:
        """Why `name` may not be taken now by someone holding `roles` (None when it may)."""
        transition = self.transitions[name]
        state = self.state_of(obj)
        if not transition.roles.intersection(roles):
            return f"You may not {_action_phrase(transition.label, self.document)}."
        if state not in transition.sources:
            # States are declared in the order a document goes through them: before every
            # source state the transition is "not yet" possible, after them "no longer".
            order = list(self.states)
            too_early = order.index(state) < min(order.index(s) for s in transition.sources)
            when = "cannot be {} yet" if too_early else "can no longer be {}"
            return (
                f"This {self.document} is {lower_first(self.states[state])}: it "
                f"{when.format(_past(transition.label))}."
            )
        if transition.guard is not None:
            return transition.guard(obj)
        return None

    def allowed(self, obj: Any, roles: Iterable[str]) -> list[Transition]:
        roles = set(roles)
        return [t for t in self.transitions.values() if self.refusal(obj, t.name, roles) is None]

    def check(self, obj: Any, name: str, roles: Iterable[str]) -> Transition:
        """Raise ApplicationError with the reason unless the transition may be taken now."""
        reason = self.refusal(obj, name, roles)
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
    comments'; 'SRO review' stays 'SRO review' (acronyms keep their capitals)."""
    first_word = text.split(" ", 1)[0]
    if len(first_word) > 1 and first_word.isupper():
        return text
    return text[:1].lower() + text[1:]


def _action_phrase(label: str, document: str) -> str:
    """'Approve work plan' on a work plan -> 'approve this work plan'. Only the document's own
    name takes 'this': 'Submit self-evaluation' and 'Start end-of-cycle evaluation' on an
    evaluation stay as they are."""
    words = lower_first(label).split(" ")
    name = document.split(" ")
    for i in range(1, len(words) - len(name) + 1):
        if words[i : i + len(name)] == name and "-" not in words[i - 1]:
            return " ".join([*words[:i], "this", *words[i:]])
    return " ".join(words)


def _past(label: str) -> str:
    """'Approve work plan' -> 'approved'; good enough for the refusal message."""
    verb = label.split()[0].lower()
    irregular = {
        "submit": "submitted",
        "start": "started",
        "sign": "signed",
        "return": "returned",
        "reply": "replied",
    }
    if verb in irregular:
        return irregular[verb]
    return verb + "d" if verb.endswith("e") else verb + "ed"
