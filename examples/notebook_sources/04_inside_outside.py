# %% [markdown]
# # 4. Inside–outside is backpropagation
#
# A probabilistic context-free grammar in Chomsky normal form scores a parse tree by
# the product of its rule probabilities. The **inside algorithm** fills a CKY chart
# with, for every span $(i, k)$ of the sentence and every nonterminal $A$, the log of
# the total weight of all subtrees rooted in $A$ that cover words $i..k-1$:
#
# $$\beta(i, k, A) = \log \sum_{j, B, C}
#   \exp\big(\log p(A \to B\,C) + \beta(i, j, B) + \beta(j, k, C)\big)$$
#
# The root entry $\beta(0, n, S) = \log Z$ sums over every parse of the sentence.
# Add a score $s(i, k, A)$ (zero at the point we evaluate) to each chart entry;
# then $\partial \log Z / \partial s(i, k, A)$ is the posterior probability that a
# parse contains the constituent $A$ over $(i, k)$: the **span marginals** the
# outside algorithm computes. Here they come from pullback, and we check them
# against brute-force enumeration of all parse trees.

# %%
import inspect
import itertools

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp

import pullback

np.set_printoptions(suppress=True, precision=3)

# %% [markdown]
# ## A small grammar
#
# The famously ambiguous *time flies like an arrow*.

# %%
nonterminals = ["S", "NP", "VP", "PP", "N", "V", "P", "Det"]
index = {name: i for i, name in enumerate(nonterminals)}
binary_rules = {                       # A -> B C: probability
    ("S", "NP", "VP"): 0.8, ("S", "V", "NP"): 0.2,
    ("NP", "Det", "N"): 0.5, ("NP", "N", "N"): 0.2, ("NP", "NP", "PP"): 0.3,
    ("VP", "V", "NP"): 0.5, ("VP", "V", "PP"): 0.3, ("VP", "VP", "PP"): 0.2,
    ("PP", "P", "NP"): 1.0,
}
lexicon = {                            # A -> word: probability
    "time": {"N": 0.3, "NP": 0.2, "V": 0.3},
    "flies": {"N": 0.2, "NP": 0.1, "V": 0.4},
    "like": {"V": 0.3, "P": 0.9},
    "an": {"Det": 0.5},
    "arrow": {"N": 0.4},
}
sentence = "time flies like an arrow".split()
n, N = len(sentence), len(nonterminals)

IMPOSSIBLE = -1e4  # log of probability zero; exp(-1e4) is exactly 0.0 in floating point
log_rule = np.full((N, N, N), IMPOSSIBLE)
for (a, b, c), p in binary_rules.items():
    log_rule[index[a], index[b], index[c]] = np.log(p)
log_term = np.full((n, N), IMPOSSIBLE)
for i, word in enumerate(sentence):
    for a, p in lexicon[word].items():
        log_term[i, index[a]] = np.log(p)

# %% [markdown]
# ## The inside algorithm
#
# Loops over span widths, start positions and split points, with the log-sum-exp over
# the rule's children $(B, C)$ done on arrays; `chart[i, k]` is written in place.

# %%
def log_inside(log_term, log_rule, span_score):
    n = log_term.shape[0]
    N = log_term.shape[1]
    chart = np.zeros((n, n + 1, N))
    for i in range(n):
        chart[i, i + 1] = log_term[i] + span_score[i, i + 1]
    for width in range(2, n + 1):
        for i in range(n - width + 1):
            k = i + width
            total = np.zeros(N) - np.inf
            for j in range(i + 1, k):
                scores = log_rule + chart[i, j][None, :, None] + chart[j, k][None, None, :]
                m = np.max(scores, axis=(1, 2), keepdims=True)
                inner = m[:, 0, 0] + np.log(np.sum(np.exp(scores - m), axis=(1, 2)))
                total = np.logaddexp(total, inner)
            chart[i, k] = total + span_score[i, k]
    return chart[0, n, 0]  # nonterminal 0 is S


span_score = np.zeros((n, n + 1, N))
logZ = log_inside(log_term, log_rule, span_score)
print("Z = p(sentence) =", np.exp(logZ))

# %% [markdown]
# ## Span marginals from the gradient

