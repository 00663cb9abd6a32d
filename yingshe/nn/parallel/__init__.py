"""``yingshe.nn.parallel``: ``DataParallel`` and ``data_parallel`` with PyTorch's names and
arguments.  yingshe runs them on one device (the module is called directly); several GPUs are
the job of MPI data parallelism (``DistributedDataParallel``, one process per GPU)."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]
