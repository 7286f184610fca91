"""Tests for hackgrad/models/cnn.py: parameter counts and layer shapes of LeNet-5, the MNIST CNN, AlexNet and
VGG-11; golden short trainings (fixed seeds) of the MNIST nets; golden forward passes of the 224x224 nets
on CPU; torchvision-compatible names, checked against the same nets written in PyTorch."""

import numpy as np
import pytest

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.models import MODELS, build_model, spec_of
from hackgrad.models.cnn import AlexNet, alexnet, cnn, lenet5, vgg11


@pytest.fixture(scope="module")
def big():
    """AlexNet and VGG-11 built once (their 194 M weights take a few seconds to draw)."""
    return {"alexnet": alexnet(seed=0), "vgg11": vgg11(seed=0)}


@pytest.fixture(scope="module")
def image224():
    return np.random.default_rng(7).standard_normal((1, 3, 224, 224)).astype(np.float32)


def _conv_shapes(model):
    return [(m.in_channels, m.out_channels, m.kernel_size, m.stride) for m in model.modules()
            if isinstance(m, nn.Conv2d)]


# --- parameter counts and shapes ------------------------------------------------------------------
def test_parameter_counts_of_the_published_nets(big):
    assert lenet5().num_parameters() == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850
    assert cnn().num_parameters() == 80_202
    assert big["alexnet"].num_parameters() == 61_100_840  # torchvision's alexnet()
    assert big["vgg11"].num_parameters() == 132_863_336  # torchvision's vgg11()


def test_layer_shapes_follow_the_papers(big):
    assert _conv_shapes(lenet5()) == [(1, 6, (5, 5), (1, 1)), (6, 16, (5, 5), (1, 1))]
    assert _conv_shapes(big["alexnet"]) == [
        (3, 64, (11, 11), (4, 4)), (64, 192, (5, 5), (1, 1)), (192, 384, (3, 3), (1, 1)),
        (384, 256, (3, 3), (1, 1)), (256, 256, (3, 3), (1, 1)),
    ]
    widths = [c[1] for c in _conv_shapes(big["vgg11"])]
    assert widths == [64, 128, 256, 256, 512, 512, 512, 512]  # configuration A
    assert all(c[2] == (3, 3) for c in _conv_shapes(big["vgg11"]))
    linears = [(m.in_features, m.out_features) for m in big["vgg11"].modules() if isinstance(m, nn.Linear)]
    assert linears == [(25088, 4096), (4096, 4096), (4096, 1000)]


def test_torchvision_state_dict_names(big):
    keys = [name for name, _ in big["alexnet"].named_parameters()]
    assert keys == [
        "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
        "features.6.weight", "features.6.bias", "features.8.weight", "features.8.bias",
        "features.10.weight", "features.10.bias", "classifier.1.weight", "classifier.1.bias",
        "classifier.4.weight", "classifier.4.bias", "classifier.6.weight", "classifier.6.bias",
    ]
    vgg_keys = [name for name, _ in big["vgg11"].named_parameters()]
    assert vgg_keys[:4] == ["features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias"]
    assert vgg_keys[-2:] == ["classifier.6.weight", "classifier.6.bias"]


def test_num_classes_and_seeds():
    a, b, c = lenet5(seed=1), lenet5(seed=1), lenet5(seed=2)
    for (k, pa), pb, pc in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert np.array_equal(pa, pb), k
        assert not np.array_equal(pa, pc), k
    assert cnn(num_classes=3)[-1].out_features == 3


# --- forward passes ---------------------------------------------------------------------------------
def test_mnist_nets_take_a_batch_of_digits():
    x = hackgrad.tensor(np.random.default_rng(0).random((5, 1, 28, 28), dtype=np.float32))
    for make in (lenet5, cnn):
        out = make()(x)
        assert out.shape == (5, 10) and out.dtype == np.float32


def test_alexnet_forward_of_one_224_image_golden(big, image224):
    model = big["alexnet"].eval()
    with hackgrad.no_grad():
        out = model(hackgrad.tensor(image224)).data
    assert out.shape == (1, 1000) and np.isfinite(out).all()
    # golden: the logits of seed-0 weights on this seeded image (float32; BLAS order moves the last digits)
    np.testing.assert_allclose(
        out[0, :4], [0.0172257, 0.0039763, -0.0072389, 0.0168568], rtol=2e-3, atol=2e-5
    )


