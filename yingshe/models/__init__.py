"""Model zoo: each model cites its source.  ``MODELS`` maps the CLI's model names to builders
taking ``(in_channels, image_size, num_classes, dropout, batch_norm)`` keyword arguments."""
from . import history
from .lenet import LeNet5, SeedConvNet, lenet_seed
from .mlp import MLP
from .sequence import RowRNNClassifier

__all__ = ["MLP", "LeNet5", "SeedConvNet", "lenet_seed", "RowRNNClassifier", "history", "MODELS",
           "create_model"]


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


MODELS = {
    "mlp": (_mlp, "MLP 784-512-256-10, ReLU (Rumelhart, Hinton & Williams 1986)"),
    "lenet5": (_lenet5, "LeNet-5 (LeCun et al. 1998), ReLU + max pooling, padding 2 for 28x28"),
    "lenet_seed": (_lenet_seed, "LeNet-style ConvNet: conv 6@5x5 and 16@5x5, linear 120-84-10"),
    "lstm_rows": (_lstm_rows, "LSTM (128) reading the image row by row, 28 steps of 28 pixels"),
    "bigru_rows": (_bigru_rows, "bidirectional GRU (2 x 128) reading the image row by row"),
}


def create_model(name, **kwargs):
    """Build a model of ``MODELS`` by name."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(MODELS)}")
    return MODELS[name][0](**kwargs)
