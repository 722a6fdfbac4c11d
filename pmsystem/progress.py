"""Done, due and overdue: the states of a dated obligation (a mandatory course of `training`, a
milestone of `schedules`), and their counts in the reports of both.

Each app decides when its obligation is in which state and how the states read (its own
labels); what they share is the three values, the order of the lists (overdue first) and the
arithmetic of a count.
"""

from __future__ import annotations

from collections import Counter

DONE, DUE, OVERDUE = "done", "due", "overdue"
# Lists show what is overdue first, then what is due, then what is done.
ORDER = {OVERDUE: 0, DUE: 1, DONE: 2}


class Tally:
    """Done, due and overdue out of a `counts` Counter keyed by state: a mixin for the
    dataclass of one line of a report, which declares `counts` as its own field."""

    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[DONE]

    @property
    def due(self) -> int:
        return self.counts[DUE]

    @property
    def overdue(self) -> int:
        return self.counts[OVERDUE]
