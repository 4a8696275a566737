"""Plain ``nn.Module`` builders shared by every model: MLP and convolutional encoders and decoders."""

from .conv import ConvDecoder, ConvEncoder, StridedConvEncoder, TransposedConvDecoder
from .mlp import ACTIVATIONS, MLPDecoder, MLPEncoder, activation, mlp

__all__ = ["ACTIVATIONS", "ConvDecoder", "ConvEncoder", "MLPDecoder", "MLPEncoder", "StridedConvEncoder",
           "TransposedConvDecoder", "activation", "mlp"]
