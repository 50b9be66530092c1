"""Argument checks and layer factories shared by ``builders`` and ``architectures``.

Private to the Keras track: the two builder modules import these names; nothing else does.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras
import numpy as np
from keras import layers

from course_pkg._checks import check_int, fail

__all__ = [
    "APIS",
    "check_api",
    "check_seed",
    "check_units",
    "check_activation",
    "check_softmax_units",
    "layer_seed",
    "seeded_dense",
    "build_by_calling",
    "zeros_sample",
]

APIS = ("sequential", "functional", "subclass")

_COMMON_ACTIVATIONS = "relu, sigmoid, softmax, tanh, linear (or None), elu, selu, gelu, swish, softplus"


def check_api(api, supported: Sequence[str], where: str, why: str | None = None) -> str:
    """Return ``api`` if it is one of ``supported``; otherwise list them (and say ``why``)."""
    if api not in supported:
        known = ", ".join(repr(a) for a in supported)
        fail(where, f"api to be one of {known}", repr(api), why)
    return api


def check_seed(seed, where: str) -> int | None:
    """Return ``seed`` as None or an int >= 0 (the Keras track's seeds are plain ints)."""
    if seed is None:
        return None
    return check_int(seed, where=where, name="seed", minimum=0)


def check_units(hidden, where: str, name: str = "hidden") -> tuple[int, ...]:
    """Return a sequence of layer sizes as a tuple of ints >= 1; a bare int is refused with the fix."""
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        fail(
            where,
            f"{name} as a sequence of layer sizes",
            f"the integer {hidden!r}",
            f"Write {name}=({hidden},) for a single entry.",
            exc=TypeError,
        )
    if isinstance(hidden, str) or not isinstance(hidden, Sequence):
        fail(where, f"{name} as a sequence of layer sizes", type(hidden).__name__, exc=TypeError)
    return tuple(check_int(units, where=where, name=f"{name}[{i}]") for i, units in enumerate(hidden))


def check_activation(activation, where: str, name: str):
    """Return a name or callable Keras accepts; ``None`` means linear."""
    if activation is None:
        return "linear"
    if callable(activation):
        return activation
    if not isinstance(activation, str):
        fail(where, f"{name} as an activation name or function", repr(activation), exc=TypeError)
    try:
        keras.activations.get(activation)
    except ValueError:
        fail(where, f"{name} to be a Keras activation such as {_COMMON_ACTIVATIONS}", repr(activation))
    return activation


def _activation_label(activation) -> str:
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def check_softmax_units(activation, units: int, where: str, name: str) -> None:
    """Refuse a softmax over fewer than 2 units (it always outputs 1)."""
    if _activation_label(activation) == "softmax" and units < 2:
        fail(
            where,
            f"{name} >= 2 for a softmax output",
            f"{name}={units}",
            "Softmax over one unit always outputs 1; use one sigmoid unit for a binary problem.",
        )


def layer_seed(seed: int | None, index: int) -> int | None:
    """The seed of layer ``index``: two layers of the same shape must not start with identical weights."""
    return None if seed is None else seed + index


def seeded_dense(units: int, activation, name: str, seed: int | None) -> layers.Dense:
    """A Dense layer with Glorot-uniform weights (seeded when ``seed`` is given) and zero biases."""
    if seed is None:
        kernel_initializer = "glorot_uniform"
    else:
        kernel_initializer = keras.initializers.GlorotUniform(seed=seed)
    return layers.Dense(
        units,
        activation=activation,
        kernel_initializer=kernel_initializer,
        bias_initializer="zeros",
        name=name,
    )


def build_by_calling(model: keras.Model, sample) -> keras.Model:
    """Create a subclassed model's weights by calling it once on ``sample``."""
    model(sample)
    return model


def zeros_sample(shape: Sequence[int]) -> np.ndarray:
    """One float32 sample of zeros, batch axis first: shape ``(1, *shape)``."""
    return np.zeros((1, *shape), dtype="float32")
