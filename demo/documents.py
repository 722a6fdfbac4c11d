"""Demo documents for `manage.py seed_demo`: unit work plans, and work plans, mid-point reviews
and end-of-cycle evaluations at every stage, on the organisation `demo.organisation` builds.

`manage.py seed_demo` calls `seed_documents` here. It works in two parts:

- In bulk, for (almost) everyone: the unit work plans (3-4 goals per entity; two or three per
  division, section and unit, each aligned to a goal of the level above) and one document per
  staff member and cycle. The closed cycle 2025-26 holds a completed document for everyone
  who was on duty; the open cycle 2026-27 spreads the documents over every stage
  (`CURRENT_STAGES`). Everything is planned in Python with a seeded `random.Random` and
  written with explicit primary keys, one COPY per table on PostgreSQL (`_Table`). The rows
  are what the services would have written: the same states and timeline events, timestamps
  in order along the cycle, and signatures whose content comes from the content functions the
  services sign with (`work_plan_content`, `STAGE_CONTENT`, `current_stage_content`), run on
  in-memory stand-ins (`_Related`) instead of querysets, hashed as `content_hash` does (the
  SHA-256 of `canonical_json`). Each document's stage is then set from the states written
  (`refresh_document_stages`, one statement); access follows from the relations by itself.
  Each document is drawn first, as a `DocumentPlan` (every decision, in a fixed order from
  the seeded random: `_Planner.plan`), then written (`_DocumentRows`, no random): tests
  spell out plans of their own and write them with `DocumentWriter` (tests/builders.py).
  On a cycle with managerial-accountability questions (ILO), each supervisor (FRO on a line
  in effect today: `supervises_in_cycle`) answers them with the submitted self-evaluation, and
  their FRO comments on the answers when signing the ratings; both are signed as the services
  sign them, their texts drawn from a random of their own (`ACCOUNTABILITY_SEED`).
- Through the real services (`workplans.services`, `appraisals.services`), the few documents
  that give each printed demo login something waiting (`_plan_waiting`, `_ThroughServices`).

Idempotent: nothing is added when the demo cycles already hold a document or a unit goal.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import accumulate
from operator import attrgetter
from types import SimpleNamespace
from typing import TypeVar

import orjson
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from django.utils.translation import gettext_noop

from appraisals import services
from appraisals.models import (
    AccountabilityAnswer,
    Appraisal,
    CompetencyAssessment,
    GoalAssessment,
    ImprovementPlan,
    ImprovementPlanMeeting,
    RollBack,
    SupervisorComment,
)
from appraisals.selectors import SIX_MONTHS, six_month_review_date
from appraisals.services import Assessment, refresh_document_stages
from appraisals.signing import STAGE_CONTENT, current_stage_content
from appraisals.workflow import APPRAISAL
from demo.organisation import DEMO_LOGINS, demo_cycles
from demo.timeline import Clock
from org.models import (
    AccountabilityQuestion,
    Cycle,
    Delegation,
    OrgUnit,
    RatingLevel,
    RatingScale,
    ReportingLine,
    StaffMember,
    User,
)
from org.relations import today
from pmsystem.dates import add_months
from pmsystem.db import analyze
from pmsystem.i18n import data_label, phrase, render_in
from pmsystem.models import DocumentEvent, Signature
from pmsystem.notifications import muted
from workplans import services as work_plan_services
from workplans.models import (
    AdditionalSupervisor,
    CheckIn,
    Competency,
    DevelopmentGoal,
    Goal,
    GoalChange,
    MidpointReview,
    WorkPlan,
)
from workplans.services import DevelopmentGoalInput, GoalInput
from workplans.signing import work_plan_content
from workplans.workflow import MIDPOINT, WORK_PLAN

from .texts import (
    ACCOUNTABILITY_ANSWERS,
    CHECK_IN_NOTES,
    DEVELOPMENT_GOALS,
    FINAL_COMMENTS,
    FRO_ACCOUNTABILITY,
    FRO_COMPETENCY,
    FRO_GOAL,
    FRO_OVERALL,
    GOAL_REVISION,
    LEADER_GRADES,
    MIDPOINT_CONCERN,
    MIDPOINT_FRO,
    MIDPOINT_STAFF,
    PIP_MEETINGS,
    PIP_MONTHLY_MEETINGS,
    PIP_OBJECTIVES,
    PIP_OUTCOME_COMMENTS,
    PIP_OUTCOMES,
    PIP_SUPPORT,
    RETURN_COMMENTS,
    SELF_COMPETENCY,
    SELF_GOAL,
    SELF_OVERALL,
    SRO_COMMENTS,
    SRO_RETURN,
    SUPERVISOR_COMMENTS,
    THEMES,
)

FLUSH_EVERY = 4000  # documents planned between two writes of every table
# The seed of the random that picks the managerial-accountability texts (ILO cycles): apart
# from the documents' own, so that the draws of every other document stay what they were.
ACCOUNTABILITY_SEED = 16

# Where the open cycle's documents stand, with weights: most of the organisation is around the
# mid-point, some are behind, some already through the end-of-cycle steps.
# fmt: off
CURRENT_STAGES = [
    ("none", 6), ("draft", 8), ("submitted", 6), ("returned", 3), ("approved", 10),
    ("changed", 4), ("midpoint_open", 7), ("midpoint_submitted", 7),
    ("midpoint_finalised", 14), ("self_assessment", 8), ("fro_evaluation", 7),
    ("sro_review", 5), ("acknowledgement", 5), ("completed", 10),
]
# fmt: on
STAGE_NAMES = [name for name, _ in CURRENT_STAGES]
# Staff who joined well into the cycle have only just started their work plan.
NEW_STAFF_STAGES = CURRENT_STAGES[:6]
NEW_STAFF_AFTER = datetime.timedelta(days=60)
EVALUATION_STAGES = STAGE_NAMES[STAGE_NAMES.index("self_assessment") :]
STATE_OF_STAGE = {
    "draft": WorkPlan.State.DRAFT,
    "submitted": WorkPlan.State.SUBMITTED,
    "returned": WorkPlan.State.RETURNED,
}
SENIOR_GRADES = {"P-4", "P-5", "D-1", "D-2", "ASG", "USG", "NO-D", "FS-7"}
MIDPOINT_STAGES = {
    "midpoint_open": MidpointReview.State.OPEN,
    "midpoint_submitted": MidpointReview.State.STAFF_SUBMITTED,
}
# Ratings are drawn as tiers, 1 (the best) to 4, and each takes the level of that rank on the
# cycle's scale, or the scale's lowest when it has fewer levels (`CycleView.level`): on the
# UN Secretariat's four-level scales a tier is a level, on the ILO's three levels tiers 3 and
# 4 are both "does not fully meet" (overall) or "partially met" (outputs, competencies).
# Overall: mostly the second tier ("successfully meets", "fully meets"), a few rebuttable.
OVERALL_WEIGHTS = [(1, 15), (2, 73), (3, 9), (4, 3)]
# The overall tiers the demo's story turns on: a rebuttable rating, and one that also calls
# for a performance improvement plan.
PARTIAL, FAILING = 3, 4
# Goal and competency tiers, by the overall tier.
COMPETENCY_WEIGHTS = {
    1: [(1, 45), (2, 55)],
    2: [(1, 8), (2, 86), (3, 6)],
    3: [(2, 45), (3, 55)],
    4: [(3, 70), (4, 30)],
}
GOAL_WEIGHTS = {
    1: [(1, 60), (2, 40)],
    2: [(1, 8), (2, 86), (3, 6)],
    3: [(2, 35), (3, 55), (4, 10)],
    4: [(3, 45), (4, 55)],
}

# --- in-memory stand-ins for the content functions ----------------------------------------


class _Related(list):
    """A list that answers the few queryset calls the signing content functions make, so the
    seed signs exactly what `work_plan_content` and `STAGE_CONTENT` would read from the
    database. A call the functions start making later fails loudly here, never silently."""

    def all(self) -> _Related:
        return self

    def filter(self, **conditions) -> _Related:
        rows = self
        for name, value in conditions.items():
            get = attrgetter(name)
            rows = [row for row in rows if get(row) == value]
        return _Related(rows)

    def order_by(self, name: str) -> _Related:
        return _Related(sorted(self, key=attrgetter(name)))

    def select_related(self, *names: str) -> _Related:
        return self

    def values_list(self, name: str, *, flat: bool) -> list:
        return [getattr(row, name) for row in self]


class GoalView:
    __slots__ = (
        "pk",
        "title",
        "description",
        "success_criteria",
        "expected_date",
        "weight",
        "aligned_to_id",
        "position",
        "is_current",
    )
    content = Goal.content

    def __init__(self, pk, title, description, success_criteria, expected_date, weight, aligned):
        self.pk = pk
        self.title = title
        self.description = description
        self.success_criteria = success_criteria
        self.expected_date = expected_date
        self.weight = weight
        self.aligned_to_id = aligned
        self.position = 0
        self.is_current = True


class DevelopmentView:
    __slots__ = ("title", "activities", "target_date")
    content = DevelopmentGoal.content

    def __init__(self, title, activities, target_date):
        self.title = title
        self.activities = activities
        self.target_date = target_date


class _MidpointView:
    __slots__ = ("staff_comments", "fro_comments")
    content = MidpointReview.content

    def __init__(self):
        self.staff_comments = ""
        self.fro_comments = ""


class _AssessmentView:
    """A goal or competency row of the evaluation."""

    __slots__ = ("pk", "goal_id", "competency_id", "label", "self_comment", "rating", "fro_comment")

    def __init__(self, pk, label, *, goal_id=None, competency_id=None):
        self.pk = pk
        self.goal_id = goal_id
        self.competency_id = competency_id
        self.label = label
        self.self_comment = ""
        self.rating = None
        self.fro_comment = ""


# Field types whose Python values the database drivers take as they are.
PLAIN_FIELDS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveSmallIntegerField",
    "TextField",
}


class _Json(str):
    """JSON text written as it is (the canonical JSON a signature hashed)."""


EMPTY_JSON = _Json("{}")


def _phrase(msgid: str, /, **params) -> _Json:
    """A timeline phrase (`pmsystem.i18n.phrase`) as the JSON text written in the event's
    data, where `record_event` keeps it, so each reader sees the demo's events in their
    language."""
    return _Json(json.dumps(phrase(msgid, **params), separators=(",", ":")))


# How many goals a save added or changed, worded as `workplans.services` words it (whole for
# one and for more).
ADDED = (gettext_noop("1 added"), gettext_noop("%(count)s added"))
CHANGED = (gettext_noop("1 changed"), gettext_noop("%(count)s changed"))
_COUNTED: dict[tuple[str, int], _Json] = {}


def _counted(msgid: str, detail: tuple[str, str] | None, count: int) -> _Json:
    """The phrase of a summary with a count, `%(count)s` in `msgid` or in its `%(detail)s`
    (one of ADDED, CHANGED), serialised once per message and count."""
    key = (msgid, count)
    if key not in _COUNTED:
        if detail is None:
            _COUNTED[key] = _phrase(msgid, count=count)
        else:
            one, many = detail
            counted = phrase(one) if count == 1 else phrase(many, count=count)
            _COUNTED[key] = _phrase(msgid, detail=counted)
    return _COUNTED[key]


def _rare(said: dict) -> tuple[str, _Json]:
    """The English text and the phrase JSON of an event too rare to be worth caching."""
    return render_in(said, "en"), _Json(json.dumps(said, separators=(",", ":")))


WORK_PLAN_CREATED = _phrase(gettext_noop("Work plan created"))
MIDPOINT_STARTED = _phrase(gettext_noop("Mid-point review started"))
SUPERVISOR_COMMENTS_ADDED = _phrase(gettext_noop("Additional supervisor's comments added"))


# --- bulk writing --------------------------------------------------------------------------


def _default(field: models.Field, now: datetime.datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    value = field.get_default()
    if value is None and not field.null:
        raise ValueError(f"{field.model.__name__}.{field.name} needs a value in the demo seed.")
    return value


def _json_text(value) -> str | None:
    if value is None or isinstance(value, _Json):
        return value
    return json.dumps(value)


def _copy_escape(text: str) -> str:
    """COPY's text format escapes backslash, tab, newline and carriage return."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t")
        return text.replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_text(value) -> str:
    """One value in COPY's text format (\\N is NULL; JSON columns hold dicts, lists or
    `_Json` text). The common types first: this runs for every value of every row."""
    kind = type(value)
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if kind is str or kind is _Json:
        return _copy_escape(value)
    if kind is datetime.datetime or kind is datetime.date:
        return value.isoformat()
    if kind is bool:
        return "t" if value else "f"
    if kind is dict or kind is list:
        return _copy_escape(json.dumps(value))
    if isinstance(value, str):  # TextChoices members
        return _copy_escape(str.__str__(value))
    raise TypeError(f"The demo seed cannot write {value!r} with COPY.")


