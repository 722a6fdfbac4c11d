"""The project's template engine: Django's, whose check of tag-library names leaves out the one
library the project puts in place of Django's on purpose (settings: TEMPLATES' `libraries`).

`{% load i18n %}` loads `pmsystem.templatetags.i18n_kept`: Django's i18n library with
`{% translate %}` of a literal kept per process (issue 14). Django's check (templates.W003)
reports any library name that two modules use; this one still reports every other such name,
and this one too if it names any module but those two."""

from __future__ import annotations

from collections import defaultdict

from django.core.checks import Warning
from django.template.backends.django import DjangoTemplates as DjangoBackend
from django.template.backends.django import get_template_tag_modules

# Library name -> the modules it may name: Django's, and the project's in its place.
REPLACED = {"i18n": {"django.templatetags.i18n", "pmsystem.templatetags.i18n_kept"}}


class DjangoTemplates(DjangoBackend):
    def _check_for_template_tags_with_the_same_name(self):
        libraries: dict[str, set[str]] = defaultdict(set)
        for module_name, module_path in get_template_tag_modules():
            libraries[module_name].add(module_path)
        for module_name, module_path in self.engine.libraries.items():
            libraries[module_name].add(module_path)
        return [
            Warning(
                f"{name!r} is used for multiple template tag modules: "
                + ", ".join(repr(item) for item in sorted(items)),
                obj=self,
                id="templates.W003",
            )
            for name, items in libraries.items()
            if len(items) > 1 and items != REPLACED.get(name)
        ]
