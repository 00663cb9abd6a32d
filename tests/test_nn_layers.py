"""Layers against torch.nn: the same state_dict in gives the same outputs, input gradients and
parameter gradients out; parameter names/shapes, default initialisation ranges and repr match."""
import math
from collections import OrderedDict

import numpy as np
import pytest
import torch

import yingshe
from helpers import check_raises
from yingshe import nn

rng = np.random.default_rng(0)


def _load_torch_state(module, torch_module):
    state = {k: yingshe.from_numpy(v.detach().numpy().copy())
             for k, v in torch_module.state_dict().items()}
    module.load_state_dict(state)


def _compare_layer(module, torch_module, *input_shapes, integer_input=None, train=True):
    """Load torch's weights, run both on the same inputs, compare outputs and every gradient."""
    assert [(k, tuple(v.shape)) for k, v in module.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in torch_module.state_dict().items()]
    _load_torch_state(module, torch_module)
    module.train(train)
    torch_module.train(train)
    if integer_input is not None:
        arrays = [integer_input]
        ys_in = [yingshe.from_numpy(integer_input)]
        th_in = [torch.from_numpy(integer_input)]
    else:
        arrays = [rng.standard_normal(s).astype(np.float32) for s in input_shapes]
        ys_in = [yingshe.from_numpy(a.copy()).requires_grad_() for a in arrays]
        th_in = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ys_out, th_out = module(*ys_in), torch_module(*th_in)
    np.testing.assert_allclose(ys_out.detach().numpy(), th_out.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    seed = rng.standard_normal(tuple(th_out.shape)).astype(np.float32)
    (ys_out * yingshe.from_numpy(seed)).sum().backward()
    (th_out * torch.from_numpy(seed)).sum().backward()
    if integer_input is None:
        for a, b in zip(ys_in, th_in):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)
    th_params = dict(torch_module.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), th_params[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-4, err_msg=name)
    for name, b in torch_module.named_buffers():
        np.testing.assert_allclose(module.get_buffer(name).numpy() if hasattr(module, "get_buffer")
                                   else dict(module.named_buffers())[name].numpy(),
                                   b.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    assert repr(module) == repr(torch_module)


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), [(4, 5)]),
    ("Linear-3d-nobias", lambda m: m.Linear(5, 3, bias=False), [(2, 4, 5)]),
    ("Bilinear", lambda m: m.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    ("Identity", lambda m: m.Identity(), [(2, 3)]),
    ("Flatten", lambda m: m.Flatten(), [(2, 3, 4, 5)]),
    ("Unflatten", lambda m: m.Unflatten(1, (3, 4)), [(2, 12)]),
    ("Conv1d", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    ("Conv2d", lambda m: m.Conv2d(3, 4, 3, padding=1), [(2, 3, 6, 6)]),
    ("Conv2d-same-groups", lambda m: m.Conv2d(4, 6, (3, 2), padding="same", groups=2,
                                              bias=False), [(2, 4, 5, 6)]),
    ("Conv2d-dilated", lambda m: m.Conv2d(2, 3, 3, stride=2, dilation=2), [(1, 2, 9, 9)]),
    ("ConvTranspose2d", lambda m: m.ConvTranspose2d(3, 2, 3, stride=2, padding=1,
                                                    output_padding=1), [(2, 3, 4, 4)]),
    ("MaxPool2d", lambda m: m.MaxPool2d(2), [(2, 3, 6, 6)]),
    ("MaxPool2d-ceil", lambda m: m.MaxPool2d(3, 2, padding=1, ceil_mode=True), [(1, 2, 7, 8)]),
    ("AvgPool2d", lambda m: m.AvgPool2d(2, padding=1), [(2, 3, 5, 5)]),
    ("AdaptiveAvgPool2d", lambda m: m.AdaptiveAvgPool2d((2, 3)), [(2, 3, 7, 8)]),
    ("AdaptiveMaxPool2d", lambda m: m.AdaptiveMaxPool2d(2), [(2, 3, 7, 8)]),
    ("Upsample", lambda m: m.Upsample(scale_factor=2), [(1, 2, 3, 4)]),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(4), [(8, 4)]),
    ("BatchNorm1d-3d", lambda m: m.BatchNorm1d(4, momentum=0.3), [(8, 4, 5)]),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3), [(4, 3, 5, 5)]),
    ("BatchNorm2d-no-affine", lambda m: m.BatchNorm2d(3, affine=False), [(4, 3, 2, 2)]),
    ("BatchNorm2d-no-bias", lambda m: m.BatchNorm2d(3, bias=False), [(4, 3, 2, 2)]),
    ("LayerNorm-no-bias", lambda m: m.LayerNorm(4, bias=False), [(3, 4)]),
    ("GroupNorm-no-affine", lambda m: m.GroupNorm(3, 6, affine=False), [(3, 6, 4)]),
    ("LayerNorm", lambda m: m.LayerNorm((4, 5)), [(3, 4, 5)]),
    ("GroupNorm", lambda m: m.GroupNorm(2, 6), [(3, 6, 4)]),
    ("ReLU", lambda m: m.ReLU(), [(3, 4)]),
    ("ReLU6", lambda m: m.ReLU6(), [(3, 4)]),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), [(3, 4)]),
    ("ELU", lambda m: m.ELU(), [(3, 4)]),
    ("GELU", lambda m: m.GELU(), [(3, 4)]),
    ("SiLU", lambda m: m.SiLU(), [(3, 4)]),
    ("Sigmoid", lambda m: m.Sigmoid(), [(3, 4)]),
    ("Tanh", lambda m: m.Tanh(), [(3, 4)]),
    ("Softplus", lambda m: m.Softplus(beta=2), [(3, 4)]),
    ("Hardtanh", lambda m: m.Hardtanh(-0.5, 0.5), [(3, 4)]),
    ("Softmax", lambda m: m.Softmax(dim=1), [(3, 4)]),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), [(3, 4)]),
    ("Dropout-eval", lambda m: m.Dropout(0.5), [(3, 4)]),
]


