"""Run a command on a learner's behalf inside a bubblewrap (``bwrap``) sandbox.

What the sandbox gives the command, and why:

* **No network**: a fresh network namespace with no interfaces up, so a
  submission can neither fetch answers nor send anything out.
* **Its own pid namespace**: the command is process 1's child there, and when it
  ends (or the grader kills it) the kernel kills every process it started,
  detached ones (``setsid``, double forks) included.
* **An unprivileged uid** (65534 by default): when the grader runs as root,
  bwrap keeps root only to build the sandbox and ``setpriv`` drops to that uid
  with no capabilities before anything else runs, because the kernel never
  applies the process limit to root. Run as an ordinary user, bwrap maps the
  user's own uid in a user namespace instead.
* **A read-only view of only what Python needs**: ``/usr``, the Python
  installation, the virtual environment, and the two packages the host needs
  (``course_pkg`` and ``course_grader``), bound at their own paths. The course
  folder, the gradebook, ``source/``, other submissions and the instructor
  secret are simply not there.
* **The reference implementations replaced**: ``course_pkg/numpy_nn`` and
  ``course_pkg/keras_nn`` are covered by stub packages that raise an
  ``ImportError`` explaining that the reference is not available while a
  notebook is graded (the judge runs the reference outside).
* **One writable place**: the scratch folder (``/scratch``; ``/tmp`` and
  ``$HOME`` live inside it), watched from outside for its size.
* **Limits** (``prlimit``, set before Python starts): address space, number of
  processes and threads, file size, open files, CPU time, no core dumps; from
  outside: wall clock, a stall watchdog (see :class:`Limits`), the size of the
  scratch folder, and how much of the command's own output is kept.

Where bubblewrap cannot run (macOS, Windows, kernels without user namespaces),
:func:`check` raises :class:`SandboxUnavailable` saying how to install it.
``practice=True`` runs the command without a sandbox (same limits where they
apply; the learner's code then runs with your permissions): for trying the
pipeline out, never for marks that count.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "SandboxUnavailable",
    "Limits",
    "Outcome",
    "SCRATCH",
    "UID",
    "check",
    "make_scratch",
    "run",
    "python_command",
    "read_small",
    "INSTALL_HELP",
    "slot_uid",
]

GiB = 2**30
MiB = 2**20

# The scratch folder's path inside the sandbox; argv items equal to it are rewritten in practice mode.
SCRATCH = "/scratch"
# The learner's uid when grading as root ("nobody" on Debian); as an ordinary user, the user's own uid.
UID = 65534


def slot_uid(slot: int) -> int:
    """The learner's uid for parallel slot ``slot`` (``grade --jobs``) when grading as root.

    Slot 0 is :data:`UID`; the others get uids far above any account's, so that
    two sandboxes running at once never share a uid, and with it the process
    limit (``RLIMIT_NPROC`` counts every process of a uid). As an ordinary
    user every sandbox runs as that user in its own user namespace, and the
    slots share the user's process limit.
    """
    if not isinstance(slot, int) or slot < 0:
        raise ValueError(f"slot_uid: expected a slot number >= 0; got {slot!r}. Number slots 0, 1, 2, ...")
    return UID if slot == 0 else 2_000_000_000 + slot

INSTALL_HELP = (
    "Grading runs every submission inside a bubblewrap sandbox. Install it with "
    "`sudo apt-get install bubblewrap` (Debian, Ubuntu; `make sandbox` does this when run as root), "
    "`sudo dnf install bubblewrap` (Fedora) or your distribution's package, on a Linux machine whose "
    "kernel allows user namespaces or as root. macOS and Windows cannot run it: grade in a Linux VM "
    "or container. To try the pipeline without a sandbox anyway, pass --practice: learners' code "
    "then runs with your own permissions and every row of the grades CSV says `unsandboxed`."
)

_STUB = '''"""Stand-in for the course's reference implementation while a notebook is graded."""
raise ImportError(
    "{name} is not available while your notebook is graded: the grader compares your code with it "
    "outside your notebook. Write the computation yourself instead of importing it."
)
'''


_STUB_PACKAGE = '''"""Stand-in for the course's reference package while a notebook is graded."""


