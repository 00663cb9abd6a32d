"""Learning PyTorch with Examples: a dynamic graph (a random number of terms per forward pass,
the same Parameter reused for each)."""
import math
import random

import torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        """A cubic plus a 4th and maybe 5th order term, all of the higher ones weighted by e."""
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

random.seed(0)
torch.manual_seed(0)
model = DynamicNet()

# The graph changes from call to call; e is shared by every term above the cubic.
for seed in (0, 1, 5):  # up to 5, 4 and 6 with CPython's random
    random.seed(seed)
    top = random.randint(4, 6)
    random.seed(seed)
    out = model(x)
    out.sum().backward()
    if top == 4:
        assert model.e.grad is None  # e took no part in this graph
    else:
        expected = sum((x ** exp).sum() for exp in range(4, top))
        assert torch.allclose(model.e.grad, expected, rtol=1e-4), (top, model.e.grad, expected)
    model.zero_grad()

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
losses = []
for t in range(1000):
    y_pred = model(x)

    loss = criterion(y_pred, y)
    losses.append(loss.item())
    if t % 200 == 199:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
assert sum(losses[-20:]) < sum(losses[:20]) / 10, (losses[:3], losses[-3:])
print("OK")
