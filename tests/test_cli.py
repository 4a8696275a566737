import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from genzoo import load, load_dataset
from genzoo.cli import main
from genzoo.engine import read_metrics
from genzoo.metrics import parzen_estimate, sample_quality


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_datasets_lists_everything(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "digits" in out and "mnist" in out and "fashion-mnist" in out
    assert "(1438,1,8,8)" in out


def test_train_ae_writes_a_complete_run_folder(capsys, tmp_path):
    out_dir = tmp_path / "ae"
    code, out, err = run(capsys, "train", "ae", "--data", "digits", "--epochs", "3", "--out", str(out_dir),
                         "--latent-dim", "8", "--set", "hidden=[32]", "--seed", "3", "--quiet")
    assert code == 0, err
    assert "test: mse" in out and str(out_dir) in out
    for name in ("config.json", "model.safetensors", "metrics.jsonl", "checkpoint/last.safetensors",
                 "figures/reconstructions.png"):
        assert (out_dir / name).is_file(), name
    config = json.loads((out_dir / "config.json").read_text())
    assert config["model"] == "Autoencoder" and config["params"]["random_state"] == 3
    assert config["params"]["hidden"] == [32] and config["data"]["name"] == "digits"
    assert config["versions"]["torch"] and config["fitted"]["input_shape"] == [1, 8, 8]
    assert len(read_metrics(out_dir)) == 3
    ae = load(out_dir)
    assert ae.latent_dim == 8 and ae.hidden == (32,)


def test_train_pca_and_config_file(capsys, tmp_path):
    cfg = tmp_path / "pca.yaml"
    cfg.write_text("n_components: 5\n")
    code, _, err = run(capsys, "train", "pca", "--config", str(cfg), "--out", str(tmp_path / "p"))
    assert code == 0, err
    assert load(tmp_path / "p").n_components_ == 5
    code, _, err = run(capsys, "train", "pca", "--latent-dim", "3", "--out", str(tmp_path / "p3"))
    assert code == 0 and load(tmp_path / "p3").components_.shape == (3, 64)


@pytest.mark.parametrize("args,message", [
    (["train", "ae", "--data", "cifar", "--out", "X"], "unknown dataset 'cifar'"),
    (["train", "ae", "--set", "depth=3", "--out", "X"], "Autoencoder has no parameter depth"),
    (["train", "ae", "--set", "loss=l1", "--out", "X"], "loss='l1' is not allowed"),
    (["train", "ae", "--set", "hidden", "--out", "X"], "use KEY=VALUE"),
    (["train", "ae", "--epochs", "-2", "--out", "X"], "epochs=-2"),
    (["train", "pca", "--epochs", "2", "--out", "X"], "PCA has no parameter epochs"),
    (["train", "ae", "--config", "missing.yaml", "--out", "X"], "cannot read config file"),
    (["train", "ae", "--data", "npz:missing.npz", "--out", "X"], "no such file"),
    (["train", "ae", "--device", "cuda", "--out", "X"], "no CUDA GPU"),
])
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    if message == "no CUDA GPU":
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is present")
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_config_file(capsys, tmp_path):
    (tmp_path / "c.json").write_text("{not json")
    code, _, err = run(capsys, "train", "ae", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "x"))
    assert code == 2 and "not valid JSON" in err


def test_unknown_model_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "gpt", "--out", "x"])
    assert e.value.code == 2 and "invalid choice: 'gpt'" in capsys.readouterr().err


@pytest.mark.slow
def test_resume_continues_and_refuses_to_overwrite(capsys, tmp_path):
    args = ["train", "ae", "--out", str(tmp_path / "r"), "--quiet", "--latent-dim", "4"]
    assert run(capsys, *args, "--epochs", "1")[0] == 0
    code, _, err = run(capsys, *args, "--epochs", "2")
    assert code == 2 and "pass --resume" in err
    assert run(capsys, *args, "--epochs", "2", "--resume")[0] == 0
    assert [r["epoch"] for r in read_metrics(tmp_path / "r")] == [1, 2]


