"""Sealed ballots: upward-feedback answers kept unreadable in the database until they are
counted (README, "Anonymous upward feedback").

While a group holds fewer answers than the minimum, its answers are each one person's: stored
in the clear, an administrator who reads the database could match the only answer with the
only name in `Participation`. So each ballot is encrypted (AES-256-GCM, a fresh random nonce,
the rated group's id as associated data so a ballot cannot be moved to another group) with a
key the database does not hold: `FEEDBACK_BALLOT_KEY`, or one derived from `SECRET_KEY`
(`SECRET_KEY_FALLBACKS` still open ballots sealed before a rotation). The plaintext is padded
to a multiple of `PAD_TO` bytes, so a ballot's size does not tell how much was written.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12
PAD_TO = 1024
_CONTEXT = b"pmsystem feedback ballot\x00"


def _keys() -> list[bytes]:
    """The sealing key first, then the keys that may still open older ballots."""
    secrets = [getattr(settings, "FEEDBACK_BALLOT_KEY", "") or settings.SECRET_KEY]
    if not getattr(settings, "FEEDBACK_BALLOT_KEY", ""):
        secrets += list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    return [hashlib.sha256(_CONTEXT + secret.encode()).digest() for secret in secrets]


def seal(ballot: dict[str, Any], *, rated_id: int) -> bytes:
    """The ballot, encrypted: nonce followed by ciphertext and tag."""
    data = json.dumps(ballot, separators=(",", ":"), sort_keys=True).encode()
    data += b" " * (-len(data) % PAD_TO)
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_keys()[0]).encrypt(nonce, data, str(rated_id).encode())


def unseal(sealed: bytes, *, rated_id: int) -> dict[str, Any]:
    """The ballot sealed by `seal` for the same group; ValueError if no key opens it."""
    sealed = bytes(sealed)
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    for key in _keys():
        try:
            data = AESGCM(key).decrypt(nonce, body, str(rated_id).encode())
        except InvalidTag:
            continue
        ballot: dict[str, Any] = json.loads(data)
        return ballot
    raise ValueError("This ballot was sealed with a key the application no longer holds.")
