"""Tests of course_pkg.numpy_nn.optimizers: Keras paths, steps by hand, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_pkg.numpy_nn.optimizers import (
    SGD,
    AdaGrad,
    Adam,
    Optimizer,
    RMSProp,
    get_optimizer,
)

SHAPES = {"hidden_1/W": (3, 2), "hidden_1/b": (2,), "output/W": (2, 1)}
N_STEPS = 6


def _gradient_sequence(rng, n_steps=N_STEPS, dtype=np.float64):
    """Random gradients, different at every step and spanning two orders of magnitude."""
    sequence = []
    for _ in range(n_steps):
        scale = 10.0 ** rng.uniform(-2.0, 0.0)
        sequence.append({k: (scale * rng.normal(size=s)).astype(dtype) for k, s in SHAPES.items()})
    return sequence


def _run_course(optimizer, params0, grad_sequence):
    """Displacements p_t - p_0 after each step, from the course's optimizer."""
    params = {k: v.copy() for k, v in params0.items()}
    path = []
    for grads in grad_sequence:
        optimizer.step(params, grads)
        path.append({k: params[k] - params0[k] for k in params})
    return path


def _run_keras(tf, keras_optimizer, params0, grad_sequence):
    """Displacements p_t - p_0 after each step, from a keras.optimizers instance."""
    variables = {k: tf.Variable(v) for k, v in params0.items()}
    path = []
    for grads in grad_sequence:
        keras_optimizer.apply_gradients(
            [(tf.constant(grads[k]), variables[k]) for k in variables]
        )
        path.append({k: variables[k].numpy() - params0[k] for k in variables})
    return path


def _max_rel_error(path_a, path_b):
    return max(
        float(np.max(np.abs(a[k] - b[k]) / np.maximum(np.abs(b[k]), 1e-30)))
        for a, b in zip(path_a, path_b)
        for k in b
    )


# Hyperparameters exactly representable in float32: Keras keeps the learning rate in a float32
# variable and casts Adam's betas through float32 for the bias correction, so values such as 0.9
# would differ from ours by about 1e-6 relative for reasons unrelated to the update rules. The
# epsilons and accumulator start are large enough here that their placement changes the result.
CASES = [
    ("SGD", {"learning_rate": 0.0625}),
    ("SGD", {"learning_rate": 0.03125, "momentum": 0.875}),
    ("SGD", {"learning_rate": 0.03125, "momentum": 0.75, "nesterov": True}),
    ("AdaGrad", {"learning_rate": 0.125}),
    ("AdaGrad", {"learning_rate": 0.0625, "initial_accumulator_value": 0.5, "epsilon": 2.0**-10}),
    ("RMSProp", {"learning_rate": 2.0**-7}),
    ("RMSProp", {"learning_rate": 2.0**-7, "rho": 0.75, "momentum": 0.5, "epsilon": 2.0**-12}),
    ("Adam", {"learning_rate": 2.0**-7, "beta_1": 0.875, "beta_2": 1 - 2.0**-10}),
    ("Adam", {"learning_rate": 2.0**-6, "beta_1": 0.75, "beta_2": 0.9375, "epsilon": 2.0**-10}),
]
COURSE = {"SGD": SGD, "AdaGrad": AdaGrad, "RMSProp": RMSProp, "Adam": Adam}
KERAS_NAME = {"SGD": "SGD", "AdaGrad": "Adagrad", "RMSProp": "RMSprop", "Adam": "Adam"}


def _keras_optimizer(keras, name, hyper):
    return getattr(keras.optimizers, KERAS_NAME[name])(**hyper)  # the same keywords in both tracks


@pytest.fixture(scope="module")
def keras(tf):
    import keras as keras_module

    return keras_module