@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_torch(name, make, shapes):
    _compare_layer(make(nn), make(torch.nn), *shapes, train=not name.startswith("Dropout"))


def test_batch_norm_running_stats_follow_torch_over_steps_then_eval():
    ys, th = nn.BatchNorm2d(3, momentum=0.2), torch.nn.BatchNorm2d(3, momentum=0.2)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 2, 2)).astype(np.float32) * 3 + 1
        ys(yingshe.from_numpy(x))
        th(torch.from_numpy(x))
    np.testing.assert_allclose(ys.running_var.numpy(), th.running_var.numpy(), rtol=1e-5)
    assert int(ys.num_batches_tracked.item()) == 3
    _compare_layer(ys, th, (2, 3, 2, 2), train=False)


def test_batch_norm_cumulative_average_when_momentum_is_none():
    ys, th = nn.BatchNorm1d(2, momentum=None), torch.nn.BatchNorm1d(2, momentum=None)
    for _ in range(4):
        x = rng.standard_normal((5, 2)).astype(np.float32)
        ys(yingshe.from_numpy(x))
        th(torch.from_numpy(x))
    np.testing.assert_allclose(ys.running_mean.numpy(), th.running_mean.numpy(), rtol=1e-5)


def test_embedding_matches_torch():
    idx = np.array([[1, 0, 3], [3, 3, 2]])
    _compare_layer(nn.Embedding(5, 4, padding_idx=0), torch.nn.Embedding(5, 4, padding_idx=0),
                   integer_input=idx)


def test_embedding_from_pretrained_is_frozen():
    table = yingshe.randn(4, 2)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(yingshe.tensor([2])).numpy(), table.numpy()[[2]])


def test_inplace_flag_is_accepted_and_leaves_the_input_alone():
    x = yingshe.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    assert x.tolist() == [-1.0, 2.0] and y.tolist() == [0.0, 2.0]
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert nn.functional.relu(x, inplace=True).tolist() == [0.0, 2.0]
    assert x.tolist() == [-1.0, 2.0]


