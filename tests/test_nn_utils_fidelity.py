"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm, orthogonal),
the legacy weight_norm / spectral_norm hooks and nn.utils.prune, compared with PyTorch: state_dict
keys, forward values, gradients and masks."""
import copy
import pickle

import numpy as np
import pytest
import torch
import torch.nn.utils.parametrizations as TPs
import torch.nn.utils.parametrize as TP
import torch.nn.utils.prune as TPrune

import yingshe
import yingshe.nn.utils.parametrizations as YPs
import yingshe.nn.utils.parametrize as YP
import yingshe.nn.utils.prune as YPrune
from helpers import check_op, check_raises

RNG = np.random.default_rng(0)


def layers(kind, *shape):
    """The same layer in torch and yingshe with torch's initial weights."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(*shape)
    ym = getattr(yingshe.nn, kind)(*shape)
    copy_state(tm, ym)
    return tm, ym


def copy_state(tm, ym):
    ym.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})


def assert_same_state(tm, ym, exact=False):
    assert list(tm.state_dict()) == list(ym.state_dict())
    for key, value in tm.state_dict().items():
        if exact:
            np.testing.assert_array_equal(ym.state_dict()[key].numpy(), value.numpy(), key)
        else:
            np.testing.assert_allclose(ym.state_dict()[key].numpy(), value.numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=key)


