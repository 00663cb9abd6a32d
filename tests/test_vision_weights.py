"""Pretrained weights in yingshe.vision.models against torchvision 0.28: every builder's weight
enum holds torchvision's members, addresses, metadata and preprocessing; ``weights=`` fetches a
checkpoint written here by ``torch.save`` (from a file:// address or a cache folder, never the
network) into the hub cache, checks its SHA-256 prefix as torch.hub does, and gives torchvision's
outputs; ``weights.transforms()`` equals torchvision's ``ImageClassification``."""
import hashlib
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import yingshe
from helpers import check_raises
from torchvision_oracle import torchvision
from yingshe import hub
from yingshe.vision import models
from yingshe.vision.transforms._presets import ImageClassification

BUILDERS = ["alexnet", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
            "vgg19_bn", "googlenet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
            "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2",
            "wide_resnet101_2", "mobilenet_v2"]


@pytest.fixture
def hub_home(tmp_path, monkeypatch):
    """An empty $YINGSHE_HOME in tmp_path (and no set_dir folder); the checkpoints folder."""
    monkeypatch.setenv("YINGSHE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    return tmp_path / "home" / "hub" / "checkpoints"


def _save_published(state_dict, folder, stem):
    """torch.save ``state_dict`` into ``folder`` as "stem-<first 8 hex of its SHA-256>.pth", the
    way download.pytorch.org names its files; returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f"{stem}.staging"
    torch.save(state_dict, staging)
    digest = hashlib.sha256(staging.read_bytes()).hexdigest()
    return staging.rename(folder / f"{stem}-{digest[:8]}.pth")


def _publish(monkeypatch, weights, path):
    """Point ``weights``' address at the local ``path`` (a file:// URL)."""
    monkeypatch.setattr(weights.value, "url", path.as_uri())


def _randomise_batch_norm(torch_model, seed=0):
    """Non-trivial running statistics, so eval mode tests them."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for m in torch_model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.from_numpy(
                    rng.standard_normal(m.num_features).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(
                    rng.uniform(0.5, 2, m.num_features).astype(np.float32)))


def _assert_outputs_match(model, torch_model, shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = torch_model.eval()(torch.from_numpy(x)).numpy()
    with yingshe.no_grad():
        actual = model.eval()(yingshe.from_numpy(x)).numpy()
    assert actual.shape == expected.shape
    assert np.abs(actual - expected).max() / np.abs(expected).max() < 1e-4


# ---------------------------------------------------------------- the enums are torchvision's

def _same_meta(ours, theirs):
    """Equal metadata; "_docs" compared with whitespace collapsed, NaN accuracies equal."""
    assert set(ours) == set(theirs)
    for key in theirs:
        if key == "_docs":
            assert " ".join(ours[key].split()) == " ".join(theirs[key].split())
        elif key == "_metrics":
            for name, value in theirs[key]["ImageNet-1K"].items():
                mine = ours[key]["ImageNet-1K"][name]
                assert mine == value or (math.isnan(mine) and math.isnan(value)), name
        else:
            assert ours[key] == theirs[key], key


@pytest.mark.parametrize("name", BUILDERS)
def test_every_builder_has_torchvisions_weights(name):
    ours, theirs = models.get_model_weights(name), torchvision.models.get_model_weights(name)
    assert ours.__name__ == theirs.__name__
    assert getattr(models, ours.__name__) is ours
    assert list(ours.__members__) == list(theirs.__members__)
    assert ours.DEFAULT.name == theirs.DEFAULT.name
    for member in theirs:
        mine = ours[member.name]
        assert mine.url == member.url
        _same_meta(mine.meta, member.meta)
        preset, expected = mine.transforms(), member.transforms()
        assert isinstance(preset, ImageClassification)
        for attribute in ("crop_size", "resize_size", "mean", "std", "antialias"):
            assert getattr(preset, attribute) == getattr(expected, attribute), attribute
        assert preset.interpolation.value == expected.interpolation.value


def test_list_models_names_every_builder_and_get_model_builds_it():
    assert models.list_models() == sorted(BUILDERS)
    assert set(BUILDERS) <= set(torchvision.models.list_models())
    assert models.list_models(module=models) == sorted(BUILDERS)
    assert models.list_models(include="resnet*", exclude=["*10?", "*152"]) == \
        ["resnet18", "resnet34", "resnet50"]
    assert models.list_models(include=["alex*", "mobile*"]) == ["alexnet", "mobilenet_v2"]
    model = models.get_model("ResNet18", num_classes=7, width_mult=0.25)
    assert isinstance(model, models.ResNet) and model.fc.out_features == 7
    assert models.get_model_builder("vgg11_bn") is models.vgg11_bn
    check_raises(lambda: models.get_model("resnet19"), ValueError, "Unknown model resnet19",
                 "resnet18")


def test_weights_are_named_as_in_torchvision():
    weights = models.ResNet18_Weights.IMAGENET1K_V1
    for name in (weights, "IMAGENET1K_V1", "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1",
                 "ResNet18_Weights.DEFAULT"):
        assert models.ResNet18_Weights.verify(name) is weights
    assert models.ResNet18_Weights.verify(None) is None
    assert models.ResNet50_Weights.verify("DEFAULT") is models.ResNet50_Weights.IMAGENET1K_V2
    assert repr(weights) == "ResNet18_Weights.IMAGENET1K_V1"
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V1") is \
        models.ResNet50_Weights.IMAGENET1K_V1
    assert models.get_weight("VGG16_Weights.IMAGENET1K_FEATURES").meta["categories"] is None
    assert models.get_model_weights(models.resnet18) is models.ResNet18_Weights
    check_raises(lambda: models.resnet18(weights="IMAGENET1K_V2"), ValueError,
                 "'IMAGENET1K_V2'", "ResNet18_Weights", "IMAGENET1K_V1, DEFAULT")
    check_raises(lambda: models.resnet18(weights="ResNet34_Weights.IMAGENET1K_V1"), ValueError,
                 "ResNet18_Weights")
    check_raises(lambda: models.resnet18(weights=models.ResNet34_Weights.DEFAULT), TypeError,
                 "expected ResNet18_Weights but received ResNet34_Weights")
    check_raises(lambda: models.get_weight("ResNet18_Weights"), ValueError, "Invalid weight name")
    check_raises(lambda: models.get_weight("ResNet19_Weights.DEFAULT"), ValueError,
                 "ResNet19_Weights", "ResNet18_Weights")


def test_categories_are_imagenets_thousand_classes():
    categories = models.ResNet18_Weights.DEFAULT.meta["categories"]
    assert len(categories) == 1000 == len(set(categories))
    assert categories[:3] == ["tench", "goldfish", "great white shark"]
    assert categories[207] == "golden retriever"
    assert categories[999] == "toilet tissue"
    assert models.MobileNet_V2_Weights.IMAGENET1K_V2.meta["categories"] is categories


# ---------------------------------------------------------------- weights= loads the checkpoint

def test_resnet18_downloads_checks_and_loads_torchvisions_checkpoint(tmp_path, hub_home,
                                                                      monkeypatch):
    torch_model = torchvision.models.resnet18()
    _randomise_batch_norm(torch_model)
    published = _save_published(torch_model.state_dict(), tmp_path / "server", "resnet18")
    _publish(monkeypatch, models.ResNet18_Weights.IMAGENET1K_V1, published)

    model = models.resnet18(weights="DEFAULT", progress=False)
    _assert_outputs_match(model, torch_model, (2, 3, 32, 32))
    assert sum(p.numel() for p in model.parameters()) == \
        models.ResNet18_Weights.IMAGENET1K_V1.meta["num_params"]
    cached = hub_home / published.name
    assert cached.read_bytes() == published.read_bytes()
    assert sorted(os.listdir(hub_home)) == [published.name]  # no temporary left

    published.unlink()  # from now on the cached copy is read
    state = models.ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
    np.testing.assert_array_equal(state["fc.weight"].numpy(), torch_model.fc.weight.detach())


def test_alexnet_loads_a_checkpoint_already_in_the_cache(hub_home, monkeypatch):
    torch_model = torchvision.models.alexnet()
    cached = _save_published(torch_model.state_dict(), hub_home, "alexnet-owt")
    # The address names a file nobody serves: the cached copy must be used, not downloaded.
    monkeypatch.setattr(models.AlexNet_Weights.IMAGENET1K_V1.value, "url",
                        "https://localhost.invalid/models/" + cached.name)
    model = models.alexnet(weights="AlexNet_Weights.IMAGENET1K_V1", progress=False)
    _assert_outputs_match(model, torch_model, (1, 3, 64, 64))


def test_a_download_whose_hash_differs_from_its_name_is_refused_and_not_kept(tmp_path, hub_home,
                                                                             monkeypatch):
    server = tmp_path / "server"
    server.mkdir()
    forged = server / "resnet18-0123abcd.pth"  # not the prefix of its SHA-256
    torch.save({"fc.bias": torch.zeros(1000)}, forged)
    _publish(monkeypatch, models.ResNet18_Weights.IMAGENET1K_V1, forged)
    actual = hashlib.sha256(forged.read_bytes()).hexdigest()
    check_raises(lambda: models.resnet18(weights="DEFAULT", progress=False), RuntimeError,
                 forged.name, f"SHA-256 {actual}", "published prefix 0123abcd")
    assert os.listdir(hub_home) == []


def test_a_cached_file_whose_hash_differs_from_its_name_is_refused(hub_home):
    hub_home.mkdir(parents=True)
    cached = hub_home / Path(models.ResNet18_Weights.IMAGENET1K_V1.url).name
    torch.save({"fc.bias": torch.zeros(1000)}, cached)
    check_raises(lambda: models.resnet18(weights="DEFAULT", progress=False), RuntimeError,
                 str(cached), "does not start with f37072fd", "Delete it")


def test_load_state_dict_from_url_as_torch_hub(tmp_path, hub_home, monkeypatch):
    state = {"w": torch.arange(6.0).reshape(2, 3)}
    source = tmp_path / "anything.pth"
    torch.save(state, source)
    loaded = hub.load_state_dict_from_url(source.as_uri(), progress=False, file_name="x.pth")
    np.testing.assert_array_equal(loaded["w"].numpy(), state["w"].numpy())
    assert (hub_home / "x.pth").is_file()
    # No hash in the name: check_hash has nothing to check (torch.hub's behaviour).
    other = tmp_path / "models"
    assert "w" in hub.load_state_dict_from_url(source.as_uri(), model_dir=str(other),
                                               progress=False, check_hash=True)
    assert (other / "anything.pth").is_file()
    check_raises(lambda: hub.load_state_dict_from_url(source.as_uri(), progress=False,
                                                      weights_only=False),
                 ValueError, "weights_only=False")


def test_the_hub_folder_follows_yingshe_home_and_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.delenv("YINGSHE_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert hub.get_dir() == os.path.expanduser("~/.cache/yingshe/hub")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == str(tmp_path / "xdg" / "yingshe" / "hub")
    monkeypatch.setenv("YINGSHE_HOME", str(tmp_path / "home"))
    assert hub.get_dir() == str(tmp_path / "home" / "hub")
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")


def test_weights_need_the_networks_the_checkpoints_hold(hub_home):
    check_raises(lambda: models.resnet18(weights="DEFAULT", num_classes=10), ValueError,
                 "num_classes=10", "1000 categories")
    check_raises(lambda: models.alexnet(weights="DEFAULT", num_classes=10), ValueError,
                 "num_classes=10")
    check_raises(lambda: models.resnet18(weights="DEFAULT", small_input=True), ValueError,
                 "small_input=True changes the network", "small_input=False", "weights=None")
    check_raises(lambda: models.vgg11(weights="DEFAULT", in_channels=1, width_mult=0.5),
                 ValueError, "in_channels=1, width_mult=0.5 change the network")
    check_raises(lambda: models.mobilenet_v2(weights="DEFAULT", width_mult=0.5), ValueError,
                 "width_mult=0.5")
    check_raises(lambda: models.googlenet(weights="DEFAULT", small_input=True), ValueError,
                 "small_input=True")
    check_raises(lambda: models.googlenet(weights="DEFAULT", aux_logits=False), ValueError,
                 "The parameter 'aux_logits' expected value True but got False instead.")
    assert not hub_home.exists() or os.listdir(hub_home) == []  # refused before any download


def test_googlenet_with_weights_transforms_its_input_and_drops_the_aux_heads(tmp_path, hub_home,
                                                                           monkeypatch):
    torch_model = torchvision.models.googlenet(aux_logits=True, init_weights=True)
    _randomise_batch_norm(torch_model)
    published = _save_published(torch_model.state_dict(), tmp_path / "server", "googlenet")
    _publish(monkeypatch, models.GoogLeNet_Weights.IMAGENET1K_V1, published)
    # What torchvision's googlenet(weights=...) returns: transform_input on, aux heads dropped.
    torch_model.transform_input, torch_model.aux_logits = True, False
    torch_model.aux1 = torch_model.aux2 = None

    model = models.googlenet(weights="DEFAULT", progress=False)
    assert model.transform_input and not model.aux_logits
    assert model.aux1 is None and model.aux2 is None
    _assert_outputs_match(model, torch_model, (1, 3, 32, 32))
    with pytest.warns(UserWarning, match="auxiliary heads .* NOT pretrained"):
        with_aux = models.googlenet(weights="DEFAULT", progress=False, aux_logits=True,
                                    transform_input=False)
    assert with_aux.aux1 is not None and not with_aux.transform_input


# ---------------------------------------------------------------- weights.transforms()

def _tv_preset(weights):
    return torchvision.transforms._presets.ImageClassification(
        **{k: v for k, v in weights.transforms.keywords.items()})


def test_transforms_equal_torchvisions_on_a_pil_image():
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (300, 260, 3), dtype=np.uint8))
    for weights in (models.ResNet50_Weights.IMAGENET1K_V2, models.VGG16_Weights.IMAGENET1K_FEATURES):
        ours, theirs = weights.transforms(), _tv_preset(weights)
        assert repr(ours) == repr(theirs)
        actual, expected = ours(image), theirs(image).numpy()
        assert actual.dtype == yingshe.float32 and actual.shape == (3, 224, 224)
        np.testing.assert_allclose(actual.numpy(), expected, rtol=1e-6, atol=1e-5)


def test_transforms_equal_torchvisions_on_tensors():
    """The resize is where the two differ, and yingshe's is the more exact of the two.

    Float tensors: torchvision's float64 result (the exact antialiased filter) is matched to
    float32 rounding; torchvision's own float32 result is 1.7e-5 away from it (its kernel works
    out the filter in float32), so that comparison gets a 2e-5 / std tolerance.  uint8 tensors:
    torchvision resamples them in fixed point (integer filter weights, as Pillow), yingshe in
    float32 rounded to the nearest level, so a few pixels differ by one grey level."""
    preset = models.ResNet18_Weights.DEFAULT.transforms()
    theirs = _tv_preset(models.ResNet18_Weights.DEFAULT)
    rng = np.random.default_rng(1)
    batch = rng.random((2, 3, 280, 300), dtype=np.float32)
    actual = preset(yingshe.from_numpy(batch)).numpy()
    exact = theirs(torch.from_numpy(batch.astype(np.float64))).numpy()
    np.testing.assert_allclose(actual, exact, rtol=0, atol=1e-6 / min(preset.std))
    np.testing.assert_allclose(actual, theirs(torch.from_numpy(batch)).numpy(), rtol=0,
                               atol=2e-5 / min(preset.std))
    image = rng.integers(0, 256, (3, 270, 300), dtype=np.uint8)
    actual = preset(yingshe.from_numpy(image)).numpy()
    expected = theirs(torch.from_numpy(image)).numpy()
    one_level = 1 / 255 / min(preset.std)
    assert np.abs(actual - expected).max() <= one_level + 1e-5
    assert np.mean(np.abs(actual - expected) > 1e-5) < 0.01
    # an H x W x C array is the tensor's image
    np.testing.assert_array_equal(preset(image.transpose(1, 2, 0)).numpy(), actual)
