"""Tests of course_pkg.numpy_nn.regularization: numeric gradients, Keras's L2 and AdamW, validation."""

from __future__ import annotations

import numpy as np
import pytest

from course_pkg.numpy_nn.gradcheck import numeric_grad
from course_pkg.numpy_nn.optimizers import Adam
from course_pkg.numpy_nn.regularization import decay_weights, l2_penalty, l2_penalty_grads

SHAPES = [(4, 3), (3, 2)]


def _weights(rng):
    return [rng.normal(size=shape) for shape in SHAPES]


def test_penalty_is_lambda_times_sum_of_squares(rng):
    weights = _weights(rng)
    expected = 0.01 * sum(float(np.sum(w * w)) for w in weights)
    assert np.isclose(l2_penalty(weights, 0.01), expected, rtol=1e-12)
    assert l2_penalty(weights, 0.0) == 0.0
    # Doubling the weights quadruples the penalty: a sum of absolute values (L1) would only double it.
    assert np.isclose(l2_penalty([2 * w for w in weights], 0.01), 4 * expected, rtol=1e-12)


def test_penalty_gradient_matches_numeric_gradient(rng):
    weights = _weights(rng)
    lam = 0.3
    grads = l2_penalty_grads(weights, lam)
    for k, w in enumerate(weights):

        def penalty_of(w_k, k=k):
            return l2_penalty([w_k if j == k else weights[j] for j in range(len(weights))], lam)

        numeric = numeric_grad(penalty_of, w.copy())
        assert grads[k].shape == w.shape
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6, atol=1e-9)


def test_decay_shrinks_by_one_minus_lr_times_decay(rng):
    weights = _weights(rng)
    decayed = decay_weights(weights, learning_rate=0.1, weight_decay=0.5)
    for before, after in zip(weights, decayed):
        np.testing.assert_allclose(after, 0.95 * before, rtol=1e-12)
    originals = [w.copy() for w in weights]
    same = decay_weights(weights, learning_rate=0.1, weight_decay=0.5, inplace=True)
    assert all(a is b for a, b in zip(same, weights))
    for before, after in zip(originals, weights):
        np.testing.assert_allclose(after, 0.95 * before, rtol=1e-12)


def test_for_sgd_l2_and_decoupled_decay_coincide_when_decay_is_twice_lambda(rng):
    W, g = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    lr, lam = 0.05, 0.02
    with_l2 = W - lr * (g + l2_penalty_grads([W], lam)[0])
    decoupled = decay_weights([W], learning_rate=lr, weight_decay=2 * lam)[0] - lr * g
    np.testing.assert_allclose(with_l2, decoupled, rtol=1e-12)


def test_for_adam_l2_and_decoupled_decay_differ(rng):
    """The point of AdamW: Adam rescales the L2 gradient, so the two updates are not the same."""
    W, g = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    lr, lam = 0.01, 0.05
    l2_params = {"W": W.copy()}
    Adam(learning_rate=lr).step(l2_params, {"W": g + l2_penalty_grads([W], lam)[0]})
    decoupled = {"W": decay_weights([W], learning_rate=lr, weight_decay=2 * lam)[0]}
    Adam(learning_rate=lr).step(decoupled, {"W": g})
    assert np.max(np.abs(l2_params["W"] - decoupled["W"])) > 1e-4


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_bad_strength_raises_value_error(bad, rng):
    with pytest.raises(ValueError, match=r"l2_penalty: expected lam >= 0"):
        l2_penalty(_weights(rng), bad)
    with pytest.raises(ValueError, match=r"decay_weights: expected weight_decay >= 0"):
        decay_weights(_weights(rng), learning_rate=0.1, weight_decay=bad)


def test_bad_inputs_raise_type_or_value_error(rng):
    W = rng.normal(size=(2, 2))
    with pytest.raises(TypeError, match=r"l2_penalty_grads: expected a list of weight arrays.*\[W\]"):
        l2_penalty_grads(W, 0.1)
    with pytest.raises(TypeError, match=r"lam as a number"):
        l2_penalty([W], "0.1")
    with pytest.raises(ValueError, match=r"decay_weights: expected learning_rate > 0"):
        decay_weights([W], learning_rate=0.0, weight_decay=0.1)
    with pytest.raises(TypeError, match=r"floating-point weights"):
        decay_weights([np.array([1, 2])], learning_rate=0.1, weight_decay=0.1, inplace=True)


@pytest.fixture(scope="module")
def keras(tf):
    import keras as keras_module

    return keras_module


@pytest.mark.tf
def test_keras_l2_regularizer_matches_penalty_and_gradient(tf, keras, rng):
    """A Dense layer with kernel_regularizer=L2(lam): same penalty, same gradient of loss + penalty."""
    lam = 0.01
    X = rng.normal(size=(8, 4)).astype(np.float32)
    y = rng.normal(size=(8, 3)).astype(np.float32)
    W = rng.normal(size=(4, 3)).astype(np.float32)
    layer = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(lam))
    layer.build((None, 4))
    layer.set_weights([W, np.zeros(3, np.float32)])
    with tf.GradientTape() as tape:
        out = layer(tf.constant(X))
        data_loss = tf.reduce_mean(tf.square(out - y))
        penalty = tf.add_n(layer.losses)
        total = data_loss + penalty
    grad_kernel = tape.gradient(total, layer.kernel).numpy()

    assert np.isclose(float(penalty), l2_penalty([W], lam), rtol=1e-5)
    # The data-loss gradient of the mean squared error, by hand: dL/dW = X^T (2 (XW - y) / (N * C)).
    residual = X.astype(np.float64) @ W - y
    data_grad = X.T @ (2 * residual / residual.size)
    np.testing.assert_allclose(grad_kernel, data_grad + l2_penalty_grads([W], lam)[0], rtol=1e-4, atol=1e-6)


@pytest.mark.tf
def test_keras_adamw_step_is_decoupled_decay_then_adam(tf, keras, rng):
    """One and two AdamW steps equal decay_weights followed by the course's Adam on the raw gradient."""
    lr, wd = 2.0**-6, 0.25  # exactly representable in float32, as in test_optimizers
    W0 = rng.normal(size=(3, 2))
    grads = [rng.normal(size=(3, 2)) for _ in range(2)]

    variable = tf.Variable(W0.astype(np.float64))
    adamw = keras.optimizers.AdamW(learning_rate=lr, weight_decay=wd)
    ours = {"W": W0.copy()}
    adam = Adam(learning_rate=lr)
    for g in grads:
        adamw.apply_gradients([(tf.constant(g), variable)])
        decay_weights([ours["W"]], learning_rate=lr, weight_decay=wd, inplace=True)
        adam.step(ours, {"W": g})
        np.testing.assert_allclose(variable.numpy(), ours["W"], rtol=1e-5, atol=1e-6)  # float32 hyperparameters inside Keras

    # And plain Adam on the L2-penalised gradient lands elsewhere.
    l2 = {"W": W0.copy()}
    Adam(learning_rate=lr).step(l2, {"W": grads[0] + l2_penalty_grads([W0], wd / 2)[0]})
    once = {"W": decay_weights([W0], learning_rate=lr, weight_decay=wd)[0]}
    Adam(learning_rate=lr).step(once, {"W": grads[0]})
    assert np.max(np.abs(l2["W"] - once["W"])) > 1e-5
