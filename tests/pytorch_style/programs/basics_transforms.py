"""Learn the Basics, part 3: transforms (ToTensor on PIL images, a Lambda one-hot target)."""
import os

import numpy as np
import torch
from PIL import Image
from torchvision import datasets
from torchvision.transforms import Lambda, ToTensor

root = os.environ.get("DATA_ROOT", "data")

ds = datasets.FashionMNIST(
    root=root,
    train=True,
    download=False,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)),
)

image, target = ds[0]
print(image.shape, target)
assert image.shape == (1, 28, 28) and image.dtype == torch.float32
assert target.shape == (10,) and target.dtype == torch.float32
assert torch.equal(target, torch.eye(10)[9])  # class 9, one-hot

# Without transforms a sample is a PIL image and an int; ToTensor scales 0..255 to 0..1.
raw = datasets.FashionMNIST(root=root, train=True, download=False)
pil, label = raw[0]
assert isinstance(pil, Image.Image) and pil.size == (28, 28) and pil.mode == "L"
assert label == 9
pixels = torch.tensor(np.array(pil), dtype=torch.float).unsqueeze(0) / 255
assert torch.allclose(ToTensor()(pil), pixels)
assert torch.allclose(image, pixels)

# Lambda wraps any callable.
double = Lambda(lambda x: 2 * x)
assert torch.equal(double(torch.ones(3)), torch.full((3,), 2.0))
print("OK")
