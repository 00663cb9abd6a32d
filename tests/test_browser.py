"""The draw-a-digit page in a real browser: Debian's Chromium driven by Playwright (no browser
download) draws a real MNIST test digit's strokes on the canvas of `yingshe serve` running a
trained LeNet-5, and the page must show the digit's class first.  Saves the screenshot to
docs/results/deploy_page.png."""
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                                reason="Chromium is not installed (apt-get install chromium)")
playwright_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

from serve_run import lenet_run
from yingshe.serve import create_app

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "results" / "deploy_page.png"
SCALE = 10  # the 280 x 280 canvas over the 28 x 28 digit


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`yingshe serve`'s app on a free loopback port, in a thread of this process."""
    run = lenet_run(tmp_path_factory)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(run), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


def _strokes(image, threshold=0.5):
    """The digit as horizontal pen strokes: one per run of inked pixels in each row."""
    for row in range(image.shape[0]):
        ink = np.flatnonzero(image[row] > threshold)
        if ink.size == 0:
            continue
        breaks = np.flatnonzero(np.diff(ink) > 1)
        for start, stop in zip(np.r_[ink[0], ink[breaks + 1]], np.r_[ink[breaks], ink[-1]]):
            yield row, int(start), int(stop)


def test_draw_a_digit_shows_its_class(server, tmp_path):
    from yingshe.datasets import default_root
    from yingshe.vision.datasets import MNIST
    image, label = MNIST(str(default_root()), train=False)[0]
    image = np.asarray(image, np.float32) / 255.0
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 700, "height": 760})
            page.goto(server)
            page.wait_for_function("document.getElementById('title').textContent"
                                   ".includes('lenet5')")
            box = page.locator("#pad").bounding_box()
            for row, start, stop in _strokes(image):
                y = box["y"] + (row + 0.5) * SCALE
                page.mouse.move(box["x"] + (start + 0.5) * SCALE, y)
                page.mouse.down()
                page.mouse.move(box["x"] + (stop + 0.5) * SCALE, y, steps=3)
                page.mouse.up()
            page.wait_for_selector("#bars[data-state=ready] .bar", timeout=20_000)
            names = page.locator("#bars .bar .name").all_inner_texts()
            widths = page.locator("#bars .bar .value").all_inner_texts()
            assert len(names) == 3, names
            assert names[0].startswith(f"{label} "), (names, widths, label)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            page.click("#clear")
            assert page.locator("#bars .bar").count() == 0
            # the upload field (Fashion-MNIST photos) goes through the same preparation
            digit, digit_label = MNIST(str(default_root()), train=False)[1]
            photo = tmp_path / "photo.png"
            Image.fromarray(255 - np.asarray(digit, np.uint8)).resize((140, 140)).save(photo)
            page.set_input_files("#upload", str(photo))
            page.wait_for_selector("#bars[data-state=ready] .bar", timeout=20_000)
            first = page.locator("#bars .bar .name").first.inner_text()
            assert first.startswith(f"{digit_label} "), (first, digit_label)
        finally:
            browser.close()
