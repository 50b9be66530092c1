"""Tests of course_pkg.numpy_nn.losses: values, gradients, fused losses, stability, errors, Keras."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_pkg.numpy_nn import losses as L
from course_pkg.numpy_nn.activations import sigmoid, softmax
from course_pkg.numpy_nn.gradcheck import numeric_grad, rel_error

REGRESSION_SHAPES = [(1, 3), (4, 2), (5,)]
CLASS_SHAPES = [(1, 3), (4, 5)]


def _regression_pair(rng, shape, spread=2.0):
    """Targets and predictions whose errors stay away from 0 and from 1 (MAE and Huber kinks)."""
    y_true = rng.standard_normal(shape)
    err = rng.uniform(0.05, spread, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    err = np.where(np.abs(np.abs(err) - 1.0) < 0.05, 0.5 * np.sign(err), err)
    return y_true, y_true + err


def _probabilities(rng, shape):
    """Positive rows summing to 1 (softmax of random logits)."""
    return softmax(rng.standard_normal(shape))


def _one_hot(labels, c):
    return np.eye(c)[labels]


def _check_grad(loss, grad, y_true, y_pred):
    """Compare grad(y_true, y_pred) with the numeric gradient of loss in y_pred."""
    y_pred = y_pred.copy()
    numeric = numeric_grad(lambda p: loss(y_true, p), y_pred)
    analytic = grad(y_true, y_pred)
    assert analytic.shape == y_pred.shape
    assert rel_error(analytic, numeric) < 1e-7


# --------------------------------------------------------------------------- hand values


def test_regression_hand_values():
    y_true = np.array([[0.0, 1.0], [2.0, -1.0]])
    y_pred = np.array([[0.5, 1.0], [0.0, 2.0]])  # errors 0.5, 0, -2, 3
    assert L.mse(y_true, y_pred) == pytest.approx((0.25 + 0 + 4 + 9) / 4)
    assert L.mae(y_true, y_pred) == pytest.approx((0.5 + 0 + 2 + 3) / 4)
    # Huber delta 1: 0.125, 0, 2 - 0.5, 3 - 0.5
    assert L.huber(y_true, y_pred) == pytest.approx((0.125 + 0 + 1.5 + 2.5) / 4)
    # delta 2.5: 0.125, 0, 2 (quadratic), 2.5 * 3 - 3.125
    assert L.huber(y_true, y_pred, delta=2.5) == pytest.approx((0.125 + 0 + 2 + 4.375) / 4)
    np.testing.assert_allclose(L.mse_grad(y_true, y_pred), 2 * (y_pred - y_true) / 4)
    np.testing.assert_allclose(L.mae_grad(y_true, y_pred), [[0.25, 0.0], [-0.25, 0.25]])
    np.testing.assert_allclose(L.huber_grad(y_true, y_pred), [[0.125, 0.0], [-0.25, 0.25]])
    np.testing.assert_allclose(L.huber_grad(y_true, y_pred, delta=2.5), [[0.125, 0.0], [-0.5, 0.625]])


def test_losses_return_python_floats():
    y = np.array([[0.0, 1.0]])
    p = np.array([[0.3, 0.7]])
    for value in (L.mse(y, p), L.mae(y, p), L.huber(y, p), L.binary_crossentropy(y, p),
                  L.categorical_crossentropy(y, p), L.sparse_categorical_crossentropy(np.array([1]), p),
                  L.softmax_cross_entropy(p, y)[0], L.sigmoid_binary_crossentropy(p, y)[0]):
        assert type(value) is float


def test_mean_over_batch_not_sum():
    # Doubling the batch with copies of the same samples leaves every loss unchanged.
    y = np.array([[0.0, 1.0, 0.0]])
    p = np.array([[0.2, 0.5, 0.3]])
    y2, p2 = np.vstack([y, y]), np.vstack([p, p])
    for f in (L.mse, L.mae, L.huber, L.binary_crossentropy, L.categorical_crossentropy):
        assert f(y2, p2) == pytest.approx(f(y, p))
        np.testing.assert_allclose(L.get_loss(f.__name__).grad(y2, p2)[0], L.get_loss(f.__name__).grad(y, p)[0] / 2)


def test_cross_entropy_hand_values():
    assert L.binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2])) == pytest.approx(
        -(math.log(0.9) + math.log(0.8)) / 2
    )
    probs = np.array([[0.1, 0.6, 0.3], [0.25, 0.25, 0.5]])
    expected = -(math.log(0.6) + math.log(0.5)) / 2
    assert L.categorical_crossentropy(_one_hot([1, 2], 3), probs) == pytest.approx(expected)
    assert L.sparse_categorical_crossentropy(np.array([1, 2]), probs) == pytest.approx(expected)


def test_categorical_crossentropy_renormalises_rows_like_keras():
    # Unnormalised "probabilities" are divided by their row sum first.
    q = np.array([[0.05, 0.3, 0.15]])  # sums to 0.5
    assert L.categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]), q) == pytest.approx(-math.log(0.6))
    assert L.sparse_categorical_crossentropy(np.array([1]), q) == pytest.approx(-math.log(0.6))


def test_probabilities_are_clipped_like_keras():
    eps = 1e-7
    # A confident wrong prediction costs -log(eps), not infinity; the gradient through the clip is 0.
    assert L.binary_crossentropy(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(-math.log(eps))
    np.testing.assert_array_equal(L.binary_crossentropy_grad(np.array([1.0, 0.0]), np.array([0.0, 1.0])), [0.0, 0.0])
    y = np.array([[1.0, 0.0]])
    p = np.array([[0.0, 1.0]])
    assert L.categorical_crossentropy(y, p) == pytest.approx(-math.log(eps))
    assert L.sparse_categorical_crossentropy(np.array([0]), p) == pytest.approx(-math.log(eps), rel=1e-6)
    assert np.isfinite(L.categorical_crossentropy_grad(y, p)).all()
    assert np.isfinite(L.sparse_categorical_crossentropy_grad(np.array([0]), p)).all()


def test_initial_softmax_loss_is_log_of_the_number_of_classes():
    for c in (2, 10):
        loss, _ = L.softmax_cross_entropy(np.zeros((3, c)), np.arange(3) % c)
        assert loss == pytest.approx(math.log(c))


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("shape", REGRESSION_SHAPES)
@pytest.mark.parametrize("name", ["mse", "mae", "huber"])
def test_regression_grad_matches_numeric(name, shape, rng):
    y_true, y_pred = _regression_pair(rng, shape)
    loss = L.get_loss(name)
    _check_grad(loss.value, loss.grad, y_true, y_pred)


@pytest.mark.parametrize("delta", [0.3, 2.5])
def test_huber_grad_with_delta_matches_numeric(delta, rng):
    y_true, y_pred = _regression_pair(rng, (4, 3), spread=4.0)
    y_pred = np.where(np.abs(np.abs(y_pred - y_true) - delta) < 0.05, y_true + 0.01, y_pred)
    _check_grad(lambda t, p: L.huber(t, p, delta=delta), lambda t, p: L.huber_grad(t, p, delta=delta), y_true, y_pred)


def test_mae_subgradient_is_zero_where_the_error_is_zero():
    np.testing.assert_array_equal(L.mae_grad(np.array([1.0, 2.0]), np.array([1.0, 3.0])), [0.0, 0.5])


@pytest.mark.parametrize("shape", REGRESSION_SHAPES)
def test_binary_crossentropy_grad_matches_numeric(shape, rng):
    y_true = rng.integers(0, 2, size=shape).astype(float)
    y_pred = rng.uniform(0.05, 0.95, size=shape)
    _check_grad(L.binary_crossentropy, L.binary_crossentropy_grad, y_true, y_pred)
    soft = rng.uniform(0, 1, size=shape)  # soft targets are allowed
    _check_grad(L.binary_crossentropy, L.binary_crossentropy_grad, soft, y_pred)


@pytest.mark.parametrize("normalised", [True, False])
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_categorical_grads_match_numeric(shape, normalised, rng):
    n, c = shape
    labels = rng.integers(0, c, size=n)
    y_pred = _probabilities(rng, shape) if normalised else rng.uniform(0.05, 0.6, size=shape)
    _check_grad(L.categorical_crossentropy, L.categorical_crossentropy_grad, _one_hot(labels, c), y_pred)
    _check_grad(L.sparse_categorical_crossentropy, L.sparse_categorical_crossentropy_grad, labels, y_pred)


def test_categorical_grad_on_normalised_probabilities_has_the_textbook_form(rng):
    probs = _probabilities(rng, (3, 4))
    y = _one_hot([0, 3, 1], 4)
    np.testing.assert_allclose(L.categorical_crossentropy_grad(y, probs), (1 - y / probs) / 3, rtol=1e-12)
    np.testing.assert_allclose(L.sparse_categorical_crossentropy_grad(np.array([0, 3, 1]), probs),
                               (1 - y / probs) / 3, rtol=1e-12)


@pytest.mark.parametrize("target", ["labels", "one_hot", "probabilities"])
@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_softmax_cross_entropy_grad_matches_numeric(shape, target, rng):
    n, c = shape
    # Unit-scale logits: no gradient entry is so tiny that rounding in the numeric one dominates it.
    logits = rng.standard_normal(shape)
    labels = rng.integers(0, c, size=n)
    y = {"labels": labels, "one_hot": _one_hot(labels, c), "probabilities": _probabilities(rng, shape)}[target]
    loss, dlogits = L.softmax_cross_entropy(logits, y)
    numeric = numeric_grad(lambda z: L.softmax_cross_entropy(z, y)[0], logits.copy())
    assert dlogits.shape == shape
    assert rel_error(dlogits, numeric) < 1e-7
    y_matrix = _one_hot(labels, c) if target == "labels" else y
    np.testing.assert_allclose(dlogits, (softmax(logits) - y_matrix) / n, rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("shape", [(1,), (6,), (1, 1), (3, 2)])
def test_sigmoid_binary_crossentropy_grad_matches_numeric(shape, rng):
    logits = rng.standard_normal(shape)
    y = rng.integers(0, 2, size=shape).astype(float)
    loss, dlogits = L.sigmoid_binary_crossentropy(logits, y)
    numeric = numeric_grad(lambda z: L.sigmoid_binary_crossentropy(z, y)[0], logits.copy())
    assert dlogits.shape == shape
    assert rel_error(dlogits, numeric) < 1e-7
    np.testing.assert_allclose(dlogits, (sigmoid(logits) - y) / y.size, rtol=1e-12)


# --------------------------------------------------------------------------- fused losses agree with the unfused ones


@pytest.mark.parametrize("shape", CLASS_SHAPES)
def test_fused_softmax_equals_categorical_of_softmax(shape, rng):
    n, c = shape
    logits = rng.standard_normal(shape) * 2
    labels = rng.integers(0, c, size=n)
    loss_int, d_int = L.softmax_cross_entropy(logits, labels)
    loss_hot, d_hot = L.softmax_cross_entropy(logits, _one_hot(labels, c))
    assert loss_int == pytest.approx(loss_hot, rel=1e-14)
    np.testing.assert_allclose(d_int, d_hot, rtol=1e-14)
    probs = softmax(logits)
    assert loss_int == pytest.approx(L.categorical_crossentropy(_one_hot(labels, c), probs), rel=1e-12)
    assert loss_int == pytest.approx(L.sparse_categorical_crossentropy(labels, probs), rel=1e-12)
    # Float labels holding whole numbers are labels too.
    assert L.softmax_cross_entropy(logits, labels.astype(float))[0] == pytest.approx(loss_int, rel=1e-14)


@pytest.mark.parametrize("shape", [(6,), (3, 2)])
def test_fused_sigmoid_equals_binary_crossentropy_of_sigmoid(shape, rng):
    logits = rng.uniform(-5, 5, size=shape)  # sigmoid stays inside the clipping range
    y = rng.integers(0, 2, size=shape).astype(float)
    loss, _ = L.sigmoid_binary_crossentropy(logits, y)
    assert loss == pytest.approx(L.binary_crossentropy(y, sigmoid(logits)), rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_losses_are_stable_for_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = L.softmax_cross_entropy(logits, np.array([1, 2]))
        bce, dz = L.sigmoid_binary_crossentropy(np.array([1e4, -1e4, 1e4], dtype=dtype), np.array([0.0, 0.0, 1.0]))
    assert loss == pytest.approx(2e4 / 2)  # sample 0 costs 2e4, sample 1 costs 0
    np.testing.assert_allclose(dlogits, np.array([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]) / 2, atol=1e-7)
    assert dlogits.dtype == dtype and dz.dtype == dtype
    assert bce == pytest.approx(1e4 / 3)
    np.testing.assert_allclose(dz, np.array([1.0, 0.0, 0.0]) / 3, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_keep_the_prediction_dtype(dtype, rng):
    y = _one_hot([0, 2], 3)
    p = _probabilities(rng, (2, 3)).astype(dtype)
    for name, loss in L.LOSSES.items():
        y_true = np.array([0, 2]) if name.startswith("sparse") else y
        assert loss.grad(y_true, p).dtype == dtype, name
        assert loss.value(y_true, p) == pytest.approx(loss.value(y_true, p.astype(np.float64)), rel=1e-5)
    assert L.softmax_cross_entropy(p, y)[1].dtype == dtype


def test_single_column_predictions_accept_flat_targets_like_keras(rng):
    y_flat = rng.standard_normal(4)
    y_pred = rng.standard_normal((4, 1))
    assert L.mse(y_flat, y_pred) == pytest.approx(L.mse(y_flat.reshape(-1, 1), y_pred))
    assert L.mse_grad(y_flat, y_pred).shape == (4, 1)
    assert L.mse_grad(y_pred, y_flat).shape == (4,)
    # A naive (y_pred - y_true) would broadcast to (4, 4) and give a different number.
    assert L.mse(y_flat, y_pred) != pytest.approx(float(np.mean((y_pred - y_flat) ** 2)))


def test_inputs_are_not_modified(rng):
    logits = rng.standard_normal((3, 4))
    y = _one_hot([0, 1, 3], 4)
    probs = _probabilities(rng, (3, 4))
    copies = [a.copy() for a in (logits, y, probs)]
    L.softmax_cross_entropy(logits, y)
    L.sigmoid_binary_crossentropy(logits, y)
    for loss in L.LOSSES.values():
        y_true = np.array([0, 1, 3]) if loss.name.startswith("sparse") else y
        loss.value(y_true, probs)
        loss.grad(y_true, probs)
    for before, after in zip(copies, (logits, y, probs)):
        np.testing.assert_array_equal(before, after)


def test_works_with_the_array_module_fixture(xp):
    logits = xp.asarray([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    loss, dlogits = L.softmax_cross_entropy(logits, xp.asarray([0, 2]))
    assert type(dlogits) is type(logits) and isinstance(loss, float)
    grad = L.mse_grad(xp.zeros((2, 3)), logits)
    assert type(grad) is type(logits)


# --------------------------------------------------------------------------- get_loss


def test_get_loss_names_aliases_and_instances():
    assert set(L.LOSSES) == {"mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy",
                             "sparse_categorical_crossentropy"}
    for name, loss in L.LOSSES.items():
        assert loss.name == name and L.get_loss(name) is loss and L.get_loss(loss) is loss
    assert L.get_loss("mean_squared_error") is L.LOSSES["mse"]
    assert L.get_loss("mean_absolute_error") is L.LOSSES["mae"]


def test_unknown_loss_lists_the_known_names():
    with pytest.raises(ValueError, match=r"get_loss: expected name to be one of 'binary_crossentropy', .*; got 'mse2'"):
        L.get_loss("mse2")
    with pytest.raises(TypeError, match="get_loss: expected name as a string or a Loss; got NoneType"):
        L.get_loss(None)


# --------------------------------------------------------------------------- bad input


def test_shape_mismatch_names_the_expected_shape():
    with pytest.raises(ValueError, match=r"mse: expected y_true of shape \(4, 3\) \(the shape of y_pred\); got \(4, 2\)"):
        L.mse(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"binary_crossentropy: expected y_true of shape \(4, 3\)"):
        L.binary_crossentropy(np.zeros(4), np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match=r"categorical_crossentropy: expected y_true \(one-hot\) of shape \(3, 4\).*"
                                         r"got \(3,\)\. For integer labels use sparse_categorical_crossentropy"):
        L.categorical_crossentropy(np.array([0, 1, 2]), np.full((3, 4), 0.25))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: expected y as labels of shape \(2,\) or one-hot "
                                         r"of shape \(2, 3\); got \(2, 4\)"):
        L.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"sigmoid_binary_crossentropy: expected y of shape \(2, 3\)"):
        L.sigmoid_binary_crossentropy(np.zeros((2, 3)), np.zeros((2, 2)))


def test_wrong_number_of_rows():
    with pytest.raises(ValueError, match=r"mse: expected y_true with one row per row of y_pred \(4\); got 3 rows"):
        L.mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: expected y_true with one row per row "
                                         r"of y_pred \(2\); got 3 rows"):
        L.sparse_categorical_crossentropy(np.array([0, 1, 1]), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: expected y with one row per row of logits \(2\)"):
        L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: expected labels in y between 0 and 2 \(3 classes\); "
                                         r"got labels from 0 to 3"):
        L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: expected labels in y_true between 0 and 2"):
        L.sparse_categorical_crossentropy(np.array([-1, 0]), np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="expected integer class labels in y; got non-integer values"):
        L.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.5, 1.0]))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_rejected(bad):
    with pytest.raises(ValueError, match=r"mse: expected finite values in y_pred; got 1 NaN or infinite value"):
        L.mse(np.zeros(3), np.array([0.0, bad, 1.0]))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: expected finite values in logits"):
        L.softmax_cross_entropy(np.array([[0.0, bad]]), np.array([0]))
    with pytest.raises(ValueError, match=r"binary_crossentropy_grad: expected finite values in y_true"):
        L.binary_crossentropy_grad(np.array([bad, 0.0]), np.array([0.5, 0.5]))


def test_none_input_is_a_type_error():
    with pytest.raises(TypeError, match="mse: expected y_true as an array; got None"):
        L.mse(None, np.zeros(3))
    with pytest.raises(TypeError, match="softmax_cross_entropy: expected logits as an array; got None"):
        L.softmax_cross_entropy(None, np.array([0]))
    with pytest.raises(TypeError, match="categorical_crossentropy: expected y_pred as an array; got None"):
        L.categorical_crossentropy(np.zeros((1, 2)), None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_losses_without_checks_give_the_same_bits(rng, dtype):
    # check_input=False skips the validation only: the arithmetic is the same, to the last bit.
    logits = (3 * rng.normal(size=(7, 4))).astype(dtype)
    labels = rng.integers(0, 4, 7)
    onehot = np.eye(4, dtype=dtype)[labels]
    for fused, y in ((L.softmax_cross_entropy, labels), (L.softmax_cross_entropy, onehot),
                     (L.sigmoid_binary_crossentropy, (onehot > 0).astype(dtype))):
        checked, unchecked = fused(logits, y), fused(logits, y, check_input=False)
        assert checked[0] == unchecked[0]
        np.testing.assert_array_equal(checked[1], unchecked[1], strict=True)
    # The plain formulas: mean of -log softmax at the label, and (softmax - one-hot) / N.
    loss, dlogits = L.softmax_cross_entropy(logits, labels, check_input=False)
    probs = softmax(logits)
    assert loss == pytest.approx(float(-np.log(probs[np.arange(7), labels]).mean()), rel=1e-6)
    np.testing.assert_allclose(dlogits, (probs - onehot) / 7, rtol=1e-5, atol=1e-7)


def test_flat_logits_are_rejected_by_softmax_cross_entropy():
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: expected logits of shape \(N, C\); got \(3,\)\. "
                                         r"For one binary output per sample use sigmoid_binary_crossentropy"):
        L.softmax_cross_entropy(np.zeros(3), np.array([0, 1, 0]))


def test_logits_passed_as_probabilities_are_rejected_with_a_hint():
    with pytest.raises(ValueError, match=r"binary_crossentropy: expected y_pred \(probabilities\) in \[0, 1\]; got "
                                         r"values from -2 to 3\. If these are logits .* use sigmoid_binary_crossentropy"):
        L.binary_crossentropy(np.array([0.0, 1.0]), np.array([-2.0, 3.0]))
    with pytest.raises(ValueError, match=r"use softmax_cross_entropy instead"):
        L.categorical_crossentropy(_one_hot([0], 2), np.array([[-1.0, 2.0]]))


def test_targets_outside_zero_one_are_rejected():
    with pytest.raises(ValueError, match=r"sigmoid_binary_crossentropy: expected y \(targets\) in \[0, 1\]; got values "
                                         r"from -1 to 1\. Binary cross-entropy needs 0/1 labels"):
        L.sigmoid_binary_crossentropy(np.zeros(2), np.array([-1.0, 1.0]))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: expected each row of y to sum to 1"):
        L.softmax_cross_entropy(np.zeros((2, 3)), np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))


def test_one_hot_given_to_sparse_is_rejected():
    with pytest.raises(ValueError, match=r"expected integer labels y_true of shape \(2,\); got one-hot-looking shape"):
        L.sparse_categorical_crossentropy(_one_hot([0, 1], 3), np.full((2, 3), 1 / 3))


def test_huber_delta_must_be_positive():
    with pytest.raises(ValueError, match=r"huber: expected delta > 0; got delta=0"):
        L.huber(np.zeros(2), np.ones(2), delta=0)


# --------------------------------------------------------------------------- TensorFlow cross-check


@pytest.fixture(scope="module")
def keras(tf):
    import keras

    return keras


def _keras_value_and_grad(tf, loss_obj, y_true, y_pred):
    y_pred_tf = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(y_pred_tf)
        value = loss_obj(tf.constant(y_true), y_pred_tf)
    return float(value.numpy()), tape.gradient(value, y_pred_tf).numpy()


def _keras_cases(keras, rng, dtype):
    labels = np.array([2, 0, 1, 2])
    probs = _probabilities(rng, (4, 3))
    y_reg, p_reg = _regression_pair(rng, (4, 3))
    y_bin = rng.integers(0, 2, size=(4, 2)).astype(float)
    p_bin = rng.uniform(0.05, 0.95, size=(4, 2))
    kw = {"dtype": dtype}
    return [
        ("mse", keras.losses.MeanSquaredError(**kw), y_reg, p_reg),
        ("mae", keras.losses.MeanAbsoluteError(**kw), y_reg, p_reg),
        ("huber", keras.losses.Huber(**kw), y_reg, p_reg),
        ("mse", keras.losses.MeanSquaredError(**kw), y_reg[:, 0], p_reg[:, 0]),
        ("binary_crossentropy", keras.losses.BinaryCrossentropy(**kw), y_bin, p_bin),
        ("binary_crossentropy", keras.losses.BinaryCrossentropy(**kw), y_bin[:, 0], p_bin[:, 0]),
        ("categorical_crossentropy", keras.losses.CategoricalCrossentropy(**kw), _one_hot(labels, 3), probs),
        ("categorical_crossentropy", keras.losses.CategoricalCrossentropy(**kw), _one_hot(labels, 3), 0.5 * probs),
        ("sparse_categorical_crossentropy", keras.losses.SparseCategoricalCrossentropy(**kw), labels, probs),
        ("sparse_categorical_crossentropy", keras.losses.SparseCategoricalCrossentropy(**kw), labels, 0.5 * probs),
    ]


@pytest.mark.tf
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-6), ("float32", 1e-5)])
def test_losses_match_keras_value_and_gradient(dtype, rtol, tf, keras, rng):
    for name, keras_loss, y_true, y_pred in _keras_cases(keras, rng, dtype):
        y_pred = y_pred.astype(dtype)
        y_true = y_true if name.startswith("sparse") else y_true.astype(dtype)
        value, grad = _keras_value_and_grad(tf, keras_loss, y_true, y_pred)
        ours = L.get_loss(name)
        assert ours.value(y_true, y_pred) == pytest.approx(value, rel=rtol), name
        np.testing.assert_allclose(ours.grad(y_true, y_pred), grad, rtol=rtol, atol=1e-7, err_msg=name)


@pytest.mark.tf
def test_huber_delta_and_clipping_match_keras(tf, keras, rng):
    y_reg, p_reg = _regression_pair(rng, (3, 4), spread=4.0)
    value, grad = _keras_value_and_grad(tf, keras.losses.Huber(delta=2.0, dtype="float64"), y_reg, p_reg)
    assert L.huber(y_reg, p_reg, delta=2.0) == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(L.huber_grad(y_reg, p_reg, delta=2.0), grad, rtol=1e-6)
    # Probabilities at 0 and 1 hit the clip: same values and (zero) gradients as Keras.
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    p = np.array([[0.0, 1.0, 0.3], [1e-9, 0.5, 1.0]])
    value, grad = _keras_value_and_grad(tf, keras.losses.BinaryCrossentropy(dtype="float64"), y, p)
    assert L.binary_crossentropy(y, p) == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(L.binary_crossentropy_grad(y, p), grad, rtol=1e-6)


@pytest.mark.tf
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-6), ("float32", 1e-5)])
def test_fused_losses_match_keras_from_logits(dtype, rtol, tf, keras, rng):
    logits = (rng.standard_normal((4, 3)) * 3).astype(dtype)
    labels = np.array([1, 0, 2, 2])
    kw = {"from_logits": True, "dtype": dtype}
    cases = [
        (keras.losses.SparseCategoricalCrossentropy(**kw), labels, L.softmax_cross_entropy, labels),
        (keras.losses.CategoricalCrossentropy(**kw), _one_hot(labels, 3).astype(dtype), L.softmax_cross_entropy,
         _one_hot(labels, 3)),
        (keras.losses.BinaryCrossentropy(**kw), (logits > 0.3).astype(dtype), L.sigmoid_binary_crossentropy,
         (logits > 0.3).astype(dtype)),
    ]
    for keras_loss, y_keras, ours, y_ours in cases:
        value, grad = _keras_value_and_grad(tf, keras_loss, y_keras, logits)
        loss, dlogits = ours(logits, y_ours)
        assert loss == pytest.approx(value, rel=rtol)
        np.testing.assert_allclose(dlogits, grad, rtol=rtol, atol=1e-7)
    # Huge logits: Keras and we agree, without overflow.
    huge = np.array([[1e4, -1e4, 0.0]], dtype=dtype)
    value, grad = _keras_value_and_grad(tf, keras.losses.SparseCategoricalCrossentropy(**kw), np.array([1]), huge)
    loss, dlogits = L.softmax_cross_entropy(huge, np.array([1]))
    assert loss == pytest.approx(value, rel=rtol)
    np.testing.assert_allclose(dlogits, grad, rtol=rtol, atol=1e-7)
