"""Weight initialisation (``yingshe.nn.init``), PyTorch's functions and formulas.

Each function fills its tensor in place (outside the graph) and returns it.  Xavier/Glorot keeps
the variance of activations and gradients equal across layers: Var(w) = 2 / (fan_in + fan_out);
Kaiming/He does so for ReLU nets: Var(w) = gain^2 / fan.
"""
import math

from .. import _backend
from .._tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "trunc_normal_", "sparse_"]


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity, PyTorch's table: 1 for linear, conv
    and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + negative_slope^2)) for leaky_relu
    (``param`` the slope, 0.01 by default) and 3/4 for selu.  The ``xavier_*`` and ``kaiming_*``
    functions scale their standard deviation by it, so that activations keep their variance
    through the nonlinearity (He et al. 2015, §2.2).

    Examples:
        >>> from yingshe.nn import init
        >>> init.calculate_gain("relu"), init.calculate_gain("tanh")
        (1.4142135623730951, 1.6666666666666667)
        >>> init.calculate_gain("leaky_relu", 0.2)  # sqrt(2 / 1.04)
        1.3867504905630728
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fill(tensor, array):
    """Write ``array`` into ``tensor``'s memory (no graph), bumping its version."""
    if tensor.is_meta:  # no values to write
        return tensor
    tensor._data[...] = array
    tensor._bump_version()
    return tensor


def _generator(tensor, generator):
    """The NumPy generator to draw from: ``generator`` (a ``yingshe.Generator`` or a
    ``numpy.random.Generator``) or the framework's generator of the tensor's device."""
    return _backend.rng(generator, tensor.device)