@pytest.mark.tf
@pytest.mark.parametrize("name, hyper", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_keras_float64(tf, keras, rng, name, hyper):
    params0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    grads = _gradient_sequence(rng)
    ours = _run_course(COURSE[name](**hyper), params0, grads)
    theirs = _run_keras(tf, _keras_optimizer(keras, name, hyper), params0, grads)
    # Compare the displacements, not the parameters: a wrong step hides behind |p| ~ 1.
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        for k in b:
            np.testing.assert_allclose(
                a[k], b[k], rtol=1e-6, atol=1e-12, err_msg=f"step {step}, {k}"
            )


@pytest.mark.tf
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_trajectory_matches_keras_float32(tf, keras, rng, name):
    hyper = {"learning_rate": 2.0**-5, "momentum": 0.875} if name == "SGD" else {"learning_rate": 2.0**-7}
    params0 = {k: rng.normal(size=s).astype(np.float32) for k, s in SHAPES.items()}
    grads = _gradient_sequence(rng, dtype=np.float32)
    optimizer = COURSE[name](**hyper)
    ours = _run_course(optimizer, params0, grads)
    theirs = _run_keras(tf, _keras_optimizer(keras, name, hyper), params0, grads)
    assert all(state.dtype == np.float32 for s in optimizer.state.values() for state in s.values())
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        for k in b:
            assert a[k].dtype == np.float32
            # Rounding of p (~1) in float32 is ~6e-8 per step, so an absolute floor is needed.
            np.testing.assert_allclose(
                a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=f"step {step}, {k}"
            )


@pytest.mark.tf
def test_keras_default_hyperparameters_match_to_float32_rounding(tf, keras, rng):
    # With learning_rate=0.001 and betas 0.9/0.999 Keras rounds through float32 (see CASES); the path still
    # agrees to about 1e-5 relative, while any change of rule moves it by far more.
    params0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    grads = _gradient_sequence(rng)
    for name in COURSE:
        ours = _run_course(COURSE[name](), params0, grads)
        theirs = _run_keras(tf, getattr(keras.optimizers, KERAS_NAME[name])(), params0, grads)
        assert _max_rel_error(ours, theirs) < 2e-5, name


class _AdamWithoutBiasCorrection(Adam):
    def _update(self, p, g, state, work):
        m, v = state["m"], state["v"]
        m += (1.0 - self.beta_1) * (g - m)
        v += (1.0 - self.beta_2) * (g * g - v)
        p -= self.learning_rate * m / (v**0.5 + self.epsilon)


class _RMSPropEpsilonOutsideSqrt(RMSProp):
    def _update(self, p, g, state, work):
        v = state["velocity"]
        v *= self.rho
        v += (1.0 - self.rho) * g * g
        p -= self.learning_rate * g / (v**0.5 + self.epsilon)


class _AdaGradFromZero(AdaGrad):
    def _init_state(self, p):
        return {"accumulator": np.zeros_like(p)}


@pytest.mark.tf
@pytest.mark.parametrize(
    "mutant, name, hyper",
    [
        (_AdamWithoutBiasCorrection, "Adam", CASES[7][1]),
        (_RMSPropEpsilonOutsideSqrt, "RMSProp", CASES[6][1]),
        (_AdaGradFromZero, "AdaGrad", CASES[4][1]),
    ],
    ids=["adam-no-bias-correction", "rmsprop-epsilon-outside", "adagrad-zero-start"],
)
def test_keras_comparison_catches_wrong_conventions(tf, keras, rng, mutant, name, hyper):
    params0 = {k: rng.normal(size=s) for k, s in SHAPES.items()}
    grads = _gradient_sequence(rng)
    theirs = _run_keras(tf, _keras_optimizer(keras, name, hyper), params0, grads)
    assert _max_rel_error(_run_course(COURSE[name](**hyper), params0, grads), theirs) < 1e-6
    assert _max_rel_error(_run_course(mutant(**hyper), params0, grads), theirs) > 1e-3


# ----------------------------------------------------------------------------- in place, same bits


def _plain_rule(name, hyper):
    """The update rules of the docstrings as plain expressions (fresh temporaries, no work arrays)."""
    lr = hyper.get("learning_rate")
    counter = {"t": 0}

    def sgd(p, g, state):
        momentum, nesterov = hyper.get("momentum", 0.0), hyper.get("nesterov", False)
        if not momentum:
            p -= lr * g
            return
        v = state.setdefault("velocity", np.zeros_like(p))
        v *= momentum
        v -= lr * g
        if nesterov:
            p += momentum * v - lr * g
        else:
            p += v

    def adagrad(p, g, state):
        acc = state.setdefault("accumulator", np.full_like(p, hyper.get("initial_accumulator_value", 0.1)))
        acc += g * g
        p -= lr * g / (acc + hyper.get("epsilon", 1e-7)) ** 0.5

    def rmsprop(p, g, state):
        rho, momentum = hyper.get("rho", 0.9), hyper.get("momentum", 0.0)
        v = state.setdefault("velocity", np.zeros_like(p))
        v *= rho
        v += (1.0 - rho) * (g * g)
        increment = lr * g / (v + hyper.get("epsilon", 1e-7)) ** 0.5
        if momentum:
            buffer = state.setdefault("momentum", np.zeros_like(p))
            buffer *= momentum
            buffer += increment
            p -= buffer
        else:
            p -= increment

    def adam(p, g, state):
        b1, b2 = hyper.get("beta_1", 0.9), hyper.get("beta_2", 0.999)
        t = counter["t"]
        alpha = lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        m = state.setdefault("m", np.zeros_like(p))
        v = state.setdefault("v", np.zeros_like(p))
        m += (1.0 - b1) * (g - m)
        v += (1.0 - b2) * (g * g - v)
        p -= alpha * m / (v**0.5 + hyper.get("epsilon", 1e-7))

    rule = {"SGD": sgd, "AdaGrad": adagrad, "RMSProp": rmsprop, "Adam": adam}[name]

    def step(params, grads, states):
        counter["t"] += 1
        for key, p in params.items():
            rule(p, grads[key].astype(p.dtype), states.setdefault(key, {}))

    return step


# The Keras cases, and the defaults with their inexact binary values (0.9, 0.001, ...).
PLAIN_CASES = CASES + [
    ("SGD", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
    ("AdaGrad", {"learning_rate": 0.001}),
    ("RMSProp", {"learning_rate": 0.001, "momentum": 0.9}),
    ("Adam", {"learning_rate": 0.001}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, hyper", PLAIN_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(PLAIN_CASES)])
def test_in_place_updates_equal_the_plain_formulas_bit_for_bit(rng, name, hyper, dtype):
    # The work arrays change where intermediate results live, not which operations run or in which
    # order, so every bit must agree with the plain expressions, step after step.
    params0 = {k: rng.normal(size=s).astype(dtype) for k, s in SHAPES.items()}
    grads = _gradient_sequence(rng, dtype=dtype)
    ours = {k: v.copy() for k, v in params0.items()}
    plain = {k: v.copy() for k, v in params0.items()}
    optimizer, plain_step, plain_states = COURSE[name](**hyper), _plain_rule(name, hyper), {}
    for step_grads in grads:
        optimizer.step(ours, step_grads)
        plain_step(plain, step_grads, plain_states)
        for key in params0:
            assert ours[key].dtype == dtype
            np.testing.assert_array_equal(ours[key], plain[key], strict=True)


# ----------------------------------------------------------------------------- hand-worked steps


def test_sgd_momentum_two_steps_by_hand():
    W = np.array([[1.0, -2.0]])
    opt = SGD(learning_rate=0.1, momentum=0.9)
    opt.step({"W": W}, {"W": np.array([[0.5, -1.0]])})
    # v = -0.1 * g = [-0.05, 0.1]
    np.testing.assert_allclose(W, [[0.95, -1.9]])
    np.testing.assert_allclose(opt.state["W"]["velocity"], [[-0.05, 0.1]])
    opt.step({"W": W}, {"W": np.array([[2.0, 0.0]])})
    # v = 0.9 * [-0.05, 0.1] - 0.1 * [2, 0] = [-0.245, 0.09]
    np.testing.assert_allclose(W, [[0.705, -1.81]])


def test_sgd_nesterov_step_by_hand():
    W = np.array([1.0])
    opt = SGD(learning_rate=0.1, momentum=0.5, nesterov=True)
    opt.step({"W": W}, {"W": np.array([1.0])})
    # v = -0.1; p += 0.5 * v - 0.1 * g = -0.15
    np.testing.assert_allclose(W, [0.85])
    opt.step({"W": W}, {"W": np.array([1.0])})
    # v = 0.5 * -0.1 - 0.1 = -0.15; p += 0.5 * -0.15 - 0.1 = -0.175
    np.testing.assert_allclose(W, [0.675])


def test_plain_sgd_step_and_no_state():
    W = np.array([1.0, 2.0])
    opt = SGD(learning_rate=0.5)
    opt.step({"W": W}, {"W": np.array([0.2, -4.0])})
    np.testing.assert_allclose(W, [0.9, 4.0])
    assert opt.state["W"] == {}


def test_adam_first_step_moves_every_parameter_by_lr(rng):
    lr = 0.01
    p0 = rng.normal(size=(4, 3))
    sizes = 10.0 ** rng.uniform(-2, 2, size=(4, 3))  # |g| from 0.01 to 100
    g = rng.choice([-1.0, 1.0], size=(4, 3)) * sizes
    p = p0.copy()
    Adam(learning_rate=lr).step({"p": p}, {"p": g})
    # m = 0.1 g, v = 0.001 g^2, alpha = lr * sqrt(0.001) / 0.1, so the step is lr * sign(g)
    # up to a relative epsilon / sqrt(v) = 1e-7 / (0.0316 |g|) <= 3.2e-4.
    np.testing.assert_allclose(p - p0, -lr * np.sign(g), rtol=5e-4)
    # Without the bias correction the first step would be lr * 0.1 / sqrt(0.001) ~ 3.16 lr.
    p = p0.copy()
    _AdamWithoutBiasCorrection(learning_rate=lr).step({"p": p}, {"p": g})
    assert np.all(np.abs(p - p0) > 3 * lr)


def test_adam_matches_formula_over_steps(rng):
    # An independent re-implementation from the paper's form (bias-corrected moments), with
    # epsilon rescaled to Keras' "epsilon hat" placement: eps_hat = eps * sqrt(1 - b2^t).
    b1, b2, lr, eps = 0.8, 0.95, 0.05, 1e-3
    p = rng.normal(size=5)
    expected, m, v = p.copy(), np.zeros(5), np.zeros(5)
    opt = Adam(learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps)
    for t in range(1, 6):
        g = rng.normal(size=5) * 0.1
        opt.step({"p": p}, {"p": g})
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected -= lr * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - b2**t))
        np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert opt.t == 5


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("sgd", {"learning_rate": 0.05}),
        ("momentum", {"learning_rate": 0.02}),
        ("nesterov", {"learning_rate": 0.02}),
        ("adagrad", {"learning_rate": 0.5}),
        ("rmsprop", {"learning_rate": 0.05}),
        ("adam", {"learning_rate": 0.05}),
    ],
)
def test_quadratic_loss_decreases(rng, name, kwargs):
    # L = 0.5 * sum(a * (p - c)^2), an ill-conditioned bowl (curvatures 1 and 10).
    a = np.array([[1.0, 10.0], [10.0, 1.0]])
    c = rng.normal(size=(2, 2))
    p = c + rng.normal(size=(2, 2)) * 3
    opt = get_optimizer(name, **kwargs)

    def loss():
        return 0.5 * float(np.sum(a * (p - c) ** 2))

    losses = [loss()]
    for _ in range(200):
        opt.step({"p": p}, {"p": a * (p - c)})
        losses.append(loss())
    assert losses[1] < losses[0]
    assert losses[-1] < 1e-2 * losses[0]


