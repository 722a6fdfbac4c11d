"""pmsystem.db.PreparedQuery: compiled once, run with each call's values, and refusing a
queryset whose SQL would freeze a value the call does not pass."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from org.models import DepartmentRole
from pmsystem.db import PreparedQuery
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
