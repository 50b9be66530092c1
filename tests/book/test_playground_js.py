"""The browser playground (``book/_static/playground/``) and the Sphinx directive that places it.

* Maths: in headless Chromium, the JavaScript network is given fixed weights and a fixed batch, and its
  forward pass and one SGD step (loss, every dW and db, the updated weights) are compared in float64
  with course_pkg's NumPy track on the same weights, for a 2-layer and a 3-layer network, each hidden
  activation, with and without L2. Mutants (a wrong activation derivative in the page, the other L2
  convention in the reference) must fail the same comparison.
* Data and initialisation: the JavaScript data sets follow the recipes of ``course_pkg.data``; initial
  weights follow ``MLP``'s rule (He-normal for ReLU layers, Glorot-uniform otherwise).
* Behaviour: on the harness page (``playground_harness.html``), at desktop and phone widths, training
  on XOR lowers the loss and repaints the boundary, with no console error and no sideways scrolling.
  :func:`playground_problems` takes any URL, so the site test can run it on the built book too.
* The directive: a small Sphinx build links the JavaScript and CSS only from the page that uses it.

Browser tests skip, saying why, without Debian's ``chromium`` and ``chromium-driver``, unless
``COURSE_REQUIRE_BROWSER=1`` (then they fail), as the site test does.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from course_pkg import data, settings
from course_pkg.numpy_nn import MLP, SGD

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "book" / "_static" / "playground"
HARNESS = "tests/book/playground_harness.html"  # served from the repository root
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

# float64 on both sides: only the order of additions differs, so the results agree to ~1e-15. Entries
# whose terms cancel (a bias gradient summed over the batch) can be tiny next to the rest of their
# array, so the tolerance is relative to each entry and to the array's largest entry.
RTOL = 1e-12


# --------------------------------------------------------------------------- the browser


def start_chromium():
    """Start headless Chromium through chromedriver, with the browser log recorded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if settings.require_browser():
            pytest.fail("COURSE_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
        pytest.skip("headless Chromium not found: install Debian's chromium and chromium-driver "
                    "(make test does this when it runs as root)")
    driver = start_chromium()
    yield driver
    driver.quit()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


def serve(folder: Path):
    """Serve ``folder`` on an ephemeral loopback port; return (base URL, server) (call .shutdown())."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd


@pytest.fixture(scope="module")
def repo_url():
    url, httpd = serve(ROOT)
    yield url
    httpd.shutdown()
    httpd.server_close()


def open_page(driver, url: str, *, width: int = 1280, height: int = 900):
    """Open ``url`` in a viewport of width x height CSS pixels (a phone's when narrow) and wait for the
    playground's scripts. The browser log is emptied first, so that it holds this page's messages only."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get_log("browser")
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && !!window.nnPlayground"
        " && !!window.nnPlayground.instances && nnPlayground.instances.length > 0"))


@pytest.fixture()
def harness(browser, repo_url):
    """The harness page at desktop width, freshly loaded (so no test sees another's changes)."""
    open_page(browser, repo_url + HARNESS)
    return browser


# --------------------------------------------------------------------------- maths against the NumPy track

# Runs in the page: build the network from the given weights, forward, one SGD step.
_ONE_STEP_JS = """
const [weights, activation, X, y, learningRate, l2] = arguments;
const nn = nnPlayground.nn;
const net = nn.mlpFromWeights(weights, activation);
const fwd = nn.forward(net, X);
const { loss, grads } = nn.lossAndGrads(net, X, y, l2);
nn.sgdStep(net, grads, learningRate);
return { hidden: fwd.A.slice(1, -1), probs: fwd.probs, loss,
         grads: grads.flatMap((g) => [g.W, g.b]), updated: nn.getWeights(net) };
"""


