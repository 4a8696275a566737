"""The autoencoder family on full MNIST / Fashion-MNIST: the figures the README quotes.

    python benchmarks/autoencoders.py [--quick] [--data-dir ../shared/data]

1. Reconstruction at equal code size (2 and 32): PCA vs MLP AE vs conv AE on Fashion-MNIST test.
2. Denoising (Gaussian σ=0.5, 30% masking): PSNR/SSIM of the noisy input, a plain AE trained on clean
   data, and denoising AEs (fully connected and convolutional), on MNIST and on Fashion-MNIST.
3. 1,000 labels of MNIST: logistic regression on raw pixels, on the codes of an AE trained on all
   60,000 unlabelled training images, and the fine-tuned EncoderClassifier.
Writes benchmarks/results/autoencoders.{json,md} and docs/denoising.png.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from genzoo import PCA, Autoencoder, DenoisingAutoencoder, EncoderClassifier, load_dataset
from genzoo.data import corrupt
from genzoo.metrics import reconstruction_report
from genzoo.plots import mosaic
from genzoo.provenance import footer_or_missing, provenance

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
SECTIONS = ["reconstruction", "denoising", "few_labels"]


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t0, 1)


def reconstruction(data_dir, mlp_epochs, conv_epochs, codes=(2, 32)):
    (x, _), (xt, _) = (load_dataset("fashion-mnist", s, data_dir) for s in ("train", "test"))
    target = xt / 255.0
    rows = []
    for code in codes:
        models = {
            "PCA": PCA(n_components=code),
            "MLP AE 784-512-256-k": Autoencoder(hidden=(512, 256), latent_dim=code, code_activation="linear",
                                                epochs=mlp_epochs, lr=1e-3),
            "conv AE (seed 004) + dense k": Autoencoder(arch="conv", latent_dim=code, code_activation="linear",
                                                        epochs=conv_epochs, lr=2e-3),
        }
        for name, model in models.items():
            _, seconds = timed(lambda m=model: m.fit(x))
            r = reconstruction_report(target, model.reconstruct(xt))
            epochs = getattr(model, "epochs", "-")
            rows.append({"code": code, "model": name, "epochs": epochs, "seconds": seconds, **r})
            print(rows[-1], flush=True)
    return rows


def denoising(data_dir, mlp_epochs, conv_epochs):
    rows, panels = [], {}
    for dataset in ("mnist", "fashion-mnist"):
        (x, _), (xt, _) = (load_dataset(dataset, s, data_dir) for s in ("train", "test"))
        xt = xt[:2000]
        clean = torch.from_numpy(xt).float() / 255
        plain, plain_seconds = timed(lambda x=x: Autoencoder(hidden=(512, 256), latent_dim=64, code_activation="linear",
                                                             epochs=mlp_epochs, lr=1e-3).fit(x))  # one for both noises
        for noise, level in (("gaussian", 0.5), ("masking", 0.3)):
            noisy = corrupt(clean, noise, level, torch.Generator().manual_seed(0)).numpy()
            models = {
                "plain AE (clean-trained)": plain,
                "denoising AE, fully connected": DenoisingAutoencoder(
                    noise=noise, noise_level=level, hidden=(512, 256), latent_dim=64, code_activation="linear",
                    epochs=mlp_epochs, lr=1e-3),
                "denoising AE, conv (seed 004)": DenoisingAutoencoder(
                    noise=noise, noise_level=level, arch="conv", latent_dim=None, epochs=conv_epochs, lr=2e-3),
            }
            base = reconstruction_report(clean.numpy(), noisy)
            rows.append({"data": dataset, "noise": f"{noise} {level}", "model": "noisy input (no model)",
                         "psnr": base["psnr"], "ssim": base["ssim"], "epochs": "-", "seconds": 0})
            outputs = {}
            for name, model in models.items():
                seconds = plain_seconds if model is plain else timed(lambda m=model, x=x: m.fit(x))[1]
                outputs[name] = model.reconstruct(noisy)
                r = reconstruction_report(clean.numpy(), outputs[name])
                rows.append({"data": dataset, "noise": f"{noise} {level}", "model": name, "psnr": r["psnr"],
                             "ssim": r["ssim"], "epochs": model.epochs, "seconds": seconds})
                print(rows[-1], flush=True)
            panels[(dataset, noise)] = [noisy[:10], *(o[:10] for o in list(outputs.values())[1:]), xt[:10] / 255]
    return rows, panels


def few_labels(data_dir, ae_epochs, clf_epochs, n_labels=1000):
    (x, y), (xt, yt) = (load_dataset("mnist", s, data_dir) for s in ("train", "test"))
    idx = np.random.default_rng(0).choice(len(x), n_labels, replace=False)
    flat = x.reshape(len(x), -1) / 255.0
    raw = LogisticRegression(max_iter=3000).fit(flat[idx], y[idx]).score(xt.reshape(len(xt), -1) / 255.0, yt)
    ae, ae_seconds = timed(lambda: Autoencoder(hidden=(512, 256), latent_dim=64, code_activation="linear", lr=1e-3,
                                               epochs=ae_epochs, validation_fraction=0.0).fit(x))  # all 60,000
    codes, codes_t = ae.transform(x[idx]), ae.transform(xt)
    mu, sd = codes.mean(0), codes.std(0) + 1e-8
    probe = LogisticRegression(max_iter=3000).fit((codes - mu) / sd, y[idx]).score((codes_t - mu) / sd, yt)
    clf, clf_seconds = timed(lambda: EncoderClassifier(ae, epochs=clf_epochs, batch_size=64,
                                                       validation_fraction=0.0).fit(x[idx], y[idx]))
    rows = [
        {"features": "raw pixels", "classifier": "logistic regression", "accuracy": raw},
        {"features": "AE codes (64), AE trained on 60k unlabelled", "classifier": "logistic regression",
         "accuracy": probe, "seconds": ae_seconds},
        {"features": "pretrained AE encoder, fine-tuned", "classifier": "EncoderClassifier (linear head)",
         "accuracy": clf.score(xt, yt), "seconds": clf_seconds},
    ]
    print(rows, flush=True)
    return rows


def markdown(results) -> str:
    lines = ["### Reconstruction, Fashion-MNIST test (10,000 images), equal code size", "",
             "| code | model | epochs | MSE/pixel | PSNR dB | SSIM | train s |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['code']} | {r['model']} | {r['epochs']} | {r['mse']:.4f} | {r['psnr']:.2f} | {r['ssim']:.3f} | "
              f"{r['seconds']} |" for r in results["reconstruction"]]
    lines += ["", "### Denoising (first 2,000 test images)", "",
              "| data | noise | model | epochs | PSNR dB | SSIM | train s |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['data']} | {r['noise']} | {r['model']} | {r.get('epochs', '')} | {r['psnr']:.2f} | {r['ssim']:.3f} "
              f"| {r['seconds']} |" for r in results["denoising"]]
    lines += ["", "### MNIST with 1,000 labels (test accuracy on 10,000)", "",
              "| features | classifier | accuracy |", "|---|---|---|"]
    lines += [f"| {r['features']} | {r['classifier']} | {r['accuracy']:.4f} |" for r in results["few_labels"]]
    lines += ["", f"Budgets: {results['budget']}. The plain AE of the denoising table is trained once per dataset "
              "and used for both noises (its train s is that one training)."]
    runs: dict[str, list[int]] = {}  # a footer per run of the reconstruction table, with the codes it measured
    for r in results["reconstruction"]:
        codes = runs.setdefault(footer_or_missing(r.get("provenance"), results.get("machine", "")), [])
        codes += [r["code"]] if r["code"] not in codes else []
    lines += [f"- reconstruction, code {', '.join(map(str, codes))}: {line}" for line, codes in runs.items()]
    for section in SECTIONS[1:]:
        p = results.get(f"{section}_provenance")
        lines.append(f"- {section}: {footer_or_missing(p, results.get('machine', ''))}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few epochs only, to check the script")
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    parser.add_argument("--sections", nargs="+", default=SECTIONS, choices=SECTIONS,
                        help="run only these; the others are kept from the last results file")
    parser.add_argument("--conv-epochs", type=int, help="epochs for the conv models (default 3)")
    parser.add_argument("--codes", type=int, nargs="+", default=[2, 32],
                        help="code sizes of the reconstruction table to (re)run; other rows are kept")
    args = parser.parse_args()
    mlp, conv, clf = (1, 1, 2) if args.quick else (10, args.conv_epochs or 3, 30)
    suffix = "-quick" if args.quick else ""
    path = RESULTS / f"autoencoders{suffix}.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    started = provenance()
    results["budget"] = f"epochs in each table; batch 128, Adam; classifier fine-tuning {clf} epochs, batch 64"
    panels = None
    if "reconstruction" in args.sections:
        earlier = results.pop("reconstruction_provenance", None)  # of the whole table, before each row kept its own
        kept = [{"provenance": earlier} | r for r in results.get("reconstruction", []) if r["code"] not in args.codes]
        rows = kept + [r | {"provenance": started} for r in reconstruction(args.data_dir, mlp, conv, args.codes)]
        results["reconstruction"] = sorted(rows, key=lambda r: r["code"])  # runs differ in budget: a provenance each
    if "denoising" in args.sections:
        results["denoising"], panels = denoising(args.data_dir, mlp, conv)
        results["denoising_provenance"] = started
    if "few_labels" in args.sections:
        results["few_labels"] = few_labels(args.data_dir, mlp, clf)
        results["few_labels_provenance"] = started
    path.write_text(json.dumps(results, indent=1))
    (RESULTS / f"autoencoders{suffix}.md").write_text(markdown(results))
    if panels is not None and not args.quick:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(12, 5))
        for ax, key in zip(axes, [("mnist", "gaussian"), ("fashion-mnist", "masking")]):
            ax.imshow(mosaic(panels[key]), cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{key[0]}, {key[1]} noise", fontsize=9)
            ax.set_yticks([15 + 29 * i for i in range(4)], ["noisy", "DAE (FC)", "DAE (conv)", "clean"])
            ax.set_xticks([])
        fig.savefig(ROOT.parent / "docs" / "denoising.png", dpi=100, bbox_inches="tight")
    print(markdown(results))


if __name__ == "__main__":
    main()
