"""Diagrams of neurons, networks and computational graphs, drawn as SVG by plain Python.

Every function returns a :class:`Diagram`. A notebook cell that ends with one shows the picture, and
the book renders it inline as vector graphics, crisp at any width. ``str(diagram)`` (or
``diagram.text``) is the SVG source and ``diagram.save("figure.svg")`` writes it to a file.

Only the standard library is used (no Graphviz program, no matplotlib), so a diagram takes
milliseconds to draw and weighs a few kilobytes.

What holds for every diagram:

* **Light and dark pages.** The background is transparent, every piece of text sits on an opaque
  light fill (a node or a small label chip), and connections are a mid grey (red for inhibitory
  wires and gradients) with enough contrast on white and on near-black pages alike.
* **Any width.** The SVG has a ``viewBox``, a natural width of at most 720 px and ``max-width:
  100%``, so on a phone it shrinks to the screen instead of overflowing.
* **Words for screen readers.** The SVG has ``role="img"``, an ``aria-label``, a ``<title>`` and a
  ``<desc>`` that say what the picture shows.
* **Findable parts.** Drawn elements carry classes: ``nn-node`` (neurons, layers, values,
  operations), ``nn-edge`` (a connection between two nodes), ``nn-arrow`` (an arrow from a node to
  a free label, such as an output), ``nn-chip`` (the background of a label) and ``nn-box`` (a dashed
  group outline). Tests and style sheets use them.

Functions
---------
mcculloch_pitts
    A McCulloch-Pitts neuron wired as a logic gate.
mcculloch_pitts_xor
    XOR as a circuit of McCulloch-Pitts neurons.
tlu
    A threshold logic unit: inputs, weights, weighted sum, step.
perceptron
    A perceptron: a layer of TLUs with a bias neuron.
mlp
    A multilayer perceptron drawn from its layer sizes.
xor_network
    The 2-2-1 network of TLUs that computes XOR, with its weights and biases.
dense_layer_shapes
    ``X (N, D) @ W (D, M) + b (M,) = Y (N, M)`` as blocks with their shapes.
model_graph
    Any graph of Keras-style layers, from plain data.
keras_sequential
    A Sequential model drawn from its layers' names and output shapes.
wide_and_deep, wide_and_deep_two_inputs, wide_and_deep_aux
    The Wide & Deep models of the Functional API chapter.
two_headed_model
    The age/gender model: a shared trunk and two heads.
multi_input_multi_output
    A Functional model with several inputs and several outputs.
computational_graph
    The graph of an expression: value nodes (value and gradient) and operation nodes.
backprop_flow
    How add, mul and max pass an upstream gradient back to their inputs.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import math
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

__all__ = [
    "Diagram",
    "mcculloch_pitts",
    "mcculloch_pitts_xor",
    "tlu",
    "perceptron",
    "mlp",
    "xor_network",
    "dense_layer_shapes",
    "model_graph",
    "keras_sequential",
    "wide_and_deep",
    "wide_and_deep_two_inputs",
    "wide_and_deep_aux",
    "two_headed_model",
    "multi_input_multi_output",
    "computational_graph",
    "backprop_flow",
]

# ------------------------------------------------------------------------------------------------
# Palette. Text is always dark on a light fill; lines that stand on the page background itself
# (edges, node outlines, dashed boxes) use colours of middle lightness, which keep at least 3:1
# contrast on a white page and on the near-black page of a dark theme.
# ------------------------------------------------------------------------------------------------
_INK = "#1b1f24"
_GRAD_INK = "#9b1c1c"  # gradient text, on light fills
_EDGE = "#8a8a8a"
_RED = "#d9534f"  # inhibitory wires and backward (gradient) arrows
_CHIP_FILL = "#f4f5f7"
_FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"

# fill, outline
_NODE_COLOURS = {
    "input": ("#dbe8f6", "#3a6ea5"),
    "hidden": ("#fbe3c8", "#b0642a"),
    "output": ("#d3eed8", "#2f7d43"),
    "bias": ("#eeeeee", "#6b6b6b"),
    "unit": ("#fbe3c8", "#b0642a"),
    "param": ("#fbe3c8", "#b0642a"),
    "layer": ("#fbe3c8", "#b0642a"),
    "merge": ("#e8e8e8", "#6b6b6b"),
    "op": ("#e9dff5", "#6f4a98"),
    "leaf": ("#dbe8f6", "#3a6ea5"),
    "value": ("#eef1f5", "#5b6675"),
    "result": ("#d3eed8", "#2f7d43"),
}
_DASHED_KINDS = {"bias"}

# font size (px), bold, colour
_TEXT_STYLES = {
    "name": (13.0, False, _INK),
    "bold": (13.0, True, _INK),
    "big": (20.0, True, _INK),
    "small": (11.0, False, _INK),
    "grad": (11.0, False, _GRAD_INK),
    "op": (15.0, True, _INK),
}
_LINE_HEIGHT = 1.25  # in ems

# stroke, width, dash, end marker
_EDGE_STYLES = {
    "wire": (_EDGE, 1.5, None, "arrow"),
    "plain": (_EDGE, 1.0, None, None),
    "inhibitory": (_RED, 1.5, None, "dot"),
    "backward": (_RED, 1.5, "5 3", "arrow"),
}

_MAX_WIDTH = 720.0  # px: the natural width of a diagram never exceeds this
_MARGIN = 8.0

# Approximate advance widths (in ems) of Arial/Helvetica/Liberation Sans, which share metrics, used to
# size nodes and label chips. Characters not listed (symbols that fall back to another font) get a
# generous width so that the text still fits.
_WIDTHS: dict[str, float] = {
    char: width
    for chars, width in (
        (" !,./:;[\\]fjilI|'·", 0.28),
        ("()-rt{}*", 0.34),
        ('"', 0.36),
        ("Jcksvxyz", 0.5),
        ("abdeghnopqu0123456789_?#$ŷ", 0.556),
        ("+=<>~−×÷", 0.584),
        ("FTZL", 0.611),
        ("ABEKPSVXY", 0.667),
        ("CDHNRUw", 0.722),
        ("GOQ", 0.778),
        ("mM%", 0.833),
        ("W", 0.944),
        ("₀₁₂₃₄₅₆₇₈₉ᵀ", 0.45),
        ("ΣσθηΔ∂", 0.66),
        ("¬∧∨⊕→⋮…≥≤", 0.86),
    )
    for char in chars
}
_UNKNOWN_WIDTH = 0.9
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _text_width(text: str, style: str = "name") -> float:
    """Estimated width in px of ``text`` drawn in ``style`` (a little generous, never tight)."""
    size, bold, _ = _TEXT_STYLES[style]
    ems = sum(_WIDTHS.get(char, _UNKNOWN_WIDTH) for char in text)
    return ems * size * (1.1 if bold else 1.04)


def _block_size(lines: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """Width and height in px of a block of text lines ``[(text, style), ...]``."""
    if not lines:
        return 0.0, 0.0
    width = max(_text_width(text, style) for text, style in lines)
    height = sum(_TEXT_STYLES[style][0] * _LINE_HEIGHT for _, style in lines)
    return width, height


def _num(value: float) -> str:
    """A coordinate for the SVG source: one decimal, no trailing zeros."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _number_label(value: float, fmt: str = "g") -> str:
    """A number for a reader: compact, with a true minus sign."""
    text = format(value or 0.0, fmt)  # -0.0 is falsy, so "-0" is never printed
    return text.replace("-", "\u2212")


def _sub(i: int) -> str:
    """``i`` in subscript digits: ``_sub(12) == "₁₂"``."""
    return str(i).translate(_SUBSCRIPTS)


# ------------------------------------------------------------------------------------------------
# Input checks, with the package's message format: "<where>: expected <...>; got <...>. <fix>"
# ------------------------------------------------------------------------------------------------


def _error(where: str, expected: str, got: str, fix: str | None = None, exc=ValueError) -> Exception:
    message = f"{where}: expected {expected}; got {got}."
    return exc(f"{message} {fix}" if fix else message)


