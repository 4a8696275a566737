"""Plain ``nn.Module`` builders shared by every model: MLP and convolutional encoders and decoders."""

from .conv import (
    ConvDecoder,
    ConvEncoder,
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
    "InfoGANDecoder",
    "InfoGANEncoder",
    "MLPDecoder",
    "MLPEncoder",
    "StridedConvEncoder",
    "TransposedConvDecoder",
    "activation",
    "blocks",
    "mlp",
]
