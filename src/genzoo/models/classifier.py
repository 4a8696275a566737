"""Classifiers trained through the engine: the shared supervised part, and a pretrained encoder fine-tuned
with a linear head on labels (seed 003)."""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassifierMixin
from torch import Tensor, nn

from ..errors import ConfigError
from ..validation import check_int
from .base import Estimator, NeuralEstimator, load, store_params
from .labels import Conditional


class Classifier(ClassifierMixin, Conditional, NeuralEstimator):
    """A module ``(N, *shape)`` -> logits ``(N, n_classes)`` trained with cross-entropy on labels ``y``.

    Subclasses build the module (``_build``, where ``classes_`` is already set) and have ``n_classes``; the labels
    are :class:`~genzoo.models.labels.Conditional`'s (any integers or strings; ``classes_`` saved with the model).
    """

    def _check_params(self) -> None:
        super()._check_params()
        check_int("n_classes", self.n_classes, 2, allow_none=True)

    def _losses(self, batch: tuple[Tensor, Tensor], generator: torch.Generator) -> dict[str, Tensor]:
        """Cross-entropy in nats per image (minimised) and the batch's accuracy."""
        x, y = batch
        logits = self.module_(x)
        return {"loss": F.cross_entropy(logits, y), "accuracy": (logits.argmax(1) == y).float().mean()}

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``."""
        data = self._images(X)
        return self._map(lambda x: self.module_(x).softmax(1), data)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each image ``(N,)``, one of ``classes_``."""
        best = self.predict_proba(X).argmax(1)  # checks that the model is fitted
        return self.classes_[best]


class EncoderClassifier(Classifier):
    """The encoder of a fitted autoencoder (drop the decoder) plus a linear layer, trained end to end on labels.

    Args:
        encoder: a fitted genzoo autoencoder (any with ``module_.encoder``) or the path of its run folder.
            It is copied: the autoencoder itself is left unchanged.
        n_classes: the number of classes, labels 0..n_classes−1; by default the distinct labels of ``y``.
        The training parameters are those of every genzoo estimator.

    Fitted: ``module_`` (``nn.Sequential(encoder, head)``), ``classes_``, ``history_``.
    """

    def __init__(
        self,
        encoder: Any = None,
        n_classes: int | None = None,
        epochs: int = 10,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.1,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        if self.encoder is None:
            raise ConfigError("EncoderClassifier needs encoder=: a fitted autoencoder or the path of its run folder")

    def _build(self, input_shape: tuple[int, ...]) -> nn.Module:
        encoder = encoder_copy(self.encoder)
        with torch.no_grad():
            width = encoder(torch.zeros(1, *input_shape)).shape[1]
        return nn.Sequential(encoder, nn.Linear(width, len(self.classes_)))


def encoder_copy(spec: Any, name: str = "encoder", kind: type[Estimator] | None = None) -> nn.Module:
    """A copy of the encoder module of ``spec``: a fitted model with ``module_.encoder``, the path of its run folder,
    or its saved config (a dict: the architecture is rebuilt with random weights; the caller's weights follow).
    ``kind``: the model class ``spec`` must be."""
    model = spec
    if isinstance(spec, (str, os.PathLike)):
        with torch.device("cpu"):  # real weights even while the caller sizes its own net on the meta device
            model = load(spec)
    elif isinstance(spec, dict):  # a saved model's config: rebuild the architecture, weights follow
        model = Estimator.from_config(spec)
        model.module_ = model._build(tuple(spec["fitted"]["input_shape"]))
    wanted = kind.__name__ if kind else "autoencoder"
    if (kind is not None and not isinstance(model, kind)) or not hasattr(getattr(model, "module_", None), "encoder"):
        raise ConfigError(f"{name}={type(model).__name__} is not a fitted {wanted} (fit it first)")
    return copy.deepcopy(model.module_.encoder).cpu()
