"""Checks for the assignment ``forward_pass``: loops vs NumPy, a dense layer, stable
activations, parameter counts and the shapes exercise.

References: NumPy's own products for the loop exercises, and
:mod:`course_pkg.numpy_nn.activations` / :mod:`course_pkg.numpy_nn.layers` for
the rest. Designed cases include logits near +-1000 (overflow), rows on very
different scales, a batch of one, integer input and non-square shapes.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from course_pkg.grading._core import (
    Case,
    CheckFailed,
    call_learner,
    check_cases,
    close,
    compare,
    passed,
    require_callable,
    uses_operations,
)
from course_pkg.numpy_nn import activations, layers

__all__ = [
    "check_vector_dot",
    "check_matrix_dot",
    "check_dense_relu",
    "check_sigmoid",
    "check_softmax",
    "check_count_params",
    "check_mlp_shapes",
]

# The learner's code may call none of these: the references, and this module's own helpers.
_FORBIDDEN = (activations, layers, sys.modules[__name__])
_VECTORISED = ("dot", "matmul", "inner", "vdot", "einsum", "tensordot")
# Overflow must not pass silently: the stable formulas never overflow, the naive ones do.
_STRICT = {"over": "raise", "invalid": "raise"}


def _no_numpy_products(fn, name: str) -> None:
    used = uses_operations(fn, _VECTORISED, matmul=True)
    if used:
        raise CheckFailed(
            f"{name} uses {', '.join(used)}: this exercise asks for plain Python loops (for ... in "
            "range(...)), so you see every multiplication the vectorised version does for you."
        )


# --------------------------------------------------------------------------- loops


def check_vector_dot(vector_dot, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``vector_dot(a, b)``: the dot product of two equal-length lists, with a loop."""
    require_callable(vector_dot, name="vector_dot")
    _no_numpy_products(vector_dot, "vector_dot")
    rng = np.random.default_rng(seed)
    cases = [
        Case("[5, -2] and [-3, 0]", ([5, -2], [-3, 0])),
        Case("floats", ([0.5, 1.5, -2.0], [4.0, -1.0, 0.25])),
    ]
    if hidden:
        cases += [
            Case("length one", ([7], [-3])),
            Case("length 9, integers", (rng.integers(-9, 10, 9).tolist(), rng.integers(-9, 10, 9).tolist())),
            Case("zeros", ([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])),
            Case("NumPy arrays", (rng.normal(size=6), rng.normal(size=6))),
        ]
    for case in cases:
        got = call_learner(vector_dot, case, name="vector_dot", references=_FORBIDDEN)
        if isinstance(got, (list, tuple)) or np.ndim(got) != 0:
            raise CheckFailed(
                f"vector_dot must return one number; got {type(got).__name__} on the case '{case.name}'. "
                "Add the products up into a single total."
            )
        a, b = (np.asarray(v, dtype=float) for v in case.args)
        expected = float(a @ b)
        if len(a) > 1 and close(float(got), float(a[:-1] @ b[:-1])) and not close(float(got), expected):
            raise CheckFailed(
                f"vector_dot skips the last element (case '{case.name}'): loop over range(len(a))."
            )
        if not close(float(got), expected):
            raise CheckFailed(f"vector_dot gives the wrong total on the case '{case.name}'.")
    passed("vector_dot", len(cases))


def _vector_dot_stand_in(a, b):
    total = 0
    for x, y in zip(a, b):
        total += x * y
    return total


