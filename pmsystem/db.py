"""Database helpers every app may use."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar

import psycopg
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import BooleanField, Expression, F, QuerySet, Subquery
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


def analyze(tables: Iterable[type[models.Model]]) -> None:
    """PostgreSQL: refresh the planner's statistics of the models' tables (ANALYZE).

    Run it after a bulk load. Until autovacuum comes by (minutes later, and never for rows a
    transaction has not committed yet) the planner believes a table holds what it held when
    last analysed, often nothing, and chooses plans that are fine on empty tables and run for
    minutes on thousands of rows. ANALYZE inside the loading transaction counts that
    transaction's own rows, and its statistics commit or roll back with them. Unmanaged models
    (perhaps views) are left out. Elsewhere (SQLite) it does nothing.
    """
    if connection.vendor != "postgresql":
        return
    names = list(
        dict.fromkeys(
            model._meta.db_table
            for model in tables
            if model._meta.managed and not model._meta.proxy
        )
    )
    if not names:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(n) for n in names))


class AnyOf(Expression):
    """`column IN (subquery)` as a condition that stays usable by an index when it is one arm
    of an OR: on PostgreSQL `column = ANY(ARRAY(subquery))`, whose subquery runs once before
    the scan, so `fro_id = 7 OR fro_id = ANY(ARRAY(...))` is a BitmapOr of two index scans
    (an IN subquery inside an OR is a filter over every row). Elsewhere, plain IN."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str | Expression, queryset: QuerySet[Any]):
        super().__init__()
        self.column = F(column) if isinstance(column, str) else column
        self.subquery = Subquery(queryset)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        self.column, self.subquery = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)
        return f"{column} IN {subquery}", [*column_params, *subquery_params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)
        return f"{column} = ANY(ARRAY{subquery})", [*column_params, *subquery_params]


class InValues(Expression):
    """`column IN (values)` with the values as one parameter: on PostgreSQL `column = ANY(%s)`
    with the list as an array, on SQLite `column IN (SELECT value FROM json_each(%s))` with it
    as JSON text, elsewhere plain IN. Django's `__in` writes a placeholder per value, which
    the driver then splits again; for `verify_signatures`' batches of thousands of ids that
    was a tenth of its run (issue 14). One parameter also keeps the SQL the same whatever the
    values, so a `PreparedQuery` may take a list (`_adapt`). Index use is the same."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str | Expression, values: Iterable[int]):
        super().__init__()
        self.column = F(column) if isinstance(column, str) else column
        self.values = list(values)

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.column)
        if not self.values:
            return "1 = 0", []
        marks = ", ".join(["%s"] * len(self.values))
        return f"{column} IN ({marks})", [*params, *self.values]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s)", [*params, self.values]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.column)
        # The column is compiled SQL and the values one parameter: nothing is interpolated.
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return sql, [*params, json.dumps(self.values)]


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch


def _adapt(value: Any) -> Any:
    """A value as the backend passes it to the driver: SQLite's backend sends a date as its
    ISO text (`sql_with_params` gives it so), PostgreSQL's as a date; a list (`InValues`'
    values) goes to SQLite as JSON text, to PostgreSQL as an array."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, list) and connection.vendor == "sqlite":
        return json.dumps(value)
    return value


# A prepared query's SQL, its parameters, where each call's values go, and Django's compiler
# (kept for `objects`: the columns' converters and how rows become instances; the converters
# read only settings, not the connection the compiler was made with).
_Compiled = tuple[str, tuple[Any, ...], tuple[tuple[int, str], ...], Any]


