"""Devices and randomness as PyTorch presents them (issue 24): yingshe.cuda, yingshe.accelerator,
yingshe.backends, Generator and every function taking generator=, and the meta device."""
import copy
import pickle

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe import nn
from yingshe.utils.data import (
    DataLoader,
    RandomSampler,
    SubsetRandomSampler,
    TensorDataset,
    random_split,
)

needs_no_cuda = pytest.mark.skipif(yingshe.cuda.is_available(),
                                   reason="checks the answers without CUDA")
needs_cuda = pytest.mark.skipif(not yingshe.cuda.is_available(), reason="needs CuPy and a GPU")


# ---- cuda, accelerator, backends --------------------------------------------------------------
@needs_no_cuda
def test_cuda_without_a_gpu_answers_as_torch_without_cuda():
    for name in ("is_available", "device_count", "empty_cache", "is_bf16_supported",
                 "memory_allocated", "memory_reserved", "seed", "seed_all"):
        assert getattr(yingshe.cuda, name)() == getattr(torch.cuda, name)(), name
    assert yingshe.cuda.manual_seed(1) is None and yingshe.cuda.manual_seed_all(1) is None
    for name in ("current_device", "synchronize", "get_device_name", "get_device_capability",
                 "initial_seed"):
        with pytest.raises(AssertionError):
            getattr(torch.cuda, name)()
        check_raises(getattr(yingshe.cuda, name), AssertionError, "CUDA is not available")
    check_raises(lambda: yingshe.zeros(1, device="cuda"), RuntimeError, "cupy")
    check_raises(lambda: yingshe.Generator("cuda"), RuntimeError, "cupy")


@needs_no_cuda
def test_accelerator_and_quickstart_device_lines():
    for m in (torch, yingshe):
        assert m.accelerator.is_available() is False
        assert m.accelerator.current_accelerator() is None
        assert m.accelerator.device_count() == 0
        with pytest.raises(RuntimeError, match="none is available"):
            m.accelerator.current_device_index()
        device = m.accelerator.current_accelerator().type if m.accelerator.is_available() \
            else "cpu"
        assert device == "cpu"
        device = "cuda" if m.cuda.is_available() else "mps" if m.backends.mps.is_available() \
            else "cpu"
        assert device == "cpu"
        assert m.zeros(2, device=device).device.type == "cpu"


@needs_cuda
def test_cuda_with_a_gpu_reports_it():
    assert yingshe.cuda.device_count() >= 1 and yingshe.accelerator.is_available()
    assert yingshe.accelerator.current_accelerator() == yingshe.device("cuda")
    assert isinstance(yingshe.cuda.get_device_name(), str) and yingshe.cuda.current_device() == 0
    assert len(yingshe.cuda.get_device_capability()) == 2
    x = yingshe.ones(1000, device="cuda")
    yingshe.cuda.synchronize()
    assert yingshe.cuda.memory_allocated() > 0
    yingshe.cuda.manual_seed(3)
    a = yingshe.rand(5, device="cuda").cpu().numpy()
    yingshe.cuda.manual_seed(3)
    np.testing.assert_array_equal(a, yingshe.rand(5, device="cuda").cpu().numpy())
    assert yingshe.cuda.initial_seed() == 3
    gen = yingshe.Generator("cuda").manual_seed(4)
    b = yingshe.randn(5, generator=gen, device="cuda").cpu().numpy()
    np.testing.assert_array_equal(b, yingshe.randn(5, generator=gen.manual_seed(4),
                                                   device="cuda").cpu().numpy())
    check_raises(lambda: yingshe.randn(2, generator=gen), RuntimeError, "'cpu' device type")
    del x
    yingshe.cuda.empty_cache()


def test_backend_switches_take_torch_defaults_and_settings():
    ours, theirs = yingshe.backends, torch.backends
    assert (ours.mps.is_available(), ours.mps.is_built()) == (False, False)
    for flag in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(ours.cudnn, flag) == getattr(theirs.cudnn, flag), flag
    assert ours.cuda.matmul.allow_tf32 == theirs.cuda.matmul.allow_tf32 is False
    assert ours.cuda.matmul.allow_fp16_reduced_precision_reduction is True
    before = ours.cudnn.benchmark, ours.cudnn.deterministic, ours.cuda.matmul.allow_tf32
    try:
        ours.cudnn.benchmark = ours.cudnn.deterministic = True
        ours.cuda.matmul.allow_tf32 = True
        assert ours.cudnn.benchmark and ours.cudnn.deterministic and ours.cuda.matmul.allow_tf32
    finally:
        ours.cudnn.benchmark, ours.cudnn.deterministic, ours.cuda.matmul.allow_tf32 = before
    for m in (ours, theirs):
        with pytest.raises(AttributeError, match="Unknown attribute allow_tf33"):
            m.cuda.matmul.allow_tf33 = True
        with pytest.raises(AttributeError, match="Unknown attribute allow_tf33"):
            assert m.cuda.matmul.allow_tf33 is None
    assert ours.cudnn.is_available() is False


