"""Weight averaging (``torch.optim.swa_utils``): a running average of a model's weights kept
in a copy of the model, either the equal average of stochastic weight averaging (Izmailov et
al. 2018) or an exponential moving average (Polyak averaging with exponential weights; for
GAN generators see Yazıcı et al. 2019)."""
import copy

from .._backend import get_array_module
from ..autograd import no_grad
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ..ops.creation import tensor

__all__ = ["AveragedModel", "get_ema_avg_fn", "get_swa_avg_fn", "update_bn"]


def get_swa_avg_fn():
    """The equal average: a_{n+1} = a_n + (w - a_n) / (n + 1) after n averaged models.

    Shape:
        the returned function takes averaged and current of one parameter's shape ``(*)``
        and returns ``(*)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.optim.swa_utils import get_swa_avg_fn
        >>> swa = get_swa_avg_fn()
        >>> swa(yingshe.tensor([2.0]), yingshe.tensor([6.0]), 3)     # (3 * 2 + 6) / 4
        tensor([3.])
    """
    def swa_update(averaged, current, num_averaged):
        return averaged + (current - averaged) / (num_averaged + 1)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """The exponential moving average a <- decay * a + (1 - decay) * w.

    Shape:
        the returned function takes averaged and current of one parameter's shape ``(*)``
        and returns ``(*)``.

    Examples:
        >>> import yingshe
        >>> from yingshe.optim.swa_utils import get_ema_avg_fn
        >>> ema = get_ema_avg_fn(0.9)
        >>> ema(yingshe.tensor([2.0]), yingshe.tensor([6.0]), 3)     # 0.9 * 2 + 0.1 * 6
        tensor([2.4000])
    """
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"the EMA decay must lie in [0, 1], got {decay}")

    def ema_update(averaged, current, num_averaged):
        return decay * averaged + (1 - decay) * current
    return ema_update


class AveragedModel(Module):
    """A copy of ``model`` (``self.module``) whose parameters hold a running average of
    ``model``'s parameters: ``update_parameters(model)`` copies them the first time and then
    sets a <- avg_fn(a, w, n) with n the number of models averaged so far (the equal average
    unless ``avg_fn`` is given, e.g. ``get_ema_avg_fn(0.999)``).  With ``use_buffers`` the
    floating-point buffers (batch norm's running statistics) are averaged the same way;
    without it, as in PyTorch, every buffer is copied from ``model`` at each update.  Integer
    buffers (batch norm's ``num_batches_tracked``) are always copied.

    Shape:
        the forward pass is ``model``'s: input and output shapes as ``model`` takes and gives them.

    Examples:
        >>> import yingshe
        >>> from yingshe.optim.swa_utils import AveragedModel
        >>> model = yingshe.nn.Linear(1, 1, bias=False)
        >>> averaged = AveragedModel(model)
        >>> for value in [1.0, 3.0, 8.0]:                # three "epochs" of training
        ...     with yingshe.no_grad():
        ...         _ = model.weight.fill_(value)
        ...     averaged.update_parameters(model)
        >>> averaged.module.weight.detach(), averaged.n_averaged
        (tensor([[4.]]), tensor(3))
        >>> averaged(yingshe.tensor([[2.0]])).shape      # runs like the model it averages
        yingshe.Size([1, 1])
    """

    def __init__(self, model, avg_fn=None, use_buffers=False):
        super().__init__()
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", tensor(0))
        self.avg_fn = avg_fn or get_swa_avg_fn()
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Fold ``model``'s current weights (and buffers, with ``use_buffers``) into the
        average, in place."""
        n = int(self.n_averaged.item())
        averaged_buffers = list(self.module.buffers()) if self.use_buffers else []
        with no_grad():
            for averaged, current in zip(list(self.module.parameters()) + averaged_buffers,
                                         list(model.parameters()) + list(model.buffers())):
                a, w = averaged._data, current._data
                xp = get_array_module(a)
                if n > 0 and xp.issubdtype(a.dtype, xp.floating):
                    a[...] = self.avg_fn(a, w, n)
                else:  # the first update, and counters such as num_batches_tracked
                    a[...] = w
            if not self.use_buffers:
                for averaged, current in zip(self.module.buffers(), model.buffers()):
                    averaged._data[...] = current._data
        self.n_averaged._data += 1


def update_bn(loader, model):
    """Recompute the batch-norm running statistics of ``model`` (e.g. an averaged one, whose
    averaged weights the statistics of no single model fit) from one pass over ``loader``: each
    layer's statistics restart and become the equal average over the batches (momentum None);
    a batch that is a tuple or list is given its first field.  The layers' momentum and the
    model's train/eval mode are put back afterwards.

    Examples:
        >>> import yingshe
        >>> from yingshe.optim.swa_utils import update_bn
        >>> bn = yingshe.nn.BatchNorm1d(2)
        >>> loader = [yingshe.tensor([[0.0, 1.0], [2.0, 3.0]]),
        ...           yingshe.tensor([[4.0, 5.0], [6.0, 7.0]])]
        >>> update_bn(loader, bn)
        >>> bn.running_mean, bn.running_var          # the means of the two batches' statistics
        (tensor([3., 4.]), tensor([2., 2.]))
    """
    momenta = {module: module.momentum for module in model.modules()
               if isinstance(module, _BatchNorm) and module.track_running_stats}
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.reset_running_stats()
        module.momentum = None
    with no_grad():
        for batch in loader:
            model(batch[0] if isinstance(batch, (tuple, list)) else batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)
