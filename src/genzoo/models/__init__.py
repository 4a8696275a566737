"""scikit-learn-style estimators around plain PyTorch modules."""

from .autoencoder import Autoencoder, AutoencoderNet
from .base import Estimator, NeuralEstimator, load
from .binary import BinaryAutoencoder, StraightThroughBinarizer
from .classifier import EncoderClassifier
from .denoising import DenoisingAutoencoder
from .pca import PCA
from .sparse import SparseAutoencoder, kl_sparsity

__all__ = ["PCA", "Autoencoder", "AutoencoderNet", "BinaryAutoencoder", "DenoisingAutoencoder", "EncoderClassifier",
           "Estimator", "NeuralEstimator", "SparseAutoencoder", "StraightThroughBinarizer", "kl_sparsity", "load"]
