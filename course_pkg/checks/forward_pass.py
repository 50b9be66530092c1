"""Checks of the assignment ``forward_pass``: loops vs NumPy, a dense layer, stable
activations, parameter counts and the shapes exercise.

One :class:`~course_pkg.checks.Part` per graded function, in ``PARTS``; the
notebook's test cells call ``check_<name>(<name>)``, which runs the visible
cases. Every kind of case the grader draws hidden values for (huge logits,
rows on very different scales, a batch of one, integer input, non-square
shapes, zeros ...) is among the visible cases.

References: NumPy's own products for the loop exercises, and the course's
``course_pkg.numpy_nn`` for the rest (imported only when a check runs).
"""

from __future__ import annotations

import functools

import numpy as np

from course_pkg.checks import probes
from course_pkg.checks._core import (
    Case,
    Part,
    as_number_array,
    close,
    compare_arrays,
    describe,
    is_whole_number,
    run_check,
)

__all__ = [
    "PARTS",
    "check_vector_dot",
    "check_matrix_dot",
    "check_dense_relu",
    "check_sigmoid",
    "check_softmax",
    "check_count_params",
    "check_mlp_shapes",
]

# "Use loops" means none of NumPy's products: judged by what the code calls, not by names.
_PRODUCTS = {f"numpy.{name}" for name in ("dot", "matmul", "inner", "vdot", "einsum", "tensordot", "outer")}
_PRODUCTS |= {"operator.matmul", "_operator.matmul", "math.sumprod"}
_PRODUCT_METHODS = {"dot", "__matmul__"}
# Overflow must not pass silently: the stable formulas never overflow, the naive ones do.
_STRICT = {"over": "raise", "invalid": "raise"}


def _args(*args, **kwargs) -> dict:
    return {"args": list(args), "kwargs": kwargs}


def _from_numpy_nn(name: str):
    """The reference ``course_pkg.numpy_nn.<name>``, imported only when a check runs."""
    from course_pkg import numpy_nn

    return getattr(numpy_nn, name)


def probe_strict_call(fn, inputs: dict) -> dict:
    """Call ``fn`` with NumPy overflow and 0/0 turned into errors (the stable formulas raise neither)."""
    return probes.call(fn, inputs, errstate=_STRICT)


def _loops_only(report: dict) -> str | None:
    used = probes.uses_of(report, functions=_PRODUCTS, methods=_PRODUCT_METHODS, operators={"@"})
    if not used:
        return None
    return (
        f"it uses {', '.join(used)}: this exercise asks for plain Python loops (for ... in range(...)), "
        "so you see every multiplication the vectorised version does for you."
    )


def _not_changed(got: dict) -> str | None:
    if got.get("changed"):
        position = got["changed"][0] + 1
        return (
            f"it changed its argument number {position} in place. The caller still needs that array: "
            "compute into a new array (e.g. z = z - m instead of z -= m)."
        )
    return None


# --------------------------------------------------------------------------- Part 1: vector_dot


def _vector_dot_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the worked example", _args([5, -2], [-3, 0]))]
    for _ in range(repeats):
        cases += [
            Case("floats", _args(*(np.round(rng.normal(size=(2, 3)), 2).tolist()))),
            Case("length one", _args([int(rng.integers(-9, 10))], [int(rng.integers(-9, 10))])),
            Case("integers, length 9", _args(rng.integers(-9, 10, 9).tolist(), rng.integers(-9, 10, 9).tolist())),
            Case("zeros", _args([0.0] * 3, rng.normal(size=3).tolist())),
            Case("NumPy arrays", _args(rng.normal(size=6), rng.normal(size=6))),
        ]
    return cases


def probe_vector_dot(vector_dot, inputs: dict) -> dict:
    """Call ``vector_dot(a, b)``; report its result and what its code calls."""
    return {**probes.call(vector_dot, inputs), "code": probes.code_report(vector_dot)}


def _numpy_dot(a, b):
    return float(np.dot(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))


