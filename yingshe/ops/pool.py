"""Pooling (Goodfellow, Bengio & Courville, Deep Learning, §9.3): max pooling keeps the largest
value of each window and routes the gradient to that position only; average pooling spreads it
evenly over the window.  Windows are strided views of the (padded) input, so no Python loop runs
over pixels."""
from .._backend import get_array_module
from .._parallel import over_batch
from ..autograd.function import Op, once_differentiable
from ._compiled import kernels
from .conv import _pair

__all__ = ["max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d", "interpolate"]


def _pool_output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's rule, including ceil_mode's: the last window must start inside the input or
    its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _windows(x, kernel, stride, padding, dilation, out_hw, fill):
    """A (N, C, Ho, Wo, kh, kw) view of ``x`` padded with ``fill`` (extra room for ceil_mode),
    and the padded array itself."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = out_hw
    need_h = max(h + 2 * ph, (ho - 1) * sh + dh * (kh - 1) + 1)
    need_w = max(w + 2 * pw, (wo - 1) * sw + dw * (kw - 1) + 1)
    if (need_h, need_w) != (h, w):
        padded = xp.full((n, c, need_h, need_w), fill, x.dtype)
        padded[:, :, ph:ph + h, pw:pw + w] = x
    else:
        padded = x
    s_n, s_c, s_h, s_w = padded.strides
    view = xp.lib.stride_tricks.as_strided(
        padded, (n, c, ho, wo, kh, kw), (s_n, s_c, s_h * sh, s_w * sw, s_h * dh, s_w * dw))
    return view, padded


def _first_real_offsets(arg, bottom, shape, kernel, stride, padding, dilation):
    """Where a window's maximum is -inf (``bottom``), point its argmax at the window's first
    element inside the input, as PyTorch, rather than at the -inf padding, so that the gradient
    reaches the input.  (A window on padding only keeps its offset; PyTorch's gradient there
    goes to a position outside the window.)"""
    xp = get_array_module(arg)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    h, w = shape[2:]
    ho, wo = arg.shape[2:]
    chosen = xp.full((ho, wo), -1, arg.dtype)
    for k in range(kh * kw - 1, -1, -1):  # last to first: the first real offset wins
        p, q = divmod(k, kw)
        rows = xp.arange(ho) * sh + p * dh - ph
        cols = xp.arange(wo) * sw + q * dw - pw
        real = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
        chosen = xp.where(real, arg.dtype.type(k), chosen)
    fix = bottom & (chosen >= 0)
    arg[fix] = xp.broadcast_to(chosen, arg.shape)[fix]


class MaxPool2d(Op):
    """y = max over each window; dx gets dy at the window's argmax (the first one on ties, as
    PyTorch).  Both directions walk the kh * kw kernel offsets, each a strided view
    of the (padded) input: no window copies, no per-pixel loop; or, with numba, one compiled
    pass each (``_compiled``)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_hw):
        xp = get_array_module(x)
        view, padded = _windows(x, kernel, stride, padding, dilation, out_hw, -xp.inf)
        kh, kw = kernel
        out = xp.empty(view.shape[:4], x.dtype)
        compiled = kernels(x)
        need_arg = ctx._record or compiled is not None  # the compiled kernel always writes it
        arg = xp.zeros(out.shape, xp.int8 if kh * kw < 128 else xp.int32) if need_arg else None

        def pool_rows(start, stop):
            if compiled is not None:
                compiled.max_pool_forward(padded[start:stop], kh, kw, *stride, *dilation,
                                          out[start:stop], arg[start:stop])
                return
            offsets = [view[start:stop, :, :, :, k // kw, k % kw] for k in range(kh * kw)]
            best = out[start:stop]
            xp.copyto(best, offsets[0])
            for candidate in offsets[1:]:
                xp.maximum(best, candidate, out=best)  # propagates NaN, as PyTorch
            if arg is not None:  # the first offset holding the maximum: walk them last to first
                for k in range(kh * kw - 1, -1, -1):
                    xp.copyto(arg[start:stop], k, where=offsets[k] == best)
                if xp.isnan(best).any():  # a NaN is the maximum, the last one if several
                    for k in range(kh * kw):
                        xp.copyto(arg[start:stop], k, where=xp.isnan(offsets[k]))

        over_batch(pool_rows, x.shape[0], x.size, xp.__name__)
        if ctx._record and padded is not x:
            bottom = out == -xp.inf
            if bottom.any():
                _first_real_offsets(arg, bottom, x.shape, kernel, stride, padding, dilation)
        if ctx._record:
            ctx.arg, ctx.input_shape, ctx.padded_shape = arg, x.shape, padded.shape
            ctx.geometry = (kernel, stride, padding, dilation)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = ctx.geometry
        n, _c, h, w = ctx.input_shape
        ho, wo = grad.shape[2:]
        padded = xp.zeros(ctx.padded_shape, grad.dtype)
        zero = grad.dtype.type(0)

        compiled = kernels(grad)

        def route_rows(start, stop):
            arg, g = ctx.arg[start:stop], grad[start:stop]
            if compiled is not None:
                compiled.max_pool_backward(g, arg, kw, sh, sw, dh, dw, padded[start:stop])
                return
            for k in range(kh * kw):  # dy to the argmax offset; overlapping windows add up
                p, q = divmod(k, kw)
                target = padded[start:stop, :, p * dh:p * dh + sh * (ho - 1) + 1:sh,
                                q * dw:q * dw + sw * (wo - 1) + 1:sw]
                target += xp.where(arg == k, g, zero)

        over_batch(route_rows, n, padded.size, xp.__name__)
        return padded[:, :, ph:ph + h, pw:pw + w], None, None, None, None, None


def _scatter_add_to_planes(values, positions, plane_size):
    """(planes, k) values added at (planes, k) positions into (planes, plane_size) zeros."""
    xp = get_array_module(values)
    planes = values.shape[0]
    offsets = (xp.arange(planes) * plane_size).reshape(-1, 1)
    out = xp.bincount((positions + offsets).ravel(), weights=values.ravel(),
                      minlength=planes * plane_size)
    return out.astype(values.dtype).reshape(planes, plane_size)


def _avg_divisor(size, kernel, stride, padding, out, count_include_pad, xp, dtype):
    """Per output position along one axis: how many elements its window averages."""
    start = xp.arange(out) * stride - padding
    end = xp.minimum(start + kernel, size + padding)
    if count_include_pad:
        return (end - start).astype(dtype)
    return (xp.minimum(end, size) - xp.maximum(start, 0)).astype(dtype)


class AvgPool2d(Op):
    """y = mean of each window (PyTorch's divisor rules); dx = dy / divisor spread over the window."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
        xp = get_array_module(x)
        _n, _c, h, w = x.shape
        view, _ = _windows(x, kernel, stride, padding, (1, 1), out_hw, 0)
        ho, wo = out_hw
        total = view.sum(axis=(4, 5))
        if divisor_override:
            divisor = x.dtype.type(divisor_override)
        else:
            dh = _avg_divisor(h, kernel[0], stride[0], padding[0], ho, count_include_pad, xp, x.dtype)
            dw = _avg_divisor(w, kernel[1], stride[1], padding[1], wo, count_include_pad, xp, x.dtype)
            divisor = dh.reshape(-1, 1) * dw
        ctx.params = (x.shape, kernel, stride, padding, divisor)
        return total / divisor

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (n, c, h, w), (kh, kw), (sh, sw), (ph, pw), divisor = ctx.params
        xp = get_array_module(grad._data)
        g = grad._data / divisor
        ho, wo = g.shape[2:]
        padded = xp.zeros((n, c, max(h + 2 * ph, (ho - 1) * sh + kh),
                           max(w + 2 * pw, (wo - 1) * sw + kw)), g.dtype)
        for p in range(kh):  # col2im: one strided add per kernel offset
            for q in range(kw):
                padded[:, :, p:p + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += g
        return padded[:, :, ph:ph + h, pw:pw + w], None, None, None, None, None, None


def _pool_args(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
    if 0 in input.shape[-3:]:  # PyTorch's rule: only a 4-D input's batch may be empty
        raise RuntimeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input with "
                           f"non-zero sizes apart from an optional batch of 0, got shape "
                           f"{tuple(input.shape)}")
    kernel = _pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else _pair(stride, "stride")
    padding, dilation = _pair(padding, "padding"), _pair(dilation, "dilation")
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"{op}: padding {padding} should be at most half the kernel size "
                             f"{kernel}")
    h, w = input.shape[-2:]
    out_hw = tuple(_pool_output_size(size, k, s, p, d, ceil_mode)
                   for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation))
    if min(out_hw) <= 0:
        raise ValueError(f"{op}: the output would be {out_hw} for input {tuple(input.shape)} with "
                         f"kernel {kernel}, stride {stride}, padding {padding}")
    return kernel, stride, padding, dilation, out_hw


def _batched(input, fn):
    """Run a 4-D pooling function on a 3-D (C, H, W) input too."""
    if input.ndim == 3:
        return fn(input.unsqueeze(0)).squeeze(0)
    return fn(input)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling: the largest value of each ``kernel_size`` window (Goodfellow, Bengio &
    Courville, Deep Learning, §9.3).

    out[n, c, i, j] = max_{p, q} x_pad[n, c, i s + p d, j s + q d] over the kH x kW window,
    s the ``stride`` (default ``kernel_size``), d the ``dilation``, x_pad padded with -inf by
    ``padding``. The gradient goes to the position of each window's maximum only.
    ``return_indices=True`` is not supported (it raises).

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out)
    with H_out = floor((H + 2 padding - dilation (kH - 1) - 1) / stride) + 1 (ceil with
    ``ceil_mode``, as long as the last window starts inside the input), W_out likewise.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> F.max_pool2d(x, 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
        >>> F.max_pool2d(yingshe.ones(8, 16, 28, 28), 3, stride=2, padding=1).shape
        yingshe.Size([8, 16, 14, 14])
    """
    kernel, stride, padding, dilation, out_hw = _pool_args("max_pool2d", input, kernel_size, stride,
                                                           padding, dilation, ceil_mode)
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices=True is not supported yet")
    return _batched(input, lambda x: MaxPool2d.apply(x, kernel, stride, padding, dilation, out_hw))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling: the mean of each ``kernel_size`` window (Goodfellow, Bengio &
    Courville, Deep Learning, §9.3).

    out[n, c, i, j] = (1 / D) sum_{p, q} x_pad[n, c, i s + p, j s + q] over the kH x kW
    window, x_pad zero-padded by ``padding``, D = kH kW (``count_include_pad``, the default),
    or the number of non-padding elements in the window, or ``divisor_override``. The gradient
    spreads dy / D evenly over the window.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or (C, H_out, W_out)
    with H_out = floor((H + 2 padding - kH) / stride) + 1 (ceil with ``ceil_mode``), W_out
    likewise.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> F.avg_pool2d(x, 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
        >>> F.avg_pool2d(yingshe.ones(1, 1, 2, 2), 2, padding=1)
        tensor([[[[0.2500, 0.2500],
                  [0.2500, 0.2500]]]])
    """
    kernel, stride, padding, _, out_hw = _pool_args("avg_pool2d", input, kernel_size, stride,
                                                    padding, 1, ceil_mode)
    return _batched(input, lambda x: AvgPool2d.apply(x, kernel, stride, padding, out_hw,
                                                     count_include_pad, divisor_override))


def _first(value):
    return value if isinstance(value, int) or value is None else value[0]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over the last dimension, a ``max_pool2d`` over a height of 1.

    out[n, c, t] = max_k x_pad[n, c, t s + k d], k = 0, ..., kernel_size - 1, s the ``stride``
    (default ``kernel_size``), x_pad padded with -inf by ``padding``.

    Shape: input (N, C, L) or (C, L); output (N, C, L_out) or (C, L_out) with
    L_out = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.tensor([[[1., 3., 2., 5., 4.]]])
        >>> F.max_pool1d(x, 2)
        tensor([[[3., 5.]]])
        >>> F.max_pool1d(x, 3, stride=1)
        tensor([[[3., 5., 5.]]])
    """
    stride = _first(stride)
    out = max_pool2d(input.unsqueeze(-2), (1, _first(kernel_size)),
                     None if stride is None else (1, stride), (0, _first(padding)),
                     (1, _first(dilation)), ceil_mode, return_indices)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over the last dimension, an ``avg_pool2d`` over a height of 1.

    out[n, c, t] = (1 / D) sum_k x_pad[n, c, t s + k], k = 0, ..., kernel_size - 1, D as in
    ``avg_pool2d``.

    Shape: input (N, C, L) or (C, L); output (N, C, L_out) or (C, L_out) with
    L_out = floor((L + 2 padding - kernel_size) / stride) + 1.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.avg_pool1d(yingshe.tensor([[[1., 3., 2., 5., 4.]]]), 2)
        tensor([[[2.0000, 3.5000]]])
    """
    stride = _first(stride)
    out = avg_pool2d(input.unsqueeze(-2), (1, _first(kernel_size)),
                     None if stride is None else (1, stride), (0, _first(padding)), ceil_mode,
                     count_include_pad)
    return out.squeeze(-2)


def _adaptive_bins(size, out):
    """PyTorch's adaptive bins: [floor(i*size/out), ceil((i+1)*size/out)) for i < out."""
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def _averaging_matrix(size, out, xp, dtype):
    """P (out, size) with P[i, j] = 1/len(bin i) for j in bin i: adaptive average = P x P'^T."""
    matrix = xp.zeros((out, size), dtype)
    for i, (start, end) in enumerate(_adaptive_bins(size, out)):
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


class AdaptiveAvgPool2d(Op):
    """Adaptive average pooling is separable: y = P_h x P_w^T for averaging matrices P."""

    @staticmethod
    def forward(ctx, x, out_hw):
        xp = get_array_module(x)
        ph = _averaging_matrix(x.shape[2], out_hw[0], xp, x.dtype)
        pw = _averaging_matrix(x.shape[3], out_hw[1], xp, x.dtype)
        ctx.matrices = (ph, pw)
        return xp.matmul(xp.matmul(ph, x), pw.T)

    @staticmethod
    def backward(ctx, grad):
        ph, pw = ctx.matrices
        return AdaptiveAvgPool2dBackward.apply(grad, ph, pw), None


class AdaptiveAvgPool2dBackward(Op):
    """dx = P_h^T dy P_w (linear, so its own backward is the forward op again)."""

    @staticmethod
    def forward(ctx, grad, ph, pw):
        xp = get_array_module(grad)
        ctx.out_hw = (ph.shape[0], pw.shape[0])
        return xp.matmul(xp.matmul(ph.T, grad), pw)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2d.apply(grad, ctx.out_hw), None, None


def _adaptive_size(op, input, output_size):
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
    if 0 in input.shape[1:]:  # PyTorch's rule: only the first dim may be empty
        raise RuntimeError(f"{op}: expected the input to have non-zero sizes apart from the "
                           f"first (batch) dim, got shape {tuple(input.shape)}")
    out = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    return tuple(input.shape[-2 + i] if o is None else o for i, o in enumerate(out))


def adaptive_avg_pool2d(input, output_size):
    """2-D adaptive average pooling: the mean over bins chosen to give ``output_size``.

    Output row i averages input rows floor(i H / H_out) to ceil((i + 1) H / H_out) - 1
    (PyTorch's bins, which may overlap), columns likewise; output_size 1 is global average
    pooling (Lin, Chen & Yan 2014, "Network In Network"), as ResNet's head. ``None`` in
    ``output_size`` keeps that input size.

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or
    (C, H_out, W_out), (H_out, W_out) = ``output_size`` (an int means a square).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> F.adaptive_avg_pool2d(x, (2, 1))
        tensor([[[[ 3.5000],
                  [11.5000]]]])
        >>> F.adaptive_avg_pool2d(yingshe.ones(2, 512, 7, 7), 1).shape
        yingshe.Size([2, 512, 1, 1])
    """
    out_hw = _adaptive_size("adaptive_avg_pool2d", input, output_size)
    return _batched(input, lambda x: AdaptiveAvgPool2d.apply(x, out_hw))


class AdaptiveMaxPool2d(Op):
    """Max over each adaptive bin; the gradient goes to each bin's argmax."""

    @staticmethod
    def forward(ctx, x, out_hw):
        xp = get_array_module(x)
        n, c, h, w = x.shape
        rows, cols = _adaptive_bins(h, out_hw[0]), _adaptive_bins(w, out_hw[1])
        out = xp.empty((n, c) + tuple(out_hw), x.dtype)
        positions = xp.empty((n, c) + tuple(out_hw), xp.int64)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                region = x[:, :, r0:r1, c0:c1].reshape(n, c, (r1 - r0) * (c1 - c0))
                arg = region.argmax(axis=-1)
                out[:, :, i, j] = xp.take_along_axis(region, arg[..., None], axis=-1)[..., 0]
                p, q = xp.divmod(arg, c1 - c0)
                positions[:, :, i, j] = (r0 + p) * w + c0 + q
        ctx.positions, ctx.input_shape = positions, x.shape
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        n, c, h, w = ctx.input_shape
        planes = n * c
        bins = grad.shape[2] * grad.shape[3]
        out = _scatter_add_to_planes(grad.reshape(planes, bins),
                                     ctx.positions.reshape(planes, bins), h * w)
        return out.reshape(n, c, h, w), None


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-D adaptive max pooling: the maximum over bins chosen to give ``output_size``.

    Output row i takes input rows floor(i H / H_out) to ceil((i + 1) H / H_out) - 1, columns
    likewise (the bins of ``adaptive_avg_pool2d``); the gradient goes to each bin's argmax.
    ``return_indices=True`` is not supported (it raises).

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out) or
    (C, H_out, W_out), (H_out, W_out) = ``output_size``.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> F.adaptive_max_pool2d(x, 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices=True is not supported yet")
    out_hw = _adaptive_size("adaptive_max_pool2d", input, output_size)
    return _batched(input, lambda x: AdaptiveMaxPool2d.apply(x, out_hw))


class UpsampleNearest(Op):
    """y[..., i, j] = x[..., floor(i * H / Ho), floor(j * W / Wo)]; dx sums dy over each source."""

    @staticmethod
    def forward(ctx, x, out_hw, scales):
        xp = get_array_module(x)
        h, w = x.shape[-2:]
        rows = _nearest_sources(h, out_hw[0], scales[0], xp)
        cols = _nearest_sources(w, out_hw[1], scales[1], xp)
        ctx.sources, ctx.input_shape = (rows, cols), x.shape
        return x[..., rows[:, None], cols[None, :]]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        rows, cols = ctx.sources
        _n, _c, h, w = ctx.input_shape
        # sum over output columns that share a source column, then rows (two small GEMMs)
        col_map = xp.zeros((cols.size, w), grad.dtype)
        col_map[xp.arange(cols.size), cols] = 1
        row_map = xp.zeros((rows.size, h), grad.dtype)
        row_map[xp.arange(rows.size), rows] = 1
        return xp.matmul(row_map.T, xp.matmul(grad, col_map)), None, None


def _nearest_sources(size, out, scale, xp):
    ratio = (1.0 / scale) if scale else size / out
    return xp.minimum(xp.floor(xp.arange(out) * ratio).astype(xp.int64), size - 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
    """Resize an image batch by nearest-neighbour sampling (``torch.nn.functional.interpolate``
    with mode 'nearest', the only mode here).

    out[n, c, i, j] = x[n, c, floor(i H / H_out), floor(j W / W_out)] (with ``scale_factor``
    the source index is floor(i / scale)); give exactly one of ``size`` and ``scale_factor``.
    The gradient sums dy over the copies of each source pixel.

    Shape: input (N, C, H, W); output (N, C, H_out, W_out), (H_out, W_out) = ``size`` or
    floor(H scale_factor), floor(W scale_factor).

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.interpolate(yingshe.tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2)
        tensor([[[[1., 1., 2., 2.],
                  [1., 1., 2., 2.],
                  [3., 3., 4., 4.],
                  [3., 3., 4., 4.]]]])
        >>> F.interpolate(yingshe.ones(1, 3, 4, 6), size=(8, 9)).shape
        yingshe.Size([1, 3, 8, 9])
    """
    if mode != "nearest":
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported (only 'nearest')")
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected a 4-D input, got shape {tuple(input.shape)}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    h, w = input.shape[2:]
    if size is not None:
        out_hw = (size, size) if isinstance(size, int) else tuple(size)
        scales = (None, None)
    else:
        sf = (scale_factor, scale_factor) if isinstance(scale_factor, (int, float)) \
            else tuple(scale_factor)
        out_hw = (int(h * sf[0]), int(w * sf[1]))
        scales = (None, None) if recompute_scale_factor else sf
    if 0 in input.shape[1:] or 0 in out_hw:  # PyTorch's rule: only the batch may be empty
        raise RuntimeError(f"interpolate: expected non-zero channels, input and output sizes "
                           f"(only the batch may be 0), got input shape {tuple(input.shape)} "
                           f"and output size {out_hw}")
    return UpsampleNearest.apply(input, out_hw, scales)
