"""Printing for reading: `source(f, explain=True)` and `pullback show --explain`.

The explained code is the code that runs, with comments: stripped of them it is what
`source` prints, and it compiles and computes the gradient. The header's activity report
is the analysis's, and the `# from:` comments name the primal statement of each adjoint.
"""

import inspect
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fd import numeric_grad
from golden_functions import GOLDEN
from helpers_pkg import layers

import pullback
from pullback.api import transform
from pullback.emit import codegen

ROOT = Path(__file__).resolve().parents[1]


def compiled(text, f, wrt, mode="grad"):
    """The printed source `text` of f's generated code, compiled and bound as pullback binds
    what it generates (its constants: those of the transform pullback caches)."""
    made = transform(f, wrt, mode)
    name = text.split("def ", 1)[1].split("(", 1)[0]
    codes = codegen.compile_source(text, [name], [*f.__code__.co_freevars, *made.constants],
                                   "printed")
    return codegen.bind(codes[name], f, made.constants)


def without_comments(text):
    return "".join(line for line in text.splitlines(True) if not line.lstrip().startswith("#"))


def line_of(f, text):
    """The file line of f's source line holding `text`."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_explained_code_is_the_code_that_runs_with_comments(name, mode):
    func, wrt = GOLDEN[name]
    if mode == "jvp" and name in ("running_buffer",):
        pytest.skip("forward mode refuses in-place writes of active values here")
    try:
        plain = pullback.source(func, wrt=wrt, mode=mode)
    except pullback.PullbackError:
        pytest.skip("forward mode refuses this function")
    explained = pullback.source(func, wrt=wrt, mode=mode, explain=True)
    assert explained != plain
    assert without_comments(explained) == without_comments(plain)
    comments = [line.strip() for line in explained.splitlines() if line.lstrip().startswith("#")]
    kept = iter(comments)  # the plain code's own comments (`# adjoint`), in order
    assert all(any(c == line.strip() for c in kept) for line in plain.splitlines()
               if line.lstrip().startswith("#"))


def test_explained_lecture_gradient_runs_and_is_right():
    func, wrt = GOLDEN["lecture"]
    text = pullback.source(func, wrt=wrt, explain=True)
    args = (0.7, -1.3, 0.4)
    got = compiled(text, func, wrt)(*args)
    want = numeric_grad(func, args, wrt)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def _f(x, n):
    scale = 2.0 * n
    y = math.sin(x) * scale
    return y


def test_header_reports_activity_and_why():
    text = pullback.source(_f, wrt=0, explain=True)
    assert "#   x: active (depends on input x, reaches the output)" in text
    assert "#   y: active (depends on input x, reaches the output)" in text
    assert "#   scale: not active (depends on no input differentiated)" in text
    assert "#   n: not active" in text
    # the adjoint of `y = sin(x) * scale` reads scale and x where the primal left them
    line = line_of(_f, "y = math.sin(x) * scale")
    assert f"#   scale: kept (read by the adjoint of line {line})" in text


def _two_outputs(x, y):
    a = x * y
    b = np.cos(y)
    return a + 0.0 * b


def test_header_reports_every_input_a_value_depends_on():
    text = pullback.source(_two_outputs, wrt=(0, 1), explain=True)
    assert "#   a: active (depends on inputs x, y, reaches the output)" in text
    assert "#   b: active (depends on input y, reaches the output)" in text


def test_each_adjoint_statement_follows_the_primal_statement_it_comes_from():
    func, wrt = GOLDEN["lecture"]  # sin(x**2 + y * exp(z)) + z, on one line
    text = pullback.source(func, wrt=wrt, explain=True)
    lines = [line.strip() for line in text.splitlines()]
    adjoint = lines[lines.index("# adjoint"):]
    assert adjoint.index("# from: sin = math.sin(add)") + 1 \
        == adjoint.index("dadd = math_cos(add)")
    assert adjoint.index("# from: power = x ** 2") + 1 == adjoint.index("dx = dadd * 2.0 * x")
    # the user's line, once, where the primal sweep starts computing it
    user_line = line_of(func, "return math.sin")
    assert lines.count(f"# line {user_line}: return math.sin(x**2 + y * math.exp(z)) + z") == 1


def test_loop_records_are_reported_with_the_line_that_reads_them():
    func, wrt = GOLDEN["recurrence"]
    text = pullback.source(func, wrt=wrt, explain=True)
    loop, body = line_of(func, "for _ in range"), line_of(func, "x = x + 0.002")
    assert f"#   sin: recorded once per iteration of the loop at line {loop} (read by the " \
        f"adjoint of line {body})" in text
    assert f"#   mul: kept (read by the adjoint of line {body})" in text
    assert "#   saved:" not in text  # the record list itself is machinery


def test_shape_only_records_and_saved_slots_say_so():
    rnn, wrt = GOLDEN["rnn"]
    text = pullback.source(rnn, wrt=wrt, explain=True)
    assert "#   matmul: its shape, recorded once per iteration of the loop at line " \
        f"{line_of(rnn, 'for t in range')}" in text
    buffer, wrt = GOLDEN["running_buffer"]
    text = pullback.source(buffer, wrt=wrt, explain=True)
    assert "#   h_old: recorded once per iteration of the loop at line " \
        f"{line_of(buffer, 'for i in range')} (what h held in the slot written next; " \
        "its adjoint puts it back)" in text


def test_guards_are_grouped_under_what_they_check():
    func, wrt = GOLDEN["recurrence"]
    text = pullback.source(func, wrt=wrt, explain=True)
    lines = [line.strip() for line in text.splitlines()]
    at = lines.index("# guards: f's code, and what each name it calls denotes, are still "
                     "those this code is for")
    # f's code, math, math.sin, range (math.cos, which only the adjoint calls, is bound)
    assert all(line.startswith("if ") and "rebound(" in line for line in lines[at + 1:at + 5])
    at = lines.index("# guards: the parameters the code treats as numbers are numbers")
    assert lines[at + 1].startswith(
        "if x.__class__ is not builtin_float and x.__class__ not in SCALAR_TYPES")


def test_cli_show_explain_prints_what_the_library_prints():
    lecture = ROOT / "examples" / "lecture.py"
    out = subprocess.run([sys.executable, "-m", "pullback", "show", f"{lecture}:g", "--explain"],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    namespace = {}
    exec(compile(lecture.read_text(), str(lecture), "exec"), namespace)
    assert out == pullback.source(namespace["g"], wrt=(0, 1, 2), explain=True)
    assert "# from: e = math.sin(d)" in out


def test_cli_explain_refuses_other_stages():
    out = subprocess.run([sys.executable, "-m", "pullback", "show",
                          f"{ROOT / 'examples' / 'lecture.py'}:g", "--explain", "--stage", "ssa"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode != 0 and "--explain and --shapes print the final code" in out.stderr


# --------------------------------------------------------------------------- --shapes


def _mlp(W1, b1, W2, X):
    hidden = np.tanh(X @ W1 + b1)
    return np.sum((hidden @ W2) ** 2) / X.shape[0]


def _broadcasts(x, y, s):
    z = x * y + s          # x (3, 1), y (4,), s a number: three broadcasts
    return np.sum(np.sin(z) * x)


def _vector_products(A, v, w):
    u = A @ v              # matrix @ vector
    return np.sum(np.tanh(u) * w) + w @ u + v @ v


def _loop(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h ** 2)


def _never_taken(x, b):
    if np.max(x) > 1e6:     # never at the example values: its adjoint stays general
        x = x + b
    return np.sum(x * b)


_RNG = np.random.default_rng(3)
SPECIALIZED = {
    "mlp": (_mlp, (0, 1, 2), (_RNG.normal(size=(5, 4)), _RNG.normal(size=4),
                              _RNG.normal(size=(4, 3)), _RNG.normal(size=(7, 5)))),
    "broadcasts": (_broadcasts, (0, 1, 2), (_RNG.normal(size=(3, 1)), _RNG.normal(size=4), 0.3)),
    "vector_products": (_vector_products, (0, 1, 2), (_RNG.normal(size=(3, 4)),
                                                      _RNG.normal(size=4), _RNG.normal(size=3))),
    "loop": (_loop, 0, (_RNG.normal(size=(4, 4)) * 0.5, _RNG.normal(size=(6, 4)))),
    "never_taken": (_never_taken, (0, 1), (_RNG.normal(size=5), _RNG.normal(size=5))),
    "rnn": (GOLDEN["rnn"][0], GOLDEN["rnn"][1], (
        _RNG.normal(size=(4, 4)) * 0.4, _RNG.normal(size=(4, 3)), _RNG.normal(size=(6, 3)),
        np.zeros(4))),
}


def _same(got, want):
    for g, w in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
        assert np.shape(g) == np.shape(w)


@pytest.mark.parametrize("name", sorted(SPECIALIZED))
def test_specialized_code_computes_the_general_gradient(name):
    func, wrt, args = SPECIALIZED[name]
    text = pullback.source(func, wrt=wrt, example_args=args)
    assert text != pullback.source(func, wrt=wrt)
    got = compiled(text, func, wrt)(*args)
    _same(got, pullback.grad(func, wrt=wrt)(*args))
    numeric = numeric_grad(func, args, wrt)
    for g, n in zip(got if isinstance(got, tuple) else (got,),
                    numeric if isinstance(numeric, tuple) else (numeric,)):
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["mlp", "broadcasts", "vector_products"])
@pytest.mark.parametrize("mode", ["vjp", "jvp", "value_and_grad"])
def test_specialized_code_in_other_modes(name, mode):
    func, wrt, args = SPECIALIZED[name]
    text = pullback.source(func, wrt=wrt, mode=mode, example_args=args)
    run = compiled(text, func, wrt, mode)
    general = compiled(pullback.source(func, wrt=wrt, mode=mode), func, wrt, mode)
    if mode == "vjp":
        call = (lambda fn: fn(0.7, *args))
    elif mode == "jvp":
        tangents = tuple(np.ones_like(args[i]) if np.ndim(args[i]) else 1.0 for i in wrt)
        made = transform(func, wrt, "jvp")
        call = (lambda fn: fn(*args, tangents)) if made.tangents_last \
            else (lambda fn: fn(*tangents, *args))
    else:
        call = (lambda fn: fn(*args))
    got, want = call(run), call(general)
    for g, w in zip(got, want):
        _same(g, w)


def test_shapes_print_plain_products_and_no_broadcast_helpers():
    func, wrt, args = SPECIALIZED["mlp"]
    text = pullback.source(func, wrt=wrt, example_args=args)
    for helper in ("unbroadcast", "as_grad", "matmul_grad_a", "matmul_grad_b", "unreduce"):
        assert helper + "(" not in text
    assert "dhidden = dmatmul_2 @ W2.T" in text
    assert "dW2 = hidden.T @ dmatmul_2" in text
    assert "db1 = np.sum(dadd, axis=0)" in text  # the bias's gradient: summed over rows
    assert "dW1 = X.T @ dadd" in text  # `dmatmul = dadd` (unbroadcast left out) propagated
    text = pullback.source(*SPECIALIZED["broadcasts"][:2],
                           example_args=SPECIALIZED["broadcasts"][2])
    assert "np.sum(dadd, axis=1, keepdims=True)" in text or "keepdims=True" in text
    text = pullback.source(*SPECIALIZED["vector_products"][:2],
                           example_args=SPECIALIZED["vector_products"][2])
    assert "np.multiply.outer(" in text  # d(A @ v)/dA for a vector v


def _maybe_a_list(x):
    return np.sum(np.maximum(x, 0.1) + np.sqrt(x))


def test_asarray_of_an_array_is_left_out():
    x = np.array([0.5, 2.0, 0.05])
    assert "as_array(x)" in pullback.source(_maybe_a_list)  # x may be a list
    text = pullback.source(_maybe_a_list, example_args=(x,))
    assert "as_array(x)" not in text and "x >= 0.1" in text
    _same(compiled(text, _maybe_a_list, 0)(x), pullback.grad(_maybe_a_list)(x))
    listed = pullback.source(_maybe_a_list, example_args=([0.5, 2.0, 0.05],))
    assert "as_array(x)" in listed  # a list: the conversion stays


def test_a_call_that_never_ran_stays_general():
    func, wrt, args = SPECIALIZED["never_taken"]
    text = pullback.source(func, wrt=wrt, example_args=args)
    branch = text[text.index("# adjoint"):]
    assert "unbroadcast(" in branch  # the adjoint of x + b, in the branch never taken


def test_specialization_is_printing_only():
    func, wrt, args = SPECIALIZED["mlp"]
    pullback.source(func, wrt=wrt, example_args=args)
    other = (_RNG.normal(size=(5, 4)), _RNG.normal(size=(1, 4)), _RNG.normal(size=4),
             _RNG.normal(size=(2, 5)))  # a row bias, a vector W2: other helpers' cases
    got = pullback.grad(func, wrt=wrt)(*other)
    numeric = numeric_grad(func, other, wrt)
    for g, n in zip(got, numeric):
        np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7)


def test_explain_and_shapes_together():
    func, wrt, args = SPECIALIZED["loop"]
    text = pullback.source(func, wrt=wrt, example_args=args, explain=True)
    assert "# Printed for arguments like these" in text and "# from: " in text
    _same(compiled(text, func, wrt)(*args), pullback.grad(func, wrt=wrt)(*args))


def test_cli_shapes(tmp_path):
    mlp = ROOT / "examples" / "mlp.py"
    spec = "W1=(8,5) b1=(5,) W2=(5,3) b2=(3,) X=(10,8) Y=(10,3)"
    out = subprocess.run([sys.executable, "-m", "pullback", "show", f"{mlp}:loss", "--wrt",
                          "W1,b1,W2,b2", "--shapes", spec],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "#   W1: array of shape (8, 5), float64" in out
    assert "dhidden = dlogits @ W2.T" in out and "unbroadcast(" not in out
    bad = subprocess.run([sys.executable, "-m", "pullback", "show", f"{mlp}:loss",
                          "--shapes", "W1=(8,5)"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode != 0 and "--shapes gives no shape for 'b1'" in bad.stderr


# --------------------------------------------------------------------------- names


def _builtin_results(x, xs, k):
    a = np.sum(x) + np.max(x) * np.min(x)
    b = abs(a) + max(a, 1.0) + min(a, 2.0) + round(k) + len(xs)
    c = pow(b, 2) + sum([a, b]) + np.all(x > -10.0) * a
    return c + np.prod(x[:2]) + np.abs(x)[0] + x.sum() + x.max()


def _own_builtin_names(x):
    sum = 0.0              # the user's own `sum`: its versions keep the name
    for v in x:
        sum = sum + v * v
    return sum + np.sum(x)


@pytest.mark.parametrize("func, args, wrt", [
    (_builtin_results, (np.linspace(0.5, 1.5, 4), [1.0, 2.0], 2.6), 0),
    (_own_builtin_names, (np.linspace(0.5, 1.5, 4),), 0),
    (GOLDEN["running_buffer"][0], (np.linspace(0.1, 0.4, 4),), 0),
])
def test_generated_names_never_shadow_builtins(func, args, wrt):
    import builtins
    import inspect as inspecting

    from pullback.ir.nodes import walk as walking
    own = set(inspecting.signature(func).parameters)
    source_names = set(func.__code__.co_varnames)
    made = transform(func, wrt)
    tree = made.with_tree(func).tree
    stored = {n.id for n in walking(tree)
              if n.__class__.__name__ == "Name" and n.ctx.__class__.__name__ == "Store"}
    stored |= {a.id for a in tree.args.args}
    shadowing = {name for name in stored if hasattr(builtins, name)} - source_names - own
    assert not shadowing
    numeric = numeric_grad(func, args, wrt)
    np.testing.assert_allclose(pullback.grad(func, wrt=wrt)(*args), numeric, rtol=1e-5)
    text = pullback.source(func, wrt=wrt)
    assert "len_2" not in text and "sum_value" not in text


def _chart(scores):
    T = scores.shape[0]
    K = scores.shape[1]
    alpha = np.zeros((T, K))
    alpha[0] = scores[0]
    for t in range(1, T):
        alpha[t] = np.max(alpha[t - 1][:, None] + scores[t], axis=0)
    return np.sum(alpha[T - 1])


def test_count_and_tuple_temporaries_say_what_they_hold():
    text = pullback.source(GOLDEN["running_buffer"][0])
    assert "n = len(x)" in text  # not len_2
    text = pullback.source(_chart)
    assert "values = (T, K)" in text  # not t_2, which reads as a version of t
    assert "alpha_slice = alpha_item[:, None]" in text  # not `item`
    scores = np.random.default_rng(2).normal(size=(4, 3))
    np.testing.assert_allclose(pullback.grad(_chart)(scores), numeric_grad(_chart, (scores,)),
                               rtol=1e-5, atol=1e-8)


def _calls_a_function_of_another_file(W, v):
    return np.sum(layers.dense(W, v) ** 2)


def test_lines_of_a_function_inlined_from_another_file_name_that_file():
    text = pullback.source(_calls_a_function_of_another_file, wrt=(0, 1), explain=True)
    if "# inlined from dense" not in text:
        pytest.skip("dense is not inlined")
    lines, first = inspect.getsourcelines(layers.dense)
    body = first + next(i for i, line in enumerate(lines) if "return" in line)
    assert f"# line {body} (layers.py): " in text


@pytest.mark.parametrize("options", [dict(mode="hvp"), dict(stage="ssa"),
                                     dict(backend="numba")])
def test_explain_and_shapes_refuse_what_they_do_not_print(options):
    func, wrt = GOLDEN["lecture"]
    for printing in (dict(explain=True), dict(example_args=(1.0, 2.0, 0.5))):
        with pytest.raises(pullback.PullbackError, match="print the final code of grad"):
            pullback.source(func, wrt=wrt, **options, **printing)