def _judge_vector_dot(case: Case, got: dict, expected: dict) -> str | None:
    problem = _loops_only(got.get("code", {}))
    if problem:
        return problem
    value = got.get("returned")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (number or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")):
        return f"it must return one number; it returned {describe(value)}. Add the products up into a single total."
    a, b = (np.asarray(v, dtype=float) for v in case.inputs["args"])
    total = float(np.asarray(value, dtype=float))
    if len(a) > 1 and close(total, float(a[:-1] @ b[:-1])) and not close(total, expected["returned"]):
        return "it skips the last element: loop over range(len(a))."
    if not close(total, expected["returned"]):
        return "the total is wrong."
    return None


VECTOR_DOT = Part(
    grade_id="test_vector_dot", title="Part 1: a dot product with a loop", target="vector_dot",
    probe=probe_vector_dot, cases=_vector_dot_cases, reference=lambda: _numpy_dot,
    judge=_judge_vector_dot, seed=2201,
)


def check_vector_dot(vector_dot) -> None:
    """Check ``vector_dot(a, b)``: the dot product of two equal-length lists, with a loop."""
    __tracebackhide__ = True
    run_check(VECTOR_DOT, vector_dot)


# --------------------------------------------------------------------------- Part 2: matrix_dot


def _matrix_dot_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the worked example", _args([[2, 3], [3, 5]], [[1, 2], [5, -1]]))]
    for _ in range(repeats):
        n, k, m = (int(v) for v in rng.integers(2, 5, 3))

        def rows(*shape):
            return rng.normal(size=shape).tolist()

        cases += [
            Case("integers, (2, 3) times (3, 4)",
                 _args(rng.integers(-5, 6, (2, 3)).tolist(), rng.integers(-5, 6, (3, 4)).tolist())),
            Case("a row times a column, (1, k) times (k, 1)", _args(rows(1, k), rows(k, 1))),
            Case("a column times a row, (n, 1) times (1, m)", _args(rows(n, 1), rows(1, m))),
            Case("floats, non-square shapes", _args(rows(n + 2, k), rows(k, m + 1))),
        ]
    return cases


def _vector_dot_stand_in(a, b):
    total = 0
    for x, y in zip(a, b):
        total += x * y
    return total


def probe_matrix_dot(matrix_dot, inputs: dict) -> dict:
    """Call ``matrix_dot(A, B)`` with a known-good ``vector_dot`` (judged in its own part)."""
    result = probes.call(matrix_dot, inputs, stand_ins={"vector_dot": _vector_dot_stand_in})
    return {**result, "code": probes.code_report(matrix_dot, skip={"vector_dot"})}


def _numpy_matmul(A, B):
    return np.asarray(A, dtype=float) @ np.asarray(B, dtype=float)


def _judge_matrix_dot(case: Case, got: dict, expected: dict) -> str | None:
    problem = _loops_only(got.get("code", {}))
    if problem:
        return problem
    value, problem = as_number_array(got.get("returned"), "the product")
    if problem:
        return f"it must return a list of rows of numbers (or a 2-D array); {problem}"
    if value.ndim != 2:
        return f"it must return a 2-D result (a list of rows); it returned {value.ndim} dimension(s)."
    A, B = (np.asarray(m, dtype=float) for m in case.inputs["args"])
    if A.shape[1] == B.shape[1] and value.shape == (A.shape[0], B.shape[0]) and close(value, A @ B.T):
        return ("it multiplies rows of A with rows of B: entry (i, j) is the dot product of row i of A with "
                "COLUMN j of B.")
    return compare_arrays(value, expected["returned"], "the product",
                          shape_hint="An (n, k) matrix times a (k, m) matrix is (n, m).")


MATRIX_DOT = Part(
    grade_id="test_matrix_dot", title="Part 2: a matrix product from dot products", target="matrix_dot",
    probe=probe_matrix_dot, cases=_matrix_dot_cases, reference=lambda: _numpy_matmul,
    judge=_judge_matrix_dot, seed=2202,
)


def check_matrix_dot(matrix_dot) -> None:
    """Check ``matrix_dot(A, B)``: the matrix product of two lists of rows, built from loops."""
    __tracebackhide__ = True
    run_check(MATRIX_DOT, matrix_dot)


# --------------------------------------------------------------------------- Part 3: dense_relu


def _dense_relu_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = []
    for _ in range(repeats):
        n, d, m = (int(v) for v in rng.integers(2, 6, 3))
        cases += [
            Case("a small batch", _args(rng.normal(size=(n + 1, d)), rng.normal(size=(d, m)), rng.normal(size=m))),
            Case("negative biases", _args(rng.normal(size=(n, d)), rng.normal(size=(d, m)), -rng.uniform(0.5, 2, m))),
            Case("a batch of one", _args(rng.normal(size=(1, d + 2)), rng.normal(size=(d + 2, m)), rng.normal(size=m))),
            Case("integer X", _args(rng.integers(-3, 4, (n, d)), rng.normal(size=(d, m)), rng.normal(size=m))),
            Case("zeros", _args(np.zeros((n, d)), rng.normal(size=(d, m)), np.zeros(m))),
            Case("a wide layer (few inputs, many units)",
                 _args(rng.normal(size=(n, 2)), rng.normal(size=(2, m + 5)), rng.normal(size=m + 5))),
        ]
    return cases


def _dense_relu_reference():
    dense_forward, relu = _from_numpy_nn("dense_forward"), _from_numpy_nn("relu")

    def dense_relu(X, W, b):
        Y, _ = dense_forward(X, W, b)
        return relu(Y)

    return dense_relu


def _judge_dense_relu(case: Case, got: dict, expected: dict) -> str | None:
    problem = _not_changed(got)
    if problem:
        return problem
    value, problem = as_number_array(got.get("returned"), "the layer's output")
    if problem:
        return problem
    X, W, b = (np.asarray(v, dtype=float) for v in case.inputs["args"])
    Z = X @ W
    if not close(value, expected["returned"]):
        if close(value, Z + b):
            return "the ReLU is missing: apply it to X @ W + b."
        if close(value, np.maximum(Z, 0) + b):
            return "the ReLU must be applied after adding the bias: relu(X @ W + b), not relu(X @ W) + b."
        if close(value, np.maximum(Z, 0)):
            return "the bias b is missing: relu(X @ W + b)."
    return compare_arrays(value, expected["returned"], "the layer's output",
                          shape_hint="X (N, D) @ W (D, M) gives (N, M): one row per sample, one column per unit.")


DENSE_RELU = Part(
    grade_id="test_dense_relu", title="Part 3: a dense layer", target="dense_relu",
    probe=probes.call, cases=_dense_relu_cases, reference=_dense_relu_reference,
    judge=_judge_dense_relu, seed=2203,
)


def check_dense_relu(dense_relu) -> None:
    """Check ``dense_relu(X, W, b)``: ``relu(X @ W + b)`` for X (N, D), W (D, M), b (M,)."""
    __tracebackhide__ = True
    run_check(DENSE_RELU, dense_relu)


# --------------------------------------------------------------------------- Part 4: sigmoid


def _sigmoid_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("values from -5 to 5", _args(np.linspace(-5, 5, 11)))]
    for _ in range(repeats):
        cases += [
            Case("huge magnitudes (near -1000 and 1000)",
                 _args(np.array([[-1000.0, 0.0, 1000.0]]) + rng.uniform(-50, 50, (1, 3)))),
            Case("a 2-D batch", _args(rng.normal(scale=3, size=tuple(int(v) for v in rng.integers(2, 6, 2))))),
            Case("integer input", _args(np.append(rng.integers(-5, 6, 4), 800))),
            Case("very negative values only", _args(-np.sort(rng.uniform(50, 1e4, 4)))),
            Case("zeros", _args(np.zeros((2, int(rng.integers(2, 5)))))),
        ]
    return cases


