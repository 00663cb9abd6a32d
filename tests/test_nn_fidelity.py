"""torch.nn fidelity: the activations, normalisations and distances added for PyTorch parity
(forward, backward and finite differences against torch.nn.functional), their modules, the
Module API (hooks, traversal, state dicts, repr) and the cases where PyTorch warns instead of
raising."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import yingshe
import yingshe.nn.functional as F
from helpers import check_op, check_raises
from yingshe import nn

rng = np.random.default_rng(0)


def _away_from(shape, kinks=(0.0,), scale=2.0):
    x = np.asarray(rng.standard_normal(shape) * scale)
    for k in kinks:
        x[np.abs(x - k) < 1e-2] += 0.05
    return x


# ---- activations ----------------------------------------------------------------------------
ACTIVATIONS = [
    ("selu", F.selu, TF.selu, (0.0,)),
    ("celu", lambda x: F.celu(x, 0.7), lambda x: TF.celu(x, 0.7), (0.0,)),
    ("mish", F.mish, TF.mish, ()),
    ("hardswish", F.hardswish, TF.hardswish, (-3.0, 3.0)),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, (-3.0, 3.0)),
    ("threshold", lambda x: F.threshold(x, 0.3, -2.0), lambda x: TF.threshold(x, 0.3, -2.0),
     (0.3,)),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid, ()),
    ("softsign", F.softsign, TF.softsign, (0.0,)),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink, ()),
    ("softmin", lambda x: F.softmin(x, -1), lambda x: TF.softmin(x, -1), ()),
    ("glu", lambda x: F.glu(x, -1), lambda x: TF.glu(x, -1), ()),
    ("glu-dim0", lambda x: F.glu(x, 0), lambda x: TF.glu(x, 0), ()),
]


@pytest.mark.parametrize("shape", [(4,), (2, 6), (2, 3, 4)])
@pytest.mark.parametrize("name,ys,th,kinks", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_matches_torch(name, ys, th, kinks, shape):
    if name == "glu-dim0" and shape[0] % 2:
        pytest.skip("glu needs an even dimension")
    check_op(ys, th, [_away_from(shape, kinks, scale=4.0 if "hard" in name else 2.0)])


def test_activations_at_their_kinks_follow_torch():
    x = np.array([-3.0, -1.0, 0.0, 0.3, 1.0, 3.0, 25.0, -30.0])
    for ys, th in [(F.hardswish, TF.hardswish), (F.hardsigmoid, TF.hardsigmoid),
                   (lambda t: F.threshold(t, 0.3, 5.0), lambda t: TF.threshold(t, 0.3, 5.0)),
                   (F.selu, TF.selu), (F.celu, TF.celu), (F.mish, TF.mish),
                   (F.logsigmoid, TF.logsigmoid), (F.softsign, TF.softsign)]:
        check_op(ys, th, [x], check_gradcheck=False, check_gradgrad=False)


def test_logsigmoid_and_mish_are_stable_for_large_inputs():
    x = np.array([-1000.0, -50.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings from NumPy
        for ys, th in [(F.logsigmoid, TF.logsigmoid), (F.mish, TF.mish)]:
            check_op(ys, th, [x], dtypes=("float64",), check_gradcheck=False,
                     check_gradgrad=False)


PRELU_CASES = [((3, 4), (4,)), ((2, 3, 4, 5), (3,)), ((2, 3), (1,)), ((5,), (1,)), ((), (1,)),
               ((2, 3, 4), ()), ((4,), ())]


@pytest.mark.parametrize("x_shape,w_shape", PRELU_CASES, ids=str)
def test_prelu_matches_torch_for_input_and_weight(x_shape, w_shape):
    check_op(F.prelu, TF.prelu, [_away_from(x_shape), rng.uniform(-0.5, 0.5, w_shape)])


def test_prelu_errors_follow_torch():
    x = yingshe.randn(3, 4)
    check_raises(lambda: F.prelu(x, yingshe.ones(3)), RuntimeError,
                 "Mismatch of parameter numbers and input channel size", "= 3", "= 4")
    check_raises(lambda: F.prelu(yingshe.randn(3), yingshe.ones(3)), RuntimeError,
                 "channel size = 1")
    check_raises(lambda: F.prelu(x, yingshe.ones(2, 2)), RuntimeError,
                 "scalar or 1D tensor", "ndim = 2")
    check_raises(lambda: F.prelu(x, yingshe.ones(4, dtype=yingshe.float64)), RuntimeError,
                 "Type promoting not supported")
    check_raises(lambda: F.prelu(yingshe.tensor([1, -2]), yingshe.tensor([1])),
                 NotImplementedError, "int64")


def test_activation_errors_follow_torch():
    check_raises(lambda: F.celu(yingshe.randn(3), 0.0), RuntimeError, "alpha cannot be 0")
    check_raises(lambda: F.glu(yingshe.randn(3), 0), RuntimeError,
                 "Halving dimension must be even", "size 3")
    check_raises(lambda: F.glu(yingshe.tensor(1.0)), RuntimeError, "does not support scalars")
    ints = yingshe.tensor([1, -2, 3])
    for name in ("elu", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardswish",
                 "hardsigmoid", "logsigmoid", "leaky_relu"):
        with pytest.raises(NotImplementedError):
            getattr(TF, name)(torch.tensor([1, -2, 3]))
        check_raises(lambda: getattr(F, name)(ints), NotImplementedError, name, "int64")


def test_integer_inputs_keep_or_promote_their_dtype_as_torch():
    ints = np.array([-4, -1, 0, 2, 7])
    for name, args in [("hardtanh", ()), ("relu6", ()), ("threshold", (1.5, 9)),
                       ("softsign", ()), ("tanhshrink", ())]:
        ours = getattr(F, name)(yingshe.from_numpy(ints.copy()), *args)
        theirs = getattr(TF, name)(torch.from_numpy(ints.copy()), *args)
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", ""), name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, err_msg=name)


# ---- normalisation and distances ------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 3), (1, 4, 2, 2, 3)])
@pytest.mark.parametrize("size,alpha,beta,k", [(5, 1e-4, 0.75, 1.0), (2, 0.5, 0.6, 2.0),
                                               (1, 1.0, 1.0, 0.5), (8, 0.3, 0.5, 1.0)])
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k):
    def ys_fn(x):
        return F.local_response_norm(x, size, alpha, beta, k)

    def th_fn(x):
        return TF.local_response_norm(x, size, alpha, beta, k)
    check_op(ys_fn, th_fn, [rng.standard_normal(shape)])


def test_local_response_norm_rejects_fewer_than_3_dims_as_torch():
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality"):
        TF.local_response_norm(torch.zeros(2, 3), 2)
    check_raises(lambda: F.local_response_norm(yingshe.zeros(2, 3), 2), ValueError,
                 "Expected 3D or higher dimensionality input", "(2, 3)")
    empty = yingshe.zeros(0, 3, 2)
    assert F.local_response_norm(empty, 2) is empty


@pytest.mark.parametrize("shape,p,dim", [((3, 4), 2.0, 1), ((3, 4), 1.0, 0), ((2, 3, 4), 3.0, -1),
                                         ((5,), 2.0, 0), ((2, 3, 4), float("inf"), 1)])
def test_normalize_matches_torch(shape, p, dim):
    check_op(lambda x: F.normalize(x, p, dim), lambda x: TF.normalize(x, p, dim),
             [rng.standard_normal(shape)])


def test_normalize_floors_small_norms_at_eps():
    x = np.array([[1e-14, -2e-14], [3.0, 4.0]])
    check_op(lambda t: F.normalize(t, eps=1e-12), lambda t: TF.normalize(t, eps=1e-12), [x],
             check_gradcheck=False, check_gradgrad=False)


COSINE_CASES = [((3, 4), (3, 4), 1), ((3, 4), (4,), -1), ((2, 1, 4), (3, 4), 2),
                ((2, 3, 4), (2, 3, 1), 1), ((5,), (5,), 0), ((4, 2), (1, 2), 0)]


@pytest.mark.parametrize("s1,s2,dim", COSINE_CASES, ids=str)
def test_cosine_similarity_matches_torch_with_broadcasting(s1, s2, dim):
    check_op(lambda a, b: F.cosine_similarity(a, b, dim),
             lambda a, b: TF.cosine_similarity(a, b, dim),
             [rng.standard_normal(s1), rng.standard_normal(s2)])


def test_cosine_similarity_eps_floor_carries_no_gradient_as_torch():
    """PyTorch clamps the norms in place without recording it: where a norm is below eps the
    value uses eps but the gradient still flows through the norm (finite differences would
    disagree, so only torch is the reference here)."""
    x1 = rng.standard_normal((4, 3)) * 1e-5
    x1[0] = 0.0
    x2 = rng.standard_normal((1, 3))
    check_op(lambda a, b: F.cosine_similarity(a, b, 1, 1e-3),
             lambda a, b: TF.cosine_similarity(a, b, 1, 1e-3), [x1, x2],
             check_gradcheck=False, check_gradgrad=False)


def test_cosine_similarity_dtypes_and_errors_follow_torch():
    a, b = np.array([[1, 2, 3]]), np.array([[1.0, 0.0, -1.0]])
    ours = F.cosine_similarity(yingshe.from_numpy(a), yingshe.from_numpy(b.astype(np.float32)))
    theirs = TF.cosine_similarity(torch.from_numpy(a), torch.from_numpy(b.astype(np.float32)))
    assert ours.dtype == yingshe.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="floating point"):
        TF.cosine_similarity(torch.from_numpy(a), torch.from_numpy(a))
    check_raises(lambda: F.cosine_similarity(yingshe.from_numpy(a), yingshe.from_numpy(a)),
                 RuntimeError, "floating point", "int64")


@pytest.mark.parametrize("s1,s2", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 4)),
                                   ((3, 1), (1, 4)), ((4,), (4,)), ((), ())], ids=str)
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_torch(s1, s2, p, keepdim):
    check_op(lambda a, b: F.pairwise_distance(a, b, p, 1e-6, keepdim),
             lambda a, b: TF.pairwise_distance(a, b, p, 1e-6, keepdim),
             [rng.standard_normal(s1), rng.standard_normal(s2)])


# ---- modules --------------------------------------------------------------------------------
def _compare_module(make, *shapes):
    """Build with each library, load torch's parameters, compare repr, outputs and every
    gradient (inputs and parameters) for the same upstream gradient."""
    ys_module, th_module = make(nn), make(torch.nn)
    assert repr(ys_module) == repr(th_module)
    ys_module.load_state_dict({k: yingshe.from_numpy(v.detach().numpy().copy())
                               for k, v in th_module.state_dict().items()})
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ys_in = [yingshe.from_numpy(a.copy()).requires_grad_() for a in arrays]
    th_in = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    # an inplace=True layer of PyTorch may not modify a leaf: feed both a computed tensor
    ys_out = ys_module(*[x * 1.0 for x in ys_in])
    th_out = th_module(*[x * 1.0 for x in th_in])
    np.testing.assert_allclose(ys_out.detach().numpy(), th_out.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    seed = rng.standard_normal(tuple(th_out.shape)).astype(np.float32)
    (ys_out * yingshe.from_numpy(seed)).sum().backward()
    (th_out * torch.from_numpy(seed)).sum().backward()
    for a, b in zip(ys_in, th_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)
    th_params = dict(th_module.named_parameters())
    assert [n for n, _ in ys_module.named_parameters()] == list(th_params)
    for name, p in ys_module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), th_params[name].grad.numpy(), rtol=1e-5,
                                   atol=1e-5, err_msg=name)


MODULES = [
    ("PReLU", lambda m: m.PReLU(), [(2, 3, 4)]),
    ("PReLU-channels", lambda m: m.PReLU(3, init=0.1), [(2, 3, 4)]),
    ("ReLU6-inplace", lambda m: m.ReLU6(inplace=True), [(3, 4)]),
    ("Hardtanh-inplace", lambda m: m.Hardtanh(-2.0, 2.0, inplace=True), [(3, 4)]),
    ("Hardswish", lambda m: m.Hardswish(), [(3, 4)]),
    ("Hardsigmoid", lambda m: m.Hardsigmoid(inplace=True), [(3, 4)]),
    ("SiLU", lambda m: m.SiLU(), [(3, 4)]),
    ("Mish", lambda m: m.Mish(), [(3, 4)]),
    ("ELU", lambda m: m.ELU(0.5), [(3, 4)]),
    ("SELU", lambda m: m.SELU(), [(3, 4)]),
    ("SELU-inplace", lambda m: m.SELU(inplace=True), [(3, 4)]),
    ("CELU", lambda m: m.CELU(1.5), [(3, 4)]),
    ("GELU-tanh", lambda m: m.GELU(approximate="tanh"), [(3, 4)]),
    ("Softplus", lambda m: m.Softplus(beta=0.5, threshold=3.0), [(3, 4)]),
    ("Softsign", lambda m: m.Softsign(), [(3, 4)]),
    ("Tanhshrink", lambda m: m.Tanhshrink(), [(3, 4)]),
    ("Threshold", lambda m: m.Threshold(0.1, 20.0), [(3, 4)]),
    ("Threshold-inplace", lambda m: m.Threshold(0.1, 20, inplace=True), [(3, 4)]),
    ("LogSigmoid", lambda m: m.LogSigmoid(), [(3, 4)]),
    ("Softmin", lambda m: m.Softmin(dim=1), [(3, 4)]),
    ("GLU", lambda m: m.GLU(), [(3, 4)]),
    ("GLU-dim1", lambda m: m.GLU(dim=1), [(3, 4, 5)]),
    ("LocalResponseNorm", lambda m: m.LocalResponseNorm(3), [(2, 5, 4, 4)]),
    ("LocalResponseNorm-args", lambda m: m.LocalResponseNorm(2, 0.1, 0.5, 2.0), [(2, 5, 4)]),
    ("CosineSimilarity", lambda m: m.CosineSimilarity(), [(3, 4), (3, 4)]),
    ("CosineSimilarity-dim", lambda m: m.CosineSimilarity(dim=-1, eps=1e-6), [(2, 3), (3,)]),
    ("PairwiseDistance", lambda m: m.PairwiseDistance(), [(3, 4), (3, 4)]),
    ("PairwiseDistance-args", lambda m: m.PairwiseDistance(1.0, 1e-3, True), [(3, 4), (4,)]),
    ("Identity", lambda m: m.Identity(54, unused="x"), [(2, 3)]),
    ("Unflatten", lambda m: m.Unflatten(1, (2, 3)), [(4, 6, 5)]),
    ("Unflatten-last", lambda m: m.Unflatten(-1, (2, -1)), [(4, 6)]),
]


@pytest.mark.parametrize("name,make,shapes", MODULES, ids=[m[0] for m in MODULES])
def test_module_matches_torch(name, make, shapes):
    _compare_module(make, *shapes)


def test_prelu_module_parameters_follow_torch():
    ours = nn.PReLU(3, init=0.1, dtype=yingshe.float64)
    theirs = torch.nn.PReLU(3, init=0.1, dtype=torch.float64)
    assert ours.weight.shape == (3,) and ours.weight.dtype == yingshe.float64
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert ours.num_parameters == 3 and ours.init == 0.1


# ---- the Module API -------------------------------------------------------------------------
def _model(L):
    return L.Sequential(OrderedDict([
        ("conv", L.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)), ("bn", L.BatchNorm2d(8)),
        ("act", L.ReLU(inplace=True)), ("drop", L.Dropout2d(0.1)), ("flat", L.Flatten()),
        ("head", L.Sequential(L.Linear(32, 16), L.PReLU(), L.Dropout(0.2), L.Linear(16, 4))),
        ("blocks", L.ModuleList([L.Linear(4, 4) for _ in range(3)] + [L.Tanh()])),
        ("extra", L.ModuleDict({"lrn": L.LocalResponseNorm(2), "cos": L.CosineSimilarity()}))]))


def test_print_model_matches_torch():
    assert str(_model(nn)) == str(_model(torch.nn))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())


def test_parameter_containers_repr_like_torch():
    def build(L, tensor):
        return (L.ParameterList([L.Parameter(tensor(2, 3)), L.Parameter(tensor(4))]),
                L.ParameterDict({"a": L.Parameter(tensor(2, 3))}))
    ours = build(nn, lambda *s: yingshe.zeros(*s))
    theirs = build(torch.nn, lambda *s: torch.zeros(*s))
    for a, b in zip(ours, theirs):
        assert repr(a) == repr(b).replace("torch.", "yingshe.")


def test_traversal_matches_torch():
    ours, theirs = _model(nn), _model(torch.nn)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == \
        [type(m).__name__ for m in theirs.modules()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules(prefix="m")] == \
        [n for n, _ in theirs.named_modules(prefix="m")]
    assert type(ours.get_submodule("head.1")) is nn.PReLU
    assert ours.get_parameter("head.1.weight") is ours.head[1].weight
    assert ours.get_buffer("bn.running_mean") is ours.bn.running_mean


@pytest.mark.parametrize("method,target", [
    ("get_submodule", "head.9"), ("get_submodule", "head.0.weight"),
    ("get_parameter", "head.0.nothing"), ("get_parameter", "bn.running_mean"),
    ("get_parameter", "missing.weight"), ("get_buffer", "bn.weight"),
    ("get_buffer", "bn.nothing")])
def test_get_errors_match_torch(method, target):
    with pytest.raises(AttributeError) as expected:
        getattr(_model(torch.nn), method)(target)
    message = check_raises(lambda: getattr(_model(nn), method)(target), AttributeError)
    assert message == str(expected.value)


def test_apply_with_torch_init_pattern_gives_torch_weights():
    def init_weights(L, init):
        def fn(m):
            if isinstance(m, L.Linear):
                init.constant_(m.weight, 0.5)
                init.zeros_(m.bias)
            elif isinstance(m, L.Conv2d):
                init.ones_(m.weight)
        return fn
    ours = _model(nn).apply(init_weights(nn, nn.init))
    theirs = _model(torch.nn).apply(init_weights(torch.nn, torch.nn.init))
    assert isinstance(ours, nn.Sequential)
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        if "conv" in name or "head.0" in name or "head.3" in name or "blocks" in name:
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    order = []
    ours.apply(lambda m: order.append(type(m).__name__))
    torch_order = []
    theirs.apply(lambda m: torch_order.append(type(m).__name__))
    assert order == torch_order  # children first, then the module itself


def test_train_eval_requires_grad_and_zero_grad_as_torch():
    calls = []

    class Recorder(nn.Module):
        def train(self, mode=True):
            calls.append(mode)
            return super().train(mode)

        def forward(self, x):
            return x

    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(Recorder()))
    assert model.eval() is model and model.train() is model
    assert calls == [False, True]  # each child's own train() runs, as in PyTorch
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    model(yingshe.ones(1, 2)).sum().backward()
    grad = model[0].weight.grad
    assert model.zero_grad(set_to_none=False) is None
    assert model[0].weight.grad is grad and not grad.numpy().any()  # zeroed in place
    model.zero_grad()
    assert model[0].weight.grad is None
    check_raises(lambda: model.train("yes"), ValueError, "boolean")


def _torch_state(module):
    return OrderedDict((k, yingshe.from_numpy(v.detach().numpy().copy()))
                       for k, v in module.state_dict().items())


def test_load_state_dict_results_and_errors_match_torch():
    ours, theirs = _model(nn), _model(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    full = _torch_state(theirs)
    assert str(ours.load_state_dict(full)) == str(theirs.load_state_dict(theirs.state_dict()))
    assert repr(ours.load_state_dict(full)) == "<All keys matched successfully>"
    partial = OrderedDict(full)
    partial.pop("head.0.bias")
    partial["extra_key"] = full["bn.weight"]
    th_partial = OrderedDict(theirs.state_dict())
    th_partial.pop("head.0.bias")
    th_partial["extra_key"] = theirs.state_dict()["bn.weight"]
    result, expected = ours.load_state_dict(partial, strict=False), \
        theirs.load_state_dict(th_partial, strict=False)
    assert result == tuple(expected) and str(result) == str(expected)
    assert result.missing_keys == ["head.0.bias"] and result.unexpected_keys == ["extra_key"]
    with pytest.raises(RuntimeError) as torch_error:
        theirs.load_state_dict(th_partial)
    message = check_raises(lambda: ours.load_state_dict(partial), RuntimeError)
    assert message == str(torch_error.value)
    check_raises(lambda: ours.load_state_dict([1, 2]), TypeError,
                 "Expected state_dict to be dict-like")


def test_state_dict_of_shared_modules_and_reassigned_parameters_as_torch():
    def build(L):
        shared = L.Linear(2, 2)
        model = L.Sequential(shared, L.ReLU(), shared, L.Linear(2, 2))
        model[3].weight = model[0].weight  # re-assigned: keeps its place in the order
        return model
    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert str(ours.load_state_dict(_torch_state(theirs))) == "<All keys matched successfully>"


def test_load_state_dict_assign_replaces_the_tensors():
    layer = nn.Linear(3, 2)
    layer.bias.requires_grad_(False)
    weight = yingshe.randn(2, 3, dtype=yingshe.float64)
    layer.load_state_dict({"weight": weight, "bias": yingshe.zeros(2, dtype=yingshe.float64)},
                          assign=True)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.dtype == yingshe.float64
    np.testing.assert_array_equal(layer.weight.detach().numpy(), weight.numpy())
    assert layer.weight.requires_grad and not layer.bias.requires_grad


def test_forward_hooks_follow_torch_semantics():
    def run(L, lib):
        layer = L.Linear(3, 2)
        layer.load_state_dict({"weight": lib.ones(2, 3), "bias": lib.zeros(2)})
        log = []
        h1 = layer.register_forward_hook(lambda m, a, o: log.append("post") or o * 2)
        layer.register_forward_hook(lambda m, a, o: log.append("first") or o + 1, prepend=True)
        layer.register_forward_hook(lambda m, a, kw, o: log.append(("kwargs", sorted(kw))),
                                    with_kwargs=True)
        layer.register_forward_pre_hook(lambda m, a: (a[0] * 3,))
        layer.register_forward_pre_hook(lambda m, a, kw: log.append("pre-kw") or (a, kw),
                                        with_kwargs=True)
        out = layer(lib.ones(1, 3)).detach().numpy().copy()
        h1.remove()
        out_without = layer(lib.ones(1, 3)).detach().numpy().copy()
        return out, out_without, log
    ours, theirs = run(nn, yingshe), run(torch.nn, torch)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2]


def test_forward_pre_hook_with_kwargs_must_return_a_pair():
    for L, lib in ((torch.nn, torch), (nn, yingshe)):
        layer = L.Linear(2, 2)
        layer.register_forward_pre_hook(lambda m, a, kw: a, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            layer(lib.ones(1, 2))


def test_always_call_hooks_run_when_forward_raises():
    for L, lib in ((torch.nn, torch), (nn, yingshe)):
        class Failing(L.Module):
            def forward(self, x):
                raise ValueError("boom")
        seen = []
        module = Failing()
        module.register_forward_hook(lambda m, a, o: seen.append(("always", o)), always_call=True)
        module.register_forward_hook(lambda m, a, o: seen.append("normal"))
        with pytest.raises(ValueError, match="boom"):
            module(lib.ones(1))
        assert seen == [("always", None)]


def _backward_hook_run(L, lib, x_requires_grad=True, replace=False):
    class TwoInTwoOut(L.Module):
        def forward(self, x, scale, y):
            return x * y * scale, (x + y).sum(1)

    module = TwoInTwoOut()
    log = []

    def hook(m, grad_input, grad_output):
        log.append(("hook", [None if g is None else g.numpy().copy() for g in grad_input],
                    [None if g is None else g.numpy().copy() for g in grad_output]))
        if replace:
            return tuple(None if g is None else g * 10 for g in grad_input)

    def pre_hook(m, grad_output):
        log.append(("pre", [g.numpy().copy() for g in grad_output]))
        return (grad_output[0] * 2, grad_output[1])

    module.register_full_backward_hook(hook)
    module.register_full_backward_pre_hook(pre_hook)
    x = lib.tensor(np.arange(6.0).reshape(2, 3)).requires_grad_(x_requires_grad)
    y = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3)).requires_grad_()
    a, b = module(x, 2.0, y)
    (a.sum() + (b * b).sum()).backward()
    return log, (None if x.grad is None else x.grad.numpy()), y.grad.numpy()


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_full_backward_hooks_match_torch(x_requires_grad, replace):
    ours = _backward_hook_run(nn, yingshe, x_requires_grad, replace)
    theirs = _backward_hook_run(torch.nn, torch, x_requires_grad, replace)
    assert [entry[0] for entry in ours[0]] == [entry[0] for entry in theirs[0]]
    for a, b in zip(ours[0], theirs[0]):
        for xs, ys in zip(a[1:], b[1:]):
            assert len(xs) == len(ys)
            for u, v in zip(xs, ys):
                assert (u is None) == (v is None)
                if u is not None:
                    np.testing.assert_allclose(u, v)
    for u, v in zip(ours[1:], theirs[1:]):
        assert (u is None) == (v is None)
        if u is not None:
            np.testing.assert_allclose(u, v)


def test_full_backward_hook_sees_none_for_outputs_without_gradient():
    for L, lib in ((torch.nn, torch), (nn, yingshe)):
        class TwoOutputs(L.Module):
            def forward(self, x):
                return x * 2, x * 3
        module, seen = TwoOutputs(), []
        module.register_full_backward_hook(
            lambda m, gi, go: seen.append([g is None for g in gi + go]))
        first, _ = module(lib.ones(2, requires_grad=True))
        first.sum().backward()
        assert seen == [[False, False, True]]


def test_full_backward_hook_without_differentiable_inputs_warns_and_fires():
    for L, lib in ((torch.nn, torch), (nn, yingshe)):
        layer = L.Linear(2, 2)
        seen = []
        layer.register_full_backward_hook(lambda m, gi, go: seen.append((gi, len(go))))
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            layer(lib.ones(1, 2)).sum().backward()
        assert seen == [((None,), 1)]


def test_backward_hook_handles_remove():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_full_backward_hook(lambda m, gi, go: seen.append(1))
    x = yingshe.ones(1, 2, requires_grad=True)
    layer(x).sum().backward()
    handle.remove()
    layer(x).sum().backward()
    assert seen == [1]


# ---- warnings where PyTorch warns ----------------------------------------------------------
def _both_warn(ys_call, th_call, match):
    with pytest.warns(UserWarning, match=match):
        th_call()
    with pytest.warns(UserWarning, match=match):
        return ys_call()


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 2, 2, 2)])
def test_dropout2d_on_other_ranks_warns_as_torch(shape):
    yingshe.manual_seed(0)
    y = _both_warn(lambda: F.dropout2d(yingshe.ones(*shape), 0.5),
                   lambda: TF.dropout2d(torch.ones(shape), 0.5),
                   f"Received a {len(shape)}-D input to dropout2d")
    per_channel = y.numpy().reshape(shape[0], shape[1], -1)  # one draw per (N, C)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
    with pytest.warns(UserWarning):
        y = nn.Dropout2d()(yingshe.ones(*shape))
    assert y.shape == shape


def test_dropout2d_on_3d_input_drops_channels_of_a_sequence_as_torch():
    """A 3-D input is read as (N, C, L), not as an unbatched image (C, H, W)."""
    yingshe.manual_seed(0)
    y = _both_warn(lambda: F.dropout2d(yingshe.ones(6, 8, 5), 0.5),
                   lambda: TF.dropout2d(torch.ones(6, 8, 5), 0.5),
                   "assuming that channel-wise 1D dropout behavior is desired")
    y = y.numpy()
    assert np.all(y.min(axis=2) == y.max(axis=2))  # constant along L
    assert len(np.unique(y[:, :, 0])) == 2 and not np.all(y[0] == y[0, :1])  # varies over N, C


def test_dropout2d_needs_two_dims_to_drop_as_torch():
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="at least 2 dimensions"):
        TF.dropout2d(torch.ones(4), 0.5)
    with pytest.warns(UserWarning):
        check_raises(lambda: F.dropout2d(yingshe.ones(4), 0.5), RuntimeError,
                     "at least 2 dimensions")
    x = yingshe.ones(4)
    with pytest.warns(UserWarning):
        y = F.dropout2d(x, 0.5, training=False)
    assert y is x


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5, 2, 2), (6,)])
def test_dropout3d_on_other_ranks_warns_and_reads_them_unbatched(shape):
    yingshe.manual_seed(0)
    y = _both_warn(lambda: F.dropout3d(yingshe.ones(*shape), 0.5),
                   lambda: TF.dropout3d(torch.ones(shape), 0.5),
                   f"Received a {len(shape)}-D input to dropout3d").numpy()
    assert y.shape == shape
    per_channel = y.reshape(shape[0], -1)  # one draw per leading (channel) index
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))


@pytest.mark.parametrize("shape", [(2, 3, 4, 4, 4), (3, 4, 4, 4)])
def test_dropout3d_drops_whole_volumes(shape):
    yingshe.manual_seed(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nn.Dropout3d(0.5)(yingshe.ones(*shape)).numpy()
    assert repr(nn.Dropout3d(0.5)) == repr(torch.nn.Dropout3d(0.5))
    per_channel = y.reshape(-1, 64)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert nn.Dropout3d(0.5).eval()(yingshe.ones(*shape)).numpy().min() == 1.0


def test_dropout1d_raises_on_other_ranks_as_torch():
    with pytest.raises(RuntimeError) as expected:
        TF.dropout1d(torch.ones(2, 3, 4, 5))
    check_raises(lambda: F.dropout1d(yingshe.ones(2, 3, 4, 5)), RuntimeError,
                 str(expected.value).split(".")[0])
    yingshe.manual_seed(0)
    y = F.dropout1d(yingshe.ones(8, 6), 0.5).numpy()  # unbatched (C, L)
    assert np.all(y.min(axis=1) == y.max(axis=1))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(), (4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)])
def test_implicit_softmax_dim_warns_and_picks_torch_dim(name, shape):
    x = rng.standard_normal(shape)
    match = f"Implicit dimension choice for {name} has been deprecated"
    ours = _both_warn(lambda: getattr(F, name)(yingshe.from_numpy(x.copy())),
                      lambda: getattr(TF, name)(torch.from_numpy(x.copy())), match)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, name)(torch.from_numpy(x.copy()))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_softmax_modules_without_dim_warn_and_tensor_softmax_requires_it():
    x = rng.standard_normal((2, 3))
    for module in ("Softmax", "LogSoftmax", "Softmin"):
        ours = _both_warn(lambda: getattr(nn, module)()(yingshe.from_numpy(x.copy())),
                          lambda: getattr(torch.nn, module)()(torch.from_numpy(x.copy())),
                          "Implicit dimension choice")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = getattr(torch.nn, module)()(torch.from_numpy(x.copy()))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    with pytest.raises(TypeError):
        torch.softmax(torch.zeros(2, 3))
    with pytest.raises(TypeError):
        yingshe.softmax(yingshe.zeros(2, 3))


LEGACY = [({"size_average": False}, "sum"), ({"reduce": False}, "none"),
          ({"size_average": True}, "mean"), ({"size_average": False, "reduce": False}, "none"),
          ({"size_average": True, "reduce": True}, "mean")]


@pytest.mark.parametrize("legacy,reduction", LEGACY, ids=str)
@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss"])
def test_legacy_loss_arguments_warn_and_choose_the_reduction_as_torch(name, legacy, reduction):
    ours = _both_warn(lambda: getattr(nn, name)(**legacy),
                      lambda: getattr(torch.nn, name)(**legacy),
                      f"please use reduction='{reduction}' instead")
    assert ours.reduction == reduction
    logits = rng.standard_normal((5, 3))
    target = np.array([0, 2, 1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, name)(**legacy)(torch.from_numpy(logits), torch.from_numpy(target))
    value = ours(yingshe.from_numpy(logits), yingshe.from_numpy(target))
    np.testing.assert_allclose(value.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("legacy,reduction", LEGACY, ids=str)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss",
                                  "binary_cross_entropy_with_logits"])
def test_legacy_functional_loss_arguments_warn_as_torch(name, legacy, reduction):
    x, y = rng.uniform(0.1, 0.9, (4, 3)), rng.uniform(0.1, 0.9, (4, 3))
    ours = _both_warn(
        lambda: getattr(F, name)(yingshe.from_numpy(x), yingshe.from_numpy(y), **legacy),
        lambda: getattr(TF, name)(torch.from_numpy(x), torch.from_numpy(y), **legacy),
        f"reduction='{reduction}'")
    np.testing.assert_allclose(ours.numpy(), getattr(TF, name)(
        torch.from_numpy(x), torch.from_numpy(y), reduction=reduction).numpy(), rtol=1e-12)


def test_kl_div_mean_warns_as_torch():
    x, y = np.log(rng.uniform(0.1, 1, (4, 3))), rng.uniform(0.1, 1, (4, 3))
    ours = _both_warn(lambda: F.kl_div(yingshe.from_numpy(x), yingshe.from_numpy(y)),
                      lambda: TF.kl_div(torch.from_numpy(x), torch.from_numpy(y)),
                      "'batchmean' divides only by the batch size")
    with pytest.warns(UserWarning, match="batchmean"):
        theirs = TF.kl_div(torch.from_numpy(x), torch.from_numpy(y), reduction="mean")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction in ("batchmean", "sum", "none"):
            np.testing.assert_allclose(
                F.kl_div(yingshe.from_numpy(x), yingshe.from_numpy(y),
                         reduction=reduction).numpy(),
                TF.kl_div(torch.from_numpy(x), torch.from_numpy(y), reduction=reduction).numpy())


def test_upsample_is_a_deprecated_interpolate():
    x = rng.standard_normal((1, 2, 3, 4))
    ours = _both_warn(lambda: F.upsample(yingshe.from_numpy(x), scale_factor=2),
                      lambda: TF.upsample(torch.from_numpy(x), scale_factor=2),
                      "nn.functional.upsample` is deprecated")
    np.testing.assert_array_equal(ours.numpy(),
                                  TF.interpolate(torch.from_numpy(x), scale_factor=2).numpy())
