"""Compliance figures against hand-computed counts (see tests/compliance/helpers.py)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from compliance import dashboard as reports
from org import bulk
from org.models import StaffMember
from pmsystem.notifications import muted
from tests.factories import (
    CycleFactory,
    DepartmentRoleFactory,
    ReportingLineFactory,
    StaffMemberFactory,
    UserFactory,
)

from .helpers import (
    EXPECTED_AFTER_DEADLINES,
    EXPECTED_OVERDUE_15_JUNE_2026,
    build_small_org,
    extend_deadline,
    figures,
)

pytestmark = pytest.mark.django_db

AFTER_DEADLINES = datetime.date(2027, 7, 10)


@pytest.fixture
def org():
    return build_small_org()


def scope_of(org, today=AFTER_DEADLINES, **kwargs):
    return reports.resolve_scope(org.hr, cycle_id=org.cycle.pk, today=today, **kwargs)


def test_per_stage_figures_of_the_entity_match_the_hand_count(org):
    board = reports.compliance_dashboard(scope_of(org, entity_id=org.entity.pk))
    assert {s.stage: figures(s) for s in board.summary.stages} == EXPECTED_AFTER_DEADLINES
    assert [s.completion for s in board.summary.stages] == [62.5, 37.5, 12.5, 12.5]


def test_all_held_entities_give_the_same_figures_as_the_one_held(org):
    board = reports.compliance_dashboard(scope_of(org))
    assert {s.stage: figures(s) for s in board.summary.stages} == EXPECTED_AFTER_DEADLINES
    assert [row.label for row in board.units] == ["DEP — Department"]


def test_overdue_only_counts_deadlines_that_have_passed(org):
    board = reports.compliance_dashboard(scope_of(org, today=datetime.date(2026, 6, 15)))
    assert {s.stage: s.overdue for s in board.summary.stages} == EXPECTED_OVERDUE_15_JUNE_2026


def test_breakdown_by_category_and_gender(org):
    board = reports.compliance_dashboard(scope_of(org, entity_id=org.entity.pk))
    by_category = {row.key: (row.total, row.stage("workplan").done) for row in board.by_category}
    assert by_category == {"GS": (3, 2), "P": (3, 2), "D": (1, 1), "NO": (1, 0)}
    by_gender = {row.key: (row.total, row.stage("midpoint").done) for row in board.by_gender}
    assert by_gender == {"F": (4, 2), "M": (3, 1), "X": (1, 0)}


def test_category_filter_narrows_every_figure(org):
    board = reports.compliance_dashboard(scope_of(org, category="GS"))
    assert figures(board.summary.stage("workplan")) == (3, 1, 0, 2, 0, 2, 1)
    assert [row.key for row in board.by_category] == ["GS"]


def test_drill_down_entity_to_divisions_with_staff_placed_on_the_entity_itself(org):
    board = reports.compliance_dashboard(scope_of(org, unit_id=org.entity.pk))
    rows = {row.label: (row.total, row.stage("workplan").done) for row in board.units}
    assert rows == {
        "Directly in DEP": (2, 2),
        "DIV1 — Division one": (3, 1),
        "DIV2 — Division two": (3, 2),
    }
    assert board.units_heading == "By division"


def test_drill_down_division_to_section_to_unit(org):
    board = reports.compliance_dashboard(scope_of(org, unit_id=org.div1.pk))
    assert [(row.label, row.total) for row in board.units] == [("SEC1 — Section one", 3)]
    assert figures(board.summary.stage("workplan")) == (3, 1, 1, 1, 1, 0, 2)
    leaf = reports.compliance_dashboard(scope_of(org, unit_id=org.unit1.pk))
    assert leaf.units == []
    assert leaf.summary.total == 3
    assert [u.code for u in leaf.scope.breadcrumbs] == ["DEP", "DIV1", "SEC1", "UNIT1"]


def test_ratings_per_entity_next_to_the_whole_organisation(org):
    board = reports.compliance_dashboard(scope_of(org))
    assert [code for code, _ in board.ratings.levels] == ["EX", "SM", "PM", "DN"]
    rows = {row.label: row.counts for row in board.ratings.rows}
    assert rows == {"DEP — Department": [0, 1, 0, 0], "Whole organisation": [1, 1, 0, 0]}
    assert board.ratings.rows[0].shares == [0.0, 100.0, 0.0, 0.0]


def test_people_list_matches_the_count_it_is_linked_from(org):
    scope = scope_of(org, entity_id=org.entity.pk)
    board = reports.compliance_dashboard(scope)
    names = {org.staff[key].index_number: key for key in org.staff}
    for stage in board.stages:
        counts = board.summary.stage(stage)
        for status, value, _link in counts.cells[:-1]:
            listed = list(reports.people(scope, stage=stage, status=status))
            assert len(listed) == value, (stage, status)
            assert reports.people_count(scope, stage=stage, status=status) == value
    overdue = reports.people(scope, stage="workplan", status="overdue")
    assert sorted(names[row[1]] for row in overdue) == ["p1", "p10", "p2"]
    late = reports.people(scope, stage="midpoint", status="late")
    assert [names[row[1]] for row in late] == ["p9"]


def test_people_rows_show_stage_fro_and_due_date(org):
    scope = scope_of(org, today=datetime.date(2026, 6, 15))
    rows = {row.index_number: row for row in reports.person_rows(scope, reports.people(scope))}
    p1 = rows[org.staff["p1"].index_number]
    assert (p1.stage, p1.stage_state, p1.due, p1.overdue) == (
        "workplan",
        "Not started (no document)",
        datetime.date(2026, 5, 31),
        True,
    )
    assert p1.fro == ""  # p1 has no reporting line
    p10 = rows[org.staff["p10"].index_number]
    assert (p10.due, p10.overdue) == (datetime.date(2026, 7, 10), False)
    p4 = rows[org.staff["p4"].index_number]
    assert (p4.stage, p4.due, p4.fro) == (
        "midpoint",
        datetime.date(2026, 10, 31),
        str(org.fro.user),
    )
    p8 = rows[org.staff["p8"].index_number]
    assert (p8.stage, p8.due, p8.overdue) == ("completed", None, False)
    p9 = rows[org.staff["p9"].index_number]
    assert (p9.stage, p9.stage_state) == ("evaluation", "SRO review")
    assert len(rows) == 8


def extend(org, deadline: str, due: datetime.date, *keys: str):
    """HR's extension (org.bulk, the page's service) of `deadline` to `due` for these staff."""
    selection = bulk.Selection(
        kind="people", people=tuple(org.staff[key].index_number for key in keys)
    )
    preview, change = extend_deadline(org, deadline, due, selection)
    assert not preview.blocked and len(preview.rows) == len(keys)
    return change


def test_extended_deadlines_decide_overdue_on_time_and_late_until_undone(org):
    """A person HR gave a later date is not overdue before it, and done on time when they
    finish between the cycle's date and theirs: on the dashboard (the maintained summary on
    PostgreSQL), its counts and its people list. Undone, the cycle's dates apply again."""
    ReportingLineFactory(staff=org.staff["p1"], cycle=org.cycle, fro=org.fro, sro=org.sro)
    changes = [
        # p4's work plan, approved on 10 June 2026 (due 31 May): on time.
        extend(org, "work_plan", datetime.date(2026, 6, 30), "p4"),
        # p9's mid-point review, finalised on 5 July 2027: on time.
        extend(org, "midpoint", datetime.date(2027, 7, 31), "p9"),
        # p1 (not started) and p9 (SRO review): their evaluation is not overdue yet.
        extend(org, "end_of_cycle", datetime.date(2027, 7, 31), "p1", "p9"),
    ]
    scope = scope_of(org, entity_id=org.entity.pk)
    board = reports.compliance_dashboard(scope)
    assert {s.stage: figures(s) for s in board.summary.stages} == {
        "workplan": (8, 2, 1, 5, 4, 1, 3),
        "midpoint": (8, 4, 1, 3, 3, 0, 5),
        "evaluation": (8, 6, 1, 1, 1, 0, 5),
        "acknowledgement": (8, 7, 0, 1, 1, 0, 5),
    }
    for stage in board.stages:
        for status, value, _link in board.summary.stage(stage).cells[:-1]:
            assert len(reports.people(scope, stage=stage, status=status)) == value, (stage, status)
            assert reports.people_count(scope, stage=stage, status=status) == value
    rows = {row.index_number: row for row in reports.person_rows(scope, reports.people(scope))}
    p9 = rows[org.staff["p9"].index_number]
    assert (p9.stage, p9.due, p9.overdue) == ("evaluation", datetime.date(2027, 7, 31), False)
    # After their date, they are overdue like anyone else.
    later = reports.compliance_dashboard(
        scope_of(org, entity_id=org.entity.pk, today=datetime.date(2027, 8, 1))
    )
    assert later.summary.stage("evaluation").overdue == 7
    # Undone: the figures of the cycle's dates.
    for change in changes:
        with muted():
            bulk.undo_bulk_change(change=change, actor=org.hr)
    board = reports.compliance_dashboard(scope)
    assert {s.stage: figures(s) for s in board.summary.stages} == EXPECTED_AFTER_DEADLINES