def _sigmoid_error(case: Case, error: dict) -> str | None:
    if error["type"] == "FloatingPointError":
        return ("it overflowed: exp(-z) is computed for z near -1000. Use the stable form: with e = exp(-|z|), "
                "sigmoid = 1/(1+e) where z >= 0 and e/(1+e) where z < 0.")
    return None


def _judge_sigmoid(case: Case, got: dict, expected: dict) -> str | None:
    problem = _not_changed(got)
    if problem:
        return problem
    value, problem = as_number_array(got.get("returned"), "the result")
    if problem:
        return problem
    if value.shape == np.shape(expected["returned"]) and not np.all(np.isfinite(value)):
        return "it returned NaN or infinity for large |z|: use the stable two-branch form."
    return compare_arrays(value, expected["returned"], "the result")


SIGMOID = Part(
    grade_id="test_sigmoid", title="Part 4: a sigmoid that never overflows", target="sigmoid",
    probe=probe_strict_call, cases=_sigmoid_cases, reference=functools.partial(_from_numpy_nn, "sigmoid"),
    judge=_judge_sigmoid, seed=2204, on_error=_sigmoid_error,
)


def check_sigmoid(sigmoid) -> None:
    """Check a numerically stable ``sigmoid(z)`` (no overflow for |z| up to 1e4)."""
    __tracebackhide__ = True
    run_check(SIGMOID, sigmoid)


# --------------------------------------------------------------------------- Part 5: softmax


