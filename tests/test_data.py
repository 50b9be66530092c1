"""Tests of course_pkg.data: loaders, the offline MNIST search, synthetic sets and preprocessing."""

from __future__ import annotations

import hashlib
import http.server
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from course_pkg import data, settings

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------


def write_fake_mnist(folder: Path, *, n_train=30, n_test=12, seed=0, drop=(), **replace) -> Path:
    """TEST FIXTURE: a tiny file in the layout of mnist.npz, random pixels — not real MNIST.

    ``drop`` leaves keys out and ``replace`` swaps arrays, to build broken files.
    """
    gen = np.random.default_rng(seed)
    arrays = {
        "x_train": gen.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": gen.integers(0, 10, size=n_train).astype(np.uint8),
        "x_test": gen.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": gen.integers(0, 10, size=n_test).astype(np.uint8),
    }
    arrays.update(replace)
    for key in drop:
        arrays.pop(key)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mnist.npz"
    np.savez_compressed(path, **arrays)
    return path



def _real_mirror() -> Path | None:
    """The offline MNIST mirror in the folder named by COURSE_DATA_DIR (the Makefile sets it), or None."""
    folder = settings.data_dir()
    if folder is None or not (folder / "mnist.npz").is_file():
        return None
    return folder / "mnist.npz"


# --------------------------------------------------------------------------------------------------
# scikit-learn tables
# --------------------------------------------------------------------------------------------------


def test_load_digits_flat_and_normalised():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(np.unique(y), np.arange(10))


def test_load_digits_images_and_raw_scale():
    raw = data.load_digits(flatten=False, normalize=False)
    assert raw.X.shape == (1797, 8, 8) and raw.X.dtype == np.float32
    assert raw.X.max() == 16.0
    flat = data.load_digits(normalize=True)
    # Row-major flattening: pixel (r, c) of the image is column 8 r + c of the flat row.
    np.testing.assert_array_equal(flat.X.reshape(-1, 8, 8) * 16, raw.X)
    assert flat.feature_names[9] == "pixel_1_1"


@pytest.mark.parametrize(
    "loader, shape, n_classes",
    [(data.load_iris, (150, 4), 3), (data.load_breast_cancer, (569, 30), 2), (data.load_wine, (178, 13), 3)],
)
def test_classification_tables(loader, shape, n_classes):
    ds = loader()
    X, y = ds  # unpacks as (X, y)
    assert X.shape == shape and X.dtype == np.float32 and np.isfinite(X).all()
    assert y.shape == shape[:1] and y.dtype == np.int64
    assert np.array_equal(np.unique(y), np.arange(n_classes))
    assert len(ds.target_names) == n_classes and len(ds.feature_names) == shape[1]


def test_iris_values_and_names():
    iris = data.load_iris()
    np.testing.assert_allclose(iris.X[0], [5.1, 3.5, 1.4, 0.2], rtol=1e-6)
    assert iris.target_names == ("setosa", "versicolor", "virginica")
    assert np.bincount(iris.y).tolist() == [50, 50, 50]
    assert "iris" in repr(iris) and "(150, 4)" in repr(iris)


def test_breast_cancer_is_unscaled_with_named_classes():
    ds = data.load_breast_cancer()
    assert ds.target_names == ("malignant", "benign")
    assert np.bincount(ds.y).tolist() == [212, 357]
    assert ds.X.max() > 1000  # "worst area": why the chapter standardises


def test_diabetes_is_regression():
    X, y = data.load_diabetes()
    assert X.shape == (442, 10) and y.dtype == np.float32
    assert data.load_diabetes().target_names == ()
    assert 25 <= y.min() and y.max() <= 346


# --------------------------------------------------------------------------------------------------
# MNIST from a file
# --------------------------------------------------------------------------------------------------


