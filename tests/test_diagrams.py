"""Tests of course_pkg.diagrams: the SVG is valid and readable, and it draws what it claims.

Most checks read the SVG back with ``xml.etree`` and rebuild the picture's geometry: node shapes,
edges (joined to the nodes their ends touch), label chips and text. The wiring drawn for the logic
gates and the XOR networks is then *run* and compared with the reference implementations, so a
diagram that looks fine but is wired wrongly fails. One test renders every diagram in headless
Chromium to measure the real text against the boxes it must fit in.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from itertools import combinations, product

import numpy as np
import pytest

from course_pkg import diagrams as dg
from course_pkg import settings
from course_pkg.numpy_nn import perceptron as reference

SVG = "{http://www.w3.org/2000/svg}"
PAGE_WHITE, PAGE_DARK = "#ffffff", "#14181e"  # the book theme's light and dark page backgrounds

# ------------------------------------------------------------------------------------------------
# Reading a diagram back
# ------------------------------------------------------------------------------------------------


@dataclass
class Shape:
    classes: list
    box: tuple  # x0, y0, x1, y1
    fill: str
    stroke: str | None
    circle: tuple | None = None  # cx, cy, r
    texts: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return " ".join(self.texts)

    def contains(self, x, y) -> bool:
        return self.box[0] <= x <= self.box[2] and self.box[1] <= y <= self.box[3]

    def distance_to_outline(self, x, y) -> float:
        if self.circle:
            cx, cy, r = self.circle
            return abs(math.hypot(x - cx, y - cy) - r)
        x0, y0, x1, y1 = self.box
        if self.contains(x, y):
            return min(x - x0, x1 - x, y - y0, y1 - y)
        return math.hypot(max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1))


@dataclass
class Edge:
    classes: list
    points: list  # every coordinate pair of the path (ends are on the curve)
    source: int = -1  # index into Picture.nodes
    target: int = -1


@dataclass
class Text:
    x: float
    y: float  # the middle of the line (the baseline is 0.35 em lower)
    size: float
    content: str
    fill: str


@dataclass
class Picture:
    root: ET.Element
    viewbox: tuple
    nodes: list
    chips: list
    boxes: list
    edges: list  # class nn-edge
    arrows: list  # class nn-arrow
    texts: list

    def node(self, label: str) -> int:
        matches = [i for i, n in enumerate(self.nodes) if n.label == label]
        assert len(matches) == 1, (label, [n.label for n in self.nodes])
        return matches[0]

    def all_text(self) -> str:
        return " | ".join(t.content for t in self.texts)


def _inherited(element, parents, name):
    while element is not None:
        if element.get(name) is not None:
            return element.get(name)
        element = parents.get(element)
    return None


def _points(d: str):
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2]))


def read(diagram) -> Picture:
    root = ET.fromstring(diagram.text)
    parents = {child: parent for parent in root.iter() for child in parent}
    viewbox = tuple(float(v) for v in root.get("viewBox").split())
    nodes, chips, boxes, edges, arrows, texts = [], [], [], [], [], []
    for el in root.iter():
        classes = el.get("class", "").split()
        fill, stroke = _inherited(el, parents, "fill"), _inherited(el, parents, "stroke")
        if el.tag == SVG + "circle" and classes:
            cx, cy, r = (float(el.get(k)) for k in ("cx", "cy", "r"))
            shape = Shape(classes, (cx - r, cy - r, cx + r, cy + r), fill, stroke, circle=(cx, cy, r))
        elif el.tag == SVG + "rect" and classes:
            x, y, w, h = (float(el.get(k)) for k in ("x", "y", "width", "height"))
            shape = Shape(classes, (x, y, x + w, y + h), fill, stroke)
        else:
            shape = None
        if shape is not None:
            {"nn-node": nodes, "nn-chip": chips, "nn-box": boxes}[classes[0]].append(shape)
        if el.tag == SVG + "path" and classes[:1] in (["nn-edge"], ["nn-arrow"]):
            (edges if classes[0] == "nn-edge" else arrows).append(Edge(classes, _points(el.get("d"))))
        if el.tag == SVG + "text":
            size = float(el.get("font-size"))
            texts.append(
                Text(
                    float(el.get("x")),
                    float(el.get("y")) - 0.35 * size,
                    size,
                    el.text or "",
                    _inherited(el, parents, "fill"),
                )
            )
    for text in texts:
        for shape in nodes + chips:
            if shape.contains(text.x, text.y):
                shape.texts.append(text.content)
                break
    for edge in edges + arrows:
        ends = [edge.points[0], edge.points[-1]]
        nearest = [min(range(len(nodes)), key=lambda i: nodes[i].distance_to_outline(*p)) for p in ends]
        edge.source = nearest[0]
        edge.target = nearest[1] if edge in edges else -1
    return Picture(root, viewbox, nodes, chips, boxes, edges, arrows, texts)


def wiring(picture: Picture):
    """{(source label, target label): count} over the nn-edge elements, by class."""
    out = {}
    for edge in picture.edges:
        key = (picture.nodes[edge.source].label, picture.nodes[edge.target].label, edge.classes[1])
        out[key] = out.get(key, 0) + 1
    return out


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# ------------------------------------------------------------------------------------------------
# Every diagram: valid, accessible, inside its viewBox, nothing on top of anything else
# ------------------------------------------------------------------------------------------------

GRAPH_NODES = [
    {"id": "a", "value": 2.0, "grad": 6.0},
    {"id": "b", "value": -3.0, "grad": -4.0},
    {"id": "c", "value": 10.0, "grad": -2.0},
    {"id": "f", "value": -2.0, "grad": 4.0},
    {"id": "e", "op": "*", "value": -6.0, "grad": -2.0},
    {"id": "d", "op": "+", "value": 4.0, "grad": -2.0},
    {"id": "L", "op": "*", "value": -8.0, "grad": 1.0},
]
GRAPH_EDGES = [("a", "e"), ("b", "e"), ("e", "d"), ("c", "d"), ("d", "L"), ("f", "L")]

ALL = {
    **{
        f"mcculloch_pitts_{g}": (lambda g=g: dg.mcculloch_pitts(g))
        for g in ("and", "or", "not", "a_and_not_b", "identity")
    },
    "mcculloch_pitts_xor": dg.mcculloch_pitts_xor,
    "tlu": dg.tlu,
    "tlu_sign_8": lambda: dg.tlu(8, "sign"),
    "perceptron": dg.perceptron,
    "perceptron_784_10": lambda: dg.perceptron(784, 10),
    "mlp": lambda: dg.mlp([3, 4, 2]),
    "mlp_mnist": lambda: dg.mlp([784, 128, 64, 10], hidden_activation="relu", output_activation="softmax"),
    "mlp_deep": lambda: dg.mlp([2, 8, 8, 8, 8, 8, 8, 8, 8, 1], hidden_activation="tanh"),
    "xor_network": dg.xor_network,
    "dense_layer_shapes": dg.dense_layer_shapes,
    "dense_layer_shapes_mnist": lambda: dg.dense_layer_shapes(32, 784, 128),
    "model_graph": lambda: dg.model_graph(
        [{"id": "x", "kind": "input"}, {"id": "y", "kind": "output"}], [("x", "y")], direction="LR"
    ),
    "keras_sequential": lambda: dg.keras_sequential(
        [
            ("flatten", (None, 784)),
            ("dense", (None, 300), "Dense(300, relu)"),
            ("dense_1", (None, 10), "Dense(10, softmax)"),
        ],
        inputs=(None, 28, 28),
    ),
    "wide_and_deep": dg.wide_and_deep,
    "wide_and_deep_two_inputs": dg.wide_and_deep_two_inputs,
    "wide_and_deep_aux": dg.wide_and_deep_aux,
    "two_headed_model": dg.two_headed_model,
    "multi_input_multi_output": dg.multi_input_multi_output,
    "computational_graph": lambda: dg.computational_graph(GRAPH_NODES, GRAPH_EDGES),
    "computational_graph_tb": lambda: dg.computational_graph(GRAPH_NODES, GRAPH_EDGES, direction="TB"),
    "backprop_flow": dg.backprop_flow,
}


@pytest.fixture(scope="module")
def drawn():
    return {name: make() for name, make in ALL.items()}


@pytest.mark.parametrize("name", list(ALL))
def test_svg_is_valid_accessible_and_scales(drawn, name):
    diagram = drawn[name]
    root = ET.fromstring(diagram.text)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    title = root.find(SVG + "title").text
    desc = root.find(SVG + "desc").text
    assert title and title == root.get("aria-label") == diagram.title
    assert desc and len(desc) > len(title) / 2 and desc == diagram.description
    assert root.get("aria-describedby") == root.find(SVG + "desc").get("id")
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    assert w > 0 and h > 0
    # A natural width of at most 720 px, the viewBox's proportions, and room to shrink.
    assert float(root.get("width")) <= 720 and float(root.get("width")) == pytest.approx(diagram.width)
    assert float(root.get("height")) / float(root.get("width")) == pytest.approx(h / w, rel=0.01)
    assert "max-width:100%" in root.get("style") and "height:auto" in root.get("style")
    assert diagram._repr_svg_() == diagram._repr_html_() == str(diagram) == diagram.text
    size = len(diagram.text.encode("utf-8"))
    n_edges = diagram.text.count('class="nn-edge')
    assert size < 12_000 or size < 90 * n_edges, size  # a few KB, unless a dense net has hundreds of edges


@pytest.mark.parametrize("name", list(ALL))
def test_ids_unique_and_references_resolve(drawn, name):
    text = drawn[name].text
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)", text):
        assert ref in ids


def test_same_input_same_svg_and_different_diagrams_different_ids(drawn):
    assert dg.mlp([3, 4, 2]).text == drawn["mlp"].text
    prefixes = {re.search(r'id="(nn[0-9a-f]+)-', d.text).group(1) for d in drawn.values()}
    assert len(prefixes) == len(drawn)  # two diagrams on one page never share marker ids


@pytest.mark.parametrize("name", list(ALL))
def test_everything_inside_the_viewbox(drawn, name):
    pic = read(drawn[name])
    x, y, w, h = pic.viewbox
    for shape in pic.nodes + pic.chips + pic.boxes:
        x0, y0, x1, y1 = shape.box
        assert x <= x0 and y <= y0 and x1 <= x + w and y1 <= y + h, (shape.classes, shape.box, pic.viewbox)
    for edge in pic.edges + pic.arrows:
        for px, py in (edge.points[0], edge.points[-1]):
            assert x <= px <= x + w and y <= py <= y + h


@pytest.mark.parametrize("name", list(ALL))
def test_no_node_overlaps_another_and_labels_stay_clear(drawn, name):
    pic = read(drawn[name])

    def overlap(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    for a, b in combinations(pic.nodes, 2):
        assert not overlap(a.box, b.box), (a.label, b.label)
    for a, b in combinations(pic.chips, 2):
        assert not overlap(a.box, b.box), (a.label, b.label)
    for chip in pic.chips:
        for node in pic.nodes:
            assert not overlap(chip.box, node.box), (chip.label, node.label)


@pytest.mark.parametrize("name", list(ALL))
def test_text_readable_on_light_and_dark_pages(drawn, name):
    """Every text sits on an opaque fill it contrasts with; lines show on white and dark pages."""
    pic = read(drawn[name])
    for text in pic.texts:
        under = [s for s in pic.nodes + pic.chips if s.contains(text.x, text.y)]
        assert under, f"text {text.content!r} is not on a node or a label chip"
        assert contrast(text.fill, under[0].fill) >= 4.5, (text.content, text.fill, under[0].fill)
    for node in pic.nodes:
        assert contrast(node.stroke, PAGE_WHITE) >= 3 and contrast(node.fill, PAGE_DARK) >= 3
    for edge_el in pic.root.iter(SVG + "path"):
        if edge_el.get("class", "").startswith(("nn-edge", "nn-arrow")):
            stroke = {p: c for c in pic.root.iter() for p in c}.get(edge_el).get("stroke")
            assert contrast(stroke, PAGE_WHITE) >= 3 and contrast(stroke, PAGE_DARK) >= 3


def test_save_writes_the_svg_and_refuses_other_formats(tmp_path, drawn):
    target = drawn["mlp"].save(tmp_path / "mlp.svg")
    assert target.read_text(encoding="utf-8") == drawn["mlp"].text
    with pytest.raises(ValueError, match=r"Diagram.save: expected a path ending in \.svg; got '.*mlp.png'"):
        drawn["mlp"].save(tmp_path / "mlp.png")
    assert "Diagram" in repr(drawn["mlp"]) and "Multilayer perceptron" in repr(drawn["mlp"])


def test_module_uses_only_the_standard_library():
    code = (
        "import sys, course_pkg.diagrams as d; d.mlp([3, 4, 2]); "
        "print(sorted({'numpy', 'matplotlib', 'tensorflow'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------------
# McCulloch-Pitts gates: run the drawn wiring and compare with the reference gates
# ------------------------------------------------------------------------------------------------


def run_mcp_circuit(pic: Picture, inputs: dict) -> int:
    """Evaluate the drawn circuit: a unit (threshold written inside) fires when at least that many
    excitatory wires come from firing nodes and no inhibitory wire does."""
    state = {i: inputs[n.label] for i, n in enumerate(pic.nodes) if n.label in inputs}
    state.update({i: 1 for i, n in enumerate(pic.nodes) if n.label == "1"})  # the constant input
    units = [i for i, n in enumerate(pic.nodes) if i not in state]
    while len(state) < len(pic.nodes):
        for u in units:
            feeding = [e for e in pic.edges if e.target == u]
            if u in state or any(e.source not in state for e in feeding):
                continue
            excitatory = sum(state[e.source] for e in feeding if "wire" in e.classes)
            inhibited = any(state[e.source] for e in feeding if "inhibitory" in e.classes)
            state[u] = int(excitatory >= int(pic.nodes[u].label) and not inhibited)
    (out,) = {a.source for a in pic.arrows}
    return state[out]


REFERENCE_GATES = {
    "and": lambda a, b: reference.and_gate(a, b),
    "or": lambda a, b: reference.or_gate(a, b),
    "a_and_not_b": lambda a, b: reference.a_and_not_b(a, b),
    "not": lambda a, b: reference.not_gate(a),
    "identity": lambda a, b: reference.identity_gate(a),
}


@pytest.mark.parametrize("gate", list(REFERENCE_GATES))
def test_mcculloch_pitts_wiring_computes_the_gate(gate):
    pic = read(dg.mcculloch_pitts(gate))
    for a, b in product((0, 1), repeat=2):
        assert run_mcp_circuit(pic, {"A": a, "B": b}) == int(REFERENCE_GATES[gate](a, b)), (gate, a, b)


@pytest.mark.parametrize(
    ("gate", "n_nodes", "wires"),
    [
        ("and", 3, {("A", "2", "wire"): 1, ("B", "2", "wire"): 1}),
        ("or", 3, {("A", "2", "wire"): 2, ("B", "2", "wire"): 2}),
        ("a_and_not_b", 3, {("A", "2", "wire"): 2, ("B", "2", "inhibitory"): 1}),
        ("not", 3, {("1", "2", "wire"): 2, ("A", "2", "inhibitory"): 1}),
        ("identity", 2, {("A", "2", "wire"): 2}),
    ],
)
def test_mcculloch_pitts_nodes_edges_and_threshold(gate, n_nodes, wires):
    pic = read(dg.mcculloch_pitts(gate))
    assert len(pic.nodes) == n_nodes
    assert wiring(pic) == wires  # the threshold "2" is the unit's only text
    assert len(pic.arrows) == 1
    if "inhibitory" in str(wires):
        assert "inhibitory" in pic.all_text()


def test_mcculloch_pitts_unknown_gate_lists_the_known_ones():
    with pytest.raises(
        ValueError,
        match=r"mcculloch_pitts: expected gate to be one of 'identity', 'and', 'or', "
        r"'a_and_not_b', 'not'; got gate='xor'",
    ):
        dg.mcculloch_pitts("xor")
    with pytest.raises(ValueError, match="Did you mean 'and'"):
        dg.mcculloch_pitts("AND")


def test_mcculloch_pitts_xor_circuit_computes_xor_like_the_reference():
    pic = read(dg.mcculloch_pitts_xor())
    assert len(pic.nodes) == 5 and len(pic.edges) == 10
    assert sum("inhibitory" in e.classes for e in pic.edges) == 2
    assert [n.label for n in pic.nodes].count("2") == 3
    for a, b in product((0, 1), repeat=2):
        assert run_mcp_circuit(pic, {"A": a, "B": b}) == int(reference.xor_network(a, b)) == a ^ b


# ------------------------------------------------------------------------------------------------
# TLU, perceptron, MLP
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n_inputs", [1, 3, 8])
def test_tlu_inputs_weights_sum_and_step(n_inputs):
    pic = read(dg.tlu(n_inputs))
    assert len(pic.nodes) == n_inputs + 2 and len(pic.edges) == n_inputs + 1
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    text = pic.all_text()
    for i in range(1, n_inputs + 1):
        assert f"w{str(i).translate(sub)}" in text and f"x{str(i).translate(sub)}" in text
    total = pic.node("Σ")
    assert all(e.target == total for e in pic.edges if pic.nodes[e.source].label.startswith("x"))
    assert "heaviside(z)" in text and "z = xᵀw + b" in text
    assert len(pic.boxes) == 1 and len(pic.arrows) == 1


def test_tlu_sign_and_bad_arguments():
    assert "sign(z)" in dg.tlu(activation="sign").text
    with pytest.raises(
        ValueError, match="tlu: expected activation to be one of 'heaviside', 'sign'; got activation='relu'"
    ):
        dg.tlu(activation="relu")
    with pytest.raises(ValueError, match=r"tlu: expected n_inputs between 1 and 8; got n_inputs=0"):
        dg.tlu(0)
    with pytest.raises(TypeError, match="tlu: expected n_inputs to be an integer; got float 2.0"):
        dg.tlu(2.0)


@pytest.mark.parametrize(("n_inputs", "n_outputs", "bias"), [(2, 1, True), (2, 3, True), (4, 2, False)])
def test_perceptron_fully_connected_with_bias_neuron(n_inputs, n_outputs, bias):
    pic = read(dg.perceptron(n_inputs, n_outputs, bias))
    assert len(pic.nodes) == n_inputs + bias + n_outputs
    assert len(pic.edges) == (n_inputs + bias) * n_outputs
    assert len(pic.arrows) == n_outputs  # one ŷ per TLU
    bias_nodes = [n for n in pic.nodes if "bias" in n.classes]
    assert len(bias_nodes) == int(bias)
    if bias:
        assert bias_nodes[0].label == "1"
        assert sum(pic.nodes[e.source] is bias_nodes[0] for e in pic.edges) == n_outputs
    pairs = {(e.source, e.target) for e in pic.edges}
    assert len(pairs) == len(pic.edges)  # every input to every unit, once


def test_perceptron_bad_arguments():
    with pytest.raises(ValueError, match="perceptron: expected n_outputs >= 1; got n_outputs=0"):
        dg.perceptron(2, 0)
    with pytest.raises(TypeError, match="perceptron: expected bias to be True or False; got int 1"):
        dg.perceptron(2, 1, 1)


def test_mlp_small_has_every_unit_and_connection():
    pic = read(dg.mlp([3, 4, 2]))
    assert len(pic.nodes) == 9 and len(pic.edges) == 3 * 4 + 4 * 2
    columns = sorted({round(n.circle[0], 1) for n in pic.nodes})
    assert len(columns) == 3
    for edge in pic.edges:  # only between neighbouring layers, left to right
        a, b = pic.nodes[edge.source].circle[0], pic.nodes[edge.target].circle[0]
        assert columns.index(round(b, 1)) == columns.index(round(a, 1)) + 1


def test_mlp_collapses_wide_layers():
    pic = read(dg.mlp([784, 128, 64, 10], hidden_activation="relu", output_activation="softmax"))
    # 784, 128 and 64 are drawn as 3 units + ellipsis + the last unit; the 10 outputs in full.
    assert len(pic.nodes) == 4 + 4 + 4 + 10
    assert len(pic.edges) == 4 * 4 + 4 * 4 + 4 * 10
    assert sum(c.label == "⋮" for c in pic.chips) == 3
    text = pic.all_text()
    for piece in ("784", "128", "64", "10", "relu", "softmax", "x₇₈₄", "hidden 1", "hidden 2"):
        assert piece in text
    assert len({round(n.circle[2], 1) for n in pic.nodes}) == 1  # one unit size everywhere


def test_mlp_without_hidden_layers_and_max_nodes():
    assert len(read(dg.mlp([3, 2])).edges) == 6
    assert len(read(dg.mlp([12, 3], max_nodes=12)).nodes) == 15
    assert len(read(dg.mlp([12, 3], max_nodes=11)).nodes) == 4 + 3


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([3],), {}, ValueError, r"mlp: expected layer_sizes with at least two entries .*; got \[3\]"),
        (([3, 0],), {}, ValueError, r"mlp: expected layer_sizes\[1\] >= 1; got layer_sizes\[1\]=0"),
        (([3, 2.5],), {}, TypeError, r"mlp: expected layer_sizes\[1\] to be an integer; got float 2.5"),
        (([3, True],), {}, TypeError, r"mlp: expected layer_sizes\[1\] to be an integer; got bool True"),
        (("34",), {}, TypeError, r"mlp: expected layer_sizes to be a list of integers"),
        (
            ([3, 2],),
            {"hidden_activation": 3},
            TypeError,
            "mlp: expected hidden_activation to be a string or None",
        ),
        (([3, 2],), {"max_nodes": 4}, ValueError, "mlp: expected max_nodes >= 5; got max_nodes=4"),
    ],
)
def test_mlp_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        dg.mlp(*args, **kwargs)


def test_mlp_accepts_numpy_integers():
    sizes = np.array([3, 4, 2])
    assert dg.mlp(list(sizes)).text == dg.mlp([3, 4, 2]).text


# ------------------------------------------------------------------------------------------------
# The XOR network: read the weights off the picture and run it
# ------------------------------------------------------------------------------------------------


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-"))


def _edge_of_chip(pic: Picture, chip: Shape) -> Edge:
    cx, cy = (chip.box[0] + chip.box[2]) / 2, (chip.box[1] + chip.box[3]) / 2

    def distance(edge):
        (ax, ay), (bx, by) = edge.points[0], edge.points[-1]
        t = max(
            0.0, min(1.0, ((cx - ax) * (bx - ax) + (cy - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2))
        )
        return math.hypot(cx - ax - t * (bx - ax), cy - ay - t * (by - ay))

    return min(pic.edges, key=distance)


def test_xor_network_drawn_weights_are_the_reference_and_compute_xor():
    pic = read(dg.xor_network())
    assert len(pic.nodes) == 5 and len(pic.edges) == 6
    names = {i: n.texts[0] for i, n in enumerate(pic.nodes)}
    bias = {
        names[i]: _number(n.texts[1].removeprefix("b = "))
        for i, n in enumerate(pic.nodes)
        if len(n.texts) == 2
    }
    weight = {}
    for chip in pic.chips:
        if re.fullmatch(r"\u2212?\d+(\.\d+)?", chip.label):
            edge = _edge_of_chip(pic, chip)
            weight[(names[edge.source], names[edge.target])] = _number(chip.label)
    assert len(weight) == 6
    net = reference.XORNetwork()
    hidden_w, hidden_b = (
        np.asarray(net.hidden.weights),
        np.asarray(net.hidden.bias),
    )  # (2, 2): columns OR, NAND
    for j, unit in enumerate(("OR", "NAND")):
        assert [weight[("A", unit)], weight[("B", unit)]] == hidden_w[:, j].tolist()
        assert bias[unit] == hidden_b[j]
    assert [weight[("OR", "AND")], weight[("NAND", "AND")]] == np.asarray(net.output.weights).tolist()
    assert bias["AND"] == float(net.output.bias)

    def fire(z):
        return int(z >= 0)

    for a, b in product((0, 1), repeat=2):
        h = {u: fire(weight[("A", u)] * a + weight[("B", u)] * b + bias[u]) for u in ("OR", "NAND")}
        out = fire(weight[("OR", "AND")] * h["OR"] + weight[("NAND", "AND")] * h["NAND"] + bias["AND"])
        assert out == a ^ b


# ------------------------------------------------------------------------------------------------
# Dense layer shapes
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("N", "D", "M"), [(4, 3, 2), (32, 784, 128), ("N", "D", "M"), (1, 1, 1)])
def test_dense_layer_blocks_share_their_dimensions(N, D, M):
    pic = read(dg.dense_layer_shapes(N, D, M))
    assert len(pic.nodes) == 4 and not pic.edges
    block = {n.texts[0]: n.box for n in pic.nodes}
    width = {k: b[2] - b[0] for k, b in block.items()}
    height = {k: b[3] - b[1] for k, b in block.items()}
    assert width["X"] == pytest.approx(height["W"])  # D
    assert height["X"] == pytest.approx(height["Y"])  # N
    assert width["W"] == pytest.approx(width["b"]) == pytest.approx(width["Y"])  # M
    assert [k for k in sorted(block, key=lambda k: block[k][0])] == ["X", "W", "b", "Y"]
    text = pic.all_text()
    for piece in ("(N, D)", "(D, M)", "(M,)", "(N, M)", "@", "+", "="):
        assert piece in text
    if isinstance(N, int):
        assert f"({N}, {D})" in text and f"({D}, {M})" in text and f"({M},)" in text and f"({N}, {M})" in text


def test_dense_layer_bigger_sizes_draw_bigger_blocks():
    pic = read(dg.dense_layer_shapes(32, 784, 128))
    block = {n.texts[0]: n.box for n in pic.nodes}
    x_w, x_h = block["X"][2] - block["X"][0], block["X"][3] - block["X"][1]
    w_w = block["W"][2] - block["W"][0]
    assert x_w > w_w > x_h  # 784 > 128 > 32


def test_dense_layer_bad_sizes():
    with pytest.raises(ValueError, match="dense_layer_shapes: expected N >= 1; got N=0"):
        dg.dense_layer_shapes(0, 3, 2)
    with pytest.raises(TypeError, match="dense_layer_shapes: expected D to be an integer; got float 2.5"):
        dg.dense_layer_shapes(4, 2.5, 2)


# ------------------------------------------------------------------------------------------------
# Keras-style model graphs
# ------------------------------------------------------------------------------------------------


def connections(pic: Picture):
    return sorted((pic.nodes[e.source].texts[0], pic.nodes[e.target].texts[0]) for e in pic.edges)


def _assert_flows_down(pic: Picture):
    for edge in pic.edges:
        source, target = pic.nodes[edge.source], pic.nodes[edge.target]
        (x0, y0), (x1, y1) = edge.points[0], edge.points[-1]
        assert source.distance_to_outline(x0, y0) < 0.2 and target.distance_to_outline(x1, y1) < 0.2
        assert y0 > (source.box[1] + source.box[3]) / 2  # leaves from the lower side
        assert y1 < (target.box[1] + target.box[3]) / 2  # enters from the upper side
        assert target.box[1] > source.box[3]


def test_wide_and_deep_graph():
    pic = read(dg.wide_and_deep())
    assert connections(pic) == sorted(
        [
            ("input", "hidden_1"),
            ("hidden_1", "hidden_2"),
            ("hidden_2", "concat"),
            ("input", "concat"),
            ("concat", "output"),
        ]
    )
    _assert_flows_down(pic)
    text = pic.all_text()
    assert (
        "Input(shape=(8,))" in text and "Dense(30, relu)" in text and "8 + 30 = 38" in text and "wide" in text
    )
    (wide,) = [c for c in pic.chips if c.label == "wide"]
    hidden = [n for n in pic.nodes if n.texts[0].startswith("hidden")]
    assert all(wide.box[2] < h.box[0] or wide.box[0] > h.box[2] for h in hidden)  # the skip goes around
    assert "Concatenate: 5 + 50 = 55" in dg.wide_and_deep(5, hidden=(40, 50)).text


def test_wide_and_deep_two_inputs_and_aux_graphs():
    pic = read(dg.wide_and_deep_two_inputs())
    assert connections(pic) == sorted(
        [
            ("deep_input", "hidden_1"),
            ("hidden_1", "hidden_2"),
            ("hidden_2", "concat"),
            ("wide_input", "concat"),
            ("concat", "output"),
        ]
    )
    _assert_flows_down(pic)
    assert "Input(shape=(5,))" in pic.all_text() and "Input(shape=(6,))" in pic.all_text()
    pic = read(dg.wide_and_deep_aux())
    assert connections(pic) == sorted(
        [
            ("deep_input", "hidden_1"),
            ("hidden_1", "hidden_2"),
            ("hidden_2", "concat"),
            ("wide_input", "concat"),
            ("concat", "main_output"),
            ("hidden_2", "aux_output"),
        ]
    )
    _assert_flows_down(pic)
    assert sum("output" in n.classes for n in pic.nodes) == 2


def test_two_headed_model_graph():
    pic = read(dg.two_headed_model())
    assert connections(pic) == sorted(
        [("input", "hidden_1"), ("hidden_1", "hidden_2"), ("hidden_2", "age_group"), ("hidden_2", "gender")]
    )
    assert "Dense(5, softmax)" in pic.all_text() and "Dense(2, softmax)" in pic.all_text()
    assert "Dense(1, sigmoid)" in dg.two_headed_model(gender_head="sigmoid").text
    with pytest.raises(
        ValueError, match="two_headed_model: expected gender_head to be one of 'softmax', 'sigmoid'"
    ):
        dg.two_headed_model(gender_head="tanh")
    with pytest.raises(TypeError, match="two_headed_model: expected hidden to be a non-empty sequence"):
        dg.two_headed_model(hidden=())


def test_multi_input_multi_output_graph():
    pic = read(dg.multi_input_multi_output())
    assert len(pic.nodes) == 8 and len(pic.edges) == 7
    _assert_flows_down(pic)
    assert "Concatenate: 32 + 32 = 64" in pic.all_text()
    pic = read(
        dg.multi_input_multi_output({"a": 2, "b": 3, "c": 4}, {"y": (1, None), "z": (2, "sigmoid")}, hidden=8)
    )
    assert len(pic.nodes) == 3 + 3 + 2 + 2 and len(pic.edges) == 3 + 3 + 1 + 2
    assert "Concatenate: 8 + 8 + 8 = 24" in pic.all_text() and "Dense(2, sigmoid)" in pic.all_text()
    with pytest.raises(
        ValueError, match="multi_input_multi_output: expected inputs to be a dict with at least two"
    ):
        dg.multi_input_multi_output({"a": 2})
    with pytest.raises(
        TypeError, match=r"multi_input_multi_output: expected outputs\['y'\] to be \(units, activation\)"
    ):
        dg.multi_input_multi_output(outputs={"y": 1, "z": (1, None)})


def test_model_graph_layout_and_errors():
    layers = [{"id": "x", "kind": "input"}, {"id": "h", "detail": "Dense(4)"}, {"id": "y", "kind": "output"}]
    pic = read(dg.model_graph(layers, [("x", "h"), ("h", "y"), ("x", "y", "skip")]))
    assert connections(pic) == sorted([("x", "h"), ("h", "y"), ("x", "y")])
    assert "skip" in pic.all_text()
    pic = read(dg.model_graph(layers, [("x", "h"), ("h", "y")], direction="LR"))
    for edge in pic.edges:
        assert pic.nodes[edge.target].box[0] > pic.nodes[edge.source].box[2]
    with pytest.raises(
        ValueError, match=r"model_graph: expected an acyclic graph .*; got a cycle among 'x', 'h', 'y'"
    ):
        dg.model_graph(layers, [("x", "h"), ("h", "y"), ("y", "x")])
    with pytest.raises(
        ValueError,
        match=r"model_graph: expected edges\[0\] to join known node ids; got unknown id 'hh'. "
        r"Did you mean 'h'\?",
    ):
        dg.model_graph(layers, [("x", "hh")])
    with pytest.raises(
        ValueError, match="model_graph: expected a unique id for every layer; got 'x' more than once"
    ):
        dg.model_graph(layers + [{"id": "x"}], [])
    with pytest.raises(
        ValueError,
        match=r"model_graph: expected layers\[0\] with keys among .*; got the key 'detial'. "
        r"Did you mean 'detail'\?",
    ):
        dg.model_graph([{"id": "x", "detial": "oops"}], [])
    with pytest.raises(
        ValueError,
        match=r"model_graph: expected layers\[0\]\['kind'\] to be one of 'input', 'layer', "
        r"'merge', 'output'",
    ):
        dg.model_graph([{"id": "x", "kind": "dense"}], [])
    with pytest.raises(
        ValueError, match=r"model_graph: expected edges\[0\] to join two different nodes; got a loop on 'x'"
    ):
        dg.model_graph(layers, [("x", "x")])


def test_labels_with_markup_characters_are_escaped():
    title = 'a < b & "c"'
    pic = read(dg.model_graph([{"id": "a<b", "detail": "say 'hi' & <bye>"}], [], title=title))
    assert pic.nodes[0].texts == ["a<b", "say 'hi' & <bye>"]
    assert pic.root.get("aria-label") == pic.root.find(SVG + "title").text == title


def test_keras_sequential_stack_and_errors():
    pic = read(ALL["keras_sequential"]())
    assert [n.texts[0] for n in sorted(pic.nodes, key=lambda n: n.box[1])] == [
        "input",
        "flatten",
        "dense",
        "dense_1",
    ]
    assert connections(pic) == sorted([("input", "flatten"), ("flatten", "dense"), ("dense", "dense_1")])
    _assert_flows_down(pic)
    assert "(None, 28, 28)" in pic.all_text() and "Dense(300, relu) → (None, 300)" in pic.all_text()
    assert len(read(dg.keras_sequential([("only", "(None, 3)")])).nodes) == 1
    with pytest.raises(
        TypeError, match=r"keras_sequential: expected layers\[0\] to be \(name, output_shape\)"
    ):
        dg.keras_sequential([("dense",)])
    with pytest.raises(TypeError, match=r"keras_sequential: expected layers\[0\] output_shape to be a shape"):
        dg.keras_sequential([("dense", (None, -3))])
    with pytest.raises(TypeError, match="keras_sequential: expected layers to be a non-empty list"):
        dg.keras_sequential([])


# ------------------------------------------------------------------------------------------------
# Computational graphs, exported from a tiny autograd engine
# ------------------------------------------------------------------------------------------------


class Value:
    """A scalar that records how it was made (enough autograd to export a graph to draw)."""

    def __init__(self, data, parents=(), op=None, label=None):
        self.data, self.grad, self.parents, self.op, self.label = data, 0.0, parents, op, label

    def __add__(self, other):
        out = Value(self.data + other.data, (self, other), "+")
        out.local = (1.0, 1.0)
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")
        out.local = (other.data, self.data)
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")
        out.local = (1 - math.tanh(self.data) ** 2,)
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for p, local in zip(v.parents, getattr(v, "local", ())):
                p.grad += local * v.grad
        return order

    def export(self):
        order = self.backward()
        names = {id(v): v.label or f"v{i}" for i, v in enumerate(order)}
        nodes = [{"id": names[id(v)], "op": v.op, "value": v.data, "grad": v.grad} for v in order]
        edges = [(names[id(p)], names[id(v)]) for v in order for p in v.parents]
        return nodes, edges


def test_computational_graph_from_an_autograd_engine():
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    out = ((a * b + c) * f).tanh()
    out.label = "L"
    nodes, edges = out.export()
    pic = read(dg.computational_graph(nodes, edges))
    n_ops = sum(1 for n in nodes if n["op"])
    assert len(pic.nodes) == len(nodes) + n_ops == 8 + 4
    assert len(pic.edges) == len(edges) + n_ops
    assert sum("op" in n.classes for n in pic.nodes) == n_ops
    # Each value box shows "label = value" and "grad ...": the engine's numbers, which match calculus.
    dL = 1 - math.tanh(-8.0) ** 2
    expected = {"a": (2, -3 * -2 * dL), "b": (-3, 2 * -2 * dL), "c": (10, -2 * dL), "f": (-2, 4 * dL)}
    boxes = {n.texts[0].split(" = ")[0]: n for n in pic.nodes if " = " in n.label}
    for name, (value, grad) in expected.items():
        first, second = boxes[name].texts
        assert _number(first.split(" = ")[1]) == value
        assert _number(second.removeprefix("grad ")) == pytest.approx(grad, rel=1e-3)
    for edge in pic.edges:  # left to right
        assert pic.nodes[edge.target].box[0] > pic.nodes[edge.source].box[2]
    assert "result" in boxes["L"].classes and "leaf" in boxes["a"].classes


def test_computational_graph_repeated_input_and_top_to_bottom():
    nodes = [{"id": "x", "value": 3.0, "grad": 6.0}, {"id": "y", "op": "*", "value": 9.0, "grad": 1.0}]
    pic = read(dg.computational_graph(nodes, [("x", "y"), ("x", "y")], direction="TB"))
    assert len(pic.nodes) == 3 and len(pic.edges) == 3  # x -> (×) twice, (×) -> y
    _assert_flows_down(pic)
    ends = {e.points[-1] for e in pic.edges}
    assert len(ends) == 3  # the two uses of x arrive side by side, not on top of each other


@pytest.mark.parametrize(
    ("nodes", "edges", "error", "message"),
    [
        (
            [{"id": "a"}, {"id": "b"}],
            [("a", "b")],
            ValueError,
            r"computational_graph: expected an 'op' for node 'b', which has inputs; got none",
        ),
        (
            [{"id": "a", "op": "+"}],
            [],
            ValueError,
            r"computational_graph: expected inputs for node 'a', which has op '\+'",
        ),
        (
            [{"id": "a", "gard": 1.0}],
            [],
            ValueError,
            r"expected nodes\[0\] with keys among .*Did you mean 'grad'\?",
        ),
        (
            [{"id": "a"}, {"id": "a"}],
            [],
            ValueError,
            "computational_graph: expected a unique id for every node; got 'a' twice",
        ),
        (
            [{"id": "a", "value": float("nan")}],
            [],
            ValueError,
            r"computational_graph: expected a finite nodes\[0\]\['value'\]",
        ),
        (
            [{"id": "a", "value": "2"}],
            [],
            TypeError,
            r"computational_graph: expected nodes\[0\]\['value'\] to be a real number",
        ),
        (
            [{"id": "a", "op": "+"}, {"id": "b", "op": "+"}],
            [("a", "b"), ("b", "a")],
            ValueError,
            "cycle among 'a', 'b'",
        ),
        ([{"id": "a"}], [("a", "z")], ValueError, "unknown id 'z'"),
        ([], [], TypeError, "computational_graph: expected nodes to be a non-empty list"),
    ],
)
def test_computational_graph_bad_input(nodes, edges, error, message):
    with pytest.raises(error, match=message):
        dg.computational_graph(nodes, edges)


def test_computational_graph_options():
    nodes = [
        {"id": 1, "label": "w", "value": 0.123456},
        {"id": 2, "label": "r", "op": "relu", "value": 0.123456},
    ]
    text = dg.computational_graph(nodes, [(1, 2)], fmt=".2f", title="ReLU of w").text
    assert "w = 0.12" in text and "ReLU" in text and "<title>ReLU of w</title>" in text
    with pytest.raises(ValueError, match="computational_graph: expected fmt to be a float format"):
        dg.computational_graph(nodes, [(1, 2)], fmt="d")
    with pytest.raises(ValueError, match="computational_graph: expected direction to be one of 'TB', 'LR'"):
        dg.computational_graph(nodes, [(1, 2)], direction="BT")


# ------------------------------------------------------------------------------------------------
# Backward flow patterns
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "y", "upstream"), [(3.0, -1.0, 2.0), (1.5, 4.0, -3.0), (2.0, 2.0, 0.5)])
def test_backprop_flow_gradients_match_finite_differences(x, y, upstream):
    pic = read(dg.backprop_flow(x, y, upstream))
    assert len(pic.nodes) == 12
    assert (
        sum("wire" in e.classes for e in pic.edges) == 9
        and sum("backward" in e.classes for e in pic.edges) == 9
    )
    ops = {"add": lambda u, v: u + v, "mul": lambda u, v: u * v, "max": max}
    h = 1e-6
    panels = sorted([n for n in pic.nodes if "op" in n.classes], key=lambda n: n.box[1])
    assert [p.label for p in panels] == ["+", "×", "max"]
    for op_node, (name, fn) in zip(panels, ops.items()):
        row = [n for n in pic.nodes if n.box[1] < op_node.box[3] + 60 and n.box[3] > op_node.box[1] - 60]
        grads = {
            n.texts[0].split(" = ")[0]: _number(n.texts[1].removeprefix("grad "))
            for n in row
            if len(n.texts) == 2
        }
        if name == "max" and x == y:
            expected = {"x": upstream, "y": 0.0}  # a tie goes to x, as tf.maximum does
        else:
            expected = {
                "x": upstream * (fn(x + h, y) - fn(x - h, y)) / (2 * h),
                "y": upstream * (fn(x, y + h) - fn(x, y - h)) / (2 * h),
            }
        assert grads["z"] == upstream
        assert grads["x"] == pytest.approx(expected["x"], abs=1e-6), name
        assert grads["y"] == pytest.approx(expected["y"], abs=1e-6), name
    for caption in ("add distributes", "mul swaps", "max routes"):
        assert caption in pic.all_text()


def test_backprop_flow_bad_arguments():
    with pytest.raises(ValueError, match="backprop_flow: expected a finite x; got x=nan"):
        dg.backprop_flow(float("nan"))
    with pytest.raises(TypeError, match="backprop_flow: expected upstream to be a real number; got str '1'"):
        dg.backprop_flow(upstream="1")


# ------------------------------------------------------------------------------------------------
# In a real browser: the text fits its boxes, and a phone-width page does not scroll sideways
# ------------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

MEASURE_JS = """
const problems = [];
for (const svg of document.querySelectorAll('svg')) {
  const vb = svg.viewBox.baseVal;
  const boxes = Array.from(svg.querySelectorAll('.nn-node, .nn-chip')).map(el => el.getBBox());
  for (const text of svg.querySelectorAll('text')) {
    const b = text.getBBox();
    const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
    const holder = boxes.find(o => o.x <= cx && cx <= o.x + o.width && o.y <= cy && cy <= o.y + o.height);
    const name = svg.getAttribute('aria-label') + ': "' + text.textContent + '"';
    if (!holder) { problems.push(name + ' is on no node or chip'); continue; }
    if (b.x < holder.x - 1 || b.x + b.width > holder.x + holder.width + 1)
      problems.push(name + ' is wider than its box (' + b.width.toFixed(1) + ' > '
                    + holder.width.toFixed(1) + ')');
    if (b.x < vb.x || b.y < vb.y || b.x + b.width > vb.x + vb.width || b.y + b.height > vb.y + vb.height)
      problems.push(name + ' leaves the viewBox');
  }
}
return problems;
"""


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if settings.require_browser():
            pytest.fail("COURSE_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
        pytest.skip("headless Chromium not found: install Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=800,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_in_chromium_text_fits_and_phone_width_does_not_overflow(browser, drawn, tmp_path):
    """Inline in a column as wide as a phone's (390 px less margins), as the book shows them."""
    page = tmp_path / "diagrams.html"
    body = "".join(f"<p>{name}</p>{d._repr_html_()}" for name, d in drawn.items())
    page.write_text(
        f'<!doctype html><meta charset="utf-8"><body style="margin:0">'
        f'<main id="column" style="width:358px;margin:0 16px">{body}</main></body>',
        encoding="utf-8",
    )
    browser.get(page.as_uri())
    assert browser.execute_script(MEASURE_JS) == []
    column = browser.execute_script(
        "const c = document.getElementById('column'); return [c.clientWidth, c.scrollWidth]"
    )
    assert column == [358, 358]  # nothing sticks out sideways
    rects = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg')).map(s => {"
        " const r = s.getBoundingClientRect(), vb = s.viewBox.baseVal;"
        " return [r.width, r.height, vb.width, vb.height]; })"
    )
    for width, height, vb_w, vb_h in rects:
        assert width <= 358.5
        assert height == pytest.approx(width * vb_h / vb_w, rel=0.02)  # shrinks without distortion
