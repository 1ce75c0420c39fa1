"""Where the next page starts, opaque to the client: the REST `cursor` and OData's `$skiptoken`.

A token holds the keyset position of the page's last response (its `updated_at` and primary key:
surveys.formats.io.pages), or, under an OData client's `$orderby`, an offset. The primary key
must not be readable from it (a response's public id exists so that the order in which
respondents started is not told), so the position is encrypted, not only signed:
a keystream from HMAC-SHA256 over a random nonce, then an HMAC over nonce and ciphertext, both
keyed by SECRET_KEY. A token that was altered, or made under another key, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings

_NONCE, _TAG = 12, 16
_PAYLOAD = struct.Struct(">Bqq")  # mode, then two signed 64-bit integers
_KEYSET, _OFFSET = 1, 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SkipToken:
    position: tuple[datetime, int] | None = None  # keyset: (updated_at, id) of the last row
    offset: int | None = None  # under $orderby: rows already given


class SkipTokenInvalid(ValueError):
    pass


def _key(purpose: str) -> bytes:
    message = f"saualnama.api.cursor.{purpose}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=False))


def _tag(scope: str, nonce: bytes, cipher: bytes) -> bytes:
    message = scope.encode() + b"\0" + nonce + cipher
    return hmac.new(_key("tag"), message, hashlib.sha256).digest()[:_TAG]


def skiptoken_encode(*, token: SkipToken, scope: str) -> str:
    """`scope` (the survey's slug) is authenticated with the token: it is refused elsewhere."""
    if token.position is not None:
        moment, last_id = token.position
        micro = (moment - _EPOCH) // timedelta(microseconds=1)
        payload = _PAYLOAD.pack(_KEYSET, micro, last_id)
    else:
        payload = _PAYLOAD.pack(_OFFSET, token.offset or 0, 0)
    nonce = secrets.token_bytes(_NONCE)
    stream = hmac.new(_key("stream"), nonce, hashlib.sha256).digest()
    cipher = _xor(payload, stream)
    tag = _tag(scope, nonce, cipher)
    return base64.urlsafe_b64encode(nonce + cipher + tag).decode().rstrip("=")


def skiptoken_decode(*, text: str, scope: str) -> SkipToken:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise SkipTokenInvalid from None
    if len(raw) != _NONCE + _PAYLOAD.size + _TAG:
        raise SkipTokenInvalid
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    if not hmac.compare_digest(tag, _tag(scope, nonce, cipher)):
        raise SkipTokenInvalid
    stream = hmac.new(_key("stream"), nonce, hashlib.sha256).digest()
    mode, first, second = _PAYLOAD.unpack(_xor(cipher, stream))
    if mode == _KEYSET:
        return SkipToken(position=(_EPOCH + timedelta(microseconds=first), second))
    if mode == _OFFSET and first >= 0:
        return SkipToken(offset=first)
    raise SkipTokenInvalid
