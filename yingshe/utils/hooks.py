"""Hook handles, as ``torch.utils.hooks``: ``RemovableHandle`` is what the ``register_*hook``
methods of tensors and modules return."""
from ..autograd.function import RemovableHandle

__all__ = ["RemovableHandle"]
