"""Reverse-mode differentiation: walk the graph from the outputs back to the leaves in
topological order (iteratively, so a graph of any depth works), applying the chain rule
dL/dx = sum over uses of dL/dy * dy/dx at every node (Rumelhart, Hinton & Williams 1986;
Goodfellow, Bengio & Courville, Deep Learning, §6.5)."""
import warnings

from .._backend import get_array_module
from .._tensor import POST_ACCUMULATE_GRAD_HOOKS, Tensor
from . import anomaly_mode
from .anomaly_mode import ANOMALY
from .grad_mode import STATE

__all__ = ["backward", "grad"]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of ``tensors`` into the ``.grad`` of the graph's leaves
    (``torch.autograd.backward``; ``t.backward(g)`` is ``backward(t, g)``).

    With roots y_k and their ``grad_tensors`` v_k, each leaf x (or each of ``inputs``, when
    given) gets x.grad += sum_k v_k . dy_k/dx, the vector-Jacobian product; a scalar root may
    leave its v out (v = 1).  The graph's buffers are freed afterwards unless ``retain_graph``;
    ``create_graph=True`` records the backward pass itself, so the gradients can be
    differentiated again.

    Shape:
        ``grad_tensors[k]`` has the shape of ``tensors[k]``; each ``x.grad`` has x's shape.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> yingshe.autograd.backward(x ** 2, grad_tensors=yingshe.ones(3))  # dy_i/dx_i = 2 x_i
        >>> x.grad
        tensor([2., 4., 6.])
        >>> (x * 10).sum().backward()           # gradients accumulate into .grad
        >>> x.grad
        tensor([12., 14., 16.])
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _make_root_grads(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    capture = None
    if inputs is not None:
        capture = _as_tuple(inputs)
        if not capture:
            raise RuntimeError("backward: 'inputs' must not be empty")
    grads = _run(tensors, grad_tensors, retain_graph, create_graph, capture, accumulate=True)
    if capture is not None:
        for t, g in zip(capture, grads):
            if g is not None:
                if not create_graph:
                    g = g.detach()
                t.grad = g if t.grad is None else t.grad + g
                _run_post_accumulate_hooks(t)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching any
    ``.grad`` (``torch.autograd.grad``): a tuple with sum_k v_k . dy_k/dx for each input x,
    v_k the ``grad_outputs`` (1 for a scalar output that has none).

    As PyTorch: an input the outputs do not depend on raises unless ``allow_unused`` (its
    gradient is then None) or ``materialize_grads`` (zeros); ``only_inputs`` is deprecated and
    ignored (with PyTorch's FutureWarning); ``is_grads_batched`` needs vmap, which yingshe
    lacks.  With ``create_graph=True`` the gradients are part of a graph themselves, which
    gives higher derivatives (a Hessian-vector product, a gradient penalty).

    Shape:
        ``grad_outputs[k]`` has the shape of ``outputs[k]``; the i-th gradient has the shape
        of ``inputs[i]``.

    Examples:
        >>> import yingshe
        >>> x = yingshe.tensor([1.0, 2.0], requires_grad=True)
        >>> (g,) = yingshe.autograd.grad((x ** 3).sum(), x, create_graph=True)   # 3 x^2
        >>> g
        tensor([ 3., 12.], grad_fn=<MulBackward0>)
        >>> yingshe.autograd.grad(g.sum(), x)                                     # 6 x
        (tensor([ 6., 12.]),)
        >>> x.grad is None
        True
    """
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         f"materialize_grads=True, but got: allow_unused={allow_unused}.")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "yingshe.autograd.backward.", FutureWarning, stacklevel=2)
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True needs vmap (torch.func), which "
                                  "yingshe does not have; call grad once per grad_outputs row")
    outputs = _as_tuple(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) does not require grad")
    grad_outputs = _make_root_grads(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _run(outputs, grad_outputs, retain_graph, create_graph, inputs, accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs, grads)):
        if g is None:
            if materialize_grads:
                g = _filled_like(t, 0)
            elif not allow_unused:
                raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) was not used in the "
                                   "graph of the outputs; pass allow_unused=True if that is expected")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result) if not single_input or len(result) != 1 else (result[0],)


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _make_root_grads(tensors, grads, op):
    grads = [None] * len(tensors) if grads is None else list(_as_tuple_or_none(grads))
    if len(grads) != len(tensors):
        raise RuntimeError(f"{op}: got {len(tensors)} tensors but {len(grads)} gradients")
    for i, (t, g) in enumerate(zip(tensors, grads)):
        if not t.requires_grad:
            raise RuntimeError(f"{op}: element {i} of tensors does not require grad and does "
                               "not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(f"{op}: grad can be implicitly created only for scalar "
                                   f"outputs; this output has shape {tuple(t.shape)}, so pass "
                                   "gradient= (a tensor of that shape)")
            grads[i] = _filled_like(t, 1)
        else:
            g = g if isinstance(g, Tensor) else Tensor(g, dtype=t.dtype, device=t.device)
            if g.shape != t.shape:
                raise RuntimeError(f"{op}: mismatch in shape: gradient has shape {tuple(g.shape)} "
                                   f"but the output has shape {tuple(t.shape)}")
            grads[i] = g
    return grads


def _filled_like(t, value):
    """A tensor of ``t``'s shape, dtype and device filled with ``value``."""
    return Tensor._make(get_array_module(t._data).full_like(t._data, value))


def _as_tuple_or_none(x):
    return (x,) if x is None or isinstance(x, Tensor) else tuple(x)


def _run(roots, root_grads, retain_graph, create_graph, capture, accumulate):
    """The backward pass proper; returns the gradients of ``capture`` (or None)."""
    # Where gradients should be captured: leaves by identity, non-leaves at (grad_fn, output_nr).
    captured = None
    capture_leaf, capture_node = {}, {}
    if capture is not None:
        captured = [None] * len(capture)
        for i, t in enumerate(capture):
            if t.grad_fn is None:
                capture_leaf.setdefault(id(t), []).append(i)
            else:
                capture_node.setdefault((t.grad_fn, t._output_nr), []).append(i)

    buffers = {}  # node -> list of gradients, one per output
    leaf_grads = {}  # id(leaf) -> [leaf, summed gradient]
    start_nodes = []
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:
            _add_leaf_grad(leaf_grads, t, g)
            continue
        node = t.grad_fn
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._num_outputs
            start_nodes.append(node)
        nr = t._output_nr
        buf[nr] = g if buf[nr] is None else buf[nr] + g

    dependencies = _count_dependencies(start_nodes)
    needed = _needed_nodes(start_nodes, capture_leaf, capture_node) if not accumulate else None

    call_backward = _call_backward_checked if ANOMALY.enabled else _call_backward
    previous = STATE.enabled
    STATE.enabled = create_graph
    try:
        ready = [n for n in start_nodes if dependencies.get(n, 0) == 0]
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)  # None: no gradient reached this node
            if grads is not None:
                _run_pre_hooks(node, grads)
                if capture_node:
                    for nr, g in enumerate(grads):
                        for i in capture_node.get((node, nr), ()):
                            captured[i] = g
            run = grads is not None and (needed is None or node in needed)
            input_grads = call_backward(node, grads) if run else None
            if run and not retain_graph:
                node._release()
            for i, edge in enumerate(node.next_edges):
                if edge is None:
                    continue
                target, nr = edge
                g = input_grads[i] if run else None
                if isinstance(target, Tensor):  # a leaf: gradients are summed, then accumulated
                    if g is not None:
                        _add_leaf_grad(leaf_grads, target, g)
                    continue
                if g is not None:
                    buf = buffers.get(target)
                    if buf is None:
                        buf = buffers[target] = [None] * target._num_outputs
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                remaining = dependencies[target] - 1
                dependencies[target] = remaining
                if remaining == 0:
                    ready.append(target)

        for leaf, g in leaf_grads.values():
            if leaf._hooks:
                for hook in list(leaf._hooks.values()):
                    replaced = hook(g)
                    if replaced is not None:
                        g = replaced
            if capture is not None:
                for i in capture_leaf.get(id(leaf), ()):
                    captured[i] = g
            elif accumulate:
                if not create_graph:
                    g = g.detach()
                leaf.grad = g if leaf.grad is None else leaf.grad + g
                _run_post_accumulate_hooks(leaf)
    finally:
        STATE.enabled = previous
    return captured


def _add_leaf_grad(leaf_grads, leaf, g):
    entry = leaf_grads.get(id(leaf))
    if entry is None:
        leaf_grads[id(leaf)] = [leaf, g]
    else:
        entry[1] = entry[1] + g


def _run_post_accumulate_hooks(leaf):
    """``register_post_accumulate_grad_hook``'s hooks, once ``leaf.grad`` holds the gradient."""
    hooks = POST_ACCUMULATE_GRAD_HOOKS.get(id(leaf))
    if hooks:
        for hook in list(hooks.values()):
            hook(leaf)


def _run_pre_hooks(node, grads):
    """Tensor hooks of non-leaf outputs (and retain_grad) see, and may replace, their gradient."""
    if node._pre_hooks:
        for nr, hooks in node._pre_hooks.items():
            for hook in list(hooks.values()):
                if grads[nr] is not None:
                    replaced = hook(grads[nr])
                    if replaced is not None:
                        grads[nr] = replaced


def _call_backward(node, grads):
    if node._num_outputs > 1 and node._materialize_grads and any(g is None for g in grads):
        grads = [Tensor._make(xp.zeros(shape, dtype)) if g is None else g
                 for g, (shape, dtype, xp) in zip(grads, node._output_meta)]
    input_grads = node.backward(node, *grads)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    n_inputs = len(node.next_edges)
    if len(input_grads) < n_inputs:
        input_grads = input_grads + (None,) * (n_inputs - len(input_grads))
    elif len(input_grads) > n_inputs and any(g is not None for g in input_grads[n_inputs:]):
        raise RuntimeError(f"{node.name()}: backward returned {len(input_grads)} gradients but "
                           f"forward had {n_inputs} inputs")
    return [g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in input_grads]


def _call_backward_checked(node, grads):
    """``_call_backward`` in anomaly mode: nodes made meanwhile (``create_graph``) record
    ``node`` as their parent; NaN results raise; any error warns with the forward stack."""
    parent, ANOMALY.current_node = ANOMALY.current_node, node
    try:
        input_grads = _call_backward(node, grads)
        if ANOMALY.check_nan:
            anomaly_mode.check_nan(node, input_grads)
    except Exception:
        anomaly_mode.warn_forward_stack(node)
        raise
    finally:
        ANOMALY.current_node = parent
    return input_grads


def _count_dependencies(start_nodes):
    """For every node reachable from ``start_nodes``: how many reachable nodes feed it a gradient."""
    dependencies = {}
    seen = set(start_nodes)
    stack = list(start_nodes)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None or isinstance(edge[0], Tensor):
                continue
            target = edge[0]
            dependencies[target] = dependencies.get(target, 0) + 1
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return dependencies


def _needed_nodes(start_nodes, capture_leaf, capture_node):
    """Nodes from which some captured input can be reached (only those run for ``grad``)."""
    order, seen, stack = [], set(start_nodes), list(start_nodes)
    while stack:  # collect reachable nodes, then decide in reverse discovery order until stable
        node = stack.pop()
        order.append(node)
        for edge in node.next_edges:
            if edge is not None and not isinstance(edge[0], Tensor) and edge[0] not in seen:
                seen.add(edge[0])
                stack.append(edge[0])
    target_nodes = {node for node, _ in capture_node}
    needed = set()
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node in needed:
                continue
            for edge in node.next_edges:
                if edge is None:
                    continue
                target = edge[0]
                if (id(target) in capture_leaf if isinstance(target, Tensor)
                        else (target in needed or target in target_nodes)):
                    needed.add(node)
                    changed = True
                    break
    return needed