def test_load_mnist_from_course_data_dir(no_mnist, monkeypatch, tmp_path):
    path = write_fake_mnist(tmp_path / "mirror")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "mirror"))
    assert data.mnist_available() == str(path)
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    with np.load(path) as stored:
        np.testing.assert_array_equal(x_train, stored["x_train"])
        np.testing.assert_array_equal(y_test, stored["y_test"])
    assert x_train.shape == (30, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (12, 28, 28)
    assert y_train.dtype == np.int64 and y_train.shape == (30,)


def test_load_mnist_flatten_and_normalize(no_mnist, tmp_path):
    path = write_fake_mnist(tmp_path)
    (raw, _), _ = data.load_mnist(data_dir=tmp_path)
    (flat, _), (flat_test, _) = data.load_mnist(data_dir=path, flatten=True, normalize=True)
    assert flat.shape == (30, 784) and flat.dtype == np.float32 and flat_test.shape == (12, 784)
    assert 0.0 <= flat.min() and flat.max() <= 1.0
    # Row after row: pixel (r, c) lands in column 28 r + c.
    np.testing.assert_allclose(flat[:, 28 * 5 + 7], raw[:, 5, 7] / 255.0, rtol=1e-6)
    np.testing.assert_allclose(flat, raw.reshape(30, -1) / np.float32(255), rtol=1e-6)
    (as64, _), _ = data.load_mnist(data_dir=tmp_path, normalize=True, dtype="float64")
    assert as64.dtype == np.float64 and as64.shape == (30, 28, 28)


def test_load_mnist_returns_copies_the_cache_survives(no_mnist, tmp_path):
    write_fake_mnist(tmp_path)
    (x1, y1), _ = data.load_mnist(data_dir=tmp_path)
    original = x1.copy()
    x1[:] = 0  # a caller scribbling on its arrays...
    y1[:] = -1
    (x2, y2), _ = data.load_mnist(data_dir=tmp_path)
    np.testing.assert_array_equal(x2, original)  # ...does not change what the next caller gets
    assert y2.min() >= 0


def test_load_mnist_rereads_a_replaced_file(no_mnist, tmp_path):
    write_fake_mnist(tmp_path, n_train=30)
    (x1, _), _ = data.load_mnist(data_dir=tmp_path)
    write_fake_mnist(tmp_path, n_train=40, seed=1)
    (x2, _), _ = data.load_mnist(data_dir=tmp_path)
    assert len(x1) == 30 and len(x2) == 40


def test_mnist_search_order(no_mnist, monkeypatch, tmp_path):
    keras_file = write_fake_mnist(no_mnist / ".keras" / "datasets", n_train=10)
    assert data.mnist_available() == str(keras_file)  # only the Keras cache exists
    assert len(data.load_mnist()[0][0]) == 10

    env_file = write_fake_mnist(tmp_path / "env", n_train=20)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))
    assert data.mnist_available() == str(env_file)  # COURSE_DATA_DIR comes before the cache
    assert len(data.load_mnist()[0][0]) == 20

    write_fake_mnist(tmp_path / "arg", n_train=25)
    assert len(data.load_mnist(data_dir=tmp_path / "arg")[0][0]) == 25  # the argument comes first


def test_course_data_dir_without_the_file_falls_through_to_keras_cache(no_mnist, monkeypatch, tmp_path):
    keras_file = write_fake_mnist(no_mnist / ".keras" / "datasets")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "empty"))
    assert data.mnist_available() == str(keras_file)


def test_explicit_data_dir_is_the_only_place_searched(no_mnist, monkeypatch, tmp_path):
    write_fake_mnist(tmp_path / "env")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(data.DatasetNotFoundError, match="data_dir argument"):
        data.load_mnist(data_dir=tmp_path / "elsewhere")


