"""Learning a source's chrome during the crawl, and re-cleaning only what it changes.

Boilerplate (``pipelines.cleaning.learn_boilerplate``) is learned from the *context* of a
source's stored pages: the lines around each page's text and the text's edges, which the cleaner
returns with every document (``clean_document(with_context=True)``) and the writer keeps in
``document_context``; learning reads those rows, no page is parsed again. When the learned set
changes, only the documents that hold a line that entered or left it are re-cleaned
(``affected``): a line can only be removed from, or given back to, a text that contains it.
``learning_state`` says which sources have documents stored since they were last learned to the
end of a run, so a run killed before its end-of-crawl learning is made up for by the next.
"""

from __future__ import annotations

import json

from archive import db as archive_db
from archive.captures import document_pages
from pipelines.cleaning import RawPage, cleaning_options, learn_boilerplate, page_context
from pipelines.cleaning.normalize import norm_key

SAMPLE = 300  # learned from the newest distinct texts of a source
# a source's first crawl relearns when it has stored this many documents, then at the end
RELEARN_AT = (3, 10, 30, 100, 300)

# per document: the context its cleaning returned, and the clean key of what it was cleaned
# from (pipelines.extract.clean_key: rules, options, learned chrome, page bytes)
CONTEXT_TABLE = """CREATE TABLE IF NOT EXISTS document_context (
    document_id INTEGER PRIMARY KEY, lines TEXT, clean_key TEXT)"""


# per source: when its chrome was last learned at the end of a run, from how many documents, and
# whether documents were stored since (``stale``: set in the transaction that stores them, so a run
# killed before its end-of-crawl learning leaves it set, and the next run learns the source)
STATE_TABLE = """CREATE TABLE IF NOT EXISTS learning_state (
    source TEXT PRIMARY KEY, learned_at TEXT, documents INTEGER, stale INTEGER NOT NULL DEFAULT 0)"""


def ensure_schema(db) -> None:
    db.execute(CONTEXT_TABLE)
    db.execute(STATE_TABLE)


def mark_stale(db, source: str) -> None:
    """Documents of ``source`` were stored or changed: what was learned of it is due again."""
    db.execute(
        "INSERT INTO learning_state (source, stale) VALUES (?, 1) ON CONFLICT (source) DO UPDATE SET stale = 1",
        [source],
    )


def mark_learned(db, source: str) -> None:
    """``source`` was learned from all its stored documents."""
    (n,) = db.execute("SELECT COUNT(*) FROM documents WHERE source = ?", [source]).fetchone()
    db.execute(
        "INSERT OR REPLACE INTO learning_state (source, learned_at, documents, stale) VALUES (?, ?, ?, 0)",
        [source, archive_db.utcnow(), n],
    )


def stale_sources(db) -> set[str]:
    """Sources with documents stored since they were last learned: marked stale, or with
    documents but never learned to the end (archives from before ``learning_state``)."""
    return {
        key
        for (key,) in db.execute(
            "SELECT source FROM learning_state WHERE stale = 1 UNION"
            " SELECT d.source FROM (SELECT DISTINCT source FROM documents) d"
            " WHERE NOT EXISTS (SELECT 1 FROM learning_state s WHERE s.source = d.source)"
        )
    }


def save_context(db, document_id: int, lines: list[str], clean_key: str | None = None) -> None:
    db.execute(
        "INSERT OR REPLACE INTO document_context (document_id, lines, clean_key) VALUES (?, ?, ?)",
        [document_id, json.dumps(lines, ensure_ascii=False), clean_key],
    )


def clean_key_of(conn, document_id: int) -> str | None:
    """The clean key a document's present text was made with (None: unknown)."""
    row = conn.execute(
        "SELECT clean_key FROM document_context WHERE document_id = ?", [document_id]
    ).fetchone()
    return row[0] if row else None


def _contexts(db, source: str, source_config) -> list[list[str]]:
    """The context of the newest SAMPLE distinct texts of ``source``; a document stored before
    contexts were kept gets its context made once from its raw pages (and saved)."""
    rows = db.execute(
        "SELECT d.id, c.lines FROM (SELECT MIN(id) AS id FROM documents WHERE source = ? GROUP BY text_hash"
        " ORDER BY MIN(id) DESC LIMIT ?) d LEFT JOIN document_context c ON c.document_id = d.id",
        [source, SAMPLE],
    ).fetchall()
    out = []
    for doc_id, lines in rows:
        if lines is None:
            pages = [p for p in document_pages(db, doc_id) if p.ok]
            if not pages:
                continue
            made = page_context(
                [RawPage(p.body, p.url, p.content_type) for p in pages], **cleaning_options(source_config)
            )
            save_context(db, doc_id, made)
            out.append(made)
        else:
            out.append(json.loads(lines))
    return out


def relearn(db, source: str, source_config=None) -> tuple[list[dict], set[tuple[str, str]]] | None:
    """Learn ``source``'s chrome again from its stored contexts and save it. Returns (the learned
    set, the (text, kind) entries that entered or left it), or None when nothing changed."""
    learned = learn_boilerplate(_contexts(db, source, source_config))
    before = {(b["text"], b["kind"]) for b in archive_db.load_boilerplate(db, source)}
    after = {(b["text"], b["kind"]) for b in learned}
    if before == after:
        return None
    archive_db.save_boilerplate(db, source, learned)
    return learned, before ^ after


def affected(db, source: str, delta: set[tuple[str, str]]) -> list[int]:
    """Ids of ``source``'s documents holding a line or glued string of ``delta`` in their text or
    among the lines cleaning removed from them: the only ones a change of the learned set can
    change. A superset (containment, whitespace-blind), never missing one."""
    keys = {norm_key(text) for text, kind in delta if kind == "line"} - {""}
    glued = {text.strip() for text, kind in delta if kind == "glued"} - {""}
    out = []
    for doc_id, text, removed in db.execute(
        "SELECT id, text, removed FROM documents WHERE source = ?", [source]
    ):
        lines = [r.get("line") or "" for r in json.loads(removed or "[]")]
        raw = (text or "") + "\n" + "\n".join(lines)
        if glued and any(g in raw for g in glued):
            out.append(doc_id)
            continue
        if keys:
            flat = norm_key(raw)
            if any(k in flat for k in keys):
                out.append(doc_id)
    return out
