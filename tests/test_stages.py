"""Per-stage tests: source in, expected source out.

Each test runs the pipeline of `pullback.api.transform` up to one stage on a
small function defined in this module and compares `codegen.to_source` of that
stage's output with the text written out literally in the test. The expected
text is what the stage's docstring promises, so a change to any stage's output
shows up here as a readable diff, next to the stage that made it.

Line numbers are found from `# <- marker` comments in this file, so the
expected locations follow the file as it is edited.
"""

from __future__ import annotations

import functools
import linecache
import math
import sys
import textwrap
import traceback

import gast
import numpy as np
import pytest

import pullback
from pullback.analysis.activity import Analysis
from pullback.analysis.aliasing import check_writes
from pullback.api import transform
from pullback.derive.reverse import reverse
from pullback.emit import codegen
from pullback.emit.simplify import simplify
from pullback.errors import NoRuleError, UnsupportedSyntaxError
from pullback.frontend.check import check
from pullback.frontend.parse import MISSING, parse_function
from pullback.lower.normalize import normalize
from pullback.lower.ssa import to_ssa

THIS_MODULE = sys.modules[__name__]

# ------------------------------------------------------------------------ helpers


def expect(text: str) -> str:
    """Expected printed source: the literal block, dedented, without its first newline."""
    return textwrap.dedent(text).lstrip("\n")


def line_of(marker: str) -> int:
    """The line number, in this file, of the one line ending with `marker`."""
    with open(__file__) as fh:
        lines = fh.read().splitlines()
    hits = [n for n, line in enumerate(lines, 1) if line.rstrip().endswith(marker)]
    assert len(hits) == 1, f"{marker!r} must mark exactly one line, marks {len(hits)}"
    return hits[0]


def located(marker: str, code: str) -> str:
    """What `Location.describe` must say for the line `code  marker` of this file."""
    return f'File "{__file__}", line {line_of(marker)}\n    {code}  {marker}'


def expr(text: str) -> gast.AST:
    return gast.parse(text, mode="eval").body


def parsed(func):
    p = parse_function(func)
    check(p.tree, p.location)
    return p


def normalized(func):
    p = parsed(func)
    return normalize(p.tree, p)


def in_ssa(func):
    p = parsed(func)
    return to_ssa(normalize(p.tree, p), p.location.describe)


def analyzed(func, wrt):
    p = parsed(func)
    tree = to_ssa(normalize(p.tree, p), p.location.describe)
    return tree, p, Analysis(tree, p, wrt)


def adjoint(func, wrt):
    """The reverse stage's output (before simplify), as transform() builds it."""
    tree, p, analysis = analyzed(func, wrt)
    check_writes(tree, analysis, p)
    return reverse(tree, analysis, wrt, "grad", len(wrt) == 1)[0]


def final(func, wrt):
    return src(simplify(adjoint(func, wrt)))


def simplified(text: str) -> str:
    tree = gast.parse(expect(text)).body[0]
    return codegen.to_source(simplify(tree))


def src(tree) -> str:
    """The source of `tree`, without the gradient's entry guards (`if ...: rebound(...)`
    lines, tested in test_guards.py)."""
    return "".join(line for line in codegen.to_source(tree).splitlines(True)
                   if not (line.lstrip().startswith("if ") and ": rebound(" in line))


def statements(tree, kind):
    """The nodes of type `kind` in `tree`, in source order."""
    found = [tree] if isinstance(tree, kind) else []
    for child in gast.iter_child_nodes(tree):
        found += statements(child, kind)
    return found


# ========================================================================== parse


