"""Bad archives, read-only archives, a full disk, bad configuration: one line, the documented exit
code, and the file as it was (issue 13, points 1–4, 8 and 10)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import FAST, REPO, q, run_archive, served

REPORT = (
    "2023年政府工作报告\n\n各位代表：\n\n过去一年，全市地区生产总值增长5.2%。"
    "今年的主要预期目标是：地区生产总值增长6%左右，城镇新增就业3万人。\n"
)
READERS = [("status",), ("export", "--out", "{tmp}/exports")]
WRITERS = [("dedupe",), ("index",), ("reprocess",), ("import", "{tmp}/r.txt")]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(result, code: int) -> str:
    """The command failed with ``code`` and said why in one line, without a traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("archive: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def command(args, tmp_path) -> list[str]:
    return [a.format(tmp=tmp_path) for a in args]


@pytest.fixture
def archive(tmp_path) -> Path:
    """A real archive of one imported report."""
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    db = tmp_path / "arch.db"
    result = run_archive("import", tmp_path / "r.txt", "--db", db)
    assert result.returncode == 0, result.stderr
    return db


def serve_refuses(db: Path) -> str:
    proc = subprocess.run(
        [os.sys.executable, "-m", "archive.cli", "serve", "--db", str(db), "--port", "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return one_line_error(proc, 2)


# 1, 2 — not SQLite, another application's database, an empty file, no file ----------------------
@pytest.mark.parametrize("kind", ["random bytes", "foreign"])
def test_a_file_that_is_not_an_archive_is_refused_by_every_command_and_left_alone(tmp_path, kind):
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    db = tmp_path / "x.db"
    if kind == "random bytes":
        db.write_bytes(os.urandom(8192))
    else:
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE birds (name TEXT)")
        con.execute("INSERT INTO birds VALUES ('丹顶鹤')")
        con.commit()
        con.close()
    before = digest(db)
    for args in [*READERS, *WRITERS]:
        line = one_line_error(run_archive(*command(args, tmp_path), "--db", db), 2)
        assert str(db) in line and "not" in line, line
    sources = REPO / "crawler" / "config" / "demo_sources.toml"
    line = one_line_error(run_archive("crawl", "--db", db, "--sources", sources, *FAST), 2)
    assert "archive" in line
    assert "x.db" in serve_refuses(db)
    assert digest(db) == before
    assert not (tmp_path / "x.db-wal").exists()
    if kind == "foreign":
        assert q(db, "SELECT name FROM sqlite_master") == [("birds",)]


def test_commands_that_do_not_make_an_archive_neither_create_one_nor_fill_an_empty_file(tmp_path):
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    missing, empty = tmp_path / "missing.db", tmp_path / "empty.db"
    empty.touch()
    for args in [*READERS, ("dedupe",), ("index",), ("reprocess",)]:
        line = one_line_error(run_archive(*command(args, tmp_path), "--db", missing), 2)
        assert "no archive" in line
        assert not missing.exists()
        line = one_line_error(run_archive(*command(args, tmp_path), "--db", empty), 2)
        assert "empty" in line
        assert empty.stat().st_size == 0
    # the commands that make archives make one in an empty file
    assert run_archive("import", tmp_path / "r.txt", "--db", empty).returncode == 0
    assert q(empty, "PRAGMA application_id") == [(0x5A474247,)]
    assert q(empty, "SELECT COUNT(*) FROM documents") == [(1,)]


def test_an_archive_made_before_it_carried_its_application_id_is_still_an_archive(archive):
    con = sqlite3.connect(archive)
    con.execute("PRAGMA application_id = 0")
    con.commit()
    con.close()
    assert run_archive("status", "--db", archive).returncode == 0
    assert run_archive("dedupe", "--db", archive).returncode == 0
    assert q(archive, "PRAGMA application_id") == [(0x5A474247,)]  # set on its next write


# 3 — a read-only archive -----------------------------------------------------------------------
@pytest.fixture
def read_only(archive, tmp_path):
    """The archive on a read-only file system (a tmpfs remounted read-only: as root, permissions
    do not stop writes); without root, a folder and file without write permission."""
    mount = tmp_path / "ro"
    mount.mkdir()
    mounted = False
    if os.geteuid() == 0:
        mounted = (
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)]).returncode == 0
        )
        if not mounted:
            pytest.skip("running as root without mount(8): cannot make a read-only file system")
    shutil.copy(archive, mount / "arch.db")
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    else:
        (mount / "arch.db").chmod(0o444)
        mount.chmod(0o555)
    try:
        yield mount / "arch.db"
    finally:
        if mounted:
            subprocess.run(["umount", str(mount)], check=True)
        else:
            mount.chmod(0o755)


