"""The Numba backend (emit/numba.py): compiled gradients equal the NumPy backend's to
rounding, and central finite differences, on the loop workloads of the benchmarks and
on the corpus functions the backend accepts; what it cannot compile is refused with a
located error (backend="numba") or answered by the NumPy gradient with a warning
naming the reason (backend="auto").

Compiling is slow (a second or more per function), so the corpus is compiled on a
fixed sample of the functions the backend accepts; PULLBACK_NUMBA_CORPUS=1 compiles
them all. Every corpus function is checked to be accepted or refused with a location.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import types
import warnings

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import corpus  # noqa: E402
from corpus import CASES, sample_points  # noqa: E402
from fd import assert_close, numeric_grad  # noqa: E402

import pullback  # noqa: E402
from pullback.emit.numba import Refused, Split  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import workloads  # noqa: E402

LOOPS = ["scalar_loop", "rnn", "hmm", "soft_dtw"]


def _workload(name):
    return next(w for w in workloads.WORKLOADS if w.name == name)


@pytest.mark.parametrize("name", LOOPS)
def test_loop_workloads_equal_the_numpy_backend_and_finite_differences(name):
    w = _workload(name)
    compiled = pullback.grad(w.f, wrt=w.wrt, backend="numba")
    plain = pullback.grad(w.f, wrt=w.wrt)
    for seed in (0, 1):
        args = w.make_args(seed=seed, small=True)
        got = compiled(*args)
        assert_close(got, plain(*args), rtol=1e-10, atol=1e-12, what=f"{name} numba vs numpy")
        assert_close(got, numeric_grad(w.f, args, wrt=w.wrt), rtol=1e-5, atol=1e-7,
                     what=f"{name} numba vs finite differences")
        assert_close(got, w.hand(*args), rtol=1e-9, atol=1e-12, what=f"{name} vs by hand")
    # the compiled part ran (not a fallback), and the result has the NumPy types
    assert compiled.__pullback_transform__.compiled
    got = compiled(*w.make_args(small=True))
    for g, i in zip(got, w.wrt):
        x = w.make_args(small=True)[i]
        assert type(g) is (float if isinstance(x, float) else np.ndarray)
        assert np.shape(g) == np.shape(x)


def test_value_and_grad_and_vjp():
    w = _workload("rnn")
    args = w.make_args(small=True)
    value, grads = pullback.value_and_grad(w.f, wrt=w.wrt, backend="numba")(*args)
    assert value == pytest.approx(w.f(*args), rel=1e-12)
    assert_close(grads, w.hand(*args), rtol=1e-9, atol=1e-12)

    def layer(x, W):
        return np.tanh(W @ x) * 2.0

    x, W = np.linspace(-1.0, 1.0, 3), np.arange(6.0).reshape(2, 3) / 7.0
    seed = np.array([0.3, -1.2])
    got = pullback.vjp(layer, wrt=(0, 1), backend="numba")(x, W, seed)
    assert_close(got, pullback.vjp(layer, wrt=(0, 1))(x, W, seed), rtol=1e-12, atol=1e-14)
    loss = lambda x, W: float(np.sum(seed * layer(x, W)))  # noqa: E731
    assert_close(got, numeric_grad(loss, (x, W), wrt=(0, 1)), rtol=1e-6, atol=1e-8)
    with pytest.raises(pullback.PullbackError, match="seed"):
        pullback.vjp(layer, backend="numba")(x, W, np.ones(3))


def _accepted(case):
    try:
        Split(pullback.api.transform(case.fn, case.wrt, "grad"), case.fn)
    except Refused as exc:
        return exc
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_function_is_accepted_or_refused_with_its_location(case):
    refused = _accepted(case)
    if refused is None:
        return
    assert "the Numba backend cannot compile" in refused.message
    assert 'File "' in refused.where and "line" in refused.where
    assert corpus.__file__.rstrip("c") in refused.where


def _compiled_sample():
    accepted = [c for c in CASES if _accepted(c) is None]
    if os.environ.get("PULLBACK_NUMBA_CORPUS"):
        return accepted
    return accepted[::12]


@pytest.mark.parametrize("case", _compiled_sample(), ids=lambda c: c.name)
def test_corpus_compiled_equals_the_numpy_backend(case):
    compiled = pullback.grad(case.fn, wrt=case.wrt, backend="numba")
    plain = pullback.grad(case.fn, wrt=case.wrt)
    for args in sample_points(case, 2):
        try:
            got = compiled(*args, **case.kw)
        except Refused as refused:  # what only Numba's typing finds: refused where f is
            assert "for these arguments" in refused.message
            assert refused.where.startswith(f'File "{corpus.__file__.rstrip("c")}", line ')
            return
        assert_close(got, plain(*args, **case.kw), rtol=1e-9, atol=1e-12,
                     what=f"{case.name}: numba vs numpy")
        assert_close(got, numeric_grad(case.fn, args, wrt=case.wrt, kwargs=case.kw),
                     rtol=max(case.rtol, 1e-5), atol=max(case.atol, 1e-7),
                     what=f"{case.name}: numba vs finite differences")


# --------------------------------------------------------------------- refusals


def _module(tmp_path, source, name):
    """A function defined in a real file (pullback reads its source)."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)  # noqa: S102
    return module, path


