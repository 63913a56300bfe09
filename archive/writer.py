"""The one writer of a crawl: stores each item, then runs the steps after the store, in order.

An item pipeline (``ITEM_PIPELINES``, after ``pipelines.extract``) holding the archive's one
connection. For each item: its raw captures and its document are stored (``store_item``, in a
savepoint: an item that fails half-way leaves nothing behind); then the named steps run on the
stored document — ``dedupe`` (its duplicate group, per item) and ``index`` (the search index, in
one batch before each commit). Writes are committed every ``ARCHIVE_BATCH_SIZE`` items.

It also learns each source's chrome as the crawl goes (``archive.learning``): on a source's first
crawl after its 3rd, 10th, 30th… stored document, and at the end for every source that changed;
when what was learned changes, only the documents that hold a line that entered or left the
learned set are re-cleaned, never the whole source.

What a run left undone (killed before its end-of-crawl learning, a step that failed, a crawl
with ``DEDUP_ENABLED = False``) the next run completes (``_heal``): at its start the documents
without a duplicate group or a search-index row go through those steps, before its own; at its
end every source stored since it was last learned (``learning_state``) is learned, even when
nothing new came.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from archive import db as archive_db
from archive import learning, search
from archive.captures import document_pages
from archive.dedupe import Deduper, unsketched
from archive.sourcestore import official_keys
from crawler.items import ReportItem
from pipelines.cleaning import text_hash
from pipelines.extract import extract_item
from pipelines.stats import count

logger = logging.getLogger(__name__)


class LearnedChrome:
    """What was learned of each source's chrome, loaded once per source (``ExtractPipeline``
    reads it through ``crawler.learned_chrome``)."""

    def __init__(self, db):
        self.db = db
        self._by_source: dict[str, list[dict]] = {}
        self._versions: dict[str, int] = {}

    def get(self, source: str) -> list[dict]:
        learned = self._by_source.get(source)
        if learned is None:
            learned = self._by_source[source] = archive_db.load_boilerplate(self.db, source)
        return learned

    def version(self, source: str) -> int:
        """How many times the source's learned set changed during this crawl."""
        return self._versions.get(source, 0)

    def set(self, source: str, learned: list[dict]) -> None:
        self._by_source[source] = learned
        self._versions[source] = self.version(source) + 1


def store_item(db, item, *, run_id: int | None, stats, reason: str | None = None) -> str | None:
    """Store an item's captures and (unless skipped) its document. Returns the document's state
    ('new', 'changed', 'updated', 'unchanged'; 'gone' when its page answered 404/410) or None."""
    key = item.source
    if item.cleaned and not item.skip_reason:
        item.text_hash = item.cleaned.get("text_hash") or text_hash(item.cleaned["text"])
    if item.not_modified:  # 304: nothing new to store, the document was seen
        archive_db.mark_checked(db, item.not_modified)
        count(stats, key, "archive/documents_not_modified")
        return None
    state = None
    with db.atomic():
        encoding = (item.cleaned or {}).get("encoding")
        capture_ids = []
        for page in item.pages:
            cid, new = archive_db.save_capture(
                db,
                url=page.url,
                requested_url=page.requested_url,
                status=page.status,
                headers=page.headers,
                body=page.body,
                fetched_at=page.fetched_at,
                source=key,
                crawl_run_id=run_id,
                encoding=encoding if page.ok else None,
                error=page.error,
                sniffed_type=page.sniffed_type,
                packed=page.packed,
            )
            page.packed = None  # stored: the compressed copy is not kept with the item
            capture_ids.append(cid)
            if not item.offline:
                count(stats, key, "archive/captures_new" if new else "archive/captures_seen")
        if not item.skip_reason and item.cleaned:
            extra = {"reason": reason} if reason else {}
            doc_id, state = archive_db.save_document(
                db,
                url=item.pages[0].url,
                source=key,
                cleaned=item.cleaned,
                text_hash=item.text_hash,
                capture_ids=capture_ids,
                fetched=not item.offline,
                **extra,
            )
            item.document_id = doc_id
            if "context" in item.cleaned:
                learning.save_context(db, doc_id, item.cleaned["context"], item.cleaned.get("clean_key"))
            if not item.offline:
                archive_db.save_validators(db, doc_id, item.pages[0].headers)
        elif item.skip_reason == "unchanged" and item.known_document is not None:
            # the same bytes, rules and learned chrome as the stored text: seen, not cleaned again
            archive_db.mark_checked(db, item.known_document)
            archive_db.save_validators(db, item.known_document, item.pages[0].headers)
            item.document_id, state = item.known_document, "unchanged"
        elif len(item.pages) == 1 and item.pages[0].status in (404, 410):
            # an archived report's page is gone: the document stays, marked gone with the date
            for url in dict.fromkeys((item.pages[0].requested_url, item.pages[0].url)):
                if archive_db.mark_gone(db, url) is not None:
                    state = "gone"
                    break
    if state is not None:
        count(stats, key, f"archive/documents_{state}")
    return state


