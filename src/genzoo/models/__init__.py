"""scikit-learn-style estimators around plain PyTorch modules, and ``MODELS``, the one registry of them."""

from .autoencoder import Autoencoder, AutoencoderNet
from .base import Estimator, NeuralEstimator, load
from .binary import BinaryAutoencoder, StraightThroughBinarizer
from .capabilities import can
from .classifier import EncoderClassifier
from .conditional_gan import ACGAN, CGAN, ConditionalGAN
from .cvae import CVAE
from .denoising import DenoisingAutoencoder
from .dgen import DiscriminatorGenerator
from .gan import GAN, GANNet
from .gan_family import BEGAN, DRAGAN, EBGAN, LSGAN, WGAN, WGANGP
from .infogan import InfoGAN
from .linear import LinearAutoencoder
from .m1m2 import M1M2
from .m2 import M2
from .pca import PCA
from .sparse import SparseAutoencoder, kl_sparsity
from .vae import VAE, VAENet, kl_standard_normal
from .vqvae import VQVAE, VectorQuantizer

# the command line's name of each model (`genzoo train NAME`); report, eval and sample follow its capabilities
MODELS: dict[str, type[Estimator]] = {
    "pca": PCA,
    "linear-ae": LinearAutoencoder,
    "ae": Autoencoder,
    "dae": DenoisingAutoencoder,
    "sparse-ae": SparseAutoencoder,
    "binary-ae": BinaryAutoencoder,
    "vae": VAE,
    "gan": GAN,
    "lsgan": LSGAN,
    "wgan": WGAN,
    "wgan-gp": WGANGP,
    "dragan": DRAGAN,
    "cgan": CGAN,
    "acgan": ACGAN,
    "infogan": InfoGAN,
    "ebgan": EBGAN,
    "began": BEGAN,
    "dgen": DiscriminatorGenerator,
    "vqvae": VQVAE,
    "cvae": CVAE,
    "m2": M2,
    "m1m2": M1M2,
}

__all__ = [
    "ACGAN",
    "BEGAN",
    "CGAN",
    "CVAE",
    "DRAGAN",
    "EBGAN",
    "GAN",
    "LSGAN",
    "M1M2",
    "M2",
    "MODELS",
    "PCA",
    "VAE",
    "VQVAE",
    "WGAN",
    "WGANGP",
    "Autoencoder",
    "AutoencoderNet",
    "BinaryAutoencoder",
    "ConditionalGAN",
    "DenoisingAutoencoder",
    "DiscriminatorGenerator",
    "EncoderClassifier",
    "Estimator",
    "GANNet",
    "InfoGAN",
    "LinearAutoencoder",
    "NeuralEstimator",
    "SparseAutoencoder",
    "StraightThroughBinarizer",
    "VAENet",
    "VectorQuantizer",
    "can",
    "kl_sparsity",
    "kl_standard_normal",
    "load",
]
