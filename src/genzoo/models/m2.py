"""The semi-supervised VAE, M2 (Kingma et al. 2014): a classifier q(y|x), an encoder q(z|x, y), a decoder p(x|z, y).

For a labelled image the loss is the conditional VAE's, L(x, y) = −log p(x|z, y) + KL(q(z|x, y) ‖ N(0, I)) − log p(y)
(p(y) uniform); for an unlabelled one, the class is summed out under the classifier:
U(x) = Σ_y q(y|x) L(x, y) − H(q(y|x)), so that −U(x) is a lower bound on log p(x). The classifier learns from both,
and from α × its cross-entropy on the labelled images. Every step sees a batch of the training images as unlabelled
(labelled ones included) and ``labelled_batch`` labelled images drawn from the labelled ones, so that 100 labels
among 60,000 images still teach the classifier at every step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassifierMixin
from torch import Tensor

from ..data.batches import to_float
from ..engine.step import Progress, Update
from ..nets import MLPEncoder
from ..validation import check_float, check_int
from .base import store_params
from .capabilities import CLASSIFY, CONDITION, RECONSTRUCT, SAMPLE
from .cvae import CVAE
from .labels import fit_labels, one_hot
from .vae import VAENet


class M2(ClassifierMixin, CVAE):
    """Kingma et al.'s M2 as a scikit-learn classifier that also generates.

    Args:
        n_classes: the number of classes, labels 0..n_classes−1 (default: the distinct labels of ``y``).
        alpha: the weight of the classifier's cross-entropy on labelled images, against the per-image bounds; None
            gives Kingma et al.'s α = 0.1·N per labelled image: 0.1 × (training images / labelled images).
        labelled_batch: labelled images drawn (with replacement) for every step.
        hidden, latent_dim, activation: of the three MLPs (the classifier's hidden widths are ``hidden`` too).
        likelihood, sigma, learn_sigma, binarize: as for :class:`VAE`.
        The training parameters are those of every genzoo estimator (``validation_fraction`` defaults to 0: with few
        labels, none is held out).

    ``fit(X, y)``: ``y`` holds −1 for the unlabelled images (scikit-learn's convention). ``predict``,
    ``predict_proba`` and ``score`` (accuracy) are the classifier's; ``sample(n, y)``, ``reconstruct(X, y)``,
    ``transform(X, y)`` and ``inverse_transform(Z, y)`` are the conditional VAE's (``reconstruct`` and ``transform``
    without ``y`` condition on the class ``predict`` gives).
    """

    capabilities = frozenset({CONDITION, CLASSIFY, RECONSTRUCT, SAMPLE})
    # M2's bounds are the ELBO's, with Kingma et al.'s p(z) = N(0, I)
    arch, beta, objective, k, kl_warmup, lr_schedule, prior = "mlp", 1.0, "elbo", 1, 0.0, None, "standard"

    def __init__(
        self,
        n_classes: int | None = None,
        alpha: float | None = None,
        labelled_batch: int = 100,
        hidden: Sequence[int] = (500,),
        latent_dim: int = 50,
        activation: str = "relu",
        likelihood: str = "bernoulli",
        sigma: float = 0.1,
        learn_sigma: str | None = None,
        binarize: bool = False,
        epochs: int = 10,
        batch_size: int = 100,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        if self.alpha is not None:
            check_float("alpha", self.alpha, 0.0)
        check_int("labelled_batch", self.labelled_batch, 1)

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **kwargs: Any) -> M2:
        """Train on images ``X`` with labels ``y`` (−1: unlabelled); ``kwargs`` as for every genzoo estimator."""
        self._check_params()
        data = self._fit_data(X)
        labels, self.classes_ = fit_labels(y, len(data), self.n_classes, unlabelled=True)
        labelled = labels >= 0
        self.n_labelled_ = int(labelled.sum())
        self._pool = data[labelled], labels[labelled]
        self._alpha = self.alpha if self.alpha is not None else 0.1 * len(data) / self.n_labelled_
        try:
            return super().fit(data, **kwargs)
        finally:
            del self._pool

    def _fit_labels(self, y: Any, n: int) -> None:
        return None  # the labelled images are drawn from the pool fit() keeps, not from the batches

    def _unit_range(self) -> bool:
        return self.likelihood == "bernoulli"

    def _before_training(self, data: Tensor, resuming: bool, quiet: bool) -> None:
        self._pool = tuple(t.to(self.device_) for t in self._pool)

    def _build(self, input_shape: tuple[int, ...]) -> VAENet:
        net = self._vae_net(input_shape, len(self.classes_))
        net.add_module("classifier", MLPEncoder((math.prod(input_shape),), self.hidden, len(self.classes_),
                                                self.activation))
        return net

    def _fitted_facts(self) -> dict[str, Any]:
        return {**super()._fitted_facts(), "n_labelled": self.n_labelled_}

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.n_labelled_ = facts.get("n_labelled", 0)
        super()._restore(facts, tensors)

    # -- the bounds ------------------------------------------------------------------------------
    def _labelled_loss(self, x: Tensor, y: Tensor, generator: torch.Generator) -> Tensor:
        """L(x, y) = −log p(x|z, y) + KL − log p(y) per image ``(B,)``, in nats (one reparameterised sample)."""
        nll, kl = self._terms(x, generator, c=one_hot(y, len(self.classes_)))
        return nll + kl + math.log(len(self.classes_))

    def _unlabelled_loss(self, x: Tensor, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """U(x) = Σ_y q(y|x) L(x, y) − H(q(y|x)) per image ``(B,)``, and the classifier's logits ``(B, C)``.
        Every class is decoded in one batch of C·B rows, class-major (rows c·B .. c·B + B − 1 hold class c)."""
        logits = self.module_.classifier(x)
        classes, n = len(self.classes_), len(x)
        every = torch.arange(classes, device=x.device).repeat_interleave(n)
        per_class = self._labelled_loss(x.repeat(classes, *[1] * (x.ndim - 1)), every, generator).view(classes, n).T
        log_q = logits.log_softmax(1)
        return (log_q.exp() * (per_class + log_q)).sum(1), logits

    def _draw_labelled(self, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """``labelled_batch`` labelled images (dynamically binarized when ``binarize``) and their labels."""
        images, labels = self._pool
        idx = torch.randint(len(images), (self.labelled_batch,), generator=generator, device=images.device)
        x = to_float(images.index_select(0, idx))
        return (torch.bernoulli(x, generator=generator) if self.binarize else x), labels.index_select(0, idx)

    def _m2_losses(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        unlabelled = self._unlabelled_loss(x, generator)[0].mean()
        xl, yl = self._draw_labelled(generator)
        labelled = self._labelled_loss(xl, yl, generator).mean()
        logits = self.module_.classifier(xl)
        ce = F.cross_entropy(logits, yl)
        return {"loss": unlabelled + labelled + self._alpha * ce, "unlabelled": unlabelled, "labelled": labelled,
                "classification": ce, "labelled_accuracy": (logits.argmax(1) == yl).float().mean()}

    def train_step(self, x: Tensor, generator: torch.Generator, progress: Progress) -> list[Update]:
        return [Update("main", lambda: self._m2_losses(x, generator))]

    def eval_step(self, x: Tensor, generator: torch.Generator) -> dict[str, Tensor]:
        return {"unlabelled": self._unlabelled_loss(x, generator)[0].mean()}

    # -- the classifier --------------------------------------------------------------------------
    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """``fit(X, y)``, then ``transform(X)``: codes given the classes the model predicts (``y`` holds −1s)."""
        return self.fit(X, y, **fit_params).transform(X)

    def _given(self, data: Tensor, y: Any) -> Tensor:
        """The labels' class indices ``(N,)``; without ``y``, the class q(y|x) finds most probable, so that
        ``transform(X)`` and ``reconstruct(X)`` need no labels."""
        if y is not None:
            return super()._given(data, y)
        return torch.from_numpy(self._map(lambda x: self.module_.classifier(x).argmax(1), data))

    def predict_proba(self, X: Any) -> np.ndarray:
        """q(y|x) ``(N, n_classes)``."""
        data = self._images(X)
        return self._map(lambda x: self.module_.classifier(x).softmax(1), data)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class under q(y|x) of each image ``(N,)``, one of ``classes_``."""
        best = self.predict_proba(X).argmax(1)  # checks that the model is fitted
        return self.classes_[best]

