"""Convolutional networks for images, chapter 4's first case study: LeNet-5 and a stronger net for MNIST,
AlexNet and VGG-11 for 3x224x224 photographs.

Each model is a function of its hyperparameters and a `seed` (the recipe, `hackgrad.train.model_spec`,
builds them by name, so a checkpoint of `hackgrad train --model lenet5|cnn` rebuilds its model). AlexNet
and VGG-11 are modules whose attribute names (`features`, `classifier`) and layer indices are torchvision's,
so a torchvision `state_dict` (as NumPy arrays) loads into them unchanged.

Shapes are written as (channels, height, width) of one image; every model takes a batch (N, C, H, W).
"""

import numpy as np

from hackgrad import nn
from hackgrad.models import register_model
from hackgrad.nn import init

__all__ = ["lenet5", "cnn", "AlexNet", "alexnet", "VGG", "vgg11", "VGG11_CONFIG"]


def _generator(seed, rng):
    """The Generator every layer draws from in turn: `rng` if given, else one seeded with `seed`."""
    return rng if rng is not None else np.random.default_rng(seed)


# --- MNIST ------------------------------------------------------------------------------------------
def lenet5(num_classes=10, *, seed=0, rng=None):
    """LeNet-5 (LeCun et al., 1998) on 1x28x28 digits, padded to the paper's 32x32 by the first conv.

    C1 6@28x28 -> S2 6@14x14 -> C3 16@10x10 -> S4 16@5x5 -> C5 120 -> F6 84 -> 10; tanh units and
    average-pool subsampling as in the paper (whose S layers also had a trainable gain, left out here), and
    a full C3 (the paper wired each C3 map to only some S2 maps to save 1998's arithmetic). 61,706
    parameters; weights drawn from `seed`, layer by layer.
    """
    rng = _generator(seed, rng)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2, rng=rng), nn.Tanh(),  # (6, 28, 28)
        nn.AvgPool2d(2),  # (6, 14, 14)
        nn.Conv2d(6, 16, 5, rng=rng), nn.Tanh(),  # (16, 10, 10)
        nn.AvgPool2d(2),  # (16, 5, 5)
        nn.Flatten(),  # (400,)
        nn.Linear(400, 120, rng=rng), nn.Tanh(),  # C5: a 5x5 conv over a 5x5 map is a dense layer
        nn.Linear(120, 84, rng=rng), nn.Tanh(),
        nn.Linear(84, num_classes, rng=rng),
    )


def cnn(num_classes=10, *, seed=0, rng=None):
    """The default MNIST net: two 5x5 'valid' convolutions (16 and 32 filters), each followed by 2x2 max
    pooling and ReLU, then a 128-unit hidden layer. 80,202 parameters, 1.1 M multiply-adds per digit;
    weights drawn from `seed`, layer by layer.

    Chosen for speed on a CPU: without padding the second convolution runs on 12x12 maps (8x8 out), a
    third of the work of a 'same'-padded net of the same width, and it still sees the whole digit.
    Pooling comes before the ReLU because the two commute (max(relu(a), relu(b)) = relu(max(a, b)), as
    relu never reorders values), and after pooling the ReLU has a quarter of the values to touch.
    """
    rng = _generator(seed, rng)
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, rng=rng),  # (16, 24, 24)
        nn.MaxPool2d(2), nn.ReLU(),  # (16, 12, 12)
        nn.Conv2d(16, 32, 5, rng=rng),  # (32, 8, 8)
        nn.MaxPool2d(2), nn.ReLU(),  # (32, 4, 4)
        nn.Flatten(),  # (512,)
        nn.Linear(512, 128, rng=rng), nn.ReLU(),
        nn.Linear(128, num_classes, rng=rng),
    )


