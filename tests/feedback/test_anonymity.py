"""Anonymity is a property of the data (docs/rules.md section 9; README, "Anonymous upward
feedback"): no table, column, key, date or row order links an answer to its author, results
exist only as aggregates from the minimum on, and no page, export, evaluation or admin page
shows more. What an administrator with the whole database can read is tested here with SQL.
"""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.db import connection, models
from django.test.utils import isolate_apps
from django.urls import reverse

from feedback import services
from feedback.models import (
    AnswerComment,
    AnswerCount,
    FeedbackSettings,
    Participation,
    RatedManager,
    SealedBallot,
    UpwardQuestion,
)
from feedback.sealing import PAD_TO, seal, unseal
from org.models import User
from tests.appraisals.helpers import make_document_at
from tests.factories import UserFactory
from tests.feedback.helpers import answer, campaign_of, launch, make_team

pytestmark = pytest.mark.django_db

# The tables of what was answered, and the one of who answered.
ANSWER_MODELS = (SealedBallot, AnswerCount, AnswerComment)
# Tables that get one row per answer: their keys must not be a sequence (it would number the
# answers in the order they came).
ONE_ROW_PER_ANSWER = (SealedBallot, AnswerComment)
# What an answer may point to: the group (the rated manager) and the question.
GROUP_MODELS = (RatedManager, UpwardQuestion)
DATE_FIELDS = (models.DateField, models.DateTimeField, models.TimeField, models.DurationField)


def link_problems(answer_models, per_answer, participation) -> list[str]:
    """Every way the model definitions leave from an answer to a person: a relation to
    anything but the group and the question, a relation pointing into an answer table, a
    date, a sequence numbering the answers; and a participation row that holds more than
    who and on whom."""
    problems = []
    for model in answer_models:
        label = model._meta.label
        for f in model._meta.get_fields():
            if f.is_relation and f.auto_created and not f.concrete:
                problems.append(f"{label}: {f.related_model._meta.label} points at it")
            elif f.is_relation and f.related_model not in GROUP_MODELS:
                problems.append(f"{label}.{f.name}: links to {f.related_model._meta.label}")
            elif isinstance(f, DATE_FIELDS):
                problems.append(f"{label}.{f.name}: a date")
        if model in per_answer and not isinstance(model._meta.pk, models.UUIDField):
            problems.append(f"{label}: its key is a sequence, numbering the answers")
    label = participation._meta.label
    fields = {f.name: f for f in participation._meta.get_fields()}
    extra = set(fields) - {"id", "rated", "respondent"}
    if extra:
        problems.append(f"{label}: holds more than who and on whom: {sorted(extra)}")
    if not isinstance(participation._meta.pk, models.UUIDField):
        problems.append(f"{label}: its key is a sequence, numbering the answers")
    return problems


def test_no_column_or_relation_leads_from_an_answer_to_its_author():
    assert link_problems(ANSWER_MODELS, ONE_ROW_PER_ANSWER, Participation) == []


def test_no_table_of_any_app_points_at_the_answers_or_the_participations():
    targets = {*ANSWER_MODELS, Participation}
    pointing = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if f.is_relation and f.concrete and f.related_model in targets
    ]
    assert pointing == []


@isolate_apps("feedback")
def test_the_walk_finds_an_author_a_date_and_a_sequence():
    class BadAnswer(models.Model):  # noqa: DJ008
        respondent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
        rated = models.ForeignKey(RatedManager, on_delete=models.CASCADE, related_name="+")
        created_at = models.DateTimeField()

        class Meta:
            app_label = "feedback"

    class BadParticipation(models.Model):  # noqa: DJ008
        rated = models.ForeignKey(RatedManager, on_delete=models.CASCADE, related_name="+")
        respondent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
        answered_at = models.DateTimeField()

        class Meta:
            app_label = "feedback"

    assert link_problems((BadAnswer,), (BadAnswer,), BadParticipation) == [
        "feedback.BadAnswer.respondent: links to org.User",
        "feedback.BadAnswer.created_at: a date",
        "feedback.BadAnswer: its key is a sequence, numbering the answers",
        "feedback.BadParticipation: holds more than who and on whom: ['answered_at']",
        "feedback.BadParticipation: its key is a sequence, numbering the answers",
    ]


# --- what the database holds ------------------------------------------------------------------


