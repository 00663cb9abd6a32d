"""yingshe.utils.data against torch.utils.data: datasets, samplers, collation, DataLoader."""
import collections
import os
import time
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import yingshe
from yingshe.utils.data import (
    Batch,
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    get_worker_info,
    random_split,
)


class Squares(Dataset):
    """Deterministic samples: (i, i*i as float array, name)."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return yingshe.tensor([i, i * i]), np.full(3, i, dtype=np.float32), f"s{i}"


class Noisy(Dataset):
    """Samples drawn from the framework generator (a random transform)."""

    def __len__(self):
        return 16

    def __getitem__(self, i):
        return yingshe.from_numpy(yingshe._backend.generator("cpu").normal(size=2)) + i


class Faulty(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError("sample five is broken")
        return i


class InfoDataset(Dataset):
    marker = -1

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = get_worker_info()
        return [info.id, info.num_workers, info.seed, len(info.dataset), os.getpid(),
                self.marker]


def mark_worker(worker_id):
    """A worker_init_fn: tags the worker's dataset copy."""
    get_worker_info().dataset.marker = 10 + worker_id


def as_lists(batches):
    """Batches as plain nested lists, for equality checks."""
    def conv(x):
        if isinstance(x, yingshe.Tensor):
            return x.numpy().tolist()
        if isinstance(x, (list, tuple)):
            return [conv(v) for v in x]
        return x
    return [conv(b) for b in batches]


# ---- datasets ----------------------------------------------------------------------------------
def test_tensor_dataset_and_getitems():
    x, y = yingshe.arange(12).reshape(6, 2), yingshe.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.numpy().tolist() == [8, 9] and yi.item() == 4
    batch = ds.__getitems__([5, 0, 2])
    assert isinstance(batch, Batch) and batch[0].shape == (3, 2)
    assert batch[1].numpy().tolist() == [5, 0, 2]
    assert default_collate(batch) is batch
    with pytest.raises(ValueError, match=r"\[6, 5\]"):
        TensorDataset(x, yingshe.arange(5))


def test_subset_and_concat():
    ds = TensorDataset(yingshe.arange(10))
    sub = Subset(ds, [9, 3, 4])
    assert len(sub) == 3 and sub[0][0].item() == 9
    assert sub.__getitems__([2, 0])[0].numpy().tolist() == [4, 9]
    plain = Subset(Squares(5), [4, 1])
    assert [s[2] for s in plain.__getitems__([0, 1])] == ["s4", "s1"]
    cat = Squares(3) + Squares(4)
    assert isinstance(cat, ConcatDataset) and len(cat) == 7
    assert cat.cumulative_sizes == [3, 7]
    assert [cat[i][2] for i in (0, 2, 3, 6, -1, -7)] == ["s0", "s2", "s0", "s3", "s3", "s0"]
    with pytest.raises(ValueError):
        cat[-8]
    with pytest.raises(ValueError):
        ConcatDataset([])


@pytest.mark.parametrize("n, lengths", [(10, [0.3, 0.7]), (7, [0.33, 0.33, 0.34]),
                                        (5, [0.5, 0.5]), (10, [3, 7]), (11, [0.1] * 10)])
def test_random_split_lengths_match_torch(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = [len(s) for s in random_split(Squares(n), lengths)]
        theirs = [len(s) for s in tdata.random_split(range(n), lengths)]
    assert ours == theirs


def test_random_split_is_a_seeded_partition():
    parts = random_split(Squares(10), [3, 7], generator=np.random.default_rng(1))
    again = random_split(Squares(10), [3, 7], generator=np.random.default_rng(1))
    assert parts[0].indices == again[0].indices
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    with pytest.raises(ValueError, match=r"\[3, 6\].*10"):
        random_split(Squares(10), [3, 6])
    with pytest.raises(ValueError, match="lengths"):
        random_split(Squares(10), [2.5, 7.5])
    with pytest.raises(ValueError, match="lengths"):
        random_split(Squares(10), [0.3, 0.3])


# ---- samplers ----------------------------------------------------------------------------------
def test_samplers():
    ds = Squares(10)
    assert list(SequentialSampler(ds)) == list(range(10))
    perm = list(RandomSampler(ds))
    assert sorted(perm) == list(range(10)) and perm != list(range(10))
    drawn = list(RandomSampler(ds, replacement=True, num_samples=25))
    assert len(drawn) == 25 and all(0 <= i < 10 for i in drawn)
    assert len(list(RandomSampler(ds, num_samples=13))) == 13
    assert sorted(SubsetRandomSampler([3, 5, 7])) == [3, 5, 7]
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(7), 0, False)
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(ds, num_samples=0)


