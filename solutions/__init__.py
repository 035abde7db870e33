"""The reference implementation of every graded function of the actspace course.

One module per lesson; every curriculum name is re-exported here, so
``solutions.to_basis`` and ``solutions.change_of_basis.to_basis`` are the same
function. Pure NumPy.
"""
from solutions.change_of_basis import (
    change_coordinates, compose, from_basis, map_in_basis, null_space, to_basis,
)
from solutions.relu_orthants import (
    count_activation_patterns, kept_cone, kept_mask, orthant_code, relu, relu_in_basis,
)
from solutions.skip_connections import (
    invert_residual, residual_block, residual_decomposition, residual_jacobian,
)
from solutions.attention_rebasing import (
    attention_head, attention_pattern, input_basis_coordinates, multi_head_attention,
    ov_circuit, softmax,
)
from solutions.transformer_layer import center_projector, layer_norm, transformer_block
from solutions.untangling import (
    linear_probe_accuracy, mlp_activations, participation_ratio, pca_project,
)
from solutions.trained_transformer import (
    copying_score, prefix_matching_score, previous_token_score, subspace_variance_share,
)

# lesson folder -> module holding that lesson's reference functions
LESSON_MODULES = {
    "01_change_of_basis": "solutions.change_of_basis",
    "02_relu_orthants": "solutions.relu_orthants",
    "03_skip_connections": "solutions.skip_connections",
    "04_attention_rebasing": "solutions.attention_rebasing",
    "05_transformer_layer": "solutions.transformer_layer",
    "06_untangling": "solutions.untangling",
    "07_trained_transformer": "solutions.trained_transformer",
}


def fresh_copy():
    """Every reference function re-created from its source, as a notebook's solution cells define it.

    The grader scores this package's own functions 0 (handing in
    ``solutions.x`` is cheating), so "the right answer scores 1" is checked on
    this copy. Modules run in lesson order in one namespace, the way earlier
    cells of a notebook define names for later ones.
    """
    import importlib
    import inspect
    import types

    ns = {"__name__": "reference_copy"}
    for module in LESSON_MODULES.values():
        source = inspect.getsource(importlib.import_module(module))
        lines = [l for l in source.splitlines() if not l.startswith("from solutions")]
        exec(compile("\n".join(lines), "<reference copy>", "exec"), ns)
    return types.SimpleNamespace(**ns)
