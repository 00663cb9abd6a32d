import numpy as np
import pytest
import torch

import yingshe
from helpers import check_op

rng = np.random.default_rng(0)
SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (2, 3)), ((1,), ())]


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_binary(name, a_shape, b_shape):
    a = rng.standard_normal(a_shape)
    b = rng.standard_normal(b_shape) + (3.0 if name == "div" else 0.0)
    check_op(getattr(yingshe, name), getattr(torch, name), [a, b])
