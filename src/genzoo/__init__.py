"""genzoo: the classic unsupervised deep generative models, trained, inspected and measured on real images."""

from ._version import __version__
from .data import load_dataset, toy
from .errors import CheckpointError, ConfigError, DatasetError, GenzooError, NotFittedError
from .models import (
    GAN,
    PCA,
    VAE,
    Autoencoder,
    BinaryAutoencoder,
    DenoisingAutoencoder,
    DiscriminatorGenerator,
    EncoderClassifier,
    LinearAutoencoder,
    SparseAutoencoder,
    load,
)

__all__ = [
    "GAN",
    "PCA",
    "VAE",
    "Autoencoder",
    "BinaryAutoencoder",
    "CheckpointError",
    "ConfigError",
    "DatasetError",
    "DenoisingAutoencoder",
    "DiscriminatorGenerator",
    "EncoderClassifier",
    "GenzooError",
    "LinearAutoencoder",
    "NotFittedError",
    "SparseAutoencoder",
    "__version__",
    "load",
    "load_dataset",
    "toy",
]
