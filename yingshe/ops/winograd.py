"""3 x 3 convolution with stride 1 by Winograd's minimal filtering F(2 x 2, 3 x 3) (Lavin & Gray,
"Fast Algorithms for Convolutional Neural Networks", CVPR 2016, §4).

The output is cut into 2 x 2 tiles; tile (i, j) needs the 4 x 4 input tile d starting at
(2i, 2j) of the padded input (neighbouring tiles overlap by 2).  For one channel,
Y = A^T [(G g G^T) * (B^T d B)] A, with * elementwise and

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

so a 2 x 2 output tile costs 16 multiplications instead of 36.  Summed over input channels the
16 elementwise products become 16 matrix products (Lavin & Gray, eq. 12): with the transformed
weights U[xi, k, c] = (G g_{k,c} G^T)[xi] and inputs V[xi, c, p] = (B^T d_{c,p} B)[xi] for the
P = N * tiles tiles p, M[xi] = U[xi] V[xi] is a (K, C) @ (C, P) GEMM for each of the 16
positions xi of the 4 x 4 tile, and Y = A^T M A per tile.  V holds 16 C P = 4 C N H W numbers,
where im2col's columns hold 9 C N H W.

Backward, in the same domain:
- input gradient: the adjoint of a stride-1 correlation is the "full" correlation of the output
  gradient with the kernel flipped in both axes and its two channel axes swapped, i.e. this
  same convolution with padding 2 - padding;
- weight gradient: Y = A^T M A per tile gives dM = A dY A^T per tile, M[xi] = U[xi] V[xi] gives
  dU[xi] = dM[xi] V[xi]^T, and U = G g G^T gives dg = G^T dU G.

Every transform is separable (the same 1-D transform along the tile's rows, then its columns)
and each 1-D transform is a handful of additions of strided views, vectorised over channels,
images and tiles: no Python loop over tiles or channels, only NumPy/CuPy calls.  With numba
installed (the ``fast`` extra) the three transforms of activations run as one compiled pass
each instead (``_compiled.py``); the weights' are small and stay NumPy.  The input gradient
needs no second weight transform: its U' is a permutation of U (``_transform_flipped``).  V and
M are made for chunks of the batch of at most ``CHUNK_BYTES``.

``YINGSHE_WINOGRAD=0`` (or ``use_winograd(False)``) sends every convolution to im2col
(``conv.py``); otherwise ``conv2d`` asks ``applies`` whether a layer goes here.
"""
import os

from .._backend import get_array_module
from .._parallel import over_batch, over_gemms
from ..autograd.function import Op, once_differentiable
from ._compiled import kernels

__all__ = ["Conv2dWinograd", "applies", "use_winograd", "winograd_conv2d"]

_state = {"enabled": os.environ.get("YINGSHE_WINOGRAD", "1") != "0"}
KEEP_BYTES = 16 << 20  # larger transformed weights U and inputs V are remade in backward
CHUNK_BYTES = 16 << 20  # V and M are made for batch chunks of at most this size: less memory,
# and blocks under glibc's mmap threshold (32 MiB), which are reused, not page-faulted in anew


def use_winograd(enabled):
    """Turn the Winograd path on or off (tests and benchmarks compare it with im2col); returns
    the old setting."""
    old, _state["enabled"] = _state["enabled"], bool(enabled)
    return old


