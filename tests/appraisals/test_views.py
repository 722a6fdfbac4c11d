"""End-of-cycle pages through the client: the four-person flow, the PDF, roll-back by HR,
and every evaluation URL tried as every role."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from appraisals.models import Appraisal
from org.models import DepartmentRole, RatingLevel
from tests.appraisals.helpers import hr_focal_point
from tests.builders import build_document
from tests.factories import (
    AdditionalSupervisorFactory,
    DepartmentRoleFactory,
    EntityFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.workplans.helpers import fro_of, make_approved_work_plan, sro_of

pytestmark = pytest.mark.django_db


def url(name, document, *args):
    return reverse(f"appraisals:{name}", args=[document.pk, *args])


def levels(document, kind):
    return {
        level.code: level.pk
        for level in RatingLevel.objects.filter(scale__cycle=document.cycle, scale__kind=kind)
    }


def test_full_evaluation_through_the_pages(client):
    document = make_approved_work_plan(cycle__midpoint_required=False)
    staff, fro, sro = document.staff.user, fro_of(document), sro_of(document)
    supervisor = UserFactory()
    AdditionalSupervisorFactory(work_plan=document, supervisor=supervisor, state="accepted")

    client.force_login(staff)
    client.post(url("start", document))
    appraisal = Appraisal.objects.get(pk=document.pk)
    data = {f"goal-{row.pk}-comment": "Delivered." for row in appraisal.goal_rows.all()}
    data |= {"overall": "A good year.", "submit": "1"}
    client.post(url("self-evaluation", document), data)
    appraisal.refresh_from_db()
    assert appraisal.state == Appraisal.State.FRO_EVALUATION

    client.force_login(supervisor)
    page = client.get(url("evaluation", document)).content.decode()
    assert "Your comments as additional supervisor" in page
    assert "A good year." not in page  # the self-evaluation is not theirs to read
    client.post(url("supervisor-comment", document), {"comment": "Reliable and thorough."})

    client.force_login(fro)
    page = client.get(url("evaluation", document)).content.decode()
    assert "Reliable and thorough." in page
    goal, comp, overall = (levels(document, k) for k in ("goal", "competency", "overall"))
    data = {f"goal-{row.pk}-rating": goal["SM"] for row in appraisal.goal_rows.all()}
    data |= {f"competency-{row.pk}-rating": comp["FC"] for row in appraisal.competency_rows.all()}
    data |= {"overall_rating": overall["PM"], "overall_comment": "Partially met.", "sign": "1"}
    client.post(url("ratings", document), data)
    appraisal.refresh_from_db()
    assert appraisal.state == Appraisal.State.SRO_REVIEW

    client.force_login(sro)
    client.post(url("sro", document), {"action": "approve", "comment": "Agreed."})
    client.force_login(staff)
    client.post(url("acknowledge", document), {"comment": "Read."})
    appraisal.refresh_from_db()
    assert appraisal.state == Appraisal.State.COMPLETED
    page = client.get(url("evaluation", document)).content.decode()
    assert "This rating may be rebutted until" in page

    response = client.get(url("pdf", document))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Partially meets performance expectations" in text
    assert "Reliable and thorough." in text
    for signature in document.signatures.all():
        assert signature.content_hash[:16] in text.replace("\n", "")


def test_fro_is_prompted_to_open_a_pip_on_an_underperformance_rating(client):
    document = build_document("sro_review", overall="DN")
    client.force_login(fro_of(document))
    assert "open a <a" in client.get(url("evaluation", document)).content.decode()


def test_invalid_rating_saves_nothing_and_says_so(client):
    document = build_document("fro_evaluation")
    client.force_login(fro_of(document))
    response = client.post(
        url("ratings", document), {"overall_rating": "not-a-number"}, follow=True
    )
    assert "A rating was not one of the choices: nothing was saved." in response.content.decode()


def test_hr_rolls_back_through_the_page(client):
    document = build_document("acknowledgement")
    hr = hr_focal_point(document)
    client.force_login(hr)
    page = client.get(url("rollback", document)).content.decode()
    assert "FRO evaluation" in page
    client.post(
        url("rollback", document),
        {
            "target_stage": "fro_evaluation",
            "requested_by": sro_of(document).pk,
            "reason": "Goal 2 was rated on the wrong evidence.",
        },
    )
    assert Appraisal.objects.get(pk=document.pk).state == Appraisal.State.FRO_EVALUATION
    assert document.signatures.filter(voided_at__isnull=False).count() == 2


@pytest.fixture
def document_and_people():
    document = build_document("sro_review")
    entity = document.staff.unit.entity
    supervisor = UserFactory()
    return document, {
        "staff": document.staff.user,
        "fro": fro_of(document),
        "sro": sro_of(document),
        "hod": DepartmentRoleFactory(entity=entity, role=DepartmentRole.Role.HOD).user,
        "hr": hr_focal_point(document),
        "unrelated": StaffMemberFactory().user,
        "other_hod": DepartmentRoleFactory(entity=EntityFactory(), role="hod").user,
        "supervisor_not_accepted": supervisor,
    }


# docs/rules.md section 7 at the SRO-review stage.
EXPECTED = {
    "staff": {"evaluation": 200, "rollback": 403, "pips": 200, "pdf": 200},
    "fro": {"evaluation": 200, "rollback": 403, "pips": 200, "pdf": 200},
    "sro": {"evaluation": 200, "rollback": 403, "pips": 200, "pdf": 200},
    "hod": {"evaluation": 200, "rollback": 403, "pips": 200, "pdf": 200},
    "hr": {"evaluation": 200, "rollback": 200, "pips": 200, "pdf": 200},
    "unrelated": {"evaluation": 404, "rollback": 404, "pips": 404, "pdf": 404},
    "other_hod": {"evaluation": 404, "rollback": 404, "pips": 404, "pdf": 404},
    "supervisor_not_accepted": {"evaluation": 404, "rollback": 404, "pips": 404, "pdf": 404},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_evaluation_urls_answer_each_role_as_designed(client, document_and_people, role):
    document, people = document_and_people
    client.force_login(people[role])
    answers = {name: client.get(url(name, document)).status_code for name in EXPECTED[role]}
    assert answers == EXPECTED[role]


@pytest.mark.parametrize("role", ["staff", "fro", "hod", "hr", "unrelated"])
def test_only_the_sro_approves_by_post(client, document_and_people, role):
    document, people = document_and_people
    client.force_login(people[role])
    client.post(url("sro", document), {"action": "approve"})
    appraisal = Appraisal.objects.get(pk=document.pk)
    assert appraisal.state == Appraisal.State.SRO_REVIEW
    assert not document.signatures.filter(action="approve_evaluation").exists()


def test_sro_queue_constant_queries(client, django_assert_max_num_queries):
    first = build_document("sro_review")
    sro = sro_of(first)
    client.force_login(sro)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("appraisals:sro-queue")).content.decode()
    assert page.count("Review</a>") == 1
    for _ in range(4):
        build_document("sro_review", sro=first.staff.lines.get().sro, cycle=first.cycle)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("appraisals:sro-queue")).content.decode()
    assert page.count("Review</a>") == 5
