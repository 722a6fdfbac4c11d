"""Every URL needs a login except allauth's own login pages (docs/rules.md §7).

The walk covers the whole URLconf as it is, so URLs that later apps add are checked without
touching this file: each pattern gets sample values that match its converters and regex groups,
and is requested anonymously.
"""

import re
import re._parser as sre_parse
from re._constants import (
    ANY,
    ASSERT,
    ASSERT_NOT,
    AT,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    CATEGORY_NOT_DIGIT,
    CATEGORY_NOT_SPACE,
    CATEGORY_NOT_WORD,
    CATEGORY_SPACE,
    CATEGORY_WORD,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path, re_path, resolve
from django.urls.exceptions import Resolver404

# allauth's pages that anonymous users need (login, password reset, sign-up closed, the MFA
# step of a login, SSO provider login and callback). Only views from allauth itself qualify.
ANONYMOUS_NAME_PREFIXES = ("account_", "mfa_", "socialaccount_")
ANONYMOUS_MODULE_PREFIXES = ("allauth.socialaccount.providers.",)
STATIC_VIEWS = {"django.views.static.serve", "django.contrib.staticfiles.views.serve"}
CANDIDATE_CHARS = "a1A-_.~ "
CATEGORIES = {
    CATEGORY_DIGIT: str.isdigit,
    CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
    CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
    CATEGORY_SPACE: str.isspace,
    CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
}


def in_class(char: str, items) -> bool:
    negate = bool(items) and items[0][0] is NEGATE
    found = False
    for op, arg in items[1:] if negate else items:
        if op is LITERAL:
            found |= ord(char) == arg
        elif op is RANGE:
            found |= arg[0] <= ord(char) <= arg[1]
        elif op is CATEGORY:
            found |= CATEGORIES[arg](char)
    return found != negate


def sample(parsed) -> str:
    """A short string the parsed regex matches: first alternative, fewest repeats (at least 1)."""
    out = []
    for op, arg in parsed:
        if op is LITERAL:
            out.append(chr(arg))
        elif op in (NOT_LITERAL, ANY, IN, CATEGORY):
            items = {
                NOT_LITERAL: [(NEGATE, None), (LITERAL, arg)],
                ANY: [(NEGATE, None), (LITERAL, ord("\n"))],
                IN: arg,
                CATEGORY: [(CATEGORY, arg)],
            }[op]
            out.append(next(c for c in CANDIDATE_CHARS if in_class(c, items)))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, _high, sub = arg
            out.append(sample(sub) * max(low, 1))
        elif op is SUBPATTERN:
            out.append(sample(arg[-1]))
        elif op is BRANCH:
            out.append(sample(arg[1][0]))
        elif op in (AT, ASSERT, ASSERT_NOT):
            continue
        else:
            raise NotImplementedError(f"regex op {op} in a URL pattern")
    return "".join(out)


def walk(patterns, prefix: str = ""):
    """(url, name, callback) for every leaf pattern, through every include()."""
    for entry in patterns:
        piece = sample(sre_parse.parse(entry.pattern.regex.pattern))
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + piece)
        else:
            assert isinstance(entry, URLPattern)
            yield "/" + prefix + piece, entry.name or "", entry.callback


def dotted(callback) -> str:
    view = getattr(callback, "view_class", None) or callback
    return f"{view.__module__}.{view.__qualname__}"


def anonymous_allowed(name: str, callback) -> bool:
    module = dotted(callback)
    if module in STATIC_VIEWS:
        return True
    if not module.startswith("allauth."):
        return False
    return name.startswith(ANONYMOUS_NAME_PREFIXES) or module.startswith(ANONYMOUS_MODULE_PREFIXES)


def open_to_anonymous(client) -> tuple[list[str], list[tuple]]:
    """Request every URL anonymously; return the offenders and everything that was checked."""
    offenders, checked = [], []
    for url, name, callback in walk(get_resolver().url_patterns):
        try:
            resolved = resolve(url)
        except Resolver404:
            offenders.append(f"{url} ({name or dotted(callback)}): the sample URL does not resolve")
            continue
        try:
            status = client.get(url).status_code
        except Exception as error:  # a crash is a finding too; report them all at once
            offenders.append(f"{url} ({name}): raised {error!r}")
            continue
        checked.append((url, name, status))
        if 200 <= status < 300 and not anonymous_allowed(resolved.url_name or "", resolved.func):
            offenders.append(f"{url} ({resolved.view_name}): answered {status}")
    return offenders, checked


@pytest.mark.django_db
def test_every_url_needs_a_login_except_allauths_login_pages(client):
    offenders, checked = open_to_anonymous(client)
    assert not offenders, "URLs open to anonymous users:\n" + "\n".join(offenders)
    names = {name for _, name, _ in checked}
    # The walk reached the project's, allauth's and the admin's URLs.
    assert {"home", "account_login", "account_reset_password", "mfa_index"} <= names
    assert any(url.startswith("/admin/") for url, _, _ in checked)
    status = {name: code for _, name, code in checked}
    assert status["account_login"] == 200
    assert status["home"] == 302


# The walker must find an unprotected view even behind a regex that only matches chosen values.
@login_not_required
def _leaky(request, **kwargs):
    return HttpResponse("secret")


urlpatterns = [
    path("", include("pmsystem.urls")),
    re_path(r"^leak/(?P<kind>alpha|beta)/(?P<pk>[0-9]+)/(?:(?P<page>\d+)/)?$", _leaky),
    path("nested/", include([path("<uuid:key>/<slug:slug>/", _leaky, name="leaky-nested")])),
]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_walk_reports_an_unprotected_url(client):
    offenders, _ = open_to_anonymous(client)
    assert len(offenders) == 2, offenders
    assert offenders[0].startswith("/leak/alpha/1/1/ ")
    assert re.match(r"/nested/[0-9a-f-]{36}/a/ \(leaky-nested\): answered 200", offenders[1])