# ---- Generator --------------------------------------------------------------------------------
def test_generator_seeds_states_and_devices():
    gen = yingshe.Generator()
    assert gen.device == yingshe.device("cpu") and gen.device.type == "cpu"
    assert gen.initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert gen.manual_seed(3) is gen and gen.initial_seed() == 3
    first = yingshe.rand(4, generator=gen)
    state = gen.get_state()
    assert state.dtype == yingshe.uint8 and state.ndim == 1
    second = yingshe.randn(3, generator=gen)
    assert gen.set_state(state) is gen
    np.testing.assert_array_equal(yingshe.randn(3, generator=gen).numpy(), second.numpy())
    np.testing.assert_array_equal(yingshe.rand(4, generator=gen.manual_seed(3)).numpy(),
                                  first.numpy())
    seed = gen.seed()
    assert isinstance(seed, int) and gen.initial_seed() == seed
    assert yingshe.Generator(device=yingshe.device("cpu")).device.type == "cpu"
    with pytest.raises(RuntimeError, match="META"):
        yingshe.Generator("meta")


@pytest.mark.parametrize("seed", [-1, 2 ** 64 - 1, -2 ** 63, 0, 12345])
def test_generator_seeds_are_read_as_torch_reads_them(seed):
    assert yingshe.Generator().manual_seed(seed).initial_seed() == \
        torch.Generator().manual_seed(seed).initial_seed()


def test_generator_rejects_what_torch_rejects():
    gen = yingshe.Generator()
    for bad, error in ((2 ** 64, ValueError), (-2 ** 63 - 1, ValueError), (1.5, RuntimeError),
                       ("1", RuntimeError), (yingshe.tensor(3), RuntimeError)):
        with pytest.raises(error):
            torch.Generator().manual_seed(bad)
        with pytest.raises(error):
            gen.manual_seed(bad)
    check_raises(lambda: gen.set_state([1, 2]), TypeError, "list")
    check_raises(lambda: gen.set_state(yingshe.zeros(48)), TypeError, "ByteTensor")
    check_raises(lambda: gen.set_state(yingshe.zeros(3, dtype=yingshe.uint8)), RuntimeError,
                 "48")


def test_generator_pickles_and_copies_with_its_stream():
    gen = yingshe.Generator().manual_seed(7)
    yingshe.rand(3, generator=gen)
    for clone in (pickle.loads(pickle.dumps(gen)), copy.deepcopy(gen)):
        np.testing.assert_array_equal(yingshe.rand(5, generator=clone).numpy(),
                                      yingshe.rand(5, generator=copy.deepcopy(gen)).numpy())
        assert clone.initial_seed() == 7


def test_default_generator_is_the_global_stream():
    assert yingshe.manual_seed(11) is yingshe.default_generator
    assert yingshe.initial_seed() == yingshe.default_generator.initial_seed() == 11
    state = yingshe.get_rng_state()
    assert state.dtype == yingshe.uint8
    np.testing.assert_array_equal(state.numpy(), yingshe.default_generator.get_state().numpy())
    a = yingshe.randn(4)
    yingshe.set_rng_state(state)
    np.testing.assert_array_equal(yingshe.randn(4).numpy(), a.numpy())
    yingshe.default_generator.manual_seed(11)
    np.testing.assert_array_equal(yingshe.randn(4).numpy(), a.numpy())
    assert yingshe.manual_seed(-1).initial_seed() == torch.manual_seed(-1).initial_seed()
    assert isinstance(yingshe.seed(), int)


