"""The compiled (numba) kernels of ``_compiled``, defined at module level and imported only
when ``_compiled.kernels`` is first asked for (numba installed and not switched off).

They live at module level, not in a function, so that numba's on-disk cache finds them: the
cache keys a function by its closure's pickled contents, and a kernel defined inside a
function that calls another kernel of that function (``winograd_input`` calls
``winograd_bt``) pickles differently in every process, so it was compiled afresh by every
process that used it (about 10 s for the Winograd kernels on this machine, at the first
convolution of every training run and test process).  ``_compiled``'s docstring says what each
kernel is for and names its NumPy twin."""
import numba
import numpy as np

jit = numba.njit(nogil=True, cache=True)
# sums over many values: float64 accumulators, reassociated so that LLVM vectorises them
# (a running sum in program order waits on each addition's latency)
summing = numba.njit(nogil=True, cache=True, fastmath={"reassoc"})


@jit
def col2im_add_unit_stride(cols, padded):
    """col2im_add for stride 1 and dilation 1: contiguous inner loops, which vectorise."""
    channels, kh, kw, n, ho, wo = cols.shape
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                for b in range(n):
                    for i in range(ho):
                        target, source = padded[c, b, i + p], cols[c, p, q, b, i]
                        for j in range(wo):
                            target[j + q] += source[j]


@jit
def col2im_add_strided(cols, padded, sh, sw, dh, dw):
    """padded[c, n, i*sh + p*dh, j*sw + q*dw] += cols[c, p, q, n, i, j]."""
    channels, kh, kw, n, ho, wo = cols.shape
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                for b in range(n):
                    for i in range(ho):
                        row = i * sh + p * dh
                        for j in range(wo):
                            padded[c, b, row, j * sw + q * dw] += cols[c, p, q, b, i, j]


def col2im_add(cols, padded, sh, sw, dh, dw):
    """Add the (C, kh, kw, N, Ho, Wo) columns into the (C, N, Hp, Wp) padded image."""
    if sh == sw == dh == dw == 1:
        col2im_add_unit_stride(cols, padded)
    else:
        col2im_add_strided(cols, padded, sh, sw, dh, dw)


@numba.njit(nogil=True, cache=True, inline="always")
def take_larger(candidates, best_row, where_row, offset):
    """best_row, where_row = candidates, offset where a candidate is larger or NaN: one window
    offset's step of max pooling's running maximum and argmax, a compare-and-select loop
    (inlined into its callers, as fast as writing it out in each)."""
    for j in range(best_row.shape[0]):
        value, old = candidates[j], best_row[j]
        take = (value > old) | (value != value)
        best_row[j] = value if take else old
        where_row[j] = offset if take else where_row[j]


@jit
def max_pool_offsets(padded, kh, kw, sh, sw, dh, dw, out, arg):
    """out = max of each window, arg = the window offset p*kw + q of its first maximum
    (a NaN counts as the maximum, the last one if several, as in PyTorch).  The loop over
    the window offsets is outside the loop over output columns, so that the inner loop
    vectorises as compare-and-select; with the offsets inside, each window's running
    maximum was a chain of unpredictable branches (a 3x3 stride-1 pool of
    (32, 192, 32, 32): 16x slower).  Column stride 1 (the common case) reads contiguous
    slices: numba vectorises loops over strided slices less well."""
    n, channels, ho, wo = out.shape
    span = sw * (wo - 1) + 1
    for b in range(n):
        for c in range(channels):
            plane, best, where = padded[b, c], out[b, c], arg[b, c]
            for i in range(ho):
                for j in range(wo):
                    best[i, j] = plane[i * sh, j * sw]
                    where[i, j] = 0
            for k in range(1, kh * kw):
                p, q = k // kw, k % kw
                offset = where.dtype.type(k)
                for i in range(ho):
                    take_larger(plane[i * sh + p * dh, q * dw:q * dw + span:sw], best[i],
                                where[i], offset)


@jit
def max_pool_unit_column_stride(padded, kh, kw, sh, dh, dw, out, arg):
    """max_pool_offsets for column stride 1, over contiguous slices."""
    n, channels, ho, wo = out.shape
    for b in range(n):
        for c in range(channels):
            plane, best, where = padded[b, c], out[b, c], arg[b, c]
            for i in range(ho):
                best[i] = plane[i * sh, :wo]
                where[i] = 0
            for k in range(1, kh * kw):
                p, q = k // kw, k % kw
                offset = where.dtype.type(k)
                for i in range(ho):
                    take_larger(plane[i * sh + p * dh, q * dw:q * dw + wo], best[i], where[i],
                                offset)


