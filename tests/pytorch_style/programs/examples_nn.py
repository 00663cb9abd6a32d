"""Learning PyTorch with Examples: the cubic fit with torch.nn (Sequential, Linear, Flatten(0, 1),
MSELoss(reduction='sum')) and a hand-written update over model.parameters()."""
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# Features (x, x^2, x^3): broadcast (2000, 1) against (3,) to get (2000, 3).
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
assert xx.shape == (2000, 3) and xx.dtype == torch.float32
assert torch.allclose(xx[:, 2], x ** 3)

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
assert model(xx).shape == (2000,)

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
losses = []
for t in range(500):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    model.zero_grad()
    loss.backward()

    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
assert isinstance(linear_layer, torch.nn.Linear) and linear_layer.weight.shape == (1, 3)
assert abs(loss_fn(y_pred, y).item() - ((y_pred - y) ** 2).sum().item()) < 1e-2 * losses[-1]
assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])
print("OK")
