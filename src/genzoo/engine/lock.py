"""One writer per run folder: the ``.lock`` file, held with the kernel's ``flock`` and naming its holder.

The file appears whole: its line, the holder's PID and process start time, is written to a temporary file that is
then hard-linked into place, so no reader ever sees it empty. What decides who holds the folder is the kernel lock
on it, not the PID: the kernel holds it while the writer lives and drops it the moment its process dies, however it
dies, so a killed run's lock is free at once and a PID the system has since given to another process cannot pass
for the old holder. POSIX only (Linux, macOS).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path

from ..errors import CheckpointError


class Lock:
    """``acquire`` takes the lock at ``path`` or raises :class:`CheckpointError` naming the live holder."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        for _ in range(10):
            created = self._create()
            try:
                fd = os.open(self.path, os.O_RDWR)
            except FileNotFoundError:
                continue  # its holder let go between our two steps
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode(errors="replace").split()
                os.close(fd)
                pid = f"PID {holder[0]}" if holder else "PID not yet written"
                raise CheckpointError(f"{self.path.parent} is in use by another genzoo process ({pid}); wait for it "
                                      "or use another --out") from None
            if not _same_file(fd, self.path):  # its holder removed the file after we opened it: take the new one
                os.close(fd)
                continue
            if not created:  # left by a process that died: rewrite the holder in place (the inode is what is locked)
                os.ftruncate(fd, 0)
                os.pwrite(fd, holder_line().encode(), 0)
            self._fd = fd
            return
        raise CheckpointError(f"{self.path}: could not take the run folder's lock (it keeps changing hands)")

    def release(self) -> None:
        """Remove the file, then let go of the kernel lock (in that order: see ``_same_file``)."""
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def _create(self) -> bool:
        """Put a whole lock file at ``path`` if there is none; return whether this call made it."""
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".lock.", suffix=".tmp")
        try:
            os.write(fd, holder_line().encode())
            os.close(fd)
            os.link(tmp, self.path)
            return True
        except (FileExistsError, FileNotFoundError):  # there is one; or the holder cleaned our temporary away
            return False
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def holder_line(pid: int | None = None) -> str:
    """``"PID START\\n"``: START is the process's start time in clock ticks after boot (Linux), or 0 elsewhere."""
    pid = os.getpid() if pid is None else pid
    return f"{pid} {process_start_time(pid) or 0}\n"


def process_start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot, field 22 of ``/proc/PID/stat``), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])  # after the command name, which may hold spaces


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False
