"""Tests for `hackgrad.nn.summary` and `hackgrad summary`: rows, shapes, parameters and multiply-adds against
hand counts, totals, recurrent layers, the failing layer named, the model left as it was."""

import numpy as np
import pytest

from hackgrad import cli, nn
from hackgrad.models.cnn import cnn, lenet5


def _rows(s):
    return [(r.name, r.type, r.output_shape, r.params, r.mult_adds) for r in s.layers]


def test_cnn_summary_rows_by_hand():
    s = nn.summary(cnn(), (1, 28, 28))
    assert _rows(s) == [
        ("0", "Conv2d", (1, 16, 24, 24), 16 * 25 + 16, 16 * 24 * 24 * 25),
        ("1", "MaxPool2d", (1, 16, 12, 12), 0, 0),
        ("2", "ReLU", (1, 16, 12, 12), 0, 0),
        ("3", "Conv2d", (1, 32, 8, 8), 32 * 16 * 25 + 32, 32 * 8 * 8 * 16 * 25),
        ("4", "MaxPool2d", (1, 32, 4, 4), 0, 0),
        ("5", "ReLU", (1, 32, 4, 4), 0, 0),
        ("6", "Flatten", (1, 512), 0, 0),
        ("7", "Linear", (1, 128), 512 * 128 + 128, 512 * 128),
        ("8", "ReLU", (1, 128), 0, 0),
        ("9", "Linear", (1, 10), 1290, 1280),
    ]
    assert s.total_params == s.trainable_params == 80_202 == sum(r.params for r in s.layers)
    assert s.total_mult_adds == 230_400 + 819_200 + 65_536 + 1_280
    assert s.param_bytes == 80_202 * 4


def test_summary_table_text():
    text = str(nn.summary(lenet5(), (1, 28, 28)))
    lines = text.splitlines()
    assert lines[1].split() == ["Layer", "(type)", "Output", "shape", "Param", "#", "Mult-adds"]
    assert lines[3].split() == ["0", "(Conv2d)", "[-1,", "6,", "28,", "28]", "156", "117,600"]
    assert "Total params: 61,706" in text
    assert "Mult-adds per sample: 416,520 (0.42 M)" in text


def test_batch_size_scales_mult_adds_not_the_per_sample_total():
    one = nn.summary(cnn(), (1, 28, 28))
    four = nn.summary(cnn(), (1, 28, 28), batch_size=4)
    assert [r.mult_adds for r in four.layers] == [4 * r.mult_adds for r in one.layers]
    assert four.total_mult_adds == one.total_mult_adds
    assert four.layers[0].output_shape == (4, 16, 24, 24)


def test_alexnet_mult_adds_from_the_conv_formula():
    from hackgrad.models.cnn import AlexNet

    s = nn.summary(AlexNet(num_classes=10, seed=0), (3, 224, 224))
    convs = [(64, 55, 3 * 121), (192, 27, 64 * 25), (384, 13, 192 * 9), (256, 13, 384 * 9), (256, 13, 256 * 9)]
    expected = sum(c * hw * hw * k for c, hw, k in convs) + 9216 * 4096 + 4096 * 4096 + 4096 * 10
    assert s.total_mult_adds == expected
    assert [r.name for r in s.layers][:3] == ["features.0", "features.1", "features.2"]
    assert s.layers[-1].output_shape == (1, 10)


def test_recurrent_and_shared_layers():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 8, seed=0)
            self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True, seed=0)
            self.head = nn.Linear(16, 16, seed=0)

        def forward(self, x):
            out, _ = self.lstm(self.emb(x))
            return self.head(self.head(out))  # one layer used twice

    model = Tied()
    s = nn.summary(model, None, input=np.zeros((2, 5), dtype=np.int64))
    by_name = [(r.name, r.output_shape, r.params, r.mult_adds, r.repeat) for r in s.layers]
    lstm = 5 * 2 * (4 * 16 * (8 + 16) + 4 * 16 * (16 + 16))  # steps * batch * per layer
    assert by_name == [
        ("emb", (2, 5, 8), 160, 0, False),
        ("lstm", (2, 5, 16), model.lstm.num_parameters(), lstm, False),
        ("head", (2, 5, 16), 272, 2 * 5 * 256, False),
        ("head", (2, 5, 16), 0, 2 * 5 * 256, True),
    ]
    assert s.total_params == model.num_parameters()
    assert "(recursive)" in str(s)


def test_the_failing_layer_is_named_and_the_model_is_left_as_it_was():
    model = cnn().train()
    with pytest.raises(ValueError, match=r"fails at layer 7 \(Linear\), given \[1, 128\]"):
        nn.summary(model, (1, 20, 20))
    assert all(m.training for m in model.modules())
    assert all("forward" not in vars(m) for m in model.modules())
    s = nn.summary(model, (1, 28, 28))  # and it still works
    assert s.total_params == 80_202 and model.training


@pytest.mark.parametrize(
    "shape, batch, message",
    [
        ((0, 28, 28), 1, "input_shape must be the positive sizes of one sample"),
        (("1", 28), 1, "input_shape must be the positive sizes"),
        ((1, 28, 28), 0, "batch_size must be a positive integer"),
    ],
)
def test_bad_arguments(shape, batch, message):
    with pytest.raises(ValueError, match=message):
        nn.summary(cnn(), shape, batch_size=batch)
    with pytest.raises(TypeError, match="expected a hackgrad.nn.Module, got list"):
        nn.summary([], (1,))


def test_command_prints_the_table(capsys):
    assert cli.main(["summary", "lenet5"]) == 0
    out = capsys.readouterr().out
    assert "Total params: 61,706" in out and "11 (Linear)" in out
    assert cli.main(["summary", "cnn", "--num-classes", "3"]) == 0
    assert "Total params: 79,299" in capsys.readouterr().out


def test_command_on_a_run_folder(tmp_path, capsys):
    from hackgrad.train.checkpoint import Checkpoint, save_checkpoint
    from hackgrad.train.model_spec import build_model

    model = build_model({"type": "cnn", "num_classes": 10}, seed=0)
    save_checkpoint(tmp_path / "checkpoint.npz", Checkpoint(model_state=model.state_dict(),
                                                            model_spec={"type": "cnn", "num_classes": 10}))
    assert cli.main(["summary", str(tmp_path)]) == 0
    assert "Total params: 80,202" in capsys.readouterr().out
    mlp = build_model({"type": "mlp", "sizes": [784, 32, 10]}, seed=0)
    save_checkpoint(tmp_path / "m" / "checkpoint.npz",
                    Checkpoint(model_state=mlp.state_dict(), model_spec={"type": "mlp", "sizes": [784, 32, 10]}))
    assert cli.main(["summary", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "Input shape: [-1, 784]" in out and "Total params: 25,450" in out  # 784*32+32 + 32*10+10
    assert cli.main(["summary", str(tmp_path / "m"), "--input-shape", "784"]) == 0


def test_command_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["summary", "resnet"])
    assert "'resnet' is neither a model name (lenet5, cnn, alexnet, vgg11) nor an existing run folder" in (
        capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        cli.main(["summary", "cnn", "--input-shape", "1,x"])
    assert "expected the positive sizes of one sample" in capsys.readouterr().err
    assert cli.main(["summary", "cnn", "--input-shape", "1,20,20"]) == 1
    assert "fails at layer 7 (Linear)" in capsys.readouterr().err
    (tmp_path / "checkpoint.npz").write_bytes(b"not a checkpoint")
    assert cli.main(["summary", str(tmp_path)]) == 1
    assert "hackgrad summary: error:" in capsys.readouterr().err
