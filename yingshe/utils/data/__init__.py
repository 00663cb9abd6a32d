"""Datasets, samplers and ``DataLoader``, mirroring ``torch.utils.data``."""
from ._worker import WorkerInfo, get_worker_info
from .collate import Batch, default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = ["Batch", "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
           "DistributedSampler", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "SubsetRandomSampler",
           "TensorDataset", "WorkerInfo", "default_collate", "default_convert",
           "get_worker_info", "random_split"]
