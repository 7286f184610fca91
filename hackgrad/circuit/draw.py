"""Drawing a circuit: each wire with its value (forward, green) and its gradient (backward, red).

`draw(out)` lays out the small DAG that produced `out` by itself (no Graphviz binary): inputs on the
left, every gate in the column of its longest path from the inputs, a few sweeps that order each column
by the mean position of its neighbours (fewer crossings). The Diagram gives standalone SVG, Graphviz
DOT text, and Jupyter's `_repr_svg_`. Values and gradients are read when `draw` is called.

Made to be read on a slide: every wire leaves its gate on a straight stem that carries its value above
and its gradient below (on a white halo, so no line strikes through them) and enters the next gate on a
straight approach ending in an arrowhead; a wire that forks shows each branch's gradient on its approach
and their sum on the stem. Parameters, data and constants are drawn differently, and `groups` puts the
parts of a large circuit (the SVM's cost: one group per example) in labelled bands of their own.
"""

import os
import re

from hackgrad.circuit.unit import Unit
from hackgrad.graph import toposort
from hackgrad.io import atomic_write

VALUE_COLOR = "#1a7f37"  # green: the forward flow
GRAD_COLOR = "#c62828"  # red: the backward flow
# input wires by role: the learned knobs, the data, and the numbers written into the circuit
ROLE_STYLE = {
    "parameter": ('fill="#e3f0ff" stroke="#0a6cc2" stroke-width="1.5"', "parameter"),
    "data": ('fill="#fffbe6" stroke="#a07800"', "data"),
    "constant": ('fill="#f2f2f2" stroke="#999" stroke-dasharray="4,3"', "constant"),
}

_FONT = 14
_CHAR = 8.2  # approximate width of one character of the 14px font
_COL = 230  # horizontal distance between columns: room for a stem label and an approach label
_ROW = 72
_MARGIN = 24
_TOP = 58  # room for the legend
_STEM = 84  # the straight start of every wire: its value above, its gradient below
_APPROACH = 46  # the straight end of every wire, where a branch's own gradient goes
_GROUP_GAP = 34  # between the bands of `groups`, with room for a band's name


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
    __slots__ = ("key", "kind", "text", "role", "group", "layer", "pos", "x", "y", "w", "h")

    def __init__(self, key, kind, text, role=None):
        self.key, self.kind, self.text, self.role = key, kind, text, role
        self.group = 0
        self.layer = self.pos = 0
        self.x = self.y = 0.0
        self.w = max(46.0, _CHAR * len(text) + 22)
        self.h = 32.0


class _Edge:
    __slots__ = ("src", "dst", "value", "grad", "branch", "port", "ports")

    def __init__(self, src, dst, unit, branch=None):
        self.src, self.dst = src, dst
        name = f"{unit.label} = " if unit.label else ""
        self.value = name + _fmt(unit.value)
        self.grad = _fmt(unit.grad)
        self.branch = None if branch is None else _fmt(branch)  # this branch's share of the gradient
        self.port, self.ports = 0, 1  # which of the destination's inputs, of how many


def _label(x, y, text, colour, anchor="start", size=_FONT):
    # the white halo (a stroke painted under the glyphs) keeps any line that passes from striking it through
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}" font-size="{size}" '
            f'stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke">{_text(text)}</text>')


