"""Helpers shared by the region-of-interest operators: torchvision's two ways of passing
boxes (``Tensor[K, 5]`` with the batch index first, or one ``Tensor[L, 4]`` per image), the
output size, and the chunking that bounds the memory of a gather over many RoIs."""
from ..._backend import get_array_module
from ..._tensor import Tensor
from ...ops.creation import full
from ...ops.shape import cat

# Elements one gather may materialise at once (RoIs are processed in chunks below this).
CHUNK_ELEMENTS = 1 << 22


def convert_boxes_to_roi_format(boxes):
    """One ``Tensor[L_i, 4]`` per image -> ``Tensor[K, 5]`` whose column 0 is the image index."""
    ids = [full((b.shape[0], 1), i, dtype=b.dtype) for i, b in enumerate(boxes)]
    return cat([cat(ids, dim=0), cat(list(boxes), dim=0)], dim=1)


def roi_arguments(name, input, boxes, output_size):
    """Checked ``(rois Tensor[K, 5], (pooled_height, pooled_width))``."""
    if not isinstance(input, Tensor) or input.ndim != 4:
        raise ValueError(f"{name}: input must be a Tensor [N, C, H, W], got "
                         f"{tuple(getattr(input, 'shape', ())) or type(input).__name__}")
    if isinstance(boxes, (list, tuple)):
        for i, b in enumerate(boxes):
            if not isinstance(b, Tensor) or b.ndim != 2 or b.shape[1] != 4:
                raise ValueError(f"{name}: boxes[{i}] must be a Tensor [L, 4], got "
                                 f"{tuple(getattr(b, 'shape', ())) or type(b).__name__}")
        if len(boxes) > input.shape[0]:
            raise ValueError(f"{name}: {len(boxes)} lists of boxes for a batch of {input.shape[0]}")
        rois = convert_boxes_to_roi_format(boxes) if boxes else input.new_zeros((0, 5))
    elif isinstance(boxes, Tensor):
        if boxes.ndim != 2 or boxes.shape[1] != 5:
            raise ValueError(f"{name}: boxes must be a Tensor [K, 5] (batch index, x1, y1, x2, y2) "
                             f"or a list of Tensors [L, 4], got shape {tuple(boxes.shape)}")
        rois = boxes
    else:
        raise TypeError(f"{name}: boxes must be a Tensor [K, 5] or a list of Tensors [L, 4], got "
                        f"{type(boxes).__name__}")
    if rois.dtype != input.dtype:
        raise TypeError(f"{name}: boxes dtype {rois.dtype} differs from input dtype {input.dtype}")
    if rois.shape[0]:
        batch = rois._data[:, 0]
        if batch.min() < 0 or batch.max() >= input.shape[0]:
            raise ValueError(f"{name}: batch indices {int(batch.min())}..{int(batch.max())} outside "
                             f"[0, {input.shape[0] - 1}]")
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"{name}: output_size must be a positive int or (height, width), got "
                         f"{output_size}")
    return rois, size


def chunks(count, elements_per_item):
    """Ranges of at most ``CHUNK_ELEMENTS // elements_per_item`` (at least 1) items."""
    step = max(1, CHUNK_ELEMENTS // max(1, elements_per_item))
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]


def scatter_add(total, flat_index, values):
    """Add ``values`` into the flat array ``total`` at ``flat_index`` (repeats accumulate)."""
    xp = get_array_module(total)
    total += xp.bincount(flat_index.ravel(), weights=values.ravel(), minlength=total.size)
