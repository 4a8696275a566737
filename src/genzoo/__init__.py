"""genzoo: the classic unsupervised deep generative models, trained, inspected and measured on real images."""

__version__ = "0.1.0"

from .data import load_dataset, toy
from .errors import CheckpointError, ConfigError, DatasetError, GenzooError
from .models import (
    GAN,
    PCA,
    VAE,
    Autoencoder,
    BinaryAutoencoder,
    DenoisingAutoencoder,
    DiscriminatorGenerator,
    EncoderClassifier,
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
    "SparseAutoencoder",
    "__version__",
    "load",
    "load_dataset",
    "toy",
]
