"""Fresh, readable names for generated code.

Guarantees: a `Namer` never hands out a name that is already taken (a user's
parameter, local, referenced global or builtin, a reserved helper name, or a
name it handed out before). Names are the requested base if free, otherwise
`base_2`, `base_3`, ... so generated code stays close to what a person writes.
"""

from __future__ import annotations

import keyword

import gast

from .rules.support import HELPERS as RULE_HELPERS
from .runtime import HELPERS

# Names the generated code binds for itself (closure variables of the gradient), and the
# builtins it calls (a temporary named `min` would hide min()).
RESERVED = {"np", "math", "module_globals", *HELPERS, *RULE_HELPERS,
            "range", "len", "min", "slice", "reversed"}

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
        # base -> the suffix last handed out for it: names are only ever added to `taken`,
        # so every smaller suffix is still taken and the search resumes there
        self.suffix: dict[str, int] = {}

    def fresh(self, base: str) -> str:
        base = base.strip("_") or "t"
        if base[0].isdigit():
            base = "t" + base
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


def all_names(tree: gast.AST) -> set[str]:
    return {n.id for n in gast.walk(tree) if isinstance(n, gast.Name)}
