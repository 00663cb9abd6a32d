"""Pretrained weights and the model registry, as ``torchvision.models._api``: ``Weights`` (the
released file's address, the preprocessing it was trained with, its metadata), ``WeightsEnum``
(one per builder: ``ResNet18_Weights.IMAGENET1K_V1``, ...), ``register_model``,
``list_models``, ``get_model``, ``get_model_builder``, ``get_model_weights``, ``get_weight``,
and the two steps every builder takes with ``weights=``: ``pretrained_kwargs`` (fit the
constructor arguments to the checkpoint) and ``load_pretrained`` (download, check, load)."""
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from inspect import signature
from typing import Any, get_args

from ...hub import load_state_dict_from_url

__all__ = ["Weights", "WeightsEnum", "register_model", "list_models", "get_model",
           "get_model_builder", "get_model_weights", "get_weight"]


@dataclass
class Weights:
    """One released checkpoint: ``url``, where it is published; ``transforms``, a callable that
    builds the preprocessing the weights expect (a constructor, so nothing is built until asked);
    ``meta``, what is known about them ("categories", "num_params", "min_size", "recipe",
    "_metrics", "_ops" in GFLOPs, "_file_size" in MB, "_docs").  The value of a ``WeightsEnum``
    member.

    Examples:
        >>> from yingshe.vision.models import ResNet18_Weights
        >>> weights = ResNet18_Weights.IMAGENET1K_V1.value
        >>> weights.url
        'https://download.pytorch.org/models/resnet18-f37072fd.pth'
        >>> weights.meta["_metrics"]
        {'ImageNet-1K': {'acc@1': 69.758, 'acc@5': 89.078}}
    """
    url: str
    transforms: Callable
    meta: dict[str, Any]

    def __eq__(self, other):
        # functools.partial objects compare by identity; compare what they hold instead, so a
        # deep-copied or unpickled member still equals the enum's (torchvision's rule).
        if not isinstance(other, Weights):
            return NotImplemented
        if self.url != other.url or self.meta != other.meta:
            return False
        if isinstance(self.transforms, partial) and isinstance(other.transforms, partial):
            return (self.transforms.func == other.transforms.func
                    and self.transforms.args == other.transforms.args
                    and self.transforms.keywords == other.transforms.keywords)
        return self.transforms == other.transforms


class WeightsEnum(Enum):
    """The weights a builder can load (torchvision's ``WeightsEnum``); each member's value is a
    ``Weights``, ``DEFAULT`` names the best one, and ``url``, ``transforms`` and ``meta`` read
    through to it.  Builders accept a member, its name or its full name (``verify``).

    Examples:
        >>> from yingshe.vision.models import ResNet50_Weights
        >>> ResNet50_Weights.DEFAULT
        ResNet50_Weights.IMAGENET1K_V2
        >>> ResNet50_Weights.verify("IMAGENET1K_V1")  # a name is accepted too
        ResNet50_Weights.IMAGENET1K_V1
        >>> ResNet50_Weights.DEFAULT.meta["categories"][:2]
        ['tench', 'goldfish']
        >>> ResNet50_Weights.DEFAULT.transforms()
        ImageClassification(
            crop_size=[224]
            resize_size=[232]
            mean=[0.485, 0.456, 0.406]
            std=[0.229, 0.224, 0.225]
            interpolation=InterpolationMode.BILINEAR
        )
    """

    @classmethod
    def verify(cls, obj):
        """``obj`` as a member of this enum: None, a member, its name ("IMAGENET1K_V1",
        "DEFAULT") or its full name ("ResNet18_Weights.IMAGENET1K_V1")."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            enum_name, _, member = obj.rpartition(".")
            if enum_name in ("", cls.__name__) and member in cls.__members__:
                return cls[member]
            raise ValueError(f"weights={obj!r} is not a member of {cls.__name__}; valid names: "
                             f"{_names(cls)} (alone or after '{cls.__name__}.')")
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{type(obj).__name__} ({obj!r}); valid weights: {_names(cls)}")

    def get_state_dict(self, *args, **kwargs):
        """The checkpoint's state dict (``hub.load_state_dict_from_url(self.url, ...)``)."""
        return load_state_dict_from_url(self.url, *args, **kwargs)

    def __repr__(self):
        return f"{type(self).__name__}.{self._name_}"

    @property
    def url(self):
        """The address of the weights file."""
        return self.value.url

    @property
    def transforms(self):
        """The preprocessing the weights expect (call it to get the transform)."""
        return self.value.transforms

    @property
    def meta(self):
        """Categories, parameter count, accuracy and recipe of the weights."""
        return self.value.meta