def _softmax_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = []
    for _ in range(repeats):
        c = int(rng.integers(3, 6))
        cases += [
            Case("random logits", _args(rng.normal(size=(3, c + 1)))),
            Case("huge logits (near 1000)", _args(1000.0 + np.round(rng.uniform(-2, 2, (2, c)), 1))),
            Case("very negative logits (near -1000)", _args(-1000.0 + np.round(rng.uniform(-2, 2, (1, c + 1)), 1))),
            Case("rows on very different scales", _args(np.array([[1000.0], [0.0]]) + rng.normal(size=(2, c)))),
            Case("a batch of one row", _args(rng.normal(size=(1, c + 2)))),
            Case("integer logits", _args(rng.integers(-4, 5, size=(4, c)))),
            Case("more rows than classes", _args(rng.normal(scale=4, size=(6, 2)))),
            Case("zeros (uniform)", _args(np.zeros((3, c + 1)))),
        ]
    return cases


_OVERFLOW = "softmax overflowed for logits near 1000 — subtract each row's max first."
_BATCH_MAX = ("subtract each row's own max (z.max(axis=1, keepdims=True)), not the max of the whole batch: "
              "every exponential of a row underflowed.")


def _softmax_error(case: Case, error: dict) -> str | None:
    if error["type"] != "FloatingPointError":
        return None
    return _OVERFLOW if "overflow" in error["message"] else _BATCH_MAX


def _judge_softmax(case: Case, got: dict, expected: dict) -> str | None:
    problem = _not_changed(got)
    if problem:
        return problem
    value, problem = as_number_array(got.get("returned"), "the probabilities")
    if problem:
        return problem
    z = np.asarray(case.inputs["args"][0], dtype=float)
    want = expected["returned"]
    if value.shape != want.shape:
        if value.shape == (z.shape[0],):
            return "the result lost a dimension: keep one probability per class (sum with keepdims=True)."
        return compare_arrays(value, want, "the probabilities")
    if not np.all(np.isfinite(value)):
        if np.abs(z).max() >= 500 and np.ptp(z.max(axis=1)) > 100:
            return _BATCH_MAX
        if np.abs(z).max() >= 500:
            return _OVERFLOW
        return "the result contains NaN or infinity."
    rows, columns = value.sum(axis=1), value.sum(axis=0)
    if z.shape[0] > 1 and close(columns, np.ones(z.shape[1])) and not close(rows, np.ones(z.shape[0])):
        return ("the columns sum to 1, not the rows: normalise over axis=1 (each sample's classes), "
                "not axis=0 (the batch).")
    if not close(rows, np.ones(z.shape[0]), atol=1e-5):
        return "the rows do not sum to 1: divide each row's exponentials by that row's sum."
    return compare_arrays(value, want, "the probabilities")


SOFTMAX = Part(
    grade_id="test_softmax", title="Part 5: a stable softmax", target="softmax",
    probe=probe_strict_call, cases=_softmax_cases, reference=functools.partial(_from_numpy_nn, "softmax"),
    judge=_judge_softmax, seed=2205, on_error=_softmax_error,
)


def check_softmax(softmax) -> None:
    """Check a stable, row-wise ``softmax(z)`` for logits of shape (N, C)."""
    __tracebackhide__ = True
    run_check(SOFTMAX, softmax)


# --------------------------------------------------------------------------- Part 6: count_params


def _count_params_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = []
    for _ in range(repeats):
        sizes = [int(v) for v in rng.integers(2, 40, 5)]
        cases += [
            Case("one layer", _args(sizes[:2])),
            Case("one hidden layer", _args([784, sizes[2] * 20, 10])),
            Case("two hidden layers", _args(sizes[1:5])),
            Case("a single unit", _args([sizes[0], 1])),
            Case("a tuple of sizes", _args(tuple(sizes[2:5]))),
            Case("a large network", _args([784, 512, 512, 10])),
        ]
    return cases


def _count_params_reference():
    Dense = _from_numpy_nn("Dense")

    def count_params(sizes):
        return sum(Dense(n_in, units).count_params() for n_in, units in zip(sizes[:-1], sizes[1:]))

    return count_params


