"""RoIAlign (He, Gkioxari, Dollar & Girshick 2017, "Mask R-CNN", §3): each region of interest
is divided into ``pooled_height x pooled_width`` bins; every bin averages the bilinearly
interpolated feature map at a regular grid of sample points, with no rounding of the box:

    y(ph, iy) = y1 * s - o + ph * bin_h + (iy + 1/2) * bin_h / grid_h     (o = 1/2 if aligned)
    out[k, c, ph, pw] = 1/(grid_h grid_w) sum_{iy, ix} bilinear(x[b_k, c], y(ph, iy), x(pw, ix))

``bin_h = max(y2 s - y1 s, 1) / pooled_height`` (the 1-pixel floor only when not aligned),
``grid_h = sampling_ratio`` or, when it is <= 0, ``ceil(roi_height / pooled_height)`` per RoI.
A sample more than one pixel outside the map (y < -1 or y > H) contributes 0; others are
clamped to the border, exactly as torchvision's ``roi_align`` kernel.

The bilinear weight of a sample is a product of a y weight and an x weight, and the grid is
the product of its y and x positions, so the whole average is separable:

    out[k, c] = A_k x[b_k, c] B_k^T,
    A_k[ph, i] = 1/(grid_h grid_w) sum_iy (weight of row i at sample y(ph, iy)),  [PH, H]
    B_k[pw, j] = sum_ix (weight of column j at sample x(pw, ix)),                 [PW, W]

two matrix products per RoI, done for all RoIs of an image (in chunks) as one GEMM and one
batched matmul; the gradient is d x[b] = sum_k A_k^T d out[k] B_k, the same products in
reverse."""
from ..._backend import get_array_module
from ...autograd.function import Op, once_differentiable
from ...nn.modules.module import Module
from ._utils import chunks, roi_arguments

__all__ = ["roi_align", "RoIAlign"]


def _axis_samples(start, length, pooled, grid, grid_max, size, xp):
    """Sample positions along one axis for every RoI: ``(low, high, w_low, w_high)``, each
    ``[K, pooled * grid_max]`` (index of the two neighbouring rows/columns and their bilinear
    weights; weight 0 for grid points beyond the RoI's own grid or outside the map)."""
    dtype = start.dtype
    bin_size = length / dtype.type(pooled)
    p = xp.arange(pooled, dtype=dtype)[None, :, None]
    i = xp.arange(grid_max, dtype=dtype)[None, None, :]
    coord = (start[:, None, None] + p * bin_size[:, None, None]
             + (i + dtype.type(0.5)) * (bin_size / grid)[:, None, None])
    valid = (i < grid[:, None, None]) & (coord >= -1) & (coord <= size)
    coord = xp.maximum(coord, 0)
    low = coord.astype(xp.int64)  # floor, coord >= 0
    at_edge = low >= size - 1
    low = xp.where(at_edge, size - 1, low)
    high = xp.where(at_edge, size - 1, low + 1)
    frac = xp.where(at_edge, 0, coord - low).astype(dtype)
    shape = (start.shape[0], pooled * grid_max)
    return (low.reshape(shape), high.reshape(shape),
            ((1 - frac) * valid).reshape(shape), (frac * valid).reshape(shape))


