"""Class labels at the edge: checked once, with errors that name the problem and the fix.

Labels are integers 0..C−1; for semi-supervised fitting, −1 marks an unlabelled row (scikit-learn's convention).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..errors import ConfigError

UNLABELLED = -1


def _integers(y: Any, n: int, name: str) -> np.ndarray:
    if y is None:
        raise ConfigError(f"this model needs class labels {name}, shaped ({n},)")
    y = np.asarray(y)
    if y.ndim == 0:
        y = np.full(n, y)  # one class for every row
    if y.shape != (n,):
        raise ConfigError(f"{name} must hold one label per image: shaped ({n},), got {y.shape}")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise ConfigError(f"{name} must be integer class labels (0, 1, ...), got {y.dtype}; "
                          "map the classes to integers first (sklearn.preprocessing.LabelEncoder)")
    return y.astype(np.int64)


def fit_labels(y: Any, n: int, n_classes: int | None = None, unlabelled: bool = False) -> tuple[Tensor, int]:
    """Training labels ``(n,)`` int64 and the number of classes (``n_classes``, or the largest label + 1).
    With ``unlabelled``, −1 marks a row without a label, and at least one row must have one."""
    y = _integers(y, n, "y")
    lowest = UNLABELLED if unlabelled else 0
    if y.min() < lowest:
        marks = "; -1 marks an unlabelled row" if unlabelled else ""
        raise ConfigError(f"y has label {y.min()}: labels are 0, 1, ...{marks}")
    labelled = y[y >= 0]
    if len(labelled) == 0:
        raise ConfigError("y has no labelled row (every label is -1); label at least one image of each class")
    classes = n_classes or int(labelled.max()) + 1
    if labelled.max() >= classes:
        raise ConfigError(f"y has label {labelled.max()} but n_classes={classes}")
    if classes < 2:
        raise ConfigError(f"y holds a single class ({labelled.max()}); a conditional model needs at least 2")
    return torch.from_numpy(y), classes


def check_labels(y: Any, n: int, n_classes: int, name: str = "y") -> Tensor:
    """Labels ``(n,)`` int64 for a fitted model of ``n_classes`` classes (an int gives the same class to all rows)."""
    y = _integers(y, n, name)
    unseen = y[(y < 0) | (y >= n_classes)]
    if len(unseen):
        raise ConfigError(f"{name} has class {unseen[0]}, which the model was not trained on "
                          f"(its classes are 0-{n_classes - 1})")
    return torch.from_numpy(y)


def one_hot(y: Tensor, n_classes: int) -> Tensor:
    """``(N,)`` int64 -> float32 ``(N, n_classes)``."""
    return torch.nn.functional.one_hot(y, n_classes).float()


def labelled_subset(y: Any, n: int, random_state: int = 0) -> np.ndarray:
    """``y`` with all but ``n`` labels set to −1 (unlabelled): a class-balanced subset, n / C per class (the remainder
    to the first classes), drawn with ``random_state`` (``genzoo train m2 --labels N``)."""
    y = _integers(y, len(np.asarray(y)), "y")
    classes = np.unique(y)
    if not len(classes) <= n <= len(y):
        raise ConfigError(f"--labels {n}: choose from {len(classes)} (one per class) to {len(y)} (every image)")
    rng = np.random.default_rng(random_state)
    kept = np.concatenate([rng.choice(np.flatnonzero(y == c), n // len(classes) + (i < n % len(classes)), replace=False)
                           for i, c in enumerate(classes)])
    out = np.full_like(y, UNLABELLED)
    out[kept] = y[kept]
    return out


class Conditional:
    """For estimators that learn from class labels: ``classes_`` fitted from ``y`` (``n_classes``, or the largest
    label + 1), labels checked against it at inference, one-hot conditions, and ``n_classes`` saved and restored."""

    n_classes: int | None

    def _fit_labels(self, y: Any, n: int) -> Tensor:
        labels, classes = fit_labels(y, n, self.n_classes)
        self.classes_ = np.arange(classes)
        return labels

    def _labels(self, y: Any, n: int) -> Tensor:
        self._check_fitted()  # type: ignore[attr-defined]
        return check_labels(y, n, len(self.classes_))

    def _c(self, y: Tensor) -> Tensor:
        return one_hot(y, len(self.classes_))

    def _fitted_facts(self) -> dict[str, Any]:
        return {**super()._fitted_facts(), "n_classes": len(self.classes_)}  # type: ignore[misc]

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.classes_ = np.arange(facts["n_classes"])
        super()._restore(facts, tensors)  # type: ignore[misc]