class Diagram:
    """A laid-out circuit. `.svg`, `.dot`, `.save(path)`; shows itself in Jupyter."""

    def __init__(self, nodes, edges, title=None, groups=()):
        self.nodes, self.edges, self.title, self.groups = nodes, edges, title, list(groups)

    def __repr__(self):
        gates = sum(n.kind == "gate" for n in self.nodes)
        return f"<Diagram: {gates} gates, {len(self.edges)} wires>"

    @property
    def width(self):
        return max(n.x + n.w / 2 for n in self.nodes) + _MARGIN + 40

    @property
    def height(self):
        return max(n.y + n.h / 2 for n in self.nodes) + _MARGIN + 24

    @property
    def svg(self):
        """A standalone SVG document."""
        w, h = round(self.width), round(self.height)
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            f'font-family="Helvetica, Arial, sans-serif" font-size="{_FONT}">',
        ]
        if self.title:
            out.append(f"<title>{_text(self.title)}</title>")
        out += [
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
            '<rect width="100%" height="100%" fill="white"/>',
            f'<text x="{_MARGIN}" y="22" fill="{VALUE_COLOR}">value (forward)</text>',
            f'<text x="{_MARGIN + 125}" y="22" fill="{GRAD_COLOR}">gradient (backward)</text>',
        ]
        x = _MARGIN + 290
        for role in ("parameter", "data", "constant"):  # the legend names only the roles drawn
            if any(n.role == role for n in self.nodes):
                style, name = ROLE_STYLE[role]
                out.append(f'<rect x="{x}" y="10" width="26" height="16" rx="8" {style}/>')
                out.append(f'<text x="{x + 32}" y="23" fill="#444">{name}</text>')
                x += 44 + _CHAR * len(name)
        out += self._group_bands()
        out.append('<g fill="none" stroke="#555" stroke-width="1.4">')
        for e in self.edges:
            out.append(f'<path d="{_wire_path(e)}" marker-end="url(#arrow)"/>')
        out.append("</g>")
        out += self._wire_labels()
        for n in self.nodes:
            out += _node_svg(n)
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _group_bands(self):
        out = []
        for i, name in enumerate(self.groups):
            members = [n for n in self.nodes if n.group == i]
            if not members or not name:
                continue
            x0 = min(n.x - n.w / 2 for n in members) - 12
            x1 = max(n.x + n.w / 2 for n in members) + _STEM
            y0 = min(n.y - n.h / 2 for n in members) - 24
            y1 = max(n.y + n.h / 2 for n in members) + 22
            out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="10" '
                       'fill="#f7f9fc" stroke="#d5dbe5"/>')
            out.append(f'<text x="{x0 + 8:.1f}" y="{y0 + 15:.1f}" fill="#667" font-size="13" '
                       f'font-style="italic">{_text(name)}</text>')
        return out

    def _wire_labels(self):
        out, labelled = [], set()
        for e in self.edges:
            if e.branch is not None:  # a fork: this branch's own gradient on its approach, near its gate
                x1, y1 = e.dst.x - e.dst.w / 2, _port_y(e)
                below = e.port > 0 or e.ports == 1
                out.append(_label(x1 - 8, y1 + (17 if below else -7), e.branch, GRAD_COLOR, "end", _FONT - 1))
            if id(e.src) in labelled:
                continue
            labelled.add(id(e.src))  # one value and one (total) gradient per wire, on its stem
            x0, y0 = e.src.x + e.src.w / 2 + 6, e.src.y
            out.append(_label(x0, y0 - 7, e.value, VALUE_COLOR))
            grad = f"sum {e.grad}" if e.branch is not None else e.grad
            out.append(_label(x0, y0 + 18, grad, GRAD_COLOR))
        return out

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


def _port_y(e):
    """Where a wire enters its gate: the inputs of a gate spread over its height, first on top."""
    return e.dst.y + (e.port - (e.ports - 1) / 2) * min(10.0, (e.dst.h - 8) / max(e.ports - 1, 1))


def _wire_path(e):
    """A straight stem out of the source, a curve, a straight approach into the destination."""
    x0, y0 = e.src.x + e.src.w / 2, e.src.y
    x1, y1 = e.dst.x - e.dst.w / 2, _port_y(e)
    xs = min(x0 + _STEM, x1 - _APPROACH)
    xa = max(x1 - _APPROACH, xs)
    mid = (xs + xa) / 2
    return (f"M{x0:.1f},{y0:.1f} H{xs:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {xa:.1f},{y1:.1f} "
            f"H{x1 - 1:.1f}")


def _node_svg(n):
    x, y = n.x - n.w / 2, n.y - n.h / 2
    box = f'x="{x:.1f}" y="{y:.1f}" width="{n.w:.1f}" height="{n.h:.1f}"'
    if n.kind == "output":  # the circuit's output end
        return [f'<circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="4" fill="#333"/>']
    if n.kind == "gate":
        out = [f'<rect {box} rx="3" fill="#eef2f7" stroke="#333"/>']
        weight = ' font-weight="bold"'
    else:
        out = [f'<rect {box} rx="16" {ROLE_STYLE[n.role][0]}/>']
        weight = ""
    out.append(f'<text x="{n.x:.1f}" y="{n.y + 5:.1f}" text-anchor="middle"{weight}>{_text(n.text)}</text>')
    return out


