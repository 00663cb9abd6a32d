"""Affine layers with PyTorch's parameter names, shapes and default initialisation."""
import math

from ...ops.creation import empty
from ...ops.linear import bilinear, linear
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """The identity, y = x: a placeholder layer (e.g. to remove a model's classifier
    head); constructor arguments are accepted and ignored.

    Shape: input (*); output (*), the same tensor.

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Identity(54, unused_argument="ignored")(yingshe.tensor([1.0, 2.0]))
        tensor([1., 2.])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b with W (out_features, in_features) (Goodfellow, Bengio & Courville, Deep
    Learning, §6.5.4).

    Initialisation as PyTorch: W ~ kaiming_uniform(a=sqrt 5) = U(-1/sqrt(in), 1/sqrt(in)),
    b ~ U(-1/sqrt(in), 1/sqrt(in)).

    Shape: input (*, in_features); output (*, out_features).

    Examples:
        >>> import yingshe
        >>> yingshe.nn.Linear(20, 30)(yingshe.randn(128, 20)).shape
        yingshe.Size([128, 30])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, device=device, dtype=dtype))
        self.bias = Parameter(empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform with a = sqrt 5) and b likewise, as
        PyTorch.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """Bilinear map of two inputs, y_k = x1^T A_k x2 + b_k for k = 1..out_features, with
    weight A (out_features, in1_features, in2_features) and bias b (out_features); all entries
    start ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as PyTorch.

    Shape: input1 (*, H_in1); input2 (*, H_in2) with the same leading dims; output (*, H_out).

    Examples:
        >>> import yingshe
        >>> bilinear = yingshe.nn.Bilinear(20, 30, 40)
        >>> bilinear(yingshe.randn(128, 20), yingshe.randn(128, 30)).shape
        yingshe.Size([128, 40])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, device=device,
                                      dtype=dtype))
        self.bias = Parameter(empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """W and b ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch."""
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
