"""archive export --warc: every capture of a real crawl (plus an import, gzip/chunked responses and a
fetch that got no answer) as WARC 1.1, read back with warcio and with FastWARC, an independent reader."""

from __future__ import annotations

import gzip
import hashlib
import socket
import sqlite3
import subprocess
import sys
import threading
import zlib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FAST, REPO, q, run_archive

pytestmark = pytest.mark.slow  # real crawls written to WARC and read back

SEED = REPO / "tests" / "fixtures" / "seeds" / "000_dbcc9ea6e1c44f24.txt"
REPORT = (
    "<html><head><meta charset='utf-8'><title>2024年通化市政府工作报告</title></head><body>"
    "<h1>2024年通化市政府工作报告</h1><div id='zoom'>"
    + "".join(
        f"<p>过去一年，通化市稳步推进第{i}项重点工作，完成投资{i * 7}亿元，同比增长{i % 9}.5%。</p>"
        for i in range(60)
    )
    + "</div></body></html>"
).encode("utf-8")


class Encoded(BaseHTTPRequestHandler):
    """A report page sent gzip-encoded (with its compressed Content-Length), or chunked."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/zfgzbg/202401/t20240110_1.html":
            body = gzip.compress(REPORT)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/zfgzbg/202401/t20240111_2.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(REPORT), 1000):
                chunk = REPORT[i : i + 1000]
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


@pytest.fixture(scope="module")
def archive(crawled, tmp_path_factory):
    """A copy of the demo crawl, plus an imported file, gzip and chunked responses and a dead server."""
    tmp = tmp_path_factory.mktemp("warc")
    db = tmp / "archive.db"
    src, dst = sqlite3.connect(crawled["db"]), sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    r = run_archive("import", SEED, "--db", db)
    assert r.returncode == 0, r.stderr
    server = ThreadingHTTPServer(("127.0.0.1", 0), Encoded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with socket.socket() as s:  # a port nobody listens on: connection refused, no response at all
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    live = server.server_address[1]
    sources = tmp / "sources.toml"
    sources.write_text(
        f"""