def _draws(gen):
    """One draw from every random function that takes ``generator=``."""
    x = yingshe.ones(4, 3)
    probabilities = yingshe.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    return [yingshe.rand(3, generator=gen), yingshe.randn(2, 2, generator=gen),
            yingshe.randint(0, 9, (5,), generator=gen), yingshe.randint(9, (5,), generator=gen),
            yingshe.randperm(6, generator=gen), yingshe.normal(0.0, 2.0, (3,), generator=gen),
            yingshe.normal(yingshe.zeros(3), yingshe.ones(3), generator=gen),
            yingshe.bernoulli(yingshe.full((6,), 0.5), generator=gen),
            yingshe.zeros(5).bernoulli(0.3, generator=gen),
            yingshe.zeros(5).bernoulli_(0.4, generator=gen),
            yingshe.multinomial(probabilities, 2, generator=gen),
            probabilities.multinomial(4, True, generator=gen),
            x.clone().uniform_(-1, 1, generator=gen), x.clone().normal_(2, 3, generator=gen),
            nn.init.uniform_(x.clone(), generator=gen), nn.init.normal_(x.clone(), generator=gen),
            nn.init.trunc_normal_(x.clone(), generator=gen),
            nn.init.xavier_uniform_(x.clone(), generator=gen),
            nn.init.xavier_normal_(x.clone(), generator=gen),
            nn.init.kaiming_uniform_(x.clone(), generator=gen),
            nn.init.kaiming_normal_(x.clone(), generator=gen),
            nn.init.orthogonal_(x.clone(), generator=gen),
            nn.init.sparse_(x.clone(), 0.5, generator=gen)]


def test_every_generator_argument_draws_from_that_generator_only():
    yingshe.manual_seed(0)
    global_before = yingshe.get_rng_state()
    first = _draws(yingshe.Generator().manual_seed(5))
    np.testing.assert_array_equal(yingshe.get_rng_state().numpy(), global_before.numpy())
    second = _draws(yingshe.Generator().manual_seed(5))
    other = _draws(yingshe.Generator().manual_seed(6))
    for i, (a, b, c) in enumerate(zip(first, second, other)):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"draw {i}")
    assert sum(not np.array_equal(a.numpy(), c.numpy()) for a, c in zip(first, other)) >= 20


def test_data_utilities_take_a_generator():
    dataset = TensorDataset(yingshe.arange(20))

    def epoch(gen):
        return [b[0].tolist() for b in DataLoader(dataset, batch_size=4, shuffle=True,
                                                  generator=gen)]
    assert epoch(yingshe.Generator().manual_seed(1)) == epoch(yingshe.Generator().manual_seed(1))
    assert epoch(yingshe.Generator().manual_seed(1)) != epoch(yingshe.Generator().manual_seed(2))
    for make in (lambda g: [s.indices for s in random_split(range(10), [3, 7], generator=g)],
                 lambda g: list(RandomSampler(range(10), generator=g)),
                 lambda g: list(RandomSampler(range(10), True, 15, generator=g)),
                 lambda g: list(SubsetRandomSampler([3, 5, 7, 9], generator=g))):
        assert make(yingshe.Generator().manual_seed(3)) == make(yingshe.Generator().manual_seed(3))
        # a NumPy generator is still accepted
        assert make(np.random.default_rng(3)) == make(np.random.default_rng(3))
    check_raises(lambda: list(RandomSampler(range(3), generator="seed")), TypeError,
                 "yingshe.Generator")


# ---- bernoulli and multinomial ----------------------------------------------------------------
def test_bernoulli_draws_with_the_given_probabilities_and_zero_gradient():
    p = yingshe.tensor([0.0, 0.2, 0.9, 1.0], dtype=yingshe.float64).expand(20000, 4)
    draws = yingshe.bernoulli(p)
    assert draws.dtype == yingshe.float64 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.numpy().mean(0), [0.0, 0.2, 0.9, 1.0], atol=0.015)
    assert yingshe.bernoulli(yingshe.ones(3, dtype=yingshe.float16)).dtype == yingshe.float16
    np.testing.assert_allclose(yingshe.zeros(20000).bernoulli(0.3).numpy().mean(), 0.3, atol=0.015)
    ints = yingshe.zeros(20000, dtype=yingshe.int64).bernoulli_(0.7)
    assert ints.dtype == yingshe.int64 and abs(ints.numpy().mean() - 0.7) < 0.015
    ours = yingshe.full((3,), 0.5, requires_grad=True)
    theirs = torch.full((3,), 0.5, requires_grad=True)
    yingshe.bernoulli(ours).sum().backward()
    torch.bernoulli(theirs).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    for m, error in ((torch, RuntimeError), (yingshe, RuntimeError)):
        with pytest.raises(error):
            m.bernoulli(m.full((3,), 1.5))
    with pytest.raises(NotImplementedError):
        yingshe.bernoulli(yingshe.zeros(3, dtype=yingshe.int64))


