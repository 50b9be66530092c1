"""Tests of course_pkg.numpy_nn.autograd: every local gradient, the graph walk, and TensorFlow's answer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_pkg.numpy_nn import activations
from course_pkg.numpy_nn.autograd import Value
from course_pkg.numpy_nn.network import MLP

H = 1e-6

# name -> (function of Value(s), the points to test it at). Points avoid kinks (relu at 0).
UNARY = {
    "neg": (lambda x: -x, [-1.3, 0.4]),
    "tanh": (lambda x: x.tanh(), [-1.7, 0.2, 2.5]),
    "relu": (lambda x: x.relu(), [-0.8, 1.9]),
    "exp": (lambda x: x.exp(), [-2.0, 0.7]),
    "log": (lambda x: x.log(), [0.3, 4.0]),
    "pow3": (lambda x: x**3, [-1.1, 0.6]),
    "pow-0.5": (lambda x: x**-0.5, [0.4, 2.2]),
    "radd": (lambda x: 2.5 + x, [0.9]),
    "rsub": (lambda x: 2.5 - x, [0.9]),
    "rmul": (lambda x: 2.5 * x, [0.9]),
    "rdiv": (lambda x: 2.5 / x, [0.9, -1.6]),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


def centred(f, *point, i):
    """d f / d point[i] by centred differences, evaluating f on plain floats wrapped in Values."""
    up, down = list(point), list(point)
    up[i] += H
    down[i] -= H
    return (f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * H)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient_matches_centred_differences(name):
    f, points = UNARY[name]
    for x0 in points:
        x = Value(x0)
        f(x).backward()
        assert x.grad == pytest.approx(centred(f, x0, i=0), rel=1e-7, abs=1e-9), (name, x0)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient_matches_centred_differences(name):
    f = BINARY[name]
    for a0, b0 in [(1.3, -0.7), (-2.1, 3.4)]:
        a, b = Value(a0), Value(b0)
        f(a, b).backward()
        assert a.grad == pytest.approx(centred(f, a0, b0, i=0), rel=1e-7), name
        assert b.grad == pytest.approx(centred(f, a0, b0, i=1), rel=1e-7), name


def test_the_three_patterns_of_the_backward_flow():
    # add distributes, mul swaps, relu (max with 0) routes: with an upstream gradient of 2.
    x, y = Value(3.0), Value(-1.0)
    (2 * (x + y)).backward()
    assert (x.grad, y.grad) == (2.0, 2.0)
    (2 * (x * y)).backward()
    assert (x.grad, y.grad) == (2.0 * -1.0, 2.0 * 3.0)
    (2 * x.relu() + 2 * y.relu()).backward()
    assert (x.grad, y.grad) == (2.0, 0.0)


def test_shared_subexpressions_accumulate():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0  # not 3: both uses count
    x = Value(-2.0)
    (x + x + x).backward()
    assert x.grad == 3.0
    a, b = Value(1.5), Value(-0.5)
    e = a * b  # e is used by two later values
    out = (e + a) * e
    out.backward()
    # out = a^2 b^2 + a^2 b: d/da = 2ab^2 + 2ab, d/db = 2a^2 b + a^2
    assert a.grad == pytest.approx(2 * 1.5 * 0.25 + 2 * 1.5 * -0.5)
    assert b.grad == pytest.approx(2 * 2.25 * -0.5 + 2.25)


def test_backward_resets_so_a_second_call_gives_the_same_gradients():
    a, b = Value(2.0), Value(5.0)
    out = a * b + b
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first == (5.0, 3.0)


def test_topological_order_puts_parents_first_and_each_value_once():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    e = a * b
    d = e + a
    out = d * e
    order = out.topological_order()
    assert order[-1] is out
    assert len(order) == len({id(v) for v in order}) == 5  # a, b, e, d, out
    position = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for p in v.parents:
            assert position[id(p)] < position[id(v)]


def test_a_long_chain_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0 and len(y.topological_order()) == 20_001


def test_graph_exports_the_data_computational_graph_draws():
    from course_pkg import diagrams

    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    L = (a * b + c) * 2
    L.label = "L"
    L.backward()
    nodes, edges = L.graph()
    by_label = {n["label"]: n for n in nodes}
    assert by_label["a"]["grad"] == -6.0 and by_label["b"]["grad"] == 4.0 and by_label["L"]["grad"] == 1.0
    assert by_label["2"]["op"] is None and by_label["L"]["op"] == "*"
    assert len(edges) == 6  # two inputs for each of the three operations
    svg = str(diagrams.computational_graph(nodes, edges))
    assert "a = 2" in svg and "grad −6" in svg


def test_gradients_of_a_tiny_mlp_match_the_numpy_track(rng):
    net = MLP([3, 4, 2], hidden_activation="tanh", seed=3, dtype="float64")
    W1, b1, W2, b2 = [w + 0.1 * rng.standard_normal(w.shape) for w in net.get_weights()]
    net.set_weights([W1, b1, W2, b2])
    X, y = rng.standard_normal((5, 3)), np.array([0, 1, 1, 0, 1])
    loss = net.loss_and_grads(X, y)
    params = {k: np.vectorize(Value, otypes=[object])(w) for k, w in zip(["W1", "b1", "W2", "b2"], [W1, b1, W2, b2])}
    total = Value(0.0)
    for x_n, y_n in zip(X, y):
        h = [sum((x_n[d] * params["W1"][d, m] for d in range(3)), params["b1"][m]).tanh() for m in range(4)]
        z = [sum((h[m] * params["W2"][m, c] for m in range(4)), params["b2"][c]) for c in range(2)]
        total = total + (sum(zc.exp() for zc in z).log() - z[y_n])  # cross-entropy of softmax
    mean = total / len(y)
    mean.backward()
    assert mean.data == pytest.approx(loss, rel=1e-12)
    grads = net.grads()
    for ours, key in [("W1", "hidden_1/W"), ("b1", "hidden_1/b"), ("W2", "output/W"), ("b2", "output/b")]:
        scalar = np.vectorize(lambda v: v.grad, otypes=[float])(params[ours])
        np.testing.assert_allclose(scalar, grads[key], rtol=1e-10, atol=1e-13)


def test_sigmoid_as_a_new_op_matches_its_composition_and_the_library():
    x0 = 0.8
    x = Value(x0)
    s = 1 / (1 + math.exp(-x0))
    Value(s, parents=(x,), local_grads=(s * (1 - s),), op="sigmoid").backward()
    one_op = x.grad
    x2 = Value(x0)
    (1 / (1 + (-x2).exp())).backward()
    assert one_op == pytest.approx(x2.grad, rel=1e-12)
    assert one_op == pytest.approx(activations.sigmoid_grad(np.array([x0]))[0], rel=1e-12)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Value("3"), TypeError, "real number"),
        (lambda: Value(True), TypeError, "real number"),
        (lambda: Value(float("nan")), ValueError, "finite"),
        (lambda: Value(1.0) + "x", TypeError, "other operand"),
        (lambda: Value(2.0) ** Value(3.0), TypeError, "plain number"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "finite real"),
        (lambda: Value(0.0) ** -1, ValueError, "finite real"),
        (lambda: Value(1.0) / 0, ValueError, "non-zero"),
        (lambda: Value(0.0).log(), ValueError, "positive"),
        (lambda: Value(800.0).exp(), ValueError, "709"),
        (lambda: Value(1.0, parents=(2.0,), local_grads=(1.0,)), TypeError, "Value"),
        (lambda: Value(1.0, parents=(Value(2.0),), local_grads=()), ValueError, "one local gradient"),
    ],
)
def test_bad_input_raises_a_message_that_names_the_problem(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.tf
def test_matches_tensorflow_gradient_tape(tf):
    points = {"a": 0.7, "b": -1.2, "c": 2.3, "d": 0.4}

    def expression(v, tanh, relu, exp, log):
        e = v["a"] * v["b"] + v["c"]
        f = tanh(e) * v["d"] - relu(v["c"] - 3.0 * v["a"]) / (1.0 + v["d"] ** 2)
        return log(exp(f) + 1.0) + e * e

    ours = {k: Value(x, label=k) for k, x in points.items()}
    out = expression(ours, Value.tanh, Value.relu, Value.exp, Value.log)
    out.backward()
    theirs = {k: tf.Variable(x, dtype=tf.float64) for k, x in points.items()}
    with tf.GradientTape() as tape:
        out_tf = expression(theirs, tf.tanh, tf.nn.relu, tf.exp, tf.math.log)
    grads = tape.gradient(out_tf, theirs)
    assert out.data == pytest.approx(float(out_tf.numpy()), rel=1e-12)
    for k in points:
        assert ours[k].grad == pytest.approx(float(grads[k].numpy()), rel=1e-10), k
