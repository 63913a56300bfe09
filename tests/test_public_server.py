"""A public server that no visitor can stall or read the insides of, and a busy port that is one
clear line: real ``archive serve`` processes on free 127.0.0.1 ports over a real SQLite archive
stored with the project's own functions (``save_document``, ``index_documents``)."""

from __future__ import annotations

import contextlib
import random
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import free_port, run_archive, served

from archive import search
from archive.db import open_db, save_document
from pipelines.cleaning import text_hash

PHRASES = [
    "过去一年，全市经济社会发展稳中有进",
    "地区生产总值增长百分之六点五",
    "人参产业实现产值一百二十亿元",
    "冰雪旅游接待游客八百万人次",
    "棚户区改造新开工三千套",
    "脱贫攻坚取得决定性成就",
    "生态环境质量持续改善",
    "深化放管服改革，优化营商环境",
    "今年政府工作的总体要求是",
    "加快建设现代化经济体系",
]
HUGE_CHARS = 1_500_000


def _text(rng: random.Random, n: int) -> str:
    return "\n".join("，".join(rng.sample(PHRASES, 4)) + "。" for _ in range(n))


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """40 report-like documents and one of 1.5 million characters whose only 鹿茸 is at its very end."""
    path = tmp_path_factory.mktemp("public") / "archive.db"
    db = open_db(path)
    rng = random.Random(13)
    ids = []
    with db.conn:
        for i in range(40):
            text = _text(rng, rng.randint(20, 60))
            cleaned = {
                "title": f"测试市政府工作报告 {i}",
                "text": text,
                "doc_type": "report",
                "year": 2000 + i % 20,
            }
            doc_id, _ = save_document(
                db,
                url=f"http://t.example/{i}.html",
                source="test",
                cleaned=cleaned,
                text_hash=text_hash(text),
                capture_ids=[1],
            )
            ids.append(doc_id)
        huge = (_text(rng, HUGE_CHARS // 60) * 2)[: HUGE_CHARS - 2] + "鹿茸"
        doc_id, _ = save_document(
            db,
            url="http://t.example/huge.html",
            source="test",
            cleaned={"title": "很长的文档", "text": huge, "doc_type": "report"},
            text_hash=text_hash(huge),
            capture_ids=[1],
        )
        ids.append(doc_id)
        search.index_documents(db, ids)
    db.conn.close()
    return path


def fetch(url: str, timeout: float = 30) -> tuple[int, str, float]:
    """(status, body, seconds) — HTTP errors included."""
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace"), time.perf_counter() - t0
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), time.perf_counter() - t0


def search_url(base: str, q: str, **args) -> str:
    return f"{base}/-/search?" + urllib.parse.urlencode({"q": q, **args})


def total(body: str) -> int:
    import re

    return int(re.search(r'data-total="(\d+)"', body).group(1))


def truth(db, words: list[str]) -> int:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return sum(
            1
            for (t,) in con.execute("SELECT text FROM documents")
            if all(w in search.normalize(t) for w in words)
        )


@contextlib.contextmanager
def busy_port():
    """A port another server listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield s.getsockname()[1]


@contextlib.contextmanager
def served_in_process(db, **options):
    """The project's public ASGI app (``publish.make_app`` with ``options``), served by uvicorn on a
    socket from ``publish.listen`` in a thread of this process."""
    import uvicorn

    from archive.publish import listen, make_app

    sock = listen("127.0.0.1", 0)
    server = uvicorn.Server(
        uvicorn.Config(make_app(str(db), public=True, **options), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        deadline = time.time() + 30
        while fetch(base + "/-/search", timeout=5)[0] != 200:
            assert time.time() < deadline, "the server did not start"
            time.sleep(0.1)
        yield base
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


# a busy port -----------------------------------------------------------------------------------
@pytest.mark.parametrize("public", [False, True])
def test_serve_on_a_busy_port_exits_2_with_one_line(archive, public):
    with busy_port() as port:
        t0 = time.perf_counter()
        r = run_archive(
            "serve",
            "--db",
            archive,
            "--port",
            port,
            *(["--public", "--host", "127.0.0.1"] if public else []),
            timeout=60,
        )
        took = time.perf_counter() - t0
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "in use" in lines[0] and "--port" in lines[0]
    ), lines
    assert "Traceback" not in r.stderr and "Datasette:" not in r.stdout  # no URL of a server that never ran
    assert took < 20


def test_demo_checks_the_serve_port_before_its_crawl(tmp_path):
    db = tmp_path / "demo.db"
    with busy_port() as port:
        t0 = time.perf_counter()
        r = run_archive("demo", "--db", db, "--serve-port", port, "--site-port", free_port(), timeout=60)
        took = time.perf_counter() - t0
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "--serve-port" in lines[0], lines
    assert "demo site:" not in r.stdout and not db.exists()  # nothing served, nothing crawled
    assert took < 20


def test_demo_site_port_is_named_and_the_old_flag_still_works(tmp_path):
    help_text = run_archive("demo", "--help").stdout
    assert "--site-port" in help_text and "--serve-port" in help_text and "--port " not in help_text
    db = tmp_path / "demo.db"
    with busy_port() as port:
        r = run_archive("demo", "--db", db, "--no-serve", "--port", port, timeout=60)  # the old name
    assert r.returncode == 2 and f"demo site on 127.0.0.1:{port}" in r.stderr and "--site-port" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not db.exists()


# bounded searches ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def public(archive):
    with served(archive, "--public", "--host", "127.0.0.1") as base:
        yield base


def test_too_many_words_is_a_clear_message_at_once(public, archive):
    words = [chr(c) for c in range(0x4E00, 0x4E00 + 100)]
    status, body, took = fetch(search_url(public, " ".join(words)))
    assert status == 400 and took < 2
    assert "Too many words" in body and f"at most {search.MAX_WORDS}" in body and "this one has 100" in body
    assert "search-results" not in body
    # ten words still search, exactly
    ten = ["发展", "经济", "社会", "全市", "增长", "人参", "旅游", "改造", "生态", "环境"]
    status, body, _ = fetch(search_url(public, " ".join(ten)))
    assert status == 200 and total(body) == truth(archive, ten) > 0
    # Datasette's own search box: the same limit, as a 400 with the message
    status, body, took = fetch(
        f"{public}/archive/reports.json?" + urllib.parse.urlencode({"_search": " ".join(words[:11])})
    )
    assert status == 400 and "Too many words" in body and took < 2
    status, body, _ = fetch(
        f"{public}/archive/reports.json?" + urllib.parse.urlencode({"_search": "人参 旅游"})
    )
    assert status == 200 and '"rows"' in body


def test_passages_come_from_a_window_of_a_huge_document(public, archive):
    """鹿茸 is only at the end of the 1.5-million-character document: it is found (the index has
    every word), but its passages come from the first SNIPPET_WINDOW characters only."""
    from archive.datasette.plugins.pages import SNIPPET_WINDOW

    assert HUGE_CHARS > 10 * SNIPPET_WINDOW
    status, body, took = fetch(search_url(public, "鹿茸"))
    assert status == 200 and total(body) == 1 and "很长的文档" in body and "<mark>鹿茸</mark>" not in body
    # a common word: the huge document's passages are short, whatever the text
    import lxml.html

    status, body, _ = fetch(search_url(public, "发 展 经 济"))
    tree = lxml.html.fromstring(body)
    snippets = [p.text_content() for p in tree.cssselect("p.snippet")]
    assert status == 200 and snippets and max(map(len, snippets)) < 400


def test_a_search_over_its_time_limit_is_stopped_with_a_message(archive):
    """The search page's SQL runs under a time limit through a progress handler (Datasette's
    sql_time_limit_ms, or the one make_datasette is given): a limit of 0 ms stops the first
    instruction, whatever the machine's speed."""
    from archive.datasette.plugins.pages import SearchRefused, run_search

    with contextlib.closing(sqlite3.connect(archive)) as conn:
        with pytest.raises(SearchRefused, match="stopped") as refused:
            run_search(conn, "发展", ["发展"], page=1, canonical=False, time_limit_ms=0)
        assert refused.value.status == 400
        assert run_search(conn, "发展", ["发展"], page=1, canonical=False, time_limit_ms=5000)[0] == truth(
            archive, ["发展"]
        )
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 41  # the handler is gone
    with served_in_process(archive, search_time_limit_ms=0) as base:
        status, body, took = fetch(search_url(base, "发展"))
        assert status == 400 and "stopped" in body and "search-results" not in body and took < 5
        assert fetch(search_url(base, ""))[0] == 200  # the form itself runs no SQL