def test_multinomial_frequencies_follow_the_weights():
    weights = yingshe.tensor([[1.0, 0.0, 3.0], [2.0, 2.0, 4.0]])
    draws = yingshe.multinomial(weights, 30000, replacement=True)
    assert draws.dtype == yingshe.int64 and draws.shape == (2, 30000)
    for row, w in zip(draws.numpy(), weights.numpy()):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / row.size, w / w.sum(),
                                   atol=0.015)
    firsts = np.array([yingshe.multinomial(weights[1], 3).tolist() for _ in range(3000)])
    assert all(sorted(row) == [0, 1, 2] for row in firsts)  # without replacement: distinct
    np.testing.assert_allclose(np.bincount(firsts[:, 0], minlength=3) / 3000, [0.25, 0.25, 0.5],
                               atol=0.03)
    # zero-weight categories come last, once the others are used up (as torch)
    assert sorted(yingshe.multinomial(yingshe.tensor([1.0, 1.0, 0.0]), 3).tolist()[:2]) == [0, 1]
    one_d = yingshe.tensor([0.2, 0.8]).multinomial(5, replacement=True)
    assert one_d.shape == (5,) and set(one_d.tolist()) <= {0, 1}
    assert yingshe.multinomial(yingshe.ones(3, dtype=yingshe.float16), 2).dtype == yingshe.int64


@pytest.mark.parametrize("probabilities,n,replacement,fragment", [
    ([1.0, 2.0, 3.0], 4, False, "n_sample > prob_dist.size(-1)"),
    ([1.0, -1.0, 0.0], 1, False, "element < 0"), ([1.0, float("inf")], 1, True, "inf"),
    ([1.0, float("nan")], 1, True, "nan"), ([0.0, 0.0], 1, True, "sum of probabilities <= 0"),
    ([1.0, 2.0], 0, True, "n_sample <= 0"), ([1.0, 2.0], -1, True, "n_sample <= 0"),
    ([[[1.0]]], 1, True, "prob_dist must be 1 or 2 dim"), (1.0, 1, True, "1 or 2 dim")])
