"""``archive export --warc``: the archive's captures as WARC files (ISO 28500, WARC 1.1), with warcio.

Files ``archive-YYYYMMDD-00001.warc.gz``, ``…-00002…`` (the export's UTC date; a new file once one
passes ``max_bytes``), each a series of gzip members, one per record, beginning with a
``warcinfo`` record. Then, for each capture in id order:

- an HTTP(S) capture with a response (any status, 404s too) → a ``response`` record: a status
  line, the stored headers and the stored body, which Scrapy had already content-decoded. The
  header block is rebuilt to agree with that body: ``Content-Length`` is the body's length,
  ``Content-Encoding`` and ``Transfer-Encoding`` are dropped, and each header changed or dropped
  keeps its value as ``X-Archive-Original-<name>``, so a replay tool reads the body as it is;
- a capture of anything else (``file://`` URLs: imported files) → a ``resource`` record;
- a failed fetch without a response (status 0) → a ``metadata`` record alone, so nothing is
  dropped silently;
- then, for every capture but those, a ``metadata`` record ``WARC-Concurrent-To`` its record, with
  what the WARC headers cannot say: the requested URL (a redirect's origin), crawl run, source,
  SHA-256, detected encoding and error (``application/warc-fields``).

WARC-Target-URI is the final URL, WARC-Date the capture's ``fetched_at``; warcio computes the
block and payload digests (SHA-1, base 32). Bodies are read one capture at a time: memory stays
flat whatever the archive's size.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from archive.db import decompress

DEFAULT_MAX_BYTES = 1_000_000_000  # roll over to a new file past ~1 GB
WARC_VERSION = "1.1"
FILE_NAME = "archive-{date}-{n:05d}.warc.gz"
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
# Headers that describe the bytes on the wire, not the stored (already decoded, de-chunked) body.
WIRE_HEADERS = {
    "content-length": "Content-Length",
    "content-encoding": "Content-Encoding",
    "transfer-encoding": "Transfer-Encoding",
}
CAPTURE_COLUMNS = (
    "id, url, requested_url, fetched_at, status, content_type, encoding, sha256, size,"
    " compression, source, crawl_run_id, error, headers"
)


@dataclass
class WarcExport:
    files: list[tuple[Path, int]] = field(default_factory=list)  # (path, records)
    captures: int = 0
    responses: int = 0
    resources: int = 0
    failed: int = 0  # fetches without a response: a metadata record alone
    sha256_mismatches: list[int] = field(default_factory=list)  # capture ids whose body has another hash


def export_warc(
    db,
    out_dir: str | Path,
    *,
    db_name: str = "archive.db",
    max_bytes: int = DEFAULT_MAX_BYTES,
    when: datetime | None = None,
) -> WarcExport:
    """Write every capture of ``db`` (a sqlite_utils or sqlite3 connection) as WARC files into
    ``out_dir``. A file is written under a temporary name and renamed when complete; files of an
    earlier export of the same day beyond the last one written are removed."""
    from warcio.warcwriter import WARCWriter

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = when or datetime.now(UTC)
    day = when.strftime("%Y%m%d")
    result = WarcExport()
    state: dict = {"file": None, "writer": None, "path": None, "records": 0}

    def open_next() -> None:
        n = len(result.files) + 1
        path = out / FILE_NAME.format(date=day, n=n)
        f = open(path.with_name(path.name + ".part"), "wb")
        writer = WARCWriter(f, gzip=True, warc_version=WARC_VERSION)
        info = writer.create_warcinfo_record(path.name, warcinfo_fields(db_name, when))
        writer.write_record(info)
        state.update(
            file=f,
            writer=writer,
            path=path,
            records=1,
            warcinfo_id=info.rec_headers.get_header("WARC-Record-ID"),
        )

    def close_current() -> None:
        f, path = state["file"], state["path"]
        f.close()
        Path(f.name).replace(path)
        result.files.append((path, state["records"]))
        state.update(file=None, writer=None)

    conn = getattr(db, "conn", db)  # sqlite_utils.Database or sqlite3.Connection
    bodies = conn.cursor()  # a second cursor: one body at a time while the capture list streams
    try:
        open_next()
        for row in conn.execute(f"SELECT {CAPTURE_COLUMNS} FROM captures ORDER BY id"):
            cap = dict(zip([c.strip() for c in CAPTURE_COLUMNS.split(",")], row, strict=True))
            blob = bodies.execute("SELECT body FROM captures WHERE id = ?", [cap["id"]]).fetchone()[0]
            body = decompress(blob, cap["compression"])
            del blob
            if cap["sha256"] and hashlib.sha256(body).hexdigest() != cap["sha256"]:
                result.sha256_mismatches.append(cap["id"])
            state["records"] += write_capture(
                state["writer"], cap, body, result, warcinfo_id=state["warcinfo_id"]
            )
            result.captures += 1
            if state["file"].tell() >= max_bytes:
                close_current()
                open_next()
        close_current()
    finally:
        if state["file"] is not None:  # an error midway: leave no half-written file behind
            state["file"].close()
            Path(state["file"].name).unlink(missing_ok=True)
    _remove_stale(out, day, len(result.files))
    return result


def _remove_stale(out: Path, day: str, last: int) -> None:
    for p in out.glob(f"archive-{day}-*.warc.gz"):
        m = re.fullmatch(rf"archive-{day}-(\d{{5}})\.warc\.gz", p.name)
        if m and int(m.group(1)) > last:
            p.unlink()


def warcinfo_fields(db_name: str, when: datetime) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def ver(pkg: str) -> str:
        try:
            return version(pkg)
        except PackageNotFoundError:
            return "unknown"

    return {
        "software": f"zfgzbg-archive/{ver('zfgzbg-archive')} (archive export --warc; warcio/{ver('warcio')})",
        "format": f"WARC File Format {WARC_VERSION}",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": db_name,
        "created": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": "Captures of an archive of Chinese government work reports: a response (or resource)"
        " record per capture with a metadata record; fetches that failed without a response"
        " as metadata records; HTTP headers rebuilt for the stored, content-decoded body",
    }


def warc_date(fetched_at: str | None) -> str | None:
    """A capture's ``fetched_at`` (ISO 8601) as a WARC-Date (UTC, ``Z``); None if unreadable."""
    if not fetched_at:
        return None
    try:
        dt = datetime.fromisoformat(fetched_at)
    except ValueError:
        return None
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "") + "Z"


