"""Tests of course_pkg.numpy_nn.perceptron: logic neurons, TLU, Rosenblatt's perceptron, XOR."""

from __future__ import annotations

import numpy as np
import pytest

from course_pkg.numpy_nn.perceptron import (
    TLU,
    Perceptron,
    XORNetwork,
    a_and_not_b,
    and_gate,
    identity_gate,
    mcp_neuron,
    not_gate,
    or_gate,
    xor_network,
)

A = np.array([0, 0, 1, 1])
B = np.array([0, 1, 0, 1])
X_XOR = np.stack([A, B], axis=1)  # (4, 2), the four input pairs
Y_XOR = np.array([0, 1, 1, 0])


@pytest.fixture(scope="module")
def iris_setosa():
    from sklearn.datasets import load_iris

    iris = load_iris()
    X = iris.data[:, 2:4]  # petal length and width
    y = (iris.target == 0).astype(int)  # setosa vs the rest
    return X, y


# ----------------------------------------------------------------------------- McCulloch-Pitts


@pytest.mark.parametrize(
    "gate, expected",
    [
        (and_gate, [0, 0, 0, 1]),
        (or_gate, [0, 1, 1, 1]),
        (a_and_not_b, [0, 0, 1, 0]),
        (xor_network, [0, 1, 1, 0]),
    ],
)
def test_two_input_truth_tables(gate, expected):
    out = gate(A, B)
    assert out.dtype == np.int64
    assert out.tolist() == expected
    # Element by element with Python ints gives the same table.
    assert [int(gate(a, b)) for a, b in zip(A.tolist(), B.tolist())] == expected


def test_one_input_truth_tables():
    assert identity_gate([0, 1]).tolist() == [0, 1]
    assert not_gate([0, 1]).tolist() == [1, 0]
    assert int(not_gate(False)) == 1


def test_gates_are_vectorised_over_any_shape():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, size=(3, 5))
    b = rng.integers(0, 2, size=(3, 5))
    assert and_gate(a, b).shape == (3, 5)
    np.testing.assert_array_equal(and_gate(a, b), a & b)
    np.testing.assert_array_equal(or_gate(a, b), a | b)
    np.testing.assert_array_equal(xor_network(a, b), a ^ b)
    np.testing.assert_array_equal(not_gate(a), 1 - a)
    np.testing.assert_array_equal(a_and_not_b(a.astype(bool), b.astype(bool)), a & (1 - b))


def test_mcp_neuron_threshold_and_inhibition():
    inputs = np.array([[0, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 1]])
    inhibitory = np.array([[0], [0], [0], [1]])
    assert mcp_neuron(inputs, threshold=2).tolist() == [0, 1, 1, 1]
    assert mcp_neuron(inputs, threshold=3).tolist() == [0, 0, 1, 1]
    assert mcp_neuron(inputs, threshold=2, inhibitory=inhibitory).tolist() == [0, 1, 1, 0]
    assert mcp_neuron(inputs, threshold=1).tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize("bad", [[0, 2], [0.5, 1], [-1, 0]])
def test_gates_reject_non_binary_input(bad):
    with pytest.raises(ValueError, match=r"and_gate: expected a binary b \(only 0 and 1"):
        and_gate([0, 1], bad)
    with pytest.raises(ValueError, match="not_gate: expected a binary a"):
        not_gate(bad)
    with pytest.raises(ValueError, match="mcp_neuron: expected a binary inputs"):
        mcp_neuron(bad)


def test_mcp_neuron_shape_and_threshold_errors():
    with pytest.raises(ValueError, match="leading shape of inputs"):
        mcp_neuron([[1, 1], [0, 1]], inhibitory=[[0]])
    with pytest.raises(ValueError, match="threshold >= 1"):
        mcp_neuron([1, 1], threshold=0)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        mcp_neuron(1)
    message = r"a and b of the same \(or broadcastable\) shape; got \(2,\) and \(3,\)"
    with pytest.raises(ValueError, match=message):
        or_gate([0, 1], [0, 1, 1])


# ----------------------------------------------------------------------------- TLU


def test_tlu_heaviside_and_sign():
    X = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 0.5], [2.0, -3.0]])
    w, b = np.array([1.0, -1.0]), 0.0
    z = np.array([-1.0, 0.0, -1.5, 5.0])
    np.testing.assert_allclose(TLU(w, b).decision_function(X), z)
    assert TLU(w, b).predict(X).tolist() == [0, 1, 0, 1]  # Heaviside: 1 at z == 0
    assert TLU(w, b, activation="sign").predict(X).tolist() == [-1, 0, -1, 1]


