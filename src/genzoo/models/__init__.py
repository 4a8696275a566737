"""scikit-learn-style estimators around plain PyTorch modules."""

from .autoencoder import Autoencoder, AutoencoderNet
from .base import Estimator, NeuralEstimator, load
from .pca import PCA

__all__ = ["PCA", "Autoencoder", "AutoencoderNet", "Estimator", "NeuralEstimator", "load"]
