"""genzoo: the classic unsupervised deep generative models, trained, inspected and measured on real images."""

__version__ = "0.1.0"

from .data import load_dataset
from .errors import CheckpointError, ConfigError, DatasetError, GenzooError
from .models import (
    PCA,
    VAE,
    Autoencoder,
    BinaryAutoencoder,
    DenoisingAutoencoder,
    EncoderClassifier,
    SparseAutoencoder,
    load,
)

__all__ = [
    "PCA",
    "VAE",
    "Autoencoder",
    "BinaryAutoencoder",
    "CheckpointError",
    "ConfigError",
    "DatasetError",
    "DenoisingAutoencoder",
    "EncoderClassifier",
    "GenzooError",
    "SparseAutoencoder",
    "__version__",
    "load",
    "load_dataset",
]
