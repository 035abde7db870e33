"""Figures of lesson 7: a trained two-layer transformer, read head by head and layer by layer.

Row convention of lessons 4-5. Everything that runs the model runs the
learner's own functions, passed in (``block_fn``, ``layer_norm``,
``attention_pattern``, ``softmax``, the token circuit built with their
``ov_circuit``, ``participation_ratio`` and the score functions): nothing here
computes an exercise's answer. What stays plain NumPy here (the eigenvalues
of a matrix the lesson passes in, multi-class least-squares token probes
scored on held-out sequences, lengths of rows) is no exercise of the course.
"""
from functools import cached_property

import matplotlib.pyplot as plt
import numpy as np

from actspace import induction

# Okabe-Ito colours (colour-blind safe), named by their role
C = {"trained": "#0072B2", "random": "#E69F00", "first": "#999999", "repeat": "#009E73", "line": "#333333",
     "previous token": "#CC79A7", "prefix matching": "#0072B2", "tokens": "#D55E00"}


class Run:
    """The model with weights `params` on a batch of sequences `tokens` (B, n), run with the learner's functions.

    Nothing is computed until a figure asks for it, and then only once, so a
    notebook can make a Run before the learner's functions exist.
    """

    def __init__(self, params, tokens, block_fn, layer_norm=None, attention_pattern=None):
        self.params, self.tokens = params, np.atleast_2d(np.asarray(tokens))  # (B, n)
        self.block_fn, self.layer_norm, self.attention_pattern = block_fn, layer_norm, attention_pattern
        self._patterns = {}

    @cached_property
    def streams(self):
        """[X_0, ..., X_L], each (B, n, d_model): the residual stream before and after every block."""
        runs = [induction.residual_streams(t, self.params, self.block_fn) for t in self.tokens]
        return [np.stack(layer) for layer in zip(*runs)]

    @cached_property
    def logits(self):
        """(B, n, vocab): the next-token scores."""
        return induction.unembed(self.streams[-1], self.params)

    def patterns(self, layer):
        """(B, h, n, n): every head's attention pattern in block `layer`, read from layer_norm of the stream."""
        if layer not in self._patterns:
            W_q, W_k = self.params["blocks"][layer]["W_q"], self.params["blocks"][layer]["W_k"]
            self._patterns[layer] = np.array([[self.attention_pattern(self.layer_norm(X), W_q[h], W_k[h], causal=True)
                                               for h in range(len(W_q))] for X in self.streams[layer]])
        return self._patterns[layer]

    @property
    def half(self):
        return self.tokens.shape[1] // 2


def next_token_losses(run, softmax):
    """(B, n - 1): -log p(correct next token) at every position but the last, p = ``softmax`` (the learner's)
    of the logits."""
    z = run.logits[:, :-1]  # (B, n - 1, vocab)
    p = np.asarray(softmax(z.reshape(-1, z.shape[-1]), axis=-1), float).reshape(z.shape)  # one row per prediction
    return -np.log(np.take_along_axis(p, run.tokens[:, 1:, None], axis=-1)[..., 0])


def _head_labels(n_layers, n_heads):
    return [f"L{l} H{h}" for l in range(n_layers) for h in range(n_heads)]


# ---------------------------------------------------------------- the task

def training_curve(info, ax=None):
    """The training loss the model's record keeps (mean over every position, every 100 steps), against guessing."""
    curve = np.asarray(info["loss_curve_every_100_steps"], float)
    vocab = info["config"]["vocab"]
    ax = ax or plt.subplots(figsize=(6.5, 3.2))[1]
    steps = 100 * np.arange(1, len(curve) + 1)
    ax.plot(steps, curve, "o-", ms=3, color=C["trained"], label="training loss (mean of 100 steps)")
    ax.axhline(np.log(vocab), color=C["line"], ls=":", lw=1)
    ax.text(steps[-1], np.log(vocab), f"guessing: log {vocab} = {np.log(vocab):.2f}", ha="right", va="bottom",
            fontsize=8, color=C["line"])
    ax.set(xlabel="training step", ylabel="cross-entropy (nats)", ylim=(0, 1.15 * max(curve.max(), np.log(vocab))),
           title=f"training: {info['steps']} steps of {info['batch']} sequences")
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    return ax


