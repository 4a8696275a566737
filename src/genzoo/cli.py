"""genzoo: train, measure and reuse PCA, autoencoders, VAEs and GANs on real images.

This module only parses arguments; the work is done by the library."""

from __future__ import annotations

import argparse
import inspect
import io
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from . import plots
from ._io import atomic_write_bytes, atomic_write_json, atomic_write_text
from ._version import __version__
from .data import dataset_info, load_dataset, select_classes
from .engine import distributed, read_config
from .errors import ConfigError, GenzooError
from .models import GAN, MODELS, PCA, VAE, Autoencoder, Estimator, NeuralEstimator, can, load
from .models.capabilities import CATEGORIES, CLASSIFY, CONDITION, LIKELIHOOD, SAMPLE, SCORE
from .models.labels import labelled_subset
from .provenance import cpu
from .report import (
    compare_rows,
    d_label,
    draw_figures,
    evaluate,
    format_cell,
    html_table,
    markdown_table,
    run_data,
    two_classes,
    write_report,
)

# command-line flag -> estimator parameter (--latent-dim sets the model's code_size_param)
FLAG_PARAMS = {"epochs": "epochs", "batch_size": "batch_size", "lr": "lr", "seed": "random_state",
               "device": "device", "latent_dim": "latent_dim", "arch": "arch"}


