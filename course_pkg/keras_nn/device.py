"""Which devices TensorFlow sees, and how to use them: memory growth, mixed precision, strategies.

The GPU chapter's tools. Every function works on a CPU-only machine (the course's default)
and says what it decided and why, so the same notebook cell reads sensibly on a laptop, on
a GPU workstation and on a cluster.

- :func:`describe_devices` lists CPUs and GPUs, TensorFlow's build (CUDA or not) and the
  CUDA/cuDNN versions it was built against.
- :func:`configure_gpus` turns on memory growth (TensorFlow otherwise reserves almost all
  GPU memory at start-up).
- :func:`use_mixed_precision` picks ``"mixed_float16"`` only where it pays: GPUs with
  compute capability 7.0 or higher (tensor cores).
- :func:`choose_strategy` (pure, testable) and :func:`get_strategy` pick a
  ``tf.distribute`` strategy from the visible GPUs and ``TF_CONFIG``.
- :func:`benchmark_fit_throughput` measures samples per second for several batch sizes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import keras
import tensorflow as tf

from course_pkg import _checks
from course_pkg.numpy_nn import backend

__all__ = [
    "DeviceInfo",
    "DeviceReport",
    "describe_devices",
    "format_device_report",
    "GpuSetup",
    "configure_gpus",
    "PrecisionChoice",
    "use_mixed_precision",
    "StrategyChoice",
    "parse_tf_config",
    "choose_strategy",
    "get_strategy",
    "ThroughputRow",
    "benchmark_fit_throughput",
    "MIN_MIXED_PRECISION_CAPABILITY",
]

#: Tensor cores arrived with compute capability 7.0 (Volta); older GPUs run float16 no faster.
MIN_MIXED_PRECISION_CAPABILITY = (7, 0)


# --------------------------------------------------------------------------- device report


@dataclass
class DeviceInfo:
    """One physical device as TensorFlow sees it.

    Attributes
    ----------
    name : str
        TensorFlow's name, e.g. ``"/physical_device:GPU:0"``.
    device_type : str
        ``"CPU"`` or ``"GPU"``.
    model : str or None
        The product name reported by the driver (GPUs only), e.g. ``"NVIDIA H100 80GB HBM3"``.
    compute_capability : tuple of int or None
        ``(major, minor)`` for NVIDIA GPUs, e.g. ``(9, 0)``.
    memory_total_mib : int or None
        Total memory in MiB, read from ``nvidia-smi`` when it is installed.
    """

    name: str
    device_type: str
    model: str | None = None
    compute_capability: tuple[int, int] | None = None
    memory_total_mib: int | None = None


@dataclass
class DeviceReport:
    """What :func:`describe_devices` found; ``str(report)`` is a readable summary.

    Attributes
    ----------
    tensorflow_version, keras_version : str
        Installed versions.
    is_cuda_build : bool
        Whether this TensorFlow was built with CUDA (``tensorflow-cpu`` is not).
    cuda_version, cudnn_version : str or None
        The versions a CUDA build was compiled against; ``None`` for CPU builds.
    devices : list of DeviceInfo
        Every physical device, CPUs first.
    mixed_precision_policy : str
        Keras' current global dtype policy, e.g. ``"float32"``.
    cupy_gpu : bool
        Whether the NumPy track can run on a GPU through CuPy.
    """

    tensorflow_version: str
    keras_version: str
    is_cuda_build: bool
    cuda_version: str | None
    cudnn_version: str | None
    devices: list[DeviceInfo] = field(default_factory=list)
    mixed_precision_policy: str = "float32"
    cupy_gpu: bool = False

    @property
    def cpus(self) -> list[DeviceInfo]:
        """The CPU devices."""
        return [d for d in self.devices if d.device_type == "CPU"]

    @property
    def gpus(self) -> list[DeviceInfo]:
        """The GPU devices (empty on a CPU-only machine)."""
        return [d for d in self.devices if d.device_type == "GPU"]

    def __str__(self) -> str:
        return format_device_report(self)


def _nvidia_smi_memory() -> list[int] | None:
    """Total memory per GPU in MiB from ``nvidia-smi``, or None where it is not available."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        return [int(float(line)) for line in out.split() if line.strip()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def describe_devices() -> DeviceReport:
    """List the devices TensorFlow sees and how this TensorFlow was built.

    Reading the report does not initialise the GPUs, so :func:`configure_gpus` still works
    afterwards.

    Returns
    -------
    DeviceReport
        Versions, build information and one :class:`DeviceInfo` per physical device;
        ``print(report)`` shows a readable summary.

    Notes
    -----
    GPU model and compute capability come from ``tf.config.experimental.get_device_details``;
    total memory from ``nvidia-smi`` (TensorFlow itself only reports the memory it has
    allocated, and only after the GPU is initialised).

    Examples
    --------
    >>> report = describe_devices()
    >>> report.cpus[0].device_type
    'CPU'
    """
    build = tf.sysconfig.get_build_info()
    devices = []
    for device in tf.config.list_physical_devices():
        info = DeviceInfo(name=device.name, device_type=device.device_type)
        if device.device_type == "GPU":
            details = tf.config.experimental.get_device_details(device)
            info.model = details.get("device_name")
            capability = details.get("compute_capability")
            info.compute_capability = tuple(capability) if capability else None
        devices.append(info)
    # CPUs first, then GPUs in index order: the order people read.
    devices.sort(key=lambda d: (d.device_type != "CPU", d.name))
    memory = _nvidia_smi_memory()
    gpus = [d for d in devices if d.device_type == "GPU"]
    if memory is not None and len(memory) == len(gpus):
        for info, mib in zip(gpus, memory):
            info.memory_total_mib = mib
    return DeviceReport(
        tensorflow_version=tf.__version__,
        keras_version=keras.__version__,
        is_cuda_build=bool(build.get("is_cuda_build", False)),
        cuda_version=build.get("cuda_version"),
        cudnn_version=build.get("cudnn_version"),
        devices=devices,
        mixed_precision_policy=keras.mixed_precision.global_policy().name,
        cupy_gpu=backend.cupy_available(),
    )


