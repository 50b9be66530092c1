"""Performance benchmarks of the NumPy track (``make bench`` / ``python -m course_pkg bench``).

One run prints, on this machine:

* ``import course_pkg`` time (budget < 0.3 s, measured in a fresh interpreter);
* a BLAS matmul "roofline": the float32 FLOP/s of a large matrix product;
* training throughput (samples/s) of a 784-128-64-10 softmax network, float32, at batch sizes 128 and
  512, for

  - ``course_pkg.numpy_nn.MLP.fit``,
  - ``keras`` ``Model.fit`` of the same network, optimizer and batch size,
  - a per-sample column-vector loop in the style of widely copied blog code (with its gradient bug
    fixed, so it does the same arithmetic one sample at a time);

  and the ratios between them and the fraction of the roofline the NumPy MLP reaches, also with the
  BLAS library limited to one thread (against the one-thread roofline): on a machine whose cores
  are busy with other work, the threads of the small matrix products wait for each other;
* MNIST: test accuracy and wall time of the course's reference training run.

``--profile`` prints instead where ``MLP.fit`` spends its time (:func:`profile_fit`, cProfile).

Budgets are checked here, by a person reading the output, never by timed unit tests. Everything is
measured in this one process, one configuration after another, so the numbers compare like with like.
TensorFlow is imported only when the Keras rows run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

import numpy as np

LAYER_SIZES = (784, 128, 64, 10)


def train_flops_per_sample(layer_sizes=LAYER_SIZES) -> int:
    """Multiply-add FLOPs of one training step per sample (forward + backward).

    A dense layer from ``D`` inputs to ``M`` units costs, per sample, ``2 * D * M`` FLOPs for each
    matrix product through its weights (a multiply and an add per weight):

    * forward, ``Z = X @ W``: every layer;
    * backward, ``dW = X.T @ dZ``: every layer;
    * backward, ``dX = dZ @ W.T``: every layer *except the first*, whose input is the data, which
      needs no gradient (neither ``MLP.backward`` nor TensorFlow computes it).

    So ``2 * sum(D * M)`` forward plus ``2 * sum(D * M) + 2 * sum(D * M over layers 2..L)`` backward,
    that is ``6 * sum(D * M) - 2 * D_1 * M_1``. Bias adds, activations, the loss and the optimizer's
    update are ignored: they are O(M) per sample or O(D * M) per batch, not O(D * M) per sample.

    Parameters
    ----------
    layer_sizes : sequence of int, default (784, 128, 64, 10)
        Sizes from the input to the output, at least two.

    Returns
    -------
    int
        FLOPs per training sample.

    Raises
    ------
    ValueError
        If fewer than two sizes are given or one is below 1.

    Examples
    --------
    >>> train_flops_per_sample()  # 6 * 109,184 weights - 2 * 784 * 128
    454400
    >>> train_flops_per_sample((3, 2))  # one layer: forward and dW only, 4 * 3 * 2
    24
    """
    sizes = [int(size) for size in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(
            f"train_flops_per_sample: expected layer_sizes with at least 2 entries, all >= 1, such as "
            f"(784, 128, 10); got {tuple(layer_sizes)!r}."
        )
    products = [d * m for d, m in zip(sizes[:-1], sizes[1:])]  # D * M of each layer
    forward = 2 * sum(products)
    backward_dW = 2 * sum(products)
    backward_dX = 2 * sum(products[1:])  # not for the first layer
    return forward + backward_dW + backward_dX


def matmul_flops_per_second(n: int = 2048, repeats: int = 5) -> float:
    """Best-of-``repeats`` float32 FLOP/s of an ``(n, n) @ (n, n)`` product with NumPy's BLAS."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm-up: thread pool start, page faults
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


@contextlib.contextmanager
def blas_threads(n: int):
    """Run the ``with`` block with the BLAS library (NumPy's matrix products) limited to ``n`` threads.

    The training step of a small network alternates short matrix products (several BLAS threads)
    with element-wise NumPy passes (one thread). On a machine whose cores are busy with other work,
    the BLAS threads wait for each other at every product and one thread can be several times
    faster; the benchmark reports both, so the table says which effect a number shows.
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - installed with scikit-learn

    with threadpool_limits(limits=n, user_api="blas"):
        yield


def import_time(module: str = "course_pkg", repeats: int = 5) -> float:
    """Best wall time of ``import <module>`` in a fresh interpreter (seconds)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip()))
    return min(times)


