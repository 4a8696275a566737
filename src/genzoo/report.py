"""Everything measured and drawn for a trained run, and the HTML report that gathers it (SPEC §2–3).

``evaluate`` computes every metric that applies to a model on a test split; ``draw_figures`` draws
every figure that applies into ``RUN/figures``; ``write_report`` writes one self-contained HTML page
(figures embedded) for one run or several side by side; ``compare_rows`` gives the table behind it.
"""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from . import plots
from ._io import atomic_write_text
from .data import binarize, load_dataset, toy_modes, toy_std
from .engine.runs import FIGURES, read_config, read_metrics
from .errors import ConfigError
from .metrics import (
    anomaly_auroc,
    clustering_accuracy,
    domain_classifier,
    knn_accuracy,
    linear_probe_accuracy,
    mode_coverage,
    nearest_neighbours,
    parzen_estimate,
    psnr,
    reconstruction_report,
    retrieval_precision,
    sample_quality,
)
from .models import Estimator, can
from .models.capabilities import (
    CATEGORIES,
    CLASSIFY,
    CODEBOOK,
    CONDITION,
    DECODE,
    DENOISE,
    DISCRIMINATE,
    ENCODE,
    LIKELIHOOD,
    NORMAL_PRIOR,
    RECONSTRUCT,
    SAMPLE,
    SCORE,
)

PROBE_ROWS = 10000  # training rows a linear probe / kNN is fitted on


def as_unit(images: np.ndarray) -> np.ndarray:
    """uint8 images to float32 in [0, 1]; floats unchanged."""
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images.astype(np.float32)


