"""The pretrained weights of the classification builders, as torchvision.models': one
``WeightsEnum`` per builder (``AlexNet_Weights``, ``VGG11_Weights``, ..., ``ResNet18_Weights``,
..., ``MobileNet_V2_Weights``) with torchvision's member names, the released file's canonical
address on download.pytorch.org (its name carries the first hex digits of its SHA-256, checked
on download), the evaluation preprocessing the weights expect (``weights.transforms()``, an
``ImageClassification`` preset) and ``meta``: the 1000 ImageNet categories, parameter count,
smallest input, training recipe and ImageNet-1K accuracy, copied from torchvision 0.28 (a test
compares every member with torchvision's)."""
from functools import partial

from ..transforms._presets import ImageClassification
from ._api import Weights, WeightsEnum
from ._meta import _IMAGENET_CATEGORIES

__all__ = ["AlexNet_Weights", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights",
           "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
           "VGG19_BN_Weights", "GoogLeNet_Weights", "ResNet18_Weights", "ResNet34_Weights",
           "ResNet50_Weights", "ResNet101_Weights", "ResNet152_Weights",
           "ResNeXt50_32X4D_Weights", "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights",
           "Wide_ResNet50_2_Weights", "Wide_ResNet101_2_Weights", "MobileNet_V2_Weights"]

_DOWNLOADS = "https://download.pytorch.org/models/"
_REFERENCES = "https://github.com/pytorch/vision/tree/main/references/classification"
_NEW_RECIPE_ISSUE = "https://github.com/pytorch/vision/issues/3995"
_RECIPE_ALEXNET_VGG = _REFERENCES + "#alexnet-and-vgg"
_RECIPE_GOOGLENET = _REFERENCES + "#googlenet"
_RECIPE_RESNET = _REFERENCES + "#resnet"
_RECIPE_RESNEXT = _REFERENCES + "#resnext"
_RECIPE_MOBILENET_V2 = _REFERENCES + "#mobilenetv2"
_RECIPE_RESNET50_V2 = _NEW_RECIPE_ISSUE + "#issuecomment-1013906621"
_RECIPE_NEW = _NEW_RECIPE_ISSUE + "#new-recipe"
_RECIPE_NEW_FIXRES = _NEW_RECIPE_ISSUE + "#new-recipe-with-fixres"
_RECIPE_NEW_REG_TUNING = _NEW_RECIPE_ISSUE + "#new-recipe-with-reg-tuning"
_RECIPE_RESNEXT101_64X4D = "https://github.com/pytorch/vision/pull/5935"
_RECIPE_WIDE_RESNET = "https://github.com/pytorch/vision/pull/912#issue-445437439"
_RECIPE_SSD = "https://github.com/amdegroot/ssd.pytorch#training-ssd"

_NEW_RECIPE_BLOG = ("`new training recipe <https://pytorch.org/blog/how-to-train-state-of-the-art-"
                    "models-using-torchvision-latest-primitives/>`_.")
_REPRODUCED_SIMPLIFIED = ("These weights reproduce closely the results of the paper using a "
                          "simplified training recipe.")
_REPRODUCED_SIMPLE = ("These weights reproduce closely the results of the paper using a simple "
                      "training recipe.")
_FROM_SCRATCH_SIMPLIFIED = ("These weights were trained from scratch by using a simplified "
                            "training recipe.")
_PORTED = "These weights are ported from the original paper."
_IMPROVED_NEW_RECIPE = ("These weights improve upon the results of the original paper by using "
                        "TorchVision's " + _NEW_RECIPE_BLOG)
_IMPROVED_MODIFIED_RECIPE = ("These weights improve upon the results of the original paper by "
                             "using a modified version of TorchVision's " + _NEW_RECIPE_BLOG)
_FROM_SCRATCH_NEW_RECIPE = ("These weights were trained from scratch by using TorchVision's "
                            + _NEW_RECIPE_BLOG)
_FEATURES_ONLY = ("These weights can't be used for classification because they are missing "
                  "values in the `classifier` module. Only the `features` module has valid "
                  "values and can be used for feature extraction. The weights were trained "
                  "using the original input standardization method as described in the paper.")