class IndexStep:
    """The search index, brought up to date for the batch's changed documents before a commit
    (outside the items' savepoints: FTS5 flushes its pending terms at every savepoint)."""

    name = "index"

    def __init__(self, db):
        self.db = db
        self.pending: set[int] = set()

    def add(self, item, state: str) -> None:
        if item.document_id is not None and state in ("new", "changed", "updated"):
            self.pending.add(item.document_id)

    def flush(self) -> list[tuple[str, str]]:
        if self.pending:
            # 50 texts at a time in memory, all in the one transaction; one savepoint for the
            # batch: an index write that fails half-way leaves no pairs without their digest row
            with self.db.atomic():
                search.index_documents(self.db, sorted(self.pending), batch=50)
            self.pending.clear()
        return []

    def add_ids(self, ids: list[int]) -> None:
        self.pending.update(ids)

    def clear(self) -> None:
        self.pending.clear()

    def left_undone(self) -> list[int]:
        """Documents without an index row (stored by a run whose index step failed)."""
        return search.unindexed(self.db)


class DedupeStep:
    """Each stored document in its duplicate group (exact, near, excerpt), matched against the
    whole archive, once per batch (``Deduper.add_many``: the same groups as one by one, with the
    index read and written once). ``DEDUP_ENABLED = False`` leaves grouping to ``archive dedupe``."""

    name = "dedupe"

    def __init__(self, db, official_sources: set[str]):
        self.db = db
        # a crawl checks each newcomer against few candidates: a small cache of their hashes
        self.deduper = Deduper(db, official_sources=official_sources, cache_size=64)
        # document id → its source: ids only, never the items (a batch of items holds their pages
        # and texts: 200 of them were 13 MB of a crawl's peak memory)
        self.pending: dict[int, str] = {}
        self.sketches: dict[int, tuple] = {}  # document id → the sketch a cleaning worker made

    def add(self, item, state: str) -> None:
        if item.document_id is None or state == "unchanged":  # its group was decided when it was stored
            return
        self.pending[item.document_id] = item.source
        if item.sketch is not None:
            self.sketches[item.document_id] = item.sketch
        else:
            self.sketches.pop(item.document_id, None)

    def flush(self) -> list[tuple[str, str]]:
        """Group the batch's documents; the (source, stat) pairs to count."""
        if not self.pending:
            return []
        with self.db.atomic():  # a savepoint: a regrouping that fails half-way is rolled back
            groups = self.deduper.add_many(list(self.pending), sketches=self.sketches)
        counts = [
            (source, f"archive/duplicates/{groups[doc_id][1]}")
            for doc_id, source in self.pending.items()
            if groups[doc_id][1]
        ]
        self.clear()
        return counts

    def add_ids(self, ids: list[int]) -> None:
        self.pending.update(dict.fromkeys(ids))  # no source: not counted as this run's duplicates

    def clear(self) -> None:
        self.pending.clear()
        self.sketches.clear()

    def left_undone(self) -> list[int]:
        """Documents not grouped for their present text (stored by a run whose grouping failed,
        or with ``DEDUP_ENABLED = False``)."""
        return unsketched(self.db)


