"""The archive's SQLite database: schema, migrations and the few writes everything shares.

A library first, sqlite-utils style: ``open_db(path)`` gives a migrated ``sqlite_utils.Database``
in WAL mode; the functions below take it as their first argument.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from archive import search
from archive.dedupe import ensure_schema
from pipelines import document
from pipelines.packing import Packed, compress, decompress, pack  # noqa: F401 - compress, decompress: the store's API

# Column order is the order Datasette shows. Types: str, int, bytes.
# The schema of migration 1 (as it stood before numbered migrations); later migrations add to it.
BASE_TABLES: dict[str, dict] = {
    "captures": {
        "columns": {
            "id": int,
            "url": str,
            "requested_url": str,
            "fetched_at": str,
            "status": int,
            "content_type": str,
            "encoding": str,
            "sha256": str,
            "size": int,
            "compression": str,
            "source": str,
            "crawl_run_id": int,
            "error": str,
            "sniffed_type": str,
            "headers": str,
            "body": bytes,
        },
        "pk": "id",
        "indexes": [["url", "sha256"], ["sha256"], ["crawl_run_id"], ["requested_url"]],
        "unique": [["url", "sha256"]],
    },
    "documents": {
        # the fields and their order: pipelines/document.py (the document record)
        "columns": {f.name: f.type for f in document.FIELDS},
        "pk": "id",
        "indexes": [
            ["text_hash"],
            ["canonical_id"],
            ["source"],
            ["city"],
            ["year"],
            ["province"],
            # a covering index for searches, counts and facets over a set of ids (``id IN
            # (SELECT rowid FROM documents_fts …)``): a row of documents is ~20 KB, one page
            # read per row; this reads the faceted columns of 50,000 rows from ~1 MB
            [
                "id",
                "province",
                "city",
                "admin_level",
                "year",
                "source",
                "doc_type",
                "duplicate_kind",
                "canonical_id",
            ],
        ],
        "unique": [["url"]],
    },
    "document_captures": {
        # current = 1: the capture is a page of the document's present version (older versions stay)
        "columns": {"document_id": int, "capture_id": int, "page": int, "current": int},
        "pk": ("document_id", "capture_id"),
        "indexes": [["capture_id"]],
        "unique": [],
    },
    "document_versions": {
        # earlier versions of a document, kept when its page's content changed (never overwritten)
        "columns": {
            "document_id": int,
            "version": int,
            "title": str,
            "publish_date": str,
            "text_hash": str,
            "capture_ids": str,
            "valid_from": str,
            "superseded_at": str,
            "chars": int,
            "text": str,
        },
        "pk": ("document_id", "version"),
        "indexes": [],
        "unique": [],
    },
    "crawl_runs": {
        "columns": {
            "id": int,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "exit_code": int,
            "sources": str,
            "pid": int,
            "summary": str,
            "stats": str,
            "log_file": str,
        },
        "pk": "id",
        "indexes": [],
        "unique": [],
    },
    "crawl_run_sources": {
        # one row per source of each run: the counts and the monitoring checks (``archive status``)
        "columns": {
            "run_id": int,
            "source": str,
            "status": str,
            "pages": int,
            "reports": int,
            "new": int,
            "changed": int,
            "updated": int,
            "unchanged": int,
            "not_modified": int,
            "gone": int,
            "errors": int,
            "error_rate": float,
            "jurisdiction_found": float,
            "year_found": float,
            "checks": str,
        },
        "pk": ("run_id", "source"),
        "indexes": [["source"]],
        "unique": [],
    },
    "boilerplate": {
        "columns": {"source": str, "text": str, "kind": str, "count": int, "learned_at": str},
        "pk": ("source", "text", "kind"),
        "indexes": [],
        "unique": [],
    },
}

# Migration 2: the sources the archive has crawled, as configured (archive.sourcestore)
SOURCE_TABLES: dict[str, dict] = {
    "sources": {
        # one row per source: its entry as last used (TOML text and its sha256), the file it came
        # from, its first and last crawl runs; since_*: when this entry (this digest) was first used
        "columns": {
            "key": str,
            "name": str,
            "digest": str,
            "file": str,
            "first_run": int,
            "last_run": int,
            "first_seen_at": str,
            "last_seen_at": str,
            "since_run": int,
            "since_at": str,
            "toml": str,
        },
        "pk": "key",
        "indexes": [],
        "unique": [],
    },
    "source_versions": {
        # the entries a source had before its present one: each kept when the entry changed
        "columns": {
            "id": int,
            "key": str,
            "digest": str,
            "file": str,
            "from_run": int,
            "until_run": int,
            "valid_from": str,
            "superseded_at": str,
            "toml": str,
        },
        "pk": "id",
        "indexes": [["key"]],
        "unique": [],
    },
}

# Migration 3: why each earlier version was replaced, and the metadata it had
VERSION_COLUMNS: dict[str, dict] = {
    "document_versions": {
        # reason: 'page changed', 'reprocess', 'rules upgrade', 'relearned boilerplate', …;
        # metadata: JSON of the version's DOCUMENT_FIELDS other than text (and its source)
        "columns": {"reason": str, "metadata": str},
        "pk": ("document_id", "version"),
        "indexes": [],
        "unique": [],
    },
}


def _merged(*specs: dict[str, dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for spec in specs:
        for name, table in spec.items():
            if name in out:
                out[name] = {
                    **out[name],
                    "columns": {**out[name]["columns"], **table["columns"]},
                    "indexes": out[name]["indexes"] + table["indexes"],
                    "unique": out[name]["unique"] + table["unique"],
                }
            else:
                out[name] = table
    return out


# The whole schema, once every migration ran
TABLES: dict[str, dict] = _merged(BASE_TABLES, SOURCE_TABLES, VERSION_COLUMNS)

# What a document is stored from: the keys cleaning and metadata give (the document record).
DOCUMENT_FIELDS = list(document.STORED_FROM_CLEANING)


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# An archive says what it is in its header (``PRAGMA application_id``): another application's
# SQLite file given as --db is refused, never filled with the archive's tables. Archives made before
# it was set are known by their tables, and get it on their next writable open.
APPLICATION_ID = 0x5A474247  # "ZGBG"
_ARCHIVE_TABLES = {"documents", "captures"}


class ArchiveError(Exception):
    """A file that cannot serve as the archive (not SQLite, another application's database, read
    only for a writer): its message is one line for the user; the CLI exits 2."""


class StorageFailed(Exception):
    """The archive could not be written part-way (the disk full, an I/O error): the work stopped,
    every batch committed before it is kept; the CLI exits 1."""


class NotAnArchive(ArchiveError):
    pass


class ReadOnlyArchive(ArchiveError):
    pass


def _identify(conn: sqlite3.Connection, path) -> str:
    """'archive', or 'empty' (a new or empty SQLite file); NotAnArchive for anything else."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if _is_readonly_error(exc):
            raise
        raise NotAnArchive(f"{path} is not an SQLite database ({exc}); it was left as it is") from None
    if app_id == APPLICATION_ID or (app_id == 0 and _ARCHIVE_TABLES <= tables):
        return "archive"
    if app_id == 0 and not tables:
        return "empty"
    shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
    owner = f"application id {app_id:#x}" if app_id else f"tables: {shown}"
    raise NotAnArchive(
        f"{path} is another application's SQLite database ({owner}), not an archive; it was left as it is"
    )