# %%
marginals = pullback.grad(log_inside, wrt="span_score")(log_term, log_rule, span_score)
for i, k in itertools.combinations(range(n + 1), 2):
    for a in range(N):
        if marginals[i, k, a] > 1e-9:
            words = " ".join(sentence[i:k])
            print(f"{nonterminals[a]:>3} over ({i},{k}) {words!r:28} {marginals[i, k, a]:.4f}")

# %% [markdown]
# ## The reverse sweep beside the outside algorithm
#
# The textbook outside algorithm fills a second chart, widest spans first:
# $\alpha(i, k, A)$ is the log of the total weight of everything *outside* a
# subtree $A$ over $(i, k)$, and each split of a parent $A$ over $(i, k)$ into
# $B$ over $(i, j)$ and $C$ over $(j, k)$ passes weight down to both children:
#
# $$\alpha(i, j, B) \mathrel{+}= \alpha(i, k, A) + \log p(A \to B\,C) + \beta(j, k, C)$$
#
# (in log space: $\log(e^{u} + e^{v})$ for $+=$). Beside it, the reverse sweep
# pullback generated for `log_inside`: the same loops run backwards, widest spans
# first. Its adjoint `dchart[i, k, A]` is
# $\partial \log Z / \partial \beta(i, k, A) = e^{\alpha(i, k, A) + \beta(i, k, A) - \log Z}$,
# the span marginal, and the adjoint of the rule scores at one split $j$ (the
# shifted `scores - m`) is the posterior of each rule application $A \to B\,C$
# there, passed down to the children's adjoints `dchart[i, j]` and `dchart[j, k]`.

# %%
def inside_chart(log_term, log_rule):
    """beta[i, k, A]: log_inside's chart, without span scores."""
    n, N = log_term.shape
    beta = np.full((n, n + 1, N), -np.inf)
    beta[np.arange(n), np.arange(1, n + 1)] = log_term
    for width in range(2, n + 1):
        for i in range(n - width + 1):
            k = i + width
            beta[i, k] = logsumexp([log_rule + beta[i, j][None, :, None]
                                    + beta[j, k][None, None, :] for j in range(i + 1, k)],
                                   axis=(0, 2, 3))
    return beta


def outside_chart(beta, log_rule):
    n = beta.shape[0]
    alpha = np.full(beta.shape, -np.inf)
    alpha[0, n, 0] = 0.0                        # the root S: log 1
    for width in range(n, 1, -1):               # widest spans first
        for i in range(n - width + 1):
            k = i + width
            for j in range(i + 1, k):
                # parent A over (i, k) -> B over (i, j), C over (j, k)
                parent = alpha[i, k][:, None, None] + log_rule
                to_B = logsumexp(parent + beta[j, k][None, None, :], axis=(0, 2))
                to_C = logsumexp(parent + beta[i, j][None, :, None], axis=(0, 1))
                alpha[i, j] = np.logaddexp(alpha[i, j], to_B)
                alpha[j, k] = np.logaddexp(alpha[j, k], to_C)
    return alpha


def side_by_side(left, right, titles):
    left, right = left.splitlines(), right.splitlines()
    width = max(len(line) for line in [*left, titles[0]]) + 3
    print(titles[0].ljust(width) + titles[1])
    for a, b in itertools.zip_longest(left, right, fillvalue=""):
        print(a.ljust(width) + b)


generated = pullback.source(log_inside, wrt="span_score")
side_by_side(inspect.getsource(outside_chart), generated[generated.index("    # adjoint"):],
             ("# the outside algorithm", "# pullback's reverse sweep of log_inside"))

# %% [markdown]
# And numerically: the span marginals pullback computed are the textbook products
# of the inside and outside charts.

# %%
beta = inside_chart(log_term, log_rule)
alpha = outside_chart(beta, log_rule)
with np.errstate(invalid="ignore"):             # -inf + -inf where no span can be
    textbook_marginals = np.nan_to_num(np.exp(alpha + beta - beta[0, n, 0]))
print("log Z, inside chart:", beta[0, n, 0], "  log_inside:", logZ)
print("max |dspan_score - exp(alpha + beta - log Z)|:",
      np.abs(marginals - textbook_marginals).max())
