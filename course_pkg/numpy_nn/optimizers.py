"""Gradient-descent optimizers with one interface.

Every optimizer has the same method::

    optimizer.step(params, grads)

where ``params`` and ``grads`` are dicts with identical keys (unique across
the model, e.g. ``"hidden_1/W"``, ``"hidden_1/b"``, ``"output/W"``...). Each parameter array is
updated **in place**, so the layer that holds it sees the new values without
being told. The optimizer keeps its state (velocities, accumulators, moments)
per key, created on first use with the parameter's shape, dtype and array
module (NumPy or CuPy).

One call to ``step`` is one update of the whole model: pass **all** the
parameters at once. The step counter ``t`` (used by Adam's bias correction)
advances once per call, so calling ``step`` once per layer would count one
update several times.

The update rules follow Keras 3 (``keras.optimizers``) exactly, so the same
hyperparameters give the same trajectory in both tracks of the course. The
learning rate is the keyword ``learning_rate``, as in Keras 3; inside the
update rules below ``lr`` abbreviates it:

* ``SGD``: velocity form ``v = momentum * v - lr * g; p += v``;
* ``AdaGrad``: accumulator starts at 0.1, epsilon inside the square root;
* ``RMSProp``: epsilon inside the square root;
* ``Adam``: bias correction folded into the step size, epsilon added to
  ``sqrt(v)`` outside the correction.

Each ``_update`` writes its rule with in-place operations (``out=``, ``+=``) on work arrays that
the optimizer allocates once per parameter. Written as one expression, the rule would allocate
several fresh temporaries of the parameter's size at every step (400 kB each for a 784 x 128
weight matrix); the work arrays are the same memory at every step, already in the cache. The
operations and their order are those of the rule in each docstring, so the results are the same to
the last bit.
"""

from __future__ import annotations

import difflib
import math
import numbers
from typing import Mapping

import numpy as np

from course_pkg import _checks
from course_pkg.numpy_nn.backend import array_module_of

__all__ = [
    "Optimizer",
    "SGD",
    "AdaGrad",
    "RMSProp",
    "Adam",
    "get_optimizer",
]


