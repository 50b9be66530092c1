"""Checks for the assignment ``optimizers``: mini-batches, momentum, AdaGrad, RMSProp, Adam.

Each optimizer class of the learner has the course's interface (the one of
:mod:`course_pkg.numpy_nn.optimizers`)::

    opt = Adam(lr=0.01)
    opt.step(params, grads)   # dicts with the same keys; updates params' arrays in place

The checks run the learner's optimizer and the reference side by side for
several steps on several parameters of different shapes, with designed
gradients (zeros, huge, tiny, sign changes) and seeded random ones, and compare
the parameters after every step. The update rules are those of Keras 3, which
the reference follows exactly.
"""

from __future__ import annotations

import sys

import numpy as np

from course_pkg.grading._core import (
    Case,
    CheckFailed,
    ReferenceUsed,
    call_learner,
    close,
    forbid_reference,
    passed,
    require_callable,
)
from course_pkg.numpy_nn import batching, optimizers

__all__ = ["check_minibatch_indices", "check_momentum", "check_adagrad", "check_rmsprop", "check_adam"]

# The learner's code may call none of these: the references, and this module's own helpers.
_FORBIDDEN = (optimizers, batching, sys.modules[__name__])


# --------------------------------------------------------------------------- mini-batches


def check_minibatch_indices(minibatch_indices, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``minibatch_indices(n, batch_size, rng) -> list of index arrays`` for one epoch.

    One permutation of ``0 .. n-1`` from ``rng`` (a ``numpy.random.Generator``),
    cut into contiguous batches of ``batch_size``; the last batch keeps the
    remainder, so every sample is used exactly once per epoch. Calling it
    again with the same generator gives a new order (the next epoch).
    """
    require_callable(minibatch_indices, name="minibatch_indices")
    cases = [(10, 3), (32, 8)]
    if hidden:
        cases += [(1, 4), (7, 7), (100, 32), (5, 1), (1000, 64)]
    for n, batch_size in cases:
        label = f"n={n}, batch_size={batch_size}"
        gen = np.random.default_rng(seed)
        case = Case(label, (n, batch_size, gen))
        # The generator must stay shared across calls (an epoch each), so it is passed, not copied.
        first = _call_with_generator(minibatch_indices, case)
        second = _call_with_generator(minibatch_indices, case)
        for epoch, batches in (("first", first), ("second", second)):
            sizes = [len(b) for b in batches]
            joined = np.concatenate(batches) if batches else np.array([], dtype=int)
            if joined.size < n and sorted(set(joined.tolist())) == sorted(joined.tolist()):
                raise CheckFailed(
                    f"minibatch_indices: the {epoch} epoch uses {joined.size} of the {n} samples (case '{label}'). "
                    "Keep the last, shorter batch: every sample once per epoch."
                )
            if sorted(joined.tolist()) != list(range(n)):
                raise CheckFailed(
                    f"minibatch_indices: the batches of the {epoch} epoch are not a permutation of 0..n-1 "
                    f"(case '{label}'): some samples repeat or are missing. Draw one permutation per epoch "
                    "(rng.permutation(n)) and slice it, instead of sampling with replacement."
                )
            want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
            if sizes != want:
                raise CheckFailed(
                    f"minibatch_indices: the batch sizes are {sizes[:6]}{'...' if len(sizes) > 6 else ''} "
                    f"(case '{label}'); cut the permutation into consecutive slices of batch_size."
                )
        if n >= 10 and np.array_equal(np.concatenate(first), np.arange(n)):
            raise CheckFailed(
                f"minibatch_indices: the samples come in their original order (case '{label}'); shuffle "
                "them with the generator you are given."
            )
        if n >= 10 and np.array_equal(np.concatenate(first), np.concatenate(second)):
            raise CheckFailed(
                f"minibatch_indices: two epochs have the same order (case '{label}'). Use the generator "
                "you are given (rng.permutation), not a new one seeded inside the function."
            )
    passed("minibatch_indices", len(cases))


def _call_with_generator(fn, case):
    n, batch_size, gen = case.args
    try:
        with forbid_reference(_FORBIDDEN, name="minibatch_indices"):
            batches = fn(n, batch_size, gen)
        batches = [np.asarray(b) for b in batches]
    except (NotImplementedError, ReferenceUsed):
        raise
    except Exception as err:
        raise CheckFailed(f"minibatch_indices raised {type(err).__name__} on the case '{case.name}': {err}") from err
    for b in batches:
        if b.ndim != 1 or (b.size and b.dtype.kind not in "iu"):
            raise CheckFailed(
                f"minibatch_indices must return a list of 1-D integer index arrays; got an array of shape "
                f"{b.shape} and dtype {b.dtype} on the case '{case.name}'."
            )
    return batches


# --------------------------------------------------------------------------- optimizers


def _params(rng):
    return {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2), "v": rng.normal(size=(4,))}


def _gradient_sequence(rng, kind: str, n_steps: int = 5):
    shapes = {"W": (3, 2), "b": (2,), "v": (4,)}
    seq = []
    for step in range(n_steps):
        if kind == "random":
            seq.append({k: rng.normal(size=s) for k, s in shapes.items()})
        elif kind == "zeros first":
            seq.append({k: (np.zeros(s) if step == 0 else rng.normal(size=s)) for k, s in shapes.items()})
        elif kind == "huge":
            seq.append({k: rng.normal(scale=1e3, size=s) for k, s in shapes.items()})
        elif kind == "tiny":
            seq.append({k: rng.normal(scale=1e-8, size=s) for k, s in shapes.items()})
        elif kind == "alternating sign":
            seq.append({k: np.full(s, 1.0 if step % 2 == 0 else -1.0) for k, s in shapes.items()})
    return seq


def _simulate(update, state_init, params, grads_seq):
    """Run a hand-written update rule (a misconception) for diagnosis: params after each step."""
    params = {k: v.copy() for k, v in params.items()}
    state = {k: state_init(v) for k, v in params.items()}
    out = []
    for t, grads in enumerate(grads_seq, start=1):
        for k in params:
            update(params[k], grads[k], state[k], t)
        out.append({k: v.copy() for k, v in params.items()})
    return out


def _check_optimizer(cls, reference_cls, name: str, settings: list[dict], *, hidden: bool, seed: int,
                     misconceptions: dict | None = None) -> None:
    require_callable(cls, name=name)
    if isinstance(cls, type) and issubclass(cls, optimizers.Optimizer):
        raise ReferenceUsed(
            f"{name} subclasses the course's reference optimizer; write the class yourself (it needs only "
            "__init__ and step)."
        )
    kinds = ["random", "zeros first"] + (["huge", "tiny", "alternating sign"] if hidden else [])
    runs = settings if hidden else settings[:1]
    n_cases = 0
    for kwargs in runs:
        for kind in kinds:
            rng = np.random.default_rng(seed)
            params0 = _params(rng)
            grads_seq = _gradient_sequence(rng, kind)
            label = f"{kind} gradients, {', '.join(f'{k}={v}' for k, v in kwargs.items())}"
            # The assignment's classes take lr=; the reference is called with its own learning_rate=.
            reference = reference_cls(**{("learning_rate" if k == "lr" else k): v for k, v in kwargs.items()})
            expected = []
            ref_params = {k: v.copy() for k, v in params0.items()}
            for grads in grads_seq:
                reference.step(ref_params, grads)
                expected.append({k: v.copy() for k, v in ref_params.items()})
            learner_params = {k: v.copy() for k, v in params0.items()}
            arrays = dict(learner_params)  # the caller's arrays: they must be the ones that change
            ctor = Case(label, (), kwargs)
            opt = call_learner(cls, ctor, name=f"{name}(...)", references=_FORBIDDEN)
            trajectory, first_wrong = [], None
            for step, grads in enumerate(grads_seq, start=1):
                before = {k: v.copy() for k, v in arrays.items()}
                step_case = Case(f"{label}, step {step}", (learner_params, {k: g.copy() for k, g in grads.items()}))
                _call_step(opt, step_case, name)
                replaced = [k for k in arrays if learner_params.get(k) is not arrays[k]]
                if replaced:
                    raise CheckFailed(
                        f"{name}.step put new arrays into params for {replaced} (case '{label}') instead of "
                        "updating the existing ones in place: use params[key] -= update (or p[...] = ...), "
                        "so the layers that hold these arrays see the change."
                    )
                if all(np.array_equal(before[k], arrays[k]) for k in arrays) and any(
                    not np.array_equal(before[k], expected[step - 1][k]) for k in arrays
                ):
                    raise CheckFailed(
                        f"{name}.step did not change the parameters (case '{label}', step {step}). Update each "
                        "array in place, e.g. params[key] -= update."
                    )
                trajectory.append({k: v.copy() for k, v in arrays.items()})
                wrong = [k for k in arrays if not close(arrays[k], expected[step - 1][k], rtol=1e-6, atol=1e-12)]
                if wrong and first_wrong is None:
                    first_wrong = (step, wrong)
            if first_wrong is not None:
                step, wrong = first_wrong
                hint = _diagnose(misconceptions or {}, params0, grads_seq, kwargs, trajectory)
                raise CheckFailed(
                    f"{name}: after step {step} the parameter(s) {wrong} differ from the expected update "
                    f"(case '{label}').{' ' + hint if hint else ''}"
                )
            n_cases += 1
    passed(name, n_cases)


def _call_step(opt, case, name):
    params, grads = case.args
    try:
        with forbid_reference(_FORBIDDEN, name=f"{name}.step"):
            opt.step(params, grads)
    except (NotImplementedError, ReferenceUsed):
        raise
    except Exception as err:
        raise CheckFailed(f"{name}.step raised {type(err).__name__} on the case '{case.name}': {err}") from err


def _diagnose(misconceptions, params0, grads_seq, kwargs, trajectory) -> str:
    """Name the misconception whose whole trajectory the learner's optimizer followed, if any."""
    for hint, (update, init) in misconceptions.items():
        path = _simulate(lambda p, g, s, t: update(p, g, s, t, **kwargs), init, params0, grads_seq)
        if all(close(got[k], want[k], rtol=1e-6, atol=1e-12) for got, want in zip(trajectory, path) for k in got):
            return hint
    return ""


def _zeros(p):
    return {"a": np.zeros_like(p), "b": np.zeros_like(p)}


# Misconceptions, each written as the wrong rule it stands for.


def _plain_sgd(p, g, s, t, lr=0.01, momentum=0.9):
    p -= lr * g


def _adagrad_no_memory(p, g, s, t, lr=0.01, initial_accumulator_value=0.1, epsilon=1e-7):
    p -= lr * g / np.sqrt(g * g + epsilon)


def _adagrad_zero_start(p, g, s, t, lr=0.01, initial_accumulator_value=0.1, epsilon=1e-7):
    s["a"] += g * g
    p -= lr * g / np.sqrt(s["a"] + epsilon)


def _rmsprop_no_one_minus_rho(p, g, s, t, lr=0.01, rho=0.9, epsilon=1e-7):
    s["a"] = rho * s["a"] + g * g
    p -= lr * g / np.sqrt(s["a"] + epsilon)


def _rmsprop_eps_outside(p, g, s, t, lr=0.01, rho=0.9, epsilon=1e-7):
    s["a"] = rho * s["a"] + (1 - rho) * g * g
    p -= lr * g / (np.sqrt(s["a"]) + epsilon)


def _adam_no_bias_correction(p, g, s, t, lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["a"] = beta_1 * s["a"] + (1 - beta_1) * g
    s["b"] = beta_2 * s["b"] + (1 - beta_2) * g * g
    p -= lr * s["a"] / (np.sqrt(s["b"]) + epsilon)


def _adam_textbook(p, g, s, t, lr=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s["a"] = beta_1 * s["a"] + (1 - beta_1) * g
    s["b"] = beta_2 * s["b"] + (1 - beta_2) * g * g
    p -= lr * (s["a"] / (1 - beta_1**t)) / (np.sqrt(s["b"] / (1 - beta_2**t)) + epsilon)


def check_momentum(Momentum, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``Momentum(lr=0.01, momentum=0.9)``: SGD with momentum, Keras' velocity form.

    ``velocity = momentum * velocity - lr * g``; ``p += velocity``, with one
    velocity per parameter, starting at zero.
    """
    settings = [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.01, "momentum": 0.5}, {"lr": 0.3, "momentum": 0.99}]
    _check_optimizer(
        Momentum, optimizers.SGD, "Momentum", settings, hidden=hidden, seed=seed,
        misconceptions={
            "It matches plain SGD: keep a velocity per parameter that remembers the previous steps.":
                (_plain_sgd, _zeros),
        },
    )


def check_adagrad(AdaGrad, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``AdaGrad(lr=0.01, initial_accumulator_value=0.1, epsilon=1e-7)`` (Keras' rule).

    ``accumulator += g**2`` (starting at ``initial_accumulator_value``);
    ``p -= lr * g / sqrt(accumulator + epsilon)``.
    """
    settings = [{"lr": 0.1}, {"lr": 0.5, "initial_accumulator_value": 1.0}, {"lr": 0.01, "epsilon": 1e-3}]
    _check_optimizer(
        AdaGrad, optimizers.AdaGrad, "AdaGrad", settings, hidden=hidden, seed=seed,
        misconceptions={
            "Your accumulator forgets earlier steps: add g**2 to it at every step.":
                (_adagrad_no_memory, _zeros),
            "Start each accumulator at initial_accumulator_value (0.1 by default, as in Keras), not at 0.":
                (_adagrad_zero_start, _zeros),
        },
    )


def check_rmsprop(RMSProp, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``RMSProp(lr=0.001, rho=0.9, epsilon=1e-7)`` (Keras' rule, no momentum).

    ``v = rho * v + (1 - rho) * g**2``; ``p -= lr * g / sqrt(v + epsilon)``.
    """
    settings = [{"lr": 0.01}, {"lr": 0.001, "rho": 0.5}, {"lr": 0.05, "rho": 0.99, "epsilon": 1e-4}]
    _check_optimizer(
        RMSProp, optimizers.RMSProp, "RMSProp", settings, hidden=hidden, seed=seed,
        misconceptions={
            "The running mean must weigh the new squared gradient by (1 - rho): v = rho*v + (1 - rho)*g**2.":
                (_rmsprop_no_one_minus_rho, _zeros),
            "epsilon goes inside the square root here (Keras): sqrt(v + epsilon).":
                (_rmsprop_eps_outside, _zeros),
        },
    )


def check_adam(Adam, *, hidden: bool = False, seed: int = 0) -> None:
    """Check ``Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`` (Keras' rule).

    ``t += 1`` once per ``step`` call; ``m = beta_1*m + (1-beta_1)*g``;
    ``v = beta_2*v + (1-beta_2)*g**2``;
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``;
    ``p -= alpha * m / (sqrt(v) + epsilon)``.
    """
    settings = [{"lr": 0.01}, {"lr": 0.1, "beta_1": 0.5, "beta_2": 0.9}, {"lr": 0.001, "epsilon": 1e-3}]
    _check_optimizer(
        Adam, optimizers.Adam, "Adam", settings, hidden=hidden, seed=seed,
        misconceptions={
            "It looks like Adam without bias correction: early steps are too small because m and v start "
            "at zero; scale the step by sqrt(1 - beta_2**t) / (1 - beta_1**t).":
                (_adam_no_bias_correction, _zeros),
            "It matches the textbook form with m_hat and v_hat and epsilon added to sqrt(v_hat); the course "
            "follows Keras: alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t), p -= alpha * m / (sqrt(v) + epsilon).":
                (_adam_textbook, _zeros),
        },
    )
