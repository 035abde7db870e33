"""Property-based tests of the reference implementation's geometry (hypothesis)."""
import numpy as np
from hypothesis import given, settings, strategies as st

import solutions as S

settings.register_profile("actspace", max_examples=40, deadline=None)
settings.load_profile("actspace")

seeds = st.integers(0, 2 ** 32 - 1)
dims = st.integers(1, 5)


def well_conditioned(rng, d):
    Q1, _ = np.linalg.qr(rng.normal(size=(d, d)))
    Q2, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return Q1 @ np.diag(rng.uniform(0.5, 2.0, size=d)) @ Q2  # condition number <= 4


@given(seeds, dims, st.integers(1, 6))
def test_coordinates_round_trip(seed, d, n):
    rng = np.random.default_rng(seed)
    B, X = well_conditioned(rng, d), rng.normal(size=(n, d))
    assert np.allclose(S.from_basis(B, S.to_basis(B, X)), X)
    assert np.allclose(S.from_basis(B, S.to_basis(B, X[0])), X[0])
    assert np.allclose(B @ S.to_basis(B, X[0]), X[0])  # B c = x, the definition


@given(seeds, dims)
def test_change_coordinates_names_the_same_point(seed, d):
    rng = np.random.default_rng(seed)
    B_old, B_new, c = well_conditioned(rng, d), well_conditioned(rng, d), rng.normal(size=d)
    assert np.allclose(B_new @ S.change_coordinates(B_old, B_new, c), B_old @ c)


@given(seeds, dims)
def test_map_in_basis_commutes_with_coordinates(seed, d):
    rng = np.random.default_rng(seed)
    A, B, x = rng.normal(size=(d, d)), well_conditioned(rng, d), rng.normal(size=d)
    assert np.allclose(S.map_in_basis(A, B) @ S.to_basis(B, x), S.to_basis(B, A @ x))