def loss_by_position(run, softmax, ax=None):
    """Mean next-token loss against the position of the token predicted: high in the first half, near 0 after.
    ``softmax`` is the learner's."""
    losses = next_token_losses(run, softmax)  # (B, n - 1)
    ax = ax or plt.subplots(figsize=(7.5, 3.4))[1]
    half, n = run.half, run.tokens.shape[1]
    target = np.arange(1, n)  # the position of the token each column predicts
    ax.axvspan(half - 0.5, n - 0.5, color=C["repeat"], alpha=0.12, lw=0)
    ax.plot(target, losses.mean(axis=0), "o-", color=C["trained"], label="trained model")
    vocab = run.params["W_E"].shape[0]
    ax.axhline(np.log(vocab), color=C["line"], ls=":", lw=1)
    ax.text(half - 1, 1.05 * np.log(vocab), f"guessing: log {vocab} = {np.log(vocab):.2f}", ha="right", va="bottom",
            fontsize=8, color=C["line"])
    ax.text(half + 0.5, 0.9 * np.log(vocab), "repeated half", color=C["repeat"], fontsize=9, va="top")
    ax.set(xlabel="position of the token predicted", ylabel="cross-entropy (nats)", ylim=(-0.1, 1.25 * np.log(vocab)),
           title=f"loss per position, {len(run.tokens)} sequences of {half} tokens, then the same {half} again")
    ax.set_xticks(target[::2])
    return ax


# ---------------------------------------------------------------- attention patterns

def patterns_figure(run, seq=0, axes=None):
    """Every head's attention pattern on one sequence: row = the token that reads, column = the token read."""
    n_layers, n_heads = len(run.params["blocks"]), run.params["blocks"][0]["W_q"].shape[0]
    patterns = [run.patterns(l)[seq] for l in range(n_layers)]  # (h, n, n) each: the learner's functions run first
    if axes is None:
        fig, axes = plt.subplots(n_layers, n_heads, figsize=(3.3 * n_heads, 3.4 * n_layers), squeeze=False)
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.08, top=0.87, wspace=0.1, hspace=0.25)  # no layout engine: cheaper
    axes = np.asarray(axes).reshape(n_layers, n_heads)
    tokens = run.tokens[seq]
    for l in range(n_layers):
        A = patterns[l]  # (h, n, n)
        for h in range(n_heads):
            ax = axes[l, h]
            ax.imshow(A[h], cmap="Blues", vmin=0, vmax=1)
            ax.set_title(f"layer {l}, head {h}", fontsize=10)
            ax.set_xticks(range(len(tokens)), tokens if l == n_layers - 1 else [], fontsize=6)
            ax.set_yticks(range(len(tokens)), tokens if h == 0 else [], fontsize=6)
            ax.axhline(run.half - 0.5, color=C["repeat"], lw=0.8)
            ax.axvline(run.half - 0.5, color=C["repeat"], lw=0.8)
    axes[-1, 0].set_xlabel("token read (key)")
    axes[-1, 0].set_ylabel("token reading (query)")
    axes[0, 0].figure.suptitle("attention on one sequence (white 0, dark blue 1)\ngreen lines: where the repeat starts", fontsize=11)
    return axes


def _induction_pattern(half, params, block_fn, layer_norm, attention_pattern, layer, head, seed):
    """(tokens (1, n), A (n, n)): one head's pattern on a sequence of `half` tokens repeated."""
    tokens = induction.repeated_tokens(np.random.default_rng(seed), 1, params["W_E"].shape[0], int(half))
    return tokens, Run(params, tokens, block_fn, layer_norm, attention_pattern).patterns(layer)[0, head]


def draw_induction(ax, half, params, block_fn, layer_norm, attention_pattern, layer=1, head=0, seed=0, pattern=None):
    """One head's pattern on a sequence of `half` tokens repeated; red circles: the tokens after each earlier copy.
    ``pattern``: (tokens, A) computed already (by _induction_pattern)."""
    tokens, A = pattern or _induction_pattern(half, params, block_fn, layer_norm, attention_pattern, layer, head, seed)
    n = A.shape[0]
    ax.imshow(A, cmap="Blues", vmin=0, vmax=1)
    i = np.arange(int(half), n)
    ax.scatter(i - int(half) + 1, i, s=40, facecolors="none", edgecolors=C["tokens"], lw=1.2,
               label="the token after the earlier copy")
    ax.set_xticks(range(n), tokens[0], fontsize=6)
    ax.set_yticks(range(n), tokens[0], fontsize=6)
    ax.set(xlabel="token read (key)", ylabel="token reading (query)",
           title=f"layer {layer}, head {head}: {int(half)} tokens, then the same again")
    ax.legend(loc="upper right", fontsize=8)
    return ax