def test_cycle_without_midpoint_reports_three_stages(org):
    cycle = CycleFactory(name="2027-28", start_year=2027, midpoint_required=False)
    board = reports.compliance_dashboard(
        reports.resolve_scope(org.hr, cycle_id=cycle.pk, today=AFTER_DEADLINES)
    )
    assert board.stages == ["workplan", "evaluation", "acknowledgement"]
    # Nobody has a document in the new cycle: all not started; p7, who enters on duty in
    # May 2027, belongs to this cycle.
    assert figures(board.summary.stage("workplan"))[:4] == (9, 9, 0, 0)


def test_staff_without_a_role_are_refused():
    user = StaffMemberFactory().user
    with pytest.raises(PermissionDenied):
        reports.resolve_scope(user)


@pytest.mark.parametrize("field", ["entity_id", "unit_id"])
def test_crafted_ids_outside_the_held_entities_are_404(org, field):
    with pytest.raises(Http404):
        scope_of(org, **{field: org.other.pk})
    with pytest.raises(Http404):
        scope_of(org, **{field: org.other_div.pk})
    with pytest.raises(Http404):
        scope_of(org, **{field: 10**9})


def test_unit_outside_the_requested_entity_is_404(org):
    second = DepartmentRoleFactory(entity=org.other, user=org.hr).entity
    assert scope_of(org, entity_id=second.pk, unit_id=org.other_div.pk).node.code == "ODIV"
    with pytest.raises(Http404):
        scope_of(org, entity_id=org.entity.pk, unit_id=org.other_div.pk)


