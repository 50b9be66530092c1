"""Reading a training history of either track into ``{metric: values per epoch}``.

Shared by ``course_pkg.plotting`` (learning curves) and ``course_pkg.keras_nn.history`` (tables),
so that both accept the same three forms. It never imports Keras or pandas: a Keras ``History`` is
recognised by its ``.history`` dict, a pandas ``DataFrame`` by its columns.
"""

from __future__ import annotations

import numpy as np

from course_pkg import _checks

__all__ = ["history_dict"]


def history_dict(history, *, where: str) -> dict[str, np.ndarray]:
    """Return ``{metric: 1-D array of values per epoch}`` from any history the course produces.

    Parameters
    ----------
    history : dict, keras.callbacks.History or pandas.DataFrame
        What Keras' ``model.fit`` returns or its ``.history``, the dict the NumPy track's
        ``MLP.fit`` returns (the same keys), or a table with one row per epoch.
    where : str
        The public function asking, named in error messages.

    Raises
    ------
    TypeError
        For anything else (the message lists the three forms).
    ValueError
        If a metric's values are not a flat list of numbers.

    Examples
    --------
    >>> history_dict({"loss": [0.9, 0.5]}, where="demo")
    {'loss': array([0.9, 0.5])}
    """
    if hasattr(history, "history") and isinstance(history.history, dict):
        history = history.history  # keras.callbacks.History
    elif hasattr(history, "columns") and hasattr(history, "to_dict"):
        history = history.to_dict(orient="list")  # pandas.DataFrame, one row per epoch
    if not isinstance(history, dict):
        raise TypeError(
            f"{where}: expected a history dict {{'loss': [...], 'val_loss': [...]}}, a Keras History "
            f"or a pandas DataFrame; got {type(history).__name__}."
        )
    return {
        str(key): _checks.check_array(values, where=where, name=f"history[{key!r}]", ndim=1, finite=False)
        for key, values in history.items()
    }
