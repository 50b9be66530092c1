"""Tests of course_pkg.numpy_nn.layers: numeric gradients, Keras cross-checks, initializers, validation."""

from __future__ import annotations

import numpy as np
import pytest

from course_pkg.numpy_nn.backend import to_numpy
from course_pkg.numpy_nn.gradcheck import check_layer, numeric_vjp, rel_error
from course_pkg.numpy_nn.layers import (
    INITIALIZERS,
    Dense,
    Dropout,
    dense_backward,
    dense_forward,
    init_weights,
)

SMOOTH = ["linear", "sigmoid", "tanh", "softplus", "softmax"]


@pytest.fixture
def device(xp, monkeypatch):
    """Create parameters with the module under test (COURSE_DEVICE=gpu for CuPy)."""
    monkeypatch.setenv("COURSE_DEVICE", "gpu" if xp is not np else "cpu")
    return xp


# --------------------------------------------------------------------------- functional dense pass


@pytest.mark.parametrize("n, d, m", [(3, 5, 4), (1, 3, 2), (4, 1, 6)])
def test_dense_backward_matches_numeric_vjp(xp, rng, n, d, m):
    X = xp.asarray(rng.normal(size=(n, d)))
    W = xp.asarray(rng.normal(size=(d, m)))
    b = xp.asarray(rng.normal(size=m))
    dY = xp.asarray(rng.normal(size=(n, m)))  # random upstream gradient, never all ones

    Y, cache = dense_forward(X, W, b)
    dX, dW, db = dense_backward(dY, cache)

    assert Y.shape == (n, m) and dX.shape == (n, d) and dW.shape == (d, m) and db.shape == (m,)
    assert rel_error(Y, to_numpy(X) @ to_numpy(W) + to_numpy(b)) < 1e-12
    assert rel_error(dX, numeric_vjp(lambda _: dense_forward(X, W, b)[0], X, dY)) < 1e-7
    assert rel_error(dW, numeric_vjp(lambda _: dense_forward(X, W, b)[0], W, dY)) < 1e-7
    assert rel_error(db, numeric_vjp(lambda _: dense_forward(X, W, b)[0], b, dY)) < 1e-7


def test_dense_backward_is_the_documented_formula(rng):
    X, W, dY = rng.normal(size=(3, 5)), rng.normal(size=(5, 2)), rng.normal(size=(3, 2))
    dX, dW, db = dense_backward(dY, dense_forward(X, W, np.zeros(2))[1])
    np.testing.assert_allclose(dX, dY @ W.T)
    np.testing.assert_allclose(dW, X.T @ dY)
    np.testing.assert_allclose(db, dY.sum(axis=0))


def test_dense_forward_rejects_mismatched_shapes(rng):
    W, b = rng.normal(size=(4, 3)), np.zeros(3)
    with pytest.raises(ValueError, match=r"dense_forward: expected X of shape \(N, 4\); got shape \(2, 5\)"):
        dense_forward(rng.normal(size=(2, 5)), W, b)
    with pytest.raises(ValueError, match=r"dense_forward: expected b of shape \(3,\); got shape \(4,\)"):
        dense_forward(rng.normal(size=(2, 4)), W, np.zeros(4))
    _, cache = dense_forward(rng.normal(size=(2, 4)), W, b)
    with pytest.raises(ValueError, match=r"dense_backward: expected dY of shape \(2, 3\); got shape \(3, 2\)"):
        dense_backward(np.ones((3, 2)), cache)


# --------------------------------------------------------------------------- Dense gradients


@pytest.mark.parametrize("activation", SMOOTH)
@pytest.mark.parametrize("n, d, m", [(4, 3, 5), (1, 6, 2)])
def test_dense_layer_gradients_match_numeric(device, rng, activation, n, d, m):
    layer = Dense(d, m, activation, seed=rng, dtype="float64")
    layer.params["b"][...] = device.asarray(rng.normal(size=m))  # non-zero biases take part too
    errors = check_layer(layer, device.asarray(rng.normal(size=(n, d))), seed=rng)
    assert set(errors) == {"dX", "W", "b"}
    assert max(errors.values()) < 1e-7


