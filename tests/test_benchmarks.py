"""The benchmark script's arithmetic and report (its timings are read by people, never asserted)."""

import numpy as np

from course_pkg import benchmarks


def test_train_flops_per_sample_counts_forward_and_both_backward_products():
    # 784-128-64-10 has 784*128 + 128*64 + 64*10 = 109,184 weights; 2 FLOPs each forward, 4 backward.
    assert benchmarks.train_flops_per_sample() == 6 * 109_184
    assert benchmarks.train_flops_per_sample((3, 2)) == 36


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
        "throughput": [{"activation": "relu", "batch_size": 128, "per_sample_loop": 1000.0,
                        "numpy_mlp": 40000.0, "keras": 20000.0, "ratio_vs_keras": 2.0,
                        "ratio_vs_loop": 40.0, "roofline_fraction": 0.5}],
        "mnist": {"layer_sizes": [784, 256, 128, 10], "epochs": 12, "batch_size": 128,
                  "seconds": 30.0, "test_accuracy": 0.98, "val_accuracy": 0.98},
    }
    report = benchmarks.format_report(results)
    for text in ("budget < 0.3 s", ">= 2x keras", "2.00", "40.0", "50%", "98.00%", "< 60 s"):
        assert text in report
