"""What scikit-learn's own estimator checks (``sklearn.utils.estimator_checks``) may not pass, and why.

PCA and every estimator that takes any real data (the autoencoders with ``loss="mse"``, the linear autoencoder,
the GANs, the conditional GANs, infoGAN, the encoder classifier on such an autoencoder) pass all of them.
Declared here, with the reason, for ``check_estimator(..., expected_failed_checks=...)`` and
``parametrize_with_checks``:

- a model of images in [0, 1] (a Bernoulli decoder: ``loss="bce"``, ``likelihood="bernoulli"``, or an encoder
  classifier or M1+M2 on such a model) refuses the checks' standard-normal data with a ConfigError saying so;
- the CVAE's ``transform`` needs the labels (it encodes with q(z|x, y)), and one check calls ``transform(X)``;
- the VAE family's ``score_samples`` is a one-sample estimate of the ELBO, whose noise depends on the rows drawn
  with it and their order;
- M2 (and M1+M2) reads the label −1 as "unlabelled" (scikit-learn's semi-supervised convention), so the checks'
  labels {−1, 1} are one class to it.
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
NEEDS_Y = ("check_requires_y_none",)  # fits on data around 100 without y: the range is refused first


def expected_failed_checks(estimator: Any) -> dict[str, str]:
    """``{check name: reason}`` of the scikit-learn checks ``estimator`` is not expected to pass."""
    from .cvae import CVAE  # the models import this module's neighbours; import them when asked
    from .m2 import M2
    from .vae import VAE

    name, failed = type(estimator).__name__, {}
    unit_range = getattr(estimator, "_unit_range", None)
    if unit_range is not None and unit_range():
        fix = "likelihood='gaussian'" if "likelihood" in estimator.get_params() else "loss='mse'"
        reason = (f"{name} models images in [0, 1] (a Bernoulli decoder) and refuses other data with a ConfigError; "
                  f"use {fix} for real-valued data")
        needs_y = estimator.__sklearn_tags__().target_tags.required
        failed |= dict.fromkeys(OUTSIDE_UNIT_RANGE + (NEEDS_Y if needs_y else ()), reason)
    if isinstance(estimator, VAE):
        failed |= dict.fromkeys(("check_methods_subset_invariance", "check_methods_sample_order_invariance"),
                                f"{name}'s score_samples is a one-sample ELBO estimate; its noise depends on the rows "
                                "drawn with it and their order")
    if isinstance(estimator, M2):
        failed["check_classifiers_classes"] = ("M2 reads the label -1 as unlabelled (scikit-learn's semi-supervised "
                                               "convention): labels {-1, 1} are one class to it")
    elif isinstance(estimator, CVAE):
        failed["check_dtype_object"] = "CVAE's transform needs the labels (q(z|x, y)); the check calls transform(X)"
    return failed