def evaluate(estimator: Estimator, x_test: np.ndarray, y_test: np.ndarray | None = None, *,
             x_train: np.ndarray | None = None, y_train: np.ndarray | None = None, data_name: str = "",
             data_dir: str | None = None, nll_samples: int | None = None, fd_samples: int = 0,
             normal_classes: list[int] | None = None) -> dict[str, Any]:
    """Every metric that applies to ``estimator`` on the test split, as a flat dict of numbers, chosen by what the
    estimator can do (``genzoo.models.capabilities``).

    Reconstruction (MSE, BCE, PSNR, SSIM) for models that reconstruct; PSNR of corrupted images before and after
    for those that denoise; ELBO (and with ``nll_samples`` the IWAE NLL) for those with a likelihood; D's view of
    test images and samples, and mode coverage on toy mixtures, for those that discriminate; with labels,
    linear-probe / kNN accuracy and precision@10 of the codes of those that encode; with ``fd_samples`` and
    labelled images, Fréchet distance, KID and precision/recall of samples, and the Parzen-window
    log-likelihood of half the test images under them (σ chosen on the other half: ``parzen_estimate``).
    With ``normal_classes`` (the classes the model was trained on) and labels, the AUROC of ``score_samples`` at
    telling those test images from the others.
    """
    metrics: dict[str, Any] = {"n": len(x_test)}
    x = as_unit(x_test)
    if can(estimator, CONDITION) and y_test is None:
        raise ConfigError(f"a {type(estimator).__name__} is measured with the test labels; this dataset has none")
    given = {"y": y_test} if can(estimator, CONDITION) else {}  # a conditional model is told each image's class
    if can(estimator, DISCRIMINATE):
        samples = estimator.sample(1000 if estimator.input_shape_ == (2,) else 256)
        metrics["d_test"] = float(estimator.discriminate(x_test).mean())
        metrics["d_samples"] = float(estimator.discriminate(samples).mean())
        name = data_name.removeprefix("toy:")
        if estimator.input_shape_ == (2,) and name in ("ring8", "grid25"):
            coverage = mode_coverage(samples, toy_modes(name), toy_std(name))
            metrics.update(modes_covered=coverage["modes_covered"], high_quality=coverage["high_quality"])
    if can(estimator, RECONSTRUCT):
        metrics.update(reconstruction_report(x, estimator.reconstruct(x_test, **given)))
    if can(estimator, CLASSIFY) and y_test is not None:
        metrics["accuracy"] = float((estimator.predict(x_test) == y_test).mean())
    if can(estimator, CATEGORIES) and y_test is not None:  # an unsupervised category against the true classes
        metrics["category_accuracy"] = clustering_accuracy(estimator.predict_category(x_test), y_test)
    if can(estimator, CODEBOOK):
        metrics.update({f"codebook_{k}": v for k, v in estimator.codebook_usage(x_test).items()})
    if can(estimator, DENOISE):  # corrupt the test images as in training, then denoise
        noisy = estimator.corrupt(x_test, random_state=0)
        metrics["noisy_psnr"] = float(psnr(x, noisy.reshape(x.shape)).mean())
        metrics["denoised_psnr"] = float(psnr(x, estimator.reconstruct(noisy).reshape(x.shape)).mean())
    if can(estimator, LIKELIHOOD):  # nats per image, on statically binarized test images if trained binarized
        test = binarize(x_test) if estimator.binarize else x_test
        metrics["elbo"] = estimator.score(test, **given)
        if nll_samples:
            metrics["nll_samples"] = nll_samples
            metrics["nll_iwae"] = -float(estimator.log_likelihood(test, k=nll_samples, **given).mean())
    if normal_classes is not None and can(estimator, SCORE) and y_test is not None:
        test = binarize(x_test) if estimator.binarize else x_test  # as the model saw its training images
        metrics["anomaly_auroc"] = anomaly_auroc(estimator.score_samples(test), np.isin(y_test, normal_classes))
    if can(estimator, ENCODE) and y_test is not None:
        codes = estimator.transform(x_test)
        metrics["retrieval_precision_at_10"] = retrieval_precision(codes, y_test, k=10)
        if x_train is not None and y_train is not None:
            train_codes = estimator.transform(x_train[:PROBE_ROWS])
            metrics["linear_probe_accuracy"] = linear_probe_accuracy(train_codes, y_train[:PROBE_ROWS], codes, y_test)
            metrics["knn_accuracy"] = knn_accuracy(train_codes, y_train[:PROBE_ROWS], codes, y_test)
    if fd_samples and can(estimator, SAMPLE) and len(estimator.input_shape_) == 3 and y_test is not None:
        samples = estimator.sample(fd_samples, random_state=1)
        classifier = domain_classifier(data_name, data_dir)
        metrics.update(sample_quality(samples, data_name, data_dir, reference=x_test, classifier=classifier))
        metrics.update(parzen_estimate(samples, x_test))  # the GAN paper's (weak) estimate
        if can(estimator, CONDITION):  # samples of class c (in turn) that the domain classifier calls c
            asked = estimator.classes_[np.arange(fd_samples) % len(estimator.classes_)]
            metrics["class_accuracy"] = float((classifier.predict(samples) == asked).mean())
    return metrics


