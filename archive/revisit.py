"""The archive's answer to the spider's revisit question (``crawler.revisit``).

A read-only connection of its own: the spider never writes, and reads what the writer has
committed. An archive mid-migration or not yet created knows nothing (every page is fetched).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from archive.db import revisit_info
from archive.learning import clean_key_of

logger = logging.getLogger(__name__)


class ArchiveRevisit:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("ARCHIVE_DB") or "archive.db")

    def known(self, url: str) -> dict | None:
        if self._conn is None:
            if not self.path.exists():
                return None
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            known = revisit_info(self._conn, url)
            if known is not None:  # what its text was cleaned from: the same again is not re-cleaned
                known["clean_key"] = clean_key_of(self._conn, known["document_id"])
            return known
        except sqlite3.Error as exc:  # an archive of an older schema, mid-migration: fetch it all
            logger.warning("cannot read what the archive has of %s: %s", url, exc)
            return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
