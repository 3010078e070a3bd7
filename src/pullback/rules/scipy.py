"""Rules for `scipy.special`. SciPy is optional: importing this module raises
ImportError when SciPy is not installed, and the rule tables then skip it.

Templates call only NumPy and the helpers of `rules.support` (which import
`scipy.special` themselves where a derivative needs another special function),
so generated gradients do not depend on how the user imported SciPy.
"""

import importlib.util

from . import of_kind, rule

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
try:
    from scipy import special
except ImportError as exc:  # installed but broken: say so rather than drop the rules
    raise RuntimeError(f"SciPy is installed but scipy.special does not import: {exc}") from exc

ARRAY_LIKE = True  # list arguments are read as arrays, by the functions and their rules
RULES = of_kind("fresh", {
    special.expit: rule("x", x="g * ans * (1.0 - ans)"),
    special.logit: rule("x", x="g / (x * (1.0 - x))"),
    special.erf: rule("x", x="g * 1.1283791670955126 * np.exp(-x * x)"),
    special.gammaln: rule("x", x="gammaln_grad(g, x)"),
    special.digamma: rule("x", x="digamma_grad(g, x)"),
    special.logsumexp: rule("a, axis=None, b=None, keepdims=False",
                            a="logsumexp_grad(g, a, ans, axis, b, keepdims, 'a')",
                            b="logsumexp_grad(g, a, ans, axis, b, keepdims, 'b')"),
    special.softmax: rule("x, axis=None", x="softmax_grad(g, ans, axis)"),
    special.log_softmax: rule("x, axis=None", x="log_softmax_grad(g, ans, axis)"),
})

NONDIFF: set = set()