def test_readers_work_on_a_read_only_archive_and_say_which_state_they_read(read_only, tmp_path):
    before = digest(read_only)
    status = run_archive("status", "--db", read_only)
    assert status.returncode == 0, status.stderr
    assert "documents  1" in status.stdout
    assert "read-only" in status.stderr and "everything committed" in status.stderr
    export = run_archive("export", "--db", read_only, "--out", tmp_path / "dumps")
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "dumps" / "latest").exists()
    with served(read_only) as base:
        with urllib.request.urlopen(base + "/archive/documents.json?_shape=array") as r:
            assert r.status == 200
            assert b"2023" in r.read()
    assert digest(read_only) == before


def test_writers_say_the_archive_is_read_only(read_only, tmp_path):
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    before = digest(read_only)
    for args in WRITERS:
        line = one_line_error(run_archive(*command(args, tmp_path), "--db", read_only), 2)
        assert "write" in line, line
    assert digest(read_only) == before


# 4 — the disk full -----------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a full disk is made with a small tmpfs: needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=700k", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("mount(8) is not allowed here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_crawl_that_fills_the_disk_stops_says_so_records_the_run_and_keeps_what_was_archived(
    small_disk, demo_site, tmp_path
):
    db = small_disk / "arch.db"
    (tmp_path / "r.txt").write_text(REPORT, encoding="utf-8")
    assert run_archive("import", tmp_path / "r.txt", "--db", db).returncode == 0
    result = run_archive(
        "crawl", "--db", db, "--sources", demo_site["sources"], "--log-dir", tmp_path / "logs", *FAST
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "cannot be written" in result.stdout and "disk is full" in result.stdout
    assert q(db, "SELECT status, exit_code FROM crawl_runs") == [("error", 1)]
    assert q(db, "SELECT COUNT(*) FROM documents WHERE source = 'import'") == [(1,)]
    assert q(db, "PRAGMA integrity_check") == [("ok",)]


def test_an_export_onto_a_full_disk_says_so(small_disk, archive):
    (small_disk / "filler").write_bytes(b"\0" * (690 * 1024))
    line = one_line_error(run_archive("export", "--db", archive, "--out", small_disk / "dumps"), 1)
    assert "No space left" in line or "disk is full" in line


# 8, 10 — configuration and small things ----------------------------------------------------------
def test_a_sources_file_saved_as_gbk_is_named_with_how_to_convert_it(tmp_path):
    sources = tmp_path / "gbk.toml"
    sources.write_bytes(
        '[gbk-test]\nname = "测试市人民政府"\nstart_urls = ["http://127.0.0.1:9/"]\n'.encode("gbk")
    )
    line = one_line_error(run_archive("crawl", "--db", tmp_path / "a.db", "--sources", sources), 2)
    assert "not UTF-8" in line and "GB18030" in line and "iconv" in line and "line 2" in line
    assert not (tmp_path / "a.db").exists()


def test_reprocess_of_an_unknown_source_is_a_usage_error(archive):
    line = one_line_error(run_archive("reprocess", "--db", archive, "--source", "nosuch"), 2)
    assert "nosuch" in line and "import" in line  # the sources the archive has


def test_status_without_an_archive_names_the_archives_beside_it(archive, tmp_path):
    line = one_line_error(run_archive("status", cwd=tmp_path), 2)
    assert "no archive at archive.db" in line and "arch.db" in line


def test_random_bytes_imported_as_text_make_no_document_but_their_capture_is_kept(tmp_path):
    junk = [tmp_path / "junk.txt", tmp_path / "junk.bin"]
    junk[0].write_bytes(os.urandom(6000))
    junk[1].write_bytes(os.urandom(6000).replace(b"\0", b""))
    db = tmp_path / "a.db"
    result = run_archive("import", *junk, "--db", db)
    assert result.returncode == 0, result.stderr
    assert "2 skipped" in result.stdout
    assert q(db, "SELECT COUNT(*) FROM documents") == [(0,)]
    assert q(db, "SELECT COUNT(*) FROM captures") == [(2,)]


def test_a_saved_listing_is_read_as_the_sources_start_page_when_no_url_is_given(demo_site, tmp_path):
    from crawler.sources import load_sources

    source = load_sources(demo_site["sources"])["demo-gov"]
    saved = tmp_path / "index.html"
    with urllib.request.urlopen(source.start_urls[0]) as r:
        saved.write_bytes(r.read())
    result = run_archive("sources", "check", "demo-gov", "--sources", demo_site["sources"], "--file", saved)
    assert result.returncode == 0, result.stderr
    assert source.start_urls[0] in result.stderr
    archived = int(result.stdout.split("archive (")[1].split(")")[0])
    assert archived > 0


def test_logs_are_not_committed():
    assert "/logs/" in (REPO / ".gitignore").read_text().splitlines()
