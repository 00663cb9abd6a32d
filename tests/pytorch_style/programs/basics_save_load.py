"""Learn the Basics, part 7: save and load the model (state_dict, torch.save, torch.load)."""
import os
import tempfile

import torch
from torch import nn


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 64),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


torch.manual_seed(0)
model = NeuralNetwork()
X = torch.rand(8, 28, 28)
model.eval()
with torch.no_grad():
    expected = model(X)

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model_weights.pth")
    torch.save(model.state_dict(), path)
    assert os.path.getsize(path) > 4 * (784 * 64 + 64 + 64 * 10 + 10)

    # Load the weights into a fresh instance of the same class.
    model = NeuralNetwork()
    with torch.no_grad():
        before = model(X)
    assert not torch.allclose(before, expected)  # a new random initialisation
    state = torch.load(path, weights_only=True)
    assert list(state) == ["linear_relu_stack.0.weight", "linear_relu_stack.0.bias",
                           "linear_relu_stack.3.weight", "linear_relu_stack.3.bias"]
    assert state["linear_relu_stack.0.weight"].shape == (64, 784)
    result = model.load_state_dict(state)
    print(result)
    assert not result.missing_keys and not result.unexpected_keys
    model.eval()  # dropout off, as at inference

with torch.no_grad():
    got = model(X)
    assert torch.equal(got, expected)
    model.train()
    assert not torch.equal(model(X), expected)  # dropout is back on in training mode
print("OK")
