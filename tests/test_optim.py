"""yingshe.optim against torch.optim: the same parameters after every step on identical
gradient sequences, the Optimizer API (groups, zero_grad, closures, state_dict/resume), errors,
and the L1/L2 penalties.

PyTorch's CPU kernels fuse multiply-adds (FMA: ``p + alpha * g`` rounded once); NumPy rounds the
product and the sum separately.  The update rules perform the same operations in the same order,
so the results agree to a few units in the last place of the operands, which are O(1) here
(standard-normal parameters and gradients): the comparison is ``rtol`` (1e-12 in float64, 1e-6
in float32) relative to ``max(1, largest entry)``, since an entry that cancels to near zero
keeps the absolute, not the relative, rounding error.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import yingshe
import yingshe.optim
from helpers import check_raises
from yingshe.optim import regularization

DTYPES = {"float64": (yingshe.float64, torch.float64, 1e-12),
          "float32": (yingshe.float32, torch.float32, 1e-6)}
SHAPES = [(3, 4), (5,), ()]

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.1}),
    ("Adagrad", {"eps": 1e-3, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01, "alpha": 0.3}),
    ("RMSprop", {"alpha": 0.9, "eps": 1e-4, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}),
    ("Adadelta", {"eps": 1e-4, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"betas": (0.3, 0.9)}),  # lerp's other branch (weight 1 - beta1 >= 0.5)
    ("Adam", {"lr": 0.1, "maximize": True, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"betas": (0.8, 0.99), "eps": 1e-6, "maximize": True}),
]


def _make(kind, spec, **options):
    """The same optimizer in yingshe and torch; ``spec(params)`` gives the ``params`` argument."""
    return (lambda ys_params, torch_params:
            (getattr(yingshe.optim, kind)(spec(ys_params), **options),
             getattr(torch.optim, kind)(spec(torch_params), **options)))


def _assert_close(ys_tensor, torch_tensor, rtol):
    actual, expected = ys_tensor.detach().numpy(), torch_tensor.detach().numpy()
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def _run(make, dtype="float64", shapes=SHAPES, steps=20, skip=None, seed=0):
    """Step both optimizers on the same random gradients; parameter ``i`` gets no gradient at
    the steps listed in ``skip[i]``.  Returns the yingshe and torch optimizers and parameters."""
    ys_dtype, torch_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(shape) for shape in shapes]
    ys_params = [yingshe.tensor(a, dtype=ys_dtype, requires_grad=True) for a in start]
    torch_params = [torch.tensor(a, dtype=torch_dtype, requires_grad=True) for a in start]
    ys_opt, torch_opt = make(ys_params, torch_params)
    for step in range(steps):
        for i, (p, q) in enumerate(zip(ys_params, torch_params)):
            g = rng.standard_normal(p.shape)
            if skip and step in skip.get(i, ()):
                p.grad = q.grad = None
            else:
                p.grad = yingshe.tensor(g, dtype=ys_dtype)
                q.grad = torch.tensor(g, dtype=torch_dtype)
        ys_opt.step()
        torch_opt.step()
        for p, q in zip(ys_params, torch_params):
            _assert_close(p, q, rtol)
    return ys_opt, torch_opt, ys_params, torch_params


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind,options", CONFIGS, ids=[f"{k}-{i}" for i, (k, _) in
                                                       enumerate(CONFIGS)])
def test_updates_match_torch(kind, options, dtype):
    ys_opt, _, ys_params, _ = _run(_make(kind, list, **options), dtype, skip={2: (3, 4, 11)})
    for p in ys_params:
        assert p.dtype == DTYPES[dtype][0]
    for state in ys_opt.state.values():
        for value in state.values():
            if isinstance(value, yingshe.Tensor):
                assert value.dtype == DTYPES[dtype][0]


@pytest.mark.parametrize("kind,first,second", [
    ("SGD", {"lr": 0.5, "momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1}),
    ("Adagrad", {"lr_decay": 0.1}, {"lr": 0.3}),
    ("RMSprop", {"centered": True}, {"momentum": 0.8, "lr": 0.001}),
    ("Adadelta", {"rho": 0.5}, {"lr": 0.1, "weight_decay": 0.2}),
    ("Adam", {"betas": (0.5, 0.9), "amsgrad": True}, {"lr": 0.05}),
    ("AdamW", {"weight_decay": 0.5}, {"lr": 0.02, "eps": 1e-3}),
])
def test_parameter_groups_with_their_own_options(kind, first, second):
    spec = lambda ps: [dict(first, params=[ps[0]]), dict(second, params=ps[1:])]
    defaults = {"lr": 0.1} if kind == "SGD" else {}
    ys_opt, torch_opt, _, _ = _run(_make(kind, spec, **defaults))
    for ys_group, torch_group in zip(ys_opt.param_groups, torch_opt.param_groups):
        for key, value in ys_group.items():
            if key != "params":
                assert value == torch_group[key], key


@settings(max_examples=15, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5))
def test_any_shape_matches_torch(shape):
    for kind, options in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"amsgrad": True}),
                          ("RMSprop", {"centered": True, "momentum": 0.5})]:
        _run(_make(kind, list, **options), "float32", shapes=[shape], steps=4)


def test_one_cycle_momentum_and_betas_reach_the_update():
    """OneCycleLR rewrites group['momentum'] / group['betas'] every step; the rules read them."""
    for kind, options in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {})]:
        def make(ys_params, torch_params, kind=kind, options=options):
            ys_opt = getattr(yingshe.optim, kind)(ys_params, **options)
            torch_opt = getattr(torch.optim, kind)(torch_params, **options)
            ys_sched = yingshe.optim.lr_scheduler.OneCycleLR(ys_opt, 0.5, total_steps=20)
            torch_sched = torch.optim.lr_scheduler.OneCycleLR(torch_opt, 0.5, total_steps=20)
            return _Scheduled(ys_opt, ys_sched), _Scheduled(torch_opt, torch_sched)
        _run(make, steps=19)


class _Scheduled:
    """An optimizer whose step also steps its scheduler."""

    def __init__(self, optimizer, scheduler):
        self.optimizer, self.scheduler = optimizer, scheduler

    def step(self):
        self.optimizer.step()
        self.scheduler.step()


def test_sgd_textbook_formulas():
    p = yingshe.tensor([1.0, -2.0], dtype=yingshe.float64, requires_grad=True)
    opt = yingshe.optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad = yingshe.tensor([0.5, 1.0], dtype=yingshe.float64)
        opt.step()
    # b_1 = g, b_2 = 0.9 b_1 + g = 1.9 g; theta = theta - 0.1 (g + 1.9 g)
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 0.29 * 0.5, -2.0 - 0.29], rtol=1e-15)


def test_adam_textbook_formulas():
    p = yingshe.tensor([1.0, 3.0], dtype=yingshe.float64, requires_grad=True)
    g = np.array([0.5, -2.0])
    opt = yingshe.optim.Adam([p], lr=0.01, betas=(0.9, 0.99), eps=1e-8)
    p.grad = yingshe.tensor(g, dtype=yingshe.float64)
    opt.step()
    m, v = 0.1 * g, 0.01 * g ** 2
    m_hat, v_hat = m / (1 - 0.9), v / (1 - 0.99)
    np.testing.assert_allclose(p.detach().numpy(), [1.0, 3.0] - 0.01 * m_hat /
                               (np.sqrt(v_hat) + 1e-8), rtol=1e-14)
    state = opt.state[p]
    assert state["step"] == 1
    np.testing.assert_allclose(state["exp_avg"].numpy(), m, rtol=1e-15)
    np.testing.assert_allclose(state["exp_avg_sq"].numpy(), v, rtol=1e-15)


def test_float32_parameters_stay_float32_with_numpy_hyperparameters():
    p = yingshe.randn(4, requires_grad=True)
    opt = yingshe.optim.Adam([p], lr=np.float64(0.01), betas=(np.float64(0.9), 0.999),
                             weight_decay=np.float64(0.1))
    sgd = yingshe.optim.SGD([yingshe.randn(4, requires_grad=True)], lr=np.float64(0.1),
                            momentum=np.float64(0.9), weight_decay=np.float64(0.1))
    for optimizer in (opt, sgd):
        for _ in range(2):
            for q in optimizer.param_groups[0]["params"]:
                q.grad = yingshe.randn(4)
            optimizer.step()
        q = optimizer.param_groups[0]["params"][0]
        assert q._data.dtype == np.float32
        assert all(v._data.dtype == np.float32 for v in optimizer.state[q].values()
                   if isinstance(v, yingshe.Tensor))


def test_step_updates_in_place_and_bumps_the_version():
    p = yingshe.randn(3, requires_grad=True)
    array, version = p._data, p._version
    opt = yingshe.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = yingshe.ones(3)
    opt.step()
    assert p._data is array and p._version == version + 1
    buffer = opt.state[p]["momentum_buffer"]
    p.grad = yingshe.ones(3)
    opt.step()
    assert opt.state[p]["momentum_buffer"] is buffer  # the velocity is updated in place


def test_parameters_without_gradients_are_left_alone():
    p, q = yingshe.randn(3, requires_grad=True), yingshe.randn(2, requires_grad=True)
    before = q.detach().numpy().copy()
    opt = yingshe.optim.Adam([p, q])
    p.grad = yingshe.ones(3)
    opt.step()
    np.testing.assert_array_equal(q.detach().numpy(), before)
    assert q not in opt.state and opt.state[p]["step"] == 1


def test_adagrad_state_exists_before_the_first_step():
    p = yingshe.randn(3, requires_grad=True)
    opt = yingshe.optim.Adagrad([p], initial_accumulator_value=0.5)
    assert opt.state[p]["step"] == 0
    np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), np.full(3, 0.5, np.float32))


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    p = yingshe.tensor([1.0, 2.0], requires_grad=True)
    opt = yingshe.optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with yingshe.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(p.detach().numpy(), [0.5, 1.0])  # p - 0.25 * 2p
    assert opt.step() is None


def test_zero_grad():
    p = yingshe.randn(3, requires_grad=True)
    opt = yingshe.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3, np.float32))
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad()  # no gradients: nothing to do


def test_zero_grad_detaches_a_gradient_with_history():
    p = yingshe.randn(3, requires_grad=True)
    (p * p * p).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    yingshe.optim.SGD([p]).zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3, np.float32))


def test_add_param_group_and_defaults():
    p, q = yingshe.randn(2, requires_grad=True), yingshe.randn(2, requires_grad=True)
    opt = yingshe.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": q, "lr": 0.01})
    assert opt.param_groups[1] == {"params": [q], "lr": 0.01, "momentum": 0.9, "dampening": 0,
                                   "weight_decay": 0, "nesterov": False, "maximize": False}
    assert opt.defaults["lr"] == 0.1
    torch_opt = torch.optim.SGD([torch.zeros(2)], lr=0.1, momentum=0.9)
    assert set(opt.param_groups[0]) <= set(torch_opt.param_groups[0])


def test_optimizer_accepts_a_generator_of_parameters():
    params = [yingshe.randn(2, requires_grad=True), yingshe.randn(3, requires_grad=True)]
    opt = yingshe.optim.SGD((p for p in params), lr=0.1)
    assert opt.param_groups[0]["params"] == params


def test_repr():
    opt = yingshe.optim.SGD([yingshe.randn(2, requires_grad=True)], lr=0.1)
    torch_opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    assert repr(opt).splitlines()[:3] == repr(torch_opt).splitlines()[:3]
    assert "    lr: 0.1" in repr(opt) and "    nesterov: False" in repr(opt)


@pytest.mark.parametrize("kind,options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}), ("SGD", {"lr": 0.1}), ("Adagrad", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adadelta", {}), ("Adam", {"amsgrad": True}),
    ("AdamW", {})])
def test_state_dict_has_torchs_structure(kind, options):
    spec = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5}]
    ys_opt, torch_opt, _, _ = _run(_make(kind, spec, **options), steps=3, skip={2: (0, 1, 2)})
    ys_state, torch_state = ys_opt.state_dict(), torch_opt.state_dict()
    assert [g["params"] for g in ys_state["param_groups"]] == [[0], [1, 2]]
    assert [g["params"] for g in torch_state["param_groups"]] == [[0], [1, 2]]
    for ys_group, torch_group in zip(ys_state["param_groups"], torch_state["param_groups"]):
        assert all(ys_group[k] == torch_group[k] for k in ys_group)
    assert sorted(ys_state["state"]) == sorted(torch_state["state"])
    for index, entry in torch_state["state"].items():
        assert sorted(ys_state["state"][index]) == sorted(entry)
        for name, value in entry.items():
            mine = ys_state["state"][index][name]
            if name == "step":
                assert mine == value.item()
            else:
                np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind,options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), ("Adagrad", {"lr_decay": 0.1}),
    ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adadelta", {}),
    ("Adam", {"amsgrad": True}), ("AdamW", {})])
def test_resume_from_a_saved_state_continues_exactly(kind, options, tmp_path):
    rng = np.random.default_rng(5)
    start = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(10)]

    def train(params, optimizer, steps):
        for gs in steps:
            for p, g in zip(params, gs):
                p.grad = yingshe.tensor(g)
            optimizer.step()

    params = [yingshe.tensor(a, requires_grad=True) for a in start]
    optimizer = getattr(yingshe.optim, kind)(params, **options)
    train(params, optimizer, grads)
    uninterrupted = [p.detach().numpy() for p in params]

    params = [yingshe.tensor(a, requires_grad=True) for a in start]
    optimizer = getattr(yingshe.optim, kind)(params, **options)
    train(params, optimizer, grads[:4])
    yingshe.save({"params": [p.detach() for p in params], "optimizer": optimizer.state_dict()},
                 tmp_path / "ckpt.safetensors")
    saved = yingshe.load(tmp_path / "ckpt.safetensors")
    params = [yingshe.tensor(t.numpy(), requires_grad=True) for t in saved["params"]]
    optimizer = getattr(yingshe.optim, kind)(params, **options)
    optimizer.load_state_dict(saved["optimizer"])
    train(params, optimizer, grads[4:])
    for p, expected in zip(params, uninterrupted):
        np.testing.assert_array_equal(p.detach().numpy(), expected)


@pytest.mark.parametrize("kind,options", [("SGD", {"lr": 0.1, "momentum": 0.9}),
                                          ("Adam", {"amsgrad": True}), ("RMSprop", {})])
def test_loads_a_converted_torch_state_dict(kind, options):
    """A torch optimizer's state_dict, its tensors converted, resumes in yingshe."""
    _, torch_opt, _, torch_params = _run(_make(kind, list, **options), steps=5)
    converted = {"state": {i: {k: yingshe.from_numpy(v.numpy()) if torch.is_tensor(v) else v
                               for k, v in s.items()}
                           for i, s in torch_opt.state_dict()["state"].items()},
                 "param_groups": torch_opt.state_dict()["param_groups"]}

    def make(ys_params, new_torch_params):
        for p, q, old in zip(ys_params, new_torch_params, torch_params):
            p._data[...] = old.detach().numpy()
            with torch.no_grad():
                q.copy_(old)
        ys_opt = getattr(yingshe.optim, kind)(ys_params, **options)
        ys_opt.load_state_dict(converted)
        new_torch = getattr(torch.optim, kind)(new_torch_params, **options)
        new_torch.load_state_dict(torch_opt.state_dict())
        return ys_opt, new_torch
    ys_opt, _, _, _ = _run(make, steps=5, seed=1)
    assert ys_opt.state[ys_opt.param_groups[0]["params"][0]]["step" if kind != "SGD"
                                                            else "momentum_buffer"] is not None