CALLEE = """
import numpy as np

def helper(v):
    total = 0.0
    for i in range(v.shape[0]):
        if v[i] > 0:
            total = total + v[i] * v[i]
        else:
            return total
    return total

def uses_callee(x):
    return helper(x) * 2.0

def uses_fft(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2)

class Scale:
    def __init__(self):
        self.k = 3.0

SCALE = Scale()

def uses_object(x):
    return np.sum(SCALE.k * x * x)

def uses_module_global(x):
    return np.sum(x * WEIGHTS)

WEIGHTS = np.array([1.0, 2.0, 3.0])
"""


@pytest.mark.parametrize("name, construct, line", [
    ("uses_fft", "np.fft.rfft", "return np.sum(np.abs(np.fft.rfft(x)) ** 2)"),
    ("uses_object", ".k", "return np.sum(SCALE.k * x * x)"),
])
def test_refusals_name_the_construct_file_line_and_source(tmp_path, name, construct, line):
    module, path = _module(tmp_path, CALLEE, f"refusals_{name}")
    f = getattr(module, name)
    with pytest.raises(pullback.UnsupportedSyntaxError) as caught:
        pullback.grad(f, backend="numba")
    text = str(caught.value)
    assert "the Numba backend cannot compile" in text and construct in text
    assert f'File "{path}", line ' in text and line in text
    x = np.array([0.5, -1.0, 2.0])
    with pytest.warns(RuntimeWarning, match="Numba backend cannot compile"):
        fallback = pullback.grad(f, backend="auto")
    assert_close(fallback(x), pullback.grad(f)(x), rtol=1e-14, atol=0)


def test_a_call_to_a_function_not_inlined_is_refused_with_its_line(tmp_path):
    module, path = _module(tmp_path, CALLEE, "refusals_callee")
    with pytest.raises(pullback.UnsupportedSyntaxError) as caught:
        pullback.grad(module.uses_callee, backend="numba")
    text = str(caught.value)
    assert "helper" in text and str(path) in text


def test_globals_are_read_on_each_call(tmp_path):
    module, _ = _module(tmp_path, CALLEE, "live_globals")
    df = pullback.grad(module.uses_module_global, backend="numba")
    x = np.array([0.5, -1.0, 2.0])
    assert_close(df(x), np.array([1.0, 2.0, 3.0]), rtol=0, atol=0)
    module.WEIGHTS = np.array([-1.0, 0.5, 4.0])  # Numba would have frozen the old one
    assert_close(df(x), np.array([-1.0, 0.5, 4.0]), rtol=0, atol=0)