def _imagenet(file_name, *, num_params, min_size, acc, ops, file_size, recipe, docs,
              resize_size=256, categories=_IMAGENET_CATEGORIES, **preset):
    """``Weights`` of a classifier trained on ImageNet-1K: published as ``_DOWNLOADS +
    file_name``, evaluated on a ``resize_size`` resize and 224 x 224 centre crop (``preset``:
    other mean/std), ``acc`` its (top-1, top-5) accuracy in %, ``ops`` GFLOPs, ``file_size``
    MB."""
    return Weights(
        url=_DOWNLOADS + file_name,
        transforms=partial(ImageClassification, crop_size=224, resize_size=resize_size, **preset),
        meta={"categories": categories, "num_params": num_params, "min_size": min_size,
              "recipe": recipe, "_metrics": {"ImageNet-1K": {"acc@1": acc[0], "acc@5": acc[1]}},
              "_ops": ops, "_file_size": file_size, "_docs": docs})


class AlexNet_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``alexnet``: ``IMAGENET1K_V1`` (top-1
    56.522%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import AlexNet_Weights, alexnet
        >>> weights = AlexNet_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (AlexNet_Weights.IMAGENET1K_V1, 61100840, 1000)
        >>> model = alexnet(weights=weights).eval()  # downloads 233 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "alexnet-owt-7be5be79.pth", num_params=61100840, min_size=(63, 63), acc=(56.522, 79.066),
        ops=0.714, file_size=233.087, recipe=_RECIPE_ALEXNET_VGG, docs=_REPRODUCED_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG11_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg11``: ``IMAGENET1K_V1`` (top-1
    69.02%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG11_Weights, vgg11
        >>> weights = VGG11_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG11_Weights.IMAGENET1K_V1, 132863336, 1000)
        >>> model = vgg11(weights=weights).eval()  # downloads 507 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg11-8a719046.pth", num_params=132863336, min_size=(32, 32), acc=(69.02, 88.628),
        ops=7.609, file_size=506.84, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg11_bn``: ``IMAGENET1K_V1`` (top-1
    70.37%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG11_BN_Weights, vgg11_bn
        >>> weights = VGG11_BN_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG11_BN_Weights.IMAGENET1K_V1, 132868840, 1000)
        >>> model = vgg11_bn(weights=weights).eval()  # downloads 507 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg11_bn-6002323d.pth", num_params=132868840, min_size=(32, 32), acc=(70.37, 89.81),
        ops=7.609, file_size=506.881, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG13_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg13``: ``IMAGENET1K_V1`` (top-1
    69.928%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG13_Weights, vgg13
        >>> weights = VGG13_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG13_Weights.IMAGENET1K_V1, 133047848, 1000)
        >>> model = vgg13(weights=weights).eval()  # downloads 508 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg13-19584684.pth", num_params=133047848, min_size=(32, 32), acc=(69.928, 89.246),
        ops=11.308, file_size=507.545, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG13_BN_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg13_bn``: ``IMAGENET1K_V1`` (top-1
    71.586%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG13_BN_Weights, vgg13_bn
        >>> weights = VGG13_BN_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG13_BN_Weights.IMAGENET1K_V1, 133053736, 1000)
        >>> model = vgg13_bn(weights=weights).eval()  # downloads 508 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg13_bn-abd245e5.pth", num_params=133053736, min_size=(32, 32), acc=(71.586, 90.374),
        ops=11.308, file_size=507.59, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg16``: ``IMAGENET1K_V1`` (top-1
    71.592%), ``IMAGENET1K_FEATURES`` (features only); ``DEFAULT`` is ``IMAGENET1K_V1``.
    ``meta`` holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()``
    builds the evaluation preprocessing (resize to 256, centre crop 224, ImageNet mean/std
    normalisation).  ``IMAGENET1K_FEATURES`` (from ssd.pytorch) has valid ``features`` only, for
    detection backbones on inputs scaled to [0, 255] with the mean subtracted.

    Examples:
        >>> from yingshe.vision.models import VGG16_Weights, vgg16
        >>> weights = VGG16_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG16_Weights.IMAGENET1K_V1, 138357544, 1000)
        >>> model = vgg16(weights=weights).eval()  # downloads 528 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg16-397923af.pth", num_params=138357544, min_size=(32, 32), acc=(71.592, 90.382),
        ops=15.47, file_size=527.796, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    # Ported from ssd.pytorch: for feature extraction only, on inputs scaled to [0, 255] with
    # the ImageNet mean subtracted (Simonyan & Zisserman 2015), hence no categories.
    IMAGENET1K_FEATURES = _imagenet(
        "vgg16_features-amdegroot-88682ab5.pth", num_params=138357544, min_size=(32, 32),
        acc=(float("nan"), float("nan")), ops=15.47, file_size=527.802, recipe=_RECIPE_SSD,
        docs=_FEATURES_ONLY, categories=None, mean=(0.48235, 0.45882, 0.40784),
        std=(1.0 / 255.0, 1.0 / 255.0, 1.0 / 255.0))
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg16_bn``: ``IMAGENET1K_V1`` (top-1
    73.36%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG16_BN_Weights, vgg16_bn
        >>> weights = VGG16_BN_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG16_BN_Weights.IMAGENET1K_V1, 138365992, 1000)
        >>> model = vgg16_bn(weights=weights).eval()  # downloads 528 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg16_bn-6c64b313.pth", num_params=138365992, min_size=(32, 32), acc=(73.36, 91.516),
        ops=15.47, file_size=527.866, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG19_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg19``: ``IMAGENET1K_V1`` (top-1
    72.376%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG19_Weights, vgg19
        >>> weights = VGG19_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG19_Weights.IMAGENET1K_V1, 143667240, 1000)
        >>> model = vgg19(weights=weights).eval()  # downloads 548 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg19-dcbb9e9d.pth", num_params=143667240, min_size=(32, 32), acc=(72.376, 90.876),
        ops=19.632, file_size=548.051, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class VGG19_BN_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``vgg19_bn``: ``IMAGENET1K_V1`` (top-1
    74.218%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import VGG19_BN_Weights, vgg19_bn
        >>> weights = VGG19_BN_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (VGG19_BN_Weights.IMAGENET1K_V1, 143678248, 1000)
        >>> model = vgg19_bn(weights=weights).eval()  # downloads 548 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "vgg19_bn-c79401a0.pth", num_params=143678248, min_size=(32, 32), acc=(74.218, 91.842),
        ops=19.632, file_size=548.143, recipe=_RECIPE_ALEXNET_VGG, docs=_FROM_SCRATCH_SIMPLIFIED)
    DEFAULT = IMAGENET1K_V1