def _is_readonly_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and (
        "readonly" in text or "read-only" in text or "unable to open database file" in text
    )


def open_db(
    path: str | os.PathLike, *, migrate_schema: bool = True, create: bool = True
) -> sqlite_utils.Database:
    """Open the archive at ``path`` for writing: WAL mode, schema migrated. ``create``: a new or
    empty file becomes an archive (the commands that make one: crawl, import, demo); without it a
    missing file is FileNotFoundError. Another application's database or a file that is not
    SQLite: NotAnArchive; a file or folder that cannot be written: ReadOnlyArchive. Neither is
    changed."""
    path_ = Path(path)
    if not path_.exists():
        if not create:
            raise FileNotFoundError(f"no archive at {path}")
        path_.parent.mkdir(parents=True, exist_ok=True)
    elif path_.is_dir():
        raise NotAnArchive(f"{path} is a folder, not an archive file")
    try:
        conn = sqlite3.connect(str(path), timeout=30)
    except sqlite3.OperationalError as exc:
        raise ReadOnlyArchive(f"cannot open {path} for writing ({exc})") from None
    try:
        kind = _identify(conn, path)
        if kind == "empty" and not create:
            raise NotAnArchive(
                f"{path} is an empty database, not an archive: 'archive crawl' or 'archive import' makes one"
            )
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA busy_timeout = 30000")
        if migrate_schema:
            db.enable_wal()
            if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrate(db)
    except sqlite3.OperationalError as exc:
        conn.close()
        if _is_readonly_error(exc):
            raise ReadOnlyArchive(
                f"{path} is read-only ({exc}): a command that writes needs write access to the file and"
                " its folder (SQLite makes its -wal and -shm files there)"
            ) from None
        raise
    except BaseException:
        conn.close()
        raise
    return db