class ArchiveWriter:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = settings.get("ARCHIVE_DB")
        self.run_id = settings.getint("ARCHIVE_CRAWL_RUN_ID") or None
        self.batch_size = max(1, settings.getint("ARCHIVE_BATCH_SIZE", 200))
        self.dedupe = settings.getbool("DEDUP_ENABLED", True)
        self.learn = settings.getbool("ARCHIVE_LEARN", True)
        self.db = archive_db.acquire_shared(self.db_path)
        # WAL: a commit is safe from a crash of the process without waiting for the disk (only a
        # power cut may lose the last transactions, never corrupt the file)
        self.db.execute("PRAGMA synchronous = NORMAL")
        # fewer, larger checkpoints: the pages a crawl rewrites again and again (the search index's
        # and the dedupe index's) are copied into the database file once per ~40 MB of log, not
        # once per 4 MB (SQLite's default)
        self.db.execute("PRAGMA wal_autocheckpoint = 10000")
        learning.ensure_schema(self.db)
        self.db.commit()
        self.learned = LearnedChrome(self.db)
        crawler.learned_chrome = self.learned  # what pipelines.extract cleans with
        self.sources: dict = {}
        self.steps: list = []
        self.pending = 0
        self.stored: dict[str, int] = {}  # documents of each source in the archive (relearning)
        self.changed_sources: set[str] = set()
        self.seen_sources: set[str] = set()  # sources this run had items of
        self.marked_stale: set[str] = set()  # sources this run marked in learning_state
        self.stale_sources: set[str] = set()  # sources earlier runs stored but did not learn to the end
        self.fatal: str | None = None  # why the archive cannot be written (the crawl stops)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.sources = getattr(self.crawler.spider, "sources", None) or {}
        self.steps = self._make_steps()
        try:
            self._heal()
        except (sqlite3.OperationalError, OSError) as exc:
            self._stop(exc)

    def _heal(self, chunk: int = 500) -> None:
        """Complete what earlier runs left undone: each step for the documents that lack its
        record, in id order (the order ``archive dedupe`` groups in) and before this run's own,
        ``chunk`` documents per commit; and note the sources due to be learned at the end."""
        if self.learn:
            self.stale_sources = learning.stale_sources(self.db)
        for step in self.steps:
            ids = step.left_undone()
            if not ids:
                continue
            logger.info(
                "%d documents were stored without the %s step (a run stopped or failed): completing it",
                len(ids),
                step.name,
            )
            for i in range(0, len(ids), chunk):
                step.add_ids(ids[i : i + chunk])
                self._flush(counted=False)
            self.stats.inc_value(f"archive/healed/{step.name}", len(ids))

    def _make_steps(self) -> list:
        """The steps after the store, in the order they run."""
        steps = []
        if self.dedupe:
            # official: as configured, and as the archive recorded for the sources it has crawled
            steps.append(DedupeStep(self.db, official_keys(self.db, self.sources)))
        steps.append(IndexStep(self.db))
        return steps

    def close_spider(self):
        try:
            if self.fatal is None:
                try:
                    if self.learn:
                        # this run's changed sources, and those earlier runs stored but did not learn
                        seen = set(self.sources) | self.seen_sources
                        for key in sorted(self.changed_sources | (self.stale_sources & seen)):
                            if self._relearn(key):
                                learning.mark_learned(self.db, key)
                    self._flush()
                except (sqlite3.OperationalError, OSError) as exc:
                    self._stop(exc)
        finally:
            try:
                archive_db.release_shared(self.db_path)
            except (sqlite3.Error, OSError) as exc:
                self._stop(exc)

    def process_item(self, item):
        if self.fatal is not None:  # the archive cannot be written: the crawl is being stopped
            count(self.stats, item.source, "archive/not_stored")
            return item
        try:
            return self._store(item)
        except (sqlite3.OperationalError, OSError) as exc:
            self._stop(exc)
            count(self.stats, item.source, "archive/not_stored")
            return item

    def _stop(self, exc: BaseException) -> None:
        """The archive cannot be written (the disk is full, the file became read-only, I/O
        errors): what the open batch held is rolled back — every committed batch stays — and the
        crawl is stopped, with the reason in its stats (``archive/fatal``) for its run record."""
        if self.fatal is None:
            self.fatal = f"{exc.__class__.__name__}: {exc}"
            self.stats.set_value("archive/fatal", self.fatal)
            logger.error("the archive cannot be written, stopping the crawl: %s", self.fatal)
            engine = getattr(self.crawler, "engine", None)
            if engine is not None and getattr(engine, "spider", None) is not None:
                asyncio.ensure_future(engine.close_spider_async(reason="archive_error"))
        try:
            if self.db.conn.in_transaction:
                self.db.conn.rollback()
        except sqlite3.Error:
            pass

    def _store(self, item):
        db = self.db
        if not db.conn.in_transaction:
            db.begin()
        key = item.source
        self.seen_sources.add(key)
        if (
            item.cleaned
            and item.learned_version is not None
            and item.learned_version != self.learned.version(key)
        ):
            # cleaned (in a worker) with the learned set a relearn has since replaced: again, now
            item.cleaned = item.skip_reason = None
            extract_item(item, source=self.sources.get(key), learned=self.learned.get(key))
        # the sketch a worker made of this text (gone if the text was cleaned again above)
        item.sketch = item.cleaned.pop("sketch", None) if item.cleaned else None
        state = store_item(db, item, run_id=self.run_id, stats=self.stats)
        self._after_store(item, state)
        item.sketch = None
        if state in ("new", "changed") and key not in self.marked_stale:
            # in the documents' transaction: learned again at this run's end, or at the next's
            learning.mark_stale(db, key)
            self.marked_stale.add(key)
        if state in ("new", "changed") and self.learn:
            self.changed_sources.add(key)
            n = self.stored.get(key)
            if n is None:
                n = db.execute("SELECT COUNT(*) FROM documents WHERE source = ?", [key]).fetchone()[0]
            elif state == "new":
                n += 1
            self.stored[key] = n
            if state == "new" and n in learning.RELEARN_AT:
                self._relearn(key)
        self.pending += 1
        if self.pending >= self.batch_size:
            self._flush()
        return item

    def _after_store(self, item, state: str | None) -> None:
        for step in self.steps:
            step.add(item, state)

    def _flush(self, counted: bool = True) -> None:
        """The batch's steps, then its commit. A step that fails (but for the archive being
        unwritable: ``_stop``) is logged, and its documents are committed without its record:
        the next run's start completes them (``_heal``)."""
        counts = []
        for step in self.steps:
            try:
                counts.extend(step.flush())
            except (sqlite3.OperationalError, OSError):
                raise
            except Exception:
                logger.exception(
                    "the %s step failed for %d documents: they are stored, the next run completes the step",
                    step.name,
                    len(step.pending),
                )
                self.stats.inc_value(f"archive/step_failed/{step.name}")
                step.clear()
        self.db.commit()
        self.pending = 0
        if counted:
            self._count(counts)

    def _count(self, counts: list[tuple[str, str]]) -> None:
        for source, stat in counts:
            count(self.stats, source, stat)

    def _relearn(self, key: str) -> bool:
        """Learn ``key``'s chrome again; re-clean the documents the change can affect. False
        when it cannot be learned here (no configuration)."""
        config = self.sources.get(key)
        if key != "import" and config is None:
            return False  # a source without its configuration is never re-cleaned
        result = learning.relearn(self.db, key, config)
        if result is None:
            return True
        learned, delta = result
        self.learned.set(key, learned)
        count(self.stats, key, "archive/boilerplate_relearned")
        for doc_id in learning.affected(self.db, key, delta):
            item = ReportItem(source=key, pages=document_pages(self.db, doc_id), offline=True)
            extract_item(item, source=config, learned=learned)
            state = store_item(
                self.db, item, run_id=self.run_id, stats=_Quiet(), reason="relearned boilerplate"
            )
            if state in ("updated", "changed"):
                count(self.stats, key, "archive/documents_recleaned")
            self._after_store(item, state)
        return True


class _Quiet:
    """Stats that are not counted: a re-clean is not a crawled page."""

    def inc_value(self, key, count=1, start=0):
        pass