class _Table:
    """Rows of one model, written with explicit primary keys. Fields not listed take their
    model default (the time of seeding for auto_now ones), so a field added later with a
    default needs no change here."""

    def __init__(self, model: type[models.Model], fields: Iterable[str], now: datetime.datetime):
        meta = model._meta
        self.model = model
        self.auto_pk = isinstance(meta.pk, AutoFieldMixin)
        listed = ([meta.pk] if self.auto_pk else []) + [meta.get_field(name) for name in fields]
        names = {f.attname for f in listed}
        rest = [f for f in meta.concrete_fields if f.attname not in names]
        self.fields = listed + rest
        self.tail = tuple(_default(f, now) for f in rest)
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        quote = connection.ops.quote_name
        self.sql_table = quote(meta.db_table)
        self.sql_columns = ", ".join(quote(f.column) for f in self.fields)
        self.rows: list[tuple] = []
        self.count = 0
        self.next_pk = 0  # past the table's highest key (`_Writer` reads them all at once)

    def allocate(self) -> int:
        pk = self.next_pk
        self.next_pk += 1
        return pk

    def add(self, *values) -> int:
        """Append a row (listed fields in order) and return its primary key."""
        if self.auto_pk:
            pk = self.allocate()
            self.rows.append((pk, *values))
            return pk
        self.rows.append(values)
        return values[0]

    def put(self, pk: int, *values) -> None:
        """Append a row under a primary key taken earlier with `allocate`."""
        self.rows.append((pk, *values))

    def take(self) -> list[tuple]:
        rows, self.rows = self.rows, []
        self.count += len(rows)
        return rows

    def copy(self, raw_connection, rows: list[tuple]) -> None:
        """PostgreSQL: one COPY in text format, sent in large chunks."""
        tail = "".join("\t" + _copy_text(value) for value in self.tail) + "\n"
        sql = f"COPY {self.sql_table} ({self.sql_columns}) FROM STDIN"
        with raw_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for start in range(0, len(rows), 5000):
                copy.write(
                    "".join(
                        "\t".join([_copy_text(value) for value in row]) + tail
                        for row in rows[start : start + 5000]
                    )
                )

    def insert(self, rows: list[tuple]) -> None:
        """Elsewhere (SQLite): executemany with the values adapted as Django would."""
        adapt = self._adapters()
        prepared = [
            [
                value if a is None else a(value)
                for a, value in zip(adapt, row + self.tail, strict=True)
            ]
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(self.fields))
        # Table and column names come from the model's meta, quoted; values are bound.
        sql = f"INSERT INTO {self.sql_table} ({self.sql_columns}) VALUES ({marks})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)

    def _adapters(self) -> list:
        """Per column, how a value becomes a database value (None: as it is). Among the
        plain values the seed writes only JSON, dates and times need adapting."""
        ops = connection.ops
        adapters = []
        for i, f in enumerate(self.fields):
            kind = f.get_internal_type()
            if i in self.json:
                adapters.append(_json_text)
            elif kind in PLAIN_FIELDS:
                adapters.append(None)
            elif kind == "DateTimeField":
                adapters.append(ops.adapt_datetimefield_value)
            elif kind == "DateField":
                adapters.append(ops.adapt_datefield_value)
            else:
                adapters.append(lambda value, f=f: f.get_db_prep_save(value, connection))
        return adapters


class _Writer:
    def __init__(self, now: datetime.datetime):
        def table(model, *fields):
            return _Table(model, fields, now)

        self.work_plans = table(
            WorkPlan,
            "staff",
            "cycle",
            "state",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "approved_at",
            "return_comment",
        )
        self.competencies = table(WorkPlan.competencies.through, "workplan", "competency")
        self.goals = table(
            Goal,
            "cycle",
            "owner_unit",
            "work_plan",
            "aligned_to",
            "title",
            "description",
            "success_criteria",
            "expected_date",
            "weight",
            "position",
            "is_current",
            "created_at",
        )
        self.goal_changes = table(
            GoalChange,
            "work_plan",
            "goal",
            "kind",
            "actor",
            "changed_at",
            "before",
            "after",
            "after_approval",
        )
        self.development_goals = table(
            DevelopmentGoal, "work_plan", "title", "activities", "target_date", "position"
        )
        self.supervisors = table(
            AdditionalSupervisor, "work_plan", "supervisor", "state", "proposed_at", "answered_at"
        )
        self.check_ins = table(CheckIn, "work_plan", "author", "held_on", "note", "created_at")
        self.midpoints = table(
            MidpointReview,
            "work_plan",
            "state",
            "started_by",
            "started_at",
            "staff_comments",
            "staff_submitted_at",
            "fro_comments",
            "finalised_at",
        )
        self.signatures = table(
            Signature,
            "document",
            "stage",
            "action",
            "signer",
            "role",
            "signed_at",
            "content",
            "content_hash",
        )
        self.events = table(
            DocumentEvent, "document", "kind", "summary", "actor", "comment", "data", "created_at"
        )
        self.appraisals = table(
            Appraisal,
            "document",
            "state",
            "started_at",
            "self_overall_comment",
            "self_submitted_at",
            "overall_rating",
            "fro_overall_comment",
            "fro_accountability_comment",
            "fro_signed_at",
            "sro_comment",
            "sro_signed_at",
            "staff_final_comment",
            "acknowledged_at",
            "final_rating",
        )
        self.goal_rows = table(
            GoalAssessment, "appraisal", "goal", "self_comment", "rating", "fro_comment"
        )
        self.competency_rows = table(
            CompetencyAssessment, "appraisal", "competency", "self_comment", "rating", "fro_comment"
        )
        self.supervisor_comments = table(
            SupervisorComment, "appraisal", "supervisor", "comment", "submitted_at"
        )
        self.accountability_answers = table(AccountabilityAnswer, "appraisal", "question", "text")
        self.pips = table(
            ImprovementPlan,
            "document",
            "opened_by",
            "opened_at",
            "objectives",
            "support",
            "start",
            "end",
            "state",
            "outcome",
            "outcome_comment",
            "closed_at",
        )
        self.pip_meetings = table(ImprovementPlanMeeting, "plan", "held_on", "notes", "recorded_by")
        # In the order they are written: a row's foreign keys point to rows written before it.
        self.tables = [
            self.work_plans,
            self.competencies,
            self.goals,
            self.goal_changes,
            self.development_goals,
            self.supervisors,
            self.check_ins,
            self.midpoints,
            self.signatures,
            self.events,
            self.appraisals,
            self.goal_rows,
            self.competency_rows,
            self.supervisor_comments,
            self.accountability_answers,
            self.pips,
            self.pip_meetings,
        ]
        self.pool: ThreadPoolExecutor | None = None
        self.pending: list[Future] = []
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.start_keys()

    def start_keys(self) -> None:
        """Each table's rows get keys past its highest one: read in one query."""
        keyed = [t for t in self.tables if t.auto_pk]
        quote = connection.ops.quote_name
        # Table and column names from the models' meta, quoted.
        tops = ", ".join(
            f"(SELECT MAX({quote(t.model._meta.pk.column)}) FROM {t.sql_table})"  # noqa: S608
            for t in keyed
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {tops}")
            for table, top in zip(keyed, cursor.fetchone(), strict=True):
                table.next_pk = (top or 0) + 1

    def flush(self) -> None:
        """Write the rows planned so far. On PostgreSQL one background thread sends them with
        COPY on the same connection (and transaction), so the server's work overlaps the
        planning of the next documents: the main thread runs no query until `finish`."""
        if connection.vendor != "postgresql":
            for table in self.tables:
                rows = table.take()
                if rows:
                    table.insert(rows)
            return
        if self.pool is None:
            self.drop_foreign_keys()
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-copy")
        raw = connection.connection
        for table in self.tables:
            rows = table.take()
            if rows:
                self.pending.append(self.pool.submit(table.copy, raw, rows))

    def write_now(self) -> None:
        """Write the rows planned so far at once, on this thread, with the foreign keys in
        place (checked at commit, as for any write), and move the tables' primary-key
        sequences past the keys written: for a few documents (`write_documents`), where
        `flush` and `finish` are for a whole organisation."""
        written = []
        for table in self.tables:
            rows = table.take()
            if not rows:
                continue
            if connection.vendor == "postgresql":
                table.copy(connection.connection, rows)
            else:
                table.insert(rows)
            if table.auto_pk:
                written.append(table.model)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), written):
                cursor.execute(sql)

    def finish(self) -> None:
        """Write what is left, wait for the writes, refresh the tables' statistics, and move
        the primary-key sequences past the explicit keys."""
        self.flush()
        try:
            for future in self.pending:
                future.result()
        finally:
            self.close()
        # Before the foreign keys come back: checking them joins every row, and that join, like
        # every query after the seed, is planned on these statistics.
        analyze(table.model for table in self.tables)
        self.restore_foreign_keys()
        models_with_sequences = [t.model for t in self.tables if t.auto_pk]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models_with_sequences):
                cursor.execute(sql)

    def drop_foreign_keys(self) -> None:
        """PostgreSQL: drop the foreign keys of the tables the seed fills until `finish` adds
        them back, as pg_restore does. Django's are DEFERRABLE INITIALLY DEFERRED, so they
        would be checked row by row at COMMIT (over half a minute for the 3 million rows of
        40,000 staff); adding a constraint back checks every row in one query. Both happen
        in the seed's transaction: a failure restores them with everything else."""
        tables = [t.model._meta.db_table for t in self.tables]
        with connection.cursor() as cursor:
            # Dropping a foreign key alters the table it references too, which PostgreSQL
            # refuses while checks of rows written earlier (the organisation) are pending:
            # run them now rather than at COMMIT.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
                "ORDER BY conrelid, conname",
                [tables],
            )
            self.foreign_keys = cursor.fetchall()
            for table, name, _ in self.foreign_keys:
                # Names read back from the catalogue, quoted.
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quoted}")

    def restore_foreign_keys(self) -> None:
        with connection.cursor() as cursor:
            for table, name, definition in self.foreign_keys:
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quoted} {definition}")
        self.foreign_keys = []

    def close(self) -> None:
        """Stop the writer thread (waiting for a COPY under way, dropping the queued ones):
        nothing may write on the connection once the transaction ends, also on failure."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.pending = []


# --- the organisation, read back -----------------------------------------------------------


@dataclass(slots=True)
class StaffView:
    pk: int
    unit_id: int
    grade: str
    entry_on_duty: datetime.date
    index_number: str
    first_name: str
    name: str


@dataclass(slots=True)
class _Unit:
    pk: int
    parent_id: int | None
    kind: str
    name: str
    entity_id: int
    head_id: int | None
    area: str


@dataclass(slots=True)
class _UnitGoal:
    pk: int
    theme: int


@dataclass
class CycleView:
    model: Cycle
    # staff id -> [(from, to, fro id, sro id)], oldest first
    lines: dict[int, list[tuple]] = field(default_factory=dict)
    # (scale kind, code) -> the level (pk, code, label)
    levels: dict[tuple[str, str], SimpleNamespace] = field(default_factory=dict)
    # scale kind -> its levels (pk, code, label, rank), the highest first
    ranked: dict[str, list[SimpleNamespace]] = field(default_factory=dict)
    # the competencies every work plan of the cycle includes (pk, code, name), by id
    core_values: list[SimpleNamespace] = field(default_factory=list)
    unit_goals: dict[int, list[_UnitGoal]] = field(default_factory=lambda: defaultdict(list))
    # the managerial-accountability questions (ILO; none on a UN cycle): their ids by position
    questions: list[int] = field(default_factory=list)
    # who has supervisory responsibilities in the cycle: the FROs of its lines in effect today
    # (`appraisals.selectors.supervises_in_cycle`), who answer the questions
    supervisors: set[int] = field(default_factory=set)

    def level(self, kind: str, tier: int) -> SimpleNamespace:
        """The level of rank `tier` on the cycle's scale of `kind`, or its lowest when the
        scale has fewer levels (see OVERALL_WEIGHTS)."""
        scale = self.ranked[kind]
        return scale[min(tier, len(scale)) - 1]

    def officers(self, staff_id: int, day: datetime.date) -> tuple[int, int]:
        """The FRO and SRO on `day` (the current line when no line covers it)."""
        lines = self.lines[staff_id]
        for start, end, fro, sro in lines:
            if start <= day and (end is None or day <= end):
                return fro, sro
        return lines[-1][2], lines[-1][3]

    def current_officers(self, staff_id: int) -> tuple[int, int]:
        _, _, fro, sro = self.lines[staff_id][-1]
        return fro, sro

    def answers_questions(self, staff_id: int) -> bool:
        """Whether the staff member answers the cycle's managerial-accountability questions
        with their self-evaluation."""
        return bool(self.questions) and staff_id in self.supervisors

    def find_supervisors(self, on: datetime.date) -> None:
        """`supervisors` from the lines: those in effect on `on`, or on the cycle's first day
        before it starts (`org.relations.lines_in_effect`)."""
        reference = max(on, self.model.start)
        self.supervisors = {
            fro
            for lines in self.lines.values()
            for start, end, fro, _ in lines
            if start <= reference and (end is None or reference <= end)
        }


def _area(unit_name: str, kind: str) -> str:
    """The field of work in a goal: 'Travel Unit' -> 'travel', 'Division of Administration'
    -> 'administration'; an entity's own staff work in its front office."""
    if kind == OrgUnit.Kind.ENTITY:
        return "front office"
    name = unit_name.removeprefix("Division of ")
    for suffix in (" Unit", " Section", " Division"):
        name = name.removesuffix(suffix)
    return name.lower()


