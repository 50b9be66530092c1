"""The checks of the assignment optimizers (course_pkg.checks.optimizers): right code passes the visible and
the hidden cases, honest unusual code (float32 state, lists, a generator) keeps its marks, each
misconception gets its message, and hidden kinds are all visible.

The learner classes are written independently of the references, the way a learner would.
"""

from __future__ import annotations

import numpy as np
import pytest
from check_helpers import assert_hidden_kinds_are_visible, fails_with, judge_like_the_grader

from course_pkg.checks import optimizers as O
from course_pkg.numpy_nn import optimizers as reference


def minibatches(n_samples, batch_size, *, shuffle=True, seed=None):
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    return [order[start:start + batch_size] for start in range(0, n_samples, batch_size)]


class SGD:
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        self.learning_rate, self.momentum, self.nesterov = learning_rate, momentum, nesterov
        self.velocity = {}

    def step(self, params, grads):
        for key, p in params.items():
            g = grads[key]
            if self.momentum == 0:
                p -= self.learning_rate * g
                continue
            v = self.velocity.setdefault(key, np.zeros_like(p))
            v *= self.momentum
            v -= self.learning_rate * g
            p += self.momentum * v - self.learning_rate * g if self.nesterov else v


class AdaGrad:
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
        self.learning_rate, self.start, self.epsilon, self.accumulator = learning_rate, initial_accumulator_value, epsilon, {}

    def step(self, params, grads):
        for key, p in params.items():
            a = self.accumulator.setdefault(key, np.full_like(p, self.start))
            a += grads[key] ** 2
            p -= self.learning_rate * grads[key] / np.sqrt(a + self.epsilon)


class RMSProp:
    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7):
        self.learning_rate, self.rho, self.epsilon, self.mean_square = learning_rate, rho, epsilon, {}

    def step(self, params, grads):
        for key, p in params.items():
            s = self.mean_square.setdefault(key, np.zeros_like(p))
            s *= self.rho
            s += (1 - self.rho) * grads[key] ** 2
            p -= self.learning_rate * grads[key] / np.sqrt(s + self.epsilon)


class Adam:
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.t, self.m, self.v = 0, {}, {}

    def step(self, params, grads):
        self.t += 1
        alpha = self.learning_rate * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        for key, p in params.items():
            m = self.m.setdefault(key, np.zeros_like(p))
            v = self.v.setdefault(key, np.zeros_like(p))
            m[...] = self.beta_1 * m + (1 - self.beta_1) * grads[key]
            v[...] = self.beta_2 * v + (1 - self.beta_2) * grads[key] ** 2
            p -= alpha * m / (np.sqrt(v) + self.epsilon)


SOLUTIONS = {"minibatches": minibatches, "SGD": SGD, "AdaGrad": AdaGrad, "RMSProp": RMSProp, "Adam": Adam}
CHECKS = {"minibatches": O.check_minibatches, "SGD": O.check_sgd, "AdaGrad": O.check_adagrad,
          "RMSProp": O.check_rmsprop, "Adam": O.check_adam}


def test_correct_code_passes_every_visible_case(capsys):
    for name, check in CHECKS.items():
        check(SOLUTIONS[name])
    assert capsys.readouterr().out.count("passed") == len(O.PARTS)


@pytest.mark.parametrize("part", O.PARTS, ids=lambda p: p.grade_id)
def test_correct_code_passes_the_hidden_cases_too(part):
    verdict = judge_like_the_grader(part, SOLUTIONS[part.target])
    assert verdict.passed and verdict.n_hidden > 0, verdict.message


@pytest.mark.parametrize("part", O.PARTS, ids=lambda p: p.grade_id)
def test_every_hidden_kind_has_a_visible_representative(part):
    assert_hidden_kinds_are_visible(part)


def test_honest_unusual_solutions_keep_their_marks(capsys):
    class Adam32(Adam):  # the moments kept in float32 whatever the parameters' dtype, and a print
        def step(self, params, grads):
            print("step", self.t + 1)
            for key, p in params.items():
                self.m.setdefault(key, np.zeros(p.shape, dtype=np.float32))
                self.v.setdefault(key, np.zeros(p.shape, dtype=np.float32))
            super().step(params, grads)

    class RMSPropLoop(RMSProp):  # entry by entry, slowly
        def step(self, params, grads):
            for key, p in params.items():
                s = self.mean_square.setdefault(key, np.zeros_like(p))
                for i in np.ndindex(p.shape):
                    s[i] = self.rho * s[i] + (1 - self.rho) * grads[key][i] ** 2
                    p[i] = p[i] - self.learning_rate * grads[key][i] / (s[i] + self.epsilon) ** 0.5

    def minibatch_generator(n_samples, batch_size, *, shuffle=True, seed=None):  # a generator of lists
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        order = rng.permutation(n_samples).tolist() if shuffle else list(range(n_samples))
        for start in range(0, n_samples, batch_size):
            yield order[start:start + batch_size]

    O.check_adam(Adam32)
    O.check_rmsprop(RMSPropLoop)
    O.check_minibatches(minibatch_generator)
    assert capsys.readouterr().out.count("passed") == 3
    assert judge_like_the_grader(O.ADAM, Adam32).passed


