"""Lesson 7 exercises: reading a trained transformer's attention patterns, OV circuits and residual stream."""
import numpy as np

from grader.checking import compare as cmp
from grader.exercises import make
from grader.exercises.spec import Case, Misconception, exercise

L = "07_trained_transformer"


def pattern(rng, n, causal=True, sharpness=2.0):
    """A random attention pattern (n, n): softmax of random scores, rows summing to 1, causal or not."""
    S = sharpness * rng.normal(size=(n, n))
    if causal:
        S = np.where(np.triu(np.ones((n, n), bool), k=1), -np.inf, S)
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def repeated(rng, vocab, half):
    """(2 half,) tokens: `half` distinct ones, then the same again (the lesson's data)."""
    first = rng.permutation(vocab)[:half]
    return np.concatenate([first, first])


# ---------------------------------------------------------------- previous_token_score

@exercise("previous_token_score", L, "A", output="float", compare=cmp.scalars_close, misconceptions=[
    Misconception("the diagonal: attention to itself",
                  "The previous token of row i is column i - 1: average the first sub-diagonal, np.diag(A, k=-1), not the diagonal.",
                  lambda A: float(np.mean(np.diag(np.asarray(A, float))))),
    Misconception("the next token instead of the previous one",
                  "np.diag(A, k=1) holds A[i, i + 1], what token i reads from the token after it (0 in a causal pattern); "
                  "the previous token is k=-1.",
                  lambda A: float(np.mean(np.diag(np.asarray(A, float), k=1)))),
    Misconception("dividing by n instead of n - 1",
                  "Token 0 has no previous token: average over the n - 1 rows i = 1, ..., n - 1 (np.mean of the sub-diagonal).",
                  lambda A: float(np.sum(np.diag(np.asarray(A, float), k=-1)) / len(A))),
])
def _previous_token_cases(rng):
    prev = np.eye(6, k=-1)
    prev[0, 0] = 1.0  # token 0 can only read itself
    return [Case("pen and paper: a causal 3 x 3 pattern with A[1, 0] = 0.6, A[2, 1] = 0.5",
                 (np.array([[1.0, 0.0, 0.0], [0.6, 0.4, 0.0], [0.2, 0.5, 0.3]]),), public=True),
            Case("a perfect previous-token head on 6 tokens (score 1)", (prev,)),
            Case("two tokens (one previous token to read)", (pattern(rng, 2),)),
            Case("uniform causal attention on 5 tokens", (np.tril(np.ones((5, 5))) / np.arange(1, 6)[:, None],)),
            *(Case(f"a random causal pattern on {n} tokens", (pattern(rng, n, sharpness=s),))
              for n, s in ((6, 1.0), (10, 3.0), (20, 2.0))),
            Case("a random pattern that is not causal, 7 tokens", (pattern(rng, 7, causal=False),))]


# ---------------------------------------------------------------- prefix_matching_score

def _prefix(A, tokens, look="after", ahead=False, every_row=False):
    """The induction score with its parts switchable: what the head should find (`look`), j > i allowed, all rows."""
    A, tokens = np.asarray(A, float), np.asarray(tokens)
    n = len(tokens)
    target = np.zeros((n, n), bool)
    if look == "after":
        target[:, 1:] = tokens[None, :-1] == tokens[:, None]  # tokens[j - 1] == tokens[i]
    else:
        target = (tokens[None, :] == tokens[:, None]) & ~np.eye(n, dtype=bool)  # the copy itself, j != i
    if not ahead:
        target &= np.tril(np.ones((n, n), bool))
    rows = np.ones(n, bool) if every_row else target.any(axis=1)
    return float(np.mean(np.sum(A * target, axis=1)[rows])) if rows.any() else 0.0


def _induction_pattern(tokens):
    """The pattern of a perfect induction head: every repeated token reads the token after its earlier copy."""
    n = len(tokens)
    A = np.eye(n)
    for i in range(n):
        js = [j for j in range(1, i + 1) if tokens[j - 1] == tokens[i]]
        if js:
            A[i] = 0.0
            A[i, js] = 1.0 / len(js)
    return A