def induction_lengths_figure(params, block_fn, layer_norm, attention_pattern, halves=(4, 7, 11), layer=1, head=0, axes=None):
    """The induction head's pattern on repeated blocks of several lengths, side by side: the stripe follows the copy."""
    found = [_induction_pattern(half, params, block_fn, layer_norm, attention_pattern, layer, head, 0) for half in halves]
    if axes is None:
        fig, axes = plt.subplots(1, len(halves), figsize=(4.6 * len(halves), 4.8))
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.12, top=0.86, wspace=0.25)
    for ax, half, pattern in zip(np.ravel(axes), halves, found):
        draw_induction(ax, half, params, block_fn, layer_norm, attention_pattern, layer, head, pattern=pattern)
        ax.set_title(f"{half} tokens, then the same {half} again", fontsize=10)
    np.ravel(axes)[0].figure.suptitle(f"layer {layer}, head {head} on sequences of three lengths")
    return axes


def draw_circuit(ax, params, head, circuit):
    """For a slider: head number `head` (counted over layers, 0 = layer 0 head 0) and its token-to-token OV matrix
    ``circuit(params, layer, head)`` (the lesson builds it with the learner's ``ov_circuit``)."""
    n_heads = params["blocks"][0]["W_q"].shape[0]
    layer, h = divmod(int(head), n_heads)
    return ov_figure(circuit(params, layer, h), layer, h, ax=ax)


def head_scores(run, score):
    """(L, h): the mean over the batch of score(A) (or score(A, tokens), if it takes two arguments) for every head."""
    import inspect

    two = len(inspect.signature(score).parameters) >= 2
    out = []
    for l in range(len(run.params["blocks"])):
        P = run.patterns(l)  # (B, h, n, n)
        out.append([np.mean([float(score(P[b, h], run.tokens[b]) if two else score(P[b, h])) for b in range(len(P))])
                    for h in range(P.shape[1])])
    return np.array(out)


def scores_figure(scores, ax=None):
    """Bars per head: previous-token and prefix-matching scores; ``scores`` maps a model's label to {score name: (L, h)}."""
    ax = ax or plt.subplots(figsize=(8, 3.4))[1]
    models = list(scores)
    kinds = list(scores[models[0]])
    L, h = np.shape(scores[models[0]][kinds[0]])
    x = np.arange(L * h)
    width = 0.8 / (len(models) * len(kinds))
    hatch = {models[0]: "", **{m: "//" for m in models[1:]}}
    for i, (m, k) in enumerate((m, k) for m in models for k in kinds):
        ax.bar(x + (i - (len(models) * len(kinds) - 1) / 2) * width, np.ravel(scores[m][k]), width,
               color=C.get(k, None), hatch=hatch[m], edgecolor="white" if not hatch[m] else C.get(k), alpha=1 if not hatch[m] else 0.45,
               label=f"{k}, {m}")
    ax.set_xticks(x, _head_labels(L, h))
    ax.set(ylim=(0, 1.05), ylabel="score (mean over sequences)", title="which head does what")
    ax.legend(fontsize=8, frameon=False, ncol=2, loc="upper left")
    return ax


# ---------------------------------------------------------------- OV circuits

def ov_figure(M, layer, head, ax=None):
    """M (vocab, vocab), the token-to-token matrix of head `head` of layer `layer`'s OV circuit, W_E W_v W_o W_U
    (given: the lesson builds it): what reading token i (row) adds to the logit of token j (column). A bright
    diagonal means: it copies the token it reads."""
    M = np.asarray(M, float)
    ax = ax or plt.subplots(figsize=(5, 4.4), layout="constrained")[1]
    lim = np.abs(M).max()
    im = ax.imshow(M, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label="added logit")
    ax.set_xticks(range(0, len(M), 2))
    ax.set_yticks(range(0, len(M), 2))
    ax.set(xlabel="token whose logit goes up (red) or down (blue)", ylabel="token attended to",
           title=f"layer {layer}, head {head}: $W_E W_v W_o W_U$")
    return ax


