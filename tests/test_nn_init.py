"""nn.init: gains, fans and the distributions' bounds and moments, against PyTorch's formulas."""
import math

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe.nn import init


@pytest.mark.parametrize("name,param", [("linear", None), ("relu", None), ("tanh", None),
                                        ("leaky_relu", None), ("leaky_relu", 0.2),
                                        ("sigmoid", None), ("selu", None), ("conv2d", None)])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("shape", [(20, 30), (8, 4, 3, 3), (5, 7, 2)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(yingshe.empty(shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert ours == theirs


def _bound_and_std(fn_ours, fn_torch, shape, **kwargs):
    ours = fn_ours(yingshe.empty(shape), **kwargs).numpy()
    theirs = fn_torch(torch.empty(shape), **kwargs).numpy()
    return ours, theirs


@pytest.mark.parametrize("name,kwargs", [("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}),
                                         ("kaiming_uniform_", {"a": math.sqrt(5)}),
                                         ("kaiming_uniform_", {"mode": "fan_out",
                                                               "nonlinearity": "relu"}),
                                         ("uniform_", {"a": -0.3, "b": 0.7})])
def test_uniform_initialisers_have_torch_bounds(name, kwargs):
    ours, theirs = _bound_and_std(getattr(init, name), getattr(torch.nn.init, name),
                                  (200, 300), **kwargs)
    assert ours.dtype == np.float32
    assert ours.min() >= theirs.min() - 0.01 * abs(theirs.min())
    assert ours.max() <= theirs.max() + 0.01 * abs(theirs.max())
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)


@pytest.mark.parametrize("name,kwargs", [("xavier_normal_", {}), ("kaiming_normal_", {}),
                                         ("kaiming_normal_", {"mode": "fan_out"}),
                                         ("normal_", {"mean": 1.0, "std": 0.5}),
                                         ("trunc_normal_", {"std": 0.02})])
def test_normal_initialisers_have_torch_moments(name, kwargs):
    ours, theirs = _bound_and_std(getattr(init, name), getattr(torch.nn.init, name),
                                  (200, 300), **kwargs)
    assert ours.mean() == pytest.approx(theirs.mean(), abs=float(0.01 * theirs.std()) + 1e-3)
    assert ours.std() == pytest.approx(theirs.std(), rel=0.02)


def test_trunc_normal_stays_in_its_interval():
    values = init.trunc_normal_(yingshe.empty(10_000), mean=0.0, std=1.0, a=-0.5, b=1.0).numpy()
    assert values.min() >= -0.5 and values.max() <= 1.0


def test_constant_eye_dirac_orthogonal():
    assert init.constant_(yingshe.empty(3), 0.25).tolist() == [0.25] * 3
    assert init.zeros_(yingshe.empty(2)).tolist() == [0, 0]
    assert init.ones_(yingshe.empty(2)).tolist() == [1, 1]
    np.testing.assert_array_equal(init.eye_(yingshe.empty(2, 3)).numpy(), np.eye(2, 3))
    ours = init.dirac_(yingshe.empty(4, 2, 3, 3)).numpy()
    np.testing.assert_array_equal(ours, torch.nn.init.dirac_(torch.empty(4, 2, 3, 3)).numpy())
    q = init.orthogonal_(yingshe.empty(6, 4), gain=2.0).numpy()
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    wide = init.orthogonal_(yingshe.empty(3, 8)).numpy()
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-5)


def test_sparse_zeroes_the_fraction_of_each_column():
    values = init.sparse_(yingshe.empty(10, 6), sparsity=0.3).numpy()
    assert ((values == 0).sum(axis=0) >= 3).all()


def test_initialisers_are_seeded_and_bump_the_version():
    t = yingshe.empty(3, 3)
    yingshe.manual_seed(5)
    a = init.kaiming_uniform_(t).numpy().copy()
    assert t._version == 1
    yingshe.manual_seed(5)
    np.testing.assert_array_equal(init.kaiming_uniform_(yingshe.empty(3, 3)).numpy(), a)


def test_errors_name_the_problem():
    check_raises(lambda: init.xavier_uniform_(yingshe.empty(5)), ValueError, "fewer than 2", "(5,)")
    check_raises(lambda: init.kaiming_normal_(yingshe.empty(2, 2), mode="fan"), ValueError, "'fan'")
    check_raises(lambda: init.calculate_gain("swish"), ValueError, "'swish'")
