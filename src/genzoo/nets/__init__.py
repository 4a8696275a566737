"""Plain ``nn.Module`` builders shared by every model: MLP and convolutional encoders and decoders."""

from .condition import join
from .conv import (
    ConvDecoder,
    ConvEncoder,
    InfoGANAutoencoder,
    InfoGANDecoder,
    InfoGANEncoder,
    StridedConvEncoder,
    TransposedConvDecoder,
)
from .mlp import ACTIVATIONS, MLPDecoder, MLPEncoder, activation, blocks, mlp

__all__ = [
    "ACTIVATIONS",
    "ConvDecoder",
    "ConvEncoder",
    "InfoGANAutoencoder",
    "InfoGANDecoder",
    "InfoGANEncoder",
    "MLPDecoder",
    "MLPEncoder",
    "StridedConvEncoder",
    "TransposedConvDecoder",
    "activation",
    "blocks",
    "join",
    "mlp",
]
