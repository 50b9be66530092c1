"""The checks of the assignment perceptrons (course_pkg.checks.perceptrons): right code passes the visible
and the hidden cases, honest unusual code keeps its marks, each misconception gets its message, each part
is judged on its own, and hidden kinds are all visible.

The learner functions are written independently of the references, the way a learner would.
"""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import assert_hidden_kinds_are_visible, fails_with, judge_like_the_grader

from course_pkg.checks import perceptrons as P
from course_pkg.numpy_nn import activations


def heaviside(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def tlu_predict(X, w, b):
    return heaviside(np.asarray(X) @ w + b)


def perceptron_update(w, b, x, y, learning_rate=1.0):
    x = np.asarray(x, dtype=float)
    error = y - heaviside(x @ w + b)
    return w + learning_rate * error * x, b + learning_rate * error


def train_perceptron(X, y, learning_rate=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    w, b, errors = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        mistakes = 0
        for x_i, y_i in zip(X, y):
            mistakes += int(heaviside(x_i @ w + b) != y_i)
            w, b = perceptron_update(w, b, x_i, y_i, learning_rate)
        errors.append(mistakes)
        if mistakes == 0:
            break
    return w, b, errors


def perceptron_converges(X, y, max_epochs=100):
    return train_perceptron(X, y, max_epochs=max_epochs)[2][-1] == 0


GATES = {"and": ([1, 1], -1.5), "or": ([1, 1], -0.5), "nand": ([-1, -1], 1.5)}
XOR_WEIGHTS = {"W_hidden": [[1, -1], [1, -1]], "b_hidden": [-0.5, 1.5], "w_out": [1, 1], "b_out": -1.5}
SOLUTIONS = {"heaviside": heaviside, "tlu_predict": tlu_predict, "perceptron_update": perceptron_update,
             "train_perceptron": train_perceptron, "GATES": GATES, "perceptron_converges": perceptron_converges,
             "XOR_WEIGHTS": XOR_WEIGHTS}


def test_correct_code_passes_every_visible_case(capsys):
    for part in P.PARTS:
        getattr(P, f"check_{part.grade_id.removeprefix('test_')}")(SOLUTIONS[part.target])
    assert capsys.readouterr().out.count("passed") == len(P.PARTS)


@pytest.mark.parametrize("part", P.PARTS, ids=lambda p: p.grade_id)
def test_correct_code_passes_the_hidden_cases_too(part):
    verdict = judge_like_the_grader(part, SOLUTIONS[part.target])
    assert verdict.passed and verdict.n_hidden > 0, verdict.message


@pytest.mark.parametrize("part", P.PARTS, ids=lambda p: p.grade_id)
def test_every_hidden_kind_has_a_visible_representative(part):
    assert_hidden_kinds_are_visible(part)


def test_honest_unusual_solutions_keep_their_marks(capsys):
    def heaviside32(z):  # float32 and a print
        print("stepping")
        return (np.asarray(z) >= 0).astype(np.float32)

    def update_lists(w, b, x, y, learning_rate=1.0):  # lists where arrays are accepted, a slow loop
        y_hat = heaviside(sum(xi * wi for xi, wi in zip(x, w)) + b)
        return [wi + learning_rate * (y - y_hat) * xi for wi, xi in zip(w, x)], float(b + learning_rate * (y - y_hat))

    def train_einsum(X, y, learning_rate=1.0, max_epochs=100):
        X = np.asarray(X, dtype=float)
        w, b, errors = np.zeros(X.shape[1]), 0.0, []
        for _ in range(max_epochs):
            errors.append(0)
            for x_i, y_i in zip(X, y):
                y_hat = float(np.einsum("i,i->", x_i, w) + b >= 0)
                errors[-1] += y_hat != y_i
                w, b = w + learning_rate * (y_i - y_hat) * x_i, b + learning_rate * (y_i - y_hat)
            if not errors[-1]:
                break
        return w.tolist(), b, errors

    namespace = {"np": np}  # a helper whose name is the reference's own
    exec("def sigmoid(z):\n    return z >= 0\n"
         "def heaviside(z):\n    return np.asarray(sigmoid(np.asarray(z)), dtype=float)\n", namespace)

    P.check_heaviside(heaviside32)
    P.check_heaviside(namespace["heaviside"])
    P.check_perceptron_update(update_lists)
    P.check_train_perceptron(train_einsum)
    P.check_perceptron_converges(lambda X, y, max_epochs=100: bool(train_perceptron(X, y, 1.0, max_epochs)[2][-1] == 0))
    P.check_perceptron_converges(lambda X, y, max_epochs=100: np.bool_(perceptron_converges(X, y, max_epochs)))
    P.check_gates({k: (np.array(w, dtype=np.float32), np.float32(b)) for k, (w, b) in GATES.items()})
    P.check_xor_weights({**XOR_WEIGHTS, "b_out": np.array([-1.5])})
    assert capsys.readouterr().out.count("passed") == 8


def test_each_misconception_gets_its_message():
    fails_with(P.check_heaviside, lambda z: np.where(np.asarray(z) > 0, 1.0, 0.0), "heaviside(0) must be 1")
    fails_with(P.check_heaviside, lambda z: np.sign(z), "sign function")
    fails_with(P.check_tlu_predict, lambda X, w, b: heaviside(np.asarray(X) @ w), "bias b is missing")
    fails_with(P.check_tlu_predict, lambda X, w, b: (np.asarray(X) @ w + b > 0).astype(float), "must fire")
    fails_with(P.check_tlu_predict, lambda X, w, b: heaviside(np.asarray(X) @ w + b).T, "transposed")
    fails_with(P.check_perceptron_update, lambda w, b, x, y, learning_rate=1.0: (
        w - learning_rate * (y - heaviside(x @ w + b)) * x, b - learning_rate * (y - heaviside(x @ w + b))),
        "wrong way")
    fails_with(P.check_perceptron_update, lambda w, b, x, y, learning_rate=1.0: (
        perceptron_update(w, b, x, y, learning_rate)[0], b), "bias did not change")
    fails_with(P.check_perceptron_update, lambda w, b, x, y, learning_rate=1.0: perceptron_update(w, b, x, y),
               "learning rate is not used")

    def in_place(w, b, x, y, learning_rate=1.0):
        error = y - heaviside(x @ w + b)
        w += learning_rate * error * x
        return w, b + learning_rate * error

    fails_with(P.check_perceptron_update, in_place, "changed its argument number 1 in place")
    fails_with(P.check_perceptron_update, lambda w, b, x, y, lr=1.0: perceptron_update(w, b, x, y, lr),
               "keyword argument learning_rate=")

    def ones_start(X, y, learning_rate=1.0, max_epochs=100):
        w, b, errors = train_perceptron(X, y, learning_rate, max_epochs)
        return w + 1, b, errors

    fails_with(P.check_train_perceptron, ones_start, "final weights are wrong")
    fails_with(P.check_train_perceptron, lambda X, y, learning_rate=1.0, max_epochs=100: train_perceptron(
        X, y, learning_rate, max_epochs + 2), "stop at max_epochs")

    def keeps_going(X, y, learning_rate=1.0, max_epochs=100):
        w, b, errors = train_perceptron(X, y, learning_rate, max_epochs)
        return w, b, errors + [0] if errors[-1] == 0 else errors

    fails_with(P.check_train_perceptron, keeps_going, "kept training")
    fails_with(P.check_perceptron_converges, lambda X, y, max_epochs=100: True, "the answer is wrong", "'XOR'")
    fails_with(P.check_perceptron_converges, lambda X, y, max_epochs=100: 1, "True or False")
    fails_with(P.check_gates, {**GATES, "and": ([1, 1], -0.5)}, "GATES['and']", "(0, 1)")
    fails_with(P.check_gates, {"and": GATES["and"]}, "missing the gate(s) ['or', 'nand']")
    fails_with(P.check_gates, {**GATES, "or": ([1, 1, 1], 0)}, "shape (2,)")
    fails_with(P.check_xor_weights, {**XOR_WEIGHTS, "b_out": -0.5}, "(1, 1)", "by an AND, not an OR")
    fails_with(P.check_xor_weights, {**XOR_WEIGHTS, "W_hidden": [1, -1]}, "shape (2, 2)")


def test_each_part_is_judged_on_its_own():
    # A broken heaviside in the learner's namespace must not cost the tlu_predict points...
    namespace = {"np": np}
    exec("def heaviside(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n"
         "def tlu_predict(X, w, b):\n    return heaviside(np.asarray(X) @ w + b)\n", namespace)
    broken = namespace["heaviside"]
    assert judge_like_the_grader(P.TLU_PREDICT, namespace["tlu_predict"]).passed
    # ...and the learner's own helper is back afterwards, still failing its own part.
    assert namespace["heaviside"] is broken
    fails_with(P.check_heaviside, broken, "must be 1")


def test_a_hidden_failure_names_its_kind_never_its_values():
    def only_visible(X, y, learning_rate=1.0, max_epochs=100):  # right unless the learning rate is not 1
        return train_perceptron(X, y, 1.0, max_epochs)

    verdict = judge_like_the_grader(P.TRAIN_PERCEPTRON, only_visible)
    assert not verdict.passed and "(hidden) a learning rate other than 1" in verdict.failed_kinds
    assert "[" not in verdict.message.split(":", 1)[1]  # no array printed


def test_blank_and_reference_code_are_explained():
    def blank(z):
        raise NotImplementedError()

    fails_with(P.check_heaviside, blank, "not written yet")
    fails_with(P.check_heaviside, activations.heaviside, "reference implementation", "not available")