def test_dropout_module_trains_and_evaluates():
    yingshe.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = yingshe.ones(1000)
    assert 0.4 < (drop(x).numpy() == 0).mean() < 0.6
    drop.eval()
    assert drop(x) is x
    check_raises(lambda: nn.Dropout(-0.1), ValueError, "-0.1")


@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Linear(300, 200), 300),
    (lambda: nn.Conv2d(16, 32, 5), 16 * 25),
    (lambda: nn.Conv2d(16, 32, 3, groups=4), 4 * 9),
    (lambda: nn.ConvTranspose2d(16, 8, 4), 8 * 16),
])
def test_default_initialisation_matches_torch_distribution(make, fan_in):
    """kaiming_uniform(a=sqrt 5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases."""
    yingshe.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(layer.bias.detach().numpy()).max() <= bound


def test_embedding_and_norm_initialisation():
    yingshe.manual_seed(0)
    emb = nn.Embedding(1000, 50, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert abs(w.std() - 1) < 0.02 and not w[3].any()
    bn = nn.BatchNorm2d(4)
    assert bn.weight.detach().numpy().tolist() == [1.0] * 4
    assert bn.num_batches_tracked.dtype == yingshe.int64


def test_shape_errors_name_the_shapes():
    check_raises(lambda: nn.BatchNorm2d(3)(yingshe.randn(2, 4, 5, 5)), ValueError, "3 channels",
                 "(2, 4, 5, 5)")
    check_raises(lambda: nn.BatchNorm2d(3)(yingshe.randn(2, 3)), ValueError, "4-D", "(2, 3)")
    check_raises(lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "groups")
    check_raises(lambda: nn.GroupNorm(4, 6), ValueError, "6", "4")


def test_sequential_from_ordered_dict_runs_lenet_like_stack():
    model = nn.Sequential(OrderedDict([
        ("conv", nn.Conv2d(1, 6, 5, padding=2)), ("act", nn.ReLU()), ("pool", nn.MaxPool2d(2)),
        ("flat", nn.Flatten()), ("fc", nn.Linear(6 * 14 * 14, 10))]))
    out = model(yingshe.randn(2, 1, 28, 28))
    assert out.shape == (2, 10)
    assert [n for n, _ in model.named_parameters()] == ["conv.weight", "conv.bias", "fc.weight",
                                                        "fc.bias"]


def test_forward_hooks_and_their_handles():
    layer = nn.Linear(3, 2)
    x = yingshe.ones(1, 3)
    plain = layer(x).detach().numpy()
    outputs = []
    pre = layer.register_forward_pre_hook(lambda module, args: args[0] * 0.0)
    post = layer.register_forward_hook(lambda module, args, out: outputs.append(out) or out + 1.0)
    np.testing.assert_allclose(layer(x).detach().numpy(), layer.bias.detach().numpy()[None] + 1.0)
    assert len(outputs) == 1
    assert type(pre) is type(post) is yingshe.utils.hooks.RemovableHandle
    pre.remove()
    np.testing.assert_allclose(layer(x).detach().numpy(), plain + 1.0)
    post.remove()
    post.remove()  # removing twice is harmless
    np.testing.assert_allclose(layer(x).detach().numpy(), plain)
    assert len(outputs) == 2


def test_module_to_takes_the_arguments_of_tensor_to():
    layer = nn.Linear(2, 2)
    assert layer.to(yingshe.float64).weight.dtype == yingshe.float64
    assert layer.to("cpu", dtype=yingshe.float32).weight.dtype == yingshe.float32
    assert layer.to(yingshe.zeros(1, dtype=yingshe.float64)).bias.dtype == yingshe.float64
    assert layer.to(device="cpu", non_blocking=True).weight.dtype == yingshe.float64
    check_raises(lambda: layer.to(yingshe.int64), TypeError, "floating point", "int64")