def draw_figures(estimator: Estimator, run_dir: str | os.PathLike, x_test: np.ndarray, y_test: np.ndarray | None = None,
                 title: str = "") -> list[Path]:
    """Every figure that applies to ``estimator`` (by its capabilities), written to ``run_dir/figures``;
    returns their paths."""
    out = Path(run_dir) / FIGURES
    title = title or Path(run_dir).name
    paths = []
    history = read_metrics(run_dir)
    if history:
        paths.append(plots.training_curves(history, out / "training.png", f"{title}: training"))
    images = len(estimator.input_shape_) == 3
    x = as_unit(x_test)
    given = {"y": y_test} if can(estimator, CONDITION) else {}
    if can(estimator, RECONSTRUCT):
        paths.append(plots.reconstructions(x, estimator.reconstruct(x_test, **given), out / "reconstructions.png",
                                           title=f"{title}: test inputs (top) and reconstructions (bottom)"))
    if can(estimator, DENOISE):
        noisy = estimator.corrupt(x_test[:8], random_state=0).reshape(x[:8].shape)
        paths.append(plots.denoising(noisy, estimator.reconstruct(noisy), x[:8], out / "denoising.png",
                                     title=f"{title}: noisy, denoised, clean (PSNR under each)"))
    if can(estimator, CONDITION) and images:  # a row per class; then one draw per column decoded with every class
        classes = estimator.classes_
        paths.append(plots.sample_grid(estimator.sample(10 * len(classes), y=np.repeat(classes, 10)),
                                       out / "samples.png", columns=10, title=f"{title}: samples, a row per class"))
        styles = np.concatenate([estimator.sample(10, y=c, random_state=0) for c in classes])  # one draw of ε
        paths.append(plots.sample_grid(styles, out / "same-z-every-class.png", columns=10,
                                       title=f"{title}: one draw per column, a class per row"))
    elif can(estimator, SAMPLE) and (images or not can(estimator, DISCRIMINATE)):
        paths.append(plots.sample_grid(estimator.sample(64), out / "samples.png", title=f"{title}: samples"))
    elif can(estimator, SAMPLE):  # 2-D rows: the data, the samples and D's contours in one panel
        paths.append(plots.toy_panel(x_test, estimator.sample(1000), out / "samples.png", estimator.discriminate,
                                     f"{title}: data, samples and D", d_label(estimator)))
    if can(estimator, CATEGORIES) and images:  # each continuous code swept, a row per category
        for i in range(estimator.continuous):
            paths.append(plots.sample_grid(estimator.vary(i), out / f"code-{i}.png", columns=10,
                                           title=f"{title}: continuous code {i} from -2 to 2, a row per category"))
    if not can(estimator, ENCODE):
        return paths
    codes = estimator.transform(x_test)
    paths.append(plots.latent_scatter(codes, y_test, out / "latent.png", title=f"{title}: test codes"))
    width = codes.shape[1]
    if width == 2 and images and can(estimator, DECODE):
        lo, hi = np.percentile(codes, 1, 0), np.percentile(codes, 99, 0)
        paths.append(plots.manifold(estimator.inverse_transform, out / "manifold.png", lo, hi,
                                    gaussian=can(estimator, NORMAL_PRIOR), title=f"{title}: decodes of a 20×20 grid"))
    if images and can(estimator, DECODE):
        a, b = two_classes(y_test)
        alphas = np.linspace(1, 0, 10, dtype=np.float32)[:, None]
        strip = estimator.inverse_transform(alphas * codes[a] + (1 - alphas) * codes[b])
        paths.append(plots.interpolations({type(estimator).__name__: strip}, out / "interpolation.png",
                                          f"{title}: from test image {a} to test image {b}"))
    if images:
        queries = np.arange(3)
        rows = x.reshape(len(x), -1)
        by_pixels = nearest_neighbours(rows[queries], rows, 7)
        by_codes = nearest_neighbours(codes[queries], codes, 7)
        paths.append(plots.retrieval(x[queries], (x[by_pixels[0][:, 1:]], by_pixels[1][:, 1:]),
                                     (x[by_codes[0][:, 1:]], by_codes[1][:, 1:]), out / "retrieval.png",
                                     f"{title}: query, 6 neighbours by pixels, then by codes"))
    return paths


def d_label(estimator: Estimator) -> str:
    """What a discriminating model's D gives, for a colour bar: D(x) for a probability, else its unit."""
    meaning = getattr(estimator, "discriminator_meaning_", "probability")
    return "D(x)" if meaning == "probability" else f"D's {meaning}"


def two_classes(labels: np.ndarray | None) -> tuple[int, int]:
    """The first test images of two different classes (a 7 and a 9 when both exist), else images 0 and 1."""
    if labels is None:
        return 0, 1
    classes = set(labels.tolist())
    first, second = (7, 9) if {7, 9} <= classes else sorted(classes)[:2]
    return int(np.flatnonzero(labels == first)[0]), int(np.flatnonzero(labels == second)[0])


