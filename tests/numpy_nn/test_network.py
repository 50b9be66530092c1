"""Tests of course_pkg.numpy_nn.network.MLP: gradients, Keras cross-checks, training behaviour, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_pkg.numpy_nn.backend import to_numpy
from course_pkg.numpy_nn.gradcheck import numeric_grad
from course_pkg.numpy_nn.layers import Dense, Dropout
from course_pkg.numpy_nn.network import MLP
from course_pkg.numpy_nn.optimizers import SGD, Adam


@pytest.fixture
def device(xp, monkeypatch):
    """Create parameters with the module under test (COURSE_DEVICE=gpu for CuPy)."""
    monkeypatch.setenv("COURSE_DEVICE", "gpu" if xp is not np else "cpu")
    return xp


def _targets(rng, loss, n, n_out):
    if loss == "categorical_crossentropy":
        return np.eye(n_out)[rng.integers(0, n_out, n)]  # one-hot rows
    if loss == "sparse_categorical_crossentropy":
        return rng.integers(0, n_out, n)
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, (n, n_out)).astype(float)
    return rng.normal(size=(n, n_out))


def _grad_error(analytic, numeric):
    """Largest relative error, entries smaller than 1e-3 being compared on a 1e-3 scale.

    Centred differences of a loss of a few units carry up to about 1e-10 of rounding noise
    (eps * loss / h), so an entry of 1e-6 can never agree to 1e-7 relative; flooring the
    scale at 1e-3 keeps the 1e-7 bound strict (1e-10 absolute for tiny entries) without
    depending on the seed. gradcheck.rel_error floors at 1e-12 instead.
    """
    a, b = to_numpy(analytic), to_numpy(numeric)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-3)))


def _analytic_and_numeric(model, X, y):
    """Analytic gradients of every parameter, and their numeric counterparts."""
    model.loss_and_grads(X, y)
    analytic = {k: to_numpy(g).copy() for k, g in model.grads().items()}  # copies: the checks overwrite grads
    numeric = {k: numeric_grad(lambda _: model.loss_and_grads(X, y), p) for k, p in model.params().items()}
    return analytic, numeric


# --------------------------------------------------------------------------- gradients of whole networks

CONFIGS = [
    # hidden, output, loss, sizes
    ("tanh", "softmax", "categorical_crossentropy", [5, 4, 3]),
    ("sigmoid", "softmax", "sparse_categorical_crossentropy", [3, 6, 4, 5]),
    ("softplus", "softmax", "mse", [4, 3, 3]),  # softmax trained through its Jacobian (no fusion)
    ("tanh", "sigmoid", "binary_crossentropy", [4, 5, 1]),
    ("sigmoid", "sigmoid", "binary_crossentropy", [3, 4, 3]),  # multilabel
    ("tanh", "linear", "mse", [6, 4, 2]),
    ("sigmoid", "linear", "huber", [3, 5, 2]),
    ("tanh", "tanh", "mae", [4, 3, 2]),
    ("softplus", "linear", "mse", [2, 3, 4, 3, 1]),
]


@pytest.mark.parametrize("hidden, output, loss, sizes", CONFIGS)
@pytest.mark.parametrize("n", [7, 1])
def test_mlp_gradients_match_numeric(device, rng, hidden, output, loss, sizes, n):
    model = MLP(sizes, hidden, output, loss, seed=rng, dtype="float64")
    for _, p in model.params().items():
        if p.ndim == 1:
            p[...] = device.asarray(0.1 * rng.normal(size=p.shape))  # non-zero biases
    X = device.asarray(rng.normal(size=(n, sizes[0])))
    y = device.asarray(_targets(rng, loss, n, sizes[-1]))
    analytic, numeric = _analytic_and_numeric(model, X, y)
    names = [f"hidden_{i}" for i in range(1, len(sizes) - 1)] + ["output"]
    assert set(analytic) == set(numeric) == {f"{name}/{k}" for name in names for k in "Wb"}
    for key in analytic:
        assert _grad_error(analytic[key], numeric[key]) < 1e-7, key


def test_relu_mlp_gradients_match_numeric_away_from_kinks(device, rng):
    model = MLP([4, 6, 5, 3], "relu", seed=rng, dtype="float64")
    X = device.asarray(rng.normal(size=(5, 4)))
    y = device.asarray(rng.integers(0, 3, 5))
    # No hidden pre-activation within the finite-difference step of the kink.
    A = X
    for layer in model.layers[:-1]:
        Z = A @ layer.params["W"] + layer.params["b"]
        assert float(abs(Z).min()) > 1e-3
        A = layer.forward(A)
    analytic, numeric = _analytic_and_numeric(model, X, y)
    assert max(_grad_error(analytic[k], numeric[k]) for k in analytic) < 1e-7


def test_one_hot_and_integer_labels_give_the_same_loss_and_gradients(rng):
    model = MLP([4, 5, 3], "tanh", seed=0, dtype="float64")
    X, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    loss_int = model.loss_and_grads(X, labels)
    grads_int = {k: g.copy() for k, g in model.grads().items()}
    loss_hot = model.loss_and_grads(X, np.eye(3)[labels])
    assert loss_int == pytest.approx(loss_hot, rel=1e-12)
    for key, g in model.grads().items():
        np.testing.assert_allclose(g, grads_int[key], rtol=1e-12)


def test_fused_output_gradient_equals_the_unfused_chain(rng):
    """Softmax + cross-entropy fused on logits must equal loss.grad followed by the softmax Jacobian."""
    from course_pkg.numpy_nn.losses import get_loss

    model = MLP([4, 3], "tanh", seed=0, dtype="float64")
    X, labels = rng.normal(size=(5, 4)), rng.integers(0, 3, 5)
    model.loss_and_grads(X, labels)
    out_layer = model.layers[-1]
    probs = out_layer.forward(X)
    loss = get_loss("sparse_categorical_crossentropy")
    out_layer.backward(loss.grad(labels, probs))
    np.testing.assert_allclose(model.grads()["output/W"], out_layer.grads["W"], rtol=1e-9)


# --------------------------------------------------------------------------- TensorFlow cross-checks

KERAS_LOSS = {
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
    "mse": "MeanSquaredError",
    "huber": "Huber",
}


def _keras_twin(keras, model, dtype="float64"):
    twin = keras.Sequential(
        [keras.Input((model.layer_sizes[0],), dtype=dtype)]
        + [
            keras.layers.Dense(layer.units, activation=layer.activation.name, dtype=dtype, name=layer.name)
            for layer in model.layers
            if isinstance(layer, Dense)
        ]
    )
    twin.set_weights(model.get_weights())
    return twin


@pytest.mark.tf
@pytest.mark.parametrize(
    "hidden, output, loss, sizes",
    [
        ("relu", "softmax", "sparse_categorical_crossentropy", [6, 8, 5, 4]),
        ("tanh", "softmax", "categorical_crossentropy", [5, 7, 3]),
        ("sigmoid", "sigmoid", "binary_crossentropy", [4, 6, 2]),
        ("relu", "linear", "mse", [5, 9, 2]),
        ("tanh", "linear", "huber", [3, 4, 1]),
    ],
)
def test_mlp_loss_and_gradients_match_keras(tf, rng, hidden, output, loss, sizes):
    import keras

    model = MLP(sizes, hidden, output, loss, seed=rng, dtype="float64")
    for p in model.params().values():
        if p.ndim == 1:
            p[...] = 0.1 * rng.normal(size=p.shape)
    X = rng.normal(size=(9, sizes[0]))
    y = _targets(rng, loss, 9, sizes[-1])
    ours = model.loss_and_grads(X, y)

    twin = _keras_twin(keras, model)
    with tf.GradientTape() as tape:
        theirs = getattr(keras.losses, KERAS_LOSS[loss])(dtype="float64")(tf.constant(y), twin(tf.constant(X)))
    keras_grads = tape.gradient(theirs, twin.trainable_weights)

    assert ours == pytest.approx(float(theirs), rel=1e-9)
    # The documented naming: our "<layer>/W" and "<layer>/b" are Keras' "<layer>/kernel" and "<layer>/bias".
    to_ours = {"kernel": "W", "bias": "b"}
    for variable, ref in zip(twin.trainable_weights, keras_grads):
        layer, kind = variable.path.split("/")[-2:]
        np.testing.assert_allclose(model.grads()[f"{layer}/{to_ours[kind]}"], ref.numpy(), rtol=1e-7, atol=1e-12)
    assert len(keras_grads) == len(model.grads())


@pytest.mark.tf
def test_fit_matches_keras_training_with_sgd_momentum(tf, rng):
    """Three epochs of full-batch SGD with momentum: same losses and weights as Keras' own loop."""
    import keras

    model = MLP([4, 6, 3], "tanh", seed=rng, dtype="float64")
    X, y = rng.normal(size=(10, 4)), rng.integers(0, 3, 10)
    twin = _keras_twin(keras, model)
    history = model.fit(X, y, epochs=3, batch_size=10, optimizer=SGD(learning_rate=0.1, momentum=0.9), shuffle=False, verbose=0)

    opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(dtype="float64")
    keras_losses = []
    for _ in range(3):
        with tf.GradientTape() as tape:
            value = loss_fn(tf.constant(y), twin(tf.constant(X)))
        opt.apply_gradients(zip(tape.gradient(value, twin.trainable_weights), twin.trainable_weights))
        keras_losses.append(float(value))

    np.testing.assert_allclose(history["loss"], keras_losses, rtol=1e-7)
    for mine, ref in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(mine, ref, rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------- hand-worked


def test_one_sgd_step_on_a_2_2_1_network_by_hand():
    model = MLP([2, 2, 1], "sigmoid", "linear", "mse", dtype="float64")
    model.set_weights(
        [
            np.array([[0.5, 1.0], [0.5, 1.0]]),  # W1 (2, 2)
            np.array([0.0, 0.0]),  # b1
            np.array([[1.0], [-2.0]]),  # W2 (2, 1)
            np.array([0.5]),  # b2
        ]
    )
    X = np.array([[1.0, -1.0], [0.0, 0.0]])
    y = np.array([1.0, 0.0])
    # Forward, both samples: z1 = x @ W1 + b1 = [0, 0] (1*0.5 - 1*0.5 = 0, 1*1 - 1*1 = 0)
    #   h = sigmoid(z1) = [0.5, 0.5]; y_hat = 0.5*1 + 0.5*(-2) + 0.5 = 0.
    # Loss: mean((0 - 1)^2, (0 - 0)^2) = 0.5.
    # Backward: dy_hat = 2 (y_hat - y) / N = [-1, 0]                      (N = 2)
    #   dW2 = h.T @ dy_hat = [[0.5*-1], [0.5*-1]] = [[-0.5], [-0.5]];  db2 = [-1]
    #   dh (sample 1) = -1 * W2.T = [-1, 2];  dz1 = dh * sigmoid'(0) = dh * 0.25 = [-0.25, 0.5]
    #   dW1 = x1.T @ dz1 = [[1*-0.25, 1*0.5], [-1*-0.25, -1*0.5]] = [[-0.25, 0.5], [0.25, -0.5]]
    #   db1 = [-0.25, 0.5]  (sample 2 adds nothing: its error is 0)
    # SGD, lr = 0.1: p <- p - 0.1 * dp
    history = model.fit(X, y, epochs=1, batch_size=2, optimizer=SGD(learning_rate=0.1), shuffle=False, verbose=0)
    W1, b1, W2, b2 = model.get_weights()
    assert history["loss"] == [pytest.approx(0.5)]
    np.testing.assert_allclose(W1, [[0.5 + 0.025, 1.0 - 0.05], [0.5 - 0.025, 1.0 + 0.05]])
    np.testing.assert_allclose(b1, [0.025, -0.05])
    np.testing.assert_allclose(W2, [[1.0 + 0.05], [-2.0 + 0.05]])
    np.testing.assert_allclose(b2, [0.5 + 0.1])


@pytest.mark.parametrize(
    "sizes, count",
    [([13, 10, 10, 1], 261), ([784, 512, 512, 10], 669_706), ([784, 300, 100, 10], 266_610), ([784, 784, 10], 623_290)],
)
def test_count_params_of_the_course_networks(sizes, count):
    output = "softmax" if sizes[-1] > 1 else "linear"
    model = MLP(sizes, output_activation=output, seed=0)
    assert model.count_params() == count
    assert sum(w.size for w in model.get_weights()) == count
    assert MLP(sizes, output_activation=output, dropout=0.5, seed=0).count_params() == count  # dropout adds no parameters


# --------------------------------------------------------------------------- behaviour

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def test_mlp_learns_xor():
    model = MLP([2, 4, 1], "tanh", "sigmoid", seed=0)
    history = model.fit(XOR_X, XOR_Y, epochs=300, batch_size=4, optimizer=Adam(learning_rate=0.05), verbose=0)
    np.testing.assert_array_equal(model.predict(XOR_X), XOR_Y)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.1 < history["loss"][0]


def test_zero_initialisation_does_not_break_symmetry():
    model = MLP([2, 4, 1], "sigmoid", "sigmoid", init="zeros", seed=0)
    model.fit(XOR_X, XOR_Y, epochs=50, batch_size=2, optimizer=SGD(learning_rate=0.5), verbose=0)
    W1, b1, W2, _ = model.get_weights()
    assert np.abs(W1).max() > 0 and np.abs(W2).max() > 0  # the weights did change...
    np.testing.assert_array_equal(W1, W1[:, :1].repeat(4, axis=1))  # ...but every hidden unit is the same
    np.testing.assert_array_equal(b1, b1[0])
    np.testing.assert_array_equal(W2, W2[:1].repeat(4, axis=0))


def test_random_initialisation_breaks_symmetry():
    W1 = MLP([2, 4, 1], "sigmoid", "sigmoid", seed=0).get_weights()[0]
    assert len({tuple(col) for col in W1.T}) == 4


def test_initial_softmax_loss_is_about_log_c(rng):
    for n_classes in (3, 10):
        model = MLP([20, 50, n_classes], init="normal", seed=0)
        X = rng.normal(size=(200, 20))
        y = rng.integers(0, n_classes, 200)
        assert abs(model.evaluate(X, y)["loss"] - math.log(n_classes)) < 0.1


def test_overfits_a_tiny_batch(rng):
    X, y = rng.normal(size=(8, 10)), rng.integers(0, 5, 8)
    model = MLP([10, 32, 5], seed=0)
    history = model.fit(X, y, epochs=200, batch_size=8, optimizer=Adam(learning_rate=0.01), verbose=0)
    assert history["loss"][-1] < 0.01
    assert model.evaluate(X, y) == {"loss": pytest.approx(model.evaluate(X, y)["loss"]), "accuracy": 1.0}


def test_overfits_a_tiny_regression_batch(rng):
    X, y = rng.normal(size=(6, 3)), rng.normal(size=6)
    model = MLP([3, 16, 1], "tanh", "linear", seed=0)
    history = model.fit(X, y, epochs=400, batch_size=6, optimizer=Adam(learning_rate=0.02), verbose=0)
    assert history["loss"][-1] < 1e-3
    assert set(history) == {"loss"}
    np.testing.assert_allclose(model.predict(X)[:, 0], y, atol=0.1)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    X, y = data.data / 16.0, data.target
    order = np.random.default_rng(0).permutation(len(X))
    split = int(0.8 * len(X))
    train, test = order[:split], order[split:]
    return X[train], y[train], X[test], y[test]


def test_digits_reach_95_percent_test_accuracy(digits):
    X_train, y_train, X_test, y_test = digits
    model = MLP([64, 64, 10], seed=0)
    history = model.fit(X_train, y_train, epochs=15, optimizer="adam", validation_data=(X_test, y_test), verbose=0)
    scores = model.evaluate(X_test, y_test)
    assert scores["accuracy"] >= 0.95
    assert (model.predict(X_test) == y_test).mean() == pytest.approx(scores["accuracy"])
    # The last validation entry is the evaluation of the final weights.
    assert history["val_loss"][-1] == pytest.approx(scores["loss"], rel=1e-6)
    assert history["val_accuracy"][-1] == pytest.approx(scores["accuracy"])
    assert history["loss"][-1] < history["loss"][0]


def test_same_seed_same_history_and_weights(digits):
    X, y = digits[0][:300], digits[1][:300]

    def run(seed):
        model = MLP([64, 16, 10], dropout=0.2, seed=seed)
        return model.fit(X, y, epochs=3, batch_size=50, optimizer="sgd", verbose=0), model.get_weights()

    (h1, w1), (h2, w2), (h3, _) = run(5), run(5), run(6)
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 != h3


def test_fit_seed_controls_the_shuffling(digits):
    X, y = digits[0][:200], digits[1][:200]
    histories = []
    for fit_seed in (1, 1, 2):
        model = MLP([64, 8, 10], seed=0)
        histories.append(model.fit(X, y, epochs=2, batch_size=20, verbose=0, seed=fit_seed))
    assert histories[0] == histories[1] != histories[2]


def test_history_keys_and_lengths(rng):
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    clf = MLP([3, 4, 2], seed=0)
    h = clf.fit(X, y, epochs=4, validation_data=(X[:5], y[:5]), verbose=0)
    assert list(h) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 4 and all(isinstance(x, float) for x in v) for v in h.values())
    binary = MLP([3, 4, 1], output_activation="sigmoid", seed=0)
    assert list(binary.fit(X, y, epochs=2, verbose=0)) == ["loss", "accuracy"]
    reg = MLP([3, 4, 1], output_activation="linear", seed=0)
    h = reg.fit(X, rng.normal(size=20), epochs=2, validation_data=(X[:5], rng.normal(size=5)), verbose=0)
    assert list(h) == ["loss", "val_loss"]


