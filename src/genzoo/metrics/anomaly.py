"""Anomaly detection, the notes' last use of a trained model (SPEC §2): score every test image by how typical it is
of the training data (reconstruction error, ELBO) and measure how well the score separates the classes the model
trained on (normal) from the others (anomalies)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from ..errors import ConfigError


def anomaly_auroc(scores: Any, normal: Any) -> float:
    """Area under the ROC curve of ``scores`` ``(N,)`` (higher: more normal, scikit-learn's ``score_samples``
    convention) against the boolean ``normal`` ``(N,)``: 1 when every normal image scores above every anomaly,
    0.5 for a score that knows nothing."""
    s = np.asarray(scores, dtype=np.float64)
    is_normal = np.asarray(normal)
    if s.ndim != 1 or is_normal.shape != s.shape:
        raise ConfigError(f"scores and normal must be two (N,) arrays, got {s.shape} and {is_normal.shape}")
    if not np.isfinite(s).all():
        raise ConfigError("scores contain NaN or infinite values")
    if is_normal.dtype != bool:
        raise ConfigError(f"normal must be boolean, got {is_normal.dtype}")
    if is_normal.all() or not is_normal.any():
        raise ConfigError("the AUROC needs both normal and anomalous images; the test split holds only one kind")
    return float(roc_auc_score(is_normal, s))
