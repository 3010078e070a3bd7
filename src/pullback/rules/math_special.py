"""The rule for `math.lgamma`, whose derivative needs the digamma function (SciPy's
`scipy.special.digamma`, so the rule is skipped without SciPy): d/dx log|Gamma(x)| =
digamma(x), a Python float like the function's result. digamma has its own rule
(scipy.special's polygamma), so second derivatives follow. `math.gamma` keeps no rule
(refused, located: the tests' example of a function without one)."""

import importlib.util
import math

from . import of_kind, rule

if importlib.util.find_spec("scipy") is None:
    raise ImportError("SciPy is not installed: its rules are skipped")
from scipy.special import digamma  # noqa: E402

RULES = of_kind("elementwise", {
    math.lgamma: rule("x", x="g * float(scipy_digamma(x))"),
})
NONDIFF: set = set()
HELPERS = {"scipy_digamma": digamma}
