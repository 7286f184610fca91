"""draw(): valid standalone SVG and DOT with every wire's value and gradient; atomic save."""

import xml.etree.ElementTree as ET

import pytest

from hackgrad.circuit import Unit, sigmoid
from hackgrad.circuit.draw import GRAD_COLOR, VALUE_COLOR, draw

SVG = "{http://www.w3.org/2000/svg}"


def guide_circuit():
    x, y, z = Unit(-2.0, label="x"), Unit(5.0, label="y"), Unit(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.backward()
    return f


def texts(svg, color=None):
    root = ET.fromstring(svg.encode("utf-8"))
    return [t.text for t in root.iter(f"{SVG}text") if color is None or t.get("fill") == color]


def test_svg_is_valid_xml_with_the_values_and_gradients_of_the_guide():
    d = draw(guide_circuit())
    root = ET.fromstring(d.svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    values = texts(d.svg, VALUE_COLOR)
    grads = texts(d.svg, GRAD_COLOR)
    assert values[0] == "value (forward)" and grads[0] == "gradient (backward)"  # the legend
    # the guide's "(Values)" circuit: -2 5 -4 + 3 * -12, and its "(Gradients)": -4 -4 3 + -4 * 1
    assert sorted(values[1:]) == sorted(["x = -2", "y = 5", "q = 3", "z = -4", "-12"])
    assert sorted(grads[1:]) == sorted(["-4", "-4", "-4", "3", "1"])
    assert {"+", "*"} <= set(texts(d.svg))
    assert d._repr_svg_() == d.svg
    assert repr(d) == "<Diagram: 2 gates, 5 wires>"


def test_layers_run_left_to_right_by_longest_path():
    d = draw(guide_circuit())
    x = {n.text: n.x for n in d.nodes if n.text}
    # gates by longest path; an input sits just left of the gate that first reads it (z beside q, as in the guide)
    assert x["x"] == x["y"] < x["+"] < x["*"]
    assert x["z"] == x["+"]


def test_text_is_escaped():
    a = Unit(1.0, label='<a & "b">')
    b = Unit(2.0, label="\x00ctrl")
    out = a * b
    out.label = "]]> </svg>"
    out.backward()
    d = draw(out)
    svg = d.svg
    ET.fromstring(svg.encode("utf-8"))  # still well-formed
    assert '<a & "b">' in texts(svg)
    assert "\ufffdctrl" in texts(svg)
    assert "&lt;a &amp; " in d.dot and "<a &" not in d.dot


def test_dot_lists_every_node_and_wire():
    d = draw(guide_circuit())
    dot = d.dot
    assert dot.startswith("digraph circuit {") and dot.rstrip().endswith("}")
    assert dot.count("->") == 5 and "rankdir=LR" in dot
    assert f'<font color="{VALUE_COLOR}">q = 3</font><br/><font color="{GRAD_COLOR}">-4</font>' in dot


def test_save_is_atomic_and_chooses_the_format_by_extension(tmp_path):
    d = draw(guide_circuit())
    svg_path = d.save(tmp_path / "c.svg")
    dot_path = d.save(tmp_path / "c.dot")
    assert open(svg_path).read() == d.svg and open(dot_path).read() == d.dot
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.dot", "c.svg"]  # no temporary left behind
    with pytest.raises(ValueError, match="expected .svg or .dot"):
        d.save(tmp_path / "c.png")


def test_draw_a_neuron_a_leaf_and_refuses_big_or_wrong_input():
    a, b, c, x, y = (Unit(v, label=n) for v, n in zip([1, 2, -3, -1, 3], "abcxy"))
    s = sigmoid(a * x + b * y + c)
    s.backward()
    svg = draw(s).svg
    assert "0.8808" in texts(svg, VALUE_COLOR) and "sig" in texts(svg)
    assert "-0.105" in texts(svg, GRAD_COLOR)
    leaf = Unit(4.0, label="w")
    assert "w = 4" in texts(draw(leaf).svg, VALUE_COLOR)
    assert s._repr_svg_().startswith("<?xml")
    with pytest.raises(TypeError, match="expected the circuit's output Unit"):
        draw(3.0)
    u = Unit(0.0)
    for _ in range(30):
        u = u + 1.0
    with pytest.raises(ValueError, match="max_nodes=10"):
        draw(u, max_nodes=10)


def test_slides_read_well_arrows_halos_roles_and_forks():
    a, x = Unit(2.0, label="a"), Unit(3.0, label="x")
    out = a * x + x * 1.5  # x forks into two gates; 1.5 is a constant
    out.backward()
    svg = draw(out, parameters=[a]).svg
    root = ET.fromstring(svg.encode("utf-8"))
    paths = [p for p in root.iter(f"{SVG}path") if p.get("marker-end")]
    assert len(paths) == 7 and all(p.get("marker-end") == "url(#arrow)" for p in paths)  # 6 wires + the end
    labels = [t for t in root.iter(f"{SVG}text") if t.get("paint-order") == "stroke"]
    assert labels and all(t.get("stroke") == "white" for t in labels)  # a halo under every wire label
    assert int(root.get("font-size")) >= 14
    # each role its own look, and the legend names the roles drawn
    assert {"parameter", "data", "constant"} <= set(texts(svg))
    # the fork: each branch's gradient (a = 2 and 1.5) and their sum on x's stem
    grads = texts(svg, GRAD_COLOR)
    assert "sum 3.5" in grads and "2" in grads and "1.5" in grads


def test_groups_put_each_part_of_a_large_circuit_in_its_own_band():
    w = [Unit(0.5, label="w0"), Unit(-1.0, label="w1")]
    parts = [w[0] * xi + w[1] for xi in (1.0, 2.0, 3.0)]
    total = parts[0] + parts[1] + parts[2]
    total.backward()
    d = draw(total, parameters=w, groups={f"example {i}": p for i, p in enumerate(parts)})
    assert [t for t in texts(d.svg) if t.startswith("example")] == ["example 0", "example 1", "example 2"]
    band = {i: [n.y for n in d.nodes if n.group == i + 1] for i in range(3)}
    assert max(band[0]) < min(band[1]) and max(band[1]) < min(band[2])  # bands do not interleave
    shared = [n for n in d.nodes if n.group == 0]
    assert sorted(n.text for n in shared) == ["w0", "w1"] and all(n.role == "parameter" for n in shared)
    with pytest.raises(TypeError, match="groups must be a dict"):
        draw(total, groups=[parts[0]])


def test_saved_drawings_get_the_users_normal_permissions(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = draw(guide_circuit()).save(tmp_path / "c.svg")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644  # not mkstemp's owner-only 0600
