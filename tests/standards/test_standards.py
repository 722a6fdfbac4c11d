"""The HOD's ratings standards (issue 16 section 1, docs/rules.md section 10): drafted and
published per entity and cycle by the HOD or acting HOD, kept as versions, read by the FROs
and SROs of the entity's staff beside each level, and acknowledged by each FRO before their
first rating is signed (a cycle setting, on by default; a new version asks again)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisals import services as appraisal_services
from compliance.selectors import my_tasks
from org.models import Delegation, RatingLevel, RatingScale
from pmsystem.errors import ApplicationError
from standards import selectors, services
from standards.models import Acknowledgement, LevelStandard, RatingsStandard
from standards.permissions import entity_roles, sees_standard, visible_standards
from tests.appraisals.helpers import appraisal_of, fresh, rate_everything
from tests.factories import DelegationFactory, ReportingLineFactory, StaffMemberFactory, UserFactory

from .helpers import department, overall_texts, published

pytestmark = pytest.mark.django_db
S = RatingsStandard.State
TODAY = datetime.date.today()


# --- drafting, publishing, versions ----------------------------------------------------------


def test_the_hod_drafts_and_publishes_and_every_overall_level_needs_its_text():
    dep = department()
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    assert (draft.version, draft.state) == (1, S.DRAFT)
    overall = overall_texts(dep.cycle)
    first = next(iter(overall))
    services.save_draft(
        standard=draft, actor=dep.hod, introduction="", texts={first: overall[first]}
    )
    with pytest.raises(ApplicationError) as refused:
        services.publish_standard(standard=draft, actor=dep.hod)
    assert refused.value.message.startswith(
        "Write what each overall rating means before publishing; missing: Successfully meets"
    )
    services.save_draft(standard=draft, actor=dep.hod, introduction="Our scale.", texts=overall)
    standard = services.publish_standard(standard=draft, actor=dep.hod)
    assert standard.state == S.PUBLISHED and standard.published_by == dep.hod
    assert selectors.current_standard(dep.entity.pk, dep.cycle.pk) == standard


def test_a_new_version_starts_from_the_one_in_force_and_supersedes_it_when_published():
    dep = department()
    first = published(dep, "Version one")
    second = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    assert second.version == 2
    assert sorted(second.texts.values_list("level_id", "text")) == sorted(
        first.texts.values_list("level_id", "text")
    )
    with pytest.raises(ApplicationError, match="Version 2 is being drafted already: edit it."):
        services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    services.publish_standard(standard=second, actor=dep.hod)
    first.refresh_from_db()
    assert first.state == S.SUPERSEDED and first.superseded_at is not None
    assert selectors.current_standard(dep.entity.pk, dep.cycle.pk).pk == second.pk


def test_a_published_version_never_changes():
    dep = department()
    standard = published(dep)
    texts = list(standard.texts.values_list("level_id", "text"))
    with pytest.raises(ApplicationError) as refused:
        services.save_draft(
            standard=standard, actor=dep.hod, introduction="Rewritten", texts={texts[0][0]: "X"}
        )
    assert refused.value.message == (
        "Version 1 is published: it no longer changes. Start a new version."
    )
    assert list(standard.texts.values_list("level_id", "text")) == texts


def test_a_blank_text_removes_the_level_and_a_level_of_another_cycle_is_refused():
    dep = department()
    other = department()
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    overall = overall_texts(dep.cycle)
    services.save_draft(standard=draft, actor=dep.hod, introduction="", texts=overall)
    first = next(iter(overall))
    services.save_draft(standard=draft, actor=dep.hod, introduction="", texts={first: "  "})
    assert not draft.texts.filter(level_id=first).exists()
    assert draft.texts.count() == len(overall) - 1
    foreign = next(iter(overall_texts(other.cycle)))
    with pytest.raises(ApplicationError, match="That level is not on a rating scale of"):
        services.save_draft(standard=draft, actor=dep.hod, introduction="", texts={foreign: "X"})


def test_only_the_hod_or_an_acting_hod_writes_the_standards():
    dep = department()
    for actor in (dep.hr, dep.fro, dep.sro, UserFactory()):
        with pytest.raises(ApplicationError) as refused:
            services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=actor)
        assert refused.value.message == (
            "Only the head of the department, or the acting head, writes its ratings standards."
        )
    deputy = StaffMemberFactory(unit=dep.unit).user
    DelegationFactory(principal=dep.hod, acting=deputy, role=Delegation.Role.HOD)
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=deputy)
    services.save_draft(
        standard=draft, actor=deputy, introduction="", texts=overall_texts(dep.cycle)
    )
    assert services.publish_standard(standard=draft, actor=deputy).published_by == deputy


def test_the_acting_hod_loses_the_pen_the_day_after_the_delegation_ends():
    dep = department()
    deputy = StaffMemberFactory(unit=dep.unit).user
    DelegationFactory(
        principal=dep.hod, acting=deputy, role=Delegation.Role.HOD, start=TODAY, end=TODAY
    )
    assert "hod" in entity_roles(deputy, dep.entity.pk, dep.cycle.pk)
    version = published(dep)
    assert sees_standard(deputy, version.pk)
    tomorrow = datetime.datetime.combine(TODAY + datetime.timedelta(days=1), datetime.time(12))
    with time_machine.travel(tomorrow, tick=False):
        assert "hod" not in entity_roles(deputy, dep.entity.pk, dep.cycle.pk)
        # The version's page follows the clock too (the one-version check is dated today).
        assert not sees_standard(deputy, version.pk)
        with pytest.raises(ApplicationError):
            services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=deputy)


def test_a_closed_cycle_is_read_only():
    dep = department()
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    services.save_draft(
        standard=draft, actor=dep.hod, introduction="", texts=overall_texts(dep.cycle)
    )
    dep.cycle.status = "closed"
    dep.cycle.save()
    draft = RatingsStandard.objects.get(pk=draft.pk)
    with pytest.raises(ApplicationError, match="is closed: its ratings standards no longer"):
        services.publish_standard(standard=draft, actor=dep.hod)


# --- who reads what ----------------------------------------------------------------------------


def test_readers_are_the_hod_hr_and_the_officers_of_the_entitys_staff():
    dep = department()
    first = published(dep)
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    outsider_fro = department().fro
    assert set(visible_standards(dep.hod)) == {first, draft}
    for reader in (dep.hr, dep.fro, dep.sro):
        assert set(visible_standards(reader)) == {first}, reader
    for stranger in (dep.document.staff.user, outsider_fro, UserFactory()):
        assert not visible_standards(stranger).exists()
    # A version's page asks the one-version form of the rule: the same answers.
    for user in (dep.hod, dep.hr, dep.fro, dep.sro, dep.document.staff.user, outsider_fro):
        for version in (first, draft):
            wanted = visible_standards(user).filter(pk=version.pk).exists()
            assert sees_standard(user, version.pk) == wanted, (user, version)
    # An id no row can have (zero, beyond bigint) is no one's, without asking the database.
    assert not sees_standard(dep.hod, 0)
    assert not sees_standard(dep.hod, 2**63)
    # An acting FRO reads them while the delegation holds.
    acting = UserFactory()
    DelegationFactory(principal=dep.fro, acting=acting, role=Delegation.Role.FRO)
    assert set(visible_standards(acting)) == {first}
    assert sees_standard(acting, first.pk)
    assert "fro" in entity_roles(acting, dep.entity.pk, dep.cycle.pk)


def test_a_replaced_fro_no_longer_reads_them():
    dep = department()
    published(dep)
    line = dep.document.staff.lines.get()
    line.effective_to = TODAY - datetime.timedelta(days=1)
    line.save()
    ReportingLineFactory(
        staff=dep.document.staff,
        cycle=dep.cycle,
        fro=StaffMemberFactory(unit=dep.unit),
        sro=line.sro,
        effective_from=TODAY,
    )
    assert not visible_standards(dep.fro).exists()
    assert visible_standards(dep.sro).exists()
    # A version's page asks the one-version check: it follows the line edit too.
    version = visible_standards(dep.sro).get()
    assert not sees_standard(dep.fro, version.pk)
    assert sees_standard(dep.sro, version.pk)


def test_pages_answer_404_to_those_who_may_not_read(client):
    dep = department()
    standard = published(dep)
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    client.force_login(dep.fro)
    assert client.get(reverse("standards:version", args=[standard.pk])).status_code == 200
    assert client.get(reverse("standards:version", args=[draft.pk])).status_code == 404
    client.force_login(dep.document.staff.user)
    for url in (
        reverse("standards:version", args=[standard.pk]),
        reverse("standards:entity", args=[dep.entity.pk, dep.cycle.pk]),
    ):
        assert client.get(url).status_code == 404
    client.force_login(dep.hod)
    page = client.get(reverse("standards:version", args=[draft.pk]))
    assert page.status_code == 200 and b"Write version 2" in page.content


# --- acknowledging and signing -----------------------------------------------------------------


def _sign(dep):
    document = fresh(dep.document)
    rate_everything(document)
    return appraisal_services.sign_evaluation(document=document, actor=dep.fro)


def test_the_fro_acknowledges_before_the_first_rating_is_signed():
    dep = department()
    standard = published(dep)
    with pytest.raises(ApplicationError) as refused:
        _sign(dep)
    assert refused.value.message == (
        f"Acknowledge the ratings standards of {dep.entity.code} (version 1) before you sign "
        "your first rating: they are above your ratings."
    )
    assert appraisal_of(dep.document).state == "fro_evaluation"
    assert not dep.document.signatures.filter(stage="fro_evaluation").exists()
    services.acknowledge_standard(standard=standard, actor=dep.fro)
    assert _sign(dep).state == "sro_review"


def test_a_new_version_asks_again():
    dep = department()
    services.acknowledge_standard(standard=published(dep), actor=dep.fro)
    second = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    services.publish_standard(standard=second, actor=dep.hod)
    with pytest.raises(ApplicationError, match=r"changed on .* \(version 2\): acknowledge the new"):
        _sign(dep)
    services.acknowledge_standard(standard=second, actor=dep.fro)
    assert _sign(dep).state == "sro_review"


def test_a_superseded_version_is_not_acknowledged():
    dep = department()
    first = published(dep)
    published(dep, "Second")
    with pytest.raises(ApplicationError, match="Version 1 is not the version in force"):
        services.acknowledge_standard(standard=first, actor=dep.fro)


def test_the_cycle_setting_off_lets_the_fro_sign_without_acknowledging():
    dep = department()
    published(dep)
    settings = services.standards_settings(dep.cycle)
    settings.acknowledgement_required = False
    settings.save()
    assert _sign(dep).state == "sro_review"


def test_without_published_standards_nothing_is_asked():
    dep = department()
    services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)  # a draft
    assert _sign(dep).state == "sro_review"


def test_only_an_fro_of_the_entitys_staff_acknowledges_and_once():
    dep = department()
    standard = published(dep)
    for actor in (dep.sro, dep.hr, dep.hod, UserFactory()):
        with pytest.raises(ApplicationError, match="The FROs of the department's staff"):
            services.acknowledge_standard(standard=standard, actor=actor)
    services.acknowledge_standard(standard=standard, actor=dep.fro)
    with pytest.raises(ApplicationError, match="You acknowledged version 1 on"):
        services.acknowledge_standard(standard=standard, actor=dep.fro)
    assert Acknowledgement.objects.filter(standard=standard).count() == 1


def test_the_rating_page_shows_the_standards_beside_each_level_and_refuses_the_signature(client):
    dep = department()
    standard = published(dep, "Here")
    client.force_login(dep.fro)
    url = reverse("appraisals:evaluation", args=[dep.document.pk])
    page = client.get(url).content.decode()
    assert 'class="level-standard">Here, exceeds' in page
    assert reverse("standards:acknowledge", args=[standard.pk]) in page
    appraisal = appraisal_of(dep.document)
    levels = {
        kind: RatingLevel.objects.get(scale__cycle=dep.cycle, scale__kind=kind, rank=2).pk
        for kind in RatingScale.Kind.values
    }
    data = {"overall_rating": levels["overall"], "overall_comment": "Solid.", "sign": "1"}
    for row in appraisal.goal_rows.all():
        data[f"goal-{row.pk}-rating"] = levels["goal"]
    for row in appraisal.competency_rows.all():
        data[f"competency-{row.pk}-rating"] = levels["competency"]
    response = client.post(reverse("appraisals:ratings", args=[dep.document.pk]), data)
    assert response.status_code == 200
    assert "before you sign your first rating" in response.content.decode()
    assert appraisal_of(dep.document).overall_rating_id is None  # nothing saved
    back = client.post(
        reverse("standards:acknowledge", args=[standard.pk]), {"next": url}, follow=False
    )
    assert back.status_code == 302 and back["Location"] == url
    response = client.post(reverse("appraisals:ratings", args=[dep.document.pk]), data)
    assert response.status_code == 302
    assert appraisal_of(dep.document).state == "sro_review"


def test_the_sro_reads_them_on_the_review_page_and_the_staff_member_does_not(client):
    dep = department(stage="sro_review")
    published(dep, "Here")
    url = reverse("appraisals:evaluation", args=[dep.document.pk])
    client.force_login(dep.sro)
    page = client.get(url).content.decode()
    assert "Ratings standards of" in page and "Here, exceeds" in page
    assert "I have read them" not in page  # the SRO reads; FROs acknowledge
    client.force_login(dep.document.staff.user)
    assert "Ratings standards of" not in client.get(url).content.decode()


def test_an_unsafe_next_is_ignored(client):
    dep = department()
    standard = published(dep)
    client.force_login(dep.fro)
    back = client.post(
        reverse("standards:acknowledge", args=[standard.pk]), {"next": "https://evil.example/"}
    )
    assert back["Location"] == reverse("standards:version", args=[standard.pk])


# --- attachment --------------------------------------------------------------------------------


def test_the_attachment_is_checked_and_served_to_readers_only(client):
    dep = department()
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    fake = SimpleUploadedFile("guide.pdf", b"MZ not a pdf", "application/pdf")
    with pytest.raises(ApplicationError, match="is not really a pdf file"):
        services.save_draft(
            standard=draft, actor=dep.hod, introduction="", texts={}, attachment=fake
        )
    with pytest.raises(ApplicationError, match="is not a PDF or Word"):
        services.save_draft(
            standard=draft,
            actor=dep.hod,
            introduction="",
            texts={},
            attachment=SimpleUploadedFile("guide.exe", b"%PDF-1.4", "application/pdf"),
        )
    services.save_draft(
        standard=draft,
        actor=dep.hod,
        introduction="",
        texts=overall_texts(dep.cycle),
        attachment=SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guidance", "application/pdf"),
    )
    services.publish_standard(standard=draft, actor=dep.hod)
    url = reverse("standards:attachment", args=[draft.pk])
    client.force_login(dep.fro)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 guidance"
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


# --- My tasks and compliance -------------------------------------------------------------------


def test_my_tasks_asks_the_fro_to_acknowledge_until_they_do():
    dep = department()
    standard = published(dep)
    labels = [t.label for t in my_tasks(dep.fro, dep.cycle)]
    wanted = f"Acknowledge the ratings standards of {dep.entity.code} (version 1)"
    assert wanted in labels
    assert wanted not in [t.label for t in my_tasks(dep.sro, dep.cycle)]
    services.acknowledge_standard(standard=standard, actor=dep.fro)
    assert wanted not in [t.label for t in my_tasks(dep.fro, dep.cycle)]


def test_standards_status_counts_the_fros_who_acknowledged_the_version_in_force():
    dep = department()
    other_fro = StaffMemberFactory(unit=dep.unit)
    ReportingLineFactory(
        staff=StaffMemberFactory(unit=dep.unit), cycle=dep.cycle, fro=other_fro, sro=dep.sro.staff
    )
    bare = department(cycle=dep.cycle)
    [row, empty] = sorted(
        selectors.standards_status([dep.entity.pk, bare.entity.pk], dep.cycle),
        key=lambda r: r.entity.pk != dep.entity.pk,
    )
    assert row.current is None and row.froes == 2
    standard = published(dep)
    services.acknowledge_standard(standard=standard, actor=dep.fro)
    row = selectors.standards_status([dep.entity.pk], dep.cycle)[0]
    assert (row.current, row.froes, row.acknowledged, row.missing) == (standard, 2, 1, 1)
    assert (empty.current, empty.froes) == (None, 1)
    # A new version: nobody has acknowledged it yet.
    second = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    services.publish_standard(standard=second, actor=dep.hod)
    row = selectors.standards_status([dep.entity.pk], dep.cycle)[0]
    assert (row.current.version, row.acknowledged) == (2, 0)


def test_standards_status_takes_the_entities_the_caller_read_and_reads_them_otherwise(
    django_assert_num_queries,
):
    """Given the entities already read (the dashboard's scope: id, code and name, in its
    order), `standards_status` asks one query fewer and finds the same; given only some of
    them, it reads the entities itself."""
    from compliance.dashboard import UnitRef

    dep = department()
    bare = department(cycle=dep.cycle)
    services.acknowledge_standard(standard=published(dep), actor=dep.fro)
    ids = [dep.entity.pk, bare.entity.pk]

    def seen(rows):
        return [
            (r.entity.pk, r.entity.code, r.entity.name, r.current, r.froes, r.acknowledged)
            for r in rows
        ]

    expected = seen(selectors.standards_status(ids, dep.cycle))
    known = sorted(
        (UnitRef(e.pk, e.code, e.name) for e in (dep.entity, bare.entity)), key=lambda e: e.code
    )
    with django_assert_num_queries(3):
        assert seen(selectors.standards_status(ids, dep.cycle, known=known)) == expected
    with django_assert_num_queries(4):
        assert seen(selectors.standards_status(ids, dep.cycle, known=known[:1])) == expected


def test_the_compliance_dashboard_shows_each_entitys_standards(client):
    dep = department()
    standard = published(dep)
    services.acknowledge_standard(standard=standard, actor=dep.fro)
    client.force_login(dep.hr)
    page = client.get(reverse("compliance:dashboard")).content.decode()
    assert "Ratings standards per entity" in page
    assert reverse("standards:entity", args=[dep.entity.pk, dep.cycle.pk]) in page
    client.force_login(dep.hod)
    page = client.get(reverse("standards:version", args=[standard.pk])).content.decode()
    assert "Acknowledged by the FROs" in page and str(dep.fro) in page


def test_the_levels_of_every_scale_can_carry_a_text():
    dep = department()
    draft = services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    competency = RatingLevel.objects.get(
        scale__cycle=dep.cycle, scale__kind=RatingScale.Kind.COMPETENCY, rank=1
    )
    services.save_draft(
        standard=draft,
        actor=dep.hod,
        introduction="",
        texts={**overall_texts(dep.cycle), competency.pk: "A model for others."},
    )
    scales = selectors.scale_texts(draft)
    assert [s.kind for s in scales] == ["overall", "competency"]
    assert LevelStandard.objects.filter(standard=draft).count() == 5


# --- the list pages' queries -------------------------------------------------------------------


@pytest.mark.parametrize("fros", [1, 8])
def test_the_pages_run_a_constant_number_of_queries(client, django_assert_max_num_queries, fros):
    dep = department()
    for _ in range(fros):
        ReportingLineFactory(
            staff=StaffMemberFactory(unit=dep.unit),
            cycle=dep.cycle,
            fro=StaffMemberFactory(unit=dep.unit),
            sro=dep.sro.staff,
        )
    standard = published(dep)
    services.start_new_version(entity=dep.entity, cycle=dep.cycle, actor=dep.hod)
    client.force_login(dep.hod)
    for url in (
        reverse("standards:home"),
        reverse("standards:entity", args=[dep.entity.pk, dep.cycle.pk]),
        reverse("standards:version", args=[standard.pk]),
    ):
        with django_assert_max_num_queries(22):
            assert client.get(url).status_code == 200, url