# --- ImageNet-sized ---------------------------------------------------------------------------------
class AlexNet(nn.Module):
    """AlexNet (Krizhevsky, Sutskever & Hinton, 2012) as torchvision defines it (the one-GPU variant of
    the paper's two-GPU net, without local response normalisation), for 3x224x224 images.

    features: conv 64@11x11/4 -> pool -> conv 192@5x5 -> pool -> conv 384, 256, 256 @3x3 -> pool, giving
    (256, 6, 6); classifier: dropout -> 4096 -> dropout -> 4096 -> num_classes. 61,100,840 parameters
    with 1000 classes. Initialised like torchvision's (PyTorch's default layer initialisation).
    """

    def __init__(self, num_classes=1000, dropout=0.5, *, seed=0, rng=None):
        super().__init__()
        rng = _generator(seed, rng)
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2, rng=rng), nn.ReLU(),  # (64, 55, 55)
            nn.MaxPool2d(3, stride=2),  # (64, 27, 27)
            nn.Conv2d(64, 192, 5, padding=2, rng=rng), nn.ReLU(),  # (192, 27, 27)
            nn.MaxPool2d(3, stride=2),  # (192, 13, 13)
            nn.Conv2d(192, 384, 3, padding=1, rng=rng), nn.ReLU(),  # (384, 13, 13)
            nn.Conv2d(384, 256, 3, padding=1, rng=rng), nn.ReLU(),  # (256, 13, 13)
            nn.Conv2d(256, 256, 3, padding=1, rng=rng), nn.ReLU(),  # (256, 13, 13)
            nn.MaxPool2d(3, stride=2),  # (256, 6, 6)
        )
        self.flatten = nn.Flatten()  # (9216,)
        self.classifier = nn.Sequential(
            nn.Dropout(dropout, seed=int(rng.integers(2**63))),
            nn.Linear(256 * 6 * 6, 4096, rng=rng), nn.ReLU(),
            nn.Dropout(dropout, seed=int(rng.integers(2**63))),
            nn.Linear(4096, 4096, rng=rng), nn.ReLU(),
            nn.Linear(4096, num_classes, rng=rng),
        )

    def forward(self, x):
        return self.classifier(self.flatten(_check_224(self, self.features, x)))


# VGG configuration "A" (Simonyan & Zisserman, 2014): conv widths, "M" for a 2x2 max pool
VGG11_CONFIG = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


class VGG(nn.Module):
    """VGG (Simonyan & Zisserman, 2014): stacks of 3x3 'same' convolutions with ReLU, halved by 2x2 max
    pools, then three dense layers; torchvision's layout, for 3x224x224 images (the five pools leave
    (512, 7, 7)). Initialised like torchvision's: He-normal convolutions (fan_out), N(0, 0.01) dense
    weights, zero biases.
    """

    def __init__(self, config=VGG11_CONFIG, num_classes=1000, dropout=0.5, *, seed=0, rng=None):
        super().__init__()
        rng = _generator(seed, rng)
        layers, c_in = [], 3
        for v in config:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                conv = nn.Conv2d(c_in, v, 3, padding=1, rng=rng)
                init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu", rng=rng)
                init.zeros_(conv.bias)
                layers += [conv, nn.ReLU()]
                c_in = v
        self.features = nn.Sequential(*layers)
        self.flatten = nn.Flatten()  # (25088,)
        self.classifier = nn.Sequential(
            nn.Linear(c_in * 7 * 7, 4096, rng=rng), nn.ReLU(),
            nn.Dropout(dropout, seed=int(rng.integers(2**63))),
            nn.Linear(4096, 4096, rng=rng), nn.ReLU(),
            nn.Dropout(dropout, seed=int(rng.integers(2**63))),
            nn.Linear(4096, num_classes, rng=rng),
        )
        for layer in self.classifier:
            if isinstance(layer, nn.Linear):
                init.normal_(layer.weight, 0.0, 0.01, rng=rng)
                init.zeros_(layer.bias)

    def forward(self, x):
        return self.classifier(self.flatten(_check_224(self, self.features, x)))


def _check_224(model, features, x):
    """features(x), refusing anything but (N, 3, 224, 224) in the model's own words."""
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if len(shape) != 4 or shape[1:] != (3, 224, 224):
        raise ValueError(
            f"{type(model).__name__} expects images of shape (N, 3, 224, 224), got {shape}; "
            "resize or crop to 224x224 first (there is no adaptive pooling before the classifier)"
        )
    return features(x)


def alexnet(num_classes=1000, *, seed=0, rng=None):
    """AlexNet for 3x224x224 images, weights drawn from `seed` (or the Generator `rng`)."""
    return AlexNet(num_classes, seed=seed, rng=rng)


def vgg11(num_classes=1000, *, seed=0, rng=None):
    """VGG-11 (configuration A) for 3x224x224 images, weights drawn from `seed` (or the Generator `rng`)."""
    return VGG(VGG11_CONFIG, num_classes, seed=seed, rng=rng)


def _spec_builder(make):
    """build(spec, rng) for the recipe: the spec's keys other than "type" are `make`'s keyword arguments."""

    def build(spec, rng):
        kwargs = {k: v for k, v in spec.items() if k != "type"}
        try:
            return make(**kwargs, rng=rng)
        except TypeError as err:
            raise ValueError(f"model spec {spec}: {err}") from err

    return build


for _name, _make in (("lenet5", lenet5), ("cnn", cnn), ("alexnet", alexnet), ("vgg11", vgg11)):
    register_model(_name)(_spec_builder(_make))
