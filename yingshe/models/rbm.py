"""Restricted Boltzmann machines and deep belief networks.

A Bernoulli RBM (Smolensky 1986; Hinton 2002) has binary visible units v and hidden units h,
energy E(v, h) = -b^T v - c^T h - h^T W v and p(v, h) proportional to exp(-E(v, h)).  Given one
layer the units of the other are independent:

    p(h_j = 1 | v) = sigma(c_j + W_j v),    p(v_i = 1 | h) = sigma(b_i + W_:i^T h),

and summing h out gives the free energy F(v) = -b^T v - sum_j softplus(c_j + W_j v), with
p(v) proportional to exp(-F(v)).  The log-likelihood gradient is
d log p(v) / dW = <h v^T>_data - <h v^T>_model; contrastive divergence (CD-k, Hinton 2002)
replaces the model expectation by the statistics after k Gibbs steps started at the data, and
persistent CD (PCD, Tieleman 2008) keeps the Gibbs chains running across updates instead.
Both are the gradient of mean F(v_data) - mean F(v_negative) with v_negative held constant,
which is how ``contrastive_divergence`` lets autograd compute them.

A deep belief network (Hinton, Osindero & Teh 2006) is trained greedily: an RBM on the data,
then an RBM on the first one's hidden probabilities, and so on; its weights then initialise a
sigmoid MLP that backpropagation fine-tunes (Hinton & Salakhutdinov 2006).  Initialisation and
monitoring follow Hinton 2010, "A Practical Guide to Training Restricted Boltzmann Machines"
(UTML TR 2010-003)."""
import itertools

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..nn import functional as F
from ..ops.creation import bernoulli, empty, from_numpy, zeros
from .mlp import MLP

__all__ = ["BernoulliRBM", "dbn_mlp"]


class BernoulliRBM(nn.Module):
    """An RBM with binary (Bernoulli) visible and hidden units.  ``weight`` (n_hidden,
    n_visible) has ``nn.Linear``'s layout, so it initialises a Linear layer as it is;
    ``visible_bias`` b and ``hidden_bias`` c.  Calling the module gives p(h = 1 | v)."""

    def __init__(self, n_visible, n_hidden, device=None, dtype=None):
        super().__init__()
        if n_visible < 1 or n_hidden < 1:
            raise ValueError(f"BernoulliRBM: n_visible ({n_visible}) and n_hidden ({n_hidden}) "
                             f"must be positive")
        self.n_visible, self.n_hidden = n_visible, n_hidden
        self.weight = nn.Parameter(empty(n_hidden, n_visible, device=device, dtype=dtype))
        self.visible_bias = nn.Parameter(zeros(n_visible, device=device, dtype=dtype))
        self.hidden_bias = nn.Parameter(zeros(n_hidden, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        """W ~ N(0, 0.01^2), biases 0 (Hinton 2010, §8)."""
        nn.init.normal_(self.weight, 0.0, 0.01)
        nn.init.zeros_(self.visible_bias)
        nn.init.zeros_(self.hidden_bias)

    def init_visible_bias(self, data, eps=1e-3):
        """b_i = log(p_i / (1 - p_i)) with p_i the fraction of training vectors with v_i on
        (Hinton 2010, §8), p clipped to [eps, 1 - eps]."""
        p = np.clip(np.asarray(data, np.float64).mean(axis=0), eps, 1.0 - eps)
        with no_grad():
            self.visible_bias.copy_(from_numpy(np.log(p / (1.0 - p)).astype(np.float32)))
        return self

    def _check(self, v):
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError(f"BernoulliRBM: expected visible vectors (N, {self.n_visible}), got "
                             f"{tuple(v.shape)}")
        return v

    def forward(self, v):
        return self.hidden_probs(v)

    def hidden_probs(self, v):
        """p(h = 1 | v) = sigma(v W^T + c), (N, n_hidden)."""
        return F.linear(self._check(v), self.weight, self.hidden_bias).sigmoid()

    def visible_probs(self, h):
        """p(v = 1 | h) = sigma(h W + b), (N, n_visible)."""
        return (h @ self.weight + self.visible_bias).sigmoid()

    def energy(self, v, h):
        """E(v, h) = -b^T v - c^T h - h^T W v per row."""
        self._check(v)
        return -(v @ self.visible_bias) - (h @ self.hidden_bias) - \
            (F.linear(v, self.weight) * h).sum(dim=1)

    def free_energy(self, v):
        """F(v) = -b^T v - sum_j softplus(c_j + W_j v) per row: -log sum_h exp(-E(v, h))."""
        return -(self._check(v) @ self.visible_bias) - \
            F.softplus(F.linear(v, self.weight, self.hidden_bias)).sum(dim=1)

    def gibbs(self, v, steps=1):
        """``steps`` alternating Gibbs steps v -> h ~ p(h | v) -> v ~ p(v | h), without
        gradients; returns (p(v | h) of the last step, the visible sample drawn from it)."""
        with no_grad():
            for _ in range(steps):
                probs = self.visible_probs(bernoulli(self.hidden_probs(v)))
                v = bernoulli(probs)
        return probs, v

    def contrastive_divergence(self, v, k=1, chain=None):
        """The CD-k (or, given the persistent ``chain`` of visible samples, PCD-k) surrogate
        loss mean F(v) - mean F(v_k), whose gradient is -(<p(h|v) v^T> - <p(h|v_k) v_k^T>)
        for W (and likewise for the biases); v_k, the visible probabilities after k Gibbs steps
        from the data (CD) or from the chain (PCD), is held constant.  Returns (loss, v_k,
        the new chain state)."""
        start = self._check(v) if chain is None else chain
        negative, sample = self.gibbs(start, k)
        loss = self.free_energy(v).mean() - self.free_energy(negative).mean()
        return loss, negative, sample


def dbn_mlp(rbms, num_classes=10):
    """A sigmoid MLP whose hidden layers are the stacked RBMs' recognition weights W and
    hidden biases c (Hinton & Salakhutdinov 2006): layer l computes sigma(W_l x + c_l) =
    p(h_l = 1 | x), and a new linear output layer (PyTorch's default initialisation) gives
    the logits."""
    for lower, upper in itertools.pairwise(rbms):
        if upper.n_visible != lower.n_hidden:
            raise ValueError(f"dbn_mlp: an RBM with {upper.n_visible} visible units cannot sit "
                             f"on one with {lower.n_hidden} hidden units")
    model = MLP(rbms[0].n_visible, tuple(r.n_hidden for r in rbms), num_classes,
                activation="sigmoid")
    linears = [m for m in model.layers if isinstance(m, nn.Linear)]
    with no_grad():
        for layer, rbm in zip(linears, rbms):
            layer.weight.copy_(rbm.weight)
            layer.bias.copy_(rbm.hidden_bias)
    return model