def test_dense_relu_gradients_match_numeric_away_from_the_kink(device, rng):
    layer = Dense(5, 7, "relu", seed=rng, dtype="float64")
    X = device.asarray(rng.normal(size=(6, 5)))
    Z = to_numpy(X @ layer.params["W"] + layer.params["b"])
    assert np.abs(Z).min() > 1e-3  # no pre-activation within the finite-difference step of 0
    assert 0 < (Z > 0).mean() < 1  # both sides of the kink are exercised
    assert max(check_layer(layer, X, seed=rng).values()) < 1e-7


@pytest.mark.parametrize("activation", ["heaviside", "sign"])
def test_step_activations_pass_no_gradient_to_inputs(rng, activation):
    layer = Dense(3, 4, activation, seed=rng, dtype="float64")
    layer.forward(rng.normal(size=(2, 3)))
    dX = layer.backward(rng.normal(size=(2, 4)))
    assert not dX.any() and not layer.grads["W"].any() and not layer.grads["b"].any()


def test_gradient_check_catches_a_wrong_backward(rng):
    """The check itself must fail on a plausible bug: dW divided by the batch size once too often."""

    class Buggy(Dense):
        def linear_backward(self, dZ, need_dX=True, *, check_input=True):
            dX = super().linear_backward(dZ, need_dX, check_input=check_input)
            self.grads["W"][...] = self.grads["W"] / dZ.shape[0]  # a spurious 1/N
            return dX

    layer = Buggy(3, 2, "tanh", seed=rng, dtype="float64")
    errors = check_layer(layer, rng.normal(size=(4, 3)), seed=rng, raise_on_failure=False)
    assert errors["W"] > 1e-2 and errors["dX"] < 1e-7


def test_gradient_check_catches_a_backward_that_skips_the_activation(rng):
    """Chapter 5's bug, written through the public methods: backward without the activation's derivative."""

    class Forgetful(Dense):
        def backward(self, dY, need_dX=True, *, check_input=True):
            return self.linear_backward(dY, need_dX=need_dX, check_input=check_input)  # BUG: no sigmoid'(Z)

    errors = check_layer(Forgetful(5, 3, "sigmoid", seed=rng, dtype="float64"), rng.normal(size=(4, 5)),
                         seed=rng, raise_on_failure=False)
    assert min(errors.values()) > 1e-2
    linear = Forgetful(5, 3, "linear", seed=rng, dtype="float64")  # nothing to forget without an activation
    assert max(check_layer(linear, rng.normal(size=(4, 5)), seed=rng).values()) < 1e-7


def test_dense_is_its_linear_pass_then_its_activation(rng):
    layer = Dense(4, 3, "tanh", seed=rng, dtype="float64")
    layer.params["b"][...] = rng.normal(size=3)
    X, dY = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    W, b = layer.params["W"], layer.params["b"]
    Z = layer.linear_forward(X)
    np.testing.assert_array_equal(Z, X @ W + b)
    dX_linear = layer.linear_backward(dY)  # dY taken as dZ: the three dense formulas
    np.testing.assert_allclose(dX_linear, dY @ W.T)
    np.testing.assert_allclose(layer.grads["W"], X.T @ dY)
    np.testing.assert_allclose(layer.grads["b"], dY.sum(axis=0))
    np.testing.assert_array_equal(layer.forward(X), np.tanh(Z))
    dX = layer.backward(dY)
    dZ = dY * (1 - np.tanh(Z) ** 2)
    np.testing.assert_allclose(dX, dZ @ W.T)
    np.testing.assert_allclose(layer.grads["W"], X.T @ dZ)
    assert layer.linear_backward(dY, need_dX=False) is None