# ----------------------------------------------------------------------------- interface


def test_step_updates_in_place_and_creates_state_lazily(xp):
    W = xp.ones((3, 2), dtype=xp.float32)
    view = W[0]  # what a layer holding W would see
    opt = Adam(learning_rate=0.1)
    assert opt.state == {}
    opt.step({"hidden_1/W": W}, {"hidden_1/W": xp.full((3, 2), 0.5, dtype=xp.float32)})
    assert float(view[0]) == pytest.approx(0.9, rel=1e-5)
    for state in opt.state["hidden_1/W"].values():
        assert state.shape == (3, 2) and state.dtype == xp.float32
        assert type(state) is type(W)


def test_t_counts_step_calls_not_parameters():
    params = {k: np.zeros(s) for k, s in SHAPES.items()}
    grads = {k: np.ones(s) for k, s in SHAPES.items()}
    opt = Adam()
    opt.step(params, grads)
    opt.step(params, grads)
    assert opt.t == 2
    # All parameters see the same t, so each moved exactly as a single-parameter Adam would.
    single = np.zeros(2)
    solo = Adam()
    solo.step({"b": single}, {"b": np.ones(2)})
    solo.step({"b": single}, {"b": np.ones(2)})
    np.testing.assert_allclose(params["hidden_1/b"], single)


