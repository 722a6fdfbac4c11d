"""Database helpers every app may use."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models


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
