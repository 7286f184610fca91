"""Optimizers and learning-rate schedules with PyTorch's names (`hackgrad.optim` ~ `torch.optim`).

Each update rule is one short file built from the pieces in `transforms`. The pieces every rule shares run in
`Optimizer.step` before the rule, configured as arguments of any optimizer: `maximize`, clipping
(`clip_grad_norm=`, `clip_grad_value=`), then weight decay, coupled (`weight_decay`, an L2 pull added to the
gradient) or decoupled (`decoupled_weight_decay=True`, as AdamW):

    optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4, clip_grad_norm=1.0)
"""

from hackgrad.optim import lr_scheduler, transforms
from hackgrad.optim.adadelta import Adadelta
from hackgrad.optim.adagrad import Adagrad
from hackgrad.optim.adam import Adam
from hackgrad.optim.adamw import AdamW
from hackgrad.optim.base import Optimizer, flatten_state_dict, unflatten_state_dict
from hackgrad.optim.lbfgs import LBFGS
from hackgrad.optim.rmsprop import RMSprop
from hackgrad.optim.sgd import SGD
from hackgrad.optim.transforms import clip_grad_norm_, clip_grad_value_

__all__ = [
    "Optimizer",
    "SGD",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "LBFGS",
    "lr_scheduler",
    "transforms",
    "clip_grad_norm_",
    "clip_grad_value_",
    "flatten_state_dict",
    "unflatten_state_dict",
]
