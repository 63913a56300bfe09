"""How a raw capture's bytes are stored: their SHA-256 (a capture is stored once per URL and
bytes) and the compressed body. Plain functions of bytes, so the cleaning workers can do this
work for the writer, which then only inserts (``archive.db.save_capture(packed=…)``)."""

from __future__ import annotations

import hashlib
import zlib
from typing import NamedTuple


class Packed(NamedTuple):
    sha256: str
    blob: bytes
    compression: str


def compress(body: bytes) -> tuple[bytes, str]:
    return zlib.compress(body, 6), "zlib"


def decompress(body: bytes | None, compression: str | None) -> bytes:
    if body is None:
        return b""
    if compression == "zlib":
        return zlib.decompress(body)
    if compression in (None, "", "none"):
        return body
    raise ValueError(f"unknown compression {compression!r}")


def pack(body: bytes) -> Packed:
    return Packed(hashlib.sha256(body).hexdigest(), *compress(body))
