"""scikit-learn-style estimators around plain PyTorch modules."""

from .autoencoder import Autoencoder, AutoencoderNet
from .base import Estimator, NeuralEstimator, load
from .binary import BinaryAutoencoder, StraightThroughBinarizer
from .classifier import EncoderClassifier
from .denoising import DenoisingAutoencoder
from .pca import PCA
from .sparse import SparseAutoencoder, kl_sparsity
from .vae import VAE, VAENet, kl_standard_normal

__all__ = [
           "PCA",
           "VAE",
           "Autoencoder",
           "AutoencoderNet",
           "BinaryAutoencoder",
           "DenoisingAutoencoder",
           "EncoderClassifier",
           "Estimator",
           "NeuralEstimator",
           "SparseAutoencoder",
           "StraightThroughBinarizer",
           "VAENet",
           "kl_sparsity",
           "kl_standard_normal",
           "load",
]
