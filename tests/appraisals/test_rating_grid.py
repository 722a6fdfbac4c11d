"""The FRO's rating grid (issue 17, "rate and sign in at most 5 clicks"): one form of radio
buttons, a fieldset per goal, value and competency and the overall rating, comments inline,
sent at once; saved and signed all together or not at all, and after a refusal the page comes
back with everything as it was typed."""

import re

import pytest
from django.urls import reverse

from appraisals.models import Appraisal
from org.models import RatingScale
from pmsystem.models import DocumentEvent, Signature
from tests.appraisals.helpers import appraisal_of, level, make_document_at
from tests.workplans.helpers import fro_of

pytestmark = pytest.mark.django_db


def url(name, document):
    return reverse(f"appraisals:{name}", args=[document.pk])


def grid_data(document, *, overall_comment="A solid year.", overall="SM", goal="SM"):
    """What the grid sends: every row rated and commented, the overall rating."""
    appraisal = appraisal_of(document)
    data = {}
    for row in appraisal.goal_rows.all():
        data[f"goal-{row.pk}-rating"] = level(document, RatingScale.Kind.GOAL, goal).pk
        data[f"goal-{row.pk}-comment"] = f"Typed on goal row {row.pk}."
    for row in appraisal.competency_rows.all():
        data[f"competency-{row.pk}-rating"] = level(document, RatingScale.Kind.COMPETENCY, "FC").pk
        data[f"competency-{row.pk}-comment"] = f"Typed on competency row {row.pk}."
    data["overall_rating"] = level(document, RatingScale.Kind.OVERALL, overall).pk
    data["overall_comment"] = overall_comment
    return data


def checked_values(page: str) -> dict[str, str]:
    """name -> value of every checked radio button on the page."""
    found = re.findall(r'<input type="radio" name="([^"]+)" value="(\d+)" checked>', page)
    return dict(found)


def test_the_grid_is_one_fieldset_of_radio_buttons_per_row(client):
    document = make_document_at("fro_evaluation")
    appraisal = appraisal_of(document)
    client.force_login(fro_of(document))
    page = client.get(url("evaluation", document)).content.decode()

    goals, competencies = appraisal.goal_rows.count(), appraisal.competency_rows.count()
    assert page.count('<fieldset class="rating-row">') == goals + competencies + 1
    assert "<select" not in page
    # Each row's radios share its name; one radio per level of the row's scale.
    for row in appraisal.goal_rows.all():
        assert page.count(f'name="goal-{row.pk}-rating"') == 4
        assert f'<label for="goal-{row.pk}-comment">Comments</label>' in page
    for row in appraisal.competency_rows.all():
        assert page.count(f'name="competency-{row.pk}-rating"') == 4
    assert page.count('name="overall_rating"') == 4
    assert "<legend>Overall rating</legend>" in page
    assert "Successfully meets performance expectations</span>" in page
    # Sign is the last control of the one form.
    form = page[page.index('action="' + url("ratings", document)) :]
    form = form[: form.index("</form>")]
    assert form.rstrip().endswith("Sign and send to SRO</button></div>")


def test_saved_ratings_show_as_checked(client):
    document = make_document_at("fro_evaluation")
    client.force_login(fro_of(document))
    client.post(url("ratings", document), {**grid_data(document, overall="EX"), "save": "1"})
    page = client.get(url("evaluation", document)).content.decode()
    assert checked_values(page)["overall_rating"] == str(
        level(document, RatingScale.Kind.OVERALL, "EX").pk
    )
    assert "Typed on goal row" in page


def test_one_submission_rates_and_signs_with_the_ratings_history(client):
    document = make_document_at("fro_evaluation")
    client.force_login(fro_of(document))
    response = client.post(url("ratings", document), {**grid_data(document), "sign": "1"})
    assert response.status_code == 302

    appraisal = Appraisal.objects.get(pk=document.pk)
    assert appraisal.state == Appraisal.State.SRO_REVIEW
    assert not appraisal.goal_rows.filter(rating__isnull=True).exists()
    assert not appraisal.competency_rows.filter(rating__isnull=True).exists()
    assert appraisal.fro_overall_comment == "A solid year."
    assert Signature.objects.filter(document=document, stage="fro_evaluation").count() == 1
    kinds = list(
        DocumentEvent.objects.filter(document=document)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["ratings_changed", "sign_evaluation"]


def test_a_refused_signature_saves_nothing_and_keeps_what_was_typed(client):
    document = make_document_at("fro_evaluation")
    events = DocumentEvent.objects.filter(document=document).count()
    client.force_login(fro_of(document))
    data = {**grid_data(document, overall_comment="", overall="EX"), "sign": "1"}

    response = client.post(url("ratings", document), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Write the overall comments." in page
    assert "Nothing was saved: your ratings and comments are below." in page
    # The grid as it was sent: every level chosen, every comment typed.
    checked = checked_values(page)
    for name, value in data.items():
        if name.endswith("-rating") or name == "overall_rating":
            assert checked[name] == str(value)
        elif name.endswith("-comment"):
            assert f">{value}</textarea>" in page
    # ... and nothing of it in the database: no rating, no event, no signature.
    appraisal = Appraisal.objects.get(pk=document.pk)
    assert appraisal.state == Appraisal.State.FRO_EVALUATION
    assert appraisal.overall_rating_id is None
    assert not appraisal.goal_rows.filter(rating__isnull=False).exists()
    assert not appraisal.goal_rows.exclude(fro_comment="").exists()
    assert DocumentEvent.objects.filter(document=document).count() == events
    assert not Signature.objects.filter(document=document, stage="fro_evaluation").exists()


def test_a_rating_that_is_not_a_choice_keeps_the_rest_of_the_form(client):
    document = make_document_at("fro_evaluation")
    client.force_login(fro_of(document))
    data = {**grid_data(document), "overall_rating": "not-a-number", "sign": "1"}

    response = client.post(url("ratings", document), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "A rating was not one of the choices: nothing was saved." in page
    assert "overall_rating" not in checked_values(page)
    assert ">A solid year.</textarea>" in page
    assert appraisal_of(document).state == Appraisal.State.FRO_EVALUATION


def test_a_level_of_another_scale_is_refused_whole(client):
    document = make_document_at("fro_evaluation")
    client.force_login(fro_of(document))
    data = grid_data(document)
    goal_field = next(name for name in data if name.startswith("goal-") and "rating" in name)
    data[goal_field] = level(document, RatingScale.Kind.OVERALL, "EX").pk
    response = client.post(url("ratings", document), {**data, "sign": "1"})
    assert "That rating is not on the goal scale" in response.content.decode()
    appraisal = appraisal_of(document)
    assert appraisal.overall_rating_id is None
    assert appraisal.state == Appraisal.State.FRO_EVALUATION
