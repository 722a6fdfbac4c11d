"""Database helpers every app may use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


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