def test_load_state_dict_copies_and_casts_to_the_parameter_dtype():
    p = yingshe.randn(3, dtype=yingshe.float64, requires_grad=True)
    opt = yingshe.optim.Adam([p])
    buffer = yingshe.ones(3)  # float32, converted to the parameter's float64
    state = {"state": {0: {"step": yingshe.tensor(4.0), "exp_avg": buffer,
                           "exp_avg_sq": yingshe.ones(3)}},
             "param_groups": [dict(opt.state_dict()["param_groups"][0], lr=0.5)]}
    opt.load_state_dict(state)
    loaded = opt.state[p]
    assert loaded["step"] == 4 and isinstance(loaded["step"], int)
    assert loaded["exp_avg"].dtype == yingshe.float64
    assert loaded["exp_avg"]._data is not buffer._data
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["params"] == [p]


def test_errors():
    p = yingshe.randn(2, requires_grad=True)
    check_raises(lambda: yingshe.optim.SGD([]), ValueError, "optimizer got an empty parameter list")
    check_raises(lambda: yingshe.optim.SGD(p), TypeError, "iterable of Tensors or dicts", "Tensor")
    check_raises(lambda: yingshe.optim.SGD([p, 3.0]), TypeError, "can only optimize Tensors",
                 "float")
    check_raises(lambda: yingshe.optim.SGD([p * 2]), ValueError, "can't optimize a non-leaf")
    check_raises(lambda: yingshe.optim.SGD([{"params": {p}}]), TypeError, "ordered collections")
    check_raises(lambda: yingshe.optim.SGD([p], lr=-0.1), ValueError, "Invalid learning rate: -0.1")
    check_raises(lambda: yingshe.optim.SGD([p], momentum=-1), ValueError,
                 "Invalid momentum value: -1")
    check_raises(lambda: yingshe.optim.SGD([p], weight_decay=-1e-4), ValueError,
                 "Invalid weight_decay value: -0.0001")
    check_raises(lambda: yingshe.optim.SGD([p], nesterov=True), ValueError,
                 "Nesterov momentum requires a momentum and zero dampening", "momentum=0")
    check_raises(lambda: yingshe.optim.Adam([p], betas=(1.0, 0.999)), ValueError,
                 "Invalid beta parameter at index 0: 1.0")
    check_raises(lambda: yingshe.optim.AdamW([p], betas=(0.9, -0.1)), ValueError,
                 "Invalid beta parameter at index 1: -0.1")
    check_raises(lambda: yingshe.optim.Adam([p], eps=-1.0), ValueError, "Invalid epsilon value")
    check_raises(lambda: yingshe.optim.Adadelta([p], rho=1.5), ValueError, "Invalid rho value: 1.5")
    check_raises(lambda: yingshe.optim.RMSprop([p], alpha=-0.5), ValueError,
                 "Invalid alpha value: -0.5")
    check_raises(lambda: yingshe.optim.Adagrad([p], lr_decay=-1), ValueError,
                 "Invalid lr_decay value: -1")
    check_raises(lambda: yingshe.optim.Adagrad([p], initial_accumulator_value=-1), ValueError,
                 "Invalid initial_accumulator_value value: -1")
    q = yingshe.randn(2, requires_grad=True)
    check_raises(lambda: yingshe.optim.SGD([{"params": [p]}, {"params": [q, p]}]), ValueError,
                 "some parameters appear in more than one parameter group")
    opt = yingshe.optim.SGD([p], lr=0.1)
    check_raises(lambda: opt.add_param_group({"params": [p]}), ValueError,
                 "more than one parameter group")
    check_raises(lambda: opt.add_param_group([q]), TypeError, "param_group must be a dict")
    check_raises(lambda: yingshe.optim.Optimizer([p], {"lr": yingshe.optim.optimizer.required}),
                 ValueError, "didn't specify a value of required optimization parameter lr")
    check_raises(lambda: opt.load_state_dict({"state": {}, "param_groups": []}), ValueError,
                 "different number of parameter groups (0, the optimizer has 1)")
    check_raises(lambda: opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1]}]}),
                 ValueError, "doesn't match the size of optimizer's group", "2 parameters")
    p.grad = yingshe.ones(2)
    check_raises(lambda: yingshe.optim.Optimizer([p], {}).step(), NotImplementedError,
                 "does not define an update rule")


