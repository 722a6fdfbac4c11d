"""Malformed ids answer 404 (or the page with a form error), never a server error, on every
page of the project.

Every row of the role table (tests/security/test_url_role_matrix.py: a row for each URL name of
the project, which that file's own test enforces) is requested on the same fixture world:

- with each integer id of its path beyond PostgreSQL's bigint (which would overflow the column
  in a query): 404;
- as the user the row is for, with each parameter its view reads from the query string or the
  form given each malformed value in turn (a well-formed request is made first, and every key
  the view looks up in `request.GET` or `request.POST` is recorded, so a parameter a view
  starts reading tomorrow is tried without touching this file): an answer the user can read
  (200, 204, 302, 400, 403, 404 or 405), never an exception or a 500;
- as the staff member and the HR focal point (when the row lets them past the 404), the same
  parameters with two of the values.

Ids are read through pmsystem/http.py (the `id` path converter, `id_param`) or forms. A few
branches the table does not take are added (EXTRA). Every request runs in a savepoint that is
rolled back, so the world stays as built for the next one.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from unittest import mock

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, transaction
from django.http import Http404, HttpResponse, QueryDict
from django.urls import include, path, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.http import urlencode

from pmsystem.http import id_param, id_params
from tests.security.helpers import enrol_totp
from tests.security.test_url_role_matrix import TABLE
from tests.security.url_matrix import (
    ALL_PARTS,
    POST,
    ROLES,
    Call,
    World,
    build_world,
    project_url_names,
    rows_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The values every parameter is tried with: not a number, nothing, negative, not an integer,
# beyond bigint (and beyond 64 bits), zero, and a character str.isdigit() accepts but int()
# refuses.
MALFORMED = ("abc", "", "-1", "1.5", "99999999999999999999", "0", "\u00b2")
# Path ids beyond PostgreSQL's bigint: just past it, and far past 64 bits.
OVERFLOWING = ("9223372036854775808", "99999999999999999999")
ANSWERS = {200, 204, 302, 400, 403, 404, 405}
# Sent with every request, so that a view that binds its form only when something was sent
# (`Form(request.GET or None)`) reads its fields in the well-formed request too.
MARKER = {"probe": "1"}
# Keys read by the framework, not by a view.
NOT_THE_VIEWS = {"csrfmiddlewaretoken", *MARKER}
# A path id no fixture has, replaced by each overflowing value in the reversed URL.
SENTINEL = 987654321


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    """As in test_url_role_matrix.py: cheap password hashes, sessions in the cache (each
    request runs in a savepoint that is rolled back)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"


# Branches of views the role table does not take: removing a roster member by id, and a
# broadcast sent (the table only opens the form).
# fmt: off
EXTRA = {
    "rebuttals:roster": POST(                 "404   404  404  404  no   done 404   no   404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        data=lambda w: {"action": "remove", "member": w.things["roster_member"].pk},
        label="remove"),
    "compliance:broadcast-create": POST(      "404   404  404  404  no   done 404   404  404",
        kwargs=lambda w: {"entity_id": w.entity.pk},
        data=lambda w: {
            "unit": w.unit.pk, "stage": "work_plan", "on_behalf_of": w.people["hod"].pk,
            "subject": "Due", "message": "This week.", "token": str(uuid.uuid4()),
            "action": "send", "previewed": "",
        }, label="send"),
}
# fmt: on


@dataclass(frozen=True, eq=False)
class Route:
    """One call to try: the URL name, the method, its well-formed kwargs and data (each call
    its own, compared and hashed by identity)."""

    name: str
    method: str
    kwargs: dict
    data: dict
    title: str


def _url(name: str, kwargs: dict, query: dict | None = None) -> str:
    url = reverse(name, kwargs=kwargs)
    return f"{url}?{urlencode({**MARKER, **(query or {})})}"


def _send(client, method: str, url: str, data: dict) -> int | str:
    """The status of one request made inside a rolled-back savepoint, or what it raised."""
    client.cookies.pop(CookieStorage.cookie_name, None)
    try:
        with transaction.atomic():
            response = client.get(url) if method == "GET" else client.post(url, data)
            if response.streaming:
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
    except Exception as error:  # a crash is what this test looks for: report them all
        return f"raised {type(error).__name__}: {error}".replace("\n", " ")[:160]
    return response.status_code