@given(seeds, st.lists(st.integers(1, 4), min_size=2, max_size=5))
def test_compose_is_applying_in_order(seed, widths):
    rng = np.random.default_rng(seed)
    Ws = [rng.normal(size=(widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    x = rng.normal(size=widths[0])
    y = x
    for W in Ws:
        y = W @ y
    assert np.allclose(S.compose(Ws) @ x, y)


@given(seeds, st.integers(1, 5), st.integers(1, 5), st.integers(0, 5))
def test_null_space_is_an_orthonormal_basis_of_the_kernel(seed, d_out, d_in, r):
    rng = np.random.default_rng(seed)
    r = min(r, d_out, d_in)
    W = rng.normal(size=(d_out, r)) @ rng.normal(size=(r, d_in))
    Q = S.null_space(W)
    assert Q.shape == (d_in, d_in - r)
    assert np.allclose(Q.T @ Q, np.eye(d_in - r))
    assert np.allclose(W @ Q, 0, atol=1e-9)


@given(seeds, st.integers(1, 4), st.integers(1, 5))
def test_relu_lands_in_the_closed_first_orthant_and_is_idempotent(seed, n, d):
    X = np.random.default_rng(seed).normal(size=(n, d))
    Y = S.relu(X)
    assert (Y >= 0).all()
    assert np.array_equal(S.relu(Y), Y)
    assert np.array_equal(Y[X > 0], X[X > 0])  # the first orthant is kept as it is


@given(seeds, st.integers(1, 5))
def test_relu_in_basis_has_non_negative_coordinates(seed, d):
    rng = np.random.default_rng(seed)
    B, X = well_conditioned(rng, d), rng.normal(size=(7, d))
    Y = S.relu_in_basis(B, X)
    assert (S.to_basis(B, Y) >= -1e-9).all()
    assert np.allclose(S.relu_in_basis(B, Y), Y)  # idempotent in any basis


@given(seeds, st.integers(1, 4))
def test_orthant_code_and_kept_mask(seed, d):
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(9, d)), rng.normal(size=(3, d)), rng.normal(size=3)
    code = S.orthant_code(X)
    for i in range(d):
        assert np.array_equal((code >> i) & 1, (X[:, i] > 0).astype(int))
    kept = S.kept_mask(W, b, X)
    Z = X @ W.T + b
    assert np.array_equal(kept, np.array([np.array_equal(S.relu(z), z) for z in Z]))


@given(seeds, st.integers(1, 4))
def test_kept_cone_generators_map_to_the_axes(seed, d):
    rng = np.random.default_rng(seed)
    W = well_conditioned(rng, d)
    C = S.kept_cone(W)
    assert np.allclose(W @ C, np.eye(d))  # each generator is an edge of {x : W x >= 0}
    c = rng.uniform(0, 1, size=d)
    assert (W @ (C @ c) >= -1e-9).all()  # non-negative combinations stay in the cone


@given(seeds)
def test_count_activation_patterns_counts_distinct_rows(seed):
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(30, 2)), rng.normal(size=(3, 2)), rng.normal(size=3)
    k = S.count_activation_patterns(W, b, X)
    patterns = {tuple(row) for row in (X @ W.T + b > 0)}
    assert k == len(patterns) and 1 <= k <= 2 ** 3


@given(seeds, st.integers(1, 4), st.integers(1, 4))
def test_residual_decomposition_reproduces_the_block(seed, d, h):
    rng = np.random.default_rng(seed)
    x, W1, b1, W2 = rng.normal(size=d), rng.normal(size=(h, d)), rng.normal(size=h), rng.normal(size=(d, h))
    basis, coeffs = S.residual_decomposition(x, W1, b1, W2)
    assert basis.shape == (d, d + h) and coeffs.shape == (d + h,)
    assert np.allclose(basis @ coeffs, x + W2 @ S.relu(W1 @ x + b1))
    assert (coeffs[d:] >= 0).all()  # the branch contributes from the first orthant of W2's basis
    if d == h:
        assert np.allclose(S.residual_block(x, W1, b1), x + S.relu(W1 @ x + b1))


@given(seeds, st.integers(1, 4))
def test_residual_jacobian_matches_finite_differences(seed, d):
    rng = np.random.default_rng(seed)
    x, W, b = rng.normal(size=d), rng.normal(size=(d, d)), rng.normal(size=d)
    z = W @ x + b
    if np.min(np.abs(z)) < 1e-3:  # a kink: the derivative is not defined there
        return
    J = S.residual_jacobian(x, W, b)
    eps = 1e-6
    f = lambda v: S.residual_block(v, W, b)
    numeric = np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(d)], axis=1)
    assert np.allclose(J, numeric, atol=1e-5)


@given(seeds, st.integers(1, 5), st.floats(0.05, 0.9))
def test_invert_residual_inverts(seed, d, norm):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(d, d))
    W *= norm / np.linalg.norm(W, 2)
    x, b = rng.normal(size=d), rng.normal(size=d)
    y = S.residual_block(x, W, b)
    assert np.allclose(S.invert_residual(y, W, b, n_steps=400), x, atol=1e-7)


@given(seeds, st.integers(1, 6), st.integers(1, 4), st.booleans())
def test_attention_rows_are_convex_weights(seed, n, d, causal):
    rng = np.random.default_rng(seed)
    X, Wq, Wk = rng.normal(size=(n, d)), rng.normal(size=(d, 3)), rng.normal(size=(d, 3))
    A = S.attention_pattern(X, Wq, Wk, causal)
    assert (A >= 0).all()
    assert np.allclose(A.sum(axis=1), 1)
    if causal:
        assert np.allclose(np.triu(A, k=1), 0)