def applies(input, weight, stride, padding, dilation, groups):
    """Whether ``conv2d`` of the Tensors ``input`` and ``weight`` takes the Winograd path.

    It must be able to: a 3 x 3 kernel, stride 1, dilation 1, one group, padding 0 to 2 (so
    that the input gradient's full padding 2 - padding is one too), float32 or float64, CPU
    (the code uses only calls CuPy has, but has not run or been timed on a GPU).  And it must be the
    faster path, as measured with ``python -m benchmarks.winograd_rule`` and
    ``python -m benchmarks.conv_layers --im2col`` (one thread, forward and forward + backward
    against im2col; docs/performance.md).  With P = N * ceil(Ho / 2) * ceil(Wo / 2) output
    tiles, C input and K output channels, both at least 32:

    - compiled transforms (numba): P >= 256; a layer that widens (K > C) also needs C >= 128,
      or C >= 64 and P >= 2048;
    - NumPy transforms (several strided passes each): P >= 512 and C >= 128 with K <= C, or
      C >= 256.

    Why: Winograd's extra work is transforming the weights (16 K C numbers, three passes a
    training step: against few tiles it costs about what the 16 smaller GEMMs save) and moving
    16 numbers per tile and channel through memory, for C (V) and three times for K (M, the
    output gradient's V, dM); im2col's extra work is its 9 C columns per pixel.  So small
    channel counts, few tiles and widening layers favour im2col; and the 16 GEMMs with an
    inner dimension of C run further below BLAS's peak than im2col's one GEMM with 9 C.
    """
    if not _state["enabled"] or input.device.type != "cpu":
        return False
    if (tuple(weight.shape[2:]) != (3, 3) or stride != (1, 1) or dilation != (1, 1)
            or groups != 1 or not all(0 <= p <= 2 for p in padding)
            or input.dtype.name not in ("float32", "float64")):
        return False
    out_channels, in_channels = weight.shape[:2]
    if min(in_channels, out_channels) < 32:
        return False
    ho, wo = (size + 2 * p - 2 for size, p in zip(input.shape[2:], padding))
    tiles = input.shape[0] * ((ho + 1) // 2) * ((wo + 1) // 2)
    widening = out_channels > in_channels
    if kernels(input._data) is None:
        return tiles >= 512 and (in_channels >= 256 or (in_channels >= 128 and not widening))
    if widening:
        return tiles >= 256 and (in_channels >= 128 or (in_channels >= 64 and tiles >= 2048))
    return tiles >= 256


# --- the 1-D transforms: step(inputs, outputs) writes outputs[k] from a list of arrays ------

def _input_step(d, out):
    """B^T d along one axis: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)."""
    xp = get_array_module(d[0])
    xp.subtract(d[0], d[2], out=out[0])
    xp.add(d[1], d[2], out=out[1])
    xp.subtract(d[2], d[1], out=out[2])
    xp.subtract(d[1], d[3], out=out[3])


def _weight_step(g, out):
    """G g along one axis: (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2)."""
    xp = get_array_module(g[0])
    half = g[1] * 0.5
    out[0][...] = g[0]
    out[3][...] = g[2]
    xp.add(g[0], g[2], out=out[1])
    out[1] *= 0.5
    xp.subtract(out[1], half, out=out[2])
    out[1] += half


def _output_step(m, out):
    """A^T m along one axis: (m0 + m1 + m2, m1 - m2 - m3)."""
    xp = get_array_module(m[0])
    xp.add(m[0], m[1], out=out[0])
    out[0] += m[2]
    xp.subtract(m[1], m[2], out=out[1])
    out[1] -= m[3]


def _output_adjoint_step(y, out):
    """A y along one axis, the adjoint of ``_output_step``: (y0, y0 + y1, y0 - y1, -y1)."""
    xp = get_array_module(y[0])
    out[0][...] = y[0]
    xp.add(y[0], y[1], out=out[1])
    xp.subtract(y[0], y[1], out=out[2])
    xp.negative(y[1], out=out[3])


def _weight_adjoint_step(u, out):
    """G^T u along one axis, the adjoint of ``_weight_step``:
    (u0 + (u1 + u2) / 2, (u1 - u2) / 2, (u1 + u2) / 2 + u3)."""
    xp = get_array_module(u[0])
    xp.add(u[1], u[2], out=out[1])
    out[1] *= 0.5  # (u1 + u2) / 2 for now
    xp.add(u[0], out[1], out=out[0])
    xp.add(out[1], u[3], out=out[2])
    xp.subtract(u[1], u[2], out=out[1])
    out[1] *= 0.5


def _separable(step, rows, columns, size, out):
    """Apply the 1-D ``step`` along the tile's rows, then along its columns: ``rows`` is the
    input split along the row index (a list of arrays), ``columns(array)`` splits an array along
    the column index, ``size`` is the step's output length and ``out[a][b]`` receives entry
    (a, b) of the transformed tiles."""
    xp = get_array_module(rows[0])
    middle = [xp.empty(rows[0].shape, rows[0].dtype) for _ in range(size)]
    step(rows, middle)
    for a in range(size):
        step(columns(middle[a]), out[a])


# --- the three 2-D transforms and their adjoints --------------------------------------------

def _tiles(x, padding):
    """V = B^T d B for every 4 x 4 input tile: (16, C, N*th*tw), i.e. (4, 4, C, N, th, tw), for
    the NCHW input ``x`` and the output tiles th x tw (the input is zero-padded by ``padding``
    and, for an odd output size, by one more row or column at the end)."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    (ph, pw) = padding
    th, tw = (h + 2 * ph - 1) // 2, (w + 2 * pw - 1) // 2  # ceil(output size / 2)
    padded = xp.zeros((c, n, 2 * th + 2, 2 * tw + 2), x.dtype)
    padded[:, :, ph:ph + h, pw:pw + w] = x.transpose(1, 0, 2, 3)
    tiles = xp.empty((4, 4, c, n, th, tw), x.dtype)
    compiled = kernels(padded, tiles)

    def transform(start, stop):
        source, target = padded[:, start:stop], tiles[:, :, :, start:stop]
        if compiled is not None:
            compiled.winograd_input(source, target)
            return
        _separable(_input_step, [source[:, :, k:k + 2 * th:2] for k in range(4)],
                   lambda a: [a[..., k:k + 2 * tw:2] for k in range(4)], 4, target)

    over_batch(transform, n, tiles.size, xp.__name__)
    return tiles.reshape(16, c, n * th * tw)


def _transform_weight(weight):
    """U = G g G^T: (O, C, 3, 3) -> (16, O, C).  The kernel axes are moved to the front (a
    view), so that each addition runs over whole (O, C) planes, not over rows of 3."""
    xp = get_array_module(weight)
    out_channels, in_channels = weight.shape[:2]
    u = xp.empty((4, 4, out_channels, in_channels), weight.dtype)
    _separable(_weight_step, list(weight.transpose(2, 3, 0, 1)), list, 4, u)
    return u.reshape(16, out_channels, in_channels)


def _transform_flipped(u):
    """The transformed weights of the input gradient's convolution (kernel flipped in both
    axes, channel axes swapped) from U, without transforming again: reversing g's columns
    reverses G's, and G R = P G with P swapping rows 0 and 3, so G R g R G^T = P U P^T, i.e.
    U'[a, b] = U[p(a), p(b)]^T with p = (3, 1, 2, 0).  Returns the 16 (C, O) matrices as
    transposed views of U's (no copy: BLAS reads them transposed)."""
    order = (3, 1, 2, 0)
    return [u[4 * order[a] + order[b]].T for a in range(4) for b in range(4)]


