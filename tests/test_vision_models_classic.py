"""yingshe.vision.models' AlexNet and VGG against torchvision 0.28: the same module tree (str),
state_dict keys, shapes and dtypes; torchvision's weights loaded through ``load_state_dict`` give
the same outputs and gradients; the small-input variants run on 28 x 28 and 32 x 32 images."""
import numpy as np
import pytest
import torch

import yingshe
from torchvision_oracle import torchvision
from yingshe.vision import models


def _arrays(torch_model):
    return {k: v.detach().numpy().copy() for k, v in torch_model.state_dict().items()}


def _load_torchvision_weights(torch_model, ys_model):
    """torchvision's state_dict -> NumPy arrays -> yingshe ``load_state_dict``."""
    ys_model.load_state_dict({k: yingshe.from_numpy(v) for k, v in _arrays(torch_model).items()})


def _randomise_batch_norm(torch_model, rng):
    """Non-trivial running statistics and affine parameters, so eval mode tests them."""
    with torch.no_grad():
        for m in torch_model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.from_numpy(rng.standard_normal(n).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2, n).astype(np.float32)))
                m.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, n).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(rng.standard_normal(n).astype(np.float32)))


def _assert_close(actual, expected, scale=None):
    """Agreement to rtol 1e-4 (float32) or 1e-7 (float64), atol 1e-5 or 1e-8 of ``scale``
    (default: the largest |expected|)."""
    scale = np.abs(expected).max() if scale is None else scale
    rtol = 1e-4 if expected.dtype == np.float32 else 1e-7
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale / 10)


def _assert_same_tree(model, expected_model):
    assert str(model) == str(expected_model).replace("torch.", "")
    expected = _arrays(expected_model)
    state = model.state_dict()
    assert list(state) == list(expected)
    for key, value in state.items():
        assert value.shape == expected[key].shape, key
        assert value.numpy().dtype == expected[key].dtype, key


@pytest.mark.parametrize("name", ["alexnet", "vgg11", "vgg11_bn"])
def test_matches_torchvision_with_its_weights(name):
    """The same module tree and state_dict; torchvision's weights, loaded, give its outputs."""
    expected_model = getattr(torchvision.models, name)().eval()
    model = getattr(models, name)().eval()
    _assert_same_tree(model, expected_model)
    rng = np.random.default_rng(0)
    _randomise_batch_norm(expected_model, rng)
    _load_torchvision_weights(expected_model, model)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    with yingshe.no_grad():
        out = model(yingshe.from_numpy(x))
    with torch.no_grad():
        expected = expected_model(torch.from_numpy(x)).numpy()
    assert out.shape == (1, 1000) and out.dtype == yingshe.float32
    _assert_close(out.numpy(), expected)


@pytest.mark.parametrize("name, kwargs", [("alexnet", {"num_classes": 10, "dropout": 0.3}),
                                          ("vgg16", {})])
def test_module_tree_and_state_dict_match_torchvision(name, kwargs):
    _assert_same_tree(getattr(models, name)(**kwargs),
                      getattr(torchvision.models, name)(**kwargs))


def _alexnet_pair():
    return (models.alexnet(num_classes=10, dropout=0.0),
            torchvision.models.alexnet(num_classes=10, dropout=0.0))


def _vgg11_bn_features_pair():
    """VGG-11-BN's feature extractor (its classifier, 100M parameters, is slow to build)."""
    return (models.vgg.make_layers(models.vgg.cfgs["A"], True),
            torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["A"], True))


