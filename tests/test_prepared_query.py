"""pmsystem.db.PreparedQuery: compiled once, run with each call's values, and refusing a
queryset whose SQL would freeze a value the call does not pass."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from org.models import DepartmentRole
from pmsystem.db import InValues, PreparedQuery, prepared_values, unprepared
from tests.concurrency import only_on_postgresql
from tests.factories import DepartmentRoleFactory

pytestmark = pytest.mark.django_db

JAN, JUN = datetime.date(2026, 1, 1), datetime.date(2026, 6, 1)


def roles_from(*, user_id: int, on: datetime.date):
    return (
        DepartmentRole.objects.filter(user_id=user_id, start__lte=on)
        .order_by("pk")
        .values_list("pk")
    )


def test_each_call_runs_with_its_own_values_and_the_sql_is_compiled_once():
    first = DepartmentRoleFactory(start=JAN)
    second = DepartmentRoleFactory(start=JUN)
    builds = []

    def build(**values):
        builds.append(values)
        return roles_from(**values)

    query = PreparedQuery(build, user_id=-1, on=datetime.date(1901, 1, 1))
    assert query.rows(user_id=first.user_id, on=JAN) == [(first.pk,)]
    assert query.rows(user_id=second.user_id, on=JAN) == []
    assert query.rows(user_id=second.user_id, on=JUN) == [(second.pk,)]
    assert query.rows(user_id=first.user_id, on=JAN - datetime.timedelta(days=1)) == []
    assert len(builds) == 1
    with pytest.raises(TypeError):
        query.rows(user_id=first.user_id)


def test_a_date_read_inside_the_build_instead_of_passed_is_refused():
    def build(*, user_id: int, on: datetime.date):
        return roles_from(user_id=user_id, on=on).filter(end__gte=timezone.localdate())

    with pytest.raises(ValueError, match="dates in the SQL that are not placeholders"):
        PreparedQuery(build, user_id=-1, on=datetime.date(1901, 1, 1)).rows(user_id=1, on=JAN)


def test_a_placeholder_that_does_not_reach_the_sql_is_refused():
    def build(*, user_id: int, on: datetime.date):
        return DepartmentRole.objects.filter(user_id=user_id).values_list("pk")

    with pytest.raises(ValueError, match=r"placeholders not found in the SQL: \['on'\]"):
        PreparedQuery(build, user_id=-1, on=datetime.date(1901, 1, 1)).rows(user_id=1, on=JAN)


# --- prepared on the server (PostgreSQL) ---------------------------------------------------------


def _prepared_statements() -> dict[str, int]:
    """This connection's prepared statements: SQL → times run (generic + custom plans)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _runs_of(statements: dict[str, int], marker: str) -> int:
    return sum(runs for sql, runs in statements.items() if marker in sql)


def test_on_postgresql_the_statement_is_prepared_once_and_run_again_with_each_calls_values():
    only_on_postgresql("prepared-statement tests", "Prepared statements are PostgreSQL's.")
    role = DepartmentRoleFactory(start=JAN)
    query = PreparedQuery(roles_from, user_id=-1, on=datetime.date(1901, 1, 1))
    marker = '"org_departmentrole"."user_id" = $2'
    before = _runs_of(_prepared_statements(), marker)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(7):
            assert query.rows(user_id=role.user_id, on=JAN) == [(role.pk,)]
        assert query.rows(user_id=role.user_id, on=JAN - datetime.timedelta(days=1)) == []
    # Seen by Django's query log (the query counts of the tests and of `bench`).
    assert len(captured) == 8
    assert _runs_of(_prepared_statements(), marker) == before + 8


def test_prepared_statements_can_be_turned_off(settings):
    only_on_postgresql("prepared-statement tests", "Prepared statements are PostgreSQL's.")
    settings.DB_PREPARED_STATEMENTS = False
    role = DepartmentRoleFactory(start=JAN)
    query = PreparedQuery(roles_from, user_id=-1, on=datetime.date(1901, 1, 1))
    before = _prepared_statements()
    for _ in range(3):
        assert query.rows(user_id=role.user_id, on=JAN) == [(role.pk,)]
    assert _prepared_statements() == before


# --- model instances, and a list of values -------------------------------------------------------


def _roles_with_user(*, ids: list[int], on: datetime.date):
    return (
        DepartmentRole.objects.filter(InValues("pk", ids), start__lte=on)
        .select_related("user", "entity")
        .annotate(
            holds_another=Exists(
                DepartmentRole.objects.filter(user_id=OuterRef("user_id")).exclude(
                    pk=OuterRef("pk")
                )
            )
        )
        .order_by("pk")
    )