def _judge_count_params(case: Case, got: dict, expected: dict) -> str | None:
    value = got.get("returned")
    if not is_whole_number(value):
        return f"it must return a whole number; it returned {describe(value)}."
    count = int(np.asarray(value).item())
    sizes = list(case.inputs["args"][0])
    want = int(np.asarray(expected["returned"]).item())
    if count == want:
        return None
    if count == sum(a * b for a, b in zip(sizes[:-1], sizes[1:])):
        return ("it misses the biases: each unit also has one bias, so a layer has "
                "inputs * units + units parameters.")
    if count == sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:])):
        return "it counts one bias per input: biases belong to the units of the layer, one per unit."
    return "the count is wrong."


COUNT_PARAMS = Part(
    grade_id="test_count_params", title="Part 6: counting parameters", target="count_params",
    probe=probes.call, cases=_count_params_cases, reference=_count_params_reference,
    judge=_judge_count_params, seed=2206,
)


def check_count_params(count_params) -> None:
    """Check ``count_params(sizes)``: parameters of a dense network with layer sizes ``sizes``.

    ``sizes = [D, M1, M2, ...]`` lists the input features then each layer's
    units; every layer has ``inputs * units`` weights and ``units`` biases.
    """
    __tracebackhide__ = True
    run_check(COUNT_PARAMS, count_params)


# --------------------------------------------------------------------------- Part 7: mlp_shapes

_SHAPE_KEYS = ("X", "W_h", "b_h", "W_o", "b_o", "Y")


def _mlp_shapes_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("the default sizes", _args(32))]
    for _ in range(repeats):
        d, h, c = (int(v) for v in rng.integers(2, 12, 3))
        cases += [
            Case("a batch of one", _args(1)),
            Case("other sizes, given by position", _args(int(rng.integers(10, 200)), d, h + 3, c)),
            Case("other sizes, given by keyword",
                 _args(int(rng.integers(10, 200)), n_inputs=784, n_hidden=16 * h, n_outputs=10)),
        ]
    return cases


def _mlp_shapes_reference():
    Dense = _from_numpy_nn("Dense")

    def mlp_shapes(m, n_inputs=10, n_hidden=50, n_outputs=3):
        hidden, output = Dense(n_inputs, n_hidden), Dense(n_hidden, n_outputs)
        return {
            "X": (m, n_inputs), "W_h": hidden.params["W"].shape, "b_h": hidden.params["b"].shape,
            "W_o": output.params["W"].shape, "b_o": output.params["b"].shape, "Y": (m, n_outputs),
        }

    return mlp_shapes


def _judge_mlp_shapes(case: Case, got: dict, expected: dict) -> str | None:
    value = got.get("returned")
    if not isinstance(value, dict) or set(value) == {"unserialisable"}:
        return f"it must return a dict; it returned {describe(value)}."
    missing = [k for k in _SHAPE_KEYS if k not in value]
    if missing:
        return f"the dict is missing the key(s) {missing}."
    for key in _SHAPE_KEYS:
        shape = value[key]
        if not isinstance(shape, (list, tuple)) or not all(is_whole_number(s) for s in shape):
            return f"{key} must be a tuple of ints such as (3, 4); it is {describe(shape)}."
        shape = tuple(int(np.asarray(s).item()) for s in shape)
        want = tuple(expected["returned"][key])
        if shape == want:
            continue
        if key.startswith("W") and shape == want[::-1]:
            return (f"{key} is transposed. With X of shape (m, inputs) and Y = X @ W + b, W has one ROW per "
                    "input and one COLUMN per unit.")
        if key.startswith("b") and len(shape) == 2:
            return f"{key} has shape {shape}; a bias is one number per unit, a 1-D vector broadcast over the batch."
        return f"{key} has a wrong shape {shape}."
    return None


MLP_SHAPES = Part(
    grade_id="test_mlp_shapes", title="Part 7: the shapes exercise", target="mlp_shapes",
    probe=probes.call, cases=_mlp_shapes_cases, reference=_mlp_shapes_reference,
    judge=_judge_mlp_shapes, seed=2207,
)


def check_mlp_shapes(mlp_shapes) -> None:
    """Check ``mlp_shapes(m, n_inputs=10, n_hidden=50, n_outputs=3)``.

    It returns a dict of shape tuples for ``X``, ``W_h``, ``b_h``, ``W_o``,
    ``b_o`` and ``Y`` in the network ``Y = relu(relu(X @ W_h + b_h) @ W_o + b_o)``.
    """
    __tracebackhide__ = True
    run_check(MLP_SHAPES, mlp_shapes)


PARTS = (VECTOR_DOT, MATRIX_DOT, DENSE_RELU, SIGMOID, SOFTMAX, COUNT_PARAMS, MLP_SHAPES)