@pytest.mark.slow
def test_every_model_passes_one_run_folder_guard(capsys, tmp_path):
    """PCA too: a folder holding another model's run is never overwritten, resumed or mixed into."""
    ae = ["train", "ae", "--out", str(tmp_path / "r"), "--quiet", "--latent-dim", "4", "--epochs", "1"]
    assert run(capsys, *ae)[0] == 0
    before = {p: p.read_bytes() for p in (tmp_path / "r").rglob("*") if p.is_file()}
    for extra in ([], ["--resume"]):
        code, _, err = run(capsys, "train", "pca", "--out", str(tmp_path / "r"), *extra)
        assert code == 2 and "holds a run of Autoencoder, not of PCA; choose another output folder" in err
        code, _, err = run(capsys, "train", "vae", "--out", str(tmp_path / "r"), "--epochs", "1", *extra)
        assert code == 2 and "holds a run of Autoencoder, not of VAE" in err
    assert {p: p.read_bytes() for p in (tmp_path / "r").rglob("*") if p.is_file()} == before
    pca = ["train", "pca", "--out", str(tmp_path / "p"), "--quiet"]
    assert run(capsys, *pca)[0] == 0
    code, _, err = run(capsys, *pca, "--latent-dim", "3")
    assert code == 2 and "already holds a trained PCA; pass --resume" in err
    assert run(capsys, *pca, "--latent-dim", "3", "--resume")[0] == 0  # PCA has no epochs: it refits
    assert load(tmp_path / "p").n_components == 3


DEMO_RUNS = ("pca", "ae", "vae", "gan")


