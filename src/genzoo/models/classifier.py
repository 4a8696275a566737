"""Classifiers trained through the engine: the shared supervised part, and a pretrained encoder fine-tuned
with a linear head on labels (seed 003)."""

from __future__ import annotations

import copy
import os
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassifierMixin, clone
from torch import Tensor, nn

from ..engine.runs import read_config
from ..errors import ConfigError
from ..validation import check_int
from .base import Estimator, NeuralEstimator, load, store_params, unwrapped
from .capabilities import ENCODE
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


class ThroughSource(ABC):
    """A model whose images go into another model's net (``_source()``: its ``encoder``, its ``m1``): they take
    that model's range. Read from it once per fit and kept as the fitted fact ``unit_input_``, so the model keeps
    working, in memory and saved, after the source's run folder is moved or deleted."""

    @abstractmethod
    def _source(self) -> Estimator:
        """The model the images go into, as its parameter names it (no weights read)."""

    def _fit_data(self, X: Any) -> Tensor:
        self.unit_input_ = self._source()._unit_range()
        return super()._fit_data(X)  # type: ignore[misc]

    def _unit_range(self) -> bool:
        return self.unit_input_ if hasattr(self, "unit_input_") else self._source()._unit_range()  # unfitted: ask it

    def _fitted_facts(self) -> dict[str, Any]:
        return {**super()._fitted_facts(), "unit_input": self.unit_input_}  # type: ignore[misc]

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.unit_input_ = facts["unit_input"] if "unit_input" in facts else self._source()._unit_range()
        super()._restore(facts, tensors)  # type: ignore[misc]


class EncoderClassifier(ThroughSource, Classifier):
    """The encoder of an autoencoder (drop the decoder) plus a linear layer, trained end to end on labels.

    Args:
        encoder: a genzoo autoencoder (any with ``module_.encoder``) or the path of its run folder. A fitted one is
            copied (the autoencoder itself is left unchanged); an unfitted one is first fitted (a clone of it) on
            the training images of ``fit``, then fine-tuned: pre-training, then supervised fine-tuning, as seed
            003 describes. scikit-learn's ``clone`` unfits an estimator parameter, so cross-validation pre-trains
            on each fold's training images; ``FrozenEstimator(fitted)`` keeps one pre-trained model instead.
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
            raise ConfigError("EncoderClassifier needs encoder=: an autoencoder (fitted, or to be fitted on X "
                              "first) or the path of its run folder")

    def _source(self) -> Estimator:
        return source_model(self.encoder, "encoder")

    def _saved_params(self) -> dict[str, Any]:
        return {**super()._saved_params(), "encoder": saved_spec(self.encoder)}

    def _build(self, input_shape: tuple[int, ...]) -> nn.Module:
        [encoder] = part_copies(self.encoder, input_shape=input_shape)
        with torch.no_grad():
            width = encoder(torch.zeros(1, *input_shape)).shape[1]
        return nn.Sequential(encoder, nn.Linear(width, len(self.classes_)))

    def _before_training(self, data: Tensor, resuming: bool, quiet: bool) -> None:
        if not resuming:
            pretrain_parts(self.encoder, {"encoder": self.module_[0]}, data, quiet)


def unfitted(spec: Any) -> bool:
    """Whether ``spec`` is a model still to be fitted: an estimator without ``module_``, or a saved config without
    its fitted facts (the parameter of a model that fitted it itself)."""
    spec = unwrapped(spec)
    return (isinstance(spec, Estimator) and not hasattr(spec, "module_")) or (isinstance(spec, dict)
                                                                                and "fitted" not in spec)


def source_model(spec: Any, name: str, kind: type[Estimator] | None = None) -> Estimator:
    """The model ``spec`` names, unfitted unless it is a fitted estimator: itself, or built from the ``config.json``
    of its run folder (a path) or a saved config (a dict). For what its parameters answer; no weights are read.
    ``kind``: the model class it must be (default: any neural model)."""
    spec = unwrapped(spec)
    if isinstance(spec, (str, os.PathLike)):
        model = Estimator.from_config(read_config(spec), str(spec))
    elif isinstance(spec, dict):
        model = Estimator.from_config(spec, name)
    else:
        model = spec
    if not isinstance(model, kind or NeuralEstimator):
        wanted = f"a {kind.__name__}" if kind else "an autoencoder"
        raise ConfigError(f"{name}={type(model).__name__} is not {wanted}: pass one (fitted, or to be fitted on X "
                          "first) or the path of its run folder")
    return model


def saved_spec(spec: Any) -> Any:
    """What a saved model keeps of parameter ``spec``: the ``config.json`` of the run folder a path names (with its
    fitted facts, so the saved model, which holds the copied weights, loads without that folder), else ``spec``."""
    return read_config(spec) if isinstance(unwrapped(spec), (str, os.PathLike)) else spec


def part_copies(spec: Any, parts: tuple[str, ...] = ("encoder",), name: str = "encoder",
                kind: type[Estimator] | None = None, input_shape: tuple[int, ...] | None = None) -> list[nn.Module]:
    """Copies of modules ``parts`` of ``spec``'s net (``module_.encoder``, ...): of a fitted model or the one saved
    in a run folder (a path), or, with random weights (the caller's weights follow, or :func:`pretrain_parts` fits
    them), of the architecture of an unfitted model or a saved config, built for ``input_shape`` (or the
    config's own). ``kind``: the model class ``spec`` must be."""
    spec = unwrapped(spec)
    model = source_model(spec, name, kind)
    if ENCODE not in model.capabilities:
        raise ConfigError(f"{name}={type(model).__name__} has no encoder: pass an autoencoder")
    if isinstance(spec, (str, os.PathLike)):
        with torch.device("cpu"):  # real weights even while the caller sizes its own net on the meta device
            model = load(spec)
    elif unfitted(spec) or isinstance(spec, dict):
        model = clone(model)
        shape = spec["fitted"]["input_shape"] if isinstance(spec, dict) and "fitted" in spec else input_shape
        model._check_params()
        model.input_shape_ = tuple(shape)
        with torch.random.fork_rng(devices=[]):  # the caller's own layers draw as if this were a fitted copy
            model.module_ = model._build(tuple(shape))
    if not all(hasattr(getattr(model, "module_", None), part) for part in parts):
        raise ConfigError(f"{name}={type(model).__name__} has no {' and '.join(parts)}: pass an autoencoder")
    return [copy.deepcopy(getattr(model.module_, part)).cpu() for part in parts]


def pretrain_parts(spec: Any, targets: dict[str, nn.Module], data: Tensor, quiet: bool, name: str = "encoder",
                   kind: type[Estimator] | None = None) -> None:
    """When ``spec`` is a model still to be fitted (:func:`unfitted`): fit a clone of it on ``data`` and load the
    weights of each part of its net into ``targets[part]``, in place. A fitted ``spec``'s parts were copied whole
    when the model was built. ``name``, ``kind``: the parameter that holds ``spec`` and the class it must be."""
    if unfitted(spec):
        model = clone(source_model(spec, name, kind)).fit(data, quiet=quiet)
        for part, module in targets.items():
            module.load_state_dict(getattr(model.module_, part).state_dict())