def test_check_input_false_skips_only_the_checks(rng):
    """What a network passes inside its training loop: the same numbers, no validation."""
    layer = Dense(4, 3, "relu", seed=0)
    X = rng.normal(size=(6, 4)).astype(np.float32)
    checked = layer.forward(X)
    np.testing.assert_array_equal(layer.forward(X, check_input=False), checked)
    dY = rng.normal(size=(6, 3)).astype(np.float32)
    np.testing.assert_array_equal(layer.backward(dY, check_input=False), layer.backward(dY))
    with pytest.raises(ValueError, match="Dense.forward: expected finite values in X"):
        layer.forward(np.full((6, 4), np.nan, dtype=np.float32))
    assert np.isnan(layer.forward(np.full((6, 4), np.nan, dtype=np.float32), check_input=False)).all()
    with pytest.raises(ValueError, match=r"Dense.linear_forward: expected X of shape \(N, 4\)"):
        layer.linear_forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"Dense.linear_backward: expected dZ of shape \(6, 3\); got shape \(2, 4\)"):
        layer.linear_backward(np.ones((2, 4)))
    drop = Dropout(0.5, seed=0)
    with pytest.raises(ValueError, match="Dropout.forward: expected finite values in X"):
        drop.forward(np.array([[np.inf]]))
    assert drop.forward(np.array([[np.inf]]), check_input=False)[0, 0] == np.inf


def test_dense_forward_backward_values(rng):
    layer = Dense(4, 3, "relu", seed=rng, dtype="float64")
    W, b = layer.params["W"], layer.params["b"]
    b[...] = [0.1, -0.2, 0.3]
    X = rng.normal(size=(5, 4))
    Z = X @ W + b
    np.testing.assert_allclose(layer.forward(X), np.maximum(Z, 0))
    dY = rng.normal(size=(5, 3))
    dX = layer.backward(dY)
    dZ = dY * (Z > 0)
    np.testing.assert_allclose(dX, dZ @ W.T)
    np.testing.assert_allclose(layer.grads["W"], X.T @ dZ)
    np.testing.assert_allclose(layer.grads["b"], dZ.sum(axis=0))
    skipped = layer.backward(dY, need_dX=False)
    assert skipped is None
    np.testing.assert_allclose(layer.grads["W"], X.T @ dZ)


def test_dense_does_not_modify_callers_arrays_and_casts_to_its_dtype(rng):
    layer = Dense(3, 2, "sigmoid", seed=0)
    X = rng.normal(size=(4, 3))
    X_before = X.copy()
    Y = layer.forward(X)
    dY = rng.normal(size=(4, 2))
    dY_before = dY.copy()
    dX = layer.backward(dY)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(dY, dY_before)
    assert Y.dtype == np.float32 and dX.dtype == np.float32 and layer.grads["W"].dtype == np.float32
    assert layer.forward(np.ones((2, 3), dtype=np.int64)).dtype == np.float32


def test_dense_params_grads_and_count(device):
    layer = Dense(13, 10, "relu", seed=0)
    assert set(layer.params) == set(layer.grads) == {"W", "b"}
    assert layer.params["W"].shape == layer.grads["W"].shape == (13, 10)
    assert layer.params["b"].shape == layer.grads["b"].shape == (10,)
    assert type(layer.params["W"]).__module__.split(".")[0] == device.__name__
    assert layer.activation.name == "relu"
    assert layer.count_params() == 140
    assert Dense(10, 1).count_params() == 11
    assert Dense(784, 784).count_params() == 615_440
    assert "Dense(n_inputs=13, units=10, activation='relu'" in repr(layer)
    assert layer.n_inputs == 13 and layer.name == "dense"


# --------------------------------------------------------------------------- initializers


def test_glorot_uniform_is_keras_default_and_within_its_limit():
    W = init_weights("glorot_uniform", 300, 100, seed=0)
    limit = np.sqrt(6 / 400)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit  # fills the interval
    assert abs(W.std() - limit / np.sqrt(3)) < 0.01 * limit  # std of U(-a, a) is a / sqrt(3)
    assert Dense(300, 100).init == "glorot_uniform"


@pytest.mark.parametrize(
    "name, std",
    [("he_normal", np.sqrt(2 / 400)), ("lecun_normal", np.sqrt(1 / 400)), ("glorot_normal", np.sqrt(2 / 600))],
)
def test_truncated_normal_initializers_have_the_target_std(name, std):
    W = init_weights(name, 400, 200, seed=1)
    assert abs(W.std() / std - 1) < 0.02
    assert abs(W.mean()) < 0.02 * std
    assert np.abs(W).max() <= 2 * std / 0.87962566103423978 + 1e-12  # truncated at two stds