[encoded]
start_urls = ["http://127.0.0.1:{live}/zfgzbg/202401/t20240110_1.html", "http://127.0.0.1:{live}/zfgzbg/202401/t20240111_2.html"]
allowed_domains = ["127.0.0.1"]
allow_private = true
reports = ['/zfgzbg/\\d{{6}}/t\\d{{8}}_\\d+\\.html$']
[dead]
start_urls = ["http://127.0.0.1:{dead}/zfgzbg/202401/t20240112_3.html"]
allowed_domains = ["127.0.0.1"]
allow_private = true
reports = ['/zfgzbg/\\d{{6}}/t\\d{{8}}_\\d+\\.html$']
""",
        encoding="utf-8",
    )
    try:
        r = run_archive("crawl", "--db", db, "--sources", sources, *FAST, "-s", "RETRY_TIMES=0")
    finally:
        server.shutdown()
        server.server_close()
    assert r.returncode == 1, r.stdout + r.stderr  # the dead source fails its error threshold
    return db


def captures(db) -> dict[int, dict]:
    cols = [
        "id",
        "url",
        "requested_url",
        "fetched_at",
        "status",
        "sha256",
        "source",
        "crawl_run_id",
        "error",
        "content_type",
        "headers",
    ]
    return {
        row[0]: dict(zip(cols, row, strict=True)) for row in q(db, f"SELECT {', '.join(cols)} FROM captures")
    }


def export(db, out, *extra) -> list[Path]:
    r = run_archive("export", "--db", db, "--out", out, "--warc", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    files = sorted(Path(out).glob("archive-*.warc.gz"))
    assert [str(p) for p in files] == [line.split("\t")[0] for line in r.stdout.splitlines() if "\t" in line]
    return files


def fields(payload: bytes) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in payload.decode("utf-8").splitlines() if line)


def read_warc(path: Path) -> list[dict]:
    """Every record of a WARC file through warcio: type, headers, HTTP headers, payload, offsets."""
    from warcio.archiveiterator import ArchiveIterator

    records = []
    with open(path, "rb") as f:
        it = ArchiveIterator(f, check_digests=True)
        for rec in it:
            payload = rec.content_stream().read()
            records.append(
                {
                    "type": rec.rec_type,
                    "headers": dict(rec.rec_headers.headers),
                    "http": rec.http_headers,
                    "payload": payload,
                    "offset": it.get_record_offset(),
                    "version": rec.rec_headers.protocol,
                    "digest_ok": rec.digest_checker.passed,
                    "digest_problems": list(rec.digest_checker.problems),
                }
            )
            records[-1]["length"] = it.get_record_length()
    return records


def test_every_capture_becomes_records_readable_by_warcio(archive, tmp_path):
    caps = captures(archive)
    failed = {i for i, c in caps.items() if c["status"] == 0}
    files = export(archive, tmp_path / "w")
    assert [p.name for p in files] == [f"archive-{datetime.now(UTC):%Y%m%d}-00001.warc.gz"]
    records = read_warc(files[0])

    info = records[0]
    assert info["type"] == "warcinfo" and info["version"] == "WARC/1.1"
    assert info["headers"]["WARC-Filename"] == files[0].name
    wi = fields(info["payload"])
    assert wi["isPartOf"] == "archive.db" and wi["format"] == "WARC File Format 1.1"
    assert wi["software"].startswith("zfgzbg-archive/") and "warcio/" in wi["software"]
    datetime.strptime(wi["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert [r["type"] for r in records[1:]].count("warcinfo") == 0
    assert {r["headers"]["WARC-Warcinfo-ID"] for r in records[1:]} == {info["headers"]["WARC-Record-ID"]}

    # one primary record per capture (response, resource, or a metadata record for a fetch without
    # an answer), each but the last kind followed by its metadata record
    primary = [
        r for r in records[1:] if not (r["type"] == "metadata" and "WARC-Concurrent-To" in r["headers"])
    ]
    companions = {
        r["headers"]["WARC-Concurrent-To"]: r
        for r in records[1:]
        if r["type"] == "metadata" and "WARC-Concurrent-To" in r["headers"]
    }
    assert len(primary) == len(caps)
    assert len(records) == 1 + len(caps) + (len(caps) - len(failed))
    assert all(r["digest_ok"] is not False and not r["digest_problems"] for r in records)
    seen = set()
    kinds = {"response": 0, "resource": 0, "metadata": 0}
    for rec in primary:
        kinds[rec["type"]] += 1
        meta = fields(
            rec["payload"]
            if rec["type"] == "metadata"
            else companions[rec["headers"]["WARC-Record-ID"]]["payload"]
        )
        cap = caps[int(meta["capture-id"])]
        seen.add(cap["id"])
        assert rec["headers"]["WARC-Target-URI"] == cap["url"]
        assert datetime.fromisoformat(
            rec["headers"]["WARC-Date"].replace("Z", "+00:00")
        ) == datetime.fromisoformat(cap["fetched_at"])
        assert meta["requested-url"] == cap["requested_url"] and meta["source"] == cap["source"]
        assert meta["sha256"] == cap["sha256"] and meta.get("error") == cap["error"]
        assert meta.get("crawl-run-id") == (str(cap["crawl_run_id"]) if cap["crawl_run_id"] else None)
        if rec["type"] == "metadata":
            assert cap["id"] in failed and meta["status"] == "0" and cap["error"]
            continue
        assert hashlib.sha256(rec["payload"]).hexdigest() == cap["sha256"]
        assert rec["headers"]["WARC-Payload-Digest"].startswith("sha1:")
        assert rec["headers"]["WARC-Block-Digest"].startswith("sha1:")
        if rec["type"] == "response":
            assert cap["url"].startswith("http") and rec["http"].get_statuscode() == str(cap["status"])
            assert int(rec["http"].get_header("Content-Length")) == len(rec["payload"])
            assert not rec["http"].get_header("Content-Encoding") and not rec["http"].get_header(
                "Transfer-Encoding"
            )
        else:
            assert cap["url"].startswith("file://")
            assert rec["headers"]["Content-Type"] == cap["content_type"]
    assert seen == set(caps)
    assert kinds["response"] >= 10 and kinds["resource"] == 1 and kinds["metadata"] == len(failed) >= 2
    # a redirect (the demo's 301) keeps its origin; a 404 is a response like any other
    assert any(c["requested_url"] != c["url"] and c["status"] == 200 for c in caps.values())
    assert any(c["status"] == 404 for c in caps.values())
    assert any("connectionrefused" in (c["error"] or "").lower() for c in caps.values() if c["status"] == 0)


def test_headers_are_rebuilt_for_the_decoded_body(archive, tmp_path):
    caps = {c["url"].rsplit("/", 1)[-1]: c for c in captures(archive).values() if c["source"] == "encoded"}
    files = export(archive, tmp_path / "w")
    by_uri = {
        r["headers"]["WARC-Target-URI"].rsplit("/", 1)[-1]: r
        for r in read_warc(files[0])
        if r["type"] == "response"
    }
    gz, chunked = by_uri["t20240110_1.html"], by_uri["t20240111_2.html"]
    for rec, name in ((gz, "t20240110_1.html"), (chunked, "t20240111_2.html")):
        assert rec["payload"] == REPORT  # as served, decoded: what content_stream() gives a replay tool
        assert hashlib.sha256(rec["payload"]).hexdigest() == caps[name]["sha256"]
        assert rec["http"].get_header("Content-Length") == str(len(REPORT))
    assert gz["http"].get_header("X-Archive-Original-Content-Length") == str(len(gzip.compress(REPORT)))
    assert gz["http"].get_header("Content-Encoding") is None  # Scrapy decoded it and dropped the header
    # the chunked answer had no Content-Length (and Scrapy keeps no Transfer-Encoding): one is given
    assert "Content-Length" not in caps["t20240111_2.html"]["headers"]
    assert chunked["http"].get_header("X-Archive-Original-Content-Length") is None


def test_http_headers_unit():
    from archive.warc import http_headers

    body = "<html>报告</html>".encode() * 100
    h = http_headers(
        200,
        {
            "Content-Encoding": "gzip",
            "Transfer-Encoding": "chunked",
            "Content-Length": "10",
            "Bad Name": "x",
            "X-Multi": "a\r\nInjected: 1",
            "Server": "nginx",
            "Content-Disposition": 'attachment; filename="报告.html"'.encode().decode("latin-1"),
        },
        body,
    )
    assert h.statusline == "200 OK" and h.protocol == "HTTP/1.1"
    assert h.get_header("Content-Length") == str(len(body)) and h.get_header("Content-Encoding") is None
    assert h.get_header("X-Archive-Original-Content-Encoding") == "gzip"
    assert h.get_header("X-Archive-Original-Transfer-Encoding") == "chunked"
    assert h.get_header("X-Archive-Original-Content-Length") == "10"
    assert h.get_header("Bad Name") is None and h.get_header("Injected") is None
    assert h.get_header("X-Multi") == "a Injected: 1" and h.get_header("Server") == "nginx"
    assert "报告" in h.get_header("Content-Disposition")
    h.compute_headers_buffer()
    h.headers_buff.decode("ascii")  # percent-encoded by warcio: a valid header block
    assert http_headers(599, {}, b"").statusline == "599 Unknown"
    # a body Scrapy could not decode is still in its coding: the header stays true
    for coding, encoded in (
        ("gzip", gzip.compress(body)),
        ("deflate", zlib.compress(body)),
        ("br", __import__("brotli").compress(body)),
    ):
        h = http_headers(200, {"Content-Encoding": coding}, encoded)
        assert h.get_header("Content-Encoding") == coding and h.get_header("Content-Length") == str(
            len(encoded)
        )
        h = http_headers(200, {"Content-Encoding": coding}, body)
        assert h.get_header("Content-Encoding") is None


def test_one_gzip_member_per_record(archive, tmp_path):
    files = export(archive, tmp_path / "w")
    data = files[0].read_bytes()
    records = read_warc(files[0])
    members, rest = [], data
    while rest:
        d = zlib.decompressobj(wbits=31)
        members.append(d.decompress(rest) + d.flush())
        assert d.eof
        rest = d.unused_data
    assert len(members) == len(records)
    for member, rec in zip(members, records, strict=True):
        assert member.startswith(b"WARC/1.1\r\n") and member.endswith(b"\r\n\r\n")
        assert member.count(b"\r\nWARC-Type: ") == 1
        assert gzip.decompress(data[rec["offset"] : rec["offset"] + rec["length"]]) == member


def test_rollover_and_stale_files(archive, tmp_path):
    out = tmp_path / "w"
    one = export(archive, tmp_path / "one")
    many = export(archive, out, "--warc-size", "20000")
    assert len(many) >= 3
    assert [p.name[-14:] for p in many] == [f"-{n:05d}.warc.gz" for n in range(1, len(many) + 1)]
    split = [read_warc(p) for p in many]
    assert all(
        recs[0]["type"] == "warcinfo" and recs[0]["headers"]["WARC-Filename"] == p.name
        for p, recs in zip(many, split, strict=True)
    )

    def key(r):
        return (
            r["type"],
            r["headers"].get("WARC-Target-URI"),
            r["headers"].get("WARC-Payload-Digest"),
            r["payload"],
        )

    whole = read_warc(one[0])
    assert sorted(key(r) for recs in split for r in recs[1:]) == sorted(key(r) for r in whole[1:])
    for recs in split:  # a capture's metadata record stays in its response's file
        ids = {r["headers"]["WARC-Record-ID"] for r in recs}
        assert all(
            r["headers"]["WARC-Concurrent-To"] in ids for r in recs if "WARC-Concurrent-To" in r["headers"]
        )
    again = export(archive, out)  # the same day again, in one file: the old series' extra files go
    assert [p.name for p in again] == [many[0].name] and not list(out.glob("*.part"))


def test_warcio_check_and_fastwarc_read_the_files(archive, tmp_path):
    from fastwarc.warc import ArchiveIterator

    files = export(archive, tmp_path / "w", "--warc-size", "50000")
    r = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "digest pass" in r.stdout and "digest fail" not in r.stdout
    caps = captures(archive)
    status = {c["url"]: c["status"] for c in caps.values() if c["status"]}
    seen = []
    for path in files:
        with open(path, "rb") as f:  # the whole block digest: HTTP headers unparsed
            assert all(rec.verify_block_digest() for rec in ArchiveIterator(f, parse_http=False)), path
        with open(path, "rb") as f:
            for rec in ArchiveIterator(f, parse_http=True):
                kind = str(rec.record_type)
                if kind == "resource":  # no HTTP part: payload = block (FastWARC checks HTTP payloads only)
                    assert rec.headers["WARC-Payload-Digest"] == rec.headers["WARC-Block-Digest"]
                if kind == "response":
                    assert rec.verify_payload_digest(), (path, rec.record_id)
                    assert rec.http_headers.status_code == status[rec.headers["WARC-Target-URI"]]
                seen.append((kind, rec.headers.get("WARC-Target-URI")))
    warcio_seen = [(r["type"], r["headers"].get("WARC-Target-URI")) for p in files for r in read_warc(p)]
    assert seen == warcio_seen
    assert sum(1 for k, _ in seen if k == "warcinfo") == len(files)
    assert {u for k, u in seen if k in ("response", "resource")} == {
        c["url"] for c in caps.values() if c["status"]
    }


def test_export_without_warc_is_unchanged_and_errors_are_usage(archive, tmp_path):
    r = run_archive("export", "--db", archive, "--out", tmp_path / "csv")
    assert r.returncode == 0 and not list((tmp_path / "csv").glob("*.warc.gz"))
    assert (tmp_path / "csv" / "latest" / "captures.csv.gz").exists()
    r = run_archive("export", "--db", archive, "--out", tmp_path / "both", "--warc", "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "both" / "latest" / "captures.jsonl.gz").exists() and list(
        (tmp_path / "both").glob("*.warc.gz")
    )
    assert (
        run_archive("export", "--db", tmp_path / "missing.db", "--warc", "--out", tmp_path / "x").returncode
        == 2
    )


def test_empty_archive_gives_a_warcinfo_only_file(tmp_path):
    from archive.db import open_db
    from archive.warc import export_warc

    open_db(tmp_path / "empty.db").close()
    result = export_warc(sqlite3.connect(tmp_path / "empty.db"), tmp_path / "w", db_name="empty.db")
    assert result.captures == 0 and len(result.files) == 1 and result.files[0][1] == 1
    assert [r["type"] for r in read_warc(result.files[0][0])] == ["warcinfo"]


def test_a_body_that_no_longer_matches_its_hash_is_reported(archive, tmp_path):
    from archive.db import compress

    db = tmp_path / "tampered.db"
    src, dst = sqlite3.connect(archive), sqlite3.connect(db)
    src.backup(dst)
    cap_id = dst.execute("SELECT MIN(id) FROM captures WHERE status = 200").fetchone()[0]
    blob, compression = compress(b"<html>not what was fetched</html>")
    dst.execute("UPDATE captures SET body = ?, compression = ? WHERE id = ?", [blob, compression, cap_id])
    dst.commit()
    src.close()
    dst.close()
    r = run_archive("export", "--db", db, "--out", tmp_path / "w", "--warc")
    assert r.returncode == 1 and f"capture {cap_id}" in r.stderr  # written all the same, and said
    assert len(list((tmp_path / "w").glob("*.warc.gz"))) == 1
