"""Images per second of the training transforms through ``DataLoader``: yingshe's
``vision.transforms`` and ``utils.data.DataLoader`` against torchvision's transforms and torch's
DataLoader, each library alone in a fresh process, rounds alternating, median
(``benchmarks.peers``).

    python -m benchmarks.data_pipeline                  # both pipelines, 0 and 2 workers
    python -m benchmarks.data_pipeline --only cifar_crop_flip --workers 0 --rounds 1

The pipelines are written once against torchvision's API (``vision`` is ``yingshe.vision`` or
torchvision, loaded through tests/torchvision_oracle.py), on a dataset that hands its transform
a Pillow image of each uint8 array, as both libraries' CIFAR10 and MNIST datasets do:

* ``cifar_crop_flip``: ``--images`` synthetic 32 x 32 colour images (uniform uint8, seeded),
  RandomCrop(32, padding=4) + RandomHorizontalFlip + ToTensor + Normalize(CIFAR-10's mean and
  std): the augmentation of He et al. (2016, §4.2);
* ``mnist_affine``: the first ``--images`` MNIST training images (from $YINGSHE_DATA), the
  classification recipe's RandomAffine (10 degrees, shifts of 0.1, scale 0.9-1.1, bilinear;
  ``yingshe.datasets.prepare.default_augmentation``) + ToTensor + Normalize(0.1307, 0.3081);
* ``mnist_affine_recipe`` (yingshe only, no twin): the same augmentation the way the recipe
  runs it, ``AugmentedImages``, which warps a whole batch of arrays at once
  (``RandomAffine.apply_batch``).

Each process builds the loader (batches of ``--batch-size``, shuffled, ``num_workers`` as
asked), runs one epoch to warm up, then times one epoch (worker start-up included: neither
library keeps its workers between epochs by default); images per second is ``--images`` over
its seconds."""
import argparse
import json
import time

import numpy as np

from . import peers

CIFAR_MEAN, CIFAR_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)


def _framework(library):
    """(fw, vision): yingshe and yingshe.vision, or torch and torchvision."""
    if library == "torchvision":
        import torch

        from .workloads import load_torchvision
        return torch, load_torchvision()
    import yingshe
    import yingshe.vision
    return yingshe, yingshe.vision


def _image_dataset(fw, images, labels, transform):
    """A dataset of ``fw`` giving (transform(Pillow image of images[i]), labels[i])."""
    from PIL import Image

    class ImageArrays(fw.utils.data.Dataset):
        def __len__(self):
            return len(labels)

        def __getitem__(self, index):
            return transform(Image.fromarray(images[index])), int(labels[index])

    return ImageArrays()


def _cifar_images(count, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8),
            rng.integers(0, 10, count).astype(np.int64))


def _mnist_images(count, data):
    from yingshe.vision.datasets import MNIST
    images, labels = MNIST(data, train=True).arrays()
    return images[:count], labels[:count]


def cifar_crop_flip(fw, vision, args):
    transforms = vision.transforms
    transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), transforms.Normalize(CIFAR_MEAN, CIFAR_STD)])
    return _image_dataset(fw, *_cifar_images(args.images), transform)


def mnist_affine(fw, vision, args):
    transforms = vision.transforms
    transform = transforms.Compose([
        transforms.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1),
                                interpolation=transforms.InterpolationMode.BILINEAR),
        transforms.ToTensor(), transforms.Normalize(MNIST_MEAN, MNIST_STD)])
    return _image_dataset(fw, *_mnist_images(args.images, args.data), transform)


def mnist_affine_recipe(fw, vision, args):
    from yingshe.datasets.prepare import AugmentedImages, default_augmentation
    return AugmentedImages(*_mnist_images(args.images, args.data), default_augmentation(),
                           MNIST_MEAN, MNIST_STD)


# workload -> (dataset builder, libraries that run it)
WORKLOADS = {"cifar_crop_flip": (cifar_crop_flip, ("yingshe", "torchvision")),
             "mnist_affine": (mnist_affine, ("yingshe", "torchvision")),
             "mnist_affine_recipe": (mnist_affine_recipe, ("yingshe",))}


def loader(library, workload, workers, args):
    """The ``DataLoader`` of ``library`` over ``workload``'s dataset, seeded."""
    fw, vision = _framework(library)
    fw.manual_seed(args.seed)
    dataset = WORKLOADS[workload][0](fw, vision, args)
    return fw.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True,
                                    num_workers=workers)


def measure(library, args):
    """Images per second of one timed epoch (after one to warm up) in this process."""
    if library == "torchvision":
        import torch
        torch.set_num_threads(args.threads)
    data = loader(library, args.only, args.workers, args)
    for _ in data:
        pass
    start = time.perf_counter()
    batches = sum(1 for _ in data)
    seconds = time.perf_counter() - start
    return {"library": library, "workload": args.only, "workers": args.workers,
            "images_per_s": args.images / seconds, "seconds": seconds, "batches": batches}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None,
                        help=f"comma-separated workloads (default all: {', '.join(WORKLOADS)})")
    parser.add_argument("--workers", default="0,2", help="comma-separated num_workers values")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="data root (default $YINGSHE_DATA)")
    peers.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.one:
        args.workers = int(args.workers)
        print(json.dumps(measure(args.one, args)))
        return
    names = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; known: {', '.join(WORKLOADS)}")
    common = ["--images", str(args.images), "--batch-size", str(args.batch_size), "--seed",
              str(args.seed)] + (["--data", args.data] if args.data else [])
    print(f"{args.images:,} images, batches of {args.batch_size}, {args.threads} threads; "
          f"median of {args.rounds} rounds, each library in its own process", flush=True)
    print(f"{'workload':20s} {'workers':>7s} {'yingshe img/s':>14s} {'torchvision img/s':>18s} "
          f"{'ratio':>6s}", flush=True)
    table = {}
    for name in names:
        for workers in (int(w) for w in args.workers.split(",")):
            runs = peers.alternate(__spec__.name, WORKLOADS[name][1],
                                   common + ["--only", name, "--workers", str(workers)],
                                   args.rounds, args.threads)
            speed = {library: peers.medians(results)["images_per_s"]
                     for library, results in runs.items()}
            table.update({f"{name}/{workers}/{library}": results
                          for library, results in runs.items()})
            peer = speed.get("torchvision")
            print(f"{name:20s} {workers:7d} {speed['yingshe']:14,.0f} "
                  f"{'-' if peer is None else format(peer, ',.0f'):>18s} "
                  f"{'-' if peer is None else format(speed['yingshe'] / peer, '.2f'):>6s}",
                  flush=True)
    peers.write_json(args.json, vars(args), table)


if __name__ == "__main__":
    main()
