"""scikit-learn-style estimators around plain PyTorch modules."""

from .autoencoder import Autoencoder, AutoencoderNet
from .base import Estimator, NeuralEstimator, load
from .binary import BinaryAutoencoder, StraightThroughBinarizer
from .classifier import EncoderClassifier
from .denoising import DenoisingAutoencoder
from .dgen import DiscriminatorGenerator
from .gan import GAN, GANNet
from .pca import PCA
from .sparse import SparseAutoencoder, kl_sparsity
from .vae import VAE, VAENet, kl_standard_normal

__all__ = [
           "GAN",
           "PCA",
           "VAE",
           "Autoencoder",
           "AutoencoderNet",
           "BinaryAutoencoder",
           "DenoisingAutoencoder",
           "DiscriminatorGenerator",
           "EncoderClassifier",
           "Estimator",
           "GANNet",
           "NeuralEstimator",
           "SparseAutoencoder",
           "StraightThroughBinarizer",
           "VAENet",
           "kl_sparsity",
           "kl_standard_normal",
           "load",
]
