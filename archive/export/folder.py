"""Publishing a dump atomically: the output folder locked, the finished hidden folder renamed into
place, ``latest`` and ``latest.json`` replaced by renames, old dumps and dead exports' leftovers removed."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from pathlib import Path

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
TEMP_PREFIX = ".export-"
# what an export writes under a temporary name: .export-<day>-<pid>-<random> (the dump being written),
# .export-<day>-<pid>-old (the day's previous dump being replaced), .export-latest[.json]-<pid>
TEMP_NAME = re.compile(r"\.export-(?:\d{4}-\d{2}-\d{2}|latest|latest\.json)-(\d+)(?:-.*)?")


@contextlib.contextmanager
def locked(out: Path):
    """An exclusive flock on the output folder itself (no lock file): one export publishes at a time."""
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_stale_temps(out: Path) -> None:
    """Hidden folders of exports that died midway (their process is gone)."""
    for p in out.glob(f"{TEMP_PREFIX}*"):
        m = TEMP_NAME.fullmatch(p.name)
        if not m or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def carry_over(final: Path, tmp: Path, written: set[str]) -> list[dict]:
    """Hard-link into ``tmp`` the files of the day's earlier dump that this export does not rewrite;
    returns their manifest entries."""
    try:
        old = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    kept = []
    for entry in old.get("files", []):
        name = entry.get("name", "")
        src = final / name
        if name in written or "/" in name or not src.is_file():
            continue
        try:
            os.link(src, tmp / name)
        except OSError:
            shutil.copy2(src, tmp / name)
        kept.append(entry)
    return kept


def swap_in(tmp: Path, final: Path) -> None:
    """Rename the finished folder into place; an earlier one of the same day is renamed away first
    and removed after (the day's folder is missing only between two renames)."""
    os.chmod(tmp, 0o755)  # mkdtemp made it private
    old = None
    if final.exists():
        old = final.with_name(f"{TEMP_PREFIX}{final.name}-{os.getpid()}-old")
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    tmp.rename(final)
    fsync_dir(final.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def point_latest(out: Path, day: str, manifest: dict) -> None:
    """``latest.json`` (always) and the ``latest`` symlink (where symlinks can be made), each
    replaced by a rename."""
    latest = {
        "date": day,
        "path": day,
        "manifest": f"{day}/manifest.json",
        "created": manifest["created"],
        "crawl_run_id": manifest["crawl_run_id"],
        "files": [
            {
                k: f[k]
                for k in ("name", "table", "format", "canonical_only", "gzip", "rows", "bytes", "sha256")
            }
            | {"path": f"{day}/{f['name']}"}
            for f in manifest["files"]
        ],
    }
    write_json(out / "latest.json", latest, atomic=True)
    link = out / "latest"
    if link.exists() and not link.is_symlink():
        return  # something else is there: leave it
    tmp_link = out / f"{TEMP_PREFIX}latest-{os.getpid()}"
    with contextlib.suppress(OSError):
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(day, target_is_directory=True)
        tmp_link.replace(link)
    with contextlib.suppress(OSError):
        tmp_link.unlink(missing_ok=True)


def prune(out: Path, keep: int, current: str) -> list[Path]:
    days = sorted(
        p
        for p in out.iterdir()
        if p.is_dir() and not p.is_symlink() and DAY.fullmatch(p.name) and (p / "manifest.json").is_file()
    )
    removed = []
    for p in days[:-keep] if keep < len(days) else []:
        if p.name != current:
            shutil.rmtree(p)
            removed.append(p)
    return removed


def write_json(path: Path, data: dict, *, atomic: bool = False) -> None:
    target = path.with_name(f"{TEMP_PREFIX}{path.name}-{os.getpid()}") if atomic else path
    with open(target, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    if atomic:
        os.chmod(target, 0o644)
        target.replace(path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