def draw(out, title=None, max_nodes=400, *, parameters=(), groups=None):
    """Lay out the circuit that produced the Unit `out`, with every wire's value and gradient.

    `parameters`: the input Units that are learned (drawn as parameters; other named inputs are data and
    unnamed ones constants). `groups`: {name: Unit}, in order; each Unit's part of the circuit (what it
    alone depends on) is drawn in a band of its own, and what several share goes in a band above them.
    """
    nodes, edges, _, _, names = _build(out, max_nodes, "draw", parameters, groups)
    return Diagram(nodes, edges, title, names)


def layout(out, max_nodes=400):
    """The wires of `out`'s circuit in forward order and where `draw` puts each: (units, {id(u): (x, y)}).

    The circuit page draws with these positions, so the browser and the SVG files share one layout.
    """
    _, _, units, node_of, _ = _build(out, max_nodes, "layout")
    return units, {key: (n.x, n.y) for key, n in node_of.items()}


def _group_of(units, groups):
    """Each unit's band: 0 for what several groups share, i + 1 for group i alone, last for the rest."""
    if not groups:
        return {id(u): 0 for u in units}, []
    if not isinstance(groups, dict) or not all(isinstance(g, Unit) for g in groups.values()):
        raise TypeError("draw: groups must be a dict {name: Unit} of parts of the circuit")
    owners = {}
    for i, root in enumerate(groups.values()):
        for u in toposort(root, _inputs):
            owners.setdefault(id(u), set()).add(i)
    band = {}
    for u in units:
        owner = owners.get(id(u))
        band[id(u)] = len(groups) + 1 if owner is None else (0 if len(owner) > 1 else min(owner) + 1)
    return band, ["shared", *groups, ""]


def _build(out, max_nodes, where, parameters=(), groups=None):
    if not isinstance(out, Unit):
        raise TypeError(f"{where}: expected the circuit's output Unit, got {type(out).__name__}")
    units = toposort(out, _inputs)  # every input before the gates that read it
    if len(units) > max_nodes:
        raise ValueError(f"{where}: the circuit has {len(units)} wires, more than max_nodes={max_nodes}; "
                         "drawings are for small circuits (raise max_nodes to draw it anyway)")
    learned = {id(p) for p in parameters}
    band, names = _group_of(units, groups)
    nodes, edges, node_of = [], [], {}
    for u in units:
        if u._gate is None:
            role = "parameter" if id(u) in learned else "data" if u.label else "constant"
            node = _Node(id(u), "input", u.label or _fmt(u.value), role)
        else:
            gate = u._gate
            node = _Node(id(u), "gate", getattr(gate, "symbol", type(gate).__name__))
            node.layer = 1 + max(node_of[id(v)].layer for v in gate.inputs)
            shares = gate.local_grads(u.grad) if u.grad != 0.0 else [0.0] * len(gate.inputs)
            for k, (v, share) in enumerate(zip(gate.inputs, shares)):
                e = _Edge(node_of[id(v)], node, v, share)
                e.port, e.ports = k, len(gate.inputs)
                edges.append(e)
        node.group = band[id(u)]
        node_of[id(u)] = node
        nodes.append(node)
    readers = {}
    for e in edges:
        readers[id(e.src)] = readers.get(id(e.src), 0) + 1
    for e in edges:
        if readers[id(e.src)] < 2:
            e.branch = None  # only a fork shows branch by branch
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
    end.group = node_of[id(out)].group
    nodes.append(end)
    edges.append(_Edge(node_of[id(out)], end, out))
    _place(nodes, edges)
    return nodes, edges, units, node_of, names


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
            return n.group, (sum(m.pos for m in ns) / len(ns) if ns else n.pos)

        col.sort(key=key)  # stable: ties keep the order of the previous sweep; bands stay together
        renumber(col)

    for col in columns:
        col.sort(key=lambda n: n.group)
        renumber(col)
    for _ in range(sweeps):
        for col in columns[1:]:
            order_by(col, preds)
        for col in reversed(columns[:-1]):
            order_by(col, succs)
    left = _MARGIN + max(n.w for n in columns[0]) / 2
    bands = sorted({n.group for n in nodes})
    top = _TOP
    for b in bands:  # each band as tall as its tallest column; short columns centred within it
        counts = [sum(n.group == b for n in col) for col in columns]
        tallest = max(counts)
        if len(bands) > 1:
            top += _GROUP_GAP
        for i, col in enumerate(columns):
            members = [n for n in col if n.group == b]
            offset = (tallest - len(members)) * _ROW / 2
            for j, n in enumerate(members):
                n.x = left + i * _COL
                n.y = top + offset + j * _ROW + _ROW / 2
        top += tallest * _ROW
