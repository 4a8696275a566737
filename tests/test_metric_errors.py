"""Every metric refuses bad input with an error that names the argument at fault (mutation testing found these
messages unchecked: a renamed or dropped name survived)."""

import numpy as np
import pytest

from genzoo.errors import ConfigError
from genzoo.metrics import (
    DomainClassifier,
    anomaly_auroc,
    clustering_accuracy,
    kernel_inception_distance,
    knn_accuracy,
    linear_probe_accuracy,
    mode_coverage,
    nearest_neighbours,
    parzen_log_likelihood,
    precision_recall,
    retrieval_precision,
)

BAD = np.full((4, 3), np.nan)
OK = np.arange(12.0).reshape(4, 3)
Y = np.array([0, 1, 0, 1])

CASES = {
    "mode_coverage std": (lambda: mode_coverage(OK[:, :2], np.zeros((2, 2)), 0.0), "^std=0.0 is not allowed"),
    "mode_coverage samples": (lambda: mode_coverage(BAD[:, :2], np.zeros((2, 2)), 0.1), "^samples contains NaN"),
    "clustering labels": (lambda: clustering_accuracy(Y, Y[:3]), r"^labels must hold one label per row, shape \(4,\)"),
    "knn k": (lambda: knn_accuracy(OK, Y, OK, Y, k=0), "^k=0 is not allowed"),
    "knn test_codes": (lambda: knn_accuracy(OK, Y, BAD, Y), "^test_codes contains NaN"),
    "knn y_test": (lambda: knn_accuracy(OK, Y, OK, Y[:3]), "^y_test must hold one label per row"),
    "probe train_codes": (lambda: linear_probe_accuracy(BAD, Y, OK, Y), "^train_codes contains NaN"),
    "probe y_test": (lambda: linear_probe_accuracy(OK, Y, OK, Y[:3]), "^y_test must hold one label per row"),
    "neighbours database": (lambda: nearest_neighbours(OK, BAD, k=1), "^database contains NaN"),
    "retrieval codes": (lambda: retrieval_precision(BAD, Y), "^codes contains NaN"),
    "retrieval labels": (lambda: retrieval_precision(OK, Y[:3]), "^labels must hold one label per row"),
    "kid subset_size": (lambda: kernel_inception_distance(OK, OK, subset_size=1), "^subset_size=1 is not allowed"),
    "kid real": (lambda: kernel_inception_distance(BAD, OK), "^real contains NaN"),
    "parzen sigma": (lambda: parzen_log_likelihood(OK, OK, 0.0), "^sigma=0.0 is not allowed"),
    "precision real": (lambda: precision_recall(BAD, OK), "^real contains NaN"),
    "auroc scores": (lambda: anomaly_auroc(np.array([np.nan, 1.0]), np.array([True, False])),
                     "^scores contain NaN or infinite values"),
    "auroc one kind": (lambda: anomaly_auroc(np.array([0.0, 1.0]), np.array([True, True])),
                       "^the AUROC needs both normal and anomalous images"),
    "classifier size": (lambda: DomainClassifier(epochs=1).fit(np.zeros((4, 1, 2, 2), np.uint8), Y),
                        r"^the domain classifier needs images \(C, H, W\) with H, W >= 4, got \(1, 2, 2\)"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_metric_names_what_it_refuses(case):
    call, message = CASES[case]
    with pytest.raises((ConfigError, ValueError), match=message):
        call()
