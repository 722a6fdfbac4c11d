"""docs/rules.md section 9, upward feedback: the cycle's settings and questionnaire, who is
rated and who answers, the window, once per person, results only as aggregates from the
minimum on."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from feedback import selectors, services
from feedback.models import (
    AnswerComment,
    AnswerCount,
    Campaign,
    FeedbackSettings,
    Participation,
    RatedManager,
    SealedBallot,
    UpwardQuestion,
    months_before,
)
from org.models import ReportingLine
from pmsystem.errors import ApplicationError
from tests.factories import CycleFactory, ReportingLineFactory, StaffMemberFactory, UserFactory
from tests.feedback.helpers import answer, answers, campaign_of, launch, make_team, open_window

pytestmark = pytest.mark.django_db


def test_the_settings_default_to_the_rules_window_and_questionnaire():
    cycle = CycleFactory()
    settings = services.feedback_settings(cycle)
    assert (settings.upward_enabled, settings.minimum_group_size, settings.scale_top) == (
        True,
        5,
        5,
    )
    # Opens four months and closes three months before the end-of-cycle due date (30 June).
    assert cycle.end_of_cycle_due == datetime.date(2027, 6, 30)
    assert settings.window() == (datetime.date(2027, 2, 28), datetime.date(2027, 3, 30))
    sections = list(UpwardQuestion.objects.filter(cycle=cycle).values_list("section", flat=True))
    assert set(sections) == {"values", "competencies", "people_management", "overall"}
    # Asked again: nothing seeded twice.
    services.feedback_settings(cycle)
    assert UpwardQuestion.objects.filter(cycle=cycle).count() == len(sections)


def test_months_before_keeps_the_day_or_the_end_of_a_shorter_month():
    assert months_before(datetime.date(2027, 6, 30), 4) == datetime.date(2027, 2, 28)
    assert months_before(datetime.date(2027, 5, 31), 3) == datetime.date(2027, 2, 28)
    assert months_before(datetime.date(2027, 1, 15), 2) == datetime.date(2026, 11, 15)


def test_explicit_dates_replace_the_months():
    cycle = CycleFactory()
    settings = open_window(cycle, today=datetime.date(2026, 12, 1))
    assert settings.window() == (datetime.date(2026, 11, 21), datetime.date(2026, 12, 21))


# --- who is rated -----------------------------------------------------------------------------


def test_responsible_chiefs_are_the_fros_of_at_least_the_minimum_number_of_staff():
    """A manager with four supervisees is not rated (minimum 5); one with five is."""
    big = make_team(5)
    small = make_team(4, cycle=big.cycle, entity=big.entity, hr=big.hr)
    launch(big)
    rated = set(RatedManager.objects.values_list("manager_id", flat=True))
    assert rated == {big.manager.pk}
    assert small.manager.pk not in rated


def test_inactive_supervisees_do_not_count_those_of_other_entities_do():
    team = make_team(4)
    gone = team.add_member()
    gone.is_active = False
    gone.save()
    open_window(team.cycle)
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    assert not RatedManager.objects.filter(manager=team.manager).exists()
    # A fifth active supervisee, in another entity: the manager is FRO of five staff.
    outsider = StaffMemberFactory(unit=make_team(0).unit)
    ReportingLineFactory(staff=outsider, cycle=team.cycle, fro=team.manager, sro=team.boss)
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    assert list(campaign_of(team).rated.values_list("manager_id", flat=True)) == [team.manager.pk]


def test_launching_again_adds_new_chiefs_and_never_rates_anyone_twice():
    team = make_team(5)
    launch(team)
    later = make_team(5, cycle=team.cycle, entity=team.entity, hr=team.hr)
    result = services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    assert result.added == 1
    again = services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    assert again.added == 0
    assert set(campaign_of(team).rated.values_list("manager_id", flat=True)) == {
        team.manager.pk,
        later.manager.pk,
    }


def test_only_an_hr_focal_point_of_the_entity_launches():
    team = make_team(5)
    open_window(team.cycle)
    for user in (team.manager.user, team.boss.user, make_team(0).hr, UserFactory()):
        with pytest.raises(ApplicationError):
            services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=user)
    assert not Campaign.objects.exclude(state=Campaign.State.PLANNED).exists()


def test_no_launch_when_switched_off_or_after_the_window():
    team = make_team(5)
    open_window(team.cycle, upward_enabled=False)
    with pytest.raises(ApplicationError, match="switched off"):
        services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    today = datetime.date.today()
    open_window(
        team.cycle,
        upward_enabled=True,
        upward_opens_on=today - datetime.timedelta(days=30),
        upward_closes_on=today - datetime.timedelta(days=1),
    )
    with pytest.raises(ApplicationError, match="window closed"):
        services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)


# --- who answers, when, how often -------------------------------------------------------------


def test_supervisees_answer_once_and_no_one_else_does():
    team = make_team(5)
    rated = launch(team)
    answer(rated, team.members[0])
    with pytest.raises(ApplicationError, match="already given"):
        answer(rated, team.members[0])
    for outsider in (team.manager, team.boss, team.second, StaffMemberFactory()):
        with pytest.raises(ApplicationError, match="report to"):
            answer(rated, outsider)
    with pytest.raises(ApplicationError, match="report to"):
        services.give_upward_feedback(rated=rated, actor=team.hr, answers=answers(team.cycle))
    assert Participation.objects.count() == 1
    assert SealedBallot.objects.count() == 1


def moved_to(other, member, cycle):
    """`member`'s line ended yesterday; from today their FRO is `other`'s manager."""
    line = ReportingLine.objects.get(staff=member, cycle=cycle)
    line.effective_to = datetime.date.today() - datetime.timedelta(days=1)
    line.save()
    ReportingLineFactory(
        staff=member,
        cycle=cycle,
        fro=other.manager,
        sro=other.boss,
        effective_from=datetime.date.today(),
    )
    return member


def test_a_supervisee_whose_line_changed_answers_on_the_new_fro_only():
    """Access follows the line in effect today: moved to another FRO, the staff member no
    longer answers on the first one."""
    team = make_team(5)
    other = make_team(5, cycle=team.cycle, entity=team.entity, hr=team.hr)
    rated = launch(team)
    moved = moved_to(other, team.members[0], team.cycle)
    with pytest.raises(ApplicationError, match="report to"):
        answer(rated, moved)
    answer(RatedManager.objects.get(manager=other.manager), moved)


def test_answers_are_taken_inside_the_window_only():
    team = make_team(5)
    rated = launch(team)
    opens, closes = FeedbackSettings.objects.get(cycle=team.cycle).window()
    with time_machine.travel(opens - datetime.timedelta(days=1), tick=False):
        with pytest.raises(ApplicationError, match="opens on"):
            answer(rated, team.members[0])
    with time_machine.travel(closes + datetime.timedelta(days=1), tick=False):
        with pytest.raises(ApplicationError, match="closed on"):
            answer(rated, team.members[0])
    with time_machine.travel(closes, tick=False):
        answer(rated, team.members[0])


def test_every_question_needs_a_value_on_the_scale():
    team = make_team(5)
    rated = launch(team)
    member = team.members[0]
    some = answers(team.cycle)
    some.popitem()
    for wrong in (some, answers(team.cycle, 0), answers(team.cycle, 6)):
        with pytest.raises(ApplicationError, match="Answer every question"):
            services.give_upward_feedback(rated=rated, actor=member.user, answers=wrong)
    assert not Participation.objects.exists()


# --- counting, in groups of at least the minimum ----------------------------------------------


def test_answers_stay_sealed_until_the_minimum_then_count_in_groups():
    team = make_team(7)
    rated = launch(team)
    for member in team.members[:4]:
        answer(rated, member, comment=f"Note from {member.pk}")
    rated.refresh_from_db()
    assert (rated.counted, SealedBallot.objects.count(), AnswerCount.objects.count()) == (0, 4, 0)
    answer(rated, team.members[4])
    rated.refresh_from_db()
    assert (rated.counted, SealedBallot.objects.count()) == (5, 0)
    assert AnswerComment.objects.count() == 4
    # The sixth answer waits for others (or the close) before it is counted.
    answer(rated, team.members[5], value=1)
    rated.refresh_from_db()
    assert (rated.counted, SealedBallot.objects.count()) == (5, 1)
    with time_machine.travel(
        FeedbackSettings.objects.get(cycle=team.cycle).window()[1] + datetime.timedelta(days=1)
    ):
        services.close_campaign(campaign=campaign_of(team), actor=team.hr)
    rated.refresh_from_db()
    assert (rated.counted, SealedBallot.objects.count()) == (6, 0)


def test_a_group_below_the_minimum_at_the_close_is_destroyed_unread():
    team = make_team(5)
    rated = launch(team)
    for member in team.members[:3]:
        answer(rated, member, comment="Hard to say this to them.")
    closes = FeedbackSettings.objects.get(cycle=team.cycle).window()[1]
    with time_machine.travel(closes + datetime.timedelta(days=1)):
        assert services.close_finished_campaigns() == 1
    rated.refresh_from_db()
    assert rated.counted == 0
    assert not SealedBallot.objects.exists()
    assert not AnswerCount.objects.exists() and not AnswerComment.objects.exists()
    results = selectors.results_of(rated)
    assert (results.visible, results.answered, results.questions) == (False, 3, [])
    assert campaign_of(team).state == Campaign.State.CLOSED


def test_a_campaign_closes_only_after_its_window():
    team = make_team(5)
    launch(team)
    with pytest.raises(ApplicationError, match="stays open until"):
        services.close_campaign(campaign=campaign_of(team), actor=team.hr)
    assert services.close_finished_campaigns() == 0
    assert campaign_of(team).state == Campaign.State.OPEN


# --- results ----------------------------------------------------------------------------------


def test_results_are_means_and_distributions_comments_only_above_the_minimum():
    team = make_team(6)
    rated = launch(team)
    for value, member in zip((5, 5, 4, 3, 1), team.members, strict=False):
        answer(rated, member, value=value, comment=f"Comment {value}")
    rated.refresh_from_db()
    results = selectors.results_of(rated)
    assert results.visible and not results.comments_shown
    first = results.questions[0]
    assert first.count == 5
    assert first.mean == 3.6
    assert first.distribution == [(5, 2), (4, 1), (3, 1), (2, 0), (1, 1)]
    assert all(not q.comments for q in results.questions)
    # Above the minimum (a sixth answer, counted at the close): comments too.
    answer(rated, team.members[5], value=2, comment="Comment 2")
    closes = FeedbackSettings.objects.get(cycle=team.cycle).window()[1]
    with time_machine.travel(closes + datetime.timedelta(days=1)):
        services.close_finished_campaigns()
    rated.refresh_from_db()
    results = selectors.results_of(rated)
    assert results.comments_shown
    assert sorted(results.questions[0].comments) == sorted(
        f"Comment {v}" for v in (5, 5, 4, 3, 1, 2)
    )


def test_the_entity_aggregate_needs_two_managers_results():
    team = make_team(5)
    rated = launch(team)
    for member in team.members:
        answer(rated, member, value=4)
    assert not selectors.entity_results(campaign_of(team)).visible
    other = make_team(5, cycle=team.cycle, entity=team.entity, hr=team.hr)
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    second = RatedManager.objects.get(manager=other.manager)
    for member in other.members:
        answer(second, member, value=2)
    aggregate = selectors.entity_results(campaign_of(team))
    assert aggregate.visible and (aggregate.managers, aggregate.counted) == (2, 10)
    assert aggregate.questions[0].mean == 3.0


def test_results_are_read_by_the_manager_their_fro_and_sro_only():
    team = make_team(5)
    rated = launch(team)
    readers = {team.manager.user, team.boss.user, team.second.user}
    for user in readers:
        assert list(selectors.results_list(user)) == [rated]
    for user in (team.members[0].user, team.hr, StaffMemberFactory().user):
        assert selectors.results_list(user) == []


def test_my_tasks_ask_for_the_feedback_until_it_is_given():
    from compliance.selectors import my_tasks

    team = make_team(5)
    rated = launch(team)
    member = team.members[0]
    tasks = [t for t in my_tasks(member.user, team.cycle) if t.url_name == "feedback:upward-answer"]
    assert [(t.url_args, t.due) for t in tasks] == [
        ((rated.pk,), FeedbackSettings.objects.get(cycle=team.cycle).window()[1])
    ]
    answer(rated, member)
    assert not [
        t for t in my_tasks(member.user, team.cycle) if t.url_name == "feedback:upward-answer"
    ]


def test_my_tasks_reads_one_cycles_managers_in_one_prepared_query(django_assert_max_num_queries):
    """One cycle's managers to answer on (the query compiled once per process) are those of
    the unprepared query in that cycle, for a supervisee, one whose line moved to another FRO
    today, the rated manager, their SRO, HR and someone unrelated; My tasks' feedback part is
    that one query."""
    from feedback.selectors import to_answer, upward_tasks

    team = make_team(5)
    other = make_team(5, cycle=team.cycle, entity=team.entity, hr=team.hr)
    launch(team)
    moved = moved_to(other, team.members[0], team.cycle)
    people = [
        team.members[1].user,
        moved.user,
        team.manager.user,
        team.boss.user,
        team.hr,
        other.members[0].user,
        StaffMemberFactory().user,
    ]

    def seen(rows):
        return [
            (r.rated.pk, r.rated.manager.user.email, r.answered, r.opens, r.closes) for r in rows
        ]

    for user in people:
        everywhere = [r for r in to_answer(user) if r.rated.campaign.cycle_id == team.cycle.pk]
        assert seen(to_answer(user, cycle=team.cycle)) == seen(everywhere), user
    assert to_answer(people[0], cycle=team.cycle)
    for user in (people[0], team.boss.user):
        with django_assert_max_num_queries(1):
            upward_tasks(user, team.cycle)