def test_each_misconception_gets_its_message():
    class Forgets(SGD):
        def step(self, params, grads):
            self.velocity = {}
            super().step(params, grads)

    fails_with(O.check_sgd, Forgets, "'momentum'", "matches plain SGD")

    class NoNesterov(SGD):
        def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
            super().__init__(learning_rate, momentum, False)

    fails_with(O.check_sgd, NoNesterov, "'Nesterov momentum'", "classic momentum")

    class Rebinds(SGD):
        def step(self, params, grads):
            for key in list(params):
                params[key] = params[key] - self.learning_rate * grads[key]

    fails_with(O.check_sgd, Rebinds, "in place")

    class Local(SGD):
        def step(self, params, grads):
            for key, p in params.items():
                p = p - self.learning_rate * grads[key]  # noqa: F841 - the misconception

    fails_with(O.check_sgd, Local, "did not change the parameters")

    class OldKeyword(SGD):
        def __init__(self, lr=0.01, momentum=0.0, nesterov=False):
            super().__init__(lr, momentum, nesterov)

    fails_with(O.check_sgd, OldKeyword, "keyword argument learning_rate=")

    class ZeroStart(AdaGrad):
        def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
            super().__init__(learning_rate, 0.0, epsilon)

    fails_with(O.check_adagrad, ZeroStart, "initial_accumulator_value (0.1 by default")

    class NoOneMinusRho(RMSProp):
        def step(self, params, grads):
            for key, p in params.items():
                s = self.mean_square.setdefault(key, np.zeros_like(p))
                s *= self.rho
                s += grads[key] ** 2
                p -= self.learning_rate * grads[key] / np.sqrt(s + self.epsilon)

    fails_with(O.check_rmsprop, NoOneMinusRho, "(1 - rho)")

    class EpsilonOutside(RMSProp):
        def step(self, params, grads):
            for key, p in params.items():
                s = self.mean_square.setdefault(key, np.zeros_like(p))
                s *= self.rho
                s += (1 - self.rho) * grads[key] ** 2
                p -= self.learning_rate * grads[key] / (np.sqrt(s) + self.epsilon)

    fails_with(O.check_rmsprop, EpsilonOutside, "inside the square root")

    class NoCorrection(Adam):
        def step(self, params, grads):
            self.t = 0  # (1 - beta**0) would divide by zero: the learner simply drops the correction
            for key, p in params.items():
                m = self.m.setdefault(key, np.zeros_like(p))
                v = self.v.setdefault(key, np.zeros_like(p))
                m[...] = self.beta_1 * m + (1 - self.beta_1) * grads[key]
                v[...] = self.beta_2 * v + (1 - self.beta_2) * grads[key] ** 2
                p -= self.learning_rate * m / (np.sqrt(v) + self.epsilon)

    fails_with(O.check_adam, NoCorrection, "without bias correction")

    class TPerParameter(Adam):
        def step(self, params, grads):
            for key in params:
                super().step({key: params[key]}, {key: grads[key]})

    fails_with(O.check_adam, TPerParameter, "t counts the parameters")

    def drops_last(n_samples, batch_size, *, shuffle=True, seed=None):
        order = np.random.default_rng(seed).permutation(n_samples)
        return [order[i:i + batch_size] for i in range(0, n_samples - batch_size + 1, batch_size)]

    fails_with(O.check_minibatches, drops_last, "Keep the last, shorter batch")

    def with_replacement(n_samples, batch_size, *, shuffle=True, seed=None):
        rng = np.random.default_rng(seed)
        return [rng.integers(0, n_samples, min(batch_size, n_samples - s)) for s in range(0, n_samples, batch_size)]

    fails_with(O.check_minibatches, with_replacement, "not a permutation")

    def new_generator(n_samples, batch_size, *, shuffle=True, seed=None):
        return minibatches(n_samples, batch_size, shuffle=shuffle, seed=0)

    fails_with(O.check_minibatches, new_generator, "one shared Generator")

    def ignores_shuffle(n_samples, batch_size, *, shuffle=True, seed=None):
        return minibatches(n_samples, batch_size, seed=seed)

    fails_with(O.check_minibatches, ignores_shuffle, "with shuffle=False")

    def never_shuffles(n_samples, batch_size, *, shuffle=True, seed=None):
        return minibatches(n_samples, batch_size, shuffle=False)

    fails_with(O.check_minibatches, never_shuffles, "original order")

    def int_seed_ignored(n_samples, batch_size, *, shuffle=True, seed=None):
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng()
        return minibatches(n_samples, batch_size, shuffle=shuffle, seed=rng)

    fails_with(O.check_minibatches, int_seed_ignored, "same int seed")


def test_blank_and_reference_code_are_explained():
    class Blank:
        def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
            raise NotImplementedError()

    fails_with(O.check_adam, Blank, "not written yet")

    class Subclass(reference.Adam):
        pass

    fails_with(O.check_adam, Subclass, "reference implementation")
