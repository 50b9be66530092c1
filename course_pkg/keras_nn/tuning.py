"""Hyperparameter search for the Keras track (chapter 13).

The chapter's search space: the number of hidden layers (0–3), the neurons per layer
(1–99) and the learning rate (log-uniform between 3e-4 and 3e-2), for a regression MLP
built by :func:`build_model`. Two ways to search it:

- :func:`randomized_search`: scikit-learn's ``RandomizedSearchCV`` with cross-validation,
  over Keras 3's ``keras.wrappers.SKLearnRegressor``;
- :func:`tuner_search`: Keras Tuner's random search or Hyperband, with a validation set.

Their defaults are the chapter's full searches and do not change in fast mode; a notebook that
wants a few seconds in CI passes smaller sizes (``n_iter``, ``cv``, ``epochs``, ``max_trials``).
"""

from __future__ import annotations

import tempfile
from typing import Any, NamedTuple

import keras
import numpy as np
from scipy import stats
from sklearn.metrics import r2_score
from sklearn.model_selection import RandomizedSearchCV

from course_pkg import _checks
from course_pkg.keras_nn.builders import build_mlp
from course_pkg.keras_nn.seeding import seed_everything

__all__ = [
    "SEARCH_SPACE",
    "build_model",
    "ModelKwargsDistribution",
    "default_param_distributions",
    "randomized_search",
    "search_results_frame",
    "TunerResult",
    "tuner_search",
]

#: The chapter's search space: inclusive ranges of the three hyperparameters.
SEARCH_SPACE = {
    "n_hidden": (0, 3),
    "n_neurons": (1, 99),
    "learning_rate": (3e-4, 3e-2),
}


def build_model(
    n_hidden: int = 1, n_neurons: int = 30, learning_rate: float = 3e-3, input_shape=(8,)
) -> keras.Model:
    """Build and compile the regression MLP whose hyperparameters the chapter searches.

    Parameters
    ----------
    n_hidden : int, default 1
        Hidden layers, >= 0 (0 gives linear regression).
    n_neurons : int, default 30
        Neurons in every hidden layer (the same width for all: see the chapter's advice).
    learning_rate : float, default 3e-3
        Learning rate of the SGD optimizer.
    input_shape : tuple of int, default (8,)
        Shape of one sample, without the batch axis (8 features for California housing).

    Returns
    -------
    keras.Sequential
        ``build_mlp([D, n_neurons, ..., n_neurons, 1])`` with ``n_hidden`` ReLU layers and a
        linear output (a ``Flatten`` first when ``input_shape`` has several axes), compiled with
        ``SGD(learning_rate=learning_rate)`` and mean squared error.

    Raises
    ------
    ValueError
        If a count is negative (or ``n_neurons`` < 1) or the learning rate is not > 0.

    Examples
    --------
    >>> model = build_model(n_hidden=2, n_neurons=10, learning_rate=0.01, input_shape=(5,))
    >>> [layer.units for layer in model.layers]
    [10, 10, 1]
    >>> round(float(model.optimizer.learning_rate.numpy()), 6)
    0.01
    """
    where = "build_model"
    n_hidden = _checks.check_int(n_hidden, where=where, name="n_hidden", minimum=0)
    n_neurons = _checks.check_int(n_neurons, where=where, name="n_neurons", minimum=1)
    learning_rate = _checks.check_positive(learning_rate, where=where, name="learning_rate")
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (int(input_shape),)
    input_shape = tuple(input_shape)
    hidden = [n_neurons] * n_hidden
    if len(input_shape) == 1:
        model = build_mlp([input_shape[0], *hidden, 1], "relu", None, name="searched_mlp")
    else:  # images and other multi-axis samples are flattened first
        model = build_mlp([None, *hidden, 1], "relu", None, flatten_input_shape=input_shape, name="searched_mlp")
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=learning_rate))
    return model


def _model_for_wrapper(X, y, **hyperparameters) -> keras.Model:
    # SKLearnRegressor calls model(X=X, y=y, **model_kwargs); the input shape comes from X.
    return build_model(input_shape=X.shape[1:], **hyperparameters)


def _quiet_r2(estimator, X, y) -> float:
    # The wrapper's own score() calls model.predict with a progress bar per fold; same R², silent.
    y_pred = estimator.model_.predict(np.asarray(X), verbose=0)  # (N, 1)
    return float(r2_score(y, np.reshape(y_pred, np.shape(y))))