def _sql(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_below_the_minimum_the_database_holds_only_sealed_ballots_of_one_size():
    team = make_team(5)
    rated = launch(team)
    secret = "My manager shouts at the team every Monday."
    answer(rated, team.members[0], value=1, comment=secret)
    first_ids = set(SealedBallot.objects.values_list("pk", flat=True))
    answer(rated, team.members[1], value=5)
    rows = _sql("SELECT id, sealed FROM feedback_sealedballot")
    assert len(rows) == 2
    # No answer is readable: neither the comment nor the values, whatever their length.
    for _, sealed in rows:
        assert secret.encode() not in bytes(sealed)
        assert b'"a"' not in bytes(sealed)
    assert {len(bytes(sealed)) for _, sealed in rows} == {12 + PAD_TO + 16}
    # Rewritten at each answer: new keys, and no counter or comment yet.
    assert not first_ids & {pk for pk, _ in rows}
    assert AnswerCount.objects.count() == 0 and AnswerComment.objects.count() == 0


def test_the_ballots_of_a_group_are_rewritten_together_so_no_row_dates_its_author():
    """Every sealed ballot of the group carries the same transaction id (PostgreSQL's xmin):
    the last answer rewrote them all, so a ballot's row does not tell whose transaction
    wrote it."""
    team = make_team(5)
    rated = launch(team)
    for member in team.members[:4]:
        answer(rated, member)
    ballots = _sql("SELECT xmin::text FROM feedback_sealedballot")
    participations = _sql("SELECT xmin::text FROM feedback_participation")
    assert len(ballots) == 4 and len({x for (x,) in ballots}) == 1
    # Four participations, four transactions: only the last one's is the ballots'.
    assert len({x for (x,) in participations}) == 4


def test_counted_answers_are_totals_and_comments_in_an_order_of_chance(monkeypatch):
    """Once counted, a group's answers are totals (every counter rewritten at once) and
    comments stored in the order a shuffle gave them, not in the order they came."""
    team = make_team(5)
    rated = launch(team)
    shuffled: list[list[str]] = []

    def reverse(items):
        items.reverse()
        if items and isinstance(items[0], AnswerComment):
            shuffled.append([c.text for c in items])

    monkeypatch.setattr(services._random, "shuffle", reverse)
    for n, member in enumerate(team.members):
        answer(rated, member, value=n + 1, comment=f"comment {n}")
    counters = _sql("SELECT xmin::text, count FROM feedback_answercount")
    assert len({x for x, _ in counters}) == 1
    assert sum(count for _, count in counters) == 5 * UpwardQuestion.objects.count()
    stored = [t for (t,) in _sql("SELECT text FROM feedback_answercomment ORDER BY ctid")]
    assert stored == shuffled[-1]
    assert not SealedBallot.objects.exists()


def test_a_ballot_opens_only_with_the_applications_key_for_its_own_group(settings):
    sealed = seal({"a": {"1": 3}, "c": {}}, rated_id=7)
    assert unseal(sealed, rated_id=7) == {"a": {"1": 3}, "c": {}}
    with pytest.raises(ValueError):
        unseal(sealed, rated_id=8)
    settings.FEEDBACK_BALLOT_KEY = "another key entirely"
    with pytest.raises(ValueError):
        unseal(sealed, rated_id=7)


def test_a_rotated_secret_key_still_opens_the_sealed_ballots(settings):
    sealed = seal({"a": {}, "c": {}}, rated_id=1)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a brand new secret key of fifty characters or more!!"
    assert unseal(sealed, rated_id=1) == {"a": {}, "c": {}}


# --- every route: pages, exports, the evaluation, the admin -----------------------------------


@pytest.fixture
def answered_team(client):
    """A manager with six supervisees who all answered (results and comments shown after the
    close), a document at SRO review, and a second manager with four answers of five."""
    team = make_team(6)
    rated = launch(team)
    for n, member in enumerate(team.members):
        answer(rated, member, value=n % 5 + 1, comment=f"Private remark {n}")
    low = make_team(5, cycle=team.cycle, entity=team.entity, hr=team.hr)
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    low_rated = RatedManager.objects.get(manager=low.manager)
    for member in low.members[:4]:
        answer(low_rated, member, value=1, comment="Only four of us")
    document = make_document_at("sro_review", staff=team.manager, cycle=team.cycle)
    return team, rated, low, low_rated, document


def _pages(client, user, urls) -> dict[str, str]:
    client.force_login(user)
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        found[url] = body.decode(errors="replace")
    return found


def test_no_page_or_export_names_who_answered(client, answered_team):
    team, rated, low, low_rated, document = answered_team
    campaign = campaign_of(team)
    respondents = [str(m.user) for m in team.members + low.members[:4]]
    readers = {
        team.manager.user: [reverse("feedback:upward-results", args=[rated.pk])],
        team.boss.user: [
            reverse("feedback:upward-results", args=[rated.pk]),
            reverse("appraisals:evaluation", args=[document.pk]),
        ],
        team.second.user: [
            reverse("feedback:upward-results", args=[rated.pk]),
            reverse("appraisals:evaluation", args=[document.pk]),
            reverse("feedback:home"),
        ],
        team.hr: [
            reverse("feedback:campaign", args=[campaign.pk]),
            reverse("feedback:campaign-export", args=[campaign.pk, "csv"]),
            reverse("feedback:campaigns"),
        ],
        low.manager.user: [reverse("feedback:upward-results", args=[low_rated.pk])],
    }
    for user, urls in readers.items():
        for url, page in _pages(client, user, urls).items():
            named = [name for name in respondents if name in page]
            assert not named, f"{url} read by {user} names {named}"


def test_results_show_from_the_minimum_and_never_below_it(client, answered_team):
    team, rated, low, low_rated, document = answered_team
    pages = _pages(client, team.boss.user, [reverse("feedback:upward-results", args=[rated.pk])])
    page = next(iter(pages.values()))
    assert "5 answers counted" in page
    assert "Private remark" not in page  # five counted: comments only above the minimum
    low_pages = _pages(
        client, low.manager.user, [reverse("feedback:upward-results", args=[low_rated.pk])]
    )
    low_page = next(iter(low_pages.values()))
    assert "Not enough answers to keep them anonymous (4 of 5 needed)." in low_page
    assert "Only four of us" not in low_page and "Mean" not in low_page


def test_the_manager_evaluation_shows_the_feedback_to_the_fro_and_sro_only(client, answered_team):
    team, rated, low, low_rated, document = answered_team
    url = reverse("appraisals:evaluation", args=[document.pk])
    heading = f"Upward feedback on {team.manager.user}"
    for user in (team.boss.user, team.second.user):
        assert heading in _pages(client, user, [url])[url]
    assert heading not in _pages(client, team.manager.user, [url])[url]
    assert heading not in _pages(client, team.hr, [url])[url]


def test_after_the_close_comments_show_in_random_order_and_the_pdf_has_no_feedback(
    client, answered_team
):
    team, rated, low, low_rated, document = answered_team
    closes = FeedbackSettings.objects.get(cycle=team.cycle).window()[1]
    with time_machine.travel(closes + datetime.timedelta(days=1)):
        services.close_finished_campaigns()
    low_rated.refresh_from_db()
    assert low_rated.counted == 0 and not SealedBallot.objects.exists()
    url = reverse("feedback:upward-results", args=[rated.pk])
    client.force_login(team.manager.user)
    orders = set()
    for _ in range(8):
        page = client.get(url).content.decode()
        assert "6 answers counted" in page
        orders.add(tuple(sorted(range(6), key=lambda n: page.index(f"Private remark {n}"))))
    assert len(orders) > 1, "the comments came in the same order at every reading"


def test_the_admin_lists_no_answer_and_no_participation(client, answered_team):
    team, rated, low, low_rated, document = answered_team
    registered = set(admin.site._registry)
    assert not registered & {*ANSWER_MODELS, Participation}
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    campaign = campaign_of(team)
    pages = [
        reverse("admin:feedback_campaign_change", args=[campaign.pk]),
        reverse("admin:feedback_campaign_changelist"),
        reverse("admin:feedback_feedbacksettings_changelist"),
        reverse("admin:feedback_upwardquestion_changelist"),
    ]
    respondents = [str(m.user) for m in team.members]
    for url in pages:
        page = client.get(url).content.decode()
        assert not [name for name in respondents if name in page], url
        assert "Private remark" not in page


def test_the_export_carries_counts_and_aggregates_only(client, answered_team):
    team, rated, low, low_rated, document = answered_team
    other = make_team(5, cycle=team.cycle, entity=team.entity, hr=team.hr)
    services.launch_campaign(entity=team.entity, cycle=team.cycle, actor=team.hr)
    third = RatedManager.objects.get(manager=other.manager)
    for member in other.members:
        answer(third, member, value=3)
    client.force_login(team.hr)
    url = reverse("feedback:campaign-export", args=[campaign_of(team).pk, "csv"])
    lines = b"".join(client.get(url).streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Manager,Index number,Staff who may answer,Answers,Answers counted"
    by_manager = {line.split(",")[0]: line.split(",")[2:] for line in lines[1:]}
    assert by_manager[str(low.manager.user)] == ["5", "4", "0"]
    assert by_manager[str(team.manager.user)] == ["6", "6", "5"]
    xlsx = client.get(reverse("feedback:campaign-export", args=[campaign_of(team).pk, "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames == ["Participation", "Results"]
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert not [
        c
        for c in cells
        if "Private remark" in c
        or c
        in by_manager.keys()
        - {str(team.manager.user), str(low.manager.user), str(other.manager.user)}
    ]
    results = list(book["Results"].iter_rows(values_only=True))
    # Two managers' results (five counted each) added together, per question.
    assert results[1][1] == 10


def test_the_answer_form_keeps_no_draft_on_the_server(client):
    """Drafts of long forms (static/js/drafts.js) are kept per author on the server: the
    questionnaire never takes part, or its text would sit beside its author's name."""
    team = make_team(5)
    rated = launch(team)
    client.force_login(team.members[0].user)
    page = client.get(reverse("feedback:upward-answer", args=[rated.pk])).content.decode()
    assert "<form" in page and "data-draft-url" not in page
