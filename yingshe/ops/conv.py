"""Convolution (Goodfellow, Bengio & Courville, Deep Learning, §9.1) as im2col + one GEMM
(Chellapilla, Puri & Simard 2006): every receptive field of the input becomes a column of a
matrix ``cols`` (a strided view copied once), so that
y[n, o, i, j] = sum_{c, p, q} w[o, c, p, q] x[n, c, i*s + p*d, j*s + q*d] + b[o] is the matrix
product W cols.  Backward: dW = dY cols^T, d(cols) = W^T dY, and col2im adds d(cols) back to
the input positions kernel offset by kernel offset (kh x kw strided adds, no per-pixel loop).

Layout: the batch is folded into the columns, ``cols`` is (C*kh*kw, N*Ho*Wo), so each
convolution is one large GEMM whatever the batch or image size (per-sample products of thin
matrices run several times slower in OpenBLAS; PERFORMANCE-NOTES 3).  Images are moved to
channel-first order (C, N, H, W) once on the way in and back to NCHW on the way out.

3 x 3 convolutions with stride 1 go to Winograd's F(2 x 2, 3 x 3) instead where that was
measured to be faster (``winograd.py``, ``winograd.applies``), and depthwise convolutions
(groups = input channels = output channels) to kernel-offset shifts (``depthwise.py``).
"""
import math

from .._backend import get_array_module
from .._parallel import over_batch, over_gemms
from ..autograd.function import Op, once_differentiable
from . import depthwise, winograd
from ._compiled import kernels

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]

KEEP_COLUMNS_BYTES = 16 << 20  # larger im2col matrices are rebuilt in backward, not kept


def _pair(value, name):
    if isinstance(value, int):
        return value, value
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return value


def _output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _channels_first(x):
    """(N, C, *spatial) -> contiguous (C, N * prod(spatial)).  Sizes are explicit, not -1, so
    that an empty batch (N = 0) or no channels reshape too."""
    xp = get_array_module(x)
    n, c = x.shape[:2]
    length = math.prod(x.shape[2:])
    return xp.ascontiguousarray(x.reshape(n, c, length).transpose(1, 0, 2)).reshape(c, n * length)


def _batch_first(y, n, length):
    """(C, N * L) -> contiguous (N, C, L), the inverse of ``_channels_first``."""
    xp = get_array_module(y)
    return xp.ascontiguousarray(y.reshape(y.shape[0], n, length).transpose(1, 0, 2))


def _pointwise(kernel, stride, padding):
    """Whether every input pixel is one column entry and vice versa (1x1, stride 1, no
    padding; dilation does not matter for a 1x1 kernel)."""
    return tuple(kernel) == (1, 1) and tuple(stride) == (1, 1) and tuple(padding) == (0, 0)


def im2col(x, kernel, stride, padding, dilation):
    """Receptive fields as columns: (C*kh*kw, N*Ho*Wo), rows ordered (c, p, q), columns
    (n, i, j).  The input is first copied channel-first and zero-padded, so the copy of the
    (C, kh, kw, N, Ho, Wo) window view writes the columns in order.  The copy runs in threads
    over the batch (``yingshe._parallel``).  A 1x1 kernel with stride 1 and no padding needs
    no window view: its columns are the channel-first copy itself."""
    xp = get_array_module(x)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = x.shape
    if _pointwise(kernel, stride, padding):
        return _channels_first(x), (h, w)
    ho, wo = _output_size(h, kh, sh, ph, dh), _output_size(w, kw, sw, pw, dw)
    padded = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), x.dtype) if ph or pw else \
        xp.empty((c, n, h, w), x.dtype)
    padded[:, :, ph:ph + h, pw:pw + w] = x.transpose(1, 0, 2, 3)
    cols = xp.empty((c, kh, kw, n, ho, wo), x.dtype)
    s_c, s_n, s_h, s_w = padded.strides
    windows = xp.lib.stride_tricks.as_strided(
        padded, cols.shape, (s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw))

    def copy_rows(start, stop):
        xp.copyto(cols[:, :, :, start:stop], windows[:, :, :, start:stop])

    over_batch(copy_rows, n, cols.size, xp.__name__)
    return cols.reshape(c * kh * kw, n * ho * wo), (ho, wo)


