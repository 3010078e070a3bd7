"""Facts a stage attaches to a gast node for a later stage: each declared once, here.

A fact is a plain attribute on the node (so `clone` copies it and a node carries it
wherever a pass moves it). Every fact has a name, the type of its value, the value a
node without it has, the stages that write it and those that read it, and a one-line
meaning. Stages read and set facts through their declaration:

>>> import gast
>>> from pullback.ir.nodes import assign, load
>>> s = assign("x_2", load("x_1"))
>>> PHI.of(s)                 # not set: the declared default
False
>>> PHI.set(s, True)
>>> PHI.of(s), s.phi          # a plain attribute: facts set the old way read the same
(True, True)
>>> undeclared(s)
[]
>>> s.colour = "red"
>>> undeclared(s)
['colour']

Guarantees: `FACTS` lists every attribute pullback attaches to a node beyond gast's own
fields (tests/test_annotations.py scans the sources for attributes set on objects and
read with getattr, and checks every node of transformed functions); a fact's `writers`
and `readers` name every module (as `package/module`) that sets or reads it through
its declaration. Reading one costs a method call around the getattr stages made before
facts were declared: transform time is unchanged within the benchmark's noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import gast


@dataclass(frozen=True)
class Fact:
    name: str
    type: object  # what a value of it is (documentation: not checked when set)
    default: object  # the value of a node that does not carry it (never a mutable one)
    writers: tuple[str, ...]
    readers: tuple[str, ...]
    meaning: str

    def __post_init__(self):
        # `of` as a function of the node alone, the fact's name and default in its closure:
        # read hundreds of thousands of times per large function, a quarter cheaper than
        # the method (which stays, as its documentation)
        name, default = self.name, self.default

        def of(node):
            return getattr(node, name, default)

        object.__setattr__(self, "of", of)

    def of(self, node):
        """The fact's value on `node`, or its default."""
        return getattr(node, self.name, self.default)

    def set(self, node, value) -> None:
        setattr(node, self.name, value)

    def on(self, node) -> bool:
        """Whether `node` carries the fact (set, even to its default)."""
        return hasattr(node, self.name)


FACTS: dict[str, Fact] = {}


def _declare(name, type_, default, writers, readers, meaning) -> Fact:
    fact = Fact(name, type_, default, tuple(writers.split()), tuple(readers.split()), meaning)
    FACTS[name] = fact
    return fact


# on the FunctionDef being differentiated
NAMER = _declare(
    "namer", "ir.naming.Namer", None, "lower/normalize",
    "lower/ssa derive/reverse derive/forward api",
    "the fresh-name source the function's later stages share")
ADJOINT_OF = _declare(
    "adjoint_of", "dict[str, str]", MappingProxyType({}), "derive/reverse", "emit/numba",
    "on the generated gradient: the name of each adjoint -> the primal name it is of")
SPELLING = _declare(
    "spelling", "dict[str, str]", MappingProxyType({}), "lower/ssa", "analysis/activity",
    "SSA name -> the user's name it versions (`h_2` -> `h`), for messages")
ANONYMOUS = _declare(
    "anonymous", bool, False, "lower/local_functions lower/closures", "lower/inlining",
    "a local FunctionDef made from a lambda: messages call it by its place, not its name")

# on statements, set when lowering
PHI = _declare(
    "phi", bool, False, "lower/ssa",
    "analysis/aliasing derive/adjoints derive/records derive/loop_optimizations derive/forward "
    "emit/explain lower/aliases",
    "an SSA copy merging a variable's values where paths join (after a branch, at the "
    "end of a loop body): not a statement of the user's")
SENTINEL = _declare(
    "sentinel", bool, False, "lower/flatten lower/inlining lower/normalize",
    "analysis/activity analysis/aliasing analysis/scalars analysis/shapes derive/adjoints "
    "derive/forward derive/records lower/ssa",
    "assigns the placeholder of a variable not set on every path (it may be read unset)")
IS_RETURN = _declare(
    "is_return", bool, False, "lower/control_flow lower/flatten",
    "analysis/aliasing derive/forward derive/records lower/aliases",
    "the copy of a returned value into the result")
LIST_UPDATE = _declare(
    "list_update", "str | None", None, "lower/containers lower/flatten",
    "analysis/activity analysis/aliasing derive/reverse derive/forward derive/records "
    "derive/adjoints derive/checkpoint derive/loop_optimizations lower/aliases",
    "an expression statement `xs.append(v)`, `xs.extend(vs)`, `xs.insert(i, v)` or "
    "`xs.pop(i)`: which one")
POPPED = _declare(
    "popped", "gast.Assign", None, "lower/containers",
    "analysis/aliasing derive/adjoints derive/forward",
    "on a pop update: the statement that read the element it takes off")
AUGMENTED = _declare(
    "augmented", "str | None", None, "lower/flatten", "analysis/aliasing derive/adjoints",
    "`x = x + v` written `x += v` (NumPy would update an array in place): the name x "
    "(`x[...]` for a slot's `x[k] += v`)")
MOVED = _declare(
    "moved", bool, False, "lower/flatten", "analysis/aliasing lower/aliases",
    "`a = b` of a list just built: a is the list's only name from here on")