@pytest.mark.parametrize("pair, side, out_shape, dtype", [
    (_alexnet_pair, 64, (2, 10), np.float32),
    (_vgg11_bn_features_pair, 32, (2, 512, 1, 1), np.float64),
])
def test_train_mode_gradients_with_torchvision_weights(pair, side, out_shape, dtype):
    """dropout=0 makes train mode deterministic: batch-norm batch statistics, running-statistic
    updates and every gradient are compared.  VGG-BN in float64: batch norm over the few values
    of the last 2 x 2 maps divides by standard deviations near 0, which magnifies float32
    rounding."""
    model, expected_model = pair()
    if dtype == np.float64:
        model.double(), expected_model.double()
    model.train(), expected_model.train()
    _load_torchvision_weights(expected_model, model)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, side, side)).astype(dtype)
    upstream = rng.standard_normal(out_shape).astype(dtype)
    xt, xy = torch.from_numpy(x).requires_grad_(), yingshe.from_numpy(x).requires_grad_()
    expected = expected_model(xt)
    out = model(xy)
    _assert_close(out.detach().numpy(), expected.detach().numpy())
    expected.backward(torch.from_numpy(upstream))
    out.backward(yingshe.from_numpy(upstream))
    _assert_close(xy.grad.numpy(), xt.grad.numpy())
    expected_grads = {k: p.grad.numpy() for k, p in expected_model.named_parameters()}
    # Biases of convolutions followed by batch norm have zero gradient up to rounding: compare
    # every gradient on the scale of the largest one.
    scale = max(np.abs(g).max() for g in expected_grads.values())
    for key, p in model.named_parameters():
        _assert_close(p.grad.numpy(), expected_grads[key], scale)
    expected_state = _arrays(expected_model)
    for key, value in model.state_dict().items():
        _assert_close(value.numpy(), expected_state[key])


def test_vgg_initialisation_follows_torchvision():
    """He-normal fan_out convolutions, N(0, 0.01^2) linear weights, batch norm 1 and 0, zero
    biases; init_weights=False keeps the layers' own initialisation.  (The small-input head is
    initialised by the same code and is cheaper to build.)"""
    model = models.vgg11_bn(num_classes=10, small_input=True)
    convs = [m for m in model.modules() if isinstance(m, yingshe.nn.Conv2d)]
    assert len(convs) == 8
    for conv in convs:
        w = conv.weight.detach().numpy()
        std = np.sqrt(2.0 / (w.shape[0] * w.shape[2] * w.shape[3]))
        assert abs(w.mean()) < 0.05 * std and abs(w.std() / std - 1) < 0.05
        assert not conv.bias.detach().numpy().any()
    for m in model.modules():
        if isinstance(m, yingshe.nn.BatchNorm2d):
            assert (m.weight.detach().numpy() == 1).all() and not m.bias.detach().numpy().any()
    linears = [m for m in model.modules() if isinstance(m, yingshe.nn.Linear)]
    assert len(linears) == 3
    for linear in linears[:2]:
        assert abs(linear.weight.detach().numpy().std() / 0.01 - 1) < 0.02
    assert all(not linear.bias.detach().numpy().any() for linear in linears)
    untouched = models.vgg11(num_classes=10, init_weights=False, small_input=True)
    assert untouched.classifier[6].bias.detach().numpy().any()  # Linear's own U(-1/sqrt(in), 1/sqrt(in))


SMALL = [("alexnet", models.alexnet), ("vgg11", models.vgg11), ("vgg11_bn", models.vgg11_bn),
         ("vgg16_bn", models.vgg16_bn)]


@pytest.mark.parametrize("name, builder", SMALL)
@pytest.mark.parametrize("shape", [(2, 1, 28, 28), (2, 3, 32, 32)])
def test_small_input_variants_train_on_small_images(name, builder, shape):
    rng = np.random.default_rng(0)
    model = builder(num_classes=10, in_channels=shape[1], small_input=True).train()
    x = yingshe.from_numpy(rng.standard_normal(shape).astype(np.float32))
    out = model(x)
    assert out.shape == (2, 10) and out.dtype == yingshe.float32
    yingshe.nn.functional.cross_entropy(out, yingshe.tensor([3, 7])).backward()
    for key, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, key
        assert np.isfinite(p.grad.numpy()).all(), key
    assert model.features[0].weight.shape == (64, shape[1], 3, 3)