@exercise("prefix_matching_score", L, "A, tokens", output="float", compare=cmp.scalars_close, misconceptions=[
    Misconception("the earlier copy itself, not the token after it",
                  "An induction head reads the token that *followed* the earlier copy: position j with tokens[j - 1] == tokens[i]. "
                  "Attention on the copy itself (tokens[j] == tokens[i]) is a duplicate-token head.",
                  lambda A, tokens: _prefix(A, tokens, look="copy")),
    Misconception("averaging over every position",
                  "Average only over the positions i that have an earlier copy to look up; the others have nothing to find "
                  "and would drag the score down.",
                  lambda A, tokens: _prefix(A, tokens, every_row=True)),
    Misconception("looking ahead as well",
                  "Only positions j <= i count: a token cannot look up a copy that comes after it (use np.tril). "
                  "Otherwise first-half tokens count as having a copy to find.",
                  lambda A, tokens: _prefix(A, tokens, ahead=True)),
])
def _prefix_cases(rng):
    cases = [Case("pen and paper: tokens (0, 1, 0, 1); rows 2 and 3 have an earlier copy",
                  (np.array([[1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0], [0.2, 0.8, 0.0, 0.0], [0.1, 0.0, 0.6, 0.3]]),
                   np.array([0, 1, 0, 1])), public=True)]
    for half, vocab in ((3, 5), (6, 10), (10, 20)):
        t = repeated(rng, vocab, half)
        cases.append(Case(f"{half} distinct tokens repeated, a random causal pattern", (pattern(rng, 2 * half), t)))
    t = repeated(rng, 12, 5)
    cases.append(Case("5 distinct tokens repeated, a perfect induction head (score 1)", (_induction_pattern(t), t)))
    t = repeated(rng, 9, 4)
    cases.append(Case("4 distinct tokens repeated, a pattern that is not causal", (pattern(rng, 8, causal=False), t)))
    cases.append(Case("no token appears twice (nothing to look up: 0)", (pattern(rng, 6), rng.permutation(10)[:6])))
    t = np.array([4, 4, 2, 4, 7, 2, 4])
    cases.append(Case("tokens (4, 4, 2, 4, 7, 2, 4): a token right after its copy, and a token with three earlier copies",
                      (pattern(rng, 7, sharpness=1.0), t)))
    return cases


# ---------------------------------------------------------------- copying_score

def _circuit(W_E, W_v, W_o, W_U):
    return np.asarray(W_E, float) @ np.asarray(W_v, float) @ np.asarray(W_o, float) @ np.asarray(W_U, float)


def _eig_score(M, real_parts=False):
    lam = np.linalg.eigvals(M)
    if real_parts:
        return float(np.sum(lam.real) / np.sum(np.abs(lam.real)))
    return float(np.sum(lam).real / np.sum(np.abs(lam)))


def _head(rng, vocab, d_model, d_head, copying=0.0):
    """Random W_E, W_v, W_o, W_U of one head; `copying` > 0 mixes in an OV circuit that maps a token back onto itself."""
    W_E = rng.normal(size=(vocab, d_model))
    W_v = rng.normal(size=(d_model, d_head)) / np.sqrt(d_model)
    W_o = rng.normal(size=(d_head, d_model)) / np.sqrt(d_head)
    W_U = rng.normal(size=(d_model, vocab)) / np.sqrt(d_model) + copying * np.linalg.pinv(W_v @ W_o) @ np.linalg.pinv(W_E)
    return W_E, W_v, W_o, W_U


@exercise("copying_score", L, "W_E, W_v, W_o, W_U", output="float", compare=cmp.scalars_close, same=cmp.same_nonfinite, misconceptions=[
    Misconception("the trace over the singular values",
                  "The score divides the sum of the eigenvalues by the sum of their absolute values, np.abs(np.linalg.eigvals(M)); "
                  "singular values are a different spectrum (their sum is larger, except for symmetric positive matrices).",
                  lambda W_E, W_v, W_o, W_U: float(np.trace(_circuit(W_E, W_v, W_o, W_U))
                                                    / np.sum(np.linalg.svd(_circuit(W_E, W_v, W_o, W_U), compute_uv=False)))),
    Misconception("the real parts only",
                  "Eigenvalues of a non-symmetric matrix come in complex pairs: divide by the sum of their absolute values "
                  "np.abs(lam) (their lengths in the complex plane), not by the sum of |Re lam|.",
                  lambda W_E, W_v, W_o, W_U: _eig_score(_circuit(W_E, W_v, W_o, W_U), real_parts=True)),
    Misconception("leaving out the embedding and the unembedding",
                  "The copying score is about tokens: take the eigenvalues of the (vocab, vocab) matrix W_E @ W_v @ W_o @ W_U, "
                  "not of the head's OV circuit W_v @ W_o alone.",
                  lambda W_E, W_v, W_o, W_U: _eig_score(np.asarray(W_v, float) @ np.asarray(W_o, float))),
])
def _copying_cases(rng):
    I2 = np.eye(2)
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    cases = [Case("pen and paper: W_E = W_v = W_o = I, W_U = diag(2, -1): eigenvalues 2 and -1",
                  (I2, I2, I2, np.diag([2.0, -1.0])), public=True),
             Case("a 90-degree turn: eigenvalues +i and -i (score 0)", (I2, I2, I2, rot)),
             Case("minus the identity in R^3 (an anti-copying head)", (np.eye(3), np.eye(3), np.eye(3), -np.eye(3)))]
    for vocab, d_model, d_head, copying in ((12, 8, 4, 0.0), (20, 16, 2, 0.0), (20, 16, 4, 3.0), (5, 8, 3, 0.0), (10, 6, 1, 0.0)):
        what = "a copying head" if copying else "a random head"
        rank = " (one non-zero eigenvalue, so the score is +1 or -1)" if d_head == 1 else ""
        cases.append(Case(f"{what}: vocab {vocab}, d_model {d_model}, d_head {d_head}{rank}",
                          _head(rng, vocab, d_model, d_head, copying)))
    return cases


