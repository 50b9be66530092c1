"""Checks of the assignment ``perceptrons``: the Heaviside step, a TLU, Rosenblatt's rule, a
training loop, hand-set gates, the convergence experiment and XOR with two layers.

One :class:`~course_pkg.checks.Part` per graded name, in ``PARTS``; the notebook's test cells
call ``check_<name>(<name>)``, which runs the visible cases. Every kind of case the grader draws
hidden values for (z exactly 0, integer input, a batch of one, several units, a learning rate
other than 1, data that never converges ...) is among the visible cases.

The learner writes the reference's own names: ``heaviside(z)``, and ``learning_rate`` as the
keyword of the learning rate, as in :class:`course_pkg.numpy_nn.Perceptron`. References:
:mod:`course_pkg.numpy_nn.activations` and :mod:`course_pkg.numpy_nn.perceptron`, imported only
when a check runs.
"""

from __future__ import annotations

import functools

import numpy as np

from course_pkg.checks import probes
from course_pkg.checks._core import (
    Case,
    Part,
    arguments,
    as_number_array,
    close,
    compare_arrays,
    describe,
    elementwise_judge,
    keyword_problem,
    reference_named,
    returned_array,
    returned_arrays,
    returned_tuple,
    run_check,
)

__all__ = [
    "PARTS",
    "TRUTH_INPUTS",
    "check_heaviside",
    "check_tlu_predict",
    "check_perceptron_update",
    "check_train_perceptron",
    "check_gates",
    "check_perceptron_converges",
    "check_xor_weights",
]

#: The four rows of a two-input truth table, (0, 0), (0, 1), (1, 0), (1, 1).
TRUTH_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def _activations(name: str):
    return reference_named("course_pkg.numpy_nn.activations", name)


def _perceptron(name: str):
    return reference_named("course_pkg.numpy_nn.perceptron", name)