def test_inputs_it_does_not_compile_are_refused_or_fall_back():
    w = _workload("rnn")
    Wh, Wx, xs, h0 = w.make_args(small=True)
    single = (Wh.astype(np.float32), Wx, xs, h0)
    refusing = pullback.grad(w.f, wrt=w.wrt, backend="numba")
    for _ in range(2):  # each call, not only the first
        with pytest.raises(pullback.UnsupportedSyntaxError, match="float32"):
            refusing(*single)
    auto = pullback.grad(w.f, wrt=w.wrt, backend="auto")
    with pytest.warns(RuntimeWarning, match="float32"):
        got = auto(*single)
    assert got[0].dtype == np.float32  # the NumPy gradient's, as without a backend
    assert_close(got, pullback.grad(w.f, wrt=w.wrt)(*single), rtol=0, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float64 inputs still run compiled, silently
        assert_close(auto(Wh, Wx, xs, h0), w.hand(Wh, Wx, xs, h0), rtol=1e-9, atol=1e-12)


def test_the_gradient_compiles_at_level_2_and_numbas_level_is_restored(tmp_path):
    # LLVM's level 2 for the gradient (a faster first call, the same numbers); Numba's
    # own setting is put back after each compilation, also one that fails at typing
    from numba.core import config, event

    from pullback.emit.numba import OPTIMIZATION_LEVEL
    seen = []

    class Levels(event.Listener):
        def on_start(self, ev):
            seen.append((ev.data["dispatcher"].py_func.__name__, int(config.OPT)))

        def on_end(self, ev):
            pass

    module, _ = _module(tmp_path, """
        import math

        import numpy as np

        def stepped(x, a):
            for _ in range(4):
                x = math.sin(a * x) + x
            return x

        def scaled(x, k):
            return np.sum(x * k)
    """, "levels")
    before = config.OPT
    compiled = pullback.grad(module.stepped, wrt=(0, 1), backend="numba")
    with event.install_listener("numba:compile", Levels()):
        got = compiled(0.3, 1.7)
    assert ("dstepped_compiled", OPTIMIZATION_LEVEL) in seen
    assert config.OPT is before
    assert_close(got, pullback.grad(module.stepped, wrt=(0, 1))(0.3, 1.7), rtol=1e-12,
                 atol=1e-14)
    assert_close(got, numeric_grad(module.stepped, (0.3, 1.7), wrt=(0, 1)), rtol=1e-6,
                 atol=1e-8)
    with pytest.raises(pullback.UnsupportedSyntaxError, match="for these arguments"):
        pullback.grad(module.scaled, backend="numba")(np.ones(2), [1.0, 2.0])  # typing
    assert config.OPT is before


def test_an_unknown_backend_is_an_error():
    with pytest.raises(pullback.PullbackError, match="backend must be one of"):
        pullback.grad(workloads.lecture, backend="jax")


def test_the_compiled_gradient_is_cached_with_the_transform(tmp_path):
    source = "import math\n\ndef f(x):\n    return math.sin(x) * x\n"
    module, path = _module(tmp_path, source, "cached_once")
    first = pullback.grad(module.f, backend="numba")
    second = pullback.grad(module.f, backend="numba")
    transformed = first.__pullback_transform__
    assert second.__pullback_transform__ is transformed
    assert len(transformed.compiled) == 1
    assert first(0.7) == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7), rel=1e-14)
    path.write_text("import math\n\ndef f(x):\n    return math.cos(x) * x\n")
    import linecache
    linecache.checkcache(str(path))
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)  # noqa: S102
    redefined = pullback.grad(module.f, backend="numba")
    assert redefined.__pullback_transform__ is not transformed
    assert redefined(0.7) == pytest.approx(-math.sin(0.7) * 0.7 + math.cos(0.7), rel=1e-14)


