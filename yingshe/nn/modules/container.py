"""Containers: ``Sequential`` (composition f_n(...f_2(f_1(x)))), ``ModuleList``, ``ModuleDict``,
``ParameterList``, ``ParameterDict``."""
import operator
from collections import OrderedDict

from ..._tensor import Tensor
from ..parameter import Parameter
from .module import Module, _indent

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(index, length, kind):
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for {kind} of length {length}")
    return index % length


class Sequential(Module):
    """Modules applied in order: ``Sequential(a, b, c)(x) == c(b(a(x)))``; also from an
    OrderedDict, whose keys name the children.

    Shape: input as the first module takes it; output as the last module returns it.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> model(yingshe.ones(3, 4)).shape
        yingshe.Size([3, 2])
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(index, len(self), "Sequential")]

    def __setitem__(self, index, module):
        key = list(self._modules)[_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index):
        keys = list(self._modules)
        for key in (keys[index] if isinstance(index, slice)
                    else [keys[_index(index, len(self), "Sequential")]]):
            del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Add each of ``modules`` at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` at position ``index``, renumbering those after it."""
        modules = list(self._modules.values())
        modules.insert(index if index >= 0 else len(modules) + index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (those of a plain Python list
    are not: ``parameters()`` and ``to()`` would miss them).  It has no ``forward``: iterate over
    it in the owner's ``forward``.  Indexing, slicing, ``append``, ``extend``, ``insert`` and
    ``+`` as for a list.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> layers
        ModuleList(
          (0-2): 3 x Linear(in_features=4, out_features=4, bias=True)
        )
        >>> len(list(layers.parameters()))  # 3 weights and 3 biases
        6
        >>> x = yingshe.ones(2, 4)
        >>> for layer in layers:
        ...     x = layer(x).relu()
        >>> x.shape
        yingshe.Size([2, 4])
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_index(index, len(self), "ModuleList"))]

    def __setitem__(self, index, module):
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _index(index, len(self), "ModuleList")]
        self._modules.clear()
        self.extend(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Add each of ``modules`` at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` at position ``index``, renumbering those after it."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it instead")

    def __repr__(self):
        """PyTorch's: runs of children with the same repr are shown once, as
        ``(0-2): 3 x Linear(...)``."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return f"{self._get_name()}()"
        runs = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [_indent(f"({first}): {text}" if first == last
                         else f"({first}-{last}): {last - first + 1} x {text}", 2)
                 for first, last, text in runs]
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, in insertion order; the
    keys are the children's names (in ``state_dict`` keys too).  It has no ``forward``: index it
    in the owner's ``forward``.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> heads = nn.ModuleDict({"digit": nn.Linear(8, 10), "parity": nn.Linear(8, 2)})
        >>> list(heads.keys())
        ['digit', 'parity']
        >>> heads["parity"](yingshe.ones(3, 8)).shape
        yingshe.Size([3, 2])
        >>> list(heads.state_dict())
        ['digit.weight', 'digit.bias', 'parity.weight', 'parity.bias']
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        """The names, in insertion order."""
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self):
        """(name, module) pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key):
        """Remove the module ``key`` and return it."""
        return self._modules.pop(key)

    def clear(self):
        """Remove every module."""
        self._modules.clear()

    def update(self, modules):
        """Add (or replace) the modules of a mapping or of (name, module) pairs."""
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); index it instead")


class ParameterList(Module):
    """A list of Parameters, registered as '0', '1', ... (a tensor appended becomes a
    Parameter).

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> scales = nn.ParameterList([nn.Parameter(yingshe.ones(2)) for _ in range(2)])
        >>> scales.append(yingshe.zeros(3))
        ParameterList(
            (0): Parameter containing: [yingshe.float32 of size 2]
            (1): Parameter containing: [yingshe.float32 of size 2]
            (2): Parameter containing: [yingshe.float32 of size 3]
        )
        >>> [name for name, _ in scales.named_parameters()]
        ['0', '1', '2']
    """

    def __init__(self, values=None):
        super().__init__()
        for value in values or ():
            self.append(value)

    def __getitem__(self, index):
        return self._parameters[str(_index(index, len(self), "ParameterList"))]

    def __setitem__(self, index, param):
        self.register_parameter(str(_index(index, len(self), "ParameterList")), _as_param(param))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, param):
        """Add ``param`` (a tensor becomes a Parameter) at the end; returns self."""
        self.register_parameter(str(len(self)), _as_param(param))
        return self

    def extend(self, params):
        """Add each of ``params`` at the end; returns self."""
        for p in params:
            self.append(p)
        return self

    def extra_repr(self):
        return "\n".join(f"  ({i}): {_describe(p, str(p.dtype))}" for i, p in enumerate(self))


class ParameterDict(Module):
    """A dict of Parameters, registered under their keys in insertion order (a tensor
    stored becomes a Parameter).

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> affine = nn.ParameterDict({"scale": nn.Parameter(yingshe.ones(3)),
        ...                            "shift": yingshe.zeros(3)})
        >>> affine
        ParameterDict(
            (scale): Parameter containing: [yingshe.FloatTensor of size 3]
            (shift): Parameter containing: [yingshe.FloatTensor of size 3]
        )
        >>> type(affine["shift"]).__name__, affine["shift"].requires_grad
        ('Parameter', True)
    """

    def __init__(self, parameters=None):
        super().__init__()
        for key, value in (parameters or {}).items():
            self[key] = value

    def __getitem__(self, key):
        return self._parameters[key]

    def __setitem__(self, key, param):
        self.register_parameter(key, _as_param(param))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        """The names, in insertion order."""
        return self._parameters.keys()

    def values(self):
        """The parameters, in insertion order."""
        return self._parameters.values()

    def items(self):
        """(name, parameter) pairs, in insertion order."""
        return self._parameters.items()

    def extra_repr(self):
        return "\n".join(f"  ({k}): {_describe(p, _TYPE_NAMES.get(p.dtype.name, str(p.dtype)))}"
                         for k, p in self.items())


# PyTorch's legacy tensor type names, which ParameterDict's repr shows.
_TYPE_NAMES = {"float32": "yingshe.FloatTensor", "float64": "yingshe.DoubleTensor",
               "float16": "yingshe.HalfTensor", "int64": "yingshe.LongTensor",
               "int32": "yingshe.IntTensor", "int16": "yingshe.ShortTensor",
               "int8": "yingshe.CharTensor", "uint8": "yingshe.ByteTensor",
               "bool": "yingshe.BoolTensor"}


def _describe(value, type_name):
    """``Parameter containing: [<type> of size 2x3]``, as PyTorch's parameter containers."""
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    device = f" ({value.device})" if value.device.type == "cuda" else ""
    return f"{kind} containing: [{type_name} of size {'x'.join(map(str, value.shape))}{device}]"


def _as_param(value):
    return value if isinstance(value, Parameter) or value is None else Parameter(value)
