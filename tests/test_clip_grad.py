"""nn.utils: gradient clipping and parameter vectors against torch.nn.utils."""
import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

rng = np.random.default_rng(0)


def _pair(scale):
    arrays = [rng.standard_normal(s) * scale for s in [(3, 4), (5,), (2, 2, 2)]]
    ours = [yingshe.tensor(a, dtype=yingshe.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    for o, t, a in zip(ours, theirs, arrays):
        g = rng.standard_normal(a.shape) * scale
        o.grad, t.grad = yingshe.tensor(g, dtype=yingshe.float64), torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                (0.3, float("inf")), (2.0, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    ours, theirs = _pair(3.0)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_matches_torch():
    ours, theirs = _pair(3.0)
    clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


def test_nonfinite_norm_error():
    p = yingshe.zeros(2, requires_grad=True)
    p.grad = yingshe.tensor([float("inf"), 1.0])
    check_raises(lambda: clip_grad_norm_([p], 1.0, error_if_nonfinite=True), RuntimeError,
                 "non-finite")


def test_parameter_vector_round_trip():
    ours, theirs = _pair(1.0)
    vector = parameters_to_vector(ours)
    np.testing.assert_array_equal(vector.detach().numpy(),
                                  torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    with yingshe.no_grad():
        vector_to_parameters(vector * 2.0, ours)
    np.testing.assert_array_equal(ours[1].detach().numpy(), 2 * theirs[1].detach().numpy())
    check_raises(lambda: vector_to_parameters(yingshe.zeros(3), ours), ValueError, "3 elements")
