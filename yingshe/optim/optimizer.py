"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``step`` and ``state_dict``.

An update rule subclasses ``Optimizer`` and writes one method, ``_update(param, grad, state,
group)``, which changes the raw array ``param`` in place from the raw array ``grad``.  Working on
the arrays directly (``out=`` ufuncs, no autograd graph) keeps a step free of per-op overhead and
of most temporaries; the state buffers stay ``Tensor``s so ``state_dict`` and ``yingshe.save`` see
tensors.
"""
import copy
import warnings
from collections import defaultdict
from itertools import chain

from .. import _backend
from .._tensor import Tensor, _zero_grads
from ..autograd.grad_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must give (an option without a default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of the update rules, mirroring ``torch.optim.Optimizer``.

    ``params`` is an iterable of Tensors or of dicts (parameter groups, each with its own
    options; missing options come from ``defaults``).  ``state[p]`` holds what the rule keeps
    for parameter ``p`` between steps (moments, step count).

    A subclass writes only the update rule, ``_update(param, grad, state, group)``; ``step``,
    ``zero_grad``, the parameter groups and ``state_dict``/``load_state_dict`` are shared.

    Examples:
        Two parameter groups, the second with its own learning rate:

        >>> import yingshe
        >>> w = yingshe.nn.Parameter(yingshe.tensor([1.0, -2.0]))
        >>> b = yingshe.nn.Parameter(yingshe.tensor([0.5]))
        >>> optimizer = yingshe.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}],
        ...                               lr=0.1, momentum=0.9)
        >>> [group["lr"] for group in optimizer.param_groups]
        [0.1, 0.01]
        >>> (w * w).sum().backward()             # b gets no gradient: step leaves it alone
        >>> optimizer.step()
        >>> optimizer.state_dict()["state"]      # parameters numbered in group order
        {0: {'momentum_buffer': tensor([ 2., -4.])}}
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. a smaller lr for a pretrained
        body); options it leaves out take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        param_group = dict(param_group)
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each is updated once per occurrence", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (default) or, with ``set_to_none=False``,
        fill them with zeros in place (detached from any graph)."""
        _zero_grads(chain.from_iterable(g["params"] for g in self.param_groups), set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` (optional) re-evaluates
        the model and returns the loss, which ``step`` returns."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p, {})
                self._update_parameter(p, state, group)
                if state:  # rules that keep nothing (SGD without momentum) leave no entry
                    self.state[p] = state
                p._bump_version()
        return loss

    def _update_parameter(self, p, state, group):
        """Update the Parameter ``p`` from ``p.grad`` (``SparseAdam`` takes a sparse gradient)."""
        self._update(p._data, p.grad._data, state, group)

    def _update(self, param, grad, state, group):
        """Change the raw array ``param`` in place given its gradient ``grad`` (the update rule)."""
        raise NotImplementedError(f"{type(self).__name__} does not define an update rule")

    # ---- checkpoints ---------------------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {name: value}},
        'param_groups': [{option: value, 'params': [index, ...]}, ...]}``, the parameters numbered
        in group order, as PyTorch does."""
        index = {}
        start = 0
        param_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            param_groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): dict(v)
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned (from this class or PyTorch's, converted to
        yingshe tensors): options and state are matched to the parameters by position."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)}, the optimizer has {len(self.param_groups)})")
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({len(saved['params'])} "
                                 f"parameters, the optimizer's group has {len(group['params'])})")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {name: _cast(param, name, v) for name, v in value.items()}
            else:
                state[key] = value
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"


def _gradient(param, grad, weight_decay, maximize):
    """The gradient an update rule follows: ``g = -grad`` when maximizing, then the L2 term
    ``g = g + weight_decay * param``.  Returns ``grad`` itself when neither applies (then only
    read it)."""
    xp = _backend.get_array_module(param)
    weight_decay = float(weight_decay)
    if maximize:
        grad = xp.negative(grad, out=xp.empty_like(grad))
    if weight_decay != 0:
        decay = xp.multiply(param, weight_decay, out=xp.empty_like(param))
        grad = xp.add(grad, decay, out=decay)
    return grad


def _lerp_(start, end, weight, scratch):
    """``start += weight * (end - start)`` in place, as ``torch.lerp_`` rounds it: for a weight
    of 0.5 or more it computes ``end - (1 - weight) * (end - start)`` instead.  Uses the array
    ``scratch`` (same shape) for the difference."""
    xp = _backend.get_array_module(start)
    difference = xp.subtract(end, start, out=scratch)
    if abs(weight) < 0.5:
        difference *= weight
        start += difference
    else:
        one = start.dtype.type(1)
        difference *= float(one - start.dtype.type(weight))  # 1 - weight in the array's precision
        xp.subtract(end, difference, out=start)


def _check_non_negative(name, value):
    """PyTorch's argument check: ``ValueError: Invalid <name>: <value>`` for a negative option."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")


def _cast(param, name, value):
    """A copy of a loaded state value on ``param``'s device: the step count as a Python number,
    floating-point buffers in ``param``'s dtype."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    if name == "step":
        return int(value.item())
    array = _backend.to_device(value._data, param.device)
    dtype = param._data.dtype if value._data.dtype.kind == "f" else value._data.dtype
    return Tensor._make(array.astype(dtype, copy=True))