def write_capture(writer, cap: dict, body: bytes, result: WarcExport, warcinfo_id: str | None = None) -> int:
    """Write one capture's records; returns how many."""
    url = cap["url"] or cap["requested_url"] or ""
    date = warc_date(cap["fetched_at"])
    base = {"WARC-Date": date} if date else {}
    if warcinfo_id:
        base["WARC-Warcinfo-ID"] = warcinfo_id
    scheme = url.split(":", 1)[0].lower()
    if not cap["status"]:  # no response at all: what is known of the attempt
        result.failed += 1
        writer.write_record(metadata_record(writer, url, base, cap, concurrent_to=None))
        return 1
    if scheme in ("http", "https"):
        stored = json.loads(cap["headers"] or "{}")
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            warc_headers_dict=dict(base),
            http_headers=http_headers(cap["status"], stored, body),
        )
        result.responses += 1
    else:
        record = writer.create_warc_record(
            url,
            "resource",
            payload=io.BytesIO(body),
            length=len(body),
            warc_headers_dict=dict(base),
            warc_content_type=cap["content_type"] or "application/octet-stream",
        )
        result.resources += 1
    writer.write_record(record)
    writer.write_record(
        metadata_record(writer, url, base, cap, concurrent_to=record.rec_headers.get_header("WARC-Record-ID"))
    )
    return 2


def metadata_record(writer, url: str, base: dict, cap: dict, concurrent_to: str | None):
    fields = {
        "capture-id": cap["id"],
        "requested-url": cap["requested_url"],
        "status": cap["status"],
        "fetched-at": cap["fetched_at"],
        "sha256": cap["sha256"],
        "size": cap["size"],
        "source": cap["source"],
        "crawl-run-id": cap["crawl_run_id"],
        "content-type": cap["content_type"],
        "encoding": cap["encoding"],
        "error": cap["error"],
    }
    text = "".join(f"{k}: {_one_line(v)}\r\n" for k, v in fields.items() if v is not None and v != "")
    payload = text.encode("utf-8")
    headers = dict(base)
    if concurrent_to:
        headers["WARC-Concurrent-To"] = concurrent_to
    return writer.create_warc_record(
        url,
        "metadata",
        payload=io.BytesIO(payload),
        length=len(payload),
        warc_content_type="application/warc-fields",
        warc_headers_dict=headers,
    )


def http_headers(status: int, stored: dict, body: bytes):
    """A valid HTTP/1.1 status line and header block for the stored body.

    Scrapy stores the body content-decoded and de-chunked, drops ``Content-Encoding`` once it has
    decoded it and keeps the wire's ``Content-Length``. So ``Content-Length`` becomes the body's
    length and ``Transfer-Encoding`` goes; ``Content-Encoding`` goes too unless the body is in
    fact still in that coding (one Scrapy could not decode). Header values were stored decoded as
    Latin-1, repeated headers joined with ", ": names that are not HTTP tokens are dropped, line
    breaks in values become spaces, UTF-8 sent as Latin-1 is read back as UTF-8 (warcio
    percent-encodes what is not ASCII)."""
    from warcio.statusandheaders import StatusAndHeaders

    kept, originals = [], []
    for name, value in stored.items():
        name = str(name).strip()
        if not TOKEN.match(name):
            continue
        value = _header_value(value)
        wire = WIRE_HEADERS.get(name.lower())
        if wire is None or (wire == "Content-Encoding" and still_encoded(value, body)):
            kept.append((name, value))
        elif not (wire == "Content-Length" and value.strip() == str(len(body))):
            originals.append((f"X-Archive-Original-{wire}", value))
    kept.append(("Content-Length", str(len(body))))
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return StatusAndHeaders(f"{status} {phrase}", kept + originals, protocol="HTTP/1.1")


def still_encoded(coding: str, body: bytes) -> bool:
    """Whether ``body`` is still in the (single) content coding ``coding``: it starts as that
    coding's stream does and a first piece of it decodes."""
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip", "deflate"):
        if coding != "deflate" and not body.startswith(b"\x1f\x8b"):
            return False
        for wbits in (31,) if coding != "deflate" else (15, -15):
            try:
                zlib.decompressobj(wbits).decompress(body[:4096], 64)
                return True
            except zlib.error:
                continue
        return False
    if coding == "zstd":
        return body.startswith(b"\x28\xb5\x2f\xfd")
    if coding == "br":  # no magic number: try to decode it (Scrapy could not without brotli either)
        try:
            import brotli
        except ImportError:
            return bool(body) and _binary(body[:1024])
        try:
            brotli.Decompressor().process(body[:4096])
            return True
        except brotli.error:
            return False
    return False


def _binary(head: bytes) -> bool:
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return False
    return b"<" not in head[:64]


def _header_value(value) -> str:
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    value = _one_line(value)
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _one_line(value) -> str:
    return re.sub(r"[\r\n\x00]+", " ", str(value)).strip()