@given(seeds, st.integers(1, 6), st.booleans())
def test_attention_outputs_lie_in_the_hull_of_the_values(seed, n, causal):
    rng = np.random.default_rng(seed)
    X, Wq, Wk, Wv = rng.normal(size=(n, 3)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    Z, V = S.attention_head(X, Wq, Wk, Wv, causal), X @ Wv
    for u in rng.normal(size=(50, 2)):  # support functions: min <= <z, u> <= max over value rows
        proj = V @ u
        assert (Z @ u <= proj.max() + 1e-9).all() and (Z @ u >= proj.min() - 1e-9).all()


@given(seeds, st.floats(-1e4, 1e4))
def test_softmax_is_stable_and_shift_invariant(seed, shift):
    S_ = np.random.default_rng(seed).normal(size=(3, 4)) * 1e4
    P = S.softmax(S_)
    assert np.isfinite(P).all() and np.allclose(P.sum(axis=-1), 1)
    assert np.allclose(S.softmax(S_ + shift), P, atol=1e-12)
    assert np.allclose(S.softmax(S_, axis=0).sum(axis=0), 1)


@given(seeds, st.integers(1, 5), st.integers(2, 6))
def test_input_basis_coordinates_is_the_mixed_input(seed, n, d):
    rng = np.random.default_rng(seed)
    X, Wq, Wk, Wv = rng.normal(size=(n, d)), rng.normal(size=(d, 2)), rng.normal(size=(d, 2)), well_conditioned(rng, d)
    Z = S.attention_head(X, Wq, Wk, Wv)
    assert np.allclose(S.input_basis_coordinates(Z, Wv), S.attention_pattern(X, Wq, Wk) @ X)


@given(seeds, st.integers(1, 3), st.booleans())
def test_multi_head_is_a_sum_of_ov_circuits(seed, h, causal):
    rng = np.random.default_rng(seed)
    n, d, dh = 4, 6, 3
    X = rng.normal(size=(n, d))
    Wq, Wk, Wv, Wo = (rng.normal(size=s) for s in ((h, d, dh), (h, d, dh), (h, d, dh), (h, dh, d)))
    total = sum(S.attention_pattern(X, Wq[i], Wk[i], causal) @ X @ S.ov_circuit(Wv[i], Wo[i]) for i in range(h))
    assert np.allclose(S.multi_head_attention(X, Wq, Wk, Wv, Wo, causal), total)


@given(seeds, st.integers(1, 5), st.integers(2, 8))
def test_layer_norm_centres_and_lands_on_the_sphere(seed, n, d):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * 3 + rng.normal(size=(n, 1)) * 5
    Y = S.layer_norm(X)
    assert np.allclose(Y.mean(axis=1), 0)
    P = S.center_projector(d)
    assert np.allclose(P @ P, P) and np.allclose(P, P.T)
    assert np.allclose(Y, S.layer_norm(X @ P.T))  # LayerNorm ignores the all-ones direction
    ok = X.var(axis=1) > 1e-2
    assert np.allclose(np.linalg.norm(Y[ok], axis=1), np.sqrt(d), rtol=1e-3)


@given(seeds, st.integers(2, 6), st.integers(1, 4))
def test_pca_columns_are_orthogonal(seed, d, k):
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(40, d)) * rng.uniform(0.2, 3, size=d) + rng.normal(size=d)
    k = min(k, d)
    P = S.pca_project(H, k)
    G = P.T @ P
    assert P.shape == (40, k)
    assert np.allclose(G - np.diag(np.diag(G)), 0, atol=1e-8)
    assert np.allclose(P.mean(axis=0), 0)
    assert np.all(np.diff(np.diag(G)) <= 1e-9)  # by decreasing variance


@given(seeds, st.integers(1, 6))
def test_participation_ratio_is_between_1_and_d(seed, d):
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(30, d)) * rng.uniform(0.01, 3, size=d)
    pr = S.participation_ratio(H)
    assert 1 - 1e-9 <= pr <= d + 1e-9
    iso = rng.normal(size=(4000, d))
    assert abs(S.participation_ratio(iso) - d) < 0.2 * d  # isotropic: uses every direction