def test_small_input_layout():
    alex = models.alexnet(num_classes=10, in_channels=1, small_input=True)
    assert str(alex.features[0]) == "Conv2d(1, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert str(alex.features[2]) == str(models.alexnet().features[2])  # 28 -> 13 -> 6 -> 2
    assert alex.classifier[1].weight.shape == (512, 256)
    assert alex.classifier[6].weight.shape == (10, 512)
    # The same state_dict keys as the full-size models: the layer indices do not move.
    assert list(alex.state_dict()) == list(models.alexnet().state_dict())
    cfg = models.vgg.cfgs["A"]
    assert (list(models.vgg.make_layers(cfg, True, small_input=True).state_dict())
            == list(models.vgg.make_layers(cfg, True).state_dict()))
    vgg = models.vgg11(num_classes=10, small_input=True)
    assert not isinstance(vgg.features[-1], yingshe.nn.MaxPool2d)  # the last pool is left out
    assert vgg.classifier[0].weight.shape == (512, 512)
    with yingshe.no_grad():
        for side, pooled in [(28, 1), (32, 2)]:
            x = yingshe.zeros(1, 3, side, side)
            assert vgg.features(x).shape == (1, 512, pooled, pooled)


@pytest.mark.parametrize("builder", ["alexnet", "vgg11_bn", "googlenet", "resnet18", "resnet50",
                                     "mobilenet_v2"])
def test_width_mult_scales_channels_and_keeps_keys(builder):
    """width_mult (our addition) scales every convolution and keeps the state_dict keys."""
    options = {"init_weights": True} if builder == "googlenet" else {}
    full = getattr(models, builder)(num_classes=10, in_channels=1, small_input=True, **options)
    narrow = getattr(models, builder)(num_classes=10, in_channels=1, small_input=True,
                                      width_mult=0.25, **options)
    assert list(narrow.state_dict()) == list(full.state_dict())
    convs = [(a.out_channels, b.out_channels) for a, b in zip(full.modules(), narrow.modules())
             if isinstance(a, yingshe.nn.Conv2d)]
    assert all(small <= wide for wide, small in convs)
    assert sum(small < wide for wide, small in convs) > len(convs) / 2
    narrow.eval()
    assert narrow(yingshe.randn(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="width_mult must be positive"):
        getattr(models, builder)(num_classes=10, width_mult=0, **options)


def test_in_channels_with_the_full_size_layout():
    model = models.alexnet(num_classes=10, in_channels=1).eval()
    assert model.features[0].weight.shape == (64, 1, 11, 11)
    with yingshe.no_grad():
        assert model(yingshe.zeros(1, 1, 63, 63)).shape == (1, 10)
    features = models.vgg.make_layers(models.vgg.cfgs["A"], in_channels=1)
    assert features[0].weight.shape == (64, 1, 3, 3)


VGG_BUILDERS = {"vgg11": ("A", False), "vgg11_bn": ("A", True), "vgg13": ("B", False),
                "vgg13_bn": ("B", True), "vgg16": ("D", False), "vgg16_bn": ("D", True),
                "vgg19": ("E", False), "vgg19_bn": ("E", True)}


@pytest.mark.parametrize("cfg", "ABDE")
@pytest.mark.parametrize("batch_norm", [False, True])
def test_make_layers_matches_torchvision(cfg, batch_norm):
    assert models.vgg.cfgs == torchvision.models.vgg.cfgs
    expected = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs[cfg], batch_norm)
    _assert_same_tree(models.vgg.make_layers(models.vgg.cfgs[cfg], batch_norm), expected)


@pytest.mark.parametrize("name", VGG_BUILDERS)
def test_every_vgg_builder_uses_its_configuration(name):
    """Checked on the small-input model (cheap to build): torchvision's features less the last
    max-pool, which small_input leaves out."""
    cfg, batch_norm = VGG_BUILDERS[name]
    expected = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs[cfg], batch_norm)
    model = getattr(models, name)(num_classes=10, small_input=True)
    assert str(model.features) == str(expected[:-1])


def test_a_width_that_leaves_no_channel_per_group_is_named():
    with pytest.raises(ValueError, match="no channel per group .*32 groups.*width_mult"):
        models.resnext50_32x4d(num_classes=10, small_input=True, width_mult=0.125)