def test_missing_mnist_error_says_where_it_looked_and_how_to_fix(no_mnist, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert data.mnist_available() is None
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist()
    message = str(info.value)
    assert isinstance(info.value, data.DatasetNotFoundError)
    assert message.startswith("load_mnist: expected the file mnist.npz")
    assert str(no_mnist / ".keras" / "datasets" / "mnist.npz") in message
    assert "COURSE_DATA_DIR is not set" in message
    assert "set COURSE_DATA_DIR" in message
    assert "downloads are switched off (COURSE_OFFLINE=1)" in message
    assert "course_pkg.data.download_mnist()" in message


def test_corrupted_file_is_reported(no_mnist, tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"this is not a zip archive" * 10)
    with pytest.raises(ValueError, match=r"load_mnist: expected .*mnist\.npz to be a NumPy \.npz archive"):
        data.load_mnist(data_dir=tmp_path)


def test_truncated_file_is_reported(no_mnist, tmp_path):
    path = write_fake_mnist(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ValueError, match="load_mnist: expected"):
        data.load_mnist(data_dir=tmp_path)


@pytest.mark.parametrize(
    "broken, message",
    [
        (dict(drop=("y_test",)), r"missing y_test"),
        (dict(x_train=np.zeros((30, 784), np.uint8)), r"x_train .* uint8 of shape \(N, 28, 28\); got uint8 of shape \(30, 784\)"),
        (dict(x_test=np.zeros((12, 28, 28), np.float32)), r"x_test .* got float32"),
        (dict(y_train=np.zeros(29, np.uint8)), r"y_train .* shape \(30,\), one per image; got uint8 of shape \(29,\)"),
        (dict(y_test=np.full(12, 10, np.uint8)), r"digits 0 to 9; got labels from 10 to 10"),
    ],
)
def test_wrong_content_is_reported(no_mnist, tmp_path, broken, message):
    write_fake_mnist(tmp_path, **broken)
    with pytest.raises(ValueError, match=message):
        data.load_mnist(data_dir=tmp_path)


def test_load_mnist_rejects_a_non_float_dtype(no_mnist, tmp_path):
    write_fake_mnist(tmp_path)
    with pytest.raises(ValueError, match="floating dtype"):
        data.load_mnist(data_dir=tmp_path, normalize=True, dtype="int32")


# --------------------------------------------------------------------------------------------------
# MNIST downloaded, against a server on the loopback address (never the internet)
# --------------------------------------------------------------------------------------------------


class _MnistServer:
    """A loopback HTTP server with one file and three ways to send it; it counts the requests.

    ``/good`` sends the file; ``/corrupt`` sends as many bytes with some flipped; ``/truncated``
    announces the full length but stops half-way, as a dropped connection does; anything else is 404.
    """

    def __init__(self, payload: bytes):
        self.payload = payload
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                server.requests.append(self.path)
                body = server.payload
                if self.path == "/corrupt":
                    middle = len(body) // 2
                    body = body[:middle] + bytes(b ^ 0xFF for b in body[middle:middle + 64]) + body[middle + 64:]
                elif self.path not in ("/good", "/truncated"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path == "/truncated":
                    body = body[: len(body) // 2]
                    self.close_connection = True
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def mnist_server(tmp_path):
    """Serve a small file in the layout of mnist.npz (the real mirror's 11 MB would only be slower)."""
    payload = write_fake_mnist(tmp_path / "served", n_train=200, n_test=50).read_bytes()
    server = _MnistServer(payload)
    yield server
    server.close()


@pytest.fixture
def online(no_mnist, monkeypatch):
    """Downloads allowed (the test suite switches them off), no proxy between us and the loopback server."""
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    return no_mnist / ".keras" / "datasets"


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def test_load_mnist_downloads_into_the_keras_cache_when_allowed(online, mnist_server, monkeypatch):
    monkeypatch.setattr(data.mnist, "MNIST_URL", f"{mnist_server.url}/good")
    monkeypatch.setattr(data.mnist, "MNIST_SHA256", _sha256(mnist_server.payload))
    assert data.mnist_available() is None

    (x_train, y_train), (x_test, _) = data.load_mnist()

    cached = online / "mnist.npz"
    assert cached.read_bytes() == mnist_server.payload
    assert _sha256(cached.read_bytes()) == _sha256(mnist_server.payload)
    assert x_train.shape == (200, 28, 28) and x_test.shape == (50, 28, 28) and y_train.dtype == np.int64
    assert sorted(p.name for p in online.iterdir()) == ["mnist.npz"]  # no temporary file left over
    data.load_mnist()  # the second call reads the cache
    assert mnist_server.requests == ["/good"]


def test_download_honours_keras_home(online, mnist_server, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    path = data.download_mnist(url=f"{mnist_server.url}/good", sha256=_sha256(mnist_server.payload),
                               progress=False)
    assert path == tmp_path / "keras_home" / "datasets" / "mnist.npz"
    assert data.mnist_available() == str(path)


@pytest.mark.parametrize(
    "route, message",
    [
        ("/corrupt", r"expected a file with SHA-256 [0-9a-f]{64} .*; got [0-9a-f]{64} \(\d+ bytes\): the file is corrupt"),
        ("/truncated", r"expected \d+ bytes from .*; got \d+ \(the transfer stopped early\)"),
        ("/missing", r"expected to download .*/missing; got HTTPError: HTTP Error 404"),
    ],
)
def test_a_bad_download_is_refused_and_leaves_nothing(online, mnist_server, route, message):
    with pytest.raises(data.DatasetDownloadError, match=message) as info:
        data.download_mnist(url=mnist_server.url + route, sha256=_sha256(mnist_server.payload), progress=False)
    assert info.value.args[0].startswith("download_mnist: expected")
    assert "Nothing was stored" in str(info.value)
    assert isinstance(info.value, data.DatasetNotFoundError)  # a chapter's one `except` catches it too
    assert not online.exists() or list(online.iterdir()) == []
    assert mnist_server.requests == [route]


def test_a_bad_download_through_load_mnist_leaves_the_next_try_clean(online, mnist_server, monkeypatch):
    monkeypatch.setattr(data.mnist, "MNIST_URL", f"{mnist_server.url}/corrupt")
    monkeypatch.setattr(data.mnist, "MNIST_SHA256", _sha256(mnist_server.payload))
    with pytest.raises(data.DatasetNotFoundError, match="corrupt"):
        data.load_mnist()
    assert data.mnist_available() is None
    monkeypatch.setattr(data.mnist, "MNIST_URL", f"{mnist_server.url}/good")
    assert data.load_mnist()[0][0].shape == (200, 28, 28)


def test_offline_fetches_nothing(online, mnist_server, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setattr(data.mnist, "MNIST_URL", f"{mnist_server.url}/good")
    monkeypatch.setattr(data.mnist, "MNIST_SHA256", _sha256(mnist_server.payload))
    with pytest.raises(data.DatasetNotFoundError) as info:
        data.load_mnist()
    assert not isinstance(info.value, data.DatasetDownloadError)  # the offline message, as before
    assert "COURSE_OFFLINE=1" in str(info.value)
    with pytest.raises(data.DatasetDownloadError, match="COURSE_OFFLINE=1, which forbids downloads"):
        data.download_mnist(url=f"{mnist_server.url}/good", sha256=_sha256(mnist_server.payload))
    assert mnist_server.requests == []
    assert not online.exists()


def test_a_named_data_dir_is_never_downloaded_into(online, mnist_server, monkeypatch, tmp_path):
    monkeypatch.setattr(data.mnist, "MNIST_URL", f"{mnist_server.url}/good")
    with pytest.raises(data.DatasetNotFoundError, match="only the data_dir you named is searched"):
        data.load_mnist(data_dir=tmp_path / "empty")
    assert mnist_server.requests == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(sha256="abc"), "expected sha256 as 64 hexadecimal digits; got 'abc'"),
        (dict(url="ftp://example.invalid/mnist.npz"), r"expected url as an http\(s\) address"),
    ],
)
def test_download_mnist_checks_its_arguments(online, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.download_mnist(**kwargs)


def test_the_expected_hash_is_the_one_keras_checks():
    """Keras verifies its own download of mnist.npz against this hash; ours must be the same file."""
    keras_mnist = Path(__import__("importlib").util.find_spec("keras").origin).parent / "src" / "datasets" / "mnist.py"
    if not keras_mnist.is_file():
        pytest.skip("Keras is not installed here")
    source = keras_mnist.read_text(encoding="utf-8")
    assert data.MNIST_SHA256 in source and data.MNIST_URL.rsplit("/", 1)[0] in source


def test_real_mnist_mirror():
    path = _real_mirror()
    if path is None:
        pytest.skip("no offline MNIST mirror: set COURSE_DATA_DIR to a folder with mnist.npz")
    (x_train, y_train), (x_test, y_test) = data.load_mnist(data_dir=path)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert x_train.mean() == pytest.approx(33.318, abs=1e-3)
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]


LOADERS_WITHOUT_TF = """
import sys
import numpy as np
import course_pkg.data as data
data.load_digits(); data.load_iris(); data.make_xor(seed=0)
np.savez(sys.argv[1] + "/mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
         x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
data.load_mnist(data_dir=sys.argv[1], normalize=True)
leaked = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
assert not leaked, leaked
"""


def test_loaders_never_import_tensorflow(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", LOADERS_WITHOUT_TF, str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_import_course_pkg_does_not_import_tensorflow():
    code = (
        "import course_pkg, course_pkg.data, course_pkg.plotting, course_pkg.numpy_nn, sys; "
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------------
# Synthetic 2-D sets
# --------------------------------------------------------------------------------------------------

GENERATORS = [
    pytest.param(lambda rng: data.make_xor(101, seed=rng), id="xor"),
    pytest.param(lambda rng: data.make_moons(101, seed=rng), id="moons"),
    pytest.param(lambda rng: data.make_circles(101, seed=rng), id="circles"),
    pytest.param(lambda rng: data.make_spiral(101, n_classes=3, seed=rng), id="spiral"),
    pytest.param(lambda rng: data.make_blobs(101, centers=4, seed=rng), id="blobs"),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_synthetic_shapes_and_seeds(make):
    X, y = make(0)
    assert X.shape == (101, 2) and X.dtype == np.float32 and np.isfinite(X).all()
    assert y.shape == (101,) and y.dtype == np.int64
    X_again, y_again = make(0)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_gen, _ = make(np.random.default_rng(0))  # a Generator seeded alike draws the same
    np.testing.assert_array_equal(X, X_gen)
    X_other, _ = make(1)
    assert not np.array_equal(X, X_other)
    # Rows come shuffled, not sorted by class.
    assert np.any(np.diff(y) < 0)


def test_xor_labels_match_their_corner():
    X, y = data.make_xor(400, noise=0.1, seed=3)
    nearest = np.rint(np.clip(X, 0, 1)).astype(int)  # the corner each point was drawn around
    assert np.mean(np.logical_xor(nearest[:, 0], nearest[:, 1]) == y) > 0.99
    corners, truth = data.load_xor_truth_table()
    for corner, label in zip(corners, truth):
        members = X[y == label]
        near = members[np.linalg.norm(members - corner, axis=1) < 0.5]
        np.testing.assert_allclose(near.mean(axis=0), corner, atol=0.05)
    assert np.bincount(y).tolist() == [200, 200]


def test_xor_truth_table():
    X, y = data.load_xor_truth_table()
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert y.tolist() == [int(a) ^ int(b) for a, b in X]


def test_moons_geometry_without_noise():
    X, y = data.make_moons(100, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)
    assert upper[:, 1].min() >= -1e-6
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-6)
    assert lower[:, 1].max() <= 0.5 + 1e-6


def test_circles_radii():
    X, y = data.make_circles(200, noise=0.0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-6)


def test_spiral_arms():
    X, y = data.make_spiral(301, n_classes=3, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [101, 100, 100]
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 1.0 + 1e-6
    # Without noise, arm c sits at angle t = 4c + 4r with (x, y) = (r sin t, r cos t).
    far = r > 0.1
    t = 4.0 * y[far] + 4.0 * r[far]
    np.testing.assert_allclose(X[far, 0], r[far] * np.sin(t), atol=1e-5)
    np.testing.assert_allclose(X[far, 1], r[far] * np.cos(t), atol=1e-5)
    _, y2 = data.make_spiral(40, n_classes=2, seed=0)
    assert set(y2.tolist()) == {0, 1}


def test_blobs_around_given_centres():
    centres = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    X, y = data.make_blobs(300, centers=centres, cluster_std=0.2, seed=0)
    for c, centre in enumerate(centres):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centre, atol=0.1)
    assert np.bincount(y).tolist() == [100, 100, 100]


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: data.make_xor(seed="seed"), TypeError, "expected seed as None"),
        (lambda: data.make_xor(seed=np.random.RandomState(0)), TypeError, "numpy.random.Generator"),
        (lambda: data.make_moons(noise=-0.1), ValueError, "noise >= 0"),
        (lambda: data.make_spiral(n_classes=1), ValueError, "n_classes >= 2"),
        (lambda: data.make_circles(factor=1.5), ValueError, r"factor in \(0, 1\)"),
        (lambda: data.make_blobs(centers=np.zeros((2, 3))), ValueError, r"centers of shape \(N, 2\)"),
        (lambda: data.make_xor(n_samples=0), ValueError, "n_samples >= 1"),
    ],
)
def test_synthetic_validation(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------------


def test_scale_images():
    x = np.array([[0, 51], [102, 255]], dtype=np.uint8)
    out = data.scale_images(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 0.2], [0.4, 1.0]], rtol=1e-6)
    with pytest.raises(TypeError, match="divide by 255 twice"):
        data.scale_images(out)
    with pytest.raises(ValueError, match="values 0-255; got values from 0 to 300"):
        data.scale_images(np.array([0, 300]))


