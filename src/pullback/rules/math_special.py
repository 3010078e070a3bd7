"""Rules for `math.lgamma` and `math.gamma`, whose derivatives need the digamma function
(SciPy's `scipy.special.digamma`, so the rules are skipped without SciPy): d/dx
log|Gamma(x)| = digamma(x), d/dx Gamma(x) = Gamma(x) digamma(x), as Python floats like
the functions' results. digamma has its own rule (scipy.special's polygamma), so second
derivatives follow."""

import importlib.util
import math

from . import of_kind, rule

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy.special import digamma  # noqa: E402

RULES = of_kind("elementwise", {
    math.lgamma: rule("x", x="g * float(scipy_digamma(x))"),
    math.gamma: rule("x", x="g * ans * float(scipy_digamma(x))"),
})
NONDIFF: set = set()
HELPERS = {"scipy_digamma": digamma}