class ModelKwargsDistribution:
    """A distribution over whole ``model_kwargs`` dicts, for ``RandomizedSearchCV``.

    Keras 3's ``SKLearnRegressor`` has no parameter per hyperparameter: it passes one dict,
    ``model_kwargs``, to the model-building function. To search ``n_hidden``,
    ``n_neurons`` and ``learning_rate``, the search samples that whole dict; this object
    draws each entry from its own distribution.

    Parameters
    ----------
    distributions : dict of str to distribution or list
        Each value is a scipy.stats distribution (anything with ``rvs``) or a list to pick
        from uniformly.
    fixed : dict, optional
        Entries copied into every sample unchanged.

    Examples
    --------
    >>> dist = ModelKwargsDistribution({"n_hidden": [0, 1, 2, 3]}, fixed={"learning_rate": 0.01})
    >>> dist.rvs(random_state=0)
    {'learning_rate': 0.01, 'n_hidden': 0}
    """

    def __init__(self, distributions: dict[str, Any], fixed: dict[str, Any] | None = None):
        if not isinstance(distributions, dict) or not distributions:
            raise TypeError(
                "ModelKwargsDistribution: expected a non-empty dict of distributions such as "
                f"{{'n_hidden': scipy.stats.randint(0, 4)}}; got {distributions!r}."
            )
        for key, dist in distributions.items():
            if not hasattr(dist, "rvs") and not isinstance(dist, (list, tuple)):
                raise TypeError(
                    f"ModelKwargsDistribution: expected distributions[{key!r}] to be a scipy.stats "
                    f"distribution or a list; got {type(dist).__name__}."
                )
        self.distributions = dict(distributions)
        self.fixed = dict(fixed or {})

    def rvs(self, random_state=None) -> dict[str, Any]:
        """Draw one ``model_kwargs`` dict (the method ``RandomizedSearchCV`` calls)."""
        rng = (
            random_state
            if isinstance(random_state, np.random.RandomState)
            else np.random.RandomState(random_state)
        )
        sample = dict(self.fixed)
        for key, dist in self.distributions.items():
            if hasattr(dist, "rvs"):
                value = dist.rvs(random_state=rng)
            else:
                value = dist[rng.randint(len(dist))]
            # Plain Python numbers: they print cleanly in cv_results_ and Keras takes them as is.
            sample[key] = value.item() if isinstance(value, np.generic) else value
        return sample

    def __repr__(self) -> str:
        return f"ModelKwargsDistribution({self.distributions!r}, fixed={self.fixed!r})"


def default_param_distributions() -> dict[str, ModelKwargsDistribution]:
    """Return the chapter's search space in the form ``RandomizedSearchCV`` takes.

    Returns
    -------
    dict
        ``{"model_kwargs": ModelKwargsDistribution(...)}`` with ``n_hidden`` uniform on
        0–3, ``n_neurons`` uniform on 1–99 and ``learning_rate`` log-uniform on
        [3e-4, 3e-2].
    """
    low_h, high_h = SEARCH_SPACE["n_hidden"]
    low_n, high_n = SEARCH_SPACE["n_neurons"]
    low_lr, high_lr = SEARCH_SPACE["learning_rate"]
    return {
        "model_kwargs": ModelKwargsDistribution(
            {
                "n_hidden": stats.randint(low_h, high_h + 1),  # randint excludes its upper bound
                "n_neurons": stats.randint(low_n, high_n + 1),
                "learning_rate": stats.loguniform(low_lr, high_lr),
            }
        )
    }