def test_reset_clears_state_and_t():
    W = np.zeros(2)
    opt = SGD(learning_rate=0.1, momentum=0.9)
    opt.step({"W": W}, {"W": np.ones(2)})
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    opt.step({"W": W}, {"W": np.ones(2)})
    np.testing.assert_allclose(W, [-0.2, -0.2])  # a fresh velocity: the step is lr * g again


def test_gradient_dtype_is_cast_to_parameter_dtype():
    W = np.ones(3, dtype=np.float32)
    SGD(learning_rate=0.5).step({"W": W}, {"W": np.ones(3, dtype=np.float64)})
    assert W.dtype == np.float32
    np.testing.assert_allclose(W, 0.5)


def test_learning_rate_keyword_and_lr_refused():
    assert SGD(learning_rate=0.2).learning_rate == 0.2
    assert Adam(0.3).learning_rate == 0.3
    assert SGD().learning_rate == 0.01 and Adam().learning_rate == 0.001 and AdaGrad().learning_rate == 0.001
    for cls in (SGD, AdaGrad, RMSProp, Adam):
        # Keras 3 refuses lr= too; TensorFlow 2.11-2.15 silently ignored it.
        with pytest.raises(TypeError, match=rf"{cls.__name__}: expected the learning rate as learning_rate=; "
                                            rf"got lr=0\.1\. Write {cls.__name__}\(learning_rate=0\.1\)"):
            cls(lr=0.1)
    with pytest.raises(TypeError, match="learning_rate="):
        get_optimizer("adam", lr=0.1)