def test_unknown_cycle_is_404(org):
    with pytest.raises(Http404):
        reports.resolve_scope(org.hr, cycle_id=10**9)


def test_hod_sees_the_entity_and_a_staff_representative_does_not(org):
    hod = DepartmentRoleFactory(entity=org.entity, role="hod").user
    assert [e.code for e in reports.resolve_scope(hod).entities] == ["DEP"]
    rep = DepartmentRoleFactory(entity=org.entity, role="staff_representative").user
    with pytest.raises(PermissionDenied):
        reports.resolve_scope(rep)


ENTRY_DATES = [
    "2020-01-01",
    "2026-04-01",  # the cycle's first day: not new staff
    "2026-04-02",
    "2026-03-31",
    "2026-05-10",
    "2026-05-31",
    "2026-07-29",
    "2026-07-31",
    "2026-10-30",
    "2026-11-30",
    "2026-12-31",  # two months later crosses the year
    "2027-01-31",
    "2027-03-31",
]


@pytest.mark.parametrize("months", [0, 1, 2, 11])
def test_work_plan_due_in_sql_is_cycle_workplan_due_for(months):
    cycle = CycleFactory(start_year=2026, new_staff_workplan_months=months)
    staff = [
        StaffMemberFactory(entry_on_duty=datetime.date.fromisoformat(day)) for day in ENTRY_DATES
    ]
    computed = dict(
        StaffMember.objects.filter(pk__in=[s.pk for s in staff])
        .annotate(due=reports.workplan_due_expression(cycle))
        .values_list("pk", "due")
    )
    for member in staff:
        due = computed[member.pk]
        if isinstance(due, str):
            due = datetime.date.fromisoformat(due)
        assert due == cycle.workplan_due_for(member), member.entry_on_duty


