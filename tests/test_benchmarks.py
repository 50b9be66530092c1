"""The benchmark script's arithmetic and report (its timings are read by people, never asserted)."""

import numpy as np
import pytest

from course_pkg import benchmarks


def test_train_flops_per_sample_counts_no_dx_for_the_first_layer():
    # By hand, 784-128-64-10: D*M = 100,352 + 8,192 + 640 = 109,184 weights.
    # forward 2 * 109,184 = 218,368; dW 2 * 109,184 = 218,368; dX of layers 2 and 3 only 2 * 8,832 = 17,664.
    assert benchmarks.train_flops_per_sample() == 218_368 + 218_368 + 17_664 == 454_400
    # One layer 3 -> 2: forward and dW, 2 * 6 FLOPs each; its input is the data, so no dX at all.
    assert benchmarks.train_flops_per_sample((3, 2)) == 24
    # 5-4-3: forward 2 * 32, dW 2 * 32, dX of the second layer only 2 * 12.
    assert benchmarks.train_flops_per_sample([5, 4, 3]) == 152


@pytest.mark.parametrize("sizes", [(3,), (), (4, 0, 2)])
def test_train_flops_per_sample_rejects_bad_sizes(sizes):
    with pytest.raises(ValueError, match="train_flops_per_sample: expected layer_sizes with at least 2"):
        benchmarks.train_flops_per_sample(sizes)


def test_numpy_mlp_throughput_runs_and_reports_a_positive_rate():
    X, y = benchmarks.synthetic_mnist_shaped(256)
    rate = benchmarks.numpy_mlp_throughput(X, y, batch_size=128, hidden_activation="relu", epochs=1)
    assert np.isfinite(rate) and rate > 0


def test_per_sample_loop_runs_for_both_activations():
    X, y = benchmarks.synthetic_mnist_shaped(16, seed=3)
    for activation in ("relu", "sigmoid"):
        rate = benchmarks.per_sample_loop_throughput(X, y, hidden_activation=activation, n_samples=16)
        assert np.isfinite(rate) and rate > 0


def test_report_names_every_budget():
    results = {
        "machine": {"cpus": 2, "numpy": np.__version__},
        "import_seconds": 0.01, "import_numpy_nn_seconds": 0.1, "matmul_gflops": 50.0,
        "matmul_gflops_1_thread": 26.5,
        "throughput": [{"activation": "relu", "batch_size": 128, "per_sample_loop": 1000.0,
                        "numpy_mlp": 40000.0, "keras": 20000.0, "ratio_vs_keras": 2.0,
                        "ratio_vs_loop": 40.0, "roofline_fraction": 0.5,
                        "numpy_mlp_1_thread": 31234.0, "roofline_fraction_1_thread": 0.37}],
        "mnist": {"layer_sizes": [784, 256, 128, 10], "epochs": 12, "batch_size": 128,
                  "seconds": 30.0, "test_accuracy": 0.98, "val_accuracy": 0.98},
    }
    report = benchmarks.format_report(results)
    for text in ("budget < 0.3 s", ">= 2x keras", ">= 30% of the roofline at batch 128", "26.5 with one BLAS",
                 "31234", "37%", "454,400 FLOPs", "2.00", "40.0", "50%", "98.00%", "< 60 s"):
        assert text in report


def test_profile_fit_names_the_layers_and_the_optimizer():
    report = benchmarks.profile_fit(batch_size=64, n_train=256, epochs=1, top=40)
    assert "batch 64" in report and "4 steps" in report and "ms per step" in report
    for function in ("train_epoch", "linear_forward", "linear_backward", "_update"):
        assert function in report


def test_bench_profile_option_prints_the_profile_instead_of_the_benchmarks(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(benchmarks, "profile_fit", lambda **kwargs: calls.append(kwargs) or "PROFILE")
    monkeypatch.setattr(benchmarks, "run", lambda **kwargs: pytest.fail("the benchmarks ran"))
    assert benchmarks.main(["--profile", "--quick", "--batch-size", "32", "--activation", "sigmoid"]) == 0
    assert calls == [{"batch_size": 32, "hidden_activation": "sigmoid", "n_train": 4_000}]
    assert capsys.readouterr().out == "PROFILE\n"


def test_blas_threads_limits_the_matrix_products_and_restores_them():
    from threadpoolctl import threadpool_info

    def blas_threads_now():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads_now()
    with benchmarks.blas_threads(1):
        assert blas_threads_now() and set(blas_threads_now()) == {1}
    assert blas_threads_now() == before