def _fields(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_objects_are_the_querysets_instances_with_their_related_objects_and_annotations():
    first = DepartmentRoleFactory(start=JAN)
    second = DepartmentRoleFactory(start=JUN, user=first.user)
    third = DepartmentRoleFactory(start=JAN)
    query = PreparedQuery(_roles_with_user, ids=[-1], on=datetime.date(1901, 1, 1))
    for ids, on in (
        ([first.pk, second.pk, third.pk], JUN),
        ([first.pk, second.pk, third.pk], JAN),
        ([third.pk], JUN),
        ([], JUN),
    ):
        got = query.objects(ids=ids, on=on)
        expected = list(_roles_with_user(ids=ids, on=on))
        assert [_fields(r) for r in got] == [_fields(r) for r in expected]
        for mine, theirs in zip(got, expected, strict=True):
            assert _fields(mine.user) == _fields(theirs.user)
            assert _fields(mine.entity) == _fields(theirs.entity)
            assert mine._state.db == theirs._state.db and not mine._state.adding
            assert type(mine.holds_another) is bool
    assert [r.pk for r in query.objects(ids=[first.pk, third.pk], on=JUN)] == [first.pk, third.pk]


def test_objects_of_a_values_query_are_refused():
    query = PreparedQuery(roles_from, user_id=-1, on=datetime.date(1901, 1, 1))
    with pytest.raises(TypeError, match="objects"):
        query.objects(user_id=1, on=JAN)


def test_bulk_loads_run_them_unprepared():
    """Inside `unprepared()` (the demo seed, the organisation import) nothing is prepared: a
    generic plan made while a table is nearly empty would stay in use as the load fills it."""
    only_on_postgresql("prepared-statement tests", "Prepared statements are PostgreSQL's.")
    role = DepartmentRoleFactory(start=JAN)
    query = PreparedQuery(roles_from, user_id=-1, on=datetime.date(1901, 1, 1))
    marker = '"org_departmentrole"."user_id" = $2'
    before = _runs_of(_prepared_statements(), marker)
    with unprepared():
        for _ in range(3):
            assert query.rows(user_id=role.user_id, on=JAN) == [(role.pk,)]
    assert _runs_of(_prepared_statements(), marker) == before
    query.rows(user_id=role.user_id, on=JAN)
    assert _runs_of(_prepared_statements(), marker) == before + 1


# --- prepared_values: a queryset built per request, prepared by its text ------------------------


def _roles_by_start(user_ids: list[int]):
    """A values_list with a join, an annotation, converters (dates) and a slice: the shape of
    a page of the compliance people list."""
    return (
        DepartmentRole.objects.filter(user_id__in=user_ids)
        .annotate(has_entity=Exists(DepartmentRole.objects.filter(pk=OuterRef("pk"))))
        .order_by("start", "pk")
        .values_list("pk", "user__email", "start", "has_entity")[1:3]
    )


def test_prepared_values_are_the_querysets_rows():
    roles = [DepartmentRoleFactory(start=JAN + datetime.timedelta(days=i)) for i in range(4)]
    user_ids = [role.user_id for role in roles]

    rows = prepared_values(_roles_by_start(user_ids))

    assert rows == list(_roles_by_start(user_ids))
    assert [type(value) for value in rows[0]] == [int, str, datetime.date, bool]
    assert [row[0] for row in rows] == [roles[1].pk, roles[2].pk]
    assert prepared_values(_roles_by_start([])) == []  # an empty IN: no statement at all
    with pytest.raises(TypeError, match="values_list"):
        prepared_values(DepartmentRole.objects.all())
    with pytest.raises(TypeError, match="values_list"):
        prepared_values(DepartmentRole.objects.values_list("pk", flat=True))


def test_on_postgresql_prepared_values_are_prepared_once_per_text():
    only_on_postgresql("prepared-statement tests", "Prepared statements are PostgreSQL's.")
    roles = [DepartmentRoleFactory() for _ in range(3)]
    with CaptureQueriesContext(connection) as queries:
        for role in roles:  # the same text, each time with another user
            assert prepared_values(_roles_by_start([role.user_id, -1])) == []
    statements = _prepared_statements()
    assert _runs_of(statements, '"org_departmentrole"."user_id" IN ($') == 3
    assert len(queries) == 3  # seen by the query log
    assert str(roles[2].user_id) in queries[2]["sql"]


def test_values_are_the_querysets_rows_through_djangos_converters():
    """`PreparedQuery.values`: the rows as the queryset gives them (SQLite's dates are dates,
    its booleans booleans), with each call's values."""
    roles = [DepartmentRoleFactory(start=JAN + datetime.timedelta(days=i)) for i in range(4)]
    user_ids = [role.user_id for role in roles]

    def build(*, ids):
        return (
            DepartmentRole.objects.filter(InValues("user_id", ids))
            .annotate(has_entity=Exists(DepartmentRole.objects.filter(pk=OuterRef("pk"))))
            .order_by("start", "pk")
            .values_list("pk", "user__email", "start", "has_entity")
        )

    query = PreparedQuery(build, ids=[-1])

    rows = query.values(ids=user_ids)

    assert rows == list(build(ids=user_ids)) and len(rows) == 4
    assert [type(value) for value in rows[0]] == [int, str, datetime.date, bool]
    assert query.values(ids=user_ids[:2]) == list(build(ids=user_ids[:2]))
    instances = PreparedQuery(
        lambda *, ids: DepartmentRole.objects.filter(InValues("user_id", ids)), ids=[-1]
    )
    with pytest.raises(TypeError, match="values_list"):
        instances.values(ids=user_ids)