def tagged(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def noted(func):
    func.noted = True
    return func


@tagged  # <- first line of decorated
@noted
def decorated(x):
    y = x * 2.0  # <- decorated body
    return y + 1.0


def test_parse_drops_decorators_and_reads_the_function_that_runs():
    p = parse_function(decorated.__wrapped__)
    assert p.func is decorated.__wrapped__
    assert p.tree.decorator_list == []
    assert src(p.tree) == expect("""
        def decorated(x):
            y = x * 2.0
            return y + 1.0
        """)
    # the functools.wraps wrapper is read as itself, never as the function it wraps
    assert parse_function(decorated).tree.name == "wrapper"


def test_parse_line_offset_points_at_the_file_line():
    p = parse_function(decorated.__wrapped__)
    assert p.location.filename == __file__
    assert p.location.line_offset == line_of("# <- first line of decorated") - 1
    assert p.tree.body[0].lineno == 4  # counted from the first decorator
    assert p.location.describe(p.tree.body[0]) == located("# <- decorated body", "y = x * 2.0")


def test_parse_line_offset_of_an_indented_method_deep_in_the_file():
    p = parse_function(DeepInTheFile.method)
    assert src(p.tree) == expect("""
        def method(x):
            a = x + 1.0
            b = a * a
            return b
        """)
    assert p.location.describe(p.tree.body[1]) == located("# <- deep method line", "b = a * a")
    assert p.location.describe(p.tree) == located("# <- deep method def", "def method(x):")


OFFSET = 1.0
SCALE = 2.0


def make_aliased():
    nx = np
    OFFSET = 5.0  # shadows the module's OFFSET for the closure

    def uses_alias(x):
        return nx.cos(x) * OFFSET

    return uses_alias


def make_settable(k):
    def uses_k(x):
        return k * x

    def set_k(value):
        nonlocal k
        k = value

    return uses_k, set_k


def reads_global(x):
    return x * SCALE


def test_parse_resolves_closure_cells_before_globals():
    p = parse_function(make_aliased())
    assert sorted(p.closure) == ["OFFSET", "nx"]
    assert p.resolve(expr("nx.cos")) is np.cos
    assert p.resolve(expr("nx.linalg.norm")) is np.linalg.norm
    assert p.resolve(expr("OFFSET")) == 5.0  # the cell, not the module's 1.0
    assert p.resolve(expr("nx.no_such_function")) is MISSING
    assert p.resolve(expr("no_such_name")) is MISSING
    assert p.resolve(expr("len")) is len
    assert p.resolve(expr("nx.cos(x)")) is MISSING  # not a dotted name


def test_parse_reads_closure_cells_live():
    uses_k, set_k = make_settable(2.0)
    p = parse_function(uses_k)
    assert p.resolve(expr("k")) == 2.0
    set_k(7.5)
    assert p.resolve(expr("k")) == 7.5


def test_parse_reads_globals_live_and_never_writes_them(monkeypatch):
    before = set(vars(THIS_MODULE))
    p = parse_function(reads_global)
    assert p.closure == {}
    assert p.resolve(expr("SCALE")) == 2.0
    monkeypatch.setattr(THIS_MODULE, "SCALE", 3.0)
    assert p.resolve(expr("SCALE")) == 3.0
    assert p.resolve(expr("np.sum")) is np.sum
    assert set(vars(THIS_MODULE)) == before


# ========================================================================== check


def accepted(x, v, *, scale=1.0):
    """A docstring is fine."""
    total: float = 0.0
    w = np.copy(v)
    for i in range(3):
        if i == 1:
            continue
        w[i] = w[i] * scale
        total += w[i] if x > 0.0 else -w[i]
    while total > 10.0 and x < 1.0:
        total = total / 2.0
        break
    a, b = [x, total]
    c = (a, b)[0]
    pass
    return a * b + w[0:2].sum() + c ** 2


def test_check_accepts_the_supported_subset():
    p = parse_function(accepted)
    assert check(p.tree, p.location) is None


def rejects_global(x):
    global COUNT  # <- global
    return x


def rejects_with(x):
    with np.errstate(all="ignore") as (a, b):  # <- with
        y = np.log(x)
    return y


def rejects_del_item(x):
    y = [x, x]
    del y[0]  # <- del item
    return y[0]


REJECTED = [
    (rejects_global, "global statement", "# <- global", "global COUNT"),
    (rejects_with, "`with ... as` a tuple or attribute (use one name)", "# <- with",
     'with np.errstate(all="ignore") as (a, b):'),
    (rejects_del_item, "del of an item, slice or attribute (del d[key]: use d.pop(key); "
     "del of names is supported)", "# <- del item", "del y[0]"),
]


@pytest.mark.parametrize("func,construct,marker,code", REJECTED,
                         ids=[case[0].__name__ for case in REJECTED])
def test_check_rejects_with_construct_and_line(func, construct, marker, code):
    p = parse_function(func)
    with pytest.raises(UnsupportedSyntaxError) as info:
        check(p.tree, p.location)
    assert str(info.value) == (
        f"unsupported construct: {construct}. pullback cannot differentiate it\n  "
        + located(marker, code))


def writes_param(x):
    x[0] = 1.0  # <- param write
    return np.sum(x)


def writes_alias(x):
    b = np.zeros(3)
    c = b  # <- alias
    c[0] = x
    return np.sum(b)


def writes_computed(x):
    c = x * np.ones(3)
    b = np.reshape(c, (3,))  # reshape may give a view of c, which is read below
    b[0] = 1.0  # <- not fresh
    return np.sum(b) + np.sum(c)


def writes_fresh(x, v):
    b = np.zeros(3)
    b[0] = x
    c = np.copy(v)
    c[1] = x * x
    if x > 0.0:
        b = np.ones(3)
    b[2] = x
    return np.sum(b) + np.sum(c)


def run_check_writes(func, wrt):
    tree, p, analysis = analyzed(func, wrt)
    return check_writes(tree, analysis, p)


def test_check_writes_rejects_writing_into_a_parameter():
    """The transform then makes the writes on a copy (lower/inputs.py,
    tests/test_inputs_written.py); check_writes itself names the write."""
    with pytest.raises(UnsupportedSyntaxError) as info:
        run_check_writes(writes_param, ("x",))
    assert str(info.value) == (
        "in-place write to the input 'x'\n  " + located("# <- param write", "x[0] = 1.0"))
    assert info.value.parameter == "x"


def test_check_writes_rejects_a_second_name_for_a_written_buffer():
    with pytest.raises(UnsupportedSyntaxError) as info:
        run_check_writes(writes_alias, ("x",))
    assert str(info.value) == (
        "c = b gives a second name to an array that is written in place; use np.copy(b)\n  "
        + located("# <- alias", "c = b"))


def test_check_writes_rejects_a_buffer_it_did_not_allocate():
    with pytest.raises(UnsupportedSyntaxError) as info:
        run_check_writes(writes_computed, ("x",))
    assert str(info.value) == (
        "in-place write to 'b', which pullback cannot prove is a new array that nothing "
        "else shares: it writes only into arrays the function makes (np.zeros, "
        "np.copy(...), arithmetic, ufuncs and other functions whose result is new); copy it "
        "first (b = np.copy(b))\n  "
        + located("# <- not fresh", "b[0] = 1.0"))


def test_check_writes_accepts_fresh_buffers():
    assert run_check_writes(writes_fresh, ("x",)) is None
    # and the gradient is right: x > 0 takes the np.ones branch
    v = np.array([1.0, 2.0, 3.0])
    assert pullback.grad(writes_fresh)(0.5, v) == pytest.approx(1.0 + 2 * 0.5)
    assert pullback.grad(writes_fresh)(-0.5, v) == pytest.approx(2.0 + 2 * -0.5)


# ====================================================================== normalize


def nested(x, y):
    return math.sin(x * y + 1.0) / (y - math.cos(x))


def test_normalize_a_normal_form():
    assert src(normalized(nested)) == expect("""
        def nested(x, y):
            mul = x * y
            add = mul + 1.0
            sin = math.sin(add)
            cos = math.cos(x)
            sub = y - cos
            out = sin / sub
            return out
        """)


def augmented(x, v):
    x += 2.0
    x *= x
    v[1] += x
    return x


def test_normalize_augmented_assignment():
    assert src(normalized(augmented)) == expect("""
        def augmented(x, v):
            x = x + 2.0
            x = x * x
            v_item = v[1]
            add = v_item + x
            v[1] = add
            out = x
            return out
        """)


def fibonacci(n):
    a, b = 0.0, 1.0
    for _ in range(n):
        a, b = b, a + b
    return a


def test_normalize_tuple_swap_reads_the_old_values():
    assert src(normalized(fibonacci)) == expect("""
        def fibonacci(n):
            a = 0.0
            b = 1.0
            steps = range(n)
            for _ in steps:
                b_old = b
                add = a + b
                a = b_old
                b = add
            out = a
            return out
        """)


def short_circuit(x, y):
    p = x > 0.0 and y > 0.0
    q = x > 1.0 or y < -1.0
    return p * q


def test_normalize_and_or_become_ifs():
    assert src(normalized(short_circuit)) == expect("""
        def short_circuit(x, y):
            both = x > 0.0
            if both:
                both = y > 0.0
            p = both
            either = x > 1.0
            not_either = not either
            if not_either:
                either = y < -1.0
            q = either
            out = p * q
            return out
        """)


def conditional(x):
    return x * x if x > 0.0 else -x


def test_normalize_conditional_expression():
    assert src(normalized(conditional)) == expect("""
        def conditional(x):
            cond = x > 0.0
            if cond:
                choice = x * x
            else:
                choice = -x
            out = choice
            return out
        """)


def over_items(xs):
    total = 0.0
    for x in xs:
        total = total + x
    return total


def test_normalize_for_over_a_sequence_is_an_index_loop():
    assert src(normalized(over_items)) == expect("""
        def over_items(xs):
            total = 0.0
            n = loop_len(xs)
            steps = range(n)
            for k in steps:
                x = xs[k]
                total = total + x
            out = total
            return out
        """)


def over_enumerate_zip(xs, ys):
    total = 0.0
    for i, x in enumerate(xs):
        total = total + i * x
    for x, y in zip(xs, ys):
        total = total + x * y
    return total


def test_normalize_enumerate_and_zip():
    assert src(normalized(over_enumerate_zip)) == expect("""
        def over_enumerate_zip(xs, ys):
            total = 0.0
            n = loop_len(xs)
            steps = range(n)
            for k in steps:
                i = k
                x = xs[k]
                mul = i * x
                total = total + mul
            n_2 = loop_len(xs)
            n_3 = loop_len(ys)
            n_4 = min(n_2, n_3)
            steps_2 = range(n_4)
            for k_2 in steps_2:
                x = xs[k_2]
                y = ys[k_2]
                mul_2 = x * y
                total = total + mul_2
            out = total
            return out
        """)


def backwards(x, n):
    for i in reversed(range(1, n)):
        x = x * i
    return x


def test_normalize_reversed_range():
    assert src(normalized(backwards)) == expect("""
        def backwards(x, n):
            steps = range(1, n)
            steps_2 = steps[::-1]
            for i in steps_2:
                x = x * i
            out = x
            return out
        """)


def doubling(x):
    while x < 10.0:
        x = x * 2.0
    return x


def test_normalize_while_recomputes_its_test_at_body_end():
    assert src(normalized(doubling)) == expect("""
        def doubling(x):
            go = x < 10.0
            while go:
                x = x * 2.0
                go = x < 10.0
            out = x
            return out
        """)


def skips_and_stops(xs):
    total = 0.0
    for i in range(10):
        if i % 2 == 0:
            continue
        if i > 7:
            break
        total = total + xs[i]
    return total


def test_normalize_break_and_continue_become_flags_with_guards():
    assert src(normalized(skips_and_stops)) == expect("""
        def skips_and_stops(xs):
            total = 0.0
            broke = False
            steps = range(10)
            for i in steps:
                skip = False
                mod = i % 2
                cond = mod == 0
                if cond:
                    skip = True
                not_2 = not skip
                if not_2:
                    cond_2 = i > 7
                    if cond_2:
                        broke = True
                    not_3 = not broke
                    if not_3:
                        xs_item = xs[i]
                        total = total + xs_item
                if broke:
                    break
            out = total
            return out
        """)


def while_with_break(x):
    n = 0
    while x < 100.0:
        x = x * 1.5
        n += 1
        if n >= 3:
            break
    return x


def test_normalize_break_in_while_stops_the_test_recomputation():
    assert src(normalized(while_with_break)) == expect("""
        def while_with_break(x):
            n = 0
            broke = False
            go = x < 100.0
            while go:
                x = x * 1.5
                n = n + 1
                cond = n >= 3
                if cond:
                    broke = True
                if broke:
                    go = False
                else:
                    go = x < 100.0
            out = x
            return out
        """)


def early_exit(x):
    if x < 0.0:
        return -x
    y = x * x
    return y + 1.0


def test_normalize_early_return_moves_the_rest_into_else():
    assert src(normalized(early_exit)) == expect("""
        def early_exit(x):
            cond = x < 0.0
            if cond:
                out = -x
            else:
                y = x * x
                out = y + 1.0
            return out
        """)


def returns_from_loop(x):
    for _ in range(5):
        x = x * 2.0
        if x > 10.0:
            return x
    return x - 1.0


def test_normalize_return_inside_a_loop_sets_flags():
    assert src(normalized(returns_from_loop)) == expect("""
        def returns_from_loop(x):
            returned = False
            out = None
            steps = range(5)
            for _ in steps:
                x = x * 2.0
                cond = x > 10.0
                if cond:
                    out = x
                    returned = True
                if returned:
                    break
            not_2 = not returned
            if not_2:
                out = x - 1.0
            return out
        """)


def chained_comparison(x):
    if 0.0 < x < math.log(x):
        return x
    return -x


def test_normalize_chained_comparison_keeps_short_circuit():
    # ENGINE BUG (lower/flatten.py, Flatten.simple, the Compare case): every operand of
    # `a < b < c` is computed before the first comparison, so `math.log(x)` runs even
    # when `0.0 < x` is false; Python never evaluates it then.
    text = src(normalized(chained_comparison))
    scope = {"math": math, "np": np}
    exec(text, scope)
    assert chained_comparison(-1.0) == 1.0
    assert scope["chained_comparison"](-1.0) == 1.0, text
    assert pullback.grad(chained_comparison)(-1.0) == -1.0


def test_normalized_code_computes_what_the_user_wrote():
    # the printed normalized code is runnable Python: it must agree with the original
    for func, args in [(fibonacci, (7,)), (short_circuit, (0.5, -2.0)), (conditional, (-3.0,)),
                       (skips_and_stops, (np.arange(10.0) ** 2,)), (while_with_break, (2.0,)),
                       (early_exit, (-2.0,)), (early_exit, (3.0,)),
                       (returns_from_loop, (0.5,)), (returns_from_loop, (0.1,)),
                       (backwards, (1.0, 5))]:
        scope = {"math": math, "np": np}
        exec(src(normalized(func)), scope)
        assert scope[func.__name__](*args) == func(*args), func.__name__


# ============================================================================ ssa


def straight(x):
    x = x * 2.0
    x = x + 1.0
    y = x
    x = y * y
    return x


def test_ssa_renames_straight_line_code():
    assert src(in_ssa(straight)) == expect("""
        def straight(x):
            x_2 = x * 2.0
            x_3 = x_2 + 1.0
            y = x_3
            x_4 = y * y
            out = x_4
            return out
        """)


def test_ssa_merges_after_if():
    tree = in_ssa(short_circuit)
    assert src(tree) == expect("""
        def short_circuit(x, y):
            both = x > 0.0
            if both:
                both_2 = y > 0.0
                both_3 = both_2
            else:
                both_3 = both
            p = both_3
            either = x > 1.0
            not_either = not either
            if not_either:
                either_2 = y < -1.0
                either_3 = either_2
            else:
                either_3 = either
            q = either_3
            out = p * q
            return out
        """)
    assert [s.merges for s in statements(tree, gast.If)] == [["both_3"], ["either_3"]]
    copies = [s.targets[0].id for s in statements(tree, gast.Assign) if getattr(s, "phi", False)]
    assert copies == ["both_3", "both_3", "either_3", "either_3"]


def one_sided(x):
    if x > 0.0:
        y = x * 2.0
        x = y
    return x


def test_ssa_one_sided_assignment_gets_no_merge():
    tree = in_ssa(one_sided)
    assert src(tree) == expect("""
        def one_sided(x):
            cond = x > 0.0
            if cond:
                y = x * 2.0
                x_2 = y
                x_3 = x_2
            else:
                x_3 = x
            out = x_3
            return out
        """)
    assert [s.merges for s in statements(tree, gast.If)] == [["x_3"]]  # y is not merged


def test_ssa_loop_phis():
    tree = in_ssa(doubling)
    assert src(tree) == expect("""
        def doubling(x):
            go = x < 10.0
            go_2 = go
            x_2 = x
            while go_2:
                x_3 = x_2 * 2.0
                go_3 = x_3 < 10.0
                go_2 = go_3
                x_2 = x_3
            out = x_2
            return out
        """)
    assert [s.phis for s in statements(tree, gast.While)] == [["go_2", "x_2"]]


def test_ssa_loop_phis_come_before_the_loop_exit_test():
    tree = in_ssa(skips_and_stops)
    assert src(tree) == expect("""
        def skips_and_stops(xs):
            total = 0.0
            broke = False
            steps = range(10)
            broke_2 = broke
            total_2 = total
            for i in steps:
                skip = False
                mod = i % 2
                cond = mod == 0
                if cond:
                    skip_2 = True
                    skip_3 = skip_2
                else:
                    skip_3 = skip
                not_2 = not skip_3
                if not_2:
                    cond_2 = i > 7
                    if cond_2:
                        broke_3 = True
                        broke_4 = broke_3
                    else:
                        broke_4 = broke_2
                    not_3 = not broke_4
                    if not_3:
                        xs_item = xs[i]
                        total_3 = total_2 + xs_item
                        total_4 = total_3
                    else:
                        total_4 = total_2
                    broke_5 = broke_4
                    total_5 = total_4
                else:
                    broke_5 = broke_2
                    total_5 = total_2
                broke_2 = broke_5
                total_2 = total_5
                if broke_5:
                    break
            out = total_2
            return out
        """)
    (loop,) = statements(tree, gast.For)
    assert loop.phis == ["broke_2", "total_2"]
    assert [s.merges for s in statements(tree, gast.If)] == [
        ["skip_3"], ["broke_5", "total_5"], ["broke_4"], ["total_4"], []]


def test_ssa_tuple_swap_in_a_loop():
    assert src(in_ssa(fibonacci)) == expect("""
        def fibonacci(n):
            a = 0.0
            b = 1.0
            steps = range(n)
            a_2 = a
            b_2 = b
            for _ in steps:
                b_old = b_2
                add = a_2 + b_2
                a_3 = b_old
                b_3 = add
                a_2 = a_3
                b_2 = b_3
            out = a_2
            return out
        """)


def reads_before_assigning(x):
    for i in range(3):  # <- read before assigned
        if i > 0:
            x = x + prev  # noqa: F821 (bound by the previous iteration)
        prev = x  # noqa: F841
    return x


def test_ssa_starts_a_variable_first_assigned_in_a_loop_as_unbound():
    # valid Python: `prev` is read only from the second iteration on
    p = parsed(reads_before_assigning)
    tree = to_ssa(normalize(p.tree, p), p.location.describe)
    text = codegen.to_source(tree)
    assert text.splitlines()[1].strip() == "prev_unset = unbound('prev')"
    assert pullback.grad(reads_before_assigning)(0.3) == pytest.approx(4.0, rel=1e-14)


def test_ssa_code_computes_what_the_user_wrote():
    for func, args in [(straight, (1.5,)), (short_circuit, (2.0, -3.0)), (one_sided, (2.0,)),
                       (one_sided, (-2.0,)), (doubling, (0.3,)), (fibonacci, (9,)),
                       (skips_and_stops, (np.arange(10.0) ** 2,))]:
        scope = {"math": math, "np": np}
        exec(src(in_ssa(func)), scope)
        assert scope[func.__name__](*args) == func(*args), func.__name__


# ======================================================================= activity


def bookkeeping(x, w):
    n = len(x)
    rows = x.shape[0]
    count = 0
    total = 0.0
    for i in range(n):
        count = count + 1
        total = total + w * x[i]
    return total / count + rows


def test_activity_integer_bookkeeping_is_not_active():
    tree, _, analysis = analyzed(bookkeeping, ("x", "w"))
    assert src(tree) == expect("""
        def bookkeeping(x, w):
            n = len(x)
            shape = x.shape
            rows = shape[0]
            count = 0
            total = 0.0
            steps = range(n)
            count_2 = count
            total_2 = total
            for i in steps:
                count_3 = count_2 + 1
                x_item = x[i]
                mul = w * x_item
                total_3 = total_2 + mul
                count_2 = count_3
                total_2 = total_3
            div = total_2 / count_2
            out = div + rows
            return out
        """)
    assert analysis.active == {"x", "w", "x_item", "mul", "total_2", "total_3", "div", "out"}
    _, _, only_w = analyzed(bookkeeping, ("w",))
    assert only_w.active == {"w", "mul", "total_2", "total_3", "div", "out"}
    assert {"n", "count", "count_2", "count_3", "i", "total"} <= only_w.scalar


def gamma_of_active(x):
    y = x * 2.0
    return math.gamma(y) * x  # <- gamma


def gamma_of_inactive(x, n):
    return math.gamma(n) * x


def test_activity_no_rule_for_an_active_call():
    with pytest.raises(NoRuleError) as info:
        analyzed(gamma_of_active, ("x",))
    assert str(info.value) == (
        "no derivative rule for math.gamma, called on a value being differentiated: register "
        "one with @pullback.register_rule, or wrap the argument in pullback.stop_gradient if "
        "no gradient should flow\n  "
        + located("# <- gamma", "return math.gamma(y) * x"))


def test_activity_same_call_on_an_inactive_value_is_fine():
    _, _, analysis = analyzed(gamma_of_inactive, ("x",))
    assert analysis.active == {"x", "out"}
    assert analysis.op(analysis.defs["gamma"][0]).kind == "unknown"
    assert pullback.grad(gamma_of_inactive)(0.3, 5.0) == 24.0


def scalar_kinds(x, v):
    s = math.sin(x)
    t = s * 2.0
    u = v * t
    return np.sum(u) + t


def test_activity_scalar_inference():
    _, _, analysis = analyzed(scalar_kinds, ("x", "v"))
    # x is the argument of a math function, s its result; u may be an array (v is);
    # a full np.sum is a scalar.
    assert analysis.scalar == {"x", "s", "t", "total", "out"}
    assert analysis.active == {"x", "v", "s", "t", "u", "total", "out"}


# ============================================================ reverse + simplify


def lecture(x, y, z):
    return math.sin(x**2 + y * math.exp(z)) + z


def test_reverse_lecture_example():
    assert src(adjoint(lecture, ("x", "y", "z"))) == expect("""
        def dlecture(x, y, z):
            if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
                complex_to_math(('z',), (z,), math_at_2)
            power = x ** 2
            exp = math.exp(z)
            mul = y * exp
            add = power + mul
            if add.__class__ is not builtin_float and add.__class__ not in SCALAR_TYPES:
                complex_to_math(('',), (add,), math_at)
            sin = math.sin(add)
            out = sin + z
            # adjoint
            dout = 1.0
            dsin = dout
            dz = dout
            dadd = dsin * math.cos(add)
            dpower = dadd
            dmul = dadd
            dy = dmul * exp
            dexp = dmul * y
            dz = dz + dexp * exp
            dx = pow_grad_base(dpower, x, 2)
            return (dx, dy, dz)
        """)
    assert final(lecture, ("x", "y", "z")) == expect("""
        def dlecture(x, y, z):
            if z.__class__ is not builtin_float and z.__class__ not in SCALAR_TYPES:
                complex_to_math(('z',), (z,), math_at_2)
            power = x ** 2
            exp = math.exp(z)
            mul = y * exp
            add = power + mul
            if add.__class__ is not builtin_float and add.__class__ not in SCALAR_TYPES:
                complex_to_math(('',), (add,), math_at)
            # adjoint
            dout = 1.0
            dadd = math.cos(add)
            dy = dadd * exp
            dexp = dadd * y
            dz = dout + dexp * exp
            dx = dadd * 2.0 * x
            return (dx, dy, dz)
        """)
    # the same code, but for the entry guards, math.cos, which only the adjoint calls,
    # bound when transforming (math_cos) rather than read behind a guard, and math.exp,
    # called through the constant its guard compares (math_exp) (codegen)
    assert "".join(line for line in pullback.source(lecture, wrt=("x", "y", "z")).splitlines(
        True) if ": rebound(" not in line).replace("math_cos(", "math.cos(").replace(
        "math_exp(", "math.exp(") == src(
        simplify(adjoint(lecture, ("x", "y", "z"))))
    c = math.cos(3.0)  # x**2 + y*exp(z) = 3 at (2, -1, 0)
    assert pullback.grad(lecture, wrt=(0, 1, 2))(2.0, -1.0, 0.0) == pytest.approx(
        (4.0 * c, c, 1.0 - c), rel=1e-15)


def iterated(x, n):
    y = x
    for _ in range(n):
        y = math.sin(y) * x
    return y


def test_reverse_loop_pops_its_records_backwards():
    assert final(iterated, ("x",)) == expect("""
        def diterated(x, n):
            if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES:
                not_scalars(('x',), (x,))
            steps = range(n)
            y_2 = x
            saved = []
            for _ in steps:
                sin = math.sin(y_2)
                y_3 = sin * x
                saved.append((sin, y_2))
                y_2 = y_3
            # adjoint
            dout = 1.0
            dy_2 = dout
            dx = 0.0
            while saved:
                sin, y_2 = saved.pop()
                dsin = dy_2 * x
                dx += dy_2 * sin
                dy_2 = dsin * math.cos(y_2)
            dx = dx + dy_2
            return dx
        """)
    x = 0.7
    y1 = math.sin(x) * x
    expected = math.cos(y1) * (math.cos(x) * x + math.sin(x)) * x + math.sin(y1)
    assert pullback.grad(iterated)(x, 2) == pytest.approx(expected, rel=1e-14)
    assert pullback.grad(iterated)(x, 0) == 1.0


def branch_in_loop(xs):
    total = 0.0
    for i in range(len(xs)):
        v = xs[i]
        if v > 0.0:
            total = total + math.sin(v) * v
        else:
            total = total + 0.5 * v
    return total


def test_reverse_if_inside_a_loop_uses_the_shared_tape():
    assert final(branch_in_loop, ("xs",)) == expect("""
        def dbranch_in_loop(xs):
            tape = []
            push = tape.append
            pop = tape.pop
            total = 0.0
            n = len(xs)
            steps = range(n)
            total_2 = total
            saved = []
            for i in steps:
                v = xs[i]
                cond = v > 0.0
                if cond:
                    if v.__class__ is not builtin_float and v.__class__ not in SCALAR_TYPES:
                        complex_to_math(('',), (v,), math_at)
                    sin = math.sin(v)
                    if v.__class__ not in OPERAND_TYPES:
                        operand_of_user_class(v, operator_at)
                    mul = sin * v
                    total_3 = total_2 + mul
                    total_5 = total_3
                    push((sin, mul))
                else:
                    if v.__class__ not in OPERAND_TYPES:
                        operand_of_user_class(v, operator_at_2)
                    mul_2 = 0.5 * v
                    total_4 = total_2 + mul_2
                    total_5 = total_4
                    push(mul_2)
                saved.append((v, cond, record_shape(total_2), i))
                total_2 = total_5
            # adjoint
            dout = result_seed(total_2, returned_at)
            dtotal_2 = dout
            dxs = 0.0
            while saved:
                v, cond, total_2_shape, i = saved.pop()
                dtotal_5 = dtotal_2
                if cond:
                    sin, mul = pop()
                    dtotal_2 = unbroadcast_to(dtotal_5, total_2_shape)
                    dmul = unbroadcast(dtotal_5, mul)
                    dsin = unbroadcast(dmul * v, sin)
                    dv = dmul * sin
                    dv = dv + dsin * math.cos(v)
                else:
                    mul_2 = pop()
                    dtotal_2 = unbroadcast_to(dtotal_5, total_2_shape)
                    dmul_2 = unbroadcast(dtotal_5, mul_2)
                    dv = dmul_2 * 0.5
                dxs = accum_index(dxs, xs, i, dv)
            return as_grad(dxs, xs)
        """)
    xs = np.array([0.5, -1.0, 2.0])
    expected = [math.sin(0.5) + 0.5 * math.cos(0.5), 0.5, math.sin(2.0) + 2.0 * math.cos(2.0)]
    np.testing.assert_allclose(pullback.grad(branch_in_loop)(xs), expected, rtol=1e-15)


def overwrites(x):
    b = np.zeros(2)
    b[0] = x * x
    b[0] = math.sin(b[0])
    b[1] = x
    return np.sum(b) * b[0]


def test_reverse_in_place_write_saves_takes_and_restores_the_slot():
    assert final(overwrites, ("x",)) == expect("""
        def doverwrites(x):
            if x.__class__ not in OPERAND_TYPES:
                operands_of_user_class((x,), operators_at)
            b = np.zeros(2)
            mul = x * x
            b_old_3 = save_float_slot(b, 0)
            b[0] = mul
            b_item = b[0]
            if b_item.__class__ is not builtin_float and b_item.__class__ not in SCALAR_TYPES:
                complex_to_math(('',), (b_item,), math_at)
            sin = math.sin(b_item)
            b_old_2 = save_float_slot(b, 0)
            b[0] = sin
            b_old = save_float_slot(b, 1)
            b[1] = x
            total = np.sum(b)
            b_item_2 = b[0]
            if b_item_2.__class__ not in OPERAND_TYPES:
                operand_of_user_class(b_item_2, operator_at)
            out = total * b_item_2
            check_scalar(out, returned_at)
            # adjoint
            dout = 1.0
            dtotal = unbroadcast(dout * b_item_2, total)
            db_item_2 = dout * total
            db = accum_index(0.0, b, 0, db_item_2)
            db = add_grads(db, unreduce(dtotal, b, None, False))
            dx_slot, db = take_slot_grad(db, 1)
            dx = unbroadcast(dx_slot, x)
            b[1] = b_old
            dsin_slot, db = take_slot_grad(db, 0)
            dsin = unbroadcast(dsin_slot, sin)
            b[0] = b_old_2
            db_item = dsin * math.cos(b_item)
            db = accum_index(db, b, 0, db_item)
            dmul_slot, db = take_slot_grad(db, 0)
            dmul = unbroadcast(dmul_slot, mul)
            b[0] = b_old_3
            dx = dx + unbroadcast(dmul * x, x)
            dx = dx + unbroadcast(dmul * x, x)
            return as_grad(dx, x)
        """)
    x = 0.7
    s, c = math.sin(x * x), math.cos(x * x)
    expected = (2 * x * c + 1.0) * s + (s + x) * 2 * x * c
    assert pullback.grad(overwrites)(x) == pytest.approx(expected, rel=1e-14)


def last_item_times_total(xs):
    total = 0.0
    for x in xs:
        total = total + x
    return total * x


def last_term_in_while(x):
    k = 0
    while k < 3:
        t = x * k
        k = k + 1
    return t * x


def test_reverse_value_first_assigned_in_a_loop_and_read_after_it():
    # ENGINE BUG (reverse.py, Reverse.instrument): a variable first assigned inside a
    # loop and read after it has a loop name (`x`) with no value before the loop; the
    # loop's record pushes it at the end of the first iteration, before the back copy
    # `x = x_2` binds it: UnboundLocalError in the generated gradient.
    xs = np.array([1.0, 2.0, 3.0])
    assert last_item_times_total(xs) == 18.0
    np.testing.assert_array_equal(pullback.grad(last_item_times_total)(xs), [3.0, 3.0, 9.0])


def test_reverse_value_first_assigned_in_a_while_loop_and_read_after_it():
    # ENGINE BUG: same as above, for a while loop (`t` is pushed before it is bound).
    assert last_term_in_while(1.5) == 4.5
    assert pullback.grad(last_term_in_while)(1.5) == 6.0


# ======================================================================= simplify


def test_simplify_copy_propagation_and_dead_copies():
    assert simplified("""
        def f(x, y):
            a = x
            b = a * y
            c = b
            d = c + a
            push(a)
            return d
        """) == expect("""
        def f(x, y):
            b = x * y
            d = b + x
            push(x)
            return d
        """)


def test_simplify_copy_ends_when_its_source_is_assigned():
    assert simplified("""
        def f(x, y, c):
            a = x
            x = y * 2.0
            z = a + x
            e = y
            if c:
                y = 1.0
            return z + e
        """) == expect("""
        def f(x, y, c):
            a = x
            x = y * 2.0
            z = a + x
            e = y
            if c:
                y = 1.0
            return z + e
        """)


def test_simplify_drops_copies_overwritten_before_read():
    assert simplified("""
        def f(x, y):
            t = x
            t = x * 2.0
            u = t
            unused = y
            u = u + 1.0
            return u
        """) == expect("""
        def f(x, y):
            t = x * 2.0
            u = t + 1.0
            return u
        """)


def test_simplify_power_one_and_constant_folding():
    assert simplified("""
        def f(x):
            y = x ** 1
            w = x ** 1.0
            v = x ** (2 - 1)
            a = 2 - 1
            b = (1 + 2) * x
            c = 2.0 * 3 - 0.5
            d = 2 / 4
            e = x if None is None else -x
            g = x if None is not None else -x
            return y * w * v + a + b + c + d + e + g
        """) == expect("""
        def f(x):
            w = x ** 1.0
            a = 1
            b = 3 * x
            c = 5.5
            d = 2 / 4
            g = -x
            return x * w * x + a + b + c + d + x + g
        """)


def test_simplify_does_not_rewrite_a_while_test_through_a_copy_the_body_breaks():
    text = simplified("""
        def count_down(n):
            i = 0
            c = n
            while c:
                i = i + 1
                c = c - 1
            return i
        """)
    assert text == expect("""
        def count_down(n):
            i = 0
            c = n
            while c:
                i = i + 1
                c = c - 1
            return i
        """)
    scope: dict = {}
    exec(text, scope)
    assert scope["count_down"](4) == 4


def test_simplify_keeps_statements_with_effects_in_order():
    assert simplified("""
        def f(x, b, i):
            t = x
            old = save_slot(b, i)
            b[i] = t
            saved.append((t, old))
            b[i] = old
            return b
        """) == expect("""
        def f(x, b, i):
            old = save_slot(b, i)
            b[i] = x
            saved.append((x, old))
            b[i] = old
            return b
        """)


# ======================================================================== codegen


def logs(x):
    return math.log(x) * x


def test_codegen_traceback_in_the_primal_shows_the_generated_line():
    df = pullback.grad(logs)
    with pytest.raises(ValueError, match="math domain error") as info:
        df(-1.0)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert frame.filename.startswith("<pullback logs #")
    assert frame.name == "dlogs"
    assert frame.line == "log = math_log(x)"
    assert linecache.getline(frame.filename, frame.lineno) == "        log = math_log(x)\n"
    # linecache holds exactly the printed source, inside the scope that binds helpers
    # (math, which logs reads as a global of its module, is read from there)
    lines = linecache.getlines(frame.filename)
    assert lines[0].startswith("def __pullback_scope__(np, ")
    assert "math" not in lines[0].split("(")[1].replace(" ", "").split(",")
    assert lines[-1] == "    return None\n"
    source = pullback.source(logs)
    assert "".join(line[4:] for line in lines[1:-1]) == source
    assert source == expect("""
        def dlogs(x):
            if user_function.__code__ is not logs_code_at_transform: rebound('logs.__code__')
            if math is not math_at_transform: rebound('math')
            if math.log is not math_log: rebound('math.log')
            if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES:
                complex_to_math(('x',), (x,), math_at)
            log = math_log(x)
            # adjoint
            dout = 1.0
            dlog = dout * x
            dx = log + dlog / x
            return dx
        """)


def arc_sine(x):
    return math.asin(x) * 2.0


def test_codegen_traceback_in_the_adjoint_shows_the_generated_line():
    # (math.sqrt's adjoint at 0 no longer divides by zero: it is inf, as np.sqrt's)
    with pytest.raises(ZeroDivisionError) as info:
        pullback.grad(arc_sine)(1.0)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert frame.filename.startswith("<pullback arc_sine #")
    assert linecache.getline(frame.filename, frame.lineno) == \
        "        dx = dasin / math_sqrt(1.0 - x * x)\n"


WEIGHTS = np.array([1.0, 2.0])


def weighted(x):
    return np.sum(WEIGHTS * x)


def test_codegen_bind_reads_globals_live_and_never_writes_them(monkeypatch):
    before = set(vars(THIS_MODULE))
    df = pullback.grad(weighted)
    generated = getattr(df, "__pullback_defaults_code__", df)  # under api's operand retry
    assert generated.__globals__ is vars(THIS_MODULE)
    np.testing.assert_array_equal(df(np.ones(2)), [1.0, 2.0])
    monkeypatch.setattr(THIS_MODULE, "WEIGHTS", np.array([3.0, -4.0]))
    np.testing.assert_array_equal(df(np.ones(2)), [3.0, -4.0])
    assert set(vars(THIS_MODULE)) == before


def make_scaled(k):
    def scaled(x):
        return k * x * x

    return scaled


def test_codegen_closures_of_one_def_get_their_own_cells():
    f2, f5 = make_scaled(2.0), make_scaled(5.0)
    assert transform(f2) is transform(f5)  # one transform per code object
    g2, g5 = pullback.grad(f2), pullback.grad(f5)
    assert g2(3.0) == 12.0
    assert g5(3.0) == 30.0
    g2, g5 = (getattr(g, "__pullback_defaults_code__", g) for g in (g2, g5))
    assert g2.__code__ is g5.__code__
    k2 = g2.__closure__[g2.__code__.co_freevars.index("k")]
    assert k2 is f2.__closure__[0]


def test_codegen_closure_cells_stay_live():
    uses_k, set_k = make_settable(2.0)
    dk = pullback.grad(uses_k)
    assert dk(1.0) == 2.0
    set_k(-3.5)
    assert dk(1.0) == -3.5


def test_codegen_compile_source_binds_helpers_and_closure_names():
    code = codegen.compile_source(expect("""
        def dk(x):
            return k * np.cos(x)
        """), ["dk"], ("k",), "test")["dk"]
    assert code.co_name == "dk"
    assert code.co_filename.startswith("<pullback test #")
    assert set(code.co_freevars) == {"k", "np"}
    uses_k, _ = make_settable(4.0)
    assert codegen.bind(code, uses_k)(0.0) == 4.0


# ================================================================= deep in the file


class DeepInTheFile:
    """Holds a method far from the top of the file, indented."""

    @staticmethod
    def method(x):  # <- deep method def
        a = x + 1.0
        b = a * a  # <- deep method line
        return b


def test_codegen_keeps_a_block_of_only_comments_a_block():
    from pullback.emit.codegen import to_source
    from pullback.ir.nodes import comment, if_, load

    text = to_source(if_(load("c"), [comment("# nothing to do")]))
    assert text == "if c:\n    # nothing to do\n    pass\n"
    compile(text, "<comment block>", "exec")


# ------------------------------------------------------------------------ naming


def sums(x):
    return np.sum(x) * np.sum(x * x) + abs(np.max(x))


def sums_beside_a_total(x):
    total = np.sum(x)
    return total * np.sum(x * x)


@pytest.mark.parametrize("func", [sums, sums_beside_a_total])
def test_generated_names_never_hide_a_builtin(func):
    import ast
    import builtins

    from fd import assert_grad_matches

    source = pullback.source(func)
    assigned = {n.id for n in ast.walk(ast.parse(source))
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assert not assigned & set(dir(builtins)), source
    assert_grad_matches(func, (np.array([0.5, -1.5, 2.0]),))


def test_a_temporary_named_after_a_builtin_is_not_taken_for_a_version_of_a_users_name():
    assert "total = np_sum(x)" in pullback.source(sums)
    shown = pullback.source(sums_beside_a_total)
    assert "sum_value = np_sum(mul)" in shown and "total_2" not in shown, shown
