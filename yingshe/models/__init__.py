"""Model zoo: each model cites its source.  ``MODELS`` maps the CLI's model names to builders
taking ``(in_channels, image_size, num_classes, dropout, batch_norm)`` keyword arguments; the
classic CNN families of ``yingshe.vision.models`` also take ``width_mult`` (``WIDTH_SCALABLE``)."""
from . import history
from .lenet import LeNet5, SeedConvNet, lenet_seed
from .mlp import MLP
from .sequence import RowRNNClassifier

__all__ = ["MLP", "LeNet5", "SeedConvNet", "lenet_seed", "RowRNNClassifier", "history", "MODELS",
           "WIDTH_SCALABLE", "create_model"]


def _mlp(in_channels=1, image_size=28, num_classes=10, dropout=0.0, batch_norm=False):
    return MLP(in_channels * image_size * image_size, (512, 256), num_classes, dropout=dropout,
               batch_norm=batch_norm)


def _lenet5(in_channels=1, image_size=28, num_classes=10, dropout=0.0, batch_norm=False):
    return LeNet5(in_channels, num_classes, dropout=dropout, batch_norm=batch_norm)


def _lenet_seed(in_channels=1, image_size=28, num_classes=10, dropout=0.0, batch_norm=False):
    return lenet_seed(in_channels, image_size, num_classes)


def _lstm_rows(in_channels=1, image_size=28, num_classes=10, dropout=0.0, batch_norm=False):
    return RowRNNClassifier(image_size, 128, 1, num_classes, "LSTM", dropout=dropout)


def _bigru_rows(in_channels=1, image_size=28, num_classes=10, dropout=0.0, batch_norm=False):
    return RowRNNClassifier(image_size, 128, 1, num_classes, "GRU", bidirectional=True,
                            dropout=dropout)


def _vision(name, takes_dropout=True, **fixed):
    """A builder of ``yingshe.vision.models.<name>`` for the CLI: the small-image stem for images
    of 32 x 32 or less, the dataset's channels and classes, ``width_mult``; batch norm is part of
    the architecture (or not) and cannot be switched."""
    def build(in_channels=3, image_size=224, num_classes=10, dropout=0.0, batch_norm=False,
              width_mult=1.0):
        from ..vision import models
        if batch_norm:
            raise ValueError(f"{name}: batch normalisation is fixed by the architecture; drop "
                             f"--batch-norm")
        options = {"dropout": dropout} if takes_dropout else {}
        if not takes_dropout and dropout:
            raise ValueError(f"{name} has no dropout layer; drop --dropout")
        return getattr(models, name)(in_channels=in_channels, small_input=image_size <= 32,
                                     num_classes=num_classes, width_mult=width_mult, **options,
                                     **fixed)
    return build


VISION_MODELS = {
    "alexnet": (_vision("alexnet"),
                "AlexNet (Krizhevsky et al. 2012); 3x3 first convolution for small images"),
    "vgg11_bn": (_vision("vgg11_bn"), "VGG-11 with batch norm (Simonyan & Zisserman 2015)"),
    "vgg16_bn": (_vision("vgg16_bn"), "VGG-16 with batch norm (Simonyan & Zisserman 2015)"),
    "googlenet": (_vision("googlenet", aux_logits=False, init_weights=True),
                  "GoogLeNet / Inception v1 (Szegedy et al. 2015), without the auxiliary heads"),
    "resnet18": (_vision("resnet18", takes_dropout=False),
                 "ResNet-18 (He et al. 2016); CIFAR stem (3x3 conv, no max pool) for small images"),
    "resnet34": (_vision("resnet34", takes_dropout=False), "ResNet-34 (He et al. 2016)"),
    "resnet50": (_vision("resnet50", takes_dropout=False),
                 "ResNet-50, bottleneck blocks (He et al. 2016)"),
    "mobilenet_v2": (_vision("mobilenet_v2"), "MobileNetV2 (Sandler et al. 2018)"),
}
WIDTH_SCALABLE = tuple(VISION_MODELS)

MODELS = {
    "mlp": (_mlp, "MLP 784-512-256-10, ReLU (Rumelhart, Hinton & Williams 1986)"),
    "lenet5": (_lenet5, "LeNet-5 (LeCun et al. 1998), ReLU + max pooling, padding 2 for 28x28"),
    "lenet_seed": (_lenet_seed, "LeNet-style ConvNet: conv 6@5x5 and 16@5x5, linear 120-84-10"),
    "lstm_rows": (_lstm_rows, "LSTM (128) reading the image row by row, 28 steps of 28 pixels"),
    "bigru_rows": (_bigru_rows, "bidirectional GRU (2 x 128) reading the image row by row"),
    **VISION_MODELS,
}


def create_model(name, **kwargs):
    """Build a model of ``MODELS`` by name, with the builder's keyword arguments
    (``in_channels``, ``image_size``, ``num_classes``, ``dropout``, ``batch_norm``; the vision
    families of ``WIDTH_SCALABLE`` also ``width_mult``, e.g. ``create_model("resnet18",
    in_channels=3, image_size=32, width_mult=0.25)`` for the CIFAR stem at a quarter width).

    Examples:
        >>> import yingshe
        >>> from yingshe.models import MODELS, create_model
        >>> model = create_model("lenet5", in_channels=1, image_size=28, num_classes=10)
        >>> type(model).__name__, model(yingshe.zeros(1, 1, 28, 28)).shape
        ('LeNet5', yingshe.Size([1, 10]))
        >>> MODELS["lenet5"][1]                            # the description the CLI lists
        'LeNet-5 (LeCun et al. 1998), ReLU + max pooling, padding 2 for 28x28'
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(MODELS)}")
    return MODELS[name][0](**kwargs)