def run_data(run_dir: str | os.PathLike, data_dir: str | None = None, split: str = "test") -> tuple[str, Any, Any]:
    """The run's dataset name and its ``split`` (images, labels), from ``config.json``."""
    data = read_config(run_dir).get("data") or {}
    if "name" not in data:
        raise ConfigError(f"{run_dir}/config.json names no dataset; evaluate from Python with the test images")
    x, y = load_dataset(data["name"], split, data_dir, image_size=data.get("image_size"))
    return data["name"], x, y


# -- the HTML report -----------------------------------------------------------------------------
def compare_rows(run_dirs: list[str | os.PathLike]) -> tuple[list[str], list[list[Any]]]:
    """A table of the runs' ``metrics.json``: a header (run, model, data, then every metric any run has) and rows."""
    records = []
    for run in run_dirs:
        path = Path(run) / "metrics.json"
        if not path.exists():
            raise ConfigError(f"{run}: no metrics.json yet; run `genzoo eval {run}` first")
        config = read_config(run)
        records.append((str(run), config["model"], (config.get("data") or {}).get("name", "-"),
                        json.loads(path.read_text())))
    keys = []
    for *_, metrics in records:
        keys += [k for k, v in metrics.items() if isinstance(v, (int, float)) and k not in keys and k != "n"]
    header = ["run", "model", "data", *keys]
    return header, [[run, model, data, *(m.get(k, "") for k in keys)] for run, model, data, m in records]


def format_cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(format_cell(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<div class='table'><table><tr>{head}</tr>{body}</table></div>"  # a wide table scrolls in its own box


FIGURE_ORDER = ("training", "reconstructions", "denoising", "samples", "latent", "manifold", "interpolation", "retrieval")
STYLE = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;"
         "text-align:left}th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee;margin:6px 0}"
         "details{margin:1em 0}code{background:#f6f6f6;padding:1px 3px}.table{overflow-x:auto;max-width:100%}")


def _figure(png: Path) -> str:
    data = base64.b64encode(png.read_bytes()).decode()
    return (f"<h3>{html.escape(png.stem)}</h3><img alt='{html.escape(png.stem)}' "
            f"src='data:image/png;base64,{data}'>")


def _figure_rank(png: Path) -> tuple[int, str]:
    return (FIGURE_ORDER.index(png.stem) if png.stem in FIGURE_ORDER else len(FIGURE_ORDER), png.stem)


def write_report(run_dirs: list[str | os.PathLike], out: str | os.PathLike,
                 shared_figures: list[str | os.PathLike] = ()) -> Path:
    """One self-contained HTML page (PNG figures embedded as data URIs): for several runs a comparison table
    and ``shared_figures`` (e.g. AE and VAE interpolations side by side), then for each run its config, its
    metrics and its figures. Each run needs ``metrics.json`` (``genzoo eval``)."""
    header, rows = compare_rows(run_dirs)
    title = "genzoo report: " + ", ".join(Path(r).name for r in run_dirs)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    if len(run_dirs) > 1:
        parts += ["<h2>Comparison (test split)</h2>", html_table(header, rows)]
        parts += [_figure(Path(png)) for png in shared_figures]
    for run, row in zip(run_dirs, rows):
        config = read_config(run)
        parts.append(f"<h2>{html.escape(Path(run).name)}: {html.escape(config['model'])} on "
                     f"{html.escape(str(row[2]))}</h2>")
        metrics = json.loads((Path(run) / "metrics.json").read_text())
        parts.append(html_table(["metric", "value"], [[k, v] for k, v in metrics.items()]))
        params = config.get("params", {})
        parts.append("<details><summary>configuration</summary>" + html_table(
            ["parameter", "value"], [[k, json.dumps(v)] for k, v in params.items()]) +
            f"<p>versions: <code>{html.escape(json.dumps(config.get('versions', {})))}</code></p></details>")
        parts += [_figure(png) for png in sorted((Path(run) / FIGURES).glob("*.png"), key=_figure_rank)]
    parts.append("</body></html>")
    atomic_write_text(out, "\n".join(parts))
    return Path(out)
