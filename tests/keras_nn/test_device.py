"""Tests of course_pkg.keras_nn.device: device report, memory growth, mixed precision,
strategy choice, throughput rows, and a real two-worker MultiWorkerMirroredStrategy run.

The decision functions take injected GPU lists and TF_CONFIG values, so every branch is
tested on this CPU-only machine; what needs a GPU is only asserted where one is present.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_pkg.keras_nn import device as D  # noqa: E402

pytestmark = pytest.mark.tf

REPO_ROOT = Path(__file__).resolve().parents[2]
GPUS = tf.config.list_physical_devices("GPU")


def cluster(n_workers, index=0, *, chief=0):
    config = {"cluster": {"worker": [f"127.0.0.1:{2000 + i}" for i in range(n_workers)]}}
    if chief:
        config["cluster"]["chief"] = ["127.0.0.1:1999"]
    config["task"] = {"type": "worker", "index": index}
    return config


# --------------------------------------------------------------------------- choose_strategy


@pytest.mark.parametrize(
    "gpus, tf_config, kind, reason_part",
    [
        ([], None, "default", "no GPU"),
        (["/gpu:0"], None, "default", "one GPU"),
        (["/gpu:0", "/gpu:1"], None, "mirrored", "2 GPUs"),
        ([], cluster(2), "multi_worker", "2 workers"),
        (["/gpu:0", "/gpu:1"], json.dumps(cluster(3, 2)), "multi_worker", "3 workers"),
        ([], cluster(1, chief=1), "multi_worker", "2 workers"),  # the chief is a worker too
        (["/gpu:0", "/gpu:1"], cluster(1), "mirrored", "single worker"),
        ([], "", "default", "no GPU"),
        ([], "{}", "default", "no GPU"),
    ],
)
def test_choose_strategy(gpus, tf_config, kind, reason_part):
    choice = D.choose_strategy(gpus, tf_config)
    assert choice.kind == kind
    assert reason_part in choice.reason
    assert choice.num_gpus == len(gpus)


def test_choose_strategy_counts_workers():
    assert D.choose_strategy([], cluster(4, 3)).num_workers == 4
    assert D.choose_strategy([], None).num_workers == 1


@pytest.mark.parametrize(
    "tf_config, match",
    [
        ('{"cluster": {"worker": ["a:1", "b:2"]}', "JSON"),  # truncated
        ('["a:1", "b:2"]', "JSON object"),
        ({"task": {"type": "worker", "index": 0}}, "'cluster'"),
        ({"cluster": {"worker": "a:1,b:2"}, "task": {"type": "worker", "index": 0}}, "host:port"),
        ({"cluster": {"worker": ["a:1", "b:2"]}}, "task"),
        ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "evaluator", "index": 0}}, "task type"),
        ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}, "between 0 and 1"),
        (
            {"cluster": {"worker": ["a:1"], "ps": ["p:1"]}, "task": {"type": "worker", "index": 0}},
            "ParameterServer",
        ),
    ],
)
def test_choose_strategy_rejects_malformed_tf_config(tf_config, match):
    with pytest.raises(ValueError, match=match) as info:
        D.choose_strategy([], tf_config)
    assert str(info.value).startswith("choose_strategy:")


def test_choose_strategy_rejects_wrong_type():
    with pytest.raises(TypeError, match="JSON string or a dict"):
        D.choose_strategy([], 42)


def test_get_strategy_is_default_without_cluster_or_gpus(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    strategy = D.get_strategy(gpus=[])
    assert strategy is tf.distribute.get_strategy()
    assert strategy.num_replicas_in_sync == 1
    with strategy.scope():  # the book's pattern works unchanged on one CPU
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    assert model.count_params() == 3


def test_get_strategy_reads_tf_config_from_environment(monkeypatch, capsys):
    monkeypatch.setenv("TF_CONFIG", "not json")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        D.get_strategy(gpus=[])
    monkeypatch.setenv("TF_CONFIG", json.dumps(cluster(1)))
    D.get_strategy(gpus=[], verbose=True)
    assert capsys.readouterr().out.startswith("default: TF_CONFIG describes a single worker")


# --------------------------------------------------------------------------- device report


def test_describe_devices_on_this_machine():
    report = D.describe_devices()
    assert report.cpus and all(d.device_type == "CPU" for d in report.cpus)
    assert len(report.gpus) == len(GPUS)
    assert report.tensorflow_version == tf.__version__ and report.keras_version == keras.__version__
    assert report.is_cuda_build == bool(tf.sysconfig.get_build_info().get("is_cuda_build", False))
    if not report.is_cuda_build:
        assert report.cuda_version is None and report.cudnn_version is None
    text = str(report)
    assert text == D.format_device_report(report)
    assert f"TensorFlow {tf.__version__}" in text and report.cpus[0].name in text
    if not GPUS:
        assert "no GPU visible" in text


def test_format_device_report_shows_gpu_details():
    report = D.DeviceReport(
        tensorflow_version="2.21.0",
        keras_version="3.15.1",
        is_cuda_build=True,
        cuda_version="12.5",
        cudnn_version="9",
        devices=[
            D.DeviceInfo("/physical_device:CPU:0", "CPU"),
            D.DeviceInfo("/physical_device:GPU:0", "GPU", "NVIDIA H100", (9, 0), 81559),
        ],
        mixed_precision_policy="mixed_float16",
        cupy_gpu=True,
    )
    text = D.format_device_report(report)
    assert "CUDA build (CUDA 12.5, cuDNN 9)" in text
    assert "GPU: /physical_device:GPU:0 (NVIDIA H100, compute capability 9.0, 79.6 GiB)" in text
    assert "no GPU visible" not in text and "CuPy): available" in text


# --------------------------------------------------------------------------- memory growth


def test_configure_gpus_is_idempotent():
    first = D.configure_gpus()
    second = D.configure_gpus()
    assert second.memory_growth == first.memory_growth
    if GPUS:
        # Earlier tests may have initialised the GPUs: then the change is refused and reported.
        assert len(second.memory_growth) == len(GPUS)
        assert all("already True" in m or "already initialised" in m for m in second.messages)
    else:
        assert first.ok and second.ok
        assert second.messages == ["no GPU visible to TensorFlow; nothing to configure"]
        assert second.memory_growth == {}
    with pytest.raises(TypeError, match="memory_growth"):
        D.configure_gpus("yes")


# --------------------------------------------------------------------------- mixed precision


@pytest.fixture
def restore_policy():
    before = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(before)


@pytest.mark.skipif(bool(GPUS), reason="checks the CPU-only answer")
def test_mixed_precision_auto_is_float32_on_cpu(restore_policy):
    choice = D.use_mixed_precision("auto")
    assert choice.policy == "float32" == str(choice)
    assert "no GPU" in choice.reason
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.parametrize(
    "capabilities, policy, reason_part",
    [
        ([(8, 0)], "mixed_float16", "found 8.0"),
        ([(7, 0), (9, 0)], "mixed_float16", ">= 7.0"),
        ([(6, 1)], "float32", "found 6.1"),
        ([(8, 6), (6, 0)], "float32", "every GPU"),
        ([None], "float32", "unknown"),
        ([], "float32", "no GPU"),
    ],
)
def test_mixed_precision_follows_compute_capability(capabilities, policy, reason_part):
    details = [{"compute_capability": c} if c else {} for c in capabilities]
    choice = D.use_mixed_precision("auto", gpu_details=details, apply=False)
    assert choice.policy == policy
    assert reason_part in choice.reason


def test_mixed_precision_applies_and_can_be_switched_off(restore_policy):
    capable = [{"compute_capability": (8, 0)}]
    assert D.use_mixed_precision(True, gpu_details=capable).policy == "mixed_float16"
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    off = D.use_mixed_precision(False, gpu_details=capable)
    assert off.policy == "float32" and "switched off" in off.reason
    assert keras.mixed_precision.global_policy().name == "float32"


def test_mixed_precision_requested_but_impossible_warns():
    with pytest.warns(UserWarning, match="requested but not used"):
        choice = D.use_mixed_precision(True, gpu_details=[{"compute_capability": (6, 1)}], apply=False)
    assert choice.policy == "float32"


@pytest.mark.parametrize("mode", ["yes", 1, 0, None])
def test_mixed_precision_rejects_unknown_modes(mode):
    with pytest.raises(ValueError, match="'auto', True or False"):
        D.use_mixed_precision(mode, gpu_details=[], apply=False)


# --------------------------------------------------------------------------- throughput


def test_benchmark_fit_throughput_rows(rng):
    X = rng.standard_normal((128, 4)).astype("float32")
    y = X.sum(axis=1)
    builds = []

    def builder():
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
        )
        model.compile(optimizer="sgd", loss="mse")
        builds.append(model)
        return model

    rows = D.benchmark_fit_throughput(builder, X, y, batch_sizes=(16, 64), epochs=2)
    assert [row.batch_size for row in rows] == [16, 64]
    assert len(builds) == 2  # a fresh model per batch size
    for row in rows:
        assert row.seconds > 0
        assert row.samples_per_second == pytest.approx(128 * 2 / row.seconds)
    # Warm-up plus two timed epochs of 128 samples: 3 * 128 / 16 = 24 steps for the first model.
    assert int(builds[0].optimizer.iterations.numpy()) == 24


def test_benchmark_fit_throughput_checks_inputs(rng):
    X = rng.standard_normal((8, 2))
    uncompiled = lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])  # noqa: E731
    with pytest.raises(TypeError, match="compiled"):
        D.benchmark_fit_throughput(uncompiled, X, X[:, 0], batch_sizes=(4,))
    with pytest.raises(ValueError, match="rows"):
        D.benchmark_fit_throughput(uncompiled, X, X[:5, 0], batch_sizes=(4,))
    with pytest.raises(ValueError, match="batch_sizes"):
        D.benchmark_fit_throughput(uncompiled, X, X[:, 0], batch_sizes=(0,))


# --------------------------------------------------------------------------- two real workers


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def worker_command(index, ports, out):
    return [
        sys.executable,
        "-m",
        "course_pkg",
        "multiworker",
        "--worker-index",
        str(index),
        "--ports",
        ",".join(map(str, ports)),
        "--out",
        str(out),
    ]


def test_multiworker_demo_rejects_disagreeing_tf_config(tmp_path):
    env = dict(os.environ, TF_CONFIG=json.dumps(cluster(2, 1)))
    done = subprocess.run(
        worker_command(0, [2000, 2001], tmp_path / "w.npz"),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "disagrees" in done.stdout


def test_two_workers_train_in_lockstep(tmp_path):
    """Two processes on 127.0.0.1 form a MultiWorkerMirroredStrategy cluster.

    Each worker reads different data; identical final weights therefore show that the
    gradients were combined across the workers at every step.
    """
    ports = free_ports(2)
    workers = [f"127.0.0.1:{p}" for p in ports]
    outs = [tmp_path / f"worker{i}.npz" for i in range(2)]
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    processes = []
    try:
        for i in range(2):
            tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
            # CPU only: two processes sharing one GPU would each try to reserve all its memory.
            env = dict(
                os.environ, TF_CONFIG=json.dumps(tf_config), TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES=""
            )
            with open(logs[i], "w") as log:
                processes.append(
                    subprocess.Popen(
                        worker_command(i, ports, outs[i]),
                        cwd=REPO_ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        for process in processes:
            process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(
            "the two workers did not finish within 120 s:\n"
            + "\n".join(log.read_text()[-2000:] for log in logs)
        )
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, log in zip(processes, logs):
        assert process.returncode == 0, log.read_text()[-3000:]

    first, second = (np.load(out) for out in outs)
    assert not np.allclose(first["X"], second["X"])  # each worker read its own data
    n_arrays = sum(key.startswith("final_") for key in first.files)
    assert n_arrays == 4  # kernel and bias of two Dense layers
    for i in range(n_arrays):
        np.testing.assert_array_equal(first[f"final_{i}"], second[f"final_{i}"])
        assert not np.allclose(first[f"final_{i}"], first[f"init_{i}"])  # training moved them
    np.testing.assert_array_equal(first["losses"], second["losses"])
    assert first["losses"][-1] < first["losses"][0]
