"""yingshe.distributions against torch.distributions: log_prob, entropy, cdf, KL divergences and
their gradients exactly (check_op: float64 rtol 1e-7, plus gradcheck); rsample's gradients with
the same noise; sample shapes and moments on seeded runs; argument validation."""
import math
import re
import warnings

import numpy as np
import pytest
import torch
import torch.distributions as TD

import yingshe
import yingshe.distributions as D
from helpers import check_op, check_raises

rng = np.random.default_rng(0)


def _spd(*shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _positive(*shape):
    return rng.random(shape) + 0.5


def _dist(name, *params, **kwargs):
    """distributions.<name>(*params, **kwargs) from the library of the first parameter."""
    first = (list(params) + list(kwargs.values()))[0]
    library = D if isinstance(first, (yingshe.Tensor, D.Distribution)) else TD
    return getattr(library, name)(*params, **kwargs)


def _kl(p, q):
    return (D if isinstance(p, D.Distribution) else TD).kl_divergence(p, q)


def _same_noise(draw, dtype, shape):
    """The noise yingshe's rsample used (re-drawn from the same seed), for torch's formula."""
    yingshe.manual_seed(7)
    return draw(yingshe.zeros(*shape, dtype=getattr(yingshe, dtype))).numpy()


# ---- Normal ------------------------------------------------------------------------------------
def test_normal_log_prob_entropy_cdf_icdf():
    loc, scale = rng.standard_normal((2, 3)), _positive(3)
    value = rng.standard_normal((4, 2, 3))
    check_op(lambda m, s, v: _dist("Normal", m, s).log_prob(v),
             lambda m, s, v: _dist("Normal", m, s).log_prob(v), [loc, scale, value])
    check_op(lambda m, s: _dist("Normal", m, s).entropy(),
             lambda m, s: _dist("Normal", m, s).entropy(), [loc, scale])
    check_op(lambda m, s, v: _dist("Normal", m, s).cdf(v),
             lambda m, s, v: _dist("Normal", m, s).cdf(v), [loc, scale, value])
    check_op(lambda m, s, p: _dist("Normal", m, s).icdf(p),
             lambda m, s, p: _dist("Normal", m, s).icdf(p), [loc, scale, rng.random((2, 3))])


def test_normal_moments_and_shapes():
    loc, scale = rng.standard_normal(3), _positive(3)
    for attr in ("mean", "mode", "stddev", "variance"):
        check_op(lambda m, s: getattr(_dist("Normal", m, s), attr),
                 lambda m, s: getattr(_dist("Normal", m, s), attr), [loc, scale])
    check_op(lambda m, s: _dist("Normal", m, s).perplexity(),
             lambda m, s: _dist("Normal", m, s).perplexity(), [loc, scale])
    d = D.Normal(0.0, 1.0)
    assert d.batch_shape == () and d.event_shape == () and d.loc.dtype == yingshe.float32
    d = D.Normal(yingshe.zeros(2, 1, dtype=yingshe.float64), yingshe.ones(3, dtype=yingshe.float64))
    assert d.batch_shape == (2, 3) and d.sample((5,)).shape == (5, 2, 3)
    assert d.sample().dtype == yingshe.float64 and d.rsample((4, 1)).shape == (4, 1, 2, 3)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_normal_rsample_is_reparameterised(dtype):
    """x = loc + eps * scale: gradients reach loc and scale, as torch's formula with the same
    eps gives them (Kingma & Welling 2014)."""
    loc, scale = rng.standard_normal((2, 3)), _positive(2, 3)
    eps = _same_noise(lambda z: D.Normal(z, 1.0).rsample((5,)), dtype, (2, 3))

    def ours(m, s):
        yingshe.manual_seed(7)
        return D.Normal(m, s).rsample((5,))

    check_op(ours, lambda m, s: m + torch.from_numpy(eps) * s, [loc, scale], dtypes=(dtype,),
             check_gradcheck=False, check_gradgrad=False)
    m = yingshe.from_numpy(loc).requires_grad_()
    assert D.Normal(m, 1.0).rsample().requires_grad
    assert not D.Normal(m, 1.0).sample().requires_grad


def test_normal_samples_have_the_right_moments():
    yingshe.manual_seed(0)
    loc, scale = np.array([1.0, -2.0]), np.array([0.5, 2.0])
    n = 40_000
    x = D.Normal(yingshe.from_numpy(loc), yingshe.from_numpy(scale)).sample((n,)).numpy()
    assert np.all(np.abs(x.mean(0) - loc) < 5 * scale / math.sqrt(n))
    # the sample variance's standard error is about sigma^2 sqrt(2 / n)
    assert np.all(np.abs(x.var(0) - scale ** 2) < 5 * scale ** 2 * math.sqrt(2 / n))


def test_sampling_follows_manual_seed():
    d = D.Normal(yingshe.zeros(3), yingshe.ones(3))
    yingshe.manual_seed(3)
    first = d.sample((2,)).numpy()
    yingshe.manual_seed(3)
    np.testing.assert_array_equal(first, d.sample((2,)).numpy())


# ---- Bernoulli ---------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["probs", "logits"])
def test_bernoulli(by):
    param = rng.random((2, 3)) if by == "probs" else 3 * rng.standard_normal((2, 3))
    value = (rng.random((5, 2, 3)) < 0.5).astype(np.float64)
    check_op(lambda p, v: _dist("Bernoulli", **{by: p}).log_prob(v),
             lambda p, v: _dist("Bernoulli", **{by: p}).log_prob(v), [param, value],
             requires_grad=[True, False])
    for attr in ("mean", "variance", "probs", "logits"):
        check_op(lambda p: getattr(_dist("Bernoulli", **{by: p}), attr),
                 lambda p: getattr(_dist("Bernoulli", **{by: p}), attr), [param])
    check_op(lambda p: _dist("Bernoulli", **{by: p}).entropy(),
             lambda p: _dist("Bernoulli", **{by: p}).entropy(), [param])


def test_bernoulli_large_logits_stay_accurate():
    logits = np.array([-40.0, -25.0, 0.0, 25.0, 40.0])
    for value in (np.zeros(5), np.ones(5)):
        check_op(lambda x, v: _dist("Bernoulli", logits=x).log_prob(v),
                 lambda x, v: _dist("Bernoulli", logits=x).log_prob(v), [logits, value],
                 requires_grad=[True, False], dtypes=("float64",))


def test_bernoulli_mode_support_and_samples():
    probs = np.array([0.5, 0.2, 0.9])
    check_op(lambda p: _dist("Bernoulli", p).mode, lambda p: _dist("Bernoulli", p).mode, [probs],
             grad=False)
    for expand in (True, False):
        check_op(lambda p: _dist("Bernoulli", p).enumerate_support(expand),
                 lambda p: _dist("Bernoulli", p).enumerate_support(expand), [probs], grad=False)
    yingshe.manual_seed(0)
    n = 40_000
    x = D.Bernoulli(yingshe.from_numpy(probs)).sample((n,))
    assert x.shape == (n, 3) and x.dtype == yingshe.float64
    assert set(np.unique(x.numpy())) <= {0.0, 1.0}
    assert np.all(np.abs(x.numpy().mean(0) - probs) < 5 * np.sqrt(probs * (1 - probs) / n))
    assert D.Bernoulli(0.3).batch_shape == ()
    check_raises(lambda: D.Bernoulli(0.3).rsample(), NotImplementedError, "rsample")


# ---- Categorical -------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["probs", "logits"])
def test_categorical(by):
    param = rng.random((2, 4)) + 0.1 if by == "probs" else rng.standard_normal((2, 4))
    value = np.array([[0, 3], [1, 2], [3, 3]])
    check_op(lambda p, v: _dist("Categorical", **{by: p}).log_prob(v),
             lambda p, v: _dist("Categorical", **{by: p}).log_prob(v), [param, value])
    for attr in ("probs", "logits"):
        check_op(lambda p: getattr(_dist("Categorical", **{by: p}), attr),
                 lambda p: getattr(_dist("Categorical", **{by: p}), attr), [param])
    check_op(lambda p: _dist("Categorical", **{by: p}).entropy(),
             lambda p: _dist("Categorical", **{by: p}).entropy(), [param])


def test_categorical_zero_probabilities_moments_and_support():
    probs = np.array([[0.2, 0.0, 0.8], [0.5, 0.25, 0.25]])
    check_op(lambda p: _dist("Categorical", p).entropy(),
             lambda p: _dist("Categorical", p).entropy(), [probs], check_gradcheck=False,
             check_gradgrad=False)
    for attr in ("mean", "variance", "mode"):
        check_op(lambda p: getattr(_dist("Categorical", p), attr),
                 lambda p: getattr(_dist("Categorical", p), attr), [probs], grad=False)
    for expand in (True, False):
        check_op(lambda p: _dist("Categorical", p).enumerate_support(expand),
                 lambda p: _dist("Categorical", p).enumerate_support(expand), [probs],
                 grad=False)
    assert repr(D.Categorical(yingshe.ones(3)).support) == repr(TD.Categorical(
        torch.ones(3)).support)


def test_categorical_samples_have_the_right_frequencies():
    yingshe.manual_seed(0)
    probs = np.array([[0.1, 0.0, 0.9], [0.5, 0.25, 0.25]])
    n = 40_000
    x = D.Categorical(yingshe.from_numpy(probs)).sample((n,))
    assert x.shape == (n, 2) and x.dtype == yingshe.int64
    for row in range(2):
        frequencies = np.bincount(x.numpy()[:, row], minlength=3) / n
        assert np.all(np.abs(frequencies - probs[row]) < 5 * np.sqrt(probs[row] / n) + 1e-12)
    assert D.Categorical(yingshe.ones(2, 5)).sample((3, 4)).shape == (3, 4, 2)


# ---- MultivariateNormal ------------------------------------------------------------------------
MVN_FORMS = ["covariance_matrix", "precision_matrix", "scale_tril"]


def _mvn_matrix(form, *batch):
    matrix = _spd(*batch, 3, 3)
    return np.linalg.cholesky(matrix) if form == "scale_tril" else matrix


def _mvn(loc, form, matrix, **kwargs):
    """MultivariateNormal(loc, form=matrix), the matrix made symmetric (or lower triangular for
    scale_tril) so that finite differences stay valid parameters: the gradient then matches
    the one PyTorch gives the raw matrix on its triangle."""
    if form == "scale_tril":
        n = matrix.shape[-1]
        mask = matrix.new_tensor(np.tril(np.ones((n, n))))
        matrix = matrix * mask
    else:
        matrix = (matrix + matrix.mT) / 2
    return _dist("MultivariateNormal", loc, **{form: matrix}, **kwargs)


@pytest.mark.parametrize("form", MVN_FORMS)
def test_multivariate_normal(form):
    loc, matrix = rng.standard_normal(3), _mvn_matrix(form, 2)
    value = rng.standard_normal((4, 1, 3))
    check_op(lambda m, c, v: _mvn(m, form, c).log_prob(v),
             lambda m, c, v: _mvn(m, form, c).log_prob(v), [loc, matrix, value],
             check_gradgrad=False)
    check_op(lambda m, c: _mvn(m, form, c).entropy(), lambda m, c: _mvn(m, form, c).entropy(),
             [loc, matrix])
    for attr in ("covariance_matrix", "precision_matrix", "scale_tril", "variance", "mean"):
        check_op(lambda m, c: getattr(_mvn(m, form, c), attr),
                 lambda m, c: getattr(_mvn(m, form, c), attr), [loc, matrix],
                 check_gradgrad=False)
    raw = _mvn_matrix(form, 2)  # the gradient PyTorch gives an unsymmetrised matrix
    check_op(lambda c: _dist("MultivariateNormal", c.new_tensor(loc), **{form: c}).log_prob(
        c.new_tensor(value)), lambda c: _dist("MultivariateNormal", c.new_tensor(loc),
                                              **{form: c}).log_prob(c.new_tensor(value)),
             [raw], check_gradcheck=False, check_gradgrad=False)


def test_multivariate_normal_shapes_and_rsample():
    loc, cov = rng.standard_normal((4, 1, 3)), _spd(2, 3, 3)
    d = D.MultivariateNormal(yingshe.from_numpy(loc), yingshe.from_numpy(cov))
    assert d.batch_shape == (4, 2) and d.event_shape == (3,)
    assert d.sample((5,)).shape == (5, 4, 2, 3)
    tril = np.linalg.cholesky(cov)
    eps = _same_noise(lambda z: D.MultivariateNormal(
        z, yingshe.eye(3, dtype=z.dtype)).rsample((5,)), "float64", (4, 2, 3))

    def ours(m, s):
        yingshe.manual_seed(7)
        return D.MultivariateNormal(m, scale_tril=s).rsample((5,))

    check_op(ours, lambda m, s: m + (s @ torch.from_numpy(eps).unsqueeze(-1)).squeeze(-1),
             [loc, tril], dtypes=("float64",), check_gradcheck=False, check_gradgrad=False)


def test_multivariate_normal_samples_have_the_right_covariance():
    yingshe.manual_seed(0)
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    n = 40_000
    x = D.MultivariateNormal(yingshe.from_numpy(np.array([1.0, -1.0])),
                             yingshe.from_numpy(cov)).sample((n,)).numpy()
    assert np.all(np.abs(x.mean(0) - [1.0, -1.0]) < 5 * np.sqrt(np.diag(cov) / n))
    # the sample covariance's standard error is sqrt((s_ij^2 + s_ii s_jj) / n)
    bound = 5 * np.sqrt((cov ** 2 + np.outer(np.diag(cov), np.diag(cov))) / n)
    assert np.all(np.abs(np.cov(x.T) - cov) < bound)


def test_multivariate_normal_errors():
    loc = yingshe.zeros(2)
    check_raises(lambda: D.MultivariateNormal(yingshe.tensor(0.0), yingshe.eye(2)), ValueError,
                 "loc must be at least one-dimensional.")
    for kwargs in ({}, {"covariance_matrix": yingshe.eye(2), "scale_tril": yingshe.eye(2)}):
        check_raises(lambda: D.MultivariateNormal(loc, **kwargs), ValueError,
                     "Exactly one of covariance_matrix or precision_matrix or scale_tril")
    check_raises(lambda: D.MultivariateNormal(loc, yingshe.ones(2)), ValueError,
                 "covariance_matrix must be at least two-dimensional")
    check_raises(lambda: D.MultivariateNormal(loc, yingshe.tensor([[1.0, 2.0], [2.0, 1.0]])),
                 ValueError, "Expected parameter covariance_matrix", "PositiveDefinite()")
    check_raises(lambda: D.MultivariateNormal(loc, scale_tril=yingshe.ones(2, 2)), ValueError,
                 "Expected parameter scale_tril", "LowerCholesky()")
    check_raises(lambda: D.MultivariateNormal(loc, yingshe.eye(2)).log_prob(yingshe.zeros(3)),
                 ValueError, "The right-most size of value must match event_shape: (3,) vs (2,).")


# ---- Uniform -----------------------------------------------------------------------------------
def test_uniform():
    low = rng.standard_normal(3)
    high = low + _positive(3)
    inside = low + 0.3 * (high - low)
    check_op(lambda a, b, v: _dist("Uniform", a, b).log_prob(v),
             lambda a, b, v: _dist("Uniform", a, b).log_prob(v), [low, high, inside])
    outside = np.stack([low - 1, high, inside])  # below, at the open end, inside
    check_op(lambda a, b, v: _dist("Uniform", a, b, validate_args=False).log_prob(v),
             lambda a, b, v: _dist("Uniform", a, b, validate_args=False).log_prob(v),
             [low, high, outside], grad=False)
    for method in ("cdf", "icdf"):
        check_op(lambda a, b, v: getattr(_dist("Uniform", a, b), method)(v),
                 lambda a, b, v: getattr(_dist("Uniform", a, b), method)(v),
                 [low, high, rng.random(3) if method == "icdf" else inside])
    for attr in ("mean", "stddev", "variance", "mode"):
        check_op(lambda a, b: getattr(_dist("Uniform", a, b), attr),
                 lambda a, b: getattr(_dist("Uniform", a, b), attr), [low, high],
                 grad=attr != "mode")
    check_op(lambda a, b: _dist("Uniform", a, b).entropy(),
             lambda a, b: _dist("Uniform", a, b).entropy(), [low, high])


def test_uniform_samples_and_rsample():
    yingshe.manual_seed(0)
    n = 40_000
    x = D.Uniform(yingshe.tensor([0.0, 2.0]), yingshe.tensor([1.0, 5.0])).sample((n,)).numpy()
    assert x.shape == (n, 2) and (x[:, 0] >= 0).all() and (x[:, 0] < 1).all()
    assert (x[:, 1] >= 2).all() and (x[:, 1] < 5).all()
    width = np.array([1.0, 3.0])
    assert np.all(np.abs(x.mean(0) - [0.5, 3.5]) < 5 * width / np.sqrt(12 * n))
    low, high = rng.standard_normal(3), rng.standard_normal(3) + 3
    u = _same_noise(lambda z: D.Uniform(z, z + 1).rsample((4,)), "float64", (3,))

    def ours(a, b):
        yingshe.manual_seed(7)
        return D.Uniform(a, b).rsample((4,))

    check_op(ours, lambda a, b: a + torch.from_numpy(u) * (b - a), [low, high],
             dtypes=("float64",), check_gradcheck=False, check_gradgrad=False)


# ---- Independent -------------------------------------------------------------------------------
def test_independent():
    loc, scale = rng.standard_normal((2, 3)), _positive(2, 3)
    value = rng.standard_normal((4, 2, 3))
    for n in (0, 1, 2):
        check_op(lambda m, s, v: _dist("Independent", _dist("Normal", m, s), n).log_prob(v),
                 lambda m, s, v: _dist("Independent", _dist("Normal", m, s), n).log_prob(v),
                 [loc, scale, value])
        check_op(lambda m, s: _dist("Independent", _dist("Normal", m, s), n).entropy(),
                 lambda m, s: _dist("Independent", _dist("Normal", m, s), n).entropy(),
                 [loc, scale])
    d = D.Independent(D.Normal(yingshe.zeros(2, 3), 1.0), 1)
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.has_rsample
    assert d.sample((5,)).shape == (5, 2, 3)
    assert repr(d.support) == "IndependentConstraint(Real(), 1)"
    assert repr(d) == "Independent(Normal(loc: (2, 3), scale: (2, 3)), 1)"
    check_raises(lambda: D.Independent(D.Normal(yingshe.zeros(2), 1.0), 2), ValueError,
                 "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                 "actual 2 vs 1")


# ---- KL divergence -----------------------------------------------------------------------------
def test_kl_normal_normal():
    check_op(lambda a, b, c, d: _kl(_dist("Normal", a, b), _dist("Normal", c, d)),
             lambda a, b, c, d: _kl(_dist("Normal", a, b), _dist("Normal", c, d)),
             [rng.standard_normal((2, 3)), _positive(3), rng.standard_normal(3), _positive(2, 3)])


def test_kl_bernoulli_bernoulli():
    check_op(lambda p, x: _kl(_dist("Bernoulli", p), _dist("Bernoulli", logits=x)),
             lambda p, x: _kl(_dist("Bernoulli", p), _dist("Bernoulli", logits=x)),
             [rng.random((2, 3)) * 0.9 + 0.05, rng.standard_normal((2, 3))])
    # batch shapes that broadcast (PyTorch's in-place masking needs equal shapes)
    kl = D.kl_divergence(D.Bernoulli(yingshe.tensor([[0.2], [0.0]])),
                         D.Bernoulli(yingshe.tensor([0.5, 0.0])))
    expected = [[0.2 * math.log(0.4) + 0.8 * math.log(1.6), math.inf], [math.log(2), 0.0]]
    np.testing.assert_allclose(kl.numpy(), expected, rtol=1e-6)
    p, q = np.array([0.0, 1.0, 0.3, 0.3, 0.0]), np.array([0.5, 0.5, 0.0, 1.0, 0.0])
    check_op(lambda a, b: _kl(_dist("Bernoulli", a), _dist("Bernoulli", b)),
             lambda a, b: _kl(_dist("Bernoulli", a), _dist("Bernoulli", b)), [p, q], grad=False)


def test_kl_categorical_categorical():
    check_op(lambda p, x: _kl(_dist("Categorical", p), _dist("Categorical", logits=x)),
             lambda p, x: _kl(_dist("Categorical", p), _dist("Categorical", logits=x)),
             [rng.random((2, 4)) + 0.1, rng.standard_normal(4)])
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    q = np.array([[0.5, 0.0, 0.5], [0.2, 0.3, 0.5]])
    check_op(lambda a, b: _kl(_dist("Categorical", a), _dist("Categorical", b)),
             lambda a, b: _kl(_dist("Categorical", a), _dist("Categorical", b)), [p, q],
             grad=False)


@pytest.mark.parametrize("forms", [("covariance_matrix", "scale_tril"),
                                   ("precision_matrix", "covariance_matrix")])
def test_kl_multivariate_normal(forms):
    p_form, q_form = forms
    check_op(lambda m1, c1, m2, c2: _kl(_mvn(m1, p_form, c1), _mvn(m2, q_form, c2)),
             lambda m1, c1, m2, c2: _kl(_mvn(m1, p_form, c1), _mvn(m2, q_form, c2)),
             [rng.standard_normal(3), _mvn_matrix(p_form, 2), rng.standard_normal((4, 1, 3)),
              _mvn_matrix(q_form)], check_gradgrad=False)


def test_kl_uniform_and_independent():
    low = rng.standard_normal(3)
    high = low + _positive(3)
    wide_low = low - np.array([1.0, -0.1, 0.5])  # the second q starts inside p: inf
    check_op(lambda a, b, c, d: _kl(_dist("Uniform", a, b), _dist("Uniform", c, d)),
             lambda a, b, c, d: _kl(_dist("Uniform", a, b), _dist("Uniform", c, d)),
             [low, high, wide_low, high + 1], check_gradcheck=False, check_gradgrad=False)
    check_op(lambda a, b, c, d: _kl(_dist("Independent", _dist("Normal", a, b), 2),
                                    _dist("Independent", _dist("Normal", c, d), 2)),
             lambda a, b, c, d: _kl(_dist("Independent", _dist("Normal", a, b), 2),
                                    _dist("Independent", _dist("Normal", c, d), 2)),
             [rng.standard_normal((2, 3)), _positive(2, 3), rng.standard_normal((2, 3)),
              _positive(2, 3)])


def test_kl_registry():
    normal, uniform = D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0)
    check_raises(lambda: D.kl_divergence(normal, uniform), NotImplementedError,
                 "No KL(p || q) is implemented for p type Normal and q type Uniform")
    check_raises(lambda: D.register_kl(int, D.Normal), TypeError,
                 "Expected type_p to be a Distribution subclass")

    class Wide(D.Normal):
        pass

    assert D.kl_divergence(Wide(0.0, 1.0), Wide(1.0, 1.0)).item() == pytest.approx(0.5)

    @D.register_kl(Wide, D.Normal)
    def _kl_wide_normal(p, q):
        return yingshe.tensor(-1.0)

    @D.register_kl(D.Normal, Wide)
    def _kl_normal_wide(p, q):
        return yingshe.tensor(-2.0)

    try:
        assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == -1.0
        assert D.kl_divergence(D.Normal(0.0, 1.0), Wide(0.0, 1.0)).item() == -2.0
        with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence"):
            assert D.kl.kl_divergence(Wide(0.0, 1.0), Wide(0.0, 1.0)).item() == -1.0
    finally:
        del D.kl._KL_REGISTRY[Wide, D.Normal]
        del D.kl._KL_REGISTRY[D.Normal, Wide]
        D.kl._KL_MEMOIZE.clear()


# ---- validation, expand, repr ------------------------------------------------------------------
def _same_error(ours, theirs):
    """The same ValueError message as PyTorch's, but for shapes: yingshe's are tuples, (3,)
    where PyTorch prints torch.Size([3])."""
    with pytest.raises(ValueError) as expected:
        theirs()
    message = re.sub(r"torch\.Size\(\[([0-9, ]*)\]\)",
                     lambda m: str(tuple(int(n) for n in m.group(1).split(", ") if n)),
                     str(expected.value))
    check_raises(ours, ValueError, message)


def test_argument_validation_matches_torch():
    _same_error(lambda: D.Uniform(1.0, 0.0), lambda: TD.Uniform(1.0, 0.0))
    _same_error(lambda: D.Normal(0.0, -1.0), lambda: TD.Normal(0.0, -1.0))
    _same_error(lambda: D.Bernoulli(1.5), lambda: TD.Bernoulli(1.5))
    _same_error(lambda: D.Bernoulli(), lambda: TD.Bernoulli())
    _same_error(lambda: D.Categorical(yingshe.ones(3), yingshe.ones(3)),
                lambda: TD.Categorical(torch.ones(3), torch.ones(3)))
    _same_error(lambda: D.Categorical(yingshe.tensor(1.0)), lambda: TD.Categorical(
        torch.tensor(1.0)))
    _same_error(lambda: D.Categorical(yingshe.tensor([1.0, -1.0, 1.0])),
                lambda: TD.Categorical(torch.tensor([1.0, -1.0, 1.0])))
    check_raises(lambda: D.Normal(yingshe.zeros(2), -1.0), ValueError,
                 "Expected parameter scale (Tensor of shape (2,)) of distribution Normal(loc: "
                 "(2,), scale: (2,)) to satisfy the constraint GreaterThan(lower_bound=0.0)")
    assert D.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0


def test_value_validation_matches_torch():
    _same_error(lambda: D.Normal(0.0, 1.0).log_prob(0.5),
                lambda: TD.Normal(0.0, 1.0).log_prob(0.5))
    _same_error(lambda: D.Bernoulli(0.3).log_prob(yingshe.tensor(0.5)),
                lambda: TD.Bernoulli(0.3).log_prob(torch.tensor(0.5)))
    _same_error(lambda: D.Categorical(yingshe.ones(3)).log_prob(yingshe.tensor(3)),
                lambda: TD.Categorical(torch.ones(3)).log_prob(torch.tensor(3)))
    check_raises(lambda: D.Normal(yingshe.zeros(3), 1.0).log_prob(yingshe.zeros(2)), ValueError,
                 "Value is not broadcastable with batch_shape+event_shape: (2,) vs (3,).")
    assert D.Normal(0.0, 1.0, validate_args=False).log_prob(0.5).item() == pytest.approx(
        TD.Normal(0.0, 1.0).log_prob(torch.tensor(0.5)).item())


def test_default_validation_can_be_turned_off():
    D.Distribution.set_default_validate_args(False)
    try:
        assert D.Normal(0.0, -1.0).scale.item() == -1.0
    finally:
        D.Distribution.set_default_validate_args(True)
    check_raises(lambda: D.Normal(0.0, -1.0), ValueError, "Expected parameter scale")
    check_raises(lambda: D.Distribution.set_default_validate_args(2), ValueError, "True or False")


@pytest.mark.parametrize("name,params", [
    ("Normal", lambda: (rng.standard_normal(3), _positive(3))),
    ("Uniform", lambda: (np.zeros(3), np.ones(3))),
])
def test_expand(name, params):
    values = params()
    value = rng.random((2, 3))
    check_op(lambda a, b, v: _dist(name, a, b).expand((2, 3)).log_prob(v),
             lambda a, b, v: _dist(name, a, b).expand((2, 3)).log_prob(v), [*values, value])
    assert _dist(name, *map(yingshe.from_numpy, values)).expand((4, 3)).batch_shape == (4, 3)


def test_expand_discrete_and_multivariate():
    probs = rng.random(3)
    check_op(lambda p: _dist("Bernoulli", p).expand((2, 3)).log_prob(p.new_tensor([1.0, 0, 1])),
             lambda p: _dist("Bernoulli", p).expand((2, 3)).log_prob(p.new_tensor([1.0, 0, 1])),
             [probs])
    check_op(lambda p: _dist("Categorical", p).expand((2,)).entropy(),
             lambda p: _dist("Categorical", p).expand((2,)).entropy(), [probs])
    check_op(lambda m, c: _mvn(m, "covariance_matrix", c).expand((4,)).entropy(),
             lambda m, c: _mvn(m, "covariance_matrix", c).expand((4,)).entropy(),
             [rng.standard_normal(3), _spd(3, 3)], check_gradgrad=False)
    d = D.Independent(D.Normal(yingshe.zeros(3), 1.0), 1).expand((5,))
    assert d.batch_shape == (5,) and d.event_shape == (3,)


def test_reprs():
    assert repr(D.Normal(0.0, 1.0)) == repr(TD.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Bernoulli(yingshe.ones(2) / 2)) == "Bernoulli(probs: (2,))"
    assert repr(D.MultivariateNormal(yingshe.zeros(2), yingshe.eye(2))) == \
        "MultivariateNormal(loc: (2,), covariance_matrix: (2, 2))"
    for name in ("real", "positive", "unit_interval", "simplex", "boolean", "real_vector",
                 "lower_cholesky", "positive_definite", "nonnegative", "lower_triangular",
                 "symmetric", "square"):
        assert repr(getattr(D.constraints, name)) == repr(getattr(TD.constraints, name)), name
    assert repr(D.Uniform(0.0, 2.0).support) == repr(TD.Uniform(0.0, 2.0).support)


def test_constraint_checks_match_torch():
    values = rng.standard_normal((4, 3, 3))
    values[1] = np.tril(values[1])
    values[2] = _spd(3, 3)
    values[3] = np.linalg.cholesky(_spd(3, 3))
    for name in ("real", "positive", "unit_interval", "boolean", "nonnegative"):
        ours = getattr(D.constraints, name).check(yingshe.from_numpy(values))
        theirs = getattr(TD.constraints, name).check(torch.from_numpy(values))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
    for name in ("lower_cholesky", "lower_triangular", "positive_definite", "symmetric",
                 "simplex", "real_vector"):
        ours = getattr(D.constraints, name).check(yingshe.from_numpy(values))
        theirs = getattr(TD.constraints, name).check(torch.from_numpy(values))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert D.constraints.is_dependent(D.Uniform.support)
    check_raises(lambda: D.constraints.dependent.check(yingshe.zeros(1)), ValueError,
                 "Cannot determine validity of dependent constraint")
