"""`verify_signatures` hashes with orjson (pmsystem.signatures.hash_matches): it must decide
exactly as `content_hash`, which wrote every stored hash with the standard library's encoder."""

from __future__ import annotations

import random

import orjson
import pytest

from org.models import User
from pmsystem.db import InValues
from pmsystem.signatures import canonical_json, content_hash, hash_matches
from tests.factories import UserFactory

# Every kind of character the encoders might treat differently: controls (escaped), quotes and
# backslashes, DEL, accents in both normal forms, line and paragraph separators, a BOM,
# characters beyond the BMP.
CHARACTERS = [chr(code) for code in range(0x00, 0x250)] + [
    "\u2028",
    "\u2029",
    "\ufeff",
    "e\u0301",
    "\U0001f600",
    "\U0010ffff",
    "İ",
    "ß",
]


def text(rng: random.Random) -> str:
    return "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(0, 40)))


def content(rng: random.Random, depth: int = 0) -> object:
    kinds = ["text", "int", "none", "bool"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "text":
        return text(rng)
    if kind == "int":
        return rng.randint(-(2**62), 2**62)
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [content(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {text(rng): content(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_orjson_writes_the_canonical_json_of_every_kind_of_content():
    rng = random.Random(14)
    for _ in range(3000):
        value = {"v": 2, "document": rng.randint(1, 10**6), "x": content(rng)}
        fast = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        assert fast == canonical_json(value).encode("utf-8"), value


@pytest.mark.parametrize(
    "value",
    [
        {"weight": 1e-07},  # orjson writes 1e-7
        {"big": 2**70},  # beyond orjson's 64 bits
        {"nested": [{"b": 1, "a": "é\n\u2028"}]},
    ],
)
def test_hash_matches_decides_as_content_hash(value):
    stored = content_hash(value)
    assert hash_matches(value, stored)
    changed = {**value, "extra": ""}
    assert not hash_matches(changed, stored)
    assert not hash_matches(value, content_hash(changed))


@pytest.mark.django_db
def test_in_values_filters_as_in():
    users = UserFactory.create_batch(3)
    wanted = [users[0].pk, users[2].pk]
    assert set(User.objects.filter(InValues("pk", wanted)).values_list("pk", flat=True)) == set(
        wanted
    )
    assert not User.objects.filter(InValues("pk", [])).exists()
    assert User.objects.exclude(InValues("pk", wanted)).filter(pk=users[1].pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"big": 2**70},  # orjson reads it as a float
        {"weight": 1e-07},  # orjson writes 1e-7
    ],
)
def test_verify_signatures_reads_what_orjson_cannot_as_it_was_stored(extra):
    """Stored content orjson reads or writes otherwise than the standard library is still
    verified as stored: no mismatch reported for it, and a real change still is."""
    from appraisals.signing import verify_signatures
    from pmsystem.models import Signature
    from tests.builders import build_document

    document = build_document("submitted")
    signature = Signature.objects.filter(document=document).first()
    content = {**signature.content, **extra}
    Signature.objects.filter(pk=signature.pk).update(
        content=content, content_hash=content_hash(content)
    )
    count, mismatches = verify_signatures(Signature.objects.filter(document=document))
    assert count >= 1 and mismatches == []
    Signature.objects.filter(pk=signature.pk).update(content={**content, "changed": 1})
    _, mismatches = verify_signatures(Signature.objects.filter(document=document))
    assert [m.reason for m in mismatches] == ["stored content does not match its hash"]


def test_what_orjson_refuses_to_read_the_standard_library_reads():
    from appraisals.signing import _loads

    assert _loads('{"text": "\\ud800"}') == {"text": "\ud800"}
    assert _loads('{"a": 1}') == {"a": 1}