class _Reads:
    """Records the keys looked up in any request's GET or POST (QueryDicts; the URL
    resolver's own MultiValueDicts are not the request's) while active."""

    def __init__(self):
        self.keys: list[str] = []

    def __enter__(self):
        keys = self.keys
        getitem, getlist = MultiValueDict.__getitem__, MultiValueDict._getlist

        def record(data, key):
            # A request's QueryDict is read-only once parsed: what it looks up while it is
            # still mutable is its own parsing, not the view reading.
            if isinstance(data, QueryDict) and not data._mutable and key not in keys:
                keys.append(key)

        def __getitem__(data, key):
            record(data, key)
            return getitem(data, key)

        def _getlist(data, key, *args, **kwargs):
            record(data, key)
            return getlist(data, key, *args, **kwargs)

        def __contains__(data, key):
            record(data, key)
            return dict.__contains__(data, key)

        self._patches = [
            mock.patch.object(MultiValueDict, "__getitem__", __getitem__),
            mock.patch.object(MultiValueDict, "_getlist", _getlist),
            mock.patch.object(MultiValueDict, "__contains__", __contains__, create=True),
        ]
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in reversed(self._patches):
            patch.stop()


@dataclass
class Probe:
    """The wrong answers found so far, and how many requests were made."""

    problems: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, client, route: Route, what: str, url: str, data: dict, wanted) -> None:
        self.requests += 1
        got = _send(client, route.method, url, data)
        if got not in wanted:
            self.problems.append(f"{route.title} {what}: {got}  ({route.method} {url})")

    def path_ids(self, client, route: Route) -> None:
        """Each integer id of the path beyond bigint: 404."""
        for key, value in route.kwargs.items():
            if not isinstance(value, int):
                continue
            sentinel_url = _url(route.name, {**route.kwargs, key: SENTINEL})
            for overflowing in OVERFLOWING:
                url = sentinel_url.replace(f"/{SENTINEL}/", f"/{overflowing}/", 1)
                url = url.replace(f"/{SENTINEL}.", f"/{overflowing}.", 1)
                data = {**route.data, **MARKER}
                self.check(client, route, f"{key}={overflowing}", url, data, {404})

    def keys_read(self, client, route: Route) -> list[str]:
        """The well-formed request (which must not fail either), and the parameters it read.
        Free text (a value sent with a space: a comment, a title) is left out: only forms'
        text fields take it, and they take any text."""
        with _Reads() as reads:
            url = _url(route.name, route.kwargs)
            self.check(client, route, "well-formed", url, {**route.data, **MARKER}, ANSWERS)
        return [
            key
            for key in reads.keys
            if key not in NOT_THE_VIEWS and " " not in str(route.data.get(key, ""))
        ]

    def parameters(self, client, route: Route, keys: list[str], values=MALFORMED) -> None:
        """Each of `keys` given each of `values`. One request carries one malformed value for
        every key still to try; a key the view did not read (it answered before, on another
        key) keeps its value for the next request, until a request reads none of them."""
        pending = {key: list(values) for key in keys}
        while any(pending.values()):
            sent = {key: tried[0] for key, tried in pending.items() if tried}
            # In the query string and, for a POST, in the form as well: a view may read
            # either while answering a POST.
            url = _url(route.name, route.kwargs, sent)
            what = " ".join(f"{key}={value!r}" for key, value in sent.items())
            with _Reads() as reads:
                self.check(client, route, what, url, {**route.data, **MARKER, **sent}, ANSWERS)
            read = set(reads.keys) & set(sent)
            for key in sent:
                if key in read or not read:
                    pending[key].pop(0)


def _roles(call: Call) -> list[str]:
    """The role the row is for (the one it is done by, or else shown to), then the HR focal
    point and the staff member, when the row lets them past the 404."""
    rightful = next(
        (role for role in ROLES if call.expected[role] in ("done", "200", "302")),
        next((role for role in ROLES if call.expected[role] == "no"), "staff"),
    )
    others = [role for role in ("hr", "staff") if call.expected[role] != "404"]
    return list(dict.fromkeys((rightful, *others)))


# What the HR focal point and the staff member are tried with, when the row is not theirs:
# what a view's own parsing answers is the same for everyone, what it reads first may not be.
OTHERS_TRY = ("abc", "99999999999999999999")


def run(client, world: World, table: dict) -> Probe:
    """Probe every call of `table`. First as the role each call is for: the path ids of each
    URL once (the converter answers before the view, whoever asks), the parameters the call
    reads with every malformed value. Then as the HR focal point and the staff member, the
    same parameters with two of the values."""
    passes: list[dict[int, list[tuple[Route, bool]]]] = [{}, {}]
    users = {}
    for name, calls in rows_of(table).items():
        for n, call in enumerate(calls):
            route = Route(
                name,
                call.method,
                call.url_kwargs(world),
                call.data(world) if call.data else {},
                call.title(name),
            )
            for i, role in enumerate(_roles(call)):
                user = world.user(role, call)
                users[user.pk] = user
                passes[i > 0].setdefault(user.pk, []).append((route, n == 0))
    probe = Probe()
    keys: dict[Route, list[str]] = {}
    # Two calls of one URL and method that read the same parameters (submit, approve and
    # return; the mid-point's save, submit and finalise) parse them in the same lines.
    parsed: set[tuple[str, str, frozenset[str]]] = set()
    for rightful, plan in zip((True, False), passes, strict=True):
        for pk, routes in plan.items():
            client.force_login(users[pk])
            for route, first in routes:
                if rightful:
                    if first:
                        probe.path_ids(client, route)
                    keys[route] = probe.keys_read(client, route)
                    parsing = (route.name, route.method, frozenset(keys[route]))
                    if parsing not in parsed:
                        parsed.add(parsing)
                        probe.parameters(client, route, keys[route])
                else:
                    probe.parameters(client, route, keys[route], OTHERS_TRY)
    return probe


