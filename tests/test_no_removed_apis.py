"""No Keras-2 API in the course's code: the package, the book and the assignments' sources.

The rules, and how teaching text may still show old code, are in ``tools/keras2_lint.py``, which
also runs on its own (``python tools/keras2_lint.py book``). Below: the real check, then the lint
tool itself (what it must catch, what it must let through).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("course_pkg", "book", "assignments/source")


def _load_tool():
    spec = importlib.util.spec_from_file_location("keras2_lint", REPO_ROOT / "tools" / "keras2_lint.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


lint = _load_tool()


def test_course_has_no_removed_keras_apis():
    findings = lint.scan_paths(REPO_ROOT / root for root in SCANNED)
    assert not findings, (
        "Keras-2 APIs in course code (to show old code on purpose, put it in a {warning} callout "
        "or end the line with '# removed in Keras 3'):\n" + "\n".join(map(str, findings))
    )


def test_the_command_line_exits_1_with_findings(tmp_path):
    (tmp_path / "old.py").write_text('model.save("net.h5")\n')
    (tmp_path / "ok.py").write_text("import keras\n")
    tool = [sys.executable, str(REPO_ROOT / "tools" / "keras2_lint.py")]
    done = subprocess.run([*tool, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "old.py:1: \".h5\" file" in done.stdout, done.stdout + done.stderr
    done = subprocess.run([*tool, str(tmp_path / "ok.py")], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "")
    done = subprocess.run([*tool, str(tmp_path / "missing")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no such file" in done.stderr


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
    findings = lint.scan_code(code)
    assert len(findings) == 1 and rule in findings[0].rule, findings


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
    assert lint.scan_code(code) == []


def test_marker_allows_a_line_of_old_code():
    code = "model.predict_classes(X)  # removed in Keras 3: use argmax\nmodel.predict_classes(X)\n"
    findings = lint.scan_code(code)
    assert [v.line for v in findings] == [2]


def test_seeded_violation_file_is_caught_and_reported(tmp_path):
    package = tmp_path / "course_pkg"
    package.mkdir()
    (package / "ok.py").write_text("import keras\nopt = keras.optimizers.SGD(learning_rate=0.1)\n")
    (package / "old.py").write_text('import keras\n\n\nmodel.save("net.h5")\n')
    findings = lint.scan_paths([tmp_path])
    assert len(findings) == 1
    assert findings[0].line == 4 and findings[0].path.endswith("old.py")
    assert "net.h5" in str(findings[0])


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
    findings = lint.scan_markdown(MARKDOWN, path="appendix.md")
    # The exercise is not a callout (its code runs), and the last block is plain code.
    assert [(v.line, v.rule.split()[0]) for v in findings] == [(24, '".h5"'), (29, "decay=")]


def test_markdown_code_blocks_parser():
    blocks = lint.markdown_code_blocks(MARKDOWN)
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
    findings = lint.scan_file(path)
    assert len(findings) == 1
    assert findings[0].path.endswith("lesson.ipynb[cell 1]") and findings[0].line == 2
