"""Anomaly detection for the engine, as ``torch.autograd.detect_anomaly``: while it is on, every
graph node keeps the call stack of the forward op that made it, and during backward a node whose
backward returns NaN raises ``RuntimeError("Function 'XBackward' returned nan values in its ith
output.")``; any error in a node's backward first warns (UserWarning) with that node's forward
stack ("Error detected in XBackward. Traceback of forward call that caused the error: ...") and,
for nodes made by a ``create_graph`` backward, the stacks of the nodes whose backward made them.

Off (the default) it costs one flag test per recorded node and one per backward pass."""
import functools
import os
import sys
import traceback
import warnings

from .._backend import get_array_module

__all__ = ["AnomalyError", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class AnomalyError(RuntimeError):
    """A backward returned NaN under anomaly detection (a RuntimeError, as PyTorch raises)."""


class _AnomalyState:
    """The process-wide switches (yingshe is single-threaded) and the node whose backward runs."""
    enabled = False
    check_nan = True
    current_node = None  # set by the engine in anomaly mode: the parent of nodes made in backward


ANOMALY = _AnomalyState


def is_anomaly_enabled():
    """Whether anomaly detection is on (``torch.is_anomaly_enabled``); off by default.

    Examples:
        >>> import yingshe
        >>> yingshe.autograd.is_anomaly_enabled()
        False
        >>> with yingshe.autograd.set_detect_anomaly(True):
        ...     yingshe.autograd.is_anomaly_enabled()
        True
    """
    return ANOMALY.enabled


def is_anomaly_check_nan_enabled():
    """Whether anomaly detection, when on, checks backward results for NaN
    (``torch.is_anomaly_check_nan_enabled``); True unless turned on with ``check_nan=False``.

    Examples:
        >>> import yingshe
        >>> with yingshe.autograd.set_detect_anomaly(True, check_nan=False):
        ...     yingshe.autograd.is_anomaly_check_nan_enabled()
        False
        >>> yingshe.autograd.is_anomaly_check_nan_enabled()
        True
    """
    return ANOMALY.check_nan


def _set_anomaly_enabled(mode, check_nan=True):
    ANOMALY.enabled, ANOMALY.check_nan = bool(mode), bool(check_nan)


class detect_anomaly:
    """Context manager (or decorator) that turns anomaly detection on.

    - The forward ops run inside it record where they were called, so an error in their backward
      prints (as a UserWarning) the traceback of the forward call that made the failing node.
    - With ``check_nan`` (default), a backward that returns NaN raises a RuntimeError naming the
      node, e.g. "Function 'SqrtBackward' returned nan values in its 0th output."

    Only for debugging: recording a stack per op and scanning every gradient is slow, and entering
    it says so with a UserWarning, as PyTorch does.

    Examples:
        The derivative of sqrt at 0 is inf, and inf * 0 is NaN: anomaly mode names the node
        whose backward made it (and warns with the line of the forward call that made that
        node), where plain backward would quietly leave NaN in ``x.grad``:

        >>> import yingshe
        >>> x = yingshe.tensor([0.0, 4.0], requires_grad=True)
        >>> try:
        ...     with yingshe.autograd.detect_anomaly():
        ...         (x.sqrt() * 0).sum().backward()
        ... except RuntimeError as error:
        ...     print(error)
        Function 'SqrtBackward0' returned nan values in its 0th output.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self._previous = (ANOMALY.enabled, ANOMALY.check_nan)
        _set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        _set_anomaly_enabled(*self._previous)
        return False

    def __call__(self, fn):
        check_nan = self.check_nan

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_detect_anomaly(True, check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection (see ``detect_anomaly``) on or off (``torch.set_detect_anomaly``):
    called as a function it stays so, used as a context manager it restores the previous setting
    on exit.  Unlike ``detect_anomaly`` it does not warn when it turns detection on.

    Examples:
        >>> import yingshe
        >>> with yingshe.autograd.set_detect_anomaly(True):
        ...     yingshe.autograd.is_anomaly_enabled()
        True
        >>> _ = yingshe.autograd.set_detect_anomaly(True)     # as a call: stays on ...
        >>> yingshe.autograd.is_anomaly_enabled()
        True
        >>> _ = yingshe.autograd.set_detect_anomaly(False)    # ... until turned off
        >>> yingshe.autograd.is_anomaly_enabled()
        False
    """

    def __init__(self, mode, check_nan=True):
        self._previous = (ANOMALY.enabled, ANOMALY.check_nan)
        _set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _set_anomaly_enabled(*self._previous)
        return False


# ---- what the graph and the engine call in anomaly mode --------------------------------------
def record(node):
    """Keep the call stack that made ``node`` (and the node whose backward is making it, when a
    ``create_graph`` backward builds it).  Frames are kept as (file, line, function) only."""
    frame = sys._getframe(1)
    frames = []
    while frame is not None:
        frames.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    frames.reverse()
    node._anomaly_trace = frames
    node._anomaly_parent = ANOMALY.current_node


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL = tuple(os.path.join(_PACKAGE, part) for part in ("autograd" + os.sep, "ops" + os.sep,
                                                             "_tensor.py"))


def format_forward_stack(frames):
    """The recorded stack as ``traceback.format_stack`` writes it, without the innermost frames
    of the op machinery itself (autograd, ops, Tensor methods): it ends at the line that called
    the op (user code, a layer or ``nn.functional``)."""
    end = len(frames)
    while end > 1 and os.path.abspath(frames[end - 1][0]).startswith(_INTERNAL):
        end -= 1
    return "".join(traceback.format_list(
        [traceback.FrameSummary(path, line, name) for path, line, name in frames[:end]]))


def _caller_level():
    """The ``stacklevel`` of the first frame outside autograd, ops and Tensor (the line that
    called ``backward``), so the warning points there."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_INTERNAL):
        level, frame = level + 1, frame.f_back
    return level if frame is not None else 2


def warn_forward_stack(node):
    """PyTorch's message for a failing node: its forward traceback, then its parents'."""
    level = _caller_level()
    frames = getattr(node, "_anomaly_trace", None)
    if frames is None:
        warnings.warn(f"Error detected in {node.name()}. No forward pass information available. "
                      "Enable detect anomaly during forward pass for more information.",
                      stacklevel=level)
        return
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                  f"error:\n{format_forward_stack(frames)}", stacklevel=level)
    parent = getattr(node, "_anomaly_parent", None)
    while parent is not None:
        frames = getattr(parent, "_anomaly_trace", None)
        if frames is None:
            break
        warnings.warn(f"\n\nPrevious calculation was induced by {parent.name()}. Traceback of "
                      "forward call that induced the previous calculation:\n"
                      f"{format_forward_stack(frames)}", stacklevel=level)
        parent = getattr(parent, "_anomaly_parent", None)


def check_nan(node, input_grads):
    """Raise PyTorch's error when a gradient that ``node``'s backward returned holds NaN."""
    for i, g in enumerate(input_grads):
        if g is None:
            continue
        array = g._data
        if array.dtype.kind in "fc" and bool(get_array_module(array).isnan(array).any()):
            raise AnomalyError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")
