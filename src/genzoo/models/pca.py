"""PCA: the maximum-variance linear projection, from the SVD of the centred data (seed 003).

The linear reference every autoencoder is compared with. Matches ``sklearn.decomposition.PCA``
(components up to the same sign convention, variances, transform, score).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..engine.runs import Run
from ..errors import ConfigError
from ..validation import as_images, check_int
from .base import Estimator, Transformer
from .capabilities import DECODE, ENCODE, RECONSTRUCT, SCORE


class PCA(Transformer, Estimator):
    """Principal component analysis of images ``(N, C, H, W)`` or rows ``(N, D)``.

    Args:
        n_components: the number of components kept (the code size; ``--latent-dim`` on the CLI).

    Fitted attributes: ``components_`` ``(k, D)``, ``mean_`` ``(D,)``, ``explained_variance_``,
    ``explained_variance_ratio_``, ``singular_values_``, ``noise_variance_``, ``input_shape_``.
    """

    capabilities = frozenset({ENCODE, DECODE, RECONSTRUCT, SCORE})
    code_size_param = "n_components"

    def __init__(self, n_components: int = 2) -> None:
        self.n_components = n_components

    def _check_params(self) -> None:
        check_int("n_components", self.n_components, 1)

    def fit(self, X: Any, y: Any = None, *, run_dir: str | os.PathLike | None = None, resume: bool = False,
            quiet: bool = True, run_info: dict[str, Any] | None = None, on_nonfinite: str = "stop",
            precision: str = "fp32") -> PCA:
        """Fit on ``X``; with ``run_dir``, also save the run folder (``resume``, ``quiet``, ``on_nonfinite`` and
        ``precision`` are accepted for a uniform interface: PCA has no epochs and works in float64)."""
        self._check_params()
        data = as_images(X, unit_range=False, keep_float64=True)  # any real data, not only images
        if run_dir is None:
            return self._fit(data)
        with Run(run_dir) as run:
            run.claim(type(self).__name__, resume)  # before the work: a folder it may not write is refused first
            self._fit(data)
            run.write_config(self.config(**(run_info or {})))
            self.save(run.path, **(run_info or {}))
        return self

    def _fit(self, data: Tensor) -> PCA:
        n, d = len(data), math.prod(data.shape[1:])
        if self.n_components > min(n, d):
            raise ConfigError(f"n_components={self.n_components} needs at least as many samples and features; got "
                              f"n_samples = {n}, n_features = {d}: lower n_components")
        self.input_shape_ = tuple(data.shape[1:])
        x = _as_float64(data).reshape(n, d)
        mean = x.mean(0)
        _, s, vt = torch.linalg.svd(x - mean, full_matrices=False)
        signs = torch.sign(vt[torch.arange(len(vt)), vt.abs().argmax(1)])  # largest entry of each component > 0
        vt = vt * signs[:, None]
        variance = s.square() / max(n - 1, 1)
        k = self.n_components
        self._set(mean, vt[:k], variance[:k], variance.sum(), s[:k],
                  variance[k:].mean() if k < min(n, d) else torch.zeros((), dtype=torch.float64))
        self.n_samples_ = n
        return self

    def _set(self, mean: Tensor, components: Tensor, variance: Tensor, total_variance: Tensor,
             singular_values: Tensor, noise_variance: Tensor) -> None:
        self.mean_ = mean.numpy()
        self.components_ = components.numpy()
        self.explained_variance_ = variance.numpy()
        self.explained_variance_ratio_ = (variance / total_variance).numpy()
        self.singular_values_ = singular_values.numpy()
        self.noise_variance_ = float(noise_variance)
        self.n_components_ = len(components)
        self.n_features_in_ = len(mean)
        self._total_variance = float(total_variance)

    def _flat(self, X: Any) -> np.ndarray:
        self._check_fitted()
        data = as_images(X, input_shape=self.input_shape_, unit_range=False, keep_float64=True)
        return _as_float64(data).reshape(len(data), -1).numpy()

    def transform(self, X: Any) -> np.ndarray:
        """Codes ``(N, k)``: the centred data projected on the components."""
        return ((self._flat(X) - self.mean_) @ self.components_.T).astype(np.float32)

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Reconstructions ``(N, *input_shape)`` from codes ``(N, k)`` (not clipped to [0, 1])."""
        self._check_fitted()
        z = np.asarray(Z, dtype=np.float64)
        if z.ndim != 2 or z.shape[1] != self.n_components_:
            raise ConfigError(f"codes must be shaped (N, {self.n_components_}), got {z.shape}")
        return (z @ self.components_ + self.mean_).astype(np.float32).reshape(len(z), *self.input_shape_)

    def score_samples(self, X: Any) -> np.ndarray:
        """Log-likelihood of each sample under probabilistic PCA (Tipping & Bishop), as scikit-learn's."""
        x = self._flat(X) - self.mean_
        d = x.shape[1]
        sigma2 = max(self.noise_variance_, 1e-12)
        w = self.components_ * np.sqrt(np.maximum(self.explained_variance_ - sigma2, 0.0))[:, None]
        cov = w.T @ w + sigma2 * np.eye(d)
        _, logdet = np.linalg.slogdet(cov)
        maha = np.einsum("ij,ij->i", x, np.linalg.solve(cov, x.T).T)
        return -0.5 * (d * np.log(2 * np.pi) + logdet + maha)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean log-likelihood of ``X`` under probabilistic PCA (higher is better)."""
        return float(self.score_samples(X).mean())

    def reconstruct(self, X: Any) -> np.ndarray:
        """Reconstructions ``(N, *input_shape)`` from the kept components, clipped to the image range [0, 1]."""
        return np.clip(self.inverse_transform(self.transform(X)), 0.0, 1.0)

    # -- saving ----------------------------------------------------------------------------------
    def _state_tensors(self) -> dict[str, Tensor]:
        names = ("mean_", "components_", "explained_variance_", "singular_values_")
        return {name: torch.from_numpy(np.asarray(getattr(self, name))) for name in names}

    def _fitted_facts(self) -> dict[str, Any]:
        return {"noise_variance": self.noise_variance_, "total_variance": self._total_variance,
                "n_samples": self.n_samples_}

    def _restore(self, facts: dict[str, Any], tensors: dict[str, Tensor]) -> None:
        self._set(tensors["mean_"], tensors["components_"], tensors["explained_variance_"],
                  torch.tensor(facts["total_variance"], dtype=torch.float64), tensors["singular_values_"],
                  torch.tensor(facts["noise_variance"], dtype=torch.float64))
        self.n_samples_ = facts["n_samples"]


def _as_float64(data: Tensor) -> Tensor:
    """uint8 images to float64 in [0, 1] (without a float32 detour), float to float64."""
    return data.double() / 255.0 if data.dtype == torch.uint8 else data.double()
