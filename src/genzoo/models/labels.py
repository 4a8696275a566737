"""Class labels at the edge: checked once, with errors that name the problem and the fix.

Labels are what scikit-learn's classifiers take: integers, strings (or integral floats, read as integers); the
model's ``classes_`` are the sorted distinct labels seen in ``fit`` (or ``0..n_classes−1`` when ``n_classes`` is
given), and inside the model a label is its index in ``classes_``. For semi-supervised fitting, −1 marks an
unlabelled row (scikit-learn's convention; integer labels only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.utils import Tags
from sklearn.utils.validation import column_or_1d
from torch import Tensor

from ..errors import ConfigError

UNLABELLED = -1


def _values(y: Any, n: int, name: str) -> np.ndarray:
    """``y`` as ``(n,)`` labels: int64 for integers and integral floats, else strings (or bools) as given."""
    if y is None:
        raise ConfigError(f"this model requires y to be passed, but the target y is None: give class labels {name}, "
                          f"shaped ({n},)")
    y = np.asarray(y)
    if y.ndim == 0:
        y = np.full(n, y)  # one class for every row
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)  # scikit-learn's DataConversionWarning, then on as (n,)
    if y.shape != (n,):
        raise ConfigError(f"{name} must hold one label per image: shaped ({n},), got {y.shape}")
    if y.dtype == object:
        kinds = {type(v) for v in y.tolist()}
        if kinds <= {int} or kinds <= {str}:
            y = y.astype(np.int64 if kinds <= {int} else str)
        else:
            raise ConfigError(f"{name} mixes label types ({', '.join(sorted(k.__name__ for k in kinds))}); "
                              "use integers or strings throughout")
    if np.issubdtype(y.dtype, np.floating):
        whole = np.isfinite(y) & (y == np.round(y))
        if not whole.all():
            bad = y[~whole][0]
            raise ConfigError(f"Unknown label type: continuous. {name} holds {_shown(bad)}: class labels are integers or "
                              "strings (for a continuous target, use a regressor)")
        y = y.astype(np.int64)
    if not (np.issubdtype(y.dtype, np.integer) or y.dtype.kind in "UbS"):
        raise ConfigError(f"{name} has dtype {y.dtype}: class labels are integers or strings")
    return y.astype(np.int64) if np.issubdtype(y.dtype, np.integer) else y


def _shown(label: Any) -> str:
    """A label as the user wrote it: 7, 'seven' (not numpy's np.int64(7))."""
    return repr(label.item() if isinstance(label, np.generic) else label)


def _indices(values: np.ndarray, classes: np.ndarray, name: str) -> np.ndarray:
    """The index of each label in ``classes``; a label the model has not seen is a ConfigError."""
    if (values.dtype.kind in "iu") != (classes.dtype.kind in "iu"):
        raise ConfigError(f"{name} holds labels of type {values.dtype}, the model's classes are {classes.tolist()}")
    idx = np.searchsorted(classes, values).clip(0, len(classes) - 1)
    unseen = values[classes[idx] != values]
    if len(unseen):
        raise ConfigError(f"{name} has class {_shown(unseen[0])}, which the model was not trained on "
                          f"(its classes are {classes.tolist()})")
    return idx


def fit_labels(y: Any, n: int, n_classes: int | None = None, unlabelled: bool = False) -> tuple[Tensor, np.ndarray]:
    """Training labels as class indices ``(n,)`` int64 (−1: unlabelled) and the classes: ``0..n_classes−1``, or the
    distinct labels seen. With ``unlabelled``, −1 marks a row without a label, and at least one row must have one."""
    values = _values(y, n, "y")
    labelled = values != UNLABELLED if unlabelled and values.dtype.kind == "i" else np.ones(n, bool)
    if not labelled.any():
        raise ConfigError("y has no labelled row (every label is -1); label at least one image of each class")
    if n_classes is not None:
        if values.dtype.kind != "i" or values[labelled].min() < 0 or values[labelled].max() >= n_classes:
            bad = values[labelled][0] if values.dtype.kind != "i" else values[labelled].max()
            marks = "; -1 marks an unlabelled row" if unlabelled else ""
            raise ConfigError(f"y has label {_shown(bad)} but n_classes={n_classes} (labels 0 to {n_classes - 1}{marks})")
        classes = np.arange(n_classes)
    else:
        classes = np.unique(values[labelled])
    if len(classes) < 2:
        raise ConfigError(f"y holds one class ({_shown(classes[0])}); a model of classes needs at least 2")
    idx = np.full(n, UNLABELLED, np.int64)
    idx[labelled] = _indices(values[labelled], classes, "y")
    return torch.from_numpy(idx), classes


def check_labels(y: Any, n: int, classes: np.ndarray, name: str = "y") -> Tensor:
    """The class indices ``(n,)`` int64 of labels ``y`` for a model fitted on ``classes`` (one label: every row)."""
    return torch.from_numpy(_indices(_values(y, n, name), classes, name))


def one_hot(y: Tensor, n_classes: int) -> Tensor:
    """``(N,)`` int64 -> float32 ``(N, n_classes)``."""
    return torch.nn.functional.one_hot(y, n_classes).float()


def labelled_subset(y: Any, n: int, random_state: int = 0) -> np.ndarray:
    """``y`` with all but ``n`` labels set to −1 (unlabelled): a class-balanced subset, n / C per class (the remainder
    to the first classes), drawn with ``random_state`` (``genzoo train m2 --labels N``)."""
    y = _values(y, len(np.asarray(y)), "y")
    if y.dtype.kind != "i":
        raise ConfigError(f"--labels needs integer labels (-1 marks an unlabelled row), got {y.dtype}")
    classes = np.unique(y)
    if not len(classes) <= n <= len(y):
        raise ConfigError(f"--labels {n}: choose from {len(classes)} (one per class) to {len(y)} (every image)")
    rng = np.random.default_rng(random_state)
    kept = np.concatenate([rng.choice(np.flatnonzero(y == c), n // len(classes) + (i < n % len(classes)), replace=False)
                           for i, c in enumerate(classes)])
    out = np.full_like(y, UNLABELLED)
    out[kept] = y[kept]
    return out


def saved_classes(facts: dict[str, Any]) -> np.ndarray:
    """A fitted model's ``classes_`` from its saved facts (runs saved before labels were kept: ``n_classes``)."""
    return np.asarray(facts["classes"]) if "classes" in facts else np.arange(facts["n_classes"])


class Conditional:
    """For estimators that learn from class labels: ``classes_`` fitted from ``y``, labels checked against it (and
    turned into indices) at inference, one-hot conditions, ``classes_`` saved and restored, and the tag that tells
    scikit-learn's checks that ``fit`` needs ``y``."""

    n_classes: int | None

    def _fit_labels(self, y: Any, n: int) -> Tensor:
        labels, self.classes_ = fit_labels(y, n, self.n_classes)
        return labels

    def _labels(self, y: Any, n: int) -> Tensor:
        self._check_fitted()  # type: ignore[attr-defined]
        return check_labels(y, n, self.classes_)

    def _in_turn(self, n: int) -> np.ndarray:
        """``n`` labels, the classes in turn (the default of ``sample``)."""
        return self.classes_[np.arange(n) % len(self.classes_)]

    def _c(self, y: Tensor) -> Tensor:
        return one_hot(y, len(self.classes_))

    def _fitted_facts(self) -> dict[str, Any]:
        return {**super()._fitted_facts(), "classes": self.classes_.tolist()}  # type: ignore[misc]

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self.classes_ = saved_classes(facts)
        super()._restore(facts, tensors)  # type: ignore[misc]

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.target_tags.required = True
        return tags
