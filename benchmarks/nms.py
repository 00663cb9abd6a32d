"""Non-maximum suppression: yingshe's vectorised greedy NMS against the reference algorithm
(torchvision's ``nms_kernel``, the loop over box pairs, transcribed to Python) on the same boxes.

    python -m benchmarks.nms [--boxes 5000] [--repeats 3] [--iou 0.5]

Boxes: random centres in a 1000 x 1000 image, sides 10..100 pixels, uniform scores (seed 0).
Prints the median time of each and checks that both keep the same boxes."""
import argparse
import statistics
import time

import numpy as np

import yingshe
from yingshe.vision.ops import nms


def reference_nms(boxes, scores, iou_threshold):
    """torchvision's CPU kernel (``ops/cpu/nms_kernel.cpp``) as plain Python: visit boxes by
    decreasing score; a kept box suppresses every later box with IoU > ``iou_threshold``."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]
    suppressed = [False] * len(order)
    keep = []
    for a, i in enumerate(order):
        if suppressed[a]:
            continue
        keep.append(i)
        for b in range(a + 1, len(order)):
            if suppressed[b]:
                continue
            j = order[b]
            w = max(0.0, min(boxes[i][2], boxes[j][2]) - max(boxes[i][0], boxes[j][0]))
            h = max(0.0, min(boxes[i][3], boxes[j][3]) - max(boxes[i][1], boxes[j][1]))
            inter = w * h
            union = areas[i] + areas[j] - inter
            if union > 0 and inter / union > iou_threshold:
                suppressed[b] = True
    return keep


def random_boxes(count, seed=0, image=1000.0):
    """``count`` random ``xyxy`` boxes in an ``image`` x ``image`` square and their scores."""
    rng = np.random.default_rng(seed)
    centre = rng.uniform(0, image, (count, 2))
    size = rng.uniform(10, 100, (count, 2))
    boxes = np.concatenate([centre - size / 2, centre + size / 2], 1).astype(np.float32)
    return boxes, rng.uniform(0, 1, count).astype(np.float32)


def _median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boxes", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iou", type=float, default=0.5)
    args = parser.parse_args()
    boxes, scores = random_boxes(args.boxes)
    ours, kept = _median_seconds(
        lambda: nms(yingshe.from_numpy(boxes), yingshe.from_numpy(scores), args.iou).tolist(),
        args.repeats)
    box_list, score_list = boxes.astype(np.float64).tolist(), scores.tolist()
    theirs, expected = _median_seconds(lambda: reference_nms(box_list, score_list, args.iou),
                                       args.repeats)
    print(f"{args.boxes} boxes, IoU {args.iou}: kept {len(kept)} (same as the reference: "
          f"{kept == expected})")
    print(f"yingshe nms {ours * 1e3:.1f} ms, reference loop {theirs * 1e3:.1f} ms, "
          f"speed-up {theirs / ours:.0f}x")


if __name__ == "__main__":
    main()
