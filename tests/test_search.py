"""The Chinese search index on real SQLite files: exact substring semantics, kept up to date as
documents are stored, rebuilt when it cannot be trusted."""

from __future__ import annotations

import random
import shutil

import pytest
from conftest import q

from archive import search
from archive.db import open_db, save_document
from pipelines.cleaning import text_hash


def found(db, query) -> set[int]:
    return {r[0] for r in db.execute(f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH ?",
                                     [search.fts_query(query)])}


def truth(db, query) -> set[int]:
    ws = search.words(query)
    return {i for i, t in db.execute("SELECT id, text FROM documents")
            if all(w in search.normalize(t or "") for w in ws)}


@pytest.fixture
def archive(crawled, tmp_path):
    path = tmp_path / "a.db"
    shutil.copy(crawled["db"], path)
    return open_db(path)


def test_random_substrings_find_exactly_the_documents_that_contain_them(archive):
    rng = random.Random(7)
    texts = [t for (t,) in archive.execute("SELECT text FROM documents")]
    queries = ["人参", "扶贫", "棚改", "发展", "GDP", "ＧＤＰ", "6%", "冰雪 旅游", "吉林市 2020"]
    while len(queries) < 150:
        t = rng.choice(texts)
        n = rng.randint(1, 6)
        i = rng.randrange(0, len(t) - n)
        if not any(c.isspace() for c in t[i:i + n]):
            queries.append(t[i:i + n])
    for query in queries:
        assert found(archive, query) == truth(archive, query), query
    assert found(archive, "人参") and found(archive, "ＧＤＰ") == found(archive, "gdp")


def _store(db, url, text):
    cleaned = {"text": text, "title": "测试", "removed": []}
    return save_document(db, url=url, source="test", cleaned=cleaned, text_hash=text_hash(text), capture_ids=[1])


def test_the_index_follows_stored_documents(archive):
    doc, state = _store(archive, "http://t.cn/1", "棚户区改造稳步推进\n新建保障房三千套零一户")
    assert state == "new" and found(archive, "三千套零一户") == {doc}
    assert doc in found(archive, "棚户区") and found(archive, "棚户区") == truth(archive, "棚户区")
    _, state = _store(archive, "http://t.cn/1", "冰雪旅游蓬勃发展\n接待游客八百万零七人次")
    assert state in ("updated", "changed")
    assert found(archive, "八百万零七人次") == {doc} and not found(archive, "三千套零一户")
    assert found(archive, "冰雪旅游") == truth(archive, "冰雪旅游")


def test_a_digest_that_does_not_match_rebuilds_with_the_new_text(archive):
    doc, _ = _store(archive, "http://t.cn/2", "老城区供热管网改造第九十九期")
    archive.execute("UPDATE search_indexed SET digest = 'tampered' WHERE doc_id = ?", [doc])
    _store(archive, "http://t.cn/2", "新城区污水处理厂第八十八期投入运行")
    assert found(archive, "污水处理厂第八十八期") == {doc} and not found(archive, "供热管网改造第九十九期")
    assert archive.execute("SELECT COUNT(*) FROM search_indexed").fetchone()[0] == \
        archive.execute("SELECT COUNT(*) FROM documents").fetchone()[0]


def test_an_index_of_another_tokenizer_or_unicode_version_is_rebuilt(archive, tmp_path):
    path = archive.execute("PRAGMA database_list").fetchone()[2]
    archive.execute("UPDATE search_meta SET value = '0/unicode-1.0' WHERE key = 'tokenizer_version'")
    archive.execute(f"DROP TABLE {search.FTS_TABLE}")
    archive.execute(f"CREATE VIRTUAL TABLE {search.FTS_TABLE} USING fts5(text, content='')")
    archive.conn.commit()
    archive.close()
    db = open_db(path)
    assert search.index_version(db) == search.TOKENIZER_VERSION
    assert found(db, "发展") == truth(db, "发展") != set()
    assert q(path, "PRAGMA integrity_check") == [("ok",)]
