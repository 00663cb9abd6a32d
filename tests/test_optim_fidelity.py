"""NAdam, RAdam, LBFGS and CosineAnnealingWarmRestarts against torch.optim: the same
parameters and gradients in, the same trajectories (float64, step by step) and learning rates
out."""
import math

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe import optim

rng = np.random.default_rng(0)
SHAPES = [(3, 4), (5,), ()]


def _pair(arrays):
    ys = [yingshe.from_numpy(a.copy()).requires_grad_() for a in arrays]
    th = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return ys, th


def _follow(make_ys, make_torch, steps=14, dtype=np.float64, tol=1e-12):
    """Apply the same random gradients for ``steps`` steps; compare parameters and state after
    each one."""
    arrays = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ys, th = _pair(arrays)
    ys_opt, th_opt = make_ys(ys), make_torch(th)
    for _ in range(steps):
        for a, b in zip(ys, th):
            g = rng.standard_normal(a.shape).astype(dtype)
            a.grad, b.grad = yingshe.from_numpy(g.copy()), torch.from_numpy(g.copy())
        ys_opt.step()
        th_opt.step()
        for a, b in zip(ys, th):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol,
                                       atol=tol)
    for a, b in zip(ys, th):
        for name, value in th_opt.state[b].items():
            ours = ys_opt.state[a][name]
            ours = ours if isinstance(ours, (int, float)) else ours.numpy()
            np.testing.assert_allclose(ours, value.numpy(), rtol=tol, atol=tol, err_msg=name)


NADAM_OPTIONS = [{}, {"weight_decay": 0.1}, {"weight_decay": 0.1, "decoupled_weight_decay": True},
                 {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 0.01, "eps": 1e-6},
                 {"maximize": True, "weight_decay": 0.05}]


@pytest.mark.parametrize("options", NADAM_OPTIONS, ids=str)
def test_nadam_follows_torch(options):
    _follow(lambda p: optim.NAdam(p, **options), lambda p: torch.optim.NAdam(p, **options))


RADAM_OPTIONS = [{}, {"weight_decay": 0.1}, {"weight_decay": 0.1, "decoupled_weight_decay": True},
                 {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-6}, {"maximize": True}]


@pytest.mark.parametrize("options", RADAM_OPTIONS, ids=str)
def test_radam_follows_torch(options):
    # 14 steps cover both regimes: rho_t <= 5 (plain momentum) and rho_t > 5 (rectified)
    _follow(lambda p: optim.RAdam(p, **options), lambda p: torch.optim.RAdam(p, **options))


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_float32_trajectories_follow_torch(name):
    _follow(lambda p: getattr(optim, name)(p, weight_decay=0.01),
            lambda p: getattr(torch.optim, name)(p, weight_decay=0.01), steps=8,
            dtype=np.float32, tol=1e-6)


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_argument_errors_match_torch(name):
    p = [yingshe.zeros(2, requires_grad=True)]
    ys_class, th_class = getattr(optim, name), getattr(torch.optim, name)
    bad = [{"lr": -1.0}, {"eps": -1.0}, {"betas": (1.0, 0.9)}, {"betas": (0.9, -0.1)},
           {"weight_decay": -1.0}] + ([{"momentum_decay": -1.0}] if name == "NAdam" else [])
    for options in bad:
        with pytest.raises(ValueError) as expected:
            th_class([torch.zeros(2, requires_grad=True)], **options)
        check_raises(lambda: ys_class(p, **options), ValueError, str(expected.value))


def test_nadam_state_dict_round_trip_continues_the_trajectory():
    """Both libraries cast the loaded state (the float32 momentum product included) to the
    parameter's dtype, so the resumed runs agree."""
    arrays = [rng.standard_normal((3,))]
    ys, th = _pair(arrays)
    ys_opt, th_opt = optim.NAdam(ys, weight_decay=0.1), torch.optim.NAdam(th, weight_decay=0.1)
    grads = [rng.standard_normal(3) for _ in range(6)]
    for k, g in enumerate(grads):
        if k == 3:
            ys_state, th_state = ys_opt.state_dict(), th_opt.state_dict()
            ys_opt, th_opt = optim.NAdam(ys, weight_decay=0.1), torch.optim.NAdam(th, weight_decay=0.1)
            ys_opt.load_state_dict(ys_state)
            th_opt.load_state_dict(th_state)
            assert ys_opt.state[ys[0]]["mu_product"].dtype == yingshe.float64
        ys[0].grad, th[0].grad = yingshe.from_numpy(g.copy()), torch.from_numpy(g.copy())
        ys_opt.step()
        th_opt.step()
    np.testing.assert_allclose(ys[0].detach().numpy(), th[0].detach().numpy(), rtol=1e-12)


