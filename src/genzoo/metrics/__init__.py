"""Measures of what a model does: reconstructions, samples (on a domain classifier's features), mode coverage."""

from .anomaly import anomaly_auroc
from .domain import DomainClassifier, domain_classifier, sample_quality
from .modes import mode_coverage
from .reconstruction import bce_per_image, mse, psnr, reconstruction_report, ssim
from .representation import clustering_accuracy, knn_accuracy, linear_probe_accuracy, nearest_neighbours, retrieval_precision
from .samples import (
    frechet_distance,
    kernel_inception_distance,
    parzen_bandwidth,
    parzen_estimate,
    parzen_log_likelihood,
    precision_recall,
)

__all__ = ["DomainClassifier", "anomaly_auroc", "bce_per_image", "clustering_accuracy", "domain_classifier",
           "frechet_distance", "kernel_inception_distance", "knn_accuracy", "linear_probe_accuracy", "mode_coverage", "mse",
           "nearest_neighbours", "parzen_bandwidth", "parzen_estimate", "parzen_log_likelihood", "precision_recall", "psnr",
           "reconstruction_report", "retrieval_precision", "sample_quality", "ssim"]
