"""`{% load i18n %}`: Django's i18n library, its `{% translate %}` of a literal message kept per
process and language (issue 14; settings: TEMPLATES' `libraries` maps "i18n" here).

`{% translate "Staff" %}` costs some 8 microseconds (a variable lookup, the catalogue, an
escape); the compliance dashboard has 145 of them on each request. Its output depends only on
the message, its literal context, `noop`, the active language and autoescaping, so it is kept
under exactly those. A message with filters, a variable message or context, and `as var` go
through Django's node every time. Every other tag and filter of the library is Django's own
(`tests/test_kept_tags.py` compares the outputs)."""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.template.base import FilterExpression
from django.templatetags import i18n as django_i18n
from django.templatetags.i18n import TranslateNode
from django.utils import translation

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

# (message, context, noop, language, autoescape) -> the output.
_kept: dict[tuple, str] = {}
KEPT = 16_384  # forgotten all at once past this (a bound, not expected to be reached)


def _literal(expression: FilterExpression | None) -> tuple[bool, str | None]:
    """Whether `expression` is a literal string without filters, and that string."""
    if expression is None:
        return True, None
    literal = getattr(expression.var, "literal", None)
    if expression.filters or not isinstance(literal, str):
        return False, None
    return True, literal


def _forget(*, setting: str, **_: object) -> None:
    """Settings a test may change that the catalogues depend on: the kept outputs go too."""
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"):
        _kept.clear()


setting_changed.connect(_forget)


class KeptTranslateNode(TranslateNode):
    def render(self, context):
        if self.asvar is None:
            plain, message = _literal(self.filter_expression)
            plain_context, message_context = _literal(self.message_context)
            if plain and plain_context and message is not None:
                key = (
                    message,
                    message_context,
                    self.noop,
                    translation.get_language(),
                    context.autoescape,
                )
                found = _kept.get(key)
                if found is None:
                    found = super().render(context)
                    if len(_kept) >= KEPT:
                        _kept.clear()
                    _kept[key] = found
                return found
        return super().render(context)


@register.tag("translate")
@register.tag("trans")
def translate(parser, token):
    """Django's `{% translate %}` (same syntax, same output), a literal's output kept."""
    node = django_i18n.do_translate(parser, token)
    node.__class__ = KeptTranslateNode
    return node
