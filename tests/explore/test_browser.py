"""The explorer's page in a real headless Chromium (Playwright for Python, Debian's ``chromium``): it loads cleanly,
the map, sliders, interpolation, drawing pad and toy lab do what they show; and the static report fits its window.

Skipped, with the reason, where Playwright or Chromium cannot be had. With ``GENZOO_SCREENSHOTS=DIR`` the tests
also save what they see there.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from .explore_client import RUNS

pytestmark = pytest.mark.slow  # subprocesses, kills or a browser: seconds each

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install "
                                 "playwright; .ci/run installs it)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium on PATH (apt-get install -y chromium; .ci/run installs it)", allow_module_level=True)

INDEX = {name: i for i, name in enumerate(RUNS)}
SHOTS = os.environ.get("GENZOO_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """The page, loaded with its first run chosen and its toy lab open; console errors collected in ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.goto(server.url)
    tab.wait_for_function("window.genzooState.lab !== null && window.genzooState.ready === 0", timeout=30_000)
    yield tab
    context.close()


def pixels(page, selector: str) -> np.ndarray:
    """The RGBA pixels of an ``<img>`` at its natural size, read back through a canvas."""
    values = page.evaluate("""(selector) => {
        const img = document.querySelector(selector);
        const c = document.createElement("canvas");
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext("2d");
        g.drawImage(img, 0, 0);
        return Array.from(g.getImageData(0, 0, c.width, c.height).data);
    }""", selector)
    return np.array(values, np.uint8)


def wait_for_new_image(page, selector: str, before: str) -> None:
    page.wait_for_function("([s, b]) => document.querySelector(s).src !== b && document.querySelector(s).complete",
                           arg=[selector, before], timeout=20_000)


def choose_run(page, name: str) -> None:
    page.select_option("#run", str(INDEX[name]))
    page.wait_for_function(f"window.genzooState.ready === {INDEX[name]}")
    page.wait_for_timeout(300)  # the chosen image's neighbours and decode settle


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_the_page_loads_with_no_console_errors_for_every_run(page):
    for name in RUNS:
        choose_run(page, name)
        assert page.inner_text("#status") == "", name
        hidden = page.evaluate("['#map-section', '#gen-section', '#denoise-section']"
                               ".map((s) => document.querySelector(s).hidden)")
        assert hidden == [name == "gan", name not in ("vae", "gan"), name != "dae"], name
    assert page.errors == []


def test_clicking_empty_map_space_decodes_a_new_image(page):
    choose_run(page, "vae")
    before_src = page.get_attribute("#decoded", "src")
    before = pixels(page, "#decoded")
    page.click("#map", position={"x": 8, "y": 8})  # a corner: no test point there
    wait_for_new_image(page, "#decoded", before_src)
    assert not np.array_equal(pixels(page, "#decoded"), before)
    assert page.get_attribute("#map", "data-marker") != ""
    assert page.errors == []


def test_moving_a_slider_changes_the_decoded_image(page):
    choose_run(page, "conv")
    assert page.locator("#sliders input").count() == 32
    before_src = page.get_attribute("#decoded", "src")
    before = pixels(page, "#decoded")
    slider = page.locator("#slider-0")
    slider.evaluate("(s) => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
    wait_for_new_image(page, "#decoded", before_src)
    assert not np.array_equal(pixels(page, "#decoded"), before)
    assert page.errors == []


def test_the_interpolation_strip_has_the_asked_frames_beside_another_run(page):
    choose_run(page, "ae")
    page.fill("#interp-frames", "7")
    page.select_option("#interp-other", str(INDEX["vae"]))
    page.click("#interp-go")
    page.wait_for_function("document.querySelectorAll('#strip-other img').length > 0")
    assert page.locator("#strip img").count() == 7
    assert page.locator("#strip-other img").count() == 7
    shot(page, "explore-ae-vae")
    assert page.errors == []


def test_a_stroke_on_the_pad_moves_the_marker_on_the_map(page):
    choose_run(page, "ae")
    assert page.get_attribute("#map", "data-draw-marker") == ""
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()

    def stroke(points):
        page.mouse.move(box["x"] + points[0][0] * box["width"], box["y"] + points[0][1] * box["height"])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
        page.mouse.up()

    stroke([(0.5, 0.1), (0.5, 0.9)])  # a 1
    page.wait_for_function("document.querySelector('#map').dataset.drawMarker !== ''")
    page.wait_for_timeout(300)
    first = page.get_attribute("#map", "data-draw-marker")
    stroke([(0.15, 0.2), (0.85, 0.2), (0.85, 0.8), (0.15, 0.8), (0.15, 0.2)])  # a 0 over it
    page.wait_for_function(f"document.querySelector('#map').dataset.drawMarker !== '{first}'")
    assert page.locator("#draw-nb img").count() == 6
    assert page.errors == []


def test_the_toy_lab_advances_and_its_coverage_figure_changes(page):
    assert page.inner_text("#lab-steps") == "0"
    start = page.inner_text("#lab-hq")
    page.check("#lab-arrows")
    for clicks in range(1, 6):
        page.click("#lab-step")
        page.wait_for_function(f"document.querySelector('#lab-steps').textContent === '{10 * clicks}'")
    assert page.inner_text("#lab-hq") != start
    assert page.evaluate("window.genzooState.lab.arrows.length") == 200
    page.click("#lab-run")
    page.wait_for_function("Number(document.querySelector('#lab-steps').textContent) >= 100", timeout=60_000)
    page.click("#lab-run")
    shot(page, "explore-lab")
    assert page.errors == []


def test_the_denoising_view_shows_psnr_and_updates_with_the_level(page):
    choose_run(page, "dae")
    page.wait_for_function("document.querySelector('#psnr-denoised').textContent.endsWith('dB')")
    noisy = page.inner_text("#psnr-noisy")
    page.locator("#level").evaluate("(s) => { s.value = 0.9; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function(f"document.querySelector('#psnr-noisy').textContent !== '{noisy}'")
    shot(page, "explore-dae")
    assert page.errors == []


def test_the_static_report_fits_a_1280_px_window(browser, explore_runs, tmp_path):
    """The comparison table of many runs scrolls in its own box instead of widening the page."""
    from genzoo.cli import main

    runs = [str(explore_runs[name]) for name in ("pca", "ae", "vae", "dae")]
    assert main(["report", *runs, "--out", str(tmp_path / "report.html"), "--fd-samples", "0"]) == 0
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto((tmp_path / "report.html").as_uri())
    time.sleep(0.2)
    widths = tab.evaluate("[document.documentElement.scrollWidth, document.querySelector('table').scrollWidth]")
    tab.close()
    assert widths[0] <= 1280 < widths[1]  # the page fits; the table inside it is wider and scrolls


def test_with_no_run_the_page_is_the_toy_lab_alone(browser):
    import threading

    from genzoo.explore import make_server

    srv = make_server([], port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    tab = browser.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        tab.goto(srv.url)
        tab.wait_for_function("window.genzooState.lab !== null")
        assert tab.inner_text("#run-info") == "no run given: the toy lab alone"
        assert tab.evaluate("['#map-section', '#gen-section'].map((s) => document.querySelector(s).hidden)") == [True, True]
        tab.select_option("#lab-data", "grid25")
        tab.wait_for_function("window.genzooState.lab.data === 'grid25'")
        assert tab.inner_text("#lab-coverage").endswith(" / 25")
        assert errors == []
    finally:
        tab.close()
        srv.shutdown()
        srv.server_close()