# Known-good stand-ins for the learner's helpers, so each part is graded on its own: while
# tlu_predict is checked, a correct heaviside replaces the learner's. Plain NumPy, no reference.
def _heaviside_stand_in(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def _update_stand_in(w, b, x, y, learning_rate=1.0):
    x = np.asarray(x, dtype=float)
    error = y - _heaviside_stand_in(x @ w + b)
    return w + learning_rate * error * x, b + learning_rate * error


def _train_stand_in(X, y, learning_rate=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            mistakes += int(_heaviside_stand_in(x_i @ w + b) != y_i)
            w, b = _update_stand_in(w, b, x_i, y_i, learning_rate)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


_STAND_INS = {"heaviside": _heaviside_stand_in}
_STAND_INS_TRAIN = {**_STAND_INS, "perceptron_update": _update_stand_in}
_STAND_INS_CONVERGE = {**_STAND_INS_TRAIN, "train_perceptron": _train_stand_in}


def _learning_rate_error(case: Case, error: dict) -> str | None:
    return keyword_problem(error, ("learning_rate", "max_epochs"))


# --------------------------------------------------------------------------- Part 1: heaviside


def _heaviside_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [Case("z exactly 0", arguments(np.array([-1.0, 0.0, 0.0, 2.0])))]
    for _ in range(repeats):
        cases += [
            Case("mixed signs, a 2-D array", arguments(rng.normal(size=(3, 4)))),
            Case("integer input", arguments(rng.integers(-3, 4, size=(2, 5)))),
            Case("a batch of one", arguments(rng.normal(size=(1, 6)))),
            Case("huge and tiny magnitudes", arguments(np.array([[-1e6, 1e6], [0.0, -1e-12]]) * rng.uniform(1, 2))),
            Case("a 3-D array", arguments(rng.normal(size=(2, 3, 2)))),
        ]
    return cases


_judge_heaviside = elementwise_judge("the step", [
    (lambda z: (z > 0).astype(float), "heaviside(0) must be 1: the unit fires when z >= 0 (you compared z > 0)."),
    (np.sign, "that is the sign function (-1/0/+1); the Heaviside step gives 0 or 1."),
], shape_hint="The step keeps the shape of z.")


HEAVISIDE = Part(
    grade_id="test_heaviside", title="Part 1: the Heaviside step", target="heaviside",
    probe=probes.call, cases=_heaviside_cases, reference=functools.partial(_activations, "heaviside"),
    judge=_judge_heaviside, seed=1957,
)


def check_heaviside(heaviside) -> None:
    """Check ``heaviside(z)``: 0.0 where z < 0 and 1.0 where z >= 0, for any shape."""
    __tracebackhide__ = True
    run_check(HEAVISIDE, heaviside)


# --------------------------------------------------------------------------- Part 2: tlu_predict


def _tlu_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    cases = [
        Case("AND weights on the truth table", arguments(TRUTH_INPUTS, np.array([1.0, 1.0]), -1.5)),
        Case("z exactly 0", arguments(np.array([[1.0, 1.0], [2.0, 1.0]]), np.array([1.0, -1.0]), 0.0)),
    ]
    for _ in range(repeats):
        d = int(rng.integers(3, 7))
        cases += [
            Case("a random batch", arguments(rng.normal(size=(5, d)), rng.normal(size=d), float(rng.normal()))),
            Case("integer X", arguments(rng.integers(0, 2, size=(6, d)), rng.normal(size=d), -0.5)),
            Case("a batch of one", arguments(rng.normal(size=(1, d + 1)), rng.normal(size=d + 1), 0.1)),
            Case("several units: w of shape (D, M), b of shape (M,)",
                 arguments(rng.normal(size=(8, d)), rng.normal(size=(d, 3)), rng.normal(size=3))),
        ]
    return cases


def probe_tlu_predict(tlu_predict, inputs: dict) -> dict:
    """Call ``tlu_predict(X, w, b)`` with a known-good ``heaviside`` (judged in its own part)."""
    return probes.call(tlu_predict, inputs, stand_ins=_STAND_INS)


def _tlu_reference():
    TLU = _perceptron("TLU")

    def tlu_predict(X, w, b):
        return TLU(w, b).predict(X)

    return tlu_predict


def _judge_tlu(case: Case, got: dict, expected: dict) -> str | None:
    value, problem = returned_array(got, "the prediction")
    if problem:
        return problem
    X, w, b = (np.asarray(v, dtype=float) for v in case.inputs["args"])
    want = expected["returned"]
    z = X @ w
    if value.ndim == 2 and value.shape != want.shape and value.shape == want.shape[::-1]:
        return "the result is transposed: for X (N, D) and w (D, M) it must be (N, M), one row per sample."
    if not close(value, want):
        if close(value, _heaviside_stand_in(z)):
            return "the bias b is missing: compute z = X @ w + b before the step."
        if close(value, (z + b > 0).astype(float)):
            return "a unit whose weighted sum is exactly 0 must fire (use z >= 0, the Heaviside step)."
    return compare_arrays(value, want, "the prediction",
                          shape_hint="X (N, D) @ w gives (N,) for one unit and (N, M) for M units.")


TLU_PREDICT = Part(
    grade_id="test_tlu_predict", title="Part 2: a threshold logic unit", target="tlu_predict",
    probe=probe_tlu_predict, cases=_tlu_cases, reference=_tlu_reference, judge=_judge_tlu, seed=1958,
)


def check_tlu_predict(tlu_predict) -> None:
    """Check ``tlu_predict(X, w, b)``: ``heaviside(X @ w + b)`` for a batch X of shape (N, D).

    ``w`` is (D,) with a number ``b`` (one unit, result (N,)), or (D, M) with ``b`` of shape
    (M,) (M units, result (N, M)).
    """
    __tracebackhide__ = True
    run_check(TLU_PREDICT, tlu_predict)


# --------------------------------------------------------------------------- Part 3: perceptron_update


def _update_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    w0 = np.array([0.5, -1.0, 0.25])
    cases = [
        Case("a missed positive (y=1, prediction 0)", arguments(w0, -2.0, np.array([1.0, 0.0, 2.0]), 1)),
        Case("a correct prediction (no change)", arguments(w0, 0.5, np.array([1.0, 0.0, 1.0]), 1)),
        Case("zero weights (the first step)", arguments(np.zeros(2), 0.0, np.array([1.0, 1.0]), 0)),
    ]
    for _ in range(repeats):
        d = int(rng.integers(3, 7))
        x = rng.normal(size=d)
        cases += [
            Case("a false positive (y=0, prediction 1)", arguments(x, 2.0 + abs(x @ x), x, 0)),
            Case("a learning rate other than 1",
                 arguments(-np.abs(rng.normal(size=d)), -1.0, np.abs(rng.normal(size=d)), 1,
                           learning_rate=float(rng.choice([0.5, 0.1, 0.25])))),
            Case("integer x", arguments(np.zeros(d), -0.5, rng.integers(0, 2, size=d) | np.eye(d, dtype=int)[0], 1)),
        ]
    return cases


def probe_perceptron_update(perceptron_update, inputs: dict) -> dict:
    """Call ``perceptron_update(w, b, x, y, ...)`` with a known-good ``heaviside``."""
    return probes.call(perceptron_update, inputs, stand_ins=_STAND_INS)


def _update_reference():
    heaviside = _activations("heaviside")

    def perceptron_update(w, b, x, y, learning_rate=1.0):
        error = y - heaviside(np.asarray(x, dtype=float) @ w + b)
        return w + learning_rate * error * x, b + learning_rate * error

    return perceptron_update


def _judge_update(case: Case, got: dict, expected: dict) -> str | None:
    value, problem = returned_arrays(got, ("w_new", "b_new"))
    if problem:
        return problem
    w_new, b_new = value
    w, b, x, _ = (np.asarray(v, dtype=float) for v in case.inputs["args"])
    learning_rate = case.inputs["kwargs"].get("learning_rate", 1.0)
    w_want, b_want = (np.asarray(v, dtype=float) for v in expected["returned"])
    if w_new.shape != w.shape:
        return f"w_new has shape {w_new.shape}; it must keep the shape of w, {w.shape}."
    if b_new.shape not in ((), (1,)):
        return f"b_new must be a single number; it has shape {b_new.shape}."
    b_new = b_new.reshape(())
    if close(w_new, w_want) and close(b_new, b_want):
        return None
    moved = not close(w_want, w)
    if moved and close(w_new, 2 * w - w_want) and close(b_new, 2 * b - b_want):
        return "the update goes the wrong way: use y - y_hat, so w <- w + learning_rate * (y - y_hat) * x."
    if moved and close(w_new, w_want) and close(b_new, b):
        return "the bias did not change after a mistake: b <- b + learning_rate * (y - y_hat)."
    if moved and learning_rate != 1.0 and close(w_new, w + (w_want - w) / learning_rate):
        return "the learning rate is not used: multiply the correction by learning_rate."
    return "the new weights or the new bias are wrong."


PERCEPTRON_UPDATE = Part(
    grade_id="test_perceptron_update", title="Part 3: Rosenblatt's learning rule", target="perceptron_update",
    probe=probe_perceptron_update, cases=_update_cases, reference=_update_reference, judge=_judge_update,
    seed=1959, on_error=_learning_rate_error,
)


def check_perceptron_update(perceptron_update) -> None:
    """Check ``perceptron_update(w, b, x, y, learning_rate=1.0) -> (w_new, b_new)``.

    One step of Rosenblatt's rule on one sample ``x`` (shape (D,)) with label ``y`` (0 or 1):
    ``y_hat = heaviside(x @ w + b)``, ``w_new = w + learning_rate * (y - y_hat) * x``,
    ``b_new = b + learning_rate * (y - y_hat)``. The arguments must not change.
    """
    __tracebackhide__ = True
    run_check(PERCEPTRON_UPDATE, perceptron_update)


# --------------------------------------------------------------------------- Part 4: train_perceptron


def _separable(rng: np.random.Generator, n: int = 24, d: int = 3):
    X = rng.normal(size=(n, d))
    margin = X @ rng.normal(size=d)
    keep = np.abs(margin) > 0.3  # a margin makes convergence quick
    return X[keep], (margin[keep] > 0).astype(int)


def _xor_data():
    return TRUTH_INPUTS.astype(float), np.array([0, 1, 1, 0])


def _train_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    X4 = TRUTH_INPUTS.astype(float)
    cases = [
        Case("AND", arguments(X4, np.array([0, 0, 0, 1]))),
        Case("OR", arguments(X4, np.array([0, 1, 1, 1]))),
        Case("XOR with a few epochs (never converges)", arguments(*_xor_data(), max_epochs=4)),
        Case("integer X", arguments(TRUTH_INPUTS, np.array([0, 0, 0, 1]))),
    ]
    for _ in range(repeats):
        X, y = _separable(rng, d=int(rng.integers(2, 5)))
        cases += [
            Case("separable random data", arguments(X, y)),
            Case("a learning rate other than 1", arguments(X, y, learning_rate=float(rng.choice([0.1, 0.5])))),
        ]
    return cases


def probe_train_perceptron(train_perceptron, inputs: dict) -> dict:
    """Call ``train_perceptron(X, y, ...)`` with a known-good ``heaviside`` and ``perceptron_update``."""
    return probes.call(train_perceptron, inputs, stand_ins=_STAND_INS_TRAIN)


def _fit_reference(X, y, learning_rate=1.0, max_epochs=100):
    Perceptron = _perceptron("Perceptron")
    return Perceptron(learning_rate=learning_rate, max_epochs=max_epochs, shuffle=False).fit(X, y)


def _train_reference():
    _perceptron("Perceptron")  # fail here, not later, when the reference is missing

    def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):
        fitted = _fit_reference(X, y, learning_rate, max_epochs)
        return fitted.coef_, fitted.intercept_, list(fitted.errors_)

    return train_perceptron


def _judge_train(case: Case, got: dict, expected: dict) -> str | None:
    value, problem = returned_tuple(got, ("w", "b", "errors"))
    if problem:
        return problem
    w, b, errors = value
    counts, problem = as_number_array(errors, "errors")
    if problem or counts.ndim != 1:
        return "errors must be a list of mistake counts, one number per epoch."
    counts = counts.astype(float)
    w_want, b_want, errors_want = expected["returned"]
    errors_want = np.asarray(errors_want, dtype=float)
    max_epochs = case.inputs["kwargs"].get("max_epochs", 100)
    if counts.size > max_epochs:
        return f"it ran {counts.size} epochs with max_epochs={max_epochs}: stop at max_epochs."
    if counts.size and counts[-1] == 0 and 0 in counts[:-1]:
        return "it kept training after an epoch without mistakes: stop as soon as an epoch makes no mistake."
    if counts.shape != errors_want.shape or not np.array_equal(counts, errors_want):
        if counts.size and counts[-1] != 0 and counts.size < errors_want.size:
            return "the mistakes per epoch are wrong: it stopped while it was still making mistakes."
        return ("the mistakes per epoch are wrong: start from zeros, visit the samples in order and count the "
                "samples that triggered an update.")
    w, problem = as_number_array(w, "w")
    if problem:
        return problem
    b, problem = as_number_array(b, "b")
    if problem:
        return problem
    if w.shape != np.shape(w_want):
        return f"w has shape {w.shape}; it must have shape {np.shape(w_want)}, one weight per feature."
    if b.size != 1 or not (close(w, w_want) and close(b.reshape(()), b_want)):
        return "the final weights are wrong. Start from zeros and update after each sample (not once per epoch)."
    return None


TRAIN_PERCEPTRON = Part(
    grade_id="test_train_perceptron", title="Part 4: training a perceptron", target="train_perceptron",
    probe=probe_train_perceptron, cases=_train_cases, reference=_train_reference, judge=_judge_train,
    seed=1960, on_error=_learning_rate_error,
)


def check_train_perceptron(train_perceptron) -> None:
    """Check ``train_perceptron(X, y, learning_rate=1.0, max_epochs=100) -> (w, b, errors)``.

    Weights and bias start at zero; each epoch visits the samples in their order and applies the
    rule to each; ``errors`` lists the mistakes of each epoch; training stops after an epoch
    without mistakes or after ``max_epochs`` epochs.
    """
    __tracebackhide__ = True
    run_check(TRAIN_PERCEPTRON, train_perceptron)


# --------------------------------------------------------------------------- hand-set weights


def probe_value(value, inputs: dict) -> dict:
    """Return the learner's value itself (weights set by hand): the judge computes with it."""
    return {"returned": value}


def _tlu_outputs(w, b, X) -> np.ndarray | str:
    """``heaviside(X @ w + b)`` for hand-set weights (trusted side), or what is wrong with them."""
    w, problem = as_number_array(w, "the weights")
    if problem:
        return problem
    b, problem = as_number_array(b, "the bias")
    if problem:
        return problem
    if w.shape != (2,) or b.size != 1:
        return (f"expected a weight vector of shape (2,) and a single bias; got weights of shape {w.shape} and "
                f"a bias of shape {b.shape}.")
    return _activations("heaviside")(np.asarray(X, dtype=float) @ w.astype(float) + float(b.reshape(())))


def _wrong_rows(out: np.ndarray, truth) -> list:
    return [tuple(int(v) for v in row) for row, o, t in zip(TRUTH_INPUTS, out, truth) if o != t]


_GATE_NAMES = ("and", "or", "nand")


def _gates_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    return [Case("the truth tables of AND, OR and NAND", {})] * repeats


def _gates_reference() -> dict:
    and_gate, or_gate = _perceptron("and_gate"), _perceptron("or_gate")
    a, b = TRUTH_INPUTS[:, 0], TRUTH_INPUTS[:, 1]
    return {"and": and_gate(a, b), "or": or_gate(a, b), "nand": 1 - and_gate(a, b)}


def _judge_gates(case: Case, got: dict, expected: dict) -> str | None:
    gates = got.get("returned")
    if not isinstance(gates, dict) or set(gates) == {"unserialisable"}:
        return f"GATES must be a dict like {{'and': (w, b), ...}}; it is {describe(gates)}."
    missing = [g for g in _GATE_NAMES if g not in gates]
    if missing:
        return f"GATES is missing the gate(s) {missing}; give (w, b) for each of {list(_GATE_NAMES)}."
    for gate in _GATE_NAMES:
        pair = gates[gate]
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return f"GATES['{gate}'] must be a pair (w, b); it is {describe(pair)}."
        out = _tlu_outputs(*pair, TRUTH_INPUTS)
        if isinstance(out, str):
            return f"GATES['{gate}']: {out}"
        wrong = _wrong_rows(out, expected["returned"][gate])
        if wrong:
            return (f"GATES['{gate}'] gives the wrong output for the input(s) {wrong}. Write the inequality "
                    "x1*w1 + x2*w2 + b >= 0 for each row of the truth table and pick b to separate them.")
    return None


GATES = Part(
    grade_id="test_gates", title="Part 5: logic gates by hand", target="GATES",
    probe=probe_value, cases=_gates_cases, reference=_gates_reference, judge=_judge_gates, seed=1961,
)


def check_gates(gates) -> None:
    """Check ``GATES``: for "and", "or" and "nand" a pair ``(w, b)`` with which
    ``heaviside(x @ w + b)`` is the gate's truth table."""
    __tracebackhide__ = True
    run_check(GATES, gates)


# --------------------------------------------------------------------------- Part 6: perceptron_converges


def _parity3():
    X = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=float)
    return X, X.sum(axis=1).astype(int) % 2