def numpy_track_step(layer_sizes, activation, weights, X, y, learning_rate, l2, *, l2_grad_factor=2.0):
    """The same forward pass and SGD step with course_pkg's MLP (float64).

    L2 is added as Keras adds ``kernel_regularizer=L2(l2)``: ``l2 * sum(W**2)`` to the loss and
    ``l2_grad_factor * l2 * W`` to each dW (2, the right factor, unless a test asks for a mutant).
    """
    net = MLP(layer_sizes, hidden_activation=activation, output_activation="softmax", dtype="float64")
    net.set_weights([np.array(w, dtype=np.float64) for w in weights])
    hidden, A = [], X
    for layer in net.layers[:-1]:
        A = layer.forward(A)  # (N, M) of each hidden layer
        hidden.append(A)
    probs = net.forward(X)  # (N, C)
    params = net.params()
    kernels = [key for key in params if key.endswith("/W")]  # "hidden_1/W", ..., "output/W"
    loss = net.loss_and_grads(X, y) + l2 * sum(float(np.sum(params[key] ** 2)) for key in kernels)
    grads = net.grads()
    for key in kernels:
        grads[key] += l2_grad_factor * l2 * params[key]
    step_grads = [grads[key].copy() for key in params]  # [dW1, db1, dW2, db2, ...]
    SGD(learning_rate=learning_rate).step(params, grads)
    return {"hidden": hidden, "probs": probs, "loss": loss, "grads": step_grads, "updated": net.get_weights()}