def check_matrix_dot(matrix_dot, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``matrix_dot(A, B)``: the matrix product of two lists of rows, built from loops."""
    require_callable(matrix_dot, name="matrix_dot")
    _no_numpy_products(matrix_dot, "matrix_dot")
    rng = np.random.default_rng(seed)
    cases = [
        Case("[[2, 3], [3, 5]] times [[1, 2], [5, -1]]", ([[2, 3], [3, 5]], [[1, 2], [5, -1]])),
        Case("(2, 3) times (3, 4)", (rng.integers(-5, 6, (2, 3)).tolist(), rng.integers(-5, 6, (3, 4)).tolist())),
    ]
    if hidden:
        cases += [
            Case("a row times a column, (1, 3) times (3, 1)", ([[1.5, -2.0, 0.5]], [[2.0], [1.0], [-4.0]])),
            Case("a column times a row, (3, 1) times (1, 2)", ([[1.0], [2.0], [-1.0]], [[3.0, -0.5]])),
            Case("floats, (4, 2) times (2, 3)", (rng.normal(size=(4, 2)).tolist(), rng.normal(size=(2, 3)).tolist())),
        ]
    for case in cases:
        got = call_learner(matrix_dot, case, name="matrix_dot", references=_FORBIDDEN,
                           stand_ins={"vector_dot": _vector_dot_stand_in})
        got = _as_matrix(got, "matrix_dot", case)
        A, B = (np.asarray(m, dtype=float) for m in case.args)
        expected = A @ B
        if A.shape[1] == B.shape[1] and got.shape == (A.shape[0], B.shape[0]) and close(got, A @ B.T):
            raise CheckFailed(
                f"matrix_dot multiplies rows of A with rows of B (case '{case.name}'): entry (i, j) is "
                "the dot product of row i of A with COLUMN j of B."
            )
        compare(got, expected, name="matrix_dot", what="the product", case=case,
                shape_hint="An (n, k) matrix times a (k, m) matrix is (n, m).")
    passed("matrix_dot", len(cases))


def _as_matrix(value, name, case) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise CheckFailed(
            f"{name} must return a list of rows (or a 2-D array) of numbers; got {type(value).__name__} "
            f"on the case '{case.name}'."
        ) from err
    if arr.ndim != 2:
        raise CheckFailed(
            f"{name} must return a 2-D result (a list of rows); got {arr.ndim} dimension(s) on the "
            f"case '{case.name}'."
        )
    return arr


# --------------------------------------------------------------------------- a dense layer


def _dense_relu_reference(X, W, b):
    Y, _ = layers.dense_forward(X, W, b)
    return activations.relu(Y)


def check_dense_relu(dense_relu, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``dense_relu(X, W, b)``: ``relu(X @ W + b)`` for X (N, D), W (D, M), b (M,)."""
    rng = np.random.default_rng(seed)
    cases = [
        Case("X (4, 3), W (3, 2)", (rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2))),
    ]
    if hidden:
        cases += [
            Case("negative biases", (rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), np.array([-2.0, -0.5, -1.0]))),
            Case("a batch of one", (rng.normal(size=(1, 6)), rng.normal(size=(6, 2)), rng.normal(size=2))),
            Case("integer X", (rng.integers(-3, 4, (3, 5)), rng.normal(size=(5, 4)), rng.normal(size=4))),
            Case("zeros", (np.zeros((2, 3)), rng.normal(size=(3, 3)), np.zeros(3))),
            Case("wide layer, D=2 to M=7", (rng.normal(size=(3, 2)), rng.normal(size=(2, 7)), rng.normal(size=7))),
        ]

    def diagnose(case, got, expected):
        X, W, b = case.args
        Z = X @ W
        if close(got, Z + b):
            return "the ReLU is missing: apply it to X @ W + b"
        if close(got, activations.relu(Z) + b):
            return "the ReLU must be applied after adding the bias: relu(X @ W + b), not relu(X @ W) + b"
        if close(got, activations.relu(Z)):
            return "the bias b is missing: relu(X @ W + b)"
        return None

    n = check_cases(
        dense_relu, cases, _dense_relu_reference, name="dense_relu", what="the layer's output",
        references=_FORBIDDEN, diagnose=diagnose,
        shape_hint="X (N, D) @ W (D, M) gives (N, M): one row per sample, one column per unit.",
    )
    passed("dense_relu", n)


# --------------------------------------------------------------------------- stable activations


def _overflow_hint(kind: str):
    def on_error(err, case):
        if not isinstance(err, FloatingPointError):
            return None
        if kind == "sigmoid":
            return (
                "sigmoid overflowed: exp(-z) is computed for z near -1000. Use the stable form: "
                "with e = exp(-|z|), sigmoid = 1/(1+e) where z >= 0 and e/(1+e) where z < 0."
            )
        if "overflow" in str(err):
            return "softmax overflowed for logits near 1000 — subtract each row's max first"
        return (
            f"softmax divided 0 by 0 on the case '{case.name}': every exponential of a row underflowed. "
            "Subtract each row's own max (z.max(axis=1, keepdims=True)), not the max of the whole batch."
        )

    return on_error


