"""Chinese full-text search in Datasette's own search box and ``?_search=``.

Datasette filters a table with ``rowid IN (SELECT rowid FROM <fts> WHERE <fts> MATCH
escape_fts(:search))``. This plugin registers ``escape_fts`` again, after Datasette's own, as
``archive.search.fts_query``: the query becomes the phrase of its character pairs, which the
archive's bigram index (``documents_fts``) answers exactly. Every FTS table of the archive is
built that way, so the replacement is safe here; ``?_searchmode=raw`` still passes raw FTS5 syntax.
"""

from datasette import hookimpl

from archive.search import fts_query


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so this one wins
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    # reads through the OS page cache, shared by Datasette's connections, instead of copies into
    # each connection's own cache: searches touch many pages of the index and the covering index
    conn.execute("PRAGMA mmap_size = 1073741824")
