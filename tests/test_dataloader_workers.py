"""DataLoader worker processes: timeouts, Ctrl-C and shutdown are prompt and leave no workers."""
import os
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from yingshe.utils.data import DataLoader, Dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Hang(Dataset):
    """Every sample takes a minute: a hung worker."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        time.sleep(60)
        return i


class Squares(Dataset):
    def __len__(self):
        return 11

    def __getitem__(self, i):
        if i == 7 and os.environ.get("_YS_TEST_FAULT") == "1":
            raise KeyError("seven")
        return i * i


def ignore_sigterm(worker_id):
    """A worker_init_fn that makes ``terminate()`` ineffective, so only SIGKILL ends it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _alive(pid):
    """Whether process ``pid`` runs (a zombie does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


# The timeout, then SIGTERM to the hung workers (and SIGKILL 0.5 s later where they ignore it).
@pytest.mark.parametrize(("timeout", "init_fn", "limit"),
                         [(1, None, 1.8), (0.5, ignore_sigterm, 1.8)])
def test_timeout_fires_on_time_and_stops_hung_workers(timeout, init_fn, limit):
    it = iter(DataLoader(Hang(), num_workers=2, timeout=timeout, worker_init_fn=init_fn))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"^DataLoader timed out after {timeout} seconds$"):
        next(it)
    elapsed = time.monotonic() - start
    assert elapsed < limit, elapsed
    assert not any(w.is_alive() for w in it._workers)


# The script prints its workers' pids once the first batch is out, then blocks on the second
# (every other sample takes 30 s). A worker that gets SIGINT says so on stderr. The script
# installs Python's own SIGINT handler as a terminal-started interpreter has it: a background
# job of a shell without job control inherits SIGINT ignored, and Python then keeps it ignored.
_SCRIPT = textwrap.dedent("""
    import signal, sys, time
    from yingshe.utils.data import DataLoader, Dataset

    signal.signal(signal.SIGINT, signal.default_int_handler)

    class Slow(Dataset):
        def __len__(self):
            return 100

        def __getitem__(self, i):
            if i >= 1:
                try:
                    time.sleep(30)
                except KeyboardInterrupt:
                    sys.stderr.write("WORKER GOT SIGINT\\n")
                    sys.stderr.flush()
                    raise
            return i

    it = iter(DataLoader(Slow(), batch_size=1, num_workers=2))
    next(it)
    pids = [w.pid for w in it._workers]
    print("PIDS", *pids, flush=True)
    """)

_CAUGHT = textwrap.dedent("""
    try:
        for batch in it:
            pass
    except KeyboardInterrupt:
        start = time.monotonic()
        del it
        print("STOPPED %.3f" % (time.monotonic() - start), flush=True)
    """)


@pytest.mark.parametrize("caught", [False, True], ids=["uncaught", "caught"])
def test_ctrl_c_interrupts_main_process_only(caught):
    script = _SCRIPT + (_CAUGHT if caught else "for batch in it:\n    pass\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            start_new_session=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "the script produced no first batch"
        line = proc.stdout.readline()
        assert line.startswith("PIDS"), line
        pids = [int(p) for p in line.split()[1:]]
        assert len(pids) == 2
        time.sleep(0.3)  # let the main process block on the second batch
        start = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
    assert elapsed < 2.0, elapsed
    assert "WORKER GOT SIGINT" not in err
    assert "worker_loop" not in err and "Process ForkProcess" not in err, err
    if caught:
        assert proc.returncode == 0, err
        assert "KeyboardInterrupt" not in err, err
        assert float(out.split("STOPPED")[1]) < 0.5, out
    else:
        assert proc.returncode == -signal.SIGINT, err
        assert err.count("Traceback (most recent call last)") == 1, err
        assert err.count("KeyboardInterrupt") == 1, err
        assert err.rstrip().endswith("KeyboardInterrupt"), err
    deadline = time.monotonic() + 1
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(p) for p in pids), pids


def test_early_exit_does_not_wait_for_busy_workers():
    it = iter(DataLoader(Hang(), num_workers=2))
    time.sleep(0.2)
    workers = it._workers
    start = time.monotonic()
    del it
    assert time.monotonic() - start < 1.5  # was 5 s per busy worker
    assert not any(w.is_alive() for w in workers)


def test_persistent_workers_order_and_worker_traceback(monkeypatch):
    loader = DataLoader(Squares(), batch_size=3, num_workers=2, persistent_workers=True)
    expected = [[0, 1, 4], [9, 16, 25], [36, 49, 64], [81, 100]]
    for _ in range(2):
        assert [b.tolist() for b in loader] == expected
    monkeypatch.setenv("_YS_TEST_FAULT", "1")
    with pytest.raises(KeyError) as info:
        list(DataLoader(Squares(), batch_size=3, num_workers=2))
    msg = str(info.value)
    assert "Caught KeyError in DataLoader worker process 0." in msg
    assert "Original Traceback (most recent call last)" in msg
    assert 'raise KeyError("seven")' in msg and msg.rstrip().endswith("KeyError: 'seven'")
