"""What scikit-learn's own estimator checks (``sklearn.utils.estimator_checks``) may not pass, and why.

PCA and every estimator that takes any real data (the autoencoders with ``loss="mse"``, the linear autoencoder,
the GANs) pass all of them. A model of images in [0, 1] (a Bernoulli decoder: ``loss="bce"``, the VAE) refuses
the checks' standard-normal data with a ConfigError saying so; those checks are listed here, for
``check_estimator(..., expected_failed_checks=...)`` and ``parametrize_with_checks``.
"""

from __future__ import annotations

from typing import Any

# the checks that fit on data outside [0, 1] (standard normal, shifted, or scaled around 100)
OUTSIDE_UNIT_RANGE = (
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_estimators_dtypes",
    "check_estimators_fit_returns_self", "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
    "check_pipeline_consistency", "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
    "check_transformer_data_not_an_array", "check_transformer_general", "check_transformer_preserve_dtypes",
)


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """``{check name: reason}`` of the scikit-learn checks ``estimator`` is not expected to pass."""
    unit_range = getattr(estimator, "_unit_range", None)
    if unit_range is None or not unit_range():
        return {}
    reason = (f"{type(estimator).__name__} models images in [0, 1] (a Bernoulli decoder) and refuses other data "
              "with a ConfigError; use loss='mse' for real-valued data")
    return dict.fromkeys(OUTSIDE_UNIT_RANGE, reason)