def test_no_malformed_id_or_parameter_makes_a_server_error(client):
    started = time.monotonic()
    world = build_world(ALL_PARTS)
    built = time.monotonic()
    table = {**rows_of(TABLE)}
    for name, calls in rows_of(EXTRA).items():
        table[name] = table.get(name, []) + calls
    names, _ = project_url_names()
    assert names <= set(table), f"no call for {sorted(names - set(table))}"
    probe = run(client, world, table)
    timing = (
        f"world {built - started:.1f}s, {probe.requests} requests {time.monotonic() - built:.1f}s"
    )
    assert not probe.problems, f"{len(probe.problems)} wrong answers ({timing}):\n" + "\n".join(
        probe.problems
    )


# --- the check can fail ---------------------------------------------------------------------


def _reads_an_id_by_hand(request, pk: int) -> HttpResponse:
    """What the views did before pmsystem.http: an id of the query string taken as it came,
    a path id sent to PostgreSQL as a bigint."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::bigint", [pk])
    if request.GET.get("edit"):
        int(request.GET["edit"])
    return HttpResponse("ok")


urlpatterns = [
    path("probe/<int:pk>/", _reads_an_id_by_hand, name="probe"),
    path("probe-id/<id:pk>/", _reads_an_id_by_hand, name="probe-id"),
    path("", include("pmsystem.urls")),
]


@pytest.mark.urls(__name__)
def test_the_probe_reports_a_view_that_reads_ids_by_hand(client, admin_user):
    enrol_totp(admin_user)
    client.force_login(admin_user)
    probe = Probe()
    route = Route("probe", "GET", {"pk": 1}, {}, "probe")
    probe.path_ids(client, route)
    probe.parameters(client, route, probe.keys_read(client, route))
    reported = {problem.split(": ")[0] for problem in probe.problems}
    assert reported == {
        "probe pk=9223372036854775808",
        "probe pk=99999999999999999999",
        "probe edit='abc'",
        "probe edit='1.5'",
        "probe edit='\u00b2'",
    }, probe.problems


@pytest.mark.urls(__name__)
def test_the_id_converter_answers_404_before_the_view(client, admin_user):
    """The same view behind `<id:pk>`, as every project URL spells its ids: no path id beyond
    bigint reaches it."""
    enrol_totp(admin_user)
    client.force_login(admin_user)
    probe = Probe()
    probe.path_ids(client, Route("probe-id", "GET", {"pk": 1}, {}, "probe-id"))
    assert (probe.problems, probe.requests) == ([], 2)


def test_the_probe_passes_a_view_that_answers_404(client, admin_user):
    """The probe finds nothing on a project page that reads its ids cleanly."""
    enrol_totp(admin_user)
    client.force_login(admin_user)
    probe = Probe()
    route = Route("org:delegation-end", "POST", {"pk": 1}, {}, "end")
    probe.path_ids(client, route)
    assert probe.keys_read(client, route) == []
    assert probe.problems == []
    assert probe.requests == 3


@pytest.mark.parametrize(
    ("sent", "wanted"),
    [("1", 1), ("42", 42), (str(2**63 - 1), 2**63 - 1)]
    + [(value, Http404) for value in (*MALFORMED, "9223372036854775808", " 1", "1 ", "+1")]
    + [("\u0663", Http404)],  # an Arabic-Indic three: int() reads it, the database never did
)
def test_id_param_reads_an_id_or_answers_404(sent, wanted):
    data = QueryDict(mutable=True)
    data["edit"] = sent
    if wanted is Http404:
        with pytest.raises(Http404):
            id_param(data, "edit")
        with pytest.raises(Http404):
            id_params(data, "edit")
    else:
        assert id_param(data, "edit") == wanted
        assert id_params(data, "edit") == [wanted]


def test_an_absent_or_empty_optional_id_is_none():
    assert id_param(QueryDict("edit="), "edit", required=False) is None
    assert id_param(QueryDict(""), "edit", required=False) is None
    assert id_params(QueryDict(""), "edit") == []
    with pytest.raises(Http404):
        id_param(QueryDict(""), "edit")