def test_defaults_equal_keras_defaults():
    assert (SGD().momentum, SGD().nesterov) == (0.0, False)
    assert (AdaGrad().initial_accumulator_value, AdaGrad().epsilon) == (0.1, 1e-7)
    assert (RMSProp().rho, RMSProp().momentum, RMSProp().epsilon) == (0.9, 0.0, 1e-7)
    assert (Adam().beta_1, Adam().beta_2, Adam().epsilon) == (0.9, 0.999, 1e-7)


def test_get_optimizer_names_and_instances():
    momentum = get_optimizer("momentum", learning_rate=0.1)
    assert isinstance(momentum, SGD) and momentum.momentum == 0.9 and not momentum.nesterov
    nesterov = get_optimizer("Nesterov")
    assert nesterov.nesterov and nesterov.momentum == 0.9
    assert get_optimizer("momentum", momentum=0.5).momentum == 0.5
    assert isinstance(get_optimizer("rmsprop"), RMSProp)
    assert isinstance(get_optimizer("adagrad"), AdaGrad)
    assert type(get_optimizer("sgd")) is SGD and get_optimizer("sgd").momentum == 0.0
    adam = Adam()
    assert get_optimizer(adam) is adam


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SGD(learning_rate=0), "learning_rate > 0"),
        (lambda: Adam(learning_rate=-0.1), "learning_rate > 0"),
        (lambda: SGD(momentum=1.0), r"momentum in \[0, 1\)"),
        (lambda: SGD(momentum=-0.1), r"momentum in \[0, 1\)"),
        (lambda: Adam(beta_1=1), r"beta_1 in \[0, 1\)"),
        (lambda: Adam(beta_2=1.5), r"beta_2 in \[0, 1\)"),
        (lambda: RMSProp(rho=1.0), r"rho in \[0, 1\)"),
        (lambda: RMSProp(momentum=1.0), r"momentum in \[0, 1\)"),
        (lambda: Adam(epsilon=0.0), "epsilon > 0"),
        (lambda: AdaGrad(initial_accumulator_value=-1.0), "initial_accumulator_value >= 0"),
    ],
)
def test_bad_hyperparameters_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_keyword_is_rejected_with_a_suggestion():
    with pytest.raises(TypeError, match=r"Adam: .*got beta1=0\.8\. Did you mean beta_1="):
        Adam(beta1=0.8)
    with pytest.raises(TypeError, match="SGD: expected keyword arguments among learning_rate, momentum, nesterov"):
        SGD(decay=0.1)
    with pytest.raises(TypeError, match="nesterov as True or False"):
        SGD(momentum=0.9, nesterov="yes")