@dataclass
class _Org:
    staff: dict[int, StaffView]
    units: dict[int, _Unit]
    chains: dict[int, list[int]]  # unit id -> the unit and its ancestors, nearest first
    names: dict[int, str]
    cycles: list[CycleView]
    core: list[SimpleNamespace]
    managerial: list[SimpleNamespace]

    @classmethod
    def load(cls, current: Cycle, previous: Cycle) -> _Org:
        names = {
            pk: f"{first} {last}".strip() or email
            for pk, first, last, email in User.objects.values_list(
                "pk", "first_name", "last_name", "email"
            )
        }
        units = {
            pk: _Unit(pk, parent, kind, name, entity, head, _area(name, kind))
            for pk, parent, kind, name, entity, head in OrgUnit.objects.order_by("pk").values_list(
                "pk", "parent_id", "kind", "name", "entity_id", "head_id"
            )
        }
        chains = {}
        for unit in units.values():
            chain, node = [], unit
            while node is not None:
                chain.append(node.pk)
                node = units.get(node.parent_id)
            chains[unit.pk] = chain
        staff = {
            pk: StaffView(pk, unit, grade, eod, index, first, names[pk])
            for pk, unit, grade, eod, index, first in StaffMember.objects.filter(is_active=True)
            .order_by("pk")
            .values_list(
                "pk", "unit_id", "grade", "entry_on_duty", "index_number", "user__first_name"
            )
        }
        cycles = [CycleView(previous), CycleView(current)]
        by_pk = {c.model.pk: c for c in cycles}
        for staff_id, cycle_id, start, end, fro, sro in (
            ReportingLine.objects.filter(cycle__in=[current, previous])
            .order_by("effective_from", "pk")
            .values_list(
                "staff_id", "cycle_id", "effective_from", "effective_to", "fro_id", "sro_id"
            )
        ):
            by_pk[cycle_id].lines.setdefault(staff_id, []).append((start, end, fro, sro))
        for cycle_id, pk in (
            AccountabilityQuestion.objects.filter(cycle__in=[current, previous])
            .order_by("position")
            .values_list("cycle_id", "pk")
        ):
            by_pk[cycle_id].questions.append(pk)
        on = today()
        for cycle in cycles:
            cycle.find_supervisors(on)
        for cycle_id, kind, code, pk, label, rank in (
            RatingLevel.objects.filter(scale__cycle__in=[current, previous])
            .order_by("rank")
            .values_list("scale__cycle_id", "scale__kind", "code", "pk", "label", "rank")
        ):
            level = SimpleNamespace(pk=pk, code=code, label=label, rank=rank)
            by_pk[cycle_id].levels[(kind, code)] = level
            by_pk[cycle_id].ranked.setdefault(kind, []).append(level)
        catalogue = defaultdict(list)
        for pk, code, kind, name in Competency.objects.filter(
            framework=current.competency_framework
        ).values_list("pk", "code", "kind", "name"):
            catalogue[kind].append(SimpleNamespace(pk=pk, code=code, name=name, kind=kind))
        always = [c for kind in Competency.ALWAYS_INCLUDED for c in catalogue[kind]]
        core_values = sorted(always, key=attrgetter("pk"))
        for cycle in cycles:
            cycle.core_values = core_values
        kinds = Competency.Kind
        return cls(
            staff=staff,
            units=units,
            chains=chains,
            names=names,
            cycles=cycles,
            core=catalogue[kinds.CORE_COMPETENCY] or catalogue[kinds.BEHAVIOUR],
            managerial=catalogue[kinds.MANAGERIAL],
        )


# --- the plan of one document --------------------------------------------------------------


@dataclass
class Content:
    """What a staff member writes into a work plan."""

    goals: list[GoalView]
    competencies: list[SimpleNamespace]  # the chosen ones (pk, code, name), besides the core
    development: list[DevelopmentView]


@dataclass
class SupervisionPlan:
    """An additional supervisor the staff member proposed, and their answer."""

    supervisor: int
    state: str  # AdditionalSupervisor.State
    proposed: datetime.datetime
    answered: datetime.datetime | None = None


@dataclass
class CheckInPlan:
    author: int
    moment: datetime.datetime
    note: str


@dataclass
class MidpointPlan:
    state: str  # MidpointReview.State: open, staff submitted or finalised
    started_by: int
    staff_comments: str = ""  # drafted (open) or signed
    fro_comments: str = ""


@dataclass
class PipPlan:
    """A performance improvement plan the FRO opened, its review meetings and its close."""

    opened: datetime.datetime
    objectives: str
    support: str
    start: datetime.date
    end: datetime.date
    meetings: list[tuple[datetime.date, str, datetime.datetime]] = field(default_factory=list)
    outcome: str = ""  # "" while open
    closed_at: datetime.datetime | None = None
    closed_event_at: datetime.datetime | None = None


@dataclass
class Rating:
    """The FRO's rating of one goal or competency (a level code, or None) and comment."""

    code: str | None
    comment: str


@dataclass
class EvaluationPlan:
    """Steps 6-9 as far as the document's stage. The goal lists follow the work plan's goals,
    the competency lists `evaluated_competencies`; the ratings are empty until the FRO rated
    (`rated_at`)."""

    started_by: int
    overall: str | None = None  # the code of the FRO's overall rating
    self_overall: str = ""
    self_goals: list[str] = field(default_factory=list)
    self_competencies: list[str] = field(default_factory=list)
    supervisor_comments: list[tuple[int, str, datetime.datetime]] = field(default_factory=list)
    rated_at: datetime.datetime | None = None
    goal_ratings: list[Rating] = field(default_factory=list)
    competency_ratings: list[Rating] = field(default_factory=list)
    overall_comment: str = ""
    sro_comment: str = ""
    final_comment: str = ""
    pip: PipPlan | None = None  # opened after an acknowledged low rating
    # The managerial-accountability section (ILO): the staff member's answers (question id,
    # text), signed with the self-evaluation, and the FRO's comments, signed with the ratings.
    answers: list[tuple[int, str]] = field(default_factory=list)
    accountability_comment: str = ""


@dataclass
class DocumentPlan:
    """Everything about one document: the steps it went through and when (`at`, in order:
    `document_steps`), who took them and what they wrote. The demo draws plans at random
    (`_Planner.plan`); tests/builders.py spells one out; `_DocumentRows` writes either."""

    staff: StaffView
    cycle: CycleView
    stage: str  # one of STAGE_NAMES but "none"
    at: dict[str, datetime.datetime]
    creator: int
    return_comment: str = ""
    content: Content | None = None  # None: created, never saved
    changed: list[GoalView] = field(default_factory=list)  # goals changed after approval
    supervisors: list[SupervisionPlan] = field(default_factory=list)
    check_ins: list[CheckInPlan] = field(default_factory=list)
    midpoint: MidpointPlan | None = None
    midpoint_pip: PipPlan | None = None  # opened on a concern of the mid-point review
    evaluation: EvaluationPlan | None = None
    updated: datetime.datetime | None = None  # the work plan's last save (None: the last step)


def document_steps(
    stage: str,
    *,
    saved: bool = True,
    midpoint_state: str | None = None,
    returned_before: bool = False,
    sro_return: bool = False,
) -> list[str]:
    """The steps a document at `stage` went through, in order: `saved` (the work plan was
    filled in), the mid-point review's state (None: not started, or not part of the cycle),
    whether the FRO returned the work plan once before approving it, and whether the SRO
    returned the evaluation to the FRO once."""
    rank = STAGE_NAMES.index(stage)
    approved = rank >= STAGE_NAMES.index("approved")
    steps = ["created"]
    if saved:
        steps.append("saved")
    if stage == "returned" or returned_before:
        steps += ["submitted", "returned"]
        if approved:
            steps.append("resubmitted")
    elif stage == "submitted" or approved:
        steps.append("submitted")
    if approved:
        steps.append("approved")
    if stage == "changed":
        steps.append("changed")
    if midpoint_state:
        steps.append("midpoint_started")
    if midpoint_state in (MidpointReview.State.STAFF_SUBMITTED, MidpointReview.State.FINALISED):
        steps.append("midpoint_submitted")
    if midpoint_state == MidpointReview.State.FINALISED:
        steps.append("midpoint_finalised")
    if stage in EVALUATION_STAGES:
        steps.append("evaluation_started")
        if stage != "self_assessment":
            steps.append("self_submitted")
        if rank >= STAGE_NAMES.index("sro_review") or sro_return:
            steps.append("fro_signed")
        if sro_return:
            steps.append("sro_returned")
            if rank >= STAGE_NAMES.index("sro_review"):
                steps.append("fro_resigned")
        if rank >= STAGE_NAMES.index("acknowledgement"):
            steps.append("sro_signed")
        if stage == "completed":
            steps.append("acknowledged")
    return steps


def evaluated_competencies(cycle: CycleView, content: Content) -> list[SimpleNamespace]:
    """The competencies the evaluation rates, in the order of its rows: the cycle's core
    values and the chosen competencies, by id."""
    return sorted([*cycle.core_values, *content.competencies], key=attrgetter("pk"))