class PreparedQuery:
    """A query compiled to SQL once per process and database, then run with each call's values.

    Django turns a queryset into SQL on every evaluation. For a large condition tree (the
    conflict rule over every document role, `workplans.permissions.acting_documents`) that is
    milliseconds of Python on each request, many times what the database spends on it (issue
    14: most of My tasks' time was the ORM compiling the same conditions). `build` returns the
    queryset for keyword values; its structure may depend neither on them nor on the data.
    It is compiled once with `placeholders`, values each of which must reach the SQL only as
    parameters (checked then: each is found, and no other date is, so a day read inside
    `build` instead of passed in cannot be frozen into the cache); a call replaces them by its
    own values. The rows come back as the database driver gives them (tuples in the queryset's
    `values_list` order, without Django's converters: SQLite's booleans are 0 and 1), or as
    model instances (`objects`). On PostgreSQL the statement is prepared (`_cursor`)."""

    # Every prepared query of the process (module-level objects), for `recompiling`.
    instances: ClassVar[list[PreparedQuery]] = []

    def __init__(self, build: Callable[..., QuerySet[Any]], **placeholders: Any):
        self.build = build
        self.placeholders = placeholders
        self._compiled: dict[str, _Compiled] = {}
        PreparedQuery.instances.append(self)

    @classmethod
    def recompiling(cls, monkeypatch: Any) -> None:
        """Tests: every prepared query compiles afresh until the test ends (`monkeypatch`
        puts the compiled SQL back), so a rule the test replaces reaches them too."""
        for query in cls.instances:
            monkeypatch.setattr(query, "_compiled", {})

    def compile(self) -> _Compiled:
        compiled = self._compiled.get(connection.vendor)
        if compiled is not None:
            return compiled
        queryset = self.build(**self.placeholders)
        if queryset._prefetch_related_lookups:
            raise ValueError("a prepared query cannot prefetch: it is one statement")
        self._of_instances = queryset._iterable_class is ModelIterable
        self._of_tuples = queryset._iterable_class is ValuesListIterable
        compiler = queryset.query.get_compiler(using=connection.alias)
        sql, params = compiler.as_sql()
        adapted = {name: _adapt(value) for name, value in self.placeholders.items()}
        slots = tuple(
            (index, name)
            for index, param in enumerate(params)
            for name, value in adapted.items()
            if type(param) is type(value) and param == value
        )
        missing = set(self.placeholders) - {name for _, name in slots}
        if missing:
            raise ValueError(f"placeholders not found in the SQL: {sorted(missing)}")
        placed = {index for index, _ in slots}
        frozen = [
            param
            for index, param in enumerate(params)
            if index not in placed
            and (isinstance(param, datetime.date) or (isinstance(param, str) and _ISO_DAY(param)))
        ]
        if frozen:
            raise ValueError(f"dates in the SQL that are not placeholders: {frozen}")
        compiled = (sql, tuple(params), slots, compiler)
        self._compiled[connection.vendor] = compiled
        return compiled

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        if set(values) != set(self.placeholders):
            raise TypeError(f"expected values for {sorted(self.placeholders)}")
        sql, template, slots, _ = self.compile()
        params = list(template)
        for index, name in slots:
            params[index] = _adapt(values[name])
        with _cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def values(self, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of a `values_list` queryset as Django gives them: through the fields'
        converters (SQLite's dates are dates), as `prepared_values` gives them."""
        rows = self.rows(**values)
        compiler = self.compile()[3]
        if not self._of_tuples:
            raise TypeError("values() needs a values_list() queryset (not flat, not named)")
        return list(compiler.results_iter([rows], tuple_expected=True))

    def objects(self, **values: Any) -> list[Any]:
        """The rows as the queryset's model instances, as Django's `ModelIterable` makes them:
        values through the fields' converters, `select_related` objects attached, annotations
        set. For a `build` that returns a model queryset (no `values`, no prefetching)."""
        rows = self.rows(**values)
        compiler = self.compile()[3]
        if not self._of_instances:
            raise TypeError("objects() needs a queryset of model instances, not values")
        klass_info, select = compiler.klass_info, compiler.select
        db = compiler.using
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db)
        annotations = compiler.annotation_col_map or {}
        found = []
        for row in compiler.results_iter([rows]):
            instance = klass_info["model"].from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found


def prepared_values(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A `values_list` queryset's rows as Django gives them (its converters applied), its
    statement prepared on the server like `PreparedQuery`'s (`_cursor`). For a query built
    per request whose text repeats from one request to the next (the same scope, the same
    page) and which costs more to plan than to run: the compliance people list spent 8-10 ms
    planning its eleven joins and 4 ms running them at 40,000 staff. psycopg keeps the
    statements prepared on each connection by their text (the last 100)."""
    if queryset._iterable_class is not ValuesListIterable:
        raise TypeError("prepared_values() needs a values_list() queryset (not flat, not named)")
    if queryset._prefetch_related_lookups:
        raise ValueError("a prepared query cannot prefetch: it is one statement")
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    with _cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return list(compiler.results_iter([rows], tuple_expected=True))


# --- reading a prepared query's raw values ------------------------------------------------------
# `PreparedQuery.rows` gives the driver's values, without Django's converters: PostgreSQL's
# are Python's, SQLite's dates, timestamps and JSON are text. These read either.


def raw_day(value: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def raw_moment(value: Any) -> datetime.datetime | None:
    """A timestamp: aware on PostgreSQL, naive UTC text on SQLite (made aware)."""
    moment: datetime.datetime | None = (
        datetime.datetime.fromisoformat(value) if isinstance(value, str) else value
    )
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def raw_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# --- prepared statements (PostgreSQL) ---------------------------------------------------------


class _PreparingCursor(psycopg.Cursor):
    """A psycopg cursor binding on the server that prepares every statement it runs."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, **{"prepare": True, **kwargs})


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log for a prepared statement: the SQL with its values written in, as
    Django's client-side cursors log theirs (psycopg knows only the `$1` form here)."""

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


# Set inside `unprepared()`.
_UNPREPARED: ContextVar[bool] = ContextVar("unprepared", default=False)


@contextmanager
def unprepared() -> Iterator[None]:
    """Inside, `PreparedQuery` is not prepared on the server: for bulk loads (the demo, the
    organisation import), whose tables grow as they run. PostgreSQL keeps a generic plan
    until the tables' statistics change (ANALYZE), and the plan was made for the tables as
    they were then: one made while a table was nearly empty stays in use as the load fills
    it, where a query planned on each run sees the table's real size. (It was added for a
    timeout of tests/test_planner_statistics.py inside the seed, which it did not cure: the
    statement timed out once more unprepared; that cause is not known yet.)"""
    token = _UNPREPARED.set(True)
    try:
        yield
    finally:
        _UNPREPARED.reset(token)


def _cursor() -> Any:
    """A cursor for `PreparedQuery`: on PostgreSQL, one whose statement is prepared on the
    server, once per connection (kept across requests, `CONN_MAX_AGE`). PostgreSQL then
    plans it afresh for its first five runs and afterwards keeps a generic plan unless that
    costs more, where Django's cursors send each query as new text to be planned again. For
    the large conditions of My tasks planning was most of the database's time (issue 14: the
    request flags 3.4 → 0.8 ms, the acting documents 10.8 → 2.1 ms on a 3,000-staff demo).
    It is wrapped as Django wraps its own (`BaseDatabaseWrapper._prepare_cursor`), so
    `execute_wrapper` and the query log (the tests' query counts, `bench`) see it."""
    if (
        connection.vendor != "postgresql"
        or not settings.DB_PREPARED_STATEMENTS
        or _UNPREPARED.get()
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        return _LoggedCursor(cursor, connection)
    return CursorWrapper(cursor, connection)