def _converges_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    X4 = TRUTH_INPUTS.astype(float)
    cases = [
        Case("AND", arguments(X4, np.array([0, 0, 0, 1]))),
        Case("XOR", arguments(*_xor_data())),
        Case("NAND", arguments(X4, np.array([1, 1, 1, 0]))),
        Case("parity of three bits", arguments(*_parity3())),
        Case("XOR with more epochs", arguments(*_xor_data(), max_epochs=500)),
    ]
    for _ in range(repeats):
        cases.append(Case("separable random data", arguments(*_separable(rng, d=int(rng.integers(2, 5))))))
    return cases


def probe_perceptron_converges(perceptron_converges, inputs: dict) -> dict:
    """Call ``perceptron_converges(X, y, ...)`` with known-good helpers from the earlier parts."""
    return probes.call(perceptron_converges, inputs, stand_ins=_STAND_INS_CONVERGE)


def _converges_reference():
    _perceptron("Perceptron")

    def perceptron_converges(X, y, max_epochs=100):
        return bool(_fit_reference(X, y, max_epochs=max_epochs).converged_)

    return perceptron_converges


def _judge_converges(case: Case, got: dict, expected: dict) -> str | None:
    value = got.get("returned")
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype == bool:
        value = bool(value)
    if not isinstance(value, bool):
        return f"it must return True or False; it returned {describe(value)}."
    if value != expected["returned"]:
        return ("the answer is wrong. Train with train_perceptron and look at the LAST epoch's mistakes: zero "
                "means it converged.")
    return None


