"""Chinese full-text search: an FTS5 index of character bigrams that finds exactly the documents
containing a query — one character, a two-character word (人参, 扶贫, 棚改), a phrase, Latin and
digits mixed in — with full- and half-width forms folded.

SQLite's default tokenizer sees a run of Chinese as one word, and the trigram tokenizer cannot
look up fewer than three characters. Here each run of text between whitespace is written as the
sequence of its overlapping character pairs (``发展经济`` → ``发展 展经 济∎``, the last character
paired with an end mark), stored in a contentless FTS5 table (no prefix index: it doubled the cost of indexing, and a
one-character query is rare and fast enough as a scan of the terms that start with it):

* a query of two or more characters is the *phrase* of its pairs, which matches where, and only
  where, those characters stand next to each other: a substring match;
* a one-character query is a prefix query (``发*``): every pair that starts with it — each
  occurrence of a character starts exactly one pair, end mark included;
* several words (separated by spaces) must all occur.

Every character that FTS5's ``unicode61`` tokenizer would treat as a separator (punctuation, %,
symbols) is first mapped to a private-use character, which it keeps: ``6%`` stays searchable.
Datasette's search (``?_search=``, the table page's search box) passes queries through the SQL
function ``escape_fts``; the project's Datasette plugin replaces it with ``fts_query`` below.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import numpy as np

FTS_TABLE = "documents_fts"
# ``tokens`` depends on this code and on Python's Unicode tables (isalnum, lower): an index built
# under another version is rebuilt, never updated (a contentless 'delete' needs the exact tokens);
# version 2 dropped the one-character prefix index (prefix='1')
TOKENIZER_VERSION = f"2/unicode-{unicodedata.unidata_version}"
_END = "\U0010fffd"  # pairs the last character of a run (a private-use character: a token character)
_WIDE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDE[0x3000] = 0x20


def normalize(text: str) -> str:
    """Full-width ASCII folded to half-width, ideographic space to space, lower case — one
    character for one character, so positions in the result are positions in ``text``."""
    if text.isascii():
        return text.lower()
    return _lookup(_code_points(text), 0).tobytes().decode("utf-32-le", "surrogatepass")


def _normalize_reference(text: str) -> str:
    """``normalize`` one character at a time: what the lookup tables are built from."""
    text = text.translate(_WIDE)
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _token_char(c: str) -> str:
    """``c`` as unicode61 keeps it: letters and digits as they are, anything else as a
    private-use character (which unicode61 treats as part of a token)."""
    if c.isalnum():
        return c
    o = ord(c)
    return chr(0xF0000 + o) if o < 0xFFFE else chr(0x100000 + o % 0xFFFD)


_SPACE = re.compile(r"\s+")


def _mapped(text: str) -> list[str]:
    """The runs of ``text`` between whitespace, normalised, each character as a token character."""
    return [
        "".join(map(_token_char, run)) if not run.isalnum() else run
        for run in _SPACE.split(normalize(text))
        if run
    ]


def tokens(text: str) -> str:
    """What is indexed for ``text``: its character pairs, space-separated (each character that is
    not whitespace starts one pair: with the next character, or with the end mark at the end of
    its run). The same string as ``_tokens_reference``, from lookup tables over code points."""
    if not text:
        return ""
    mapped = _lookup(_code_points(text), 1)
    starts = np.flatnonzero(mapped != _GAP)
    if not starts.size:
        return ""
    second = np.empty_like(mapped)
    second[:-1] = mapped[1:]
    second[-1] = _GAP
    second[second == _GAP] = ord(_END)
    out = np.empty((starts.size, 3), dtype=np.uint32)
    out[:, 0] = mapped[starts]
    out[:, 1] = second[starts]
    out[:, 2] = 0x20
    return out.reshape(-1)[:-1].tobytes().decode("utf-32-le")


def _tokens_reference(text: str) -> str:
    """``tokens`` in plain Python, one character at a time (the definition the tests hold it to)."""
    out = []
    for run in [
        "".join(map(_token_char, run)) if not run.isalnum() else run
        for run in _SPACE.split(_normalize_reference(text))
        if run
    ]:
        out.extend(a + b for a, b in zip(run, run[1:], strict=False))
        out.append(run[-1] + _END)
    return " ".join(out)


# Lookup tables over the Basic Multilingual Plane, built once from the functions above: row 0 is
# each code point normalised, row 1 its token character, or _GAP for whitespace (which separates
# runs). Characters beyond the BMP (rare: Extension B ideographs, emoji) go through the functions.
_GAP = 0xFFFFFFFF


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@functools.cache
def _tables() -> np.ndarray:
    bmp = "".join(map(chr, range(0x10000)))
    norm = _normalize_reference(bmp)  # one character for one character
    table = np.empty((2, 0x10000), dtype=np.uint32)
    table[0] = _code_points(norm)
    table[1] = _code_points("".join(map(_token_char, norm)))
    for m in _SPACE.finditer(norm):
        table[1, m.start() : m.end()] = _GAP
    table.setflags(write=False)
    return table


def _astral(o: int, row: int) -> int:
    c = _normalize_reference(chr(o))
    if row == 0:
        return ord(c)
    return _GAP if _SPACE.match(c) else ord(_token_char(c))


def _lookup(cps: np.ndarray, row: int) -> np.ndarray:
    """Row ``row`` of the tables for each code point (a new array)."""
    out = _tables()[row][cps & 0xFFFF]
    far = np.flatnonzero(cps > 0xFFFF)
    if far.size:
        values, where = np.unique(cps[far], return_inverse=True)
        out[far] = np.array([_astral(int(o), row) for o in values], dtype=np.uint32)[where]
    return out


def fts_query(query: str | None) -> str:
    """The FTS5 expression that matches exactly the documents containing every word of ``query``
    (words are separated by spaces). An empty query matches nothing."""
    parts = []
    for run in _mapped(query or ""):
        if len(run) == 1:
            parts.append(f'"{run}"*')
        else:
            parts.append('"' + " ".join(a + b for a, b in zip(run, run[1:], strict=False)) + '"')
    return " AND ".join(parts) if parts else '"' + _END + _END + '"'


def words(query: str | None) -> list[str]:
    """The query's words, normalised (what ``highlight`` looks for)."""
    return [w for w in _SPACE.split(normalize(query or "")) if w]


