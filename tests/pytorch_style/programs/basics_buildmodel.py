"""Learn the Basics, part 4: build the neural network (nn.Module, Flatten, Sequential, Softmax)."""
import torch
from torch import nn

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


torch.manual_seed(0)
model = NeuralNetwork().to(device)
print(model)
assert "Flatten" in str(model) and "Linear(in_features=784, out_features=512, bias=True)" in str(model)

X = torch.rand(1, 28, 28, device=device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
assert logits.shape == (1, 10) and pred_probab.shape == (1, 10)
assert abs(pred_probab.sum().item() - 1.0) < 1e-5
assert y_pred.shape == (1,) and y_pred.item() == logits.argmax().item()

# The layers one at a time, on a minibatch of three images.
input_image = torch.rand(3, 28, 28)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())
assert flat_image.size() == torch.Size([3, 784])

layer1 = nn.Linear(in_features=28 * 28, out_features=20)
hidden1 = layer1(flat_image)
print(hidden1.size())
assert hidden1.size() == torch.Size([3, 20])
assert torch.allclose(hidden1, flat_image @ layer1.weight.T + layer1.bias, atol=1e-5)

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")
assert hidden1.min().item() >= 0

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10),
)
input_image = torch.rand(3, 28, 28)
logits = seq_modules(input_image)
softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
assert pred_probab.shape == (3, 10)
assert torch.allclose(pred_probab.sum(dim=1), torch.ones(3))

# Parameters, by name.
print(f"Model structure: {model}\n\n")
names = []
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
    names.append((name, tuple(param.size())))
assert names == [
    ("linear_relu_stack.0.weight", (512, 784)), ("linear_relu_stack.0.bias", (512,)),
    ("linear_relu_stack.2.weight", (512, 512)), ("linear_relu_stack.2.bias", (512,)),
    ("linear_relu_stack.4.weight", (10, 512)), ("linear_relu_stack.4.bias", (10,)),
]
assert all(p.requires_grad for p in model.parameters())
assert sum(p.numel() for p in model.parameters()) == 669706
print("OK")
