"""genzoo explore measured: the decode round trip over HTTP, the page's first load with 10,000 points, and a bounded
load test; also the README's screenshots of the page.

    python benchmarks/explore.py [--runs-dir runs/explore] [--requests 300] [--clients 50] [--per-client 20]

Trains (once; a rerun reuses them) an MLP VAE and a conv AE on MNIST with their defaults but fewer epochs (serving
time does not depend on how well a model learned), plus a 2-D VAE and a 2-D AE for the screenshots. Then, against
``genzoo explore`` started as its own process on 127.0.0.1:
- **decode round trip**: ``--requests`` sequential decodes of random codes, from sending the request to holding the
  PNG's bytes, p50 and p95 (target p95 ≤ 50 ms);
- **first load**: headless Chromium opens the page until the 10,000-point map is drawn and a test image is chosen;
- **under load**: ``--clients`` concurrent clients each send ``--per-client`` decodes, one in five of them malformed
  (NaN, a wrong length, a body over the size limit); every image is checked against ``inverse_transform`` computed
  here, every malformed request must get its 4xx, and the server's memory (VmRSS, VmHWM) is read before and after.
Writes benchmarks/results/explore.{json,md} and docs/explore/*.png.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from genzoo import VAE, Autoencoder, load, load_dataset
from genzoo.explore import as_uint8
from genzoo.explore.views import png_pixels
from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHOTS = ROOT / "docs" / "explore"
MODELS = {  # name: (estimator, what the latency table calls it)
    "vae-mlp": (lambda: VAE(epochs=5), "MNIST MLP VAE (784-400-20)"),
    "ae-conv": (lambda: Autoencoder(arch="conv", epochs=2), "MNIST conv AE (32-D code)"),
    "vae-2d": (lambda: VAE(latent_dim=2, epochs=10), "MNIST MLP VAE, 2-D code"),
    "ae-2d": (lambda: Autoencoder(latent_dim=2, code_activation="linear", epochs=10), "MNIST MLP AE, 2-D code"),
}


def train(runs_dir: Path) -> dict[str, Path]:
    x, _ = load_dataset("mnist", "train")
    runs = {}
    for name, (make, _) in MODELS.items():
        runs[name] = runs_dir / name
        if not (runs[name] / "model.safetensors").exists():
            t0 = time.perf_counter()
            make().fit(x, run_dir=runs[name], resume=True, run_info={"data": {"name": "mnist"},
                                                                     "command": ["benchmarks/explore.py"]})
            print(f"trained {name} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return runs


class Server:
    """``genzoo explore RUNS --port 0`` as a child process; its port read from what it prints."""

    def __init__(self, runs: list[Path]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "genzoo", "explore", *map(str, runs), "--port", "0",
                                         "--no-browser"], stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not found:
            raise RuntimeError(f"genzoo explore did not start: {line}{self.process.stderr.read()}")
        self.port = int(found.group(1))
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self.process.stderr.read, daemon=True).start()  # never let its pipe fill

    def memory(self) -> dict[str, float]:
        """The server's resident memory now and at its peak, in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return {key: int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) / 1024 for key in ("VmRSS", "VmHWM")}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def post(connection: http.client.HTTPConnection, path: str, payload: bytes) -> tuple[int, dict]:
    connection.request("POST", path, body=payload, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def percentiles(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "max_ms": round(float(np.max(ms)), 2)}


def round_trips(server: Server, index: int, code_size: int, n: int) -> dict[str, float]:
    """``n`` sequential decodes on one kept-alive connection, timed from request to the PNG's bytes."""
    rng = np.random.default_rng(0)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    times = []
    for _ in range(n):
        body = json.dumps({"z": rng.normal(size=code_size).round(4).tolist()}).encode()
        t0 = time.perf_counter()
        status, answer = post(connection, f"/api/runs/{index}/decode", body)
        png = base64.b64decode(answer["image"].split(",", 1)[1])
        times.append(1000 * (time.perf_counter() - t0))
        assert status == 200 and png.startswith(b"\x89PNG"), answer
    connection.close()
    return {"requests": n, **percentiles(times[5:] if n > 20 else times)}  # the first few warm the server up


MALFORMED = [b'{"z": [0.1, NaN]}', b'{"z": [0.5]}', b'{"z": "a"}', b'{"z": [1e9',
             b'{"z": [' + b"0," * 200_000 + b"0]}"]


def load_test(server: Server, index: int, model, clients: int, per_client: int) -> dict[str, object]:
    """``clients`` threads at once, each with its own connection: ``per_client`` requests, every fifth malformed."""
    code_size = model.transform(np.zeros((1, *model.input_shape_), np.uint8)).shape[1]
    codes = np.random.default_rng(1).normal(size=(clients * per_client, code_size)).astype(np.float32).round(4)
    # decoded one code at a time, as the server does (a batch's matrix products may differ in the last bit)
    expected = np.stack([as_uint8(model.inverse_transform(z[None]))[0] for z in codes])
    results: list[tuple[str, float, bool]] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for r in range(per_client):
            i = c * per_client + r
            bad = r % 5 == 4
            payload = MALFORMED[i % len(MALFORMED)] if bad else json.dumps({"z": codes[i].tolist()}).encode()
            t0 = time.perf_counter()
            try:
                status, answer = post(connection, f"/api/runs/{index}/decode", payload)
            except (ConnectionError, http.client.HTTPException):  # the 413 closes the connection, as it should
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                status, answer = post(connection, f"/api/runs/{index}/decode", payload)
            ms = 1000 * (time.perf_counter() - t0)
            if bad:
                outcome = "refused" if 400 <= status < 500 and "error" in answer else "malformed accepted"
            elif status != 200:
                outcome = f"error {status}"
            else:
                outcome = "right" if np.array_equal(png_pixels(answer["image"]), expected[i]) else "wrong image"
            if status == 413:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            with lock:
                results.append((outcome, ms, bad))
        connection.close()

    before = server.memory()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    after = server.memory()
    alive = round_trips(server, index, code_size, 3)
    outcomes = [o for o, _, _ in results]
    good_ms = [ms for o, ms, bad in results if not bad]
    return {"clients": clients, "per_client": per_client, "requests": len(results), "seconds": round(seconds, 2),
            "throughput_per_s": round(len(results) / seconds, 1), **percentiles(good_ms),
            "right_images": outcomes.count("right"), "wrong_images": outcomes.count("wrong image"),
            "malformed_refused": outcomes.count("refused"), "malformed_accepted": outcomes.count("malformed accepted"),
            "errors": sum(o.startswith("error") for o in outcomes), "rss_before_mib": round(before["VmRSS"]),
            "rss_after_mib": round(after["VmRSS"]), "peak_rss_mib": round(after["VmHWM"]),
            "answers_after": alive["requests"] == 3}


def browser_checks(server: Server, index: dict[str, int]) -> dict[str, float]:
    """The first load of the page with a 10,000-point map (median of 3), and the README's screenshots."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        loads = []
        for _ in range(3):
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            t0 = time.perf_counter()
            page.goto(server.url)
            page.wait_for_function("window.genzooState.ready === 0 && window.genzooState.lab !== null", timeout=60_000)
            loads.append(1000 * (time.perf_counter() - t0))
            points = page.evaluate("window.genzooState.points.xy.length")
            page.close()
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(server.url)
        page.select_option("#run", str(index["vae-2d"]))
        page.wait_for_function(f"window.genzooState.ready === {index['vae-2d']}", timeout=60_000)
        page.select_option("#interp-other", str(index["ae-2d"]))
        page.click("#interp-go")
        page.wait_for_function("document.querySelectorAll('#strip-other img').length > 0")
        page.locator("#map").hover(position={"x": 300, "y": 200})
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / "map.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 1000})
        page.select_option("#lab-data", "ring8")
        page.check("#lab-arrows")
        for _ in range(30):
            page.click("#lab-step")
            page.wait_for_timeout(60)
        page.wait_for_function("Number(document.querySelector('#lab-steps').textContent) >= 300", timeout=60_000)
        page.locator("#lab-section").screenshot(path=str(SHOTS / "lab.png"))
        page.select_option("#run", str(index["vae-mlp"]))
        page.wait_for_function(f"window.genzooState.ready === {index['vae-mlp']}", timeout=60_000)
        page.locator("#draw-section").scroll_into_view_if_needed()
        box = page.locator("#pad").bounding_box()
        page.mouse.move(box["x"] + 0.55 * box["width"], box["y"] + 0.2 * box["height"])
        page.mouse.down()
        for x, y in [(0.35, 0.45), (0.5, 0.5), (0.62, 0.35), (0.6, 0.8)]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=6)
        page.mouse.up()
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / "draw.png"), full_page=True)
        browser.close()
    return {"points": points, "first_load_ms": round(float(np.median(loads)), 0),
            "first_loads_ms": [round(v) for v in loads]}


def markdown(result: dict) -> str:
    lines = ["Decode round trip over HTTP on 127.0.0.1, request to PNG, one client "
             f"({result['latency'][0]['requests']} sequential requests per model; target p95 ≤ 50 ms):", "",
             "| model | p50 ms | p95 ms | max ms |", "|---|---|---|---|"]
    lines += [f"| {row['model']} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} |" for row in result["latency"]]
    page, load = result["page"], result["load"]
    lines += ["", f"First load of the page with a {page['points']:,}-point map, in headless Chromium: "
              f"{page['first_load_ms']:.0f} ms (median of {page['first_loads_ms']}).", "",
              f"Under load ({load['model']}): {load['clients']} concurrent clients × {load['per_client']} requests, one in "
              "five malformed (NaN, wrong length, bad JSON, a body over the limit):", "",
              "| requests | seconds | throughput /s | p95 ms (valid) | right images | wrong images | malformed refused "
              "| malformed accepted | errors | RSS before → after MiB (peak) | answers after |",
              "|---|---|---|---|---|---|---|---|---|---|---|",
              f"| {load['requests']} | {load['seconds']} | {load['throughput_per_s']} | {load['p95_ms']} | "
              f"{load['right_images']} | {load['wrong_images']} | {load['malformed_refused']} | "
              f"{load['malformed_accepted']} | {load['errors']} | {load['rss_before_mib']} → {load['rss_after_mib']} "
              f"({load['peak_rss_mib']}) | {'yes' if load['answers_after'] else 'no'} |", "",
              footer(result["provenance"])]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-dir", default="runs/explore")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=20)
    args = parser.parse_args()
    result = {"provenance": provenance()}
    runs = train(Path(args.runs_dir))
    names = list(runs)
    index = {name: i for i, name in enumerate(names)}
    server = Server([runs[n] for n in names])
    try:
        result["latency"] = []
        for name in ("vae-mlp", "ae-conv"):
            code_size = load(runs[name]).transform(np.zeros((1, 1, 28, 28), np.uint8)).shape[1]
            result["latency"].append({"model": MODELS[name][1], **round_trips(server, index[name], code_size,
                                                                               args.requests)})
            print(result["latency"][-1], file=sys.stderr)
        result["load"] = {"model": MODELS["vae-mlp"][1], **load_test(server, index["vae-mlp"], load(runs["vae-mlp"]),
                                                                    args.clients, args.per_client)}
        print(result["load"], file=sys.stderr)
        result["page"] = browser_checks(server, index)
        print(result["page"], file=sys.stderr)
    finally:
        server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "explore.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "explore.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    os.environ.setdefault("GENZOO_OFFLINE", "1")
    main()