def test_tlu_with_several_units():
    W = np.array([[1.0, -1.0, 0.5], [1.0, -1.0, 0.5]])  # (D, M) = (2, 3)
    b = np.array([-1.5, 0.5, -0.25])  # AND, NOR, OR
    out = TLU(W, b).predict(X_XOR)
    assert out.shape == (4, 3)
    assert out.T.tolist() == [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 1, 1]]


def test_tlu_errors():
    with pytest.raises(ValueError, match="activation to be one of 'heaviside', 'sign'"):
        TLU([1.0], 0.0, activation="relu")
    with pytest.raises(ValueError, match=r"bias as shape \(3,\)"):
        TLU(np.ones((2, 3)), np.zeros(2))
    message = r"TLU.predict: expected X of shape \(N, 2\); got shape \(4, 3\)"
    with pytest.raises(ValueError, match=message):
        TLU([1.0, 1.0], 0.0).predict(np.ones((4, 3)))


# ----------------------------------------------------------------------------- Perceptron


def test_first_update_by_hand():
    x = np.array([[2.0, -1.0, 0.5]])
    clf = Perceptron(learning_rate=0.5, max_epochs=1, shuffle=False).fit(x, np.array([0]))
    # Zero weights give z = 0, y_hat = 1, so w = 0 + 0.5 * (0 - 1) * x and b = 0.5 * (0 - 1).
    np.testing.assert_allclose(clf.coef_, -0.5 * x[0])
    assert clf.intercept_ == -0.5
    assert clf.errors_ == [1]


def test_two_updates_by_hand():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1])
    clf = Perceptron(learning_rate=1.0, max_epochs=1, shuffle=False).fit(X, y)
    # sample 0: z = 0 -> y_hat 1, wrong: w = [-1, 0], b = -1
    # sample 1: z = 0 - 1 = -1 -> y_hat 0, wrong: w = [-1, 1], b = 0
    # sample 2: z = -1 + 1 + 0 = 0 -> y_hat 1, right: no update
    np.testing.assert_allclose(clf.coef_, [-1.0, 1.0])
    assert clf.intercept_ == 0.0
    assert clf.errors_ == [2] and clf.n_epochs_ == 1 and not clf.converged_


def test_matches_independent_rule_with_seeded_shuffling(rng):
    # Not separable and multilabel, so every epoch updates and all branches are exercised.
    X = rng.normal(size=(30, 3))
    Y = rng.integers(0, 2, size=(30, 2))
    lr, epochs, seed = 0.3, 4, 11
    clf = Perceptron(learning_rate=lr, max_epochs=epochs, seed=seed).fit(X, Y)

    gen = np.random.default_rng(seed)  # one permutation per epoch, drawn from the seeded generator
    W, b = np.zeros((3, 2)), np.zeros(2)
    errors = []
    for _ in range(epochs):
        n_errors = 0
        for i in gen.permutation(30):
            y_hat = (X[i] @ W + b >= 0).astype(float)
            if np.any(y_hat != Y[i]):
                n_errors += 1
            W += lr * np.outer(X[i], Y[i] - y_hat)
            b += lr * (Y[i] - y_hat)
        errors.append(n_errors)
    np.testing.assert_allclose(clf.coef_, W, rtol=1e-12)
    np.testing.assert_allclose(clf.intercept_, b, rtol=1e-12)
    assert clf.errors_ == errors
    assert min(errors) > 0


def test_iris_setosa_reaches_zero_errors(iris_setosa):
    X, y = iris_setosa
    for kwargs in ({"shuffle": False}, {"seed": 0}, {"seed": 1}):
        clf = Perceptron(**kwargs).fit(X, y)
        assert clf.errors_[-1] == 0 and clf.converged_
        assert clf.errors_[0] > 0  # it did have to learn
        assert clf.n_epochs_ == len(clf.errors_) < clf.max_epochs
        assert clf.score(X, y) == 1.0
        np.testing.assert_array_equal(clf.predict(X), y)
        assert clf.coef_.shape == (2,) and isinstance(clf.intercept_, float)
        # Setosa has the shortest, narrowest petals: both weights push towards "not setosa".
        assert np.all(clf.coef_ < 0)


def test_seed_makes_fit_reproducible(iris_setosa):
    X, y = iris_setosa
    first, again = Perceptron(seed=3).fit(X, y), Perceptron(seed=3).fit(X, y)
    np.testing.assert_array_equal(first.coef_, again.coef_)
    assert first.errors_ == again.errors_
    ordered = Perceptron(shuffle=False).fit(X, y)
    assert first.errors_ != ordered.errors_ or not np.array_equal(first.coef_, ordered.coef_)


