"""Depthwise convolution: ``groups`` = input channels = output channels, each channel filtered
by its own kh x kw kernel (Sifre 2014, "Rigid-motion scattering for image classification",
§6.2; Howard et al. 2017, "MobileNets", §3.1; the 3 x 3 filters of MobileNetV2's inverted
residuals, Sandler et al. 2018):

    y[n, c, i, j] = b[c] + sum_{p, q} w[c, 0, p, q] x_pad[n, c, i s_h + p d_h, j s_w + q d_w]

with x_pad the input zero-padded by (pad_h, pad_w).  im2col would make this one
(1 x kh kw) @ (kh kw x N Ho Wo) product per channel after copying the input kh * kw times:
thin products are the worst case for BLAS (PERFORMANCE-NOTES 3), and the copy costs more than
the kh * kw multiply-adds per output.  Here each kernel offset (p, q) is a shift instead: one
multiply-add of w[c, p, q] times the shifted, subsampled input.  Backward, offset by offset:

- input gradient, the adjoint of each shift:
  dx_pad[n, c, i s_h + p d_h, j s_w + q d_w] += w[c, 0, p, q] dy[n, c, i, j];
- weight gradient: dw[c, 0, p, q] = sum_{n, i, j} dy[n, c, i, j] x_pad[n, c, i s_h + p d_h, ...];
- bias gradient: db[c] = sum_{n, i, j} dy[n, c, i, j].

Two implementations compute these sums:

- compiled (numba, the ``fast`` extra; ``_compiled.py``): loops over each image plane; for each
  offset only the rectangle of outputs whose input position lies inside the image is visited
  (``_windows``), so no padded copy is made;
- NumPy (without numba, and for CuPy arrays): the padded input is split into its s_h x s_w
  polyphase components (Vaidyanathan, "Multirate Systems and Filter Banks", 1993, §4.3), phase
  (a, b) holding x_pad[n, c, r s_h + a, t s_w + b].  Offset (p, q) reads one phase,
  (a, b) = (p d_h mod s_h, q d_w mod s_w), shifted by (u, v) = (p d_h div s_h, q d_w div s_w):
  a stride-1 shift.  With each phase stored as one flat row of width Wq per image and channel,
  the shift is the offset u Wq + v along that row, so every multiply-add runs over long
  contiguous rows (``Wq - Wo`` columns of each output row are computed and dropped).  Strided
  2-D views of the image instead make NumPy loop over rows of 4 to 32 numbers, 3x slower.

``conv.conv2d`` dispatches here (``applies``); ``YINGSHE_DEPTHWISE=0`` (or
``use_depthwise(False)``) keeps every convolution on im2col.
"""
import os

from .._backend import get_array_module
from .._parallel import over_batch
from ..autograd.function import Op, once_differentiable
from ._compiled import kernels

__all__ = ["Conv2dDepthwise", "applies", "depthwise_conv2d", "use_depthwise"]

_state = {"enabled": os.environ.get("YINGSHE_DEPTHWISE", "1") != "0"}
BLOCK_ELEMENTS = 1 << 16  # the NumPy code works on blocks of images and channels whose flat
# output rows hold about this many numbers (256 KiB in float32), so that the kh * kw passes
# over a block find it in cache: 2x faster than whole-batch passes for MobileNetV2's layers


def use_depthwise(enabled):
    """Turn the depthwise path on or off (tests and benchmarks compare it with im2col); returns
    the old setting."""
    old, _state["enabled"] = _state["enabled"], bool(enabled)
    return old


def applies(input, weight, groups):
    """Whether ``conv2d`` of the Tensors ``input`` and ``weight`` takes the depthwise path: one
    group per input channel and one output channel per group (channel multiplier 1), any
    kernel, stride, padding and dilation, float32 or float64, on the CPU (the NumPy code runs
    on CuPy arrays too, but has not been timed against im2col on a GPU).  On one thread it was
    faster than im2col for every depthwise layer of MobileNetV2, with the compiled kernels and
    without them (docs/performance.md)."""
    return (_state["enabled"] and input.device.type == "cpu"
            and groups == input.shape[1] == weight.shape[0]
            and input.dtype.name in ("float32", "float64"))


