"""Numbered schema migrations (``PRAGMA user_version``): existing archives migrate in place."""

from __future__ import annotations

import json
import sqlite3

from conftest import REPO, q

from archive import db as archive_db

SCHEMA_V1 = REPO / "tests" / "fixtures" / "schema_v1.sql"


def old_archive(path, *, drop_columns: tuple[str, ...] = ()) -> None:
    """An archive as the code before numbered migrations left it (user_version 1), with one
    document, one earlier version of it and one crawl run."""
    sql = SCHEMA_V1.read_text(encoding="utf-8")
    for col in drop_columns:  # an archive of a still older commit: a column it never had
        sql = sql.replace(f'   "{col}" TEXT,\n', "")
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.execute(
        "INSERT INTO crawl_runs (id, started_at, status, sources) VALUES (1, '2024-01-01', 'ok', ?)",
        [json.dumps(["demo-gov"])],
    )
    con.execute(
        "INSERT INTO documents (id, url, source, title, text, text_hash, version, canonical_id, city)"
        " VALUES (1, 'http://x.cn/1.html', 'demo-gov', '报告', '今天的正文', 'h2', 2, 1, '吉林市')"
    )
    con.execute(
        "INSERT INTO document_versions (document_id, version, title, text_hash, text, capture_ids)"
        " VALUES (1, 1, '报告', 'h1', '去年的正文', '[1]')"
    )
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def test_an_archive_made_before_numbered_migrations_migrates_in_place(tmp_path):
    path = tmp_path / "old.db"
    old_archive(path)
    db = archive_db.open_db(path, migrate_schema=False)
    assert archive_db.migrate(db) == [1, 2, 3, 4]  # migration 1 again: version 1 did not say which columns
    assert archive_db.schema_version(db) == archive_db.SCHEMA_VERSION == 4
    assert archive_db.migrate(db) == []  # applied once
    db.close()
    for name, spec in archive_db.TABLES.items():
        assert set(spec["columns"]) <= {r[1] for r in q(path, f"PRAGMA table_info({name})")}, name
    # what was there is kept; the versions kept so far were all page changes
    assert q(path, "SELECT id, title, text, version, city FROM documents") == [
        (1, "报告", "今天的正文", 2, "吉林市")
    ]
    assert q(path, "SELECT version, text, reason, metadata FROM document_versions") == [
        (1, "去年的正文", "page changed", None)
    ]
    assert q(path, "SELECT COUNT(*) FROM sources") == [(0,)]
    assert {r[0] for r in q(path, "SELECT name FROM sqlite_master WHERE type = 'view'")} >= {
        "reports",
        "crawl_health",
    }


def test_an_older_archive_missing_a_column_gets_it(tmp_path):
    path = tmp_path / "older.db"
    old_archive(path, drop_columns=("validators", "sniffed_type"))
    assert "validators" not in {r[1] for r in q(path, "PRAGMA table_info(documents)")}
    archive_db.open_db(path).close()
    assert "validators" in {r[1] for r in q(path, "PRAGMA table_info(documents)")}
    assert "sniffed_type" in {r[1] for r in q(path, "PRAGMA table_info(captures)")}
    assert q(path, "PRAGMA user_version") == [(archive_db.SCHEMA_VERSION,)]


def test_a_new_archive_has_every_table_and_the_last_version(tmp_path):
    path = tmp_path / "new.db"
    db = archive_db.open_db(path)
    assert archive_db.schema_version(db) == len(archive_db.MIGRATIONS)
    db.close()
    for name, spec in archive_db.TABLES.items():
        assert [r[1] for r in q(path, f"PRAGMA table_info({name})")] == list(spec["columns"]), name


def test_a_later_archive_is_not_touched_by_migration_one(tmp_path):
    """At version 3, opening runs nothing numbered (a column dropped by hand stays dropped: proof
    that migration 1 did not run again)."""
    path = tmp_path / "v3.db"
    archive_db.open_db(path).close()
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE documents DROP COLUMN validators")
    con.commit()
    con.close()
    db = archive_db.open_db(path, migrate_schema=False)
    assert archive_db.migrate(db) == []
    db.close()
    assert "validators" not in {r[1] for r in q(path, "PRAGMA table_info(documents)")}