def test_show_prints_the_code_that_is_compiled():
    result = subprocess.run(
        [sys.executable, "-m", "pullback", "show", "benchmarks/workloads.py:scalar_loop",
         "--backend", "numba"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "def dscalar_loop(x, a):" in out and "rebound(" in out
    assert "return _pullback_compiled(x, a)" in out
    assert "# compiled by numba.njit\ndef dscalar_loop_compiled(x, a):" in out
    compile(out, "<shown>", "exec")  # valid Python


DISK = """
import json, sys
import numpy as np
sys.path.insert(0, {bench!r})
import pullback, workloads
df = pullback.grad(workloads.{name}, wrt=(0, 1), backend="numba", cache=True)
grads = df(*workloads.{name}_args(small=True))
dispatcher = df.__pullback_transform__.compiled[("numba", True)].dispatcher
print(json.dumps({{"hits": sum(dispatcher.stats.cache_hits.values()),
                  "grads": [np.asarray(g).tolist() for g in grads]}}))
"""


def _in_a_process(tmp_path, name):
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src"),
           "PULLBACK_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", DISK.format(bench=os.path.join(ROOT, "benchmarks"), name=name)],
        capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    import json
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cache_true_keeps_the_compiled_gradient_on_disk_for_the_next_process(tmp_path):
    first = _in_a_process(tmp_path, "scalar_loop")
    second = _in_a_process(tmp_path, "scalar_loop")
    assert first["hits"] == 0 and second["hits"] >= 1
    assert second["grads"] == first["grads"]
    w = _workload("scalar_loop")
    assert_close(tuple(first["grads"]), w.hand(*w.make_args(small=True)), rtol=1e-10,
                 atol=1e-12)
    # a changed function is other code: another file, compiled anew (never the old one)
    files = sorted(p.name for p in (tmp_path / "cache").glob("pullback_*.py"))
    assert len(files) == 1
    other = _in_a_process(tmp_path, "rnn")
    assert other["hits"] == 0
    assert len(list((tmp_path / "cache").glob("pullback_*.py"))) == 2


HELPERS_COMPILED = """
import json, sys
import numpy as np
sys.path.insert(0, {bench!r})
from numba.core import event
import pullback, workloads
compiled = []


class Compiles(event.Listener):
    def on_start(self, ev):
        module = ev.data["dispatcher"].py_func.__module__ or ""
        if module.startswith(("pullback.runtime", "pullback_helper_")):
            compiled.append(ev.data["dispatcher"].py_func.__qualname__)

    def on_end(self, ev):
        pass


df = pullback.grad(workloads.{name}, wrt=(0, 1), backend="numba")
with event.install_listener("numba:compile", Compiles()):
    grads = df(*workloads.{name}_args(small=True))
print(json.dumps({{"helpers": compiled, "grads": [np.asarray(g).tolist() for g in grads]}}))
"""


def test_the_tests_cache_in_a_directory_of_their_own():
    # tests/conftest.py: never the user's ~/.cache/pullback or their $PULLBACK_CACHE_DIR
    from pullback.runtime import numba_helpers
    directory = numba_helpers.cache_directory()
    assert os.path.basename(directory).startswith("pullback-test-cache-")
    assert os.path.dirname(directory) == tempfile.gettempdir()
    assert numba_helpers.helper_directory().startswith(directory)


def _numba_files_beside_the_helpers():
    """Numba's cache files in the __pycache__ beside numba_helpers.py, with their times."""
    beside = os.path.join(ROOT, "src", "pullback", "runtime", "__pycache__")
    names = os.listdir(beside) if os.path.isdir(beside) else []
    return {n: os.stat(os.path.join(beside, n)).st_mtime_ns for n in names
            if n.endswith((".nbi", ".nbc"))}


def test_helpers_compiled_in_one_process_are_loaded_by_the_next(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src"),
           "PULLBACK_CACHE_DIR": str(tmp_path / "cache")}
    script = HELPERS_COMPILED.format(bench=os.path.join(ROOT, "benchmarks"), name="rnn")
    beside = _numba_files_beside_the_helpers()
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                text=True, timeout=600, env=env)
        assert result.returncode == 0, result.stderr
        import json
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert first["helpers"] and not second["helpers"]
    assert list((tmp_path / "cache" / "helpers").glob("pullback_helper_*.py"))
    # Numba's files for the helpers of numba_helpers.py itself are in the cache
    # directory too, and none is written beside the source
    assert list((tmp_path / "cache" / "helpers" / "__pycache__").glob("numba_helpers.*.nbi"))
    assert _numba_files_beside_the_helpers() == beside
    assert second["grads"] == first["grads"]
    w = _workload("rnn")
    for got, want in zip(second["grads"], w.hand(*w.make_args(small=True))):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_loops_that_run_no_iteration_or_record_nothing():
    # loops over empty ranges: the tape is never made, and a record may be empty
    compiled = pullback.grad(corpus.empty_ranges, backend="numba")
    for x in (0.7, -1.3):
        assert compiled(x) == pytest.approx(2 * x, rel=1e-14)


# Corpus functions whose gradients call a helper of each kind the backend compiles
# (gradients added together, np.dot, trace, max/min, reshapes, tuple items, buffer
# checks, unpacking, returns inside loops, np.matmul, np.squeeze with an axis, indexes
# with integer arrays, repeated positions and new axes): each
# must compile, not be refused, and agree with the NumPy backend and finite differences.
COMPILED_HELPERS = ["return_inside_loop", "slice_writes", "dot_vectors", "dot_matrix_vector",
                    "trace_of_product", "max_min_reductions", "max_keepdims_normalize",
                    "column_writes_2d", "pairwise_sq_dist", "bubble_sort_tuple_swap",
                    "augmented_assignments", "shape_ndim_len", "matmul_function",
                    "squeeze_axis", "fancy_index_repeated", "fancy_rows", "fancy_index_pairs",
                    "fancy_index_weighted", "none_and_newaxis_index", "broadcast_newaxis_gauss"]


@pytest.mark.parametrize("name", COMPILED_HELPERS)
def test_helpers_of_every_kind_compile(name):
    case = next(c for c in CASES if c.name == name)
    compiled = pullback.grad(case.fn, wrt=case.wrt, backend="numba")
    plain = pullback.grad(case.fn, wrt=case.wrt)
    for args in sample_points(case, 2):
        got = compiled(*args, **case.kw)  # a Refused here fails the test
        assert_close(got, plain(*args, **case.kw), rtol=1e-9, atol=1e-12)
        assert_close(got, numeric_grad(case.fn, args, wrt=case.wrt, kwargs=case.kw),
                     rtol=max(case.rtol, 1e-5), atol=max(case.atol, 1e-7))


