"""The package surface: the scalar engine needs no NumPy, and the command line lists every job."""

import subprocess
import sys


def test_scalar_engine_imports_without_numpy():
    code = "import sys; from hackgrad import Unit; u = Unit(2.0) * 3; u.backward(); print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tensor_names_load_on_first_use():
    import hackgrad

    t = hackgrad.tensor([1.0, 2.0], requires_grad=True)
    (t * t).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0]
    assert hackgrad.nn.Linear and hackgrad.optim.SGD and hackgrad.gradcheck


def test_cli_lists_every_subcommand(capsys):
    from hackgrad.cli import main

    assert main([]) == 2
    out = capsys.readouterr().out
    for name in ("tour", "train", "search", "playground"):
        assert name in out


# the layering of DESIGN.md/README: a module may import its own layer and the ones below, never above
LAYERS = [
    ("hackgrad.io", "hackgrad.util", "hackgrad.graph"),
    ("hackgrad.circuit", "hackgrad.autograd"),
    ("hackgrad.nn",),
    ("hackgrad.optim", "hackgrad.data"),
    ("hackgrad.models",),
    ("hackgrad.train",),
    ("hackgrad.estimators",),
    ("hackgrad.search", "hackgrad.playground"),
    ("hackgrad.cli",),
]


def _layer(module):
    for i, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return i
    return None


def test_lower_layers_never_import_higher_ones():
    import ast
    from pathlib import Path

    import hackgrad

    root = Path(hackgrad.__file__).parent
    wrong = []
    for path in root.rglob("*.py"):
        module = "hackgrad." + ".".join(path.relative_to(root).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        here = _layer(module)
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text())):  # function-level imports count too
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from hackgrad import nn` imports hackgrad.nn
                names = [f"hackgrad.{a.name}" for a in node.names] if node.module == "hackgrad" else [node.module]
            for name in names:
                there = _layer(name)
                if there is not None and there > here:
                    wrong.append(f"{module} imports {name}")
    assert not wrong, wrong