class ReadOnlyConnection(sqlite3.Connection):
    """A reader's connection; ``note`` says what state it reads when that is not the latest."""

    note: str | None = None


def connect_readonly(path: str | os.PathLike, *, check_same_thread: bool = True) -> ReadOnlyConnection:
    """A read-only connection to the archive at ``path`` (NotAnArchive / FileNotFoundError as
    ``open_db``). On a read-only mount or a folder this user cannot write, where SQLite cannot make
    the WAL's -shm file, the file is read as immutable: the state of its last checkpoint (a
    cleanly closed archive: everything); ``note`` then says so, and whether a -wal file holds
    newer commits that are not seen."""
    path_ = Path(path)
    if not path_.exists():
        raise FileNotFoundError(f"no archive at {path}")
    if path_.is_dir():
        raise NotAnArchive(f"{path} is a folder, not an archive file")
    uri = path_.resolve().as_uri()  # as_uri: a '?' or '#' in the path is escaped
    conn = sqlite3.connect(
        f"{uri}?mode=ro",
        uri=True,
        timeout=30,
        factory=ReadOnlyConnection,
        check_same_thread=check_same_thread,
    )
    try:
        kind = _identify(conn, path)
    except sqlite3.OperationalError as exc:
        conn.close()
        if not _is_readonly_error(exc):
            raise
        conn = sqlite3.connect(
            f"{uri}?immutable=1",
            uri=True,
            factory=ReadOnlyConnection,
            check_same_thread=check_same_thread,
        )
        kind = _identify(conn, path)
        wal = Path(f"{path}-wal")
        unseen = wal.stat().st_size if wal.exists() else 0
        conn.note = f"{path} is on a read-only file system or folder: read as of its last checkpoint" + (
            f" ({unseen:,} bytes of later commits in {wal.name} are not seen)"
            if unseen
            else " (no -wal file: that is everything committed)"
        )
    if kind == "empty":
        conn.close()
        raise NotAnArchive(f"{path} is an empty database, not an archive")
    return conn


def identify(path: str | os.PathLike) -> str | None:
    """What ``path`` is, read without changing it: None (no file), 'empty' (an empty SQLite file)
    or 'archive'; NotAnArchive for a file that is neither."""
    path_ = Path(path)
    if not path_.exists():
        return None
    if path_.is_dir():
        raise NotAnArchive(f"{path} is a folder, not an archive file")
    if path_.stat().st_size == 0:
        return "empty"
    try:
        connect_readonly(path).close()
    except NotAnArchive as exc:
        if "empty database" in str(exc):
            return "empty"
        raise
    return "archive"


