"""Drawing a circuit: each wire with its value (forward, green) and its gradient (backward, red).

`draw(out)` lays out the small DAG that produced `out` by itself (no Graphviz binary): inputs on the
left, every gate in the column of its longest path from the inputs, a few sweeps that order each column
by the mean position of its neighbours (fewer crossings). The Diagram gives standalone SVG, Graphviz
DOT text, and Jupyter's `_repr_svg_`. Values and gradients are read when `draw` is called.
"""

import os
import re

from hackgrad.circuit.unit import Unit
from hackgrad.graph import toposort
from hackgrad.io import atomic_write

VALUE_COLOR = "#1a7f37"  # green: the forward flow
GRAD_COLOR = "#c62828"  # red: the backward flow

_COL = 190  # horizontal distance between columns: room for two wire labels
_ROW = 64
_MARGIN = 24
_TOP = 44  # room for the legend
_CHAR = 7.2  # approximate width of one character of the 12px font


def _fmt(x):
    s = f"{x:.4g}"
    return "0" if s == "-0" else s


_BAD_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(s):
    """`s` as XML character data: markup escaped, characters XML cannot hold replaced."""
    s = _BAD_XML.sub("\ufffd", str(s))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inputs(u):
    g = u._gate
    return g.inputs if g is not None else ()


class _Node:
    __slots__ = ("key", "kind", "text", "layer", "pos", "x", "y", "w", "h")

    def __init__(self, key, kind, text):
        self.key, self.kind, self.text = key, kind, text
        self.layer = self.pos = 0
        self.x = self.y = 0.0
        self.w = max(44.0, _CHAR * len(text) + 20)
        self.h = 30.0


class _Edge:
    __slots__ = ("src", "dst", "value", "grad")

    def __init__(self, src, dst, unit):
        self.src, self.dst = src, dst
        name = f"{unit.label} = " if unit.label else ""
        self.value = name + _fmt(unit.value)
        self.grad = _fmt(unit.grad)


