# ruff: noqa: E501 - the replaced templates, verbatim, as their files had them
"""The compliance pages' large tables, the dashboard's counts per stage and its ratings
standards are written in Python (compliance/templatetags/compliance_tables.py, issue 14): each
writes what its template wrote. The templates they replaced are kept here and rendered by
Django next to them, in three languages, for real rows and for rows whose names carry HTML's
special characters."""

from __future__ import annotations

import dataclasses
import datetime
import re

import pytest
from django.template import engines
from django.utils import translation

from compliance import dashboard as reports

from .helpers import build_small_org

pytestmark = pytest.mark.django_db

BREAKDOWN = """{% load i18n %}{% for row in rows %}
    <tr>
      <th scope="row">{% if drill and row.unit_id %}<a href="{{ dashboard_url }}?{{ row.query }}">{{ row.label }}</a>{% else %}{{ row.label }}{% endif %}</th>
      <td class="num">{% if row.query and row.total %}<a href="{{ people_url }}?{{ row.query }}">{{ row.total }}</a>{% else %}{{ row.total }}{% endif %}</td>
      {% for text, link in row.breakdown_cells %}<td class="num">{% if link %}<a href="{{ people_url }}?{{ link }}">{{ text }}</a>{% else %}{{ text }}{% endif %}</td>{% endfor %}
    </tr>{% endfor %}"""
RATINGS = """{% for row in rows %}
      {% if row.is_organisation %}<tr class="total">{% else %}<tr>{% endif %}
        <th scope="row">{{ row.label }}</th>
        <td class="num">{{ row.total }}</td>
        {% for count, share in row.cell_texts %}<td class="num">{{ count }}{% if share is not None %} <span class="help">({{ share }})</span>{% endif %}</td>{% endfor %}
      </tr>{% endfor %}"""
PEOPLE = """{% load i18n pmsystem_i18n %}{% for row in rows %}
    <tr>
      <th scope="row">{% if row.document_id %}<a href="{% url 'workplans:document' row.document_id %}">{{ row.name }}</a>{% else %}{{ row.name }}{% endif %}</th>
      <td>{{ row.index_number }}</td>
      <td>{{ row.category }}</td>
      <td>{{ row.unit }}</td>
      <td>{{ row.fro|default:"—" }}</td>
      <td>{% if row.stage != "completed" %}{% blocktranslate trimmed with stage=row.stage_label state=row.stage_state|lower_first %}{{ stage }}: {{ state }}{% endblocktranslate %}{% else %}{{ row.stage_label }}{% endif %}</td>
      <td>{% if row.due %}{{ row.due|date:"SHORT_DATE_FORMAT" }}{% if row.overdue %} <span class="badge overdue">{% translate "overdue" %}</span>{% endif %}{% else %}<span class="badge done">{% translate "done" %}</span>{% endif %}</td>
    </tr>{% endfor %}"""
COUNT_CELLS = """{% load i18n %}{% for status, value, link in s.cells %}<td class="num">{% if value is None %}—{% elif status == "completion" %}{% blocktranslate trimmed with value=value|floatformat:1 %}{{ value }}%{% endblocktranslate %}{% elif link and value %}<a href="{{ people_url }}?{{ link }}">{{ value }}</a>{% else %}{{ value }}{% endif %}</td>{% endfor %}"""
STANDARDS = """{% load i18n %}{% for row in standards %}
      <tr>
        <th scope="row"><a href="{% url 'standards:entity' row.entity.pk row.cycle.pk %}">{{ row.entity.code }}</a></th>
        <td>{% if row.current %}{% blocktranslate trimmed with version=row.current.version date=row.current.published_at|date:"SHORT_DATE_FORMAT" %}Version {{ version }}, published {{ date }}{% endblocktranslate %}{% else %}<span class="badge overdue">{% translate "not published" %}</span>{% endif %}</td>
        <td class="num">{{ row.froes }}</td>
        <td class="num">{% if row.current %}{{ row.acknowledged }}{% else %}—{% endif %}</td>
        <td class="num">{% if row.current %}{{ row.missing }}{% else %}—{% endif %}</td>
      </tr>
    {% endfor %}"""