def check_sigmoid(sigmoid, *, hidden: bool = False, seed: int = 0) -> None:
    """Check a numerically stable ``sigmoid(z)`` (no overflow for |z| up to 1e4)."""
    rng = np.random.default_rng(seed)
    cases = [
        Case("values from -5 to 5", (np.linspace(-5, 5, 11),)),
        Case("huge magnitudes (-1000 and 1000)", (np.array([[-1000.0, 0.0, 1000.0]]),)),
    ]
    if hidden:
        cases += [
            Case("a batch, shape (4, 3)", (rng.normal(scale=3, size=(4, 3)),)),
            Case("integer input", (np.array([-3, -1, 0, 2, 800]),)),
            Case("very negative values only", (np.array([-1e4, -745.0, -50.0]),)),
            Case("zeros", (np.zeros((2, 2)),)),
        ]

    def diagnose(case, got, expected):
        if np.any(~np.isfinite(got)):
            return "sigmoid returned NaN or infinity for large |z|: use the stable two-branch form"
        return None

    n = check_cases(
        sigmoid, cases, activations.sigmoid, name="sigmoid", references=_FORBIDDEN,
        errstate=_STRICT, on_error=_overflow_hint("sigmoid"), diagnose=diagnose,
    )
    passed("sigmoid", n)


def check_softmax(softmax, *, hidden: bool = False, seed: int = 0) -> None:
    """Check a stable, row-wise ``softmax(z)`` for logits of shape (N, C)."""
    rng = np.random.default_rng(seed)
    cases = [
        Case("random logits, shape (3, 4)", (rng.normal(size=(3, 4)),)),
        Case("huge logits near 1000", (np.array([[1000.0, 1001.0, 999.0], [1000.0, 1000.0, 1000.0]]),)),
    ]
    if hidden:
        cases += [
            Case("very negative logits", (np.array([[-1000.0, -1001.0, -1002.0, -999.0]]),)),
            Case("rows on very different scales", (np.array([[1000.0, 999.0, 998.0], [0.0, -1.0, -2.0]]),)),
            Case("a batch of one row", (rng.normal(size=(1, 5)),)),
            Case("integer logits", (rng.integers(-4, 5, size=(4, 3)),)),
            Case("more rows than classes, (6, 2)", (rng.normal(scale=4, size=(6, 2)),)),
            Case("zeros (uniform)", (np.zeros((3, 4)),)),
        ]

    def diagnose(case, got, expected):
        z = case.args[0]
        if got.shape != expected.shape:
            if got.shape == (z.shape[0],):
                return "the result lost a dimension: keep one probability per class (sum with keepdims=True)"
            return None
        if not np.all(np.isfinite(got)):
            if np.abs(z).max() >= 500 and np.ptp(z.max(axis=1)) > 100:
                return "subtract each row's own max (z.max(axis=1, keepdims=True)), not the max of the whole batch"
            if np.abs(z).max() >= 500:
                return "softmax overflowed for logits near 1000 — subtract each row's max first"
            return "the result contains NaN or infinity"
        if z.shape[0] > 1 and close(got.sum(axis=0), np.ones(z.shape[1])) and not close(got.sum(axis=1), np.ones(z.shape[0])):
            return "the columns sum to 1, not the rows: normalise over axis=1 (each sample's classes), not axis=0 (the batch)"
        if not close(got.sum(axis=1), np.ones(z.shape[0]), rtol=1e-6, atol=1e-6):
            return "the rows do not sum to 1: divide each row's exponentials by that row's sum"
        return None

    n = check_cases(
        softmax, cases, activations.softmax, name="softmax", what="the probabilities",
        references=_FORBIDDEN, errstate=_STRICT, on_error=_overflow_hint("softmax"), diagnose=diagnose,
    )
    passed("softmax", n)


# --------------------------------------------------------------------------- counting and shapes


def _count_reference(sizes) -> int:
    return sum(layers.Dense(a, b, init="zeros").count_params() for a, b in zip(sizes[:-1], sizes[1:]))


