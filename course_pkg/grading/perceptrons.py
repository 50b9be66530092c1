"""Checks for the assignment ``perceptrons``: step, TLU, learning rule, gates, XOR.

Each ``check_*`` takes the learner's function (or weights) and compares it with
:mod:`course_pkg.numpy_nn.perceptron` and :mod:`course_pkg.numpy_nn.activations`
on designed edge cases (z exactly 0, integer inputs, a batch of one, several
units) and seeded random data. ``hidden=True`` adds the cases the autograder
uses; ``seed`` changes the random ones.
"""

from __future__ import annotations

import sys

import numpy as np

from course_pkg.grading._core import Case, CheckFailed, call_learner, check_cases, close, passed, require_callable
from course_pkg.numpy_nn import activations, perceptron

__all__ = [
    "check_heaviside",
    "check_tlu_predict",
    "check_perceptron_update",
    "check_train_perceptron",
    "check_perceptron_converges",
    "check_gate_weights",
    "check_xor_weights",
]

# The learner's code may call none of these: the references, and this module's own helpers.
_FORBIDDEN = (activations, perceptron, sys.modules[__name__])
_TRUTH_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


# Known-good stand-ins for the learner's helpers, so each part is graded on its own
# (see course_pkg.grading._core.stand_ins_for). Self-contained: no reference calls.
def _heaviside_stand_in(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def _update_stand_in(w, b, x, y, lr=1.0):
    x = np.asarray(x, dtype=float)
    error = y - _heaviside_stand_in(x @ w + b)
    return w + lr * error * x, b + lr * error


def _train_stand_in(X, y, lr=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            mistakes += int(_heaviside_stand_in(x_i @ w + b) != y_i)
            w, b = _update_stand_in(w, b, x_i, y_i, lr)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


_STAND_INS = {"heaviside": _heaviside_stand_in}
_STAND_INS_TRAIN = {**_STAND_INS, "perceptron_update": _update_stand_in}
_STAND_INS_CONVERGE = {**_STAND_INS_TRAIN, "train_perceptron": _train_stand_in}


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------- heaviside


def check_heaviside(heaviside, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``heaviside(z)``: 0 where z < 0, 1 where z >= 0, any shape.

    Parameters
    ----------
    heaviside : callable
        The learner's function.
    hidden : bool, default False
        Also run the autograder's extra cases.
    seed : int, default 0
        Seed of the random cases.

    Raises
    ------
    CheckFailed
        With a message naming the mistake.
    """
    rng = _rng(seed)
    cases = [
        Case("mixed signs, shape (3, 4)", (rng.normal(size=(3, 4)),)),
        Case("z exactly 0", (np.array([-1.0, 0.0, 0.0, 2.0]),)),
    ]
    if hidden:
        cases += [
            Case("integer input", (rng.integers(-3, 4, size=(2, 5)),)),
            Case("a batch of one, shape (1, 6)", (rng.normal(size=(1, 6)),)),
            Case("huge magnitudes (1e6)", (np.array([[-1e6, 1e6], [0.0, -1e-12]]),)),
            Case("a 3-D array", (rng.normal(size=(2, 3, 2)),)),
        ]

    def diagnose(case, got, expected):
        z = case.args[0]
        if got.shape == expected.shape and np.any(z == 0):
            at_zero = got[z == 0]
            if np.all(at_zero == 0) and close(got[z != 0], expected[z != 0]):
                return "heaviside(0) must be 1: the unit fires when z >= 0 (you compared z > 0)"
        if got.shape == expected.shape and np.array_equal(got, np.sign(z)):
            return "that is the sign function (-1/0/+1); the Heaviside step gives 0 or 1"
        return None

    n = check_cases(
        heaviside, cases, activations.heaviside, name="heaviside", references=_FORBIDDEN, diagnose=diagnose
    )
    passed("heaviside", n)


# --------------------------------------------------------------------------- TLU


def _tlu_reference(X, w, b):
    return perceptron.TLU(w, b).predict(X)


def check_tlu_predict(tlu_predict, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``tlu_predict(X, w, b)``: ``heaviside(X @ w + b)`` for a batch.

    ``X`` has shape (N, D); ``w`` is (D,) with a scalar ``b`` (one unit,
    result (N,)) or (D, M) with ``b`` of shape (M,) (M units, result (N, M)).
    """
    rng = _rng(seed)
    cases = [
        Case("AND weights on the truth table", (_TRUTH_INPUTS, np.array([1.0, 1.0]), -1.5)),
        Case("random batch, shape (5, 3)", (rng.normal(size=(5, 3)), rng.normal(size=3), 0.3)),
    ]
    if hidden:
        cases += [
            Case("z exactly 0", (np.array([[1.0, 1.0], [2.0, 1.0]]), np.array([1.0, -1.0]), 0.0)),
            Case("integer X", (rng.integers(0, 2, size=(6, 4)), rng.normal(size=4), -0.5)),
            Case("a batch of one", (rng.normal(size=(1, 7)), rng.normal(size=7), 0.1)),
            Case(
                "three units: w of shape (4, 3), b of shape (3,)",
                (rng.normal(size=(8, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)),
            ),
        ]

    def diagnose(case, got, expected):
        X, w, b = case.args
        z = X @ w
        if got.shape == expected.shape[::-1] and got.ndim == 2 and got.shape != expected.shape:
            return "the result is transposed: for X (N, D) and w (D, M) it must be (N, M), one row per sample"
        if close(got, activations.heaviside(z)) and not close(got, expected):
            return "the bias b is missing: compute z = X @ w + b before the step"
        if close(got, np.asarray(z + b > 0, dtype=float)) and not close(got, expected):
            return "a unit whose weighted sum is exactly 0 must fire (use z >= 0, the Heaviside step)"
        return None

    n = check_cases(
        tlu_predict, cases, _tlu_reference, name="tlu_predict", what="the prediction",
        references=_FORBIDDEN, diagnose=diagnose, stand_ins=_STAND_INS,
    )
    passed("tlu_predict", n)


# --------------------------------------------------------------------------- the learning rule


def _update_reference(w, b, x, y, lr=1.0):
    y_hat = activations.heaviside(np.asarray(x, dtype=float) @ w + b)
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


def check_perceptron_update(perceptron_update, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``perceptron_update(w, b, x, y, lr=1.0) -> (w_new, b_new)``.

    One step of Rosenblatt's rule on one sample ``x`` (shape (D,)) with
    label ``y`` (0 or 1): ``y_hat = heaviside(x @ w + b)``,
    ``w_new = w + lr * (y - y_hat) * x``, ``b_new = b + lr * (y - y_hat)``.
    The inputs must not be changed in place.
    """
    require_callable(perceptron_update, name="perceptron_update")
    rng = _rng(seed)
    w0 = np.array([0.5, -1.0, 0.25])
    cases = [
        Case("a missed positive (y=1, prediction 0)", (w0, -2.0, np.array([1.0, 0.0, 2.0]), 1)),
        Case("a correct prediction (no change)", (w0, 0.5, np.array([1.0, 0.0, 1.0]), 1)),
    ]
    if hidden:
        cases += [
            Case("a false positive (y=0, prediction 1)", (rng.normal(size=5), 2.0, rng.normal(size=5), 0)),
            Case("lr = 0.5", (w0, -1.0, np.array([2.0, 1.0, 1.0]), 1), {"lr": 0.5}),
            Case("integer x", (np.zeros(4), -0.5, np.array([1, 0, 1, 1]), 1)),
            Case("zero weights (the first step)", (np.zeros(2), 0.0, np.array([1.0, 1.0]), 0)),
        ]
    for case in cases:
        got = call_learner(perceptron_update, case, name="perceptron_update", references=_FORBIDDEN,
                           stand_ins=_STAND_INS)
        if not isinstance(got, tuple) or len(got) != 2:
            raise CheckFailed(
                f"perceptron_update must return the pair (w_new, b_new); got {type(got).__name__} "
                f"on the case '{case.name}'."
            )
        w_new, b_new = np.asarray(got[0], dtype=float), np.asarray(got[1], dtype=float)
        w_exp, b_exp = _update_reference(*case.args, **case.kwargs)
        w, b, x, y = case.args
        lr = case.kwargs.get("lr", 1.0)
        flipped_w, flipped_b = w - (np.asarray(w_exp) - w), b - (b_exp - b)
        if not close(w_exp, w) and close(w_new, flipped_w) and close(b_new, flipped_b):
            raise CheckFailed(
                "perceptron_update: the update goes the wrong way: use y - y_hat, so "
                f"w <- w + lr * (y - y_hat) * x (case '{case.name}')"
            )
        if close(w_new, w_exp) and not close(b_exp, b) and close(b_new, b):
            raise CheckFailed(
                "perceptron_update: the bias did not change after a mistake: "
                f"b <- b + lr * (y - y_hat) (case '{case.name}')"
            )
        if not close(w_exp, w) and close(w_new, w + (np.asarray(w_exp) - w) / lr) and lr != 1.0:
            raise CheckFailed(f"perceptron_update: the learning rate lr is not used (case '{case.name}')")
        if w_new.shape != np.shape(w):
            raise CheckFailed(
                f"perceptron_update: w_new has shape {w_new.shape}; it must keep the shape of w, "
                f"{np.shape(w)} (case '{case.name}')"
            )
        if b_new.shape not in ((), (1,)):
            raise CheckFailed(
                f"perceptron_update: b_new must be a single number; got shape {b_new.shape} "
                f"(case '{case.name}')"
            )
        if not (close(w_new, w_exp) and close(b_new.reshape(()), b_exp)):
            raise CheckFailed(f"perceptron_update: the new weights or bias are wrong on the case '{case.name}'.")
    passed("perceptron_update", len(cases))


# --------------------------------------------------------------------------- training


def _separable(rng, n=24, d=3):
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    margin = X @ w
    keep = np.abs(margin) > 0.3  # a margin makes convergence quick
    return X[keep], (margin[keep] > 0).astype(int)


def _xor_data():
    return _TRUTH_INPUTS.astype(float), np.array([0, 1, 1, 0])


def _parity3():
    X = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=float)
    return X, X.sum(axis=1).astype(int) % 2


def _fit_reference(X, y, lr=1.0, max_epochs=100):
    return perceptron.Perceptron(learning_rate=lr, max_epochs=max_epochs, shuffle=False).fit(X, y)


def check_train_perceptron(train_perceptron, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``train_perceptron(X, y, lr=1.0, max_epochs=100) -> (w, b, errors)``.

    Weights and bias start at zero; each epoch visits the samples in their
    order and applies the rule to each; ``errors`` lists the number of
    mistakes of each epoch; training stops after an epoch without mistakes
    or after ``max_epochs`` epochs.
    """
    require_callable(train_perceptron, name="train_perceptron")
    rng = _rng(seed)
    X_and = _TRUTH_INPUTS.astype(float)
    cases = [
        Case("AND", (X_and, np.array([0, 0, 0, 1]))),
        Case("OR", (X_and, np.array([0, 1, 1, 1]))),
    ]
    if hidden:
        Xs, ys = _separable(rng)
        cases += [
            Case("separable random data, D=3", (Xs, ys)),
            Case("lr = 0.1", (Xs, ys), {"lr": 0.1}),
            Case("XOR with max_epochs=4 (never converges)", _xor_data(), {"max_epochs": 4}),
            Case("integer X", (_TRUTH_INPUTS, np.array([0, 0, 0, 1]))),
        ]
    for case in cases:
        got = call_learner(train_perceptron, case, name="train_perceptron", references=_FORBIDDEN,
                           stand_ins=_STAND_INS_TRAIN)
        if not isinstance(got, tuple) or len(got) != 3:
            raise CheckFailed(
                "train_perceptron must return the triple (w, b, errors); got "
                f"{type(got).__name__} on the case '{case.name}'."
            )
        w, b, errors = got
        ref = _fit_reference(*case.args, **case.kwargs)
        max_epochs = case.kwargs.get("max_epochs", 100)
        try:
            errors = [int(e) for e in errors]
        except (TypeError, ValueError) as err:
            raise CheckFailed(
                f"train_perceptron: errors must be a list of mistake counts, one per epoch "
                f"(case '{case.name}')"
            ) from err
        if len(errors) > max_epochs:
            raise CheckFailed(
                f"train_perceptron ran {len(errors)} epochs with max_epochs={max_epochs} "
                f"(case '{case.name}'): stop at max_epochs"
            )
        if errors and errors[-1] == 0 and 0 in errors[:-1]:
            raise CheckFailed(
                "train_perceptron kept training after an epoch without mistakes: stop as soon as "
                f"an epoch makes no mistake (case '{case.name}')"
            )
        if errors != [int(e) for e in ref.errors_]:
            if errors and errors[-1] != 0 and len(errors) < len(ref.errors_) <= max_epochs:
                hint = "it stopped while it was still making mistakes"
            else:
                hint = "visit the samples in order and count the samples that triggered an update"
            raise CheckFailed(
                f"train_perceptron: the mistakes per epoch are wrong on the case '{case.name}': {hint}."
            )
        w = np.asarray(w, dtype=float)
        if w.shape != ref.coef_.shape:
            raise CheckFailed(
                f"train_perceptron: w has shape {w.shape}; it must have shape {ref.coef_.shape}, one "
                f"weight per feature (case '{case.name}')"
            )
        if not (close(w, ref.coef_) and close(np.asarray(b, dtype=float).reshape(()), ref.intercept_)):
            raise CheckFailed(
                f"train_perceptron: the final weights are wrong on the case '{case.name}'. Start from "
                "zeros and update after each sample (not once per epoch)."
            )
    passed("train_perceptron", len(cases))


def check_perceptron_converges(perceptron_converges, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``perceptron_converges(X, y, max_epochs=100) -> bool``.

    True when the perceptron's training reaches an epoch without mistakes
    within ``max_epochs``: the data is linearly separable (AND, OR), not
    XOR.
    """
    require_callable(perceptron_converges, name="perceptron_converges")
    rng = _rng(seed)
    X4 = _TRUTH_INPUTS.astype(float)
    cases = [
        Case("AND", (X4, np.array([0, 0, 0, 1]))),
        Case("XOR", _xor_data()),
    ]
    if hidden:
        cases += [
            Case("OR", (X4, np.array([0, 1, 1, 1]))),
            Case("NAND", (X4, np.array([1, 1, 1, 0]))),
            Case("parity of three bits", _parity3()),
            Case("separable random data", _separable(rng)),
            Case("XOR with max_epochs=1000", _xor_data(), {"max_epochs": 1000}),
        ]
    for case in cases:
        got = call_learner(perceptron_converges, case, name="perceptron_converges", references=_FORBIDDEN,
                           stand_ins=_STAND_INS_CONVERGE)
        if not isinstance(got, (bool, np.bool_)):
            raise CheckFailed(
                f"perceptron_converges must return True or False; got {type(got).__name__} "
                f"on the case '{case.name}'."
            )
        if bool(got) != _fit_reference(*case.args, **case.kwargs).converged_:
            raise CheckFailed(
                f"perceptron_converges gave the wrong answer on the case '{case.name}'. Train with "
                "train_perceptron and look at the last epoch's mistakes: zero means it converged."
            )
    passed("perceptron_converges", len(cases))


# --------------------------------------------------------------------------- hand-set weights

_GATES = {
    "and": lambda a, b: perceptron.and_gate(a, b),
    "or": lambda a, b: perceptron.or_gate(a, b),
    "nand": lambda a, b: 1 - perceptron.and_gate(a, b),
}


def _tlu_outputs(w, b, X, label):
    w = np.asarray(w, dtype=float)
    if w.shape != (2,) or np.shape(b) not in ((), (1,)):
        raise CheckFailed(
            f"{label}: expected a weight vector of shape (2,) and a single bias; got weights of shape "
            f"{w.shape} and a bias of shape {np.shape(b)}."
        )
    return perceptron.TLU(w, float(np.asarray(b).reshape(()))).predict(X)


def check_gate_weights(gates) -> None:
    """Check hand-set TLU weights for logic gates.

    ``gates`` maps ``"and"``, ``"or"`` and ``"nand"`` to a pair
    ``(w, b)``: two weights and a bias such that
    ``heaviside(x @ w + b)`` is the gate's truth table.
    """
    if not isinstance(gates, dict):
        raise CheckFailed(f"GATES must be a dict like {{'and': (w, b), ...}}; got {type(gates).__name__}.")
    missing = [g for g in _GATES if g not in gates]
    if missing:
        raise CheckFailed(f"GATES is missing the gate(s) {missing}; give (w, b) for each of {list(_GATES)}.")
    a, b = _TRUTH_INPUTS[:, 0], _TRUTH_INPUTS[:, 1]
    for gate, truth in _GATES.items():
        try:
            w, bias = gates[gate]
        except (TypeError, ValueError) as err:
            raise CheckFailed(f"GATES['{gate}'] must be a pair (w, b).") from err
        out = _tlu_outputs(w, bias, _TRUTH_INPUTS, f"GATES['{gate}']")
        wrong = [tuple(int(v) for v in row) for row, o, t in zip(_TRUTH_INPUTS, out, truth(a, b)) if o != t]
        if wrong:
            raise CheckFailed(
                f"GATES['{gate}']: the unit gives the wrong output for the input(s) {wrong}. Write the "
                "inequality x1*w1 + x2*w2 + b >= 0 for each row of the truth table and pick b to "
                "separate them."
            )
    passed("GATES", len(_GATES))


def check_xor_weights(weights) -> None:
    """Check a hand-wired two-layer network of TLUs that computes XOR.

    ``weights`` holds ``W_hidden`` (2, 2), ``b_hidden`` (2,), ``w_out`` (2,)
    and ``b_out`` (a number): ``h = heaviside(X @ W_hidden + b_hidden)``,
    ``y = heaviside(h @ w_out + b_out)``.
    """
    keys = ("W_hidden", "b_hidden", "w_out", "b_out")
    if not isinstance(weights, dict) or any(k not in weights for k in keys):
        raise CheckFailed(f"XOR_WEIGHTS must be a dict with the keys {list(keys)}.")
    W = np.asarray(weights["W_hidden"], dtype=float)
    bh = np.asarray(weights["b_hidden"], dtype=float)
    if W.shape != (2, 2) or bh.shape != (2,):
        raise CheckFailed(
            f"XOR_WEIGHTS: W_hidden must have shape (2, 2) (inputs x hidden units) and b_hidden "
            f"shape (2,); got {W.shape} and {bh.shape}."
        )
    hidden = perceptron.TLU(W, bh).predict(_TRUTH_INPUTS)  # (4, 2)
    out = _tlu_outputs(weights["w_out"], weights["b_out"], hidden, "XOR_WEIGHTS (output unit)")
    truth = perceptron.xor_network(_TRUTH_INPUTS[:, 0], _TRUTH_INPUTS[:, 1])
    wrong = [tuple(int(v) for v in row) for row, o, t in zip(_TRUTH_INPUTS, out, truth) if o != t]
    if wrong:
        hint = ""
        if len(wrong) == 1 and wrong[0] == (1, 1):
            hint = " The output unit fires for (1, 1): it must combine OR with NAND (an AND of the two), not OR them."
        raise CheckFailed(f"XOR_WEIGHTS: the network gives the wrong output for the input(s) {wrong}.{hint}")
    passed("XOR_WEIGHTS", 4)