# the index ---------------------------------------------------------------------------------------
# ``documents_fts`` is contentless (the text is not stored twice), so taking a document out needs
# the very text it was indexed with; ``search_indexed`` keeps a digest of it per document, so an
# update never deletes what was not indexed (which would corrupt the index).
def ensure_index(db) -> None:
    """Create the index if it is missing; fill it when it is not the current tokenizer's."""
    _create(db)
    if index_version(db) != TOKENIZER_VERSION:
        if db.execute("SELECT 1 FROM documents LIMIT 1").fetchone():
            import logging

            logging.getLogger(__name__).warning("building the search index (once, after an upgrade)")
            rebuild(db)
        else:
            _set_version(db)


def _create(db) -> None:
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(text, content='',"
        " tokenize='unicode61 remove_diacritics 0')"
    )
    db.execute("CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS search_indexed (doc_id INTEGER PRIMARY KEY, digest TEXT)")


def _set_version(db) -> None:
    db.execute(
        "INSERT OR REPLACE INTO search_meta (key, value) VALUES ('tokenizer_version', ?)",
        [str(TOKENIZER_VERSION)],
    )


def index_version(db) -> str | None:
    row = db.execute("SELECT value FROM search_meta WHERE key = 'tokenizer_version'").fetchone()
    return row[0] if row else None


