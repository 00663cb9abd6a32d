"""``Module``: the base class of every layer and model.  A module is a mapping y = f(x; theta)
whose parameters theta are found by walking its attributes."""
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Mapping

from ..._backend import get_array_module
from ..._tensor import Tensor, _parse_to, _zero_grads
from ...autograd.function import Op, RemovableHandle
from ...autograd.grad_mode import STATE, no_grad
from ..parameter import Buffer, Parameter

__all__ = ["Module"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns (PyTorch's ``_IncompatibleKeys``)."""
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for layers and models, with PyTorch's registration and traversal API: a
    module computes y = f(x; theta) in ``forward`` and is called as ``module(x)``, which runs the
    hooks around ``forward``.

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, so ``parameters()``,
    ``state_dict()``, ``to()``, ``train()`` and ``eval()`` reach it; ``register_buffer`` registers
    non-learnable state (e.g. BatchNorm's running mean) that ``state_dict`` saves.

    Examples:
        >>> import yingshe
        >>> from yingshe import nn
        >>> class TwoLayer(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Linear(4, 8)
        ...         self.out = nn.Linear(8, 2)
        ...
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x).relu())
        >>> model = TwoLayer()
        >>> [name for name, _ in model.named_parameters()]
        ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
        >>> model(yingshe.ones(3, 4)).shape
        yingshe.Size([3, 2])
        >>> model
        TwoLayer(
          (hidden): Linear(in_features=4, out_features=8, bias=True)
          (out): Linear(in_features=8, out_features=2, bias=True)
        )
    """
    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks_with_kwargs", {})
        object.__setattr__(self, "_forward_hooks_always_called", {})
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks_with_kwargs", {})
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The module's computation; subclasses define it and callers call the module itself
        (``module(x)``), which runs the hooks around it.
        """
        raise NotImplementedError(f"{type(self).__name__} is missing the required forward() method")

    def __call__(self, *args, **kwargs):
        """``forward`` wrapped in the hooks, in PyTorch's order: forward pre-hooks (which may
        replace the inputs), the inputs' backward hook, forward, forward hooks (which may
        replace the output), the outputs' backward hook.  A forward that raises still runs the
        forward hooks registered with ``always_call=True``."""
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks):
            return self.forward(*args, **kwargs)
        result, called = None, set()
        try:
            for hook_id, hook in list(self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    new = hook(self, args, kwargs)
                    if new is not None:
                        if not (isinstance(new, tuple) and len(new) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {new}.")
                        args, kwargs = new
                else:
                    new = hook(self, args)
                    if new is not None:
                        args = new if isinstance(new, tuple) else (new,)
            backward_hook = None
            if self._backward_hooks or self._backward_pre_hooks:
                backward_hook = _BackwardHook(self)
                args = backward_hook.wrap_inputs(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called:
                    called.add(hook_id)
                new = self._run_forward_hook(hook_id, hook, args, kwargs, result)
                if new is not None:
                    result = new
            if backward_hook is not None:
                result = backward_hook.wrap_outputs(result)
            return result
        except Exception:
            for hook_id, hook in list(self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called and hook_id not in called:
                    try:
                        new = self._run_forward_hook(hook_id, hook, args, kwargs, result)
                    except Exception as error:  # noqa: BLE001 (forward's own error is re-raised)
                        warnings.warn("forward hook with ``always_call=True`` raised an "
                                      "exception that was silenced as another error was raised "
                                      f"in forward: {error}", stacklevel=2)
                        continue
                    if new is not None:
                        result = new
            raise

    def _run_forward_hook(self, hook_id, hook, args, kwargs, result):
        if hook_id in self._forward_hooks_with_kwargs:
            return hook(self, args, kwargs, result)
        return hook(self, args, result)

    # ---- registration ----------------------------------------------------------------------
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            if isinstance(getattr(type(self), name, None), property):  # e.g. parametrized
                raise KeyError(f"attribute '{name}' already exists")
            self._forget(name, keep=params)
            params[name] = value
        elif params is not None and name in params:
            if value is not None and not isinstance(value, Parameter):
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(yingshe.nn.Parameter or None expected)")
            params[name] = value
        elif isinstance(value, Module):
            if self.__dict__.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif self.__dict__.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(yingshe.nn.Module or None expected)")
            self._modules[name] = value
        elif isinstance(value, Buffer):
            self.register_buffer(name, value, persistent=value.persistent)
        elif self.__dict__.get("_buffers") is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(yingshe.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Remove ``name`` from every registry but ``keep`` (where re-assigning it keeps its
        place in the order, as PyTorch)."""
        for registry in (self.__dict__, self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):
        # Only called when normal lookup fails: parameters, buffers and submodules live in dicts.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        _check_name(self, name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(yingshe.nn.Parameter or None required)")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register non-learnable state; ``persistent=False`` keeps it out of ``state_dict``."""
        _check_name(self, name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(yingshe.Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = Tensor._make(tensor._data)
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` as the child ``name`` (``self.name = module`` does the same;
        ``register_module`` is another name for it).
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The submodule at the dotted path ``target`` ('' is self), e.g. ``'features.0'``."""
        module = self
        for part in target.split(".") if target else ():
            if not hasattr(module, part):
                raise AttributeError(f"{module._get_name()} has no attribute `{part}`")
            module = getattr(module, part)
            if not isinstance(module, Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
        return module

    def _get_member(self, target, registry, kind):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in getattr(module, registry):
            raise AttributeError(f"`{name}` is not {kind}")
        return getattr(module, registry)[name]

    def get_parameter(self, target):
        """The parameter at the dotted path ``target``, e.g. ``'fc.weight'``."""
        return self._get_member(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target):
        """The buffer at the dotted path ``target``, e.g. ``'bn.running_mean'``."""
        return self._get_member(target, "_buffers", "a buffer")

    # ---- traversal -------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first, each once."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:  # depth-first, children in registration order
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(f"{name}.{child_name}" if name else child_name, child)
                        for child_name, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self):
        """This module and every descendant, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) for each direct child."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        """The direct children."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, parameter) for each parameter of this module and, with ``recurse``,
        its descendants, as in ``state_dict``.
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """The parameters of this module and its descendants (what an optimiser is given)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, buffer) for each buffer (e.g. ``running_mean``)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """The buffers of this module and its descendants."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ---- modes and conversions -------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode here and, through their own ``train``, in every child; returns
        self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """``train(False)``: dropout off, batch norm uses its running statistics; returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter (``False`` freezes them); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the parameters' gradients: ``p.grad = None`` (default) or, with
        ``set_to_none=False``, fill them with zeros in place (detached from any graph)."""
        _zero_grads(self.parameters(), set_to_none)

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first) and on self, as PyTorch."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply_to_arrays(self, convert):
        """Convert every parameter, gradient and buffer array, keeping Parameter objects (the
        optimiser holds references to them)."""
        for module in self.modules():
            for p in module._parameters.values():
                if p is None:
                    continue
                p._data = convert(p._data, floating_only=True)
                if p.grad is not None:
                    p.grad = Tensor._make(convert(p.grad._data, floating_only=True))
            for name, b in module._buffers.items():
                if b is not None:
                    module._buffers[name] = Tensor._make(convert(b._data, floating_only=True))
        return self

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``; floating tensors change dtype."""
        from ... import _backend, _dtype
        device, dtype = _parse_to(*args, **kwargs)
        np_dtype = _dtype.to_np(dtype)
        if np_dtype is not None and np_dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")

        def convert(array, floating_only):
            if device is not None:
                array = _backend.to_device(array, device)
            if np_dtype is not None and array.dtype.kind == "f" and array.dtype != np_dtype:
                array = array.astype(np_dtype)
            return array
        return self._apply_to_arrays(convert)

    def to_empty(self, *, device):
        """Every parameter and buffer replaced by an uninitialised one of the same shape and
        dtype on ``device``: how a module built on "meta" gets real memory (then initialise
        it, e.g. with ``reset_parameters`` or ``load_state_dict``)."""
        from ... import _backend
        xp = _backend.array_module(device)
        return self._apply_to_arrays(lambda array, floating_only: xp.empty(array.shape,
                                                                            array.dtype))

    def float(self):
        """Parameters and buffers to float32; returns self."""
        return self.to(dtype="float32")

    def double(self):
        """Parameters and buffers to float64; returns self."""
        return self.to(dtype="float64")

    def half(self):
        """Parameters and buffers to float16; returns self."""
        return self.to(dtype="float16")

    def cpu(self):
        """Parameters and buffers to the CPU; returns self."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Parameters and buffers to the GPU ``device``; returns self."""
        return self.to("cuda" if device is None else device)

    def share_memory(self):
        """Move every parameter, gradient and buffer into shared memory
        (``Tensor.share_memory_``, bound by ``yingshe.multiprocessing``), so processes that
        receive the module share its weights; returns self."""
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None:
                    p.share_memory_()
                    if p.grad is not None:
                        p.grad.share_memory_()
            for b in module._buffers.values():
                if b is not None:
                    b.share_memory_()
        return self

    # ---- state dict ----------------------------------------------------------------------
    def _state_entries(self, prefix=""):
        """(key, module, registry, name, tensor) for every parameter and persistent buffer, in
        PyTorch's order (a module's own, then each child's), a shared module under each of its
        names."""
        entries, stack = [], [(prefix, self)]
        while stack:
            module_prefix, module = stack.pop()
            for name, p in module._parameters.items():
                if p is not None:
                    entries.append((module_prefix + name, module, "_parameters", name, p))
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    entries.append((module_prefix + name, module, "_buffers", name, b))
            stack.extend(reversed([(f"{module_prefix}{name}.", child)
                                   for name, child in module._modules.items()
                                   if child is not None]))
        return entries

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered mapping from dotted names to parameters and persistent buffers."""
        destination = OrderedDict() if destination is None else destination
        for key, _, _, _, value in self._state_entries(prefix):
            destination[key] = value if keep_vars else value.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values (Tensors or arrays) into this module's parameters and buffers, or, with
        ``assign``, make them the parameters and buffers (keeping each parameter's
        ``requires_grad``).

        With ``strict`` every key must match; shape mismatches always raise, listing each one.
        Returns ``_IncompatibleKeys(missing_keys, unexpected_keys)``, a named tuple.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        entries = self._state_entries()
        own = {entry[0] for entry in entries}
        missing = [entry[0] for entry in entries if entry[0] not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, _, _, _, target in entries:
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value._data if isinstance(value, Tensor) else value
            if tuple(getattr(array, "shape", ())) != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{tuple(getattr(array, 'shape', ()))} from checkpoint, the shape "
                              f"in current model is {tuple(target.shape)}.")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for key, module, registry, name, target in entries:
                if key not in state_dict:
                    continue
                value = state_dict[key]
                if assign:
                    value = value if isinstance(value, Tensor) else Tensor._make(
                        get_array_module(target._data).asarray(value))
                    if registry == "_parameters":
                        value = Parameter(value, requires_grad=target.requires_grad)
                    getattr(module, registry)[name] = value
                    continue
                array = value._data if isinstance(value, Tensor) else value
                xp = get_array_module(target._data)
                target._data[...] = xp.asarray(array, dtype=target._data.dtype)
                target._bump_version()
        return _IncompatibleKeys(missing, unexpected)

    # ---- hooks ----------------------------------------------------------------------------
    def _add_hook(self, registry, hook, prepend=False, flags=()):
        handle = RemovableHandle(registry)
        registry[handle.id] = hook
        if prepend:
            registry.move_to_end(handle.id, last=False)
        for flag_registry in flags:
            flag_registry[handle.id] = True
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with
        ``with_kwargs``) after forward; a non-None result replaces the output.  ``prepend`` runs
        it before the hooks already registered; ``always_call`` runs it even when forward
        raises."""
        flags = [registry for registry, on in ((self._forward_hooks_with_kwargs, with_kwargs),
                                               (self._forward_hooks_always_called, always_call))
                 if on]
        return self._add_hook(self._forward_hooks, hook, prepend, flags)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before forward; a non-None result replaces the positional
        inputs (a non-tuple becomes a 1-tuple).  With ``with_kwargs``, ``hook(module, args,
        kwargs)`` may return a new ``(args, kwargs)`` pair."""
        flags = [self._forward_pre_hooks_with_kwargs] if with_kwargs else []
        return self._add_hook(self._forward_pre_hooks, hook, prepend, flags)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's positional inputs are known (None for non-Tensor arguments, zeros for Tensors
        that do not require grad, as PyTorch); a non-None result (a tuple as long as
        ``grad_input``) replaces them.  When no input requires grad the hook fires, with a
        warning, as soon as grad_output is known."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradients with respect to the module's outputs
        arrive, before they flow into the module; a non-None result replaces them."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    # ---- repr ------------------------------------------------------------------------------
    def extra_repr(self):
        """The module's own settings for ``repr`` (e.g. ``in_features=784, out_features=10``)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        """PyTorch's layout: ``Name(extra)`` on one line, or the extra lines and one
        ``(name): child`` line per submodule, indented by two spaces."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_indent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))


def _check_name(module, name, kind):
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if "." in name or name == "":
        raise KeyError(f"{kind} name can't contain \".\" or be empty, got {name!r}")
    if hasattr(module, name) and name not in module._parameters and \
            name not in module._buffers and name not in module._modules:
        raise KeyError(f"attribute '{name}' already exists")


def _indent(text, spaces):
    """Indent every line of ``text`` but the first by ``spaces`` (blank lines stay empty)."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


class _HookedIdentity(Op):
    """y_i = x_i for several tensors at once (views sharing their memory); backward hands the
    gradients of all of them to ``callback``, which returns the gradients to pass on.  Outputs
    whose input does not require grad are non-differentiable, as in PyTorch's
    ``BackwardHookFunction``; a missing gradient arrives as zeros, or as None without
    ``materialize``.  A module's backward hooks sit on one such node at its inputs and one at its
    outputs."""

    @staticmethod
    def forward(ctx, *arrays, callback, differentiable, materialize):
        ctx.callback = callback
        ctx.set_materialize_grads(materialize)
        outputs = tuple(a.view() for a in arrays)
        ctx.mark_non_differentiable(*[o for o, d in zip(outputs, differentiable) if not d])
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        return tuple(ctx.callback(grads))


class _BackwardHook:
    """One forward call's backward hooks (PyTorch's ``BackwardHook``): the output node records
    grad_output (running the backward pre-hooks); the input node then calls the full backward
    hooks with grad_input and grad_output."""

    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.input_positions = None
        self.n_inputs = self.n_outputs = 0
        self.output_positions = ()

    @staticmethod
    def _wrap(values, callback, materialize):
        """``values`` with their Tensors passed through one _HookedIdentity node, and those
        Tensors' positions (None, and nothing wrapped, when none requires grad)."""
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
        differentiable = [values[i].requires_grad for i in positions]
        if not any(differentiable) or not STATE.enabled:
            return values, None
        outputs = _HookedIdentity.apply(*[values[i] for i in positions], callback=callback,
                                        differentiable=differentiable, materialize=materialize)
        values = list(values)
        for i, out in zip(positions, outputs):
            out._version_box = values[i]._version_box  # a view: same version counter
            values[i] = out
        return tuple(values), positions

    @staticmethod
    def _pack(positions, values, size):
        packed = [None] * size
        for i, value in zip(positions, values):
            packed[i] = value
        return tuple(packed)

    def wrap_inputs(self, args):
        self.n_inputs = len(args)
        # grad_input: zeros for Tensors the module did not differentiate (as PyTorch)
        args, self.input_positions = self._wrap(args, self._input_gradients, True)
        return args

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        if not all(isinstance(o, Tensor) for o in outputs):
            warnings.warn("For backward hooks to be called, module output should be a Tensor or "
                          f"a tuple of Tensors but received {type(result)}", stacklevel=3)
        self.n_outputs = len(outputs)
        # grad_output: None for outputs that got no gradient (as PyTorch)
        outputs, positions = self._wrap(outputs, self._output_gradients, False)
        self.output_positions = positions or ()
        return outputs[0] if single else outputs

    def _output_gradients(self, grads):
        module = self.module
        self.grad_outputs = self._pack(self.output_positions, grads, self.n_outputs)
        for hook in list(module._backward_pre_hooks.values()):
            new = hook(module, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(new)}, but expected {len(self.grad_outputs)}")
            self.grad_outputs = tuple(new)
        grad_outputs = self.grad_outputs
        if self.input_positions is None:  # no input requires grad: call the hooks now
            warnings.warn("Full backward hook is firing when gradients are computed with respect "
                          "to module outputs since no inputs require gradients.", stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in list(module._backward_hooks.values()):
                new = hook(module, grad_inputs, grad_outputs)
                if new is not None and not (isinstance(new, tuple)
                                            and all(g is None for g in new)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return [grad_outputs[i] for i in self.output_positions]

    def _input_gradients(self, grads):
        if self.grad_outputs is None:  # the gradient did not come through the outputs
            return grads
        module = self.module
        grad_inputs = self._pack(self.input_positions, grads, self.n_inputs)
        for hook in list(module._backward_hooks.values()):
            new = hook(module, grad_inputs, self.grad_outputs)
            if new is None:
                continue
            if len(new) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                   f"{len(new)}, but expected {len(grad_inputs)}")
            grad_inputs = tuple(new)
        self.grad_outputs = None
        return [grad_inputs[i] for i in self.input_positions]
