"""Learn the Basics, part 5: automatic differentiation (requires_grad, grad_fn, backward,
no_grad, detach, vector-Jacobian products with retain_graph)."""
import torch

x = torch.ones(5)  # input
y = torch.zeros(3)  # expected output
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
assert z.grad_fn is not None and loss.grad_fn is not None
assert w.grad_fn is None and w.is_leaf and not z.is_leaf

loss.backward()
print(w.grad)
print(b.grad)
# d loss / d z = (sigmoid(z) - y) / 3 for the mean over three logits; w.grad = x^T (that).
dz = (torch.sigmoid(z.detach()) - y) / 3
assert torch.allclose(b.grad, dz, atol=1e-6)
assert torch.allclose(w.grad, torch.outer(x, dz), atol=1e-6)

# Turning tracking off.
z = torch.matmul(x, w) + b
print(z.requires_grad)
assert z.requires_grad
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
assert not z.requires_grad and z.grad_fn is None

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)
assert not z_det.requires_grad and torch.equal(z_det, z)

# Vector-Jacobian products: gradients accumulate across backward calls.
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
first = inp.grad.clone()
assert torch.equal(first, 2 * (torch.eye(4, 5) + 1))
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
assert torch.equal(inp.grad, 2 * first)
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
assert torch.equal(inp.grad, first)
print("OK")
