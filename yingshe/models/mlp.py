"""Multilayer perceptron (Rumelhart, Hinton & Williams 1986; Goodfellow, Bengio & Courville 2016,
Deep Learning, ch. 6): y = W_L f(... f(W_1 x + b_1) ...) + b_L, trained by backpropagation."""
from .. import nn

__all__ = ["MLP"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
                "leaky_relu": nn.LeakyReLU, "elu": nn.ELU}


class MLP(nn.Module):
    """Fully connected classifier: flatten, then ``hidden`` layers of activation (with optional
    batch norm before it and dropout after it), then a linear output layer (logits).

    Each hidden layer computes ``h_k = dropout(f(BN(W_k h_{k-1} + b_k)))`` with ``h_0 =
    flatten(x)``; the output is ``W_L h_{L-1} + b_L``.

    Shape:
        input ``(N, *)`` with ``prod(*) = in_features`` (e.g. ``(N, 1, 28, 28)``); output
        ``(N, num_classes)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.models import MLP
        >>> model = MLP(in_features=784, hidden=(32,), num_classes=10)
        >>> model(yingshe.zeros(8, 1, 28, 28)).shape
        yingshe.Size([8, 10])
        >>> [type(layer).__name__ for layer in MLP(4, (8,), 3, dropout=0.5, batch_norm=True).layers]
        ['Flatten', 'Linear', 'BatchNorm1d', 'ReLU', 'Dropout', 'Linear']
    """

    def __init__(self, in_features=784, hidden=(512, 256), num_classes=10, activation="relu",
                 dropout=0.0, batch_norm=False):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: activation must be one of {sorted(_ACTIVATIONS)}, got "
                             f"{activation!r}")
        layers = [nn.Flatten()]
        width = in_features
        for size in hidden:
            layers.append(nn.Linear(width, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)
