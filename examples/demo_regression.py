"""End-to-end demo: a two-layer network fitted to a noisy sine with autograd and plain gradient
descent (no nn or optim modules: every step is visible).

Model (a layer of neurons a = f(W x + b); Rumelhart, Hinton & Williams 1986):
    h = tanh(x W1 + b1),  y_hat = h W2 + b2.
Loss: mean squared error L = mean((y_hat - y)^2).
Update (gradient descent; Goodfellow, Bengio & Courville 2016, Deep Learning, §4.3):
    w <- w - eta * dL/dw, gradients from loss.backward().
"""
import math
import time

import yingshe


def main(steps=3000, hidden=32, lr=0.05, seed=0):
    yingshe.manual_seed(seed)
    x = yingshe.linspace(-math.pi, math.pi, 256).reshape(-1, 1)
    y = yingshe.sin(x) + 0.1 * yingshe.randn(256, 1)

    def parameter(*shape, scale):
        return (yingshe.randn(*shape) * scale).requires_grad_()
    w1, b1 = parameter(1, hidden, scale=1.0), yingshe.zeros(hidden, requires_grad=True)
    w2, b2 = parameter(hidden, 1, scale=1.0 / math.sqrt(hidden)), yingshe.zeros(1, requires_grad=True)
    parameters = [w1, b1, w2, b2]

    start = time.perf_counter()
    for step in range(steps + 1):
        prediction = yingshe.tanh(x @ w1 + b1) @ w2 + b2
        loss = ((prediction - y) ** 2).mean()
        loss.backward()
        with yingshe.no_grad():
            for p in parameters:
                p -= lr * p.grad
                p.grad = None
        if step % 300 == 0:
            print(f"step {step:5d}  loss {loss.item():.5f}")
    with yingshe.no_grad():
        clean = ((yingshe.tanh(x @ w1 + b1) @ w2 + b2 - yingshe.sin(x)) ** 2).mean().sqrt()
    print(f"trained {steps} steps in {time.perf_counter() - start:.1f} s; RMS error against the "
          f"noise-free sine: {clean.item():.4f} (noise level 0.1)")
    return loss.item(), clean.item()


if __name__ == "__main__":
    main()