@pytest.mark.parametrize("name, limit", [("he_uniform", np.sqrt(6 / 400)), ("lecun_uniform", np.sqrt(3 / 400))])
def test_uniform_fan_in_initializers(name, limit):
    W = init_weights(name, 400, 200, seed=2)
    assert limit * 0.99 < np.abs(W).max() <= limit


def test_normal_and_zeros_initializers():
    W = init_weights("normal", 200, 100, seed=3)
    assert abs(W.std() - 0.01) < 0.0005
    assert not init_weights("zeros", 3, 4, seed=3).any()


@pytest.mark.parametrize("init", INITIALIZERS)
def test_biases_start_at_zero_and_weights_have_the_layer_dtype(init):
    layer = Dense(5, 3, init=init, seed=0)
    assert not layer.params["b"].any()
    assert layer.params["W"].dtype == np.float32


def test_seed_generator_and_fresh_rng():
    a = Dense(6, 4, seed=7).params["W"]
    b = Dense(6, 4, seed=np.random.default_rng(7)).params["W"]
    np.testing.assert_array_equal(a, b)
    # float64 weights are the float32 weights before rounding: one draw, then a cast
    np.testing.assert_array_equal(Dense(6, 4, seed=7, dtype="float64").params["W"].astype(np.float32), a)
    assert not np.array_equal(Dense(6, 4, seed=8).params["W"], a)
    gen = np.random.default_rng(0)
    assert not np.array_equal(Dense(6, 4, seed=gen).params["W"], Dense(6, 4, seed=gen).params["W"])


# --------------------------------------------------------------------------- Dropout


def test_dropout_is_the_identity_in_evaluation(device, rng):
    drop = Dropout(0.5, seed=0)
    X = device.asarray(rng.normal(size=(4, 6)))
    dY = device.asarray(rng.normal(size=(4, 6)))
    assert drop.forward(X) is X or bool((drop.forward(X) == X).all())
    np.testing.assert_array_equal(to_numpy(drop.backward(dY)), to_numpy(dY))
    assert drop.params == {} and drop.grads == {} and drop.count_params() == 0


def test_dropout_train_mode_gradient_with_a_fixed_mask(device, rng):
    X = device.asarray(rng.normal(size=(5, 7)))
    dY = device.asarray(rng.normal(size=(5, 7)))

    def forward(_):
        return Dropout(0.4, seed=11).forward(X, training=True)  # a fresh seed: the same mask each call

    drop = Dropout(0.4, seed=11)
    Y = drop.forward(X, training=True)
    dX = drop.backward(dY)
    assert rel_error(dX, numeric_vjp(forward, X, dY)) < 1e-7
    dropped = to_numpy(Y) == 0
    assert dropped.any() and (~dropped).any()
    np.testing.assert_allclose(to_numpy(Y)[~dropped], to_numpy(X)[~dropped] / 0.6)
    np.testing.assert_array_equal(to_numpy(dX)[dropped], 0)


def test_dropout_rate_and_scaling_statistics():
    drop = Dropout(0.3, seed=0)
    X = np.ones((400, 500), dtype=np.float32)
    Y = drop.forward(X, training=True)
    assert Y.dtype == np.float32
    assert abs((Y == 0).mean() - 0.3) < 0.005
    assert set(np.unique(Y).tolist()) == {0.0, np.float32(1 / 0.7)}
    assert abs(Y.mean() - 1.0) < 0.01  # inverted dropout keeps the expected activation
    Y2 = drop.forward(X, training=True)
    assert not np.array_equal(Y, Y2)  # a new mask every call


def test_dropout_rate_zero_is_identity_in_training(rng):
    X = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(Dropout(0.0).forward(X, training=True), X)


# --------------------------------------------------------------------------- TensorFlow cross-check