@jit
def max_pool_2x2(padded, out, arg):
    """max_pool_offsets for 2 x 2 windows with stride 2, without branches (a comparison of
    random data mispredicts half the time): the argmax 0, 1, 2 or 3 is the sum of "not the
    maximum yet" flags.  Returns whether a NaN was seen, for the caller to redo the pass
    with max_pool_offsets."""
    n, channels, ho, wo = out.shape
    has_nan = False
    for b in range(n):
        for c in range(channels):
            for i in range(ho):
                top, bottom = padded[b, c, 2 * i], padded[b, c, 2 * i + 1]
                for j in range(wo):
                    v0, v1 = top[2 * j], top[2 * j + 1]
                    v2, v3 = bottom[2 * j], bottom[2 * j + 1]
                    best = max(max(v0, v1), max(v2, v3))
                    after0 = np.int8(v0 != best)
                    after1 = after0 * np.int8(v1 != best)
                    after2 = after1 * np.int8(v2 != best)
                    has_nan |= (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3)
                    out[b, c, i, j] = best
                    arg[b, c, i, j] = after0 + after1 + after2
    return has_nan


def max_pool_forward(padded, kh, kw, sh, sw, dh, dw, out, arg):
    """Max pooling of the padded (N, C, Hp, Wp) input into out and arg (N, C, Ho, Wo)."""
    if (kh, kw, sh, sw, dh, dw) == (2, 2, 2, 2, 1, 1) and not max_pool_2x2(padded, out, arg):
        return
    if sw == 1:
        max_pool_unit_column_stride(padded, kh, kw, sh, dh, dw, out, arg)
    else:
        max_pool_offsets(padded, kh, kw, sh, sw, dh, dw, out, arg)