class GoogLeNet_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``googlenet``: ``IMAGENET1K_V1`` (top-1
    69.778%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import GoogLeNet_Weights, googlenet
        >>> weights = GoogLeNet_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (GoogLeNet_Weights.IMAGENET1K_V1, 6624904, 1000)
        >>> model = googlenet(weights=weights).eval()  # downloads 50 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "googlenet-1378be20.pth", num_params=6624904, min_size=(15, 15), acc=(69.778, 89.53),
        ops=1.498, file_size=49.731, recipe=_RECIPE_GOOGLENET, docs=_PORTED)
    DEFAULT = IMAGENET1K_V1


class ResNet18_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnet18``: ``IMAGENET1K_V1`` (top-1
    69.758%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNet18_Weights, resnet18
        >>> weights = ResNet18_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNet18_Weights.IMAGENET1K_V1, 11689512, 1000)
        >>> model = resnet18(weights=weights).eval()  # downloads 45 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnet18-f37072fd.pth", num_params=11689512, min_size=(1, 1), acc=(69.758, 89.078),
        ops=1.814, file_size=44.661, recipe=_RECIPE_RESNET, docs=_REPRODUCED_SIMPLE)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnet34``: ``IMAGENET1K_V1`` (top-1
    73.314%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories, parameter
    count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing (resize to
    256, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNet34_Weights, resnet34
        >>> weights = ResNet34_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNet34_Weights.IMAGENET1K_V1, 21797672, 1000)
        >>> model = resnet34(weights=weights).eval()  # downloads 83 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnet34-b627a593.pth", num_params=21797672, min_size=(1, 1), acc=(73.314, 91.42),
        ops=3.664, file_size=83.275, recipe=_RECIPE_RESNET, docs=_REPRODUCED_SIMPLE)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnet50``: ``IMAGENET1K_V1`` (top-1
    76.13%), ``IMAGENET1K_V2`` (top-1 80.858%); ``DEFAULT`` is ``IMAGENET1K_V2``.  ``meta``
    holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()`` builds the
    evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNet50_Weights, resnet50
        >>> weights = ResNet50_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNet50_Weights.IMAGENET1K_V2, 25557032, 1000)
        >>> model = resnet50(weights=weights).eval()  # downloads 98 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnet50-0676ba61.pth", num_params=25557032, min_size=(1, 1), acc=(76.13, 92.862),
        ops=4.089, file_size=97.781, recipe=_RECIPE_RESNET, docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "resnet50-11ad3fa6.pth", num_params=25557032, min_size=(1, 1), acc=(80.858, 95.434),
        ops=4.089, file_size=97.79, recipe=_RECIPE_RESNET50_V2, docs=_IMPROVED_NEW_RECIPE,
        resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnet101``: ``IMAGENET1K_V1`` (top-1
    77.374%), ``IMAGENET1K_V2`` (top-1 81.886%); ``DEFAULT`` is ``IMAGENET1K_V2``.  ``meta``
    holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()`` builds the
    evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNet101_Weights, resnet101
        >>> weights = ResNet101_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNet101_Weights.IMAGENET1K_V2, 44549160, 1000)
        >>> model = resnet101(weights=weights).eval()  # downloads 171 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnet101-63fe2227.pth", num_params=44549160, min_size=(1, 1), acc=(77.374, 93.546),
        ops=7.801, file_size=170.511, recipe=_RECIPE_RESNET, docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "resnet101-cd907fc2.pth", num_params=44549160, min_size=(1, 1), acc=(81.886, 95.78),
        ops=7.801, file_size=170.53, recipe=_RECIPE_NEW, docs=_IMPROVED_NEW_RECIPE,
        resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnet152``: ``IMAGENET1K_V1`` (top-1
    78.312%), ``IMAGENET1K_V2`` (top-1 82.284%); ``DEFAULT`` is ``IMAGENET1K_V2``.  ``meta``
    holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()`` builds the
    evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNet152_Weights, resnet152
        >>> weights = ResNet152_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNet152_Weights.IMAGENET1K_V2, 60192808, 1000)
        >>> model = resnet152(weights=weights).eval()  # downloads 230 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnet152-394f9c45.pth", num_params=60192808, min_size=(1, 1), acc=(78.312, 94.046),
        ops=11.514, file_size=230.434, recipe=_RECIPE_RESNET, docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "resnet152-f82ba261.pth", num_params=60192808, min_size=(1, 1), acc=(82.284, 96.002),
        ops=11.514, file_size=230.474, recipe=_RECIPE_NEW, docs=_IMPROVED_NEW_RECIPE,
        resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt50_32X4D_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnext50_32x4d``: ``IMAGENET1K_V1``
    (top-1 77.618%), ``IMAGENET1K_V2`` (top-1 81.198%); ``DEFAULT`` is ``IMAGENET1K_V2``.
    ``meta`` holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()``
    builds the evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std
    normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNeXt50_32X4D_Weights, resnext50_32x4d
        >>> weights = ResNeXt50_32X4D_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNeXt50_32X4D_Weights.IMAGENET1K_V2, 25028904, 1000)
        >>> model = resnext50_32x4d(weights=weights).eval()  # downloads 96 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnext50_32x4d-7cdf4587.pth", num_params=25028904, min_size=(1, 1), acc=(77.618, 93.698),
        ops=4.23, file_size=95.789, recipe=_RECIPE_RESNEXT, docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "resnext50_32x4d-1a0047aa.pth", num_params=25028904, min_size=(1, 1), acc=(81.198, 95.34),
        ops=4.23, file_size=95.833, recipe=_RECIPE_NEW, docs=_IMPROVED_NEW_RECIPE, resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_32X8D_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnext101_32x8d``: ``IMAGENET1K_V1``
    (top-1 79.312%), ``IMAGENET1K_V2`` (top-1 82.834%); ``DEFAULT`` is ``IMAGENET1K_V2``.
    ``meta`` holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()``
    builds the evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std
    normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNeXt101_32X8D_Weights, resnext101_32x8d
        >>> weights = ResNeXt101_32X8D_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNeXt101_32X8D_Weights.IMAGENET1K_V2, 88791336, 1000)
        >>> model = resnext101_32x8d(weights=weights).eval()  # downloads 340 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnext101_32x8d-8ba56ff5.pth", num_params=88791336, min_size=(1, 1),
        acc=(79.312, 94.526), ops=16.414, file_size=339.586, recipe=_RECIPE_RESNEXT,
        docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "resnext101_32x8d-110c445d.pth", num_params=88791336, min_size=(1, 1),
        acc=(82.834, 96.228), ops=16.414, file_size=339.673, recipe=_RECIPE_NEW_FIXRES,
        docs=_IMPROVED_NEW_RECIPE, resize_size=232)
    DEFAULT = IMAGENET1K_V2


