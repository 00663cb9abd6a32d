"""Single-process data parallelism, ``torch.nn.parallel.DataParallel`` and ``data_parallel``, on
the one device yingshe computes on.

PyTorch's DataParallel splits each batch along ``dim`` over the GPUs in ``device_ids``, runs a
replica of the module on each piece in threads and gathers the outputs on ``output_device``.
With one device nothing is split: the inputs are moved to that device and the module is called.
yingshe implements exactly that case, which is what PyTorch itself does on a machine with no or
one GPU:

* no CUDA device (CuPy missing or no GPU): ``DataParallel`` calls the wrapped module directly and
  ignores ``device_ids`` (``device_ids`` becomes ``[]``); ``data_parallel`` raises RuntimeError,
  as PyTorch does;
* one CUDA device: the module's parameters and buffers live on it, the inputs are moved to it;
* several CUDA devices: NotImplementedError.  Use ``DistributedDataParallel`` (one process per
  GPU, gradients averaged by all-reduce), which PyTorch recommends over DataParallel too.
"""
from ... import cuda
from ..._backend import device as Device
from ..._tensor import Tensor
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _device_index(name, value):
    """The CUDA index of ``value``: an int, or a "cuda[:N]" string or device (no index: the
    current device), as PyTorch's ``_get_device_index``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (str, Device)):
        dev = Device(value)
        if dev.type != "cuda":
            raise ValueError(f"{name}: expected a cuda device, but got: {dev}")
        return cuda.current_device() if dev.index is None else dev.index
    raise ValueError(f"{name}: expected a device with a specified index or an integer, but got: "
                     f"{value!r}")


def _cuda_placement(name, device_ids, output_device):
    """(device_ids, output_device) as indices, after PyTorch's defaults (every GPU; the first
    of them); NotImplementedError when more than one GPU is asked for."""
    if device_ids is None:
        device_ids = list(range(cuda.device_count()))
    device_ids = [_device_index(name, d) for d in device_ids]
    if not device_ids:
        raise RuntimeError(f"{name}: no available devices were found (device_ids is empty)")
    if len(device_ids) > 1:
        raise NotImplementedError(
            f"{name}: device_ids={device_ids} asks for {len(device_ids)} GPUs; yingshe runs "
            f"DataParallel on one device only.  Train on several GPUs with "
            f"DistributedDataParallel (one process per GPU), or pass one device id")
    output_device = device_ids[0] if output_device is None else output_device
    return device_ids, _device_index(name, output_device)


def _check_placement(name, module, source):
    """PyTorch's RuntimeError when a parameter or buffer is not on ``device_ids[0]``."""
    for t in (*module.parameters(), *module.buffers()):
        if t.device != source:
            raise RuntimeError(f"{name}: module must have its parameters and buffers on device "
                               f"{source} (device_ids[0]) but found one of them on device: "
                               f"{t.device}")


def _moved(obj, dev):
    """``obj`` with every tensor inside (tuples, namedtuples, lists, dicts) moved to ``dev``;
    other objects are passed as they are: PyTorch's ``scatter`` for a single device."""
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_moved(x, dev) for x in obj))
    if isinstance(obj, (tuple, list)):
        return type(obj)(_moved(x, dev) for x in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _moved(v, dev)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    """Wraps ``module`` as PyTorch's ``nn.DataParallel(module, device_ids, output_device,
    dim)``: the wrapped module is ``.module`` (so state_dict keys start with ``module.``) and
    ``forward(*args, **kwargs)`` calls it.  PyTorch splits each batch along ``dim`` over the GPUs;
    yingshe runs on one device, where no split is needed: without CUDA the call is direct, with
    one GPU the module and the inputs are moved there (see the module docstring).  Asking for
    several GPUs raises NotImplementedError: use ``DistributedDataParallel``.

    Shape: inputs and outputs those of the wrapped module.

    Examples:
        >>> import yingshe
        >>> model = yingshe.nn.DataParallel(yingshe.nn.Linear(4, 2))
        >>> model(yingshe.ones(3, 4)).shape
        yingshe.Size([3, 2])
        >>> list(model.state_dict())  # save model.module.state_dict() for the plain keys
        ['module.weight', 'module.bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not cuda.is_available():  # PyTorch: no accelerator, so no device bookkeeping
            self.module = module
            self.device_ids = []
            return
        device_ids, output_device = _cuda_placement("DataParallel", device_ids, output_device)
        self.dim = dim
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.src_device_obj = Device("cuda", device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_placement("DataParallel", self.module, self.src_device_obj)
        return self.module(*_moved(inputs, self.src_device_obj),
                           **_moved(kwargs, self.src_device_obj))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """``module(*inputs, **module_kwargs)`` on ``device_ids[0]``, PyTorch's functional
    DataParallel for one GPU: ``inputs`` (a tuple, or one object) and ``module_kwargs`` are moved
    to that GPU, where the module's parameters must already be.  Without a CUDA device it raises
    RuntimeError, as PyTorch does; several GPUs raise NotImplementedError.

    Shape: inputs and outputs those of ``module``.

    Examples:
        With a GPU (skipped here):

        >>> import yingshe
        >>> from yingshe.nn.parallel import data_parallel
        >>> layer = yingshe.nn.Linear(4, 2).cuda()  # doctest: +SKIP
        >>> data_parallel(layer, yingshe.ones(3, 4), device_ids=[0]).device  # doctest: +SKIP
        device(type='cuda', index=0)
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    if not cuda.is_available():
        raise RuntimeError("data_parallel: device type could not be determined: no CUDA device "
                           "is available (PyTorch raises this too); call module(*inputs) instead")
    device_ids, _ = _cuda_placement("data_parallel", device_ids, output_device)
    source = Device("cuda", device_ids[0])
    _check_placement("data_parallel", module, source)
    return module(*_moved(inputs, source), **_moved(module_kwargs or {}, source))
