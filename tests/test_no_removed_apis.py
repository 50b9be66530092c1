"""No Keras-2 API in the course's code: package, book and assignment sources.

Keras 3 removed or changed these, and copies of old tutorials keep bringing them back:

========================  =====================================================
``lr=`` (optimizers)      ``learning_rate=`` (TF 2.11-2.15 silently ignored ``lr``)
``decay=`` (optimizers)   a ``keras.optimizers.schedules`` schedule (ignored now)
``predict_classes``       ``np.argmax(model.predict(X), axis=1)``
``keras.wrappers.         ``keras.wrappers.SKLearnClassifier/SKLearnRegressor``
scikit_learn``
``input_shape=`` /        ``keras.Input(shape=...)`` as the first layer
``input_dim=`` on layers
``"....h5"`` files        ``.keras`` for models, ``.weights.h5`` for weights
``np_utils``              ``keras.utils.to_categorical``
``vis_utils``             ``keras.utils.plot_model``
========================  =====================================================

What counts as code, and how teaching text may still show the old API:

- ``.py`` files: every line (docstring examples run as doctests). Bare optimizer names are
  only checked when the file imports them from Keras (a class a learner writes may be called
  ``Adam`` too); ``keras.optimizers.X(...)`` / ``optimizers.X(...)`` always are.
- Notebooks (``.ipynb``): code cells are code; Markdown cells are read like ``.md`` files.
- Markdown (``.md``, MyST notebooks): fenced code blocks and ``{code-cell}`` blocks are code;
  prose and inline code are not.
- Allowed anyway: a line that says ``# removed in Keras 3`` (any case) on the offending line,
  and any fenced block nested inside a callout directive (``{admonition}``, ``{warning}``,
  ``{note}``, ``{caution}``, ``{danger}``, ``{attention}``, ``{error}``, ``{hint}``,
  ``{important}``, ``{tip}``, ``{seealso}``, ``{dropdown}``), with backtick or colon fences.
  So the book shows old code like this::

      :::{warning} Keras 2 code: this no longer works
      ```python
      model.compile(optimizer=SGD(lr=0.01))
      ```
      :::
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCANNED_ROOTS = ("course_pkg", "book", "assignments/source")
SUFFIXES = (".py", ".md", ".ipynb")
MARKER = re.compile(r"removed in keras 3", re.IGNORECASE)

CALLOUTS = {
    "admonition",
    "note",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "hint",
    "important",
    "tip",
    "seealso",
    "dropdown",
}

# Arguments of a call, allowing one level of nested brackets: `Dense(3, input_shape=(4,))`.
_ARGS = r"(?:[^()]|\([^()]*\))*?"
_KERAS_OPTIMIZERS = (
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion", "Adafactor",
)  # fmt: skip
_KERAS_LAYERS = (
    "Dense", "Flatten", "Dropout", "Activation", "Reshape", "InputLayer", "Embedding", "Lambda",
    "Conv1D", "Conv2D", "Conv3D", "SimpleRNN", "LSTM", "GRU", "BatchNormalization",
    "LayerNormalization", "Normalization", "Rescaling", "MaxPooling1D", "MaxPooling2D",
    "AveragePooling2D", "GlobalAveragePooling2D",
)  # fmt: skip
_KERAS_IMPORT = re.compile(r"from\s+(?:tensorflow\.)?keras[\w.]*\s+import\s*(?:\(([^)]*)\)|([\w \t,]+))")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.text.strip()[:100]}"


def _optimizer_call(keyword: str, bare_names: set[str]) -> re.Pattern:
    names = "|".join(sorted(bare_names)) or "(?!x)x"  # no bare names: match nothing there
    return re.compile(rf"(?:\boptimizers\.\w+|\b(?:{names}))\s*\({_ARGS}\b{keyword}\s*=")


def _rules(text: str) -> list[tuple[str, re.Pattern]]:
    """The rules for one file: bare optimizer names count only if imported from Keras."""
    imported = set()
    for match in _KERAS_IMPORT.finditer(text):
        names = match.group(1) or match.group(2)
        imported |= {name.split()[0] for name in names.split(",") if name.strip()}  # "X as Y" -> X
    bare = imported & set(_KERAS_OPTIMIZERS)
    layers = "|".join(_KERAS_LAYERS)
    return [
        ("lr= in an optimizer (use learning_rate=)", _optimizer_call("lr", bare)),
        ("decay= in an optimizer (use a learning-rate schedule)", _optimizer_call("decay", bare)),
        ("predict_classes (use argmax of predict)", re.compile(r"\.predict_classes\s*\(")),
        (
            "keras.wrappers.scikit_learn (use keras.wrappers.SKLearnRegressor/Classifier)",
            re.compile(r"keras\.wrappers\.scikit_learn|keras\.wrappers\s+import\s+scikit_learn"),
        ),
        (
            "input_shape=/input_dim= on a layer (start with keras.Input(shape=...))",
            re.compile(rf"\b(?:layers\.\w+|(?:{layers}))\s*\({_ARGS}\binput_(?:shape|dim)\s*="),
        ),
        (
            '".h5" file (models: .keras; weights: .weights.h5)',
            # A file name: a name character before ".h5". A bare ".h5" (endswith) or a glob
            # pattern "*.h5" (clean-up lists) names no file and is fine.
            re.compile(r"""["'][^"'\n]*[\w}-](?<!\.weights)\.h5["']"""),
        ),
        ("keras.utils.np_utils (use keras.utils)", re.compile(r"\bnp_utils\b")),
        ("keras.utils.vis_utils (use keras.utils.plot_model)", re.compile(r"\bvis_utils\b")),
    ]


def scan_code(code: str, *, path: str = "<code>", first_line: int = 1, rules=None) -> list[Violation]:
    """Violations in a block of code; lines with the teaching marker are allowed."""
    rules = rules if rules is not None else _rules(code)
    lines = code.splitlines()
    found = []
    for rule, pattern in rules:
        for match in pattern.finditer(code):
            start = code.count("\n", 0, match.start())
            end = code.count("\n", 0, match.end())
            if any(MARKER.search(lines[i]) for i in range(start, end + 1)):
                continue
            found.append(Violation(path, first_line + start, rule, lines[start]))
    return sorted(found, key=lambda v: v.line)


_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|:{3,})\s*(?P<info>.*?)\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}")
_CODE_DIRECTIVES = {"code-cell", "code-block", "code", "sourcecode"}


def markdown_code_blocks(text: str) -> list[tuple[int, str, bool]]:
    """``(first line, code, inside a callout)`` for every fenced code block of MyST Markdown.

    Directive fences (```` ```{note} ```` or ``:::{note}``) nest; the content of a code fence
    is not parsed further. Code blocks inside a callout directive are marked as allowed.
    """
    blocks = []
    stack: list[dict] = []  # open fences: char, length, code lines (None for containers), callout
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        top = stack[-1] if stack else None
        if (
            match
            and top
            and match["fence"][0] == top["char"]
            and len(match["fence"]) >= top["length"]
            and not match["info"]
        ):
            stack.pop()  # closing fence
            if top["code"] is not None:
                blocks.append((top["start"], "\n".join(top["code"]), top["callout"]))
            continue
        if top is not None and top["code"] is not None:
            top["code"].append(line)  # inside a code block: fences here are text
            continue
        if match and (match["fence"][0] == "`" or _DIRECTIVE.match(match["info"])):
            directive = _DIRECTIVE.match(match["info"])
            name = directive["name"] if directive else None
            is_code = name is None or name in _CODE_DIRECTIVES
            in_callout = any(frame["callout"] for frame in stack) or name in CALLOUTS
            stack.append(
                {
                    "char": match["fence"][0],
                    "length": len(match["fence"]),
                    "code": [] if is_code else None,
                    "callout": in_callout,
                    "start": number + 1,
                }
            )
    return blocks


def scan_markdown(text: str, *, path: str = "<markdown>") -> list[Violation]:
    found = []
    blocks = markdown_code_blocks(text)
    rules = _rules("\n".join(code for _, code, _ in blocks))
    for start, code, in_callout in blocks:
        if not in_callout:
            found += scan_code(code, path=path, first_line=start, rules=rules)
    return found


def scan_notebook(text: str, *, path: str = "<notebook>") -> list[Violation]:
    notebook = json.loads(text)
    cells = notebook.get("cells", [])
    sources = [
        "".join(c.get("source", [])) if isinstance(c.get("source"), list) else c.get("source", "")
        for c in cells
    ]
    code_cells = "\n".join(s for c, s in zip(cells, sources) if c.get("cell_type") == "code")
    rules = _rules(code_cells)  # an import in one cell covers the whole notebook
    found = []
    for index, (cell, source) in enumerate(zip(cells, sources)):
        where = f"{path}[cell {index}]"
        if cell.get("cell_type") == "code":
            found += scan_code(source, path=where, rules=rules)
        elif cell.get("cell_type") == "markdown":
            found += scan_markdown(source, path=where)
    return found


def scan_file(path: Path) -> list[Violation]:
    text = path.read_text(encoding="utf-8")
    shown = str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
    if path.suffix == ".py":
        return scan_code(text, path=shown)
    if path.suffix == ".md":
        return scan_markdown(text, path=shown)
    if path.suffix == ".ipynb":
        return scan_notebook(text, path=shown)
    return []


def scan_tree(roots) -> list[Violation]:
    found = []
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            skipped = {".ipynb_checkpoints", "_build", "__pycache__", ".jupyter_cache"}
            if path.suffix in SUFFIXES and path.is_file() and not skipped & set(path.parts):
                found += scan_file(path)
    return found


# --------------------------------------------------------------------------- the real check


def test_course_has_no_removed_keras_apis():
    violations = scan_tree(REPO_ROOT / root for root in SCANNED_ROOTS)
    assert not violations, (
        "Keras-2 APIs in course code (to show old code on purpose, put it in a {warning} callout "
        "or end the line with '# removed in Keras 3'):\n" + "\n".join(map(str, violations))
    )


# --------------------------------------------------------------------------- the scanner itself


@pytest.mark.parametrize(
    "code, rule",
    [
        ("from keras.optimizers import SGD\nopt = SGD(lr=0.01, momentum=0.9)", "lr="),
        ("opt = keras.optimizers.Adam(learning_rate=1e-3, lr=1e-3)", "lr="),
        ("opt = tf.keras.optimizers.RMSprop(\n    rho=0.9,\n    lr=1e-3,\n)", "lr="),
        ("model.compile(optimizer=keras.optimizers.SGD(lr=float(x)))", "lr="),
        ("opt = keras.optimizers.SGD(learning_rate=0.1, decay=1e-4)", "decay="),
        ("classes = model.predict_classes(X_test)", "predict_classes"),
        ("from keras.wrappers.scikit_learn import KerasRegressor", "scikit_learn"),
        ("from tensorflow.keras.wrappers import scikit_learn", "scikit_learn"),
        ("model.add(Dense(30, activation='relu', input_shape=X.shape[1:]))", "input_shape"),
        ("layers.Flatten(input_shape=(28, 28))", "input_shape"),
        ("keras.layers.Dense(10, input_dim=784)", "input_shape"),
        ('model.save("my_model.h5")', ".h5"),
        ('model.save(f"{name}.h5")', ".h5"),
        ("model.save_weights('weights.h5')", ".h5"),
        ("from keras.utils import np_utils", "np_utils"),
        ("from keras.utils.vis_utils import plot_model", "vis_utils"),
    ],
)
def test_scanner_catches_each_removed_api(code, rule):
    violations = scan_code(code)
    assert len(violations) == 1 and rule in violations[0].rule, violations


@pytest.mark.parametrize(
    "code",
    [
        "opt = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)",
        "opt = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4)",
        "schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)",
        "from my_optimizers import Adam\nopt = Adam(lr=0.1)",  # a learner's own class, not Keras'
        "model = build_model(n_hidden=2, input_shape=(8,))",
        "model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten()])",
        'model.save("model.keras"); model.save_weights("model.weights.h5")',
        "probs = model.predict(X); classes = probs.argmax(axis=1)",
        "est = keras.wrappers.SKLearnRegressor(model=build, model_kwargs={})",
        "y = keras.utils.to_categorical(y, 10)",
        "# lr is the learning rate of the NumPy optimizers",
        'leftovers = [n for n in names if n.endswith((".keras", ".h5"))]',
        'ignore = shutil.ignore_patterns("*.keras", "*.h5", "checkpoints")',
    ],
)
def test_scanner_passes_modern_code(code):
    assert scan_code(code) == []


def test_marker_allows_a_line_of_old_code():
    code = "model.predict_classes(X)  # removed in Keras 3: use argmax\nmodel.predict_classes(X)\n"
    violations = scan_code(code)
    assert [v.line for v in violations] == [2]


def test_seeded_violation_file_is_caught_and_reported(tmp_path):
    package = tmp_path / "course_pkg"
    package.mkdir()
    (package / "ok.py").write_text("import keras\nopt = keras.optimizers.SGD(learning_rate=0.1)\n")
    (package / "old.py").write_text('import keras\n\n\nmodel.save("net.h5")\n')
    violations = scan_tree([tmp_path])
    assert len(violations) == 1
    assert violations[0].line == 4 and violations[0].path.endswith("old.py")
    assert "net.h5" in str(violations[0])


MARKDOWN = """\
# Appendix B

Keras 2 spelled it `SGD(lr=0.01)` and `model.predict_classes(X)`: prose is fine.

```{code-cell} python
probs = model.predict(X_test)
```

````{warning} Old code
```python
model.compile(optimizer=keras.optimizers.SGD(lr=0.01))
```
````

:::{note}
Also fine inside a colon-fenced callout:
```python
classes = model.predict_classes(X)
```
:::

::::{exercise}
```{code-cell} python
model.save("wrong.h5")
```
::::

```python
opt = keras.optimizers.Adam(decay=1e-4)
```
"""


def test_markdown_scans_code_blocks_outside_callouts():
    violations = scan_markdown(MARKDOWN, path="appendix.md")
    # The exercise is not a callout (its code runs), and the last block is plain code.
    assert [(v.line, v.rule.split()[0]) for v in violations] == [(24, '".h5"'), (29, "decay=")]


def test_markdown_code_blocks_parser():
    blocks = markdown_code_blocks(MARKDOWN)
    assert [(start, in_callout) for start, _, in_callout in blocks] == [
        (6, False),
        (11, True),
        (18, True),
        (24, False),
        (29, False),
    ]
    assert blocks[0][1] == "probs = model.predict(X_test)"


def test_notebook_cells(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["Keras 2 had `predict_classes`.\n"]},
            {"cell_type": "code", "source": ["from keras.optimizers import Adam\n", "opt = Adam(lr=0.1)\n"]},
            {
                "cell_type": "markdown",
                "source": [":::{warning}\n", "```python\n", "Adam(lr=0.1)\n", "```\n", ":::\n"],
            },
            {"cell_type": "code", "source": "model.predict_classes(X)  # Removed in Keras 3\n"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(notebook))
    violations = scan_file(path)
    assert len(violations) == 1
    assert violations[0].path.endswith("lesson.ipynb[cell 1]") and violations[0].line == 2
