"""Measures of what a model does: reconstruction quality, and more to come."""

from .modes import mode_coverage
from .reconstruction import bce_per_image, mse, psnr, reconstruction_report, ssim

__all__ = ["bce_per_image", "mode_coverage", "mse", "psnr", "reconstruction_report", "ssim"]
