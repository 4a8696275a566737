"""What an estimator can do, declared by the estimator: the report, ``genzoo eval``, ``genzoo sample`` and the CLI
choose what to measure and draw from these, never from the class, so a new model that declares them gets every
figure and metric that applies.

Each capability names the methods it promises (``tests/models/test_capabilities.py`` checks every registered model):
"""

from __future__ import annotations

ENCODE = "encode"  # transform(X) -> codes (N, D)
DECODE = "decode"  # inverse_transform(Z) -> images in [0, 1]
RECONSTRUCT = "reconstruct"  # reconstruct(X) -> images in [0, 1]
SAMPLE = "sample"  # sample(n, random_state=None) -> (n, *input_shape)
DISCRIMINATE = "discriminate"  # discriminate(X) -> D's probability (N,) that each row is real
DENOISE = "denoise"  # corrupt(X, random_state) -> noisy images as in training; reconstruct(noisy) denoises
LIKELIHOOD = "likelihood"  # score(X) is the mean ELBO in nats; log_likelihood(X, k) the IWAE estimate
NORMAL_PRIOR = "normal-prior"  # codes have the prior N(0, I): a grid of its quantiles covers what sample draws
CONDITION = "condition"  # fit(X, y) needs labels; sample(n, y) draws class y; the methods above take y too
CLASSIFY = "classify"  # predict(X) -> classes (N,); predict_proba(X) -> (N, n_classes); fit(X, y) takes -1 = unlabelled
CODEBOOK = "codebook"  # codebook_usage(X) -> {"perplexity", "dead_codes"}: a discrete code's use of its entries
CATEGORIES = "categories"  # predict_category(X) -> (N,) an unsupervised category; vary(i) -> images along code i
SCORE = "score"  # score_samples(X) -> (N,), higher = more typical of the training data (anomaly detection)

METHODS: dict[str, tuple[str, ...]] = {
    ENCODE: ("transform",),
    DECODE: ("inverse_transform",),
    RECONSTRUCT: ("reconstruct",),
    SAMPLE: ("sample",),
    DISCRIMINATE: ("discriminate",),
    DENOISE: ("corrupt", "reconstruct"),
    LIKELIHOOD: ("score", "log_likelihood"),
    NORMAL_PRIOR: ("sample",),
    SCORE: ("score_samples",),
    CODEBOOK: ("codebook_usage",),
    CONDITION: ("sample",),
    CATEGORIES: ("predict_category", "vary"),
    CLASSIFY: ("predict", "predict_proba"),
}


def can(estimator: object, capability: str) -> bool:
    """Whether ``estimator`` (or estimator class) declares ``capability``."""
    return capability in getattr(estimator, "capabilities", frozenset())