def open_readonly(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open an existing archive for reading only (no lock needed); see ``connect_readonly``.
    ``db.conn.note`` says what state it reads when that is not the latest."""
    return sqlite_utils.Database(connect_readonly(path))


def ensure_tables(db: sqlite_utils.Database, tables: dict[str, dict]) -> None:
    """Create the missing tables, columns and indexes of ``tables``. Never drops or renames anything."""
    for name, spec in tables.items():
        table = db.table(name)
        if not table.exists():
            table.create(spec["columns"], pk=spec["pk"])
        else:
            have = set(table.columns_dict)
            for col, typ in spec["columns"].items():
                if col not in have:
                    table.add_column(col, typ)
        existing = {tuple(ix.columns) for ix in table.indexes}
        for cols in spec["unique"]:
            if tuple(cols) not in existing:
                table.create_index(cols, unique=True, if_not_exists=True)
                existing.add(tuple(cols))
        for cols in spec["indexes"]:
            if tuple(cols) not in existing:
                table.create_index(cols, if_not_exists=True)


def _m1_base(db) -> None:
    """The schema before numbered migrations, created where missing (any earlier archive converges on it)."""
    ensure_tables(db, BASE_TABLES)
    # the monitoring view: each source's latest run, its counts and checks (``archive status``)
    db.execute(
        "CREATE VIEW IF NOT EXISTS crawl_health AS SELECT s.source, s.run_id, r.started_at, s.status, s.reports,"
        " s.new, s.changed, s.unchanged, s.gone, s.errors, s.error_rate, s.jurisdiction_found, s.year_found,"
        " s.checks FROM crawl_run_sources s JOIN crawl_runs r ON r.id = s.run_id"
        " WHERE s.run_id = (SELECT MAX(run_id) FROM crawl_run_sources s2 WHERE s2.source = s.source)"
    )
    # the canonical-only view Datasette publishes: one row per report, duplicates left out
    db.execute(
        "CREATE VIEW IF NOT EXISTS reports AS SELECT id, title, year, province, city, admin_level, admin_code,"
        " doc_type, source, source_name, publish_date, delivery_date, session, speaker, speaker_role, pages, chars,"
        " truncated, mojibake, masked_chars, version, checked_at, gone_at, url, capture_id, text"
        " FROM documents WHERE duplicate_kind IS NULL"
    )


def _m2_sources(db) -> None:
    """``sources`` and ``source_versions``: the archive remembers how each source was configured."""
    ensure_tables(db, SOURCE_TABLES)


def _m3_version_reasons(db) -> None:
    """``document_versions.reason`` and ``.metadata``; the versions kept so far were all page changes."""
    ensure_tables(db, VERSION_COLUMNS)
    db.execute("UPDATE document_versions SET reason = 'page changed' WHERE reason IS NULL")


def _m4_crawl_health_worst_first(db) -> None:
    """``crawl_health`` worst first (failed, warn, other, ok; then error rate; then source), so the
    first page shows the problems at 3,000 sources; the index that finds each source's latest run.

    The latest run per source is a GROUP BY over crawl_run_sources(source, run_id), a covering
    index (the primary key is (run_id, source): no use for it), then a primary-key lookup per source."""
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_crawl_run_sources_source_run_id ON crawl_run_sources (source, run_id)"
    )
    db.execute("DROP VIEW IF EXISTS crawl_health")
    db.execute(
        "CREATE VIEW crawl_health AS SELECT s.source, s.run_id, r.started_at, s.status, s.reports,"
        " s.new, s.changed, s.unchanged, s.gone, s.errors, s.error_rate, s.jurisdiction_found, s.year_found,"
        " s.checks FROM (SELECT source, MAX(run_id) AS run_id FROM crawl_run_sources GROUP BY source) latest"
        " JOIN crawl_run_sources s ON s.run_id = latest.run_id AND s.source = latest.source"
        " JOIN crawl_runs r ON r.id = s.run_id"
        " ORDER BY CASE s.status WHEN 'failed' THEN 0 WHEN 'warn' THEN 1 WHEN 'ok' THEN 3 ELSE 2 END,"
        " s.error_rate DESC, s.source"
    )


# Applied in order, each once, in its own transaction; ``PRAGMA user_version`` is the number of the
# last one applied. Add new ones at the end; never edit one that has shipped.
MIGRATIONS: list[Callable] = [_m1_base, _m2_sources, _m3_version_reasons, _m4_crawl_health_worst_first]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply the migrations the archive has not had yet. Returns their numbers.

    Archives made before numbered migrations say ``user_version = 1`` whatever columns they have:
    for them migration 1 (create what is missing) runs again. Other modules' own tables (the
    duplicate index, the search index) are checked on every open, as before."""

    def due(number: int, done: int) -> bool:
        return number > done or (number == 1 and done <= 1)

    applied = []
    for number, step in enumerate(MIGRATIONS, start=1):
        if not due(number, schema_version(db)):
            continue
        if db.conn.in_transaction:
            db.commit()
        db.execute("BEGIN IMMEDIATE")  # one migrating writer at a time; the others wait, then skip
        try:
            done = schema_version(db)
            if due(number, done):
                step(db)
                db.execute(f"PRAGMA user_version = {max(number, done)}")
                applied.append(number)
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
    with db.atomic():
        ensure_schema(db)
        search.ensure_index(db)
    return applied


# captures ------------------------------------------------------------------------------------
def save_capture(
    db,
    *,
    url: str,
    requested_url: str,
    status: int,
    headers: dict,
    body: bytes,
    fetched_at: str,
    source: str,
    crawl_run_id: int | None,
    encoding: str | None = None,
    error: str | None = None,
    sniffed_type: str | None = None,
    packed: Packed | None = None,
) -> tuple[int, bool]:
    """Store one response; the same bytes at the same URL are stored once. Returns (id, new).

    ``sniffed_type``: the body's type by its magic bytes when it is a binary format (a PDF served as
    text/html), whatever ``Content-Type`` says. ``packed``: the body's hash and compressed form,
    when a cleaning worker made them (``pipelines.packing.pack``)."""
    if packed is None or len(packed.sha256) != 64:
        packed = pack(body)
    sha = packed.sha256
    row = db.execute("SELECT id FROM captures WHERE url = ? AND sha256 = ?", [url, sha]).fetchone()
    if row:
        return row[0], False
    blob, compression = packed.blob, packed.compression
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    cur = db.execute(
        "INSERT INTO captures (url, requested_url, fetched_at, status, headers, content_type, encoding,"
        " sha256, size, body, compression, source, crawl_run_id, error, sniffed_type)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            url,
            requested_url,
            fetched_at,
            status,
            json.dumps(headers, ensure_ascii=False),
            content_type,
            encoding,
            sha,
            len(body),
            blob,
            compression,
            source,
            crawl_run_id,
            error,
            sniffed_type,
        ],
    )
    return cur.lastrowid, True