@given(seeds)
def test_linear_probe_separates_separable_data(seed):
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(50, 3))
    w = rng.normal(size=3)
    y = (H @ w > 0).astype(int)
    H = H + np.outer(2 * y - 1, w) / np.linalg.norm(w)  # push the classes apart along w
    assert S.linear_probe_accuracy(H, y) == 1.0
    assert 0.0 <= S.linear_probe_accuracy(rng.normal(size=(50, 3)), rng.integers(0, 2, 50)) <= 1.0


@given(seeds, st.integers(1, 3))
def test_mlp_activations_are_relu_layers(seed, L):
    rng = np.random.default_rng(seed)
    widths = rng.integers(1, 5, size=L + 1)
    Ws = [rng.normal(size=(widths[i + 1], widths[i])) for i in range(L)]
    bs = [rng.normal(size=widths[i + 1]) for i in range(L)]
    X = rng.normal(size=(6, widths[0]))
    Hs = S.mlp_activations(X, Ws, bs)
    assert len(Hs) == L + 1 and np.array_equal(Hs[0], X)
    for l in range(L):
        assert np.allclose(Hs[l + 1], S.relu(Hs[l] @ Ws[l].T + bs[l]))


# ---------------------------------------------------------------- lesson 7

@given(seeds, st.integers(2, 12))
def test_previous_token_score_of_a_shifted_identity_is_one(seed, n):
    A = np.eye(n, k=-1)
    A[0, 0] = 1.0
    assert np.isclose(S.previous_token_score(A), 1.0)


@given(seeds, st.integers(2, 8))
def test_prefix_matching_is_a_share_of_attention(seed, half):
    rng = np.random.default_rng(seed)
    tokens = np.tile(rng.permutation(20)[:half], 2)  # (2 half,): a block, then the same again
    S_ = np.where(np.triu(np.ones((2 * half, 2 * half), bool), k=1), -np.inf, rng.normal(size=(2 * half, 2 * half)))
    A = S.softmax(S_)
    score = S.prefix_matching_score(A, tokens)
    assert 0.0 <= score <= 1.0
    # for distinct tokens repeated once, row i >= half has exactly one target: j = i - half + 1
    assert np.isclose(score, np.mean([A[i, i - half + 1] for i in range(half, 2 * half)]))


@given(seeds, st.integers(2, 10), st.integers(2, 8), st.integers(1, 4))
def test_copying_score_is_in_range_and_sees_the_small_circuit(seed, vocab, d_model, d_head):
    rng = np.random.default_rng(seed)
    W_E, W_v = rng.normal(size=(vocab, d_model)), rng.normal(size=(d_model, d_head))
    W_o, W_U = rng.normal(size=(d_head, d_model)), rng.normal(size=(d_model, vocab))
    score = S.copying_score(W_E, W_v, W_o, W_U)
    assert -1.0 - 1e-9 <= score <= 1.0 + 1e-9
    # the non-zero eigenvalues of W_E W_v W_o W_U are those of the (d_head, d_head) W_o W_U W_E W_v
    lam = np.linalg.eigvals(W_o @ W_U @ W_E @ W_v)
    assert np.isclose(score, np.sum(lam).real / np.sum(np.abs(lam)), atol=1e-6)
    assert np.isclose(S.copying_score(W_E, W_v, -W_o, W_U), -score)  # writing minus the copy flips the sign


@given(seeds, st.integers(2, 6), st.integers(1, 5))
def test_variance_shares_of_a_subspace_and_its_complement_add_to_one(seed, d, k):
    rng = np.random.default_rng(seed)
    k = min(k, d - 1)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    H = rng.normal(size=(30, d)) * rng.uniform(0.5, 2.0, size=d) + 3.0
    inside, outside = S.subspace_variance_share(H, Q[:, :k]), S.subspace_variance_share(H, Q[:, k:])
    assert np.isclose(inside + outside, 1.0)
    assert np.isclose(S.subspace_variance_share(H, Q[:, :k] @ rng.normal(size=(k, k))), inside)  # any basis of the span