def test_a_user_holding_nothing_but_logged_in_gets_no_entities():
    with pytest.raises(PermissionDenied):
        reports.resolve_scope(UserFactory())


@pytest.mark.parametrize("grouping", [False, True])
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_breakdown_numbers_are_written_as_number_format_writes_them(
    settings, language, grouping
):
    """`NumberText` reads the language's formats once per table, where `number_format` reads
    them on each call: the same text for counts and one-decimal percentages."""
    from django.utils import formats, translation
    from django.utils.translation import gettext

    from compliance.dashboard import NumberText, percent
    from pmsystem.i18n import interpolate

    settings.USE_THOUSAND_SEPARATOR = grouping
    values = [0.0, 100.0, 87.6, 33.3, 66.7, 12.5, 0.1 + 0.2, 99.9]
    values += [round(100 * done / total, 1) for total in range(1, 60) for done in range(total)]
    with translation.override(language):
        numbers = NumberText()
        for value in values:
            expected = interpolate(
                gettext("%(value)s%%"), {"value": formats.number_format(value, 1)}
            )
            assert numbers.percent(value) == percent(value) == expected, value
        for count in (0, 7, 12345, 40000):
            assert numbers.count(count) == str(formats.number_format(count)), count


def test_a_drilled_pages_people_are_found_first_then_their_columns_in_the_same_order(
    monkeypatch,
):
    """`people_page` in a drilled entity or unit reads the page's ids (all the scope's in
    order, or, past `SORTED_WHOLE_UP_TO` people, the page's with a LIMIT), then their
    columns: every page, with and without a stage status, equals the one query over every
    column that serves the page of every held entity."""
    from django.core.paginator import Paginator

    from pmsystem.db import prepared_values

    from .helpers import build_small_org

    org = build_small_org()
    today = datetime.date(2027, 7, 10)
    for whole_up_to, node in itertools.product(
        (reports.SORTED_WHOLE_UP_TO, 0), (org.entity, org.div2, org.unit1)
    ):
        monkeypatch.setattr(reports, "SORTED_WHOLE_UP_TO", whole_up_to)
        scope = reports.resolve_scope(org.hr, unit_id=node.pk, today=today)
        for stage, status in (("", ""), ("workplan", "done"), ("evaluation", "overdue")):
            people = reports.people(scope, stage=stage, status=status)
            paginator = Paginator(people, 2)
            seen = []
            for number in paginator.page_range:
                page = paginator.page(number)
                rows = reports.people_page(scope, page, stage=stage, status=status)
                expected = list(reports.person_rows(scope, prepared_values(page.object_list)))
                assert rows == expected, (whole_up_to, node.code, stage, status, number)
                seen += [row.staff_id for row in rows]
            assert seen == [row[0] for row in people], (node.code, stage, status)
            assert len(seen) == reports.people_count(scope, stage=stage, status=status)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_ratings_shares_read_as_floatformat_wrote_them(language):
    """The ratings table's shares, written once per row (`RatingsRow.cell_texts`), are the
    text the template wrote with `floatformat:1` in a translated "%": the shares come
    rounded to one decimal."""
    from django.template import engines
    from django.utils import translation

    from compliance.dashboard import RatingsRow

    template = engines["django"].from_string(
        "{% load i18n %}{% blocktranslate trimmed with value=share|floatformat:1 %}"
        "{{ value }}%{% endblocktranslate %}"
    )
    rows = [
        RatingsRow("x", [done, total - done]) for total in range(1, 80) for done in range(total)
    ]
    rows.append(RatingsRow("none", [0, 0]))
    with translation.override(language):
        for row in rows:
            for (count, share), (count_text, share_text) in zip(
                row.cells, row.cell_texts, strict=True
            ):
                assert count_text == str(count)
                if share is None:
                    assert share_text is None
                else:
                    assert share_text == template.render({"share": share}), share