# documents -----------------------------------------------------------------------------------
def document_values(cleaned: dict) -> dict:
    values = {k: cleaned.get(k) for k in DOCUMENT_FIELDS}
    values["removed"] = json.dumps(cleaned.get("removed") or [], ensure_ascii=False)
    for flag in ("truncated", "mojibake"):
        values[flag] = int(bool(values[flag])) if values[flag] is not None else None
    values["chars"] = len(cleaned.get("text") or "")
    return values


def save_document(
    db,
    *,
    url: str,
    source: str,
    cleaned: dict,
    text_hash: str,
    capture_ids: list[int],
    fetched: bool = True,
    reason: str | None = None,
) -> tuple[int, str]:
    """Insert or update (same id) the document at ``url``.

    Returns (id, state): 'new'; 'changed' when the page's content changed (other captures, other
    text); 'updated' when the same captures were cleaned differently (reprocess, new rules);
    'unchanged'. Whenever the stored text, source or any other DOCUMENT_FIELDS value changes, the
    state it replaces is kept in ``document_versions`` (text, metadata, captures, ``reason``) and
    ``version`` goes up: a cited id and version always lead to what was cited. ``reason`` says why
    ('page changed' is set whatever is passed when the captures differ; without one: 'reprocess'
    for pages re-read from the archive, 'rules upgrade' for pages fetched again).
    ``fetched``: the pages were just fetched (not re-read from the archive): the document was seen.
    A new document is its own canonical until archive.dedupe groups it. The search index is a
    step of its own (``archive.search.index_documents``), which the writer runs per batch."""
    values = document_values(cleaned)
    values.update(source=source, text_hash=text_hash, capture_id=capture_ids[0])
    cols = list(values)
    row = db.execute(
        f"SELECT id, {', '.join(cols)}, version, updated_at, first_seen_at FROM documents WHERE url = ?",
        [url],
    ).fetchone()
    now = utcnow()
    if row is None:
        values.update(url=url, first_seen_at=now, updated_at=now, checked_at=now, version=1)
        cols = list(values)
        cur = db.execute(
            f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [values[c] for c in cols],
        )
        doc_id, state = cur.lastrowid, "new"
        db.execute("UPDATE documents SET canonical_id = ? WHERE id = ?", [doc_id, doc_id])
    else:
        doc_id, old = row[0], dict(zip(cols, row[1 : len(cols) + 1], strict=True))
        version, updated_at, first_seen = row[len(cols) + 1 :]
        state = "unchanged" if old == values else "updated"
        extra = {"checked_at": now, "gone_at": None} if fetched else {}
        if state == "updated":
            current = [
                c
                for (c,) in db.execute(
                    "SELECT capture_id FROM document_captures WHERE document_id = ? AND current IS NOT 0 ORDER BY page",
                    [doc_id],
                )
            ]
            page_changed = set(current) != set(capture_ids)
            if old["text_hash"] != text_hash and page_changed:
                state = "changed"  # the page itself changed
            if any(old[c] != values[c] for c in cols if c != "capture_id"):  # what a citation quotes changed
                why = (
                    "page changed"
                    if page_changed
                    else reason or ("rules upgrade" if fetched else "reprocess")
                )
                kept = keep_version(db, doc_id, version, old, current, updated_at or first_seen, now, why)
                extra["version"] = kept + 1
            extra["updated_at"] = now
        values.update(extra)
        write = values if state != "unchanged" else extra
        if write:
            db.execute(
                f"UPDATE documents SET {', '.join(f'{c} = ?' for c in write)} WHERE id = ?",
                [*write.values(), doc_id],
            )
    for page, capture_id in enumerate(capture_ids, start=1):
        db.execute(
            "INSERT INTO document_captures (document_id, capture_id, page, current) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (document_id, capture_id) DO UPDATE SET page = excluded.page, current = 1",
            [doc_id, capture_id, page],
        )
    db.execute(
        f"UPDATE document_captures SET current = 0 WHERE document_id = ? AND current IS NOT 0"
        f" AND capture_id NOT IN ({', '.join('?' * len(capture_ids))})",
        [doc_id, *capture_ids],
    )
    return doc_id, state