def _digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def index_document(db, doc_id: int, old_text: str | None, new_text: str | None) -> None:
    """Keep the index up to date when a document is stored (``old_text`` None: a new one)."""
    new_text = new_text or ""
    row = db.execute("SELECT digest FROM search_indexed WHERE doc_id = ?", [doc_id]).fetchone()
    if row is not None:
        if row[0] == _digest(new_text):
            return
        if old_text is None or row[0] != _digest(old_text):  # what was indexed is unknown: start over
            rebuild(db)
            return
        db.execute(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, text) VALUES ('delete', ?, ?)",
            [doc_id, tokens(old_text)],
        )
    db.execute(f"INSERT INTO {FTS_TABLE} (rowid, text) VALUES (?, ?)", [doc_id, tokens(new_text)])
    db.execute(
        "INSERT OR REPLACE INTO search_indexed (doc_id, digest) VALUES (?, ?)", [doc_id, _digest(new_text)]
    )


def unindexed(db) -> list[int]:
    """Ids (in order) of the documents with no row in ``search_indexed``: stored by a run whose
    index step failed. (A text changed without its index is found by ``index_documents`` only
    when the document is stored again, or by ``archive index``.)"""
    return [
        doc_id
        for (doc_id,) in db.execute(
            "SELECT d.id FROM documents d LEFT JOIN search_indexed s ON s.doc_id = d.id"
            " WHERE s.doc_id IS NULL ORDER BY d.id"
        )
    ]


def index_documents(db, doc_ids: Iterable[int], *, batch: int = 500) -> int:
    """Bring the index up to date for the documents ``doc_ids`` in one go (the writer calls it
    before each commit with the documents stored since the last). A document whose text is not the
    text it was indexed with has its old pairs taken out — that text is found among its earlier
    versions (``document_versions``) by its digest — and its new ones put in; when the indexed
    text is in none of them, the whole index is rebuilt (``rebuild``). Ids that are not (or no
    longer) documents are left alone. Returns how many documents were (re)indexed."""
    ids = sorted(set(doc_ids))
    done = 0
    for i in range(0, len(ids), batch):
        chunk = ids[i : i + batch]
        marks = ", ".join("?" * len(chunk))
        stale = []  # (id, text, digest of text, digest indexed or None)
        for doc_id, text, indexed in db.execute(
            f"SELECT d.id, d.text, s.digest FROM documents d LEFT JOIN search_indexed s ON s.doc_id = d.id"
            f" WHERE d.id IN ({marks})",
            chunk,
        ):
            text = text or ""
            digest = _digest(text)
            if digest != indexed:
                stale.append((doc_id, text, digest, indexed))
        if not stale:
            continue
        wanted = {(doc_id, indexed) for doc_id, _, _, indexed in stale if indexed is not None}
        old = {}
        if wanted:
            olds = [doc_id for doc_id, _ in wanted]
            for doc_id, text in db.execute(
                f"SELECT document_id, text FROM document_versions WHERE document_id IN"
                f" ({', '.join('?' * len(olds))}) ORDER BY document_id, version DESC",
                olds,
            ):
                text = text or ""
                if doc_id not in old and (doc_id, _digest(text)) in wanted:
                    old[doc_id] = text
            if len(old) < len(wanted):  # what was indexed is unknown: start over
                return rebuild(db)
        db.conn.executemany(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, text) VALUES ('delete', ?, ?)",
            ((doc_id, tokens(text)) for doc_id, text in old.items()),
        )
        db.conn.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, text) VALUES (?, ?)",
            ((doc_id, tokens(text)) for doc_id, text, _, _ in stale),
        )
        db.conn.executemany(
            "INSERT OR REPLACE INTO search_indexed (doc_id, digest) VALUES (?, ?)",
            ((doc_id, digest) for doc_id, _, digest, _ in stale),
        )
        done += len(stale)
    return done


def rebuild(db, progress=None, batch: int = 500) -> int:
    """Index every document anew. Returns how many were indexed."""
    db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    db.execute("DROP TABLE IF EXISTS search_indexed")
    _create(db)
    n = 0
    ids = [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    for i in range(0, len(ids), batch):
        chunk = ids[i : i + batch]
        rows = [
            (doc_id, text or "")
            for doc_id, text in db.execute(
                f"SELECT id, text FROM documents WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
        ]
        db.conn.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, text) VALUES (?, ?)",
            ((doc_id, tokens(text)) for doc_id, text in rows),
        )
        db.conn.executemany(
            "INSERT INTO search_indexed (doc_id, digest) VALUES (?, ?)",
            ((doc_id, _digest(text)) for doc_id, text in rows),
        )
        n += len(rows)
        if progress:
            progress(len(chunk))
    db.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
    _set_version(db)
    return n