def test_duplicate_parameter_in_a_group_warns():
    p = yingshe.randn(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        yingshe.optim.SGD([p, p], lr=0.1)


# ---- regularization ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_l1_and_l2_penalties_and_their_gradients(dtype):
    ys_dtype, torch_dtype, rtol = DTYPES[dtype]
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((3, 4)), np.array([0.0, -1.5, 2.0]), np.array(0.7)]
    for penalty, reference in [
            (regularization.l1_penalty, lambda ps: sum(p.abs().sum() for p in ps)),
            (regularization.l2_penalty, lambda ps: sum((p ** 2).sum() for p in ps) / 2)]:
        ys_params = [yingshe.tensor(a, dtype=ys_dtype, requires_grad=True) for a in arrays]
        torch_params = [torch.tensor(a, dtype=torch_dtype, requires_grad=True) for a in arrays]
        value, expected = penalty(iter(ys_params)), reference(torch_params)
        _assert_close(value, expected, rtol)
        value.backward()
        expected.backward()
        for p, q in zip(ys_params, torch_params):
            _assert_close(p.grad, q.grad, rtol)


def test_l2_penalty_gradient_is_sgd_weight_decay():
    """SGD on loss + lambda * l2_penalty equals SGD(weight_decay=lambda) on the loss."""
    a = np.array([1.0, -2.0, 0.5])
    p = yingshe.tensor(a, dtype=yingshe.float64, requires_grad=True)
    q = yingshe.tensor(a, dtype=yingshe.float64, requires_grad=True)
    opt_p = yingshe.optim.SGD([p], lr=0.1)
    opt_q = yingshe.optim.SGD([q], lr=0.1, weight_decay=0.01)
    for _ in range(3):
        opt_p.zero_grad()
        ((p * 3.0).sum() + 0.01 * regularization.l2_penalty([p])).backward()
        opt_p.step()
        opt_q.zero_grad()
        (q * 3.0).sum().backward()
        opt_q.step()
    np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-14)


def test_penalty_of_no_parameters_is_zero():
    assert regularization.l1_penalty([]).item() == 0.0
    assert regularization.l2_penalty([]).item() == 0.0