def eigenvalues_figure(params, circuit, score, axes=None):
    """The eigenvalues of every head's W_E W_v W_o W_U (``circuit(params, layer, head)``, built in the lesson) in the
    complex plane, each titled with ``score`` (the learner's copying_score); right of the dashed line copies."""
    blocks = params["blocks"]
    L, h = len(blocks), blocks[0]["W_q"].shape[0]
    heads = [(l, k) for l in range(L) for k in range(h)]
    scores = [float(score(params["W_E"], blocks[l]["W_v"][k], blocks[l]["W_o"][k], params["W_U"])) for l, k in heads]
    circuits = [np.asarray(circuit(params, l, k), float) for l, k in heads]  # (vocab, vocab) each
    if axes is None:
        fig, axes = plt.subplots(1, L * h, figsize=(2.9 * L * h, 3.2))
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.17, top=0.88, wspace=0.3)
    for ax, (l, k), M, copying in zip(np.ravel(axes), heads, circuits, scores):
        lam = np.linalg.eigvals(M)
        ax.scatter(lam.real, lam.imag, s=14, color=C["trained"])
        r = 1.1 * np.abs(lam).max()
        ax.axvline(0, color=C["line"], ls="--", lw=0.8)
        ax.axhline(0, color=C["line"], lw=0.4)
        ax.set(xlim=(-r, r), ylim=(-r, r), aspect="equal", xlabel="Re λ")
        ax.set_title(f"L{l} H{k}: copying {copying:+.2f}", fontsize=10)
    np.ravel(axes)[0].set_ylabel("Im λ")
    return axes


# ---------------------------------------------------------------- the residual stream, layer by layer

def embedding_basis(params, positions=True):
    """(d_model, k): the embedding's directions as columns, the token rows of W_E (and the position rows of W_pos)."""
    cols = [params["W_E"].T] + ([params["W_pos"].T] if positions else [])
    return np.hstack(cols)


def rows_of(stream, skip_first=True):
    """(B (n - 1), d) or (B n, d): every token of a layer as one row; by default without position 0."""
    return stream[:, 1:].reshape(-1, stream.shape[-1]) if skip_first else stream.reshape(-1, stream.shape[-1])


def layer_measures(run, share, participation_ratio, skip_first=True):
    """Per layer: ``participation_ratio`` (the learner's, lesson 6) of the stream's rows, and ``share`` (the learner's
    subspace_variance_share) of their variance in the embedding's span."""
    B_all, B_tok = embedding_basis(run.params), embedding_basis(run.params, positions=False)
    rows = [rows_of(X, skip_first) for X in run.streams]
    return dict(pr=[float(participation_ratio(H)) for H in rows],
                share=[float(share(H, B_all)) for H in rows],
                share_tokens=[float(share(H, B_tok)) for H in rows])


def _layer_axis(ax, n):
    ax.set_xticks(range(n), ["embedding"] + [f"after block {l}" for l in range(n - 1)])


