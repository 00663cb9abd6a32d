"""Learn the Basics, part 2: Dataset and DataLoader (FashionMNIST and a custom image Dataset)."""
import csv
import os
import tempfile

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset, Subset
from torchvision import datasets
from torchvision.transforms import ToTensor

root = os.environ.get("DATA_ROOT", "data")

training_data = datasets.FashionMNIST(root=root, train=True, download=False, transform=ToTensor())
test_data = datasets.FashionMNIST(root=root, train=False, download=False, transform=ToTensor())
assert len(training_data) == 60000 and len(test_data) == 10000

labels_map = {
    0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
    5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot",
}

# Index the dataset like a list; each sample is (image tensor, class index).
torch.manual_seed(0)
sample_idx = torch.randint(len(training_data), size=(1,)).item()
img, label = training_data[sample_idx]
print(labels_map[label], img.shape)
assert img.shape == (1, 28, 28) and img.dtype == torch.float32
assert 0.0 <= img.min().item() and img.max().item() <= 1.0
assert isinstance(label, int) and 0 <= label <= 9
first_img, first_label = training_data[0]
assert first_label == 9  # the first training image of Fashion-MNIST is an ankle boot


# A custom Dataset: images in a folder, labels in a CSV annotations file.
class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file, newline="") as f:
            self.img_labels = [(row[0], int(row[1])) for row in csv.reader(f)]
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        name, label = self.img_labels[idx]
        image = Image.open(os.path.join(self.img_dir, name))
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


with tempfile.TemporaryDirectory() as img_dir:
    annotations = os.path.join(img_dir, "labels.csv")
    with open(annotations, "w", newline="") as f:
        writer = csv.writer(f)
        for i in range(10):
            image, label = test_data[i]
            name = f"{i:03d}.png"
            Image.fromarray((image[0] * 255).round().to(torch.uint8).numpy(), mode="L").save(
                os.path.join(img_dir, name))
            writer.writerow([name, label])
    custom = CustomImageDataset(annotations, img_dir, transform=ToTensor())
    assert len(custom) == 10
    image, label = custom[3]
    original, original_label = test_data[3]
    assert label == original_label
    assert torch.allclose(image, original, atol=1e-6)  # the PNG round trip is exact
    custom_loader = DataLoader(custom, batch_size=4, shuffle=False)
    batches = [(x.shape, y.tolist()) for x, y in custom_loader]
    assert [shape for shape, _ in batches] == [(4, 1, 28, 28), (4, 1, 28, 28), (2, 1, 28, 28)]
    assert [label for _, labels in batches for label in labels] == [test_data[i][1] for i in range(10)]

# Batches with DataLoader, reshuffled every epoch.
train_dataloader = DataLoader(Subset(training_data, range(512)), batch_size=64, shuffle=True)
test_dataloader = DataLoader(Subset(test_data, range(512)), batch_size=64, shuffle=True)

train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
assert train_features.size() == torch.Size([64, 1, 28, 28])
assert train_labels.size() == torch.Size([64]) and train_labels.dtype == torch.int64
img = train_features[0].squeeze()
label = train_labels[0]
assert img.shape == (28, 28)
print(f"Label: {label}")

seen = torch.cat([labels for _, labels in test_dataloader])
expected = torch.tensor([test_data[i][1] for i in range(512)])
assert seen.shape == (512,)
assert not torch.equal(seen, expected)  # shuffled
assert torch.equal(seen.sort().values, expected.sort().values)  # but the same samples
print("OK")