def test_one_hot_examples():
    Y = data.one_hot([3, 0, 1], n_classes=5)
    assert Y.dtype == np.float32 and Y.shape == (3, 5)
    assert Y[0].tolist() == [0, 0, 0, 1, 0]
    np.testing.assert_array_equal(Y.argmax(axis=1), [3, 0, 1])
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    assert data.one_hot(np.array([2, 0])).shape == (2, 3)  # C read from the data: max + 1
    assert data.one_hot(np.array([1.0, 0.0])).tolist() == [[0, 1], [1, 0]]  # whole floats are labels


@pytest.mark.parametrize(
    "y, n_classes, error, message",
    [
        ([0, 5], 3, ValueError, "between 0 and 2 .* got labels from 0 to 5"),
        ([-1, 2], None, ValueError, "got labels from -1 to 2"),
        ([0.5, 1.0], None, ValueError, "non-integer"),
        (np.zeros((3, 1), int), None, ValueError, r"y\.ravel\(\)"),
        (np.zeros((2, 2), int), None, ValueError, r"shape \(N,\)"),
        (["a", "b"], None, TypeError, "numeric dtype"),
        ([0, 1], 2.0, TypeError, "n_classes as an integer"),
    ],
)
def test_one_hot_errors(y, n_classes, error, message):
    with pytest.raises(error, match=message):
        data.one_hot(y, n_classes)