class Optimizer:
    """Base class: shared validation, state bookkeeping and the ``step`` loop.

    Subclasses set ``_defaults`` (hyperparameter name -> default) and
    implement ``_update(p, g, state, work)``, which changes ``p`` in place;
    ``work`` holds ``_n_work`` arrays of ``p``'s shape and dtype for
    intermediate results, the same arrays at every step.

    Attributes
    ----------
    learning_rate : float
        The learning rate (``lr`` in the update rules).
    t : int
        Number of ``step`` calls since construction or the last ``reset()``.
    state : dict of str to dict of str to ndarray
        Per-parameter state, e.g. ``state["hidden_1/W"]["velocity"]``; empty
        until the first step.
    """

    _defaults: dict = {"learning_rate": 0.01}
    _state_names: tuple = ()
    _n_work: int = 1  # work arrays per parameter that _update needs

    def __init__(self, learning_rate):
        where = type(self).__name__
        self.learning_rate = _checks.check_positive(learning_rate, where=where, name="learning_rate")
        self.t = 0
        self.state: dict[str, dict] = {}
        self._work: dict[str, tuple] = {}  # per key: _n_work scratch arrays, reused every step

    @classmethod
    def _reject_unknown(cls, kwargs: dict) -> None:
        """Raise ``TypeError`` for keyword arguments the optimizer does not take (``lr`` included)."""
        if not kwargs:
            return
        known = list(cls._defaults)
        if "lr" in kwargs:
            # Keras 3 refuses lr= too; TensorFlow 2.11-2.15 silently ignored it, so it must not pass.
            raise TypeError(
                f"{cls.__name__}: expected the learning rate as learning_rate=; got lr={kwargs['lr']!r}. "
                f"Write {cls.__name__}(learning_rate={kwargs['lr']!r}), as in Keras 3."
            )
        name = sorted(kwargs)[0]
        close = difflib.get_close_matches(name, known, n=1)
        fix = f"Did you mean {close[0]}=?" if close else "Remove it."
        raise TypeError(
            f"{cls.__name__}: expected keyword arguments among {', '.join(known)}; "
            f"got {name}={kwargs[name]!r}. {fix}"
        )

    def _hyperparameters(self) -> dict:
        return {name: getattr(self, name) for name in self._defaults}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def reset(self) -> None:
        """Forget all state (velocities, accumulators, moments) and set ``t`` to 0."""
        self.t = 0
        self.state = {}
        self._work = {}

    def _check_step(self, params, grads) -> dict:
        """Check keys, types and shapes of every pair before anything is updated."""
        where = f"{type(self).__name__}.step"
        for name, value in (("params", params), ("grads", grads)):
            if not isinstance(value, Mapping):
                raise TypeError(
                    f"{where}: expected {name} as a dict of arrays keyed by parameter name; "
                    f"got {type(value).__name__}."
                )
        missing = [k for k in params if k not in grads]
        extra = [k for k in grads if k not in params]
        if missing or extra:
            raise ValueError(
                f"{where}: expected grads with the same keys as params; got "
                f"missing in grads: {missing}, extra in grads: {extra}. "
                "Give one gradient per parameter, under the parameter's key."
            )
        checked = {}
        for key, p in params.items():
            if not hasattr(p, "shape") or getattr(p, "dtype", np.dtype(object)).kind != "f":
                raise TypeError(
                    f"{where}: expected params[{key!r}] as a floating-point array (it is updated "
                    f"in place); got {type(p).__name__} of dtype {getattr(p, 'dtype', None)}."
                )
            xp = array_module_of(p)
            g = xp.asarray(grads[key])
            if g.shape != p.shape:
                raise ValueError(
                    f"{where}: expected grads[{key!r}] of the parameter's shape "
                    f"{_checks.format_shape(p.shape)}; got {_checks.format_shape(g.shape)}."
                )
            for state_name, s in self.state.get(key, {}).items():
                if s.shape != p.shape:
                    raise ValueError(
                        f"{where}: expected params[{key!r}] of the shape its {state_name} was "
                        f"created with, {_checks.format_shape(s.shape)}; got "
                        f"{_checks.format_shape(p.shape)}. Call reset() after changing the model."
                    )
            # Same cast as Keras: the gradient is computed in the parameter's dtype.
            checked[key] = g.astype(p.dtype, copy=False)
        return checked

    def _init_state(self, p) -> dict:
        xp = array_module_of(p)
        return {name: xp.zeros_like(p) for name in self._state_names}

    def step(self, params: Mapping, grads: Mapping) -> None:
        """Update every parameter in place with its gradient; advance ``t`` by one.

        Parameters
        ----------
        params : dict of str to ndarray
            The parameters, e.g. ``{"hidden_1/W": W, "hidden_1/b": b}``;
            floating-point arrays, changed in place.
        grads : dict of str to ndarray
            ``grads[key]`` is dL/d``params[key]``, with the same shape.

        Raises
        ------
        TypeError
            If a parameter is not a floating-point array.
        ValueError
            If the keys differ (the message lists the missing and extra ones)
            or a gradient's shape differs from its parameter's. Nothing is
            updated in that case.

        Notes
        -----
        Call ``step`` once per update with all the parameters of the model:
        ``t`` counts calls, and Adam's bias correction reads it.
        """
        checked = self._check_step(params, grads)
        self.t += 1
        for key, p in params.items():
            state = self.state.get(key)
            if state is None:
                state = self.state[key] = self._init_state(p)
            self._update(p, checked[key], state, self._work_arrays(key, p))

    def _work_arrays(self, key, p) -> tuple:
        """The scratch arrays of parameter ``key``: made on first use, then the same every step."""
        work = self._work.get(key)
        if work is None or work[0].shape != p.shape or work[0].dtype != p.dtype:
            xp = array_module_of(p)
            work = self._work[key] = tuple(xp.empty_like(p) for _ in range(self._n_work))
        return work

    def _update(self, p, g, state, work) -> None:  # pragma: no cover - each subclass has its own
        raise NotImplementedError