@pytest.mark.tf
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh", "sigmoid", "softmax"])
def test_dense_matches_keras_dense_and_gradient_tape(tf, rng, activation):
    import keras

    layer = Dense(5, 3, activation, seed=rng, dtype="float64")
    layer.params["b"][...] = rng.normal(size=3)
    X = rng.normal(size=(4, 5))
    dY = rng.normal(size=(4, 3))

    ref = keras.layers.Dense(3, activation=activation, dtype="float64")
    ref.build((None, 5))
    ref.set_weights([layer.params["W"], layer.params["b"]])
    X_tf = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(X_tf)
        Y_tf = ref(X_tf)
        # <dY, Y> has gradient dY wrt Y, so the tape computes the same vector-Jacobian products.
        objective = tf.reduce_sum(Y_tf * dY)
    dX_tf, dW_tf, db_tf = tape.gradient(objective, [X_tf, ref.kernel, ref.bias])

    np.testing.assert_allclose(layer.forward(X), Y_tf.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.backward(dY), dX_tf.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW_tf.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db_tf.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- validation


def test_dense_forward_shape_message(rng):
    layer = Dense(4, 2)
    with pytest.raises(ValueError, match=r"^Dense\.forward: expected X of shape \(N, 4\); got shape \(3, 5\)\."):
        layer.forward(rng.normal(size=(3, 5)))


def test_dense_forward_rejects_1d_and_non_finite_input():
    layer = Dense(4, 2)
    with pytest.raises(ValueError, match=r"Dense\.forward: expected X of shape \(N, 4\); got shape \(4,\).*reshape"):
        layer.forward(np.ones(4))
    X = np.ones((2, 4))
    X[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"Dense\.forward: expected finite values in X; got 1 NaN"):
        layer.forward(X)
    with pytest.raises(TypeError, match=r"Dense\.forward: expected X with a numeric dtype"):
        layer.forward(np.array([["a", "b", "c", "d"]]))


def test_dense_backward_before_forward_and_wrong_dy_shape(rng):
    layer = Dense(4, 2)
    with pytest.raises(RuntimeError, match=r"Dense\.backward: .*call forward\(X\) before backward"):
        layer.backward(np.ones((3, 2)))
    layer.forward(rng.normal(size=(3, 4)))
    with pytest.raises(ValueError, match=r"Dense\.backward: expected dY of shape \(3, 2\); got shape \(3, 4\)"):
        layer.backward(np.ones((3, 4)))
    with pytest.raises(RuntimeError, match=r"Dropout\.backward: .*call forward"):
        Dropout(0.5).backward(np.ones((3, 2)))


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"units": 0}, ValueError, r"Dense: expected units >= 1; got units=0"),
        ({"units": -3}, ValueError, r"Dense: expected units >= 1"),
        ({"units": 2.5}, TypeError, r"Dense: expected units as an integer; got float 2\.5"),
        ({"n_inputs": 0}, ValueError, r"Dense: expected n_inputs >= 1"),
        ({"activation": "relux"}, ValueError, r"get_activation: expected name to be one of .*'relu'.*got 'relux'"),
        ({"init": "xavier"}, ValueError, r"Dense: expected init to be one of 'glorot_uniform', .*'he_normal'.*got 'xavier'"),
        ({"dtype": "int32"}, ValueError, r"Dense: expected dtype 'float32' or 'float64'; got 'int32'"),
        ({"seed": np.random.RandomState(0)}, TypeError, r"Dense: expected seed as None, an int or a numpy"),
        ({"name": ""}, TypeError, r"Dense: expected name as a non-empty string"),
        ({"rng": 0}, TypeError, r"unexpected keyword argument 'rng'"),
        ({"units_": 3}, TypeError, r"unexpected keyword argument 'units_'"),
    ],
)
def test_dense_rejects_bad_hyperparameters(kwargs, exc, match):
    args = {"n_inputs": 4, "units": 2, **kwargs}
    with pytest.raises(exc, match=match):
        Dense(**args)


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_rejects_rates_outside_0_1(rate):
    with pytest.raises(ValueError, match=r"Dropout: expected rate in \[0, 1\); got rate="):
        Dropout(rate)


def test_dropout_backward_checks_dy_shape(rng):
    drop = Dropout(0.5, seed=0)
    drop.forward(rng.normal(size=(3, 4)), training=True)
    with pytest.raises(ValueError, match=r"Dropout\.backward: expected dY of shape \(3, 4\)"):
        drop.backward(np.ones((4, 3)))