def test_matrix_product_gradients_are_added_in_place_in_loops():
    # the NumPy backend defers a loop's outer products to one product after the loop;
    # compiled code adds each into the gradient as it comes, with no list of pairs
    w = _workload("rnn")
    shown = pullback.source(w.f, wrt=w.wrt, backend="numba")
    core = shown.split("# compiled by numba.njit")[1]
    assert "add_matmul_grad_a(dWh, dmatmul, Wh, h_2)" in core
    assert "_parts" not in core and "sum_matmul_grad_a" not in core
    assert "_parts" in pullback.source(w.f, wrt=w.wrt)
    # a loop long enough for the NumPy backend to add its parts midway (every 256)
    args = w.make_args(small=True, steps=600)
    assert_close(pullback.grad(w.f, wrt=w.wrt, backend="numba")(*args),
                 pullback.grad(w.f, wrt=w.wrt)(*args), rtol=1e-9, atol=1e-12)


def test_a_result_set_on_some_paths_only_is_checked_when_the_gradient_runs(tmp_path):
    source = textwrap.dedent("""
        def first_large(xs):
            out = None
            for i in range(len(xs)):
                if xs[i] > 1.0:
                    out = xs[i] * 2.0
                    break
            return out
    """)
    path = tmp_path / "first_large.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)
    compiled = pullback.grad(namespace["first_large"], backend="numba")
    np.testing.assert_allclose(compiled(np.array([0.5, 1.5, 3.0])), [0.0, 2.0, 0.0])
    with pytest.raises(pullback.PullbackError, match="returned None"):
        compiled(np.array([0.5, 0.25]))


# Branches inside loops record on one shared list in the NumPy code, whose entries
# differ in type from branch to branch (a Numba list holds one type): compiled code
# keeps one list per kind of record
BRANCH_RECORDS = ["huber_loop", "loop_break_continue_mix", "nested_while_for", "while_with_break",
                  "nested_loops_triangular", "collatz_scaled", "return_inside_nested_loop"]


@pytest.mark.parametrize("name", BRANCH_RECORDS)
def test_records_of_loops_and_branches_compile(name):
    case = next(c for c in CASES if c.name == name)
    core = pullback.source(case.fn, wrt=case.wrt, backend="numba").split(
        "# compiled by numba.njit")[1]
    assert "push(" not in core and "pop()" not in core.replace(".pop()", "")
    compiled = pullback.grad(case.fn, wrt=case.wrt, backend="numba")
    plain = pullback.grad(case.fn, wrt=case.wrt)
    for args in sample_points(case, 3):
        got = compiled(*args, **case.kw)  # a Refused here fails the test
        assert_close(got, plain(*args, **case.kw), rtol=1e-9, atol=1e-12)
        assert_close(got, numeric_grad(case.fn, args, wrt=case.wrt, kwargs=case.kw),
                     rtol=max(case.rtol, 1e-5), atol=max(case.atol, 1e-7))


def test_each_branch_records_on_its_own_list(tmp_path):
    source = textwrap.dedent("""
        import math

        def damped(x):
            total = 0.0
            k = 0
            while k < 1000:
                if k % 3 == 0:
                    s = math.sin(x * k * 0.001)
                    total = total + s * s
                else:
                    c = math.cos(x * k * 0.002)
                    total = total + c * x
                k = k + 1
            return total
    """)
    path = tmp_path / "damped.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)
    f = namespace["damped"]
    core = pullback.source(f, backend="numba").split("# compiled by numba.njit")[1]
    assert "push(" not in core
    assert re.search(r"(tape_\w+) = \[\].*\1.append\(.*= \1.pop\(\)", core, re.S)
    assert len(re.findall(r"tape_\w+ = \[\]", core)) == 2  # one list per branch
    compiled = pullback.grad(f, backend="numba")
    for x in (0.3, -1.7):
        assert compiled(x) == pytest.approx(pullback.grad(f)(x), rel=1e-12)
        expected = sum(2 * math.sin(x * k * 0.001) * math.cos(x * k * 0.001) * k * 0.001
                       if k % 3 == 0 else
                       math.cos(x * k * 0.002) - x * k * 0.002 * math.sin(x * k * 0.002)
                       for k in range(1000))
        assert compiled(x) == pytest.approx(expected, rel=1e-10)


def test_an_index_out_of_range_raises_as_in_numpy(tmp_path):
    # compiled code checks its indexes (Numba's default reads past the end silently)
    source = textwrap.dedent("""
        def pick(x, i, rows):
            return x[i] * 2.0 + x[rows].sum()
    """)
    path = tmp_path / "pick.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)
    compiled = pullback.grad(namespace["pick"], backend="numba")
    x = np.arange(3.0)
    np.testing.assert_allclose(compiled(x, 1, np.array([0, 0])), [2.0, 2.0, 0.0])
    with pytest.raises(IndexError):
        compiled(x, 5, np.array([0]))
    with pytest.raises(IndexError):
        compiled(x, 1, np.array([7]))


