"""Both pages in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

Skipped, saying why, where Chromium or Playwright is missing (`.ci/run` installs both). Each test saves
a screenshot of its page under test-artifacts/ (or $HACKGRAD_TEST_ARTIFACTS).
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HACKGRAD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.path.exists("/usr/bin/chromium"):
    CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (Debian: apt-get install chromium); "
                                "the browser tests drive the system browser and never download one")
ARTIFACTS = Path(os.environ.get("HACKGRAD_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="module")
def server():
    from hackgrad.playground.server import make_server

    srv = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    """A fresh tab at 1366x768 that records every console error and uncaught exception."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda msg: pg.errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()


def _screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _number(page, selector):
    return float(page.locator(selector).get_attribute("data-value"))


def test_the_circuit_page_computes_the_guides_neuron_and_tugging_and_stepping_raise_it(server, page):
    page.goto(server.url + "circuit")
    page.wait_for_function("document.getElementById('output').textContent === '0.8808'")
    assert page.locator("#preset option:checked").text_content().startswith("a neuron")
    assert _number(page, "#output") == pytest.approx(0.8807970779778823, abs=1e-12)
    page.click("#tug")
    # while the pull travels back, the active gate shows its arithmetic: local derivative x pull = passed back
    page.wait_for_selector("#circuit text.local-note")
    assert "0.105 \u00d7 1 = 0.105" in page.locator("#circuit text.local-note").first.text_content()
    page.wait_for_selector("#circuit[data-done='1']", timeout=15000)
    grads = {k: float(page.locator(f"#grad-{k}").text_content()) for k in "abcxy"}
    assert grads == pytest.approx({"a": -0.105, "b": 0.315, "c": 0.105, "x": 0.105, "y": 0.21}, abs=1e-3)
    # every gate was drawn, with the values above the wires and the gradients below
    assert page.locator("#circuit g.gate").count() == 5
    assert page.locator("#circuit text.grad-label").count() >= 9
    _screenshot(page, "circuit.png")
    page.click("#step")  # the guide's first experiment: step 0.01 along the gradient
    page.wait_for_function("Number(document.getElementById('output').dataset.value) > 0.8808")
    assert _number(page, "#output") == pytest.approx(0.8825, abs=1e-4)
    assert float(page.locator("#change").get_attribute("data-delta")) > 0
    page.click("#check")
    page.wait_for_selector("#num-a:not([hidden])")
    assert float(page.locator("#num-b").text_content()) == pytest.approx(
        float(page.locator("#grad-b").text_content()), abs=1e-3)
    # a tug with force -1 makes a step lower the output instead
    page.fill("#force", "-1")
    before = _number(page, "#output")
    page.click("#step")
    page.wait_for_function(f"Number(document.getElementById('output').dataset.value) < {before}")
    assert page.errors == []


def test_the_circuit_page_reads_a_typed_expression_and_points_at_a_mistake(server, page):
    page.goto(server.url + "circuit")
    page.wait_for_function("document.getElementById('output').textContent !== '-'")
    page.fill("#expression", "max(x*y, x + 1")
    page.click("#draw")
    page.wait_for_selector("#error:not([hidden])")
    text = page.locator("#error").text_content()
    assert "')' closing max(" in text and text.splitlines()[-1] == " " * 14 + "^"
    page.fill("#expression", "x*y + x")
    page.click("#draw")
    page.wait_for_selector("#error", state="hidden")
    page.fill("#in-x", "3")
    page.fill("#in-y", "-2")
    page.locator("#in-y").dispatch_event("change")
    page.wait_for_function("document.getElementById('output').dataset.value === '-3'")
    page.select_option("#speed", "0")
    page.click("#tug")
    page.wait_for_selector("#circuit[data-done='1']")
    # x feeds two gates: each branch's pull is drawn, then their sum
    assert page.locator("#circuit text.branch-label").count() == 2
    assert page.locator("#grad-x").text_content() == "-1" and page.locator("#grad-y").text_content() == "3"
    assert "-2 + 1 = -1" in page.locator("#explain").text_content()
    # the browser logs the one 400 it was sent on purpose; nothing else may be in the console
    assert len(page.errors) <= 1 and all("status of 400" in e for e in page.errors), page.errors


def _stat(page, name):
    return page.locator(f'[data-stat="{name}"]').text_content()


def _ready(page):
    page.wait_for_function("document.querySelector('[data-stat=\"step\"]') !== null"
                           " && document.getElementById('network').dataset.units !== undefined")