def format_device_report(report: DeviceReport) -> str:
    """Return a few readable lines describing ``report`` (what ``str(report)`` prints).

    Parameters
    ----------
    report : DeviceReport
        The result of :func:`describe_devices`.

    Returns
    -------
    str
        One line for the versions, one per device, and one each for mixed precision and the
        NumPy track's GPU backend.
    """
    if report.is_cuda_build:
        build = f"CUDA build (CUDA {report.cuda_version}, cuDNN {report.cudnn_version})"
    else:
        build = "CPU-only build"
    lines = [f"TensorFlow {report.tensorflow_version} ({build}), Keras {report.keras_version}"]
    for device in report.devices:
        line = f"  {device.device_type}: {device.name}"
        extras = []
        if device.model:
            extras.append(device.model)
        if device.compute_capability:
            extras.append("compute capability {}.{}".format(*device.compute_capability))
        if device.memory_total_mib is not None:
            extras.append(f"{device.memory_total_mib / 1024:.1f} GiB")
        if extras:
            line += " (" + ", ".join(extras) + ")"
        lines.append(line)
    if not report.gpus:
        lines.append("  no GPU visible to TensorFlow: training runs on the CPU")
    lines.append(f"Keras dtype policy: {report.mixed_precision_policy}")
    lines.append("NumPy track on the GPU (CuPy): " + ("available" if report.cupy_gpu else "not available"))
    return "\n".join(lines)


# --------------------------------------------------------------------------- memory growth