assert np.isclose(beta[0, n, 0], logZ)
assert np.allclose(marginals, textbook_marginals, atol=1e-12)

# %% [markdown]
# ## Brute force: every parse tree
#
# Enumerate every tree the grammar allows over the sentence, with its
# log-probability and its labelled spans, and add up the probability of each span.

# %%
def trees(log_term, log_rule, i, k, a):
    """Every tree rooted in `a` over words i..k-1, as (log-probability, labelled spans)."""
    if k == i + 1:
        if log_term[i, a] > IMPOSSIBLE:
            yield log_term[i, a], [(i, k, a)]
        return
    for j in range(i + 1, k):
        for b, c in itertools.product(range(log_rule.shape[0]), repeat=2):
            if log_rule[a, b, c] > IMPOSSIBLE:
                for left, left_spans in trees(log_term, log_rule, i, j, b):
                    for right, right_spans in trees(log_term, log_rule, j, k, c):
                        yield (log_rule[a, b, c] + left + right,
                               [(i, k, a), *left_spans, *right_spans])


def enumerate_marginals(log_term, log_rule):
    n, N = log_term.shape
    every_tree = list(trees(log_term, log_rule, 0, n, 0))
    Z = sum(np.exp(score) for score, _ in every_tree)
    marginals = np.zeros((n, n + 1, N))
    for score, spans in every_tree:
        for i, k, a in spans:
            marginals[i, k, a] += np.exp(score) / Z
    return Z, marginals, every_tree


def bracketing(spans):
    """A tree's labelled spans (in preorder) as a bracketed string."""
    (i, k, a), rest = spans[0], spans[1:]
    if k == i + 1:
        return f"({nonterminals[a]} {sentence[i]})", rest
    left, rest = bracketing(rest)
    right, rest = bracketing(rest)
    return f"({nonterminals[a]} {left} {right})", rest


Z, brute, every_tree = enumerate_marginals(log_term, log_rule)
for score, spans in every_tree:
    print(f"p(tree | sentence) = {np.exp(score) / Z:.3f}   {bracketing(spans)[0]}")
print("Z by enumeration:", Z, "  by the inside algorithm:", np.exp(logZ))
print("max |gradient - enumeration|:", np.abs(marginals - brute).max())
assert np.isclose(Z, np.exp(logZ))
assert np.allclose(marginals, brute, atol=1e-12)

# %% [markdown]
# The toy grammar allows only three trees. For a harder check, take a dense random
# grammar where every rule $A \to B\,C$ and every $A \to w$ is allowed: 3
# nonterminals and 4 words already give 3645 trees.

# %%
rng = np.random.default_rng(1)
dense_term, dense_rule = rng.normal(size=(4, 3)), rng.normal(size=(3, 3, 3))
dense_span = np.zeros((4, 5, 3))
dense_marginals = pullback.grad(log_inside, wrt=2)(dense_term, dense_rule, dense_span)
Z_dense, brute_dense, dense_trees = enumerate_marginals(dense_term, dense_rule)
print(len(dense_trees), "trees; max |gradient - enumeration|:",
      np.abs(dense_marginals - brute_dense).max())
assert np.isclose(np.log(Z_dense), log_inside(dense_term, dense_rule, dense_span))
assert np.allclose(dense_marginals, brute_dense, atol=1e-12)

# %% [markdown]
# ## Which spans are constituents?
#
# Summing over labels: the probability that words $i..k-1$ form a constituent.

# %%
constituent = marginals.sum(axis=2)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
image = ax.imshow(np.where(np.triu(np.ones((n, n + 1)), 1) > 0, constituent, np.nan),
                  cmap="Greens", vmin=0, vmax=1)
ax.set_xticks(range(n + 1))
ax.set_yticks(range(n))
ax.set_xlabel("span end k")
ax.set_ylabel("span start i")
for i, k in itertools.combinations(range(n + 1), 2):
    if i < n:
        ax.text(k, i, f"{constituent[i, k]:.2f}", ha="center", va="center", fontsize=8)
ax.set_title("p(words i..k-1 form a constituent)")
fig.colorbar(image, ax=ax)
plt.show()