def run_demo(out) -> tuple[dict[str, dict], str]:
    """``python -m genzoo demo --out OUT`` in a child process, offline, with a cache of its own beside OUT (so the
    domain classifier is trained afresh, not taken from a cache another machine may have filled): each run's
    metrics.json, and what it printed."""
    env = {**os.environ, "GENZOO_OFFLINE": "1", "XDG_CACHE_HOME": str(out.parent / f"{out.name}-cache")}
    done = subprocess.run([sys.executable, "-m", "genzoo", "demo", "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"on {torch.get_num_threads()} torch threads" in done.stdout  # what the figures depend on, printed
    return {name: json.loads((out / name / "metrics.json").read_text()) for name in DEMO_RUNS}, done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo"
    return out, *run_demo(out)


@pytest.mark.slow
def test_the_demo_gives_the_same_numbers_when_run_again_on_the_same_machine_and_threads(demo, tmp_path):
    """The determinism genzoo promises: one machine, one thread count, one seed → the same figures, bit for bit
    (another CPU or thread count runs other kernels and gives other figures; README, "Determinism")."""
    _, first, _ = demo
    again, _ = run_demo(tmp_path / "again")
    for name in DEMO_RUNS:
        same = {k: v for k, v in first[name].items() if k not in ("eval_seconds", "seconds")}
        assert {k: again[name][k] for k in same} == same, name


@pytest.mark.statistical
def test_python_dash_m_and_demo(demo):
    out, metrics, printed = demo
    tmp_path = out.parent
    assert metrics["ae"]["mse"] < metrics["pca"]["mse"]  # a 2-D autoencoder beats 2 principal components
    (x_train, _), (x_test, _) = load_dataset("digits", "train"), load_dataset("digits", "test")
    # the VAE's ELBO beats the exact log-likelihood of the best independent-pixel model (the mean image, Bernoulli)
    p, x = np.clip(x_train.mean(0) / 255.0, 1e-6, 1 - 1e-6), x_test / 255.0
    mean_image_ll = float((x * np.log(p) + (1 - x) * np.log(1 - p)).sum((1, 2, 3)).mean())
    assert metrics["vae"]["elbo"] > mean_image_ll + 1.5  # -24.5 nats against -27.0
    # both generators' samples are far nearer the digits than uniform noise is, measured the same way (1000 samples)
    noise = sample_quality(np.random.default_rng(0).random((1000, 1, 8, 8)), "digits", reference=x_test)
    assert metrics["vae"]["fd"] < noise["fd"] / 2 and metrics["gan"]["fd"] < noise["fd"] / 2  # 46 and 39 against 137
    assert metrics["vae"]["precision"] > noise["precision"] + 0.3  # 0.84 against 0.40: blurry but digit-like
    assert metrics["gan"]["recall"] > noise["recall"] + 0.2  # 0.34 against 0.01: it covers part of the test digits
    for name in ("ae", "vae"):
        assert (tmp_path / "demo" / name / "figures" / "manifold.png").stat().st_size > 1000
    page = (tmp_path / "demo" / "report.html").read_text()
    assert "Comparison (test split)" in page and page.count("<h2>") == 5
    table = [line.split() for line in printed.splitlines() if line.strip().startswith(str(tmp_path / "demo"))]
    assert len(table) == 4


@pytest.mark.parametrize("model,args,cls,check", [
    ("dae", ["--arch", "conv", "--set", "noise=masking", "--set", "noise_level=0.3"], "DenoisingAutoencoder",
     lambda m: m.noise == "masking" and m.arch == "conv"),
    ("sparse-ae", ["--set", "penalty=l1", "--set", "weight=0.01", "--latent-dim", "16"], "SparseAutoencoder",
     lambda m: m.penalty == "l1" and m.latent_dim == 16),
    ("binary-ae", ["--latent-dim", "12"], "BinaryAutoencoder", lambda m: m.code_bits == 12),
    ("ae", ["--set", "hidden=[32,16]", "--set", "pretrain=layerwise", "--set", "pretrain_epochs=1"], "Autoencoder",
     lambda m: m.pretrain == "layerwise" and m.hidden == (32, 16)),
    ("vae", ["--set", "binarize=true", "--latent-dim", "2", "--set", "hidden=[64]"], "VAE",
     lambda m: m.binarize and m.latent_dim == 2),
])
def test_train_every_autoencoder(capsys, tmp_path, model, args, cls, check):
    code, out, err = run(capsys, "train", model, "--epochs", "2", "--out", str(tmp_path / "r"), "--quiet", *args)
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "config.json").read_text())["model"] == cls
    assert check(load(tmp_path / "r"))
    if model == "ae":  # pre-training ran: the same run without it (same seed, same epochs) ends elsewhere
        plain = ["--set", "hidden=[32,16]"]
        assert run(capsys, "train", model, "--epochs", "2", "--out", str(tmp_path / "none"), "--quiet", *plain)[0] == 0
        with_pretraining, without = load(tmp_path / "r").module_.state_dict(), load(tmp_path / "none").module_.state_dict()
        assert not any(torch.equal(with_pretraining[k], without[k]) for k in with_pretraining)
    if model == "dae":
        assert "denoised_psnr" in out and "noisy_psnr" in out
    if model == "vae":
        assert "elbo -" in out


@pytest.mark.statistical
def test_eval_writes_metrics_and_iwae(capsys, tmp_path):
    out_dir = tmp_path / "vae"
    args = ["train", "vae", "--out", str(out_dir), "--epochs", "2", "--latent-dim", "4", "--quiet",
            "--set", "binarize=true", "--set", "hidden=[64]"]
    assert run(capsys, *args)[0] == 0
    code, out, err = run(capsys, "eval", str(out_dir), "--nll-samples", "20")
    assert code == 0, err
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["n"] == 359 and metrics["nll_samples"] == 20
    assert 0 < metrics["nll_iwae"] < -metrics["elbo"]  # the IWAE bound is tighter than the ELBO
    assert "nll_iwae" in out
    assert run(capsys, "train", "pca", "--out", str(tmp_path / "p"))[0] == 0
    code, _, err = run(capsys, "eval", str(tmp_path / "p"), "--nll-samples", "5")
    assert code == 2 and "--nll-samples is for models with a likelihood (vae)" in err
    code, _, err = run(capsys, "eval", str(tmp_path / "nothing"))
    assert code == 2 and "no such run folder" in err