def _windows(in_size, out_size, kernel, stride, padding, dilation):
    """For each kernel offset k along one axis, (lo, hi, start): the outputs i in [lo, hi) whose
    input index i * stride + k * dilation - padding lies inside [0, in_size), and ``start``, the
    input index of output lo (hi = lo when the offset sees only padding)."""
    windows = []
    for k in range(kernel):
        offset = k * dilation - padding
        lo = max(0, -(offset // stride))  # ceil(-offset / stride)
        hi = max(lo, min(out_size, (in_size - 1 - offset) // stride + 1))
        windows.append((lo, hi, lo * stride + offset))
    return windows


def _rectangle(row, col, stride):
    """(output index, input index) of the rectangle of two windows of ``_windows``, or None
    when it is empty."""
    (i0, i1, r), (j0, j1, s) = row, col
    if i1 <= i0 or j1 <= j0:
        return None
    return ((..., slice(i0, i1), slice(j0, j1)),
            (..., slice(r, r + (i1 - i0 - 1) * stride[0] + 1, stride[0]),
             slice(s, s + (j1 - j0 - 1) * stride[1] + 1, stride[1])))


class _Geometry:
    """Sizes and index windows of one depthwise convolution: the output size; ``rows`` and
    ``cols``, the windows of the kernel offsets (for the compiled kernels); the polyphase
    layout of the NumPy code: the phases' size (Hq, Wq), ``tail`` zeros after each flat phase
    row (read by the last shifts) and the windows of the image in each phase."""

    def __init__(self, input_hw, kernel, stride, padding, dilation):
        self.stride, self.kernel, self.dilation = stride, kernel, dilation
        self.out_hw = tuple((size + 2 * pad - d * (k - 1) - 1) // s + 1 for size, k, s, pad, d
                            in zip(input_hw, kernel, stride, padding, dilation))
        self.rows, self.cols = (_windows(size, out, k, s, pad, d) for size, out, k, s, pad, d
                                in zip(input_hw, self.out_hw, kernel, stride, padding, dilation))
        self.phase_hw = tuple(out + d * (k - 1) // s for out, k, s, d
                              in zip(self.out_hw, kernel, stride, dilation))
        self.tail = dilation[1] * (kernel[1] - 1) // stride[1]
        # phase a along an axis is a "kernel offset" a with dilation 1 and the phase's size
        self.phase_rows, self.phase_cols = (_windows(size, phase, s, s, pad, 1)
                                            for size, phase, s, pad
                                            in zip(input_hw, self.phase_hw, stride, padding))

    def taps(self):
        """(p, q, a, b, offset) for each kernel offset: it reads phase (a, b) shifted by
        ``offset`` along the flat phase rows."""
        (sh, sw), (dh, dw), width = self.stride, self.dilation, self.phase_hw[1]
        for p in range(self.kernel[0]):
            u, a = divmod(p * dh, sh)
            for q in range(self.kernel[1]):
                v, b = divmod(q * dw, sw)
                yield p, q, a, b, u * width + v

    def phase_copies(self):
        """(a, b, phase index, image index) for the part of the image in each phase."""
        for a, row in enumerate(self.phase_rows):
            for b, col in enumerate(self.phase_cols):
                rectangle = _rectangle(row, col, self.stride)
                if rectangle is not None:
                    yield (a, b) + rectangle

    def wide_length(self):
        """Length of a flat output row: Ho rows of the phase width Wq."""
        return self.out_hw[0] * self.phase_hw[1]


# --- the NumPy code: polyphase components ----------------------------------------------------

def _phase_buffer(xp, n, channels, dtype, geometry):
    hq, wq = geometry.phase_hw
    sh, sw = geometry.stride
    return xp.zeros((sh, sw, n, channels, hq * wq + geometry.tail), dtype)


def _plane(phase, geometry):
    """The (N, C, Hq, Wq) view of one phase's flat rows."""
    hq, wq = geometry.phase_hw
    return phase[..., :hq * wq].reshape(phase.shape[:2] + (hq, wq))


def _phases(x, geometry):
    """The zero-padded image x (N, C, H, W) as its polyphase components
    (s_h, s_w, N, C, Hq * Wq + tail)."""
    phases = _phase_buffer(get_array_module(x), *x.shape[:2], x.dtype, geometry)
    for a, b, phase_index, image_index in geometry.phase_copies():
        _plane(phases[a, b], geometry)[phase_index] = x[image_index]
    return phases


def _unphase(phases, geometry, out):
    """The adjoint of ``_phases``: the image positions' entries back into ``out`` (N, C, H, W),
    zero where no phase holds them (the phases are disjoint, so each is copied once)."""
    for a, b, phase_index, image_index in geometry.phase_copies():
        out[image_index] = _plane(phases[a, b], geometry)[phase_index]


def _blocks(n, channels, length):
    """(image slice, channel slice) blocks of ``n`` images of ``channels`` flat rows of
    ``length``: several whole images, or the channels of one image split, to about
    ``BLOCK_ELEMENTS`` numbers each."""
    per_image = channels * length
    if per_image <= BLOCK_ELEMENTS:
        step = BLOCK_ELEMENTS // per_image
        for start in range(0, n, step):
            yield slice(start, min(start + step, n)), slice(None)
        return
    step = max(1, BLOCK_ELEMENTS // length)
    for image in range(n):
        for start in range(0, channels, step):
            yield slice(image, image + 1), slice(start, min(start + step, channels))


def _widen(grad, geometry):
    """The output gradient (N, C, Ho, Wo) as flat rows of width Wq, zero in the dropped
    columns: (N, C, Ho * Wq)."""
    xp = get_array_module(grad)
    n, channels, ho, wo = grad.shape
    wide = xp.zeros((n, channels, ho, geometry.phase_hw[1]), grad.dtype)
    wide[..., :wo] = grad
    return wide.reshape(n, channels, ho * geometry.phase_hw[1])


# --- forward and gradients -------------------------------------------------------------------

def _numpy_forward(x, w, geometry, out):
    """The NumPy convolution of images x into out (no bias): for each block of images and
    channels, the flat output rows sum w[c, p, q] times the shifted phase rows."""
    xp = get_array_module(x)
    (ho, wo), wq, length = geometry.out_hw, geometry.phase_hw[1], geometry.wide_length()
    phases = _phases(x, geometry)
    for images, chans in _blocks(*x.shape[:2], length):
        wide = xp.zeros(phases[0, 0, images, chans, :length].shape, x.dtype)
        for p, q, a, b, offset in geometry.taps():
            wide += phases[a, b, images, chans, offset:offset + length] * w[chans, p, q, None]
        out[images, chans] = wide.reshape(wide.shape[:2] + (ho, wq))[..., :wo]


def _numpy_adjoint(grad, w, geometry, out):
    """The NumPy input gradient into out: each offset adds w[c, p, q] dy to the phase rows it
    read, and the phases go back to the image (``_unphase``)."""
    xp = get_array_module(grad)
    length = geometry.wide_length()
    wide = _widen(grad, geometry)
    phases = _phase_buffer(xp, *grad.shape[:2], grad.dtype, geometry)
    for images, chans in _blocks(*grad.shape[:2], length):
        for p, q, a, b, offset in geometry.taps():
            phases[a, b, images, chans, offset:offset + length] += \
                wide[images, chans] * w[chans, p, q, None]
    _unphase(phases, geometry, out)


def _shift_add(source, w, geometry, out, adjoint):
    """The convolution of the images ``source`` with ``w`` (C, kh, kw) into the zeros ``out``,
    or with ``adjoint`` its input gradient for the output gradient ``source``: compiled or
    NumPy, in threads over the batch."""
    xp = get_array_module(source)
    compiled = kernels(source, w, out)

    def run(start, stop):
        if compiled is not None:
            compiled.depthwise(source[start:stop], w, geometry.rows, geometry.cols,
                               geometry.stride, out[start:stop], adjoint)
        else:
            (_numpy_adjoint if adjoint else _numpy_forward)(source[start:stop], w, geometry,
                                                             out[start:stop])

    over_batch(run, out.shape[0], max(source.size, out.size) * w[0].size, xp.__name__)
    return out


def _weight_grad(grad, x, geometry):
    """dw[c, p, q] = sum_{n, i, j} dy[n, c, i, j] x_pad[n, c, i s_h + p d_h, j s_w + q d_w],
    (C, kh, kw): compiled, or NumPy (sums of products of the flat output-gradient rows and
    the shifted phase rows), in threads over the channels."""
    xp = get_array_module(grad)
    channels, length = x.shape[1], geometry.wide_length()
    out = xp.zeros((channels,) + tuple(geometry.kernel), grad.dtype)
    compiled = kernels(grad, x, out)

    def run(start, stop):
        if compiled is not None:
            compiled.depthwise_weight_grad(grad, x, geometry.rows, geometry.cols,
                                           geometry.stride, out, start, stop)
            return
        wide = _widen(grad[:, start:stop], geometry)
        phases = _phases(x[:, start:stop], geometry)
        target = out[start:stop]
        for images, chans in _blocks(x.shape[0], stop - start, length):
            for p, q, a, b, offset in geometry.taps():
                target[chans, p, q] += xp.einsum(
                    "nck,nck->c", wide[images, chans],
                    phases[a, b, images, chans, offset:offset + length])

    over_batch(run, channels, grad.size * out[0].size, xp.__name__)
    return out


def depthwise_conv2d(x, weight, bias, stride, padding, dilation):
    """conv2d of the arrays ``x`` (N, C, H, W) and ``weight`` (C, 1, kh, kw) with ``groups`` = C
    and the pairs ``stride``, ``padding``, ``dilation``; ``bias`` (C) or None."""
    xp = get_array_module(x)
    geometry = _Geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
    out = _shift_add(xp.ascontiguousarray(x), _kernels(weight), geometry,
                     xp.zeros(x.shape[:2] + geometry.out_hw, x.dtype), adjoint=False)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


def _kernels(weight):
    """(C, 1, kh, kw) -> contiguous (C, kh, kw)."""
    return get_array_module(weight).ascontiguousarray(weight.reshape(weight.shape[0],
                                                                     *weight.shape[2:]))


class Conv2dDepthwise(Op):
    """conv2d with ``groups`` = in_channels = out_channels by kernel-offset shifts;
    ``conv.conv2d`` dispatches here (``applies``)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation):
        ctx.save_for_backward(x, weight)
        ctx.params = (stride, padding, dilation, bias is not None)
        return depthwise_conv2d(x, weight, bias, stride, padding, dilation)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weight = (t._data for t in ctx.saved_tensors)
        stride, padding, dilation, has_bias = ctx.params
        need = ctx.needs_input_grad
        xp = get_array_module(x)
        g = xp.ascontiguousarray(grad._data)
        geometry = _Geometry(x.shape[2:], weight.shape[2:], stride, padding, dilation)
        grad_x = _shift_add(g, _kernels(weight), geometry, xp.zeros(x.shape, x.dtype),
                            adjoint=True) if need[0] else None
        grad_w = _weight_grad(g, xp.ascontiguousarray(x), geometry).reshape(weight.shape) \
            if need[1] else None
        grad_b = g.sum(axis=(0, 2, 3)) if has_bias and need[2] else None
        return grad_x, grad_w, grad_b, None, None, None
