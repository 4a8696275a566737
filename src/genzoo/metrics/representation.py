"""How useful codes are (seed 003's "features for a classifier" and "similar-image retrieval")."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..validation import check_int
from .samples import as_rows


def _codes(x: Any, name: str) -> np.ndarray:
    return as_rows(x, name).numpy()


def _labels(y: Any, n: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} must hold one label per row, shape ({n},), got {y.shape}")
    return y


def linear_probe_accuracy(train_codes: Any, y_train: Any, test_codes: Any, y_test: Any) -> float:
    """Test accuracy of a logistic regression on standardized codes ``(N, D)`` (a linear probe)."""
    a, b = _codes(train_codes, "train_codes"), _codes(test_codes, "test_codes")
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probe.fit(a, _labels(y_train, len(a), "y_train"))
    return float(probe.score(b, _labels(y_test, len(b), "y_test")))


def knn_accuracy(train_codes: Any, y_train: Any, test_codes: Any, y_test: Any, k: int = 5) -> float:
    """Test accuracy of a k-nearest-neighbour vote (Euclidean distance between codes)."""
    check_int("k", k, 1)
    a, b = _codes(train_codes, "train_codes"), _codes(test_codes, "test_codes")
    knn = KNeighborsClassifier(n_neighbors=k).fit(a, _labels(y_train, len(a), "y_train"))
    return float(knn.score(b, _labels(y_test, len(b), "y_test")))


def nearest_neighbours(queries: Any, database: Any, k: int, exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Indices and Euclidean distances ``(Q, k)`` each of every query row's k nearest database rows.

    ``exclude_self``: queries are the database's own rows (row i is never its own neighbour).
    """
    check_int("k", k, 1)
    q = torch.from_numpy(_codes(queries, "queries"))
    d = torch.from_numpy(_codes(database, "database"))
    idx, dist = [], []
    for start in range(0, len(q), 1024):
        block = torch.cdist(q[start : start + 1024], d)
        if exclude_self:
            rows = torch.arange(start, min(start + 1024, len(q)))
            block[rows - start, rows] = float("inf")
        values, indices = block.topk(min(k, len(d)), dim=1, largest=False)
        idx.append(indices)
        dist.append(values)
    return torch.cat(idx).numpy(), torch.cat(dist).numpy()


def retrieval_precision(codes: Any, labels: Any, k: int = 10) -> float:
    """precision@k: over all rows as queries, the share of their k nearest other rows that share their label."""
    c = _codes(codes, "codes")
    y = _labels(labels, len(c), "labels")
    idx, _ = nearest_neighbours(c, c, k, exclude_self=True)
    return float((y[idx] == y[:, None]).mean())


def clustering_accuracy(clusters: Any, labels: Any) -> float:
    """The share of rows whose cluster ``(N,)`` maps to their label ``(N,)`` under the best one-to-one map of
    clusters to labels (the Hungarian algorithm on the contingency table), as unsupervised clustering is scored."""
    from scipy.optimize import linear_sum_assignment

    clusters = np.asarray(clusters).astype(np.int64)
    labels = _labels(labels, len(clusters), "labels").astype(np.int64)
    if len(clusters) == 0 or clusters.min() < 0 or labels.min() < 0:
        raise ValueError("clusters and labels must be non-negative integers, at least one row")
    table = np.zeros((clusters.max() + 1, labels.max() + 1), np.int64)
    np.add.at(table, (clusters, labels), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(clusters))
