"""``torch.multiprocessing.spawn``: run ``fn(i, *args)`` for i = 0 .. nprocs - 1, each in its own
process, and turn a child's failure into an exception in the parent."""
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import time
import traceback
import warnings

__all__ = ["ProcessContext", "ProcessException", "ProcessExitedException",
           "ProcessRaisedException", "spawn", "start_processes"]

_PR_SET_PDEATHSIG = 1


class ProcessException(Exception):
    """A spawned process failed (``torch.multiprocessing.ProcessException``): ``error_index``
    is its i, ``error_pid`` its process id.  Catch it to handle both ways of failing,
    ``ProcessRaisedException`` and ``ProcessExitedException``.

    Examples:
        >>> import os
        >>> import yingshe.multiprocessing as mp
        >>> def work(i):
        ...     if i == 1:
        ...         os._exit(3)                  # dies without a Python exception
        >>> try:
        ...     mp.start_processes(work, nprocs=2, start_method="fork")
        ... except mp.ProcessException as error:
        ...     print(error.error_index, type(error).__name__)
        1 ProcessExitedException
    """

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised (``torch.multiprocessing.ProcessRaisedException``); the
    message ends with the child's traceback.

    Examples:
        >>> import yingshe.multiprocessing as mp
        >>> def work(i):
        ...     if i == 1:
        ...         raise ValueError(f"process {i} fails on purpose")
        >>> try:
        ...     mp.start_processes(work, nprocs=2, start_method="fork")
        ... except mp.ProcessRaisedException as error:
        ...     print(error.error_index, str(error).strip().splitlines()[-1])
        1 ValueError: process 1 fails on purpose
    """


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code or was killed by a signal
    (``torch.multiprocessing.ProcessExitedException``): ``exit_code`` is its exit status
    (the negated signal number when killed), ``signal_name`` the signal's name or None.

    Examples:
        >>> import os
        >>> import signal
        >>> import yingshe.multiprocessing as mp
        >>> def work(i):
        ...     os.kill(os.getpid(), signal.SIGKILL)
        >>> try:
        ...     mp.start_processes(work, nprocs=1, start_method="fork")
        ... except mp.ProcessExitedException as error:
        ...     print(error, error.exit_code, error.signal_name)
        process 0 terminated with signal SIGKILL -9 SIGKILL
    """

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return (type(self),
                (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name))