@jit
def max_pool_backward(grad, arg, kw, sh, sw, dh, dw, padded):
    """padded[n, c, window position of arg] += grad[n, c, i, j]."""
    n, channels, ho, wo = grad.shape
    for b in range(n):
        for c in range(channels):
            for i in range(ho):
                for j in range(wo):
                    k = arg[b, c, i, j]
                    padded[b, c, i * sh + (k // kw) * dh, j * sw + (k % kw) * dw] += \
                        grad[b, c, i, j]


@jit
def winograd_bt(d0, d1, d2, d3):
    """B^T d for F(2 x 2, 3 x 3) along one axis (winograd._input_step)."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


@jit
def winograd_at(m0, m1, m2, m3):
    """A^T m along one axis (winograd._output_step)."""
    return m0 + m1 + m2, m1 - m2 - m3


@jit
def winograd_a(y0, y1):
    """A y along one axis, the adjoint of winograd_at (winograd._output_adjoint_step)."""
    return y0, y0 + y1, y0 - y1, -y1


@jit
def winograd_input(padded, tiles):
    """tiles[:, :, c, n, i, j] = B^T d B for the 4 x 4 tile
    d = padded[c, n, 2i:2i+4, 2j:2j+4]: B^T over a band of four rows, then B along it.
    (Elements are indexed directly: a view per row of tiles costs more than the work on
    the two tiles of a 4 x 4 image.)"""
    channels, n, _, width = padded.shape
    th, tw = tiles.shape[4], tiles.shape[5]
    band = np.empty((4, width), padded.dtype)
    for c in range(channels):
        for b in range(n):
            for i in range(th):
                for w in range(width):
                    band[0, w], band[1, w], band[2, w], band[3, w] = winograd_bt(
                        padded[c, b, 2 * i, w], padded[c, b, 2 * i + 1, w],
                        padded[c, b, 2 * i + 2, w], padded[c, b, 2 * i + 3, w])
                for a in range(4):
                    for j in range(tw):
                        (tiles[a, 0, c, b, i, j], tiles[a, 1, c, b, i, j],
                         tiles[a, 2, c, b, i, j], tiles[a, 3, c, b, i, j]) = winograd_bt(
                            band[a, 2 * j], band[a, 2 * j + 1], band[a, 2 * j + 2],
                            band[a, 2 * j + 3])


@jit
def winograd_output(m, y):
    """y[n, k, 2i:2i+2, 2j:2j+2] = A^T M A for M = m[:, :, k, n, i, j]."""
    channels, n, th, tw = m.shape[2:]
    for k in range(channels):
        for b in range(n):
            for i in range(th):
                for j in range(tw):  # A^T along the rows for each of the 4 columns, then A
                    t00, t10 = winograd_at(m[0, 0, k, b, i, j], m[1, 0, k, b, i, j],
                                           m[2, 0, k, b, i, j], m[3, 0, k, b, i, j])
                    t01, t11 = winograd_at(m[0, 1, k, b, i, j], m[1, 1, k, b, i, j],
                                           m[2, 1, k, b, i, j], m[3, 1, k, b, i, j])
                    t02, t12 = winograd_at(m[0, 2, k, b, i, j], m[1, 2, k, b, i, j],
                                           m[2, 2, k, b, i, j], m[3, 2, k, b, i, j])
                    t03, t13 = winograd_at(m[0, 3, k, b, i, j], m[1, 3, k, b, i, j],
                                           m[2, 3, k, b, i, j], m[3, 3, k, b, i, j])
                    y[b, k, 2 * i, 2 * j], y[b, k, 2 * i, 2 * j + 1] = winograd_at(
                        t00, t01, t02, t03)
                    y[b, k, 2 * i + 1, 2 * j], y[b, k, 2 * i + 1, 2 * j + 1] = winograd_at(
                        t10, t11, t12, t13)


@jit
def winograd_output_adjoint(y, dm):
    """dm[:, :, k, n, i, j] = A dY A^T for the 2 x 2 tile dY = y[n, k, 2i:2i+2, 2j:2j+2].
    A row of tiles is transformed into a small buffer first and then copied out one of the
    16 outputs at a time: writing all 16 (whose addresses differ by multiples of a large
    power of two, so they share cache sets) in one loop ran 3.5x slower."""
    channels, n, th, tw = dm.shape[2:]
    row = np.empty((4, 4, tw), y.dtype)
    for k in range(channels):
        for b in range(n):
            for i in range(th):
                for j in range(tw):  # A along the rows for each of the 2 columns, then A
                    r0, r1, r2, r3 = winograd_a(y[b, k, 2 * i, 2 * j], y[b, k, 2 * i + 1, 2 * j])
                    s0, s1, s2, s3 = winograd_a(y[b, k, 2 * i, 2 * j + 1],
                                                y[b, k, 2 * i + 1, 2 * j + 1])
                    row[0, 0, j], row[0, 1, j], row[0, 2, j], row[0, 3, j] = winograd_a(r0, s0)
                    row[1, 0, j], row[1, 1, j], row[1, 2, j], row[1, 3, j] = winograd_a(r1, s1)
                    row[2, 0, j], row[2, 1, j], row[2, 2, j], row[2, 3, j] = winograd_a(r2, s2)
                    row[3, 0, j], row[3, 1, j], row[3, 2, j], row[3, 3, j] = winograd_a(r3, s3)
                for a in range(4):
                    for q in range(4):
                        for j in range(tw):
                            dm[a, q, k, b, i, j] = row[a, q, j]


@jit
def depthwise_shift_add(output, weight, rows, cols, sh, sw, image, adjoint):
    """For each kernel offset (p, q), output row i in [i0, i1) and column j in [j0, j1),
    with rows[p] = (i0, i1, r), cols[q] = (j0, j1, s) (``depthwise._windows``) and the
    image position (r + (i - i0) sh, s + (j - j0) sw):
    output[n, c, i, j] += weight[c, p, q] image[n, c, position] (the depthwise convolution),
    or with ``adjoint`` image[n, c, position] += weight[c, p, q] output[n, c, i, j] (its
    input gradient).  The indices are unsigned: numba wraps negative signed indices around,
    and that test on every element kept LLVM from vectorising the inner loop (15x slower on
    32 x 32 images)."""
    n, channels = output.shape[:2]
    kh, kw = weight.shape[1:]
    for b in range(n):
        for c in range(channels):
            out_plane, image_plane = output[b, c], image[b, c]
            for p in range(kh):
                i0, i1, r = rows[p, 0], rows[p, 1], rows[p, 2]
                for q in range(kw):
                    w = weight[c, p, q]
                    j0, j1, s = cols[q, 0], cols[q, 1], cols[q, 2]
                    for i in range(i0, i1):
                        out_row, image_row = out_plane[i], image_plane[r + (i - i0) * sh]
                        for j in range(j0, j1):
                            if adjoint:
                                image_row[s + (j - j0) * sw] += w * out_row[j]
                            else:
                                out_row[j] += w * image_row[s + (j - j0) * sw]


@jit
def depthwise_weight_sums(grad, image, rows, cols, sh, sw, out, start, stop):
    """out[c, p, q] = sum_{n, i, j} grad[n, c, i, j] image[n, c, position] (positions as in
    depthwise_shift_add) for the channels start <= c < stop.  The products are summed along
    the image rows in a buffer, which vectorises (a running scalar sum does not)."""
    n = grad.shape[0]
    kh, kw = out.shape[1:]
    sums = np.empty((kh, kw, grad.shape[3]), grad.dtype)
    for c in range(start, stop):
        sums[...] = 0
        for b in range(n):
            g_plane, image_plane = grad[b, c], image[b, c]
            for p in range(kh):
                i0, i1, r = rows[p, 0], rows[p, 1], rows[p, 2]
                for q in range(kw):
                    total = sums[p, q]
                    j0, j1, s = cols[q, 0], cols[q, 1], cols[q, 2]
                    for i in range(i0, i1):
                        g_row, image_row = g_plane[i], image_plane[r + (i - i0) * sh]
                        for j in range(j0, j1):
                            total[j] += g_row[j] * image_row[s + (j - j0) * sw]
        for p in range(kh):
            for q in range(kw):
                out[c, p, q] = sums[p, q].sum()


def unsigned(windows):
    return np.array(windows, np.uint64).reshape(-1, 3)


def depthwise(source, weight, rows, cols, stride, out, adjoint):
    """Add the depthwise convolution of the images source (N, C, H, W) with weight
    (C, kh, kw) into out, or with ``adjoint`` its input gradient for the output gradient
    source; rows, cols: the (lo, hi, start) windows of each kernel row and column."""
    output, image = (source, out) if adjoint else (out, source)
    depthwise_shift_add(output, weight, unsigned(rows), unsigned(cols),
                        np.uint64(stride[0]), np.uint64(stride[1]), image, adjoint)


def depthwise_weight_grad(grad, x, rows, cols, stride, out, start, stop):
    """The weight gradient (C, kh, kw) of ``depthwise`` for the output gradient grad,
    channels start to stop."""
    depthwise_weight_sums(grad, x, unsigned(rows), unsigned(cols), np.uint64(stride[0]),
                          np.uint64(stride[1]), out, start, stop)


@summing
def batch_norm_statistics(x, mean, var, start, stop):
    """mean[c] and the biased var[c] of x[:, c, :] (N, C, L) for start <= c < stop in float64:
    a pass for the mean, then one for the squared deviations (over values still in cache:
    a channel of a batch is at most a few hundred KiB)."""
    n, _, length = x.shape
    count = n * length
    for c in range(start, stop):
        total = 0.0
        for b in range(n):
            row = x[b, c]
            for j in range(length):
                total += row[j]
        mu = total / count
        total = 0.0
        for b in range(n):
            row = x[b, c]
            for j in range(length):
                deviation = row[j] - mu
                total += deviation * deviation
        mean[c] = mu
        var[c] = total / count


@jit
def batch_norm_affine(x, shift, scale, offset, y, start, stop):
    """y[:, c] = (x[:, c] - shift[c]) scale[c] + offset[c] for start <= c < stop, (N, C, L)
    arrays: batch norm's output with shift = mean, scale = gamma invstd, offset = beta."""
    n, _, length = x.shape
    for c in range(start, stop):
        m, s, t = shift[c], scale[c], offset[c]
        for b in range(n):
            source, target = x[b, c], y[b, c]
            for j in range(length):
                target[j] = (source[j] - m) * s + t


@summing
def batch_norm_grad_sums(grad, x, mean, sum_g, sum_gx, start, stop):
    """sum_g[c] = sum of grad[:, c] and sum_gx[c] = sum of grad[:, c] (x[:, c] - mean[c])
    for start <= c < stop, (N, C, L) arrays, in float64: one pass over both."""
    n, _, length = x.shape
    for c in range(start, stop):
        m = mean[c]
        total_g = 0.0
        total_gx = 0.0
        for b in range(n):
            g_row, x_row = grad[b, c], x[b, c]
            for j in range(length):
                g = g_row[j]
                total_g += g
                total_gx += g * (x_row[j] - m)
        sum_g[c] = total_g
        sum_gx[c] = total_gx


@jit
def batch_norm_grad_input(grad, x, mean, a, b, c0, dx, start, stop):
    """dx[:, c] = a[c] grad[:, c] + b[c] (x[:, c] - mean[c]) + c0[c] for start <= c < stop,
    (N, C, L) arrays: batch norm's input gradient in one pass."""
    n, _, length = x.shape
    for c in range(start, stop):
        m, ac, bc, cc = mean[c], a[c], b[c], c0[c]
        for i in range(n):
            g_row, x_row, target = grad[i, c], x[i, c], dx[i, c]
            for j in range(length):
                target[j] = ac * g_row[j] + bc * (x_row[j] - m) + cc