def _untile(m, out):
    """Y = A^T M A per tile: M (16, K, N*th*tw) into the NCHW output ``out`` (N, K, Ho, Wo),
    odd sizes cropped."""
    xp = get_array_module(m)
    n, k, ho, wo = out.shape
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    m = m.reshape(4, 4, k, n, th, tw)
    y = out if (2 * th, 2 * tw) == (ho, wo) else xp.empty((n, k, 2 * th, 2 * tw), m.dtype)
    compiled = kernels(m, y)

    def transform(start, stop):
        source, target = m[:, :, :, start:stop], y[start:stop]
        if compiled is not None:
            compiled.winograd_output(source, target)
            return
        tiles = target.reshape(stop - start, k, th, 2, tw, 2)
        out = [[tiles[:, :, :, a, :, b].transpose(1, 0, 2, 3) for b in range(2)]
               for a in range(2)]
        _separable(_output_step, list(source), list, 2, out)

    over_batch(transform, n, m.size, xp.__name__)
    if y is not out:
        out[...] = y[:, :, :ho, :wo]


def _untile_adjoint(grad):
    """dM = A dY A^T per tile: the NCHW output gradient -> (16, K, N*th*tw); the cropped
    positions of an odd output have gradient zero."""
    xp = get_array_module(grad)
    n, k, ho, wo = grad.shape
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    if (2 * th, 2 * tw) != (ho, wo):
        full = xp.zeros((n, k, 2 * th, 2 * tw), grad.dtype)
        full[:, :, :ho, :wo] = grad
        grad = full
    dm = xp.empty((4, 4, k, n, th, tw), grad.dtype)
    compiled = kernels(grad, dm)

    def transform(start, stop):
        source, target = grad[start:stop], dm[:, :, :, start:stop]
        if compiled is not None:
            compiled.winograd_output_adjoint(source, target)
            return
        tiles = source.reshape(stop - start, k, th, 2, tw, 2).transpose(3, 5, 1, 0, 2, 4)
        _separable(_output_adjoint_step, list(tiles), list, 4, target)

    over_batch(transform, n, dm.size, xp.__name__)
    return dm.reshape(16, k, n * th * tw)


def _transform_weight_adjoint(du):
    """dg = G^T dU G: (16, O, C) -> (O, C, 3, 3)."""
    xp = get_array_module(du)
    out_channels, in_channels = du.shape[1:]
    grad = xp.empty((3, 3, out_channels, in_channels), du.dtype)
    _separable(_weight_adjoint_step, list(du.reshape(4, 4, out_channels, in_channels)), list, 3,
               grad)
    return xp.ascontiguousarray(grad.transpose(2, 3, 0, 1))  # one copy: 1.7x faster for 512 x
    # 512 channels than additions into the strided (O, C) planes of an (O, C, 3, 3) array


# --- the convolution -------------------------------------------------------------------------

