"""A small CNN per dataset whose penultimate features stand in for Inception's (SPEC §3).

Inception weights cannot be downloaded everywhere and know nothing of 28×28 digits; genzoo trains this
classifier on the dataset's own training split once, caches it (keyed by a hash of the training data),
and measures sample sets on its 128 penultimate features.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..data import load_dataset
from ..data.sources import cache_dir
from ..errors import CheckpointError, ConfigError
from ..models.base import Estimator, store_params
from ..models.classifier import Classifier

FEATURES = 128
# (epochs, batch size) measured to reach ≥ 99% (MNIST), ≥ 91% (Fashion-MNIST), ≈ 98% (digits) test accuracy
RECIPES = {"mnist": (5, 64), "fashion-mnist": (8, 128), "digits": (30, 128)}


class DomainClassifier(Classifier):
    """conv32 3×3 → ReLU → max-pool → conv64 3×3 → ReLU → max-pool → FC 128 → ReLU (the features) → FC classes.

    Sized from the image (H and W ≥ 4). ``features(X)`` gives the 128 penultimate activations ``(N, 128)``.
    """

    def __init__(
        self,
        n_classes: int | None = None,
        epochs: int = 5,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        validation_fraction: float = 0.0,
        random_state: int = 0,
        device: str = "auto",
    ) -> None:
        store_params(self, locals())

    def _build(self, input_shape: tuple[int, ...]) -> nn.Sequential:
        if len(input_shape) != 3 or min(input_shape[1:]) < 4:
            raise ConfigError(f"the domain classifier needs images (C, H, W) with H, W >= 4, got {input_shape}")
        c, h, w = input_shape
        features = nn.Sequential(
            nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), FEATURES), nn.ReLU(inplace=True),
        )
        return nn.Sequential(features, nn.Linear(FEATURES, len(self.classes_)))

    def features(self, X: Any) -> np.ndarray:
        """The penultimate activations ``(N, 128)`` of images ``X`` (uint8, or float in [0, 1])."""
        data = self._images(X)
        return self._map(self.module_[0], data)


def cache_key(x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int) -> str:
    """SHA-256 (16 hex digits) of the training images and labels, the recipe, the classifier's own code (its net and
    its features), the PyTorch release and the instruction set its kernels run with: change any of them and the
    cached classifier is retrained, with no version to bump (a classifier trained by other kernels gives other
    features, and so other FD, KID, precision and recall)."""
    code = inspect.getsource(DomainClassifier._build) + inspect.getsource(DomainClassifier.features)
    numerics = f"{torch.__version__}{torch.backends.cpu.get_cpu_capability()}"
    recipe = (f"e{epochs}b{batch_size}{DomainClassifier(epochs=epochs, batch_size=batch_size).get_params()}{code}"
              f"{numerics}")
    return hashlib.sha256(x.tobytes() + y.tobytes() + recipe.encode()).hexdigest()[:16]


def domain_classifier(dataset: str, root: str | Path | None = None, epochs: int | None = None,
                      quiet: bool = True) -> DomainClassifier:
    """The cached domain classifier of ``dataset`` (trained on its training split on first use).

    The cache lives in genzoo's cache folder under ``classifiers/``, keyed by the dataset's name and
    :func:`cache_key`; a cache entry that does not load is retrained.
    """
    x, y = load_dataset(dataset, "train", root)
    if y is None or x.ndim != 4:
        raise ConfigError(f"{dataset}: the domain classifier needs labelled images; this dataset has none")
    default_epochs, batch_size = RECIPES.get(dataset, (10, 128))
    epochs = default_epochs if epochs is None else epochs
    digest = cache_key(x, y, epochs, batch_size)
    name = dataset.replace(":", "-").replace("/", "-").strip("-")[-40:]
    path = cache_dir() / "classifiers" / f"{name}-{digest}"
    try:
        model = Estimator.load(path)
        if isinstance(model, DomainClassifier):
            return model
    except CheckpointError:
        pass
    model = DomainClassifier(epochs=epochs, batch_size=batch_size).fit(x, y, quiet=quiet)
    model.save(path, data={"name": dataset, "sha256": digest})
    return model



def sample_quality(samples: Any, dataset: str, root: str | Path | None = None, *, reference: Any = None,
                   classifier: DomainClassifier | None = None, kid_subsets: int = 100) -> dict[str, float]:
    """Fréchet distance, KID (mean and std over subsets) and precision/recall of image ``samples`` against
    ``reference`` images (by default the dataset's test split), on the dataset's domain-classifier features."""
    from .samples import frechet_distance, kernel_inception_distance, precision_recall

    classifier = classifier if classifier is not None else domain_classifier(dataset, root)
    if reference is None:
        reference = load_dataset(dataset, "test", root)[0]
    real, fake = classifier.features(reference), classifier.features(samples)
    kid, kid_std = kernel_inception_distance(real, fake, subsets=kid_subsets)
    return {"fd": frechet_distance(real, fake), "kid": kid, "kid_std": kid_std, **precision_recall(real, fake)}