def col2im(cols, input_shape, kernel, stride, padding, dilation, out_hw):
    """The adjoint of ``im2col``: add each column entry back to the input position it came
    from, one strided add per kernel offset (kh * kw adds, no loop over pixels), or one compiled
    pass (``_compiled``), in threads over the batch; for a 1x1 kernel with stride 1 and no
    padding, the batch-first copy.  Returns an NCHW array."""
    xp = get_array_module(cols)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c, h, w = input_shape
    if _pointwise(kernel, stride, padding):
        return _batch_first(cols, n, h * w).reshape(input_shape)
    ho, wo = out_hw
    cols = cols.reshape(c, kh, kw, n, ho, wo)
    padded = xp.zeros((c, n, h + 2 * ph, w + 2 * pw), cols.dtype)

    compiled = kernels(cols, padded)

    def add_rows(start, stop):
        target = padded[:, start:stop]
        if compiled is not None:
            compiled.col2im_add(cols[:, :, :, start:stop], target, sh, sw, dh, dw)
            return
        for p in range(kh):
            rows = slice(p * dh, p * dh + sh * (ho - 1) + 1, sh)
            for q in range(kw):
                target[:, :, rows, q * dw:q * dw + sw * (wo - 1) + 1:sw] += \
                    cols[:, p, q, start:stop]

    over_batch(add_rows, n, cols.size, xp.__name__)
    return xp.ascontiguousarray(padded[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3))