@dataclass
class GpuSetup:
    """What :func:`configure_gpus` did.

    Attributes
    ----------
    memory_growth : dict of str to bool
        Each GPU's memory-growth setting after the call.
    messages : list of str
        One line per GPU (or one saying there is none), including any change that was
        refused because the GPUs were already initialised.
    """

    memory_growth: dict[str, bool] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every GPU ended with the requested setting (trivially on CPU)."""
        return not any(m.startswith("could not") for m in self.messages)


def configure_gpus(memory_growth: bool = True) -> GpuSetup:
    """Turn GPU memory growth on (or off) for every visible GPU.

    By default TensorFlow reserves almost all of each GPU's memory when it first uses it,
    which starves any other process (a second notebook, CuPy). With memory growth it
    allocates as it needs. Calling this twice is harmless.

    Parameters
    ----------
    memory_growth : bool, default True
        The setting to apply.

    Returns
    -------
    GpuSetup
        The setting of each GPU and a message per GPU. A change TensorFlow refuses because
        the GPUs were already initialised is reported, not raised.

    Notes
    -----
    Call it first, before building any model or tensor: TensorFlow fixes the setting when
    it initialises the GPUs. If the report says it could not, restart the kernel and call
    it first. On a CPU-only machine it does nothing and says so.

    Examples
    --------
    >>> setup = configure_gpus()
    >>> setup.ok
    True
    """
    if not isinstance(memory_growth, bool):
        raise TypeError(f"configure_gpus: expected memory_growth as True or False; got {memory_growth!r}.")
    setup = GpuSetup()
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        setup.messages.append("no GPU visible to TensorFlow; nothing to configure")
        return setup
    for gpu in gpus:
        current = tf.config.experimental.get_memory_growth(gpu)
        if current == memory_growth:
            setup.messages.append(f"{gpu.name}: memory growth already {memory_growth}")
        else:
            try:
                tf.config.experimental.set_memory_growth(gpu, memory_growth)
                setup.messages.append(f"{gpu.name}: memory growth set to {memory_growth}")
            except RuntimeError as err:
                setup.messages.append(
                    f"could not set memory growth on {gpu.name} ({err}): the GPUs were already "
                    "initialised. Restart the kernel and call configure_gpus() before creating "
                    "any model or tensor."
                )
        setup.memory_growth[gpu.name] = bool(tf.config.experimental.get_memory_growth(gpu))
    return setup


# --------------------------------------------------------------------------- mixed precision


@dataclass(frozen=True)
class PrecisionChoice:
    """The dtype policy :func:`use_mixed_precision` chose, and why.

    Attributes
    ----------
    policy : str
        ``"mixed_float16"`` or ``"float32"``; ``str(choice)`` is this name.
    reason : str
        One sentence saying why.
    """

    policy: str
    reason: str

    def __str__(self) -> str:
        return self.policy


def _capabilities(gpu_details: Sequence[dict]) -> list[tuple[int, int] | None]:
    out = []
    for details in gpu_details:
        capability = details.get("compute_capability") if isinstance(details, dict) else None
        out.append(tuple(capability) if capability else None)
    return out


def use_mixed_precision(
    mode: str | bool = "auto", *, gpu_details=None, apply: bool = True
) -> PrecisionChoice:
    """Choose (and by default set) Keras' global dtype policy: mixed float16 or float32.

    Mixed precision computes in float16 and keeps the weights in float32. It roughly
    doubles throughput on GPUs with tensor cores (compute capability 7.0 and higher) and
    gains nothing, or slows training, elsewhere, so the choice depends on the hardware.

    Parameters
    ----------
    mode : {"auto", True, False}, default "auto"
        ``"auto"``: mixed float16 when every visible GPU has compute capability >= 7.0,
        float32 otherwise (and always on CPU). ``True``: the same rule, but warn when it
        cannot be honoured. ``False``: float32.
    gpu_details : list of dict, optional
        One dict per GPU with a ``"compute_capability"`` entry ``(major, minor)``, as
        ``tf.config.experimental.get_device_details`` returns. Defaults to the GPUs
        TensorFlow sees; pass a list to ask "what would it choose on that machine?".
    apply : bool, default True
        Set the policy with ``keras.mixed_precision.set_global_policy``. Layers created
        afterwards use it.

    Returns
    -------
    PrecisionChoice
        ``.policy`` (the name) and ``.reason``.

    Raises
    ------
    ValueError
        If ``mode`` is not ``"auto"``, True or False.

    Notes
    -----
    With ``"mixed_float16"`` keep the output layer in float32 (``dtype="float32"`` on the
    last ``Dense`` or a final ``Activation``) so that softmax and the loss stay accurate;
    ``model.fit`` applies loss scaling automatically.

    Examples
    --------
    >>> use_mixed_precision("auto", gpu_details=[{"compute_capability": (8, 0)}], apply=False).policy
    'mixed_float16'
    >>> use_mixed_precision("auto", gpu_details=[], apply=False).policy
    'float32'
    """
    # Identity checks: 1 == True, and a stray 1 or 0 should not pass as a mode.
    if not (mode is True or mode is False or (isinstance(mode, str) and mode == "auto")):
        raise ValueError(f"use_mixed_precision: expected mode to be 'auto', True or False; got {mode!r}.")
    if gpu_details is None:
        gpu_details = [
            tf.config.experimental.get_device_details(gpu) for gpu in tf.config.list_physical_devices("GPU")
        ]
    capabilities = _capabilities(gpu_details)
    wanted = "{}.{}".format(*MIN_MIXED_PRECISION_CAPABILITY)

    if mode is False:
        choice = PrecisionChoice("float32", "mixed precision was switched off (mode=False)")
    elif not capabilities:
        choice = PrecisionChoice(
            "float32", "no GPU visible: mixed float16 only pays on GPUs with tensor cores"
        )
    elif all(c is not None and c >= MIN_MIXED_PRECISION_CAPABILITY for c in capabilities):
        shown = ", ".join("{}.{}".format(*c) for c in capabilities)
        choice = PrecisionChoice(
            "mixed_float16", f"every GPU has compute capability >= {wanted} (found {shown})"
        )
    else:
        shown = ", ".join("unknown" if c is None else "{}.{}".format(*c) for c in capabilities)
        choice = PrecisionChoice(
            "float32",
            f"mixed float16 needs compute capability >= {wanted} on every GPU; found {shown}",
        )
    if mode is True and choice.policy != "mixed_float16":
        warnings.warn(
            f"use_mixed_precision: mixed precision requested but not used: {choice.reason}.", stacklevel=2
        )
    if apply:
        keras.mixed_precision.set_global_policy(choice.policy)
    return choice


# --------------------------------------------------------------------------- strategies


@dataclass(frozen=True)
class StrategyChoice:
    """Which ``tf.distribute`` strategy fits, and why (the result of :func:`choose_strategy`).

    Attributes
    ----------
    kind : {"multi_worker", "mirrored", "default"}
        ``MultiWorkerMirroredStrategy``, ``MirroredStrategy`` or the default strategy.
    reason : str
        One sentence saying why.
    num_workers : int
        Machines (processes) in the cluster; 1 without a cluster.
    num_gpus : int
        GPUs visible on this machine.
    """

    kind: str
    reason: str
    num_workers: int = 1
    num_gpus: int = 0


_TF_CONFIG_EXAMPLE = (
    '{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 0}}'
)


def parse_tf_config(tf_config: str | dict | None, *, where: str = "parse_tf_config") -> dict | None:
    """Read and check a ``TF_CONFIG`` value (JSON text or a dict).

    Parameters
    ----------
    tf_config : str, dict or None
        The variable's value. ``None`` or an empty string means "no cluster".
    where : str, default "parse_tf_config"
        The public function to name in error messages.

    Returns
    -------
    dict or None
        The configuration with ``"cluster"`` and ``"task"``; None without a cluster.

    Raises
    ------
    ValueError
        If the text is not JSON, or the cluster or task is malformed (no ``"cluster"``
        mapping of job names to ``"host:port"`` lists, or a task whose type or index is not
        in the cluster).
    TypeError
        If ``tf_config`` is neither text, a dict nor None.

    Examples
    --------
    >>> text = '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}'
    >>> parse_tf_config(text)["task"]
    {'type': 'worker', 'index': 1}
    """
    if tf_config is None:
        return None
    if isinstance(tf_config, str):
        if not tf_config.strip():
            return None
        try:
            config = json.loads(tf_config)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"{where}: expected TF_CONFIG as JSON like {_TF_CONFIG_EXAMPLE}; "
                f"got {tf_config[:80]!r} ({err.msg} at character {err.pos})."
            ) from None
    elif isinstance(tf_config, dict):
        config = tf_config
    else:
        raise TypeError(
            f"{where}: expected TF_CONFIG as a JSON string or a dict; got {type(tf_config).__name__}."
        )
    if not isinstance(config, dict):
        raise ValueError(f"{where}: expected TF_CONFIG to be a JSON object; got {config!r}.")
    if not config:
        return None
    cluster = config.get("cluster")
    if not isinstance(cluster, dict) or not cluster:
        raise ValueError(
            f"{where}: expected TF_CONFIG with a 'cluster' mapping job names to address lists; "
            f"got {config!r}. Example: {_TF_CONFIG_EXAMPLE}"
        )
    for job, addresses in cluster.items():
        if (
            not isinstance(addresses, list)
            or not addresses
            or not all(isinstance(a, str) and ":" in a for a in addresses)
        ):
            raise ValueError(
                f"{where}: expected cluster[{job!r}] to be a list of 'host:port' strings; got {addresses!r}."
            )
    task = config.get("task")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ValueError(
            f"{where}: expected TF_CONFIG['task'] as {{'type': ..., 'index': ...}} naming this "
            f"process; got {task!r}."
        )
    task_type, index = task["type"], task["index"]
    if task_type not in cluster:
        raise ValueError(
            f"{where}: expected task type to be one of the cluster's jobs {sorted(cluster)}; "
            f"got {task_type!r}."
        )
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(cluster[task_type]):
        raise ValueError(
            f"{where}: expected task index between 0 and {len(cluster[task_type]) - 1} "
            f"(the {task_type!r} job has {len(cluster[task_type])} address(es)); got {index!r}."
        )
    return config


def choose_strategy(gpus: Sequence[Any], tf_config: str | dict | None) -> StrategyChoice:
    """Decide which ``tf.distribute`` strategy suits this machine and cluster.

    A pure function (it inspects nothing) so that the rule can be tested and shown for any
    machine: :func:`get_strategy` calls it with the real GPUs and ``TF_CONFIG``.

    Parameters
    ----------
    gpus : list
        The GPUs visible on this machine (``tf.config.list_physical_devices("GPU")`` or
        just their names); only the count matters.
    tf_config : str, dict or None
        The ``TF_CONFIG`` value (JSON text or a dict), or None when it is not set.

    Returns
    -------
    StrategyChoice
        ``kind`` is ``"multi_worker"`` when the cluster has at least two workers (the
        ``chief`` counts as one), ``"mirrored"`` with several GPUs on one machine, and
        ``"default"`` otherwise; ``reason`` says which rule applied.

    Raises
    ------
    ValueError
        If ``tf_config`` is malformed (see :func:`parse_tf_config`), or describes
        parameter servers (``"ps"`` jobs), which these strategies do not use.

    Examples
    --------
    >>> choose_strategy([], None).kind
    'default'
    >>> choose_strategy(["/gpu:0", "/gpu:1"], None).kind
    'mirrored'
    >>> cfg = {"cluster": {"worker": ["h0:1", "h1:1"]}, "task": {"type": "worker", "index": 0}}
    >>> choose_strategy([], cfg).kind
    'multi_worker'
    """
    config = parse_tf_config(tf_config, where="choose_strategy")
    num_gpus = len(gpus)
    num_workers = 1
    if config is not None:
        cluster = config["cluster"]
        if "ps" in cluster:
            raise ValueError(
                "choose_strategy: expected a cluster of 'worker' (and optionally 'chief') jobs; got "
                f"parameter servers {cluster['ps']!r}. Use tf.distribute.ParameterServerStrategy for those."
            )
        num_workers = len(cluster.get("worker", [])) + len(cluster.get("chief", []))
        if num_workers >= 2:
            return StrategyChoice(
                "multi_worker",
                f"TF_CONFIG describes a cluster of {num_workers} workers: synchronous training "
                "across machines with MultiWorkerMirroredStrategy",
                num_workers=num_workers,
                num_gpus=num_gpus,
            )
    single = "TF_CONFIG describes a single worker; " if config is not None else ""
    if num_gpus >= 2:
        return StrategyChoice(
            "mirrored",
            f"{single}{num_gpus} GPUs on this machine: one model replica per GPU with MirroredStrategy",
            num_workers=num_workers,
            num_gpus=num_gpus,
        )
    device = "one GPU" if num_gpus == 1 else "no GPU"
    return StrategyChoice(
        "default",
        f"{single}{device} and no multi-worker cluster: the default strategy (no distribution) is enough",
        num_workers=num_workers,
        num_gpus=num_gpus,
    )


def get_strategy(
    tf_config: str | dict | None = None, gpus: Sequence[Any] | None = None, *, verbose: bool = False
):
    """Return the ``tf.distribute`` strategy :func:`choose_strategy` picks for this machine.

    Build and compile the model inside ``with strategy.scope():``; ``model.fit`` then
    splits each batch across the replicas and averages the gradients.

    Parameters
    ----------
    tf_config : str or dict, optional
        The cluster description. Defaults to the ``TF_CONFIG`` environment variable.
    gpus : list, optional
        GPUs to use. Defaults to ``tf.config.list_physical_devices("GPU")``; a list of
        device names such as ``["/gpu:0", "/gpu:1"]`` restricts ``MirroredStrategy`` to them.
    verbose : bool, default False
        Print the choice and its reason.

    Returns
    -------
    tf.distribute.Strategy
        ``MultiWorkerMirroredStrategy``, ``MirroredStrategy`` or the default strategy.

    Raises
    ------
    ValueError
        If ``tf_config`` is malformed.

    Notes
    -----
    ``MultiWorkerMirroredStrategy`` must be created before TensorFlow runs any operation,
    and it blocks until every worker of the cluster has started: call this at the top of
    each worker's script (see ``course_pkg.keras_nn.multiworker``).

    Keras 3 (checked with 3.15 on TensorFlow 2.21) cannot run ``model.fit`` under
    ``MultiWorkerMirroredStrategy``: it fails while building the model
    (keras-team/keras#20585). Train multi-worker models with a custom loop
    (``strategy.run`` on a ``tf.function`` step), as the demo script does.
    ``MirroredStrategy`` and the default strategy work with ``model.fit``.

    Examples
    --------
    >>> get_strategy(tf_config=None, gpus=[]).num_replicas_in_sync
    1
    """
    from_environment = tf_config is None
    if from_environment:
        tf_config = os.environ.get("TF_CONFIG")
    if gpus is None:
        gpus = tf.config.list_physical_devices("GPU")
    choice = choose_strategy(gpus, tf_config)
    if verbose:
        print(f"{choice.kind}: {choice.reason}")
    if choice.kind == "multi_worker":
        if from_environment:
            return tf.distribute.MultiWorkerMirroredStrategy()
        config = parse_tf_config(tf_config)
        resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec(config["cluster"]),
            task_type=config["task"]["type"],
            task_id=config["task"]["index"],
            rpc_layer="grpc",
        )
        return tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    if choice.kind == "mirrored":
        names = [g for g in gpus if isinstance(g, str)]
        return tf.distribute.MirroredStrategy(devices=names or None)
    return tf.distribute.get_strategy()


# --------------------------------------------------------------------------- throughput


@dataclass(frozen=True)
class ThroughputRow:
    """One measurement of :func:`benchmark_fit_throughput`.

    Attributes
    ----------
    batch_size : int
        The batch size trained with.
    samples_per_second : float
        Training samples processed per second (after a warm-up epoch).
    seconds : float
        Wall-clock time of the timed epochs.
    """

    batch_size: int
    samples_per_second: float
    seconds: float


def benchmark_fit_throughput(
    model_builder: Callable[[], keras.Model],
    X,
    y,
    batch_sizes: Sequence[int] = (32, 128, 512),
    *,
    epochs: int = 1,
    warmup_epochs: int = 1,
) -> list[ThroughputRow]:
    """Measure training throughput (samples per second) for several batch sizes.

    Each batch size gets a fresh model from ``model_builder``, an untimed warm-up epoch
    (which traces and compiles the training step) and ``epochs`` timed epochs.

    Parameters
    ----------
    model_builder : callable
        Called with no arguments; returns a compiled Keras model.
    X : ndarray of shape (N, D)
        Training inputs.
    y : ndarray of shape (N,) or (N, C)
        Training targets.
    batch_sizes : sequence of int, default (32, 128, 512)
        The batch sizes to compare.
    epochs : int, default 1
        Timed epochs per batch size.
    warmup_epochs : int, default 1
        Untimed epochs before timing.

    Returns
    -------
    list of ThroughputRow
        One row per batch size, in the order given (``pandas.DataFrame(rows)`` tabulates them).

    Raises
    ------
    ValueError
        If ``X`` and ``y`` have different numbers of rows, or a batch size or epoch count
        is not a positive integer.
    TypeError
        If ``model_builder`` does not return a compiled Keras model.

    Notes
    -----
    Larger batches amortise the fixed cost of each step (Python, kernel launches, on a GPU
    the host-device copy), so throughput rises with batch size until the device is busy.
    For a tiny MLP that overhead dominates and a GPU may be no faster than the CPU; the
    chapter measures both. Timings depend on everything else the machine is doing: they are
    for comparison within one run, never for tests.
    """
    where = "benchmark_fit_throughput"
    X = _checks.check_array(X, where=where, name="X", ndim=2)
    y = _checks.check_array(y, where=where, name="y")
    _checks.check_same_rows(X, y, where=where)
    epochs = _checks.check_int(epochs, where=where, name="epochs")
    warmup_epochs = _checks.check_int(warmup_epochs, where=where, name="warmup_epochs", minimum=0)
    sizes = [_checks.check_int(b, where=where, name="batch_sizes[i]") for b in batch_sizes]
    rows = []
    for batch_size in sizes:
        model = model_builder()
        if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
            raise TypeError(
                f"{where}: expected model_builder() to return a compiled keras.Model; got "
                f"{type(model).__name__}{' (not compiled)' if isinstance(model, keras.Model) else ''}. "
                "Call model.compile(...) inside the builder."
            )
        if warmup_epochs:
            model.fit(X, y, batch_size=batch_size, epochs=warmup_epochs, verbose=0)
        start = time.perf_counter()
        model.fit(X, y, batch_size=batch_size, epochs=epochs, verbose=0)
        seconds = time.perf_counter() - start
        rows.append(ThroughputRow(batch_size, X.shape[0] * epochs / seconds, seconds))
    return rows