PERCEPTRON_CONVERGES = Part(
    grade_id="test_perceptron_converges", title="Part 6: why XOR fails", target="perceptron_converges",
    probe=probe_perceptron_converges, cases=_converges_cases, reference=_converges_reference,
    judge=_judge_converges, seed=1969, on_error=_learning_rate_error,
)


def check_perceptron_converges(perceptron_converges) -> None:
    """Check ``perceptron_converges(X, y, max_epochs=100) -> bool``: True when training reaches
    an epoch without mistakes within ``max_epochs`` (AND, OR: yes; XOR: never)."""
    __tracebackhide__ = True
    run_check(PERCEPTRON_CONVERGES, perceptron_converges)


# --------------------------------------------------------------------------- Part 7: XOR_WEIGHTS

_XOR_KEYS = ("W_hidden", "b_hidden", "w_out", "b_out")


def _xor_cases(rng: np.random.Generator, repeats: int) -> list[Case]:
    return [Case("the truth table of XOR", {})] * repeats


def _xor_reference() -> dict:
    xor_network = _perceptron("xor_network")
    return {"xor": xor_network(TRUTH_INPUTS[:, 0], TRUTH_INPUTS[:, 1])}


def _judge_xor(case: Case, got: dict, expected: dict) -> str | None:
    weights = got.get("returned")
    if not isinstance(weights, dict) or any(k not in weights for k in _XOR_KEYS):
        return f"XOR_WEIGHTS must be a dict with the keys {list(_XOR_KEYS)}; it is {describe(weights)}."
    W, problem = as_number_array(weights["W_hidden"], "W_hidden")
    if problem:
        return problem
    b_hidden, problem = as_number_array(weights["b_hidden"], "b_hidden")
    if problem:
        return problem
    if W.shape != (2, 2) or b_hidden.shape != (2,):
        return (f"W_hidden must have shape (2, 2) (inputs x hidden units) and b_hidden shape (2,); they have "
                f"{W.shape} and {b_hidden.shape}.")
    heaviside = _activations("heaviside")
    hidden = heaviside(TRUTH_INPUTS.astype(float) @ W.astype(float) + b_hidden.astype(float))  # (4, 2)
    out = _tlu_outputs(weights["w_out"], weights["b_out"], hidden)
    if isinstance(out, str):
        return f"the output unit: {out}"
    wrong = _wrong_rows(out, expected["returned"]["xor"])
    if not wrong:
        return None
    hint = ""
    if np.array_equal(out, (hidden.sum(axis=1) >= 1).astype(float)):
        hint = " The output unit fires when either hidden unit does: it must combine them by an AND, not an OR."
    return f"the network gives the wrong output for the input(s) {wrong}.{hint}"


XOR_WEIGHTS = Part(
    grade_id="test_xor_weights", title="Part 7: XOR with two layers", target="XOR_WEIGHTS",
    probe=probe_value, cases=_xor_cases, reference=_xor_reference, judge=_judge_xor, seed=1962,
)


def check_xor_weights(weights) -> None:
    """Check ``XOR_WEIGHTS``: a hand-wired two-layer network of TLUs computing XOR.

    ``W_hidden`` (2, 2), ``b_hidden`` (2,), ``w_out`` (2,) and the number ``b_out``:
    ``h = heaviside(X @ W_hidden + b_hidden)``, ``y = heaviside(h @ w_out + b_out)``.
    """
    __tracebackhide__ = True
    run_check(XOR_WEIGHTS, weights)


PARTS = (HEAVISIDE, TLU_PREDICT, PERCEPTRON_UPDATE, TRAIN_PERCEPTRON, GATES, PERCEPTRON_CONVERGES, XOR_WEIGHTS)
