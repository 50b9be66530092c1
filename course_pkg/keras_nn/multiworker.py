"""One worker of a two-machine ``MultiWorkerMirroredStrategy`` run, on one machine.

Start one process per worker, each with its own index; they find each other on the
loopback interface, train the same tiny regression MLP in lock-step (gradients are
all-reduced after every batch) and each saves its final weights::

    python -m course_pkg multiworker --worker-index 0 --ports 12345,12346 --out w0.npz &
    python -m course_pkg multiworker --worker-index 1 --ports 12345,12346 --out w1.npz

(``python -m course_pkg.keras_nn.multiworker ...`` runs the same ``main``.)

Both files then hold identical weights: that is what synchronous data parallelism means.
The cluster is read from ``TF_CONFIG`` when it is set (it must agree with the arguments);
otherwise it is built from ``--ports`` on 127.0.0.1. The chapter on GPUs and scale runs this
script, and ``tests/keras_nn/test_device.py`` launches two of them.

Each worker generates its own data (as machines holding different files would), so identical
final weights show that the gradients really were combined. The output ``.npz`` holds
``init_0, init_1, ...`` (weights before training, in ``model.get_weights()`` order),
``final_0, final_1, ...`` (after training), ``losses`` (mean loss per epoch over the global
batches) and ``X`` (this worker's inputs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# TensorFlow's C++ start-up messages are noise here; set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m course_pkg multiworker",
        description="One worker of a two-process MultiWorkerMirroredStrategy demo on 127.0.0.1.",
    )
    parser.add_argument("--worker-index", type=int, required=True, help="this worker's index")
    parser.add_argument(
        "--ports", required=True, help="comma-separated loopback ports, one per worker, e.g. 12345,12346"
    )
    parser.add_argument("--out", required=True, help="where to save the weights (.npz)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs to train (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="seed for data and initial weights")
    return parser.parse_args(argv)


def _cluster_config(worker_index: int, ports: list[int]) -> dict:
    workers = [f"127.0.0.1:{port}" for port in ports]
    return {"cluster": {"worker": workers}, "task": {"type": "worker", "index": worker_index}}


def main(argv=None) -> int:
    """Run one worker with the command-line arguments ``argv`` (default ``sys.argv[1:]``).

    Returns the exit code: 0 after saving the weights, 1 when the strategy does not see every
    worker, 2 for arguments (or a ``TF_CONFIG``) that do not describe this cluster.
    """
    args = _parse_args(argv)
    try:
        ports = [int(p) for p in args.ports.split(",") if p.strip()]
    except ValueError:
        print(f"multiworker: expected --ports as integers like 12345,12346; got {args.ports!r}.")
        return 2
    if len(ports) < 2 or not 0 <= args.worker_index < len(ports):
        print(
            f"multiworker: expected at least 2 ports and 0 <= --worker-index < {len(ports)}; "
            f"got ports {ports} and index {args.worker_index}."
        )
        return 2

    wanted = _cluster_config(args.worker_index, ports)
    if "TF_CONFIG" in os.environ:
        given = json.loads(os.environ["TF_CONFIG"])
        if given != wanted:
            print(f"multiworker: TF_CONFIG {given} disagrees with the arguments {wanted}.")
            return 2
    else:
        os.environ["TF_CONFIG"] = json.dumps(wanted)

    # Imported only now: the strategy must be created before TensorFlow runs any op, and
    # TensorFlow reads TF_CONFIG when the strategy is created.
    import numpy as np
    import keras
    import tensorflow as tf

    from course_pkg.keras_nn.device import get_strategy

    strategy = get_strategy()
    if strategy.num_replicas_in_sync != len(ports):
        print(
            f"multiworker: expected {len(ports)} replicas in sync; got "
            f"{strategy.num_replicas_in_sync} ({type(strategy).__name__})."
        )
        return 1

    # Same seed on every worker, so the initial weights agree; each worker then reads its
    # own data, as machines holding different files would.
    keras.utils.set_random_seed(args.seed)
    true_w = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")  # (D, 1)
    global_batch = 32  # split across the workers: 16 samples per worker per step

    worker_inputs = []

    def make_dataset(input_context):
        # One input pipeline per worker; every worker must yield the same number of batches
        # (here 128 / 16 = 8), or the all-reduce of the last step waits forever.
        rng = np.random.default_rng(args.seed + 1 + input_context.input_pipeline_id)
        X = rng.standard_normal((128, 4)).astype("float32")  # (N, D)
        y = X @ true_w + 0.1 * rng.standard_normal((128, 1)).astype("float32")  # (N, 1)
        worker_inputs.append(X)
        per_worker = input_context.get_per_replica_batch_size(global_batch)
        return tf.data.Dataset.from_tensor_slices((X, y)).batch(per_worker)

    with strategy.scope():
        model = keras.Sequential(
            [keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
        )
        optimizer = keras.optimizers.SGD(learning_rate=0.05)
    init = model.get_weights()

    # A custom loop rather than model.fit: in Keras 3 (checked with 3.15) model.fit fails under
    # MultiWorkerMirroredStrategy while building the model (keras-team/keras#20585).
    def replica_step(x, y_true):
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)  # (n, 1), n = this worker's 16 samples
            per_sample = keras.losses.mean_squared_error(y_true, y_pred)  # (n,)
            # Divide by the GLOBAL batch size: the strategy sums the gradients of all
            # workers, which then equals the gradient of the mean loss over the whole batch.
            loss = tf.nn.compute_average_loss(per_sample, global_batch_size=global_batch)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def train_step(batch):
        per_replica_loss = strategy.run(replica_step, args=batch)
        return strategy.reduce("SUM", per_replica_loss, axis=None)

    distributed = strategy.distribute_datasets_from_function(make_dataset)
    losses = []
    for _ in range(args.epochs):
        total, steps = 0.0, 0
        for batch in distributed:
            total += float(train_step(batch))  # the mean loss over the global batch
            steps += 1
        losses.append(total / steps)
    final = model.get_weights()

    arrays = {f"init_{i}": w for i, w in enumerate(init)}
    arrays.update({f"final_{i}": w for i, w in enumerate(final)})
    arrays["losses"] = np.asarray(losses, dtype="float64")
    arrays["X"] = worker_inputs[0]  # the test checks that the workers read different data
    np.savez(args.out, **arrays)
    print(f"worker {args.worker_index}: saved {len(final)} weight arrays to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