def __getattr__(attribute):
    if attribute.startswith("__"):
        raise AttributeError(attribute)
    raise ImportError(
        "{name} is not available while your notebook is graded: the grader compares your code with it "
        "outside your notebook. Write the computation yourself instead of importing it."
    )
'''


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox on this machine; the message says what to do."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run.

    Parameters
    ----------
    memory_bytes : int, default 4 GiB
        Address space of each process (``RLIMIT_AS``). TensorFlow reserves
        several GiB of address space it never touches; a Keras assignment
        needs more (see the judge's defaults).
    processes : int, default 64
        Processes and threads of the sandbox's uid (``RLIMIT_NPROC``).
    file_bytes : int, default 64 MiB
        Largest file the command may write (``RLIMIT_FSIZE``).
    open_files : int, default 256
    cpu_seconds : int, default 600
        CPU time of each process (``RLIMIT_CPU``).
    wall_seconds : float, default 600
        Wall clock for the whole run.
    stall_seconds : float or None, default None
        Kill the run when ``progress_file`` has not changed for this long (a
        cell that ignores its interruption).
    output_bytes : int, default 256 KiB
        How much of the command's own stdout/stderr is kept (the rest is
        counted and dropped).
    scratch_bytes : int, default 512 MiB
        Largest total size of the scratch folder.
    scratch_files : int, default 20000
        Most files and folders in the scratch folder.
    """

    memory_bytes: int = 4 * GiB
    processes: int = 64
    file_bytes: int = 64 * MiB
    open_files: int = 256
    cpu_seconds: int = 600
    wall_seconds: float = 600
    stall_seconds: float | None = None
    output_bytes: int = 256 * 1024
    scratch_bytes: int = 512 * MiB
    scratch_files: int = 20_000


@dataclass
class Outcome:
    """How a sandboxed run ended.

    Attributes
    ----------
    returncode : int
        The command's exit status (negative: killed by that signal).
    killed : str or None
        Why the grader stopped it ("the wall-clock limit of 20 s", ...), or None.
    output : str
        The first ``Limits.output_bytes`` of its stdout and stderr.
    output_bytes : int
        How many bytes of output it produced in all.
    seconds : float
        Wall-clock time, start of bwrap to its exit.
    sandboxed : bool
        False in practice mode.
    """

    returncode: int
    killed: str | None
    output: str
    output_bytes: int
    seconds: float
    sandboxed: bool = True
    command: list = field(default_factory=list, repr=False)


# --------------------------------------------------------------------------- availability


_CHECKED: dict[str, str | None] = {}


def find_bwrap() -> str | None:
    """Path of the ``bwrap`` program on PATH, or None."""
    return shutil.which("bwrap")


def check() -> str:
    """Return the path of a working ``bwrap``; raise :class:`SandboxUnavailable` otherwise.

    Tries a trivial command with the namespaces grading uses, once per
    process and PATH.
    """
    key = os.environ.get("PATH", "")
    if key in _CHECKED and _CHECKED[key]:
        return _CHECKED[key]
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) was not found on PATH. {INSTALL_HELP}")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        raise SandboxUnavailable("setpriv (util-linux) was not found on PATH; the sandbox needs it to drop root.")
    probe = subprocess.run(
        [bwrap, *_namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "true"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60,
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot create a sandbox here: {probe.stdout.strip()[:300]}. "
            "The kernel may forbid user namespaces (on Debian: sysctl kernel.unprivileged_userns_clone=1; "
            "on Ubuntu 24.04: an AppArmor profile for bwrap, or sysctl "
            "kernel.apparmor_restrict_unprivileged_userns=0), or grade as root. " + INSTALL_HELP
        )
    _CHECKED[key] = bwrap
    return bwrap


def _namespace_args(uid: int = UID) -> list[str]:
    common = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
              "--die-with-parent", "--new-session", "--hostname", "grading"]
    if os.geteuid() == 0:
        # Root builds the sandbox without a user namespace (that would map the uid back to root, whom
        # the kernel exempts from the process limit); setpriv drops to `uid` inside, with no capabilities
        # left (bwrap keeps DAC_OVERRIDE only to enter the scratch folder, which belongs to `uid`).
        return common + ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                         "--cap-add", "CAP_DAC_OVERRIDE", "--cap-add", "CAP_SETPCAP"]
    return common + ["--unshare-user", "--uid", str(uid), "--gid", str(uid)]


# --------------------------------------------------------------------------- the scratch folder


def make_scratch(parent=None, *, uid: int = UID) -> Path:
    """Create an empty scratch folder (``work/``, ``home/``, ``tmp/``, ``shm/``, ``grader/``) for one run.

    Run as root, the folder is handed to ``uid`` (the sandbox's user) and
    its parent made traversable; otherwise it belongs to the current user.
    """
    base = Path(tempfile.mkdtemp(prefix="course-grader-", dir=parent))
    scratch = base / "scratch"
    for sub in ("work", "home", "tmp", "shm", "grader"):
        (scratch / sub).mkdir(parents=True)
    if os.geteuid() == 0:
        os.chmod(base, 0o711)
        for path in [scratch, *scratch.iterdir()]:
            os.chown(path, uid, uid)
            os.chmod(path, 0o700)
    return scratch


def python_command(module: str, *args: str) -> list[str]:
    """``python -I -m <module> <args>`` with this interpreter (isolated: no cwd or PYTHON* variables)."""
    return [sys.executable, "-I", "-m", module, *args]


# --------------------------------------------------------------------------- running


def run(argv: list[str], scratch, *, limits: Limits = Limits(), env: dict | None = None,
        practice: bool = False, hide_reference: bool = True, importable: tuple = (), read_only: tuple = (),
        progress_file: str | None = None, uid: int = UID) -> Outcome:
    """Run ``argv`` in a sandbox whose only writable folder is ``scratch``.

    Parameters
    ----------
    argv : list of str
        The command; an item equal to :data:`SCRATCH` (or starting with it)
        names the scratch folder.
    scratch : path
        From :func:`make_scratch`; seen as ``/scratch`` inside, the command's
        working folder is ``/scratch/work``.
    limits : Limits
    env : dict, optional
        Extra environment variables (the environment starts empty).
    practice : bool, default False
        Run without a sandbox (no isolation; the limits still apply except the
        process count, which would count all your own processes).
    hide_reference : bool, default True
        Replace ``course_pkg.numpy_nn`` and ``course_pkg.keras_nn`` by stubs.
    importable : tuple of str, default ()
        Modules of those packages that stay importable all the same (the
        judge passes :data:`course_pkg.checks.SANDBOX_IMPORTABLE`).
    read_only : tuple of paths
        Further folders to show read-only (a data folder).
    progress_file : str, optional
        Path inside ``scratch`` watched for :attr:`Limits.stall_seconds`.
    uid : int, default 65534

    Returns
    -------
    Outcome

    Raises
    ------
    SandboxUnavailable
        If ``practice`` is False and bubblewrap cannot run.
    """
    scratch = Path(scratch)
    environment = _environment(scratch, practice, env)
    _seed_matplotlib_cache(scratch / "home" / ".matplotlib")
    with tempfile.TemporaryDirectory(prefix="course-grader-stubs-") as stubs:
        if practice:
            command, cwd = _rewrite(argv, str(scratch)), scratch / "work"
        else:
            bwrap = check()
            os.chmod(stubs, 0o755)
            command = [bwrap, *_namespace_args(uid),
                       *_binds(scratch, Path(stubs), hide_reference, importable, read_only, uid),
                       "--chdir", f"{SCRATCH}/work", "--"]
            if os.geteuid() == 0:
                command += [shutil.which("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                            "--inh-caps=-all", "--bounding-set=-all", "--"]
            command += [*_prlimit(limits, processes=True), "--", *argv]
            cwd = None
        return _supervise(command, cwd, environment, limits, scratch, progress_file, sandboxed=not practice,
                          preexec=(lambda: _set_limits(limits)) if practice else None)


_MPL_CACHE: list[Path] = []
_MPL_LOCK = threading.Lock()


def _seed_matplotlib_cache(target: Path) -> None:
    """Give the run a copy of matplotlib's font list, built once per process in the user's cache folder.

    Without it, every sandbox starts with an empty home and matplotlib spends seconds
    rebuilding its font list at the first ``import matplotlib.pyplot``.
    """
    import importlib.util

    try:
        with _MPL_LOCK:  # parallel slots (grade --jobs) build the cache once, not at the same time
            if not _MPL_CACHE:
                if importlib.util.find_spec("matplotlib") is None:
                    return
                cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course-grader" / "matplotlib"
                cache.mkdir(parents=True, exist_ok=True)
                if not list(cache.glob("fontlist-*.json")):
                    subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                                   env={**os.environ, "MPLCONFIGDIR": str(cache)}, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=300, check=False)
                _MPL_CACHE.append(cache)
        target.mkdir(parents=True, exist_ok=True)
        for path in _MPL_CACHE[0].glob("fontlist-*.json"):
            shutil.copyfile(path, target / path.name)
        if os.geteuid() == 0:
            for path in [target, *target.iterdir()]:
                os.chown(path, target.parent.stat().st_uid, target.parent.stat().st_gid)
    except (OSError, subprocess.SubprocessError):
        pass  # only a speed-up: matplotlib then builds its font list itself


def _rewrite(argv: list[str], scratch: str) -> list[str]:
    return [scratch + a[len(SCRATCH):] if a == SCRATCH or a.startswith(SCRATCH + "/") else a for a in argv]


def _environment(scratch: Path, practice: bool, extra: dict | None) -> dict:
    root = str(scratch) if practice else SCRATCH
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": f"{root}/home",
        "TMPDIR": f"{root}/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{root}/home/.matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # One thread per BLAS call: the process limit counts threads, and a grading box's many
        # cores would otherwise make NumPy start one thread per core.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def _prlimit(limits: Limits, *, processes: bool) -> list[str]:
    prlimit = shutil.which("prlimit") or "prlimit"
    args = [prlimit, f"--as={limits.memory_bytes}", f"--fsize={limits.file_bytes}",
            f"--nofile={limits.open_files}", f"--cpu={limits.cpu_seconds}", "--core=0"]
    if processes:
        args.append(f"--nproc={limits.processes}")
    return args


def _set_limits(limits: Limits) -> None:
    """Practice mode's limits, set in the child before it runs the command (not the process count)."""
    import resource

    for name, value in (("RLIMIT_AS", limits.memory_bytes), ("RLIMIT_FSIZE", limits.file_bytes),
                        ("RLIMIT_NOFILE", limits.open_files), ("RLIMIT_CPU", limits.cpu_seconds),
                        ("RLIMIT_CORE", 0)):
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError, AttributeError):  # a limit this system does not support
            pass


def _binds(scratch: Path, stubs: Path, hide_reference: bool, importable: tuple, read_only: tuple,
           uid: int = UID) -> list[str]:
    import course_grader
    import course_pkg

    args: list[str] = ["--proc", "/proc", "--dev", "/dev", "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    package = Path(course_pkg.__file__).resolve().parent
    wanted = [Path(sys.base_prefix), Path(sys.prefix), package, Path(course_grader.__file__).resolve().parent,
              *(Path(p) for p in read_only)]
    bound: list[Path] = [Path("/usr")]
    made: set[Path] = set()
    def covered(path: Path) -> bool:
        return any(path == b or b in path.parents for b in bound)

    for path in wanted:
        path = path.resolve()
        if covered(path):
            continue
        for parent in reversed(path.parents):
            if parent != Path("/") and parent not in made and not covered(parent):
                args += ["--perms", "0755", "--dir", str(parent)]  # world-readable parents, even under /root
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
        bound.append(path)
    if hide_reference:
        for sub in ("numpy_nn", "keras_nn"):
            args += _masked_package(package / sub, stubs / sub, f"course_pkg.{sub}", importable)
    etc = stubs / "etc"
    etc.mkdir()
    args += ["--perms", "0755", "--dir", "/etc"]
    (etc / "passwd").write_text(f"root:x:0:0::/:/bin/false\nnobody:x:{uid}:{uid}:learner:/scratch/home:/bin/false\n")
    (etc / "group").write_text(f"root:x:0:\nnogroup:x:{uid}:\n")
    for name in ("passwd", "group"):
        os.chmod(etc / name, 0o644)
        args += ["--ro-bind", str(etc / name), f"/etc/{name}"]
    # /tmp and /dev/shm (POSIX semaphores: multiprocessing, joblib) live in the watched scratch folder.
    args += ["--bind", str(scratch), SCRATCH, "--bind", str(scratch / "tmp"), "/tmp",
             "--bind", str(scratch / "shm"), "/dev/shm"]
    if Path("/etc/fonts").is_dir():  # fontconfig complains on stderr without its configuration
        args += ["--ro-bind", "/etc/fonts", "/etc/fonts"]
    return args


def _masked_package(real: Path, stub: Path, name: str, importable: tuple) -> list[str]:
    """bwrap arguments that show ``stub`` in place of the reference package ``real``.

    Every module of the package raises the ImportError of :data:`_STUB`, except the modules that
    ``importable`` names: those are the real files, read-only. When some are, the package itself
    imports (so that its allowed modules can), and any name taken from it raises.
    """
    allowed = {m.rsplit(".", 1)[1] for m in importable if m.rsplit(".", 1)[0] == name}
    stub.mkdir()
    os.chmod(stub, 0o755)
    files = {"__init__.py": (_STUB_PACKAGE if allowed else _STUB).format(name=name)}
    for module in sorted(p.stem for p in real.glob("*.py") if p.stem != "__init__" and p.stem not in allowed):
        files[f"{module}.py"] = _STUB.format(name=f"{name}.{module}")
    args: list[str] = []
    for filename, text in files.items():
        (stub / filename).write_text(text)
        os.chmod(stub / filename, 0o644)
    for module in sorted(allowed):
        (stub / f"{module}.py").touch(mode=0o644)  # the mount point of the real file
        args += ["--ro-bind", str(real / f"{module}.py"), str(real / f"{module}.py")]
    return ["--ro-bind", str(stub), str(real), *args]


def _supervise(command, cwd, env, limits: Limits, scratch: Path, progress_file, *, sandboxed: bool,
               preexec=None) -> Outcome:
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=preexec)
    kept = bytearray()
    total = [0]

    def drain():
        while True:
            chunk = proc.stdout.read1(65536) if hasattr(proc.stdout, "read1") else proc.stdout.read(65536)
            if not chunk:
                return
            total[0] += len(chunk)
            room = limits.output_bytes - len(kept)
            if room > 0:
                kept.extend(chunk[:room])

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    killed = None
    progress_path = scratch / progress_file if progress_file else None
    last_progress, last_change, next_size_check = None, start, start
    while proc.poll() is None:
        now = time.monotonic()
        if now - start > limits.wall_seconds:
            killed = f"the wall-clock limit of {limits.wall_seconds:g} s"
        elif progress_path is not None and limits.stall_seconds is not None:
            marker = read_small(progress_path)
            if marker != last_progress:
                last_progress, last_change = marker, now
            elif now - last_change > limits.stall_seconds:
                killed = f"no progress for {limits.stall_seconds:g} s (a cell that could not be interrupted)"
        if killed is None and now >= next_size_check:
            next_size_check = now + 0.5
            size, count = _folder_size(scratch, limits.scratch_files)
            if size > limits.scratch_bytes or count > limits.scratch_files:
                killed = (f"the scratch folder limit ({limits.scratch_bytes // MiB} MiB, "
                          f"{limits.scratch_files} files)")
        if killed is not None:
            _kill(proc)
            break
        time.sleep(0.02 if now - start < 2 else 0.1)
    proc.wait()
    reader.join(timeout=5)
    proc.stdout.close()
    return Outcome(
        returncode=proc.returncode, killed=killed, output=bytes(kept).decode("utf-8", "replace"),
        output_bytes=total[0], seconds=time.monotonic() - start, sandboxed=sandboxed, command=command,
    )


def _kill(proc: subprocess.Popen) -> None:
    """Kill the run's process group; in a sandbox, its pid namespace dies with bwrap."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_small(path: Path, limit: int = 64) -> str | None:
    """The first ``limit`` bytes of a regular file the sandbox wrote, or None (no link, pipe or device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("ascii", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def _folder_size(folder: Path, max_entries: int) -> tuple[int, int]:
    """Total bytes and entries under ``folder`` (stops counting past ``max_entries``)."""
    size, count = 0, 0
    stack = [folder]
    while stack and count <= max_entries:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            count += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            size += info.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return size, count