def check_count_params(count_params, *, hidden: bool = False) -> None:
    """Check ``count_params(sizes)``: parameters of a dense network with layer sizes ``sizes``.

    ``sizes = [D, M1, M2, ...]`` lists the input features then each layer's
    units; every layer has ``inputs * units`` weights and ``units`` biases.
    """
    require_callable(count_params, name="count_params")
    cases = [
        Case("3 inputs to 4 units", ([3, 4],)),
        Case("[784, 784, 10]", ([784, 784, 10],)),
    ]
    if hidden:
        cases += [
            Case("[13, 10, 10, 1]", ([13, 10, 10, 1],)),
            Case("[784, 512, 512, 10]", ([784, 512, 512, 10],)),
            Case("a single unit, [2, 1]", ([2, 1],)),
            Case("a tuple of sizes", ((5, 3, 8),)),
        ]
    for case in cases:
        got = call_learner(count_params, case, name="count_params", references=_FORBIDDEN)
        if isinstance(got, bool) or not isinstance(got, (numbers.Integral, np.integer)):
            raise CheckFailed(
                f"count_params must return a whole number; got {type(got).__name__} on the case '{case.name}'."
            )
        sizes = list(case.args[0])
        expected = _count_reference(sizes)
        weights_only = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        bias_per_input = sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:]))
        if got == weights_only != expected:
            raise CheckFailed(
                f"count_params misses the biases (case '{case.name}'): each unit also has one bias, so a "
                "layer has inputs * units + units parameters."
            )
        if got == bias_per_input != expected:
            raise CheckFailed(
                f"count_params counts one bias per input (case '{case.name}'): biases belong to the "
                "units of the layer, one per unit."
            )
        if got != expected:
            raise CheckFailed(f"count_params gives the wrong count on the case '{case.name}'.")
    passed("count_params", len(cases))


_SHAPE_KEYS = ("X", "W_h", "b_h", "W_o", "b_o", "Y")


def _shapes_reference(m, n_inputs=10, n_hidden=50, n_outputs=3):
    hidden = layers.Dense(n_inputs, n_hidden, init="zeros")
    output = layers.Dense(n_hidden, n_outputs, init="zeros")
    return {
        "X": (m, n_inputs),
        "W_h": tuple(hidden.params["W"].shape),
        "b_h": tuple(hidden.params["b"].shape),
        "W_o": tuple(output.params["W"].shape),
        "b_o": tuple(output.params["b"].shape),
        "Y": (m, n_outputs),
    }


def check_mlp_shapes(mlp_shapes, *, hidden: bool = False) -> None:
    """Check ``mlp_shapes(m, n_inputs=10, n_hidden=50, n_outputs=3)``.

    It returns a dict of shape tuples for ``X``, ``W_h``, ``b_h``, ``W_o``,
    ``b_o`` and ``Y`` in the network ``Y = relu(relu(X @ W_h + b_h) @ W_o + b_o)``.
    """
    require_callable(mlp_shapes, name="mlp_shapes")
    cases = [Case("m = 32 with the default sizes", (32,))]
    if hidden:
        cases += [
            Case("a batch of one", (1,)),
            Case("7 inputs, 5 hidden, 2 outputs", (100, 7, 5, 2)),
            Case("784 inputs, 128 hidden, 10 outputs", (64,), {"n_inputs": 784, "n_hidden": 128, "n_outputs": 10}),
        ]
    for case in cases:
        got = call_learner(mlp_shapes, case, name="mlp_shapes", references=_FORBIDDEN)
        if not isinstance(got, dict):
            raise CheckFailed(f"mlp_shapes must return a dict; got {type(got).__name__}.")
        missing = [k for k in _SHAPE_KEYS if k not in got]
        if missing:
            raise CheckFailed(f"mlp_shapes: the dict is missing the key(s) {missing}.")
        expected = _shapes_reference(*case.args, **case.kwargs)
        for key in _SHAPE_KEYS:
            try:
                shape = tuple(int(s) for s in got[key])
            except TypeError as err:
                raise CheckFailed(f"mlp_shapes: {key} must be a tuple of ints such as (3, 4).") from err
            want = expected[key]
            if shape == want:
                continue
            if key.startswith("W") and shape == want[::-1]:
                raise CheckFailed(
                    f"mlp_shapes: {key} is transposed (case '{case.name}'). With X of shape (m, inputs) "
                    "and Y = X @ W + b, W has one ROW per input and one COLUMN per unit."
                )
            if key.startswith("b") and len(shape) == 2:
                raise CheckFailed(
                    f"mlp_shapes: {key} has shape {shape}; a bias is one number per unit, a 1-D "
                    "vector broadcast over the batch."
                )
            raise CheckFailed(f"mlp_shapes: {key} has shape {shape}, which is wrong on the case '{case.name}'.")
    passed("mlp_shapes", len(cases))
