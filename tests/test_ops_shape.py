"""Shape ops against PyTorch: values, gradients (which undo the rearrangement) and errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import yingshe
import yingshe.nn.functional as F
from helpers import check_op, check_raises

rng = np.random.default_rng(0)

CASES = [
    ("reshape", (2, 3, 4), lambda t: t.reshape(4, -1)),
    ("reshape tuple", (6,), lambda t: t.reshape((2, 3))),
    ("view", (2, 6), lambda t: t.view(3, 4)),
    ("transpose", (2, 3, 4), lambda t: t.transpose(0, 2)),
    ("permute", (2, 3, 4), lambda t: t.permute(1, 2, 0)),
    ("T", (3, 4), lambda t: t.T),
    ("mT", (2, 3, 4), lambda t: t.mT),
    ("t", (3, 4), lambda t: t.t()),
    ("squeeze", (2, 1, 3, 1), lambda t: t.squeeze()),
    ("squeeze dim", (2, 1, 3, 1), lambda t: t.squeeze(-1)),
    ("unsqueeze", (2, 3), lambda t: t.unsqueeze(1)),
    ("unsqueeze end", (2, 3), lambda t: t.unsqueeze(-1)),
    ("flatten", (2, 3, 4), lambda t: t.flatten(1)),
    ("unflatten", (2, 12), lambda t: t.unflatten(1, (3, -1))),
    ("movedim", (2, 3, 4), lambda t: t.movedim(0, -1)),
    ("repeat", (2, 3), lambda t: t.repeat(2, 1, 3)),
    ("tile", (2, 3), lambda t: t.tile((2,))),
    ("flip", (2, 3, 4), lambda t: t.flip((0, 2))),
    ("roll", (3, 4), lambda t: t.roll(1, 1)),
    ("roll flat", (3, 4), lambda t: t.roll(5)),
    ("narrow", (4, 5), lambda t: t.narrow(1, 1, 3)),
    ("select", (4, 5), lambda t: t.select(0, -1)),
    ("expand", (3, 1), lambda t: t.expand(2, 3, 4)),
    ("split", (5, 4), lambda t: t.split(2)),
    ("split sections", (5, 4), lambda t: t.split([1, 3], 1)),
    ("chunk", (7, 2), lambda t: t.chunk(3)),
    ("unbind", (3, 2), lambda t: t.unbind(1)),
    ("contiguous", (3, 4), lambda t: t.T.contiguous()),
    ("0-d reshape", (), lambda t: t.reshape(1, 1)),
]


@pytest.mark.parametrize("name,shape,fn", CASES, ids=[c[0] for c in CASES])
def test_shape_op(name, shape, fn):
    # view needs contiguous input, as in torch (whose side of check_op is always contiguous)
    check_op(fn, fn, [rng.standard_normal(shape)], noncontiguous_inputs=name != "view")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack(dim):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check_op(lambda x, y: yingshe.cat([x, y], dim), lambda x, y: torch.cat([x, y], dim), [a, b])
    check_op(lambda x, y: yingshe.stack([x, y], dim), lambda x, y: torch.stack([x, y], dim), [a, b])


def test_cat_promotes_and_skips_empty_1d():
    x = yingshe.cat([yingshe.ones(2, dtype=yingshe.int64), yingshe.ones(1), yingshe.zeros(0)])
    assert x.dtype == yingshe.float32 and x.tolist() == [1.0, 1.0, 1.0]


@given(array_shapes(min_dims=1, max_dims=4, max_side=4), st.data())
@settings(max_examples=15, deadline=None)
def test_permute_reshape_split_cat_hypothesis(shape, data):
    x = rng.standard_normal(shape)
    order = data.draw(st.permutations(range(len(shape))))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_op(lambda t: t.permute(*order).reshape(-1), lambda t: t.permute(*order).reshape(-1), [x],
             check_gradgrad=False, noncontiguous_inputs=False)
    check_op(lambda t: yingshe.cat(t.split(2, dim)[::-1], dim),
             lambda t: torch.cat(t.split(2, dim)[::-1], dim), [x], check_gradgrad=False,
             noncontiguous_inputs=False)
    check_op(lambda t: t.transpose(0, dim), lambda t: t.transpose(0, dim), [x],
             check_gradgrad=False, noncontiguous_inputs=False)


@pytest.mark.parametrize("pad", [(1, 2), (2, 1, 0, 1), (-1, 1), (1, 0, 1, 1, 1, 0)])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(pad, mode):
    if mode != "constant" and min(pad) < 0:
        return
    kwargs = {"value": 1.5} if mode == "constant" else {}
    # torch's non-constant modes pad exactly the trailing (ndim - 2) dimensions
    shape = (2, 3, 4, 5) if mode == "constant" else (2, 3, 4, 5, 6)[:len(pad) // 2 + 2]
    check_op(lambda t: F.pad(t, pad, mode=mode, **kwargs),
             lambda t: TF.pad(t, pad, mode=mode, **kwargs), [rng.standard_normal(shape)])


def test_views_share_memory_and_version():
    x = yingshe.zeros(2, 3)
    v = x.reshape(6)
    x.add_(1.0)
    assert v.tolist() == [1.0] * 6 and v._version == x._version == 1


def test_shape_errors():
    x = yingshe.zeros(2, 3)
    check_raises(lambda: x.reshape(4), RuntimeError, "(4,)", "size 6")
    check_raises(lambda: x.T.view(6), RuntimeError, "not contiguous", "reshape")
    check_raises(lambda: yingshe.cat([x, yingshe.zeros(3, 3)], 1), RuntimeError, "(2, 3)", "(3, 3)")
    check_raises(lambda: yingshe.cat([x, yingshe.zeros(3)]), RuntimeError, "same number of dim")
    check_raises(lambda: x.permute(0), RuntimeError, "permute")
    check_raises(lambda: x.transpose(0, 2), IndexError, "got 2")
    check_raises(lambda: x.narrow(1, 2, 2), IndexError, "exceeds")
    check_raises(lambda: yingshe.stack([x, yingshe.zeros(3, 2)]), RuntimeError, "equal size")