def _names(weights_enum):
    return ", ".join(weights_enum.__members__)


def get_weight(name):
    """The ``WeightsEnum`` member a full name ``"Enum.MEMBER"`` gives (torchvision's
    ``get_weight``).

    Examples:
        >>> from yingshe.vision.models import get_weight
        >>> get_weight("ResNet50_Weights.IMAGENET1K_V2")
        ResNet50_Weights.IMAGENET1K_V2
        >>> get_weight("ResNet50_Weights.DEFAULT")  # DEFAULT is an alias
        ResNet50_Weights.IMAGENET1K_V2
    """
    enum_name, dot, member = name.partition(".")
    if not dot:
        raise ValueError(f"Invalid weight name provided: {name!r}; expected ENUM.MEMBER, e.g. "
                         "'ResNet18_Weights.IMAGENET1K_V1'")
    enums = {cls.__name__: cls for cls in WeightsEnum.__subclasses__()}
    if enum_name not in enums:
        raise ValueError(f"The weight enum {enum_name!r} for the specific method couldn't be "
                         f"retrieved; known enums: {', '.join(sorted(enums))}")
    return enums[enum_name].verify(member)


# ---------------------------------------------------------------- the model registry

BUILTIN_MODELS = {}


def register_model(name=None):
    """Decorator: list a builder under ``name`` (default: its function name) for
    ``get_model`` and ``list_models``."""

    def wrapper(fn):
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn

    return wrapper


def list_models(module=None, include=None, exclude=None):
    """Sorted names of the registered models, those of ``module`` only when given; ``include``
    and ``exclude`` are fnmatch patterns (or lists of them): the union of the includes, less
    every match of an exclude.

    Examples:
        >>> from yingshe.vision.models import list_models
        >>> list_models(include="resnet*", exclude="*101*")
        ['resnet152', 'resnet18', 'resnet34', 'resnet50']
        >>> "mobilenet_v2" in list_models()
        True
    """
    all_models = {k for k, v in BUILTIN_MODELS.items()
                  if module is None or v.__module__.rsplit(".", 1)[0] == module.__name__}
    models = all_models
    if include:
        patterns = [include] if isinstance(include, str) else include
        models = set().union(*(fnmatch.filter(all_models, p) for p in patterns))
    if exclude:
        patterns = [exclude] if isinstance(exclude, str) else exclude
        for pattern in patterns:
            models = models - set(fnmatch.filter(all_models, pattern))
    return sorted(models)


def get_model_builder(name):
    """The builder function registered under ``name`` (case-insensitive).

    Examples:
        >>> from yingshe.vision.models import get_model_builder
        >>> get_model_builder("ResNet18").__name__
        'resnet18'
    """
    key = name.lower()
    if key not in BUILTIN_MODELS:
        raise ValueError(f"Unknown model {name}; known models: {', '.join(list_models())}")
    return BUILTIN_MODELS[key]


def get_model(name, **config):
    """``get_model_builder(name)(**config)``: a model by its registered name, e.g.
    ``get_model("resnet18", weights="DEFAULT")``.

    Examples:
        >>> import yingshe
        >>> from yingshe.vision.models import get_model
        >>> model = get_model("resnet18", num_classes=10, small_input=True, width_mult=0.25)
        >>> model(yingshe.randn(2, 3, 16, 16)).shape
        yingshe.Size([2, 10])
    """
    return get_model_builder(name)(**config)


