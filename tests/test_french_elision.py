"""French elision (issue 17): "d'Adaeze", not "de Adaeze", where a name (or any value) that
starts with a vowel follows "de" or "que" — in stored phrases (timeline, emails), in
`{% blocktranslate %}` of templates that load pmsystem_i18n, and in My tasks; never in
English, never before h or y ("de Hana", "de Yusuf")."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from pmsystem.i18n import elided, interpolate, phrase, render_in
from tests.factories import StaffMemberFactory
from tests.workplans.helpers import fro_of, make_submitted_work_plan

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("Plan de travail de Adaeze Obi", ["Adaeze Obi"], "Plan de travail d'Adaeze Obi"),
        ("Objectifs de OCHA", ["OCHA"], "Objectifs d'OCHA"),
        ("Objection de Émile", ["Émile"], "Objection d'Émile"),
        ("De Ines à Bruno, et que Ivan", ["Ines", "Ivan"], "D'Ines à Bruno, et qu'Ivan"),
        ("Plan de travail de Hana Diaz", ["Hana Diaz"], "Plan de travail de Hana Diaz"),
        ("Plan de travail de Yusuf Ali", ["Yusuf Ali"], "Plan de travail de Yusuf Ali"),
        ("Guide Adaeze", ["Adaeze"], "Guide Adaeze"),
        ("de 8 à 11", ["8", "11"], "de 8 à 11"),
        # Only before the values: the sentence's own words are left as written.
        ("de Adaeze, de Ami", ["Adaeze"], "d'Adaeze, de Ami"),
    ],
)
def test_elision_before_values_in_french(text, values, expected):
    with translation.override("fr"):
        assert elided(text, values) == expected
    with translation.override("en"):
        assert elided(text, values) == text


def test_interpolate_and_stored_phrases_elide_in_french_only():
    with translation.override("fr"):
        assert interpolate("Plan de travail de %(name)s", {"name": "Adaeze"}) == (
            "Plan de travail d'Adaeze"
        )
    stored = phrase(gettext_noop("Evaluation of %(name)s to approve"), name="Adaeze Obi")
    assert render_in(stored, "fr") == "Évaluation d'Adaeze Obi à approuver"
    assert render_in(stored, "en") == "Evaluation of Adaeze Obi to approve"


@pytest.mark.parametrize(
    "source",
    [
        "{% load i18n pmsystem_i18n %}{% blocktranslate trimmed %}Work plan of {{ name }}"
        "{% endblocktranslate %}",
        "{% load i18n pmsystem_i18n %}{% blocktranslate with name=who %}Work plan of {{ name }}"
        "{% endblocktranslate %}",
        "{% load i18n pmsystem_i18n %}{% blocktranslate asvar t %}Work plan of {{ name }}"
        "{% endblocktranslate %}{{ t }}",
    ],
)
def test_blocktranslate_elides_before_its_values(source):
    context = {"name": "Adaeze Obi", "who": "Adaeze Obi"}
    with translation.override("fr"):
        assert Template(source).render(Context(context)) == "Plan de travail d'Adaeze Obi"
        assert Template(source).render(Context({"name": "Hana", "who": "Hana"})) == (
            "Plan de travail de Hana"
        )
    with translation.override("en"):
        assert Template(source).render(Context(context)) == "Work plan of Adaeze Obi"


def test_blocktranslate_with_a_count_still_works():
    source = (
        "{% load i18n pmsystem_i18n %}{% blocktranslate count days=n %}{{ days }} day"
        "{% plural %}{{ days }} days{% endblocktranslate %}"
    )
    with translation.override("en"):
        assert Template(source).render(Context({"n": 3})) == "3 days"


def test_the_page_title_and_my_tasks_elide(client):
    staff = StaffMemberFactory(user__first_name="Adaeze", user__last_name="Obi")
    work_plan = make_submitted_work_plan(staff=staff)
    fro = fro_of(work_plan)
    fro.language = "fr"
    fro.save(update_fields=["language"])
    client.force_login(fro)
    with translation.override("en"):  # the requests leave French active: put English back
        page = client.get(reverse("workplans:document", args=[work_plan.pk])).content.decode()
        home = client.get(reverse("home")).content.decode()
    assert "<title>Plan de travail d'Adaeze Obi · pmsystem</title>" in page
    assert "de Adaeze" not in page
    assert "Approuver le plan de travail d&#x27;Adaeze Obi" in home
    assert "de Adaeze" not in home


def test_messages_and_refusals_from_the_services_elide(client):
    """The services' refusals and the pages' messages (`pmsystem.i18n.interpolate` wherever a
    translated sentence takes values): "Le compte d'Ines Alves", in French only."""
    from pmsystem.errors import ApplicationError
    from workplans import services

    work_plan = make_submitted_work_plan()
    inactive = StaffMemberFactory(user__first_name="Ines", user__last_name="Alves").user
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    for language, expected in (
        ("fr", "Le compte d'Ines Alves n'est pas actif."),
        ("en", "Ines Alves's account is not active."),
    ):
        with translation.override(language), pytest.raises(ApplicationError) as refused:
            services.propose_additional_supervisor(
                work_plan=work_plan, actor=work_plan.staff.user, supervisor=inactive
            )
        assert refused.value.message == expected