TAGS = {
    "breakdown": "{% load compliance_tables %}"
    "{% breakdown_rows rows people_url dashboard_url drill %}",
    "ratings": "{% load compliance_tables %}{% ratings_rows rows %}",
    "people": "{% load compliance_tables %}{% people_rows rows %}",
    "count_cells": "{% load compliance_tables %}{% count_cells s.cells people_url %}",
    "standards": "{% load compliance_tables %}{% standards_rows standards %}",
}
ODD = 'Ana & <Bo> "O\'Neil"'


def rendered(source: str, context: dict) -> str:
    return re.sub(r"\s+", " ", engines["django"].from_string(source).render(context)).strip()


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_each_table_writes_what_its_template_wrote(language, settings):
    settings.USE_THOUSAND_SEPARATOR = language == "fr"
    org = build_small_org()
    today = datetime.date(2026, 6, 15)
    every = reports.resolve_scope(org.hr, cycle_id=org.cycle.pk, today=today)
    entity = reports.resolve_scope(
        org.hr, cycle_id=org.cycle.pk, today=today, entity_id=org.entity.pk
    )
    with translation.override(language):
        boards = [reports.compliance_dashboard(every), reports.compliance_dashboard(entity)]
        people = list(reports.person_rows(entity, reports.people(entity)))
        odd_group = dataclasses.replace(boards[1].units[0], label=ODD, query="unit=1&a=<b>")
        odd_people = [
            dataclasses.replace(row, name=ODD, fro=ODD, unit=ODD, index_number="<1>")
            for row in people[:2]
        ]
        cases = [
            ("breakdown", rows, drill)
            for board in boards
            for rows, drill in ((board.units, True), (board.by_category, False))
        ]
        cases += [("breakdown", [odd_group], True)]
        cases += [("ratings", board.ratings.rows, False) for board in boards]
        cases += [("people", people, False), ("people", odd_people, False)]
        assert people and any(row.document_id for row in people)
        assert any(row.stage != "completed" for row in people)
        for kind, rows, drill in cases:
            context = {
                "rows": rows,
                "drill": drill,
                "people_url": "/compliance/people/",
                "dashboard_url": "/compliance/",
            }
            template = {"breakdown": BREAKDOWN, "ratings": RATINGS, "people": PEOPLE}[kind]
            assert rendered(TAGS[kind], context) == rendered(template, context), (kind, drill)
        # A stage's counts (`count_cells`) on both dashboards.
        stages = [s for board in boards for s in board.summary.stages + board.units[0].stages]
        assert any(s.done for s in stages) and any(s.completion is not None for s in stages)
        assert any(link and value for s in stages for _, value, link in s.cells)
        for s in stages:
            context = {"s": s, "people_url": "/compliance/people/"}
            assert rendered(TAGS["count_cells"], context) == rendered(COUNT_CELLS, context)
        # The ratings standards (`standards_rows`): the organisation's, and published, not
        # published and HTML-special ones with counts past a thousand.
        standards = standards_rows_cases(org)
        context = {"standards": standards}
        assert rendered(TAGS["standards"], context) == rendered(STANDARDS, context)
    assert "&amp; &lt;Bo&gt;" in rendered(TAGS["people"], {"rows": odd_people})
    assert "&amp; &lt;Bo&gt;" in rendered(TAGS["standards"], {"standards": standards})


def standards_rows_cases(org) -> list:
    from org.models import Cycle, OrgUnit
    from standards.models import RatingsStandard
    from standards.selectors import EntityStandards, standards_status

    published = RatingsStandard(
        version=3, published_at=datetime.datetime(2026, 2, 28, 23, 30, tzinfo=datetime.UTC)
    )
    odd = OrgUnit(pk=org.entity.pk, code=ODD, name=ODD)
    cycle = Cycle(pk=org.cycle.pk)
    return [
        *standards_status([org.entity.pk], org.cycle),
        EntityStandards(odd, cycle, current=published, froes=12345, acknowledged=1234),
        EntityStandards(odd, cycle, current=None, froes=7),
        EntityStandards(odd, cycle, current=RatingsStandard(version=1), froes=0),
    ]
