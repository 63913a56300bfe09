"""The writer's lock: ``<db>.lock``, held with flock so the kernel releases it if we die."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from archive.db import ReadOnlyArchive, identify

EXIT_LOCKED = 75


class LockBusy(RuntimeError):
    """Another process holds the archive's lock (exit code 75)."""


class ArchiveLock:
    def __init__(self, db_path: str | os.PathLike):
        self.db_path = db_path
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> ArchiveLock:
        # a file that is not an archive is refused before anything is made beside it
        identify(self.db_path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ReadOnlyArchive(
                f"cannot take the archive's lock {self.path} ({exc.strerror}): a command that writes needs"
                " write access to the archive's folder"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.read(fd, 64).decode(errors="replace").strip()
            finally:
                os.close(fd)
            raise LockBusy(f"{self.path} is held by another writer (pid {holder or '?'})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