T = TypeVar("T")
_CUMULATIVE: dict[int, tuple[list, list[int], list]] = {}


def _weighted(rng: random.Random, choices: list[tuple[T, int]]) -> T:
    """One of the `choices` (value, weight): the same draw as `rng.choices` with weights."""
    table = _CUMULATIVE.get(id(choices))
    if table is None or table[2] is not choices:
        values, weights = [c for c, _ in choices], list(accumulate(w for _, w in choices))
        table = _CUMULATIVE[id(choices)] = (values, weights, choices)
    return rng.choices(table[0], cum_weights=table[1])[0]


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment of the working day `day`."""
    start = datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC)
    return start + datetime.timedelta(minutes=rng.randrange(600))


DAY = datetime.timedelta(days=1)
# Days between a step and the one before it (the mid-point and the evaluation start from the
# cycle's calendar instead).
GAPS = {
    "saved": (0, 6),
    "submitted": (1, 20),
    "returned": (1, 6),
    "resubmitted": (2, 10),
    "approved": (1, 12),
    "changed": (20, 90),
    "midpoint_submitted": (1, 10),
    "midpoint_finalised": (1, 12),
    "self_submitted": (1, 12),
    "fro_signed": (2, 15),
    "sro_returned": (1, 5),
    "fro_resigned": (1, 6),
    "sro_signed": (1, 10),
    "acknowledged": (1, 10),
}


_LABELS: dict[tuple[str, str, str], tuple[str, _Json]] = {}


def _label(workflow, name: str, role: str) -> tuple[str, _Json]:
    """The timeline summary the services write for a transition: its English text and its
    phrase (worked out once per transition and role)."""
    key = (workflow.document, name, role)
    if key not in _LABELS:
        said = phrase(
            gettext_noop("%(action)s (%(role)s)"),
            action=workflow.transitions[name].label,
            role=services.ROLE_LABELS.get(role, role),
        )
        _LABELS[key] = render_in(said, "en"), _Json(json.dumps(said, separators=(",", ":")))
    return _LABELS[key]


class _Planner:
    """Plans and writes the unit work plans and the documents of both cycles (each document
    drawn as a `DocumentPlan`, then written by `_DocumentRows`)."""

    def __init__(self, org: _Org, writer: _Writer, now: datetime.datetime):
        self.org = org
        self.w = writer
        self.now = now
        self.rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not secrets
        self.accountability_rng = random.Random(ACCOUNTABILITY_SEED)  # noqa: S311 - as above
        self.texts: dict[tuple, tuple[str, ...]] = {}
        self.supervisor_pool = self._supervisor_pool()
        self.documents = 0
        self.rows = _DocumentRows(writer, org.names)

    def run(
        self,
        *,
        reserved: set[int],
        rebuttable: dict[int, datetime.datetime] | None = None,
    ) -> None:
        """Unit goals of both cycles; a completed document for everyone on duty in the closed
        cycle; in the open cycle a document at a weighted stage (or none yet) for everyone
        but the `reserved` staff, whose documents go through the services, and the
        `rebuttable` ones: completed, rated "partially meets" and acknowledged by the moment
        given (the demo's rebuttal cases follow: `demo.rebuttals`)."""
        rebuttable = rebuttable or {}
        previous, current = self.org.cycles
        for cycle in (previous, current):
            self.unit_goals(cycle)
        late = current.model.start + NEW_STAFF_AFTER
        # Every stage at least once, whatever the size: a few people drawn for each first.
        eligible = [
            pk
            for pk, staff in self.org.staff.items()
            if pk in current.lines
            and pk not in reserved
            and pk not in rebuttable
            and staff.entry_on_duty <= late
        ]
        drawn = self.rng.sample(eligible, min(len(eligible), len(STAGE_NAMES)))
        stage_of = dict(zip(drawn, STAGE_NAMES, strict=False))
        for cycle in (previous, current):
            for staff in self.org.staff.values():
                if staff.pk not in cycle.lines:
                    continue
                if cycle is previous:
                    stage = "completed"
                elif staff.pk in reserved:
                    continue
                elif staff.pk in rebuttable:
                    self.rows.write(
                        self.plan(
                            staff, cycle, "completed", overall=PARTIAL, until=rebuttable[staff.pk]
                        )
                    )
                    self.documents += 1
                    continue
                elif staff.pk in stage_of:
                    stage = stage_of[staff.pk]
                else:
                    stages = NEW_STAFF_STAGES if staff.entry_on_duty > late else CURRENT_STAGES
                    stage = _weighted(self.rng, stages)
                if stage == "none":
                    continue
                self.document(staff, cycle, stage)
                if self.documents % FLUSH_EVERY == 0:
                    self.w.flush()

    # --- unit work plans -------------------------------------------------------------------

    def unit_goals(self, cycle: CycleView) -> None:
        """3-4 goals per entity, owned by the entity (the HOD's plan); two or three per
        division, section and unit, each aligned to a goal of the unit above."""
        rng, model = self.rng, cycle.model
        created = _at(model.start - DAY * rng.randrange(5, 20), rng)
        depth = OrgUnit.KIND_DEPTH
        for unit in sorted(self.org.units.values(), key=lambda u: (depth[u.kind], u.pk)):
            if unit.kind == OrgUnit.Kind.ENTITY:
                themes = rng.sample(range(len(THEMES)), rng.choice((3, 4)))
                picks = [(theme, None, THEMES[theme].entity) for theme in themes]
            else:
                above = cycle.unit_goals[unit.parent_id]
                count = min(len(above), rng.choice((2, 2, 3)))
                picks = [(g.theme, g.pk, THEMES[g.theme].unit) for g in rng.sample(above, count)]
            for position, (theme, aligned, texts) in enumerate(picks, start=1):
                title, description, criteria = (
                    t.format(area=unit.area, cycle=model.name) for t in texts
                )
                pk = self.w.goals.add(
                    model.pk,
                    unit.pk,
                    None,
                    aligned,
                    title,
                    description,
                    criteria,
                    model.end,
                    None,
                    position,
                    True,
                    created,
                )
                cycle.unit_goals[unit.pk].append(_UnitGoal(pk, theme))

    # --- what a staff member writes --------------------------------------------------------

    def content(self, staff: StaffView, cycle: CycleView) -> Content:
        """3-5 goals aligned to goals of the staff member's unit (then of the units above),
        three chosen competencies and a development goal."""
        rng = self.rng
        count = rng.choices((3, 4, 5), (4, 4, 2))[0]
        targets: list[_UnitGoal] = []
        for unit_id in self.org.chains[staff.unit_id]:
            goals = list(cycle.unit_goals[unit_id])
            rng.shuffle(goals)
            targets += goals
            if len(targets) >= count:
                break
        while len(targets) < count:
            targets.append(rng.choice(targets))
        area = self.org.units[staff.unit_id].area
        year = cycle.model.start.year
        dates = [
            datetime.date(year, 9, 30),
            datetime.date(year, 12, 31),
            datetime.date(year + 1, 2, 28),
            cycle.model.end,
        ]
        weights = None
        if rng.random() < 0.3:
            weights = {3: [40, 30, 30], 4: [30, 30, 20, 20], 5: [20] * 5}[count]
        used: set[tuple[int, int]] = set()
        goals = []
        # Directors and above lead their division or entity: their goals are a leader's.
        leader = staff.grade in LEADER_GRADES
        scope = self.org.units[staff.unit_id].name if leader else ""
        for n, target in enumerate(targets[:count]):
            theme = THEMES[target.theme]
            templates = theme.senior if leader and theme.senior else theme.staff
            unused = [i for i in range(len(templates)) if (target.theme, i) not in used]
            choice = rng.choice(unused or range(len(templates)))
            used.add((target.theme, choice))
            key = (target.theme, choice, area, scope)
            if key not in self.texts:
                self.texts[key] = tuple(t.format(area=area, scope=scope) for t in templates[choice])
            title, description, criteria = self.texts[key]
            weight = weights[n] if weights else None
            goals.append(
                GoalView(None, title, description, criteria, rng.choice(dates), weight, target.pk)
            )
        if staff.grade in SENIOR_GRADES and self.org.managerial:
            chosen = rng.sample(self.org.core, 2) + rng.sample(self.org.managerial, 1)
        else:
            chosen = rng.sample(self.org.core, 3)
        title, activities = rng.choice(DEVELOPMENT_GOALS)
        development = [DevelopmentView(title, activities, rng.choice(dates[1:]))]
        return Content(goals, chosen, development)

    def _supervisor_pool(self) -> dict[int, list[int]]:
        """Possible additional supervisors per unit: heads of the sibling units and of the
        unit above (never the staff member's FRO or SRO: checked per document)."""
        children = defaultdict(list)
        for unit in self.org.units.values():
            if unit.parent_id:
                children[unit.parent_id].append(unit)
        pool = {}
        for unit in self.org.units.values():
            heads = [u.head_id for u in children.get(unit.parent_id, []) if u.pk != unit.pk]
            parent = self.org.units.get(unit.parent_id)
            if parent is not None:
                heads.append(parent.head_id)
            pool[unit.pk] = [h for h in heads if h]
        return pool

    # --- time ------------------------------------------------------------------------------

    def timeline(
        self,
        cycle: CycleView,
        staff: StaffView,
        steps: list[str],
        until: datetime.datetime | None = None,
    ) -> dict[str, datetime.datetime]:
        """When each step happened: in order along the cycle's calendar, never in the future
        (steps the calendar puts after now, or after `until`, are squeezed between the last
        earlier step and then, so the open cycle's evaluations happened in the last weeks)."""
        rng, model = self.rng, cycle.model
        begin = max(model.start, staff.entry_on_duty)
        moment = _at(begin + DAY * rng.randrange(0, 30), rng)
        raw = {}
        for step in steps:
            if step == "midpoint_started":
                due = _at(model.midpoint_due - DAY * rng.randrange(5, 45), rng)
                moment = max(moment + DAY * 20, due)
            elif step == "evaluation_started":
                moment = max(moment + DAY * 3, _at(model.end - DAY * rng.randrange(0, 25), rng))
            elif step != "created":
                low, high = GAPS[step]
                moment += DAY * rng.randrange(low, high + 1)
            raw[step] = moment
        end = self.now - datetime.timedelta(hours=1)
        if until is not None:
            end = min(end, until)
        late = [step for step in steps if raw[step] > end]
        if late:
            earlier = [raw[step] for step in steps if raw[step] <= end]
            floor = earlier[-1] if earlier else min(end - DAY * 30, raw[steps[0]])
            span = raw[steps[-1]] - floor
            for step in late:
                raw[step] = floor + (raw[step] - floor) * ((end - floor) / span)
        return raw

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        return start + (end - start) * self.rng.random()

    # --- one document, drawn ---------------------------------------------------------------

    def document(self, staff: StaffView, cycle: CycleView, stage: str) -> None:
        """Draw the document of `staff` at `stage` and have it written."""
        self.rows.write(self.plan(staff, cycle, stage))
        self.documents += 1

    def plan(
        self,
        staff: StaffView,
        cycle: CycleView,
        stage: str,
        *,
        overall: int | None = None,
        until: datetime.datetime | None = None,
    ) -> DocumentPlan:
        """Every decision about one document, drawn in a fixed order from the seeded random
        (so the same organisation always gets the same documents); `overall` (a tier, see
        OVERALL_WEIGHTS) and `until` (its last step's latest moment) when the demo needs
        them so."""
        rng = self.rng
        rank = STAGE_NAMES.index(stage)
        approved = rank >= STAGE_NAMES.index("approved")
        filled = stage != "draft" or rng.random() < 0.65
        if rank >= STAGE_NAMES.index("midpoint_finalised"):
            midpoint_state = MidpointReview.State.FINALISED
        else:
            midpoint_state = MIDPOINT_STAGES.get(stage)
        evaluation = stage in EVALUATION_STAGES
        drawn = _weighted(rng, OVERALL_WEIGHTS)
        overall = overall or drawn
        returned_before = approved and rng.random() < 0.08
        # The SRO returned the evaluation to the FRO: it waits for the FRO again, or the FRO
        # signed a second time.
        sro_return = evaluation and (
            (stage == "fro_evaluation" and rng.random() < 0.15)
            or (rank >= STAGE_NAMES.index("acknowledgement") and rng.random() < 0.04)
        )
        steps = document_steps(
            stage,
            saved=filled,
            midpoint_state=midpoint_state,
            returned_before=returned_before,
            sro_return=sro_return,
        )
        at = self.timeline(cycle, staff, steps, until)
        last = max(at.values())
        staff_id = staff.pk
        if rng.random() < 0.06:
            creator = cycle.officers(staff_id, at["created"].date())[0]
        else:
            creator = staff_id
        return_comment = rng.choice(RETURN_COMMENTS) if "returned" in at else ""
        plan = DocumentPlan(staff, cycle, stage, at, creator, return_comment)
        if not filled:
            return plan
        content = plan.content = self.content(staff, cycle)
        if "changed" in at:
            plan.changed = rng.sample(content.goals, rng.choice((1, 1, 2)))
        if not approved:
            return plan
        supervision = self.supervision(staff, cycle, at, stage, last)
        supervisor = None
        if supervision is not None:
            plan.supervisors.append(supervision)
            if supervision.state == AdditionalSupervisor.State.ACCEPTED:
                supervisor = supervision.supervisor
        if rng.random() < 0.2:
            fro = cycle.current_officers(staff_id)[0]
            for _ in range(rng.choice((1, 2, 3))):
                moment = self.between(at["approved"], max(last, self.now - DAY))
                author = rng.choice((staff_id, fro))
                plan.check_ins.append(CheckInPlan(author, moment, rng.choice(CHECK_IN_NOTES)))
        if not midpoint_state:
            return plan
        concern = midpoint_state == MidpointReview.State.FINALISED and (
            overall == FAILING or (not evaluation and rng.random() < 0.03)
        )
        plan.midpoint = self.midpoint(staff, cycle, at, midpoint_state, concern)
        if concern:
            plan.midpoint_pip = self.improvement_plan(staff, at["midpoint_finalised"])
        if evaluation:
            plan.evaluation = self.evaluation(staff, cycle, content, at, stage, overall, supervisor)
        return plan

    def supervision(self, staff, cycle, at, stage: str, last) -> SupervisionPlan | None:
        """Additional supervisors: accepted on some documents, proposed (still unanswered) or
        declined on a few."""
        rng = self.rng
        roll = rng.random()
        if roll >= 0.14:
            return None
        fro, sro = cycle.current_officers(staff.pk)
        pool = [h for h in self.supervisor_pool[staff.unit_id] if h not in {staff.pk, fro, sro}]
        if not pool:
            return None
        supervisor = rng.choice(pool)
        closed = stage == "completed" or cycle.model.status == Cycle.Status.CLOSED
        if roll < 0.1:
            answer = AdditionalSupervisor.State.ACCEPTED
        elif roll < 0.12 and not closed:
            answer = AdditionalSupervisor.State.PROPOSED
        else:
            answer = AdditionalSupervisor.State.DECLINED
        # Proposed while drafting or after approval; answered before the mid-point review.
        ceiling = at.get("midpoint_started", last)
        proposed = self.between(at["saved"], ceiling)
        answered = None
        if answer != AdditionalSupervisor.State.PROPOSED:
            answered = self.between(proposed, ceiling)
        return SupervisionPlan(supervisor, answer, proposed, answered)

    def midpoint(self, staff, cycle, at, state: str, concern: bool) -> MidpointPlan:
        rng, staff_id = self.rng, staff.pk
        area = self.org.units[staff.unit_id].area
        started_by = staff_id
        if rng.random() < 0.3:
            started_by = cycle.officers(staff_id, at["midpoint_started"].date())[0]
        plan = MidpointPlan(state, started_by)
        text = rng.choice(MIDPOINT_STAFF).format(area=area)
        if state != MidpointReview.State.OPEN or rng.random() < 0.4:
            plan.staff_comments = text  # signed, or (open) drafted, not yet submitted
        if state == MidpointReview.State.FINALISED:
            plan.fro_comments = (
                MIDPOINT_CONCERN if concern else rng.choice(MIDPOINT_FRO).format(area=area)
            )
        return plan

    def evaluation(self, staff, cycle, content: Content, at, stage, overall, supervisor):
        """Steps 6-9 as far as `stage`: self-evaluation, additional supervisor's comments,
        ratings (and an SRO's return, sometimes), the SRO's comments and the staff member's
        final ones."""
        rng = self.rng
        rank = STAGE_NAMES.index(stage)
        area = self.org.units[staff.unit_id].area
        now = self.now - datetime.timedelta(hours=2)
        started = at["evaluation_started"]
        started_by = staff.pk
        if rng.random() < 0.2:
            started_by = cycle.officers(staff.pk, started.date())[0]
        competencies = evaluated_competencies(cycle, content)
        plan = EvaluationPlan(
            started_by,
            overall=cycle.level(RatingScale.Kind.OVERALL, overall).code,
            self_goals=[""] * len(content.goals),
            self_competencies=[""] * len(competencies),
        )
        if stage != "self_assessment" or rng.random() < 0.5:
            plan.self_overall = rng.choice(SELF_OVERALL).format(area=area)
            plan.self_goals = [rng.choice(SELF_GOAL) for _ in content.goals]
            plan.self_competencies = [rng.choice(SELF_COMPETENCY) for _ in competencies]
        if supervisor is not None and (
            rank > STAGE_NAMES.index("fro_evaluation") or rng.random() < 0.5
        ):
            moment = self.between(started, at.get("fro_signed", max(started, now)))
            text = rng.choice(SUPERVISOR_COMMENTS).format(first=staff.first_name, area=area)
            plan.supervisor_comments.append((supervisor, text, moment))
        if "fro_signed" in at or (stage == "fro_evaluation" and rng.random() < 0.4):
            moment = at.get("fro_signed") or self.between(
                at["self_submitted"], max(at["self_submitted"], now)
            )
            # Rated shortly before signing, never before the self-evaluation came in.
            lead = min(datetime.timedelta(minutes=20), (moment - at["self_submitted"]) / 2)
            plan.rated_at = moment - lead
            for _ in content.goals:
                level = cycle.level(RatingScale.Kind.GOAL, _weighted(rng, GOAL_WEIGHTS[overall]))
                plan.goal_ratings.append(Rating(level.code, rng.choice(FRO_GOAL[level.rank])))
            for _ in competencies:
                tier = _weighted(rng, COMPETENCY_WEIGHTS[overall])
                level = cycle.level(RatingScale.Kind.COMPETENCY, tier)
                comment = rng.choice(FRO_COMPETENCY[level.rank])
                plan.competency_ratings.append(Rating(level.code, comment))
            plan.overall_comment = FRO_OVERALL[overall].format(first=staff.first_name, area=area)
        if "sro_signed" in at:
            plan.sro_comment = rng.choice(SRO_COMMENTS)
        completed = "acknowledged" in at
        if completed:
            plan.final_comment = rng.choice(FINAL_COMMENTS[overall])
        if completed and (overall == FAILING or (overall == PARTIAL and rng.random() < 0.4)):
            plan.pip = self.improvement_plan(staff, at["acknowledged"])
        if "self_submitted" in at and cycle.answers_questions(staff.pk):
            self.accountability(plan, staff, cycle, "fro_signed" in at)
        return plan

    def accountability(self, plan: EvaluationPlan, staff, cycle: CycleView, rated: bool) -> None:
        """The supervisor's answers to the cycle's managerial-accountability questions, and
        the FRO's comments on them once `rated` (drawn from their own random: see
        ACCOUNTABILITY_SEED)."""
        rng = self.accountability_rng
        plan.answers = [
            (question, rng.choice(ACCOUNTABILITY_ANSWERS[n % len(ACCOUNTABILITY_ANSWERS)]))
            for n, question in enumerate(cycle.questions)
        ]
        if rated:
            plan.accountability_comment = rng.choice(FRO_ACCOUNTABILITY).format(
                first=staff.first_name
            )

    def improvement_plan(self, staff, after: datetime.datetime) -> PipPlan:
        """A PIP the FRO opened a few days after `after`: closed with an outcome and two review
        meetings once its 90 days are over, open with its first meeting until then."""
        rng = self.rng
        opened = after + DAY * rng.randrange(1, 6)
        if opened > self.now - datetime.timedelta(hours=3):
            # What it follows happened in the last days: opened since, before now.
            opened = after + (self.now - after) / 2
        start = opened.date()
        end = start + DAY * 90
        today = self.now.date()
        closed = end < today
        outcome = _weighted(rng, PIP_OUTCOMES) if closed else ""
        area = self.org.units[staff.unit_id].area
        plan = PipPlan(opened, PIP_OBJECTIVES.format(area=area), PIP_SUPPORT, start, end)
        if closed:
            plan.outcome = outcome
            plan.closed_at = _at(end, rng)
        for n, notes in enumerate(PIP_MEETINGS, start=1):
            held = start + DAY * 30 * n
            if held >= today:
                break
            plan.meetings.append((held, notes, _at(held, rng)))
        if closed:
            plan.closed_event_at = _at(end, rng)
        return plan


# --- one document, written -----------------------------------------------------------------


class _DocumentRows:
    """Writes planned documents as the services would have: each step's rows, its timeline
    event and the signature of what its signer saw (the content functions the services sign
    with, run on in-memory stand-ins). No random here: what to write is all in the plan."""

    def __init__(self, writer: _Writer, names: dict[int, str]):
        self.w = writer
        self.names = names  # user id -> the name the timeline gives them
        self.doc = 0  # the document being written
        self.signed_content: dict | None = None
        self.signed: tuple[_Json, str] = (_Json(""), "")

    def event(self, kind, summary, actor, moment, comment="", data=EMPTY_JSON, said=None) -> None:
        """One timeline event; `summary` is its English text, or (text, phrase) as `_label`
        gives; `said` its phrase (`_phrase`), kept in the data as `record_event` keeps it."""
        if isinstance(summary, tuple):
            summary, said = summary
        if said is not None:
            text = data if isinstance(data, _Json) else json.dumps(data)
            data = _Json(("{" if text == "{}" else text[:-1] + ",") + '"phrase":' + said + "}")
        self.w.events.add(self.doc, kind, summary[:300], actor, comment, data, moment)

    def sign(self, stage, action, signer, role, content: dict, moment) -> _Json:
        """A signature of `content` as the services record it; returns the event's data. (A
        work plan signed again unchanged, on approval, is not serialised twice.)"""
        if content is not self.signed_content:
            self.signed_content = content
            # canonical_json(content), written by orjson ten times faster: the demo's contents
            # hold only text, integers, booleans, None, lists and objects, which orjson writes
            # byte for byte as the standard encoder does (tests/test_signatures_json.py;
            # tests/appraisals/test_demo.py checks each seeded hash with `content_hash`). The
            # hash is content_hash(content), from the one serialisation also stored.
            text = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
            self.signed = _Json(text.decode()), hashlib.sha256(text).hexdigest()
        text, digest = self.signed
        self.w.signatures.add(self.doc, stage, action, signer, role, moment, text, digest)
        return _Json(f'{{"signature":"{digest}"}}')

    def write(self, plan: DocumentPlan) -> int:
        """Add the rows of the planned document; returns its id."""
        w, staff, cycle, stage, at = self.w, plan.staff, plan.cycle, plan.stage, plan.at
        staff_id, creator = staff.pk, plan.creator
        self.doc = w.work_plans.add(
            staff_id,
            cycle.model.pk,
            STATE_OF_STAGE.get(stage, WorkPlan.State.APPROVED),
            creator,
            at["created"],
            plan.updated or max(at.values()),
            at.get("resubmitted") or at.get("submitted"),
            at.get("approved"),
            plan.return_comment if stage == "returned" else "",
        )
        if creator != staff_id:
            fro_name = self.names[creator]
            summary = f"Work plan created by the FRO, {fro_name}, on behalf of {staff.name}"
            said = _phrase(
                gettext_noop("Work plan created by the FRO, %(fro)s, on behalf of %(name)s"),
                fro=fro_name,
                name=staff.name,
            )
        else:
            summary, said = "Work plan created", WORK_PLAN_CREATED
        self.event("created", summary, creator, at["created"], said=said)
        for competency in cycle.core_values:
            w.competencies.add(self.doc, competency.pk)
        if plan.content is not None:
            self.work_plan(plan)
        for supervision in plan.supervisors:
            self.supervision(plan, supervision)
        for check_in in plan.check_ins:
            moment = check_in.moment
            w.check_ins.add(self.doc, check_in.author, moment.date(), check_in.note, moment)
        if plan.midpoint is not None:
            self.midpoint(plan)
        if plan.midpoint_pip is not None:
            self.improvement_plan(plan, plan.midpoint_pip)
        if plan.evaluation is not None:
            self.evaluation(plan)
        return self.doc

    def work_plan(self, plan: DocumentPlan) -> None:
        """The goals, competencies and development goal as saved; the signatures of
        submission, return and approval; goal changes after approval."""
        w, at, content, model = self.w, plan.at, plan.content, plan.cycle.model
        staff_id = plan.staff.pk
        for competency in content.competencies:
            w.competencies.add(self.doc, competency.pk)
        for position, goal in enumerate(content.goals, start=1):
            if goal.pk is None:
                goal.pk = w.goals.allocate()
            goal.position = position
        changes = [
            w.goal_changes.add(
                self.doc, goal.pk, "added", staff_id, at["saved"], None, goal.content(), False
            )
            for goal in content.goals
        ]
        for position, dev in enumerate(content.development, start=1):
            w.development_goals.add(self.doc, dev.title, dev.activities, dev.target_date, position)
        self.event(
            "draft_saved",
            f"Draft saved ({len(changes)} added)",
            staff_id,
            at["saved"],
            data={"changes": changes},
            said=_counted(gettext_noop("Draft saved (%(detail)s)"), ADDED, len(changes)),
        )
        view = SimpleNamespace(
            pk=self.doc,
            staff=SimpleNamespace(index_number=plan.staff.index_number),
            cycle=SimpleNamespace(name=model.name),
            goals=_Related(content.goals),
            competencies=_Related([*plan.cycle.core_values, *content.competencies]),
            development_goals=_Related(content.development),
        )
        signed = work_plan_content(view)
        for step, action, role in (
            ("submitted", "submit", "staff"),
            ("returned", "return", "fro"),
            ("resubmitted", "submit", "staff"),
            ("approved", "approve", "fro"),
        ):
            if step not in at:
                continue
            signer = staff_id
            if role == "fro":
                signer = plan.cycle.officers(staff_id, at[step].date())[0]
            data = self.sign("work_plan", action, signer, role, signed, at[step])
            self.event(
                f"work_plan_{action}",
                _label(WORK_PLAN, action, role),
                signer,
                at[step],
                comment=plan.return_comment if action == "return" else "",
                data=data,
            )
        if "changed" in at:
            ids = []
            for goal in plan.changed:
                before = goal.content()
                goal.expected_date = model.end
                goal.success_criteria += GOAL_REVISION
                ids.append(
                    w.goal_changes.add(
                        self.doc,
                        goal.pk,
                        "changed",
                        staff_id,
                        at["changed"],
                        before,
                        goal.content(),
                        True,
                    )
                )
            self.event(
                "goals_changed",
                f"Goals changed after approval ({len(ids)} changed)",
                staff_id,
                at["changed"],
                data={"changes": ids},
                said=_counted(
                    gettext_noop("Goals changed after approval (%(detail)s)"), CHANGED, len(ids)
                ),
            )
        for goal in content.goals:
            w.goals.put(
                goal.pk,
                model.pk,
                None,
                self.doc,
                goal.aligned_to_id,
                goal.title,
                goal.description,
                goal.success_criteria,
                goal.expected_date,
                goal.weight,
                goal.position,
                True,
                at["saved"],
            )

    def supervision(self, plan: DocumentPlan, supervision: SupervisionPlan) -> None:
        supervisor, answered = supervision.supervisor, supervision.answered
        name = self.names[supervisor]
        self.w.supervisors.add(
            self.doc, supervisor, supervision.state, supervision.proposed, answered
        )
        self.event(
            "additional_supervisor_proposed",
            f"{name} proposed as additional supervisor",
            plan.staff.pk,
            supervision.proposed,
            said=_phrase(gettext_noop("%(name)s proposed as additional supervisor"), name=name),
        )
        if answered is not None:
            accepted = supervision.state == AdditionalSupervisor.State.ACCEPTED
            verb = "accepted" if accepted else "declined"
            self.event(
                "additional_supervisor_answered",
                f"{name} {verb} to be additional supervisor",
                supervisor,
                answered,
                said=_phrase(
                    gettext_noop("%(name)s accepted to be additional supervisor")
                    if accepted
                    else gettext_noop("%(name)s declined to be additional supervisor"),
                    name=name,
                ),
            )

    def midpoint(self, plan: DocumentPlan) -> None:
        review, at, staff_id = plan.midpoint, plan.at, plan.staff.pk
        view = _MidpointView()
        document = SimpleNamespace(pk=self.doc, midpoint=view)
        started = at["midpoint_started"]
        self.event(
            "midpoint_started",
            "Mid-point review started",
            review.started_by,
            started,
            said=MIDPOINT_STARTED,
        )
        view.staff_comments = review.staff_comments
        if review.state != MidpointReview.State.OPEN:
            moment = at["midpoint_submitted"]
            content = current_stage_content(document, "midpoint")
            data = self.sign("midpoint", "submit_midpoint", staff_id, "staff", content, moment)
            self.event(
                "submit_midpoint",
                _label(MIDPOINT, "submit_midpoint", "staff"),
                staff_id,
                moment,
                data=data,
            )
        if review.state == MidpointReview.State.FINALISED:
            moment = at["midpoint_finalised"]
            fro = plan.cycle.officers(staff_id, moment.date())[0]
            view.fro_comments = review.fro_comments
            content = current_stage_content(document, "midpoint")
            data = self.sign("midpoint", "finalise_midpoint", fro, "fro", content, moment)
            self.event(
                "finalise_midpoint",
                _label(MIDPOINT, "finalise_midpoint", "fro"),
                fro,
                moment,
                data=data,
            )
        self.w.midpoints.add(
            self.doc,
            review.state,
            review.started_by,
            started,
            view.staff_comments,
            at.get("midpoint_submitted"),
            view.fro_comments,
            at.get("midpoint_finalised"),
        )

    def evaluation(self, plan: DocumentPlan) -> None:
        """Steps 6-9 as far as the document's stage, each signed with its stage content."""
        w, at, cycle, content, planned = self.w, plan.at, plan.cycle, plan.content, plan.evaluation
        staff_id = plan.staff.pk
        started = at["evaluation_started"]
        answers = planned.answers
        role = "staff" if planned.started_by == staff_id else "fro"
        self.event(
            "start_evaluation",
            _label(APPRAISAL, "start_evaluation", role),
            planned.started_by,
            started,
        )
        goal_rows = [
            _AssessmentView(w.goal_rows.allocate(), goal.title, goal_id=goal.pk)
            for goal in content.goals
        ]
        competency_rows = [
            _AssessmentView(w.competency_rows.allocate(), c.name, competency_id=c.pk)
            for c in evaluated_competencies(cycle, content)
        ]
        appraisal = SimpleNamespace(
            pk=self.doc,
            self_overall_comment=planned.self_overall,
            overall_rating=None,
            fro_overall_comment="",
            sro_comment="",
            staff_final_comment="",
            goal_rows=_Related(goal_rows),
            competency_rows=_Related(competency_rows),
            # The managerial-accountability answers as `appraisals.signing` reads them (by
            # question id), and the FRO's comments on them (set with the ratings).
            signing_accountability=sorted(
                (SimpleNamespace(question_id=question, text=text) for question, text in answers),
                key=attrgetter("question_id"),
            ),
            fro_accountability_comment="",
            # The work plan as the evaluation's signers saw it (signature content version 2).
            document=SimpleNamespace(
                goals=_Related(content.goals),
                competencies=_Related([*cycle.core_values, *content.competencies]),
                development_goals=_Related(content.development),
            ),
        )

        def sign(stage_name, action, signer, role, step):
            content = STAGE_CONTENT[stage_name](appraisal)
            data = self.sign(stage_name, action, signer, role, content, at[step])
            comment = SRO_RETURN if action == "return_to_fro" else ""
            self.event(
                action,
                _label(APPRAISAL, action, role),
                signer,
                at[step],
                comment=comment,
                data=data,
            )

        for row, text in zip(goal_rows, planned.self_goals, strict=True):
            row.self_comment = text
        for row, text in zip(competency_rows, planned.self_competencies, strict=True):
            row.self_comment = text
        if "self_submitted" in at:
            sign("self_assessment", "submit_self_evaluation", staff_id, "staff", "self_submitted")
        for supervisor, text, moment in planned.supervisor_comments:
            w.supervisor_comments.add(self.doc, supervisor, text, moment)
            self.event(
                "supervisor_comment",
                "Additional supervisor's comments added",
                supervisor,
                moment,
                said=SUPERVISOR_COMMENTS_ADDED,
            )
        if planned.rated_at is not None:
            self.rate(appraisal, plan)
        for step, action in (
            ("fro_signed", "sign_evaluation"),
            ("sro_returned", "return_to_fro"),
            ("fro_resigned", "sign_evaluation"),
        ):
            if step in at:
                fro, sro = cycle.officers(staff_id, at[step].date())
                if action == "sign_evaluation":
                    sign("fro_evaluation", action, fro, "fro", step)
                else:
                    sign("sro_review", action, sro, "sro", step)
        if "sro_signed" in at:
            appraisal.sro_comment = planned.sro_comment
            sro = cycle.officers(staff_id, at["sro_signed"].date())[1]
            sign("sro_review", "approve_evaluation", sro, "sro", "sro_signed")
        completed = "acknowledged" in at
        if completed:
            appraisal.staff_final_comment = planned.final_comment
            sign("acknowledgement", "acknowledge", staff_id, "staff", "acknowledged")
        overall_level = appraisal.overall_rating
        w.appraisals.add(
            self.doc,
            plan.stage,
            started,
            appraisal.self_overall_comment,
            at.get("self_submitted"),
            overall_level.pk if overall_level else None,
            appraisal.fro_overall_comment,
            appraisal.fro_accountability_comment,
            at.get("fro_resigned") or at.get("fro_signed"),
            appraisal.sro_comment,
            at.get("sro_signed"),
            appraisal.staff_final_comment,
            at.get("acknowledged"),
            overall_level.pk if completed and overall_level else None,
        )
        for table, rows, key in (
            (w.goal_rows, goal_rows, "goal_id"),
            (w.competency_rows, competency_rows, "competency_id"),
        ):
            for row in rows:
                rating = row.rating.pk if row.rating else None
                table.put(
                    row.pk, self.doc, getattr(row, key), row.self_comment, rating, row.fro_comment
                )
        for question, text in answers:
            w.accountability_answers.add(self.doc, question, text)
        if planned.pip is not None:
            self.improvement_plan(plan, planned.pip)

    def rate(self, appraisal, plan: DocumentPlan) -> None:
        """The FRO's ratings and comments, with the services' "ratings changed" event."""
        cycle, planned = plan.cycle, plan.evaluation
        levels, moment = cycle.levels, planned.rated_at
        fro = cycle.officers(plan.staff.pk, moment.date())[0]
        changes = []
        lines = []
        for row, rating in zip(appraisal.goal_rows, planned.goal_ratings, strict=True):
            if cycle.model.goal_ratings_enabled and rating.code:
                row.rating = levels[(RatingScale.Kind.GOAL, rating.code)]
                changes.append(f"{row.label}: not rated → {row.rating.label}")
                lines.append(services.rating_change(row.label, None, row.rating.label))
            row.fro_comment = rating.comment
        for row, rating in zip(appraisal.competency_rows, planned.competency_ratings, strict=True):
            if rating.code:
                row.rating = levels[(RatingScale.Kind.COMPETENCY, rating.code)]
                changes.append(f"{row.label}: not rated → {row.rating.label}")
                lines.append(services.rating_change(data_label(row.label), None, row.rating.label))
            row.fro_comment = rating.comment
        if planned.overall:
            appraisal.overall_rating = levels[(RatingScale.Kind.OVERALL, planned.overall)]
            label = appraisal.overall_rating.label
            changes.append(f"Overall: not rated → {label}")
            lines.append(services.rating_change(services.OVERALL, None, label))
        appraisal.fro_overall_comment = planned.overall_comment
        appraisal.fro_accountability_comment = planned.accountability_comment
        self.event(
            "ratings_changed",
            f"Ratings changed ({len(changes)})",
            fro,
            moment,
            comment="\n".join(changes),
            data={"lines": lines},
            said=_counted(gettext_noop("Ratings changed (%(count)s)"), None, len(changes)),
        )

    def improvement_plan(self, plan: DocumentPlan, pip: PipPlan) -> None:
        w = self.w
        fro = plan.cycle.current_officers(plan.staff.pk)[0]
        closed = pip.closed_at is not None
        pk = w.pips.add(
            self.doc,
            fro,
            pip.opened,
            pip.objectives,
            pip.support,
            pip.start,
            pip.end,
            ImprovementPlan.State.CLOSED if closed else ImprovementPlan.State.OPEN,
            pip.outcome,
            PIP_OUTCOME_COMMENTS.get(pip.outcome, ""),
            pip.closed_at,
        )
        said = phrase(
            gettext_noop("Performance improvement plan opened (%(start)s – %(end)s)"),
            start=pip.start,
            end=pip.end,
        )
        self.event("pip_opened", _rare(said), fro, pip.opened)
        for held, notes, moment in pip.meetings:
            w.pip_meetings.add(pk, held, notes, fro)
            said = phrase(gettext_noop("PIP review meeting of %(date)s recorded"), date=held)
            self.event("pip_meeting", _rare(said), fro, moment)
        if closed:
            said = phrase(
                gettext_noop("PIP closed: %(outcome)s"),
                outcome=ImprovementPlan.Outcome(pip.outcome).label,
            )
            self.event("pip_closed", _rare(said), fro, pip.closed_event_at)


class DocumentWriter:
    """Writes a few planned documents at once (tests/builders.py builds one per call): the
    rows the demo seed writes for each plan, in the current transaction, then each document's
    stage from its states. `names` gives the timeline's name of each user a plan names as the
    FRO creating the work plan or as an additional supervisor."""

    def __init__(self, *, names: dict[int, str]):
        self.writer = _Writer(timezone.now())
        self.rows = _DocumentRows(self.writer, names)

    def new_goal_id(self) -> int:
        """An id for a goal of a plan, taken ahead (for texts that name it)."""
        return self.writer.goals.allocate()

    def write(self, plans: Iterable[DocumentPlan]) -> list[int]:
        """Write the plans; returns the documents' ids."""
        ids = [self.rows.write(plan) for plan in plans]
        self.writer.write_now()
        refresh_document_stages(WorkPlan.objects.filter(pk__in=ids))
        return ids


# --- through the services: something waiting for each demo login ---------------------------


@dataclass
class _Waiting:
    """A document built through the services, up to `stage` (a CURRENT_STAGES name)."""

    staff_id: int
    stage: str
    overall: int = 2  # the overall tier (OVERALL_WEIGHTS)
    supervisor: str = ""  # the demo additional supervisor: "proposed" or "accepted"
    supervisor_comments: bool = False
    check_ins: bool = False
    concern: bool = False  # the FRO's mid-point comments raise a concern
    # Afterwards: "roll_back" (HR, at the FRO's request), "pip" (the FRO, after the mid-point
    # review) or "six_month_pip" (the FRO, a PIP opened six months ago: `SIX_MONTH_PIP`).
    then: str = ""


def _demo_logins() -> dict[str, int | None]:
    ids = dict(User.objects.filter(email__in=DEMO_LOGINS.values()).values_list("email", "pk"))
    return {role: ids.get(email) for role, email in DEMO_LOGINS.items()}


def _plan_waiting(org: _Org, login: dict[str, int | None]) -> list[_Waiting]:
    """Whose documents go through the services so that every printed demo login (the
    administrator aside) finds something under My tasks:

    - staff: their evaluation to acknowledge, rated "partially meets" (a rebuttable level),
      with check-ins and the additional supervisor's comments;
    - FRO: supervisees with a work plan to approve, a mid-point review to finalise and
      evaluations to rate (one of them rolled back by HR at the FRO's request), one with
      an open performance improvement plan, and one whose PIP has reached its six-month
      review (when the open cycle began more than six months ago);
    - SRO: an evaluation to approve, and the evaluation under way of a manager they are FRO
      of (their upward feedback shows on it);
    - additional supervisor: an accepted request with an evaluation to comment on, and a
      request to answer;
    - HOD: their own self-evaluation (their entity holds the roll-back and the open PIP);
    - HR focal point: their own draft work plan; staff representative: a returned one;
    - the acting FRO of the seeded delegation: a work plan their principal has to approve.
    """
    lines = org.cycles[1].lines
    waiting: list[_Waiting] = []

    def take(staff_id: int | None, stage: str, **options) -> bool:
        if staff_id is None or staff_id not in lines or staff_id not in org.staff:
            return False
        if any(w.staff_id == staff_id for w in waiting):
            return False
        waiting.append(_Waiting(staff_id, stage, **options))
        return True

    def team(officer: int | None, position: int) -> list[int]:
        """Staff whose current FRO (position 2) or SRO (3) is `officer`."""
        return [pk for pk in org.staff if pk in lines and lines[pk][-1][position] == officer]

    take(
        login["staff"],
        "acknowledgement",
        overall=PARTIAL,
        supervisor="accepted",
        supervisor_comments=True,
        check_ins=True,
    )
    take(login["hod"], "self_assessment")
    take(login["hr_focal_point"], "draft")
    take(login["staff_representative"], "returned")
    fro_team = team(login["fro"], 2)
    sro_team = team(login["sro"], 3)
    wanted = [
        (fro_team, "submitted", {"supervisor": "proposed"}),
        (fro_team, "fro_evaluation", {"supervisor": "accepted"}),
        (fro_team, "midpoint_submitted", {}),
        ([pk for pk in sro_team if pk not in fro_team] + sro_team, "sro_review", {}),
        (fro_team, "acknowledgement", {"then": "roll_back"}),
        (fro_team, "midpoint_finalised", {"concern": True, "then": "pip"}),
    ]
    for principal, acting in Delegation.objects.filter(role=Delegation.Role.FRO).values_list(
        "principal_id", "acting_id"
    ):
        wanted.append(([pk for pk in team(principal, 2) if pk != acting], "submitted", {}))
    # A manager the SRO login is FRO of, their evaluation under way: the upward-feedback demo
    # (`demo.feedback`) shows the SRO their results on it, whatever the size of the demo.
    supervising = Counter(entries[-1][2] for entries in lines.values())
    demo_people = {pk for pk in login.values() if pk}
    managers = sorted(
        (pk for pk in team(login["sro"], 2) if supervising[pk] and pk not in demo_people),
        key=lambda pk: (-supervising[pk], pk),
    )
    wanted.append((managers, "self_assessment", {}))
    cycle_start = org.cycles[1].model.start
    if six_month_pip_start() - SIX_MONTH_PIP.approved_before >= cycle_start + DAY * 30:
        # On duty since the cycle began: their work plan approved before the PIP opened.
        since_start = [pk for pk in fro_team if org.staff[pk].entry_on_duty <= cycle_start]
        wanted.append((since_start, "approved", {"then": "six_month_pip"}))
    for candidates, stage, options in wanted:
        for staff_id in candidates:
            if take(staff_id, stage, **options):
                break
    return waiting


@dataclass(frozen=True)
class _SixMonthPip:
    """The demo's PIP that has reached its six-month review (`appraisals.selectors`
    `six_month_review_date`): opened `months` months before the day of seeding on a work plan
    approved at least `approved_before` earlier, running `runs_months` months, its review
    meetings held every month up to `last_meeting_before` its six-month review, which is the
    FRO's next step, due the day of seeding."""

    months: int = SIX_MONTHS
    runs_months: int = 9
    approved_before: datetime.timedelta = datetime.timedelta(days=10)
    last_meeting_before: datetime.timedelta = datetime.timedelta(days=20)


SIX_MONTH_PIP = _SixMonthPip()


def six_month_pip_start() -> datetime.date:
    return add_months(timezone.localdate(), -SIX_MONTH_PIP.months)


# How long ago the demo entity's rebuttable evaluations were acknowledged: the case furthest
# along (forwarded to the status file) follows the oldest (`demo.rebuttals`).
REBUTTABLE_ACKNOWLEDGED_AGO = (40, 28, 16, 6)


def _plan_rebuttable(
    org: _Org, login: dict[str, int | None], reserved: set[int], now: datetime.datetime
) -> dict[int, datetime.datetime]:
    """Four staff members of the demo logins' entity whose open-cycle evaluation is
    completed and rebuttable, acknowledged a few weeks ago, so that the entity holds a
    rebuttal case at each step for its HOD and HR focal point (README: "forward a panel's
    report", "reply to a rebuttal"). Neither the HOD nor the HR focal point login is in their
    reporting line: they act on the cases (one person, one role per document)."""
    hod, hr = login["hod"], login["hr_focal_point"]
    if hod is None or hod not in org.staff:
        return {}
    entity = org.units[org.staff[hod].unit_id].entity_id
    lines = org.cycles[1].lines
    late = org.cycles[1].model.start + NEW_STAFF_AFTER
    logins = {pk for pk in login.values() if pk}
    candidates = sorted(
        (
            staff
            for pk, staff in org.staff.items()
            if pk in lines
            and pk not in reserved
            and pk not in logins
            and staff.entry_on_duty <= late
            and org.units[staff.unit_id].entity_id == entity
            and not {hod, hr} & {officer for line in lines[pk] for officer in line[2:]}
        ),
        key=attrgetter("index_number"),
        reverse=True,
    )
    return {
        staff.pk: now - DAY * days
        for staff, days in zip(candidates, REBUTTABLE_ACKNOWLEDGED_AGO, strict=False)
    }


class _ThroughServices:
    """Builds the `_Waiting` documents with the real services, as the users would."""

    def __init__(self, planner: _Planner, login: dict[str, int | None]):
        self.planner = planner
        self.cycle = planner.org.cycles[1]
        self.users = User.objects.in_bulk([pk for pk in login.values() if pk])
        self.additional = self.users.get(login["additional_supervisor"])
        self.hr = self.users.get(login["hr_focal_point"])
        self.now = planner.now
        self.today = timezone.localdate()

    def user(self, pk: int) -> User:
        if pk not in self.users:
            self.users[pk] = User.objects.get(pk=pk)
        return self.users[pk]

    def build(self, waiting: _Waiting) -> WorkPlan:
        """The document, step by step through the services, each step dated along the cycle
        as the bulk documents are (`_Planner.timeline`), then moved to those dates
        (`demo.timeline.Clock`): its check-ins, PIP and roll-back come after what they
        follow and before today."""
        clock = Clock()
        document = self._build(waiting, clock)
        clock.apply([document.pk])
        return document

    def _moments(self, waiting: _Waiting) -> dict[str, datetime.datetime]:
        stage = waiting.stage
        rank = STAGE_NAMES.index(stage)
        if rank >= STAGE_NAMES.index("midpoint_finalised"):
            midpoint = MidpointReview.State.FINALISED
        elif stage == "midpoint_submitted":
            midpoint = MidpointReview.State.STAFF_SUBMITTED
        else:
            midpoint = None
        steps = document_steps(stage, midpoint_state=midpoint)
        # Room after the last step for what follows it: the PIP's first weeks, the roll-back,
        # the six months of a PIP.
        until = {
            "pip": self.now - DAY * 15,
            "roll_back": self.now - DAY * 2,
            "six_month_pip": datetime.datetime.combine(
                six_month_pip_start() - SIX_MONTH_PIP.approved_before,
                datetime.time(8),
                tzinfo=datetime.UTC,
            ),
        }.get(waiting.then)
        staff = self.planner.org.staff[waiting.staff_id]
        return self.planner.timeline(self.cycle, staff, steps, until)

    def _build(self, waiting: _Waiting, clock: Clock) -> WorkPlan:
        planner, cycle, stage = self.planner, self.cycle, waiting.stage
        rank = STAGE_NAMES.index(stage)
        at = self._moments(waiting)
        end = self.now - datetime.timedelta(hours=1)

        def between(first: datetime.datetime, then: datetime.datetime | None, part: float):
            return first + ((then or end) - first) * part

        staff = StaffMember.objects.select_related("user").get(pk=waiting.staff_id)
        user = staff.user
        fro_id, sro_id = cycle.current_officers(staff.pk)
        fro, sro = self.user(fro_id), self.user(sro_id)
        area = planner.org.units[staff.unit_id].area
        clock.at(at["created"])
        pk = work_plan_services.create_work_plan(staff=staff, cycle=cycle.model, actor=user).pk

        def document() -> WorkPlan:
            return WorkPlan.objects.select_related("staff__user", "staff__unit", "cycle").get(pk=pk)

        content = planner.content(planner.org.staff[staff.pk], cycle)
        clock.at(at["saved"])
        work_plan_services.save_work_plan(
            work_plan=document(),
            actor=user,
            goals=[
                GoalInput(
                    title=g.title,
                    description=g.description,
                    success_criteria=g.success_criteria,
                    expected_date=g.expected_date,
                    weight=g.weight,
                    aligned_to_id=g.aligned_to_id,
                )
                for g in content.goals
            ],
            development_goals=[
                DevelopmentGoalInput(
                    title=d.title, activities=d.activities, target_date=d.target_date
                )
                for d in content.development
            ],
            competency_ids=[c.pk for c in content.competencies],
        )
        if waiting.supervisor and self.additional is not None:
            clock.at(between(at["saved"], at.get("submitted"), 0.3))
            request = work_plan_services.propose_additional_supervisor(
                work_plan=document(), actor=user, supervisor=self.additional
            )
            if waiting.supervisor == "accepted":
                clock.at(between(at["saved"], at.get("submitted"), 0.6))
                work_plan_services.answer_supervision_request(
                    request=request, actor=self.additional, accept=True
                )
        if stage == "draft":
            return document()
        clock.at(at["submitted"])
        work_plan_services.submit_work_plan(work_plan=document(), actor=user)
        if stage == "returned":
            clock.at(at["returned"])
            work_plan_services.return_work_plan(
                work_plan=document(), actor=fro, comment=RETURN_COMMENTS[0]
            )
        if rank < STAGE_NAMES.index("approved"):
            return document()
        clock.at(at["approved"])
        work_plan_services.approve_work_plan(work_plan=document(), actor=fro)
        if waiting.check_ins:
            notes = ((user, 0.3, CHECK_IN_NOTES[0]), (fro, 0.7, CHECK_IN_NOTES[2]))
            for author, part, note in notes:
                moment = between(at["approved"], at["midpoint_started"], part)
                clock.at(moment)
                work_plan_services.add_check_in(
                    work_plan=document(), actor=author, held_on=moment.date(), note=note
                )
        if waiting.then == "six_month_pip":
            self.six_month_pip(document(), fro, area, clock)
        if stage == "approved":
            return document()
        clock.at(at["midpoint_started"])
        work_plan_services.start_midpoint(work_plan=document(), actor=user)
        clock.at(at["midpoint_submitted"])
        work_plan_services.submit_midpoint(
            work_plan=document(), actor=user, comments=MIDPOINT_STAFF[0].format(area=area)
        )
        if stage == "midpoint_submitted":
            return document()
        fro_comments = MIDPOINT_CONCERN if waiting.concern else MIDPOINT_FRO[0].format(area=area)
        clock.at(at["midpoint_finalised"])
        work_plan_services.finalise_midpoint(work_plan=document(), actor=fro, comments=fro_comments)
        if waiting.then == "pip":
            # Opened two days after the mid-point review that raised the concern; its first
            # review meeting a fortnight later (in the past), its end three months on.
            opened = at["midpoint_finalised"] + DAY * 2
            start = opened.date()
            held = min(start + DAY * 14, self.today - DAY)
            clock.at(opened)
            plan = services.open_improvement_plan(
                document=document(),
                actor=fro,
                objectives=PIP_OBJECTIVES.format(area=area),
                support=PIP_SUPPORT,
                start=start,
                end=max(start + DAY * 90, self.today + DAY * 30),
            )
            clock.at(_at(held, planner.rng))
            services.add_improvement_meeting(
                plan=plan, actor=fro, held_on=held, notes=PIP_MEETINGS[0]
            )
        if stage == "midpoint_finalised":
            return document()
        clock.at(at["evaluation_started"])
        services.start_evaluation(document=document(), actor=user)
        if stage == "self_assessment":
            return document()
        appraisal = Appraisal.objects.get(pk=pk)
        goal_rows = list(appraisal.goal_rows.order_by("pk"))
        competency_rows = list(appraisal.competency_rows.order_by("pk"))
        clock.at(between(at["evaluation_started"], at["self_submitted"], 0.8))
        services.save_self_evaluation(
            document=document(),
            actor=user,
            overall=SELF_OVERALL[3].format(area=area),
            goals={row.pk: SELF_GOAL[n % len(SELF_GOAL)] for n, row in enumerate(goal_rows)},
            competencies={row.pk: SELF_COMPETENCY[n % 3] for n, row in enumerate(competency_rows)},
            answers=self.answers(staff.pk),
        )
        clock.at(at["self_submitted"])
        services.submit_self_evaluation(document=document(), actor=user)
        if waiting.supervisor_comments and self.additional is not None:
            clock.at(between(at["self_submitted"], at.get("fro_signed"), 0.3))
            services.save_supervisor_comment(
                document=document(),
                actor=self.additional,
                comment=SUPERVISOR_COMMENTS[0].format(first=user.first_name, area=area),
            )
        if stage == "fro_evaluation":
            return document()
        clock.at(between(at["self_submitted"], at["fro_signed"], 0.9))
        self.rate(document(), fro, goal_rows, competency_rows, waiting.overall, user, area)
        clock.at(at["fro_signed"])
        services.sign_evaluation(document=document(), actor=fro)
        if stage == "sro_review":
            return document()
        clock.at(at["sro_signed"])
        services.approve_evaluation(document=document(), actor=sro, comment=SRO_COMMENTS[2])
        if waiting.then == "roll_back" and self.hr is not None:
            clock.at(between(at["sro_signed"], None, 0.5))
            services.roll_back_document(
                document=document(),
                actor=self.hr,
                requested_by=fro,
                reason="Written request of the FRO: the rating of a goal was entered on the "
                "wrong line; the evaluation has to be corrected and signed again.",
                target_stage=RollBack.Stage.FRO_EVALUATION,
            )
        return document()

    def six_month_pip(self, document: WorkPlan, fro: User, area: str, clock: Clock) -> None:
        """The FRO opens a PIP six months ago (`SIX_MONTH_PIP`) and records its monthly review
        meetings, the last some weeks before its six-month review: that review is due now."""
        rng = self.planner.rng
        start = six_month_pip_start()
        clock.at(_at(start, rng))
        plan = services.open_improvement_plan(
            document=document,
            actor=fro,
            objectives=PIP_OBJECTIVES.format(area=area),
            support=PIP_SUPPORT,
            start=start,
            end=add_months(start, SIX_MONTH_PIP.runs_months),
        )
        review = six_month_review_date(plan)
        assert review is not None  # noqa: S101 - the plan runs longer than six months
        last = review - SIX_MONTH_PIP.last_meeting_before
        held = [last - DAY * 30 * n for n in range(len(PIP_MONTHLY_MEETINGS))][::-1]
        for day, notes in zip(held, PIP_MONTHLY_MEETINGS, strict=True):
            if day <= start:
                continue
            clock.at(_at(day, rng))
            services.add_improvement_meeting(plan=plan, actor=fro, held_on=day, notes=notes)

    def answers(self, staff_id: int) -> dict[int, str]:
        """A supervisor's answers to the cycle's managerial-accountability questions (ILO), by
        question id; none for anyone else."""
        if not self.cycle.answers_questions(staff_id):
            return {}
        return {
            question: ACCOUNTABILITY_ANSWERS[n % len(ACCOUNTABILITY_ANSWERS)][0]
            for n, question in enumerate(self.cycle.questions)
        }

    def rate(self, document, fro, goal_rows, competency_rows, overall, user, area) -> None:
        """The FRO rates every goal and competency at the `overall` tier (the first goal at
        the second tier when the overall one is lower; every other competency at the second)."""
        level = self.cycle.level
        goals = {}
        for n, row in enumerate(goal_rows):
            goal = level(RatingScale.Kind.GOAL, 2 if n == 0 and overall >= PARTIAL else overall)
            goals[row.pk] = Assessment(comment=FRO_GOAL[goal.rank][0], rating_id=goal.pk)
        competencies = {}
        for n, row in enumerate(competency_rows):
            competency = level(RatingScale.Kind.COMPETENCY, 2 if n % 2 else overall)
            competencies[row.pk] = Assessment(
                comment=FRO_COMPETENCY[competency.rank][0], rating_id=competency.pk
            )
        services.save_ratings(
            document=document,
            actor=fro,
            goals=goals,
            competencies=competencies,
            overall_rating_id=level(RatingScale.Kind.OVERALL, overall).pk,
            overall_comment=FRO_OVERALL[overall].format(first=user.first_name, area=area),
            accountability_comment=(
                FRO_ACCOUNTABILITY[0].format(first=user.first_name)
                if self.cycle.answers_questions(document.staff_id)
                else None
            ),
        )


# --- the entry point -----------------------------------------------------------------------


def seed_documents() -> int:
    """Seed the demo documents onto the demo organisation; returns how many documents (work
    plans) were added: none when the demo cycles already hold a document or a unit goal, or
    when there is no demo organisation."""
    current, previous = demo_cycles()
    if current is None or previous is None:
        return 0
    login = _demo_logins()
    if login["staff"] is None:
        return 0
    if (
        WorkPlan.objects.filter(cycle__in=[current, previous]).exists()
        or Goal.objects.filter(cycle__in=[current, previous]).exists()
    ):
        return 0
    with transaction.atomic(), muted():
        now = timezone.now()
        org = _Org.load(current, previous)
        writer = _Writer(now)
        planner = _Planner(org, writer, now)
        waiting = _plan_waiting(org, login)
        reserved = {w.staff_id for w in waiting}
        rebuttable = _plan_rebuttable(org, login, reserved, now)
        try:
            planner.run(reserved=reserved, rebuttable=rebuttable)
            writer.finish()
        finally:
            writer.close()
        refresh_document_stages()
        builder = _ThroughServices(planner, login)
        for item in waiting:
            builder.build(item)
    return planner.documents + len(waiting)
