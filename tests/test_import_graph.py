"""The shape of course_pkg's imports: no cycles, and no reaching into a sibling's private names.

Modules use each other through public names. A helper that two modules need lives in a shared
private module (``course_pkg/_checks.py``, ``course_pkg/keras_nn/_layers.py``, ...) whose names are
public; what starts with an underscore inside a module stays inside it, and what starts with an
underscore inside an object is used only by that object (``self._cache``), never by another
(``layer._cache`` from a network). Read from the source with ``ast``, so nothing is imported (no
TensorFlow) and every import counts, also those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "course_pkg"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def _is_module(name: str) -> bool:
    return name in MODULES


def _resolve(module: str | None, level: int, importer: str, is_package: bool) -> str | None:
    if level == 0:
        return module
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports_of(name: str) -> list[tuple[str, str | None, int]]:
    """``(module, imported name or None, line)`` for every import of a course_pkg module in ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names if alias.name.startswith("course_pkg")]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module, node.level, name, path.name == "__init__.py")
            if module and module.startswith("course_pkg"):
                found += [(module, alias.name, node.lineno) for alias in node.names]
    return found


def graph() -> dict[str, set[str]]:
    """module -> the course_pkg modules it imports (a name that is a submodule counts as that module)."""
    edges = {}
    for name in MODULES:
        targets = set()
        for module, imported, _ in imports_of(name):
            submodule = f"{module}.{imported}" if imported else None
            target = submodule if submodule and _is_module(submodule) else module
            if target != name and _is_module(target):
                targets.add(target)
        edges[name] = targets
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def private_reach_through() -> list[str]:
    """Imports of a private name of another module, and ``module._name`` uses of an imported module."""
    problems = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        module_aliases = {}
        for module, imported, line in imports_of(name):
            if imported is None:
                continue
            full = f"{module}.{imported}"
            if _is_module(full):
                module_aliases[imported] = full
            elif imported.startswith("_") and not imported.startswith("__") and module != name:
                problems.append(f"{name}:{line} imports the private name {imported} of {module}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not _is_module(f"{module_aliases[node.value.id]}.{node.attr}")
            ):
                problems.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr} of {module_aliases[node.value.id]}")
    return problems


def _is_private(name: str) -> bool:
    # _repr_html_ and its kin are IPython's display protocol: public despite the underscore.
    return name.startswith("_") and not name.startswith("__") and not name.endswith("_")


def private_attribute_uses(modules=None) -> list[str]:
    """``obj._name`` where obj is not ``self``, ``cls`` or ``super()`` (another object's private
    part), and ``setattr(obj, "_name", ...)`` as a test's monkeypatch writes it."""
    problems = []
    for name, path in (MODULES if modules is None else modules).items():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("setattr") and len(node.args) > 1:
                target = node.args[1]
                if isinstance(target, ast.Constant) and _is_private(str(target.value)):
                    problems.append(f"{name}:{node.lineno} sets {ast.unparse(node.args[0])}.{target.value}")
            if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
                continue
            problems.append(f"{name}:{node.lineno} uses {ast.unparse(node)}")
    return problems


def test_the_scanner_sees_the_package():
    edges = graph()
    assert "course_pkg.numpy_nn.layers" in edges["course_pkg.numpy_nn.network"]
    assert "course_pkg.keras_nn.inspection" in edges["course_pkg.keras_nn.compare"]
    assert "course_pkg.settings" in edges["course_pkg"]


def test_cycle_finder_finds_a_planted_cycle():
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(planted) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    assert find_cycle(graph()) is None


def test_no_module_reaches_into_a_siblings_private_names():
    assert private_reach_through() == []


def test_no_object_uses_another_objects_private_attributes():
    """A network drives its layers through their public methods (forward, backward, ...)."""
    assert private_attribute_uses() == []


TESTS_DIR = PACKAGE_DIR.parent / "tests"
# The grading tests test the instructor's grader (grader/, a package of its own) from the inside.
TESTS_ELSEWHERE = {"grading"}


def test_tests_use_public_behaviour_only():
    """Tests go through public names, so that they keep proving behaviour when internals change."""
    tests = {
        str(path.relative_to(TESTS_DIR)): path
        for path in sorted(TESTS_DIR.rglob("*.py"))
        if not TESTS_ELSEWHERE & set(path.relative_to(TESTS_DIR).parts)
    }
    assert private_attribute_uses(tests) == []


def test_private_attribute_finder_flags_a_planted_module(tmp_path, monkeypatch):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "class Net:\n"
        "    def step(self, layer):\n"
        "        self._count = 1\n"  # its own: fine
        "        super()._reset()\n"  # its parent's: fine
        "        layer._repr_html_()\n"  # IPython's display protocol: public
        "        monkeypatch.setattr(model, '_output_and_loss', None)\n"
        "        return layer._backward_linear(1)\n"
    )
    monkeypatch.setitem(MODULES, "course_pkg.planted", planted)
    found = [p for p in private_attribute_uses() if p.startswith("course_pkg.planted:")]
    assert found == [
        "course_pkg.planted:6 sets model._output_and_loss",
        "course_pkg.planted:7 uses layer._backward_linear",
    ]


@pytest.mark.parametrize(
    "low, high",
    [
        ("course_pkg.numpy_nn.layers", "course_pkg.numpy_nn.network"),
        ("course_pkg.numpy_nn.optimizers", "course_pkg.numpy_nn.network"),
        ("course_pkg.numpy_nn.batching", "course_pkg.numpy_nn.network"),
        ("course_pkg.numpy_nn.batching", "course_pkg.numpy_nn.training"),
        ("course_pkg.numpy_nn.training", "course_pkg.numpy_nn.network"),
        ("course_pkg.numpy_nn.activations", "course_pkg.numpy_nn.layers"),
        ("course_pkg.numpy_nn.backend", "course_pkg.numpy_nn.activations"),
    ],
)
def test_the_numpy_track_imports_one_way(low, high):
    """backend <- activations, losses <- layers <- network; optimizers, batching, training below it."""
    edges = graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        return False

    assert reaches(high, low) and not reaches(low, high)


def test_keras_builders_do_not_pull_in_the_heavy_modules():
    """``import course_pkg.keras_nn.builders`` loads no tuner, pandas-based history or device code."""
    edges = graph()
    seen, todo = set(), ["course_pkg.keras_nn.builders"]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    heavy = {"course_pkg.keras_nn.tuning", "course_pkg.keras_nn.history", "course_pkg.keras_nn.device",
             "course_pkg.numpy_nn", "course_pkg.plotting"}
    assert not seen & heavy
    source = MODULES["course_pkg.keras_nn.builders"].read_text()
    assert "import pandas" not in source and "sklearn" not in source


def test_reach_through_finder_flags_a_planted_module(tmp_path, monkeypatch):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from course_pkg.numpy_nn.layers import _truncated_normal\n"
        "from course_pkg.numpy_nn import network\n"
        "from course_pkg._checks import check_int\n"  # a public name of a shared private module: fine
        "limit = network._EVAL_CHUNK\n"
    )
    monkeypatch.setitem(MODULES, "course_pkg.planted", planted)
    found = [p for p in private_reach_through() if p.startswith("course_pkg.planted:")]
    assert found == [
        "course_pkg.planted:1 imports the private name _truncated_normal of course_pkg.numpy_nn.layers",
        "course_pkg.planted:4 uses network._EVAL_CHUNK of course_pkg.numpy_nn.network",
    ]