# ---- collation ---------------------------------------------------------------------------------
def check_like_torch(ours, theirs):
    """Same container types, shapes, dtypes and values as torch's default_collate."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, yingshe.Tensor)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for key in theirs:
            check_like_torch(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            check_like_torch(a, b)
    else:
        assert ours == theirs


Point = collections.namedtuple("Point", "x y")


def test_default_collate_matches_torch():
    rng = np.random.default_rng(0)
    samples = [{"id": i, "w": 0.5 * i, "flag": i % 2 == 0, "name": f"n{i}",
                "pair": (i, (float(i), np.float32(i))), "p": Point(i, [i, 2 * i]),
                "img": rng.standard_normal((2, 3)).astype(np.float32),
                "f64": rng.standard_normal(2)} for i in range(4)]
    ours = default_collate(samples)
    theirs = tdata.default_collate(samples)
    check_like_torch(ours, theirs)
    tensors = [(yingshe.ones(2, 3) * i, i) for i in range(5)]
    check_like_torch(default_collate(tensors),
                     tdata.default_collate([(torch.ones(2, 3) * i, i) for i in range(5)]))
    with pytest.raises(TypeError):
        default_collate([object(), object()])


# ---- DataLoader --------------------------------------------------------------------------------
def test_sequential_batches_len_and_drop_last():
    loader = DataLoader(Squares(10), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    first = batches[0]
    assert first[0].shape == (4, 2) and first[1].dtype == yingshe.float32
    assert first[2] == ["s0", "s1", "s2", "s3"]
    assert batches[2][0][:, 0].numpy().tolist() == [8, 9]
    dropped = DataLoader(Squares(10), batch_size=4, drop_last=True)
    assert len(dropped) == len(list(dropped)) == 2
    single = list(DataLoader(TensorDataset(yingshe.arange(3)), batch_size=None))
    assert [s[0].item() for s in single] == [0, 1, 2]


def test_tensor_dataset_loader_uses_getitems():
    ds = TensorDataset(yingshe.arange(10), yingshe.arange(10) * 2)
    batches = list(DataLoader(ds, batch_size=4, shuffle=True))
    assert all(isinstance(b, Batch) for b in batches)
    seen = [value for batch in batches for value in batch[0].numpy().tolist()]
    assert sorted(seen) == list(range(10))
    for x, y in batches:
        np.testing.assert_array_equal(y.numpy(), 2 * x.numpy())


def test_shuffle_reproducible_and_epochs_differ():
    def order(loader):
        return [value for batch in loader for value in batch[0][:, 0].numpy().tolist()]

    yingshe.manual_seed(3)
    loader = DataLoader(Squares(20), batch_size=5, shuffle=True)
    epoch1, epoch2 = order(loader), order(loader)
    yingshe.manual_seed(3)
    assert order(loader) == epoch1 and order(loader) == epoch2
    assert epoch1 != epoch2 and sorted(epoch1) == list(range(20))
    gen_orders = [order(DataLoader(Squares(20), batch_size=5, shuffle=True,
                                   generator=np.random.default_rng(7))) for _ in range(2)]
    assert gen_orders[0] == gen_orders[1]


def test_sampler_and_batch_sampler_options():
    loader = DataLoader(Squares(10), batch_size=3, sampler=[9, 8, 7, 1])
    assert [b[0][:, 0].numpy().tolist() for b in loader] == [[9, 8, 7], [1]]
    loader = DataLoader(Squares(10), batch_sampler=[[0, 5], [2]])
    assert len(loader) == 2
    assert [b[0][:, 0].numpy().tolist() for b in loader] == [[0, 5], [2]]
    ds = Squares(10)
    bad = [{"sampler": [0], "shuffle": True}, {"batch_sampler": [[0]], "batch_size": 2},
           {"batch_sampler": [[0]], "shuffle": True}, {"batch_sampler": [[0]], "sampler": [0]},
           {"batch_sampler": [[0]], "drop_last": True}, {"batch_size": None, "drop_last": True},
           {"num_workers": -1}, {"prefetch_factor": 2}, {"persistent_workers": True},
           {"timeout": -1}]
    for kwargs in bad:
        with pytest.raises(ValueError) as ours:
            DataLoader(ds, **kwargs)
        with pytest.raises(ValueError) as theirs:
            tdata.DataLoader(range(10), **kwargs)
        assert str(ours.value) == str(theirs.value), kwargs


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.numpy().tolist() for b in DataLoader(Stream(), batch_size=3)] == \
        [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(), shuffle=True)


def test_workers_match_single_process():
    for kwargs in ({"batch_size": 4}, {"batch_size": 3, "shuffle": True, "drop_last": True}):
        yingshe.manual_seed(11)
        single = as_lists(DataLoader(Squares(), **kwargs))
        yingshe.manual_seed(11)
        multi = as_lists(DataLoader(Squares(), num_workers=2, **kwargs))
        assert multi == single
    ds = TensorDataset(yingshe.arange(20.0).reshape(10, 2))
    assert as_lists(DataLoader(ds, batch_size=3, num_workers=3)) == \
        as_lists(DataLoader(ds, batch_size=3))


def test_workers_random_transforms_reproducible():
    def run():
        yingshe.manual_seed(5)
        loader = DataLoader(Noisy(), batch_size=2, num_workers=2, shuffle=True)
        return as_lists(loader), as_lists(loader)

    (a1, a2), (b1, b2) = run(), run()
    assert a1 == b1 and a2 == b2 and a1 != a2


def test_worker_exception_is_reraised():
    loader = DataLoader(Faulty(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match=r"(?s)worker process 0.*sample five is broken"):
        list(loader)
    good = DataLoader(Faulty(), batch_size=2, num_workers=2, sampler=[0, 1, 2])
    assert as_lists(good) == [[0, 1], [2]]


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(3)


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(1)
        return i


def test_dead_worker_and_timeout_raise():
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(Dies(), batch_size=2, num_workers=1))
    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.3))


def test_worker_info_and_init_fn():
    assert get_worker_info() is None
    batches = list(DataLoader(InfoDataset(), batch_size=2, num_workers=2,
                              worker_init_fn=mark_worker))
    rows = [list(row) for b in batches for row in zip(*(f.numpy().tolist() for f in b))]
    assert [r[0] for r in rows] == [0, 0, 1, 1, 0, 0]
    assert [r[5] for r in rows] == [10, 10, 11, 11, 10, 10]
    assert all(r[1] == 2 and r[3] == 6 and r[4] != os.getpid() for r in rows)
    assert rows[2][2] == rows[0][2] + 1
    assert get_worker_info() is None and InfoDataset.marker == -1


def test_worker_shutdown_on_early_exit():
    it = iter(DataLoader(Squares(), batch_size=2, num_workers=2))
    next(it)
    workers = it._workers
    del it
    assert not any(w.is_alive() for w in workers)
