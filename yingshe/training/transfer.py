"""Transfer learning: start a network from another one's weights, keep the features and learn a
new classifier head, with the backbone frozen or trained at its own learning rate (Yosinski,
Clune, Bengio & Lipson 2014, "How transferable are features in deep neural networks?";
Razavian et al. 2014, "CNN Features off-the-shelf").

The head is the network's last ``Linear`` layer (``fc`` in ResNet and GoogLeNet,
``classifier[-1]`` in AlexNet, VGG and MobileNet); everything before it is the backbone."""
from pathlib import Path

import numpy as np

from .. import nn
from ..ops.creation import from_numpy
from ..serialization import load
from .run_folder import RunFolder, RunFolderError

__all__ = ["head_of", "read_weights", "load_backbone", "freeze_backbone", "parameter_groups"]


def head_of(model):
    """(name, module) of ``model``'s last ``Linear`` layer: the classifier head."""
    linears = [(name, module) for name, module in model.named_modules()
               if isinstance(module, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no Linear layer to use as the head")
    return linears[-1]


def read_weights(source):
    """The model state_dict in ``source``: a yingshe run folder (its best epoch), a training
    checkpoint (.safetensors written by ``yingshe train``), a state_dict saved by ``save`` or a
    PyTorch ``torch.save`` file (.pth/.pt, read without running its pickle)."""
    path = Path(source)
    if path.is_dir():
        path = RunFolder.containing(path) / RunFolder.BEST
    if not path.is_file():
        raise RunFolderError(f"no weights at {source}: give a run folder, a checkpoint "
                             f"(.safetensors) or a state_dict file (.pth)")
    state = load(path)
    if not isinstance(state, dict):
        raise RunFolderError(f"{path} holds a {type(state).__name__}, not a state_dict")
    return state["modules"]["model"] if "modules" in state else state


def load_backbone(model, state, log=print):
    """Copy into ``model`` every tensor of ``state`` whose name and shape match, except the
    head's (a new task gets a new head).  A first convolution trained on grey images goes to
    colour inputs by sharing each filter equally among the channels (w / C per channel: a
    grey image copied to C channels then gives the same response).  Returns the names left at
    their initial values."""
    head, _ = head_of(model)
    own = model.state_dict()
    copied = {}
    for name, target in own.items():
        if name.startswith(head + ".") or name not in state:
            continue
        source = np.asarray(state[name].detach().numpy() if hasattr(state[name], "detach")
                            else state[name])
        if (source.ndim == 4 and source.shape[1] == 1 and target.shape[1] > 1
                and source.shape[:1] + source.shape[2:] == tuple(target.shape[:1])
                + tuple(target.shape[2:])):
            source = np.repeat(source, target.shape[1], axis=1) / target.shape[1]
        if tuple(source.shape) == tuple(target.shape):
            copied[name] = from_numpy(np.array(source, dtype=target.detach().numpy().dtype))
    if not any(not name.startswith(head + ".") for name in copied):
        raise ValueError(f"none of the {len(state)} saved tensors fits {type(model).__name__}: "
                         f"is it the same architecture (and width)?")
    model.load_state_dict({**own, **copied})
    fresh = sorted(set(own) - set(copied))
    log(f"loaded {len(copied)} of {len(own)} tensors; new: {', '.join(fresh) or 'none'}")
    return fresh


def freeze_backbone(model):
    """``requires_grad_(False)`` on every parameter outside the head; returns the head's
    parameters (the ones left to train)."""
    module = head_of(model)[1]
    model.requires_grad_(False)
    module.requires_grad_(True)
    return list(module.parameters())


def parameter_groups(model, lr, backbone_lr_scale=1.0):
    """Optimiser parameter groups: the backbone at ``lr * backbone_lr_scale`` and the head at
    ``lr`` (discriminative fine-tuning, Howard & Ruder 2018); frozen parameters are left out."""
    module = head_of(model)[1]
    head_ids = {id(p) for p in module.parameters()}
    backbone = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    groups = [{"params": list(module.parameters()), "lr": lr}]
    if backbone:
        groups.insert(0, {"params": backbone, "lr": lr * backbone_lr_scale})
    return groups