def randomized_search(
    X_train,
    y_train,
    *,
    n_iter: int = 10,
    cv: int = 3,
    epochs: int = 100,
    batch_size: int = 32,
    param_distributions: dict | None = None,
    seed: int = 42,
) -> RandomizedSearchCV:
    """Search the hyperparameters of :func:`build_model` with ``RandomizedSearchCV``.

    Parameters
    ----------
    X_train : ndarray of shape (N, D)
        Training inputs (standardise them first).
    y_train : ndarray of shape (N,)
        Training targets.
    n_iter : int, default 10
        Hyperparameter combinations to try.
    cv : int, default 3
        Cross-validation folds, >= 2.
    epochs : int, default 100
        Training epochs per fit.
    batch_size : int, default 32
    param_distributions : dict, optional
        ``{"model_kwargs": ModelKwargsDistribution(...)}``; see
        :func:`default_param_distributions` (the default) for the form.
    seed : int, default 42
        Seeds the sampling of combinations, the folds' model initialisation and the
        shuffling (via :func:`~course_pkg.keras_nn.seeding.seed_everything`, without
        op determinism).

    Returns
    -------
    sklearn.model_selection.RandomizedSearchCV
        Fitted: ``best_params_["model_kwargs"]`` holds the best ``n_hidden``,
        ``n_neurons`` and ``learning_rate``; ``best_score_`` is the mean cross-validated
        R²; ``best_estimator_.model_`` is the best model refitted on all the data;
        :func:`search_results_frame` tabulates ``cv_results_``.

    Raises
    ------
    ValueError
        For inconsistent data or non-positive counts.

    Notes
    -----
    How Keras 3.15's wrapper takes hyperparameters: ``SKLearnRegressor(model=fn,
    model_kwargs={...})`` calls ``fn(X=X, y=y, **model_kwargs)``. Its only parameters are
    ``model``, ``warm_start``, ``model_kwargs`` and ``fit_kwargs``: there is no
    ``model__n_hidden`` to search, so the search samples whole ``model_kwargs`` dicts
    (:class:`ModelKwargsDistribution`).

    A pitfall: the wrapper's ``__sklearn_clone__`` (which the search calls for every
    candidate) drops ``fit_kwargs``. Epochs and verbosity are therefore passed to
    ``search.fit(X, y, epochs=..., verbose=0)``, which forwards them to every ``fit``.

    Each candidate trains ``cv + 1`` models (one per fold, then the refit of the best):
    budget ``n_iter * cv * epochs`` epochs.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 3)); y = X @ np.array([1.0, -1.0, 0.5])
    >>> search = randomized_search(X, y, n_iter=2, cv=2, epochs=1)
    >>> sorted(search.best_params_["model_kwargs"])
    ['learning_rate', 'n_hidden', 'n_neurons']
    """
    where = "randomized_search"
    X_train = _checks.check_array(X_train, where=where, name="X_train", ndim=2)
    y_train = _checks.check_array(y_train, where=where, name="y_train")
    _checks.check_same_rows(X_train, y_train, where=where, x_name="X_train", y_name="y_train")
    n_iter = _checks.check_int(n_iter, where=where, name="n_iter")
    cv = _checks.check_int(cv, where=where, name="cv", minimum=2)
    epochs = _checks.check_int(epochs, where=where, name="epochs")
    batch_size = _checks.check_int(batch_size, where=where, name="batch_size")
    if param_distributions is None:
        param_distributions = default_param_distributions()
    seed_everything(seed, deterministic_ops=False)

    regressor = keras.wrappers.SKLearnRegressor(model=_model_for_wrapper, model_kwargs={})
    search = RandomizedSearchCV(
        regressor,
        param_distributions=param_distributions,
        n_iter=n_iter,
        cv=cv,
        scoring=_quiet_r2,
        random_state=seed,
    )
    search.fit(X_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return search


def search_results_frame(search: RandomizedSearchCV):
    """Tabulate a :func:`randomized_search`: one row per candidate, best first.

    Parameters
    ----------
    search : RandomizedSearchCV
        A fitted search whose parameter is ``model_kwargs``.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_hidden``, ``n_neurons``, ``learning_rate`` (the entries of each
        candidate's ``model_kwargs``), ``mean_test_score``, ``std_test_score`` and
        ``rank_test_score``, sorted by rank.
    """
    import pandas as pd

    results = search.cv_results_
    rows = []
    for i, params in enumerate(results["params"]):
        row = dict(params.get("model_kwargs", {}))
        for key in ("mean_test_score", "std_test_score", "rank_test_score"):
            row[key] = results[key][i]
        rows.append(row)
    return pd.DataFrame(rows).sort_values("rank_test_score").reset_index(drop=True)


# --------------------------------------------------------------------------- Keras Tuner


class TunerResult(NamedTuple):
    """What :func:`tuner_search` returns; unpacks as ``tuner, best = tuner_search(...)``.

    Attributes
    ----------
    tuner : keras_tuner.Tuner
        The tuner after its search (``tuner.get_best_models()``, ``tuner.results_summary()``).
    best_hyperparameters : dict
        ``{"n_hidden": ..., "n_neurons": ..., "learning_rate": ...}`` of the best trial.
    """

    tuner: Any
    best_hyperparameters: dict


def _hypermodel(input_shape):
    def build(hp):
        low_h, high_h = SEARCH_SPACE["n_hidden"]
        low_n, high_n = SEARCH_SPACE["n_neurons"]
        low_lr, high_lr = SEARCH_SPACE["learning_rate"]
        return build_model(
            n_hidden=hp.Int("n_hidden", min_value=low_h, max_value=high_h),
            n_neurons=hp.Int("n_neurons", min_value=low_n, max_value=high_n),
            learning_rate=hp.Float("learning_rate", min_value=low_lr, max_value=high_lr, sampling="log"),
            input_shape=input_shape,
        )

    return build


def tuner_search(
    X_train,
    y_train,
    X_val,
    y_val,
    *,
    kind: str = "random",
    max_trials: int = 10,
    directory=None,
    project_name: str = "course_tuning",
    epochs: int = 20,
    batch_size: int = 32,
    overwrite: bool = True,
    seed: int = 42,
) -> TunerResult:
    """Search the hyperparameters of :func:`build_model` with Keras Tuner.

    Parameters
    ----------
    X_train : ndarray of shape (N, D)
    y_train : ndarray of shape (N,)
    X_val : ndarray of shape (N_val, D)
    y_val : ndarray of shape (N_val,)
        Training and validation data; trials are ranked by ``val_loss``.
    kind : {"random", "hyperband"}, default "random"
        ``keras_tuner.RandomSearch`` (``max_trials`` trials of ``epochs`` epochs) or
        ``keras_tuner.Hyperband`` (many short trials, the best continued, up to ``epochs``
        epochs; ``max_trials`` does not apply).
    max_trials : int, default 10
        Trials for the random search.
    directory : str or path, optional
        Where Keras Tuner keeps its trials. Defaults to a new temporary directory.
    project_name : str, default "course_tuning"
        Sub-directory of ``directory`` for this search.
    epochs : int, default 20
        Epochs per trial (Hyperband: the most any trial gets; it needs at least 2).
    batch_size : int, default 32
    overwrite : bool, default True
        Start afresh instead of resuming a search found in ``directory/project_name``.
    seed : int, default 42
        Seeds the tuner's sampling and the models.

    Returns
    -------
    TunerResult
        ``(tuner, best_hyperparameters)``.

    Raises
    ------
    ValueError
        For an unknown ``kind``, inconsistent data or non-positive counts.

    Notes
    -----
    The space is the same as :func:`randomized_search`'s: ``hp.Int("n_hidden", 0, 3)``,
    ``hp.Int("n_neurons", 1, 99)``, ``hp.Float("learning_rate", 3e-4, 3e-2,
    sampling="log")``. Hyperband (Li et al., 2018) trains many configurations for a
    few epochs and gives the survivors more, so it explores more configurations than random
    search for the same budget.
    """
    import keras_tuner as kt

    where = "tuner_search"
    X_train = _checks.check_array(X_train, where=where, name="X_train", ndim=2)
    y_train = _checks.check_array(y_train, where=where, name="y_train")
    X_val = _checks.check_array(X_val, where=where, name="X_val", shape=(None, X_train.shape[1]))
    y_val = _checks.check_array(y_val, where=where, name="y_val")
    _checks.check_same_rows(X_train, y_train, where=where, x_name="X_train", y_name="y_train")
    _checks.check_same_rows(X_val, y_val, where=where, x_name="X_val", y_name="y_val")
    kind = _checks.check_choice(kind, ("random", "hyperband"), where=where, name="kind")
    max_trials = _checks.check_int(max_trials, where=where, name="max_trials")
    epochs = _checks.check_int(epochs, where=where, name="epochs")
    batch_size = _checks.check_int(batch_size, where=where, name="batch_size")
    if kind == "hyperband" and epochs < 2:
        raise ValueError(f"{where}: expected epochs >= 2 for Hyperband (its max_epochs); got {epochs}.")
    if directory is None:
        directory = tempfile.mkdtemp(prefix="course_tuner_")
    seed_everything(seed, deterministic_ops=False)

    common = dict(
        objective="val_loss",
        seed=seed,
        directory=str(directory),
        project_name=project_name,
        overwrite=overwrite,
    )
    hypermodel = _hypermodel(X_train.shape[1:])
    if kind == "random":
        tuner = kt.RandomSearch(hypermodel, max_trials=max_trials, **common)
    else:
        tuner = kt.Hyperband(hypermodel, max_epochs=epochs, factor=3, hyperband_iterations=1, **common)
    tuner.search(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=(X_val, y_val),
        verbose=0,
    )
    best = tuner.get_best_hyperparameters(num_trials=1)[0]
    return TunerResult(tuner, {name: best.get(name) for name in SEARCH_SPACE})