def test_standardizer_fits_on_training_split_only(rng):
    X_train = rng.normal(5.0, 3.0, size=(200, 3)).astype(np.float32)
    X_val = rng.normal(-2.0, 0.5, size=(50, 3)).astype(np.float32)
    scaler = data.Standardizer().fit(X_train)
    Z_train = scaler.transform(X_train)
    Z_val = scaler.transform(X_val)
    assert Z_train.dtype == np.float32
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(Z_train.std(axis=0), 1.0, atol=1e-5)
    # The validation rows use the training statistics, so they are NOT centred on 0.
    expected = (X_val.mean(axis=0) - X_train.astype(np.float64).mean(axis=0)) / X_train.astype(np.float64).std(axis=0)
    np.testing.assert_allclose(Z_val.mean(axis=0), expected, rtol=1e-4)
    assert np.all(Z_val.mean(axis=0) < -1.5)
    np.testing.assert_allclose(scaler.inverse_transform(Z_val), X_val, rtol=1e-5)
    np.testing.assert_allclose(data.Standardizer().fit_transform(X_train), Z_train)


def test_standardizer_constant_column_becomes_zero():
    X = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    scaler = data.Standardizer().fit(X)
    Z = scaler.transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    assert scaler.std_[1] == 1.0 and scaler.n_constant_ == 1
    assert "constant features=1" in repr(scaler)


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="not fitted yet"):
        data.Standardizer().transform(np.zeros((2, 2)))
    scaler = data.Standardizer().fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match=r"Standardizer.transform: expected X of shape \(N, 2\); got shape \(3, 3\)"):
        scaler.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        scaler.transform(np.zeros(2))


