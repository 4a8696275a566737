"""The convolutional autoencoder nets of seed 004, sized from the image shape.

Encoder: 4 convolutions (3×3, "same") and 3 max-poolings, (1, 28, 28) -> (8, 4, 4) for MNIST.
Decoder: 5 convolutions and 3 upsamplings back to the input shape. Each upsampling goes to the exact
size the matching pooling came from (28 -> 14 -> 7 -> 4 pools with ceil, and 4 -> 7 -> 14 -> 28 back),
so any channel count and any size of at least 8×8 works. With ``latent_dim`` set, a linear layer maps
the flattened feature map to a code of that size (and back), so conv and MLP models compare at one code size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from ..errors import ConfigError
from .mlp import activation as make_activation

ENCODER_CHANNELS = (16, 8, 8, 8)  # the seed's: (28,28,1) -> (4,4,8)
MIN_SIZE = 8


def pooled_sizes(size: int, n_pool: int = 3) -> list[int]:
    """Spatial sizes through ``n_pool`` 2×2 poolings with ceil mode: 28 -> [28, 14, 7, 4]."""
    sizes = [size]
    for _ in range(n_pool):
        sizes.append(-(-sizes[-1] // 2))
    return sizes


def check_image_shape(shape: Sequence[int]) -> None:
    if len(shape) != 3 or min(shape[1:]) < MIN_SIZE:
        raise ConfigError(
            f"the conv nets need images (C, H, W) of at least {MIN_SIZE}x{MIN_SIZE}, got {tuple(shape)}; "
            "use arch='mlp' for flat data or smaller images"
        )


def _conv(c_in: int, c_out: int, act: str) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1), make_activation(act, inplace=True)]


class ConvEncoder(nn.Module):
    """``(N, C, H, W)`` -> ``(N, out_dim)``; ``out_dim`` is ``latent_dim`` or, without it, 8·⌈H/8⌉·⌈W/8⌉."""

    def __init__(self, input_shape: Sequence[int], latent_dim: int | None = None, activation: str = "relu",
                 out_activation: str = "linear") -> None:
        super().__init__()
        check_image_shape(input_shape)
        c, h, w = input_shape
        chans = (c, *ENCODER_CHANNELS)
        layers: list[nn.Module] = []
        for i in range(4):
            last_conv = i == 3
            layers += _conv(chans[i], chans[i + 1], out_activation if last_conv and latent_dim is None else activation)
            if i < 3:
                layers.append(nn.MaxPool2d(2, ceil_mode=True))
        layers.append(nn.Flatten())
        self.feature_shape = (chans[-1], pooled_sizes(h)[-1], pooled_sizes(w)[-1])
        if latent_dim is not None:
            layers += [nn.Linear(math.prod(self.feature_shape), latent_dim), make_activation(out_activation, inplace=True)]
        self.out_dim = latent_dim or math.prod(self.feature_shape)
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class ConvDecoder(nn.Module):
    """``(N, in_dim)`` -> logits ``(N, C, H, W)``: 5 convolutions, 3 upsamplings to the encoder's sizes."""

    def __init__(self, output_shape: Sequence[int], latent_dim: int | None = None, activation: str = "relu") -> None:
        super().__init__()
        check_image_shape(output_shape)
        c, h, w = output_shape
        hs, ws = pooled_sizes(h), pooled_sizes(w)
        feature_shape = (ENCODER_CHANNELS[-1], hs[-1], ws[-1])
        layers: list[nn.Module] = []
        if latent_dim is not None:
            layers += [nn.Linear(latent_dim, math.prod(feature_shape)), make_activation(activation, inplace=True)]
        layers.append(nn.Unflatten(1, feature_shape))
        layers += _conv(8, 8, activation)
        for c_in, c_out, size in ((8, 8, (hs[2], ws[2])), (8, 16, (hs[1], ws[1])), (16, 16, (hs[0], ws[0]))):
            layers += [nn.Upsample(size=size, mode="nearest"), *_conv(c_in, c_out, activation)]
        layers.append(nn.Conv2d(16, c, 3, padding=1))  # logits; the 5th convolution
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class StridedConvEncoder(nn.Module):
    """The keras-io VAE encoder: two 3×3 stride-2 convolutions (32, 64), a dense layer (16), then ``out_dim``.

    ``(N, C, H, W)`` -> ``(N, out_dim)``; H and W must be multiples of 4.
    """

    def __init__(self, input_shape: Sequence[int], out_dim: int, dense: int = 16) -> None:
        super().__init__()
        c, h, w = _check_divisible(input_shape, 4)
        self.net = nn.Sequential(
            nn.Conv2d(c, 32, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), dense), nn.ReLU(inplace=True),
            nn.Linear(dense, out_dim),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class TransposedConvDecoder(nn.Module):
    """The keras-io VAE decoder: dense to (64, H/4, W/4), two stride-2 transposed convolutions, one to C channels.

    ``(N, in_dim)`` -> logits ``(N, C, H, W)``.
    """

    def __init__(self, in_dim: int, output_shape: Sequence[int]) -> None:
        super().__init__()
        c, h, w = _check_divisible(output_shape, 4)
        self.net = nn.Sequential(
            nn.Linear(in_dim, 64 * (h // 4) * (w // 4)), nn.ReLU(inplace=True),
            nn.Unflatten(1, (64, h // 4, w // 4)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(32, c, 3, padding=1),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


def _check_divisible(shape: Sequence[int], k: int) -> tuple[int, int, int]:
    if len(shape) != 3 or shape[1] % k or shape[2] % k:
        raise ConfigError(
            f"these conv nets need images (C, H, W) with H and W multiples of {k}, got {tuple(shape)}; use arch='mlp'"
        )
    return tuple(shape)  # type: ignore[return-value]


class InfoGANEncoder(nn.Module):
    """The infoGAN-like discriminator body of the generative-model collections, as an encoder:

    conv64 4×4 s2 → LeakyReLU(0.2) → conv128 4×4 s2 + BN → LeakyReLU → FC1024 + BN → LeakyReLU → FC ``out_dim``.
    ``(N, C, H, W)`` -> ``(N, out_dim)``; H and W must be multiples of 4. ``norm="layer"`` puts layer norm where
    batch norm was (WGAN-GP's critic: its gradient penalty is per sample, which batch norm would mix).
    """

    def __init__(self, input_shape: Sequence[int], out_dim: int, norm: str = "batch") -> None:
        super().__init__()
        c, h, w = _check_divisible(input_shape, 4)
        layer = norm == "layer"
        self.net = nn.Sequential(
            nn.Conv2d(c, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(64, 128, 4, stride=2, padding=1), nn.GroupNorm(1, 128) if layer else nn.BatchNorm2d(128),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Flatten(), nn.Linear(128 * (h // 4) * (w // 4), 1024), nn.LayerNorm(1024) if layer else nn.BatchNorm1d(1024),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(1024, out_dim),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class InfoGANDecoder(nn.Module):
    """The infoGAN-like generator: FC1024 + BN → FC 128·(H/4)·(W/4) + BN → deconv64 4×4 s2 + BN → deconv C 4×4 s2.

    ``(N, in_dim)`` -> logits ``(N, C, H, W)`` (ReLU between layers).
    """

    def __init__(self, in_dim: int, output_shape: Sequence[int]) -> None:
        super().__init__()
        c, h, w = _check_divisible(output_shape, 4)
        self.net = nn.Sequential(
            nn.Linear(in_dim, 1024), nn.BatchNorm1d(1024), nn.ReLU(inplace=True),
            nn.Linear(1024, 128 * (h // 4) * (w // 4)), nn.BatchNorm1d(128 * (h // 4) * (w // 4)), nn.ReLU(inplace=True),
            nn.Unflatten(1, (128, h // 4, w // 4)),
            nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(64, c, 4, stride=2, padding=1),
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class InfoGANAutoencoder(nn.Module):
    """The autoencoder discriminator of the collections' EBGAN and BEGAN: conv64 4×4 s2 → ReLU → FC ``code`` + BN →
    ReLU → FC 64·(H/2)·(W/2) + BN → ReLU → deconv C 4×4 s2. ``encode``: ``(N, C, H, W)`` -> ``(N, code)``;
    ``decode``: ``(N, code)`` -> raw output ``(N, C, H, W)``."""

    def __init__(self, input_shape: Sequence[int], code: int = 32) -> None:
        super().__init__()
        c, h, w = _check_divisible(input_shape, 2)
        self.encoder = nn.Sequential(
            nn.Conv2d(c, 64, 4, stride=2, padding=1), nn.ReLU(inplace=True),
            nn.Flatten(), nn.Linear(64 * (h // 2) * (w // 2), code),
        )
        self.decoder = nn.Sequential(
            nn.BatchNorm1d(code), nn.ReLU(inplace=True),
            nn.Linear(code, 64 * (h // 2) * (w // 2)), nn.BatchNorm1d(64 * (h // 2) * (w // 2)), nn.ReLU(inplace=True),
            nn.Unflatten(1, (64, h // 2, w // 2)), nn.ConvTranspose2d(64, c, 4, stride=2, padding=1),
        )
