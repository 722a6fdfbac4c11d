"""The compliance dashboard's large tables, their body rows written in Python.

A dashboard over every entity prints five hundred cells; the template engine spent about a
third of the request on them (a node, a variable lookup and an escape per cell: issue 14).
These write the same HTML the templates wrote, with the same escaping and number formats
(`compliance.dashboard.NumberText`, as the rows give their texts)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from compliance.dashboard import GroupRow, NumberText, PersonRow, RatingsRow
from pmsystem.i18n import interpolate
from pmsystem.links import Links
from pmsystem.templatetags.pmsystem_urls import kept_reverse
from pmsystem.workflow import lower_first

register = template.Library()


def _linked(text: object, href: str, query: str, link: bool = True) -> str:
    """`text` escaped; a link to `href?query` when `link` and there is a query."""
    shown = conditional_escape(text)
    if not (link and query):
        return shown
    return f'<a href="{conditional_escape(href)}?{conditional_escape(query)}">{shown}</a>'


@register.simple_tag
def breakdown_rows(
    rows: Iterable[GroupRow], people_url: str, dashboard_url: str, drill: bool = False
) -> SafeString:
    """The `<tr>` of each line of a breakdown table (`_breakdown_table.html`): its label (a
    link to its own dashboard when the table drills down), its staff (a link to its people),
    then per stage the done, the overdue (links to those people) and the completion."""
    numbers = NumberText()
    people = conditional_escape(people_url)
    html = []
    for row in rows:
        label = conditional_escape(row.label)
        if drill and row.unit_id:
            href = f"{conditional_escape(dashboard_url)}?{conditional_escape(row.query)}"
            label = f'<a href="{href}">{label}</a>'
        total = _linked(numbers.count(row.total), people_url, row.query, bool(row.total))
        # The cells' texts and links are plain strings: `escape` is what conditional_escape
        # does to them, without its checks (a dashboard has some three hundred).
        cells = "".join(
            f'<td class="num"><a href="{people}?{escape(link)}">{escape(text)}</a></td>'
            if link
            else f'<td class="num">{escape(text)}</td>'
            for text, link in row.breakdown_cells
        )
        html.append(
            f'\n    <tr>\n      <th scope="row">{label}</th>\n'
            f'      <td class="num">{total}</td>\n      {cells}\n    </tr>'
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def ratings_rows(rows: Iterable[RatingsRow]) -> SafeString:
    """The `<tr>` of each line of the ratings distribution (the dashboard): the entity (the
    organisation's line marked as the total), its completed evaluations, then per level the
    count and its share."""
    numbers = NumberText()
    html = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{conditional_escape(count)}'
            + ("" if share is None else f' <span class="help">({conditional_escape(share)})</span>')
            + "</td>"
            for count, share in row.cell_texts
        )
        opening = '<tr class="total">' if row.is_organisation else "<tr>"
        html.append(
            f"\n      {opening}"
            f'\n        <th scope="row">{conditional_escape(row.label)}</th>'
            f'\n        <td class="num">{numbers.count(row.total)}</td>'
            f"\n        {cells}\n      </tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def people_rows(rows: Iterable[PersonRow]) -> SafeString:
    """The `<tr>` of each person of a page of the people list: their name (a link to their
    document when there is one), index number, category, unit, FRO ("—" without one), the
    stage with its state, and its due date with "overdue", or "done"."""
    links = Links()
    pattern = gettext("%(stage)s: %(state)s")
    overdue = f' <span class="badge overdue">{conditional_escape(gettext("overdue"))}</span>'
    done = f'<span class="badge done">{conditional_escape(gettext("done"))}</span>'
    html = []
    for row in rows:
        name = conditional_escape(row.name)
        if row.document_id:
            href = conditional_escape(links("workplans:document", row.document_id))
            name = f'<a href="{href}">{name}</a>'
        if row.stage != "completed":
            # As {% blocktranslate %} writes it: the values escaped, the sentence not.
            stage = interpolate(
                pattern,
                {
                    "stage": conditional_escape(row.stage_label),
                    "state": conditional_escape(lower_first(str(row.stage_state))),
                },
            )
        else:
            stage = conditional_escape(row.stage_label)
        if row.due:
            due = conditional_escape(date_format(row.due, "SHORT_DATE_FORMAT"))
            due += overdue if row.overdue else ""
        else:
            due = done
        html.append(
            f'\n    <tr>\n      <th scope="row">{name}</th>'
            f"\n      <td>{conditional_escape(row.index_number)}</td>"
            f"\n      <td>{conditional_escape(row.category)}</td>"
            f"\n      <td>{conditional_escape(row.unit)}</td>"
            f"\n      <td>{conditional_escape(row.fro) if row.fro else '—'}</td>"
            f"\n      <td>{stage}</td>\n      <td>{due}</td>\n    </tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def count_cells(cells: Iterable[tuple], people_url: str) -> SafeString:
    """The `<td>` of a stage's counts on the dashboard (`StageCounts.cells`): each count (a
    link to those people when it has a list and is not zero), then the completion."""
    numbers = NumberText()
    href = conditional_escape(people_url)
    html = []
    for status, value, link in cells:
        if value is None:
            text = "—"
        elif status == "completion":
            text = conditional_escape(numbers.percent(value))
        elif link and value:
            text = f'<a href="{href}?{conditional_escape(link)}">{numbers.count(value)}</a>'
        else:
            text = numbers.count(value)
        html.append(f'<td class="num">{text}</td>')
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def standards_rows(rows: Iterable) -> SafeString:
    """The `<tr>` of each entity of the dashboard's ratings standards (`standards.selectors.
    EntityStandards`, in standards/_compliance.html): the entity (a link to its standards),
    the version in force and when it was published (or "not published"), its FROs, and how
    many acknowledged it and have not yet."""
    numbers = NumberText()
    pattern = gettext("Version %(version)s, published %(date)s")
    missing = f'<span class="badge overdue">{conditional_escape(gettext("not published"))}</span>'
    html = []
    for row in rows:
        href = conditional_escape(kept_reverse("standards:entity", row.entity.pk, row.cycle.pk))
        code = conditional_escape(row.entity.code)
        current = row.current
        if current is not None:
            published = current.published_at
            if published is not None and timezone.is_aware(published):
                published = timezone.localtime(published)
            # As {% blocktranslate %} writes it: the values escaped, the sentence not.
            version = interpolate(
                pattern,
                {
                    "version": conditional_escape(numbers.count(current.version)),
                    "date": conditional_escape(
                        date_format(published, "SHORT_DATE_FORMAT") if published else ""
                    ),
                },
            )
            counts = (numbers.count(row.acknowledged), numbers.count(row.missing))
        else:
            version, counts = missing, ("—", "—")
        html.append(
            f"\n      <tr>"
            f'\n        <th scope="row"><a href="{href}">{code}</a></th>'
            f"\n        <td>{version}</td>"
            f'\n        <td class="num">{numbers.count(row.froes)}</td>'
            f'\n        <td class="num">{counts[0]}</td>'
            f'\n        <td class="num">{counts[1]}</td>'
            f"\n      </tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped
