"""Fresh, readable names for generated code.

Guarantees: a `Namer` never hands out a name that is already taken (a user's
parameter, local, referenced global or builtin, a reserved helper name, or a
name it handed out before). Names are the requested base if free, otherwise
`base_2`, `base_3`, ... so generated code stays close to what a person writes. A base
that is a builtin's name the function does not use itself is renamed (`sum` -> `total`,
or `sum_value` if the function has a `total`; `len` -> `n`; `list` -> `list_value`), also
for the builtins generated code calls itself (not `len_2`): generated code never hides a
builtin the user's code can see, and its names do not read as versions of one.
Every name it hands out is a valid identifier and not a keyword, whatever the base
(bases are often built from user objects' `__name__` or `__module__`, which may hold
any text): characters that cannot be in an identifier are replaced, so no text taken
from a user object is ever pasted into generated source as code.
"""

from __future__ import annotations

import builtins
import keyword
import re

import gast

from ..rules import FUNCTION_NAMES
from ..rules import HELPERS as RULE_HELPERS
from ..runtime.helpers import HELPERS
from .nodes import names

# Names the generated code binds for itself (closure variables of the gradient), and the
# builtins it calls (a temporary named `min` would hide min()).
RESERVED = {"np", "math", "module_globals", "user_function", "defaults_at_bind",
            "kwdefaults_at_bind", *HELPERS, *RULE_HELPERS, *FUNCTION_NAMES,
            "range", "len", "min", "slice", "reversed"}

# What a temporary named after a builtin (np.sum's result, `x ** 2`) is called instead.
_INSTEAD_OF_BUILTIN = {"sum": "total", "pow": "power", "abs": "magnitude", "max": "largest",
                       "min": "smallest", "round": "rounded", "len": "n"}
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))

_OP_NAMES = {
    gast.Add: "add", gast.Sub: "sub", gast.Mult: "mul", gast.Div: "div", gast.Pow: "pow",
    gast.MatMult: "matmul", gast.FloorDiv: "floordiv", gast.Mod: "mod", gast.BitOr: "bitor",
    gast.BitAnd: "bitand", gast.BitXor: "bitxor", gast.LShift: "lshift", gast.RShift: "rshift",
    gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not", gast.Invert: "invert",
}


def op_name(op: gast.AST) -> str:
    return _OP_NAMES.get(type(op), "op")


class Namer:
    def __init__(self, taken=()):
        self.taken = set(taken) | RESERVED | set(keyword.kwlist)
        self.user_names = set(taken)  # what the user's code calls things
        # base -> the suffix last handed out for it: names are only ever added to `taken`,
        # so every smaller suffix is still taken and the search resumes there
        self.suffix: dict[str, int] = {}
        # builtins the function's own names or globals hide (normalize sets them)
        self.hidden_builtins: frozenset = frozenset()
        # builtins' names the function binds itself (normalize sets them): their versions
        # keep the name (`sum_2`); any other builtin's name is never a temporary's
        self.bound_builtins: frozenset = frozenset()

    def spelled_builtin(self, name: str) -> str:
        """How generated code calls the builtin `name`: by its own name, or by the
        runtime's alias (`builtin_set`) where the function hides that name."""
        return f"builtin_{name}" if name in self.hidden_builtins else name

    def fresh(self, base: str) -> str:
        base = identifier(base)
        if base in _BUILTINS and base not in self.bound_builtins:
            instead = _INSTEAD_OF_BUILTIN.get(base)
            # never one of the user's names either: total_2 would read as a version of it
            base = instead if instead and instead not in self.user_names else f"{base}_value"
        if base not in self.taken:
            self.taken.add(base)
            return base
        stem, _, suffix = base.rpartition("_")
        if stem and suffix.isdigit():
            base = stem
        n = self.suffix.get(base, 2)
        while f"{base}_{n}" in self.taken:
            n += 1
        self.suffix[base] = n
        name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def reserve(self, name: str) -> None:
        self.taken.add(name)
        self.user_names.add(name)


def identifier(text) -> str:
    """`text` made into a name: each run of underscores and of characters an identifier
    cannot hold becomes one `_`, leading and trailing ones go, and an empty result is `t`."""
    if text.__class__ is str and text.isascii() and text.isidentifier() \
            and text[0] != "_" and text[-1] != "_" and "__" not in text:
        return text  # (most bases: what the rewriting below leaves as it is)
    base = re.sub(r"[\W_]+", "_", str(text)).strip("_") or "t"
    if base[0].isdigit():
        base = "t" + base
    if not base.isidentifier():  # a character \w accepts that Python does not
        base = "t_" + "".join(c if ("a" + c).isidentifier() else "_" for c in base)
    return base


def all_names(tree: gast.AST) -> set[str]:
    return {n.id for n in names(tree)}