# np.sum along one axis compiles as the backend's reduce_sum (Numba's own np.sum with
# an axis costs a second of compilation per call site): each spelling agrees with the
# NumPy backend and finite differences.

def sum_rows(x):
    return np.sum(np.sin(x) * np.sum(x, axis=0))


def sum_last_axis_keyword(x):
    s = np.sum(x * x, axis=-1)
    return np.sum(np.tanh(s))


def sum_middle_axis_3d(x):
    return np.sum(np.exp(np.sum(x, 1)) * 0.1)


def sum_in_a_loop(x):
    total = 0.0
    for t in range(3):
        total = total + np.sum(np.sum(x * t, axis=1) ** 2)
    return total


@pytest.mark.parametrize("f, shape", [(sum_rows, (3, 4)), (sum_last_axis_keyword, (2, 5)),
                                      (sum_middle_axis_3d, (2, 3, 2)),
                                      (sum_in_a_loop, (3, 2))])
def test_sum_along_an_axis_compiles_as_the_backends_reduction(f, shape):
    core = pullback.source(f, wrt=0, backend="numba").split("# compiled by numba.njit")[1]
    assert "reduce_sum(" in core
    assert not re.search(r"np\.sum\([^)]*,", core), core  # no np.sum with an axis left
    x = np.random.default_rng(7).normal(size=shape)
    got = pullback.grad(f, backend="numba")(x)
    assert_close(got, pullback.grad(f)(x), rtol=1e-10, atol=1e-12)
    assert_close(got, numeric_grad(f, (x,), wrt=0), rtol=1e-5, atol=1e-7)


# Nested loops over ranges: the inner loop's records go on tapes of arrays shared by its
# runs (a new, larger tape when a run finds no room), not on a list made per run. Runs
# that are empty, grow, shrink, or nest three deep.
NESTS = textwrap.dedent("""
    import math

    def triangular(x):
        total = 0.0
        for i in range(x.shape[0]):
            for j in range(i):
                total = total * 0.9 + math.sin(x[i] * x[j] + total)
        return total

    def shrinking(x, scale):
        acc = 0.0
        n = x.shape[0]
        for i in range(n):
            for j in range(i, n):
                acc = math.tanh(acc + scale * x[i] * x[j])
        return acc

    def three_deep(x):
        s = 1.0
        n = x.shape[0]
        for i in range(n):
            for j in range(1, n):
                for k in range(j):
                    s = s * 0.99 + math.cos(x[k] * s) * x[i]
        return s

    def sometimes_empty(x, m):
        out = 0.0
        for i in range(x.shape[0]):
            for j in range(m[i]):
                out = out + x[i] * math.exp(-out * 0.1 * j)
        return out
""")


@pytest.mark.parametrize("name, args, wrt", [
    ("triangular", (np.linspace(-0.8, 1.1, 9),), 0),
    ("shrinking", (np.linspace(-0.5, 0.9, 8), 0.7), (0, 1)),
    ("three_deep", (np.linspace(0.1, 0.6, 5),), 0),
    ("sometimes_empty", (np.linspace(0.2, 0.9, 7), np.array([0, 3, 0, 0, 9, 1, 40])), 0),
])
def test_inner_loops_record_on_shared_tapes(tmp_path, name, args, wrt):
    path = tmp_path / "nests.py"
    path.write_text(NESTS)
    namespace = {}
    exec(compile(NESTS, str(path), "exec"), namespace)
    f = namespace[name]
    core = pullback.source(f, wrt=wrt, backend="numba").split("# compiled by numba.njit")[1]
    assert "= []" not in core and ".pop()" not in core
    assert "_tapes = [saved]" in core
    compiled = pullback.grad(f, wrt=wrt, backend="numba")
    got = compiled(*args)
    assert_close(got, pullback.grad(f, wrt=wrt)(*args), rtol=1e-10, atol=1e-12)
    assert_close(got, numeric_grad(f, args, wrt=wrt), rtol=1e-5, atol=1e-7)


