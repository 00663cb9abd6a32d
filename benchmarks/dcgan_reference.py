"""The DCGAN of ``yingshe train dcgan`` trained by PyTorch instead, as a reference for quality.

    python -m benchmarks.dcgan_reference --epochs 3 --classifier runs/lenet5-mnist

Both networks start from yingshe's initial weights (seed 0, DCGAN initialisation) copied into
the same layers of torch.nn; the data are the same MNIST training images in [-1, 1], and the
loop is ``yingshe.training.generative.train_gan``'s: per batch of 64, a discriminator step on
BCE(D(x), 1) + BCE(D(G(z).detach()), 0), then a generator step on the non-saturating
BCE(D(G(z)), 1), Adam(2e-4, betas (0.5, 0.999)) for each.  After every epoch the generator's
weights go back into a yingshe generator and ``yingshe score``'s code gives the classifier
Inception Score and Fréchet distance of 10,000 samples, so the figures compare directly with
a yingshe run's metrics.json.  Needs $YINGSHE_DATA (or --data) and a LeNet-5 run folder.
"""
import argparse
import json
import time

import torch

import yingshe
from yingshe.datasets.prepare import classification_splits
from yingshe.models.generative import DCGAN_RECIPE, build_networks
from yingshe.training.generative import dataset_images
from yingshe.training.recipes.generative import load_classifier, score_networks

from .twins import torch_twin


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--classifier", default="runs/lenet5-mnist")
    parser.add_argument("--data", default=None, help="data folder (default: $YINGSHE_DATA)")
    parser.add_argument("--discriminator-depth", type=int, choices=(2, 3),
                        default=DCGAN_RECIPE["discriminator_depth"],
                        help="strided convolutions in D (3, as `yingshe train dcgan`; 2: the "
                             "first recipe)")
    parser.add_argument("--generator-depth", type=int, choices=(3, 4),
                        default=DCGAN_RECIPE["generator_depth"],
                        help="transposed convolutions in G (4, as `yingshe train dcgan`; 3: the "
                             "first and second recipes)")
    parser.add_argument("--generator-features", type=int,
                        default=DCGAN_RECIPE["generator_features"],
                        help="G's width f: 2f channels at 14x14, 4f at 7x7, 8f at 4x4 (48, as "
                             "`yingshe train dcgan`; 64: the first and second recipes)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-subset", type=int, default=None,
                        help="train on this many images (a quick check of the script)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    yingshe.manual_seed(args.seed)
    torch.manual_seed(args.seed)
    train_set, _, _, info = classification_splits("mnist", args.data, val_size=0,
                                                  train_subset=args.train_subset, seed=args.seed)
    config = {"model": "dcgan", "dataset": "mnist", "latent": 100, "data": args.data,
              "discriminator_depth": args.discriminator_depth,
              "generator_depth": args.generator_depth,
              "generator_features": args.generator_features, "data_info": info}
    networks = build_networks(config)
    generator, discriminator = (torch_twin(networks[name]).main
                                for name in ("generator", "discriminator"))
    images = torch.from_numpy(
        dataset_images(train_set, info["mean"], info["std"], (-1.0, 1.0)).numpy())
    optimizers = [torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999))
                  for net in (discriminator, generator)]
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    load_classifier(args.classifier, "mnist")  # refused before training
    rows = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        generator.train()
        discriminator.train()
        for batch in torch.randperm(len(images)).split(64):
            x = images[batch]
            fake = generator(torch.randn(len(x), 100))
            d_loss = bce(discriminator(x), torch.ones(len(x))) + \
                bce(discriminator(fake.detach()), torch.zeros(len(x)))
            optimizers[0].zero_grad()
            d_loss.backward()
            optimizers[0].step()
            g_loss = bce(discriminator(fake), torch.ones(len(x)))
            optimizers[1].zero_grad()
            g_loss.backward()
            optimizers[1].step()
        seconds = time.perf_counter() - start
        networks["generator"].main.load_state_dict(
            {k: yingshe.from_numpy(v.detach().numpy().copy())
             for k, v in generator.state_dict().items()})
        networks["generator"].eval()
        figures = score_networks(config, networks, args.classifier, 10000, args.seed, 500,
                                 args.data, print)
        rows.append({"epoch": epoch, "seconds": seconds, **figures})
        print(json.dumps(rows[-1]), flush=True)


if __name__ == "__main__":
    main()