def synthetic_mnist_shaped(n: int, seed: int = 0):
    """Random inputs of MNIST's shape, for throughput only (accuracy is measured on real MNIST).

    Returns
    -------
    X : ndarray of shape (n, 784), float32 in [0, 1)
    y : ndarray of shape (n,), integer labels 0..9
    """
    rng = np.random.default_rng(seed)
    X = rng.random((n, LAYER_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, LAYER_SIZES[-1], size=n)
    return X, y


def _best_rate(run_one_epoch, n_samples: int, repeats: int) -> float:
    """Samples/s of the fastest of ``repeats`` one-epoch runs (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run_one_epoch()
        best = min(best, time.perf_counter() - start)
    return n_samples / best


def numpy_mlp_throughput(X, y, *, batch_size: int, hidden_activation: str, epochs: int = 2) -> float:
    """Samples/s of ``MLP.fit`` (Adam): the best of ``epochs`` one-epoch runs after a warm-up epoch."""
    from course_pkg.numpy_nn.network import MLP
    from course_pkg.numpy_nn.optimizers import Adam

    mlp = MLP(list(LAYER_SIZES), hidden_activation=hidden_activation, seed=0)
    optimizer = Adam(learning_rate=1e-3)
    mlp.fit(X, y, epochs=1, batch_size=batch_size, optimizer=optimizer, verbose=0, seed=0)
    return _best_rate(lambda: mlp.fit(X, y, epochs=1, batch_size=batch_size, optimizer=optimizer,
                                      verbose=0, seed=1), len(X), repeats=epochs)


def keras_throughput(X, y, *, batch_size: int, hidden_activation: str, epochs: int = 2) -> float:
    """Samples/s of Keras ``fit`` on the same network (Adam, sparse CE), timed like the NumPy MLP."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: PLC0415 - TensorFlow is imported only when the Keras rows run

    keras.utils.set_random_seed(0)
    layers = [keras.Input(shape=(LAYER_SIZES[0],))]
    layers += [keras.layers.Dense(units, activation=hidden_activation) for units in LAYER_SIZES[1:-1]]
    layers.append(keras.layers.Dense(LAYER_SIZES[-1], activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=batch_size, verbose=0)
    return _best_rate(lambda: model.fit(X, y, epochs=1, batch_size=batch_size, verbose=0), len(X),
                      repeats=epochs)


def per_sample_loop_throughput(X, y, *, hidden_activation: str, n_samples: int = 2000) -> float:
    """Samples/s of per-sample, column-vector backprop as widely copied blog code writes it.

    Weights are stored ``(out, in)`` and each sample is a column ``(in, 1)``. Unlike the copied code,
    the gradient here is right (the outer product with the *previous* layer's activations) and the
    network has biases, so the loop does the same arithmetic as a batch of one.
    """
    # Plain NumPy expressions, as such code writes them (no input checks): the loop is timed for its
    # per-sample structure, not for the course's validated functions.
    if hidden_activation == "relu":
        def act(z):
            return np.maximum(z, 0)

        def act_grad(z):
            return (z > 0).astype(np.float32)
    else:
        def act(z):
            return 1 / (1 + np.exp(-z))

        def act_grad(z):
            s = 1 / (1 + np.exp(-z))
            return s * (1 - s)

    def softmax(z):
        e = np.exp(z - z.max())
        return e / e.sum()
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((m, d)).astype(np.float32) * np.float32(np.sqrt(1.0 / d))
          for d, m in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:])]
    bs = [np.zeros((m, 1), np.float32) for m in LAYER_SIZES[1:]]
    lr = np.float32(1e-3)
    eye = np.eye(LAYER_SIZES[-1], dtype=np.float32)
    n = min(n_samples, len(X))
    start = time.perf_counter()
    for i in range(n):
        a = X[i].reshape(-1, 1)                     # (784, 1)
        zs, activations = [], [a]
        for layer, (W, b) in enumerate(zip(Ws, bs)):
            z = W @ a + b                           # (M, 1)
            a = softmax(z) if layer == len(Ws) - 1 else act(z)
            zs.append(z)
            activations.append(a)
        delta = a - eye[:, [y[i]]]                  # (10, 1): softmax + cross-entropy
        for layer in range(len(Ws) - 1, -1, -1):
            dW = delta @ activations[layer].T       # (M, D): outer product with the previous layer
            db = delta
            if layer:
                delta = (Ws[layer].T @ delta) * act_grad(zs[layer - 1])
            Ws[layer] -= lr * dW
            bs[layer] -= lr * db
    return n / (time.perf_counter() - start)