def test_step_names_missing_and_extra_keys():
    params = {"hidden_1/W": np.zeros((2, 2)), "hidden_1/b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"missing in grads: \['hidden_1/b'\], extra in grads: \['hidden_1/B'\]"):
        SGD().step(params, {"hidden_1/W": np.zeros((2, 2)), "hidden_1/B": np.zeros(2)})


def test_step_names_key_and_both_shapes_and_updates_nothing():
    W, b = np.ones((2, 3)), np.ones(3)
    message = r"grads\['hidden_1/b'\] of the parameter's shape \(3,\); got \(1, 3\)"
    with pytest.raises(ValueError, match=message):
        SGD(learning_rate=0.1).step({"hidden_1/W": W, "hidden_1/b": b}, {"hidden_1/W": np.ones((2, 3)), "hidden_1/b": np.ones((1, 3))})
    np.testing.assert_array_equal(W, 1.0)  # the valid key was not updated either


def test_step_rejects_non_float_params_and_non_dicts():
    with pytest.raises(TypeError, match=r"params\['W'\] as a floating-point array"):
        SGD().step({"W": np.zeros(2, dtype=int)}, {"W": np.zeros(2)})
    with pytest.raises(TypeError, match="params as a dict"):
        SGD().step([np.zeros(2)], [np.zeros(2)])


def test_step_after_parameter_shape_change_asks_for_reset():
    opt = Adam()
    opt.step({"W": np.zeros(2)}, {"W": np.ones(2)})
    with pytest.raises(ValueError, match=r"Call reset\(\)"):
        opt.step({"W": np.zeros(3)}, {"W": np.ones(3)})


def test_get_optimizer_errors():
    with pytest.raises(ValueError) as info:
        get_optimizer("adamw")
    for known in ("'sgd'", "'momentum'", "'nesterov'", "'adagrad'", "'rmsprop'", "'adam'"):
        assert known in str(info.value)
    with pytest.raises(TypeError, match="keyword arguments with an optimizer instance"):
        get_optimizer(SGD(), learning_rate=0.1)
    with pytest.raises(TypeError, match="optimizer name or an Optimizer"):
        get_optimizer(0.1)
    assert issubclass(SGD, Optimizer)
