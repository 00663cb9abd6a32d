"""RoI max pooling (Girshick 2015, "Fast R-CNN", §2.1): the box is rounded to the feature
map's cells (``round(x * spatial_scale)``, half away from zero), divided into
``pooled_height x pooled_width`` bins of ``floor(ph * h / PH) .. ceil((ph + 1) * h / PH)``
cells (``h = max(y2 - y1 + 1, 1)``), each clipped to the map, and every bin keeps its maximum
(0 for an empty bin).  The gradient goes to the first maximum of each bin (row-major order),
as torchvision's ``roi_pool`` kernel.  All bins of a chunk of RoIs are gathered at once,
padded to the largest bin and masked."""
from ..._backend import get_array_module
from ...autograd.function import Op, once_differentiable
from ...nn.modules.module import Module
from ._utils import chunks, roi_arguments, scatter_add

__all__ = ["roi_pool", "RoIPool"]


def _round_half_away(xp, values):
    """C's ``round``: halves go away from zero (NumPy's ``round`` goes to even)."""
    return (xp.sign(values) * xp.floor(xp.abs(values) + values.dtype.type(0.5))).astype(xp.int64)


def _bins(start, end, pooled, size, xp, dtype):
    """First cell and cell count of every bin along one axis: ``[K, pooled]`` each."""
    length = xp.maximum(end - start + 1, 1).astype(dtype)
    bin_size = length / dtype.type(pooled)
    p = xp.arange(pooled, dtype=dtype)
    lo = xp.floor(p * bin_size[:, None]).astype(xp.int64) + start[:, None]
    hi = xp.ceil((p + 1) * bin_size[:, None]).astype(xp.int64) + start[:, None]
    lo, hi = xp.clip(lo, 0, size), xp.clip(hi, 0, size)
    return lo, xp.maximum(hi - lo, 0)


class _RoIPoolFunction(Op):
    """out = max of each bin; d input gets d out at the bin's argmax (boxes get no gradient)."""

    @staticmethod
    def forward(ctx, x, rois, spatial_scale, pooled):
        xp = get_array_module(x)
        _n, c, h, w = x.shape
        k, (ph, pw) = rois.shape[0], pooled
        cells = _round_half_away(xp, rois[:, 1:].astype(x.dtype) * x.dtype.type(spatial_scale))
        y0, y_count = _bins(cells[:, 1], cells[:, 3], ph, h, xp, x.dtype)
        x0, x_count = _bins(cells[:, 0], cells[:, 2], pw, w, xp, x.dtype)
        bh = max(int(y_count.max()) if k else 1, 1)
        bw = max(int(x_count.max()) if k else 1, 1)
        rows = y0[:, :, None] + xp.arange(bh)  # [K, PH, bh]
        cols = x0[:, :, None] + xp.arange(bw)
        row_ok, col_ok = rows < (y0 + y_count)[:, :, None], cols < (x0 + x_count)[:, :, None]
        rows, cols = xp.minimum(rows, h - 1), xp.minimum(cols, w - 1)
        batch = rois[:, 0].astype(xp.int64)
        out = xp.zeros((k, c, ph, pw), x.dtype)
        argmax = xp.full((k, c, ph, pw), -1, xp.int64)
        for part in chunks(k, c * ph * bh * pw * bw):
            m = batch[part].shape[0]
            values = x[batch[part][:, None, None], :, rows[part].reshape(m, -1)[:, :, None],
                       cols[part].reshape(m, -1)[:, None, :]]  # [m, PH*bh, PW*bw, C]
            values = values.reshape(m, ph, bh, pw, bw, c).transpose(0, 5, 1, 3, 2, 4)
            inside = row_ok[part][:, None, :, None, :, None] & col_ok[part][:, None, None, :, None, :]
            values = xp.where(inside, values, -xp.inf).reshape(m, c, ph, pw, bh * bw)
            best = values.argmax(axis=-1)
            top = xp.take_along_axis(values, best[..., None], axis=-1)[..., 0]
            found = top > -xp.inf
            out[part] = xp.where(found, top, 0)
            r = xp.take_along_axis(rows[part][:, None, :, None, :], (best // bw)[..., None], -1)
            q = xp.take_along_axis(cols[part][:, None, None, :, :], (best % bw)[..., None], -1)
            argmax[part] = xp.where(found, r[..., 0] * w + q[..., 0], -1)
        if ctx._record:
            ctx.saved = (x.shape, batch, argmax)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        (n, c, h, w), batch, argmax = ctx.saved
        total = xp.zeros(n * c * h * w, xp.float64)
        found = argmax >= 0
        plane = (batch[:, None, None, None] * c + xp.arange(c)[:, None, None]) * (h * w)
        scatter_add(total, (plane + argmax)[found], grad[found])
        return total.astype(grad.dtype).reshape(n, c, h, w), None, None, None


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """RoI max pooling (``torchvision.ops.roi_pool``; Girshick 2015, "Fast R-CNN", §2.1): the
    box, scaled by ``spatial_scale`` and rounded to the feature map's cells, is cut into
    ``output_size`` bins and each bin keeps its maximum (0 for an empty bin):

        out[k, c, i, j] = max over the cells (y, x) of bin (i, j) of x[b_k, c, y, x]

    Shape:
        input ``(N, C, H, W)``; boxes ``(K, 5)`` with rows ``(batch index, x1, y1, x2, y2)``,
        or a list of N tensors ``(L_i, 4)``; output ``(K, C, output_size[0], output_size[1])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import roi_pool
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> roi_pool(x, yingshe.tensor([[0., 0., 0., 3., 3.]]), output_size=2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    rois, pooled = roi_arguments("roi_pool", input, boxes, output_size)
    return _RoIPoolFunction.apply(input, rois.detach(), float(spatial_scale), pooled)


class RoIPool(Module):
    """``roi_pool`` as a layer (``torchvision.ops.RoIPool``); ``forward(input, rois)``.

    Shape:
        input ``(N, C, H, W)``; rois ``(K, 5)`` or a list of ``(L_i, 4)``; output
        ``(K, C, output_size[0], output_size[1])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import RoIPool
        >>> pool = RoIPool(output_size=(2, 2), spatial_scale=1 / 4)
        >>> boxes = [yingshe.tensor([[0., 0., 32., 32.]]), yingshe.tensor([[8., 8., 60., 40.]])]
        >>> pool(yingshe.randn(2, 8, 16, 16), boxes).shape
        yingshe.Size([2, 8, 2, 2])
    """

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale

    def forward(self, input, rois):
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def extra_repr(self):
        return f"output_size={self.output_size}, spatial_scale={self.spatial_scale}"
