"""Layers, losses and initialisers on the tensor engine, with PyTorch's names."""

from hackgrad.nn.module import Module
from hackgrad.nn.parameter import Parameter

__all__ = ["Module", "Parameter"]
