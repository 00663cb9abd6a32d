"""Recommenders for user-item data (MovieLens; Harper & Konstan 2015):

* ``BiasedMF``: r_ui = mu + b_u + b_i + q_i . p_u, the latent factor model of the Netflix
  Prize (Koren, Bell & Volinsky 2009, "Matrix factorization techniques for recommender
  systems", IEEE Computer 42(8), eq. 4), optionally with user attributes
  p_u + sum_{a in A(u)} y_a (their eq. 6), for explicit ratings;
* ``GMF``, ``MLPRecommender`` and ``NeuMF``: neural collaborative filtering (He, Liao, Zhang,
  Nie, Hu & Chua 2017, "Neural Collaborative Filtering", WWW, §3.2-3.4), logits of
  y_ui = 1 for implicit feedback;
* ``IAutoRec``: the item-based autoencoder (Sedhain, Menon, Sanner & Xie 2015, "AutoRec:
  Autoencoders Meet Collaborative Filtering", WWW), which reconstructs each item's vector of
  ratings by all users from its observed entries."""
from itertools import pairwise

import numpy as np

from .. import nn
from ..nn import init
from ..ops._compiled import kernels
from ..ops.creation import from_numpy, tensor
from ..ops.shape import cat
from ..optim.sparse_adam import SparseAdam, initial_state

__all__ = ["BiasedMF", "CompiledMFStep", "GMF", "MLPRecommender", "NeuMF", "IAutoRec", "implicit_loss"]


class BiasedMF(nn.Module):
    """r_ui = mu + b_u + b_i + q_i . p_u (Koren, Bell & Volinsky 2009, eq. 4), trained on

        sum over known (u, i) of (r_ui - r_ui^)^2 + lambda (|q_i|^2 + |p_u|^2 + b_u^2 + b_i^2)

    (their eq. 5) with the penalty on the rows each rating touches (``forward_with_penalty``),
    so that sparse gradients (``sparse=True``, ``optim.SparseAdam``) touch only those rows.

    With ``user_attributes`` (int64 (num_users, A): indices of each user's A attributes, e.g.
    gender, age band, occupation, among ``num_attributes``) the user factor becomes
    p_u + sum_{a in A(u)} y_a (their eq. 6), one ``EmbeddingBag`` sum per batch of users, and
    the penalty gains sum_{a in A(u)} |y_a|^2.  Factors start ~ N(0, ``init_std``^2), biases
    at 0; ``global_mean`` is mu, the training ratings' mean."""

    def __init__(self, num_users, num_items, factors=64, global_mean=0.0, init_std=0.1,
                 sparse=True, user_attributes=None, num_attributes=None):
        super().__init__()
        self.num_users, self.num_items, self.factors = num_users, num_items, factors
        self.user_factors = nn.Embedding(num_users, factors, sparse=sparse)
        self.item_factors = nn.Embedding(num_items, factors, sparse=sparse)
        self.user_bias = nn.Embedding(num_users, 1, sparse=sparse)
        self.item_bias = nn.Embedding(num_items, 1, sparse=sparse)
        for table in (self.user_factors, self.item_factors):
            init.normal_(table.weight, 0.0, init_std)
        for table in (self.user_bias, self.item_bias):
            init.zeros_(table.weight)
        self.register_buffer("global_mean", tensor(float(global_mean)))
        self.with_attributes = user_attributes is not None
        if self.with_attributes:
            attributes = np.asarray(user_attributes, np.int64)
            if attributes.ndim != 2 or len(attributes) != num_users:
                raise ValueError(f"BiasedMF: user_attributes must be (num_users, A) = "
                                 f"({num_users}, A) indices, got shape {attributes.shape}")
            if num_attributes is None or not 0 <= attributes.min() <= attributes.max() < \
                    num_attributes:
                raise ValueError(f"BiasedMF: user_attributes span [{attributes.min()}, "
                                 f"{attributes.max()}], outside num_attributes = "
                                 f"{num_attributes}")
            self.attribute_factors = nn.EmbeddingBag(num_attributes, factors, mode="sum",
                                                     sparse=sparse)
            init.normal_(self.attribute_factors.weight, 0.0, init_std)
            self.register_buffer("user_attributes", from_numpy(attributes))

    def forward_with_penalty(self, users, items):
        """(predictions r_ui^, per-rating penalty |q_i|^2 + |p_u|^2 + b_u^2 + b_i^2 (+ the
        attributes' sum_a |y_a|^2)) for int64 tensors ``users`` and ``items`` of equal
        length."""
        p, q = self.user_factors(users), self.item_factors(items)
        b_u, b_i = self.user_bias(users)[:, 0], self.item_bias(items)[:, 0]
        penalty = (p * p).sum(1) + (q * q).sum(1) + b_u * b_u + b_i * b_i
        if self.with_attributes:
            attributes = self.user_attributes[users]  # (batch, A): fixed-size bags
            p = p + self.attribute_factors(attributes)
            y = nn.functional.embedding(attributes, self.attribute_factors.weight,
                                        sparse=self.attribute_factors.sparse)
            penalty = penalty + (y * y).sum((1, 2))
        return self.global_mean + b_u + b_i + (p * q).sum(1), penalty

    def forward(self, users, items):
        return self.forward_with_penalty(users, items)[0]


