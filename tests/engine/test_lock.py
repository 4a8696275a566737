"""The run folder's lock, against a real second process, a reused PID and racing writers."""

import contextlib
import os
import signal
import subprocess
import sys
import threading

import pytest

from genzoo.engine.lock import Lock, holder_line, process_start_time
from genzoo.engine.runs import Run
from genzoo.errors import CheckpointError

HOLD = "import sys; from genzoo.engine.runs import Run; Run(sys.argv[1]).__enter__(); print('held', flush=True); " \
       "sys.stdin.read()"


@pytest.mark.slow
def test_a_second_process_is_refused_until_the_holder_is_killed(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "r")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        pid, start = (tmp_path / "r" / ".lock").read_text().split()
        assert int(pid) == child.pid and int(start) == process_start_time(child.pid) > 0
        with pytest.raises(CheckpointError, match=rf"in use by another genzoo process \(PID {child.pid}\)"):
            Run(tmp_path / "r").__enter__()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert (tmp_path / "r" / ".lock").exists(), "a SIGKILLed holder leaves its lock file behind"
    with Run(tmp_path / "r"):  # ... and it is taken over at once: the kernel dropped the dead holder's lock
        assert (tmp_path / "r" / ".lock").read_text() == holder_line()
    assert not (tmp_path / "r" / ".lock").exists()


def test_a_lock_naming_a_live_process_that_holds_nothing_is_taken_over(tmp_path):
    """A PID reused by another process (here our parent, alive, with its true start time) is no holder."""
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / ".lock").write_text(holder_line(os.getppid()))
    with Run(tmp_path / "r"):
        assert (tmp_path / "r" / ".lock").read_text() == holder_line()


@pytest.mark.parametrize("left_behind", ["", "999999999 0\n"])
def test_racing_writers_over_a_left_lock_one_at_a_time(tmp_path, left_behind):
    """Eight writers (threads: each opens the lock itself, as a process would) take a folder whose lock was left
    empty or by a dead process; at no moment do two hold it."""
    holding, most, rounds = [0], [0], 150
    guard = threading.Lock()

    def writer(folder, go):
        go.wait()
        lock = Lock(folder / ".lock")
        try:
            lock.acquire()
        except CheckpointError:
            return
        with guard:
            holding[0] += 1
            most[0] = max(most[0], holding[0])
        os.sched_yield()
        with guard:
            holding[0] -= 1
        lock.release()

    for i in range(rounds):
        folder = tmp_path / str(i)
        folder.mkdir()
        (folder / ".lock").write_text(left_behind)
        go = threading.Barrier(8)
        threads = [threading.Thread(target=writer, args=(folder, go)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert most[0] == 1


@pytest.mark.slow
def test_the_lock_file_is_never_seen_without_its_holder(tmp_path):
    seen, stop = set(), threading.Event()

    def read():
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                seen.add((tmp_path / ".lock").read_text())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(2000):
            lock = Lock(tmp_path / ".lock")
            lock.acquire()
            lock.release()
    finally:
        stop.set()
        reader.join()
    assert seen == {holder_line()}
