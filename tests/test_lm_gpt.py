"""`hackgrad train --data shakespeare --model gpt` and `hackgrad sample` of a GPT run, end to end (tiny sizes, fixed
seed), the attention-map picture and the GPT-specific flag errors."""

import json
import shutil

import numpy as np
import pytest

from hackgrad.data.text import CharVocab
from hackgrad.models.gpt import GPT, GPTConfig
from hackgrad.train import command, lm_gpt
from hackgrad.train.lm_command import main as sample_main

TINY = ["--data", "shakespeare", "--model", "gpt", "--layers", "1", "--heads", "2", "--embed-dim", "16"]
TINY += ["--seq-len", "24", "--batch-size", "4", "--eval-every", "2", "--quiet"]


@pytest.fixture(scope="module")
def gpt_run(tmp_path_factory):
    """One tiny GPT run; --minutes 0 trains on the first window only, so the run is one fixed step."""
    out = tmp_path_factory.mktemp("lm") / "gpt"
    assert command.main(TINY + ["--minutes", "0", "--out", str(out)]) == 0
    return out


def results(out):
    return json.loads((out / "results.json").read_text())


def test_gpt_train_sample_resume_golden(gpt_run, tmp_path, capsys):
    out = tmp_path / "gpt"
    shutil.copytree(gpt_run, out)
    r = results(out)
    assert r["steps"] == 1 and r["train_characters"] == 4 * 24 and r["val_characters"] == 478_516
    assert r["train_loss"] == pytest.approx(4.334120, rel=1e-4)  # ~ln(76) = 4.33 at the GPT-2 initialisation
    assert r["val_loss"] == pytest.approx(4.324492, rel=1e-4)
    capsys.readouterr()
    assert sample_main([str(out), "--prompt", "ROMEO:", "--length", "12", "--top-k", "3", "--seed", "0"]) == 0
    text = capsys.readouterr().out
    assert text == "ROMEO:::--qqhhhhhC\n"  # golden: seed 0, one step of training
    assert sample_main([str(out), "--prompt", "ROMEO:", "--length", "12", "--top-k", "3", "--seed", "0"]) == 0
    assert capsys.readouterr().out == text
    # a resumed run carries on from the saved step with the saved sizes
    assert command.main(["--resume", str(out), "--minutes", "0", "--quiet", "--no-plots"]) == 0
    assert results(out)["steps"] == 2


def test_gpt_sample_crops_a_long_prompt_and_names_unknown_characters(gpt_run, capsys):
    out = gpt_run
    prompt = "ROMEO: But soft, what light through yonder window breaks?"  # 57 characters, context 24
    assert sample_main([str(out), "--prompt", prompt, "--length", "5", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(prompt) and len(captured.out.rstrip("\n")) == len(prompt) + 5
    assert "57 characters, more than the model's context of 24: it reads only the last 24" in captured.err
    assert sample_main([str(out), "--prompt", "ROMEO~", "--length", "5"]) == 2
    assert "['~']" in capsys.readouterr().err
    assert sample_main([str(out), "--temperature", "-1"]) == 2
    assert "--temperature must be a number > 0" in capsys.readouterr().err


def test_sample_text_uses_only_the_last_block_of_a_long_prompt():
    vocab = CharVocab("abcdefgh")
    model = GPT(GPTConfig(vocab_size=8, block_size=6, n_layer=1, n_head=1, n_embd=8), seed=3)
    spec, state = model.config_dict(), model.state_dict()
    notes = []
    kw = {"temperature": 1.0, "top_k": None, "seed": 5, "note": notes.append}
    long = lm_gpt.sample_text(spec, state, vocab, "hgfedcbaabcdef", 7, **kw)
    short = lm_gpt.sample_text(spec, state, vocab, "abcdef", 7, **kw)
    assert long.startswith("hgfedcbaabcdef") and long[-7:] == short[-7:]  # the same 6 characters read
    assert len(notes) == 1 and "only the last 6" in notes[0]


def test_attention_maps_png(tmp_path):
    pytest.importorskip("matplotlib")
    vocab = CharVocab("\n ,:ABCDEMORSTabcdefghiklmnoprstuvwy")
    model = GPT(GPTConfig(vocab_size=len(vocab), block_size=32, n_layer=2, n_head=3, n_embd=12), seed=0)
    line = lm_gpt.sample_line("ROMEO:\nBut soft, what light\nA very long line that is longer than twenty", 30)
    assert line == "But soft, what light"
    path = lm_gpt.plot_attention_maps(model, vocab, line, tmp_path / "attention.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    height, width = imread(path).shape[:2]
    assert width > height > 0  # 2 rows (layers) of 3 heads
    with pytest.raises(ValueError, match="block_size=32"):
        lm_gpt.plot_attention_maps(model, vocab, "a" * 33, tmp_path / "x.png")
    # what the picture shows: rows sum to 1 and nothing above the diagonal (no character reads a later one)
    for weights in model.attention_maps(vocab.encode(line)):
        assert weights.shape == (3, len(line), len(line))
        np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
        assert np.all(np.triu(weights, k=1) == 0)


def test_gpt_run_writes_the_attention_picture(gpt_run):
    pytest.importorskip("matplotlib")
    assert (gpt_run / "attention.png").read_bytes()[:4] == b"\x89PNG" and (gpt_run / "history.png").exists()


def test_gpt_flag_errors(capsys):
    cases = [
        (["--hidden", "64"], "--hidden does not apply to --model gpt"),
        (["--embed-dim", "10", "--heads", "4"], "--embed-dim (10) must be a multiple of --heads (4)"),
        (["--optimizer", "sgd"], "--model gpt trains with AdamW"),
    ]
    for extra, message in cases:
        with pytest.raises(SystemExit):
            command.main(["--data", "shakespeare", "--model", "gpt", "--minutes", "0"] + extra)
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command.main(["--data", "shakespeare", "--model", "lstm", "--heads", "2"])
    assert "--heads applies to --model gpt only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command.main(["--data", "moons", "--heads", "2"])
    assert "--heads applies to --data shakespeare only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command.main(["--data", "mnist", "--model", "gpt"])
    assert "use it with --data shakespeare" in capsys.readouterr().err