def version_metadata(values: dict) -> str:
    """The JSON kept with an earlier version: its DOCUMENT_FIELDS other than text, and its source."""
    meta = {k: values.get(k) for k in DOCUMENT_FIELDS if k != "text"}
    try:
        meta["removed"] = json.loads(meta["removed"]) if meta["removed"] else []
    except (TypeError, ValueError):
        pass
    meta["source"] = values.get("source")
    return json.dumps(meta, ensure_ascii=False)


def keep_version(
    db,
    doc_id: int,
    version: int | None,
    old: dict,
    capture_ids: list[int],
    valid_from: str | None,
    superseded_at: str,
    reason: str,
) -> int:
    """Keep the document's present state (``old``: its stored values) as an earlier version; never
    overwrites a kept one. Returns the number it was kept under (the document's present version)."""
    number = version or 1
    last = db.execute(
        "SELECT MAX(version) FROM document_versions WHERE document_id = ?", [doc_id]
    ).fetchone()[0]
    if last is not None and last >= number:  # an archive whose numbers went astray: never overwrite
        number = last + 1
    db.execute(
        "INSERT INTO document_versions (document_id, version, title, publish_date, text_hash, capture_ids,"
        " valid_from, superseded_at, chars, text, reason, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            doc_id,
            number,
            old["title"],
            old["publish_date"],
            old["text_hash"],
            json.dumps(capture_ids),
            valid_from,
            superseded_at,
            old["chars"],
            old["text"],
            reason,
            version_metadata(old),
        ],
    )
    return number


def revisit_info(db, url: str) -> dict | None:
    """What the archive knows of the report page at ``url`` (requested or final URL): the
    document, its validators (ETag, Last-Modified of the stored first page) and when it was last
    checked. None for a page never archived as a document."""
    row = db.execute(
        "SELECT d.id, c.headers, COALESCE(d.checked_at, c.fetched_at), d.gone_at, d.validators, d.url"
        " FROM captures c JOIN document_captures dc ON dc.capture_id = c.id AND dc.page = 1 AND dc.current IS NOT 0"
        " JOIN documents d ON d.id = dc.document_id"
        " WHERE c.url = ? OR c.requested_url = ? ORDER BY c.id DESC LIMIT 1",
        [url, url],
    ).fetchone()
    if row is None:
        return None
    # the validators of the last 200 (a server may send new ones with the same bytes); else the capture's
    headers = {k.lower(): v for k, v in json.loads(row[4] or row[1] or "{}").items()}
    return {
        "document_id": row[0],
        "etag": headers.get("etag"),
        "last_modified": headers.get("last-modified"),
        "checked_at": row[2],
        "gone_at": row[3],
        "url": row[5],
    }