def test_split_sizes_and_no_overlap():
    X = np.arange(200, dtype=np.float32).reshape(100, 2)  # row i holds 2i, 2i+1: rows are traceable
    y = np.arange(100) % 4
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = data.train_val_test_split(X, y, val_size=0.2, test_size=10, seed=0)
    assert (len(X_tr), len(X_va), len(X_te)) == (70, 20, 10)
    rows = np.concatenate([X_tr[:, 0], X_va[:, 0], X_te[:, 0]]) // 2
    assert sorted(rows.astype(int).tolist()) == list(range(100))  # every row once, none twice
    for Xs, ys in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        np.testing.assert_array_equal(ys, (Xs[:, 0] // 2).astype(int) % 4)  # pairs stay together


def test_split_stratification_keeps_class_ratios():
    y = np.array([0] * 160 + [1] * 40)  # 80 % / 20 %
    X = np.arange(200.0).reshape(200, 1)
    splits = data.train_val_test_split(X, y, val_size=0.15, test_size=0.15, seed=1)
    for (_, ys), n in zip(splits, (140, 30, 30)):
        assert len(ys) == n
        assert abs(np.mean(ys == 1) - 0.2) <= 1 / n
    # Unstratified splits of a tiny minority class can miss it; stratified ones cannot.
    y_rare = np.array([0] * 95 + [1] * 5)
    for seed in range(5):
        (_, _), (_, y_va), (_, y_te) = data.train_val_test_split(np.zeros((100, 1)), y_rare, val_size=20, test_size=20, seed=seed)
        assert (y_va == 1).sum() == 1 and (y_te == 1).sum() == 1


def test_split_is_reproducible_and_shuffled():
    X, y = data.load_iris()
    first = data.train_val_test_split(X, y, seed=7)
    again = data.train_val_test_split(X, y, seed=7)
    other = data.train_val_test_split(X, y, seed=8)
    for (a, b), (c, d) in zip(first, again):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert not np.array_equal(first[0][0], other[0][0])
    assert np.any(np.diff(first[0][1]) < 0)  # classes are mixed, not in blocks


def test_split_regression_and_errors():
    X, y = data.load_diabetes()
    (_, y_tr), _, _ = data.train_val_test_split(X, y, stratify=False, seed=0)
    assert y_tr.dtype == np.float32 and len(y_tr) == 310
    with pytest.raises(ValueError, match="stratify=False"):
        data.train_val_test_split(X, y, seed=0)
    with pytest.raises(ValueError, match="at least one training row"):
        data.train_val_test_split(X, y, val_size=0.5, test_size=0.5, stratify=False)
    with pytest.raises(ValueError, match="test_size in"):
        data.train_val_test_split(X, y, test_size=1.5, stratify=False)
    with pytest.raises(ValueError, match=r"one row per row of X \(442\)"):
        data.train_val_test_split(X, y[:-1], stratify=False)


def test_subsample():
    X, y = data.load_digits()
    X_s, y_s = data.subsample(X, y, 300, seed=0)
    assert X_s.shape == (300, 64) and y_s.shape == (300,)
    # Stratified: each class keeps its share of the 1,797 rows, within one row.
    expected = np.bincount(y) * 300 / len(y)
    assert np.all(np.abs(np.bincount(y_s, minlength=10) - expected) < 1)
    # Rows are real rows, without repetition, in their original order.
    index = {row.tobytes(): i for i, row in enumerate(X)}
    positions = [index[row.tobytes()] for row in X_s]
    assert positions == sorted(set(positions))
    np.testing.assert_array_equal(y[positions], y_s)
    # Same seed, same rows; fractions; n >= N keeps everything.
    np.testing.assert_array_equal(data.subsample(X, y, 300, seed=0)[1], y_s)
    assert len(data.subsample(X, y, 0.1, seed=0, stratify=False)[1]) == 180
    assert len(data.subsample(X, y, 5000, seed=0)[1]) == len(y)