def test_default_optimizer_is_adam_with_keras_defaults(rng):
    # The same default as compile_for in the Keras track: Adam(learning_rate=0.001).
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, 12)
    model = MLP([3, 4, 2], seed=0, dtype="float64")
    reference = MLP([3, 4, 2], seed=0, dtype="float64")
    model.fit(X, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    reference.fit(X, y, epochs=2, batch_size=4, shuffle=False, optimizer=Adam(learning_rate=0.001), verbose=0)
    assert type(model.optimizer) is Adam and model.optimizer.learning_rate == 0.001
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("sizes, dropout", [([5, 4, 3, 2], 0.0), ([5, 4, 3, 2], 0.5), ([5, 2], 0.0)])
def test_backward_computes_no_dx_for_the_first_layer(rng, sizes, dropout):
    # The input of the first layer is the data: its gradient would be wasted work (and it is not counted
    # by benchmarks.train_flops_per_sample). Every other Dense layer must pass its dX on.
    model = MLP(sizes, dropout=dropout, seed=0)
    calls = []
    for layer in model.layers:
        if isinstance(layer, Dense):
            def spy(dZ, need_dX=True, *, check_input=True, _layer=layer, _method=layer.linear_backward):
                dX = _method(dZ, need_dX, check_input=check_input)
                calls.append((_layer.name, need_dX, dX is None))
                return dX
            layer.linear_backward = spy
    model.loss_and_grads(rng.normal(size=(6, sizes[0])), rng.integers(0, sizes[-1], 6))
    names = [layer.name for layer in model.layers if isinstance(layer, Dense)]
    assert calls == [(name, name != "hidden_1" and len(sizes) > 2, name == "hidden_1" or len(sizes) == 2)
                     for name in reversed(names)]


class RecordingMLP(MLP):
    """An MLP that records, through its public methods, what training feeds it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen, self.batch_losses = [], []

    def forward(self, X, training=False, **options):
        if training:
            self.seen.append(np.array(X[:, 0]))
        return super().forward(X, training=training, **options)

    def loss_and_dlogits(self, logits, y, **options):
        loss, dlogits = super().loss_and_dlogits(logits, y, **options)
        self.batch_losses.append((loss, len(y)))
        return loss, dlogits


def test_every_sample_once_per_epoch_with_the_partial_last_batch(rng):
    X = np.column_stack([np.arange(10.0), rng.normal(size=10)])  # column 0 identifies the sample
    y = rng.integers(0, 3, 10)
    model = RecordingMLP([2, 4, 3], "tanh", seed=0, dtype="float64")
    opt = SGD(learning_rate=0.1)
    history = model.fit(X, y, epochs=2, batch_size=4, optimizer=opt, verbose=0)
    seen = model.seen
    assert [len(s) for s in seen] == [4, 4, 2, 4, 4, 2]
    for epoch in (0, 1):
        np.testing.assert_array_equal(np.sort(np.concatenate(seen[3 * epoch : 3 * epoch + 3])), np.arange(10.0))
    assert not np.array_equal(np.concatenate(seen[:3]), np.concatenate(seen[3:]))  # a new order each epoch
    assert opt.t == 6  # one optimizer step per batch, the partial one included
    # The epoch loss is the size-weighted mean of the batch losses, not their plain mean.
    first = model.batch_losses[:3]
    assert history["loss"][0] == pytest.approx(sum(loss * n for loss, n in first) / 10, rel=1e-12)
    assert history["loss"][0] != pytest.approx(np.mean([loss for loss, _ in first]), rel=1e-9)


# --------------------------------------------------------------------------- the public training steps


@pytest.mark.parametrize(
    "sizes, output, loss",
    [
        ([4, 6, 3], "softmax", None),
        ([4, 5, 2], "sigmoid", None),
        ([4, 5, 2], "tanh", "mse"),
        ([4, 3], "linear", "huber"),
    ],
)
def test_forward_loss_backward_are_loss_and_grads_in_three_steps(rng, sizes, output, loss):
    model = MLP(sizes, "tanh", output, loss, seed=0, dtype="float64")
    X, y = rng.normal(size=(7, sizes[0])), _targets(rng, model.loss, 7, sizes[-1])
    if model.loss == "categorical_crossentropy":
        y = y.argmax(axis=1)
    expected = model.loss_and_grads(X, y)
    grads = {k: g.copy() for k, g in model.grads().items()}

    logits = model.forward(X, training=True, logits=True)
    np.testing.assert_allclose(model.layers[-1].activation.forward(logits), model.forward(X), rtol=1e-12)
    loss_value, dlogits = model.loss_and_dlogits(logits, y)
    assert dlogits.shape == logits.shape and float(loss_value) == expected
    for g in model.grads().values():
        g[...] = np.nan  # backward must overwrite every gradient
    assert model.backward(dlogits) is None
    for key, g in model.grads().items():
        np.testing.assert_array_equal(g, grads[key])


def test_dlogits_is_the_numeric_gradient_of_the_loss_wrt_the_logits(rng):
    model = MLP([3, 4, 2], "tanh", "tanh", "mse", seed=0, dtype="float64")  # unfused: through tanh
    y = rng.normal(size=(5, 2))
    logits = rng.normal(size=(5, 2))
    _, dlogits = model.loss_and_dlogits(logits, y)
    numeric = numeric_grad(lambda z: model.loss_and_dlogits(z, y)[0], logits.copy())
    np.testing.assert_allclose(dlogits, numeric, rtol=1e-7, atol=1e-10)


def test_non_finite_output_gives_a_nan_loss_and_no_gradient():
    model = MLP([2, 3], seed=0)
    loss, dlogits = model.loss_and_dlogits(np.array([[np.inf, 0.0, 1.0]]), np.array([0]))
    assert math.isnan(loss) and dlogits is None


def test_count_correct(rng):
    softmax = MLP([2, 3], seed=0)
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 5.0], [3.0, 0.0, 0.0]])
    assert softmax.count_correct(logits, np.array([0, 2, 1])) == (2, 3)
    assert softmax.count_correct(logits, np.eye(3)[[0, 2, 1]]) == (2, 3)  # one-hot rows
    multilabel = MLP([2, 2], output_activation="sigmoid", seed=0)
    assert multilabel.count_correct(np.array([[1.0, -1.0], [-2.0, 0.5]]), np.array([[1, 1], [0, 1]])) == (3, 4)
    with pytest.raises(ValueError, match=r"MLP\.count_correct: expected a classifier .*got loss='mse'"):
        MLP([2, 1], output_activation="linear").count_correct(np.zeros((1, 1)), np.zeros(1))
    with pytest.raises(ValueError, match=r"MLP\.count_correct: expected logits of shape \(N, 3\)"):
        softmax.count_correct(np.zeros((3, 2)), np.array([0, 1, 2]))


def test_the_training_steps_check_their_inputs(rng):
    model = MLP([3, 4, 2], seed=0)
    with pytest.raises(ValueError, match=r"MLP\.forward: expected X of shape \(N, 3\)"):
        model.forward(np.ones((2, 4)), logits=True)
    logits = model.forward(np.ones((2, 3)), logits=True)
    with pytest.raises(ValueError, match=r"MLP\.loss_and_dlogits: expected logits of shape \(N, 2\)"):
        model.loss_and_dlogits(np.ones((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"MLP\.loss_and_dlogits: expected .*labels"):
        model.loss_and_dlogits(logits, np.array([0, 5]))
    with pytest.raises(ValueError, match=r"MLP\.backward: expected dlogits of shape \(N, 2\)"):
        model.backward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected dZ of shape \(2, 2\); got shape \(4, 2\)"):
        model.backward(np.ones((4, 2)))  # not the rows of the last forward pass


def test_train_epoch_is_one_epoch_of_fit(rng):
    from course_pkg.numpy_nn.training import train_epoch

    X, y = rng.normal(size=(50, 4)), rng.integers(0, 3, 50)
    fitted, stepped = MLP([4, 6, 3], seed=0), MLP([4, 6, 3], seed=0)
    history = fitted.fit(X, y, epochs=2, batch_size=8, optimizer=SGD(learning_rate=0.1), verbose=0, seed=5)
    gen, opt = np.random.default_rng(5), SGD(learning_rate=0.1)
    records = [train_epoch(stepped, X, y, opt, batch_size=8, seed=gen) for _ in range(2)]
    assert [r["loss"] for r in records] == history["loss"]
    assert [r["accuracy"] for r in records] == history["accuracy"]
    for ours, theirs in zip(stepped.get_weights(), fitted.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert opt.t == 2 * 7  # 50 samples in batches of 8: 6 full and 1 partial per epoch


def test_train_epoch_errors(rng):
    from course_pkg.numpy_nn.training import NonFiniteLossError, train_epoch

    model = MLP([4, 6, 3], seed=0)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    with pytest.raises(TypeError, match=r"train_epoch: expected an optimizer object with step.*got str 'adam'"):
        train_epoch(model, X, y, "adam")
    with pytest.raises(ValueError, match=r"train_epoch: expected y with one row per row of X \(20\); got 10 rows"):
        train_epoch(model, X, y[:10], SGD())
    with pytest.raises(ValueError, match=r"MLP\.forward: expected X of shape \(N, 4\)"):
        train_epoch(model, X[:, :3], y, SGD())  # each batch goes through the model's own checks
    with pytest.raises(ValueError, match=r"MLP\.loss_and_dlogits: .*labels"):
        train_epoch(model, X, y + 3, SGD())
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(NonFiniteLossError) as info:
        train_epoch(model, X * 1e30, y, SGD(learning_rate=1e30), batch_size=4)
    assert isinstance(info.value, FloatingPointError) and info.value.batch >= 1
    assert info.value.X_batch.shape == (4, 4) and "smaller learning rate" in str(info.value)


def test_get_weights_set_weights_round_trip(rng):
    source, target = MLP([4, 5, 3], seed=1), MLP([4, 5, 3], seed=2)
    X = rng.normal(size=(6, 4))
    weights = source.get_weights()
    assert [w.shape for w in weights] == [(4, 5), (5,), (5, 3), (3,)]
    assert all(type(w) is np.ndarray and w.dtype == np.float32 for w in weights)
    assert not np.allclose(source.predict_proba(X), target.predict_proba(X))
    params_before = target.params()
    target.set_weights(weights)
    np.testing.assert_array_equal(source.predict_proba(X), target.predict_proba(X))
    assert all(target.params()[k] is v for k, v in params_before.items())  # updated in place
    weights[0][...] = 0  # get_weights returns copies, and set_weights copies in
    assert source.get_weights()[0].any() and target.get_weights()[0].any()


def test_set_weights_checks_count_and_shapes():
    model = MLP([4, 5, 3], seed=0)
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"MLP\.set_weights: expected 4 arrays .*; got 3"):
        model.set_weights(weights[:3])
    bad = list(weights)
    bad[2] = bad[2].T
    with pytest.raises(ValueError, match=r"expected weights\[2\] \(output/W, Dense 5 -> 3\) of shape \(5, 3\); got \(3, 5\)"):
        model.set_weights(bad)
    bad = list(weights)
    bad[3] = np.full(3, np.nan)
    with pytest.raises(ValueError, match=r"finite values in weights\[3\]"):
        model.set_weights(bad)
    np.testing.assert_array_equal(model.get_weights()[0], weights[0])  # nothing changed


def test_non_finite_parameters_raise_with_the_layer_and_a_fix(rng):
    X, y = rng.normal(size=(32, 4)), rng.normal(size=(32, 1)) * 10
    model = MLP([4, 16, 1], "relu", "linear", seed=0)
    with pytest.raises(FloatingPointError, match=r"MLP\.fit: .*layer (hidden_1|output) \(Dense \d+ -> \d+\).*training diverged: use a smaller learning rate \(learning_rate=10000 now\)"):
        model.fit(X, y, epochs=50, batch_size=8, optimizer=SGD(learning_rate=1e4), verbose=0)
    # One update that overflows the float32 weights: caught after the epoch, before any further use.
    model = MLP([4, 16, 1], "relu", "linear", seed=0)
    with pytest.raises(FloatingPointError, match=r"after epoch 1: Parameter (hidden_1|output)/[Wb] of layer (hidden_1|output) .*holds NaN or infinity"):
        model.fit(X, y, epochs=1, batch_size=32, optimizer=SGD(learning_rate=1e38), verbose=0)


def test_dropout_layers_and_modes(rng):
    model = MLP([6, 8, 8, 3], dropout=0.5, seed=0)
    assert [type(layer) for layer in model.layers] == [Dense, Dropout, Dense, Dropout, Dense]
    assert [layer.name for layer in model.layers] == ["hidden_1", "dropout_1", "hidden_2", "dropout_2", "output"]
    assert list(model.params()) == ["hidden_1/W", "hidden_1/b", "hidden_2/W", "hidden_2/b", "output/W", "output/b"]
    X = rng.normal(size=(5, 6))
    np.testing.assert_array_equal(model.forward(X), model.forward(X))  # evaluation: deterministic
    assert not np.allclose(model.forward(X, training=True), model.forward(X))
    assert "dropout_1 (Dropout, 0.5)" in model.summary()


def test_predictions_shapes_and_types(rng):
    X = rng.normal(size=(7, 3))
    softmax = MLP([3, 4, 5], seed=0)
    probs = softmax.predict_proba(X)
    assert probs.shape == (7, 5) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(softmax.predict(X), probs.argmax(axis=1))
    binary = MLP([3, 4, 1], output_activation="sigmoid", seed=0)
    p = binary.predict_proba(X)
    assert p.shape == (7, 1)
    np.testing.assert_array_equal(binary.predict(X), (p[:, 0] > 0.5).astype(int))
    multilabel = MLP([3, 4, 2], output_activation="sigmoid", seed=0)
    assert multilabel.predict(X).shape == (7, 2)
    reg = MLP([3, 4, 2], output_activation="linear", seed=0)
    np.testing.assert_array_equal(reg.predict(X), reg.forward(X))
    with pytest.raises(ValueError, match=r"MLP\.predict_proba: expected a softmax or sigmoid output.*predict\(\)"):
        reg.predict_proba(X)


@pytest.mark.parametrize("n_out", [1, 3])
def test_sigmoid_accuracy_uses_the_half_probability_threshold(rng, n_out):
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 2, (40, n_out))
    model = MLP([3, 5, n_out], output_activation="sigmoid", seed=0)
    model.set_weights([w * 5 for w in model.get_weights()])  # spread the probabilities out
    probs = model.predict_proba(X)
    assert ((probs > 0.5) & (probs < 0.7)).any()  # outputs near the threshold take part
    expected = ((probs > 0.5) == y).mean()
    assert model.evaluate(X, y if n_out > 1 else y[:, 0])["accuracy"] == pytest.approx(expected)
    predicted = (probs > 0.5).astype(int)
    assert model.evaluate(X, predicted)["accuracy"] == 1.0
    assert model.evaluate(X, 1 - predicted)["accuracy"] == 0.0


def test_defaults_losses_inits_and_dtype(rng):
    assert MLP([3, 2]).loss == "categorical_crossentropy"
    assert MLP([3, 1], output_activation="sigmoid").loss == "binary_crossentropy"
    assert MLP([3, 1], output_activation=None).loss == "mse"
    assert MLP([3, 1], output_activation="identity").output_activation == "linear"
    model = MLP([3, 4, 2], "relu")
    assert [layer.init for layer in model.layers] == ["he_normal", "glorot_uniform"]
    assert [layer.init for layer in MLP([3, 4, 2], "tanh").layers] == ["glorot_uniform", "glorot_uniform"]
    assert all(layer.init == "normal" for layer in MLP([3, 4, 2], init="normal").layers)
    model.fit(rng.normal(size=(5, 3)), rng.integers(0, 2, 5), epochs=1, verbose=0)  # float64 data
    assert all(p.dtype == np.float32 for p in model.params().values())


def test_verbose_zero_prints_nothing_and_two_prints_one_line_per_epoch(rng, capsys):
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, 10)
    MLP([3, 2], seed=0).fit(X, y, epochs=2, verbose=0)
    assert capsys.readouterr() == ("", "")
    MLP([3, 2], seed=0).fit(X, y, epochs=2, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[1].startswith("Epoch 2/2 - loss: ") and "accuracy" in out[1]
    MLP([3, 2], seed=0).fit(X, y, epochs=2, verbose=1)
    assert "2/2" in capsys.readouterr().err  # the progress bar


def test_summary_lists_layers_shapes_and_counts():
    text = MLP([784, 784, 10], seed=0).summary()
    assert "(None, 784)" in text and "615,440" in text and "7,850" in text
    assert text.rstrip().endswith("Total params: 623,290")


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def small():
    return MLP([4, 5, 3], seed=0), np.ones((6, 4)), np.zeros(6, dtype=int)


def test_fit_rejects_bad_x(small):
    model, X, y = small
    with pytest.raises(ValueError, match=r"MLP\.fit: expected X of shape \(N, 4\); got shape \(6, 5\)"):
        model.fit(np.ones((6, 5)), y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.fit: expected X of shape \(N, 4\); got shape \(4,\)"):
        model.fit(np.ones(4), y[:1], epochs=1, verbose=0)
    X_nan = X.copy()
    X_nan[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"MLP\.fit: expected finite values in X; got 1 NaN"):
        model.fit(X_nan, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.fit: expected at least one sample in X; got shape \(0, 4\)"):
        model.fit(np.ones((0, 4)), y[:0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.predict: expected X of shape \(N, 4\)"):
        model.predict(np.ones((2, 3)))


def test_fit_rejects_bad_y(small):
    model, X, y = small
    with pytest.raises(ValueError, match=r"MLP\.fit: expected y with one row per row of X \(6\); got 5 rows"):
        model.fit(X, y[:5], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.fit: expected labels in y between 0 and 2 \(3 classes\); got labels from 0 to 3"):
        model.fit(X, np.array([0, 1, 2, 3, 0, 1]), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.evaluate: expected y as labels \(N,\) or one-hot of shape \(N, 3\); got \(6, 4\)"):
        model.evaluate(X, np.zeros((6, 4)))
    with pytest.raises(ValueError, match=r"MLP\.loss_and_grads: expected labels in y between 0 and 2"):
        model.loss_and_grads(X, -np.ones(6))
    binary = MLP([4, 1], output_activation="sigmoid")
    with pytest.raises(ValueError, match=r"expected y in \[0, 1\] \(0/1 labels\) for binary_crossentropy"):
        binary.fit(X, np.arange(6), epochs=1, verbose=0)
    sparse = MLP([4, 3], loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"expected integer labels y of shape \(N,\).*argmax"):
        sparse.fit(X, np.eye(3)[y], epochs=1, verbose=0)
    reg = MLP([4, 2], output_activation="linear")
    with pytest.raises(ValueError, match=r"MLP\.fit: expected y of shape \(N, 2\) \(one column per output unit\); got \(6,\)"):
        reg.fit(X, np.zeros(6), epochs=1, verbose=0)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([4, 0, 3],), {}, ValueError, r"MLP: expected layer_sizes\[1\] >= 1; got layer_sizes\[1\]=0"),
        (([4],), {}, ValueError, r"MLP: expected layer_sizes with at least 2 entries"),
        (("4-3",), {}, TypeError, r"MLP: expected layer_sizes as a list of ints"),
        (([4, 2.5, 3],), {}, TypeError, r"MLP: expected layer_sizes\[1\] as an integer"),
        (([4, 3],), {"hidden_activation": "relux"}, ValueError, r"expected name to be one of .*got 'relux'"),
        (([4, 3],), {"output_activation": "softmaxx"}, ValueError, r"got 'softmaxx'"),
        (([4, 3],), {"init": "xavier"}, ValueError, r"MLP: expected init to be one of 'glorot_uniform'.*got 'xavier'"),
        (([4, 3],), {"dropout": 1.0}, ValueError, r"MLP: expected dropout in \[0, 1\); got dropout=1\.0"),
        (([4, 3],), {"loss": "cross_entropy"}, ValueError, r"get_loss: expected name to be one of .*got 'cross_entropy'"),
        (([4, 3],), {"output_activation": "linear", "loss": "categorical_crossentropy"}, ValueError,
         r"MLP: expected output_activation='softmax' with loss='categorical_crossentropy'; got output_activation='linear'"),
        (([4, 1],), {"loss": "binary_crossentropy", "output_activation": "softmax"}, ValueError, r"at least 2 output units"),
        (([4, 3],), {"dtype": "float16"}, ValueError, r"MLP: expected dtype 'float32' or 'float64'"),
        (([4, 3],), {"learning_rate": 0.1}, TypeError, r"unexpected keyword argument 'learning_rate'"),
    ],
)
def test_constructor_rejects_bad_hyperparameters(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MLP(*args, **kwargs)


def test_fit_rejects_bad_arguments(small):
    model, X, y = small
    with pytest.raises(ValueError, match=r"MLP\.fit: expected epochs >= 1; got epochs=0"):
        model.fit(X, y, epochs=0, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.fit: expected batch_size >= 1"):
        model.fit(X, y, epochs=1, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"get_optimizer: expected an optimizer name among .*'adam'.*got 'adamw'"):
        model.fit(X, y, epochs=1, optimizer="adamw", verbose=0)
    with pytest.raises(TypeError, match=r"MLP\.fit: expected validation_data as a tuple \(X_val, y_val\)"):
        model.fit(X, y, epochs=1, validation_data=X, verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.fit \(validation_data\): expected X of shape \(N, 4\)"):
        model.fit(X, y, epochs=1, validation_data=(np.ones((2, 3)), y[:2]), verbose=0)
    with pytest.raises(ValueError, match=r"MLP\.fit: expected verbose to be 0, 1 or 2"):
        model.fit(X, y, epochs=1, verbose=3)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'lr'"):
        model.fit(X, y, epochs=1, lr=0.1, verbose=0)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'rng'"):
        model.fit(X, y, epochs=1, rng=0, verbose=0)