# Gradients of arrays that loops accumulate into, or take a written slot's gradient
# from, are changed in place rather than assigned the helper's result on each
# iteration; a gradient that may be a number somewhere keeps the assignment.
ACCUMULATIONS = textwrap.dedent("""
    import math
    import numpy as np

    def rows_products(A):
        total = 0.0
        for i in range(A.shape[0]):
            r = A[i] * 2.0
            total = total + r[0] * r[1] + math.sin(r[2])
        return total

    def running_slots(x):
        buf = np.zeros(x.shape[0] + 1)
        for i in range(x.shape[0]):
            buf[i + 1] = buf[i] * 0.5 + math.cos(x[i])
        return buf[-1] * buf[2]

    def gathered(x, idx):
        s = 0.0
        for k in range(idx.shape[0]):
            s = s + x[idx[k]] * x[k]
        return s
""")


@pytest.mark.parametrize("name, args, in_place", [
    ("rows_products", (np.arange(12.0).reshape(4, 3) * 0.1 - 0.3,), ("dA", "dr")),
    ("running_slots", (np.linspace(-1.0, 2.0, 6),), ("dx", "dbuf")),
    ("gathered", (np.linspace(-1.0, 2.0, 5), np.array([4, 0, 4, 2, 1])), ("dx",)),
])
def test_loops_accumulate_into_gradients_in_place(tmp_path, name, args, in_place):
    path = tmp_path / "accumulations.py"
    path.write_text(ACCUMULATIONS)
    namespace = {}
    exec(compile(ACCUMULATIONS, str(path), "exec"), namespace)
    f = namespace[name]
    core = pullback.source(f, wrt=0, backend="numba").split("# compiled by numba.njit")[1]
    for d in in_place:
        assert f"accum_index_in_place({d}, " in core
        assert f"{d} = accum_index({d}, " not in core
    compiled = pullback.grad(f, wrt=0, backend="numba")
    got = compiled(*args)
    assert_close(got, pullback.grad(f, wrt=0)(*args), rtol=1e-10, atol=1e-12)
    assert_close(got, numeric_grad(f, args, wrt=0), rtol=1e-5, atol=1e-7)


