"""The learner's install computes no exercise's answer: the helpers in actspace/ take the learner's functions.

One test function per lesson (test_no_answer_in_lesson_<NN>_helpers): each calls the lesson's helpers without
the learner's function where that is still allowed and checks the answer is not what comes out, and calls them
with spies (deliberately wrong stand-ins) and checks the spy's output is what is drawn or returned.
"""


def test_no_answer_in_lesson_05_helpers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest

    import solutions
    from actspace.plotting import transformer as tf

    rng = np.random.default_rng(0)
    H = rng.normal(size=(40, 6)) * [3.0, 2.0, 1.5, 1.0, 0.5, 0.2]  # (40, 6): every direction its own spread

    # participation_ratio (lesson 6) and pca_project (lesson 6): the stream's measures are neither
    assert not hasattr(tf, "_directions")
    m = tf.stream_measures([H, 2 * H + 1])
    assert "pr" not in m
    pr = solutions.participation_ratio(H)
    assert not any(np.isclose(v, pr, rtol=1e-6) for values in m.values() for v in np.ravel(values)), m
    U = tf.input_plane([H])  # (6, 2) orthonormal
    assert np.allclose(U.T @ U, np.eye(2))
    projected, pca = (H - H.mean(axis=0)) @ U, solutions.pca_project(H, 2)
    assert not np.allclose(np.abs(projected), np.abs(pca), atol=1e-6), "input_plane is the top principal plane again"

    # layer_norm: output_radius has no unit-spread row of its own (no normalised z), it draws the learner's output
    with pytest.raises(TypeError):
        tf.output_radius()
    seen = []

    def spy(X, eps=1e-5):
        seen.append((np.array(X, float), eps))
        return np.full(np.shape(X), 0.5)  # wrong on purpose: |row| / sqrt(d) = 0.5 at every spread

    ax = tf.output_radius(spy)
    assert [eps for _, eps in seen] == [0.0, 1e-5, 1e-2]
    for line in ax.get_lines():
        assert np.allclose(line.get_ydata(), 0.5)
    rows = seen[0][0]  # the spread is measured on the rows, not set by normalising a row first
    assert np.allclose(ax.get_lines()[0].get_xdata(), rows.std(axis=1))

    # transformer_block: the stream is the learner's block, run as given
    calls = []

    def block(X, **w):
        calls.append(1)
        return np.asarray(X) * 1.0  # a block that writes nothing

    stream = tf.stream_of_blocks(np.random.default_rng(0), block, n_blocks=3, n_tokens=16, d_model=8, n_heads=2)
    assert len(calls) == 3 and all(np.array_equal(stream[0], X) for X in stream)
    ax = tf.draw_stream(block=block)
    assert np.allclose(ax.get_lines()[0].get_ydata(), ax.get_lines()[0].get_ydata()[0])  # nothing written: flat
    plt.close("all")


def test_no_answer_in_lesson_07_helpers():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pytest

    from actspace import induction
    from actspace.plotting import trained as tr

    params, _ = induction.load()
    vocab = params["W_E"].shape[0]
    tokens = induction.repeated_tokens(np.random.default_rng(0), 4, vocab, 5)  # (4, 10)

    def identity_block(X, *weights, causal=True):
        return np.asarray(X, float)

    run = tr.Run(params, tokens, identity_block)

    # softmax (lesson 4): the losses come from the learner's softmax
    with pytest.raises(TypeError):
        tr.next_token_losses(run)
    with pytest.raises(TypeError):
        tr.loss_by_position(run)

    def uniform(S, axis=-1):  # wrong on purpose: every token equally likely
        return np.full(np.shape(S), 1.0 / np.shape(S)[axis])

    assert np.allclose(tr.next_token_losses(run, uniform), np.log(vocab))

    # copying_score (lesson 7): no token circuit of its own, eigenvalues of the circuit passed in, the learner's score
    assert not hasattr(tr, "token_circuit")
    with pytest.raises(TypeError):
        tr.eigenvalues_figure(params)
    with pytest.raises(TypeError):
        tr.eigenvalues_figure(params, lambda p, l, h: np.eye(vocab))
    wrong = -2.0 * np.eye(vocab)  # every eigenvalue -2

    def circuit(p, layer, head):
        return wrong

    axes = tr.eigenvalues_figure(params, circuit, lambda W_E, W_v, W_o, W_U: 0.123)
    for ax in np.ravel(axes):
        assert np.allclose(ax.collections[0].get_offsets(), [[-2.0, 0.0]] * vocab)
        assert ax.get_title().endswith("copying +0.12")
    fig, ax = plt.subplots()
    tr.draw_circuit(ax, params, 3, circuit)
    assert np.array_equal(ax.get_images()[0].get_array(), wrong)

    # participation_ratio (lesson 6) and subspace_variance_share (lesson 7): the learner's, passed in
    assert not hasattr(tr, "participation")
    with pytest.raises(TypeError):
        tr.layer_measures(run, lambda H, B: 0.25)
    with pytest.raises(TypeError):
        tr.pooling_figure({"trained": run})
    m = tr.layer_measures(run, lambda H, B: 0.25, lambda H: 7.0)
    assert m["pr"] == [7.0] * 3 and m["share"] == [0.25] * 3 and m["share_tokens"] == [0.25] * 3
    ax, _ = tr.pooling_figure({"trained": run}, lambda H: 7.0)
    assert all(np.allclose(line.get_ydata(), 7.0) for line in ax.get_lines())
    plt.close("all")