def test_train_gan_and_dgen_on_toy_data_then_sample(capsys, tmp_path):
    code, out, err = run(capsys, "train", "gan", "--data", "toy:ring8", "--out", str(tmp_path / "gan"), "--epochs", "5",
                         "--latent-dim", "4", "--set", "hidden=[32,32]", "--quiet")
    assert code == 0, err
    assert "modes_covered" in out and "d_samples" in out
    assert (tmp_path / "gan" / "figures" / "samples.png").is_file()
    assert load(tmp_path / "gan").noise_dim == 4
    code, out, err = run(capsys, "sample", str(tmp_path / "gan"), "-n", "7", "--out", str(tmp_path / "s.npy"))
    assert code == 0, err
    assert np.load(tmp_path / "s.npy").shape == (7, 2)
    code, _, err = run(capsys, "sample", str(tmp_path / "gan"), "--out", str(tmp_path / "s.png"))
    assert code == 0 and (tmp_path / "s.png").stat().st_size > 1000, err
    code, out, err = run(capsys, "train", "dgen", "--data", "toy:moons", "--out", str(tmp_path / "dgen"), "--epochs", "2",
                         "--set", "hidden=[16]", "--set", "ascent_steps=5", "--quiet")
    assert code == 0 and "d_test" in out, err


@pytest.mark.slow
def test_train_image_gan_and_sample_a_grid(capsys, tmp_path):
    code, out, err = run(capsys, "train", "gan", "--data", "digits", "--out", str(tmp_path / "gan"), "--epochs", "2",
                         "--arch", "conv", "--quiet")
    assert code == 0, err
    code, out, err = run(capsys, "sample", str(tmp_path / "gan"), "-n", "16", "--out", str(tmp_path / "grid.png"),
                         "--seed", "3")
    assert code == 0 and "(1, 8, 8)" in out, err
    code, _, err = run(capsys, "sample", str(tmp_path / "gan"), "--out", str(tmp_path / "grid.txt"))
    assert code == 2 and "use a .png" in err
    run(capsys, "train", "pca", "--data", "digits", "--out", str(tmp_path / "pca"), "--quiet")
    code, _, err = run(capsys, "sample", str(tmp_path / "pca"), "--out", str(tmp_path / "p.png"))
    assert code == 2 and "does not sample" in err


@pytest.mark.slow
def test_eval_of_a_gan_measures_its_samples_on_the_domain_classifier(capsys, tmp_path):
    run(capsys, "train", "gan", "--data", "digits", "--out", str(tmp_path / "gan"), "--epochs", "3", "--quiet")
    code, out, err = run(capsys, "eval", str(tmp_path / "gan"), "--fd-samples", "500")
    assert code == 0, err
    metrics = json.loads((tmp_path / "gan" / "metrics.json").read_text())
    assert "kid_std" in metrics and "fd" in out
    # what eval reports is this GAN's 500 samples (random_state=1) against the test split; the demo test shows a
    # trained GAN beats noise on these measures, this one shows eval measures the right images
    x_test, _ = load_dataset("digits", "test")
    samples = load(tmp_path / "gan").sample(500, random_state=1)
    expected = {**sample_quality(samples, "digits", reference=x_test), **parzen_estimate(samples, x_test)}
    for key, value in expected.items():
        assert metrics[key] == pytest.approx(value, rel=1e-6), key
    assert metrics["parzen_n"] == 179  # the odd rows of the 359 test images; the even ones chose σ