def _check_epsilon(value, where):
    return _checks.check_positive(value, where=where, name="epsilon")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and Nesterov momentum.

    Parameters
    ----------
    learning_rate : float, default 0.01
        Learning rate, > 0 (``lr`` in the update rule below). ``lr=`` is
        refused with a ``TypeError``, as in Keras 3.
    momentum : float, default 0.0
        Momentum factor in [0, 1).
    nesterov : bool, default False
        Use Nesterov momentum (has no effect when ``momentum`` is 0).

    Raises
    ------
    ValueError
        If ``learning_rate <= 0`` or ``momentum`` is outside [0, 1).
    TypeError
        For unknown keyword arguments (``lr`` included) or a non-boolean
        ``nesterov``.

    Notes
    -----
    The update of one parameter ``p`` with gradient ``g``, as in Keras 3
    (the velocity form; ``velocity`` starts at zero)::

        if momentum == 0:
            p = p - lr * g
        else:
            velocity = momentum * velocity - lr * g
            if nesterov:
                p = p + momentum * velocity - lr * g
            else:
                p = p + velocity

    PyTorch writes momentum as ``v = momentum * v + g; p -= lr * v``, which
    gives the same path only while ``lr`` is constant.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([1.0, 2.0])
    >>> opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> opt.step({"W": W}, {"W": np.array([1.0, -1.0])})
    >>> W                     # velocity = -0.1 * g
    array([0.9, 2.1])
    >>> opt.step({"W": W}, {"W": np.array([1.0, -1.0])})
    >>> W                     # velocity = 0.9 * velocity - 0.1 * g = [-0.19, 0.19]
    array([0.71, 2.29])
    """

    _defaults = {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}
    _state_names = ("velocity",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        self._reject_unknown(kwargs)
        super().__init__(learning_rate)
        self.momentum = _checks.check_fraction(momentum, where="SGD", name="momentum")
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: expected nesterov as True or False; got {nesterov!r}.")
        self.nesterov = bool(nesterov)

    def _init_state(self, p) -> dict:
        # Plain SGD keeps no state; an empty dict still records that the key was seen.
        return super()._init_state(p) if self.momentum else {}

    _n_work = 2

    def _update(self, p, g, state, work) -> None:
        xp = array_module_of(p)
        lr_g, look_ahead = work  # scratch arrays of p's shape
        xp.multiply(g, self.learning_rate, out=lr_g)  # lr * g
        if not self.momentum:
            p -= lr_g  # p -= lr * g
            return
        v = state["velocity"]
        v *= self.momentum
        v -= lr_g  # v = momentum * v - lr * g
        if self.nesterov:
            xp.multiply(v, self.momentum, out=look_ahead)
            look_ahead -= lr_g
            p += look_ahead  # p += momentum * v - lr * g
        else:
            p += v


class AdaGrad(Optimizer):
    """AdaGrad: each parameter's step shrinks with its accumulated squared gradients.

    Parameters
    ----------
    learning_rate : float, default 0.001
        Learning rate, > 0 (``lr`` in the update rule below).
    initial_accumulator_value : float, default 0.1
        Starting value of every accumulator, >= 0 (Keras' default).
    epsilon : float, default 1e-7
        Added inside the square root, > 0.

    Raises
    ------
    ValueError
        If ``learning_rate <= 0``, ``epsilon <= 0`` or
        ``initial_accumulator_value < 0``.
    TypeError
        For unknown keyword arguments (``lr`` included).

    Notes
    -----
    As in Keras 3, with ``accumulator`` starting at
    ``initial_accumulator_value`` (not zero)::

        accumulator = accumulator + g ** 2
        p = p - lr * g / sqrt(accumulator + epsilon)

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([1.0])
    >>> AdaGrad(learning_rate=0.5).step({"W": W}, {"W": np.array([0.3])})
    >>> W                     # 1 - 0.5 * 0.3 / sqrt(0.1 + 0.09 + 1e-7)
    array([0.65587...])
    """

    _defaults = {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}
    _state_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        self._reject_unknown(kwargs)
        super().__init__(learning_rate)
        value = initial_accumulator_value
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            0 <= value < math.inf
        ):
            raise ValueError(
                "AdaGrad: expected initial_accumulator_value >= 0; "
                f"got initial_accumulator_value={value!r}."
            )
        self.initial_accumulator_value = float(value)
        self.epsilon = _check_epsilon(epsilon, "AdaGrad")

    def _init_state(self, p) -> dict:
        xp = array_module_of(p)
        return {"accumulator": xp.full_like(p, self.initial_accumulator_value)}

    _n_work = 2

    def _update(self, p, g, state, work) -> None:
        xp = array_module_of(p)
        step, root = work  # scratch arrays of p's shape
        acc = state["accumulator"]
        acc += xp.multiply(g, g, out=step)  # acc += g * g
        xp.multiply(g, self.learning_rate, out=step)  # lr * g
        xp.sqrt(xp.add(acc, self.epsilon, out=root), out=root)  # sqrt(acc + epsilon)
        step /= root
        p -= step  # p -= lr * g / sqrt(acc + epsilon)


class RMSProp(Optimizer):
    """RMSProp: divide the step by a running root-mean-square of recent gradients.

    Parameters
    ----------
    learning_rate : float, default 0.001
        Learning rate, > 0 (``lr`` in the update rule below).
    rho : float, default 0.9
        Decay of the running mean of squared gradients, in [0, 1).
    momentum : float, default 0.0
        Momentum applied to the scaled steps, in [0, 1).
    epsilon : float, default 1e-7
        Added inside the square root, > 0.

    Raises
    ------
    ValueError
        If ``learning_rate <= 0``, ``epsilon <= 0``, or ``rho`` or
        ``momentum`` is outside [0, 1).
    TypeError
        For unknown keyword arguments (``lr`` included).

    Notes
    -----
    As in Keras 3 (not centred), with ``velocity`` and ``momentum_buffer``
    starting at zero::

        velocity = rho * velocity + (1 - rho) * g ** 2
        increment = lr * g / sqrt(velocity + epsilon)
        if momentum > 0:
            momentum_buffer = momentum * momentum_buffer + increment
            p = p - momentum_buffer
        else:
            p = p - increment

    Note where epsilon sits: inside the square root (Keras), not added to
    ``sqrt(velocity)`` (PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([1.0])
    >>> RMSProp(learning_rate=0.01).step({"W": W}, {"W": np.array([2.0])})
    >>> W                     # 1 - 0.01 * 2 / sqrt(0.1 * 4 + 1e-7): about 3.16 * lr
    array([0.96837...])
    """

    _defaults = {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7}

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, **kwargs):
        self._reject_unknown(kwargs)
        super().__init__(learning_rate)
        self.rho = _checks.check_fraction(rho, where="RMSProp", name="rho")
        self.momentum = _checks.check_fraction(momentum, where="RMSProp", name="momentum")
        self.epsilon = _check_epsilon(epsilon, "RMSProp")

    def _init_state(self, p) -> dict:
        xp = array_module_of(p)
        state = {"velocity": xp.zeros_like(p)}
        if self.momentum:
            state["momentum"] = xp.zeros_like(p)
        return state

    _n_work = 2

    def _update(self, p, g, state, work) -> None:
        xp = array_module_of(p)
        increment, root = work  # scratch arrays of p's shape
        v = state["velocity"]
        v *= self.rho
        xp.multiply(g, g, out=increment)
        increment *= 1.0 - self.rho
        v += increment  # v = rho * v + (1 - rho) * g * g
        xp.multiply(g, self.learning_rate, out=increment)
        xp.sqrt(xp.add(v, self.epsilon, out=root), out=root)
        increment /= root  # increment = lr * g / sqrt(v + epsilon)
        if self.momentum:
            buffer = state["momentum"]
            buffer *= self.momentum
            buffer += increment
            p -= buffer
        else:
            p -= increment


class Adam(Optimizer):
    """Adam: momentum on the gradient, RMSProp scaling, and bias correction.

    Parameters
    ----------
    learning_rate : float, default 0.001
        Learning rate, > 0 (``lr`` in the update rule below).
    beta_1 : float, default 0.9
        Decay of the first-moment (mean) estimate, in [0, 1).
    beta_2 : float, default 0.999
        Decay of the second-moment (uncentred variance) estimate, in [0, 1).
    epsilon : float, default 1e-7
        Added to ``sqrt(v)``, > 0. This is "epsilon hat" of Kingma & Ba
        (2015, just before section 2.1), as in Keras, not the epsilon of
        their Algorithm 1.

    Raises
    ------
    ValueError
        If ``learning_rate <= 0``, ``epsilon <= 0``, or a beta is outside
        [0, 1).
    TypeError
        For unknown keyword arguments (``lr`` included).

    Notes
    -----
    As in Keras 3, with ``m`` and ``v`` starting at zero. ``t`` is the
    number of ``step`` calls including the current one (1 on the first
    step: it is incremented before use)::

        t = t + 1
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g ** 2
        alpha = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        p = p - alpha * m / (sqrt(v) + epsilon)

    The bias correction is folded into the step size ``alpha``, so epsilon
    is added to the uncorrected ``sqrt(v)``. On the first step
    ``m / sqrt(v) = g / |g|``, so every parameter moves by about ``lr``.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([1.0, 1.0])
    >>> Adam(learning_rate=0.01).step({"W": W}, {"W": np.array([0.5, -50.0])})
    >>> W.round(5)            # the first step is about lr whatever the gradient's size
    array([0.99, 1.01])
    """

    _defaults = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
    _state_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        self._reject_unknown(kwargs)
        super().__init__(learning_rate)
        self.beta_1 = _checks.check_fraction(beta_1, where="Adam", name="beta_1")
        self.beta_2 = _checks.check_fraction(beta_2, where="Adam", name="beta_2")
        self.epsilon = _check_epsilon(epsilon, "Adam")

    _n_work = 2

    def _update(self, p, g, state, work) -> None:
        # self.t was incremented by step() before the first parameter is updated.
        alpha = self.learning_rate * math.sqrt(1.0 - self.beta_2**self.t) / (1.0 - self.beta_1**self.t)
        xp = array_module_of(p)
        step, root = work  # scratch arrays of p's shape
        m, v = state["m"], state["v"]
        xp.subtract(g, m, out=step)
        step *= 1.0 - self.beta_1
        m += step  # m += (1 - beta_1) * (g - m)
        xp.multiply(g, g, out=step)
        step -= v
        step *= 1.0 - self.beta_2
        v += step  # v += (1 - beta_2) * (g * g - v)
        xp.add(xp.sqrt(v, out=root), self.epsilon, out=root)
        xp.multiply(m, alpha, out=step)
        step /= root
        p -= step  # p -= alpha * m / (sqrt(v) + epsilon)


_OPTIMIZERS = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (AdaGrad, {}),
    "rmsprop": (RMSProp, {}),
    "adam": (Adam, {}),
}


def get_optimizer(name_or_instance, **kwargs) -> Optimizer:
    """Return an optimizer from its name, or the instance itself.

    Parameters
    ----------
    name_or_instance : str or Optimizer
        One of ``"sgd"``, ``"momentum"`` (SGD with momentum 0.9),
        ``"nesterov"`` (SGD with Nesterov momentum 0.9), ``"adagrad"``,
        ``"rmsprop"``, ``"adam"`` (case-insensitive), or an ``Optimizer``,
        which is returned unchanged.
    **kwargs
        Hyperparameters passed to the constructor, e.g.
        ``learning_rate=0.1``; they override the presets of ``"momentum"``
        and ``"nesterov"``.

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        If the name is unknown (the message lists the known names).
    TypeError
        If ``name_or_instance`` is neither a string nor an optimizer, or if
        keyword arguments come with an instance.

    Examples
    --------
    >>> get_optimizer("momentum", learning_rate=0.1)
    SGD(learning_rate=0.1, momentum=0.9, nesterov=False)
    >>> get_optimizer("adam")
    Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07)
    """
    if isinstance(name_or_instance, Optimizer):
        if kwargs:
            raise TypeError(
                f"get_optimizer: expected no keyword arguments with an optimizer instance; "
                f"got {', '.join(sorted(kwargs))}. Set them when constructing the optimizer."
            )
        return name_or_instance
    if not isinstance(name_or_instance, str):
        raise TypeError(
            "get_optimizer: expected an optimizer name or an Optimizer instance; "
            f"got {type(name_or_instance).__name__} {name_or_instance!r}."
        )
    key = name_or_instance.strip().lower()
    if key not in _OPTIMIZERS:
        known = ", ".join(repr(k) for k in _OPTIMIZERS)
        raise ValueError(
            f"get_optimizer: expected an optimizer name among {known}; got {name_or_instance!r}."
        )
    cls, preset = _OPTIMIZERS[key]
    return cls(**{**preset, **kwargs})

