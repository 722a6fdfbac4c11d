"""`{% url %}` as Django writes it, each answer kept by the process (issue 14).

A template's `{% url %}` costs Django's `reverse`, some 25 microseconds; the compliance dashboard
asks some eighty of them on each request (two milliseconds), mostly the same names with the
same arguments. The answer of `reverse` depends only on what it is given and on the URLconf
and script prefix in effect, so this tag keeps it under exactly those: the view name, the
arguments (strings and integers only; any other value is reversed every time), the current
application, the URLconf and the script prefix. The project's URLs do not depend on the
language (no `i18n_patterns`); `tests/test_kept_tags.py` checks that they stay so.

It replaces Django's tag for every template (settings: TEMPLATES' `builtins`). A name that does
not reverse is not kept: it raises each time (`NoReverseMatch`), or gives "" with `as var`,
as Django's tag does.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Distinct (name, arguments) a process keeps: the pages' fixed links and their ids.
KEPT = 16_384


@lru_cache(maxsize=KEPT)
def _reversed(
    view_name: str,
    args: tuple,
    kwargs: tuple,
    current_app: str | None,
    urlconf: str | None,
    prefix: str,
) -> str:
    # `prefix` is part of the key only: `reverse` reads the script prefix in effect.
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _forget(*, setting: str, **_: object) -> None:
    """Settings a test may change that `reverse` reads: the kept answers go with them."""
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _reversed.cache_clear()


setting_changed.connect(_forget)


def kept_reverse(view_name: str, *args: str | int) -> str:
    """`reverse(view_name, args=args)` kept as the tag keeps it: for a Python-written table's
    links (compliance.templatetags.compliance_tables)."""
    if not all(_plain(a) for a in args):
        return reverse(view_name, args=args)
    urlconf = get_urlconf()
    if urlconf is not None and not isinstance(urlconf, str):
        return reverse(view_name, args=args)
    return _reversed(
        view_name, args, (), None, urlconf or settings.ROOT_URLCONF, get_script_prefix()
    )


def _plain(value: object) -> bool:
    """A value kept under itself: a string (a template's literals are SafeStrings, equal to
    and reversed like the plain string) or an integer (not a bool: True == 1, reversed as
    "True")."""
    return isinstance(value, str) or type(value) is int


class KeptURLNode(URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        urlconf = get_urlconf()
        url = ""
        try:
            if (
                isinstance(view_name, str)
                and all(_plain(a) for a in args)
                and all(_plain(v) for v in kwargs.values())
                and (current_app is None or isinstance(current_app, str))
                and (urlconf is None or isinstance(urlconf, str))
            ):
                url = _reversed(
                    view_name,
                    tuple(args),
                    tuple(sorted(kwargs.items())),
                    current_app,
                    urlconf or settings.ROOT_URLCONF,
                    get_script_prefix(),
                )
            else:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's `{% url %}` (same syntax, same output), its answers kept (module docstring)."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
