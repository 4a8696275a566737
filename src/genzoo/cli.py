"""genzoo: train, measure and reuse PCA, autoencoders and VAEs on real images.

This module only parses arguments; the work is done by the library."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from . import __version__
from .data import binarize, corrupt, dataset_info, load_dataset
from .engine import read_config
from .engine.runs import FIGURES
from .errors import ConfigError, GenzooError
from .metrics import psnr, reconstruction_report
from .models import PCA, VAE, Autoencoder, BinaryAutoencoder, DenoisingAutoencoder, Estimator, SparseAutoencoder, load

MODELS: dict[str, type[Estimator]] = {"pca": PCA, "ae": Autoencoder, "dae": DenoisingAutoencoder,
                                      "sparse-ae": SparseAutoencoder, "binary-ae": BinaryAutoencoder, "vae": VAE}
# command-line flag -> estimator parameter; the code size has other names in some models
LATENT_NAMES: dict[type[Estimator], str] = {PCA: "n_components", BinaryAutoencoder: "code_bits"}
FLAG_PARAMS = {"epochs": "epochs", "batch_size": "batch_size", "lr": "lr", "seed": "random_state",
               "device": "device", "latent_dim": "latent_dim", "arch": "arch"}


def main(argv: list[str] | None = None) -> int:
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
                   help="mnist, fashion-mnist, digits, npz:PATH or folder:PATH (default: digits)")
    p.add_argument("--out", required=True, help="the run folder to write")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files")
    p.add_argument("--image-size", type=int, help="resize folder images to this size")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--latent-dim", type=int, help="code size (n_components for pca, code_bits for binary-ae)")
    p.add_argument("--arch", choices=["mlp", "conv", "infogan"],
                   help="fully connected or convolutional nets (infogan: VAE only)")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="auto, cpu or cuda")
    p.add_argument("--config", help="a JSON or YAML file of parameters")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="set any parameter, e.g. --set hidden=[128,64] (repeatable)")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", help="measure a trained run on its dataset's test split; writes RUN/metrics.json")
    p.add_argument("run", help="a run folder")
    p.add_argument("--data-dir", help="a folder to look in first for dataset files")
    p.add_argument("--nll-samples", type=int, metavar="K",
                   help="VAE: also the importance-weighted log-likelihood with K samples (e.g. 5000)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("demo", help="train on the embedded 8x8 digits and write a run folder with figures")
    p.add_argument("--out", default="runs/demo", help="the run folder (default: runs/demo)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


# -- datasets ------------------------------------------------------------------------------------
def cmd_datasets(args) -> int:
    print(f"{'name':<15}{'found':<7}{'train':<20}{'test':<20}where")
    for info in dataset_info(args.data_dir):
        shapes = [str(info.shapes.get(s, "-")).replace(" ", "") for s in ("train", "test")]
        print(f"{info.name:<15}{'yes' if info.found else 'no':<7}{shapes[0]:<20}{shapes[1]:<20}{info.where}")
    print("also: npz:PATH (arrays x, y; x_test, y_test) and folder:PATH (PNG/JPEG, class sub-folders)")
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
            given[LATENT_NAMES.get(model, "latent_dim") if param == "latent_dim" else param] = value
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
    x_train, _ = load_dataset(args.data, "train", args.data_dir, image_size=args.image_size, quiet=quiet)
    x_test, _ = load_dataset(args.data, "test", args.data_dir, image_size=args.image_size, quiet=quiet)
    info = {"data": {"name": args.data, "image_size": args.image_size, "train": list(x_train.shape),
                     "test": list(x_test.shape)},
            "command": ["genzoo", *sys.argv[1:]] if sys.argv[0].endswith("genzoo") else sys.argv}
    t0 = time.perf_counter()
    estimator.fit(x_train, run_dir=args.out, resume=args.resume, quiet=quiet, run_info=info)
    seconds = time.perf_counter() - t0
    summary = summarize(estimator, x_test, Path(args.out), f"{args.model} on {args.data}")
    print(f"trained {args.model} on {args.data} ({len(x_train)} images) in {seconds:.1f} s -> {args.out}")
    print("test: " + ", ".join(f"{k} {v:.4g}" for k, v in summary.items()))
    return 0


def summarize(estimator: Estimator, x_test: np.ndarray, run_dir: Path, title: str) -> dict[str, float]:
    """Test-split reconstruction figures of a fitted model (and, for a denoising one, its PSNR on corrupted
    test images), and its reconstruction figure in the run folder."""
    from . import plots  # matplotlib: imported only when a figure is drawn

    x = x_test.astype(np.float32) / 255.0
    recon = estimator.reconstruct(x_test)
    summary = reconstruction_report(x, recon)
    if isinstance(estimator, DenoisingAutoencoder):  # corrupt the test images as in training, then denoise
        noisy = corrupt(torch.from_numpy(x), estimator.noise, estimator.noise_level, torch.Generator().manual_seed(0))
        summary["noisy_psnr"] = float(psnr(x, noisy.numpy()).mean())
        summary["denoised_psnr"] = float(psnr(x, estimator.reconstruct(noisy.numpy())).mean())
    if isinstance(estimator, VAE):  # nats per image, on statically binarized test images if trained binarized
        summary["elbo"] = estimator.score(binarize(x_test) if estimator.binarize else x_test)
    plots.reconstructions(x, recon, run_dir / FIGURES / "reconstructions.png",
                          title=f"{title}: test inputs (top) and reconstructions (bottom)")
    return summary


# -- eval ----------------------------------------------------------------------------------------
def cmd_eval(args) -> int:
    from ._io import atomic_write_json

    estimator = load(args.run)
    data = read_config(args.run).get("data") or {}
    if "name" not in data:
        raise ConfigError(f"{args.run}/config.json names no dataset; evaluate from Python with the test images")
    x_test, _ = load_dataset(data["name"], "test", args.data_dir, image_size=data.get("image_size"))
    run_dir = Path(args.run)
    metrics = {"split": "test", "n": len(x_test), **summarize(estimator, x_test, run_dir, run_dir.name)}
    if args.nll_samples is not None:
        if not isinstance(estimator, VAE):
            raise ConfigError(f"--nll-samples is for VAE runs; {args.run} holds a {type(estimator).__name__}")
        test = binarize(x_test) if estimator.binarize else x_test
        metrics["nll_samples"] = args.nll_samples
        metrics["nll_iwae"] = -float(estimator.log_likelihood(test, k=args.nll_samples).mean())
    atomic_write_json(run_dir / "metrics.json", metrics)
    for key, value in metrics.items():
        print(f"{key:>14}: {value:.5g}" if isinstance(value, float) else f"{key:>14}: {value}")
    return 0


# -- demo ----------------------------------------------------------------------------------------
def cmd_demo(args) -> int:
    out = Path(args.out)
    x_train, _ = load_dataset("digits", "train")
    x_test, _ = load_dataset("digits", "test")
    print(f"genzoo demo: 8x8 digits from scikit-learn, {len(x_train)} train / {len(x_test)} test images")
    t0 = time.perf_counter()
    ae = Autoencoder(hidden=(128,), latent_dim=8, code_activation="linear", epochs=60, batch_size=64, lr=2e-3)
    ae.fit(x_train, run_dir=out, resume=(out / "checkpoint").exists(), quiet=args.quiet,
           run_info={"data": {"name": "digits", "train": list(x_train.shape), "test": list(x_test.shape)},
                     "command": ["genzoo", "demo"]})
    ae_scores = summarize(ae, x_test, out, "autoencoder 64-128-8 on digits")
    x = x_test.astype(np.float32) / 255.0
    pca_scores = reconstruction_report(x, PCA(n_components=8).fit(x_train).reconstruct(x_test))
    mean_scores = reconstruction_report(x, np.broadcast_to(x_train.mean(0) / 255.0, x.shape))
    print(f"trained in {time.perf_counter() - t0:.1f} s; test reconstruction with an 8-number code:")
    print(f"  {'model':<24}{'MSE/pixel':>10}{'PSNR dB':>9}")
    for name, s in (("autoencoder (64-128-8)", ae_scores), ("PCA, 8 components", pca_scores),
                    ("mean image", mean_scores)):
        print(f"  {name:<24}{s['mse']:>10.4f}{s['psnr']:>9.2f}")
    print(f"run folder: {out}/  (figure: {out / 'figures' / 'reconstructions.png'})")
    return 0