def profile_fit(*, batch_size: int = 128, hidden_activation: str = "relu", n_train: int = 20_000,
                epochs: int = 2, top: int = 15) -> str:
    """Profile ``MLP.fit`` on the benchmark's network with :mod:`cProfile`; return the top functions.

    The network is trained for one warm-up epoch, then ``epochs`` epochs under the profiler (Adam,
    float32, synthetic MNIST-shaped data, as the throughput rows). The report lists the ``top``
    functions by cumulative time (where the time goes, callers included) and by own time (which
    function body spends it: a matrix product, an element-wise pass, Python bookkeeping).

    Parameters
    ----------
    batch_size : int, default 128
    hidden_activation : str, default "relu"
    n_train : int, default 20000
        Training samples per epoch.
    epochs : int, default 2
        Profiled epochs.
    top : int, default 15
        Lines per table.

    Returns
    -------
    str
        The two tables of :mod:`pstats`, with a heading that gives the steps and seconds per step.
    """
    import cProfile  # noqa: PLC0415 - only for --profile
    import io  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    from course_pkg.numpy_nn.network import MLP
    from course_pkg.numpy_nn.optimizers import Adam

    X, y = synthetic_mnist_shaped(n_train)
    mlp = MLP(list(LAYER_SIZES), hidden_activation=hidden_activation, seed=0)
    optimizer = Adam(learning_rate=1e-3)
    mlp.fit(X, y, epochs=1, batch_size=batch_size, optimizer=optimizer, verbose=0, seed=0)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    mlp.fit(X, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer, verbose=0, seed=1)
    profiler.disable()
    seconds = time.perf_counter() - start
    steps = epochs * -(-n_train // batch_size)
    out = io.StringIO()
    out.write(
        f"profile of MLP.fit, {'-'.join(map(str, LAYER_SIZES))} {hidden_activation}, batch {batch_size}, "
        f"{epochs} epoch(s) of {n_train:,} samples: {steps} steps, {seconds / steps * 1e3:.3f} ms per step "
        "(profiler overhead included)\n"
    )
    for order in ("cumulative", "tottime"):
        out.write(f"\n--- top {top} by {order} time ---\n")
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
    return out.getvalue()


def mnist_accuracy_run(*, epochs: int = 12, batch_size: int = 128) -> dict:
    """Train the reference MNIST network with the NumPy MLP; return accuracy and seconds.

    784-256-128-10, ReLU, softmax, Adam(learning_rate=1e-3), 5,000 training images held out for validation.
    """
    from course_pkg.data import load_mnist
    from course_pkg.numpy_nn.network import MLP
    from course_pkg.numpy_nn.optimizers import Adam

    (x_train, y_train), (x_test, y_test) = load_mnist(flatten=True, normalize=True)
    sizes = [784, 256, 128, 10]
    start = time.perf_counter()
    mlp = MLP(sizes, hidden_activation="relu", seed=0)
    history = mlp.fit(x_train[5000:], y_train[5000:], epochs=epochs, batch_size=batch_size,
                      optimizer=Adam(learning_rate=1e-3), validation_data=(x_train[:5000], y_train[:5000]),
                      verbose=0, seed=0)
    seconds = time.perf_counter() - start
    test = mlp.evaluate(x_test, y_test)
    return {"layer_sizes": sizes, "epochs": epochs, "batch_size": batch_size, "seconds": seconds,
            "test_accuracy": float(test["accuracy"]), "val_accuracy": float(history["val_accuracy"][-1])}


def run(*, batch_sizes=(128, 512), activations=("relu", "sigmoid"), n_train: int = 20_000,
        epochs: int = 3, keras: bool = True, mnist: bool = True) -> dict:
    """Run every benchmark and return the figures as a dict (also printed by :func:`main`)."""
    results = {"machine": {"cpus": os.cpu_count(), "numpy": np.__version__}}
    results["import_seconds"] = import_time()
    # course_pkg loads its sub-packages lazily; the NumPy track (with NumPy itself) is the real first cost.
    results["import_numpy_nn_seconds"] = import_time("course_pkg.numpy_nn")
    peak = matmul_flops_per_second()
    results["matmul_gflops"] = peak / 1e9
    with blas_threads(1):
        peak_1 = matmul_flops_per_second()
    results["matmul_gflops_1_thread"] = peak_1 / 1e9
    flops = train_flops_per_sample()
    X, y = synthetic_mnist_shaped(n_train)
    rows = []
    for activation in activations:
        loop = per_sample_loop_throughput(X, y, hidden_activation=activation)
        for batch_size in batch_sizes:
            row = {"activation": activation, "batch_size": batch_size, "per_sample_loop": loop}
            row["numpy_mlp"] = numpy_mlp_throughput(X, y, batch_size=batch_size,
                                                    hidden_activation=activation, epochs=epochs)
            if keras:
                row["keras"] = keras_throughput(X, y, batch_size=batch_size,
                                                hidden_activation=activation, epochs=epochs)
                row["ratio_vs_keras"] = row["numpy_mlp"] / row["keras"]
            row["ratio_vs_loop"] = row["numpy_mlp"] / loop
            row["roofline_fraction"] = row["numpy_mlp"] * flops / peak
            with blas_threads(1):
                row["numpy_mlp_1_thread"] = numpy_mlp_throughput(X, y, batch_size=batch_size,
                                                                 hidden_activation=activation, epochs=epochs)
            row["roofline_fraction_1_thread"] = row["numpy_mlp_1_thread"] * flops / peak_1
            rows.append(row)
    results["throughput"] = rows
    if mnist:
        try:
            results["mnist"] = mnist_accuracy_run()
        except (FileNotFoundError, RuntimeError) as err:
            results["mnist"] = {"skipped": str(err)}
    return results


def format_report(results: dict) -> str:
    """Render :func:`run`'s dict as the table ``make bench`` prints, with the budgets beside it."""
    lines = [
        f"machine: {results['machine']['cpus']} CPUs, NumPy {results['machine']['numpy']}",
        f"import course_pkg: {results['import_seconds']:.3f} s; import course_pkg.numpy_nn (NumPy included): "
        f"{results['import_numpy_nn_seconds']:.3f} s   (budget < 0.3 s)",
        f"BLAS float32 matmul roofline: {results['matmul_gflops']:.1f} GFLOP/s"
        + (f" ({results['matmul_gflops_1_thread']:.1f} with one BLAS thread)"
           if "matmul_gflops_1_thread" in results else "")
        + f"; {train_flops_per_sample():,} FLOPs per training sample",
        "",
        "training throughput, 784-128-64-10 softmax, float32, Adam (samples/s):",
        f"{'hidden':>8} {'batch':>6} {'numpy MLP':>10} {'keras':>9} {'loop':>8} "
        f"{'x keras':>8} {'x loop':>7} {'roofline':>9} {'1 thread':>9} {'roofline':>9}",
    ]
    for row in results["throughput"]:
        keras_col = f"{row['keras']:9.0f}" if "keras" in row else f"{'-':>9}"
        ratio_col = f"{row['ratio_vs_keras']:8.2f}" if "keras" in row else f"{'-':>8}"
        one = "numpy_mlp_1_thread" in row
        one_col = (f"{row['numpy_mlp_1_thread']:9.0f} {row['roofline_fraction_1_thread']:8.0%}" if one
                   else f"{'-':>9} {'-':>8}")
        lines.append(
            f"{row['activation']:>8} {row['batch_size']:>6} {row['numpy_mlp']:10.0f} {keras_col} "
            f"{row['per_sample_loop']:8.0f} {ratio_col} {row['ratio_vs_loop']:7.1f} "
            f"{row['roofline_fraction']:8.0%} {one_col}"
        )
    lines.append("1 thread: the NumPy MLP with BLAS limited to one thread, its roofline that of one thread")
    lines.append("targets: >= 2x keras; >= 20x the loop; >= 30% of the roofline at batch 128, >= 50% at 512")
    mnist = results.get("mnist")
    if mnist:
        lines.append("")
        if "skipped" in mnist:
            lines.append(f"MNIST: skipped ({mnist['skipped']})")
        else:
            lines.append(
                f"MNIST {'-'.join(map(str, mnist['layer_sizes']))}, {mnist['epochs']} epochs, batch "
                f"{mnist['batch_size']}: test accuracy {mnist['test_accuracy']:.2%} in "
                f"{mnist['seconds']:.1f} s   (target >= 97.5 % in < 60 s)"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    """Command-line entry point: ``python -m course_pkg bench [--quick] [--no-keras] [--json FILE] [--profile]``.

    ``--profile`` prints where ``MLP.fit`` spends its time (:func:`profile_fit`, at the batch sizes
    of ``--batch-size``) instead of running the benchmarks.
    """
    parser = argparse.ArgumentParser(prog="python -m course_pkg bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="less data, one epoch, no MNIST run")
    parser.add_argument("--no-keras", action="store_true", help="skip the TensorFlow rows")
    parser.add_argument("--no-mnist", action="store_true", help="skip the MNIST accuracy run")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--profile", action="store_true",
                        help="print the top functions of MLP.fit by cumulative and own time (cProfile) "
                        "instead of the benchmarks")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[128, 512], metavar="B",
                        help="batch sizes of the throughput rows or of the profile (default: 128 512)")
    parser.add_argument("--activation", nargs="+", default=["relu", "sigmoid"], metavar="NAME",
                        help="hidden activations of the throughput rows or of the profile "
                        "(default: relu sigmoid)")
    args = parser.parse_args(argv)
    if args.profile:
        for activation in args.activation:
            for batch_size in args.batch_size:
                print(profile_fit(batch_size=batch_size, hidden_activation=activation,
                                  n_train=4_000 if args.quick else 20_000))
        return 0
    results = run(
        batch_sizes=tuple(args.batch_size),
        activations=tuple(args.activation),
        n_train=4_000 if args.quick else 20_000,
        epochs=1 if args.quick else 3,
        keras=not args.no_keras,
        mnist=not (args.quick or args.no_mnist),
    )
    print(format_report(results))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0
