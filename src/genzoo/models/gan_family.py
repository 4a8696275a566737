"""The GAN family of the generative-model collections, each :class:`GAN` with its paper's loss and training defaults
(``genzoo train lsgan|wgan|wgan-gp|dragan|ebgan|began``; the conditional ones and infoGAN have files of their own).

Only what the paper fixes differs from :class:`GAN`'s defaults; every parameter stays settable.
"""

from __future__ import annotations

from .gan import GAN
from .presets import init_with


class LSGAN(GAN):
    """Mao et al. 2017: least-squares losses (``loss="lsgan"``); D's output is a score aiming at 1 for real data."""

    __init__ = init_with(GAN, loss="lsgan")


class WGAN(GAN):
    """Arjovsky et al. 2017: a critic without sigmoid, weights clipped to ±0.01 after every critic step, RMSprop
    at 5e-5, five critic steps per generator step (``loss="wgan"``)."""

    __init__ = init_with(GAN, loss="wgan", optimizer="rmsprop", lr=5e-5, d_steps=5)


class WGANGP(GAN):
    """Gulrajani et al. 2017: the critic's gradient norm pulled to 1 on interpolates (λ = 10), no batch norm in the
    critic (layer norm in the conv one), Adam 1e-4 with β = (0, 0.9), five critic steps (``loss="wgan-gp"``)."""

    __init__ = init_with(GAN, loss="wgan-gp", lr=1e-4, betas=(0.0, 0.9), d_steps=5)


class DRAGAN(GAN):
    """Kodali et al. 2017: the GAN loss plus a penalty pulling the norm of D's gradient (of its probability) to 1
    around perturbed data (``loss="dragan"``), with the collections' λ = 0.25: the paper's λ = 10 drives D on ring8
    to prefer the ring's centre, where G collapses (0 of 8 modes in 250 epochs; ``benchmarks/gan_family.py``)."""

    __init__ = init_with(GAN, loss="dragan", penalty=0.25)


class EBGAN(GAN):
    """Zhao et al. 2017: an autoencoder D whose mean squared error is the energy, a hinge of margin 1 on the fakes'
    energy, and the pulling-away term (weight 0.1) on G (``loss="ebgan"``)."""

    __init__ = init_with(GAN, loss="ebgan")


class BEGAN(GAN):
    """Berthelot et al. 2017: an autoencoder D with L1 energy, the equilibrium k_t (γ = 0.5, λ_k = 0.001) and the
    convergence measure M_global logged per epoch (``loss="began"``)."""

    __init__ = init_with(GAN, loss="began")