# facets and introspection ----------------------------------------------------------------------
def test_at_most_seven_facets_a_request(public):
    columns = ["province", "city", "admin_level", "year", "source", "doc_type", "duplicate_kind"]
    status, body, _ = fetch(f"{public}/archive/documents.json?" + "&".join(f"_facet={c}" for c in columns))
    assert status == 200 and set(columns) <= set(__import__("json").loads(body)["facet_results"])
    status, body, took = fetch(
        f"{public}/archive/documents.json?" + "&".join(f"_facet={c}" for c in columns + ["title"])
    )
    assert status == 400 and "Too many facets" in body and "at most 7" in body and took < 2
    status, body, _ = fetch(f"{public}/archive/documents?" + "&".join(f"_facet={c}" for c in columns * 3))
    assert status == 400 and "this one has 21" in body


INTROSPECTION = [
    "/-/databases.json",
    "/-/databases",
    "/-/versions.json",
    "/-/versions",
    "/-/threads.json",
    "/-/settings.json",
    "/-/plugins.json",
    "/-/metadata.json",
    "/-/config.json",
    "/-/actor.json",
    "/-/patterns",
    "/-/allow-debug",
]


def test_introspection_is_hidden_in_public_mode_and_the_archive_pages_answer(public, archive):
    for path in INTROSPECTION:
        assert fetch(public + path)[0] == 404, path
    folder = str(archive.parent.resolve())
    for path in [
        "/",
        "/archive",
        "/archive.json",
        "/archive/documents.json",
        "/-/search?q=发展",
        "/-/document/1",
        "/-/map",
        "/-/charts",
        "/-/downloads",
        "/archive/reports",
    ]:
        status, body, _ = fetch(public + urllib.parse.quote(path, safe="/?=&-"))
        assert status == 200, path
        assert folder not in body, path  # nowhere the server's file path
    assert fetch(public + "/-/static/app.css")[0] == 200


def test_introspection_stays_on_a_local_server(archive):
    with served(archive) as base:
        status, body, _ = fetch(base + "/-/databases.json")
        assert status == 200 and "archive" in body
        assert fetch(base + "/-/versions.json")[0] == 200


def test_searches_past_the_line_are_turned_away_at_once():
    import asyncio

    from archive.datasette.plugins.pages import SearchRefused, _Gate

    async def go():
        gate = _Gate(asyncio.get_running_loop(), size=1, waiting=1)
        async with gate.slot():
            waiter = asyncio.create_task(gate.slot().__aenter__())  # in line: waits
            await asyncio.sleep(0)
            with pytest.raises(SearchRefused) as refused:  # the line is full: refused, not queued
                async with gate.slot():
                    pass
            assert refused.value.status == 503 and "try again" in str(refused.value)
        await waiter  # the first in line got the slot when it was given back
        waiter.cancel()

    asyncio.run(go())