# ---- L-BFGS ---------------------------------------------------------------------------------
def _rosenbrock(lib):
    def loss(params):
        (x,) = params
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    return loss


def _least_squares(lib, A, b):
    def loss(params):
        weight, bias = params
        residual = lib.from_numpy(A.copy()) @ weight.t() + bias - lib.from_numpy(b.copy())
        return (residual * residual).sum() * 0.5
    return loss


def _run_lbfgs(lib, module, loss_fn, arrays, steps, **options):
    params = [(yingshe.from_numpy(a.copy()) if lib is yingshe else torch.tensor(a.copy()))
              .requires_grad_() for a in arrays]
    opt = module.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        history.append((float(loss.detach()), [p.detach().numpy().copy() for p in params],
                        state["func_evals"], state["n_iter"]))
    return history


LBFGS_CASES = [
    ("rosenbrock", None, {"lr": 0.1, "max_iter": 10, "history_size": 4}),
    ("rosenbrock", "strong_wolfe", {"max_iter": 10, "history_size": 4}),
    ("rosenbrock", "strong_wolfe", {"max_iter": 25, "history_size": 100}),
    ("least_squares", None, {"lr": 0.5, "max_iter": 7, "history_size": 3}),
    ("least_squares", "strong_wolfe", {"max_iter": 6, "history_size": 2, "max_eval": 9}),
    ("least_squares", "strong_wolfe", {"tolerance_grad": 1e-3, "tolerance_change": 1e-4}),
]


@pytest.mark.parametrize("problem,line_search,options", LBFGS_CASES, ids=str)
def test_lbfgs_follows_torch(problem, line_search, options):
    if problem == "rosenbrock":
        arrays = [np.array([-1.5, 2.0])]
        make = _rosenbrock
    else:
        A, b = rng.standard_normal((20, 5)), rng.standard_normal((20, 3))
        arrays = [rng.standard_normal((3, 5)), rng.standard_normal(3)]

        def make(lib):
            return _least_squares(lib, A, b)
    ours = _run_lbfgs(yingshe, optim, make(yingshe), arrays, 5, line_search_fn=line_search,
                      **options)
    theirs = _run_lbfgs(torch, torch.optim, make(torch), arrays, 5, line_search_fn=line_search,
                        **options)
    # PyTorch's x + alpha * y is one fused multiply-add on CPU, NumPy's two roundings: the paths
    # agree to the last bits at first, and over 50 iterations to about 1e-9
    for step, (a, b) in enumerate(zip(ours, theirs)):
        assert a[2:] == b[2:], f"step {step}: (func_evals, n_iter) {a[2:]} != torch's {b[2:]}"
        np.testing.assert_allclose(a[0], b[0], rtol=1e-7, atol=1e-10, err_msg=f"loss {step}")
        for p, q in zip(a[1], b[1]):
            np.testing.assert_allclose(p, q, rtol=1e-8, atol=1e-12, err_msg=f"step {step}")
    if line_search == "strong_wolfe" and problem == "rosenbrock":
        np.testing.assert_allclose(ours[-1][1][0], [1.0, 1.0], atol=1e-4)