def _batch_chunks(n, channels, tiles_per_image, itemsize):
    """The batch split into slices whose transformed tiles V or products M (16 numbers per
    tile and channel) take at most ``CHUNK_BYTES`` each."""
    per_image = 16 * channels * tiles_per_image * itemsize
    size = max(1, CHUNK_BYTES // max(per_image, 1))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def _shapes(x, out_channels, padding):
    """Output size (Ho, Wo) and the batch chunks of a convolution of ``x``."""
    ho, wo = (size + 2 * p - 2 for size, p in zip(x.shape[2:], padding))
    tiles = ((ho + 1) // 2) * ((wo + 1) // 2)
    return (ho, wo), _batch_chunks(x.shape[0], max(x.shape[1], out_channels), tiles,
                                   x.dtype.itemsize)


def _products(a, b, out):
    """out[xi] = a[xi] @ b[xi] for the 16 positions xi: 16 independent GEMMs, split between
    yingshe's threads (each on one BLAS thread) when ``YINGSHE_NUM_THREADS`` > 1
    (``_parallel.over_gemms``), else on BLAS's own threads one after the other."""
    xp = get_array_module(out)

    def multiply(start, stop):
        for xi in range(start, stop):
            xp.matmul(a[xi], b[xi], out=out[xi])

    over_gemms(multiply, 16, 16 * (a[0].size + b[0].size), xp.__name__)


def _forward(x, u, padding, keep_tiles=False):
    """The stride-1 correlation of ``x`` (N, C, H, W) with the transformed weights ``u`` (16
    matrices (K, C): an array or a list of views), batch chunk by batch chunk; also the chunks'
    transformed inputs V (16, C, P) when ``keep_tiles``, else an empty list."""
    xp = get_array_module(x)
    out_channels = u[0].shape[0]
    (ho, wo), chunks = _shapes(x, out_channels, padding)
    out = xp.empty((x.shape[0], out_channels, ho, wo), x.dtype)
    kept = []
    for chunk in chunks:
        tiles = _tiles(x[chunk], padding)
        m = xp.empty((16, out_channels, tiles.shape[2]), x.dtype)
        _products(u, tiles, m)  # M[xi] = U[xi] V[xi], (K, C) @ (C, P)
        _untile(m, out[chunk])
        if keep_tiles:
            kept.append(tiles)
    return out, kept


def winograd_conv2d(x, weight, bias, padding, keep=False):
    """conv2d of the arrays ``x`` (N, C, H, W) and ``weight`` (K, C, 3, 3) with stride 1 and
    ``padding`` (ph, pw) by F(2 x 2, 3 x 3).  Returns the output, and with ``keep`` what the
    backward pass can reuse: the transformed weights U and the transformed input chunks V
    where they take at most ``KEEP_BYTES`` (else None)."""
    u = _transform_weight(weight)
    (ho, wo), _ = _shapes(x, weight.shape[0], padding)
    tiles_bytes = 16 * x.shape[0] * x.shape[1] * ((ho + 1) // 2) * ((wo + 1) // 2) \
        * x.dtype.itemsize
    out, tiles = _forward(x, u, padding, keep and tiles_bytes <= KEEP_BYTES)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out, (u if keep and u.nbytes <= KEEP_BYTES else None), (tiles or None)


def _backward(grad, x, weight, u, tiles, padding, need_input, need_weight):
    """(input gradient, weight gradient), None where not needed.  The transformed weights
    ``u`` and input chunks ``tiles`` may be None and are then made again."""
    xp = get_array_module(grad)
    grad_x = grad_w = None
    if need_input:
        if u is None:
            u = _transform_weight(weight)
        grad_x, _ = _forward(grad, _transform_flipped(u), (2 - padding[0], 2 - padding[1]))
    if need_weight:
        _, chunks = _shapes(x, weight.shape[0], padding)
        du = None
        for index, chunk in enumerate(chunks):  # dU[xi] = sum over chunks of dM[xi] V[xi]^T
            v = tiles[index] if tiles is not None else _tiles(x[chunk], padding)
            product = xp.empty((16, weight.shape[0], x.shape[1]), x.dtype)
            _products(_untile_adjoint(grad[chunk]), v.transpose(0, 2, 1), product)
            du = product if du is None else xp.add(du, product, out=du)
        if du is None:  # an empty batch
            du = xp.zeros((16, weight.shape[0], x.shape[1]), x.dtype)
        grad_w = _transform_weight_adjoint(du)
    return grad_x, grad_w


class Conv2dWinograd(Op):
    """conv2d with a 3 x 3 kernel, stride 1, dilation 1 and one group by F(2 x 2, 3 x 3);
    ``conv.conv2d`` dispatches here (``applies``)."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding):
        out, ctx.u, ctx.tiles = winograd_conv2d(x, weight, bias, padding, keep=ctx._record)
        ctx.save_for_backward(x, weight)
        ctx.params = (padding, bias is not None)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        x, weight = (t._data for t in ctx.saved_tensors)
        padding, has_bias = ctx.params
        need = ctx.needs_input_grad
        grad_x, grad_w = _backward(grad._data, x, weight, ctx.u, ctx.tiles, padding, need[0],
                                   need[1])
        grad_b = grad._data.sum(axis=(0, 2, 3)) if has_bias and need[2] else None
        return grad_x, grad_w, grad_b, None