def test_agrees_with_sklearn_perceptron_on_setosa(iris_setosa):
    from sklearn.linear_model import Perceptron as SkPerceptron

    X, y = iris_setosa
    ours = Perceptron(learning_rate=1.0, shuffle=False).fit(X, y)
    theirs = SkPerceptron(eta0=1.0, penalty=None, shuffle=False, max_iter=100, tol=None).fit(X, y)
    # Both separate the training set; the weights may differ because scikit-learn also updates
    # when the score is exactly 0 (our Heaviside step gives 1 there).
    assert ours.score(X, y) == theirs.score(X, y) == 1.0
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_cannot_learn_xor():
    for seed in range(3):
        clf = Perceptron(max_epochs=30, seed=seed).fit(X_XOR, Y_XOR)
        assert min(clf.errors_) > 0
        assert clf.n_epochs_ == 30 and not clf.converged_
        assert clf.score(X_XOR, Y_XOR) < 1.0


def test_hand_set_two_layer_network_solves_xor():
    net = XORNetwork()
    np.testing.assert_array_equal(net.predict(X_XOR), Y_XOR)
    hidden = net.hidden_activations(X_XOR)
    np.testing.assert_array_equal(hidden[:, 0], or_gate(A, B))
    np.testing.assert_array_equal(hidden[:, 1], 1 - and_gate(A, B))  # NAND
    np.testing.assert_array_equal(net.predict(X_XOR), xor_network(A, B))


def test_multilabel_fit_two_outputs(rng):
    X = rng.uniform(-1, 1, size=(200, 2))
    margin = (np.abs(X[:, 0] - 0.2) > 0.1) & (np.abs(X[:, 0] + X[:, 1]) > 0.1)
    X = X[margin]
    Y = np.stack([X[:, 0] > 0.2, X[:, 0] + X[:, 1] < 0], axis=1).astype(int)  # (N, 2)
    clf = Perceptron(seed=5).fit(X, Y)
    assert clf.coef_.shape == (2, 2) and clf.intercept_.shape == (2,)
    assert clf.converged_ and clf.errors_[-1] == 0
    assert clf.predict(X).shape == Y.shape and clf.score(X, Y) == 1.0
    # Each output is its own perceptron: same seed, same visiting order, same weights.
    for k in range(2):
        single = Perceptron(seed=5).fit(X, Y[:, k])
        np.testing.assert_allclose(clf.coef_[:, k], single.coef_)
        np.testing.assert_allclose(clf.intercept_[k], single.intercept_)


def test_multilabel_score_counts_a_sample_right_only_when_all_outputs_are():
    clf = Perceptron(shuffle=False).fit(X_XOR, np.stack([A & B, A | B], axis=1))
    assert clf.score(X_XOR, np.stack([A & B, A | B], axis=1)) == 1.0
    # The last row has one of its two outputs wrong.
    wrong_second = np.stack([A & B, np.array([0, 1, 1, 0])], axis=1)
    assert clf.score(X_XOR, wrong_second) == 0.75


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"learning_rate": 0}, ValueError, "Perceptron: expected learning_rate > 0"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate > 0"),
        ({"lr": 0.5}, TypeError, r"got lr=0\.5\. Write Perceptron\(learning_rate=0\.5\)"),
        ({"rng": 0}, TypeError, r"Write Perceptron\(seed=0\)"),
        ({"max_epochs": 0}, ValueError, "max_epochs >= 1"),
        ({"max_epochs": 2.5}, TypeError, "max_epochs as an integer"),
        ({"seed": "seed"}, TypeError, "np.random.default_rng"),
        ({"shuffle": "no"}, TypeError, "shuffle as True or False"),
    ],
)
def test_bad_hyperparameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        Perceptron(**kwargs)


def test_fit_rejects_bad_data():
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"labels y in \{0, 1\}; got values \[-1, 1\]"):
        Perceptron().fit(X, np.array([-1, 1, 1, -1]))
    with pytest.raises(ValueError, match=r"labels y in \{0, 1\}"):
        Perceptron().fit(X, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match=r"Perceptron.fit: expected X .*; got shape \(4,\)"):
        Perceptron().fit(np.ones(4), np.array([0, 1, 1, 0]))
    with pytest.raises(ValueError, match=r"one row per row of X \(4\)"):
        Perceptron().fit(X, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"y of shape \(N,\) for one output or \(N, K\)"):
        Perceptron().fit(X, np.zeros((4, 1, 1)))


def test_predict_errors():
    with pytest.raises(RuntimeError, match="Perceptron.predict: expected a fitted perceptron"):
        Perceptron().predict(np.ones((2, 2)))
    clf = Perceptron(shuffle=False).fit(X_XOR, A & B)
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 2\); got shape \(4, 3\)"):
        clf.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected y of shape \(4,\)"):
        clf.score(X_XOR, np.stack([A, B], axis=1))
