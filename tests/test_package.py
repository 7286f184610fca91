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
