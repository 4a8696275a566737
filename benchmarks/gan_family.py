"""The GAN family side by side, with numbers: toy mode coverage over seeds, with and without packing, and every
variant on MNIST and Fashion-MNIST at one equal budget.

    python benchmarks/gan_family.py [--sections defaults toy long latent g_norm images] [--seeds 5] [--epochs 3]
                                   [--arch mlp|conv] [--models infogan] [--datasets mnist]

defaults: the plain ``GAN()``'s candidate defaults on ring8 (what ``genzoo train gan --data toy:ring8`` trains on),
    5 seeds each: modes covered and high-quality share, mean and worst seed.
toy: every unconditional variant (gan, lsgan, wgan, wgan-gp, dragan, ebgan, began), with pack 1 and 2, and the plain
    GAN with ``minibatch_std``, on ring8 (σ 0.02) and grid25 (σ 0.05), 4,000 points, one MLP pair and budget for
    all (TOY below), ``--seeds`` seeds: modes covered and high-quality share of 2,500 samples, mean and worst seed.
long: the same for the plain GAN alone, with pack 1, 2 and 4 (PacGAN's best on grid25) and with ``minibatch_std``, at
    ``--long-epochs`` epochs; then pack 2 and ``minibatch_std`` again with ``lr_schedule="cosine"``.
latent: infoGAN's categorical code alone (no continuous codes) as a disconnected latent for G, on the same pair, at
    ``--long-epochs`` epochs with the cosine: as many categories as the data has modes, with and without
    ``minibatch_std``, a fifth more and twice as many; then twice as many with the learned prior
    (``prior="learned"``), with and without ``minibatch_std``.
g_norm: the plain ``GAN()`` with its defaults on each dataset (the MLP pair, its generator batch-normalised, the
    default for images) against the same with ``g_norm="none"`` (genzoo's MLP generator before), ``--epochs``
    epochs, ``--norm-seeds`` seeds: 10,000 samples' FD, KID, precision and recall, and D's mean output on real and
    fake images in the last epoch.
images: every variant (the ten of the collections) with the MLP pair (``--arch conv``: the infoGAN-like conv pair,
    a row of its own), ``--epochs`` epochs, batch 64, on each
    dataset: 10,000 samples against the test split on the domain classifier's features (FD, KID, precision,
    recall), seconds per epoch; the conditional ones: the share of samples the domain classifier calls the class
    asked for; infoGAN: the categorical code's clustering accuracy on the test split.
Writes benchmarks/results/gan-family.{json,md} (sections not run keep their last results).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import time
from pathlib import Path

import numpy as np

from genzoo import load_dataset, toy
from genzoo.data import toy_modes, toy_std
from genzoo.metrics import clustering_accuracy, domain_classifier, mode_coverage, sample_quality
from genzoo.models import MODELS, can
from genzoo.models.capabilities import CATEGORIES, CONDITION
from genzoo.plots import sample_grid, toy_panel
from genzoo.provenance import footer_or_missing, provenance

ROOT = Path(__file__).resolve().parent
DOCS = ROOT.parent / "docs"
TOY_LOSSES = ("gan", "lsgan", "wgan", "wgan-gp", "dragan", "ebgan", "began")
FAMILY = ("gan", "lsgan", "wgan", "wgan-gp", "dragan", "cgan", "acgan", "infogan", "ebgan", "began")
TOY = dict(hidden=(128, 128, 128), noise_dim=2, epochs=250, batch_size=512, lr=1e-3,  # the toy budget for all
           lr_schedule=None, minibatch_std=False)
DEFAULT_CANDIDATES = {  # the plain GAN on ring8; the first is genzoo's default
    "defaults (noise 2, lr 1e-3 annealed by the cosine, minibatch_std, 15,750 steps = 250 epochs for these rows)": {},
    "minibatch_std off (the cosine alone)": dict(minibatch_std=False),
    "lr 1e-3 throughout, minibatch_std off (the defaults before)": dict(lr_schedule=None, minibatch_std=False),
    "25 epochs (the image budget)": dict(epochs=25),
    "100 epochs": dict(epochs=100),
    "noise 64, lr 2e-4 (the image defaults), 25 epochs": dict(noise_dim=64, lr=2e-4, epochs=25),
    "noise 2, lr 2e-4, 25 epochs": dict(noise_dim=2, lr=2e-4, epochs=25),
    "noise 64, lr 1e-3, 25 epochs": dict(noise_dim=64, lr=1e-3, epochs=25),
    "128-128-128, 25 epochs": dict(hidden=(128, 128, 128), epochs=25),
    "batch 128, 25 epochs": dict(batch_size=128, epochs=25),
    "minibatch_std off, 100 epochs": dict(minibatch_std=False, epochs=100),
}
PUBLISHED = ("Srivastava et al. 2017 (VEEGAN), σ as here: plain GAN 1/8 ring modes, 3.3/25 grid modes; "
             "Lin et al. 2018 (PacGAN): grid25 GAN 17.3 modes, PacGAN2 23.8 modes; infoGAN paper: 5% error "
             "(95% clustering accuracy) of the categorical code on MNIST")


def coverage_row(name: str, data: str, x: np.ndarray, params: dict, seed: int) -> dict:
    t0 = time.perf_counter()
    model = MODELS[name](**params, random_state=seed).fit(x)
    cov = mode_coverage(model.sample(2500, random_state=seed), toy_modes(data), toy_std(data))
    return {"model": name, "data": data, "seed": seed, "seconds": round(time.perf_counter() - t0, 1),
            **{k: cov[k] for k in ("modes_covered", "modes", "high_quality")}}, model


def summarise(rows: list[dict], **key: object) -> dict:
    rows = [r for r in rows if all(r[k] == v for k, v in key.items())]
    worst = min(rows, key=lambda r: (r["modes_covered"], r["high_quality"]))
    return {**key, "seeds": len(rows), "modes": rows[0]["modes"],
            "modes_mean": float(np.mean([r["modes_covered"] for r in rows])), "modes_worst": worst["modes_covered"],
            "hq_mean": float(np.mean([r["high_quality"] for r in rows])),
            "hq_worst": min(r["high_quality"] for r in rows), "seconds": float(np.mean([r["seconds"] for r in rows]))}


def defaults_section(seeds: int) -> dict:
    x = load_dataset("toy:ring8", "train")[0]
    rows = []
    for label, params in DEFAULT_CANDIDATES.items():
        for seed in range(seeds):
            row, _ = coverage_row("gan", "ring8", x, params, seed)
            rows.append({**row, "setting": label})
            print(rows[-1], flush=True)
    return {"rows": rows, "summary": [summarise(rows, setting=s) for s in DEFAULT_CANDIDATES], "n_train": len(x)}


TOY_VARIANTS = [(loss, {"pack": pack}) for loss in TOY_LOSSES for pack in (1, 2)] + [("gan", {"minibatch_std": True})]
LONG_VARIANTS = [("gan", {"pack": 1}), ("gan", {"pack": 2}), ("gan", {"pack": 4}), ("gan", {"minibatch_std": True}),
                 ("gan", {"pack": 2, "lr_schedule": "cosine"}), ("gan", {"minibatch_std": True, "lr_schedule": "cosine"})]
TITLES = {"gan": "GAN", "infogan": "infoGAN"}
LATENT = {**TOY, "arch": "mlp", "noise": "normal", "continuous": 0, "lr_schedule": "cosine"}  # infoGAN's code alone


def latent_variants(data: str) -> list[tuple[str, dict]]:
    """infoGAN's categorical code as G's disconnected latent: as many categories as modes, with and without
    ``minibatch_std``, then a fifth more (slack for a category that ends between modes) and twice as many; then
    twice as many with the learned prior, which lets the spare ones fade, with and without ``minibatch_std``."""
    k = len(toy_modes(data))
    return [("infogan", {"categories": k, "minibatch_std": True}), ("infogan", {"categories": k, "minibatch_std": False}),
            ("infogan", {"categories": math.ceil(1.2 * k), "minibatch_std": True}),
            ("infogan", {"categories": 2 * k, "minibatch_std": True}),
            ("infogan", {"categories": 2 * k, "minibatch_std": True, "prior": "learned"}),
            ("infogan", {"categories": 2 * k, "minibatch_std": False, "prior": "learned"})]


def toy_section(data: str, seeds: int, variants: list[tuple[str, dict]] = TOY_VARIANTS,
                epochs: int = TOY["epochs"], base: dict = TOY) -> dict:
    budget = {**base, "epochs": epochs}
    suffix = "" if epochs == TOY["epochs"] else f"-{epochs}epochs"
    rows = []
    x = toy(data, 4000, random_state=0)
    for name, extra in variants:
        option = ", ".join(f"{k}={v}" for k, v in extra.items())
        for seed in range(seeds):
            row, model = coverage_row(name, data, x, {**budget, **extra}, seed)
            rows.append({**row, "option": option})
            print(rows[-1], flush=True)
            if seed == 0 and name in ("gan", "infogan"):
                prefix = "" if name == "gan" else f"{name}-"
                toy_panel(x[:2500], model.sample(2500),
                          DOCS / f"gan-family-{prefix}{option.replace('=', '').replace(', ', '-')}-{data}{suffix}.png",
                          model.discriminate, f"{TITLES[name]}, {option}, on {data}, {epochs} epochs")
    summary = [summarise(rows, model=n, option=o) for n, o in dict.fromkeys((r["model"], r["option"]) for r in rows)]
    return {"rows": rows, "summary": summary, "data": data,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in budget.items()}}


G_NORMS = {"g_norm batch (default for images)": {}, "g_norm none (genzoo's MLP generator before)": {"g_norm": "none"}}


def g_norm_rows(dataset: str, data_dir: str, epochs: int, seeds: int) -> list[dict]:
    (x, _), (xt, _) = (load_dataset(dataset, s, data_dir) for s in ("train", "test"))
    classifier = domain_classifier(dataset, data_dir)
    rows = []
    for setting, params in G_NORMS.items():
        for seed in range(seeds):
            model = MODELS["gan"](epochs=epochs, random_state=seed, **params)
            t0 = time.perf_counter()
            model.fit(x)
            seconds = time.perf_counter() - t0
            last = model.history_[-1]
            rows.append({"data": dataset, "setting": setting, "seed": seed, "epochs": epochs, "s": round(seconds),
                         "d_real": last["train_d_real"], "d_fake": last["train_d_fake"],
                         **sample_quality(model.sample(10000, random_state=1), dataset, data_dir, reference=xt,
                                          classifier=classifier)})
            print(rows[-1], flush=True)
    return rows


def image_rows(dataset: str, data_dir: str, epochs: int, models: tuple[str, ...] = FAMILY,
               arch: str = "mlp") -> list[dict]:
    (x, y), (xt, yt) = (load_dataset(dataset, s, data_dir) for s in ("train", "test"))
    classifier = domain_classifier(dataset, data_dir)
    rows = []
    for name in models:
        model = MODELS[name](arch=arch, epochs=epochs, batch_size=64)
        tag = "" if arch == "mlp" else f"-{arch}"
        t0 = time.perf_counter()
        model.fit(x, y) if can(model, CONDITION) else model.fit(x)
        train_s = time.perf_counter() - t0
        samples = model.sample(10000, random_state=1)
        sample_grid(samples[:100], DOCS / f"gan-family-{name}{tag}-{dataset}.png", columns=10,
                    title=f"{name} ({arch}) on {dataset}, {epochs} epochs" + (", a column per class" if can(model, CONDITION)
                                                                            else ""))
        row = {"model": name, "arch": arch, "data": dataset, "epochs": epochs, "s_per_epoch": round(train_s / epochs, 1),
               **sample_quality(samples, dataset, data_dir, reference=xt, classifier=classifier)}
        if can(model, CONDITION):
            row["class_accuracy"] = float((classifier.predict(samples) == np.arange(10000) % 10).mean())
        if can(model, CATEGORIES):
            row["category_accuracy"] = clustering_accuracy(model.predict_category(xt), yt)
            sample_grid(model.vary(0), DOCS / f"gan-family-infogan{tag}-code0-{dataset}.png", columns=10,
                        title=f"infoGAN on {dataset}: continuous code 0 from -2 to 2, a row per category")
        rows.append(row)
        print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="+", default=["defaults", "toy", "long", "latent", "g_norm", "images"],
                        choices=["defaults", "toy", "long", "latent", "g_norm", "images"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--norm-seeds", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=list(FAMILY), choices=FAMILY,
                        help="images: only these variants (their rows at this --epochs replace the same rows)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--arch", choices=["mlp", "conv"], default="mlp", help="images: the nets of every variant")
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
    parser.add_argument("--long-epochs", type=int, default=1000, help="long: the toy budget in epochs")
    parser.add_argument("--toy-data", nargs="+", default=["ring8", "grid25"], choices=["ring8", "grid25"])
    parser.add_argument("--data-dir", default=str(ROOT.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    path = ROOT / "results" / "gan-family.json"
    started = provenance()
    new: dict = {}
    if "defaults" in args.sections:
        new["defaults"] = defaults_section(args.seeds) | {"provenance": started}
    if "toy" in args.sections:
        new["toy"] = {d: toy_section(d, args.seeds) | {"provenance": started} for d in args.toy_data}
    if "long" in args.sections:
        new["long"] = {d: toy_section(d, args.seeds, LONG_VARIANTS, args.long_epochs) | {"provenance": started}
                       for d in args.toy_data}
    if "latent" in args.sections:
        new["latent"] = {d: toy_section(d, args.seeds, latent_variants(d), args.long_epochs, LATENT)
                         | {"provenance": started} for d in args.toy_data}
    if "g_norm" in args.sections:
        new["g_norm"] = [r | {"provenance": started} for d in args.datasets
                         for r in g_norm_rows(d, args.data_dir, args.epochs, args.norm_seeds)]
    if "images" in args.sections:
        new["images"] = [r | {"provenance": started} for d in args.datasets
                         for r in image_rows(d, args.data_dir, args.epochs, tuple(args.models), args.arch)]
    with open(path, "a") as lock:  # sections may run as separate processes: one at a time here
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = json.loads(path.read_text()) if path.exists() else {}
        if "defaults" in new:
            results["defaults"] = new["defaults"]
        for section in ("toy", "long", "latent"):
            if section in new:
                results[section] = results.get(section, {}) | new[section]
        if "g_norm" in new:
            results["g_norm"] = [r for r in results.get("g_norm", []) if r["data"] not in args.datasets] + new["g_norm"]
        if "images" in new:  # a row is one (data, model, epochs, arch): rerunning some leaves the others
            def key(r: dict) -> tuple:
                return r["data"], r["model"], r["epochs"], r.get("arch", "mlp")
            done = {key(r) for r in new["images"]}
            results["images"] = [r for r in results.get("images", []) if key(r) not in done] + new["images"]
        results["published"] = PUBLISHED
        path.write_text(json.dumps(results, indent=1))
        (ROOT / "results" / "gan-family.md").write_text(markdown(results))
    print(markdown(results))


def markdown(results: dict) -> str:
    lines = []
    if "defaults" in results:
        d = results["defaults"]
        lines += [f"### The plain GAN's defaults on ring8 ({d['n_train']} points, σ 0.02)", "",
                  "| setting | seeds | modes (mean) | modes (worst seed) | high quality (mean) | high quality (worst) | s |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {s['setting']} | {s['seeds']} | {s['modes_mean']:.1f}/{s['modes']} | "
                  f"{s['modes_worst']}/{s['modes']} | {s['hq_mean']:.2f} | {s['hq_worst']:.2f} | {s['seconds']:.0f} |"
                  for s in d["summary"]]
        lines += ["", footer_or_missing(d.get("provenance")), ""]
    toy_tables = [(f"Toy mode coverage on {data} ({toy_std(data)} σ), every unconditional variant", t)
                  for data, t in results.get("toy", {}).items()]
    toy_tables += [(f"The plain GAN on {data} ({toy_std(data)} σ) at a longer budget: {t['params']['epochs']} epochs", t)
                   for data, t in results.get("long", {}).items()]
    toy_tables += [(f"A disconnected latent on {data} ({toy_std(data)} σ): infoGAN's categorical code alone, "
                    f"{t['params']['epochs']} epochs", t) for data, t in results.get("latent", {}).items()]
    for title, t in toy_tables:
        params = ", ".join(f"{k} {v}" for k, v in t["params"].items())
        steps = t["params"]["epochs"] * -(-4000 // t["params"]["batch_size"])  # the last batch is a short one
        lines += [f"### {title}", "",
                  f"MLP pair and budget for all: {params} ({steps:,} D steps); 4,000 points, 2,500 samples.", "",
                  "| model | option | seeds | modes (mean) | modes (worst seed) | high quality (mean) | "
                  "high quality (worst) |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {s['model']} | {s['option']} | {s['seeds']} | {s['modes_mean']:.1f}/{s['modes']} | "
                  f"{s['modes_worst']}/{s['modes']} | {s['hq_mean']:.2f} | {s['hq_worst']:.2f} |" for s in t["summary"]]
        lines += ["", footer_or_missing(t.get("provenance")), ""]
    if results.get("g_norm"):
        lines += ["### The plain GAN on images: its generator batch-normalised or not (MLP pair, defaults)", "",
                  "| data | setting | seeds | epochs | FD (mean) | FD (worst) | KID (mean) | precision (mean) | "
                  "recall (mean) | D(x), D(G(z)) last epoch (mean) |", "|---|---|---|---|---|---|---|---|---|---|"]
        for data, setting in dict.fromkeys((r["data"], r["setting"]) for r in results["g_norm"]):
            rows = [r for r in results["g_norm"] if (r["data"], r["setting"]) == (data, setting)]
            mean = {k: float(np.mean([r[k] for r in rows])) for k in ("fd", "kid", "precision", "recall", "d_real",
                                                                       "d_fake")}
            lines.append(f"| {data} | {setting} | {len(rows)} | {rows[0]['epochs']} | {mean['fd']:.1f} | "
                         f"{max(r['fd'] for r in rows):.1f} | {mean['kid']:.1f} | {mean['precision']:.3f} | "
                         f"{mean['recall']:.3f} | {mean['d_real']:.3f}, {mean['d_fake']:.3f} |")
        provs = {json.dumps(r["provenance"], sort_keys=True) for r in results["g_norm"]}
        lines += [""] + [footer_or_missing(json.loads(p)) for p in sorted(provs)] + [""]
    if results.get("images"):
        lines += ["### Every variant on images, one budget (MLP pair; \"conv\": the infoGAN-like conv pair)", "",
                  "| data | model | epochs | s/epoch | FD | KID | precision | recall | class accuracy | "
                  "category accuracy |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in results["images"]:
            cls = f"{100 * r['class_accuracy']:.1f}%" if "class_accuracy" in r else "-"
            cat = f"{100 * r['category_accuracy']:.1f}%" if "category_accuracy" in r else "-"
            model = r["model"] + ("" if r.get("arch", "mlp") == "mlp" else f" ({r['arch']})")
            lines.append(f"| {r['data']} | {model} | {r['epochs']} | {r['s_per_epoch']} | {r['fd']:.2f} | "
                         f"{r['kid']:.2f} ± {r['kid_std']:.2f} | {r['precision']:.3f} | {r['recall']:.3f} | {cls} | {cat} |")
        provs = {json.dumps(r["provenance"], sort_keys=True) for r in results["images"]}
        lines += [""] + [footer_or_missing(json.loads(p)) for p in sorted(provs)] + [""]
    lines += [f"Published, for context: {results.get('published', PUBLISHED)}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
