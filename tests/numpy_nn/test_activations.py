"""Tests of course_pkg.numpy_nn.activations: values, gradients, stability, dtypes, errors, Keras."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from course_pkg.numpy_nn import activations as act
from course_pkg.numpy_nn.gradcheck import numeric_vjp, rel_error

SMOOTH = ["linear", "sigmoid", "tanh", "relu", "softplus", "softmax"]
ELEMENTWISE_GRADS = {
    "sigmoid": (act.sigmoid, act.sigmoid_grad),
    "tanh": (act.tanh, act.tanh_grad),
    "relu": (act.relu, act.relu_grad),
    "softplus": (act.softplus, act.softplus_grad),
    "linear": (act.linear, act.linear_grad),
    "heaviside": (act.heaviside, act.heaviside_grad),
    "sign": (act.sign, act.sign_grad),
}
FORWARDS = [act.heaviside, act.sign, act.sigmoid, act.tanh, act.relu, act.softplus, act.softmax, act.linear]
GRADS = [act.heaviside_grad, act.sign_grad, act.sigmoid_grad, act.tanh_grad, act.relu_grad, act.softplus_grad]
SHAPES = [(1, 3), (5, 4), (7,)]
HUGE = [-1e4, -1000.0, -100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 1000.0, 1e4]


def _away_from_kinks(rng, shape):
    """Standard-normal values kept at least 1e-2 from 0, where relu/step/sign have kinks."""
    z = rng.standard_normal(shape)
    return np.where(np.abs(z) < 1e-2, 0.5, z)


# --------------------------------------------------------------------------- values


def test_step_functions_hand_values():
    z = np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])
    np.testing.assert_array_equal(act.heaviside(z), [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(act.sign(z), [-1, -1, 0, 1, 1])
    np.testing.assert_array_equal(act.heaviside_grad(z), np.zeros(5))
    np.testing.assert_array_equal(act.sign_grad(z), np.zeros(5))


def test_smooth_functions_match_their_definitions_in_the_safe_range():
    z = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14, atol=0)
    np.testing.assert_allclose(act.tanh(z), 2 * act.sigmoid(2 * z) - 1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.softplus(z), np.log1p(np.exp(z)), rtol=1e-13, atol=0)
    np.testing.assert_array_equal(act.relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_array_equal(act.linear(z), z)
    s = 1 / (1 + np.exp(-z))
    # Exact references: s * (1 - s) and 1 - tanh**2 lose all digits in the tails.
    np.testing.assert_allclose(act.sigmoid_grad(z), np.exp(-z) / (1 + np.exp(-z)) ** 2, rtol=1e-13, atol=0)
    np.testing.assert_allclose(act.sigmoid_grad_from_output(s), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(act.tanh_grad(z), 1 / np.cosh(z) ** 2, rtol=1e-13, atol=0)
    np.testing.assert_allclose(act.softplus_grad(z), s, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_gives_the_bits_of_the_two_branch_formula(dtype, rng):
    # The stable textbook form selects 1 / (1 + e) or e / (1 + e) with e = exp(-|z|); the library's
    # single expression must give the same bits everywhere, tails, zeros and infinities included.
    z = np.concatenate([
        rng.normal(scale=s, size=2000) for s in (0.1, 3.0, 30.0, 300.0)
    ] + [np.array([0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0, 104.0, -104.0, 745.0, -745.0, 1e4, -1e4,
                   np.inf, -np.inf])]).astype(dtype)
    with np.errstate(over="ignore", under="ignore"):
        e = np.exp(-np.abs(z))
        two_branch = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    np.testing.assert_array_equal(act.sigmoid(z), two_branch, strict=True)
    assert np.isnan(act.sigmoid(np.array([np.nan], dtype=dtype))).all()


def test_sigmoid_grad_needs_z_not_the_output():
    # The classic bug: feeding z to the output-based shortcut. The two must differ.
    z = np.array([2.0])
    assert act.sigmoid_grad(z)[0] == pytest.approx(act.sigmoid_grad_from_output(act.sigmoid(z))[0])
    assert act.sigmoid_grad_from_output(z)[0] == pytest.approx(-2.0)


def test_relu_grad_is_zero_at_zero_like_tensorflow():
    np.testing.assert_array_equal(act.relu_grad(np.array([-1.0, 0.0, 1e-12])), [0.0, 0.0, 1.0])


def test_softmax_rows_sum_to_one_and_are_shift_invariant(rng):
    z = rng.standard_normal((4, 5)) * 3
    p = act.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), np.ones(4), rtol=1e-14)
    np.testing.assert_allclose(act.softmax(z + 123.4), p, rtol=1e-12)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-13)
    # axis=0 normalises columns instead
    np.testing.assert_allclose(act.softmax(z, axis=0).sum(axis=0), np.ones(5), rtol=1e-14)


def test_softmax_hand_value():
    np.testing.assert_allclose(act.softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]], rtol=1e-15)


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE_GRADS))
def test_elementwise_grad_matches_numeric_vjp(name, shape, rng):
    forward, grad = ELEMENTWISE_GRADS[name]
    z = _away_from_kinks(rng, shape)
    dA = rng.standard_normal(shape)
    numeric = numeric_vjp(forward, z, dA)
    analytic = act.get_activation(name).backward(z, dA)
    np.testing.assert_allclose(analytic, dA * grad(z), rtol=1e-15)
    if name in ("heaviside", "sign"):
        np.testing.assert_array_equal(numeric, np.zeros(shape))
        np.testing.assert_array_equal(analytic, np.zeros(shape))
    else:
        assert rel_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("shape", [(1, 3), (5, 4), (2, 7)])
def test_softmax_vjp_matches_numeric_vjp(shape, rng):
    z = rng.standard_normal(shape) * 2
    dA = rng.standard_normal(shape)
    numeric = numeric_vjp(act.softmax, z, dA)
    assert rel_error(act.softmax_vjp(z, dA), numeric) < 1e-7
    assert rel_error(act.get_activation("softmax").backward(z, dA), numeric) < 1e-7


def test_softmax_vjp_along_axis_zero(rng):
    z = rng.standard_normal((3, 4))
    dA = rng.standard_normal((3, 4))
    numeric = numeric_vjp(lambda v: act.softmax(v, axis=0), z, dA)
    assert rel_error(act.softmax_vjp(z, dA, axis=0), numeric) < 1e-7


def test_softmax_vjp_is_not_the_elementwise_derivative(rng):
    # A wrong "softmax_grad = a * (1 - a)" backward would pass with a constant dA; a random one exposes it.
    z = rng.standard_normal((2, 3))
    dA = rng.standard_normal((2, 3))
    a = act.softmax(z)
    assert rel_error(act.softmax_vjp(z, dA), dA * a * (1 - a)) > 1e-2


# --------------------------------------------------------------------------- stability and dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_inputs_give_the_limits_without_warnings(dtype):
    z = np.array(HUGE, dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        outputs = {f.__name__: f(z) for f in FORWARDS + GRADS}
        outputs["softmax_vjp"] = act.softmax_vjp(z, np.linspace(-1, 1, z.size).astype(dtype))
    for name, out in outputs.items():
        assert not np.isnan(out).any(), name
    s, t, sp = outputs["sigmoid"], outputs["tanh"], outputs["softplus"]
    assert (s[0], s[-1], t[0], t[-1]) == (0.0, 1.0, -1.0, 1.0)
    assert (s >= 0).all() and (s <= 1).all()
    assert sp[0] == 0.0 and sp[-1] == pytest.approx(1e4, rel=1e-7)
    assert np.isfinite(sp).all()
    assert outputs["sigmoid_grad"][0] == outputs["sigmoid_grad"][-1] == 0.0
    assert outputs["tanh_grad"][0] == outputs["tanh_grad"][-1] == 0.0
    assert (outputs["softplus_grad"][0], outputs["softplus_grad"][-1]) == (0.0, 1.0)
    # Softmax over the row: all mass on the 1e4 entry.
    p = outputs["softmax"]
    assert p[-1] == 1.0 and p[:-1].max() == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_of_equal_huge_logits_is_uniform(dtype):
    p = act.softmax(np.full((2, 4), 1e4, dtype=dtype))
    np.testing.assert_array_equal(p, np.full((2, 4), 0.25, dtype=dtype))


def test_infinite_inputs_map_to_limits():
    z = np.array([-np.inf, np.inf])
    np.testing.assert_array_equal(act.sigmoid(z), [0.0, 1.0])
    np.testing.assert_array_equal(act.tanh(z), [-1.0, 1.0])
    np.testing.assert_array_equal(act.relu(z), [0.0, np.inf])
    np.testing.assert_array_equal(act.softplus(z), [0.0, np.inf])
    np.testing.assert_array_equal(act.sigmoid_grad(z), [0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("func", FORWARDS + GRADS + [act.linear_grad, act.sigmoid_grad_from_output])
def test_float_dtype_is_preserved(func, dtype, rng):
    z = rng.standard_normal((2, 3)).astype(dtype)
    assert func(z).dtype == dtype
    assert act.softmax_vjp(z, z).dtype == dtype


@pytest.mark.parametrize("func", FORWARDS + GRADS)
def test_integer_and_list_input_is_promoted_to_float64(func):
    assert func(np.array([[-2, 0, 3]])).dtype == np.float64
    assert func([[-2, 0, 3]]).dtype == np.float64


def test_float32_values_agree_with_float64(rng):
    z = rng.standard_normal((3, 4)) * 5
    for func in FORWARDS + GRADS:
        np.testing.assert_allclose(func(z.astype(np.float32)), func(z), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
def test_inputs_are_not_modified(name, rng):
    z = rng.standard_normal((3, 4))
    dA = rng.standard_normal((3, 4))
    z_before, dA_before = z.copy(), dA.copy()
    activation = act.get_activation(name)
    out = activation.forward(z)
    activation.backward(z, dA)
    np.testing.assert_array_equal(z, z_before)
    np.testing.assert_array_equal(dA, dA_before)
    assert not np.shares_memory(out, z)  # linear returns a copy, so callers may edit it


def test_works_with_the_array_module_fixture(xp):
    z = xp.asarray([[-1.0, 0.0, 2.0]], dtype=xp.float32)
    for name in act.ACTIVATIONS:
        a = act.get_activation(name)
        out = a.forward(z)
        assert type(out) is type(z) and out.dtype == z.dtype
        dz = a.backward(z, xp.ones_like(z))
        assert type(dz) is type(z) and dz.shape == z.shape


# --------------------------------------------------------------------------- Activation objects


def test_get_activation_names_aliases_and_instances():
    assert set(act.ACTIVATIONS) == {"linear", "sigmoid", "tanh", "relu", "softplus", "softmax", "heaviside", "sign"}
    for name, activation in act.ACTIVATIONS.items():
        assert activation.name == name
        assert act.get_activation(name) is activation
        assert act.get_activation(activation) is activation
    assert act.get_activation("identity") is act.ACTIVATIONS["linear"]
    assert act.get_activation(None) is act.ACTIVATIONS["linear"]
    custom = act.Activation("double", lambda z: 2 * z, lambda z, dA: 2 * dA)
    assert act.get_activation(custom) is custom


def test_activation_is_frozen_and_picklable():
    relu = act.get_activation("relu")
    with pytest.raises(dataclasses.FrozenInstanceError):
        relu.name = "other"
    clone = pickle.loads(pickle.dumps(relu))
    np.testing.assert_array_equal(clone.backward(np.array([-1.0, 2.0]), np.array([5.0, 5.0])), [0.0, 5.0])


# --------------------------------------------------------------------------- bad input


def test_unknown_activation_lists_the_known_names():
    with pytest.raises(ValueError, match=r"get_activation: expected name to be one of 'heaviside', .*'tanh'; got 'rleu'"):
        act.get_activation("rleu")


def test_activation_of_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="get_activation: expected name as a string, an Activation or None; got int"):
        act.get_activation(3)


@pytest.mark.parametrize("func", FORWARDS + GRADS)
def test_none_input_is_a_type_error(func):
    with pytest.raises(TypeError, match=rf"{func.__name__}: expected z as an array; got None"):
        func(None)


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="sigmoid: expected z with a numeric dtype; got dtype <U"):
        act.sigmoid(np.array(["a", "b"]))


def test_backward_rejects_dA_of_another_shape():
    with pytest.raises(ValueError, match=r"expected dA of shape \(2, 3\) \(the shape of z\); got \(3, 2\)"):
        act.get_activation("tanh").backward(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"softmax_vjp: expected dA of shape \(2, 3\)"):
        act.softmax_vjp(np.zeros((2, 3)), np.zeros((2,)))


# --------------------------------------------------------------------------- TensorFlow cross-check


@pytest.fixture(scope="module")
def keras(tf):
    import keras

    return keras


@pytest.mark.tf
@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-6), ("float32", 1e-5)])
@pytest.mark.parametrize("name", SMOOTH)
def test_matches_keras_activation_and_gradient(name, dtype, rtol, tf, keras, rng):
    z = (rng.standard_normal((5, 4)) * 3).astype(dtype)
    z[np.abs(z) < 1e-3] = 0.5  # keep relu off its kink
    dA = rng.standard_normal((5, 4)).astype(dtype)
    keras_fn = getattr(keras.activations, name)
    z_tf = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z_tf)
        a_tf = keras_fn(z_tf)
        projected = tf.reduce_sum(a_tf * tf.constant(dA))
    dz_tf = tape.gradient(projected, z_tf).numpy()
    ours = act.get_activation(name)
    a = ours.forward(z)
    assert a.dtype == a_tf.numpy().dtype
    np.testing.assert_allclose(a, a_tf.numpy(), rtol=rtol, atol=1e-7 if dtype == "float32" else 1e-15)
    np.testing.assert_allclose(ours.backward(z, dA), dz_tf, rtol=rtol, atol=1e-6 if dtype == "float32" else 1e-14)


@pytest.mark.tf
def test_relu_grad_at_zero_matches_tensorflow(tf):
    z_tf = tf.constant([0.0, -1.0, 1.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(z_tf)
        y = tf.reduce_sum(tf.nn.relu(z_tf))
    np.testing.assert_array_equal(act.relu_grad(np.array([0.0, -1.0, 1.0])), tape.gradient(y, z_tf).numpy())