def mismatches(js: dict, ref: dict) -> list[str]:
    """Names of the quantities where the page and the NumPy track disagree beyond RTOL."""
    found = []

    def compare(name, got, expected):
        got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
        if got.shape != expected.shape:
            found.append(f"{name}: shape {got.shape} in the page, {expected.shape} in the NumPy track")
            return
        scale = float(np.abs(expected).max()) if expected.size else 0.0
        error = np.abs(got - expected)
        if not np.all(error <= RTOL * np.abs(expected) + RTOL * scale):
            found.append(f"{name}: largest difference {error.max():.3g} (largest entry {scale:.3g})")

    for k, (got, expected) in enumerate(zip(js["hidden"], ref["hidden"], strict=True)):
        compare(f"hidden layer {k + 1} activations", got, expected)
    compare("output probabilities", js["probs"], ref["probs"])
    compare("loss", js["loss"], ref["loss"])
    names = [f"{kind}{i + 1}" for i in range(len(ref["grads"]) // 2) for kind in ("W", "b")]
    for name, got, expected in zip(names, js["grads"], ref["grads"], strict=True):
        compare(f"d{name}", got, expected)
    for name, got, expected in zip(names, js["updated"], ref["updated"], strict=True):
        compare(f"updated {name}", got, expected)
    return found


def fixed_case(layer_sizes, seed):
    """Weights, a batch of 7 points and labels, all from one seed. Weights of about unit size put the
    pre-activations on both sides of 0 (ReLU active and not) and into the curved part of tanh/sigmoid."""
    gen = np.random.default_rng(seed)
    weights = []
    for fan_in, units in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights += [gen.normal(0.0, 1.2, size=(fan_in, units)), gen.normal(0.0, 0.5, size=units)]
    X = gen.normal(0.0, 1.0, size=(7, layer_sizes[0]))  # (N, D)
    y = gen.integers(0, layer_sizes[-1], size=7)  # (N,)
    return weights, X, y


NETWORKS = {"2-layer": [2, 5, 3], "3-layer": [2, 4, 3, 2]}
LEARNING_RATE = 0.3


@pytest.mark.parametrize("l2", [0.0, 0.05], ids=["no L2", "L2"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("network", list(NETWORKS))
def test_forward_and_one_step_match_numpy_track(harness, network, activation, l2):
    sizes = NETWORKS[network]
    weights, X, y = fixed_case(sizes, seed=len(sizes) * 10 + len(activation))
    js = harness.execute_script(_ONE_STEP_JS, [w.tolist() for w in weights], activation, X.tolist(),
                                y.tolist(), LEARNING_RATE, l2)
    ref = numpy_track_step(sizes, activation, weights, X, y, LEARNING_RATE, l2)
    assert not mismatches(js, ref), "\n".join(mismatches(js, ref))
    if activation == "relu":  # the case exercises both sides of the ReLU
        Z1 = X @ weights[0] + weights[1]
        assert (Z1 > 0).any() and (Z1 < 0).any()


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_a_wrong_activation_derivative_in_the_page_is_caught(harness, activation):
    """Mutant: the page forgets the hidden activation's derivative (dZ = dA); the comparison must fail."""
    sizes = NETWORKS["3-layer"]
    weights, X, y = fixed_case(sizes, seed=7)
    harness.execute_script("nnPlayground.nn.ACTIVATIONS[arguments[0]].grad = () => 1;", activation)
    js = harness.execute_script(_ONE_STEP_JS, [w.tolist() for w in weights], activation, X.tolist(),
                                y.tolist(), LEARNING_RATE, 0.0)
    found = mismatches(js, numpy_track_step(sizes, activation, weights, X, y, LEARNING_RATE, 0.0))
    assert any(name.startswith("dW1") for name in found), found
    assert not any(name.startswith(("hidden", "output", "loss", "dW3", "db3")) for name in found), (
        "the forward pass and the output layer's gradients do not use the derivative: " + str(found))


@pytest.mark.parametrize("factor", [1.0, 0.0], ids=["l2 * W (the l2/2 convention)", "no L2 gradient"])
def test_a_wrong_l2_gradient_is_caught(harness, factor):
    """The comparison tells the page's 2 * l2 * W from the other conventions, on every weight matrix."""
    sizes = NETWORKS["3-layer"]
    weights, X, y = fixed_case(sizes, seed=11)
    js = harness.execute_script(_ONE_STEP_JS, [w.tolist() for w in weights], "tanh", X.tolist(),
                                y.tolist(), LEARNING_RATE, 0.05)
    found = mismatches(js, numpy_track_step(sizes, "tanh", weights, X, y, LEARNING_RATE, 0.05,
                                            l2_grad_factor=factor))
    assert {f"dW{i}" for i in (1, 2, 3)} <= {name.split(":")[0] for name in found}, found
    assert not any(name.startswith(("db", "loss")) for name in found), found


def test_the_page_refuses_a_batch_that_does_not_fit(harness):
    messages = harness.execute_script("""
        const nn = nnPlayground.nn, net = nn.createMLP([2, 3, 2], "tanh", nn.makeRng(0)), messages = [];
        for (const call of [() => nn.forward(net, [[1, 2, 3]]), () => nn.lossAndGrads(net, [[1, 2]], [2]),
                            () => nn.lossAndGrads(net, [[1, 2]], [1], -0.1)]) {
          try { call(); messages.push("no error"); } catch (error) { messages.push(error.message); }
        }
        return messages;""")
    assert messages[0].startswith("forward: expected X as a non-empty array of rows of 2 numbers")
    assert messages[1].startswith("lossAndGrads: expected y as 1 integer labels in 0 .. 1")
    assert messages[2] == "lossAndGrads: expected l2 >= 0; got -0.1."


# --------------------------------------------------------------------------- data and initialisation


@pytest.mark.parametrize(
    ("name", "js_call", "reference"),
    [
        ("xor", "makeXor(8, 0, rng)", lambda: data.make_xor(8, noise=0.0, seed=0)),
        ("moons", "makeMoons(21, 0, rng)", lambda: data.make_moons(21, noise=0.0, seed=0)),
        ("circles", "makeCircles(21, 0, 0.5, rng)", lambda: data.make_circles(21, noise=0.0, factor=0.5, seed=0)),
        ("spiral", "makeSpiral(31, 3, 0, rng)", lambda: data.make_spiral(31, n_classes=3, noise=0.0, seed=0)),
    ],
)
def test_data_sets_follow_the_python_recipes(harness, name, js_call, reference):
    """Without noise the recipes are deterministic: the same points with the same labels, in any order."""
    got = harness.execute_script(f"const rng = nnPlayground.nn.makeRng(0); return nnPlayground.nn.{js_call};")
    X, y = np.asarray(got["X"]), np.asarray(got["y"])
    X_ref, y_ref = reference()
    assert X.shape == X_ref.shape and np.bincount(y).tolist() == np.bincount(y_ref).tolist()
    for k in np.unique(y_ref):  # every point has a twin of the same class on the other side
        distance = np.linalg.norm(X[y == k][:, None, :] - X_ref[y_ref == k][None, :, :], axis=2)
        assert distance.min(axis=0).max() < 1e-6 and distance.min(axis=1).max() < 1e-6, f"class {k}"
    assert y.tolist() != sorted(y.tolist()), "the rows should come out shuffled, as in course_pkg.data"


def test_playground_data_sets_have_the_python_playgrounds_sizes_and_are_standardised(harness):
    python_gallery = {  # the parameters of book/part1/playground.ipynb's DATASETS
        "xor": data.make_xor(200, noise=0.15, seed=0),
        "circles": data.make_circles(200, noise=0.1, seed=0),
        "moons": data.make_moons(200, noise=0.15, seed=0),
        "spiral": data.make_spiral(300, n_classes=3, noise=0.2, seed=0),
        "blobs": data.make_blobs(200, centers=3, cluster_std=1.0, seed=0),
    }
    for name, (X_ref, y_ref) in python_gallery.items():
        got = harness.execute_script("return nnPlayground.nn.loadDataset(arguments[0]);", name)
        X, y = np.asarray(got["X"]), np.asarray(got["y"])
        assert X.shape == X_ref.shape, name
        assert np.bincount(y).tolist() == np.bincount(y_ref).tolist(), name
        assert got["nClasses"] == y_ref.max() + 1, name
        np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12, err_msg=name)
    blobs = harness.execute_script("return nnPlayground.nn.makeBlobs(3000, 3, 0.5, nnPlayground.nn.makeRng(4));")
    X, y = np.asarray(blobs["X"]), np.asarray(blobs["y"])
    for k in range(3):  # noise of the stated standard deviation around a centre in [-5, 5]^2
        assert np.all(np.abs(X[y == k].mean(axis=0)) < 5.1)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, rtol=0.1)


def test_seeded_generator_is_reproducible_and_normal(harness):
    draws = harness.execute_script("""
        const a = nnPlayground.nn.makeRng(3), b = nnPlayground.nn.makeRng(3), c = nnPlayground.nn.makeRng(4);
        const normals = Array.from({ length: 20000 }, () => a.standardNormal());
        return { normals, again: Array.from({ length: 20000 }, () => b.standardNormal()).slice(0, 5),
                 other: c.standardNormal(), uniforms: Array.from({ length: 20000 }, () => a.random()) };""")
    z, u = np.asarray(draws["normals"]), np.asarray(draws["uniforms"])
    assert draws["again"] == draws["normals"][:5] and draws["other"] != draws["normals"][0]
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03 and abs(np.mean(np.abs(z) < 1) - 0.6827) < 0.015
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.003


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_initial_weights_follow_the_mlp_rule(harness, activation):
    """He-normal (truncated at 2 std, as Keras) for ReLU layers, Glorot-uniform otherwise; zero biases."""
    sizes = [2, 300, 200, 3]
    layers = harness.execute_script(
        "return nnPlayground.nn.createMLP(arguments[0], arguments[1], nnPlayground.nn.makeRng(5)).layers;",
        sizes, activation)
    for i, layer in enumerate(layers):
        W, fan_in, fan_out = np.asarray(layer["W"]), sizes[i], sizes[i + 1]
        assert W.shape == (fan_in, fan_out) and not np.any(layer["b"])
        if layer["activation"] == "relu":
            std = np.sqrt(2 / fan_in)
            assert np.abs(W).max() <= 2 * std / 0.87962566103423978 + 1e-12
            assert abs(W.std() / std - 1) < (0.15 if W.size < 1000 else 0.03), f"layer {i}"
        else:
            limit = np.sqrt(6 / (fan_in + fan_out))
            assert np.abs(W).max() <= limit
            assert abs(W.std() / (limit / np.sqrt(3)) - 1) < (0.15 if W.size < 1000 else 0.03), f"layer {i}"
    assert [layer["activation"] for layer in layers] == [activation, activation, "softmax"]


# --------------------------------------------------------------------------- behaviour on a page


# What playground_problems trains, chosen with the page's own controls: XOR with one hidden layer of 4
# tanh units, learning rate 0.1, batch size 32, no L2. Its loss falls clearly within 40 epochs (about
# one second of playing), whatever the page started with.
XOR_SETTINGS = {"dataset": "xor", "hiddenLayers": "1", "units": "4", "activation": "tanh", "learningRate": "0.1",
                "batchSize": "32", "l2": "0"}
EPOCHS = 40

_KEEP_BOUNDARY_JS = """
const canvas = arguments[0].querySelector("canvas.nnp-boundary");
window.nnpBoundaryBefore = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data.slice();
"""
_BOUNDARY_CHANGE_JS = """
const canvas = arguments[0].querySelector("canvas.nnp-boundary");
const now = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
const before = window.nnpBoundaryBefore;
let changed = 0;
for (let i = 0; i < now.length; i += 4) {  // r, g, b, alpha: a pixel whose colour moved by more than 24 levels
  let moved = 0;
  for (let k = i; k < i + 3; k++) moved += Math.abs(now[k] - before[k]);
  if (moved > 24) changed++;
}
return changed / (now.length / 4);
"""


def playground_problems(driver, url: str, *, width: int, seconds: float = 20.0) -> list[str]:
    """Train the first playground at ``url`` on XOR and list what went wrong (empty: all is well).

    Opens the page in a ``width``-pixel viewport (phone emulation below 600 px), sets XOR_SETTINGS,
    presses Play until EPOCHS epochs have run (at most ``seconds``: a generous bound for a busy
    machine), then Pause. Checks: the epochs ran, the epoch loss fell, the boundary canvas was
    repainted, Pause stopped training, the browser logged no error, and the page is no wider than
    the viewport.
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    problems = []
    open_page(driver, url, width=width)
    playground = driver.find_element(By.CSS_SELECTOR, ".nn-playground")
    for key, value in XOR_SETTINGS.items():
        Select(playground.find_element(By.CSS_SELECTOR, f"select[id$='-{key}']")).select_by_value(value)
    driver.execute_script(_KEEP_BOUNDARY_JS, playground)
    play = playground.find_element(By.CSS_SELECTOR, "button.nnp-play")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", play)
    play.click()
    deadline = time.monotonic() + seconds
    epochs_run = "return nnPlayground.instances[0].trainer.epoch"
    while time.monotonic() < deadline and driver.execute_script(epochs_run) < EPOCHS:
        time.sleep(0.2)
    play.click()  # now labelled Pause
    loss = driver.execute_script("return nnPlayground.instances[0].trainer.history.loss")
    if len(loss) < EPOCHS:
        problems.append(f"only {len(loss)} of {EPOCHS} epochs in {seconds} s of playing: the training loop "
                        "is stuck or slow")
    if len(loss) >= 2 and not loss[-1] < 0.9 * loss[0]:
        problems.append(f"the loss did not fall on XOR: {loss[0]:.4f} in the first epoch, "
                        f"{loss[-1]:.4f} in epoch {len(loss)}")
    changed = driver.execute_script(_BOUNDARY_CHANGE_JS, playground)
    if changed < 0.02:
        problems.append(f"the boundary canvas barely changed while training ({changed:.1%} of its pixels)")
    if driver.execute_script("return nnPlayground.instances[0].playing"):
        problems.append("the Pause button did not stop training")
    problems += [f"console: {e['message']}" for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    page_width = driver.execute_script("return document.documentElement.scrollWidth")
    if page_width > width:
        wide = driver.execute_script(
            "return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right"
            " > arguments[0] + 0.5).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)", width)
        problems.append(f"the page is {page_width} px wide in a {width} px viewport; too wide: {wide}")
    return problems


@pytest.mark.parametrize("width", [1280, 390])
def test_playground_trains_on_the_harness_page(browser, repo_url, width):
    problems = playground_problems(browser, repo_url + HARNESS, width=width)
    assert not problems, "\n".join(problems)


def test_controls_are_labelled_and_work_from_the_keyboard(harness):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    unlabelled = harness.execute_script(
        "return Array.from(document.querySelectorAll('.nn-playground select, .nn-playground input'))"
        ".filter(e => e.labels.length === 0 || !e.labels[0].textContent.trim()).map(e => e.id)")
    assert not unlabelled
    names = [b.text for b in harness.find_elements(By.CSS_SELECTOR, ".nn-playground button")]
    assert names == ["Play", "Step", "Reset"]
    step = harness.find_element(By.CSS_SELECTOR, "button.nnp-step")
    step.send_keys(Keys.ENTER)  # focus it and press Enter: one epoch
    assert harness.execute_script("return nnPlayground.instances[0].trainer.epoch") == 1
    units = harness.find_element(By.CSS_SELECTOR, "select[id$='-units']")
    units.send_keys(Keys.ARROW_DOWN)  # 4 -> 5 units: a new network, back at epoch 0
    assert harness.execute_script("const p = nnPlayground.instances[0];"
                                  " return [p.trainer.epoch, p.trainer.net.layerSizes]") == [0, [2, 5, 2]]
    assert len(harness.find_elements(By.CSS_SELECTOR, ".nnp-unit-grid canvas")) == 5


def test_dark_mode_repaints_in_dark_colours(harness):
    def background_luminance():
        return harness.execute_script(
            "const c = document.querySelector('.nn-playground canvas.nnp-loss');"
            "const [r, g, b] = c.getContext('2d').getImageData(2, 2, 1, 1).data; return (r + g + b) / 3;")

    assert background_luminance() > 200
    harness.execute_script("document.documentElement.dataset.theme = 'dark';")  # what the theme's switch does
    time.sleep(0.2)
    assert background_luminance() < 60


def test_divergence_stops_training_with_a_message(harness):
    """ReLU layers are unbounded: a huge learning rate makes the outputs overflow, as in MLP.fit."""
    message = harness.execute_script("""
        const p = nnPlayground.instances[0];
        p.settings.activation = "relu";
        p.reset();
        p.trainer.learningRate = 1e6;
        for (let i = 0; i < 20 && !p.diverged; i++) p.step();
        return [p.diverged, p.playing, document.querySelector('.nnp-alert').textContent];""")
    assert message[:2] == [True, False]
    assert "smaller learning rate" in message[2]
    assert not [e for e in harness.get_log("browser") if e.get("level") == "SEVERE"]


def load_extension():
    """The directive's module, book/_ext/playground.py, imported from its file."""
    spec = importlib.util.spec_from_file_location("playground_extension", ROOT / "book" / "_ext" / "playground.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_offers_the_choices_the_directive_accepts(harness):
    offered = harness.execute_script(
        "return Object.fromEntries(nnPlayground.SETTINGS.map(s => [s.key, s.choices.map(String)]))")
    camel_case = functools.partial(re.sub, r"-(\w)", lambda m: m.group(1).upper())  # hidden-layers -> hiddenLayers
    accepted = {camel_case(name): [str(c) for c in choices] for name, choices in load_extension().CHOICES.items()}
    assert accepted == offered


# --------------------------------------------------------------------------- the Sphinx directive

_PAGES = {
    "index.md": "# Test book\n\n```{toctree}\nwith_playground\nwithout_playground\n```\n",
    "with_playground.md": ("# With\n\n```{nn-playground}\n:dataset: spiral\n:hidden-layers: 2\n:units: 8\n"
                           ":activation: relu\n:learning-rate: 0.03\n:l2: 1e-3\n:seed: 3\n```\n"),
    "without_playground.md": "# Without\n\nNo playground here.\n",
}


def build_site(folder: Path, pages: dict[str, str]) -> subprocess.CompletedProcess:
    """Build ``pages`` (MyST) with the extension, as the book does, warnings as errors."""
    source = folder / "source"
    source.mkdir(parents=True)
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'playground']\nproject = 'playground test'\n"
        "html_favicon = 'favicon.svg'  # else the browser asks for /favicon.ico and logs a 404\n",
        encoding="utf-8")
    (source / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    for name, text in pages.items():
        (source / name).write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(source), str(folder / "html")]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("playground_site")
    result = build_site(folder, _PAGES)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "html"


def test_directive_writes_the_container_and_links_assets_only_where_used(mini_site):
    page = (mini_site / "with_playground.html").read_text(encoding="utf-8")
    assert ('<div class="nn-playground" data-activation="relu" data-dataset="spiral" data-hidden-layers="2" '
            'data-l2="0.001" data-learning-rate="0.03" data-seed="3" data-units="8">') in page
    for asset in ("playground/nn.js", "playground/playground.js", "playground/playground.css"):
        assert f"_static/{asset}?v=" in page, asset  # with Sphinx's checksum: the file existed when linked
    assert page.index("playground/nn.js") < page.index("playground/playground.js")
    for other in ("without_playground.html", "index.html", "search.html", "genindex.html"):
        assert "playground/" not in (mini_site / other).read_text(encoding="utf-8"), other
    for name in ("nn.js", "playground.js", "playground.css"):
        assert (mini_site / "_static" / "playground" / name).read_bytes() == (ASSETS / name).read_bytes()


def test_directive_rejects_a_value_the_page_does_not_offer(tmp_path):
    result = build_site(tmp_path, {"index.md": "# Bad\n\n```{nn-playground}\n:activation: softsign\n```\n"})
    assert result.returncode != 0
    assert "activation" in result.stderr and "expected one of tanh, relu, sigmoid; got 'softsign'" in result.stderr


def test_playground_trains_on_a_page_built_with_the_directive(browser, mini_site):
    url, httpd = serve(mini_site)
    try:
        open_page(browser, url + "with_playground.html")
        page_settings = browser.execute_script("return nnPlayground.instances[0].settings")
        problems = playground_problems(browser, url + "with_playground.html", width=1280)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert page_settings == {"dataset": "spiral", "hiddenLayers": 2, "units": 8, "activation": "relu",
                        "learningRate": 0.03, "batchSize": 32, "l2": 0.001, "seed": 3}  # the directive's options
    assert not problems, "\n".join(problems)