def assert_same_forward_and_grads(tm, ym, x, rtol=1e-5, atol=1e-5):
    to, yo = tm(torch.tensor(x)), ym(yingshe.tensor(x))
    np.testing.assert_allclose(yo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    upstream = RNG.standard_normal(to.shape).astype(np.float32)
    to.backward(torch.tensor(upstream))
    yo.backward(yingshe.tensor(upstream))
    tp, yp = dict(tm.named_parameters()), dict(ym.named_parameters())
    assert list(tp) == list(yp)
    for name, p in tp.items():
        np.testing.assert_allclose(yp[name].grad.numpy(), p.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


# ---- parametrize ------------------------------------------------------------------------------
def symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def scale(lib, factor):
    class Scale(lib.nn.Module):
        def forward(self, X):
            return X * factor

        def right_inverse(self, A):
            return A / factor
    return Scale()


def test_register_parametrization_swaps_the_class_and_keys_as_torch():
    tm, ym = layers("Linear", 3, 3)
    weight = ym.weight
    TP.register_parametrization(tm, "weight", symmetric(torch))
    YP.register_parametrization(ym, "weight", symmetric(yingshe))
    assert type(ym).__name__ == type(tm).__name__ == "ParametrizedLinear"
    assert isinstance(ym, yingshe.nn.Linear) and type(yingshe.nn.Linear(1, 1)) is yingshe.nn.Linear
    assert YP.type_before_parametrizations(ym) is yingshe.nn.Linear
    assert YP.is_parametrized(ym) and YP.is_parametrized(ym, "weight")
    assert not YP.is_parametrized(ym, "bias")
    assert ym.parametrizations.weight.original is weight  # optimisers keep their parameter
    assert_same_state(tm, ym)
    assert "weight" not in dict(ym.named_parameters())
    np.testing.assert_allclose(ym.weight.detach().numpy(), tm.weight.detach().numpy())
    assert_same_forward_and_grads(tm, ym, RNG.standard_normal((4, 3)).astype(np.float32))
    assert repr(ym) == repr(tm)
    with pytest.raises(KeyError) as torch_error:
        tm.weight = torch.nn.Parameter(torch.zeros(3, 3))
    message = check_raises(lambda: setattr(ym, "weight", yingshe.nn.Parameter(yingshe.zeros(3, 3))),
                           KeyError)
    assert message == str(torch_error.value)


def test_assignment_goes_through_right_inverse_and_chains_as_torch():
    tm, ym = layers("Linear", 3, 3)
    for lib, m, P in ((torch, tm, TP), (yingshe, ym, YP)):
        P.register_parametrization(m, "weight", symmetric(lib))
        P.register_parametrization(m, "weight", scale(lib, 2.0))
    assert len(ym.parametrizations.weight) == len(tm.parametrizations.weight) == 2
    assert_same_state(tm, ym)
    value = RNG.standard_normal((3, 3)).astype(np.float32)
    with torch.no_grad():
        tm.weight = torch.tensor(value)
    ym.weight = yingshe.tensor(value)
    assert_same_state(tm, ym)
    np.testing.assert_allclose(ym.weight.detach().numpy(), tm.weight.detach().numpy())
    assert_same_forward_and_grads(tm, ym, RNG.standard_normal((2, 3)).astype(np.float32))


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations_as_torch(leave_parametrized):
    tm, ym = layers("Linear", 3, 3)
    TP.register_parametrization(tm, "weight", symmetric(torch))
    YP.register_parametrization(ym, "weight", symmetric(yingshe))
    original = ym.parametrizations.weight.original
    TP.remove_parametrizations(tm, "weight", leave_parametrized=leave_parametrized)
    YP.remove_parametrizations(ym, "weight", leave_parametrized=leave_parametrized)
    assert type(ym) is yingshe.nn.Linear and not hasattr(ym, "parametrizations")
    assert ym.weight is original and isinstance(ym.weight, yingshe.nn.Parameter)
    assert_same_state(tm, ym)


def test_several_originals_and_errors_as_torch():
    tm, ym = layers("Linear", 3, 4)
    TPs.weight_norm(tm)
    YPs.weight_norm(ym)
    check_raises(lambda: YP.remove_parametrizations(ym, "weight", leave_parametrized=False),
                 ValueError, "sequence of tensors")
    TP.remove_parametrizations(tm, "weight")
    YP.remove_parametrizations(ym, "weight")
    assert_same_state(tm, ym)
    assert isinstance(ym.weight, yingshe.nn.Parameter)
    check_raises(lambda: YP.register_parametrization(ym, "nothing", symmetric(yingshe)),
                 ValueError, "does not have a parameter, a buffer, or a parametrized element")
    class FirstRow(yingshe.nn.Module):
        def forward(self, X):
            return X[:1]
    check_raises(lambda: YP.register_parametrization(ym, "weight", FirstRow()),
                 ValueError, "may not change the shape")
    check_raises(lambda: YP.remove_parametrizations(ym, "bias"), ValueError,
                 "does not have a parametrization on bias")


def test_cached_computes_each_parametrized_tensor_once():
    m = YP.register_parametrization(yingshe.nn.Linear(3, 3), "weight", symmetric(yingshe))
    assert m.weight is not m.weight
    with YP.cached():
        first = m.weight
        assert m.weight is first
        with YP.cached():
            assert m.weight is first
    assert m.weight is not first


def test_parametrized_modules_deepcopy_but_refuse_pickle():
    m = YPs.weight_norm(yingshe.nn.Linear(3, 2))
    clone = copy.deepcopy(m)
    assert type(clone).__name__ == "ParametrizedLinear"
    np.testing.assert_array_equal(clone.weight.detach().numpy(), m.weight.detach().numpy())
    check_raises(lambda: pickle.dumps(m), RuntimeError, "only supported through state_dict()")


# ---- parametrizations ------------------------------------------------------------------------
@pytest.mark.parametrize("kind,shape,dim", [("Linear", (3, 4), 0), ("Linear", (3, 4), 1),
                                            ("Linear", (3, 4), None),
                                            ("Conv2d", (2, 3, 3), 0), ("Conv2d", (2, 3, 3), -2)])
def test_weight_norm_as_torch(kind, shape, dim):
    tm, ym = layers(kind, *shape)
    TPs.weight_norm(tm, dim=dim)
    YPs.weight_norm(ym, dim=dim)
    assert_same_state(tm, ym)
    x = RNG.standard_normal((2, 3) if kind == "Linear" else (2, 2, 5, 5)).astype(np.float32)
    assert_same_forward_and_grads(tm, ym, x)


@pytest.mark.parametrize("kind,shape", [("Linear", (3, 4)), ("Conv2d", (2, 3, 3)),
                                        ("ConvTranspose2d", (2, 3, 3))])
def test_spectral_norm_power_iteration_as_torch(kind, shape):
    tm, ym = layers(kind, *shape)
    TPs.spectral_norm(tm)
    YPs.spectral_norm(ym)
    assert list(tm.state_dict()) == list(ym.state_dict())
    assert ym.parametrizations.weight[0].dim == tm.parametrizations.weight[0].dim
    copy_state(tm, ym)  # torch's u, v (drawn from its generator) so the iterations match
    x = RNG.standard_normal((2, 3) if kind == "Linear" else (2, 2, 5, 5)).astype(np.float32)
    assert_same_forward_and_grads(tm, ym, x)
    assert_same_state(tm, ym)  # one more iteration of u and v, in place
    tm.eval()
    ym.eval()
    before = ym.parametrizations.weight[0]._u.numpy().copy()
    np.testing.assert_allclose(ym(yingshe.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ym.parametrizations.weight[0]._u.numpy(), before)


def test_spectral_norm_errors_as_torch():
    m = yingshe.nn.Linear(3, 4)
    check_raises(lambda: YPs.spectral_norm(m, n_power_iterations=0), ValueError,
                 "n_power_iterations=0")
    check_raises(lambda: YPs.spectral_norm(m, dim=2), IndexError, "Dimension out of range")
    check_raises(lambda: YPs.spectral_norm(m, "nothing"), ValueError, "no parameter or buffer")


ORTHOGONAL = [("matrix_exp", (3, 3), True), ("cayley", (3, 3), True),
              ("householder", (3, 3), True), ("matrix_exp", (4, 3), True),
              ("cayley", (3, 5), True), ("householder", (5, 3), True),
              ("householder", (3, 3), False), ("householder", (3, 5), False),
              ("matrix_exp", (3, 3), False), ("cayley", (4, 3), False)]


@pytest.mark.parametrize("orthogonal_map,shape,trivialization", ORTHOGONAL)
def test_orthogonal_as_torch(orthogonal_map, shape, trivialization):
    tm, ym = layers("Linear", shape[1], shape[0])
    TPs.orthogonal(tm, orthogonal_map=orthogonal_map, use_trivialization=trivialization)
    YPs.orthogonal(ym, orthogonal_map=orthogonal_map, use_trivialization=trivialization)
    assert list(tm.state_dict()) == list(ym.state_dict())
    if shape[0] == shape[1] or not trivialization:  # non-square bases are completed randomly
        assert_same_state(tm, ym)
    with torch.no_grad():  # move away from the start (off the diagonal, which householder
        original = tm.parametrizations.weight.original  # reads as signs) to exercise each map
        noise = 0.3 * RNG.standard_normal(tuple(original.shape))
        np.fill_diagonal(noise, 0)
        original.add_(torch.tensor(noise, dtype=torch.float32))
    copy_state(tm, ym)
    q = ym.weight.detach().numpy().astype(np.float64)
    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-5)
    assert_same_forward_and_grads(tm, ym, RNG.standard_normal((2, shape[1])).astype(np.float32))


def test_orthogonal_assignment_and_errors_as_torch():
    tm, ym = layers("Linear", 3, 3)
    TPs.orthogonal(tm)
    YPs.orthogonal(ym)
    value = RNG.standard_normal((3, 3)).astype(np.float32)
    with torch.no_grad():
        tm.weight = torch.tensor(value)
    ym.weight = yingshe.tensor(value)
    assert_same_state(tm, ym)
    np.testing.assert_allclose(ym.weight.detach().numpy(), tm.weight.detach().numpy(), atol=1e-6)
    check_raises(lambda: YPs.orthogonal(yingshe.nn.Linear(3, 3), "bias"), ValueError,
                 "Expected a matrix or batch of matrices")
    check_raises(lambda: YPs.orthogonal(yingshe.nn.Linear(3, 3), orthogonal_map="qr"),
                 ValueError, 'orthogonal_map has to be one of')


def test_matrix_exp_forward_backward_and_double_backward_as_torch():
    a = RNG.standard_normal((2, 3, 3))
    check_op(YPs._MatrixExp.apply, torch.matrix_exp, [a])
    check_op(YPs._MatrixExp.apply, torch.matrix_exp, [4.0 * a[0]])  # needs squaring


def test_householder_product_as_torch():
    a, tau = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 3))
    check_op(YPs._householder_product, torch.linalg.householder_product, [a, tau],
             check_gradgrad=False)