class ResNeXt101_64X4D_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``resnext101_64x4d``: ``IMAGENET1K_V1``
    (top-1 83.246%); ``DEFAULT`` is ``IMAGENET1K_V1``.  ``meta`` holds the 1000 categories,
    parameter count, recipe and accuracy; ``transforms()`` builds the evaluation preprocessing
    (resize to 232, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import ResNeXt101_64X4D_Weights, resnext101_64x4d
        >>> weights = ResNeXt101_64X4D_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (ResNeXt101_64X4D_Weights.IMAGENET1K_V1, 83455272, 1000)
        >>> model = resnext101_64x4d(weights=weights).eval()  # downloads 319 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "resnext101_64x4d-173b62eb.pth", num_params=83455272, min_size=(1, 1),
        acc=(83.246, 96.454), ops=15.46, file_size=319.318, recipe=_RECIPE_RESNEXT101_64X4D,
        docs=_FROM_SCRATCH_NEW_RECIPE, resize_size=232)
    DEFAULT = IMAGENET1K_V1


class Wide_ResNet50_2_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``wide_resnet50_2``: ``IMAGENET1K_V1``
    (top-1 78.468%), ``IMAGENET1K_V2`` (top-1 81.602%); ``DEFAULT`` is ``IMAGENET1K_V2``.
    ``meta`` holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()``
    builds the evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std
    normalisation).

    Examples:
        >>> from yingshe.vision.models import Wide_ResNet50_2_Weights, wide_resnet50_2
        >>> weights = Wide_ResNet50_2_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (Wide_ResNet50_2_Weights.IMAGENET1K_V2, 68883240, 1000)
        >>> model = wide_resnet50_2(weights=weights).eval()  # downloads 263 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "wide_resnet50_2-95faca4d.pth", num_params=68883240, min_size=(1, 1), acc=(78.468, 94.086),
        ops=11.398, file_size=131.82, recipe=_RECIPE_WIDE_RESNET, docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "wide_resnet50_2-9ba9bcbe.pth", num_params=68883240, min_size=(1, 1), acc=(81.602, 95.758),
        ops=11.398, file_size=263.124, recipe=_RECIPE_NEW_FIXRES, docs=_IMPROVED_NEW_RECIPE,
        resize_size=232)
    DEFAULT = IMAGENET1K_V2