# The backend's reductions along axes and its sum to a broadcast shape are loops made
# for the argument's number of axes: each agrees with NumPy, NaNs and integers included.
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize("shape, axis", [((4, 3), 0), ((4, 3), 1), ((2, 3, 4), 1),
                                         ((2, 3, 4), (0, 2)), ((5,), 0), ((2, 3), (0, 1)),
                                         ((2, 3, 4), (0, 1, 2))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_along_axes_agree_with_numpy(op, shape, axis, keepdims):
    from pullback.runtime import numba_helpers
    reduce = getattr(numba_helpers, f"reduce_{op}")
    scope = {"reduce": reduce}
    exec(f"def f(x):\n    return reduce(x, {axis!r}, {keepdims})\n", scope)  # noqa: S102
    f = numba.njit(scope["f"])
    x = np.random.default_rng(3).normal(size=shape)
    numpy_op = getattr(np, op)
    np.testing.assert_allclose(f(x), numpy_op(x, axis=axis, keepdims=keepdims), rtol=1e-13)
    if op in ("max", "min"):
        x.flat[1] = np.nan
        np.testing.assert_array_equal(f(x), numpy_op(x, axis=axis, keepdims=keepdims))
        ints = np.arange(np.prod(shape)).reshape(shape) * 7 % 11 - 5
        np.testing.assert_array_equal(f(ints), numpy_op(ints, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("gshape, shape", [((4, 3), (1, 3)), ((4, 3), (4, 1)), ((4, 3), (3,)),
                                           ((2, 3, 4), (3, 1)), ((2, 3, 4), (2, 3, 4)),
                                           ((5,), (1,))])
def test_sums_to_a_broadcast_shape_agree_with_numpy(gshape, shape):
    from pullback.runtime.numba_helpers import unbroadcast_to
    f = numba.njit(lambda g, s: unbroadcast_to(g, s))
    g = np.random.default_rng(4).normal(size=gshape)
    lead = len(gshape) - len(shape)
    summed = g.sum(axis=tuple(range(lead))) if lead else g
    expected = summed.sum(axis=tuple(k for k, n in enumerate(shape) if n == 1), keepdims=True) \
        if shape != summed.shape else summed
    np.testing.assert_allclose(f(g, shape), expected.reshape(shape), rtol=1e-13)


@pytest.mark.parametrize("dshape, xshape", [((3, 4), (3, 4)), ((1, 4), (3, 4)), ((4,), (3, 4)),
                                            ((3, 1), (3, 4)), ((), (2, 2)), ((5,), (5,))])
def test_gradients_are_returned_in_their_parameters_shape(dshape, xshape):
    from pullback.runtime.numba_helpers import as_grad
    f = numba.njit(lambda d, x: as_grad(d, x))
    d = np.random.default_rng(5).normal(size=dshape)
    x = np.zeros(xshape)
    got = f(d, x)
    assert got.dtype == np.float64 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, np.broadcast_to(d, xshape))
    with pytest.raises(ValueError):
        f(np.ones((2, 3)), np.zeros((4, 3)))


# A loop's records that hold arrays go whole on one list of records (numbers only: one
# array per field): arrays whose shape changes from one iteration to the next, rows of
# a matrix (views), shapes recorded for broadcasting, numbers beside them.
RECORDS_WITH_ARRAYS = textwrap.dedent("""
    import numpy as np

    def prefixes(x):
        total = 0.0
        for i in range(1, x.shape[0] + 1):
            p = x[:i] * (1.0 + total)
            total = total + np.sum(np.sin(p)) * 0.1
        return total

    def matrix_rows(A, v):
        h = v
        for i in range(A.shape[0]):
            h = np.tanh(A[i] * h + A[i, 0])
        return np.sum(h * h)

    def broadcast_columns(M, c):
        acc = c
        for t in range(3):
            acc = np.cos(M + acc[:, None]).sum(axis=1) * 0.5
        return np.sum(acc)
""")


@pytest.mark.parametrize("name, args, wrt", [
    ("prefixes", (np.linspace(-0.7, 1.2, 6),), 0),
    ("matrix_rows", (np.linspace(-1, 1, 12).reshape(4, 3), np.array([0.3, -0.2, 0.5])),
     (0, 1)),
    ("broadcast_columns", (np.linspace(-1, 1, 6).reshape(3, 2), np.array([0.1, 0.4, -0.3])),
     (0, 1)),
])
def test_records_holding_arrays_go_on_one_list(tmp_path, name, args, wrt):
    path = tmp_path / "records.py"
    path.write_text(RECORDS_WITH_ARRAYS)
    namespace = {}
    exec(compile(RECORDS_WITH_ARRAYS, str(path), "exec"), namespace)
    f = namespace[name]
    assert "tape_new(" in pullback.source(f, wrt=wrt, backend="numba")
    got = pullback.grad(f, wrt=wrt, backend="numba")(*args)
    assert_close(got, pullback.grad(f, wrt=wrt)(*args), rtol=1e-10, atol=1e-12)
    assert_close(got, numeric_grad(f, args, wrt=wrt), rtol=1e-5, atol=1e-7)


def test_a_tape_of_numbers_gives_back_each_record_as_put():
    # records of numbers of several types (and the empty shapes of numbers) go on one
    # array per type, a row per iteration: each record comes back field by field
    from pullback.runtime.numba_helpers import tape_get, tape_new, tape_put

    @numba.njit
    def round_trip(xs, ks):
        tape = tape_new((xs[0], ks[0], xs[0] > 0.0, (), -xs[0], ks[0] == 1), xs.shape[0])
        for t in range(xs.shape[0]):
            tape_put(tape, t, (xs[t], ks[t], xs[t] > 0.0, (), -xs[t], ks[t] == 1))
        return [tape_get(tape, t) for t in range(xs.shape[0] - 1, -1, -1)]

    xs, ks = np.array([0.5, -1.25, 3.0]), np.array([1, 7, -2])
    want = [(float(x), int(k), bool(x > 0), (), float(-x), bool(k == 1))
            for x, k in zip(xs[::-1], ks[::-1])]
    got = round_trip(xs, ks)
    assert [tuple(r) for r in got] == want
    assert [tuple(type(v) for v in r) for r in got] == [tuple(type(v) for v in r)
                                                         for r in want]


def test_new_array_is_numpys_empty_and_full():
    """The helpers' allocation intrinsic gives NumPy's np.empty / np.full arrays: shape as
    an int, a tuple or (), dtype as a class, an array's dtype or the value's type."""
    from pullback.runtime.numba_helpers import new_array

    @numba.njit
    def make(x, n):
        return (new_array(n, 2.5, np.float64), new_array((n, 3), 0, x.dtype),
                new_array(x.shape, 7, None), new_array((), 1.0, np.float64),
                new_array((n, 0), None, np.int64).shape, new_array((2, n), True, np.bool_))

    x = np.arange(6.0).reshape(2, 3)
    a, b, c, d, e, f = make(x, 4)
    for got, want in ((a, np.full(4, 2.5)), (b, np.zeros((4, 3))), (c, np.full((2, 3), 7)),
                      (d, np.full((), 1.0)), (f, np.full((2, 4), True))):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)
    assert e == (4, 0)
    with pytest.raises(ValueError, match="negative dimensions"):
        make(x, -1)