class CompiledMFStep:
    """Minibatch steps of ``BiasedMF`` under SparseAdam in one compiled kernel (numba, the
    ``fast`` extra; ``ops/_mf_kernel.py``): for the ratings r_k of (u_k, i_k), k = 1..n, of a
    batch,

        L = (1/n) sum_k (r^_k - r_k)^2 + reg (1/n) sum_k (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2)

    (Koren, Bell & Volinsky 2009, eq. 5, averaged over the batch, as the ``mf`` recipe writes
    it with ``forward_with_penalty``), its gradient on the rows the batch looked up, and
    ``optimizer``'s lazy Adam update of those rows (duplicates coalesced, moments of those
    rows only): what ``forward_with_penalty``, ``backward`` and ``optimizer.step()`` compute,
    to float rounding, without building and walking a graph of a dozen small ops per batch.
    A call runs the steps of a whole sequence of batches (an epoch), so Python is not entered
    between them either.

    The state stays the optimizer's (step counts and moments in ``optimizer.state``; the
    learning rate and betas read from its groups at every call, so a scheduler sets them from
    outside), so checkpoints are the same and either path resumes the other's.  The plain
    model only (no user attributes), on NumPy float32/float64 with numba installed and not
    switched off (``YINGSHE_NUMBA=0``): ``refusal`` says why not otherwise.

    Examples:
        >>> import numpy as np
        >>> import yingshe
        >>> from yingshe.models.recommender import BiasedMF, CompiledMFStep
        >>> model = BiasedMF(num_users=3, num_items=4, factors=2, global_mean=3.0)
        >>> CompiledMFStep.refusal(model, yingshe.optim.Adam(model.parameters()))
        "it implements SparseAdam's update, not Adam's"
        >>> optimizer = yingshe.optim.SparseAdam(model.parameters(), lr=0.01)
        >>> step = CompiledMFStep(model, optimizer, reg=0.1)     # needs numba
        >>> squared_errors, penalties = step(np.array([0, 2, 2]), np.array([1, 1, 3]),
        ...                                  np.array([4.0, 5.0, 5.0]))   # one batch
        >>> optimizer.state[model.item_bias.weight]["step"]
        1
        >>> model.item_bias.weight.detach().numpy()[:, 0].round(4)   # rows 1, 3 moved by lr
        array([0.  , 0.01, 0.  , 0.01], dtype=float32)
    """

    def __init__(self, model, optimizer, reg):
        reason = self.refusal(model, optimizer)
        if reason is not None:
            raise ValueError(f"CompiledMFStep: {reason}")
        self.model, self.optimizer, self.reg = model, optimizer, float(reg)
        self.tables = (model.user_factors.weight, model.item_factors.weight,
                       model.user_bias.weight, model.item_bias.weight)
        self.kernel = kernels(*(table._data for table in self.tables)).biased_mf_sparse_adam
        self.user_slot = np.full(model.num_users, -1, np.int64)  # the kernel's scratch
        self.item_slot = np.full(model.num_items, -1, np.int64)
        self._compile()

    def _compile(self):
        """Compile the kernel for these tables now, or load it from numba's cache (the first
        time ~8 s, then numba's start in each process, 0.5-1 s), rather than in the first
        step: a call on no ratings, with the tables standing in for their moments."""
        tables, nothing = tuple(table._data for table in self.tables), np.empty(0)
        ids = np.empty(0, np.int64)
        self.kernel(ids, ids, np.empty(0, tables[0].dtype), 1, 0.0, 0.0, tables, tables,
                    tables, np.zeros(4, np.int64), np.zeros((4, 4)), self.user_slot,
                    self.item_slot, nothing, nothing)

    @staticmethod
    def refusal(model, optimizer):
        """Why ``CompiledMFStep`` cannot train ``model`` with ``optimizer``; None when it
        can."""
        if not isinstance(model, BiasedMF):
            return f"it trains a BiasedMF, not a {type(model).__name__}"
        if model.with_attributes:
            return "it covers the plain biased MF, not user attributes (features)"
        if not isinstance(optimizer, SparseAdam):
            return f"it implements SparseAdam's update, not {type(optimizer).__name__}'s"
        groups = {id(p): group for group in optimizer.param_groups for p in group["params"]}
        if any(id(p) not in groups for p in model.parameters()):
            return "the optimizer does not hold all four tables of the model"
        if any(groups[id(p)]["maximize"] for p in model.parameters()):
            return "maximize=True is not implemented"
        arrays = [p._data for p in model.parameters()]
        if len({a.dtype for a in arrays}) != 1 or kernels(*arrays) is None:
            return ("numba is not installed (the fast extra), it is switched off "
                    "(YINGSHE_NUMBA=0), or the tables are not NumPy float32/float64 arrays of "
                    f"one dtype ({', '.join(sorted({str(a.dtype) for a in arrays}))} on "
                    f"{model.user_factors.weight.device})")
        return None

    def __call__(self, users, items, ratings, batch_size=None):
        """Steps on the consecutive batches of ``batch_size`` ratings (default: all of them, one
        step) of ``ratings`` by (``users``, ``items``): equal-length 1-D sequences, integer ids
        from 0.  Returns (mean squared errors, mean penalties), float64 arrays with an entry
        per batch stepped, before its update.  A batch whose objective is not finite stops
        the steps before its update and is the last entry (the caller stops:
        ``training.check_finite``)."""
        users, items, ratings = (np.asarray(a) for a in (users, items, ratings))
        if not (users.ndim == items.ndim == ratings.ndim == 1
                and len(users) == len(items) == len(ratings) > 0):
            raise ValueError(f"CompiledMFStep: users, items and ratings must be 1-D of one "
                             f"non-zero length, got shapes {users.shape}, {items.shape}, "
                             f"{ratings.shape}")
        if users.dtype.kind not in "iu" or items.dtype.kind not in "iu":
            raise TypeError(f"CompiledMFStep: user and item ids must be integers, got dtypes "
                            f"{users.dtype} and {items.dtype}")
        batch_size = len(users) if batch_size is None else batch_size
        if batch_size < 1:
            raise ValueError(f"CompiledMFStep: batch_size must be at least 1, got {batch_size}")
        batches = -(-len(users) // batch_size)
        squared, penalties = np.empty(batches), np.empty(batches)
        groups = {id(p): group for group in self.optimizer.param_groups
                  for p in group["params"]}
        groups = [groups[id(table)] for table in self.tables]
        states = [self.optimizer.state[table] for table in self.tables]
        for table, state in zip(self.tables, states):
            if not state:
                state.update(initial_state(table._data))
        done, bad = self.kernel(
            np.ascontiguousarray(users, np.int64), np.ascontiguousarray(items, np.int64),
            np.ascontiguousarray(ratings, self.tables[0]._data.dtype), batch_size,
            float(self.model.global_mean._data), self.reg,
            tuple(table._data for table in self.tables),
            tuple(state["exp_avg"]._data for state in states),
            tuple(state["exp_avg_sq"]._data for state in states),
            np.array([state["step"] for state in states], np.int64),
            np.array([[group["lr"], *group["betas"], group["eps"]] for group in groups],
                     np.float64),
            self.user_slot, self.item_slot, squared, penalties)
        if bad >= 0:
            raise IndexError(f"CompiledMFStep: rating {bad} has user {users[bad]} and item "
                             f"{items[bad]}, but the model has users 0-"
                             f"{self.model.num_users - 1} and items 0-{self.model.num_items - 1}")
        for table, state in zip(self.tables, states):
            state["step"] += done
            table._bump_version()
        return squared[:done + (done < batches)], penalties[:done + (done < batches)]


def _init_tower(linear):
    """Glorot-uniform weights and zero biases, the Keras defaults He et al.'s code used."""
    init.xavier_uniform_(linear.weight)
    init.zeros_(linear.bias)


def _init_prediction(linear):
    """LeCun-uniform weights U(+-sqrt(3 / fan_in)) and a zero bias (He et al.'s prediction
    layer)."""
    init.kaiming_uniform_(linear.weight, nonlinearity="linear")
    init.zeros_(linear.bias)


def _embeddings(num_users, num_items, size):
    """A (user, item) pair of embeddings ~ N(0, 0.01^2), as He et al. initialise them."""
    user, item = nn.Embedding(num_users, size), nn.Embedding(num_items, size)
    for table in (user, item):
        init.normal_(table.weight, 0.0, 0.01)
    return user, item


def _tower(layers):
    """ReLU layers layers[0] -> layers[1] -> ... (He et al. 2017, eq. 10)."""
    if len(layers) < 2 or layers[0] % 2:
        raise ValueError(f"MLP tower: need at least two layer sizes, the first even (the user "
                         f"and item embeddings are half of it each), got {list(layers)}")
    modules = []
    for width, size in pairwise(layers):
        linear = nn.Linear(width, size)
        _init_tower(linear)
        modules += [linear, nn.ReLU()]
    return nn.Sequential(*modules)


class GMF(nn.Module):
    """Generalised matrix factorisation (He et al. 2017, eq. 9): the logit of y_ui is
    h . (p_u * q_i) + b, with embeddings of ``factors`` numbers (without the prediction layer
    h, b when ``prediction`` is False: NeuMF's GMF part)."""

    def __init__(self, num_users, num_items, factors=8, prediction=True):
        super().__init__()
        self.factors = factors
        self.user_embedding, self.item_embedding = _embeddings(num_users, num_items, factors)
        if prediction:
            self.predict = nn.Linear(factors, 1)
            _init_prediction(self.predict)

    def features(self, users, items):
        return self.user_embedding(users) * self.item_embedding(items)

    def forward(self, users, items):
        return self.predict(self.features(users, items))[:, 0]


class MLPRecommender(nn.Module):
    """The MLP of neural collaborative filtering (He et al. 2017, eq. 10): the user and item
    embeddings (layers[0] / 2 numbers each) concatenated, ReLU layers ``layers`` (a tower
    halving its width, 64 -> 32 -> 16 -> 8 by default), then h . z + b, the logit of y_ui
    (without h, b when ``prediction`` is False: NeuMF's MLP part)."""

    def __init__(self, num_users, num_items, layers=(64, 32, 16, 8), prediction=True):
        super().__init__()
        self.layers = tuple(layers)
        self.tower = _tower(self.layers)
        self.user_embedding, self.item_embedding = _embeddings(num_users, num_items,
                                                               self.layers[0] // 2)
        if prediction:
            self.predict = nn.Linear(self.layers[-1], 1)
            _init_prediction(self.predict)

    def features(self, users, items):
        return self.tower(cat([self.user_embedding(users), self.item_embedding(items)], 1))

    def forward(self, users, items):
        return self.predict(self.features(users, items))[:, 0]


class NeuMF(nn.Module):
    """Neural matrix factorisation (He et al. 2017, eq. 11-12): a GMF and an MLP with their
    own embeddings, their last layers concatenated into one prediction layer, the logit of
    y_ui.  ``load_pretrained`` starts it from trained GMF and MLP models (§3.4.1)."""

    def __init__(self, num_users, num_items, factors=8, layers=(64, 32, 16, 8)):
        super().__init__()
        self.gmf = GMF(num_users, num_items, factors, prediction=False)
        self.mlp = MLPRecommender(num_users, num_items, layers, prediction=False)
        self.predict = nn.Linear(factors + self.mlp.layers[-1], 1)
        _init_prediction(self.predict)

    def forward(self, users, items):
        both = cat([self.gmf.features(users, items), self.mlp.features(users, items)], 1)
        return self.predict(both)[:, 0]

    def load_pretrained(self, gmf, mlp, alpha=0.5):
        """Copy the embeddings and layers of a trained ``GMF`` and ``MLPRecommender`` and set
        the prediction layer to [alpha h_GMF, (1 - alpha) h_MLP] with bias
        alpha b_GMF + (1 - alpha) b_MLP (He et al. 2017, §3.4.1)."""
        gmf_state = {k: v for k, v in gmf.state_dict().items() if not k.startswith("predict.")}
        mlp_state = {k: v for k, v in mlp.state_dict().items() if not k.startswith("predict.")}
        self.gmf.load_state_dict(gmf_state)
        self.mlp.load_state_dict(mlp_state)
        weight = np.concatenate([alpha * gmf.predict.weight.detach().numpy(),
                                 (1 - alpha) * mlp.predict.weight.detach().numpy()], axis=1)
        bias = alpha * gmf.predict.bias.detach().numpy() + \
            (1 - alpha) * mlp.predict.bias.detach().numpy()
        dtype = self.predict.weight.detach().numpy().dtype
        self.predict.weight.data = from_numpy(weight.astype(dtype))
        self.predict.bias.data = from_numpy(bias.astype(dtype))
        return self


def implicit_loss(logits, labels):
    """He et al.'s (2017, eq. 7) binary cross-entropy of logits x against labels y in {0, 1},
    averaged: log(1 + e^x) - y x = softplus(x) - y x, whose gradient sigmoid(x) - y is exact
    everywhere (the logit of a user whose MLP features are all zero is exactly 0 at times)."""
    return (nn.functional.softplus(logits) - labels * logits).mean()


class IAutoRec(nn.Module):
    """I-AutoRec (Sedhain et al. 2015, eq. 2): item i's ratings r_i in R^users (0 where
    unknown) are reconstructed as h(r_i) = W sigmoid(V r_i + mu) + b (identity output), and the
    reconstruction of the known entries is fitted with the penalty (lambda / 2)(|W|^2 + |V|^2)
    (their eq. 3; ``penalty`` is |W|^2 + |V|^2).  The prediction of r_ui is h(r_i)_u.
    ``dropout`` on the hidden code is a regulariser the paper does not use (0 by default)."""

    def __init__(self, num_users, hidden=500, dropout=0.0):
        super().__init__()
        self.encoder = nn.Linear(num_users, hidden)
        self.decoder = nn.Linear(hidden, num_users)
        self.dropout = nn.Dropout(dropout)

    def forward(self, ratings):
        return self.decoder(self.dropout(self.encoder(ratings).sigmoid()))

    def penalty(self):
        return (self.encoder.weight ** 2).sum() + (self.decoder.weight ** 2).sum()
