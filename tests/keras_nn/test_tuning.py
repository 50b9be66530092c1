"""Tests of course_pkg.keras_nn.tuning: the search function, the search space, and both
searches (scikit-learn's RandomizedSearchCV over keras.wrappers.SKLearnRegressor, and Keras
Tuner) run in seconds on a small California-housing-shaped synthetic regression (8 features).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402

from course_pkg.keras_nn import tuning as TU  # noqa: E402

pytestmark = pytest.mark.tf

LOW_H, HIGH_H = TU.SEARCH_SPACE["n_hidden"]
LOW_N, HIGH_N = TU.SEARCH_SPACE["n_neurons"]
LOW_LR, HIGH_LR = TU.SEARCH_SPACE["learning_rate"]


@pytest.fixture(scope="module")
def housing_like():
    """Standardised inputs and targets: 8 features, a non-linear target, some noise."""
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=160, n_features=8, noise=0.5, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (y - y.mean()) / y.std()
    return X.astype("float32"), y.astype("float32")


def assert_in_space(params):
    assert set(params) == {"n_hidden", "n_neurons", "learning_rate"}
    assert LOW_H <= params["n_hidden"] <= HIGH_H and isinstance(params["n_hidden"], int)
    assert LOW_N <= params["n_neurons"] <= HIGH_N and isinstance(params["n_neurons"], int)
    assert LOW_LR <= params["learning_rate"] <= HIGH_LR


def dense_units(model):
    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


# --------------------------------------------------------------------------- build_model


@pytest.mark.parametrize("n_hidden", [0, 1, 2, 3])
def test_build_model_honours_depth_width_and_rate(n_hidden):
    model = TU.build_model(n_hidden=n_hidden, n_neurons=7, learning_rate=0.02, input_shape=(5,))
    assert dense_units(model) == [7] * n_hidden + [1]
    assert all(layer.activation.__name__ == "relu" for layer in model.layers[:-1])
    assert model.input_shape == (None, 5)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.02)
    assert model.count_params() == (
        (5 + 1) * 1 if n_hidden == 0 else (5 + 1) * 7 + (n_hidden - 1) * (7 + 1) * 7 + (7 + 1)
    )


def test_build_model_defaults_are_the_chapters():
    model = TU.build_model()
    assert dense_units(model) == [30, 1] and model.input_shape == (None, 8)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(3e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_hidden": -1}, "n_hidden"),
        ({"n_neurons": 0}, "n_neurons"),
        ({"learning_rate": 0.0}, "learning_rate"),
    ],
)
def test_build_model_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=f"build_model: expected {match}"):
        TU.build_model(**kwargs)


# --------------------------------------------------------------------------- the search space


def test_default_distributions_cover_the_declared_space():
    dist = TU.default_param_distributions()["model_kwargs"]
    rng = np.random.RandomState(0)
    samples = [dist.rvs(random_state=rng) for _ in range(400)]
    for sample in samples:
        assert_in_space(sample)
    assert {s["n_hidden"] for s in samples} == {0, 1, 2, 3}
    neurons = [s["n_neurons"] for s in samples]
    assert min(neurons) < 10 and max(neurons) > 90
    # Log-uniform: the median sits near the geometric mean sqrt(3e-4 * 3e-2) = 3e-3, not the
    # arithmetic one (1.5e-2), and each decade gets about half the draws.
    rates = np.array([s["learning_rate"] for s in samples])
    assert 2e-3 < np.median(rates) < 4.5e-3
    assert 0.4 < np.mean(rates < 3e-3) < 0.6


def test_model_kwargs_distribution_is_reproducible_and_checks_input():
    dist = TU.ModelKwargsDistribution({"n_hidden": [1, 2]}, fixed={"input_note": "x"})
    assert dist.rvs(random_state=3) == dist.rvs(random_state=3)
    assert dist.rvs(random_state=3)["input_note"] == "x"
    with pytest.raises(TypeError, match="distributions\\['n_hidden'\\]"):
        TU.ModelKwargsDistribution({"n_hidden": 2})


# --------------------------------------------------------------------------- RandomizedSearchCV


def test_randomized_search_varies_and_passes_hyperparameters(housing_like, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")  # changes nothing: the sizes are passed explicitly
    X, y = housing_like
    search = TU.randomized_search(X, y, n_iter=3, cv=2, epochs=2, seed=3)
    assert search.n_iter == 3 and search.cv == 2
    candidates = [p["model_kwargs"] for p in search.cv_results_["params"]]
    assert len(candidates) == 3
    for params in candidates:
        assert_in_space(params)
    # The search really varied the hyperparameters (not one dict three times) ...
    assert len({(p["n_hidden"], p["n_neurons"], p["learning_rate"]) for p in candidates}) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # ... and they reached build_model: the refitted best model has the best architecture.
    best = search.best_params_["model_kwargs"]
    assert_in_space(best)
    model = search.best_estimator_.model_
    assert dense_units(model) == [best["n_neurons"]] * best["n_hidden"] + [1]
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(best["learning_rate"], rel=1e-6)
    assert len(search.best_estimator_.history_.history["loss"]) == 2  # epochs reached fit too
    frame = TU.search_results_frame(search)
    assert frame["rank_test_score"].tolist() == sorted(frame["rank_test_score"])
    assert frame.loc[0, "n_hidden"] == best["n_hidden"]


def test_randomized_search_with_custom_space(housing_like):
    X, y = housing_like
    space = {"model_kwargs": TU.ModelKwargsDistribution({"n_hidden": [2]}, fixed={"n_neurons": 5})}
    search = TU.randomized_search(X, y, n_iter=1, cv=2, epochs=1, param_distributions=space)
    assert dense_units(search.best_estimator_.model_) == [5, 5, 1]


def test_randomized_search_checks_data():
    with pytest.raises(ValueError, match="randomized_search"):
        TU.randomized_search(np.zeros((10, 3)), np.zeros(9), n_iter=1, cv=2, epochs=1)


# --------------------------------------------------------------------------- Keras Tuner


def test_tuner_random_search(housing_like, tmp_path):
    X, y = housing_like
    tuner, best = TU.tuner_search(
        X[:120],
        y[:120],
        X[120:],
        y[120:],
        kind="random",
        max_trials=2,
        epochs=1,
        directory=tmp_path,
        project_name="rs",
    )
    assert_in_space(best)
    assert len(tuner.oracle.trials) == 2
    assert (tmp_path / "rs").is_dir()
    model = tuner.get_best_models(num_models=1)[0]
    assert dense_units(model) == [best["n_neurons"]] * best["n_hidden"] + [1]


def test_tuner_hyperband_with_a_small_budget(housing_like, tmp_path):
    X, y = housing_like
    result = TU.tuner_search(X[:120], y[:120], X[120:], y[120:], kind="hyperband", epochs=2, directory=tmp_path)
    assert_in_space(result.best_hyperparameters)
    assert len(result.tuner.oracle.trials) >= 2
    assert type(result.tuner).__name__ == "Hyperband"


def test_tuner_search_rejects_unknown_kind(housing_like):
    X, y = housing_like
    with pytest.raises(ValueError, match="'random', 'hyperband'"):
        TU.tuner_search(X, y, X, y, kind="bayesian")
    with pytest.raises(ValueError, match="X_val"):
        TU.tuner_search(X, y, X[:, :3], y, kind="random")


def test_search_defaults_are_the_chapters_and_ignore_fast_mode(monkeypatch):
    import inspect

    monkeypatch.setenv("COURSE_FAST", "1")
    search = inspect.signature(TU.randomized_search).parameters
    tuner = inspect.signature(TU.tuner_search).parameters
    assert (search["n_iter"].default, search["cv"].default, search["epochs"].default) == (10, 3, 100)
    assert (tuner["max_trials"].default, tuner["epochs"].default) == (10, 20)


def test_build_model_uses_the_one_dense_builder():
    model = TU.build_model(n_hidden=2, n_neurons=7, input_shape=(5,))
    assert [layer.name for layer in model.layers] == ["hidden_1", "hidden_2", "output"]
    images = TU.build_model(n_hidden=1, n_neurons=4, input_shape=(3, 4))
    assert [layer.name for layer in images.layers] == ["flatten", "hidden_1", "output"]
    assert images.input_shape == (None, 3, 4) and images.count_params() == 13 * 4 + 5