AT_EXIT = _declare(
    "at_exit", bool, False, "lower/inputs", "derive/assemble",
    "write_back of an input written in place: runs last, after the adjoint, so the gradient "
    "is shaped by the input as it was given")
EFFECT = _declare(
    "effect", bool, False, "lower/flatten lower/inputs", "analysis/classify analysis/refusals",
    "a call whose result the user's code does not use: called for its effect")
ORIGIN = _declare(
    "origin", "tuple[Location, int]", None, "lower/flatten lower/inlining lower/generators",
    "emit/numba emit/explain errors lower/common runtime/helpers",
    "a statement of an inlined function: (the function's location, the line there)")
INLINED_FROM = _declare(
    "inlined_from", "function", None, "lower/inlining", "emit/codegen",
    "the function whose body the statement was inlined from (printed as a comment)")
EXIT_TEST = _declare(
    "exit_test", "gast.expr", None, "lower/control_flow", "lower/loops",
    "on a while loop with break or return: the flags whose truth ends it")
BUILTIN = _declare(
    "builtin", "builtin function", None,
    "lower/calls lower/comprehensions lower/deques lower/flatten lower/generators",
    "lower/loops",
    "the callee of a call pullback wrote: the builtin it means, whatever the user's "
    "code binds to that name")

# on an If standing for a with or try block (printed as the block by codegen)
BLOCK = _declare(
    "block", "'with' | 'try' | None", None, "lower/blocks",
    "lower/common lower/control_flow lower/flatten lower/inlining lower/moves lower/normalize "
    "lower/ssa analysis/scalars derive/adjoints derive/assemble derive/records derive/forward "
    "emit/simplify emit/codegen api",
    "the If is the with or try block of the user's code (its test: the manager, or the "
    "flag saying the body completed)")
ENTERED = _declare(
    "entered", "str | None", None, "lower/blocks", "emit/codegen",
    "on a with block: the name bound to what the manager's __enter__ returned")
CATCH = _declare(
    "catch", "gast.expr | None", None, "derive/forward derive/records lower/blocks",
    "derive/forward derive/records emit/codegen",
    "on a try block: the exception class its except clause catches")
CAUGHT = _declare(
    "caught", "str | None", None, "derive/forward derive/records lower/blocks",
    "derive/forward derive/records emit/codegen",
    "on a try block: the name the except clause binds the exception to")
FP_STATE = _declare(
    "fp_state", "str | None", None, "derive/adjoints", "derive/assemble derive/records",
    "on a with block whose body has an adjoint: the name saving np.geterr() as the body "
    "ends, under which the body's adjoint runs")

# on loops and branches, set by SSA
PHIS = _declare(
    "phis", "list[str]", (), "lower/ssa",
    "analysis/activity derive/adjoints derive/records derive/checkpoint",
    "on a loop: the names it carries from one iteration to the next")
UNINITIALIZED = _declare(
    "uninitialized", "set[str]", frozenset(), "lower/ssa", "derive/records derive/checkpoint",
    "on a loop: the carried names with no value before the loop")
MERGES = _declare(
    "merges", "list[str]", (), "lower/ssa", "derive/records",
    "on an If: the names its branches' phi copies define")

# set by the analyses and the derivation, for the later stages
MUST_NOT_BE_VIEW = _declare(
    "must_not_be_view", "str | None", None,
    "analysis/refusals analysis/aliasing lower/flatten",
    "analysis/aliasing derive/forward derive/records",
    "the value (or `checked_name`) must not share memory with an input when it runs: the "
    "message refusing it")
CHECKED_NAME = _declare(
    "checked_name", "str | tuple[str, str] | None", None,
    "analysis/refusals analysis/aliasing lower/flatten",
    "derive/forward derive/records",
    "with must_not_be_view: the operand checked before the statement, not its result (for "
    "`x[k] += v`, the pair (x, the slot's value): aliasing.checked_call)")
MAY_RAISE = _declare(
    "may_raise", bool, False, "derive/records derive/forward emit/simplify", "emit/simplify",
    "the statement may raise where f raises: kept even when nothing reads its value")
class Shared:
    """A fact's value that is another node, shared (not copied) when `clone` copies the
    node carrying it: `Shared(node).node`."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = node

    def __deepcopy__(self, memo):
        return self


FROM_PRIMAL = _declare(
    "from_primal", "Shared(gast.stmt)", None, "derive/adjoints derive/forward derive/records",
    "derive/records emit/explain runtime/helpers",
    "on a statement of the adjoint (or tangent) code: the primal statement it comes from "
    "(printed as a `# from:` comment by `source(explain=True)`)")
SHAPE_ONLY = _declare(
    "shape_only", bool, False, "emit/simplify", "emit/simplify",
    "a Name read only for its shape (the loop summing it need not keep its values)")


_GAST_FIELDS = frozenset(
    field for cls in vars(gast).values() if isinstance(cls, type) and issubclass(cls, gast.AST)
    for field in (*cls._fields, *getattr(cls, "_attributes", ())))


def undeclared(node) -> list[str]:
    """The attributes `node` carries that are neither gast fields nor declared facts."""
    return sorted(k for k in vars(node) if k not in _GAST_FIELDS and k not in FACTS)