# ---- the older hook-based weight_norm and spectral_norm --------------------------------------
def test_legacy_weight_norm_as_torch():
    tm, ym = layers("Linear", 3, 4)
    with pytest.warns(FutureWarning, match="deprecated"):
        torch.nn.utils.weight_norm(tm)
    with pytest.warns(FutureWarning, match="deprecated"):
        yingshe.nn.utils.weight_norm(ym)
    assert_same_state(tm, ym)
    assert_same_forward_and_grads(tm, ym, RNG.standard_normal((2, 3)).astype(np.float32))
    with pytest.warns(FutureWarning):
        check_raises(lambda: yingshe.nn.utils.weight_norm(ym), RuntimeError,
                     "two weight_norm hooks")
    torch.nn.utils.remove_weight_norm(tm)
    yingshe.nn.utils.remove_weight_norm(ym)
    assert_same_state(tm, ym)


def test_legacy_spectral_norm_as_torch():
    tm, ym = layers("Linear", 3, 4)
    torch.nn.utils.spectral_norm(tm)
    yingshe.nn.utils.spectral_norm(ym)
    assert list(tm.state_dict()) == list(ym.state_dict())
    copy_state(tm, ym)
    assert_same_forward_and_grads(tm, ym, RNG.standard_normal((2, 3)).astype(np.float32))
    assert_same_state(tm, ym)
    torch.nn.utils.remove_spectral_norm(tm)
    yingshe.nn.utils.remove_spectral_norm(ym)
    assert_same_state(tm, ym)


