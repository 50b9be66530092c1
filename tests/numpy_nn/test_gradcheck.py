"""Tests of course_pkg.numpy_nn.gradcheck: the checker must pass right gradients and catch wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from course_pkg.numpy_nn.gradcheck import check_layer, numeric_grad, numeric_vjp, rel_error


class Affine:
    """A tiny correct affine layer ``Y = X @ W + b`` following the layers.py contract."""

    def __init__(self, d, m, rng, dtype=np.float64):
        self.params = {"W": rng.standard_normal((d, m)).astype(dtype), "b": rng.standard_normal(m).astype(dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.seen_dY = None

    def forward(self, X, training=False):
        self.X = X
        return X @ self.params["W"] + self.params["b"]  # (N, M)

    def backward(self, dY):
        self.seen_dY = dY.copy()
        self.grads["W"][...] = self.X.T @ dY  # (D, M)
        self.grads["b"][...] = dY.sum(axis=0)  # (M,)
        return dY @ self.params["W"].T  # (N, D)


class ScaledDW(Affine):
    def backward(self, dY):
        dX = super().backward(dY)
        self.grads["W"] *= 1.5  # a stray factor
        return dX


class RowsReversedDW(Affine):
    """dW built from dY with its rows in the wrong order: invisible with an all-ones dY."""

    def backward(self, dY):
        dX = super().backward(dY)
        self.grads["W"][...] = self.X.T @ dY[::-1]
        return dX


class TransposedDW(Affine):
    def backward(self, dY):
        dX = super().backward(dY)
        self.grads = {"W": dY.T @ self.X, "b": self.grads["b"]}  # (M, D): W's transpose
        return dX


class MeanDb(Affine):
    def backward(self, dY):
        dX = super().backward(dY)
        self.grads["b"][...] = dY.mean(axis=0)  # should be the sum
        return dX


class WrongDX(Affine):
    def backward(self, dY):
        super().backward(dY)
        return dY @ np.abs(self.params["W"]).T


# --------------------------------------------------------------------------- numeric_grad and numeric_vjp


def test_numeric_grad_of_known_functions(rng):
    x = rng.standard_normal((3, 4))
    assert rel_error(numeric_grad(lambda v: float(np.sum(v**3)), x), 3 * x**2) < 1e-8
    assert rel_error(numeric_grad(lambda v: float(np.sum(np.sin(v))), x), np.cos(x)) < 1e-8
    A = rng.standard_normal((4, 4))
    v = rng.standard_normal(4)
    assert rel_error(numeric_grad(lambda u: float(u @ A @ u), v), (A + A.T) @ v) < 1e-8
    # A function of x through a closure (the usual way to check weights).
    W = rng.standard_normal((4, 2))
    X = rng.standard_normal((5, 4))
    expected = X.T @ np.tanh(X @ W)  # d/dW of sum(log cosh(X @ W))
    assert rel_error(numeric_grad(lambda _: float(np.sum(np.log(np.cosh(X @ W)))), W), expected) < 1e-7


def test_numeric_grad_is_float64_and_restores_x_exactly(rng):
    x = rng.standard_normal((2, 3))
    before = x.copy()
    grad = numeric_grad(lambda v: float(np.sum(v**2)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_array_equal(x, before)


def test_numeric_grad_restores_x_when_f_raises(rng):
    x = rng.standard_normal(4)
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numeric_grad(f, x)
    np.testing.assert_array_equal(x, before)


def test_numeric_vjp_of_a_matrix_product(rng):
    X = rng.standard_normal((1, 3))
    W = rng.standard_normal((3, 5))
    dY = rng.standard_normal((1, 5))
    assert rel_error(numeric_vjp(lambda x: x @ W, X, dY), dY @ W.T) < 1e-8
    assert rel_error(numeric_vjp(lambda w: X @ w, W, dY), X.T @ dY) < 1e-8


def test_numeric_vjp_with_a_reused_output_buffer(rng):
    # f returns the same array each time; the projection must be taken before the next call.
    x = rng.standard_normal(3)
    buffer = np.empty(3)

    def f(v):
        np.multiply(v, v, out=buffer)
        return buffer

    dout = rng.standard_normal(3)
    assert rel_error(numeric_vjp(f, x, dout), 2 * x * dout) < 1e-8


def test_numeric_checks_refuse_float32_and_non_arrays():
    with pytest.raises(TypeError, match="numeric_grad: expected x with dtype float64; got float32. Use float64"):
        numeric_grad(lambda v: float(v.sum()), np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="numeric_vjp: expected x with dtype float64; got int64"):
        numeric_vjp(lambda v: v, np.arange(3), np.ones(3))
    with pytest.raises(TypeError, match="numeric_grad: expected x as a float64 array .*; got list"):
        numeric_grad(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="numeric_grad: expected x as a float64 array .*; got NoneType"):
        numeric_grad(lambda v: 0.0, None)


def test_numeric_checks_report_misuse():
    with pytest.raises(TypeError, match=r"numeric_grad: expected f to return a scalar; got an array of shape \(3,\)\. "
                                        r"For an array-valued f use numeric_vjp"):
        numeric_grad(lambda v: v * 2, np.zeros(3))
    with pytest.raises(ValueError, match=r"numeric_vjp: expected f\(x\) of shape \(2, 3\) \(the shape of dout\); "
                                         r"got \(3, 2\)"):
        numeric_vjp(lambda v: v, np.zeros((3, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="numeric_grad: expected h > 0; got h=0"):
        numeric_grad(lambda v: 0.0, np.zeros(2), h=0)
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="numeric_grad: expected x as a writable array; got a read-only one"):
        numeric_grad(lambda v: 0.0, frozen)


# --------------------------------------------------------------------------- rel_error


def test_rel_error_known_values():
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.array([[3.0, -1.0]]), np.array([[3.0, -1.0]])) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0  # the 1e-12 floor avoids 0 / 0
    assert rel_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert rel_error(np.array([1e-13]), np.array([0.0])) == pytest.approx(0.1)  # floor, not 1.0
    assert rel_error(np.array([1.0, 100.0]), np.array([1.0, 101.0])) == pytest.approx(1 / 201)  # elementwise max
    assert np.isnan(rel_error(np.array([np.nan]), np.array([1.0])))


def test_rel_error_refuses_different_shapes():
    with pytest.raises(ValueError, match=r"rel_error: expected a and b of the same shape; got a of shape \(3, 2\) "
                                         r"and b of shape \(2, 3\)"):
        rel_error(np.zeros((3, 2)), np.zeros((2, 3)))


# --------------------------------------------------------------------------- check_layer


@pytest.mark.parametrize("n, d, m", [(1, 3, 2), (5, 4, 3)])
def test_check_layer_passes_a_correct_layer(n, d, m, rng):
    layer = Affine(d, m, rng)
    X = rng.standard_normal((n, d))
    params_before = {k: v.copy() for k, v in layer.params.items()}
    X_before = X.copy()
    errors = check_layer(layer, X)
    assert set(errors) == {"dX", "W", "b"}
    assert max(errors.values()) < 1e-7
    # The check leaves the layer and the data as they were.
    for k, v in layer.params.items():
        np.testing.assert_array_equal(v, params_before[k])
    np.testing.assert_array_equal(X, X_before)


def test_check_layer_uses_a_random_upstream_gradient(rng):
    layer = Affine(3, 4, rng)
    check_layer(layer, rng.standard_normal((2, 3)))
    assert layer.seen_dY.shape == (2, 4)
    assert np.unique(layer.seen_dY).size == layer.seen_dY.size  # not all ones, not constant
    again = Affine(3, 4, np.random.default_rng(1))
    check_layer(again, np.zeros((2, 3)) + 1.0, seed=7)
    first = again.seen_dY
    check_layer(again, np.zeros((2, 3)) + 1.0, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(again.seen_dY, first)  # an int seed and a Generator agree


@pytest.mark.parametrize(
    "layer_cls, worst, pattern",
    [
        (ScaledDW, "W", r"check_layer: dW differs from the numeric gradient: relative error 2\.0e-01 > 1e-07\. "
                        r"Common causes: .*dW = X\.T @ dY"),
        (RowsReversedDW, "W", r"check_layer: dW differs from the numeric gradient"),
        (MeanDb, "b", r"check_layer: db differs from the numeric gradient: .*db = dY\.sum\(axis=0\)"),
        (WrongDX, "dX", r"check_layer: dX differs from the numeric gradient: .*dX = dY @ W\.T"),
    ],
)
def test_check_layer_catches_a_wrong_gradient(layer_cls, worst, pattern, rng):
    layer = layer_cls(4, 3, rng)
    X = rng.standard_normal((5, 4))
    with pytest.raises(ValueError, match=pattern):
        check_layer(layer, X)
    errors = check_layer(layer_cls(4, 3, np.random.default_rng(3)), X, raise_on_failure=False)
    assert errors[worst] > 1e-3
    assert all(err < 1e-7 for key, err in errors.items() if key != worst)


def test_rows_reversed_bug_hides_from_an_all_ones_upstream_gradient(rng):
    # Why check_layer draws a random dY: with ones the buggy dW equals the right one.
    layer = RowsReversedDW(4, 3, rng)
    X = rng.standard_normal((5, 4))
    layer.forward(X)
    layer.backward(np.ones((5, 3)))
    np.testing.assert_allclose(layer.grads["W"], X.T @ np.ones((5, 3)))


def test_check_layer_reports_a_transposed_gradient_shape(rng):
    layer = TransposedDW(4, 3, rng)
    X = rng.standard_normal((2, 4))
    with pytest.raises(ValueError, match=r"check_layer: dW has shape \(3, 4\) but W has shape \(4, 3\): a gradient "
                                         r"must have exactly the shape of its array"):
        check_layer(layer, X)
    errors = check_layer(TransposedDW(4, 3, rng), X, raise_on_failure=False)
    assert errors["W"] == float("inf") and errors["b"] < 1e-7


def test_check_layer_lists_every_failing_gradient(rng):
    class TwoBugs(ScaledDW):
        def backward(self, dY):
            dX = super().backward(dY)
            self.grads["b"] *= 1.1
            return dX

    with pytest.raises(ValueError, match=r"dW differs .* Also failing: db differs from the numeric gradient\."):
        check_layer(TwoBugs(4, 3, rng), rng.standard_normal((3, 4)))


def test_check_layer_tolerance_is_respected(rng):
    layer = ScaledDW(4, 3, rng)
    X = rng.standard_normal((2, 4))
    assert check_layer(layer, X, tol=0.5)["W"] == pytest.approx(0.2)


def test_check_layer_refuses_float32_parameters(rng):
    with pytest.raises(TypeError, match=r"check_layer: expected layer.params\['W'\] with dtype float64; got float32\. "
                                        r".*Build the layer with float64 parameters"):
        check_layer(Affine(3, 2, rng, dtype=np.float32), np.ones((2, 3)))


def test_check_layer_casts_integer_X_to_float64(rng):
    layer = Affine(3, 2, rng)
    assert max(check_layer(layer, np.arange(6).reshape(2, 3)).values()) < 1e-7
    assert layer.X.dtype == np.float64


def test_check_layer_refuses_objects_without_the_contract(rng):
    with pytest.raises(TypeError, match="check_layer: expected a layer with forward.*got object without 'forward'"):
        check_layer(object(), np.ones((2, 3)))
    layer = Affine(3, 2, rng)
    layer.grads = {"W": layer.grads["W"]}
    with pytest.raises(ValueError, match=r"check_layer: expected layer.grads with the keys of layer.params \['W', 'b'\]; "
                                         r"got keys \['W'\]"):
        check_layer(layer, np.ones((2, 3)))


def test_check_layer_rejects_bad_X(rng):
    with pytest.raises(ValueError, match="check_layer: expected finite values in X"):
        check_layer(Affine(3, 2, rng), np.array([[np.nan, 0.0, 1.0]]))
    with pytest.raises(TypeError, match="check_layer: expected X as an array; got None"):
        check_layer(Affine(3, 2, rng), None)


def test_check_layer_with_a_parameterless_layer(rng):
    class Tanh:
        params, grads = {}, {}

        def forward(self, X, training=False):
            self.X = X
            return np.tanh(X)

        def backward(self, dY):
            return dY * (1 - np.tanh(self.X) ** 2)

    assert set(check_layer(Tanh(), rng.standard_normal((3, 2)))) == {"dX"}
