"""English and French: every string marked, a complete French catalogue, the user's choice
kept on their profile, dates and numbers in the reader's locale, texts stored once and read in
each reader's language."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext_lazy, gettext_noop

from pmsystem.i18n import phrase, render, render_in
from pmsystem.notifications import notify
from tests import i18n_checks
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


# --- every string is marked and translated ---------------------------------------------------


def test_every_template_string_is_marked_for_translation():
    unmarked = i18n_checks.unmarked_in()
    assert not unmarked, "Template text not marked for translation:\n" + "\n".join(unmarked)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello {{ name }}</p>", [(1, "Hello")]),
        ('<a title="Open it" href="{% url \'home\' %}">{{ x }}</a>', [(1, 'title="Open it"')]),
        ('<input type="submit" value="Save">', [(1, 'value="Save"')]),
        ("{% load i18n %}\n\n<h1>{% translate 'Goals' %}</h1>", []),
        (
            "{% blocktranslate trimmed %}\nGoals of {{ x }}\n{% endblocktranslate %}\n<b>Due</b>",
            [(4, "Due")],
        ),
        ("{% comment %}A note for developers{% endcomment %}<script>var a = 'Hi';</script>", []),
        (
            '{{ d|date:"j M Y" }}',
            [(1, "date format 'j M Y': use a named one (SHORT_DATE_FORMAT…)")],
        ),
        ('<time datetime="{{ d|date:\'c\' }}">{{ d|date:"SHORT_DATE_FORMAT" }}</time>', []),
        ('{{ x|default:"not set" }}', [(1, '|default:"not set": mark it _(…)')]),
        ('{{ x|default:_("not set") }} · {{ y|default:"—" }} pmsystem', []),
        (
            '{% include "a.html" with title="Your goals" layout="wide" %}',
            [
                (
                    1,
                    '{% include "a.html" with title="Your goals" layout="wide" %}: '
                    'mark "Your goals" _(…)',
                )
            ],
        ),
        ('{% block attrs %} class="narrow"{% endblock %}', []),
    ],
)
def test_the_template_check_finds_unmarked_text(source, expected):
    assert i18n_checks.unmarked_text(source) == expected


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory) -> Path:
    """What makemessages extracts from the code and templates as they are now."""
    return i18n_checks.extract_messages(tmp_path_factory.mktemp("makemessages"))


def test_every_message_has_a_french_translation(fresh_catalogue):
    missing = i18n_checks.untranslated(fresh_catalogue)
    assert not missing, (
        f"{len(missing)} messages have no French translation in "
        f"{i18n_checks.CATALOGUE.relative_to(i18n_checks.ROOT)} (run `manage.py makemessages "
        "-l fr`, translate, `manage.py compilemessages`):\n" + "\n".join(missing)
    )


def test_the_translation_check_finds_a_message_without_french(fresh_catalogue, tmp_path):
    import polib

    catalogue = polib.pofile(str(i18n_checks.CATALOGUE))
    entry = next(e for e in catalogue if e.msgid == "My tasks")
    entry.msgstr = ""
    fuzzy = next(e for e in catalogue if e.msgid == "Sign out")
    fuzzy.flags.append("fuzzy")
    broken = tmp_path / "django.po"
    catalogue.save(str(broken))
    already = set(i18n_checks.untranslated(fresh_catalogue))
    found = set(i18n_checks.untranslated(fresh_catalogue, broken)) - already
    assert found == {"'My tasks'", "'Sign out'"}


def test_the_french_catalogue_is_compiled_and_current():
    """make run and make test compile it (manage.py compilemessages); a stale .mo would show
    French pages with holes."""
    import polib

    compiled = i18n_checks.CATALOGUE.with_suffix(".mo")
    assert compiled.exists(), "locale/fr/LC_MESSAGES/django.mo: run manage.py compilemessages"

    def translations(entries) -> dict:
        return {
            (e.msgctxt, e.msgid): (
                e.msgstr,
                sorted((int(k), v) for k, v in e.msgstr_plural.items()),
            )
            for e in entries
            if e.msgid
        }

    assert translations(polib.pofile(str(i18n_checks.CATALOGUE))) == translations(
        polib.mofile(str(compiled))
    )


# --- the user's language ---------------------------------------------------------------------


def test_the_browser_language_applies_until_the_user_chooses(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert response["Content-Language"] == "fr"
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Utilisez votre adresse électronique professionnelle" in page
    assert (
        "Use your work email address"
        not in client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    english = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert "Use your work email address" in english


def test_a_signed_in_user_reads_pages_in_the_language_of_their_profile(client):
    staff = StaffMemberFactory()
    staff.user.language = "fr"
    staff.user.save()
    client.force_login(staff.user)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in page
    assert "Mes tâches" in page
    assert ">My tasks<" not in page


def test_the_language_switch_keeps_the_choice_on_the_profile(client):
    staff = StaffMemberFactory()
    client.force_login(staff.user)
    assert ">My tasks<" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("org:language"), {"language": "fr", "next": "/workplans/mine/"})
    assert response.status_code == 302
    assert response["Location"] == "/workplans/mine/"
    staff.user.refresh_from_db()
    assert staff.user.language == "fr"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    # The next sign-in, from another browser, is in French too.
    other = client.__class__()
    other.force_login(staff.user)
    assert "Mes tâches" in other.get(reverse("home")).content.decode()


def test_the_switch_in_the_footer_returns_to_the_page_it_was_on(client):
    """The footer form names no address (a 404 page must read the same for every address):
    the switch goes back to the page it came from, on this site only."""
    staff = StaffMemberFactory()
    client.force_login(staff.user)
    page = client.get(reverse("workplans:mine"), follow=True)
    assert 'name="next"' not in page.content.decode()
    back = client.post(
        reverse("org:language"),
        {"language": "fr"},
        HTTP_REFERER="http://testserver/org/delegations/",
    )
    assert back["Location"] == "http://testserver/org/delegations/"
    elsewhere = client.post(
        reverse("org:language"), {"language": "en"}, HTTP_REFERER="https://evil.example/x"
    )
    assert elsewhere["Location"] == reverse("home")


def test_the_sign_in_page_can_be_switched_before_signing_in(client):
    response = client.post(
        reverse("org:language"), {"language": "fr", "next": reverse("account_login")}
    )
    assert response.status_code == 302
    page = client.get(reverse("account_login")).content.decode()
    assert "Utilisez votre adresse électronique professionnelle" in page


def test_the_language_switch_refuses_an_unknown_language_and_a_foreign_next(client):
    staff = StaffMemberFactory()
    client.force_login(staff.user)
    response = client.post(
        reverse("org:language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    staff.user.refresh_from_db()
    assert staff.user.language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Choose one of the languages offered."]


# --- dates and numbers -----------------------------------------------------------------------


def test_dates_and_numbers_follow_the_locale():
    day = datetime.date(2026, 12, 7)
    template = Template(
        '{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date:"DATE_FORMAT" }}|{{ share|floatformat:1 }}'
    )
    context = Context({"day": day, "share": 87.54})
    with translation.override("en"):
        assert template.render(context) == "7 Dec 2026|7 December 2026|87.5"
    with translation.override("fr"):
        assert template.render(context) == "7 déc. 2026|7 décembre 2026|87,5"
        assert formats.number_format(1234.5, 1) == "1234,5"


# --- texts written once, read in each reader's language --------------------------------------


def test_a_phrase_is_read_in_each_readers_language():
    stored = phrase(
        gettext_noop("%(name)s proposed as additional supervisor"),
        name="Amina Diallo",
    )
    assert render_in(stored, "en") == "Amina Diallo proposed as additional supervisor"
    assert render_in(stored, "fr") == "Proposition de superviseur supplémentaire : Amina Diallo"


def test_a_phrase_translates_its_labels_and_dates_for_the_reader():
    stored = phrase(
        gettext_noop("Performance improvement plan opened (%(start)s – %(end)s)"),
        start=datetime.date(2027, 1, 4),
        end=datetime.date(2027, 3, 31),
    )
    assert (
        render_in(stored, "en") == "Performance improvement plan opened (4 Jan 2027 – 31 Mar 2027)"
    )
    assert render_in(stored, "fr").endswith("(4 janv. 2027 – 31 mars 2027)")
    label = phrase(gettext_lazy("Approve work plan"))
    with translation.override("fr"):
        assert render(label) == "Approuver le plan de travail"


def test_a_lazy_text_of_another_kind_is_refused_as_a_phrase():
    from django.utils.functional import lazy

    with pytest.raises(TypeError, match="cannot store the lazy text"):
        phrase(lazy(str.upper, str)("x"))


def test_an_email_goes_out_in_each_recipients_language(
    django_capture_on_commit_callbacks, mailoutbox
):
    """The FRO approves in English; the staff member, who reads French, is told in French."""
    from tests.workplans.helpers import fro_of, make_submitted_work_plan
    from workplans import services

    work_plan = make_submitted_work_plan()
    staff = work_plan.staff.user
    staff.language = "fr"
    staff.save()
    fro = fro_of(work_plan)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.approve_work_plan(work_plan=work_plan, actor=fro)
    (message,) = [m for m in mailoutbox if m.to == [staff.email]]
    assert message.subject == "[pmsystem] Votre plan de travail a été approuvé"
    assert message.body == f"{fro} a approuvé votre plan de travail {work_plan.cycle}."
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[fro],
            subject=phrase(gettext_noop("Your work plan was approved")),
            body=phrase(
                gettext_noop("%(fro)s approved your %(cycle)s work plan."), fro="A", cycle="B"
            ),
        )
    assert mailoutbox[-1].subject == "[pmsystem] Your work plan was approved"
    assert mailoutbox[-1].body == "A approved your B work plan."


def test_a_streamed_export_is_written_in_the_language_of_the_request():
    """CSV rows are read after the view has returned, when another language may be active:
    pmsystem.exports writes every row in the language the request had."""
    from pmsystem.exports import Table, csv_response

    def rows():
        yield [gettext_lazy("Approve work plan"), formats.localize(87.5)]

    with translation.override("fr"):
        response = csv_response(
            Table("t", [gettext_lazy("My tasks")], rows()), filename="t.csv", on_done=print
        )
    with translation.override("en"):
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "Mes tâches"
    assert text.splitlines()[1].startswith("Approuver le plan de travail,")