def _float(tensor, op):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a yingshe.Tensor, got {type(tensor).__name__}")
    return tensor._data.dtype


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill ``tensor`` in place with draws from U(a, b) (default U(0, 1)), from
    ``generator`` or the framework's generator of the tensor's device; returns it.

    Shape: tensor (*), any shape; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.init.uniform_(yingshe.empty(3, 5), a=-0.1, b=0.1)
        >>> w.shape, bool(w.abs().max() <= 0.1)
        (yingshe.Size([3, 5]), True)
    """
    dtype = _float(tensor, "uniform_")
    if tensor.is_meta:  # nothing to draw (the generator's stream does not move)
        return tensor
    return _fill(tensor, _generator(tensor, generator).uniform(a, b, tensor.shape).astype(dtype))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill ``tensor`` in place with draws from N(mean, std^2) (default N(0, 1)), from
    ``generator`` or the framework's generator of the tensor's device; returns it.

    Shape: tensor (*), any shape; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> g = yingshe.Generator().manual_seed(0)
        >>> a = yingshe.nn.init.normal_(yingshe.empty(3), std=0.02, generator=g)
        >>> b = yingshe.nn.init.normal_(yingshe.empty(3), std=0.02,
        ...                             generator=yingshe.Generator().manual_seed(0))
        >>> yingshe.equal(a, b)  # the same seed draws the same values
        True
    """
    dtype = _float(tensor, "normal_")
    if tensor.is_meta:
        return tensor
    return _fill(tensor, _generator(tensor, generator).normal(mean, std, tensor.shape).astype(dtype))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill ``tensor`` in place with N(mean, std^2) conditioned on [a, b] (default
    [-2, 2]): draws outside are redrawn (rejection sampling), so the shape inside the interval is
    the normal's; returns it.  The initialisation of ViT and other transformers.

    Shape: tensor (*), any shape; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.init.trunc_normal_(yingshe.empty(1000), std=1.0, a=-2.0, b=2.0)
        >>> bool(w.min() >= -2.0), bool(w.max() <= 2.0)
        (True, True)
    """
    dtype = _float(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    if tensor.is_meta:
        return tensor
    gen = _generator(tensor, generator)
    values = gen.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    for _ in range(1000):
        count = int(outside.sum())
        if count == 0:
            break
        values[outside] = gen.normal(mean, std, count)
        outside = (values < a) | (values > b)
    else:  # an interval far in the tail: fall back to uniform on it
        values[outside] = gen.uniform(a, b, int(outside.sum()))
    return _fill(tensor, values.astype(dtype))


def constant_(tensor, val):
    """Fill ``tensor`` with ``val`` in place (without recording a graph); returns it.

    Shape: tensor (*), any shape; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.init.constant_(yingshe.empty(3), 0.5)
        tensor([0.5000, 0.5000, 0.5000])
    """
    _float(tensor, "constant_")
    return _fill(tensor, val)


def zeros_(tensor):
    """Fill ``tensor`` with 0 in place (without recording a graph); returns it.

    Shape: tensor (*), any shape; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.init.zeros_(yingshe.empty(2, 3))
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
    """
    return constant_(tensor, 0)


def ones_(tensor):
    """Fill ``tensor`` with 1 in place (without recording a graph); returns it.

    Shape: tensor (*), any shape; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.empty(3)
        >>> yingshe.nn.init.ones_(w) is w
        True
        >>> w
        tensor([1., 1., 1.])
    """
    return constant_(tensor, 1)


def eye_(tensor):
    """Fill a 2-D ``tensor`` with the identity matrix in place: 1 where row = column, else 0
    (a ``Linear`` layer that passes its input through); returns it.

    Shape: tensor (m, n); returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.init.eye_(yingshe.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    xp = _backend.get_array_module(tensor._data)
    return _fill(tensor, xp.eye(*tensor.shape, dtype=tensor._data.dtype))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta in place: a 1 at the
    kernel's centre linking output channel d to input channel d (in each of ``groups`` groups),
    else 0, so that the convolution (with 'same' padding) is the identity on its channels; returns
    it.

    Shape: tensor (C_out, C_in / groups, *kernel_size) with 1 to 3 kernel dims; returned, the same
    tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.init.dirac_(yingshe.empty(2, 2, 3))
        >>> x = yingshe.arange(10.0).reshape(1, 2, 5)
        >>> yingshe.nn.functional.conv1d(x, w, padding=1)  # the input again
        tensor([[[0., 1., 2., 3., 4.],
                 [5., 6., 7., 8., 9.]]])
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3, 4 or 5-D tensors are supported, got shape "
                         f"{tuple(tensor.shape)}")
    out_per_group = tensor.shape[0] // groups
    min_dim = min(out_per_group, tensor.shape[1])
    xp = _backend.get_array_module(tensor._data)
    values = xp.zeros(tensor.shape, tensor._data.dtype)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min_dim):
            values[(g * out_per_group + d, d) + centre] = 1
    return _fill(tensor, values)


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = in_features x receptive field size, fan_out = out_features x receptive field."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out can not be computed for a tensor with fewer than 2 "
                         f"dimensions (shape {tuple(tensor.shape)})")
    receptive_field = 1
    for n in tensor.shape[2:]:
        receptive_field *= n
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Xavier/Glorot uniform initialisation (Glorot & Bengio 2010) in place:
    U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), which gives Var(w) = gain^2 * 2 /
    (fan_in + fan_out) and keeps the variance of activations and gradients equal across linear
    (or tanh, with its gain) layers; returns it.  fan_in = size(1) * receptive field, fan_out =
    size(0) * receptive field.

    Shape: tensor (fan_out, fan_in, *), at least 2-D; returned, the same tensor.

    Examples:
        >>> import math, yingshe
        >>> w = yingshe.nn.init.xavier_uniform_(yingshe.empty(300, 200))
        >>> bool(w.abs().max() <= math.sqrt(6 / (200 + 300)))
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Xavier/Glorot normal initialisation (Glorot & Bengio 2010) in place:
    N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)); returns it.  Fans as
    ``xavier_uniform_``.

    Shape: tensor (fan_out, fan_in, *), at least 2-D; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.init.xavier_normal_(yingshe.empty(16, 8, 3, 3))  # fans 72 and 144
        >>> w.shape
        yingshe.Size([16, 8, 3, 3])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Kaiming/He uniform initialisation (He, Zhang, Ren & Sun 2015) in place:
    U(-b, b) with b = gain * sqrt(3 / fan), gain = ``calculate_gain(nonlinearity, a)``, so that
    Var(w) = gain^2 / fan keeps the activations' variance through ReLU layers (``mode='fan_in'``,
    the default) or the gradients' (``'fan_out'``); returns it.  With the defaults a = 0 and
    nonlinearity 'leaky_relu' the gain is sqrt(2); PyTorch's layers use a = sqrt(5), which gives
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Shape: tensor (fan_out, fan_in, *), at least 2-D; returned, the same tensor.

    Examples:
        >>> import math, yingshe
        >>> w = yingshe.nn.init.kaiming_uniform_(yingshe.empty(64, 100), nonlinearity="relu")
        >>> bool(w.abs().max() <= math.sqrt(2) * math.sqrt(3 / 100))
        True
    """
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Kaiming/He normal initialisation (He, Zhang, Ren & Sun 2015) in place:
    N(0, std^2) with std = gain / sqrt(fan), gain and fan as ``kaiming_uniform_``; returns it.
    torchvision's ResNets initialise their convolutions with ``mode='fan_out'``,
    ``nonlinearity='relu'``.

    Shape: tensor (fan_out, fan_in, *), at least 2-D; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> conv = yingshe.nn.Conv2d(3, 16, 3)
        >>> yingshe.nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu").shape
        yingshe.Size([16, 3, 3, 3])
    """
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill ``tensor`` in place with a (semi-)orthogonal matrix, times ``gain``: the Q of
    the QR decomposition of a Gaussian matrix, signs fixed so that it is uniform over the
    orthogonal matrices (Saxe, McClelland & Ganguli 2013); returns it.  A tensor of more than two
    dims is treated as (size(0), the rest flattened).

    Shape: tensor (rows, *), at least 2-D; returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.init.orthogonal_(yingshe.empty(3, 5))
        >>> yingshe.allclose(w @ w.T, yingshe.eye(3), atol=1e-6)  # orthonormal rows
        True
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got "
                         f"shape {tuple(tensor.shape)}")
    if tensor.is_meta:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = _backend.get_array_module(tensor._data)
    flat = xp.asarray(_generator(tensor, generator).normal(0.0, 1.0, (rows, cols)))
    if rows < cols:
        flat = flat.T
    q, r = xp.linalg.qr(flat)
    q = q * xp.sign(xp.diagonal(r))  # make the decomposition unique
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape).astype(tensor._data.dtype))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D ``tensor`` in place with N(0, std^2) values (std 0.01) and a fraction
    ``sparsity`` of each column, ceil(sparsity * rows) entries, set to zero (Martens 2010, "Deep
    learning via Hessian-free optimization"); returns it.

    Shape: tensor (rows, columns); returned, the same tensor.

    Examples:
        >>> import yingshe
        >>> w = yingshe.nn.init.sparse_(yingshe.empty(10, 4), sparsity=0.3)
        >>> (w == 0).sum(dim=0)  # 3 zeros per column
        tensor([3, 3, 3, 3])
    """
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    if tensor.is_meta:
        return tensor
    rows, cols = tensor.shape
    gen = _generator(tensor, generator)
    values = gen.normal(0.0, std, (rows, cols))
    zeros_per_column = math.ceil(sparsity * rows)
    for c in range(cols):
        values[gen.permutation(rows)[:zeros_per_column], c] = 0
    return _fill(tensor, values.astype(tensor._data.dtype))
