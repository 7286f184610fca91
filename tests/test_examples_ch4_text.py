"""Chapter 4's recurrent-net examples, run as a learner runs them (short settings), read from their output."""

import math

from test_examples import figures, run_example


def test_rnn_lstm_gru_curves_and_the_vanishing_gradient(capsys, monkeypatch, tmp_path):
    out = run_example("ch4_01_rnn_lstm_gru", capsys, monkeypatch, tmp_path, "--seconds", 3, "--out", tmp_path)
    for cell in ("rnn", "lstm", "gru"):
        val = [line for line in out.splitlines() if line.startswith(cell + " ")][0]
        assert float(val.split("val ")[1].split()[0]) < math.log(76)  # better than a uniform guess
    rnn, lstm, gru = figures(out, "k = 40:")
    assert rnn < lstm / 100 and rnn < gru / 100  # the vanilla RNN's gradient fades far faster
    assert (tmp_path / "ch4_rnn_lstm_gru.png").exists() and (tmp_path / "ch4_gradient_reach.png").exists()


def test_bidirectional_lstm_restores_capitals_better(capsys, monkeypatch, tmp_path):
    out = run_example("ch4_02_bidirectional", capsys, monkeypatch, tmp_path, "--steps", 150)
    uni_letters, uni_caps, uni_names = figures(out, "one-directional")[-3:]
    bi_letters, bi_caps, bi_names = figures(out, "bidirectional")[-3:]
    assert bi_letters > uni_letters + 0.3 and bi_caps > uni_caps + 2
    assert bi_names > uni_names + 1.5  # a name's capitals are announced by the colon after it
