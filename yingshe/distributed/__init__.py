"""``yingshe.distributed``: ``torch.distributed``'s process group and collectives over MPI.

Start N processes with ``mpiexec -n N python script.py`` (the ``distributed`` extra installs
mpi4py and MPICH, whose ``mpiexec`` lands beside the Python executable); each calls
``init_process_group("mpi")``.  Without mpi4py, ``init_process_group`` raises an ImportError
naming the extra to install; everything else here imports without it."""
from .collectives import ReduceOp, Work, all_gather, all_reduce, barrier, broadcast, reduce_scatter
from .process_group import (
    Backend,
    DistBackendError,
    GroupMember,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    launched_by_mpi,
)

__all__ = ["Backend", "DistBackendError", "GroupMember", "ReduceOp", "Work",
           "default_pg_timeout", "is_available", "is_mpi_available", "is_initialized",
           "init_process_group", "destroy_process_group", "get_rank", "get_world_size",
           "get_backend", "launched_by_mpi", "all_reduce", "broadcast", "all_gather",
           "reduce_scatter", "barrier"]