def save_validators(db, document_id: int, headers: dict) -> None:
    """Keep the ETag / Last-Modified of a document's first page as last answered with 200."""
    kept = {k: v for k, v in headers.items() if k.lower() in ("etag", "last-modified")}
    db.execute(
        "UPDATE documents SET validators = ? WHERE id = ? AND validators IS NOT ?",
        [json.dumps(kept) if kept else None, document_id, json.dumps(kept) if kept else None],
    )


def mark_checked(db, document_id: int) -> None:
    """The page answered 304 Not Modified: seen today, present."""
    db.execute("UPDATE documents SET checked_at = ?, gone_at = NULL WHERE id = ?", [utcnow(), document_id])


def mark_gone(db, url: str) -> int | None:
    """The page at ``url`` answered 404/410: its document (if any) is marked gone, never deleted.
    Returns the document's id when it was present until now."""
    info = revisit_info(db, url)
    if info is None or info["url"] != url:  # only the document's own address: an old alias may be gone
        return None
    now = utcnow()
    db.execute(
        "UPDATE documents SET gone_at = COALESCE(gone_at, ?), checked_at = ? WHERE id = ?",
        [now, now, info["document_id"]],
    )
    return info["document_id"] if info["gone_at"] is None else None


# learned boilerplate ---------------------------------------------------------------------------
def load_boilerplate(db, source: str) -> list[dict]:
    if not db.table("boilerplate").exists():
        return []
    return [
        {"text": t, "kind": k, "count": c}
        for t, k, c in db.execute(
            "SELECT text, kind, count FROM boilerplate WHERE source = ? ORDER BY count DESC", [source]
        ).fetchall()
    ]


def save_boilerplate(db, source: str, learned: list[dict]) -> None:
    with db.atomic():
        db.execute("DELETE FROM boilerplate WHERE source = ?", [source])
        now = utcnow()
        for b in learned:
            db.execute(
                "INSERT OR REPLACE INTO boilerplate (source, text, kind, count, learned_at) VALUES (?, ?, ?, ?, ?)",
                [source, b["text"], b["kind"], b["count"], now],
            )


# crawl runs ------------------------------------------------------------------------------------
def start_run(db, sources: list[str]) -> int:
    with db.atomic():
        # Any run still 'running' while we hold the lock was killed: say so.
        db.execute(
            "UPDATE crawl_runs SET status = 'killed', ended_at = COALESCE(ended_at, ?) WHERE status = 'running'",
            [utcnow()],
        )
        cur = db.execute(
            "INSERT INTO crawl_runs (started_at, status, sources, pid) VALUES (?, 'running', ?, ?)",
            [utcnow(), json.dumps(sources), os.getpid()],
        )
    return cur.lastrowid


def finish_run(db, run_id: int, *, status: str, exit_code: int, summary: str, stats: dict) -> None:
    with db.atomic():
        db.execute(
            "UPDATE crawl_runs SET ended_at = ?, status = ?, exit_code = ?, summary = ?, stats = ? WHERE id = ?",
            [
                utcnow(),
                status,
                exit_code,
                summary,
                json.dumps(stats, ensure_ascii=False, default=str),
                run_id,
            ],
        )


# one connection per process and file, shared by the crawl's pipelines -----------------------
# Several spiders run in one process (``archive crawl`` runs every source at once); they must
# write through one connection, or their batched transactions would wait on each other.
_shared: dict[str, list] = {}


def acquire_shared(path: str | os.PathLike) -> sqlite_utils.Database:
    key = str(Path(path).resolve())
    if key not in _shared:
        _shared[key] = [open_db(path), 0]
    _shared[key][1] += 1
    return _shared[key][0]


def release_shared(path: str | os.PathLike) -> None:
    key = str(Path(path).resolve())
    entry = _shared.get(key)
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        db = entry[0]
        db.commit()
        db.close()
        del _shared[key]