class Diagram:
    """A laid-out circuit. `.svg`, `.dot`, `.save(path)`; shows itself in Jupyter."""

    def __init__(self, nodes, edges, title=None):
        self.nodes, self.edges, self.title = nodes, edges, title

    def __repr__(self):
        gates = sum(n.kind == "gate" for n in self.nodes)
        return f"<Diagram: {gates} gates, {len(self.edges)} wires>"

    @property
    def width(self):
        return max(n.x + n.w / 2 for n in self.nodes) + _MARGIN

    @property
    def height(self):
        return max(n.y + n.h / 2 for n in self.nodes) + _MARGIN + 12

    @property
    def svg(self):
        """A standalone SVG document."""
        w, h = round(self.width), round(self.height)
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        ]
        if self.title:
            out.append(f"<title>{_text(self.title)}</title>")
        out += [
            '<rect width="100%" height="100%" fill="white"/>',
            f'<text x="{_MARGIN}" y="20" fill="{VALUE_COLOR}">value (forward)</text>',
            f'<text x="{_MARGIN + 120}" y="20" fill="{GRAD_COLOR}">gradient (backward)</text>',
            '<g fill="none" stroke="#555" stroke-width="1.2">',
        ]
        for e in self.edges:
            x0, y0, x1, y1 = e.src.x + e.src.w / 2, e.src.y, e.dst.x - e.dst.w / 2, e.dst.y
            mx = (x0 + x1) / 2
            curve = f"M{x0:.1f},{y0:.1f} C{mx:.1f},{y0:.1f} {mx:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
            out.append(f'<path d="{curve}"/>')
        out.append("</g>")
        labelled = set()
        for e in self.edges:  # one label per wire, near its start, before a branching wire forks
            if id(e.src) in labelled:
                continue
            labelled.add(id(e.src))
            fans = sum(f.src is e.src for f in self.edges) > 1
            x0, y0, x1, y1 = e.src.x + e.src.w / 2, e.src.y, e.dst.x - e.dst.w / 2, e.dst.y
            mx, my = (x0 + 28, y0) if fans else (x0 + 0.3 * (x1 - x0), y0 + 0.1 * (y1 - y0))
            out.append(f'<text x="{mx:.1f}" y="{my - 5:.1f}" text-anchor="middle" '
                       f'fill="{VALUE_COLOR}">{_text(e.value)}</text>')
            out.append(f'<text x="{mx:.1f}" y="{my + 14:.1f}" text-anchor="middle" '
                       f'fill="{GRAD_COLOR}">{_text(e.grad)}</text>')
        for n in self.nodes:
            x, y = n.x - n.w / 2, n.y - n.h / 2
            box = f'x="{x:.1f}" y="{y:.1f}" width="{n.w:.1f}" height="{n.h:.1f}"'
            if n.kind == "gate":
                shape = f'<rect {box} fill="#eef2f7" stroke="#333"/>'
            elif n.kind == "input":
                shape = f'<rect {box} rx="15" fill="#fffbe6" stroke="#999"/>'
            else:  # the circuit's output end
                shape = f'<circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="4" fill="#333"/>'
            out.append(shape)
            if n.text:
                at = f'x="{n.x:.1f}" y="{n.y + 4:.1f}"'
                out.append(f'<text {at} text-anchor="middle">{_text(n.text)}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _repr_svg_(self):
        return self.svg

    @property
    def dot(self):
        """The same circuit as Graphviz DOT text (`dot -Tsvg` lays it out its own way)."""
        ids = {id(n): f"n{i}" for i, n in enumerate(self.nodes)}
        out = ["digraph circuit {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
        for n in self.nodes:
            shape = {"gate": "box", "input": "ellipse", "output": "point"}[n.kind]
            label = f"<{_text(n.text)}>" if n.text else '""'
            out.append(f"  {ids[id(n)]} [shape={shape}, label={label}];")
        for e in self.edges:
            label = (f'<<font color="{VALUE_COLOR}">{_text(e.value)}</font><br/>'
                     f'<font color="{GRAD_COLOR}">{_text(e.grad)}</font>>')
            out.append(f"  {ids[id(e.src)]} -> {ids[id(e.dst)]} [label={label}];")
        out.append("}")
        return "\n".join(out) + "\n"

    def save(self, path):
        """Write `.svg` or `.dot` (by the extension) atomically: a reader never sees half a file."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext not in (".svg", ".dot"):
            raise ValueError(f"Diagram.save: unknown extension {ext!r} in {path!r}; expected .svg or .dot")
        text = self.svg if ext == ".svg" else self.dot
        with atomic_write(path, "w") as f:
            f.write(text)
        return path


def draw(out, title=None, max_nodes=400):
    """Lay out the circuit that produced the Unit `out`, with every wire's value and gradient."""
    if not isinstance(out, Unit):
        raise TypeError(f"draw: expected the circuit's output Unit, got {type(out).__name__}")
    units = toposort(out, _inputs)  # every input before the gates that read it
    if len(units) > max_nodes:
        raise ValueError(f"draw: the circuit has {len(units)} wires, more than max_nodes={max_nodes}; "
                         "drawings are for small circuits (raise max_nodes to draw it anyway)")
    nodes, edges, node_of = [], [], {}
    for u in units:
        if u._gate is None:
            node = _Node(id(u), "input", u.label or _fmt(u.value))
        else:
            node = _Node(id(u), "gate", getattr(u._gate, "symbol", type(u._gate).__name__))
            node.layer = 1 + max(node_of[id(v)].layer for v in u._gate.inputs)
            edges += [_Edge(node_of[id(v)], node, v) for v in u._gate.inputs]
        node_of[id(u)] = node
        nodes.append(node)
    # an input sits just left of its first reader (as in the guide's drawings), so no wire crosses a gate
    first_reader = {}
    for e in edges:
        if e.src.kind == "input":
            first_reader[id(e.src)] = min(first_reader.get(id(e.src), e.dst.layer), e.dst.layer)
    for n in nodes:
        if id(n) in first_reader:
            n.layer = first_reader[id(n)] - 1
    end = _Node("out", "output", "")
    end.w = 8.0
    end.layer = node_of[id(out)].layer + 1
    nodes.append(end)
    edges.append(_Edge(node_of[id(out)], end, out))
    _place(nodes, edges)
    return Diagram(nodes, edges, title)


def _place(nodes, edges, sweeps=4):
    layers = {}
    for n in nodes:
        layers.setdefault(n.layer, []).append(n)
    columns = [layers.get(i, []) for i in range(max(layers) + 1)]
    preds, succs = {id(n): [] for n in nodes}, {id(n): [] for n in nodes}
    for e in edges:
        preds[id(e.dst)].append(e.src)
        succs[id(e.src)].append(e.dst)

    def renumber(col):
        for i, n in enumerate(col):
            n.pos = i

    def order_by(col, neighbours):
        def key(n):
            ns = neighbours[id(n)]
            return sum(m.pos for m in ns) / len(ns) if ns else n.pos

        col.sort(key=key)  # stable: ties keep the order of the previous sweep
        renumber(col)

    for col in columns:
        renumber(col)
    for _ in range(sweeps):
        for col in columns[1:]:
            order_by(col, preds)
        for col in reversed(columns[:-1]):
            order_by(col, succs)
    tallest = max(len(c) for c in columns)
    left = _MARGIN + max(n.w for n in columns[0]) / 2
    for i, col in enumerate(columns):
        offset = (tallest - len(col)) * _ROW / 2  # centre short columns
        for n in col:
            n.x = left + i * _COL
            n.y = _TOP + offset + n.pos * _ROW + _ROW / 2
