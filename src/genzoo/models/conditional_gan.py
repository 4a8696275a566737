"""Conditional GANs: CGAN (Mirza & Osindero 2014), the class one-hot into G and into D, and ACGAN (Odena et al.
2017), the class into G and an auxiliary classifier head on D.

The fakes of a step are made with the real batch's labels. CGAN's D judges each image with its class; ACGAN's D
judges it alone and also names its class, and both D and G add the head's cross-entropy (D on real and fake
images, G on its fakes) to their adversarial loss. With ``pack=m`` ACGAN's head names the class of each of the m.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..validation import as_codes, check_choice, check_int
from .capabilities import CONDITION, SAMPLE
from .gan import GAN
from .labels import Conditional
from .presets import init_with

CONDITIONINGS = ("cgan", "acgan")


class ConditionalGAN(Conditional, GAN):
    """A GAN that draws the class asked for; every parameter is :class:`GAN`'s, plus ``conditioning`` (``cgan``:
    the label into D as well; ``acgan``: an auxiliary classifier on D) and ``n_classes`` (labels 0..n_classes−1;
    default: the distinct labels of ``y``).

    ``fit(X, y)`` needs the labels. ``sample(n, y)`` draws class ``y`` (one label for all, or one per sample; default:
    the classes in turn); ``generate(Z, y)``; ``discriminate(X, y)`` (ACGAN's ignores ``y``). Fitted: ``classes_``.
    """

    capabilities = frozenset({SAMPLE, CONDITION})
    __init__ = init_with(GAN, conditioning="cgan", n_classes=None)

    def _check_params(self) -> None:
        super()._check_params()
        check_choice("conditioning", self.conditioning, CONDITIONINGS)
        check_int("n_classes", self.n_classes, 2, allow_none=True)

    def _code_size(self) -> int:
        return len(self.classes_)

    def _condition_size(self) -> int:
        return len(self.classes_) if self.conditioning == "cgan" else 0

    def _extra_outputs(self) -> int:
        return len(self.classes_) if self.conditioning == "acgan" else 0

    def _codes(self, n: int, generator: torch.Generator, device: torch.device, y: Tensor | None) -> Tensor:
        if y is None:
            y = torch.randint(len(self.classes_), (n,), generator=generator, device=device)
        return self._c(y)

    def _condition(self, y: Tensor | None, codes: Tensor | None) -> Tensor | None:
        if self.conditioning != "cgan":
            return None
        return codes if codes is not None else self._c(y)

    def _extra_loss(self, extra: Tensor, y: Tensor | None, codes: Tensor | None) -> Tensor:
        """The auxiliary classifier's cross-entropy on the rows' classes (fakes: the class they were made with)."""
        target = y if codes is None else codes.argmax(1)
        return F.cross_entropy(extra.float(), target)

    # -- using the model -------------------------------------------------------------------------
    def generate(self, Z: Any, y: Any = None) -> np.ndarray:
        """G's images ``(N, *input_shape)`` for noise ``Z`` ``(N, noise size)`` and classes ``y``."""
        self._check_fitted()
        z = as_codes(Z, self._noise_size())
        return self._map(lambda v, t: self.module_.generate(torch.cat([v, self._c(t)], 1)), z, self._labels(y, len(z)))

    def sample(self, n: int, y: Any = None, random_state: int | None = None) -> np.ndarray:
        """``n`` images ``(n, *input_shape)`` of class ``y`` (an int, or ``(n,)``; default: 0, 1, ... in turn); the
        noise is drawn first, so one ``random_state`` gives the same noise for every class."""
        self._check_fitted()
        check_int("n", n, 1)
        z = self._noise(n, self._generator(random_state), self._device())
        return self.generate(z.cpu(), self._in_turn(n) if y is None else y)

    def discriminate(self, X: Any, y: Any = None) -> np.ndarray:
        """D's view ``(N,)`` of each image with its class (ACGAN: without), in the unit of ``discriminator_meaning_``."""
        data = self._images(X)
        labels = self._labels(self.classes_[0] if y is None and self.conditioning == "acgan" else y, len(data))
        probability = self.discriminator_meaning_ == "probability"

        def judge(x: Tensor, t: Tensor) -> Tensor:
            out = self._judge_rows(x, self._c(t) if self.conditioning == "cgan" else None)[0]
            return out.sigmoid() if probability else out

        return self._map(judge, data, labels)


class CGAN(ConditionalGAN):
    """Mirza & Osindero's conditional GAN: :class:`ConditionalGAN` with ``conditioning="cgan"``."""

    __init__ = init_with(ConditionalGAN, conditioning="cgan")


class ACGAN(ConditionalGAN):
    """Odena et al.'s auxiliary-classifier GAN: :class:`ConditionalGAN` with ``conditioning="acgan"``."""

    __init__ = init_with(ConditionalGAN, conditioning="acgan")