# ---- prune ------------------------------------------------------------------------------------
DETERMINISTIC = {
    "l1 fraction": lambda P, m: P.l1_unstructured(m, "weight", amount=0.3),
    "l1 count": lambda P, m: P.l1_unstructured(m, "weight", amount=7),
    "ln_structured L2 dim 0": lambda P, m: P.ln_structured(m, "weight", 0.5, n=2, dim=0),
    "ln_structured L1 dim 1": lambda P, m: P.ln_structured(m, "weight", 1, n=1, dim=1),
    "ln_structured inf dim -1": lambda P, m: P.ln_structured(m, "weight", 0.34,
                                                             n=float("inf"), dim=-1),
    "bias": lambda P, m: P.l1_unstructured(m, "bias", amount=2),
    "identity": lambda P, m: P.identity(m, "weight"),
}


@pytest.mark.parametrize("first", sorted(DETERMINISTIC))
@pytest.mark.parametrize("second", [None, "l1 fraction", "ln_structured L2 dim 0"])
def test_deterministic_pruning_and_pruning_twice_as_torch(first, second):
    tm, ym = layers("Conv2d", 3, 4, 3)
    for name in (first, second):
        if name is not None:
            DETERMINISTIC[name](TPrune, tm)
            DETERMINISTIC[name](YPrune, ym)
    assert_same_state(tm, ym, exact=True)  # weight_orig, weight_mask: identical masks
    hooks = [type(h).__name__ for h in ym._forward_pre_hooks.values()]
    assert hooks == [type(h).__name__ for h in tm._forward_pre_hooks.values()]
    assert YPrune.is_pruned(ym)
    assert_same_forward_and_grads(tm, ym, RNG.standard_normal((2, 3, 5, 5)).astype(np.float32))
    pruned = "bias" if first == "bias" and second is None else "weight"
    TPrune.remove(tm, pruned)
    YPrune.remove(ym, pruned)
    assert_same_state(tm, ym, exact=True)
    assert isinstance(getattr(ym, pruned), yingshe.nn.Parameter)


def test_global_unstructured_and_custom_from_mask_as_torch():
    (t1, y1), (t2, y2) = layers("Linear", 5, 4), layers("Linear", 4, 3)
    scores = RNG.random((3, 4)).astype(np.float32)
    TPrune.global_unstructured([(t1, "weight"), (t2, "weight")], TPrune.L1Unstructured,
                               importance_scores={(t2, "weight"): torch.tensor(scores)},
                               amount=0.4)
    YPrune.global_unstructured([(y1, "weight"), (y2, "weight")], YPrune.L1Unstructured,
                               importance_scores={(y2, "weight"): yingshe.tensor(scores)},
                               amount=0.4)
    for tm, ym in ((t1, y1), (t2, y2)):
        assert_same_state(tm, ym, exact=True)
        assert type(next(iter(ym._forward_pre_hooks.values()))).__name__ == "CustomFromMask"
    mask = (RNG.random(3) > 0.5).astype(np.float32)
    TPrune.custom_from_mask(t2, "bias", torch.tensor(mask))
    YPrune.custom_from_mask(y2, "bias", yingshe.tensor(mask))
    TPrune.global_unstructured([(t1, "weight"), (t2, "weight")], TPrune.L1Unstructured,
                               amount=3)
    YPrune.global_unstructured([(y1, "weight"), (y2, "weight")], YPrune.L1Unstructured,
                               amount=3)
    for tm, ym in ((t1, y1), (t2, y2)):
        assert_same_state(tm, ym, exact=True)
    assert_same_forward_and_grads(t2, y2, RNG.standard_normal((2, 4)).astype(np.float32))