def main(argv: list[str] | None = None) -> int:
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"genzoo: warning: {message}\n"
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except GenzooError as e:
        print(f"genzoo: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("genzoo: interrupted; the last epoch's checkpoint is kept: run the same command with --resume",
              file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genzoo", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"genzoo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("datasets", help="list the datasets: found or not, where, split shapes")
    p.add_argument("--data-dir", help="a folder to look in first")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("train", help="train a model into a run folder")
    p.add_argument("model", choices=sorted(MODELS), help="what to train")
    p.add_argument("--data", default="digits",
                   help="mnist, fashion-mnist, digits, npz:PATH, folder:PATH, or toy:ring8|grid25|moons (default: digits)")
    p.add_argument("--out", required=True, help="the run folder to write")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files")
    p.add_argument("--image-size", type=int, help="resize folder images to this size")
    p.add_argument("--classes", type=int, nargs="+", metavar="C",
                   help="train on the images of these classes only (the normal ones; `eval` then reports the AUROC "
                        "of telling them from the other classes)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--latent-dim", type=int,
                   help="code size (n_components for pca, code_bits for binary-ae, noise_dim for gan)")
    p.add_argument("--arch", choices=["mlp", "conv", "infogan"],
                   help="fully connected or convolutional nets (gan/dgen conv: the infoGAN-like pair; infogan: VAE)")
    p.add_argument("--seed", type=int)
    p.add_argument("--labels", type=int, metavar="N",
                   help="semi-supervised models (m2, m1m2): keep N labels, class-balanced, drawn with --seed; the rest "
                        "train unlabelled")
    p.add_argument("--device", help="auto, cpu or cuda")
    p.add_argument("--config", help="a JSON or YAML file of parameters")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="set any parameter, e.g. --set hidden=[128,64] (repeatable)")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines")
    p.add_argument("--on-nonfinite", choices=["stop", "skip"], default="stop",
                   help="a NaN/inf loss or gradient stops training (default) or drops the batch and counts it")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16: mixed precision (bfloat16 autocast; meant for CUDA, weights stay float32)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", help="measure a trained run on its dataset's test split; writes RUN/metrics.json")
    p.add_argument("run", help="a run folder")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files")
    p.add_argument("--nll-samples", type=int, metavar="K",
                   help="VAE: also the importance-weighted log-likelihood with K samples (e.g. 5000)")
    p.add_argument("--fd-samples", type=int, default=10000, metavar="N",
                   help="VAE/GAN/dgen on labelled images: Fréchet distance, KID, precision/recall of N samples "
                        "on the domain classifier's features (trained and cached on first use; 0 skips)")
    p.add_argument("--anomaly", action="store_true",
                   help="for a run trained with --classes: the AUROC of score_samples at telling the test images of "
                        "those classes (normal) from the others (anomalies)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("report", help="write RUN/report.html: config, metrics and every figure that applies")
    p.add_argument("runs", nargs="+", metavar="RUN", help="one run folder, or several to set side by side")
    p.add_argument("--out", help="the HTML file (default: RUN/report.html, or ./report.html for several runs)")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files")
    p.add_argument("--fd-samples", type=int, default=10000, metavar="N",
                   help="samples for the Fréchet distance when a run has no metrics.json yet (0 skips)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("compare", help="print a table of the runs' metrics (from genzoo eval)")
    p.add_argument("runs", nargs="+", metavar="RUN")
    p.add_argument("--out", help="also write the table to FILE.md or FILE.html")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sample", help="draw samples from a trained VAE, GAN or dgen run")
    p.add_argument("run", help="a run folder")
    p.add_argument("-n", type=int, default=64, help="how many samples (default: 64)")
    p.add_argument("--out", required=True, help="FILE.png (a grid, or a scatter for 2-D data) or FILE.npy (the array)")
    p.add_argument("--seed", type=int, help="noise seed (default: the run's random_state)")
    p.add_argument("--label", type=int, metavar="C", help="conditional models (cvae): samples of class C")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files (2-D scatter: the data beside)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("explore", help="an interactive page on trained runs (latent map, sliders, interpolation, "
                                       "neighbours, denoising, drawing, samples) and a toy-GAN lab")
    p.add_argument("runs", nargs="*", metavar="RUN", help="run folders to explore (none: the toy lab alone)")
    p.add_argument("--port", type=int, default=8765, help="the port (default: 8765; 0: a free one)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to serve (default: 127.0.0.1, this machine only; 0.0.0.0 serves every address)")
    p.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    p.add_argument("--projection", choices=["pca", "tsne"], default="pca",
                   help="how codes wider than 2 go on the map (default: pca; tsne takes a minute on 10,000 points)")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.set_defaults(func=cmd_explore)

    p = sub.add_parser("bench", help="measure training and inference speed against this machine's matmul ceiling")
    p.add_argument("--suite", choices=["quick", "full"], default="quick",
                   help="quick: one epoch of 10,000 images per model (~2 min); full: 60,000, plus scaling (~15 min)")
    p.add_argument("--out", default="benchmarks/results", help="folder for performance.json and performance.md")
    p.add_argument("--images", type=int, help="training images per measured epoch (overrides the suite)")
    p.add_argument("--models", nargs="+", help="only models whose name starts with these (e.g. vae-mlp gan)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("demo", help="PCA, AE, VAE and GAN on the embedded 8x8 digits, measured, in one report")
    p.add_argument("--out", default="runs/demo", help="the folder for the four runs and report.html (default: runs/demo)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


# -- datasets ------------------------------------------------------------------------------------
def cmd_datasets(args) -> int:
    print(f"{'name':<15}{'found':<7}{'train':<20}{'test':<20}where")
    for info in dataset_info(args.data_dir):
        shapes = [str(info.shapes.get(s, "-")).replace(" ", "") for s in ("train", "test")]
        print(f"{info.name:<15}{'yes' if info.found else 'no':<7}{shapes[0]:<20}{shapes[1]:<20}{info.where}")
    print("also: npz:PATH (arrays x, y; x_test, y_test), folder:PATH (PNG/JPEG, class sub-folders), "
          "toy:ring8|grid25|moons")
    return 0


# -- train ---------------------------------------------------------------------------------------
def parse_value(text: str) -> Any:
    """A --set value: JSON where it parses (numbers, lists, true/null), else YAML, else the string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return yaml.safe_load(text)


def read_config_file(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config file ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (a config file is UTF-8 JSON or YAML)") from None
    try:
        config = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: not valid {'JSON' if path.endswith('.json') else 'YAML'} ({e})") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a config file must hold a mapping of parameter: value")
    return config


def model_params(model: type[Estimator], args) -> dict[str, Any]:
    """The estimator's parameters from, in rising priority: --config, the flags, --set."""
    allowed = [p for p in inspect.signature(model.__init__).parameters if p != "self"]
    given: dict[str, Any] = {}
    if args.config:
        given.update(read_config_file(args.config))
    for flag, param in FLAG_PARAMS.items():
        value = getattr(args, flag)
        if value is not None:
            given[(model.code_size_param or "latent_dim") if param == "latent_dim" else param] = value
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: use KEY=VALUE, e.g. --set hidden=[128,64]")
        given[key.strip().replace("-", "_")] = parse_value(value)
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ConfigError(f"{model.__name__} has no parameter {', '.join(unknown)}; its parameters: {', '.join(allowed)}")
    return given


def cmd_train(args) -> int:
    model_cls = MODELS[args.model]
    estimator = model_cls(**model_params(model_cls, args))
    estimator._check_params()
    quiet = args.quiet
    x_train, y_train = load_dataset(args.data, "train", args.data_dir, image_size=args.image_size, quiet=quiet)
    x_test, y_test = load_dataset(args.data, "test", args.data_dir, image_size=args.image_size, quiet=quiet)
    if args.classes is not None:
        x_train = select_classes(x_train, y_train, args.classes, args.data)
    info = {"data": {"name": args.data, "image_size": args.image_size, "classes": args.classes,
                     "train": list(x_train.shape), "test": list(x_test.shape)},
            "command": ["genzoo", *sys.argv[1:]] if sys.argv[0].endswith("genzoo") else sys.argv}
    t0 = time.perf_counter()
    if distributed.world_size_from_env() > 1 and not isinstance(estimator, NeuralEstimator):
        raise ConfigError(f"{args.model} has no training loop to spread over processes; run it without torchrun")
    if args.labels is not None and not can(estimator, CLASSIFY):
        semi = ", ".join(name for name, model in MODELS.items() if can(model, CLASSIFY))
        raise ConfigError(f"--labels is for the semi-supervised models ({semi}); {args.model} takes no labels")
    learns_labels = can(estimator, CONDITION) or can(estimator, CLASSIFY)
    labels = {"y": training_labels(y_train, args)} if learns_labels else {}
    estimator.fit(x_train, **labels, run_dir=args.out, resume=args.resume, quiet=quiet, run_info=info,
                  on_nonfinite=args.on_nonfinite, precision=args.precision)
    seconds = time.perf_counter() - t0
    if distributed.world_size() > 1:  # under torchrun: training is over; rank 0 alone evaluates, draws and reports
        worker = distributed.rank() > 0
        distributed.leave()
        if worker:
            distributed.exit_worker()
    with_labels = args.classes or learns_labels or can(estimator, CATEGORIES)
    summary = evaluate(estimator, x_test, y_test if with_labels else None, data_name=args.data,
                       normal_classes=args.classes)
    draw_figures(estimator, args.out, x_test, y_test, f"{args.model} on {args.data}")
    print(f"trained {args.model} on {args.data} ({len(x_train)} images) in {seconds:.1f} s -> {args.out}")
    print("test: " + ", ".join(f"{k} {v:.4g}" for k, v in summary.items() if k != "n"))
    return 0


def training_labels(y_train: np.ndarray | None, args) -> np.ndarray:
    """The labels a conditional or semi-supervised model trains with: the dataset's (of the classes kept by
    --classes), with all but --labels N of them (class-balanced, drawn with --seed) marked -1, unlabelled."""
    if y_train is None:
        raise ConfigError(f"{args.model} learns from labels; {args.data} has none (use mnist, fashion-mnist, digits, "
                          "npz:PATH with y, or folder:PATH with class sub-folders)")
    y = y_train if args.classes is None else y_train[np.isin(y_train, args.classes)]
    return y if args.labels is None else labelled_subset(y, args.labels, args.seed or 0)


# -- eval ----------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    print_metrics(eval_run(args.run, args.data_dir, args.nll_samples, args.fd_samples, args.anomaly))
    return 0


def eval_run(run: str, data_dir: str | None, nll_samples: int | None, fd_samples: int,
             anomaly: bool = False) -> dict[str, Any]:
    """Every metric that applies to the run, on its test split; written to ``RUN/metrics.json``."""
    estimator = load(run)
    if nll_samples is not None and not can(estimator, LIKELIHOOD):
        raise ConfigError(f"--nll-samples is for models with a likelihood (vae); {run} holds a "
                          f"{type(estimator).__name__}")
    normal = None
    if anomaly:
        normal = (read_config(run).get("data") or {}).get("classes")
        if not normal:
            raise ConfigError(f"--anomaly needs a run trained on some classes only (genzoo train ... --classes 0); "
                              f"{run} was trained on every class")
        if not can(estimator, SCORE):
            raise ConfigError(f"--anomaly needs a model that scores images (score_samples); {run} holds a "
                              f"{type(estimator).__name__}")
    name, x_test, y_test = run_data(run, data_dir)
    _, x_train, y_train = run_data(run, data_dir, "train") if y_test is not None else (name, None, None)
    metrics = {"split": "test", **evaluate(estimator, x_test, y_test, x_train=x_train, y_train=y_train, data_name=name,
                                           data_dir=data_dir, nll_samples=nll_samples, fd_samples=fd_samples,
                                           normal_classes=normal)}
    atomic_write_json(Path(run) / "metrics.json", metrics)
    return metrics


def print_metrics(metrics: dict[str, Any]) -> None:
    for key, value in metrics.items():
        print(f"{key:>26}: {value:.5g}" if isinstance(value, float) else f"{key:>26}: {value}")


# -- report and compare --------------------------------------------------------------------------
def cmd_report(args) -> int:
    for run in args.runs:
        if not (Path(run) / "metrics.json").exists():
            eval_run(run, args.data_dir, None, args.fd_samples)
        _, x_test, y_test = run_data(run, args.data_dir)
        draw_figures(load(run), run, x_test, y_test)
    out = Path(args.out) if args.out else Path(args.runs[0]) / "report.html" if len(args.runs) == 1 else Path("report.html")
    write_report(args.runs, out)
    print(f"wrote {out}")
    return 0


def print_table(header: list[str], rows: list[list[Any]], indent: str = "") -> None:
    """Columns padded to their widest cell."""
    widths = [max(len(h), *(len(format_cell(r[i])) for r in rows)) for i, h in enumerate(header)]
    for line in (header, *rows):
        print(indent + "  ".join(format_cell(v).ljust(w) for v, w in zip(line, widths)).rstrip())


def cmd_compare(args) -> int:
    header, rows = compare_rows(args.runs)
    print_table(header, rows)
    if args.out:
        if not args.out.endswith((".md", ".html")):
            raise ConfigError(f"--out {args.out}: use a .md (Markdown) or .html file name")
        text = markdown_table(header, rows) if args.out.endswith(".md") else html_table(header, rows)
        atomic_write_text(args.out, text)
        print(f"wrote {args.out}")
    return 0


# -- sample --------------------------------------------------------------------------------------
def cmd_sample(args) -> int:
    estimator = load(args.run)
    if not can(estimator, SAMPLE):
        samplers = ", ".join(name for name, model in MODELS.items() if can(model, SAMPLE))
        raise ConfigError(f"{args.run} holds a {type(estimator).__name__}, which does not sample; train one of: {samplers}")
    if args.label is not None and not can(estimator, CONDITION):
        conditional = ", ".join(name for name, model in MODELS.items() if can(model, CONDITION))
        raise ConfigError(f"--label is for conditional models ({conditional}); {args.run} holds a "
                          f"{type(estimator).__name__}, which samples without a class")
    label = {"y": args.label} if args.label is not None else {}
    samples = estimator.sample(args.n, **label, random_state=args.seed)
    out = Path(args.out)
    if out.suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, samples)
        atomic_write_bytes(out, buffer.getvalue())
    elif out.suffix == ".png":
        title = f"{args.n} samples from {Path(args.run).name}"
        if estimator.input_shape_ == (2,):
            data = (read_config(args.run).get("data") or {}).get("name")
            x = load_dataset(data, "test", args.data_dir)[0] if data else samples[:0]
            plots.toy_panel(x, samples, out, getattr(estimator, "discriminate", None), title, d_label(estimator))
        else:
            plots.sample_grid(samples, out, title=title)
    else:
        raise ConfigError(f"--out {args.out}: use a .png (a picture) or .npy (the array) file name")
    print(f"wrote {args.n} samples {tuple(samples.shape[1:])} to {out}")
    return 0


# -- explore -------------------------------------------------------------------------------------
def cmd_explore(args) -> int:
    from .explore import serve

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port}: use 0 to 65535 (0: a free port)")
    serve(args.runs, args.host, args.port, not args.no_browser, args.data_dir, args.projection, args.verbose)
    return 0


# -- bench ---------------------------------------------------------------------------------------
def cmd_bench(args) -> int:
    from .bench import markdown, run_suite

    if args.images is not None and args.images < 64:
        raise ConfigError(f"--images {args.images}: use at least 64")
    print(markdown(run_suite(args.suite, args.out, images=args.images, models=args.models)))
    return 0


# -- demo ----------------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    """A 2-D autoencoder, a 2-D VAE and a GAN (and PCA with 2 components, the linear baseline) on the embedded
    8×8 digits: trained, evaluated, drawn, and gathered in one report."""
    out = Path(args.out)
    x_train, _ = load_dataset("digits", "train")
    x_test, y_test = load_dataset("digits", "test")
    print(f"genzoo demo: 8x8 digits from scikit-learn, {len(x_train)} train / {len(x_test)} test images")
    models = {
        "pca": PCA(n_components=2),
        "ae": Autoencoder(hidden=(128,), latent_dim=2, code_activation="linear", epochs=150, batch_size=64, lr=2e-3),
        "vae": VAE(hidden=(128,), latent_dim=2, epochs=150, batch_size=64, lr=2e-3),
        "gan": GAN(hidden=(128, 128), noise_dim=16, epochs=150, batch_size=64, lr=1e-3),
    }
    runs = []
    t0 = time.perf_counter()
    for name, model in models.items():
        run = out / name
        info = {"data": {"name": "digits", "train": list(x_train.shape), "test": list(x_test.shape)},
                "command": ["genzoo", "demo"]}
        model.fit(x_train, run_dir=run, resume=True, quiet=args.quiet, run_info=info)  # a rerun continues
        eval_run(str(run), None, None, 1000)
        draw_figures(model, run, x_test, y_test, f"{name} on digits")
        runs.append(str(run))
        if not args.quiet:
            print(f"  {name}: trained and evaluated ({time.perf_counter() - t0:.0f} s so far)")
    header, rows = compare_rows(runs)
    shown = ["run", "mse", "psnr", "elbo", "linear_probe_accuracy", "fd", "precision", "recall"]
    table = [[row[header.index(k)] if k in header else "" for k in shown] for row in rows]
    print(f"trained and measured in {time.perf_counter() - t0:.1f} s on {torch.get_num_threads()} torch threads "
          f"({cpu()}); test split, 2-number codes:")
    print_table(shown, table, indent="  ")
    a, b = two_classes(y_test)  # a 7 and a 9: the comparison of seed 003
    alphas = np.linspace(1, 0, 10, dtype=np.float32)[:, None]
    strips = {}
    for name in ("ae", "vae"):
        codes = models[name].transform(x_test[[a, b]])
        strips[name.upper()] = models[name].inverse_transform(alphas * codes[0] + (1 - alphas) * codes[1])
    shared = plots.interpolations(strips, out / "interpolation-ae-vae.png",
                                  "from a 7 to a 9 through the 2-D codes: AE above VAE")
    write_report(runs, out / "report.html", [shared])
    print(f"report: {out / 'report.html'}  (figures in each run's figures/ folder)")
    return 0
