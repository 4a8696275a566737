"""genzoo: the classic unsupervised deep generative models, trained, inspected and measured on real images."""

from ._version import __version__
from .data import load_dataset, toy
from .errors import CheckpointError, ConfigError, DatasetError, GenzooError, NotFittedError
from .models import (
    CVAE,
    GAN,
    M1M2,
    M2,
    PCA,
    VAE,
    VQVAE,
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
    "CVAE",
    "GAN",
    "M1M2",
    "M2",
    "PCA",
    "VAE",
    "VQVAE",
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
