"""Learning PyTorch with Examples: the same cubic fit with autograd computing the gradients."""
import math

import torch

dtype = torch.float
device = "cpu"
torch.set_default_device(device)

x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

torch.manual_seed(0)
a = torch.randn((), dtype=dtype, requires_grad=True)
b = torch.randn((), dtype=dtype, requires_grad=True)
c = torch.randn((), dtype=dtype, requires_grad=True)
d = torch.randn((), dtype=dtype, requires_grad=True)

learning_rate = 1e-6
losses = []
for t in range(500):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()
    if t == 0:
        # The first step's gradient, checked against the hand-written formula.
        grad_y_pred = 2.0 * (y_pred.detach() - y)
        assert torch.allclose(d.grad, (grad_y_pred * x ** 3).sum(), rtol=1e-4)
        assert torch.allclose(a.grad, grad_y_pred.sum(), rtol=1e-4)

    # Update the weights outside the graph, then clear their gradients.
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
assert a.is_leaf and a.requires_grad and a.grad is None
assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])
print("OK")