def test_random_pruning_counts_and_structure():
    m = yingshe.nn.Conv2d(3, 6, 3)
    YPrune.random_unstructured(m, "weight", amount=0.25)
    assert int((m.weight_mask.numpy() == 0).sum()) == round(0.25 * m.weight_orig.numel())
    earlier = m.weight_mask.numpy().copy()
    YPrune.random_structured(m, "weight", amount=2, dim=0)
    mask = m.weight_mask.numpy()
    channel_empty = (mask.reshape(6, -1) == 0).all(axis=1)
    assert channel_empty.sum() == 2  # two whole output channels
    np.testing.assert_array_equal(mask[~channel_empty], earlier[~channel_empty])
    np.testing.assert_array_equal(m.weight.detach().numpy(),
                                  m.weight_orig.detach().numpy() * mask)
    assert type(next(iter(m._forward_pre_hooks.values()))).__name__ == "PruningContainer"
    yingshe.manual_seed(3)
    a = YPrune.random_unstructured(yingshe.nn.Linear(4, 4), "weight", 5).weight_mask.numpy()
    yingshe.manual_seed(3)
    b = YPrune.random_unstructured(yingshe.nn.Linear(4, 4), "weight", 5).weight_mask.numpy()
    np.testing.assert_array_equal(a, b)  # the framework generator drives the choice


def test_prune_errors_as_torch():
    for amount, error in ((1.5, ValueError), (-1, ValueError), ("a", TypeError)):
        with pytest.raises(error) as torch_error:
            TPrune.l1_unstructured(torch.nn.Linear(2, 2), "weight", amount)
        message = check_raises(lambda: YPrune.l1_unstructured(yingshe.nn.Linear(2, 2), "weight",
                                                             amount), error)
        assert message == str(torch_error.value)
    m = yingshe.nn.Linear(2, 2)
    check_raises(lambda: YPrune.l1_unstructured(m, "weight", 5), ValueError,
                 "amount=5 should be smaller than the number of parameters to prune=4")
    assert "weight" in dict(m.named_parameters())  # rolled back
    check_raises(lambda: YPrune.ln_structured(m, "bias", 1, n=2, dim=0), ValueError,
                 "Structured pruning can only be applied to multidimensional tensors")
    check_raises(lambda: YPrune.remove(m, "weight"), ValueError, "has to be pruned before")
    assert not YPrune.is_pruned(m)


# ---- saving modules ---------------------------------------------------------------------------
def test_saving_a_whole_module_or_optimizer_is_refused_with_the_fix(tmp_path):
    model = yingshe.nn.Sequential(yingshe.nn.Linear(3, 2))
    optimizer = yingshe.optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "model.safetensors"
    message = check_raises(lambda: yingshe.save(model, path), TypeError,
                           "cannot store the Sequential module object at '<root>'", "pickle",
                           "runs code", "yingshe.save(model.state_dict(), path)",
                           "optimizer.state_dict()", "model.load_state_dict(yingshe.load(path))")
    assert not path.exists()
    check_raises(lambda: yingshe.save({"model": model.state_dict(), "optimizer": optimizer},
                                      path), TypeError,
                 "cannot store the SGD optimizer object at 'optimizer'",
                 "yingshe.save(optimizer.state_dict(), path)")
    assert "model" in message
    yingshe.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    restored = yingshe.nn.Sequential(yingshe.nn.Linear(3, 2))
    restored.load_state_dict(yingshe.load(path, weights_only=True)["model"])
    np.testing.assert_array_equal(restored[0].weight.detach().numpy(),
                                  model[0].weight.detach().numpy())
    check_raises(lambda: yingshe.load(path, weights_only=False), ValueError,
                 "weights_only=False is not supported", "unpickling runs code")