# ---------------------------------------------------------------- subspace_variance_share

def _share(H, B, project="pinv", centre=True, report="share"):
    H, B = np.asarray(H, float), np.asarray(B, float)
    Hc = H - H.mean(axis=0) if centre else H
    P = B @ np.linalg.pinv(B) if project == "pinv" else B @ B.T
    if report == "length":
        return float(np.linalg.norm(Hc @ P) / np.linalg.norm(Hc))
    share = float(np.sum((Hc @ P) ** 2) / np.sum(Hc ** 2))
    return 1.0 - share if report == "outside" else share


@exercise("subspace_variance_share", L, "H, B", output="float", compare=cmp.scalars_close, misconceptions=[
    Misconception("projecting with B B^T",
                  "B @ B.T is the projector onto the span only when B's columns are orthonormal. For any B, the orthogonal projector "
                  "onto its column span is B @ np.linalg.pinv(B).",
                  lambda H, B: _share(H, B, project="BBt")),
    Misconception("forgetting to centre the data",
                  "The variance is spread around the mean: subtract H.mean(axis=0) first, or the mean itself counts as spread.",
                  lambda H, B: _share(H, B, centre=False)),
    Misconception("a share of length, not of variance",
                  "Variance adds up in squares: divide the squared length of the projected rows by the squared length of all of them "
                  "(np.sum(... ** 2)); the ratio of the norms is the square root of the share.",
                  lambda H, B: _share(H, B, report="length")),
    Misconception("the share outside the span",
                  "Return the share of the variance that lies inside the span of B's columns (1 when H lives in it), not the rest.",
                  lambda H, B: _share(H, B, report="outside")),
])
def _share_cases(rng):
    cases = [Case("pen and paper: points (2, 0), (-2, 0), (0, 1), (0, -1) and B = (3, 0) as one column",
                  (np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]]), np.array([[3.0], [0.0]])), public=True)]
    for n, d, k, offset in ((30, 6, 2, 3.0), (40, 8, 3, -1.0), (25, 5, 1, 0.5)):
        cases.append(Case(f"{n} points in R^{d} around a mean of size {abs(offset) * np.sqrt(d):.0f}, "
                          f"a span of {k} non-orthonormal columns",
                          (make.cloud(rng, n, 1.0 + rng.random(d), offset), rng.normal(size=(d, k)))))
    Q = make.rotation(rng, 8)
    cases.append(Case("an orthonormal B: 3 columns of a rotation of R^8",
                      (make.cloud(rng, 30, np.linspace(3.0, 0.5, 8), 2.0), Q[:, :3])))
    B = rng.normal(size=(6, 2))
    cases.append(Case("points inside the span (share 1), around a point outside it",
                      (rng.normal(size=(20, 2)) @ B.T + 5.0 * rng.normal(size=6), B)))
    cases.append(Case("points orthogonal to the span (share 0)",
                      (rng.normal(size=(20, 5)) @ Q[:, 3:].T + 1.0, Q[:, :3])))
    b = rng.normal(size=(5, 1))
    cases.append(Case("dependent columns: B = [b, 2 b, -b] spans a line",
                      (make.cloud(rng, 20, (2.0, 1.5, 1.0, 1.0, 0.5), 1.0), np.hstack([b, 2 * b, -b]))))
    cases.append(Case("more columns than dimensions: 7 columns in R^4 span everything (share 1)",
                      (make.cloud(rng, 15, (2.0, 1.0, 1.0, 0.5), -3.0), rng.normal(size=(4, 7)))))
    return cases
