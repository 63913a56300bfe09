"""Reading stored raw pages back: what reprocess, learning and re-cleaning start from."""

from __future__ import annotations

import json

from archive import db as archive_db
from crawler.items import Page


def document_pages(db, doc_id: int) -> list[Page]:
    """The stored raw pages of a document's present version, in page order."""
    caps = db.execute(
        "SELECT c.url, c.requested_url, c.status, c.headers, c.body, c.compression, c.fetched_at"
        " FROM document_captures dc JOIN captures c ON c.id = dc.capture_id"
        " WHERE dc.document_id = ? AND dc.current IS NOT 0 ORDER BY dc.page, c.id",
        [doc_id],
    ).fetchall()
    return [
        Page(
            url=url,
            requested_url=requested,
            status=status,
            headers=json.loads(headers or "{}"),
            body=archive_db.decompress(body, compression),
            fetched_at=fetched,
        )
        for url, requested, status, headers, body, compression, fetched in caps
    ]