def _grouped_matmul(weight, cols, groups):
    """(G, A, B) weight times (G*B, M) columns -> (G*A, M): one GEMM per group."""
    xp = get_array_module(cols)
    if groups == 1:  # column blocks in threads (``_parallel.over_gemms``)
        w = weight[0]
        out = xp.empty((w.shape[0], cols.shape[1]), xp.result_type(w, cols))
        over_gemms(lambda start, stop: xp.matmul(w, cols[:, start:stop], out=out[:, start:stop]),
                   cols.shape[1], out.size + cols.size, xp.__name__)
        return out
    length = cols.shape[1]
    product = xp.matmul(weight, cols.reshape(groups, cols.shape[0] // groups, length))
    return product.reshape(groups * weight.shape[1], length)


def _grouped_weight_grad(grad, cols, groups):
    """grad cols^T per group: (G*A, M), (G*B, M) -> (G, A, B)."""
    xp = get_array_module(cols)
    if groups == 1:  # blocks of the (B,) rows of cols, in threads (``_parallel.over_gemms``)
        out = xp.empty((1, grad.shape[0], cols.shape[0]), xp.result_type(grad, cols))
        over_gemms(lambda start, stop: xp.matmul(grad, cols[start:stop].T,
                                                 out=out[0, :, start:stop]),
                   cols.shape[0], grad.size + cols.size, xp.__name__)
        return out
    length = cols.shape[1]
    g = grad.reshape(groups, grad.shape[0] // groups, length)
    c = cols.reshape(groups, cols.shape[0] // groups, length)
    return xp.matmul(g, c.transpose(0, 2, 1))


def _conv2d_forward(x, weight, bias, stride, padding, dilation, groups):
    """y = W cols + b as (N, O, Ho, Wo), and the columns."""
    n = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    cols, (ho, wo) = im2col(x, (kh, kw), stride, padding, dilation)
    w = weight.reshape(groups, out_channels // groups, cols.shape[0] // groups)  # G, O/G, K/G
    out = _grouped_matmul(w, cols, groups)  # O, N*L
    if bias is not None:
        out += bias.reshape(-1, 1)
    return _batch_first(out, n, ho * wo).reshape(n, out_channels, ho, wo), cols


def _conv2d_backward(grad, x, weight, cols, stride, padding, dilation, groups,
                     need_input, need_weight, need_bias):
    """Gradients of conv2d: (input, weight, bias), None where not needed.  ``cols`` may be
    None, and is then rebuilt from ``x``."""
    out_channels, _, kh, kw = weight.shape
    g = _channels_first(grad)  # (O, N*L)
    grad_x = grad_w = grad_b = None
    if need_input:
        w = weight.reshape(groups, out_channels // groups,
                           math.prod(weight.shape[1:])).transpose(0, 2, 1)  # G, K/G, O/G
        dcols = _grouped_matmul(w, g, groups)
        grad_x = col2im(dcols, x.shape, (kh, kw), stride, padding, dilation, grad.shape[2:])
    if need_weight:
        if cols is None:
            cols, _ = im2col(x, (kh, kw), stride, padding, dilation)
        grad_w = _grouped_weight_grad(g, cols, groups).reshape(weight.shape)
    if need_bias:
        grad_b = g.sum(axis=1)
    return grad_x, grad_w, grad_b


class Conv2d(Op):
    """2-D cross-correlation, NCHW, weight (O, C/groups, kh, kw)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        out, cols = _conv2d_forward(x, weight, bias, stride, padding, dilation, groups)
        ctx.save_for_backward(x, weight)
        ctx.cols = cols if ctx._record and cols.nbytes <= KEEP_COLUMNS_BYTES else None
        ctx.params = (stride, padding, dilation, groups, bias is not None)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weight = (t._data for t in ctx.saved_tensors)
        stride, padding, dilation, groups, has_bias = ctx.params
        need = ctx.needs_input_grad
        grads = _conv2d_backward(grad._data, x, weight, ctx.cols, stride, padding, dilation,
                                 groups, need[0], need[1], has_bias and need[2])
        return grads + (None,) * 4


class ConvTranspose2d(Op):
    """The adjoint of conv2d with respect to its input ("deconvolution"), weight
    (C, O/groups, kh, kw): columns W^T x, then col2im."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, output_padding, dilation, groups):
        n, in_channels, h, w = x.shape
        kh, kw = weight.shape[2:]
        out_channels = weight.shape[1] * groups
        ho = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
        wo = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
        wg = weight.reshape(groups, in_channels // groups,
                            math.prod(weight.shape[1:])).transpose(0, 2, 1)  # G, Og*k*k, Cg
        cols = _grouped_matmul(wg, _channels_first(x), groups)  # O*kh*kw, N*H*W
        out = col2im(cols, (n, out_channels, ho, wo), (kh, kw), stride, padding, dilation, (h, w))
        if bias is not None:
            out += bias.reshape(1, -1, 1, 1)
        ctx.save_for_backward(x, weight)
        ctx.params = (stride, padding, dilation, groups, bias is not None)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weight = (t._data for t in ctx.saved_tensors)
        stride, padding, dilation, groups, has_bias = ctx.params
        need = ctx.needs_input_grad
        n, in_channels = x.shape[:2]
        kh, kw = weight.shape[2:]
        cols, (ho, wo) = im2col(grad._data, (kh, kw), stride, padding, dilation)  # O*k*k, N*H*W
        h, w = x.shape[2:]
        if (ho, wo) != (h, w):  # an output_padding of a stride or more (possible when the
            # dilation is larger) adds windows past the input's: they are no input's gradient
            rows = cols.shape[0]
            cols = cols.reshape(rows, n, ho, wo)[:, :, :h, :w].reshape(rows, n * h * w)
        grad_x = grad_w = grad_b = None
        if need[0]:  # a convolution of the gradient with the same weight
            wg = weight.reshape(groups, in_channels // groups,
                                math.prod(weight.shape[1:]))  # G, Cg, Og*kh*kw
            grad_x = _batch_first(_grouped_matmul(wg, cols, groups), n,
                                  math.prod(x.shape[2:])).reshape(x.shape)
        if need[1]:
            grad_w = _grouped_weight_grad(_channels_first(x), cols, groups).reshape(weight.shape)
        if has_bias and need[2]:
            grad_b = grad._data.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None, None


def _check_conv(op, input, weight, bias, groups, spatial):
    if input.ndim != spatial + 2:
        raise ValueError(f"{op}: expected a {spatial + 2}-D input (batched), got shape "
                         f"{tuple(input.shape)}")
    if weight.ndim != spatial + 2:
        raise ValueError(f"{op}: expected a {spatial + 2}-D weight, got shape {tuple(weight.shape)}")
    if input.dtype != weight.dtype:
        raise TypeError(f"{op}: input dtype {input.dtype} and weight dtype {weight.dtype} differ")
    if weight.shape[0] == 0 or 0 in weight.shape[2:] or ("transpose" in op
                                                         and weight.shape[1] == 0):
        raise RuntimeError(f"{op}: expected a weight with at least one output channel and a "
                           f"non-empty kernel, got shape {tuple(weight.shape)}")
    if bias is not None and bias.shape != (weight.shape[0] if "transpose" not in op
                                           else weight.shape[1] * groups,):
        raise ValueError(f"{op}: bias shape {tuple(bias.shape)} does not match the weight "
                         f"{tuple(weight.shape)}")


def _same_padding(op, weight_hw, stride, dilation):
    if stride != (1, 1):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                         f"(stride {stride})")
    pads = [d * (k - 1) for k, d in zip(weight_hw, dilation)]
    if any(p % 2 for p in pads):  # PyTorch pads the extra element at the end
        return pads, True
    return tuple(p // 2 for p in pads), False


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as PyTorch's) over an (N, C, H, W) input.

    out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] x_pad[n, c, i s + p d, j s + q d],
    s the ``stride``, d the ``dilation``, x_pad the input zero-padded by ``padding`` (an int,
    a pair, 'valid' or 'same'); with ``groups`` = g the channels split into g groups convolved
    separately (Goodfellow, Bengio & Courville, Deep Learning, §9.1). Computed as im2col and
    one GEMM (Chellapilla, Puri & Simard 2006).

    Shape: input (N, C_in, H, W); weight (C_out, C_in / groups, kH, kW); bias (C_out); output
    (N, C_out, H_out, W_out) with
    H_out = floor((H + 2 padding[0] - dilation[0] (kH - 1) - 1) / stride[0]) + 1, W_out likewise.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> F.conv2d(x, yingshe.ones(1, 1, 2, 2))
        tensor([[[[10., 14., 18.],
                  [26., 30., 34.],
                  [42., 46., 50.]]]])
        >>> F.conv2d(yingshe.ones(8, 3, 32, 32), yingshe.ones(16, 3, 3, 3), stride=2).shape
        yingshe.Size([8, 16, 15, 15])
    """
    _check_conv("conv2d", input, weight, bias, groups, 2)
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if input.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"conv2d: expected input with {weight.shape[1] * groups} channels "
                         f"(weight {tuple(weight.shape)}, groups={groups}), got input "
                         f"{tuple(input.shape)}")
    if weight.shape[0] % groups:
        raise ValueError(f"conv2d: out_channels {weight.shape[0]} is not divisible by groups={groups}")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            pads, uneven = _same_padding("conv2d", weight.shape[2:], stride, dilation)
            if uneven:
                from .shape import pad as pad_tensor
                input = pad_tensor(input, (pads[1] // 2, pads[1] - pads[1] // 2,
                                           pads[0] // 2, pads[0] - pads[0] // 2))
                padding = (0, 0)
            else:
                padding = pads
        else:
            raise ValueError(f"conv2d: padding must be 'valid', 'same' or ints, got {padding!r}")
    padding = _pair(padding, "padding")
    h, w = input.shape[2] + 2 * padding[0], input.shape[3] + 2 * padding[1]
    kh, kw = (dilation[0] * (weight.shape[2] - 1) + 1, dilation[1] * (weight.shape[3] - 1) + 1)
    if h < kh or w < kw:
        raise ValueError(f"conv2d: the padded input ({h} x {w}) is smaller than the dilated kernel "
                         f"({kh} x {kw}); input {tuple(input.shape)}, weight {tuple(weight.shape)}")
    if winograd.applies(input, weight, stride, padding, dilation, groups):
        return winograd.Conv2dWinograd.apply(input, weight, bias, padding)
    if depthwise.applies(input, weight, groups):
        return depthwise.Conv2dDepthwise.apply(input, weight, bias, stride, padding, dilation)
    return Conv2d.apply(input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over an (N, C, L) input, as a ``conv2d`` of height 1.

    out[n, o, t] = b[o] + sum_{c, k} w[o, c, k] x_pad[n, c, t s + k d], s the ``stride``, d
    the ``dilation``, x_pad the input zero-padded by ``padding`` (an int, 'valid' or 'same').

    Shape: input (N, C_in, L); weight (C_out, C_in / groups, K); bias (C_out); output
    (N, C_out, L_out) with L_out = floor((L + 2 padding - dilation (K - 1) - 1) / stride) + 1.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.conv1d(yingshe.tensor([[[1., 2., 3., 4.]]]), yingshe.tensor([[[1., 0., -1.]]]))
        tensor([[[-2., -2.]]])
        >>> F.conv1d(yingshe.ones(4, 3, 50), yingshe.ones(8, 3, 5), padding=2).shape
        yingshe.Size([4, 8, 50])
    """
    _check_conv("conv1d", input, weight, bias, groups, 1)
    if isinstance(padding, str):
        padding2 = padding
    else:
        padding2 = (0, padding if isinstance(padding, int) else padding[0])
    as_int = (lambda v: v if isinstance(v, int) else v[0])
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, as_int(stride)), padding2,
                 (1, as_int(dilation)), groups)
    return out.squeeze(2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution ("deconvolution"), the adjoint (gradient) of ``conv2d``.

    Each input pixel scatters a copy of the kernel scaled by its value into the output:
    out[n, o, i s + p d - padding, j s + q d - padding] += x[n, c, i, j] w[c, o, p, q], plus
    b[o]; it upsamples by the ``stride`` (Dumoulin & Visin 2016, "A guide to convolution
    arithmetic for deep learning", §4). ``output_padding`` adds rows and columns at the end.

    Shape: input (N, C_in, H, W); weight (C_in, C_out / groups, kH, kW); bias (C_out); output
    (N, C_out, H_out, W_out) with H_out = (H - 1) stride[0] - 2 padding[0] +
    dilation[0] (kH - 1) + output_padding[0] + 1, W_out likewise.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.conv_transpose2d(yingshe.ones(1, 1, 2, 2), yingshe.ones(1, 1, 2, 2), stride=2)
        tensor([[[[1., 1., 1., 1.],
                  [1., 1., 1., 1.],
                  [1., 1., 1., 1.],
                  [1., 1., 1., 1.]]]])
        >>> x, w = yingshe.ones(8, 16, 7, 7), yingshe.ones(16, 3, 4, 4)
        >>> F.conv_transpose2d(x, w, stride=2, padding=1).shape
        yingshe.Size([8, 3, 14, 14])
    """
    _check_conv("conv_transpose2d", input, weight, bias, groups, 2)
    if input.shape[1] != weight.shape[0]:
        raise ValueError(f"conv_transpose2d: input has {input.shape[1]} channels but the weight "
                         f"{tuple(weight.shape)} expects {weight.shape[0]}")
    if 0 in input.shape[2:] and 0 not in input.shape[:2]:
        raise RuntimeError(f"conv_transpose2d: only zero batch or zero channel inputs are "
                           f"supported, got input shape {tuple(input.shape)}")
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    output_padding, dilation = _pair(output_padding, "output_padding"), _pair(dilation, "dilation")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= max(s, d):
            raise ValueError(f"conv_transpose2d: output_padding {output_padding} must be smaller "
                             f"than stride {stride} or dilation {dilation}")
    out_hw = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in zip(
        input.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding))
    if min(out_hw) < 0:  # (an output size of 0 gives an empty result, as PyTorch's usual
        # kernels do; its fallback kernel for 1 x 1 weights raises there)
        raise RuntimeError(f"conv_transpose2d: the output size {out_hw} is too small (input "
                           f"{tuple(input.shape)}, weight {tuple(weight.shape)}, stride {stride}, "
                           f"padding {padding}, dilation {dilation})")
    return ConvTranspose2d.apply(input, weight, bias, stride, padding, output_padding, dilation,
                                 groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution, the adjoint of ``conv1d``, as a ``conv_transpose2d`` of
    height 1.

    out[n, o, t s + k d - padding] += x[n, c, t] w[c, o, k], plus b[o].

    Shape: input (N, C_in, L); weight (C_in, C_out / groups, K); bias (C_out); output
    (N, C_out, L_out) with
    L_out = (L - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1.

    Examples:
        >>> import yingshe
        >>> import yingshe.nn.functional as F
        >>> F.conv_transpose1d(yingshe.tensor([[[1., 2.]]]), yingshe.tensor([[[1., 1., 1.]]]))
        tensor([[[1., 3., 3., 2.]]])
        >>> x, w = yingshe.ones(4, 8, 10), yingshe.ones(8, 3, 4)
        >>> F.conv_transpose1d(x, w, stride=2, padding=1).shape
        yingshe.Size([4, 3, 20])
    """
    as_int = (lambda v: v if isinstance(v, int) else v[0])
    out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, as_int(stride)),
                           (0, as_int(padding)), (0, as_int(output_padding)), groups,
                           (1, as_int(dilation)))
    return out.squeeze(2)


