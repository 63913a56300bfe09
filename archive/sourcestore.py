"""The archive remembers its sources: each source's entry (its TOML table) as it was crawled.

``record_sources`` keeps one ``sources`` row per source (the entry's TOML text, its sha256, the
file it came from, its first and last crawl runs) and, when an entry changes, the one it replaces
in ``source_versions``. ``resolve_sources`` says which configuration a command that re-reads the
archive (reprocess, dedupe, sources list/check) should use, so that a source's documents are
never re-cleaned without the configuration they were cleaned with.
"""

from __future__ import annotations

import hashlib
import tomllib

import tomli_w

from archive.db import utcnow
from crawler.sources import Source, SourceError, load_sources, parse_source, sources_path


def source_toml(source: Source) -> str:
    """The entry as a TOML document of its own: ``[key]`` (and ``[key.selectors]``), keys as written."""
    return tomli_w.dumps({source.key: source.table})


def digest(toml: str) -> str:
    return hashlib.sha256(toml.encode("utf-8")).hexdigest()


def _has(db, table: str) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
        is not None
    )


def record_sources(db, sources: dict[str, Source], run_id: int | None) -> None:
    """Upsert the ``sources`` row of each source (``run_id``: the crawl run using them, or None).

    The first run and first sighting stay; when an entry's digest changed, the entry it replaces is
    kept in ``source_versions`` (with the runs and times it was in use)."""
    now = utcnow()
    with db.atomic():
        for key, src in sources.items():
            if not src.table:
                raise ValueError(f"source {key!r} has no TOML table to record")
            toml = source_toml(src)
            dig = digest(toml)
            row = db.execute(
                "SELECT digest, toml, file, since_run, since_at, last_run FROM sources WHERE key = ?", [key]
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO sources (key, name, digest, file, first_run, last_run, first_seen_at, last_seen_at,"
                    " since_run, since_at, toml) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [key, src.name, dig, src.origin, run_id, run_id, now, now, run_id, now, toml],
                )
                continue
            old_digest, old_toml, old_file, since_run, since_at, last_run = row
            since = {}
            if old_digest != dig:
                db.execute(
                    "INSERT INTO source_versions (key, digest, file, from_run, until_run, valid_from, superseded_at,"
                    " toml) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [key, old_digest, old_file, since_run, last_run, since_at, now, old_toml],
                )
                since = {"since_run": run_id, "since_at": now}
            values = {
                "name": src.name,
                "digest": dig,
                "file": src.origin,
                "toml": toml,
                "last_seen_at": now,
                **since,
            }
            db.execute(
                f"UPDATE sources SET {', '.join(f'{c} = ?' for c in values)},"
                " first_run = COALESCE(first_run, ?), last_run = COALESCE(?, last_run) WHERE key = ?",
                [*values.values(), run_id, run_id, key],
            )


def _archived(db) -> tuple[dict[str, Source], list[str]]:
    if not _has(db, "sources"):
        return {}, []
    out, problems = {}, []
    for key, toml, file in db.execute("SELECT key, toml, file FROM sources ORDER BY key"):
        try:
            out[key] = parse_source(key, tomllib.loads(toml)[key], origin=file)
        except (SourceError, tomllib.TOMLDecodeError, KeyError) as exc:
            problems.append(
                f"source {key}: the archive's record of it cannot be read ({exc}): its documents "
                "are left alone"
            )
    return out, problems


def archived_sources(db) -> dict[str, Source]:
    """The sources as the archive recorded them (``origin``: the file each came from)."""
    return _archived(db)[0]


def configured_keys(db) -> set[str]:
    """Keys the archive knows as configured sources: recorded, or named by a crawl run."""
    keys: set[str] = set()
    if _has(db, "sources"):
        keys.update(k for (k,) in db.execute("SELECT key FROM sources"))
    if _has(db, "crawl_runs"):
        keys.update(
            k
            for (k,) in db.execute(
                "SELECT DISTINCT j.value FROM crawl_runs r, json_each(CASE WHEN json_valid(r.sources)"
                " THEN r.sources ELSE '[]' END) j WHERE j.type = 'text'"
            )
        )
    if _has(db, "crawl_run_sources"):
        keys.update(k for (k,) in db.execute("SELECT DISTINCT source FROM crawl_run_sources"))
    return keys


def document_counts(db) -> dict[str, int]:
    if not _has(db, "documents"):
        return {}
    return dict(db.execute("SELECT source, COUNT(*) FROM documents GROUP BY source").fetchall())


def unconfigured_sources(db, sources: dict[str, Source]) -> dict[str, int]:
    """Sources whose documents need a configuration that ``sources`` lacks, with their document
    counts: their documents must be left alone. A key never crawled nor recorded (``import``, or
    another ``archive import --source``) was cleaned without configuration and may be again."""
    known = configured_keys(db)
    return {k: n for k, n in sorted(document_counts(db).items()) if k in known and k not in sources}


def resolve_sources(db, sources_file: str | None) -> tuple[dict[str, Source], list[str]]:
    """The sources a command re-reading the archive should use, and warning lines (one per source).

    Without ``sources_file``: the archive's record; the default sources file only for keys the
    archive has no record of (an archive older than the record). A source crawled but neither
    recorded nor in that file is left out: its documents are left alone. With ``sources_file``:
    that file (a bad one raises SourceError); a source the archive knows that the file lacks is
    left out, with a warning."""
    counts = document_counts(db)
    archived, warnings = _archived(db)
    if sources_file:
        given = load_sources(sources_file)
        for key, n in unconfigured_sources(db, given).items():
            if not any(w.startswith(f"source {key}:") for w in warnings):
                warnings.append(f"source {key}: not in {sources_file}: its {n} documents are left alone")
        for key, src in given.items():
            if (
                key in archived
                and counts.get(key)
                and digest(source_toml(src)) != digest(source_toml(archived[key]))
            ):
                warnings.append(
                    f"source {key}: {sources_file} has another entry than the one the archive recorded "
                    f"(from {archived[key].origin}): using {sources_file}'s"
                )
        return given, warnings
    resolved = dict(archived)
    default = sources_path(None)
    try:
        fallback = load_sources(None)
    except SourceError as exc:
        fallback = {}
        warnings.append(f"sources file {default} not read ({exc})")
    for key, src in fallback.items():
        if key not in resolved:
            resolved[key] = src
            if counts.get(key):
                warnings.append(f"source {key}: the archive has no record of its entry: using {default}'s")
        elif counts.get(key) and digest(source_toml(src)) != digest(source_toml(resolved[key])):
            warnings.append(
                f"source {key}: using the entry the archive recorded; {default} has another one "
                f"(pass --sources {default} to use it)"
            )
    for key, n in unconfigured_sources(db, resolved).items():
        if not any(w.startswith(f"source {key}:") for w in warnings):
            warnings.append(
                f"source {key}: no entry recorded in the archive nor in {default}: its {n} documents "
                "are left alone (pass --sources with its entry)"
            )
    return resolved, warnings


def official_keys(db, sources: dict[str, Source]) -> set[str]:
    """Keys of the official sources: ``sources``, and the archive's record for keys it lacks
    (whether a site is the government's own is a fact about the site, not about this command)."""
    return {k for k, s in {**archived_sources(db), **sources}.items() if s.official}