def _check_int(value, *, where: str, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _error(where, f"{name} to be an integer", f"{type(value).__name__} {value!r}", exc=TypeError)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise _error(where, f"{name} {bounds}", f"{name}={value!r}")
    return int(value)


def _check_number(value, *, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _error(where, f"{name} to be a real number", f"{type(value).__name__} {value!r}", exc=TypeError)
    if not math.isfinite(value):
        raise _error(where, f"a finite {name}", f"{name}={value!r}")
    return float(value)


def _check_text(value, *, where: str, name: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        kind = "a string or None" if optional else "a string"
        raise _error(where, f"{name} to be {kind}", f"{type(value).__name__} {value!r}", exc=TypeError)
    if not value.strip():
        raise _error(where, f"a non-empty {name}", repr(value))
    return value


def _check_choice(value, choices: Sequence[str], *, where: str, name: str) -> str:
    if not isinstance(value, str) or value not in choices:
        lowered = {c.lower(): c for c in choices}
        close = difflib.get_close_matches(str(value).lower(), list(lowered), n=1)
        raise _error(
            where,
            f"{name} to be one of {', '.join(repr(c) for c in choices)}",
            f"{name}={value!r}",
            f"Did you mean {lowered[close[0]]!r}?" if close else None,
        )
    return value


def _check_keys(record: Mapping, allowed: Sequence[str], *, where: str, what: str) -> None:
    for key in record:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            raise _error(
                where,
                f"{what} with keys among {', '.join(repr(k) for k in allowed)}",
                f"the key {key!r}",
                f"Did you mean {close[0]!r}?" if close else None,
            )


# ------------------------------------------------------------------------------------------------
# The picture
# ------------------------------------------------------------------------------------------------


class Diagram:
    """An SVG picture that a notebook displays and the book renders inline.

    Diagrams are made by this module's functions, not by hand. Jupyter shows one through
    ``_repr_html_`` (the SVG inline in the page, where screen readers find its title) or
    ``_repr_svg_``.

    Attributes
    ----------
    text : str
        The SVG source (also ``str(diagram)``).
    title : str
        One sentence saying what the picture shows (the SVG's ``<title>`` and ``aria-label``).
    description : str
        A longer description in words (the SVG's ``<desc>``).
    width, height : float
        The natural size in px; the picture scales down to narrower containers.

    Examples
    --------
    >>> d = mlp([3, 4, 2])
    >>> d.text.startswith("<svg")
    True
    >>> d._repr_svg_() == str(d) == d.text
    True
    >>> d.width <= 720
    True
    """

    def __init__(self, text: str, *, title: str, description: str, width: float, height: float):
        self._text = text
        self.title = title
        self.description = description
        self.width = width
        self.height = height

    @property
    def text(self) -> str:
        return self._text

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        size = f"{self.width:.0f} x {self.height:.0f} px, {len(self._text):,} characters of SVG"
        return f"<Diagram {self.title!r}: {size}>"

    def _repr_svg_(self) -> str:
        return self._text

    def _repr_html_(self) -> str:
        # Notebooks and the book prefer HTML: the SVG then sits inline in the page, where its
        # title and aria-label are read by screen readers (an <img> of an .svg file would only
        # get a file name as its alternative text).
        return self._text

    def save(self, path) -> Path:
        """Write the SVG to ``path`` (which must end in ``.svg``) and return it as a ``Path``.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write, e.g. ``"figures/xor.svg"``. The folder must exist.

        Returns
        -------
        pathlib.Path

        Raises
        ------
        ValueError
            If ``path`` does not end in ``.svg``.
        """
        target = Path(path)
        if target.suffix.lower() != ".svg":
            raise _error(
                "Diagram.save",
                "a path ending in .svg",
                repr(str(path)),
                "Diagrams are SVG; open the file in a browser to export another format.",
            )
        target.write_text(self._text, encoding="utf-8")
        return target


# ------------------------------------------------------------------------------------------------
# The layout engine: a canvas of nodes, edges, arrows, label chips and boxes, rendered to SVG.
# ------------------------------------------------------------------------------------------------


@dataclass
class _Node:
    key: Any
    lines: list  # [(text, style)]
    kind: str
    shape: str = "circle"  # "circle" or "rect"
    w: float = 0.0
    h: float = 0.0
    x: float = 0.0
    y: float = 0.0
    icon: str | None = None  # "heaviside" or "sign": a small step drawn inside
    grid: tuple[int, int] | None = None  # (rows, columns) of faint cell lines inside a block

    @property
    def r(self) -> float:
        return self.w / 2

    def bbox(self):
        return (self.x - self.w / 2, self.y - self.h / 2, self.x + self.w / 2, self.y + self.h / 2)

    def boundary(self, toward: tuple[float, float]) -> tuple[float, float]:
        """The point where the ray from the centre toward ``toward`` leaves the shape."""
        dx, dy = toward[0] - self.x, toward[1] - self.y
        if dx == 0 and dy == 0:
            return self.x, self.y
        if self.shape == "circle":
            scale = self.r / math.hypot(dx, dy)
        else:
            scale = min(
                (self.w / 2) / abs(dx) if dx else math.inf,
                (self.h / 2) / abs(dy) if dy else math.inf,
            )
        return self.x + dx * scale, self.y + dy * scale


def _make_node(
    key, lines, *, kind, shape="circle", radius=None, min_width=0.0, min_height=0.0, icon=None, grid=None
) -> _Node:
    """A node sized to hold its text lines (and icon)."""
    text_w, text_h = _block_size(lines)
    if shape == "circle":
        r = max(radius or 0.0, math.hypot(text_w / 2, text_h / 2) + 3.0, 12.0)
        w = h = 2 * r
    else:
        w = max(min_width, text_w + 16.0)
        h = max(min_height, text_h + 10.0)
    return _Node(key, list(lines), kind, shape, w, h, icon=icon, grid=grid)


@dataclass
class _Edge:
    d: str  # SVG path data
    samples: list  # points along the path, for label placement and bounds
    kind: str
    css: str = "nn-edge"


@dataclass
class _Chip:
    x: float  # centre
    y: float
    lines: list

    def size(self):
        w, h = _block_size(self.lines)
        return w + 8.0, h + 4.0

    def bbox(self):
        w, h = self.size()
        return (self.x - w / 2, self.y - h / 2, self.x + w / 2, self.y + h / 2)


@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float


def _overlap(a, b, pad: float = 0.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _quad(p, c, q, n=12):
    return [
        (
            (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * c[0] + t**2 * q[0],
            (1 - t) ** 2 * p[1] + 2 * (1 - t) * t * c[1] + t**2 * q[1],
        )
        for t in (i / n for i in range(n + 1))
    ]


def _cubic(p, c1, c2, q, n=10):
    out = []
    for i in range(n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        out.append((a * p[0] + b * c1[0] + c * c2[0] + d * q[0], a * p[1] + b * c1[1] + c * c2[1] + d * q[1]))
    return out


def _point_at(samples, t: float):
    """The point a fraction ``t`` of the way along a sampled path (by length)."""
    lengths = [math.dist(a, b) for a, b in zip(samples, samples[1:])]
    target = t * sum(lengths)
    for (a, b), length in zip(zip(samples, samples[1:]), lengths):
        if target <= length and length > 0:
            f = target / length
            return a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
        target -= length
    return samples[-1]


class _Canvas:
    """Collects shapes in diagram coordinates (px, y down) and renders them as one SVG."""

    def __init__(self):
        self.nodes: dict[Any, _Node] = {}
        self.edges: list[_Edge] = []
        self.chips: list[_Chip] = []
        self.boxes: list[_Box] = []

    # -- adding shapes ---------------------------------------------------------------------------
    def add(self, node: _Node, x: float, y: float) -> _Node:
        node.x, node.y = x, y
        self.nodes[node.key] = node
        return node

    def connect(self, a, b, *, kind="wire", bend=0.0, label=None, label_at=0.5) -> _Edge:
        """A straight (or, with ``bend`` px of sideways offset, curved) edge from node a to node b."""
        na, nb = self.nodes[a], self.nodes[b]
        if bend:
            mx, my = (na.x + nb.x) / 2, (na.y + nb.y) / 2
            length = math.hypot(nb.x - na.x, nb.y - na.y) or 1.0
            # Control point of a quadratic curve: twice the wanted mid-curve offset, sideways.
            c = (mx - 2 * bend * (nb.y - na.y) / length, my + 2 * bend * (nb.x - na.x) / length)
            p, q = na.boundary(c), nb.boundary(c)
            d = f"M{_num(p[0])} {_num(p[1])}Q{_num(c[0])} {_num(c[1])} {_num(q[0])} {_num(q[1])}"
            samples = _quad(p, c, q)
        else:
            p, q = na.boundary((nb.x, nb.y)), nb.boundary((na.x, na.y))
            if kind == "inhibitory":  # stop short so that the whole dot shows, touching the unit
                length = math.dist(p, q) or 1.0
                q = (q[0] - 4.5 * (q[0] - p[0]) / length, q[1] - 4.5 * (q[1] - p[1]) / length)
            d = f"M{_num(p[0])} {_num(p[1])}L{_num(q[0])} {_num(q[1])}"
            samples = [p, q]
        edge = _Edge(d, samples, kind)
        self.edges.append(edge)
        if label is not None:
            self.label_along(edge, label, label_at)
        return edge

    def route(self, points, kind="wire", axis="y") -> _Edge:
        """A smooth edge through ``points``, leaving and entering each along ``axis`` (the rank axis)."""
        d = f"M{_num(points[0][0])} {_num(points[0][1])}"
        samples = [points[0]]
        for p, q in zip(points, points[1:]):
            if axis == "y":
                half = (q[1] - p[1]) / 2
                c1, c2 = (p[0], p[1] + half), (q[0], q[1] - half)
            else:
                half = (q[0] - p[0]) / 2
                c1, c2 = (p[0] + half, p[1]), (q[0] - half, q[1])
            d += "C" + " ".join(f"{_num(u)} {_num(v)}" for u, v in (c1, c2, q))
            samples += _cubic(p, c1, c2, q)[1:]
        edge = _Edge(d, samples, kind)
        self.edges.append(edge)
        return edge

    def arrow(self, node_key, to, text) -> _Edge:
        """An arrow from a node to the point ``to``, with ``text`` in a chip just right of its tip."""
        p = self.nodes[node_key].boundary(to)
        edge = _Edge(
            f"M{_num(p[0])} {_num(p[1])}L{_num(to[0])} {_num(to[1])}", [p, to], "wire", css="nn-arrow"
        )
        self.edges.append(edge)
        lines = [(text, "name")]
        self.chip(to[0] + _block_size(lines)[0] / 2 + 8, to[1], lines)
        return edge

    def chip(self, x, y, lines) -> _Chip:
        chip = _Chip(x, y, list(lines))
        self.chips.append(chip)
        return chip

    def free(self, bbox, pad=2.0) -> bool:
        """True when ``bbox`` overlaps no node and no chip."""
        return not any(_overlap(bbox, n.bbox(), pad) for n in self.nodes.values()) and not any(
            _overlap(bbox, c.bbox(), pad) for c in self.chips
        )

    def place_chip(self, candidates, lines) -> _Chip:
        """A chip at the first candidate centre where it overlaps nothing (else the first)."""
        candidates = list(candidates)
        for x, y in candidates:
            chip = _Chip(x, y, list(lines))
            if self.free(chip.bbox()):
                break
        else:
            chip = _Chip(*candidates[0], list(lines))
        self.chips.append(chip)
        return chip

    def label_along(self, edge: _Edge, text, at=0.5) -> _Chip:
        """A label chip on the edge at fraction ``at`` of its length, or nearby where that is taken."""
        order = [at] + [at + s * k for k in (0.1, 0.2, 0.3) for s in (-1, 1)]
        points = [_point_at(edge.samples, t) for t in order if 0.1 <= t <= 0.9]
        return self.place_chip(points, [(text, "small")])

    def box(self, x0, y0, x1, y1, label=None) -> _Box:
        box = _Box(x0, y0, x1, y1)
        self.boxes.append(box)
        if label:
            self.chip((x0 + x1) / 2, y0, [(label, "small")])
        return box

    # -- rendering -------------------------------------------------------------------------------
    def bounds(self):
        boxes = [n.bbox() for n in self.nodes.values()] + [c.bbox() for c in self.chips]
        boxes += [(b.x0, b.y0, b.x1, b.y1) for b in self.boxes]
        for edge in self.edges:
            xs, ys = [p[0] for p in edge.samples], [p[1] for p in edge.samples]
            boxes.append((min(xs) - 5, min(ys) - 5, max(xs) + 5, max(ys) + 5))  # room for arrowheads
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )

    def render(self, title: str, description: str) -> Diagram:
        body, markers = [], {}
        if self.boxes:
            body.append(f'<g fill="none" stroke="{_EDGE}" stroke-width="1" stroke-dasharray="4 3">')
            body += [
                f'<rect class="nn-box" x="{_num(b.x0)}" y="{_num(b.y0)}" width="{_num(b.x1 - b.x0)}" '
                f'height="{_num(b.y1 - b.y0)}" rx="8"/>'
                for b in self.boxes
            ]
            body.append("</g>")
        for kind in _EDGE_STYLES:
            edges = [e for e in self.edges if e.kind == kind]
            if not edges:
                continue
            stroke, width, dash, marker = _EDGE_STYLES[kind]
            attrs = f'fill="none" stroke="{stroke}" stroke-width="{width}"'
            if dash:
                attrs += f' stroke-dasharray="{dash}"'
            if marker:
                name = markers.setdefault((marker, stroke), f"{marker}{len(markers)}")
                attrs += f' marker-end="url(#@UID@-{name})"'
            body.append(f"<g {attrs}>")
            body += [f'<path class="{e.css} {kind}" d="{e.d}"/>' for e in edges]
            body.append("</g>")
        body += [self._node_svg(n) for n in self.nodes.values()]
        if self.chips:
            body.append(f'<g fill="{_CHIP_FILL}">')
            for c in self.chips:
                x0, y0, x1, y1 = c.bbox()
                body.append(
                    f'<rect class="nn-chip" x="{_num(x0)}" y="{_num(y0)}" width="{_num(x1 - x0)}" '
                    f'height="{_num(y1 - y0)}" rx="3"/>'
                )
            body.append("</g>")
        texts = [(n.x, n.y, n.lines) for n in self.nodes.values()] + [(c.x, c.y, c.lines) for c in self.chips]
        body += [_text_svg(x, y, lines) for x, y, lines in texts if lines]

        x0, y0, x1, y1 = self.bounds()
        x0, y0, x1, y1 = x0 - _MARGIN, y0 - _MARGIN, x1 + _MARGIN, y1 + _MARGIN
        vb_w, vb_h = x1 - x0, y1 - y0
        width = min(vb_w, _MAX_WIDTH)
        height = vb_h * width / vb_w
        defs = "".join(_marker_svg(shape, colour, name) for (shape, colour), name in markers.items())
        inner = f"<defs>{defs}</defs>" + "".join(body) if defs else "".join(body)
        # Ids must be unique when several diagrams share one page; a hash of the content gives the
        # same ids for the same picture every time (stable outputs, stable build caches).
        uid = "nn" + hashlib.sha1((title + inner).encode("utf-8")).hexdigest()[:8]
        inner = inner.replace("@UID@", uid)
        text = (
            f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="{_num(x0)} {_num(y0)} {_num(vb_w)} {_num(vb_h)}" '
            f'width="{_num(width)}" height="{_num(height)}" role="img" aria-label="{html.escape(title)}" '
            f'aria-describedby="{uid}-desc" style="max-width:100%;height:auto" font-family="{_FONT}">'
            f"<title>{html.escape(title)}</title><desc id=\"{uid}-desc\">{html.escape(description)}</desc>"
            f"{inner}</svg>"
        )
        return Diagram(
            text, title=title, description=description, width=round(width, 1), height=round(height, 1)
        )

    def _node_svg(self, n: _Node) -> str:
        fill, stroke = _NODE_COLOURS[n.kind]
        dash = ' stroke-dasharray="4 2"' if n.kind in _DASHED_KINDS else ""
        common = f'class="nn-node {n.kind}" fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}'
        if n.shape == "circle":
            out = f'<circle {common} cx="{_num(n.x)}" cy="{_num(n.y)}" r="{_num(n.r)}"/>'
        else:
            x0, y0, _, _ = n.bbox()
            out = (
                f'<rect {common} x="{_num(x0)}" y="{_num(y0)}" '
                f'width="{_num(n.w)}" height="{_num(n.h)}" rx="5"/>'
            )
        if n.grid:
            out += _grid_svg(n)
        if n.icon:
            out += _icon_svg(n)
        return out


def _text_svg(x: float, y: float, lines) -> str:
    """Lines of text centred on (x, y); one <text> element per line."""
    _, total = _block_size(lines)
    top = y - total / 2
    out = []
    for text, style in lines:
        size, bold, colour = _TEXT_STYLES[style]
        line_h = size * _LINE_HEIGHT
        baseline = top + line_h / 2 + 0.35 * size  # 0.35 em: from the middle of a line to its baseline
        weight = ' font-weight="bold"' if bold else ""
        fill = f' fill="{colour}"'
        out.append(
            f'<text x="{_num(x)}" y="{_num(baseline)}" font-size="{_num(size)}" text-anchor="middle"'
            f"{weight}{fill}>{html.escape(text)}</text>"
        )
        top += line_h
    return "".join(out)


def _icon_svg(n: _Node) -> str:
    """A small step function inside a node: Heaviside (0 to 1) or sign (-1 to 1)."""
    s = n.r * 0.55
    low, high = (0.3 * s, -0.5 * s) if n.icon == "heaviside" else (0.45 * s, -0.45 * s)
    axis_y = n.y + (low if n.icon == "heaviside" else 0.0)
    step = f"M{_num(n.x - s)} {_num(n.y + low)}H{_num(n.x)}V{_num(n.y + high)}H{_num(n.x + s)}"
    return (
        f'<path class="nn-icon" d="M{_num(n.x - s)} {_num(axis_y)}H{_num(n.x + s)}" '
        f'stroke="{_EDGE}" stroke-width="1"/>'
        f'<path class="nn-icon" d="{step}" fill="none" stroke="{_INK}" stroke-width="1.8"/>'
    )


def _grid_svg(n: _Node) -> str:
    """Faint lines between the cells of a matrix block (one row or column per entry)."""
    rows, cols = n.grid
    x0, y0, x1, y1 = n.bbox()
    path = "".join(f"M{_num(x0)} {_num(y0 + i * n.h / rows)}H{_num(x1)}" for i in range(1, rows))
    path += "".join(f"M{_num(x0 + j * n.w / cols)} {_num(y0)}V{_num(y1)}" for j in range(1, cols))
    _, stroke = _NODE_COLOURS[n.kind]
    return (
        f'<path class="nn-grid" d="{path}" stroke="{stroke}" stroke-width="0.5" stroke-opacity="0.6"/>'
        if path
        else ""
    )


def _marker_svg(shape: str, colour: str, name: str) -> str:
    if shape == "arrow":
        return (
            f'<marker id="@UID@-{name}" viewBox="0 0 10 10" refX="9.5" refY="5" '
            'markerWidth="8" markerHeight="8" '
            f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0 0L10 5L0 10z" fill="{colour}"/></marker>'
        )
    return (  # a dot centred on the end of the line: the classic mark of an inhibitory synapse
        f'<marker id="@UID@-{name}" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9" '
        f'markerUnits="userSpaceOnUse"><circle cx="5" cy="5" r="4.5" fill="{colour}"/></marker>'
    )


# ------------------------------------------------------------------------------------------------
# Layered layout of a directed acyclic graph (a small Sugiyama method): ranks by longest path,
# dummy points on long edges, crossings reduced by barycentre sweeps, coordinates pulled toward
# neighbours while keeping the nodes of a rank apart.
# ------------------------------------------------------------------------------------------------


def _layered_layout(
    nodes: dict,
    edges: list,
    *,
    where: str,
    direction: str,
    sources_near_use: bool,
    labels: Sequence[str | None] = (),
    rank_gap: float = 34.0,
    gap: float = 22.0,
):
    """Place ``nodes`` (key -> _Node, sizes set) in ranks; return the via points of each edge.

    Edges are (a, b) pairs of node keys; the result is one list of intermediate points per edge.
    """
    keys = list(nodes)
    succ = {k: [] for k in keys}
    pred = {k: [] for k in keys}
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
    indegree = {k: len(pred[k]) for k in keys}
    ready = [k for k in keys if indegree[k] == 0]
    topo = []
    while ready:
        k = ready.pop(0)
        topo.append(k)
        for s in succ[k]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    if len(topo) < len(keys):
        # Keys of computational graphs are ("v", id) / ("o", id) pairs: report the ids, once each.
        stuck = dict.fromkeys(k[1] if isinstance(k, tuple) else k for k in keys if indegree[k] > 0)
        raise _error(
            where,
            "an acyclic graph (edges that never lead back to a node)",
            f"a cycle among {', '.join(repr(s) for s in stuck)}",
        )
    rank = {k: 0 for k in keys}
    for k in topo:
        for s in succ[k]:
            rank[s] = max(rank[s], rank[k] + 1)
    if sources_near_use:  # leaves sit just before their first use, not all in the first rank
        for k in keys:
            if not pred[k] and succ[k]:
                rank[k] = min(rank[s] for s in succ[k]) - 1

    # Long edges get a dummy point in every rank they cross, so they can bend around nodes.
    breadth = {k: (nodes[k].w if direction == "TB" else nodes[k].h) for k in keys}
    depth = {k: (nodes[k].h if direction == "TB" else nodes[k].w) for k in keys}
    n_ranks = max(rank.values()) + 1
    layers = [[] for _ in range(n_ranks)]
    for k in topo:
        layers[rank[k]].append(k)
    chains, down, up = [], {k: [] for k in keys}, {k: [] for k in keys}
    for i, (a, b) in enumerate(edges):
        chain = [a]
        label = labels[i] if i < len(labels) else None
        for r in range(rank[a] + 1, rank[b]):
            dummy = ("~dummy", i, r)
            layers[r].append(dummy)
            breadth[dummy] = _text_width(label, "small") + 12 if label else 10.0
            depth[dummy] = 0.0
            down[dummy], up[dummy] = [], []
            chain.append(dummy)
        chain.append(b)
        for u, v in zip(chain, chain[1:]):
            down[u].append(v)
            up[v].append(u)
        chains.append(chain)

    def crossings(order):
        pos = {v: i for layer in order for i, v in enumerate(layer)}
        total = 0
        for layer in order[:-1]:
            pairs = [(pos[u], pos[v]) for u in layer for v in down[u]]
            total += sum(
                1 for i, (a, b) in enumerate(pairs) for c, d in pairs[i + 1 :] if (a - c) * (b - d) < 0
            )
        return total

    best, best_count = [list(layer) for layer in layers], crossings(layers)
    for _ in range(6):
        for sweep, neighbours in ((range(1, n_ranks), up), (range(n_ranks - 2, -1, -1), down)):
            for r in sweep:
                pos = {v: i for layer in layers for i, v in enumerate(layer)}
                layers[r].sort(
                    key=lambda v: (
                        (sum(pos[u] for u in neighbours[v]) / len(neighbours[v])) if neighbours[v] else pos[v]
                    )
                )
            count = crossings(layers)
            if count < best_count:
                best, best_count = [list(layer) for layer in layers], count
    layers = best

    # Coordinates across the ranks: start packed, then pull each node toward the mean of its
    # neighbours. The left-to-right and right-to-left passes each keep the required separations,
    # so their average does too.
    across = {}
    for layer in layers:
        pos = 0.0
        for v in layer:
            across[v] = pos + breadth[v] / 2
            pos += breadth[v] + gap
        shift = (pos - gap) / 2
        for v in layer:
            across[v] -= shift
    for _ in range(8):
        for sweep, neighbours in ((range(1, n_ranks), up), (range(n_ranks - 2, -1, -1), down)):
            for r in sweep:
                layer = layers[r]
                want = [
                    sum(across[u] for u in neighbours[v]) / len(neighbours[v]) if neighbours[v] else across[v]
                    for v in layer
                ]
                sep = [(breadth[a] + breadth[b]) / 2 + gap for a, b in zip(layer, layer[1:])]
                left = list(want)
                for i in range(1, len(layer)):
                    left[i] = max(want[i], left[i - 1] + sep[i - 1])
                right = list(want)
                for i in range(len(layer) - 2, -1, -1):
                    right[i] = min(want[i], right[i + 1] - sep[i])
                for v, a, b in zip(layer, left, right):
                    across[v] = (a + b) / 2
    along, pos = {}, 0.0
    for layer in layers:
        thick = max(depth[v] for v in layer)
        pos += thick / 2
        for v in layer:
            along[v] = pos
        pos += thick / 2 + rank_gap
    for k in keys:
        x, y = (across[k], along[k]) if direction == "TB" else (along[k], across[k])
        nodes[k].x, nodes[k].y = x, y
    return [
        [(across[d], along[d]) if direction == "TB" else (along[d], across[d]) for d in chain[1:-1]]
        for chain in chains
    ]


def _draw_layered(canvas: _Canvas, nodes: dict, edges: list, *, direction: str, labels=(), **layout):
    """Lay out a DAG of nodes and draw it with smooth edges between spread-out ports.

    ``layout`` holds the other keywords of ``_layered_layout`` (``where``, ``sources_near_use``).
    """
    vias = _layered_layout(nodes, edges, direction=direction, labels=labels, **layout)
    for node in nodes.values():
        canvas.add(node, node.x, node.y)
    axis = "y" if direction == "TB" else "x"
    across_axis = 0 if axis == "y" else 1
    # Ports: the edges leaving (entering) a node are spread along its far (near) side in the order of
    # where they go (come from), so arrowheads never pile up on one point.
    ports_out, ports_in = {}, {}
    for side, store in (("out", ports_out), ("in", ports_in)):
        groups: dict = {}
        for i, ((a, b), via) in enumerate(zip(edges, vias)):
            owner, other = (
                (a, (via[0] if via else (nodes[b].x, nodes[b].y)))
                if side == "out"
                else (b, (via[-1] if via else (nodes[a].x, nodes[a].y)))
            )
            groups.setdefault(owner, []).append((other[across_axis], i))
        for owner, items in groups.items():
            items.sort()
            node = nodes[owner]
            span = node.w if axis == "y" else node.h
            step = min(16.0, 0.6 * span / max(len(items) - 1, 1))
            for j, (_, i) in enumerate(items):
                offset = (j - (len(items) - 1) / 2) * step
                store[i] = _port(node, offset, +1 if side == "out" else -1, axis)
    for i, via in enumerate(vias):
        edge = canvas.route([ports_out[i], *via, ports_in[i]], axis=axis)
        label = labels[i] if i < len(labels) else None
        if label:
            canvas.label_along(edge, label)


def _port(node: _Node, offset: float, sign: int, axis: str):
    """A point on the side of ``node`` that faces along ``axis`` (``sign`` +1: far side)."""
    if node.shape == "circle":
        offset = max(-0.8 * node.r, min(0.8 * node.r, offset))
        reach = math.sqrt(node.r**2 - offset**2)
    else:
        reach = (node.h if axis == "y" else node.w) / 2
    if axis == "y":
        return node.x + offset, node.y + sign * reach
    return node.x + sign * reach, node.y + offset


# ------------------------------------------------------------------------------------------------
# Neurons and logic
# ------------------------------------------------------------------------------------------------

# inputs: (name, times wired, kind); inhibitors: names
_GATES = {
    "identity": ([("A", 2, "input")], [], "A", "C = A: input A is wired to the unit twice"),
    "and": (
        [("A", 1, "input"), ("B", 1, "input")],
        [],
        "A ∧ B",
        "C = A AND B: A and B are each wired once, so the unit reaches its threshold only when both "
        "are active",
    ),
    "or": (
        [("A", 2, "input"), ("B", 2, "input")],
        [],
        "A ∨ B",
        "C = A OR B: A and B are each wired twice, so either one alone reaches the threshold",
    ),
    "a_and_not_b": (
        [("A", 2, "input")],
        ["B"],
        "A ∧ ¬B",
        "C = A AND NOT B: A is wired twice; B is an inhibitory input that vetoes firing",
    ),
    "not": (
        [("1", 2, "bias")],
        ["A"],
        "¬A",
        "C = NOT A: a constant input 1 is wired twice and A is an inhibitory input",
    ),
}


def mcculloch_pitts(gate: str) -> Diagram:
    """A McCulloch-Pitts neuron wired as a logic gate.

    The unit fires when at least 2 of its excitatory wires carry a 1 and no inhibitory input does
    (the threshold 2, written inside the unit, is the convention of
    ``course_pkg.numpy_nn.perceptron.mcp_neuron``). An input wired twice counts twice. Excitatory
    wires are grey arrows; inhibitory wires are red and end in a dot.

    Parameters
    ----------
    gate : {"and", "or", "not", "a_and_not_b", "identity"}
        Which gate to draw.

    Returns
    -------
    Diagram

    Raises
    ------
    ValueError
        If ``gate`` is not one of the names above.

    Examples
    --------
    >>> d = mcculloch_pitts("and")
    >>> d.title
    'McCulloch-Pitts neuron computing A ∧ B (threshold 2)'
    >>> str(d).count('class="nn-edge')  # A and B, one wire each
    2
    """
    gate = _check_choice(gate, list(_GATES), where="mcculloch_pitts", name="gate")
    inputs, inhibitors, expression, wiring = _GATES[gate]
    canvas = _Canvas()
    wired = [(name, kind) for name, _, kind in inputs] + [(name, "input") for name in inhibitors]
    for i, (name, kind) in enumerate(wired):  # inputs in a column, centred on the unit
        canvas.add(
            _make_node(name, [(name, "bold")], kind=kind, radius=16), 0.0, 64.0 * (i - (len(wired) - 1) / 2)
        )
    canvas.add(_make_node("C", [("2", "big")], kind="unit", radius=24), 150.0, 0.0)
    for name, times, _ in inputs:
        for bend in (0.0,) if times == 1 else (-7.0, 7.0):
            canvas.connect(name, "C", bend=bend)
    for name in inhibitors:
        canvas.connect(name, "C", kind="inhibitory", label="inhibitory", label_at=0.4)
    canvas.arrow("C", (212.0, 0.0), expression)
    return canvas.render(
        f"McCulloch-Pitts neuron computing {expression} (threshold 2)",
        f"{wiring}. The unit fires when at least two excitatory wires are active and no inhibitory input is.",
    )


def mcculloch_pitts_xor() -> Diagram:
    """XOR as a circuit of McCulloch-Pitts neurons: A ⊕ B = (A ∧ ¬B) ∨ (¬A ∧ B).

    Two "A and not B" units, one with the roles of A and B swapped, feed an OR unit. Every unit has
    the threshold 2; the first layer's inhibitory wires cross.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> d = mcculloch_pitts_xor()
    >>> str(d).count('class="nn-node')  # A, B, two hidden units, the OR unit
    5
    >>> str(d).count('class="nn-edge inhibitory"')
    2
    """
    canvas = _Canvas()
    for name, y in (("A", 0.0), ("B", 140.0)):
        canvas.add(_make_node(name, [(name, "bold")], kind="input", radius=16), 0.0, y)
    for key, y, caption, caption_y in (("h1", 0.0, "A ∧ ¬B", -40.0), ("h2", 140.0, "B ∧ ¬A", 180.0)):
        canvas.add(_make_node(key, [("2", "big")], kind="unit", radius=24), 160.0, y)
        canvas.chip(160.0, caption_y, [(caption, "small")])
    canvas.add(_make_node("out", [("2", "big")], kind="output", radius=24), 300.0, 70.0)
    canvas.chip(300.0, 30.0, [("OR", "small")])
    for source, target, inhibitor in (("A", "h1", "B"), ("B", "h2", "A")):
        for bend in (-7.0, 7.0):
            canvas.connect(source, target, bend=bend)
        canvas.connect(inhibitor, target, kind="inhibitory")
    for hidden in ("h1", "h2"):
        for bend in (-7.0, 7.0):
            canvas.connect(hidden, "out", bend=bend)
    canvas.arrow("out", (362.0, 70.0), "A ⊕ B")
    return canvas.render(
        "XOR from McCulloch-Pitts neurons: (A AND NOT B) OR (B AND NOT A)",
        "Inputs A and B feed two units with threshold 2. The first fires for A and not B (A wired twice, "
        "B inhibitory), the second for B and not A. Both are wired twice to an OR unit with threshold 2, "
        "whose output is A XOR B.",
    )


_STEPS = ("heaviside", "sign")


def tlu(n_inputs: int = 3, activation: str = "heaviside") -> Diagram:
    """A threshold logic unit: inputs, a weight on each edge, the weighted sum, then a step.

    Parameters
    ----------
    n_inputs : int, default 3
        Number of inputs x₁ … x_D (1 to 8).
    activation : {"heaviside", "sign"}, default "heaviside"
        The step drawn after the sum: Heaviside gives 0 or 1, sign gives -1, 0 or 1.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If ``n_inputs`` is not an integer from 1 to 8, or ``activation`` is unknown.

    Examples
    --------
    >>> d = tlu()
    >>> [w in str(d) for w in ("w₁", "w₂", "w₃")]
    [True, True, True]
    >>> str(d).count('class="nn-node')  # 3 inputs, the sum, the step
    5
    """
    n_inputs = _check_int(n_inputs, where="tlu", name="n_inputs", minimum=1, maximum=8)
    activation = _check_choice(activation, _STEPS, where="tlu", name="activation")
    canvas = _Canvas()
    spacing = 52.0
    for i in range(n_inputs):
        key = f"x{i + 1}"
        canvas.add(_make_node(key, [(f"x{_sub(i + 1)}", "name")], kind="input", radius=16), 0.0, i * spacing)
    middle = spacing * (n_inputs - 1) / 2
    canvas.add(_make_node("sum", [("Σ", "op")], kind="unit", radius=20), 170.0, middle)
    canvas.add(_make_node("step", [], kind="unit", radius=20, icon=activation), 250.0, middle)
    for i in range(n_inputs):
        canvas.connect(f"x{i + 1}", "sum", label=f"w{_sub(i + 1)}", label_at=0.55)
    canvas.connect("sum", "step")
    canvas.arrow("step", (310.0, middle), "ŷ")
    canvas.box(140.0, middle - 34.0, 280.0, middle + 34.0, label="TLU")
    canvas.chip(170.0, middle + 50.0, [("z = xᵀw + b", "small")])
    canvas.chip(250.0, middle + 50.0, [(f"{activation}(z)", "small")])
    names = ", ".join(f"x{i + 1}" for i in range(n_inputs))
    return canvas.render(
        f"Threshold logic unit: weighted sum of {n_inputs} input{'s' if n_inputs > 1 else ''}, "
        f"then a {activation} step",
        f"Inputs {names} connect to a summation node through weights w1 to w{n_inputs}; the sum "
        f"z = x^T w + b goes through the {activation} step function, which gives the output y_hat.",
    )


# ------------------------------------------------------------------------------------------------
# Layers of units: perceptron and MLP
# ------------------------------------------------------------------------------------------------


def _shown_units(n: int, max_nodes: int) -> list[int | None]:
    """Unit numbers (1-based) drawn for a layer of ``n``; None marks the ellipsis of a wide layer."""
    if n <= max_nodes:
        return list(range(1, n + 1))
    return [1, 2, 3, None, n]


def _draw_columns(canvas, columns, *, spacing_x, spacing_y=38.0):
    """Columns of circular units, each connected to every unit of the next column.

    ``columns`` is a list of dicts: ``units`` (list of (key, lines, kind, icon) or None for the
    ellipsis), ``extra`` (nodes below a gap: the bias), ``top`` and ``bottom`` caption lines.
    """
    heights = [len(c["units"]) + (len(c.get("extra", ())) * 1.4) for c in columns]
    tallest = max(heights)
    top_all, bottom_all = 0.0, spacing_y * (tallest - 1)
    nodes = {
        u[0]: _make_node(u[0], u[1], kind=u[2], radius=13.0, icon=u[3])
        for c in columns
        for u in list(c["units"]) + list(c.get("extra", ()))
        if u
    }
    r = max(n.r for n in nodes.values())
    for node in nodes.values():  # one size for all units, even when one label needs more room
        node.w = node.h = 2 * r
    for ci, column in enumerate(columns):
        x = ci * spacing_x
        y = spacing_y * (tallest - heights[ci]) / 2
        for unit in column["units"]:
            if unit is None:
                canvas.chip(x, y, [("⋮", "bold")])
            else:
                canvas.add(nodes[unit[0]], x, y)
            y += spacing_y
        y += 0.4 * spacing_y
        for unit in column.get("extra", ()):
            canvas.add(nodes[unit[0]], x, y)
            y += spacing_y
    for ci in range(len(columns) - 1):
        sources = [u[0] for u in columns[ci]["units"] if u] + [u[0] for u in columns[ci].get("extra", ())]
        targets = [u[0] for u in columns[ci + 1]["units"] if u]
        for s in sources:
            for t in targets:
                canvas.connect(s, t, kind="plain")
    for ci, column in enumerate(columns):
        x = ci * spacing_x
        if column.get("top"):
            canvas.chip(x, top_all - 34.0, column["top"])
        if column.get("bottom"):
            canvas.chip(x, bottom_all + 34.0 + 6.0 * (len(column["bottom"]) - 1), column["bottom"])


def _caption_width(columns) -> float:
    return max(_block_size(c.get(part) or [])[0] for c in columns for part in ("top", "bottom"))


def perceptron(n_inputs: int = 2, n_outputs: int = 1, bias: bool = True) -> Diagram:
    """A perceptron: one layer of TLUs, every input connected to every unit, plus a bias neuron.

    The bias is drawn as an extra input neuron that always outputs 1 (dashed), connected to every
    TLU with the unit's bias as its weight. Layers wider than 10 units are drawn collapsed.

    Parameters
    ----------
    n_inputs : int, default 2
        Number of inputs D.
    n_outputs : int, default 1
        Number of TLUs M (several outputs: a multilabel classifier).
    bias : bool, default True
        Draw the bias neuron.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If a count is not a positive integer or ``bias`` is not a bool.

    Examples
    --------
    >>> d = perceptron(2, 3)  # 2 inputs + bias neuron, 3 TLUs
    >>> str(d).count('class="nn-node')
    6
    >>> str(d).count('class="nn-edge')  # 2 x 3 weights + 3 bias weights
    9
    """
    n_inputs = _check_int(n_inputs, where="perceptron", name="n_inputs")
    n_outputs = _check_int(n_outputs, where="perceptron", name="n_outputs")
    if not isinstance(bias, bool):
        raise _error(
            "perceptron", "bias to be True or False", f"{type(bias).__name__} {bias!r}", exc=TypeError
        )
    inputs = [
        None if i is None else (f"x{i}", [(f"x{_sub(i)}", "small")], "input", None)
        for i in _shown_units(n_inputs, 10)
    ]
    outputs = [
        None if j is None else (f"t{j}", [], "output", "heaviside") for j in _shown_units(n_outputs, 10)
    ]
    columns = [
        {
            "units": inputs,
            "extra": [("bias", [("1", "small")], "bias", None)] if bias else [],
            "top": [("inputs", "small")],
            "bottom": [(f"D = {n_inputs}", "small")],
        },
        {"units": outputs, "top": [("TLUs", "small")], "bottom": [(f"M = {n_outputs}", "small")]},
    ]
    canvas = _Canvas()
    _draw_columns(canvas, columns, spacing_x=max(150.0, _caption_width(columns) + 20))
    if bias:
        node = canvas.nodes["bias"]
        canvas.chip(node.x - node.r - 22.0, node.y, [("bias", "small")])
    for j in _shown_units(n_outputs, 10):
        if j is not None:
            node = canvas.nodes[f"t{j}"]
            canvas.arrow(f"t{j}", (node.x + node.r + 34.0, node.y), f"ŷ{_sub(j)}")
    bias_text = " and a bias neuron that always outputs 1" if bias else ""
    return canvas.render(
        f"Perceptron with {n_inputs} input{'s' if n_inputs > 1 else ''} and {n_outputs} threshold logic "
        f"unit{'s' if n_outputs > 1 else ''}",
        f"A layer of {n_inputs} input neurons{bias_text} is fully connected to {n_outputs} threshold logic "
        f"unit{'s' if n_outputs > 1 else ''}, each computing a step of a weighted sum: h = step(XW + b).",
    )


def mlp(
    layer_sizes: Sequence[int],
    *,
    hidden_activation: str | None = None,
    output_activation: str | None = None,
    max_nodes: int = 10,
) -> Diagram:
    """A multilayer perceptron drawn from its layer sizes ``[D, M1, ..., C]``.

    Every unit is connected to every unit of the next layer. A layer wider than ``max_nodes`` is
    collapsed: its first three units, an ellipsis, its last unit, and its size written below.

    Parameters
    ----------
    layer_sizes : sequence of int
        Inputs, hidden units per hidden layer, outputs: the ``layer_sizes`` of
        ``course_pkg.numpy_nn.MLP`` (at least two entries).
    hidden_activation, output_activation : str, optional
        Activation names written under the hidden layers and the output layer.
    max_nodes : int, default 10
        Widest layer drawn in full (at least 5).

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If ``layer_sizes`` has fewer than two entries or holds anything but positive integers.

    Examples
    --------
    >>> d = mlp([3, 4, 2])
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')  # 3 + 4 + 2 units, 3*4 + 4*2 edges
    (9, 20)
    >>> d = mlp([784, 128, 64, 10], hidden_activation="relu", output_activation="softmax")
    >>> str(d).count('class="nn-node')  # 4 + 4 + 4 drawn units of the wide layers, all 10 outputs
    22
    >>> "784" in str(d) and "relu" in str(d)
    True
    """
    where = "mlp"
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise _error(
            where,
            "layer_sizes to be a list of integers like [784, 128, 10]",
            f"{type(layer_sizes).__name__} {layer_sizes!r}",
            exc=TypeError,
        )
    if len(layer_sizes) < 2:
        raise _error(
            where,
            "layer_sizes with at least two entries (inputs and outputs), like [3, 4, 2]",
            f"{list(layer_sizes)!r}",
            "Add the number of outputs at the end.",
        )
    sizes = [_check_int(n, where=where, name=f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
    hidden_activation = _check_text(hidden_activation, where=where, name="hidden_activation", optional=True)
    output_activation = _check_text(output_activation, where=where, name="output_activation", optional=True)
    max_nodes = _check_int(max_nodes, where=where, name="max_nodes", minimum=5)
    columns = []
    last = len(sizes) - 1
    for li, n in enumerate(sizes):
        if li == 0:
            kind, top, activation = "input", "input", None
        elif li == last:
            kind, top, activation = "output", "output", output_activation
        else:
            kind, top, activation = "hidden", f"hidden {li}" if last > 2 else "hidden", hidden_activation
        units = [
            None if i is None else (f"L{li}u{i}", [(f"x{_sub(i)}", "small")] if li == 0 else [], kind, None)
            for i in _shown_units(n, max_nodes)
        ]
        bottom = [(f"{n:,}", "small")] + ([(activation, "small")] if activation else [])
        columns.append({"units": units, "top": [(top, "small")], "bottom": bottom})
    canvas = _Canvas()
    spacing = max(96.0, _caption_width(columns) + 16.0)
    spacing = min(spacing, max(64.0, (_MAX_WIDTH - 60.0) / last))  # deep nets: columns move closer
    _draw_columns(canvas, columns, spacing_x=spacing)
    text = " → ".join(f"{n:,}" for n in sizes)
    acts = []
    if hidden_activation and len(sizes) > 2:
        acts.append(f"{hidden_activation} in the hidden layers")
    if output_activation:
        acts.append(f"{output_activation} at the output")
    collapsed = [f"{n:,}" for n in sizes if n > max_nodes]
    return canvas.render(
        f"Multilayer perceptron {text}",
        f"A fully connected network with {sizes[0]:,} inputs, "
        + (f"hidden layers of {', '.join(f'{n:,}' for n in sizes[1:-1])} units, " if len(sizes) > 2 else "")
        + f"and {sizes[-1]:,} outputs"
        + (f"; {' and '.join(acts)}" if acts else "")
        + (f". Layers of {', '.join(collapsed)} units are drawn with an ellipsis." if collapsed else "."),
    )


# The hand-set weights of course_pkg.numpy_nn.perceptron.XORNetwork: units (name, bias, x, y) and
# connections (source, target, weight).
_XOR_UNITS = (("OR", -0.5, 150.0, 0.0), ("NAND", 1.5, 150.0, 120.0), ("AND", -1.5, 290.0, 60.0))
_XOR_WEIGHTS = (
    ("A", "OR", 1.0),
    ("B", "OR", 1.0),
    ("A", "NAND", -1.0),
    ("B", "NAND", -1.0),
    ("OR", "AND", 1.0),
    ("NAND", "AND", 1.0),
)


def xor_network() -> Diagram:
    """The 2-2-1 network of Heaviside TLUs that computes XOR, with its weights and biases.

    The hidden units are OR (weights 1, 1; bias -0.5) and NAND (weights -1, -1; bias 1.5); the
    output unit is AND of the two (weights 1, 1; bias -1.5). These are the hand-set weights of
    ``course_pkg.numpy_nn.perceptron.XORNetwork``. A unit outputs 1 when its weighted sum plus
    bias is at least 0.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> d = xor_network()
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (5, 6)
    >>> "b = −1.5" in str(d)
    True
    """
    canvas = _Canvas()
    for name, y in (("A", 0.0), ("B", 120.0)):
        canvas.add(_make_node(name, [(name, "bold")], kind="input", radius=16), 0.0, y)
    for name, b, x, y in _XOR_UNITS:
        lines = [(name, "bold"), (f"b = {_number_label(b)}", "small")]
        kind = "output" if name == "AND" else "hidden"
        canvas.add(_make_node(name, lines, kind=kind, shape="rect", min_width=70, min_height=40), x, y)
    for source, target, w in _XOR_WEIGHTS:
        canvas.connect(source, target, label=_number_label(w), label_at=0.7)
    canvas.arrow("AND", (365.0, 60.0), "A XOR B")
    biases = ", ".join(f"{name} {b:g}" for name, b, _, _ in _XOR_UNITS)
    weights = ", ".join(f"{s} to {t} {w:g}" for s, t, w in _XOR_WEIGHTS)
    return canvas.render(
        "The 2-2-1 network of threshold units that computes XOR",
        f"Inputs A and B feed hidden units OR and NAND, which feed the output unit AND. Biases: {biases}. "
        f"Weights: {weights}. Each unit outputs 1 when its weighted sum plus bias is at least 0.",
    )


def _dim_label(value, name, where):
    if isinstance(value, str):
        return _check_text(value, where=where, name=name)
    return _check_int(value, where=where, name=name)


def dense_layer_shapes(N: int | str = "N", D: int | str = "D", M: int | str = "M") -> Diagram:
    """A dense layer as blocks: ``X (N, D) @ W (D, M) + b (M,) = Y (N, M)``.

    Each block's height is its number of rows and its width its number of columns (on a
    compressed scale), so the inner dimension D of X and W visibly match. Small matrices are
    drawn with one cell per entry.

    Parameters
    ----------
    N, D, M : int or str, default "N", "D", "M"
        Batch size, inputs per sample and units. Give numbers for a concrete layer, or leave the
        letters for the general picture.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If a size is neither a positive integer nor a non-empty string.

    Examples
    --------
    >>> d = dense_layer_shapes(32, 784, 128)
    >>> "(32, 784)" in str(d) and "(784, 128)" in str(d) and "(128,)" in str(d)
    True
    >>> str(d).count('class="nn-node')  # X, W, b, Y
    4
    """
    where = "dense_layer_shapes"
    sizes = {"N": _dim_label(N, "N", where), "D": _dim_label(D, "D", where), "M": _dim_label(M, "M", where)}

    # px per doubling: 22, or less when the largest size would pass 120 px, so that every block keeps
    # its proportions (on a log scale) instead of several hitting a cap.
    largest = max([v for v in sizes.values() if isinstance(v, int)], default=1)
    per_doubling = min(22.0, 100.0 / math.log2(largest)) if largest > 1 else 22.0

    def length(dim):  # px for the dimension "N", "D" or "M"; a size given as a word gets a typical look
        v = sizes[dim]
        return (
            {"N": 80.0, "D": 100.0, "M": 56.0}[dim]
            if isinstance(v, str)
            else 20.0 + per_doubling * math.log2(v)
        )

    def shape_lines(dims):
        letters = "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")
        values = [sizes[d] for d in dims]
        lines = [(letters, "small")]
        if any(isinstance(v, int) for v in values):
            lines.append(
                ("(" + ", ".join(str(v) for v in values) + (",)" if len(values) == 1 else ")"), "small")
            )
        return lines

    blocks = [
        ("X", ("N", "D"), "input"),
        ("W", ("D", "M"), "param"),
        ("b", ("M",), "param"),
        ("Y", ("N", "M"), "output"),
    ]
    canvas = _Canvas()
    x = 0.0
    tallest = max(length("N"), length("D"))
    for i, (name, dims, kind) in enumerate(blocks):
        rows = sizes[dims[0]] if len(dims) == 2 else 1
        cols = sizes[dims[-1]]
        h = length(dims[0]) if len(dims) == 2 else 20.0
        w = length(dims[-1])
        grid = (
            (rows, cols)
            if isinstance(rows, int) and isinstance(cols, int) and rows <= 12 and cols <= 12
            else None
        )
        node = _make_node(
            name, [(name, "bold")], kind=kind, shape="rect", min_width=w, min_height=h, grid=grid
        )
        node.w, node.h = max(w, 20.0), max(h, 20.0)  # the size shows the shape, not the label
        canvas.add(node, x + node.w / 2, 0.0)
        canvas.chip(x + node.w / 2, tallest / 2 + 22.0, shape_lines(dims))
        x += node.w
        if i < len(blocks) - 1:
            canvas.chip(x + 18.0, 0.0, [(("@", "+", "=")[i], "op")])
            x += 36.0
    canvas.chip(canvas.nodes["b"].x, -tallest / 2 - 16.0, [("added to every row", "small")])
    text = {k: str(v) for k, v in sizes.items()}
    return canvas.render(
        f"Dense layer shapes: X ({text['N']}, {text['D']}) @ W ({text['D']}, {text['M']}) + b ({text['M']},) "
        f"= Y ({text['N']}, {text['M']})",
        "The input batch X has one row per sample and one column per input feature. Multiplying by the "
        "weight "
        "matrix W, whose rows match the columns of X, and adding the bias vector b to every row gives the "
        "output Y with one row per sample and one column per unit.",
    )


# ------------------------------------------------------------------------------------------------
# Keras-style model graphs
# ------------------------------------------------------------------------------------------------

_LAYER_KINDS = ("input", "layer", "merge", "output")
_LAYER_KEYS = ("id", "label", "detail", "kind")
_DIRECTIONS = ("TB", "LR")


def _edge_list(edges, ids, *, where: str, max_len: int):
    """Check edges given as (from, to) or (from, to, label) tuples; return them and their labels."""
    if isinstance(edges, (str, bytes)) or not isinstance(edges, Sequence):
        raise _error(
            where, "edges to be a list of (from, to) pairs", f"{type(edges).__name__}", exc=TypeError
        )
    pairs, labels = [], []
    for i, edge in enumerate(edges):
        if isinstance(edge, (str, bytes)) or not isinstance(edge, Sequence) or not 2 <= len(edge) <= max_len:
            shape = "(from, to)" if max_len == 2 else "(from, to) or (from, to, label)"
            raise _error(where, f"edges[{i}] to be {shape}", repr(edge), exc=TypeError)
        a, b = edge[0], edge[1]
        for end in (a, b):
            if end not in ids:
                close = difflib.get_close_matches(str(end), [str(k) for k in ids], n=1)
                raise _error(
                    where,
                    f"edges[{i}] to join known node ids",
                    f"unknown id {end!r}",
                    f"Did you mean {close[0]!r}?" if close else "Add a node with that id.",
                )
        if a == b:
            raise _error(where, f"edges[{i}] to join two different nodes", f"a loop on {a!r}")
        pairs.append((a, b))
        labels.append(
            _check_text(edge[2], where=where, name=f"edges[{i}] label", optional=True)
            if len(edge) == 3
            else None
        )
    return pairs, labels


def _layer_records(layers, *, where: str):
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise _error(
            where,
            "layers to be a non-empty list of dicts with keys id, label, detail, kind",
            repr(layers),
            exc=TypeError,
        )
    records = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, Mapping) or "id" not in layer:
            raise _error(where, f"layers[{i}] to be a dict with at least an 'id'", repr(layer), exc=TypeError)
        _check_keys(layer, _LAYER_KEYS, where=where, what=f"layers[{i}]")
        ident = _check_text(layer["id"], where=where, name=f"layers[{i}]['id']")
        label = _check_text(layer.get("label", ident), where=where, name=f"layers[{i}]['label']")
        detail = _check_text(layer.get("detail"), where=where, name=f"layers[{i}]['detail']", optional=True)
        kind = _check_choice(
            layer.get("kind", "layer"), _LAYER_KINDS, where=where, name=f"layers[{i}]['kind']"
        )
        records.append((ident, label, detail, kind))
    ids = [r[0] for r in records]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _error(
            where, "a unique id for every layer", f"{', '.join(map(repr, duplicates))} more than once"
        )
    return records


def _model_diagram(records, pairs, labels, *, where, direction, title, description) -> Diagram:
    nodes = {}
    for ident, label, detail, kind in records:
        lines = [(label, "bold")] + ([(detail, "small")] if detail else [])
        nodes[ident] = _make_node(ident, lines, kind=kind, shape="rect", min_width=84.0, min_height=38.0)
    canvas = _Canvas()
    _draw_layered(
        canvas, nodes, pairs, where=where, direction=direction, sources_near_use=False, labels=labels
    )
    return canvas.render(title, description)


def _describe_model(records, pairs) -> str:
    names = {r[0]: r[1] for r in records}
    parts = [f"{r[1]}" + (f" ({r[2]})" if r[2] else "") for r in records]
    links = [f"{names[a]} to {names[b]}" for a, b in pairs]
    return f"Layers: {'; '.join(parts)}. Connections: {'; '.join(links) if links else 'none'}."


def model_graph(
    layers: Sequence[Mapping], edges: Sequence[Sequence], *, direction: str = "TB", title: str | None = None
) -> Diagram:
    """Any graph of layers, from plain data: boxes for layers, arrows for the tensors between them.

    Ranks follow the longest path from the inputs; an edge that skips ranks bends around the layers
    in between.

    Parameters
    ----------
    layers : list of dict
        One dict per layer with keys ``"id"`` (required, unique), ``"label"`` (default: the id),
        ``"detail"`` (a second, smaller line such as ``"Dense(30, relu)"``) and ``"kind"``: one of
        ``"input"``, ``"layer"`` (default), ``"merge"``, ``"output"`` (it sets the colour).
    edges : list of tuple
        ``(from_id, to_id)`` or ``(from_id, to_id, label)`` for each connection.
    direction : {"TB", "LR"}, default "TB"
        Top to bottom (like ``keras.utils.plot_model``) or left to right.
    title : str, optional
        One sentence for the SVG's title; default: the layer names in order.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        On malformed records, unknown keys or kinds, duplicate ids, edges to unknown ids, or a cycle.

    Examples
    --------
    >>> d = model_graph(
    ...     [{"id": "x", "kind": "input", "detail": "Input(shape=(8,))"},
    ...      {"id": "h", "detail": "Dense(30, relu)"},
    ...      {"id": "y", "kind": "output", "detail": "Dense(1)"}],
    ...     [("x", "h"), ("h", "y"), ("x", "y", "skip")],
    ... )
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (3, 3)
    """
    where = "model_graph"
    records = _layer_records(layers, where=where)
    pairs, labels = _edge_list(edges, {r[0] for r in records}, where=where, max_len=3)
    direction = _check_choice(direction, _DIRECTIONS, where=where, name="direction")
    title = _check_text(title, where=where, name="title", optional=True)
    title = title or "Model graph: " + ", ".join(r[1] for r in records)
    return _model_diagram(
        records,
        pairs,
        labels,
        where=where,
        direction=direction,
        title=title,
        description=_describe_model(records, pairs),
    )


def _shape_text(shape, *, where: str, name: str) -> str:
    if isinstance(shape, str):
        return _check_text(shape, where=where, name=name)
    if not isinstance(shape, Sequence) or not all(
        s is None or (isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0) for s in shape
    ):
        raise _error(where, f"{name} to be a shape like (None, 784) or a string", repr(shape), exc=TypeError)
    parts = ["None" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def keras_sequential(layers: Sequence[Sequence], *, inputs=None, name: str = "sequential") -> Diagram:
    """A Sequential model as a stack of boxes, drawn from (name, output shape) pairs.

    Parameters
    ----------
    layers : list of tuple
        ``(name, output_shape)`` or ``(name, output_shape, detail)`` per layer, in order, as
        ``model.summary()`` lists them, e.g. ``("dense_1", (None, 300), "Dense(300, relu)")``. A
        shape is a tuple of ints and None, or a string.
    inputs : tuple or str, optional
        The shape of the model's input with its batch axis, e.g. ``(None, 28, 28)`` for
        ``keras.Input(shape=(28, 28))``. When given, an input box is drawn on top.
    name : str, default "sequential"
        The model's name, used in the title.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If ``layers`` is empty or an entry is not a (name, shape[, detail]) tuple.

    Examples
    --------
    >>> d = keras_sequential(
    ...     [("flatten", (None, 784)), ("hidden", (None, 300), "Dense(300, relu)"),
    ...      ("output", (None, 10), "Dense(10, softmax)")],
    ...     inputs=(None, 28, 28),
    ... )
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (4, 3)
    >>> "(None, 28, 28)" in str(d)
    True
    """
    where = "keras_sequential"
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
        raise _error(
            where, "layers to be a non-empty list of (name, output_shape) tuples", repr(layers), exc=TypeError
        )
    name = _check_text(name, where=where, name="name")
    records = []
    if inputs is not None:
        records.append(("input", "input", _shape_text(inputs, where=where, name="inputs"), "input"))
    for i, layer in enumerate(layers):
        if isinstance(layer, (str, bytes)) or not isinstance(layer, Sequence) or len(layer) not in (2, 3):
            raise _error(
                where,
                f"layers[{i}] to be (name, output_shape) or (name, output_shape, detail)",
                repr(layer),
                exc=TypeError,
            )
        label = _check_text(layer[0], where=where, name=f"layers[{i}] name")
        shape = _shape_text(layer[1], where=where, name=f"layers[{i}] output_shape")
        detail = _check_text(layer[2], where=where, name=f"layers[{i}] detail") if len(layer) == 3 else None
        kind = "output" if i == len(layers) - 1 else "layer"
        records.append((f"{i}", label, f"{detail} → {shape}" if detail else shape, kind))
    ids = [r[0] for r in records]
    pairs = list(zip(ids, ids[1:]))
    return _model_diagram(
        records,
        pairs,
        [],
        where=where,
        direction="TB",
        title=f"Sequential model '{name}': " + " → ".join(r[1] for r in records),
        description=_describe_model(records, pairs),
    )


def _hidden_sizes(hidden, where: str) -> list[int]:
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or not hidden:
        raise _error(
            where,
            "hidden to be a non-empty sequence of unit counts like (30, 30)",
            repr(hidden),
            exc=TypeError,
        )
    return [_check_int(h, where=where, name=f"hidden[{i}]") for i, h in enumerate(hidden)]


def _trunk(hidden, source):
    """Records and edges of the hidden_1 … hidden_k stack fed by ``source``."""
    records, pairs = [], []
    for i, units in enumerate(hidden):
        ident = f"hidden_{i + 1}"
        records.append((ident, ident, f"Dense({units}, relu)", "layer"))
        pairs.append((source, ident))
        source = ident
    return records, pairs, source


def wide_and_deep(n_features: int = 8, hidden: Sequence[int] = (30, 30)) -> Diagram:
    """The Wide & Deep model with one input (Cheng et al., 2016), as chapter 9 builds it.

    The input goes through the deep path (ReLU layers) and, unchanged, along the wide path straight
    to a concatenation with the deep path's output; one linear unit reads the concatenation. This
    is the simplified version: the original's wide part is a linear model over sparse cross-product
    features. The names match ``course_pkg.keras_nn.models.build_wide_and_deep``.

    Parameters
    ----------
    n_features : int, default 8
        Number of input features D.
    hidden : sequence of int, default (30, 30)
        Units of the deep path's layers.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> d = wide_and_deep()
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')  # input, 2 hidden, concat, output
    (5, 5)
    >>> "8 + 30 = 38" in str(d)
    True
    """
    where = "wide_and_deep"
    n_features = _check_int(n_features, where=where, name="n_features")
    hidden = _hidden_sizes(hidden, where)
    records = [("input", "input", f"Input(shape=({n_features},))", "input")]
    trunk, pairs, last = _trunk(hidden, "input")
    records += trunk
    records += [
        (
            "concat",
            "concat",
            f"Concatenate: {n_features} + {hidden[-1]} = {n_features + hidden[-1]}",
            "merge",
        ),
        ("output", "output", "Dense(1)", "output"),
    ]
    pairs += [(last, "concat"), ("input", "concat"), ("concat", "output")]
    labels = [None] * (len(pairs) - 2) + ["wide", None]
    return _model_diagram(
        records,
        pairs,
        labels,
        where=where,
        direction="TB",
        title="Wide & Deep model: the input goes through two hidden layers and also skips straight to "
        "the output layer",
        description=_describe_model(records, pairs)
        + " The wide path passes the raw input to the concatenation; the deep path goes through the "
        "hidden layers.",
    )


def wide_and_deep_two_inputs(n_wide: int = 5, n_deep: int = 6, hidden: Sequence[int] = (30, 30)) -> Diagram:
    """Wide & Deep with two inputs: ``wide_input`` skips to the concatenation, ``deep_input`` goes deep.

    The names match ``course_pkg.keras_nn.models.build_wide_and_deep_two_inputs`` (chapter 9: features
    0-4 wide, 2-7 deep).

    Parameters
    ----------
    n_wide, n_deep : int, default 5, 6
        Features of each input.
    hidden : sequence of int, default (30, 30)
        Units of the deep path's layers.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> d = wide_and_deep_two_inputs()
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (6, 5)
    """
    where = "wide_and_deep_two_inputs"
    records, pairs = _two_input_trunk(n_wide, n_deep, hidden, where)
    records.append(("output", "output", "Dense(1)", "output"))
    pairs.append(("concat", "output"))
    return _model_diagram(
        records,
        pairs,
        [],
        where=where,
        direction="TB",
        title="Wide & Deep model with two inputs: wide_input skips to the concatenation, deep_input goes "
        "through two hidden layers",
        description=_describe_model(records, pairs),
    )


def _two_input_trunk(n_wide, n_deep, hidden, where):
    n_wide = _check_int(n_wide, where=where, name="n_wide")
    n_deep = _check_int(n_deep, where=where, name="n_deep")
    hidden = _hidden_sizes(hidden, where)
    records = [
        ("wide_input", "wide_input", f"Input(shape=({n_wide},))", "input"),
        ("deep_input", "deep_input", f"Input(shape=({n_deep},))", "input"),
    ]
    trunk, pairs, last = _trunk(hidden, "deep_input")
    records += trunk
    records.append(
        ("concat", "concat", f"Concatenate: {n_wide} + {hidden[-1]} = {n_wide + hidden[-1]}", "merge")
    )
    pairs += [("wide_input", "concat"), (last, "concat")]
    return records, pairs


def wide_and_deep_aux(n_wide: int = 5, n_deep: int = 6, hidden: Sequence[int] = (30, 30)) -> Diagram:
    """Wide & Deep with two inputs and two outputs: ``main_output`` and an ``aux_output`` on the deep path.

    The auxiliary output reads the deep path alone, which pushes that path to be useful by itself
    (chapter 9 weights the losses 0.9 and 0.1). Names match
    ``course_pkg.keras_nn.models.build_wide_and_deep_aux``.

    Parameters
    ----------
    n_wide, n_deep : int, default 5, 6
        Features of each input.
    hidden : sequence of int, default (30, 30)
        Units of the deep path's layers.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> d = wide_and_deep_aux()
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (7, 6)
    >>> "aux_output" in str(d)
    True
    """
    where = "wide_and_deep_aux"
    records, pairs = _two_input_trunk(n_wide, n_deep, hidden, where)
    last = [r[0] for r in records if r[0].startswith("hidden_")][-1]
    records += [
        ("main_output", "main_output", "Dense(1)", "output"),
        ("aux_output", "aux_output", "Dense(1)", "output"),
    ]
    pairs += [("concat", "main_output"), (last, "aux_output")]
    return _model_diagram(
        records,
        pairs,
        [],
        where=where,
        direction="TB",
        title="Wide & Deep model with two inputs, a main output and an auxiliary output on the deep path",
        description=_describe_model(records, pairs),
    )


_GENDER_HEADS = {"softmax": (2, "softmax"), "sigmoid": (1, "sigmoid")}


def two_headed_model(
    n_features: int = 3, hidden: Sequence[int] = (10, 10), n_age_groups: int = 5, gender_head: str = "softmax"
) -> Diagram:
    """The age/gender multi-task model: a shared trunk and two heads.

    Height, weight and nose surface area go through shared ReLU layers; one head is a softmax over
    the age groups, the other says the gender. Chapters 7 and 9 use a 2-unit softmax for the
    gender; a single sigmoid unit is the equivalent binary form.

    Parameters
    ----------
    n_features : int, default 3
        Input features.
    hidden : sequence of int, default (10, 10)
        Units of the shared layers.
    n_age_groups : int, default 5
        Classes of the age head (baby, toddler, preteen, teenager, adult).
    gender_head : {"softmax", "sigmoid"}, default "softmax"
        ``Dense(2, softmax)`` or ``Dense(1, sigmoid)`` for the gender.

    Returns
    -------
    Diagram

    Examples
    --------
    >>> d = two_headed_model()
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (5, 4)
    >>> "Dense(5, softmax)" in str(d) and "Dense(2, softmax)" in str(d)
    True
    """
    where = "two_headed_model"
    n_features = _check_int(n_features, where=where, name="n_features")
    hidden = _hidden_sizes(hidden, where)
    n_age_groups = _check_int(n_age_groups, where=where, name="n_age_groups", minimum=2)
    units, activation = _GENDER_HEADS[
        _check_choice(gender_head, list(_GENDER_HEADS), where=where, name="gender_head")
    ]
    records = [("input", "input", f"Input(shape=({n_features},))", "input")]
    trunk, pairs, last = _trunk(hidden, "input")
    records += trunk
    records += [
        ("age_group", "age_group", f"Dense({n_age_groups}, softmax)", "output"),
        ("gender", "gender", f"Dense({units}, {activation})", "output"),
    ]
    pairs += [(last, "age_group"), (last, "gender")]
    return _model_diagram(
        records,
        pairs,
        [],
        where=where,
        direction="TB",
        title="Two-headed model: a shared trunk, an age-group head and a gender head",
        description=_describe_model(records, pairs),
    )


def multi_input_multi_output(
    inputs: Mapping[str, int] | None = None, outputs: Mapping[str, tuple] | None = None, hidden: int = 32
) -> Diagram:
    """A Functional model with several inputs and several outputs.

    Each input has its own ReLU branch; the branches are concatenated, a shared ReLU layer reads the
    concatenation, and one head per output reads that layer.

    Parameters
    ----------
    inputs : dict of str to int, optional
        Input name -> number of features. Default ``{"input_a": 5, "input_b": 6}``.
    outputs : dict of str to (int, str or None), optional
        Output name -> (units, activation). Default
        ``{"regression": (1, None), "classes": (3, "softmax")}``.
    hidden : int, default 32
        Units of each branch and of the shared layer.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If there are fewer than two inputs or outputs, or a size is not a positive integer.

    Examples
    --------
    >>> d = multi_input_multi_output()
    >>> # 2 inputs, 2 branches, concat, shared layer, 2 heads
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge')
    (8, 7)
    """
    where = "multi_input_multi_output"
    inputs = {"input_a": 5, "input_b": 6} if inputs is None else inputs
    outputs = {"regression": (1, None), "classes": (3, "softmax")} if outputs is None else outputs
    for name, mapping in (("inputs", inputs), ("outputs", outputs)):
        if not isinstance(mapping, Mapping) or len(mapping) < 2:
            raise _error(
                where,
                f"{name} to be a dict with at least two entries",
                repr(mapping),
                "For one input and one output, draw the model with model_graph.",
                exc=TypeError if not isinstance(mapping, Mapping) else ValueError,
            )
    hidden = _check_int(hidden, where=where, name="hidden")
    records, pairs = [], []
    for name, n in inputs.items():
        name = _check_text(name, where=where, name="input name")
        n = _check_int(n, where=where, name=f"inputs[{name!r}]")
        records.append((f"in:{name}", name, f"Input(shape=({n},))", "input"))
    for name in inputs:
        records.append((f"branch:{name}", f"dense_{name}", f"Dense({hidden}, relu)", "layer"))
        pairs.append((f"in:{name}", f"branch:{name}"))
        pairs.append((f"branch:{name}", "concat"))
    total = f"{' + '.join([str(hidden)] * len(inputs))} = {hidden * len(inputs)}"
    records += [
        ("concat", "concat", f"Concatenate: {total}", "merge"),
        ("shared", "shared", f"Dense({hidden}, relu)", "layer"),
    ]
    pairs.append(("concat", "shared"))
    for name, spec in outputs.items():
        name = _check_text(name, where=where, name="output name")
        if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) != 2:
            raise _error(where, f"outputs[{name!r}] to be (units, activation)", repr(spec), exc=TypeError)
        units = _check_int(spec[0], where=where, name=f"outputs[{name!r}] units")
        act = _check_text(spec[1], where=where, name=f"outputs[{name!r}] activation", optional=True)
        records.append(
            (f"out:{name}", name, f"Dense({units}, {act})" if act else f"Dense({units})", "output")
        )
        pairs.append(("shared", f"out:{name}"))
    return _model_diagram(
        records,
        pairs,
        [],
        where=where,
        direction="TB",
        title=f"Functional model with inputs {', '.join(inputs)} and outputs {', '.join(outputs)}",
        description=_describe_model(records, pairs),
    )


# ------------------------------------------------------------------------------------------------
# Computational graphs and backpropagation
# ------------------------------------------------------------------------------------------------

_GRAPH_KEYS = ("id", "label", "op", "value", "grad")
_OP_SYMBOLS = {
    "+": "+",
    "add": "+",
    "*": "×",
    "mul": "×",
    "-": "−",
    "sub": "−",
    "neg": "−",
    "/": "÷",
    "div": "÷",
    "relu": "ReLU",
    "ReLU": "ReLU",
}


def _value_lines(label: str, value, grad, fmt: str):
    first = label if value is None else f"{label} = {_number_label(value, fmt)}"
    lines = [(first, "name")]
    if grad is not None:
        lines.append((f"grad {_number_label(grad, fmt)}", "grad"))
    return lines


def _op_node(key, op: str) -> _Node:
    symbol = _OP_SYMBOLS.get(op, op)
    if len(symbol) <= 2:
        return _make_node(key, [(symbol, "op")], kind="op", radius=14.0)
    return _make_node(key, [(symbol, "small")], kind="op", shape="rect", min_width=30.0, min_height=24.0)


def computational_graph(
    nodes: Sequence[Mapping],
    edges: Sequence[Sequence],
    *,
    direction: str = "LR",
    fmt: str = ".4g",
    title: str | None = None,
) -> Diagram:
    """The computational graph of an expression, with values and gradients on its nodes.

    The input is plain data, the shape a tiny autograd engine can export: one dict per **value**
    (a leaf such as ``a``, or the result of an operation) and one ``(input_id, output_id)`` pair per
    use of a value by an operation. A value with an ``op`` is drawn as a box fed by an operation
    node (a circle with the op's symbol); the edges run from the operation's inputs into that circle.

    Parameters
    ----------
    nodes : list of dict
        Keys: ``"id"`` (required, unique, str or int), ``"label"`` (default: the id), ``"op"``
        (e.g. ``"+"``, ``"*"``, ``"tanh"``; omitted or None for a leaf), ``"value"`` and ``"grad"``
        (numbers or None). A box reads ``label = value`` and, below it, ``grad ...``.
    edges : list of (id, id)
        ``(x, y)``: value ``x`` is an input of the operation that makes ``y``. Repeat a pair when an
        operation uses a value twice (``x * x``).
    direction : {"LR", "TB"}, default "LR"
        Left to right, or top to bottom for long expressions on narrow screens.
    fmt : str, default ".4g"
        Format of values and gradients.
    title : str, optional
        One sentence for the SVG's title; default: the graph's output and its value.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        On unknown keys, duplicate ids, an edge to an unknown id, a value with inputs but no op
        (or an op without inputs), non-finite numbers, or a cycle.

    Examples
    --------
    ``L = (a * b + c) * f`` with the gradients of ``L``:

    >>> nodes = [
    ...     {"id": "a", "value": 2.0, "grad": 6.0}, {"id": "b", "value": -3.0, "grad": -4.0},
    ...     {"id": "c", "value": 10.0, "grad": -2.0}, {"id": "f", "value": -2.0, "grad": 4.0},
    ...     {"id": "e", "op": "*", "value": -6.0, "grad": -2.0},
    ...     {"id": "d", "op": "+", "value": 4.0, "grad": -2.0},
    ...     {"id": "L", "op": "*", "value": -8.0, "grad": 1.0},
    ... ]
    >>> edges = [("a", "e"), ("b", "e"), ("e", "d"), ("c", "d"), ("d", "L"), ("f", "L")]
    >>> d = computational_graph(nodes, edges)
    >>> str(d).count('class="nn-node')  # 7 values + 3 operations
    10
    >>> "a = 2" in str(d) and "grad 6" in str(d)
    True
    """
    where = "computational_graph"
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Sequence) or not nodes:
        raise _error(
            where,
            "nodes to be a non-empty list of dicts with keys id, label, op, value, grad",
            repr(nodes),
            exc=TypeError,
        )
    direction = _check_choice(direction, _DIRECTIONS, where=where, name="direction")
    if not isinstance(fmt, str):
        raise _error(where, "fmt to be a format string like '.4g'", repr(fmt), exc=TypeError)
    try:
        format(1.5, fmt)
    except ValueError:
        raise _error(where, "fmt to be a float format like '.4g' or '.2f'", repr(fmt)) from None
    title = _check_text(title, where=where, name="title", optional=True)
    records = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, Mapping) or "id" not in node:
            raise _error(where, f"nodes[{i}] to be a dict with at least an 'id'", repr(node), exc=TypeError)
        _check_keys(node, _GRAPH_KEYS, where=where, what=f"nodes[{i}]")
        ident = node["id"]
        if isinstance(ident, bool) or not isinstance(ident, (str, numbers.Integral)):
            raise _error(where, f"nodes[{i}]['id'] to be a string or an integer", repr(ident), exc=TypeError)
        if ident in records:
            raise _error(where, "a unique id for every node", f"{ident!r} twice")
        label = _check_text(node.get("label") or str(ident), where=where, name=f"nodes[{i}]['label']")
        op = _check_text(node.get("op") or None, where=where, name=f"nodes[{i}]['op']", optional=True)
        numbers_ = [
            None if node.get(k) is None else _check_number(node[k], where=where, name=f"nodes[{i}]['{k}']")
            for k in ("value", "grad")
        ]
        records[ident] = (label, op, *numbers_)
    pairs, _ = _edge_list(edges, set(records), where=where, max_len=2)
    fed = {b for _, b in pairs}
    for ident, (_, op, _, _) in records.items():
        if ident in fed and op is None:
            raise _error(
                where,
                f"an 'op' for node {ident!r}, which has inputs",
                "none",
                "Give it the operation that computes it, e.g. 'op': '+'.",
            )
        if op is not None and ident not in fed:
            raise _error(
                where,
                f"inputs for node {ident!r}, which has op {op!r}",
                "no edge into it",
                "Add (input_id, " + repr(ident) + ") pairs, or drop its 'op' to make it a leaf.",
            )
    consumers = {a for a, _ in pairs}
    graph_nodes = {}
    for ident, (label, op, value, grad) in records.items():
        kind = "leaf" if op is None else ("result" if ident not in consumers else "value")
        graph_nodes[("v", ident)] = _make_node(
            ("v", ident),
            _value_lines(label, value, grad, fmt),
            kind=kind,
            shape="rect",
            min_width=44.0,
            min_height=26.0,
        )
        if op is not None:
            graph_nodes[("o", ident)] = _op_node(("o", ident), op)
    graph_edges = [(("v", a), ("o", b)) for a, b in pairs]
    graph_edges += [(("o", i), ("v", i)) for i, rec in records.items() if rec[1] is not None]
    canvas = _Canvas()
    _draw_layered(canvas, graph_nodes, graph_edges, where=where, direction=direction, sources_near_use=True)
    results = [i for i, rec in records.items() if i not in consumers]
    if title is None:
        outs = ", ".join(
            records[i][0] + ("" if records[i][2] is None else f" = {_number_label(records[i][2], fmt)}")
            for i in results
        )
        title = f"Computational graph of {outs}"
    desc = []
    for ident, (label, op, value, grad) in records.items():
        inputs = [records[a][0] for a, b in pairs if b == ident]
        text = label + (f" = {op}({', '.join(inputs)})" if op else "")
        if value is not None:
            text += f", value {_number_label(value, fmt)}"
        if grad is not None:
            text += f", gradient {_number_label(grad, fmt)}"
        desc.append(text)
    return canvas.render(title, "Nodes: " + "; ".join(desc) + ".")


# (name, symbol, caption, z(x, y), (local dz/dx, local dz/dy), rule texts)
def _flow_rules(x: float, y: float):
    x_wins = x >= y  # ties go to the first input, as tf.maximum's gradient does
    return [
        ("add", "+", "add distributes", x + y, (1.0, 1.0), ("× 1", "× 1")),
        ("mul", "×", "mul swaps", x * y, (y, x), (f"× y ({_number_label(y)})", f"× x ({_number_label(x)})")),
        (
            "max",
            "max",
            "max routes",
            max(x, y),
            (1.0, 0.0) if x_wins else (0.0, 1.0),
            ("× 1", "× 0") if x_wins else ("× 0", "× 1"),
        ),
    ]


def backprop_flow(x: float = 3.0, y: float = -1.0, upstream: float = 2.0) -> Diagram:
    """How one node passes the upstream gradient back: add distributes, mul swaps, max routes.

    Three panels, one per operation ``z = op(x, y)``. Grey arrows are the forward pass; red dashed
    arrows the backward pass: the upstream gradient ``dL/dz`` comes in from ``z``, and each input
    receives it times the local gradient written on its arrow (1 and 1 for add; y and x, swapped,
    for mul; 1 for the larger input and 0 for the other for max, ties going to x). The gradients
    are computed from the arguments, not typed in.

    Parameters
    ----------
    x, y : float, default 3.0, -1.0
        The two inputs.
    upstream : float, default 2.0
        The gradient of the loss with respect to the output z.

    Returns
    -------
    Diagram

    Raises
    ------
    TypeError, ValueError
        If an argument is not a finite real number.

    Examples
    --------
    >>> d = backprop_flow(3.0, -1.0, 2.0)
    >>> str(d).count('class="nn-node'), str(d).count('class="nn-edge backward"')  # 3 panels of x, y, op, z
    (12, 9)
    >>> "grad −2" in str(d)  # mul: dL/dx = upstream * y = 2 * -1
    True
    """
    where = "backprop_flow"
    x = _check_number(x, where=where, name="x")
    y = _check_number(y, where=where, name="y")
    upstream = _check_number(upstream, where=where, name="upstream")
    canvas = _Canvas()
    fmt = ".4g"
    desc = []
    for row, (name, symbol, caption, z, local, rules) in enumerate(_flow_rules(x, y)):
        top = row * 170.0
        gx, gy = upstream * local[0], upstream * local[1]
        keys = {k: f"{name}:{k}" for k in ("x", "y", "op", "z")}
        for k, value, grad, dy in (("x", x, gx, 0.0), ("y", y, gy, 96.0)):
            canvas.add(
                _make_node(
                    keys[k],
                    _value_lines(k, value, grad, fmt),
                    kind="leaf",
                    shape="rect",
                    min_width=60.0,
                    min_height=32.0,
                ),
                0.0,
                top + dy,
            )
        canvas.add(_op_node(keys["op"], symbol), 170.0, top + 48.0)
        canvas.add(
            _make_node(
                keys["z"],
                _value_lines("z", z, upstream, fmt),
                kind="result",
                shape="rect",
                min_width=60.0,
                min_height=32.0,
            ),
            320.0,
            top + 48.0,
        )
        canvas.chip(0.0, top - 36.0, [(caption, "bold")])
        for k in ("x", "y"):
            canvas.connect(keys[k], keys["op"])
        canvas.connect(keys["op"], keys["z"])
        # The backward arrows bow away from the forward ones: above for x, below for y and z.
        canvas.connect(
            keys["z"],
            keys["op"],
            kind="backward",
            bend=-14.0,
            label=f"upstream {_number_label(upstream, fmt)}",
        )
        canvas.connect(keys["op"], keys["x"], kind="backward", bend=16.0, label=rules[0])
        canvas.connect(keys["op"], keys["y"], kind="backward", bend=-16.0, label=rules[1])
        up = _number_label(upstream, fmt)
        desc.append(
            f"{name}: z = {_number_label(z, fmt)}; x gets {up} {rules[0]} = {_number_label(gx, fmt)}, "
            f"y gets {up} {rules[1]} = {_number_label(gy, fmt)}"
        )
    return canvas.render(
        "Backward flow through one node: add distributes, mul swaps, max routes",
        f"Inputs x = {_number_label(x, fmt)} and y = {_number_label(y, fmt)}, upstream gradient "
        f"{_number_label(upstream, fmt)}. " + "; ".join(desc) + ".",
    )