def test_the_playground_learns_the_spiral_in_the_page(server, page):
    page.goto(server.url + "?dataset=spiral&hidden=16,16&lr=0.03&noise=0.05&seed=0&pin=1")
    _ready(page)
    assert page.locator("#dataset").input_value() == "spiral" and page.locator("#hidden").input_value() == "16, 16"
    start = time.perf_counter()
    page.click("#train")
    page.wait_for_function("parseFloat(document.querySelector('[data-stat=\"accuracy\"]').textContent) >= 95",
                           timeout=20000)
    seconds = time.perf_counter() - start
    page.click("#train")  # pause
    page.wait_for_function("document.getElementById('train').textContent === 'Train'")
    assert float(_stat(page, "test_accuracy").rstrip("%")) >= 80, _stat(page, "test_accuracy")
    # the network view sits beside the regions, whole, without scrolling at 1366x768
    for selector in ("#regions", "#network", "#curve"):
        box = page.locator(selector).bounding_box()
        inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1366
        assert inside and box["y"] + box["height"] <= 768, (selector, box)
    assert page.locator("#network").get_attribute("data-units") == str(2 + 16 + 16 + 3)
    _screenshot(page, "playground.png")
    print(f"spiral to >= 95% train accuracy in {seconds:.1f} s")
    assert page.errors == []


def test_the_playground_teaches_without_surprises(server, page, browser):
    page.goto(server.url + "?dataset=moons&n_points=60&seed=3&pin=1")
    _ready(page)
    assert _stat(page, "points") == "60 (12 test)"
    # a click adds the chosen class where it lands; shift-click the next class; ctrl-click removes it again
    box = page.locator("#regions").bounding_box()
    page.mouse.click(box["x"] + 30, box["y"] + 30)
    page.wait_for_function("document.querySelector('[data-stat=\"points\"]').textContent.startsWith('61')")
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + 60, box["y"] + 30)
    page.keyboard.up("Shift")
    page.wait_for_function("document.querySelector('[data-stat=\"points\"]').textContent.startsWith('62')")
    page.mouse.click(box["x"] + 60, box["y"] + 30, button="right")
    page.wait_for_function("document.querySelector('[data-stat=\"points\"]').textContent.startsWith('61')")
    # a change of data or network waits for Reset: Train is off meanwhile, nothing trains the old set-up
    page.fill("#hidden", "6, 5")
    page.locator("#hidden").dispatch_event("change")
    assert page.locator("#train").is_disabled() and "press Reset" in page.locator("#pending-note").text_content()
    page.keyboard.press("Space")  # the shortcut cannot start it either
    page.wait_for_timeout(400)
    assert _stat(page, "step") == "0" and page.locator("#train").text_content() == "Train"
    page.click("#reset")
    page.wait_for_function("document.getElementById('network').dataset.units === String(2 + 6 + 5 + 2)")
    assert not page.locator("#train").is_disabled() and "hidden=6%2C5" in page.url
    # errors speak the page's words: "learning rate", not "lr"
    page.fill("#lr", "0")
    page.locator("#lr").dispatch_event("change")
    page.wait_for_selector("#error:not([hidden])")
    assert page.locator("#error").text_content().startswith("learning rate must be a number in (0.0, 10.0]")
    assert "invalid" in page.locator("#lr").get_attribute("class")
    page.fill("#lr", "0.02")
    page.locator("#lr").dispatch_event("change")
    page.wait_for_selector("#error", state="hidden")
    assert "lr=0.02" in page.url
    page.click("#step")
    page.wait_for_function("document.querySelector('[data-stat=\"step\"]').textContent === '1'")
    # a second tab is a second learner: its own model, untouched by this one
    other = page.context.new_page()
    other.goto(server.url)
    other.wait_for_function("document.querySelector('[data-stat=\"step\"]') !== null")
    assert other.locator('[data-stat="step"]').text_content() == "0"
    other.close()
    assert _stat(page, "step") == "1"
    # canvases are drawn at the screen's resolution
    hi = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=2).new_page()
    hi.goto(server.url)
    hi.wait_for_function("document.getElementById('regions').width === 840")
    hi.context.close()
    # pinned, Reset gives the same initial weights; unpinned, new ones (on the same points)
    shots = []
    for pinned in (True, True, False):
        page.set_checked("#pin", pinned)
        drawn = page.locator("#network").get_attribute("data-drawn")
        page.click("#reset")
        page.wait_for_function(f"document.getElementById('network').dataset.drawn !== '{drawn}'")
        shots.append(page.locator("#network").screenshot())
    assert shots[0] == shots[1] and shots[1] != shots[2]
    # the 400 asked for above (learning rate 0) is the only console error
    assert len(page.errors) <= 1 and all("status of 400" in e for e in page.errors), page.errors
