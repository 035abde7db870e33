"""Random weights of a transformer block, for the experiments of lesson 5 (no exercise's answer in here).

Shapes in the transformer row convention of lesson 4: ``h`` heads, ``d`` the model
width, ``e`` a head's width.
"""
import numpy as np


def random_block_weights(rng, d_model, n_heads=2, d_head=4, d_mlp=None, scale=1.0):
    """Random weights of one transformer block, as keywords of transformer_block.

    Each matrix has entries N(0, scale^2 / fan_in), so a unit-size input gives
    a unit-size output; biases start at zero. ``d_mlp`` defaults to 4 d_model.
    """
    d_mlp = 4 * d_model if d_mlp is None else d_mlp

    def normal(*shape, fan_in):
        return rng.normal(0.0, scale / np.sqrt(fan_in), size=shape)

    return dict(
        W_q=normal(n_heads, d_model, d_head, fan_in=d_model),  # (h, d, e)
        W_k=normal(n_heads, d_model, d_head, fan_in=d_model),  # (h, d, e)
        W_v=normal(n_heads, d_model, d_head, fan_in=d_model),  # (h, d, e)
        W_o=normal(n_heads, d_head, d_model, fan_in=n_heads * d_head),  # (h, e, d)
        W_in=normal(d_model, d_mlp, fan_in=d_model),  # (d, d_mlp)
        b_in=np.zeros(d_mlp),  # (d_mlp,)
        W_out=normal(d_mlp, d_model, fan_in=d_mlp),  # (d_mlp, d)
        b_out=np.zeros(d_model),  # (d,)
    )
