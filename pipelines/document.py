"""The document record: every field of a stored document, declared once.

The ``documents`` table's columns (archive/db.py), the keys the cleaner returns
(``pipelines.cleaning.core.RESULT_KEYS``), the metadata keys (``metadata.META_KEYS``), the fields a
document is stored from (``archive.db.DOCUMENT_FIELDS``) and the keys and order of
``archive clean --json`` (``CLEAN_JSON``) and the documents columns' descriptions in Datasette
(``DESCRIPTIONS``, filled in by ``archive.publish.load_metadata``) all derive from ``FIELDS``. Order is the table's
column order (Datasette shows it; the large columns come last: SQLite keeps a row's long values
in overflow pages, and every column stored after them costs a walk through those pages).

``origin`` says who fills a field: ``cleaner`` (main-text extraction and chrome removal),
``metadata`` (jurisdiction, year… from the cleaned text), ``archive`` (the store: ids, groups,
versions, times).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Field:
    name: str
    type: type
    origin: str  # cleaner, metadata or archive
    description: str = ""  # Chinese, then English: Datasette shows it (DESCRIPTIONS below)


def _fields(origin: str, types: dict[str, type]) -> list[Field]:
    return [Field(name, t, origin) for name, t in types.items()]


_FIELDS: tuple[Field, ...] = (
    Field("id", int, "archive"),
    Field("url", str, "cleaner"),
    Field("source", str, "archive"),  # the configured source's key, or "import"
    *_fields("cleaner", {"title": str, "publish_date": str, "source_name": str}),
    *_fields(
        "metadata",
        {
            "doc_type": str,
            "province": str,
            "city": str,
            "admin_code": str,
            "admin_level": str,
            "year": int,
            "session": str,
            "speaker": str,
            "speaker_role": str,
            "delivery_date": str,
        },
    ),
    *_fields("archive", {"canonical_id": int, "duplicate_kind": str, "capture_id": int}),
    Field("pages", int, "cleaner"),
    *_fields("archive", {"chars": int, "text_hash": str}),
    *_fields("cleaner", {"encoding": str, "masked_chars": int, "truncated": int, "mojibake": int}),
    # version: 1, 2, … each time the stored state changed (older ones in document_versions);
    # checked_at: the last time the page was fetched or revalidated (304);
    # gone_at: when the page answered 404/410 (the document stays), NULL while it is there
    *_fields(
        "archive",
        {
            "first_seen_at": str,
            "updated_at": str,
            "version": int,
            "checked_at": str,
            "gone_at": str,
            "validators": str,
        },
    ),
    *_fields("cleaner", {"text": str, "removed": str}),
)

# Datasette"s column descriptions of the documents table (archive/publish.py fills them in):
# Chinese, then English
DESCRIPTIONS: dict[str, str] = {
    "id": "文档编号（永不改变，可引用） Stable document id: cite it, it never changes",
    "url": "来源网址 The page the document was taken from (first page for multi-page reports)",
    "source": "来源配置 Configured source key (or 'import')",
    "title": "标题 Title of the document",
    "publish_date": "发布日期 Date the page published it (YYYY-MM-DD)",
    "source_name": "来源 The source credited on the page (e.g. 通化日报)",
    "doc_type": "文档类型 report (work report or part of one), interpretation (解读/图解), news (news about a report), other",
    "province": "省份 Province of the delivering government (null for national reports)",
    "city": "城市/区县 Jurisdiction below the province that delivered the report",
    "admin_code": "行政区划代码 GB/T 2260 6-digit administrative division code of the delivering government",
    "admin_level": "行政级别 national, province, prefecture, county or district",
    "year": "会议年份 Session year: the year the report is delivered and plans for",
    "session": "会议 Congress session, e.g. 第十六届人民代表大会第三次会议",
    "speaker": "报告人 Who delivered the report",
    "speaker_role": "职务 Speaker's role (市长, 代市长, 县长 …)",
    "delivery_date": "报告日期 Date the report was delivered (YYYY-MM-DD)",
    "canonical_id": "规范文档编号 id of the canonical document of this document's duplicate group (its own id if canonical)",
    "duplicate_kind": "重复类型 Relation to the canonical document: null (canonical), exact, near or excerpt",
    "capture_id": "原始抓取编号 Raw capture of the first page (captures table)",
    "pages": "页数 Number of web pages the document was joined from",
    "chars": "字数 Length of the cleaned text in characters",
    "text_hash": "正文哈希 SHA-256 of the normalised text (exact-duplicate key)",
    "encoding": "字符编码 Character encoding the page was decoded with",
    "masked_chars": "屏蔽字数 Characters replaced by * by a word filter on the source page",
    "truncated": "截断 1 if the text is cut off mid-sentence",
    "mojibake": "乱码 1 if the text shows signs of wrong decoding",
    "first_seen_at": "首次收录 When the archive first stored this document (UTC)",
    "updated_at": "更新时间 When its text or capture last changed (UTC)",
    "version": "版本 1, 2, … : goes up each time the page's content changed (earlier versions in document_versions)",
    "checked_at": "最近检查 Last time the page was fetched or revalidated (UTC)",
    "gone_at": "失效时间 When the page started answering 404/410 (the document stays); null while it is online",
    "text": "正文 Cleaned main text, one paragraph per line",
    "removed": "清除内容 JSON list of every line cleaning removed, with the rule that removed it",
    "validators": "HTTP 校验信息 The ETag / Last-Modified of the first page's last 200 answer, sent back as If-None-Match / If-Modified-Since on the next crawl (JSON)",
}
FIELDS: tuple[Field, ...] = tuple(replace(f, description=DESCRIPTIONS[f.name]) for f in _FIELDS)
assert set(DESCRIPTIONS) == {f.name for f in FIELDS}, "DESCRIPTIONS vs FIELDS"

BY_NAME = {f.name: f for f in FIELDS}

# the cleaner's own keys, in the order it lays them out (``url`` first)
RESULT_KEYS: tuple[str, ...] = (
    "url",
    "title",
    "text",
    "publish_date",
    "source_name",
    "removed",
    "encoding",
    "masked_chars",
    "truncated",
    "mojibake",
    "pages",
)
META_KEYS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.origin == "metadata")
# what a document is stored from: everything cleaning and metadata give, but its address
STORED_FROM_CLEANING: tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.origin != "archive" and f.name != "url"
)
# ``archive clean --json``: the contract's keys in the contract's order (INTERFACE.md), then the rest
CLEAN_JSON: tuple[str, ...] = (
    "url",
    "title",
    "text",
    "publish_date",
    "source_name",
    "doc_type",
    "province",
    "city",
    "admin_code",
    "admin_level",
    "year",
    "removed",
)

assert set(RESULT_KEYS) == {f.name for f in FIELDS if f.origin == "cleaner"}, "RESULT_KEYS vs FIELDS"
assert set(CLEAN_JSON) <= set(BY_NAME), "CLEAN_JSON names a field FIELDS lacks"