class Wide_ResNet101_2_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``wide_resnet101_2``: ``IMAGENET1K_V1``
    (top-1 78.848%), ``IMAGENET1K_V2`` (top-1 82.51%); ``DEFAULT`` is ``IMAGENET1K_V2``.
    ``meta`` holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()``
    builds the evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std
    normalisation).

    Examples:
        >>> from yingshe.vision.models import Wide_ResNet101_2_Weights, wide_resnet101_2
        >>> weights = Wide_ResNet101_2_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (Wide_ResNet101_2_Weights.IMAGENET1K_V2, 126886696, 1000)
        >>> model = wide_resnet101_2(weights=weights).eval()  # downloads 485 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "wide_resnet101_2-32ee1156.pth", num_params=126886696, min_size=(1, 1),
        acc=(78.848, 94.284), ops=22.753, file_size=242.896, recipe=_RECIPE_WIDE_RESNET,
        docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "wide_resnet101_2-d733dc28.pth", num_params=126886696, min_size=(1, 1), acc=(82.51, 96.02),
        ops=22.753, file_size=484.747, recipe=_RECIPE_NEW, docs=_IMPROVED_NEW_RECIPE,
        resize_size=232)
    DEFAULT = IMAGENET1K_V2


class MobileNet_V2_Weights(WeightsEnum):
    """torchvision's pretrained ImageNet-1K weights for ``mobilenet_v2``: ``IMAGENET1K_V1`` (top-1
    71.878%), ``IMAGENET1K_V2`` (top-1 72.154%); ``DEFAULT`` is ``IMAGENET1K_V2``.  ``meta``
    holds the 1000 categories, parameter count, recipe and accuracy; ``transforms()`` builds the
    evaluation preprocessing (resize to 232, centre crop 224, ImageNet mean/std normalisation).

    Examples:
        >>> from yingshe.vision.models import MobileNet_V2_Weights, mobilenet_v2
        >>> weights = MobileNet_V2_Weights.DEFAULT
        >>> weights, weights.meta["num_params"], len(weights.meta["categories"])
        (MobileNet_V2_Weights.IMAGENET1K_V2, 3504872, 1000)
        >>> model = mobilenet_v2(weights=weights).eval()  # downloads 14 MB  # doctest: +SKIP
        >>> batch = weights.transforms()(image).unsqueeze(0)  # doctest: +SKIP
    """
    IMAGENET1K_V1 = _imagenet(
        "mobilenet_v2-b0353104.pth", num_params=3504872, min_size=(1, 1), acc=(71.878, 90.286),
        ops=0.301, file_size=13.555, recipe=_RECIPE_MOBILENET_V2, docs=_REPRODUCED_SIMPLE)
    IMAGENET1K_V2 = _imagenet(
        "mobilenet_v2-7ebf99e0.pth", num_params=3504872, min_size=(1, 1), acc=(72.154, 90.822),
        ops=0.301, file_size=13.598, recipe=_RECIPE_NEW_REG_TUNING, docs=_IMPROVED_MODIFIED_RECIPE,
        resize_size=232)
    DEFAULT = IMAGENET1K_V2
