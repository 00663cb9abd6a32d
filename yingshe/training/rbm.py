"""Training restricted Boltzmann machines by contrastive divergence, and a deep belief network
layer by layer (Hinton 2002; Hinton, Osindero & Teh 2006), with the settings of Hinton 2010,
"A Practical Guide to Training Restricted Boltzmann Machines": mini-batches of 100, SGD with
momentum 0.5 for the first epoch and 0.9 after it, an L2 weight cost on W only, and the
reconstruction error and the free energies of training and held-out data as monitors (§5, §6)."""
import time

import numpy as np

from .. import optim
from ..autograd import no_grad
from ..models.rbm import BernoulliRBM
from ..ops.creation import from_numpy
from .trainer import check_finite

__all__ = ["train_rbm", "pretrain_dbn", "hidden_features"]

MONITOR = 1000  # vectors used for the per-epoch monitors


def _monitors(rbm, train, held_out):
    """Reconstruction error (squared, per vector) of one Gibbs step from the first ``MONITOR``
    training vectors, and the mean free energies of those and of held-out vectors: a held-out
    free energy rising above the training one is the guide's sign of overfitting (§6)."""
    with no_grad():
        v = from_numpy(train[:MONITOR])
        row = {"reconstruction_error": float(((rbm.gibbs(v, 1)[0] - v) ** 2).sum(dim=1).mean()),
               "free_energy_train": float(rbm.free_energy(v).mean())}
        if held_out is not None:
            row["free_energy_held_out"] = float(rbm.free_energy(
                from_numpy(held_out[:MONITOR])).mean())
    return row


def train_rbm(rbm, data, epochs=5, batch_size=100, lr=0.1, k=1, persistent=False,
              momentum=(0.5, 0.9), weight_decay=2e-4, held_out=None, seed=0, log=print):
    """Train ``rbm`` on ``data`` ((N, n_visible) float32 in [0, 1], grey levels used as
    probabilities) by CD-k, or PCD-k with ``persistent`` (chains of ``batch_size`` visible
    samples started at the first batch).  The data are shuffled each epoch with ``seed``;
    the Gibbs samples use the framework generator (``yingshe.manual_seed``).  Returns the
    history: one row of monitors (see ``_monitors``) per epoch."""
    data = np.asarray(data, np.float32)
    if data.ndim != 2 or data.shape[1] != rbm.n_visible:
        raise ValueError(f"train_rbm: data must be (N, {rbm.n_visible}), got {data.shape}")
    if epochs < 1 or batch_size < 1 or k < 1:
        raise ValueError(f"train_rbm: epochs ({epochs}), batch_size ({batch_size}) and k ({k}) "
                         f"must be at least 1")
    optimizer = optim.SGD([{"params": [rbm.weight], "weight_decay": weight_decay},
                           {"params": [rbm.visible_bias, rbm.hidden_bias]}],
                          lr=lr, momentum=momentum[0])
    rng = np.random.default_rng(seed)
    chain, history = None, []
    for epoch in range(1, epochs + 1):
        for group in optimizer.param_groups:
            group["momentum"] = momentum[0] if epoch == 1 else momentum[1]
        start = time.perf_counter()
        order = rng.permutation(len(data))
        for step, begin in enumerate(range(0, len(data), batch_size)):
            v = from_numpy(data[order[begin:begin + batch_size]])
            if persistent and chain is None:
                chain = v
            loss, _, sample = rbm.contrastive_divergence(v, k, chain if persistent else None)
            chain = sample if persistent else None
            optimizer.zero_grad()
            loss.backward()
            check_finite(loss, "CD loss", epoch=epoch, step=step + 1)
            optimizer.step()
        row = {"epoch": epoch, **_monitors(rbm, data, held_out),
               "seconds": round(time.perf_counter() - start, 1)}
        history.append(row)
        log(f"RBM {rbm.n_visible}-{rbm.n_hidden} epoch {epoch}: reconstruction error "
            f"{row['reconstruction_error']:.2f}, free energy train {row['free_energy_train']:.1f}"
            + (f" held-out {row['free_energy_held_out']:.1f}" if held_out is not None else "")
            + f" ({row['seconds']} s)")
    return history


def hidden_features(rbm, data, batch_size=1000):
    """p(h = 1 | v) for every row of ``data``, as a float32 array (the next RBM's data)."""
    with no_grad():
        return np.concatenate([rbm.hidden_probs(from_numpy(np.asarray(
            data[i:i + batch_size], np.float32))).numpy() for i in range(0, len(data),
                                                                       batch_size)])


def pretrain_dbn(data, hidden_sizes, held_out=None, log=print, **options):
    """Greedy layer-wise pretraining (Hinton, Osindero & Teh 2006): an RBM per entry of
    ``hidden_sizes``, each trained (``train_rbm(**options)``) on the hidden probabilities of the
    one below; the first gets its visible biases from the data (Hinton 2010, §8).  Returns
    (rbms, histories)."""
    rbms, histories = [], []
    for size in hidden_sizes:
        rbm = BernoulliRBM(data.shape[1], size)
        if not rbms:
            rbm.init_visible_bias(data)
        histories.append(train_rbm(rbm, data, held_out=held_out, log=log, **options))
        rbms.append(rbm)
        data = hidden_features(rbm, data)
        held_out = None if held_out is None else hidden_features(rbm, held_out)
    return rbms, histories
