"""Learn the Basics, part 1: tensors (creation, attributes, operations, the NumPy bridge)."""
import numpy as np
import torch

# Creating tensors: from Python data, from a NumPy array, from another tensor, from a shape.
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
assert x_data.dtype == torch.int64

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
assert torch.equal(x_np, x_data)

x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
assert x_ones.dtype == torch.int64 and x_ones.sum().item() == 4

x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: \n {x_rand} \n")
assert x_rand.dtype == torch.float32
assert bool(((x_rand >= 0) & (x_rand < 1)).all())

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
assert rand_tensor.shape == ones_tensor.shape == zeros_tensor.shape == torch.Size([2, 3])

# Attributes.
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
assert tuple(tensor.shape) == (3, 4)
assert tensor.dtype == torch.float32
assert tensor.device.type == "cpu"

# Move to the accelerator when there is one.
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())

# Indexing and slicing, NumPy style.
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
assert tensor[:, 1].sum().item() == 0 and tensor.sum().item() == 12

# Joining tensors.
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
assert t1.shape == (4, 12)

# Arithmetic: three ways to write a matrix product and an element-wise product.
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
assert torch.equal(y1, y2) and torch.equal(y1, y3)
assert torch.equal(y1, torch.full((4, 4), 3.0))

z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
assert torch.equal(z1, z2) and torch.equal(z1, z3)

# Single-element tensors and in-place operations.
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
assert isinstance(agg_item, float) and agg_item == 12.0

print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
assert tensor[0, 0].item() == 6.0 and tensor[0, 1].item() == 5.0

# Bridge with NumPy: the tensor and the array share memory.
t = torch.ones(5)
n = t.numpy()
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
assert np.array_equal(n, np.full(5, 2.0, dtype=np.float32))

n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
assert t.dtype == torch.float64
assert torch.equal(t, torch.full((5,), 2.0, dtype=torch.float64))
print("OK")