def get_model_weights(name):
    """The ``WeightsEnum`` of a builder (the function or its registered name), read from the
    annotation of its ``weights`` parameter as torchvision does.

    Examples:
        >>> from yingshe.vision import models
        >>> models.get_model_weights("resnet18"), models.get_model_weights(models.vgg11)
        (<enum 'ResNet18_Weights'>, <enum 'VGG11_Weights'>)
    """
    fn = get_model_builder(name) if isinstance(name, str) else name
    parameters = signature(fn).parameters
    if "weights" not in parameters:
        raise ValueError(f"{getattr(fn, '__name__', fn)} has no 'weights' argument")
    annotation = parameters["weights"].annotation
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, WeightsEnum):
            return candidate
    raise ValueError(f"The WeightsEnum class of {getattr(fn, '__name__', fn)} couldn't be "
                     "retrieved: annotate its weights argument with it")


# ---------------------------------------------------------------- what builders do with weights

# Constructor arguments that change the network's shapes, and the values at which it is the
# network the checkpoints hold (in_channels, small_input and width_mult are yingshe's additions;
# MobileNetV2's width_mult is torchvision's own).
ARCHITECTURE_DEFAULTS = {"in_channels": 3, "small_input": False, "width_mult": 1.0}


def overwrite_named_params(kwargs, **fixed):
    """``kwargs`` with ``fixed`` set; a different value the caller passed is an error
    (torchvision's ``_ovewrite_named_param``)."""
    for name, value in fixed.items():
        if kwargs.get(name, value) != value:
            raise ValueError(f"The parameter '{name}' expected value {value} but got "
                             f"{kwargs[name]} instead.")
    return {**kwargs, **fixed}


def pretrained_kwargs(builder, weights, kwargs):
    """The constructor arguments ``builder`` uses with ``weights`` (a member or None).

    With weights, ``num_classes`` becomes the number of the weights' categories (another value
    is an error, as torchvision's), and the arguments of ``ARCHITECTURE_DEFAULTS`` must keep
    their defaults: the checkpoint holds that network only."""
    if weights is None:
        return kwargs
    changed = [f"{name}={kwargs[name]!r}" for name, default in ARCHITECTURE_DEFAULTS.items()
               if kwargs.get(name, default) != default]
    if changed:
        defaults = ", ".join(f"{name}={default!r}" for name, default
                             in ARCHITECTURE_DEFAULTS.items() if name in kwargs)
        verb = "changes" if len(changed) == 1 else "change"
        raise ValueError(f"{builder}: {', '.join(changed)} {verb} the network, and {weights!r} "
                         f"holds the network built with {defaults}; build with weights=None to "
                         f"train this variant from scratch")
    categories = weights.meta["categories"]
    if categories is not None:
        if kwargs.get("num_classes", len(categories)) != len(categories):
            raise ValueError(f"{builder}: num_classes={kwargs['num_classes']} but {weights!r} "
                             f"classifies {len(categories)} categories; build with "
                             f"num_classes={len(categories)} (the default), then replace the "
                             f"last layer to fine-tune on other classes")
        kwargs = {**kwargs, "num_classes": len(categories)}
    return kwargs


def build_pretrained(weights, progress, constructor, *args, **kwargs):
    """``constructor(*args, **kwargs)`` with the checkpoint of ``weights`` loaded (downloaded on
    first use into the hub cache, its SHA-256 prefix checked); no checkpoint when ``weights`` is
    None.  The checkpoint is fetched first, so a failed download costs no construction."""
    state = None if weights is None else weights.get_state_dict(progress=progress,
                                                                check_hash=True)
    model = constructor(*args, **kwargs)
    if state is not None:
        model.load_state_dict(state)
    return model
