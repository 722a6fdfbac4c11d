"""Template tags whose answers are kept per process (issue 14), each giving what Django's gives:
`{% url %}` (pmsystem.templatetags.pmsystem_urls) in every form, under the script prefix and
URLconf in effect; `{% translate %}` (pmsystem.templatetags.i18n_kept, `{% load i18n %}`) in
every form and language."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, URLResolver, get_resolver, set_script_prefix
from django.utils import translation

from pmsystem.templatetags import i18n_kept, pmsystem_urls
from pmsystem.templatetags.pmsystem_urls import KeptURLNode, _plain

FORMS = (
    "{% url 'home' %}",
    "{% url 'training:entity' 7 %}",
    "{% url 'training:entity' entity_id=7 %}",
    "{% url 'training:entity' n %}",
    "{% url 'training:export' n 'csv' %}",
    "{% url 'training:export' entity_id=n fmt=fmt %}",
    "{% url name n %}",
    "{% url 'training:entity' n as link %}[{{ link }}]",
    "{% url 'no-such-name' as link %}[{{ link }}]",
    "{% url 'compliance:export' 'dashboard' 'csv' %}?a=1",
)


def django_engine() -> Engine:
    """The project's engine, but with Django's own `{% url %}` and `{% load i18n %}`."""
    project = engines["django"].engine
    libraries = {**project.libraries, "i18n": "django.templatetags.i18n"}
    return Engine(dirs=project.dirs, app_dirs=project.app_dirs, libraries=libraries)


@pytest.fixture(autouse=True)
def _forget():
    pmsystem_urls._reversed.cache_clear()
    i18n_kept._kept.clear()
    yield
    pmsystem_urls._reversed.cache_clear()
    i18n_kept._kept.clear()
    set_script_prefix("/")


def render(engine: Engine, source: str, **values) -> str:
    return engine.from_string(source).render(Context(values))


def test_every_template_gets_the_kept_tag_without_loading_it():
    template = engines["django"].engine.from_string("{% url 'home' %}")
    assert isinstance(template.nodelist[0], KeptURLNode)
    assert type(django_engine().from_string("{% url 'home' %}").nodelist[0]) is URLNode


@pytest.mark.parametrize("source", FORMS)
def test_each_form_writes_what_djangos_tag_writes_the_first_time_and_again(source):
    values = {"n": 12, "fmt": "xlsx", "name": "training:entity"}
    expected = render(django_engine(), source, **values)
    project = engines["django"].engine
    assert render(project, source, **values) == expected
    assert render(project, source, **values) == expected  # the kept answer
    # Another argument is another answer, not the kept one.
    assert render(project, source, **(values | {"n": 13})) == render(
        django_engine(), source, **(values | {"n": 13})
    )


def test_a_name_that_does_not_reverse_raises_each_time():
    project = engines["django"].engine
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            render(project, "{% url 'no-such-name' %}")
    assert pmsystem_urls._reversed.cache_info().currsize == 0


def test_the_script_prefix_in_effect_is_part_of_the_answer():
    project = engines["django"].engine
    assert render(project, "{% url 'training:entity' 3 %}") == "/training/entities/3/"
    set_script_prefix("/pm/")
    assert render(project, "{% url 'training:entity' 3 %}") == "/pm/training/entities/3/"
    set_script_prefix("/")
    assert render(project, "{% url 'training:entity' 3 %}") == "/training/entities/3/"


def test_values_other_than_strings_and_integers_are_reversed_every_time():
    """True == 1 and hashes the same: kept under one key they would share an answer."""
    assert _plain("x") and _plain(3)
    assert not _plain(True) and not _plain(3.0) and not _plain(None) and not _plain([1])


def test_the_project_urls_do_not_depend_on_the_language():
    """The kept answers leave the language out: no pattern may be language-prefixed."""

    def prefixed(resolver: URLResolver) -> bool:
        return any(
            type(p.pattern).__name__ == "LocalePrefixPattern"
            or (isinstance(p, URLResolver) and prefixed(p))
            for p in resolver.url_patterns
        )

    assert not prefixed(get_resolver())
    project = engines["django"].engine
    with translation.override("fr"):
        french = render(project, "{% url 'training:entity' 5 %}")
    assert french == render(django_engine(), "{% url 'training:entity' 5 %}")


TRANSLATE_FORMS = (
    '{% translate "Staff" %}',
    '{% translate "Done" context "training" %}',
    '{% translate "Completed" context "completed evaluations" %}',
    "{% translate 'Stage' %}|{% trans 'Stage' %}",
    '{% translate "Staff" noop %}',
    '{% translate "Staff" as word %}[{{ word }}]',
    '{% translate "Staff"|upper %}',
    "{% translate message %}",
    "{% translate 'Done' context where %}",
    '{% translate "A & B <b>" %}',
    '{% autoescape off %}{% translate "A & B <b>" %}{% endautoescape %}',
    '{% translate "100%% done" %}',
    "{% get_current_language as code %}{{ code }}",
    "{% blocktranslate with n=3 %}{{ n }} staff{% endblocktranslate %}",
)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("source", TRANSLATE_FORMS)
def test_each_translate_form_writes_what_djangos_writes_in_each_language(source, language):
    source = "{% load i18n %}" + source
    values = {"message": "Overdue", "where": "training"}
    project = engines["django"].engine
    with translation.override(language):
        expected = render(django_engine(), source, **values)
        assert render(project, source, **values) == expected
        assert render(project, source, **values) == expected  # the kept answer
    # Another language is another answer.
    other = "fr" if language != "fr" else "es"
    with translation.override(other):
        assert render(project, source, **values) == render(django_engine(), source, **values)


def test_load_i18n_gives_the_kept_translate_and_djangos_other_tags():
    template = engines["django"].engine.from_string('{% load i18n %}{% translate "Staff" %}')
    assert isinstance(template.nodelist[-1], i18n_kept.KeptTranslateNode)
    from django.templatetags import i18n as django_i18n

    theirs = django_engine().from_string('{% load i18n %}{% translate "Staff" %}')
    assert type(theirs.nodelist[-1]) is django_i18n.TranslateNode

    assert set(django_i18n.register.tags) == set(i18n_kept.register.tags)
    assert set(django_i18n.register.filters) == set(i18n_kept.register.filters)


def test_only_literal_messages_are_kept():
    project = engines["django"].engine
    with translation.override("fr"):
        render(project, "{% load i18n %}{% translate message %}", message="Staff")
        render(project, '{% load i18n %}{% translate "Staff"|upper %}')
        assert i18n_kept._kept == {}
        render(project, '{% load i18n %}{% translate "Staff" %}')
    assert list(i18n_kept._kept) == [("Staff", None, False, "fr", True)]


def test_the_engine_check_allows_the_kept_i18n_library_and_no_other_shared_name(settings):
    """Django's templates.W003 stays on for every library name but the one the project puts
    in place of Django's on purpose."""
    from django.template import engines as all_engines

    assert engines["django"].check() == []
    options = settings.TEMPLATES[0]["OPTIONS"]
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **options,
                "libraries": {
                    **options["libraries"],
                    "static": "pmsystem.templatetags.pmsystem_i18n",
                },
            },
        }
    ]
    # (Changing TEMPLATES makes Django build its engines afresh, and again when it is restored.)
    warnings = all_engines["django"].check()
    assert [w.id for w in warnings] == ["templates.W003"]
    assert "'static'" in warnings[0].msg


def test_the_kept_answers_follow_a_changed_urlconf_and_catalogues(settings):
    project = engines["django"].engine
    assert render(project, "{% url 'home' %}") == "/"
    settings.ROOT_URLCONF = "tests.urls_prefixed"
    assert render(project, "{% url 'home' %}") == "/prefixed/"
    with translation.override("fr"):
        render(project, '{% load i18n %}{% translate "Staff" %}')
        assert i18n_kept._kept
        settings.LANGUAGES = [("fr", "French"), ("en", "English")]
        assert not i18n_kept._kept
