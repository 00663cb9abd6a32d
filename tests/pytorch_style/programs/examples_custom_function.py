"""Learning PyTorch with Examples: a custom autograd Function (the Legendre polynomial P3)."""
import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, with its derivative P3'(x) = 1.5 (5x^2 - 1) written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = torch.float
device = torch.device("cpu")

# The Function against autograd on the same formula.
t = torch.linspace(-1, 1, 7, dtype=torch.double, requires_grad=True)
LegendrePolynomial3.apply(t).sum().backward()
custom_grad = t.grad.clone()
t.grad = None
(0.5 * (5 * t ** 3 - 3 * t)).sum().backward()
assert torch.allclose(custom_grad, t.grad)
assert torch.autograd.gradcheck(LegendrePolynomial3.apply, (torch.randn(5, dtype=torch.double, requires_grad=True),))

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# y = a + b * P3(c + d * x); start near the answer so a few hundred steps converge.
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
losses = []
for t in range(500):
    P3 = LegendrePolynomial3.apply

    y_pred = a + b * P3(c + d * x)
    assert y_pred.grad_fn is not None

    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
assert losses[-1] < losses[0] / 2, (losses[0], losses[-1])
print("OK")