def test_multinomial_refuses_what_torch_refuses(probabilities, n, replacement, fragment):
    with pytest.raises(RuntimeError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        torch.multinomial(torch.tensor(probabilities), n, replacement)
    check_raises(lambda: yingshe.multinomial(yingshe.tensor(probabilities), n, replacement),
                 RuntimeError, fragment)


def test_multinomial_needs_floating_weights():
    check_raises(lambda: yingshe.multinomial(yingshe.ones(3, dtype=yingshe.int64), 1),
                 RuntimeError, "floating-point dtypes")


# ---- the meta device --------------------------------------------------------------------------
def test_meta_tensors_have_shape_and_dtype_and_no_data():
    for make in (lambda m: m.zeros(2, 3, device="meta"), lambda m: m.empty(4, device="meta"),
                 lambda m: m.ones(2, dtype=m.int64, device="meta"),
                 lambda m: m.full((2, 2), 7, device="meta"), lambda m: m.randn(3, 2, device="meta"),
                 lambda m: m.rand(2, device="meta"), lambda m: m.randint(0, 5, (3,), device="meta"),
                 lambda m: m.randperm(4, device="meta"), lambda m: m.arange(5, device="meta"),
                 lambda m: m.eye(3, device="meta"), lambda m: m.tensor([1, 2], device="meta"),
                 lambda m: m.linspace(0, 1, 4, device="meta"),
                 lambda m: m.zeros((), device="meta"), lambda m: m.zeros(0, device="meta"),
                 lambda m: m.zeros(2, device="meta", requires_grad=True),
                 lambda m: m.ones(3).to("meta")):
        ours, theirs = make(yingshe), make(torch)
        assert ours.is_meta and ours.device == yingshe.device("meta") and ours.device.type == "meta"
        assert tuple(ours.shape) == tuple(theirs.shape) and _name(ours) == _name(theirs)
        assert repr(ours) == repr(theirs).replace("torch.", "yingshe.")
    for m in (torch, yingshe):
        with pytest.raises(RuntimeError, match="legacy constructor expects device type: cpu"):
            m.FloatTensor(2, device="meta")
    huge = yingshe.zeros(10 ** 6, 10 ** 6, device="meta")  # one element of memory
    assert huge.shape == (10 ** 6, 10 ** 6) and repr(huge + 1).startswith("tensor(...")


def _name(t):
    return str(t.dtype).split(".")[-1]


META_OPS = [
    lambda m, x, w: x @ w, lambda m, x, w: (x + 1).relu(), lambda m, x, w: x.sum(0),
    lambda m, x, w: x.sum(), lambda m, x, w: x.mean(1, keepdim=True),
    lambda m, x, w: x.reshape(3, 2).t(), lambda m, x, w: x[0], lambda m, x, w: x[:, 1:],
    lambda m, x, w: x * m.ones(1, 3, device="meta", dtype=m.float64),
    lambda m, x, w: m.softmax(x, dim=1), lambda m, x, w: x > 0, lambda m, x, w: x.argmax(1),
    lambda m, x, w: m.cat([x, x], 0), lambda m, x, w: m.stack([x, x], 2),
    lambda m, x, w: x.to(m.float16), lambda m, x, w: x.long() // 2,
    lambda m, x, w: x.unsqueeze(0).expand(4, 2, 3), lambda m, x, w: m.where(x > 0, x, 0.0),
    lambda m, x, w: x * m.tensor(2.0, device="meta"), lambda m, x, w: x.exp().log1p().sqrt(),
    lambda m, x, w: x.max(1).values, lambda m, x, w: x.clone().add_(1),
]


@pytest.mark.parametrize("index", range(len(META_OPS)))
def test_ops_on_meta_tensors_give_meta_results_shaped_as_torch(index):
    def run(m):
        x, w = m.zeros(2, 3, device="meta"), m.zeros(3, 4, device="meta")
        return META_OPS[index](m, x, w)
    ours, theirs = run(yingshe), run(torch)
    assert ours.is_meta and tuple(ours.shape) == tuple(theirs.shape) and _name(ours) == \
        _name(theirs)
    assert not any(ours._data.strides)  # no per-element memory kept


def test_meta_values_cannot_be_read():
    x = yingshe.zeros(2, 3, device="meta")
    check_raises(lambda: x.sum().item(), RuntimeError, "item() cannot be called on meta")
    check_raises(lambda: bool(x.sum()), RuntimeError, "meta")
    check_raises(x.numpy, TypeError, "meta")
    check_raises(lambda: np.asarray(x), TypeError, "meta")
    check_raises(x.tolist, NotImplementedError, "Cannot copy out of meta tensor")
    check_raises(lambda: x.to("cpu"), NotImplementedError, "Cannot copy out of meta tensor")
    check_raises(x.cpu, NotImplementedError, "Cannot copy out of meta tensor")
    check_raises(lambda: x + yingshe.ones(2, 3), RuntimeError, "meta")
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor"):
        torch.zeros(2, device="meta").cpu()


def test_modules_built_on_meta_then_given_memory():
    torch_model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(),
                                      torch.nn.Flatten(), torch.nn.Linear(8 * 30 * 30, 10))
    model = nn.Sequential(nn.Conv2d(3, 8, 3, device="meta"), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8 * 30 * 30, 10, device="meta"))
    lstm = nn.LSTM(4, 5, device="meta")
    assert all(p.is_meta for p in list(model.parameters()) + list(lstm.parameters()))
    before = yingshe.get_rng_state()
    big = nn.Linear(10 ** 5, 10 ** 5, device="meta")  # 10^10 weights: initialisation is skipped
    np.testing.assert_array_equal(yingshe.get_rng_state().numpy(), before.numpy())
    assert big.weight.shape == (10 ** 5, 10 ** 5)
    x = yingshe.zeros(2, 3, 32, 32, device="meta", requires_grad=True)
    out = model(x)
    assert out.is_meta and out.shape == (2, 10)
    out.sum().backward()
    assert x.grad.is_meta and x.grad.shape == x.shape
    assert all(p.grad.is_meta and p.grad.shape == p.shape for p in model.parameters())
    model.to_empty(device="cpu")
    assert all(not p.is_meta and p.device.type == "cpu" for p in model.parameters())
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})
    data = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(model(yingshe.tensor(data)).detach().numpy(),
                               torch_model(torch.tensor(data)).detach().numpy(), rtol=1e-4,
                               atol=1e-5)
