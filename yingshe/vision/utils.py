"""``torchvision.utils``: image grids (``make_grid``), writing images (``save_image``) and boxes
drawn on an image (``draw_bounding_boxes``), with torchvision's arguments and results.

``make_grid`` works on tensors of any device and dtype; ``save_image`` and
``draw_bounding_boxes`` go through Pillow, exactly as torchvision does, so the pixels agree.
"""
import math
import warnings
from itertools import pairwise

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from .._dtype import uint8
from .._tensor import Tensor
from ..autograd import no_grad
from ..ops.creation import from_numpy
from ..ops.shape import cat, stack

__all__ = ["make_grid", "save_image", "draw_bounding_boxes"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Tile a (B, C, H, W) batch, or a list of same-sized (C, H, W) images, into one image:
    ``nrow`` images per row, ``padding`` pixels of ``pad_value`` between and around them.
    One-channel images become three (grey RGB); a (C, H, W) or (H, W) tensor is a single image,
    and a single image comes back without padding.

    ``normalize=True`` maps ``value_range`` = (low, high) (default: the tensor's min and max;
    each image's own with ``scale_each=True``) onto [0, 1]: x' = (clamp(x, low, high) - low) /
    max(high - low, 1e-5), on a copy.  A single image that is not normalised may come back as a
    view of the input, as in torchvision.

    Shape:
        input ``(B, C, H, W)`` or a list of B ``(C, H, W)``; output ``(C', H_g, W_g)`` with
        C' = 3 if C = 1 else C, ``cols = min(nrow, B)``, ``rows = ceil(B / cols)``,
        ``H_g = rows (H + padding) + padding``, ``W_g = cols (W + padding) + padding``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.utils import make_grid
        >>> make_grid(yingshe.zeros(5, 3, 4, 4), nrow=4).shape  # 2 rows of 4, padding 2
        yingshe.Size([3, 14, 26])
        >>> make_grid(yingshe.zeros(5, 1, 4, 4), nrow=4, padding=0).shape  # grey to RGB
        yingshe.Size([3, 8, 16])
        >>> make_grid(yingshe.tensor([[[-1., 1.]]]), normalize=True)[0]
        tensor([[0., 1.]])
    """
    if not isinstance(tensor, Tensor):
        if not isinstance(tensor, list):
            raise TypeError(f"make_grid: tensor or list of tensors expected, got {type(tensor)}")
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(f"make_grid: tensor or list of tensors expected, got a list "
                                f"containing {type(t)}")
    with no_grad():
        if isinstance(tensor, list):
            tensor = stack(tensor, dim=0)
        if tensor.dim() not in (2, 3, 4):
            raise ValueError(f"make_grid: expected a (B, C, H, W) batch, a (C, H, W) or (H, W) "
                             f"image or a list of (C, H, W) images, got shape "
                             f"{tuple(tensor.shape)}")
        if tensor.dim() == 2:  # one H x W image
            tensor = tensor.unsqueeze(0)
        if tensor.dim() == 3:  # one C x H x W image
            if tensor.size(0) == 1:
                tensor = cat((tensor, tensor, tensor), 0)
            tensor = tensor.unsqueeze(0)
        if tensor.size(1) == 1:  # grey images as RGB
            tensor = cat((tensor, tensor, tensor), 1)
        if normalize:
            tensor = _normalized(tensor, value_range, scale_each)
        if tensor.size(0) == 1:
            return tensor.squeeze(0)

        count, channels, height, width = tensor.shape
        columns = min(nrow, count)
        rows = math.ceil(count / columns)
        step_y, step_x = height + padding, width + padding
        grid = tensor.new_full((channels, rows * step_y + padding, columns * step_x + padding),
                               pad_value)
        for k in range(count):
            top, left = (k // columns) * step_y + padding, (k % columns) * step_x + padding
            grid[:, top:top + height, left:left + width] = tensor[k]
        return grid


def _normalized(tensor, value_range, scale_each):
    """A copy of ``tensor`` with ``value_range`` (or the min and max) mapped onto [0, 1]."""
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError(f"make_grid: value_range has to be a tuple (min, max) if specified, got "
                        f"{value_range!r}")
    tensor = tensor.clone()

    def scale(image):  # in place, as torchvision's norm_ip
        if value_range is None:
            low, high = image.min().item(), image.max().item()
        else:
            low, high = value_range
        image.clamp_(min=low, max=high)
        image.sub_(low).div_(max(high - low, 1e-5))

    for image in (tensor if scale_each else [tensor]):
        scale(image)
    return tensor


def save_image(tensor, fp, format=None, **kwargs):
    """Write ``make_grid(tensor, **kwargs)`` to ``fp`` (a path or a binary file object) with
    Pillow; ``format`` (e.g. ``"PNG"``) is needed for a file object, otherwise the file name's
    extension chooses.  Values in [0, 1] become bytes ``floor(255 x + 0.5)``, clipped to
    [0, 255].

    Shape:
        tensor ``(B, C, H, W)``, ``(C, H, W)``, ``(H, W)`` or a list of ``(C, H, W)``, floats in
        [0, 1]; the file holds ``make_grid``'s image.

    Examples:
        >>> import io
        >>> import yingshe
        >>> from PIL import Image
        >>> from yingshe.vision.utils import save_image
        >>> buffer = io.BytesIO()
        >>> save_image(yingshe.rand(4, 3, 8, 8), buffer, format="PNG", nrow=2)
        >>> Image.open(buffer).size  # 2 x 2 tiles of 8 pixels, padding 2
        (22, 22)
    """
    grid = make_grid(tensor, **kwargs)
    with no_grad():
        # + 0.5 then truncation rounds to the nearest integer (torchvision's rule)
        pixels = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", uint8)
    Image.fromarray(pixels.numpy()).save(fp, format=format)


# ------------------------------------------------------------------------ bounding boxes

class _Draw(ImageDraw.ImageDraw):
    """Pillow's ImageDraw plus torchvision's rotated rectangle: the first side dashed (it marks
    where the box starts), the other three solid, the inside filled."""

    def oriented_rectangle(self, xy, fill=None, outline=None, width=1):
        self.dashed_line(((xy[0], xy[1]), (xy[2], xy[3])), width=width, fill=outline)
        for i in range(2, len(xy), 2):
            self.line(((xy[i], xy[i + 1]), (xy[(i + 2) % len(xy)], xy[(i + 3) % len(xy)])),
                      width=width, fill=outline)
        self.polygon(xy, fill=fill, outline=None, width=0)

    def dashed_line(self, xy, fill=None, width=0, joint=None, dash_length=5, space_length=5):
        """A polyline drawn as dashes of ``dash_length`` pixels with ``space_length`` gaps."""
        dash = True
        for (x1, y1), (x2, y2) in pairwise(xy):
            remaining = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
            while remaining > 0:
                length = min(remaining, dash_length if dash else space_length)
                angle = math.atan2(y2 - y1, x2 - x1)  # from the dash's start, as torchvision
                end_x, end_y = x1 + math.cos(angle) * length, y1 + math.sin(angle) * length
                if dash:
                    self.line([(x1, y1), (end_x, end_y)], fill, width, joint)
                remaining -= length
                x1, y1 = end_x, end_y
                dash = not dash


def _palette(count):
    """torchvision's default box colours: (i * (2^25 - 1, 2^15 - 1, 2^21 - 1)) mod 255."""
    return [tuple((i * p) % 255 for p in (2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1))
            for i in range(count)]


def _parse_colors(colors, count):
    """One (r, g, b) per object from None (the palette), one colour (a Pillow name such as
    "red" or "#FF00FF", or an RGB tuple) or a list of at least ``count`` colours."""
    if colors is None:
        colors = _palette(count)
    elif isinstance(colors, list):
        if len(colors) < count:
            raise ValueError(f"Number of colors must be equal or larger than the number of "
                             f"objects, but got {len(colors)} < {count}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got "
                         f"{colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got {colors}.")
    else:
        colors = [colors] * count
    return [ImageColor.getrgb(c) if isinstance(c, str) else c for c in colors]


def draw_bounding_boxes(image, boxes, labels=None, colors=None, fill=False, width=1, font=None,
                        font_size=None, label_colors=None, label_background_colors=None,
                        fill_labels=False):
    """``image`` (uint8 in [0, 255] or float in [0, 1], 1 or 3 channels) with ``boxes`` drawn on it
    by Pillow; returns a new 3-channel image of the input's dtype, on the CPU.

    ``boxes`` is (N, 4) as (xmin, ymin, xmax, ymax) in pixels, or (N, 8) as the four corners
    (x1, y1, ..., x4, y4) of rotated boxes (first side dashed); coordinates are truncated to
    integers.  ``labels`` are written inside the top-left corner (``font`` a TrueType file of
    ``font_size`` points, else Pillow's default font).  ``colors``, ``label_colors`` and
    ``label_background_colors`` are a colour or a list of them (default: a fixed palette);
    ``fill`` shades each box with its colour at alpha 100/255, ``fill_labels`` puts the labels
    on boxes of their background colour (then labels are black by default).

    Shape:
        image ``(C, H, W)``, C = 1 or 3; boxes ``(N, 4)`` or ``(N, 8)``; output ``(3, H, W)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.utils import draw_bounding_boxes
        >>> image = yingshe.zeros(3, 8, 8, dtype=yingshe.uint8)
        >>> out = draw_bounding_boxes(image, yingshe.tensor([[1, 1, 6, 6]]), colors="red")
        >>> out.shape, out.dtype
        (yingshe.Size([3, 8, 8]), yingshe.uint8)
        >>> out[:, 1, 3], out[:, 3, 3]  # a pixel of the red outline, one inside
        (tensor([255,   0,   0], dtype=yingshe.uint8), tensor([0, 0, 0], dtype=yingshe.uint8))
    """
    if not isinstance(image, Tensor):
        raise TypeError(f"draw_bounding_boxes: Tensor expected, got {type(image)}")
    if not (image.dtype == uint8 or image.is_floating_point()):
        raise ValueError(f"draw_bounding_boxes: the image dtype must be uint8 or float, got "
                         f"{image.dtype}")
    if image.dim() != 3:
        raise ValueError(f"draw_bounding_boxes: pass individual (C, H, W) images, not batches; "
                         f"got shape {tuple(image.shape)}")
    if image.size(0) not in {1, 3}:
        raise ValueError(f"draw_bounding_boxes: only grayscale and RGB images are supported, "
                         f"got {image.size(0)} channels")
    box_array = boxes.detach().cpu().numpy() if isinstance(boxes, Tensor) else np.asarray(boxes)
    if box_array.ndim != 2 or box_array.shape[-1] not in (4, 8):
        raise ValueError(f"draw_bounding_boxes: boxes should have shape (N, 4) or (N, 8), got "
                         f"{tuple(box_array.shape)}")
    if box_array.shape[-1] == 4 and ((box_array[:, 0] > box_array[:, 2]).any()
                                     or (box_array[:, 1] > box_array[:, 3]).any()):
        raise ValueError("draw_bounding_boxes: boxes need to be in (xmin, ymin, xmax, ymax) "
                         "format. Use torchvision.ops.box_convert to convert them")
    count = len(box_array)
    if count == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        labels = [None] * count
    elif len(labels) != count:
        raise ValueError(f"draw_bounding_boxes: number of boxes ({count}) and labels "
                         f"({len(labels)}) mismatch. Please specify labels for each box.")

    colors = _parse_colors(colors, count)
    if label_colors or fill_labels:
        label_colors = _parse_colors(label_colors or "black", count)
    else:
        label_colors = colors
    if fill_labels and label_background_colors:
        label_background_colors = _parse_colors(label_background_colors, count)
    else:
        label_background_colors = colors
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.",
                          stacklevel=2)
        text_font = ImageFont.load_default()
    else:
        text_font = ImageFont.truetype(font=font, size=font_size or 10)

    with no_grad():
        pixels = image.detach().cpu()
        if image.is_floating_point():  # torchvision's to_dtype(..., scale=True)
            pixels = pixels.mul(255 + 1.0 - 1e-3).to(uint8)
        pixels = pixels.numpy()
    if len(pixels) == 1:
        pixels = np.tile(pixels, (3, 1, 1))
    picture = Image.fromarray(np.ascontiguousarray(pixels.transpose(1, 2, 0)))
    draw = _Draw(picture, "RGBA") if fill else _Draw(picture)
    for box, color, label, label_color, background in zip(
            box_array.astype(np.int64).tolist(), colors, labels, label_colors,
            label_background_colors):
        shape = draw.oriented_rectangle if len(box) > 4 else draw.rectangle
        shape(box, width=width, outline=color, fill=color + (100,) if fill else None)
        if label is not None:
            margin = width + 1
            corner = (box[0] + margin, box[1] + margin)
            if fill_labels:
                left, top, right, bottom = draw.textbbox(corner, label, font=text_font)
                draw.rectangle((left - 1, top - 1, right + 1, bottom + 1), fill=background)
            draw.text(corner, label, fill=label_color, font=text_font)

    out = from_numpy(np.ascontiguousarray(np.asarray(picture).transpose(2, 0, 1)))
    if image.is_floating_point():
        with no_grad():
            out = out.to(image.dtype).mul_(1.0 / 255)
    return out
