"""GANs: toy 2-D mode coverage and theory, then the infoGAN-like conv GAN on MNIST and Fashion-MNIST.

    python benchmarks/gan.py [--sections toy images] [--epochs 3] [--datasets mnist fashion-mnist]

toy: GAN (5 seeds) and discriminator-only generation on ring8 and grid25 at the literature's σ, modes
covered and high-quality share; a trained D beside D* and V(G, D*) beside 2·JS − 2 log 2; the generator's
gradient norm under the minimax and the non-saturating loss once D rejects its samples. Figure docs/gan-toy.png.
images: the conv GAN (non-saturating, Adam 2e-4 β1 0.5, batch 64, noise 62) for --epochs on each dataset;
10,000 samples against the test split on the domain classifier's features (Fréchet distance, KID,
precision/recall), with the train split's own distance as the floor; on MNIST also the Parzen-window
log-likelihood as in the GAN paper (σ chosen on the test split's even rows, its odd rows scored). Figures docs/gan-*.png.
Writes benchmarks/results/gan.{json,md} (sections not run keep their last results).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from genzoo import GAN, DiscriminatorGenerator, load_dataset, toy
from genzoo.data import toy_density, toy_modes, toy_std
from genzoo.metrics import domain_classifier, mode_coverage, parzen_estimate, sample_quality
from genzoo.plots import sample_grid, toy_panel
from genzoo.provenance import footer_or_missing, provenance
from genzoo.theory import fit_discriminator, grid, jensen_shannon, optimal_discriminator, saturation, value

ROOT = Path(__file__).resolve().parent
DOCS = ROOT.parent / "docs"
ANCHORS = ("Lucic et al. 2018, infoGAN architecture, Inception FID (another feature space: context only): "
           "non-saturating GAN 6.8 on MNIST, 26.5 on Fashion-MNIST; Goodfellow et al. 2014 Parzen on MNIST: 225 ± 2")


def toy_section() -> dict:
    rows = []
    for name in ("ring8", "grid25"):
        x = toy(name, 4000, random_state=0)
        for seed in range(5):
            t0 = time.perf_counter()
            gan = GAN(hidden=(128, 128, 128), noise_dim=2, epochs=250, batch_size=512, lr=1e-3, lr_schedule=None,
                      minibatch_std=False, random_state=seed).fit(x)
            cov = mode_coverage(gan.sample(2500, random_state=seed), toy_modes(name), toy_std(name))
            rows.append({"data": name, "model": "GAN", "seed": seed, "seconds": round(time.perf_counter() - t0, 1),
                         **{k: cov[k] for k in ("modes_covered", "modes", "high_quality")}})
            print(rows[-1], flush=True)
            if seed == 0:
                toy_panel(x[:2500], gan.sample(2500), DOCS / f"gan-{name}.png", gan.discriminate, f"GAN on {name}")
        t0 = time.perf_counter()
        dgen = DiscriminatorGenerator(hidden=(128, 128), ascent_steps=30, step_size=0.05, epochs=30, random_state=0).fit(x)
        samples = dgen.sample(2500)
        cov = mode_coverage(samples, toy_modes(name), toy_std(name))
        rows.append({"data": name, "model": "discriminator only", "seed": 0,
                     "seconds": round(time.perf_counter() - t0, 1),
                     **{k: cov[k] for k in ("modes_covered", "modes", "high_quality")}})
        print(rows[-1], flush=True)
        toy_panel(x[:2500], samples, DOCS / f"dgen-{name}.png", dgen.discriminate,
                  f"discriminator-only generation on {name}")

    # D against D*: data a ring with σ = 0.3, a fixed generator N(0, I)
    real = toy("ring8", 20000, std=0.3, random_state=0)
    fake = np.random.default_rng(1).standard_normal((20000, 2)).astype(np.float32)
    points, cell = grid(5.0, 300)
    p_data, p_model = toy_density("ring8", points, std=0.3), np.exp(-(points**2).sum(1) / 2) / (2 * np.pi)
    d_star = optimal_discriminator(p_data, p_model)
    d = fit_discriminator(real, fake, steps=1000)(points)
    theory = {"js": jensen_shannon(p_data, p_model, cell), "v_d_star": value(p_data, p_model, d_star, cell),
              "v_trained_d": value(p_data, p_model, d, cell),
              "mean_abs_d_minus_d_star": float((np.abs(d - d_star) * (p_data + p_model) / 2 * cell).sum())}
    theory["two_js_minus_2log2"] = 2 * theory["js"] - 2 * np.log(2)
    ring = toy("ring8", 4000)
    gan = GAN(hidden=(128, 128), noise_dim=8, lr=2e-4, minibatch_std=False, epochs=0).fit(ring)
    theory["saturation"] = saturation(gan, ring, d_steps=300, n=1024)
    print(theory, flush=True)
    return {"rows": rows, "theory": theory}


def image_section(dataset: str, data_dir: str, epochs: int) -> dict:
    (x, _), (xt, _) = (load_dataset(dataset, s, data_dir) for s in ("train", "test"))
    classifier = domain_classifier(dataset, data_dir)
    gan = GAN(arch="conv", noise_dim=62, epochs=epochs, batch_size=64, lr=2e-4)
    t0 = time.perf_counter()
    gan.fit(x)
    train_s = time.perf_counter() - t0
    samples = gan.sample(10000, random_state=1)
    sample_grid(samples[:64], DOCS / f"gan-{dataset}.png", title=f"conv GAN on {dataset}, {epochs} epochs")
    row = {"data": dataset, "epochs": epochs, "train_s": round(train_s), "s_per_epoch": round(train_s / epochs),
           "classifier_test_accuracy": float((classifier.predict(xt) == load_dataset(dataset, "test", data_dir)[1]).mean()),
           **sample_quality(samples, dataset, data_dir, classifier=classifier)}
    floor = sample_quality(x[:10000], dataset, data_dir, classifier=classifier)
    row.update({f"train_split_{k}": v for k, v in floor.items()})
    if dataset == "mnist":  # Goodfellow et al. 2014: σ on images not scored (half the test split), the rest scored
        parzen = parzen_estimate(samples, xt)
        row.update(parzen_sigma=parzen["parzen_sigma"], parzen_ll=parzen["parzen_log_likelihood"],
                   parzen_n=parzen["parzen_n"])
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="+", default=["toy", "images"], choices=["toy", "images"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    path = ROOT / "results" / "gan.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    started = provenance()
    if "toy" in args.sections:
        results["toy"] = toy_section() | {"provenance": started}
    if "images" in args.sections:
        old = [r for r in results.get("images", []) if r["data"] not in args.datasets]
        results["images"] = old + [image_section(d, args.data_dir, args.epochs) | {"provenance": started}
                                   for d in args.datasets]
    results["anchors"] = ANCHORS
    path.write_text(json.dumps(results, indent=1))
    (ROOT / "results" / "gan.md").write_text(markdown(results))
    print(markdown(results))


def markdown(results: dict) -> str:
    lines = []
    if "toy" in results:
        lines += ["| data | model | seed | modes covered | high-quality share | seconds |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['data']} | {r['model']} | {r['seed']} | {r['modes_covered']}/{r['modes']} | "
                  f"{r['high_quality']:.2f} | {r['seconds']} |" for r in results["toy"]["rows"]]
        t = results["toy"]["theory"]
        s = t["saturation"]
        lines += ["", f"Fixed generator N(0, I) against a ring of 8 Gaussians (σ 0.3): V(G, D*) = {t['v_d_star']:.4f}, "
                  f"2·JS − 2 log 2 = {t['two_js_minus_2log2']:.4f}, V(G, D trained on samples) = {t['v_trained_d']:.4f}, "
                  f"mean |D − D*| = {t['mean_abs_d_minus_d_star']:.3f}.",
                  f"Saturation: with D(G(z)) ≈ {s['d_fake']:.3f}, ‖∇G‖ is {s['minimax']:.4f} under the minimax loss and "
                  f"{s['non-saturating']:.4f} under the non-saturating loss.", ""]
    if results.get("images"):
        lines += ["| data | epochs | s/epoch | FD (samples) | FD (train split) | KID | precision | recall | Parzen LL (σ) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in results["images"]:
            parzen = f"{r['parzen_ll']:.0f} ({r['parzen_sigma']:.3f})" if "parzen_ll" in r else "-"
            lines.append(f"| {r['data']} | {r['epochs']} | {r['s_per_epoch']} | {r['fd']:.2f} | {r['train_split_fd']:.2f} | "
                         f"{r['kid']:.3f} ± {r['kid_std']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} | {parzen} |")
        lines += ["", "Domain classifier test accuracy: " + ", ".join(
            f"{r['data']} {100 * r['classifier_test_accuracy']:.2f}%" for r in results["images"]) + "."]
    lines += [f"Published, for context: {results['anchors']}.", ""]
    runs = [("toy", results.get("toy", {}))] + [(f"images, {r['data']}", r) for r in results.get("images", [])]
    lines += [f"- {name}: {footer_or_missing(r.get('provenance'), results.get('machine', ''))}" for name, r in runs if r]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