def test_lbfgs_resumes_from_its_state_dict():
    A, b = rng.standard_normal((12, 4)), rng.standard_normal(12)

    def run(resume_after):
        x = yingshe.zeros(4, dtype=yingshe.float64, requires_grad=True)
        opt = optim.LBFGS([x], max_iter=3, history_size=2, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            residual = yingshe.from_numpy(A) @ x - yingshe.from_numpy(b)
            loss = (residual * residual).sum()
            loss.backward()
            return loss
        for k in range(4):
            if k == resume_after:
                state = opt.state_dict()
                opt = optim.LBFGS([x], max_iter=3, history_size=2,
                                  line_search_fn="strong_wolfe")
                opt.load_state_dict(state)
            opt.step(closure)
        return x.detach().numpy(), opt.state[x]["func_evals"]
    straight, resumed = run(None), run(2)
    np.testing.assert_array_equal(straight[0], resumed[0])
    assert straight[1] == resumed[1]


def test_lbfgs_errors_as_torch():
    p = yingshe.zeros(2, requires_grad=True)
    q = yingshe.zeros(2, requires_grad=True)
    check_raises(lambda: optim.LBFGS([{"params": [p]}, {"params": [q]}]), ValueError,
                 "LBFGS doesn't support per-parameter options")
    check_raises(lambda: optim.LBFGS([p], lr=-1), ValueError, "Invalid learning rate: -1")
    opt = optim.LBFGS([p], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((p - 1.0) ** 2).sum()
        loss.backward()
        return loss
    check_raises(lambda: opt.step(closure), RuntimeError, "only 'strong_wolfe' is supported")


def test_lbfgs_stops_at_once_at_an_optimum():
    p = yingshe.ones(3, requires_grad=True)
    opt = optim.LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = ((p - 1.0) ** 2).sum()
        loss.backward()
        return loss
    assert float(opt.step(closure)) == 0.0
    assert opt.state[p]["func_evals"] == 1 and opt.state[p]["n_iter"] == 0


# ---- CosineAnnealingWarmRestarts ------------------------------------------------------------
def _schedulers(**options):
    ys_opt = optim.SGD([{"params": [yingshe.zeros(1, requires_grad=True)]},
                        {"params": [yingshe.zeros(1, requires_grad=True)], "lr": 0.3}], lr=0.1)
    th_opt = torch.optim.SGD([{"params": [torch.zeros(1, requires_grad=True)]},
                              {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3}],
                             lr=0.1)
    return (optim.lr_scheduler.CosineAnnealingWarmRestarts(ys_opt, **options),
            torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(th_opt, **options))


WARM_RESTARTS = [{"T_0": 10}, {"T_0": 3, "T_mult": 2, "eta_min": 0.01}, {"T_0": 1, "T_mult": 3},
                 {"T_0": 7, "eta_min": 0.05}]


@pytest.mark.parametrize("options", WARM_RESTARTS, ids=str)
def test_warm_restarts_lrs_follow_torch_over_50_steps(options):
    ys, th = _schedulers(**options)
    assert ys.get_last_lr() == th.get_last_lr()
    for _ in range(50):
        ys.optimizer.step()
        th.optimizer.step()
        ys.step()
        th.step()
        assert ys.get_last_lr() == th.get_last_lr()
        assert [g["lr"] for g in ys.optimizer.param_groups] == \
            [g["lr"] for g in th.optimizer.param_groups]
        assert (ys.T_cur, ys.T_i, ys.last_epoch) == (th.T_cur, th.T_i, th.last_epoch)


@pytest.mark.parametrize("options", WARM_RESTARTS, ids=str)
def test_warm_restarts_fractional_epochs_follow_torch(options):
    ys, th = _schedulers(**options)
    iters = 4
    for epoch in range(12):
        for i in range(iters):
            ys.step(epoch + i / iters)
            th.step(epoch + i / iters)
            assert ys.get_last_lr() == th.get_last_lr()
            assert (ys.T_cur, ys.T_i, ys.last_epoch) == (th.T_cur, th.T_i, th.last_epoch)
    for epoch in (45.5, 3, 0, 100.25):  # jumps backwards and forwards
        ys.step(epoch)
        th.step(epoch)
        assert ys.get_last_lr() == th.get_last_lr()


def test_warm_restarts_resume_from_state_dict():
    ys, th = _schedulers(T_0=4, T_mult=2)
    for _ in range(9):
        ys.step()
        th.step()
    resumed, _ = _schedulers(T_0=4, T_mult=2)
    resumed.load_state_dict(ys.state_dict())
    for _ in range(20):
        resumed.step()
        th.step()
        assert resumed.get_last_lr() == th.get_last_lr()


def test_warm_restarts_restart_exactly_at_the_period():
    ys, _ = _schedulers(T_0=5, eta_min=0.02)
    lrs = []
    for _ in range(11):
        lrs.append(ys.get_last_lr()[0])
        ys.step()
    assert lrs[0] == lrs[5] == lrs[10] == 0.1
    assert lrs[4] == pytest.approx(0.02 + 0.08 * (1 + math.cos(math.pi * 4 / 5)) / 2)


def test_warm_restarts_errors_as_torch():
    opt = optim.SGD([yingshe.zeros(1, requires_grad=True)], lr=0.1)
    th_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    for options in ({"T_0": 0}, {"T_0": 2.5}, {"T_0": 2, "T_mult": 0},
                    {"T_0": 2, "eta_min": "0"}):
        with pytest.raises(ValueError) as expected:
            torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(th_opt, **options)
        check_raises(lambda: optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, **options),
                     ValueError, str(expected.value))
    scheduler = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    check_raises(lambda: scheduler.step(-1), ValueError, "Expected non-negative epoch, but got -1")
