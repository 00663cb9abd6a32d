"""Learning PyTorch with Examples: fit y = sin(x) with a cubic, gradients written by hand."""
import math
from itertools import pairwise

import torch

dtype = torch.float
device = torch.device("cpu")

# Inputs and targets.
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
assert x.shape == (2000,) and x.dtype == torch.float32
assert abs(x[0].item() + math.pi) < 1e-6 and abs(x[-1].item() - math.pi) < 1e-6

# Random weights.
torch.manual_seed(0)
a = torch.randn((), device=device, dtype=dtype)
b = torch.randn((), device=device, dtype=dtype)
c = torch.randn((), device=device, dtype=dtype)
d = torch.randn((), device=device, dtype=dtype)
assert a.shape == () and a.dim() == 0

learning_rate = 1e-6
losses = []
for t in range(500):
    # Forward pass: predict y.
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    # Sum of squared errors.
    loss = (y_pred - y).pow(2).sum().item()
    losses.append(loss)
    if t % 100 == 99:
        print(t, loss)

    # Backward pass by hand.
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    # Gradient descent.
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
assert all(isinstance(value, float) for value in losses)
assert losses[-1] < losses[0] / 10, (losses[0], losses[-1])
assert all(later <= earlier * (1 + 1e-4) for earlier, later in pairwise(losses[50:]))
print("OK")