def _interpolation_matrix(samples, pooled, grid_max, size, xp, dtype):
    """``[K, pooled, size]``: for each bin, the summed bilinear weights its samples put on
    each row (or column) of the map."""
    low, high, w_low, w_high = samples
    k = low.shape[0]
    bins = (xp.arange(k)[:, None] * pooled + xp.arange(low.shape[1])[None, :] // grid_max) * size
    total = k * pooled * size
    matrix = (xp.bincount((bins + low).ravel(), weights=w_low.ravel(), minlength=total)
              + xp.bincount((bins + high).ravel(), weights=w_high.ravel(), minlength=total))
    return matrix.astype(dtype).reshape(k, pooled, size)


def _interpolation(rois, height, width, spatial_scale, pooled, sampling_ratio, aligned, dtype):
    """Per RoI: batch index, A (``[K, PH, H]``, divided by the sample count) and B
    (``[K, PW, W]``) of the module docstring."""
    xp = get_array_module(rois)
    rois = rois.astype(dtype)
    offset = dtype.type(0.5 if aligned else 0.0)
    scale = dtype.type(spatial_scale)
    x1, y1, x2, y2 = (rois[:, j] * scale - offset for j in range(1, 5))
    roi_w, roi_h = x2 - x1, y2 - y1
    if not aligned:
        roi_w, roi_h = xp.maximum(roi_w, 1), xp.maximum(roi_h, 1)
    ph, pw = pooled
    if sampling_ratio > 0:
        grid_h = grid_w = xp.full(rois.shape[0], sampling_ratio, dtype)
    else:
        grid_h, grid_w = xp.ceil(roi_h / dtype.type(ph)), xp.ceil(roi_w / dtype.type(pw))
    gh = max(int(grid_h.max()), 1) if rois.shape[0] else 1
    gw = max(int(grid_w.max()), 1) if rois.shape[0] else 1
    count = xp.maximum(grid_h * grid_w, 1)
    rows = _interpolation_matrix(_axis_samples(y1, roi_h, ph, grid_h, gh, height, xp), ph, gh,
                                 height, xp, dtype)
    cols = _interpolation_matrix(_axis_samples(x1, roi_w, pw, grid_w, gw, width, xp), pw, gw,
                                 width, xp, dtype)
    return rois[:, 0].astype(xp.int64), rows / count[:, None, None], cols


def _per_image(batch, n, elements_per_roi):
    """Chunks of RoI indices that share an image (at most ``chunks``' size each)."""
    xp = get_array_module(batch)
    for b in range(n):
        members = xp.flatnonzero(batch == b)
        for part in chunks(len(members), elements_per_roi):
            yield b, members[part]


class _RoIAlignFunction(Op):
    """out[k, c] = A_k x[b_k, c] B_k^T; d x[b] = sum_k A_k^T d out[k] B_k (boxes get no
    gradient)."""

    @staticmethod
    def forward(ctx, x, rois, spatial_scale, pooled, sampling_ratio, aligned):
        xp = get_array_module(x)
        n, c, h, w = x.shape
        (ph, pw), k = pooled, rois.shape[0]
        batch, rows, cols = _interpolation(rois, h, w, spatial_scale, pooled, sampling_ratio,
                                           aligned, x.dtype)
        out = xp.empty((k, c, ph, pw), x.dtype)
        for b, members in _per_image(batch, n, ph * c * w):
            image = x[b].transpose(1, 0, 2).reshape(h, c * w)  # [H, C*W]
            part = len(members)
            left = (rows[members].reshape(part * ph, h) @ image).reshape(part, ph * c, w)
            right = left @ cols[members].transpose(0, 2, 1)  # [part, PH*C, PW]
            out[members] = right.reshape(part, ph, c, pw).transpose(0, 2, 1, 3)
        if ctx._record:
            ctx.saved = (x.shape, batch, rows, cols)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        grad = grad._data
        xp = get_array_module(grad)
        (n, c, h, w), batch, rows, cols = ctx.saved
        _, _, ph, pw = grad.shape
        grad_input = xp.zeros((n, h, c * w), grad.dtype)
        for b, members in _per_image(batch, n, ph * c * w):
            part = len(members)
            g = grad[members].transpose(0, 2, 1, 3).reshape(part, ph * c, pw)
            spread = (g @ cols[members]).reshape(part * ph, c * w)  # [part*PH, C*W]
            grad_input[b] += rows[members].reshape(part * ph, h).T @ spread
        return (grad_input.reshape(n, h, c, w).transpose(0, 2, 1, 3), None, None, None, None,
                None)


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """RoIAlign pooling (``torchvision.ops.roi_align``; He et al. 2017, "Mask R-CNN", §3): each
    box is cut into ``output_size`` bins, and each bin averages the bilinearly interpolated
    feature map at ``sampling_ratio x sampling_ratio`` sample points, without rounding the box
    (the module docstring spells out the sample positions and the border rule):

        out[k, c, i, j] = 1/(g_h g_w) sum over the samples (u, v) of bin (i, j)
                          of bilinear(input[b_k, c], u, v)

    (``b_k`` the image of box k, ``g_h x g_w`` the samples per bin).

    ``spatial_scale`` maps box coordinates to the input's (e.g. 1/16 for a stride-16 feature
    map); ``sampling_ratio`` is the number of samples per bin side (``<= 0``:
    ``ceil(roi size / output size)`` per box); ``aligned=True`` shifts the box by -0.5 pixel
    so that pixel centres sit at half-integers (Detectron2's convention).

    Shape:
        input ``(N, C, H, W)``; boxes ``(K, 5)`` with rows ``(batch index, x1, y1, x2, y2)``,
        or a list of N tensors ``(L_i, 4)`` (``K = sum L_i``); output
        ``(K, C, output_size[0], output_size[1])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import roi_align
        >>> x = yingshe.arange(16.).reshape(1, 1, 4, 4)
        >>> roi_align(x, yingshe.tensor([[0., 0., 0., 4., 4.]]), output_size=2)
        tensor([[[[ 5.0000,  6.7500],
                  [12.0000, 13.7500]]]])
        >>> roi_align(x, [yingshe.tensor([[0., 0., 4., 4.]])], 2, aligned=True)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    rois, pooled = roi_arguments("roi_align", input, boxes, output_size)
    return _RoIAlignFunction.apply(input, rois.detach(), float(spatial_scale), pooled,
                          int(sampling_ratio), bool(aligned))


class RoIAlign(Module):
    """``roi_align`` as a layer (``torchvision.ops.RoIAlign``); ``forward(input, rois)``.

    Shape:
        input ``(N, C, H, W)``; rois ``(K, 5)`` or a list of ``(L_i, 4)``; output
        ``(K, C, output_size[0], output_size[1])``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.ops import RoIAlign
        >>> pool = RoIAlign(output_size=(2, 2), spatial_scale=1 / 4, sampling_ratio=2)
        >>> features = yingshe.randn(2, 8, 16, 16)  # stride-4 features of 64 x 64 images
        >>> rois = yingshe.tensor([[0., 0., 0., 32., 32.], [1., 8., 8., 60., 40.]])
        >>> pool(features, rois).shape
        yingshe.Size([2, 8, 2, 2])
    """

    def __init__(self, output_size, spatial_scale, sampling_ratio, aligned=False):
        super().__init__()
        self.output_size, self.spatial_scale = output_size, spatial_scale
        self.sampling_ratio, self.aligned = sampling_ratio, aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio,
                         self.aligned)

    def extra_repr(self):
        return (f"output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
                f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned}")
