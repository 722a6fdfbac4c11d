"""My team's table, its body rows written in Python.

An FRO's page prints a row of ten cells for each of their people: the template engine spent
nearly half the page on them (a node, a lookup and an escape per value, five URLs reversed per
row: issue 14). `team_rows` writes the same HTML as the template did (tests/
test_demo_story.py keeps that template and renders both), each URL name reversed once
(`pmsystem.links.Links`), with the same escaping, translations, date formats and French elision."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from pmsystem.i18n import interpolate
from pmsystem.links import Links
from workplans.selectors import TeamRow

register = template.Library()


def _day(value: Any) -> str:
    """`{{ value|date:"SHORT_DATE_FORMAT" }}`: empty for no date."""
    return "" if value in (None, "") else date_format(value, "SHORT_DATE_FORMAT")


def _due(pattern: str, name: str, label: Any, due: Any) -> str:
    """A `{% blocktranslate trimmed with <name>=label date=due|date %}` sentence: the values
    escaped, the sentence not, French elision before them."""
    return interpolate(
        pattern, {name: conditional_escape(label), "date": conditional_escape(_day(due))}
    )


@register.simple_tag(takes_context=True)
def team_rows(context: Any, rows: Iterable[TeamRow], as_role: str) -> SafeString:
    """The `<tr>` of each person of My team (as FRO, or as SRO with `as_role` "sro")."""
    links = Links()

    def urls(name: str, pk: int) -> str:
        return conditional_escape(links(name, pk))

    overdue = f' <span class="badge overdue">{conditional_escape(gettext("overdue"))}</span>'
    milestone_pattern = gettext("Next milestone: %(milestone)s, due %(date)s")
    pip_pattern = gettext("%(step)s, due %(date)s")
    open_label = conditional_escape(pgettext("open a document", "Open"))
    create_label = conditional_escape(gettext("Create work plan"))
    csrf = CsrfTokenNode().render(context)
    html = []
    for row in rows:
        line = row.line
        staff = line.staff
        person = conditional_escape(staff.user)
        step = row.extra.get("milestone")
        if step:
            text = _due(milestone_pattern, "milestone", step.label, step.due)
            person += (
                f'<br><a href="{urls("schedules:staff", line.staff_id)}" class="help">{text}</a>'
            )
            if step.state == "overdue":
                person += overdue
        fro = f"\n      <td>{conditional_escape(line.fro.user)}</td>" if as_role == "sro" else ""
        done = " done" if row.state == "approved" else ""
        state = f'<span class="badge{done}">{conditional_escape(row.state_label)}</span>'
        due = conditional_escape(_day(row.due)) + (overdue if row.overdue else "")
        if row.work_plan_id:
            name = (
                "workplans:document"
                if row.stage in ("work_plan", "midpoint")
                else "appraisals:evaluation"
            )
            stage = (
                f'<a href="{urls(name, row.work_plan_id)}">'
                f"{conditional_escape(row.stage_label)}</a>"
            )
        else:
            stage = "—"
        pip = row.extra.get("pip_step")
        if pip:
            text = _due(pip_pattern, "step", pip.name, pip.due)
            pip_cell = f'<a href="{urls("appraisals:pips", row.work_plan_id)}">{text}</a>'
            pip_cell += overdue if pip.overdue else ""
        else:
            pip_cell = "—"
        if row.work_plan_id:
            action = f'<a href="{urls("workplans:document", row.work_plan_id)}">{open_label}</a>'
        elif as_role == "fro":
            action = (
                f'\n        <form method="post" action="{urls("workplans:create", line.staff_id)}"'
                f' class="inline">{csrf}<button type="submit" class="secondary">'
                f"{create_label}</button></form>"
            )
        else:
            action = ""
        html.append(
            f"\n    <tr>\n      <td>{person}</td>"
            f"\n      <td>{conditional_escape(staff.index_number)}</td>"
            f"\n      <td>{conditional_escape(staff.unit.code)}</td>{fro}"
            f"\n      <td>{state}</td>"
            f"\n      <td>{conditional_escape(row.midpoint_label)}</td>"
            f"\n      <td>{due}</td>\n      <td>{stage}</td>\n      <td>{pip_cell}</td>"
            f"\n      <td>{action}</td>\n    </tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped
