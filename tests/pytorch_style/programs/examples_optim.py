"""Learning PyTorch with Examples: the cubic fit with torch.optim (RMSprop)."""
import math

import torch

x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
losses = []
for t in range(1000):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
state = optimizer.state_dict()
assert state["param_groups"][0]["lr"] == learning_rate
assert set(state["state"][0]) >= {"step", "square_avg"}
assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])
assert losses[-1] < 100, losses[-1]  # the best cubic has a sum of squares near 9
print("OK")
