"""genzoo explore's JSON API, driven over real HTTP against a server in this process: every view answers what the
model computes in Python, bad input gets a 4xx naming the problem, and concurrent clients get their own images."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from genzoo import load
from genzoo.data.corrupt import corrupt
from genzoo.explore import as_uint8
from genzoo.explore.server import MAX_BODY, MAX_LABS
from genzoo.explore.views import png_pixels, slerp
from genzoo.metrics.reconstruction import psnr

from .explore_client import RUNS, request

INDEX = {name: i for i, name in enumerate(RUNS)}


@pytest.fixture(scope="module")
def models(explore_runs):
    return {name: load(path) for name, path in explore_runs.items()}


def run_info(server, name):
    status, answer = request(server, "GET", "/api/runs")
    assert status == 200
    return answer["runs"][INDEX[name]]


def test_each_model_gets_the_views_it_can_use(server):
    status, answer = request(server, "GET", "/api/runs")
    assert status == 200
    views = {run["name"]: run["views"] for run in answer["runs"]}
    encoder = ["map", "sliders", "interpolation", "neighbours", "draw"]
    assert views == {"pca": encoder, "ae": encoder, "vae": [*encoder, "samples", "walk"], "gan": ["samples", "walk"],
                     "dae": [*encoder, "denoise"], "conv": encoder}
    assert answer["lab"] == {"data": ["ring8", "grid25", "moons"], "models": ["gan", "dgen"]}
    conv = answer["runs"][INDEX["conv"]]
    assert (conv["code_size"], conv["sliders"], conv["projection"]) == (32, 32, "pca")


@pytest.mark.parametrize("name", ["ae", "vae", "conv", "pca"])
def test_a_decoded_image_is_inverse_transform_to_the_bit(server, models, name):
    code_size = run_info(server, name)["code_size"]
    z = np.random.default_rng(1).normal(size=code_size).astype(np.float32)
    status, answer = request(server, "POST", f"/api/runs/{INDEX[name]}/decode", {"z": z.tolist()})
    assert status == 200
    expected = as_uint8(models[name].inverse_transform(z[None]))[0]
    np.testing.assert_array_equal(png_pixels(answer["image"]), expected)


def test_as_uint8_rounds_to_nearest_and_clips():
    np.testing.assert_array_equal(as_uint8(np.array([-0.1, 0.0, 0.5 / 255, 0.499 / 255 + 0.5, 1.0, 1.3])),
                                  [0, 0, 0, 128, 255, 255])


def test_clicking_a_2d_map_decodes_that_exact_point(server, models):
    status, answer = request(server, "POST", f"/api/runs/{INDEX['vae']}/decode-at", {"xy": [0.25, -0.5]})
    assert status == 200
    assert answer["z"] == [0.25, -0.5]
    expected = as_uint8(models["vae"].inverse_transform(np.array([[0.25, -0.5]], np.float32)))[0]
    np.testing.assert_array_equal(png_pixels(answer["image"]), expected)


def test_clicking_a_wide_code_map_decodes_in_the_plane_through_the_nearest_code(server, models, digits):
    """The conv AE's 32-D codes: the decoded code differs from the nearest test code only inside the projection's
    plane, and it lands on the map exactly where the click was."""
    view = server.explorer.views[INDEX["conv"]]
    point = view.xy[5] + np.array([0.3, -0.2], np.float32)
    status, answer = request(server, "POST", f"/api/runs/{INDEX['conv']}/decode-at", {"xy": point.tolist()})
    assert status == 200
    z, nearest = np.array(answer["z"], np.float32), answer["nearest"]
    assert nearest == int(((view.xy - point) ** 2).sum(1).argmin())
    step = z - view.codes[nearest]
    off_plane = step - view.components @ (view.components.T @ step)
    assert np.abs(off_plane).max() < 1e-4 < np.abs(step).max()
    np.testing.assert_allclose((z - view.mean) @ view.components, point, atol=1e-4)
    x_test = digits[1][0]
    np.testing.assert_allclose(view.codes[5], models["conv"].transform(x_test[5:6])[0], atol=1e-5)


def test_an_item_is_the_test_image_its_reconstruction_and_its_place(server, models, digits):
    x_test, y_test = digits[1]
    status, item = request(server, "GET", f"/api/runs/{INDEX['ae']}/item?i=17")
    assert status == 200
    np.testing.assert_array_equal(png_pixels(item["image"]), x_test[17])
    np.testing.assert_array_equal(png_pixels(item["reconstruction"]), as_uint8(models["ae"].reconstruct(x_test[17:18]))[0])
    np.testing.assert_allclose(item["z"], models["ae"].transform(x_test[17:18])[0], rtol=1e-6)
    assert item["label"] == y_test[17]
    status, points = request(server, "GET", f"/api/runs/{INDEX['ae']}/points")
    assert len(points["xy"]) == len(x_test) and points["labels"] == y_test.tolist()
    np.testing.assert_allclose(points["xy"][17], item["z"], atol=1e-4)


def test_interpolation_has_the_asked_frames_from_one_code_to_the_other(server, models, digits):
    """The strip is the decoded straight line between the two codes (one decode of all frames, as the server does:
    a matrix product's last bits depend on the batch, so frames are compared with the same batch decoded here)."""
    x_test = digits[1][0]
    body = {"a": 3, "b": 40, "frames": 7}
    status, answer = request(server, "POST", f"/api/runs/{INDEX['vae']}/interpolate", body)
    assert status == 200 and len(answer["frames"]) == 7
    codes = models["vae"].transform(x_test[[3, 40]]).astype(np.float64)
    line = np.linspace(codes[0], codes[1], 7).astype(np.float32)
    np.testing.assert_array_equal([png_pixels(u) for u in answer["frames"]],
                                  as_uint8(models["vae"].inverse_transform(line)))
    _, spherical = request(server, "POST", f"/api/runs/{INDEX['vae']}/interpolate", {**body, "spherical": True})
    frames = np.array([png_pixels(u) for u in spherical["frames"]])
    np.testing.assert_array_equal(frames[[0, -1]], as_uint8(models["vae"].inverse_transform(line))[[0, -1]])
    assert not np.array_equal(frames[3], png_pixels(answer["frames"][3]))  # off the straight line in between


def test_neighbours_are_the_nearest_training_images_by_pixels_and_by_codes(server, models, digits):
    view = server.explorer.views[INDEX["dae"]]
    x_test = digits[1][0]
    status, answer = request(server, "POST", f"/api/runs/{INDEX['dae']}/neighbours", {"i": 11, "k": 5})
    assert status == 200
    query = x_test[11].reshape(-1) / 255.0
    by_pixels = np.sqrt(((view.pool_x.reshape(len(view.pool_x), -1) / 255.0 - query) ** 2).sum(1))
    np.testing.assert_allclose([n["distance"] for n in answer["pixels"]], np.sort(by_pixels)[:5], atol=2e-4)
    np.testing.assert_array_equal(png_pixels(answer["pixels"][0]["image"]), view.pool_x[by_pixels.argmin()])
    codes = models["dae"].transform(view.pool_x)
    by_codes = np.sqrt(((codes - models["dae"].transform(x_test[11:12])) ** 2).sum(1))
    np.testing.assert_allclose([n["distance"] for n in answer["codes"]], np.sort(by_codes)[:5], rtol=1e-3, atol=1e-4)


def test_denoising_shows_the_corruption_the_model_cleans_and_their_psnr(server, models, digits):
    clean = digits[1][0][8:9].astype(np.float32) / 255
    body = {"i": 8, "noise": "gaussian", "level": 0.3, "seed": 4}
    status, answer = request(server, "POST", f"/api/runs/{INDEX['dae']}/denoise", body)
    assert status == 200
    noisy = corrupt(torch.from_numpy(clean), "gaussian", 0.3, torch.Generator().manual_seed(4)).numpy()
    np.testing.assert_array_equal(png_pixels(answer["noisy"]), as_uint8(noisy)[0])
    denoised = models["dae"].reconstruct(noisy)
    np.testing.assert_array_equal(png_pixels(answer["denoised"]), as_uint8(denoised)[0])
    assert answer["psnr_noisy"] == pytest.approx(psnr(clean, noisy)[0], abs=0.01)
    assert answer["psnr_denoised"] == pytest.approx(psnr(clean, denoised)[0], abs=0.01)
    assert answer["psnr_denoised"] > answer["psnr_noisy"] + 1  # the DAE denoises


def test_a_drawing_lands_where_its_code_does(server, digits):
    """Drawing test image 30 exactly puts the marker on test image 30's point."""
    x_test = digits[1][0]
    pixels = (x_test[30, 0].astype(np.float64) / 255).reshape(-1).tolist()
    for name in ("ae", "dae"):
        status, answer = request(server, "POST", f"/api/runs/{INDEX[name]}/encode", {"pixels": pixels})
        assert status == 200
        np.testing.assert_allclose(answer["xy"], server.explorer.views[INDEX[name]].xy[30], atol=1e-4)
        assert len(answer["neighbours"]["codes"]) == 6


def test_samples_and_walks_are_the_models_own(server, models):
    status, answer = request(server, "POST", f"/api/runs/{INDEX['gan']}/samples", {"n": 5, "seed": 9})
    assert status == 200
    samples = models["gan"].sample(5, random_state=9)
    np.testing.assert_array_equal([png_pixels(u) for u in answer["images"]], as_uint8(samples))
    assert answer["d_label"] == "D(x)"
    np.testing.assert_allclose(answer["d"], models["gan"].discriminate(samples), atol=1e-4)
    _, vae = request(server, "POST", f"/api/runs/{INDEX['vae']}/samples", {"n": 2})
    assert (vae["d"], vae["d_label"]) == (None, None)  # no discriminator
    status, walk = request(server, "POST", f"/api/runs/{INDEX['gan']}/walk", {"seed_a": 3, "seed_b": 4, "frames": 6})
    assert status == 200 and len(walk["frames"]) == 6
    gan = models["gan"]
    line = np.linspace(gan.draw_noise(1, 3)[0], gan.draw_noise(1, 4)[0], 6, dtype=np.float64).astype(np.float32)
    np.testing.assert_array_equal([png_pixels(u) for u in walk["frames"]], as_uint8(gan.generate(line)))
    status, walk = request(server, "POST", f"/api/runs/{INDEX['vae']}/walk", {"seed_a": 3, "seed_b": 4, "frames": 4})
    ends = [np.random.default_rng(s).standard_normal(2) for s in (3, 4)]
    path = slerp(*ends, np.linspace(0, 1, 4)).astype(np.float32)
    np.testing.assert_array_equal([png_pixels(u) for u in walk["frames"]], as_uint8(models["vae"].inverse_transform(path)))


def test_slerp_keeps_to_the_great_circle_at_equal_angles():
    a, b = np.array([2.0, 0.0, 0.0]), np.array([1.0, np.sqrt(3.0), 0.0])  # 60° apart, both of length 2
    path = slerp(a, b, np.linspace(0, 1, 5))
    np.testing.assert_allclose(path[[0, -1]], [a, b], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 2.0)
    np.testing.assert_allclose(np.arctan2(path[:, 1], path[:, 0]), np.linspace(0, np.pi / 3, 5), atol=1e-12)
    np.testing.assert_allclose(slerp(a, 3 * a, np.array([0.5])), [2 * a])  # parallel: the straight line


BAD = [
    ("POST", "/api/runs/1/decode", {"z": [0.1]}, 400, "z must be a list of 2 numbers; got 1 numbers"),
    ("POST", "/api/runs/1/decode", {"z": [0.1, "a"]}, 400, "z must hold numbers only"),
    ("POST", "/api/runs/1/decode", {"z": [1e9, 0]}, 400, "z must lie in"),
    ("POST", "/api/runs/1/decode", {}, 400, "z must be a list of 2 numbers; got None"),
    ("GET", "/api/runs/1/item?i=100000", None, 400, "i must be a whole number from 0 to 358"),
    ("GET", "/api/runs/1/item?i=-1", None, 400, "i must be a whole number"),
    ("GET", "/api/runs/1/item?i=../x", None, 400, "i must be a whole number"),
    ("POST", "/api/runs/1/interpolate", {"a": 0, "b": 1, "frames": 500}, 400, "frames must be a whole number from 2 to 32"),
    ("POST", "/api/runs/1/interpolate", {"a": 0.5, "b": 1}, 400, "a must be a whole number"),
    ("POST", "/api/runs/1/encode", {"pixels": [0.5] * 63}, 400, "pixels must be a list of 64 numbers"),
    ("POST", "/api/runs/1/encode", {"pixels": [2.0] * 64}, 400, "pixels must lie in [0, 1]"),
    ("POST", "/api/runs/4/denoise", {"i": 0, "noise": "blur", "level": 0.1}, 400, "noise must be one of"),
    ("POST", "/api/runs/4/denoise", {"i": 0, "noise": "masking", "level": 1.5}, 400, "level must be a number from 0.0"),
    ("POST", "/api/runs/3/samples", {"n": 10000}, 400, "n must be a whole number from 1 to 64"),
    ("POST", "/api/runs/3/samples", {"n": 4, "label": 3}, 400, "gan is not a conditional model"),
    ("POST", "/api/runs/0/samples", {"n": 4}, 422, "pca holds a PCA, which has no samples view"),
    ("POST", "/api/runs/3/decode", {"z": [0.0] * 8}, 422, "which has no sliders view"),
    ("POST", "/api/runs/9/decode", {"z": [0.0]}, 404, "no run '9': the runs are 0 to 5"),
    ("POST", "/api/runs/..%2Fetc/decode", {"z": [0.0]}, 404, "no run"),
    ("GET", "/api/runs/1/decode", None, 404, "no such API route"),
    ("GET", "/etc/passwd", None, 404, "no such API route"),
    ("POST", "/api/lab", {"data": "spiral"}, 400, "data must be one of ring8, grid25, moons"),
    ("POST", "/api/lab", {"d_steps": 0}, 400, "d_steps 0: use a whole number from 1 to 10"),
    ("POST", "/api/lab", {"g_loss": "hinge"}, 400, "g_loss 'hinge': use one of non-saturating, minimax"),
    ("POST", "/api/lab/nope/step", {"steps": 1}, 404, "no lab 'nope'"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "message"), BAD)
def test_bad_requests_get_a_4xx_naming_the_problem(server, method, path, body, status, message):
    got, answer = request(server, method, path, body)
    assert (got, message in answer["error"]) == (status, True), answer


def test_nan_malformed_json_and_oversized_bodies_are_refused(server):
    status, answer = request(server, "POST", "/api/runs/1/decode", raw=b'{"z": [0.1, NaN]}')
    assert (status, answer["error"]) == (400, "z holds NaN or infinity; send finite numbers")
    status, answer = request(server, "POST", "/api/runs/1/decode", raw=b'{"z": [0.1,')
    assert status == 400 and answer["error"].startswith("the body is not JSON")
    status, answer = request(server, "POST", "/api/runs/1/decode", raw=b"[1, 2]")
    assert (status, answer["error"]) == (400, "the body must be a JSON object")
    status, answer = request(server, "POST", "/api/runs/1/decode", raw=b" " * (MAX_BODY + 1))
    assert status == 413 and f"the limit is {MAX_BODY}" in answer["error"]
    status, _ = request(server, "POST", "/api/runs/1/decode", {"z": [0.0, 0.0]})  # and it keeps answering
    assert status == 200


def test_a_foreign_host_header_is_refused(server):
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 cannot use the API."""
    status, answer = request(server, "GET", "/api/runs", headers={"Host": "attacker.example:8765"})
    assert status == 421 and "'attacker.example' is not this server's address" in answer["error"]
    assert request(server, "GET", "/api/runs", headers={"Host": "localhost:1"})[0] == 200


def test_concurrent_clients_each_get_their_own_image(server, models):
    """16 clients × 10 decodes of different codes at once: every answer is the image of the code it asked for."""
    rng = np.random.default_rng(7)
    codes = rng.normal(size=(160, 2)).astype(np.float32)
    expected = np.stack([as_uint8(models["vae"].inverse_transform(z[None]))[0] for z in codes])  # one code a call

    def decode(i):
        status, answer = request(server, "POST", f"/api/runs/{INDEX['vae']}/decode", {"z": codes[i].tolist()})
        return status, png_pixels(answer["image"])

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(decode, range(len(codes))))
    assert [s for s, _ in results] == [200] * len(codes)
    np.testing.assert_array_equal(np.stack([p for _, p in results]), expected)


def test_labs_in_two_tabs_step_apart(server):
    status, one = request(server, "POST", "/api/lab", {"data": "ring8"})
    _, two = request(server, "POST", "/api/lab", {"data": "moons", "model": "dgen"})
    assert status == 200 and one["id"] != two["id"] and one["steps"] == two["steps"] == 0
    assert one["coverage"]["modes"] == 8 and "coverage" not in two  # the moons have no modes to count
    _, one = request(server, "POST", f"/api/lab/{one['id']}/step", {"steps": 30, "arrows": True})
    _, two_now = request(server, "POST", f"/api/lab/{two['id']}/step", {"steps": 5})
    assert (one["steps"], one["data"], two_now["steps"], two_now["data"]) == (30, "ring8", 5, "moons")
    again = [request(server, "POST", f"/api/lab/{key}/step", {"steps": 1})[1] for key in (one["id"], two["id"], one["id"])]
    assert [(s["steps"], s["data"], s["model"]) for s in again] == [(31, "ring8", "gan"), (6, "moons", "dgen"),
                                                                    (32, "ring8", "gan")]
    assert len(one["arrows"]) == 200 and len(one["samples"]) == 500 and np.array(one["d"]).shape == (40, 40)
    assert two_now["samples"] != two["samples"]  # dgen's samples moved with D


def test_a_lab_step_is_the_engines_step_and_settings_switch_between_steps(server):
    """Two labs from the same seed stepped alike agree to the last digit; switching G's loss changes the path."""
    ids = [request(server, "POST", "/api/lab", {"data": "grid25", "seed": 3})[1]["id"] for _ in range(3)]
    a = request(server, "POST", f"/api/lab/{ids[0]}/step", {"steps": 20})[1]
    b = request(server, "POST", f"/api/lab/{ids[1]}/step", {"steps": 20})[1]
    c = request(server, "POST", f"/api/lab/{ids[2]}/step", {"steps": 20, "g_loss": "minimax", "d_steps": 2})[1]
    assert a["samples"] == b["samples"] and a["d"] == b["d"]
    assert (c["g_loss"], c["d_steps"]) == ("minimax", 2) and c["samples"] != a["samples"]


def test_old_labs_are_dropped_beyond_the_limit(server):
    first = request(server, "POST", "/api/lab", {})[1]["id"]
    for _ in range(MAX_LABS):
        request(server, "POST", "/api/lab", {})
    status, answer = request(server, "POST", f"/api/lab/{first}/step", {"steps": 1})
    assert status == 404 and "open a new one" in answer["error"]


def test_the_page_and_its_scripts_are_served_and_nothing_else(server):
    import http.client

    host, port = server.server_address[:2]
    for path, kind in (("/", "text/html"), ("/app.js", "text/javascript"), ("/style.css", "text/css")):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        assert (response.status, response.getheader("Content-Type").split(";")[0]) == (200, kind)
        assert len(response.read()) > 500
    assert request(server, "GET", "/../pyproject.toml")[0] == 404


@pytest.mark.slow
def test_cli_refuses_what_it_cannot_serve(tmp_path, explore_runs):
    def explore(*args):
        return subprocess.run([sys.executable, "-m", "genzoo", "explore", "--no-browser", *args],
                              capture_output=True, text=True, timeout=120)

    missing = explore(str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "genzoo: error:" in missing.stderr and "Traceback" not in missing.stderr
    from genzoo import GAN
    from genzoo.data import toy

    GAN(epochs=1).fit(toy("ring8", 256), run_dir=tmp_path / "toy", run_info={"data": {"name": "toy:ring8"}})
    rows = explore(str(tmp_path / "toy"))
    assert rows.returncode == 2 and "not images; the page's toy lab trains GANs on such data live" in rows.stderr
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = explore("--port", str(taken.getsockname()[1]), str(explore_runs["pca"]))
    assert busy.returncode == 2 and "choose another port with --port" in busy.stderr
    assert json.loads((explore_runs["pca"] / "config.json").read_text())["model"] == "PCA"  # nothing written


@pytest.fixture(scope="module")
def other_server(explore_runs, tmp_path_factory):
    """A conditional GAN and the DAE mapped by t-SNE, on a second server."""
    import threading

    from genzoo import CGAN, load_dataset
    from genzoo.explore import make_server

    x, y = load_dataset("digits", "train")
    run = tmp_path_factory.mktemp("cgan") / "cgan"
    CGAN(hidden=(64, 64), noise_dim=8, epochs=2).fit(x, y, run_dir=run, run_info={"data": {"name": "digits"}})
    srv = make_server([run, explore_runs["dae"]], port=0, projection="tsne")
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_a_conditional_model_samples_the_class_asked_for(other_server):
    cgan = other_server.explorer.views[0].estimator
    _, answer = request(other_server, "GET", "/api/runs")
    info = answer["runs"][0]
    assert (info["views"], info["conditional"], info["classes"]) == (["samples"], True, list(range(10)))
    status, answer = request(other_server, "POST", "/api/runs/0/samples", {"n": 6, "seed": 2, "label": 3})
    assert status == 200
    samples = cgan.sample(6, y=3, random_state=2)
    np.testing.assert_array_equal([png_pixels(u) for u in answer["images"]], as_uint8(samples))
    _, other = request(other_server, "POST", "/api/runs/0/samples", {"n": 6, "seed": 2, "label": 4})
    assert other["images"] != answer["images"]
    status, answer = request(other_server, "POST", "/api/runs/0/samples", {"n": 6, "label": 12})
    assert status == 400 and "label 12: use one of [0, 1" in answer["error"]


def test_a_tsne_map_decodes_and_places_at_the_nearest_code(other_server, digits):
    view = other_server.explorer.views[1]
    _, answer = request(other_server, "GET", "/api/runs")
    assert answer["runs"][1]["projection"] == "tsne"
    from sklearn.manifold import TSNE

    np.testing.assert_allclose(view.xy, TSNE(2, init="pca", random_state=0).fit_transform(view.codes), atol=1e-3)
    point = view.xy[12] + 0.01
    status, answer = request(other_server, "POST", "/api/runs/1/decode-at", {"xy": point.tolist()})
    assert (status, answer["nearest"]) == (200, 12)
    np.testing.assert_allclose(answer["z"], view.codes[12])
    pixels = (digits[1][0][12, 0].astype(np.float64) / 255).reshape(-1).tolist()
    status, answer = request(other_server, "POST", "/api/runs/1/encode", {"pixels": pixels})
    np.testing.assert_allclose(answer["xy"], view.xy[12])