def _die_with_parent():
    """Ask Linux to send SIGINT to this process when its parent dies (PyTorch does too)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGINT))
        except (OSError, AttributeError):  # no libc prctl: the child just outlives its parent
            pass


def _wrap(fn, i, args, error_file):
    _die_with_parent()
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # SIGINT from the parent: stop quietly
    except Exception:  # noqa: BLE001 -- any failure of fn is reported to the parent
        with open(error_file, "w", encoding="utf-8") as handle:
            handle.write(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The processes ``start_processes`` started with ``join=False``
    (``torch.multiprocessing.ProcessContext``): ``pids()`` lists them, ``join`` waits for them.

    Examples:
        >>> import yingshe.multiprocessing as mp
        >>> def work(i):
        ...     pass
        >>> context = mp.start_processes(work, nprocs=2, join=False, start_method="fork")
        >>> len(context.pids())
        2
        >>> while not context.join():       # True once every process has ended well
        ...     pass
    """

    def __init__(self, processes, error_files):
        self.error_files = error_files
        self.processes = processes
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self):
        """The process ids of the spawned processes."""
        return [int(process.pid) for process in self.processes]

    def _join_all(self, timeout):
        end = time.monotonic() + timeout
        for process in self.processes:
            process.join(max(0.0, end - time.monotonic()))

    def join(self, timeout=None, grace_period=None):
        """Wait (up to ``timeout`` seconds) for the processes.  True once all have exited
        successfully, False while some still run.  When one fails the others are terminated
        (after ``grace_period`` seconds, if given) and ``ProcessRaisedException`` (it raised:
        its traceback is in the message) or ``ProcessExitedException`` is raised."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(self.sentinels.keys(), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return not self.sentinels
        if grace_period is not None:
            self._join_all(grace_period)
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        self._join_all(30 if grace_period is None else grace_period)
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join()
        self._cleanup_error_files(keep=error_index)
        failed = self.processes[error_index]
        error_file = self.error_files[error_index]
        if not os.access(error_file, os.R_OK):
            exitcode = failed.exitcode
            if exitcode < 0:
                try:
                    name = signal.Signals(-exitcode).name
                except ValueError:
                    name = f"<Unknown signal {-exitcode}>"
                raise ProcessExitedException(
                    f"process {error_index:d} terminated with signal {name}",
                    error_index=error_index, error_pid=failed.pid, exit_code=exitcode,
                    signal_name=name)
            raise ProcessExitedException(
                f"process {error_index:d} terminated with exit code {exitcode:d}",
                error_index=error_index, error_pid=failed.pid, exit_code=exitcode)
        with open(error_file, encoding="utf-8") as handle:
            original_trace = handle.read()
        os.unlink(error_file)
        msg = f"\n\n-- Process {error_index:d} terminated with the following error:\n"
        raise ProcessRaisedException(msg + original_trace, error_index, failed.pid)

    def _cleanup_error_files(self, keep):
        for index, name in enumerate(self.error_files):
            if index != keep and os.path.exists(name):
                os.unlink(name)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start ``nprocs`` processes of ``start_method`` ("spawn", "fork" or "forkserver"), the
    i-th running ``fn(i, *args)`` (``torch.multiprocessing.start_processes``).  With ``join``
    wait for all (raising as ``ProcessContext.join``); else return the ``ProcessContext``.
    With "spawn" and "forkserver", ``fn`` and ``args`` are pickled, so ``fn`` must be defined
    at the top level of an importable module; "fork" copies the parent as it is.

    Examples:
        Three processes fill one shared tensor (``share_memory_``), each its own entry:

        >>> import yingshe
        >>> import yingshe.multiprocessing as mp
        >>> totals = yingshe.zeros(3).share_memory_()
        >>> def work(i, out):
        ...     out[i] = (i + 1) * 10
        >>> mp.start_processes(work, args=(totals,), nprocs=3, start_method="fork")
        >>> totals
        tensor([10., 20., 30.])
    """
    mp = multiprocessing.get_context(start_method)
    error_files, processes = [], []
    for i in range(nprocs):
        fd, error_file = tempfile.mkstemp(prefix="yingshe-errorfile-", suffix=".txt")
        os.close(fd)
        os.unlink(error_file)  # the child creates it only if it fails
        process = mp.Process(target=_wrap, args=(fn, i, args, error_file), daemon=daemon)
        process.start()
        error_files.append(error_file)
        processes.append(process)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """``start_processes`` with the "spawn" method (``torch.multiprocessing.spawn``; another
    method warns, as PyTorch, and is ignored): each process is a fresh interpreter that
    imports ``fn``'s module, so ``fn`` must be defined at its top level and a script must start
    the processes under ``if __name__ == "__main__":``.

    Examples:
        A script ``train.py`` (spawned processes take seconds to start, so skipped here):

        >>> import yingshe
        >>> import yingshe.multiprocessing as mp
        >>> def train(rank, model):               # at the top level of train.py
        ...     model.weight.data[rank] = rank    # shared: the parent sees it
        >>> if __name__ == "__main__":
        ...     model = yingshe.nn.Linear(2, 2)
        ...     model.share_memory()
        ...     mp.spawn(train, args=(model,), nprocs=2)     # doctest: +SKIP
    """
    if start_method != "spawn":
        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\n"
                      "To use a different start_method use:\n\t\t"
                      " yingshe.multiprocessing.start_processes(...)", FutureWarning,
                      stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
