"""yingshe.optim.lr_scheduler against torch.optim.lr_scheduler: the same learning rates (and
momenta) step by step, exactly, for several configurations of each scheduler."""
import math

import numpy as np
import pytest
import torch

import yingshe
import yingshe.optim
from helpers import check_raises
from yingshe.optim import lr_scheduler as ys_sched

T_SCHED = torch.optim.lr_scheduler


def _optimizers(kind="SGD", lrs=(0.1, 0.03), **options):
    """A yingshe and a torch optimizer of the same kind, one parameter group per lr."""
    ys_groups = [{"params": [yingshe.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    torch_groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return (getattr(yingshe.optim, kind)(ys_groups, **options),
            getattr(torch.optim, kind)(torch_groups, **options))


def _trace(optimizer, scheduler, steps, metrics=None):
    """Each step's lrs, momenta/betas and get_last_lr(), after the initial one."""
    def snapshot():
        return ([(g["lr"], g.get("momentum"), g.get("betas")) for g in optimizer.param_groups],
                list(scheduler.get_last_lr()))
    rows = [snapshot()]
    for i in range(steps):
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[i])
        rows.append(snapshot())
    return rows


def _compare(make, steps=60, kind="SGD", lrs=(0.1, 0.03), metrics=None, **options):
    """``make(lr_scheduler_module, optimizer)`` builds the same scheduler on both sides."""
    ys_opt, torch_opt = _optimizers(kind, lrs, **options)
    ys_rows = _trace(ys_opt, make(ys_sched, ys_opt), steps, metrics)
    torch_rows = _trace(torch_opt, make(T_SCHED, torch_opt), steps, metrics)
    assert ys_rows == torch_rows
    return ys_rows


@pytest.mark.parametrize("step_size,gamma", [(3, 0.5), (7, 0.1), (1, 0.9)])
def test_step_lr(step_size, gamma):
    rows = _compare(lambda m, opt: m.StepLR(opt, step_size, gamma=gamma))
    assert math.isclose(rows[step_size][1][0], 0.1 * gamma)


@pytest.mark.parametrize("milestones,gamma", [([5, 12, 12, 30], 0.3), ([2], 0.5), ([40, 10], 0.1)])
def test_multi_step_lr(milestones, gamma):
    _compare(lambda m, opt: m.MultiStepLR(opt, milestones, gamma=gamma))


@pytest.mark.parametrize("gamma", [0.95, 0.5, 1.0])
def test_exponential_lr(gamma):
    _compare(lambda m, opt: m.ExponentialLR(opt, gamma))


@pytest.mark.parametrize("T_max,eta_min", [(10, 0.0), (25, 1e-3), (7, 0.01)])
def test_cosine_annealing_lr_including_past_t_max(T_max, eta_min):
    rows = _compare(lambda m, opt: m.CosineAnnealingLR(opt, T_max, eta_min=eta_min), steps=80)
    assert math.isclose(rows[T_max][1][0], eta_min, abs_tol=1e-12)


def test_lambda_lr_one_function_and_one_per_group():
    _compare(lambda m, opt: m.LambdaLR(opt, lambda epoch: 0.95 ** epoch))
    _compare(lambda m, opt: m.LambdaLR(opt, [lambda e: 1 / (1 + e), lambda e: min(1.0, e / 5)]))


@pytest.mark.parametrize("start,end,total", [(1 / 3, 1.0, 5), (0.25, 1.0, 8), (1.0, 0.1, 20),
                                             (0.5, 0.0, 10)])
def test_linear_lr(start, end, total):
    _compare(lambda m, opt: m.LinearLR(opt, start_factor=start, end_factor=end, total_iters=total))


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_lr_with_momentum_and_betas(anneal, three_phase):
    make = lambda m, opt: m.OneCycleLR(opt, max_lr=[0.5, 0.2], total_steps=100,
                                      anneal_strategy=anneal, three_phase=three_phase)
    rows = _compare(make, steps=99, momentum=0.9)
    assert math.isclose(max(row[1][0] for row in rows), 0.5)
    make = lambda m, opt: m.OneCycleLR(opt, max_lr=0.01, epochs=4,
                                      steps_per_epoch=10, pct_start=0.25, anneal_strategy=anneal,
                                      three_phase=three_phase, div_factor=10.0)
    _compare(make, steps=39, kind="Adam", lrs=(1e-3,))


def test_one_cycle_lr_without_momentum_cycling_and_past_its_end():
    make = lambda m, opt: m.OneCycleLR(opt, 0.3, total_steps=30,
                                      cycle_momentum=False)
    _compare(make, steps=29, kind="Adagrad")
    ys_opt, _ = _optimizers()
    scheduler = ys_sched.OneCycleLR(ys_opt, 0.3, total_steps=3)
    for _ in range(3):
        scheduler.step()
    check_raises(scheduler.step, ValueError, "Tried to step 4 times", "total steps is 3")


# A noisy loss curve that improves, stalls and gets worse, to drive ReduceLROnPlateau.
_LOSSES = list(np.concatenate([np.linspace(1.0, 0.5, 10), np.full(8, 0.5), 0.5 + 0.01 *
                               np.arange(8), 0.4 + 0.05 * np.random.default_rng(3).random(40)]))


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("options", [
    {},
    {"patience": 0, "factor": 0.5},
    {"patience": 2, "threshold_mode": "abs", "threshold": 0.01, "cooldown": 3},
    {"patience": 1, "factor": 0.3, "cooldown": 1, "min_lr": [0.01, 0.02]},
    {"patience": 3, "threshold": 0.05, "min_lr": 0.005, "eps": 1e-3},
])
def test_reduce_lr_on_plateau(mode, options):
    metrics = _LOSSES if mode == "min" else [2.0 - loss for loss in _LOSSES]
    rows = _compare(lambda m, opt: m.ReduceLROnPlateau(opt, mode=mode, **options),
                    steps=len(metrics), metrics=metrics)
    if options:
        assert rows[-1][1][0] < 0.1  # it did reduce


def test_reduce_lr_on_plateau_accepts_a_tensor_metric():
    ys_opt, _ = _optimizers()
    scheduler = ys_sched.ReduceLROnPlateau(ys_opt, patience=0)
    scheduler.step(yingshe.tensor(1.0))
    scheduler.step(yingshe.tensor(2.0))
    assert scheduler.get_last_lr() == [0.1 * 0.1, 0.03 * 0.1]


def test_sequential_lr():
    _compare(lambda m, opt: m.SequentialLR(opt, [m.LinearLR(opt, 0.1, total_iters=5),
                                                 m.CosineAnnealingLR(opt, 30)], milestones=[5]))
    _compare(lambda m, opt: m.SequentialLR(opt, [m.ExponentialLR(opt, 0.9), m.StepLR(opt, 3),
                                                 m.LambdaLR(opt, lambda e: 1 / (e + 1))],
                                           milestones=[4, 10]))


def test_chained_schedulers_compose():
    def make(m, opt):
        first, second = m.MultiStepLR(opt, [10, 20], gamma=0.5), m.ExponentialLR(opt, 0.97)

        class Both:
            def step(self):
                first.step()
                second.step()

            def get_last_lr(self):
                return second.get_last_lr()
        return Both()
    _compare(make, steps=40)


class _Warmup:
    """A callable object: LambdaLR saves its attributes in state_dict."""

    def __init__(self, length):
        self.length = length

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.length)


@pytest.mark.parametrize("make", [
    lambda m, opt: m.StepLR(opt, 4, gamma=0.5),
    lambda m, opt: m.MultiStepLR(opt, [3, 8, 8], gamma=0.5),
    lambda m, opt: m.CosineAnnealingLR(opt, 12, eta_min=0.001),
    lambda m, opt: m.LinearLR(opt, 0.2, total_iters=15),
    lambda m, opt: m.LambdaLR(opt, _Warmup(8)),
    lambda m, opt: m.OneCycleLR(opt, 0.5, total_steps=40, anneal_strategy="linear"),
    lambda m, opt: m.SequentialLR(opt, [m.LinearLR(opt, 0.1, total_iters=6),
                                        m.ExponentialLR(opt, 0.9)], milestones=[6]),
], ids=["step", "multistep", "cosine", "linear", "lambda", "onecycle", "sequential"])
def test_resume_from_saved_state_continues_exactly(make, tmp_path):
    ys_opt, torch_opt = _optimizers(momentum=0.9)
    torch_rows = _trace(torch_opt, make(T_SCHED, torch_opt), 30)
    scheduler = make(ys_sched, ys_opt)
    _trace(ys_opt, scheduler, 12)
    yingshe.save({"optimizer": ys_opt.state_dict(), "scheduler": scheduler.state_dict()},
                 tmp_path / "ckpt.safetensors")
    saved = yingshe.load(tmp_path / "ckpt.safetensors")
    resumed_opt, _ = _optimizers(momentum=0.9)
    resumed = make(ys_sched, resumed_opt)
    resumed_opt.load_state_dict(saved["optimizer"])
    resumed.load_state_dict(saved["scheduler"])
    assert _trace(resumed_opt, resumed, 18) == torch_rows[12:]


def test_resume_reduce_lr_on_plateau(tmp_path):
    ys_opt, torch_opt = _optimizers()
    torch_rows = _trace(torch_opt, T_SCHED.ReduceLROnPlateau(torch_opt, patience=1, cooldown=2),
                        len(_LOSSES), _LOSSES)
    scheduler = ys_sched.ReduceLROnPlateau(ys_opt, patience=1, cooldown=2)
    _trace(ys_opt, scheduler, 20, _LOSSES)
    yingshe.save({"optimizer": ys_opt.state_dict(), "scheduler": scheduler.state_dict()},
                 tmp_path / "ckpt.safetensors")
    saved = yingshe.load(tmp_path / "ckpt.safetensors")
    resumed_opt, _ = _optimizers()
    resumed = ys_sched.ReduceLROnPlateau(resumed_opt)
    resumed_opt.load_state_dict(saved["optimizer"])
    resumed.load_state_dict(saved["scheduler"])
    assert _trace(resumed_opt, resumed, len(_LOSSES) - 20, _LOSSES[20:]) == torch_rows[20:]


def test_base_lrs_last_epoch_and_initial_lr():
    ys_opt, _ = _optimizers()
    scheduler = ys_sched.StepLR(ys_opt, 2)
    assert scheduler.base_lrs == [0.1, 0.03] and scheduler.last_epoch == 0
    assert [g["initial_lr"] for g in ys_opt.param_groups] == [0.1, 0.03]
    scheduler.step()
    assert scheduler.last_epoch == 1
    check_raises(lambda: ys_sched.StepLR(_optimizers()[0], 2, last_epoch=3), KeyError,
                 "initial_lr", "param_groups[0]")


def test_errors():
    ys_opt, _ = _optimizers()
    check_raises(lambda: ys_sched.StepLR(object(), 2), TypeError, "object is not an Optimizer")
    check_raises(lambda: ys_sched.OneCycleLR(ys_opt, 0.1), ValueError,
                 "total_steps OR (epochs AND steps_per_epoch)")
    check_raises(lambda: ys_sched.OneCycleLR(ys_opt, 0.1, total_steps=0), ValueError,
                 "positive integer total_steps, but got 0")
    check_raises(lambda: ys_sched.OneCycleLR(ys_opt, 0.1, total_steps=10, pct_start=2.0),
                 ValueError, "pct_start, but got 2.0")
    check_raises(lambda: ys_sched.OneCycleLR(ys_opt, 0.1, total_steps=10, anneal_strategy="exp"),
                 ValueError, "'cos' or 'linear'", "exp")
    check_raises(lambda: ys_sched.OneCycleLR(ys_opt, [0.1], total_steps=10), ValueError,
                 "max_lr must have the same length as optimizer.param_groups", "has 1 values")
    check_raises(lambda: ys_sched.OneCycleLR(_optimizers("Adagrad")[0], 0.1, total_steps=10),
                 ValueError, "momentum or beta1")
    check_raises(lambda: ys_sched.LinearLR(ys_opt, start_factor=0), ValueError,
                 "start_factor=0")
    check_raises(lambda: ys_sched.LinearLR(ys_opt, end_factor=1.5), ValueError, "end_factor=1.5")
    check_raises(lambda: ys_sched.LambdaLR(ys_opt, [lambda e: 1.0]), ValueError,
                 "Expected 2 lr_lambdas, but got 1")
    check_raises(lambda: ys_sched.ReduceLROnPlateau(ys_opt, factor=1.0), ValueError,
                 "Factor should be < 1.0, got 1.0")
    check_raises(lambda: ys_sched.ReduceLROnPlateau(ys_opt, mode="low"), ValueError,
                 "mode low is unknown")
    check_raises(lambda: ys_sched.ReduceLROnPlateau(ys_opt, threshold_mode="x"), ValueError,
                 "threshold mode x is unknown")
    check_raises(lambda: ys_sched.ReduceLROnPlateau(ys_opt, min_lr=[0.1]), ValueError,
                 "expected 2 min_lrs, got 1")
    check_raises(lambda: ys_sched.SequentialLR(ys_opt, [ys_sched.StepLR(ys_opt, 2)], [3]),
                 ValueError, "number of schedulers 1", "equal to 1")
    check_raises(lambda: ys_sched.SequentialLR(ys_opt, [], []), ValueError,
                 "at least one scheduler")
    plateau = ys_sched.ReduceLROnPlateau(ys_opt)
    check_raises(lambda: ys_sched.SequentialLR(ys_opt, [ys_sched.StepLR(ys_opt, 2), plateau],
                                               [3]), ValueError, "ReduceLROnPlateau", "index 1")
    other = ys_sched.StepLR(_optimizers()[0], 2)
    check_raises(lambda: ys_sched.SequentialLR(ys_opt, [other], []), ValueError,
                 "same optimizer", "StepLR at index 0")
