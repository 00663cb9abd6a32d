"""``yingshe train MODEL --nproc N``: run the command as N processes under MPI.

Without a launcher around it, the command starts itself again as ``mpiexec -n N python -m
yingshe train MODEL ...`` (the ``mpiexec`` installed beside the Python executable by the
``distributed`` extra's mpich wheel, else the one on PATH) and returns its exit status.  Started
by ``mpiexec`` (by ``--nproc`` or by hand), each rank joins the process group before training;
the recipe sees the group and trains one run over all ranks."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .. import distributed as dist

__all__ = ["start", "mpiexec", "relaunch", "join_process_group", "without_nproc"]

_INSTALL_HINT = ("--nproc needs mpiexec and mpi4py: install the 'distributed' extra "
                 "(pip install 'yingshe[distributed]', i.e. mpi4py and mpich)")


def start(nproc, argv, log=print):
    """Before ``yingshe ARGV`` trains: with ``--nproc N`` (N > 1) outside a launcher, run it as
    N processes and return their exit status; otherwise join the process group when started
    by one and return None (this process trains)."""
    if nproc and nproc > 1 and not dist.launched_by_mpi():
        return relaunch(nproc, without_nproc(argv), log)
    join_process_group(nproc)
    return None


def mpiexec():
    """The path of ``mpiexec``: beside this Python (a venv with the mpich wheel), else on PATH;
    an ImportError naming the extra to install when there is none."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file():
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise ImportError(_INSTALL_HINT)
    return found


def without_nproc(options):
    """``options`` with ``--nproc N`` / ``--nproc=N`` taken out."""
    kept, skip = [], False
    for i, word in enumerate(options):
        if skip:
            skip = False
        elif word == "--nproc":
            skip = i + 1 < len(options)
        elif not word.startswith("--nproc="):
            kept.append(word)
    return kept


def relaunch(nproc, argv, log=print):
    """Run ``yingshe ARGV`` as ``nproc`` MPI processes; returns their exit status (SystemExit
    with a message when it is not 0)."""
    if not dist.is_mpi_available():
        raise ImportError(_INSTALL_HINT)
    command = [mpiexec(), "-n", str(nproc), sys.executable, "-m", "yingshe", *argv]
    log(f"running {nproc} processes: {' '.join(command)}")
    status = subprocess.run(command, env=os.environ.copy(), check=False).returncode
    if status:
        raise SystemExit(f"error: the {nproc} processes ended with status {status}")
    return status


def join_process_group(nproc=None):
    """In a process started by an MPI launcher with more than one rank, join the default
    group (once); ``nproc``, when given, must equal the launcher's number of ranks."""
    ranks = dist.launched_by_mpi()
    if nproc and ranks and nproc != ranks:
        raise ValueError(f"--nproc {nproc} but mpiexec started {ranks} processes; leave "
                         f"--nproc out under mpiexec")
    if ranks > 1 and not dist.is_initialized():
        dist.init_process_group("mpi")
