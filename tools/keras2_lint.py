"""Find Keras-2 APIs that Keras 3 removed or changed, in Python, MyST Markdown and notebook files.

Usage::

    python tools/keras2_lint.py PATH...     # files or folders; exit status 1 when anything is found

Copies of old tutorials keep bringing these back:

========================  =====================================================
``lr=`` (optimizers)      ``learning_rate=`` (TF 2.11-2.15 silently ignored ``lr``)
``decay=`` (optimizers)   a ``keras.optimizers.schedules`` schedule (ignored now)
``.predict_classes(``     ``np.argmax(model.predict(X), axis=1)``
``keras.wrappers.         ``keras.wrappers.SKLearnClassifier/SKLearnRegressor``
scikit_learn``
``input_shape=`` /        ``keras.Input(shape=...)`` as the first layer
``input_dim=`` on layers
``"....h5"`` files        ``.keras`` for models, ``.weights.h5`` for weights
``np_utils``              ``keras.utils.to_categorical``
``vis_utils``             ``keras.utils.plot_model``
========================  =====================================================

What counts as code:

- ``.py`` files: every line (docstring examples run as doctests). Bare optimizer names such as
  ``Adam(lr=...)`` count only when the file imports them from Keras (a learner's own class may be
  called ``Adam`` too); ``optimizers.X(...)`` always counts.
- Markdown (``.md``) and the Markdown cells of notebooks: fenced code blocks and ``{code-cell}``
  blocks; prose and inline code are not code. Code cells of notebooks are code.

Teaching text may still show old code: on a line that says ``# removed in Keras 3`` (any case),
or in a fenced block inside a callout directive (``{warning}``, ``{note}``, ``{admonition}``,
``{dropdown}``, ...; backtick or colon fences)::

    :::{warning} Keras 2 code: this no longer works
    ```python
    model.compile(optimizer=SGD(lr=0.01))
    ```
    :::
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin

MARKER = re.compile(r"removed in keras 3", re.IGNORECASE)
CALLOUTS = {"admonition", "note", "warning", "caution", "attention", "danger", "error", "hint", "important",
            "tip", "seealso", "dropdown"}  # fmt: skip
CODE_DIRECTIVES = {"code-cell", "code-block", "code", "sourcecode"}
SUFFIXES = (".py", ".md", ".ipynb")
SKIPPED_FOLDERS = {".ipynb_checkpoints", "_build", "__pycache__", ".jupyter_cache"}

# Arguments of a call, allowing one level of nested brackets: `Dense(3, input_shape=(4,))`.
_ARGS = r"(?:[^()]|\([^()]*\))*?"
_KERAS_OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl",
                     "Lion", "Adafactor"}  # fmt: skip
_KERAS_LAYERS = (
    "Dense|Flatten|Dropout|Activation|Reshape|InputLayer|Embedding|Lambda|Conv1D|Conv2D|Conv3D|SimpleRNN|"
    "LSTM|GRU|BatchNormalization|LayerNormalization|Normalization|Rescaling|MaxPooling1D|MaxPooling2D|"
    "AveragePooling2D|GlobalAveragePooling2D"
)
_KERAS_IMPORT = re.compile(r"from\s+(?:tensorflow\.)?keras[\w.]*\s+import\s*(?:\(([^)]*)\)|([\w \t,]+))")
_DIRECTIVE = re.compile(r"\{([\w:-]+)\}")
_MARKDOWN = MarkdownIt("commonmark").use(colon_fence_plugin)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.text.strip()[:100]}"


def rules_for(text: str) -> list[tuple[str, re.Pattern]]:
    """The rules for one file or notebook: bare optimizer names count only if imported from Keras."""
    imported = set()
    for match in _KERAS_IMPORT.finditer(text):
        names = match.group(1) or match.group(2)
        imported |= {name.split()[0] for name in names.split(",") if name.strip()}  # "X as Y" -> X
    bare = "|".join(sorted(imported & _KERAS_OPTIMIZERS)) or "(?!x)x"  # none imported: match nothing

    def optimizer_keyword(keyword):
        return re.compile(rf"(?:\boptimizers\.\w+|\b(?:{bare}))\s*\({_ARGS}\b{keyword}\s*=")

    return [
        ("lr= in an optimizer (use learning_rate=)", optimizer_keyword("lr")),
        ("decay= in an optimizer (use a learning-rate schedule)", optimizer_keyword("decay")),
        ("predict_classes (use argmax of predict)", re.compile(r"\.predict_classes\s*\(")),
        ("keras.wrappers.scikit_learn (use keras.wrappers.SKLearnRegressor/Classifier)",
         re.compile(r"keras\.wrappers\.scikit_learn|keras\.wrappers\s+import\s+scikit_learn")),
        ("input_shape=/input_dim= on a layer (start with keras.Input(shape=...))",
         re.compile(rf"\b(?:layers\.\w+|(?:{_KERAS_LAYERS}))\s*\({_ARGS}\binput_(?:shape|dim)\s*=")),
        # A file name: a name character before ".h5". A bare ".h5" (endswith) or a glob "*.h5" is fine.
        ('".h5" file (models: .keras; weights: .weights.h5)',
         re.compile(r"""["'][^"'\n]*[\w}-](?<!\.weights)\.h5["']""")),
        ("keras.utils.np_utils (use keras.utils)", re.compile(r"\bnp_utils\b")),
        ("keras.utils.vis_utils (use keras.utils.plot_model)", re.compile(r"\bvis_utils\b")),
    ]  # fmt: skip


def scan_code(code: str, *, path: str = "<code>", first_line: int = 1, rules=None) -> list[Finding]:
    """Findings in a block of code; a line with the teaching marker is allowed."""
    lines = code.splitlines()
    found = []
    for rule, pattern in rules if rules is not None else rules_for(code):
        for match in pattern.finditer(code):
            start, end = code.count("\n", 0, match.start()), code.count("\n", 0, match.end())
            if not any(MARKER.search(lines[i]) for i in range(start, end + 1)):
                found.append(Finding(path, first_line + start, rule, lines[start]))
    return sorted(found, key=lambda finding: finding.line)


def markdown_code_blocks(text: str, *, offset: int = 0, in_callout: bool = False) -> list[tuple]:
    """``(first line, code, inside a callout)`` for every code block of MyST Markdown.

    A directive's content is Markdown again (``{exercise}``, ``{note}``, ...) and is read the same
    way; code blocks anywhere inside a callout are marked as such. ``offset`` is the number of
    lines before ``text`` in its file.
    """
    blocks = []
    for token in _MARKDOWN.parse(text):
        if token.type not in ("fence", "colon_fence"):
            continue
        directive = _DIRECTIVE.match(token.info.strip())
        name = directive.group(1) if directive else None
        first = offset + token.map[0] + 1  # the content's first line, counted from 0
        if name in CODE_DIRECTIVES or (name is None and token.type == "fence"):
            blocks.append((first + 1, token.content.rstrip("\n"), in_callout))
        else:
            inside = in_callout or name in CALLOUTS
            blocks += markdown_code_blocks(token.content, offset=first, in_callout=inside)
    return blocks


def scan_markdown(text: str, *, path: str = "<markdown>") -> list[Finding]:
    blocks = markdown_code_blocks(text)
    rules = rules_for("\n".join(code for _, code, _ in blocks))
    return [finding for start, code, in_callout in blocks if not in_callout
            for finding in scan_code(code, path=path, first_line=start, rules=rules)]  # fmt: skip


def scan_notebook(text: str, *, path: str = "<notebook>") -> list[Finding]:
    cells = json.loads(text).get("cells", [])
    sources = ["".join(cell.get("source", "")) for cell in cells]
    code = "\n".join(s for c, s in zip(cells, sources) if c.get("cell_type") == "code")
    rules = rules_for(code)  # an import in one cell covers the whole notebook
    found = []
    for index, (cell, source) in enumerate(zip(cells, sources)):
        where = f"{path}[cell {index}]"
        if cell.get("cell_type") == "code":
            found += scan_code(source, path=where, rules=rules)
        elif cell.get("cell_type") == "markdown":
            found += scan_markdown(source, path=where)
    return found


def scan_file(path: Path) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    here = Path.cwd()
    shown = str(path.relative_to(here) if path.is_absolute() and path.is_relative_to(here) else path)
    scan = {".py": scan_code, ".md": scan_markdown, ".ipynb": scan_notebook}.get(path.suffix)
    return scan(text, path=shown) if scan else []


def scan_paths(paths) -> list[Finding]:
    """Findings in the given files and in every .py, .md and .ipynb file below the given folders."""
    found = []
    for root in map(Path, paths):
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        found += [finding for path in files
                  if path.suffix in SUFFIXES and path.is_file() and not SKIPPED_FOLDERS & set(path.parts)
                  for finding in scan_file(path)]  # fmt: skip
    return found


def main(argv=None) -> int:
    """Print the findings under the paths in ``argv``; return 1 when there are any, 0 otherwise."""
    paths = sys.argv[1:] if argv is None else list(argv)
    if not paths or paths[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if paths else 2
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"keras2_lint: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    findings = scan_paths(paths)
    for finding in findings:
        print(finding)
    if findings:
        print(f"\n{len(findings)} Keras-2 API(s). To show old code on purpose, put it in a {{warning}} "
              "callout or end the line with '# removed in Keras 3'.")  # fmt: skip
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
