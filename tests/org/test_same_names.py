"""Two staff with the same name (issue 17: two "Hana Diaz" in the demo): where a page names
one of them — comments, the timeline, signatures, lists — their email tells them apart; a
name nobody else bears shows alone."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from appraisals import services
from org.selectors import shared_names
from tests.appraisals.helpers import make_document_at
from tests.factories import AdditionalSupervisorFactory, UserFactory
from tests.workplans.helpers import fro_of, sro_of

pytestmark = pytest.mark.django_db


def hana(email: str, **kwargs):
    return UserFactory(first_name="Hana", last_name="Diaz", email=email, **kwargs)


def test_shared_names_are_the_names_of_two_active_accounts():
    hana("hana.diaz@example.org")
    assert "hana diaz" not in shared_names()
    hana("hana.diaz2@example.org")
    UserFactory(first_name="Ivan", last_name="Petrov")
    assert shared_names() >= {"hana diaz"}
    assert "ivan petrov" not in shared_names()


def test_a_deactivated_namesake_does_not_count():
    hana("hana.diaz@example.org")
    hana("hana.old@example.org", is_active=False)
    assert "hana diaz" not in shared_names()


def test_the_tag_adds_the_email_only_where_names_collide(django_assert_num_queries):
    first = hana("hana.diaz@example.org")
    second = hana("h.diaz@example.org")
    ivan = UserFactory(first_name="Ivan", last_name="Petrov")
    template = Template(
        "{% load people %}{% person a %}|{% person b %}|{% person c %}|{% person none %}"
    )
    with django_assert_num_queries(1):  # one question for the whole page
        text = template.render(Context({"a": first, "b": second, "c": ivan, "none": None}))
    assert text == ("Hana Diaz (hana.diaz@example.org)|Hana Diaz (h.diaz@example.org)|Ivan Petrov|")


def test_comments_and_the_timeline_tell_namesakes_apart(client):
    supervisor = hana("hana.diaz@example.org")
    hana("hana.diaz.finance@example.org")
    document = make_document_at("fro_evaluation", supervisors=(supervisor,))
    services.save_supervisor_comment(
        document=document, actor=supervisor, comment="Reliable and thorough."
    )
    client.force_login(fro_of(document))

    evaluation = client.get(reverse("appraisals:evaluation", args=[document.pk])).content.decode()
    assert "<strong>Hana Diaz (hana.diaz@example.org)</strong>: Reliable and thorough." in (
        evaluation
    )
    work_plan = client.get(reverse("workplans:document", args=[document.pk])).content.decode()
    timeline = work_plan[work_plan.index('id="timeline-heading"') :]
    assert "Additional supervisor&#x27;s comments added · Hana Diaz (hana.diaz@example.org)" in (
        timeline
    )
    # A name nobody else bears shows alone.
    assert f"· {fro_of(document)}<" in timeline or f"· {fro_of(document)}\n" in timeline
    assert f"{fro_of(document)} (" not in timeline


def test_the_sro_queue_tells_namesakes_apart(client):
    document = make_document_at("sro_review")
    staff = document.staff.user
    UserFactory(first_name=staff.first_name, last_name=staff.last_name, email="other@example.org")
    client.force_login(sro_of(document))
    page = client.get(reverse("appraisals:sro-queue")).content.decode()
    assert f"<td>{staff} ({staff.email})</td>" in page


def test_supervisor_list_on_the_work_plan(client):
    document = make_document_at("not_started")
    supervisor = hana("hana.diaz@example.org")
    hana("hana.d@example.org")
    AdditionalSupervisorFactory(work_plan=document, supervisor=supervisor, state="accepted")
    client.force_login(document.staff.user)
    page = client.get(reverse("workplans:document", args=[document.pk])).content.decode()
    assert "Hana Diaz (hana.diaz@example.org) — Accepted" in page


def test_the_cached_names_follow_every_write_of_an_account(django_assert_num_queries):
    """The set is cached (issue 14: a scan of every account on each page), and forgotten by
    every route that writes an account: a save (the admin, a service), a deactivation, the
    importer's bulk writes."""
    from org.importer import import_org

    first = hana("hana.diaz@example.org")
    assert "hana diaz" not in shared_names()
    with django_assert_num_queries(0):
        assert "hana diaz" not in shared_names()  # cached
    second = hana("hana.diaz2@example.org")  # a save
    assert "hana diaz" in shared_names()
    second.is_active = False
    second.save()
    assert "hana diaz" not in shared_names()
    # The importer writes accounts in bulk (no save signal).
    from tests.factories import OrgUnitFactory

    unit = OrgUnitFactory()
    staff_csv = (
        "index_number,first_name,last_name,email,grade,unit_code,entry_on_duty,gender\n"
        f"777001,Hana,Diaz,hana.third@example.org,P-3,{unit.code},2020-01-01,F\n"
    ).encode()
    result = import_org(files=[("staff.csv", staff_csv)])
    assert result.written, result.errors
    assert "hana diaz" in shared_names()
    assert first.pk


def test_each_process_rereads_the_names_when_the_cached_version_changes(django_assert_num_queries):
    """A process keeps the set it read while the cached version is the one it read: another
    process's new set (a new version) is read at the next call, and a forgotten version (a
    write anywhere) makes the next call count the accounts again."""
    from django.core.cache import cache

    from org.selectors import SHARED_NAMES_KEY, SHARED_NAMES_VERSION_KEY, forget_shared_names

    hana("hana.diaz@example.org")
    hana("hana.diaz2@example.org")
    forget_shared_names()
    assert "hana diaz" in shared_names()
    with django_assert_num_queries(0):
        assert "hana diaz" in shared_names()
    # Another process counted again meanwhile (as after a write it saw): its set is read.
    cache.set_many({SHARED_NAMES_KEY: ("v2", ["zoe zed"]), SHARED_NAMES_VERSION_KEY: "v2"})
    with django_assert_num_queries(0):
        assert shared_names() == frozenset({"zoe zed"})
    # The version forgotten (a write anywhere): counted from the accounts again.
    cache.delete(SHARED_NAMES_VERSION_KEY)
    with django_assert_num_queries(1):
        assert "hana diaz" in shared_names()
    assert cache.get(SHARED_NAMES_VERSION_KEY) not in (None, "v2")
