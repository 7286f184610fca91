"""Model specs moved to `hackgrad.models` (the recipe's model files); these names stay for older imports."""

from hackgrad.models import build_model, spec_of  # noqa: F401
from hackgrad.models.mlp import ACTIVATIONS, expand_spec, mlp_spec  # noqa: F401

__all__ = ["build_model", "mlp_spec", "spec_of", "expand_spec", "ACTIVATIONS"]