# the words of one query: each is a phrase (or, for one character, a prefix) lookup whose doclists
# FTS5 merges with the others', so the cost adds up word by word (100 one-character words: 17 s
# over 50,000 documents); ten is more than a person types
MAX_WORDS = 10


def search_all(db, query: str) -> list[tuple[int, float, bool]]:
    """Every document matching ``query`` as (id, bm25, canonical), best first (bm25, then id): one
    evaluation of the FTS5 expression gives a page of results, their number and the number with
    or without the other copies (``search`` evaluates it once for each)."""
    rows = db.execute(
        f"SELECT f.rowid, bm25({FTS_TABLE}), d.duplicate_kind IS NULL FROM {FTS_TABLE} f"
        f" JOIN documents d ON d.id = f.rowid WHERE {FTS_TABLE} MATCH ?",
        [fts_query(query)],
    ).fetchall()
    rows.sort(key=lambda r: (r[1], r[0]))
    return [(doc_id, rank, bool(canonical)) for doc_id, rank, canonical in rows]


def search(
    db, query: str, *, limit: int = 20, offset: int = 0, canonical_only: bool = False
) -> tuple[int, list]:
    """(number of matching documents, [(id, rank)] of one page, best first: bm25)."""
    match = fts_query(query)
    where = " AND d.duplicate_kind IS NULL" if canonical_only else ""
    total = db.execute(
        f"SELECT COUNT(*) FROM {FTS_TABLE} f JOIN documents d ON d.id = f.rowid"
        f" WHERE {FTS_TABLE} MATCH ?{where}",
        [match],
    ).fetchone()[0]
    rows = db.execute(
        f"SELECT f.rowid, bm25({FTS_TABLE}) AS r FROM {FTS_TABLE} f JOIN documents d ON d.id = f.rowid"
        f" WHERE {FTS_TABLE} MATCH ?{where} ORDER BY r, f.rowid LIMIT ? OFFSET ?",
        [match, limit, offset],
    ).fetchall()
    return total, rows


_SPANS_PER_WORD = 200


def highlight(
    text: str, query_words: Iterable[str], *, width: int = 60, most: int = 3
) -> list[list[tuple[str, bool]]]:
    """Up to ``most`` passages of ``text`` around the words, as [(piece, is_match)] lists, for
    the search page to escape and mark up. Matching is on the normalised text (full/half width,
    case), so what is marked is what the index found. The work is bounded whatever the text and
    the words: a passage is about ``4 * width`` characters at most (common one-character words
    would otherwise stretch it over the whole text), and each word is looked for at its first
    ``_SPANS_PER_WORD`` places only (the passages are the first ones)."""
    norm = normalize(text)
    spans = []
    for w in query_words:
        start, found = norm.find(w), 0
        while start != -1 and found < _SPANS_PER_WORD:
            spans.append((start, start + len(w)))
            found += 1
            start = norm.find(w, start + len(w))
    if not spans:
        return []
    spans.sort()
    passages, i = [], 0
    while i < len(spans) and len(passages) < most:
        lo = max(0, spans[i][0] - width)
        hi = min(len(text), spans[i][1] + width)
        pieces, pos = [], lo
        while i < len(spans) and spans[i][0] < hi:
            a, b = spans[i]
            if a >= pos:
                pieces.append((text[pos:a], False))
                pieces.append((text[a:b], True))
                pos = b
                hi = min(len(text), max(hi, b + width // 2), lo + 4 * width + (b - a))
            i += 1
        pieces.append((text[pos:hi], False))
        if lo > 0:
            pieces.insert(0, ("…", False))
        if hi < len(text):
            pieces.append(("…", False))
        passages.append([(p.replace("\n", " "), m) for p, m in pieces if p])
    return passages
