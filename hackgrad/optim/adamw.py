"""AdamW: Adam whose weight decay shrinks the weights directly instead of joining the gradient."""

from hackgrad.optim.adam import Adam


class AdamW(Adam):
    """p <- p * (1 - lr*wd), then Adam's step on the undecayed gradient (Loshchilov & Hutter).

    Coupled L2 in Adam gets divided by sqrt(v) like the rest of the gradient, so weights with large
    gradients are barely decayed; decoupling decays every weight at the same rate.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        **unknown,
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
            **unknown,
        )