def test_vgg11_forward_of_one_224_image_golden(big, image224):
    model = big["vgg11"].eval()
    with hackgrad.no_grad():
        out = model(hackgrad.tensor(image224)).data
    assert out.shape == (1, 1000) and np.isfinite(out).all()
    np.testing.assert_allclose(
        out[0, :4], [0.0060233, 0.1292183, 0.0734161, -0.0800079], rtol=2e-3, atol=2e-5
    )


def test_224_nets_refuse_other_sizes_before_any_work(big):
    with pytest.raises(ValueError, match=r"AlexNet expects images of shape \(N, 3, 224, 224\), got \(1, 3, 32, 32\)"):
        big["alexnet"](hackgrad.tensor(np.zeros((1, 3, 32, 32), np.float32)))
    with pytest.raises(ValueError, match=r"VGG expects images of shape \(N, 3, 224, 224\)"):
        big["vgg11"](hackgrad.tensor(np.zeros((3, 224, 224), np.float32)))


def test_alexnet_matches_the_same_net_in_pytorch(big, image224):
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    ref = tnn.Sequential()  # torchvision's AlexNet, written out (torchvision is not a test dependency)
    ref.features = tnn.Sequential(
        tnn.Conv2d(3, 64, 11, stride=4, padding=2), tnn.ReLU(), tnn.MaxPool2d(3, 2),
        tnn.Conv2d(64, 192, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(3, 2),
        tnn.Conv2d(192, 384, 3, padding=1), tnn.ReLU(), tnn.Conv2d(384, 256, 3, padding=1), tnn.ReLU(),
        tnn.Conv2d(256, 256, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(3, 2),
    )
    ref.classifier = tnn.Sequential(
        tnn.Dropout(), tnn.Linear(9216, 4096), tnn.ReLU(), tnn.Dropout(), tnn.Linear(4096, 4096), tnn.ReLU(),
        tnn.Linear(4096, 1000),
    )
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in big["alexnet"].state_dict().items()})
    ref.eval()
    with torch.no_grad():
        expected = ref.classifier(torch.flatten(ref.features(torch.from_numpy(image224)), 1)).numpy()
    with hackgrad.no_grad():
        got = big["alexnet"].eval()(hackgrad.tensor(image224)).data
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-5)


def test_alexnet_trains_one_step_on_cpu():
    model = AlexNet(num_classes=10, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.01)
    x = hackgrad.tensor(np.random.default_rng(1).standard_normal((2, 3, 224, 224)).astype(np.float32))
    y = hackgrad.tensor(np.array([3, 7]))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and np.isfinite(g).all() for g in grads)
    opt.step()


# --- golden short trainings -----------------------------------------------------------------------------
def _mnist_subset(n=256):
    m = hackgrad.data.load_mnist()
    X = ((m.train.X[:n] - 0.1307) / 0.3081).reshape(n, 1, 28, 28).astype(np.float32)
    return X, m.train.y[:n]


@pytest.mark.parametrize(
    "make, golden",
    [
        (lenet5, [2.3107, 2.1677, 2.0023, 1.7938, 1.5662, 1.3538]),
        (cnn, [2.3064, 2.1511, 1.9149, 1.5742, 1.2002, 0.8647]),
    ],
)
def test_mnist_net_golden_training(make, golden):
    """Six Adam steps on 256 digits, seed 0: the loss curve is the recorded one, and it falls."""
    X, y = _mnist_subset()
    model = make(seed=0)
    opt = optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(6):
        loss = F.cross_entropy(model(hackgrad.tensor(X)), hackgrad.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    np.testing.assert_allclose(losses, golden, rtol=2e-3)
    assert losses[-1] < 0.6 * losses[0]


def test_registry_and_recipe_build_the_same_models():
    for name in ("lenet5", "cnn"):
        built = build_model({"type": name, "num_classes": 10}, seed=3)
        direct = {"lenet5": lenet5, "cnn": cnn}[name](num_classes=10, seed=3)
        assert spec_of(built) == {"type": name, "num_classes": 10}
        for a, b in zip(built.parameters(), direct.parameters()):
            assert np.array_equal(a.data, b.data)
    assert {"lenet5", "cnn", "alexnet", "vgg11"} <= set(MODELS)
    with pytest.raises(ValueError, match="unknown model spec type 'resnet'; expected one of .*lenet5"):
        build_model({"type": "resnet"})
    with pytest.raises(ValueError, match="unexpected keyword argument 'width'"):
        build_model({"type": "cnn", "width": 3})