def directions_figure(measures, axes=None):
    """Participation ratio and the share of variance in the embedding's directions, layer by layer; ``measures``: label -> layer_measures."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    ax, bx = axes
    for label, m in measures.items():
        n = len(m["pr"])
        ax.plot(m["pr"], "o-", color=C.get(label), label=label)
        bx.plot(m["share"], "o-", color=C.get(label), label=f"{label}: tokens and positions")
        bx.plot(m["share_tokens"], "s--", color=C.get(label), alpha=0.7, label=f"{label}: tokens only")
    for a in axes:
        _layer_axis(a, n)
    ax.set(ylabel="participation ratio", ylim=(0, None), title="how many directions the stream uses")
    ax.legend(frameon=False, fontsize=9)
    bx.set(ylabel="share of the variance", ylim=(0, 1.03), title="how much of it stays in the embedding's span")
    bx.legend(frameon=False, fontsize=8)
    return axes


def token_probe(H, labels, vocab, train):
    """Held-out accuracy of a least-squares linear probe for a token: one-hot targets, [H, 1] features, argmax.

    `train` (B,) booleans says which sequences fit the probe; the others test it.
    H is (B, m, d), labels (B, m).
    """
    A = np.concatenate([H, np.ones(H.shape[:2] + (1,))], axis=-1)  # (B, m, d + 1)
    fit, test = A[train].reshape(-1, A.shape[-1]), A[~train].reshape(-1, A.shape[-1])
    Y = np.eye(vocab)[labels[train].ravel()]  # (B_fit m, vocab)
    W = np.linalg.lstsq(fit, Y, rcond=None)[0]  # (d + 1, vocab)
    return float(np.mean((test @ W).argmax(axis=1) == labels[~train].ravel()))


def probes(run):
    """Per layer, held-out probe accuracy for the next token (at the repeated half's positions, where it is a copy)
    and for the previous token (at every position but the first)."""
    B, n = run.tokens.shape
    half, vocab = run.half, run.params["W_E"].shape[0]
    repeat, later = np.arange(half, n - 1), np.arange(1, n)
    train = np.arange(B) < B // 2  # the first half of the sequences fit, the others test
    out = {"next token": [], "previous token": []}
    for X in run.streams:
        out["next token"].append(token_probe(X[:, repeat], run.tokens[:, repeat + 1], vocab, train))
        out["previous token"].append(token_probe(X[:, later], run.tokens[:, later - 1], vocab, train))
    return out


def probes_figure(results, vocab, ax=None):
    """Probe accuracy against depth; ``results`` maps a model's label to probes(run)."""
    ax = ax or plt.subplots(figsize=(6.5, 3.6))[1]
    style = {"next token": "o-", "previous token": "s--"}
    for label, res in results.items():
        for what, accs in res.items():
            ax.plot(accs, style[what], color=C.get(label), label=f"{what}, {label}")
    n = len(next(iter(results.values()))["next token"])
    _layer_axis(ax, n)
    ax.axhline(1 / vocab, color=C["line"], ls=":", lw=1)
    ax.text(n - 1, 1 / vocab, f"chance 1/{vocab}", ha="right", va="bottom", fontsize=8, color=C["line"])
    ax.set(ylim=(0, 1.03), ylabel="held-out probe accuracy", title="which token can a straight cut read off the stream?")
    ax.legend(frameon=False, fontsize=8)
    return ax


# ---------------------------------------------------------------- where it stops holding

def pooling_figure(runs, participation_ratio, axes=None):
    """Left: participation ratio (``participation_ratio``, the learner's) per layer with and without position 0:
    one far-off point sets the count. Right: the first run's row lengths by position (norms_by_position)."""
    counts = {label: ([float(participation_ratio(rows_of(X, skip_first=False))) for X in run.streams],
                      [float(participation_ratio(rows_of(X))) for X in run.streams]) for label, run in runs.items()}
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
    ax, bx = axes
    for label, (with_first, without) in counts.items():
        ax.plot(without, "o-", color=C.get(label), label=f"{label}, without position 0")
        ax.plot(with_first, "x:", color=C.get(label), label=f"{label}, every position")
    _layer_axis(ax, len(with_first))
    ax.set(ylim=(0, None), ylabel="participation ratio", title="the count depends on which tokens you pool")
    ax.legend(frameon=False, fontsize=8)
    norms_by_position(next(iter(runs.values())), ax=bx)
    return axes


def norms_by_position(run, ax=None):
    """Mean length of the stream's rows at every position, layer by layer."""
    streams = run.streams  # the learner's block runs first
    ax = ax or plt.subplots(figsize=(6.5, 3.4))[1]
    for l, X in enumerate(streams):
        ax.plot(np.linalg.norm(X, axis=-1).mean(axis=0), "o-", ms=3, label="embedding" if l == 0 else f"after block {l - 1}")
    ax.axvspan(run.half - 0.5, run.tokens.shape[1] - 0.5, color=C["repeat"], alpha=0.12, lw=0)
    ax.set(xlabel="position", ylabel="mean |row|", ylim=(0, None), title="length of the stream at each position")
    ax.legend(frameon=False, fontsize=8)
    return ax


def ambiguity_figure(params, block_fn, n_seq=60, seed=0, ax=None):
    """Accuracy on the repeated half when the first half is drawn with replacement: a token seen twice is ambiguous."""
    rng = np.random.default_rng(seed)
    vocab, half = params["W_E"].shape[0], 10
    first = rng.integers(0, vocab, size=(n_seq, half))  # (B, half), repeats allowed
    tokens = np.concatenate([first, first], axis=1)
    run = Run(params, tokens, block_fn)
    right = run.logits[:, half:-1].argmax(axis=-1) == tokens[:, half + 1:]  # (B, half - 1)
    ax = ax or plt.subplots(figsize=(6.5, 3.4))[1]
    # a target is ambiguous when the current token occurs more than once in the first half
    current = tokens[:, half:-1]  # (B, half - 1)
    count = (first[:, None, :] == current[:, :, None]).sum(axis=-1)  # (B, half - 1)
    groups = {"current token seen once before": right[count == 1], "seen twice or more": right[count >= 2]}
    ax.bar(range(2), [g.mean() if g.size else np.nan for g in groups.values()], color=[C["repeat"], C["tokens"]])
    for i, g in enumerate(groups.values()):
        ax.text(i, (g.mean() if g.size else 0) + 0.02, f"{g.mean():.0%} of {g.size}", ha="center", fontsize=9)
    ax.set_xticks(range(2), list(groups))
    ax.set(ylim=(0, 1.1), ylabel="accuracy, repeated half", title="first half drawn with replacement")
    return ax
