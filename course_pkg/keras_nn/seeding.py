"""Repeatable Keras runs: one call seeds Python, NumPy and TensorFlow, and fixes the kernels' order.

The Keras track takes ``seed`` as None or an int (the NumPy track also accepts a
``numpy.random.Generator``); :func:`seed_everything` is the global switch a notebook or a search
turns on before building models.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from course_pkg import _checks

__all__ = ["seed_everything"]


def seed_everything(seed: int, *, deterministic_ops: bool = True) -> int:
    """Seed Python's ``random``, NumPy and TensorFlow, and make TensorFlow's kernels deterministic.

    Parameters
    ----------
    seed : int
        The seed, >= 0.
    deterministic_ops : bool, default True
        Also call ``tf.config.experimental.enable_op_determinism()``.

    Returns
    -------
    int
        The seed, so that a notebook can log it: ``SEED = seed_everything(42)``.

    Raises
    ------
    ValueError
        If ``seed`` is negative.
    TypeError
        If ``seed`` is not an integer.

    Notes
    -----
    ``keras.utils.set_random_seed`` seeds Python, NumPy and the backend together. Seeds alone
    do not make two runs identical: some TensorFlow kernels (reductions on the GPU,
    multi-threaded CPU ops) add floating-point numbers in a different order each time.
    Op determinism forces one order. It costs speed, little on a CPU and sometimes a lot on a
    GPU, and it lasts for the rest of the process. Kernels that have no deterministic
    version then raise an error instead of running.

    Examples
    --------
    >>> seed_everything(0, deterministic_ops=False)
    0
    """
    seed = _checks.check_int(seed, where="seed_everything", name="seed", minimum=0)
    # One call seeds Python's random, NumPy's global generator, TensorFlow and Keras' own
    # generator (layer initialisers, dropout, shuffling in fit).
    keras.utils.set_random_seed(seed)
    if deterministic_ops:
        enable = getattr(tf.config.experimental, "enable_op_determinism", None)
        if enable is not None:  # added in TensorFlow 2.9
            enable()
    return seed
