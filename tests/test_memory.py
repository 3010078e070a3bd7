"""What loops record for the adjoint: only what it cannot cheaply get again.

Reads `x = a[t]` of an array nothing writes are redone in the adjoint rather than
recorded (a view per iteration costs more than the index); anything that may change the
array keeps the record. Every case is checked against finite differences, and the RNN's
peak memory (tracemalloc, deterministic) against the hand-written BPTT's.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from fd import assert_grad_matches

import pullback


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def rnn_hand(Wh, Wx, xs, h0):
    hs, h = [h0], h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t])
        hs.append(h)
    dWh, dWx, dh = np.zeros_like(Wh), np.zeros_like(Wx), np.ones_like(h)
    for t in range(xs.shape[0] - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] ** 2)
        dWh += np.outer(da, hs[t])
        dWx += np.outer(da, xs[t])
        dh = Wh.T @ da
    return dWh, dWx


def rnn_args(steps, hidden=6, inputs=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.9 / hidden ** 0.5, (hidden, hidden)),
            rng.normal(0, 1 / inputs ** 0.5, (hidden, inputs)),
            rng.normal(size=(steps, inputs)), np.zeros(hidden))


def scaled_rows(x, c):
    s = 0.0
    for i in range(x.shape[0]):
        row = x[i]
        s = s * c + np.sum(row * row)
    return s


def constant_row(x, w):
    for _i in range(3):
        first = x[0]
        w = np.sin(w * first)
    return np.sum(w)


def written_in_place(x, w):
    x = x.copy()
    for i in range(x.shape[0]):
        row = x[i]
        w = np.tanh(w * row)
        x[i] = w  # the row read above changes afterwards: it must be recorded
    return np.sum(w) + np.sum(x)


def changed_by_a_call(x, w):
    x = np.copy(x)
    for i in range(x.shape[0]):
        row = x[i]
        w = np.cos(w * row)
        np.negative(x, out=x)  # x changes between the read and the adjoint
    return np.sum(w)


def rows_of_a_list(xs, w):
    for i in range(len(xs)):
        item = xs[i]
        w = w * item + 1.0
    return w


CASES = [
    (rnn, lambda rng: rnn_args(5), (0, 1, 2, 3)),
    (scaled_rows, lambda rng: (rng.normal(size=(4, 3)), 0.7), (0, 1)),
    (constant_row, lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=3)), (0, 1)),
    (written_in_place, lambda rng: (rng.normal(size=(3, 2)), rng.normal(size=2)), (0, 1)),
    (rows_of_a_list, lambda rng: ([0.5, -1.2, 0.8], 0.3), 1),
]


@pytest.mark.parametrize("f, make, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradients_with_lean_records_match_finite_differences(f, make, wrt):
    assert_grad_matches(f, make(np.random.default_rng(1)), wrt=wrt)


def test_a_changed_array_is_not_read_again():
    x0 = np.random.default_rng(2).normal(size=(3, 2))
    w0 = np.array([0.3, -0.4])
    got = pullback.grad(changed_by_a_call, wrt=1)(x0.copy(), w0)
    step = 1e-6
    fd = np.array([(changed_by_a_call(x0.copy(), w0 + step * e)
                    - changed_by_a_call(x0.copy(), w0 - step * e)) / (2 * step)
                   for e in np.eye(2)])
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, read, wrt", [(rnn, "xs[t]", (0, 1)), (scaled_rows, "x[i]", 0),
                                          (constant_row, "x[0]", 1)])
def test_reads_of_unwritten_arrays_are_redone_not_recorded(f, read, wrt):
    code = pullback.source(f, wrt=wrt)
    adjoint = code.split("# adjoint")[1]
    assert read in adjoint  # read again where the adjoint needs it
    name = {"rnn": "xs_item", "scaled_rows": "row", "constant_row": "first"}[f.__name__]
    for line in code.split("# adjoint")[0].splitlines():
        if ".append(" in line:
            assert name not in line


@pytest.mark.parametrize("f", [written_in_place, changed_by_a_call])
def test_reads_of_changing_arrays_stay_recorded(f):
    primal = pullback.source(f, wrt=1).split("# adjoint")[0]
    assert "row" in " ".join(line for line in primal.splitlines() if ".append(" in line)


def traced_peak(fn, args):
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_rnn_gradient_peak_memory_is_within_one_and_a_half_hand_written():
    args = rnn_args(3000, hidden=32, inputs=16)
    df = pullback.grad(rnn, wrt=(0, 1))
    df(*rnn_args(3, hidden=32, inputs=16))
    got, want = df(*args), rnn_hand(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    assert traced_peak(df, args) <= 1.5 * traced_peak(rnn_hand, args)


# ------------------------------------------------------------------ pullback show


def show(*args):
    import pathlib
    import subprocess
    import sys
    root = pathlib.Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "pullback", "show", *args], cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_show_says_what_each_iteration_records_and_where():
    out = show("benchmarks/workloads.py:rnn", "--wrt", "Wh,Wx")
    header, code = out.split("\ndef ", 1)
    code = "def " + code
    line = next(h for h in header.splitlines() if "each iteration records" in h)
    assert "matmul (shape), matmul_2 (shape), h_3, h_2, t" in line
    number = int(line.split()[2].rstrip(","))
    assert code.splitlines()[number - 1].strip() == "for t in steps:"
    compile(out, "<shown>", "exec")


def test_show_of_a_checkpointed_loop_names_its_snapshots_and_step_record():
    out = show("benchmarks/workloads.py:rnn", "--wrt", "Wh,Wx", "--checkpoint", "20")
    assert "checkpointed loop" in out.split("\ndef ")[0] and "revolve(" in out
    assert "each iteration records" not in out
    assert "budget" in show("benchmarks/workloads.py:rnn", "--checkpoint", "2MB")


def test_record_summary_reads_loops_without_records_as_nothing():
    from pullback.derive.records import record_summary
    assert record_summary("def f(x):\n    for i in range(3):\n        x = x + 1\n"
                          "    return x\n") == []
    assert record_summary(pullback.source(scaled_rows, wrt=1))[0].endswith("records s_2")


def _sized_report(text):
    """The record report lines of code printed for example arguments."""
    return [line.strip() for line in text.splitlines()
            if "each iteration records" in line or "checkpointed loop" in line]


def test_show_with_shapes_gives_each_records_size_and_the_loops_total():
    import sys
    out = show("benchmarks/workloads.py:rnn", "--wrt", "Wh,Wx", "--shapes",
               "Wh=(8,8) Wx=(8,3) xs=(37,3) h0=(8,)")
    (line,) = _sized_report(out)
    state = np.zeros(8).nbytes  # h_3 and h_2: states of 8 floats
    assert f"h_3 (8 floats, {state} B), h_2 (8 floats, {state} B)" in line
    assert f"t (int, {sys.getsizeof(36)} B)" in line
    data = 37 * (2 * state + sys.getsizeof(36))
    assert f"37 iterations: {data / 1024:.1f} KiB" in line
    tuples = 37 * (sys.getsizeof((1, 2, 3)) + 8)
    assert f"(+ {tuples / 1024:.1f} KiB of record tuples)" in line
    number = int(line.split()[2].rstrip(","))  # the loop's line in the printed code
    assert out.splitlines()[number - 1].strip() == "for t in steps:"
    assert "# what loops keep for the adjoint (lines" not in out  # said once, with sizes


@pytest.mark.parametrize("rows", [1, 5, 300])
def test_source_with_example_args_sizes_a_scalar_records_loop(rows):
    import sys
    x, c = np.random.default_rng(1).normal(size=(rows, 4)), 0.5
    (line,) = _sized_report(pullback.source(scaled_rows, wrt=(0, 1),
                                            example_args=(x, c)))
    states, s = [], 0.0  # the values of s each iteration starts from, as f computes them
    for i in range(rows):
        states.append(s)
        s = s * c + np.sum(x[i] * x[i])
    sizes = [sys.getsizeof(v) for v in states]
    bytes_of = {"s_2": sum(sizes), "i": sum(sys.getsizeof(i) for i in range(rows)),
                "mul_2": rows * x[0].nbytes, "total": rows * sys.getsizeof(np.float64(1))}
    assert "s_2 (" in line and f"i (int, {sys.getsizeof(rows)} B)" in line
    assert (f"s_2 (float, {sizes[0]} B)" if rows == 1 else
            f"s_2 ({min(sizes)} to {max(sizes)} B)") in line
    items = line.split("records ")[1].split(";")[0]
    data = sum(n for name, n in bytes_of.items() if f"{name} (" in items)
    printed = f"{data} B" if data < 1024 else f"{data / 1024:.1f} KiB"
    assert f"{rows} iteration{'s' * (rows != 1)}: {printed} (+" in line


def test_sizes_of_a_nested_loop_count_every_inner_trip():
    def nested(x, w):
        for _i in range(3):
            for j in range(4):
                w = np.sin(w * x[j])
        return np.sum(w)
    x, w = np.random.default_rng(2).normal(size=(4, 5)), np.ones(5)
    lines = _sized_report(pullback.source(nested, wrt=1, example_args=(x, w)))
    inner = [line for line in lines if "for j in" in line]
    assert inner and "12 iterations" in inner[0] and f"({w.size} floats, {w.nbytes} B)" in inner[0]
    assert_grad_matches(nested, (x, w), wrt=1)


# A value carried by a loop that the adjoint reads only after the loop (its last value)
# is not recorded each iteration: the loop's adjoint never reads it.

def sum_then_scale(x, c):
    s = 0.0
    for _i in range(4):
        s = s + math.sin(x)
    return s * c


def augmented_then_scale(x, c):
    s = 0.0
    for _i in range(5):
        s += math.sin(x) * x
    return c * s * s


def array_sum_then_scale(x, c):
    s = np.zeros_like(x)
    for _i in range(3):
        s = s + np.sin(x)
    return np.sum(s * c)


def while_sum_then_scale(x, c):
    s, k = 0.0, 0
    while k < 4:
        s = s + math.sin(x)
        k = k + 1
    return s * c


def nested_sum_then_scale(x, c):
    total = 0.0
    for _i in range(3):
        s = 0.0
        for _j in range(2):
            s = s + math.sin(x)
        total = total + s * c
    return total


def scaled_inside(x, c):  # here the loop's adjoint reads s: it stays recorded
    s = 0.0
    for _i in range(4):
        s = s * c + math.sin(x)
    return s * c


@pytest.mark.parametrize("f, make, carrying", [
    (sum_then_scale, lambda r: (0.7, 1.3), "for _i"),
    (augmented_then_scale, lambda r: (0.4, -0.9), "for _i"),
    (array_sum_then_scale, lambda r: (r.normal(size=3), r.normal(size=3)), "for _i"),
    (while_sum_then_scale, lambda r: (0.7, 1.3), "while"),
    # the outer loop records the inner loop's last s (its adjoint reads it), the inner
    # loop, which carries s, nothing
    (nested_sum_then_scale, lambda r: (-0.3, 2.0), "for _j"),
])
def test_a_carried_value_read_only_after_the_loop_is_not_recorded(f, make, carrying):
    from pullback.derive.records import record_summary
    args = make(np.random.default_rng(3))
    summary = [line for line in record_summary(pullback.source(f, wrt=(0, 1)))
               if f"`{carrying}" in line]
    kept = [item for line in summary for item in line.split("records ")[1].split(", ")]
    # (an array's shape, which its adjoint's unbroadcast reads, may be kept)
    assert not [item for item in kept if item.startswith("s_")
                and not item.endswith("(shape)")], summary
    assert_grad_matches(f, args, wrt=(0, 1))
    assert_grad_matches(f, args, wrt=(0, 1), optimize=False)


def test_a_carried_value_the_loops_adjoint_reads_is_still_recorded():
    from pullback.derive.records import record_summary
    (line,) = record_summary(pullback.source(scaled_inside, wrt=(0, 1)))
    assert "s_2" in line.split("records")[1]
    assert_grad_matches(scaled_inside, (0.7, 1.3), wrt=(0, 1))


# Index arithmetic of loop counters (`sub = i - 1`) is computed again by the adjoint from
# the counter it has, not recorded; a value that changes from iteration to iteration in
# another way (a counter carried by the loop), or that is read after the loop, stays
# recorded.

def dtw_like(x, y):
    n, m = x.shape[0], y.shape[0]
    R = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            R[i, j] = (x[i - 1] - y[j - 1]) ** 2 + 0.5 * R[i - 1, j - 1] \
                + 0.25 * math.tanh(R[i - 1, j] + R[i, j - 1])
    return R[n, m]


def offset_buffer(x):
    off = len(x) - 2  # a loop-invariant int the adjoint reads as it is
    h = np.zeros(2 * len(x) + 1)
    for i in range(len(x)):
        h[i + off + 1] = math.sin(h[i + off] * x[i]) + x[i]
    return h[-2] ** 2


def chained_index(x):
    h = np.ones(2 * len(x) + 1)
    for i in range(len(x)):
        a = i * 2
        b = a + 1
        h[b] = math.tanh(h[a] * x[i])
        h[b + 1] = h[b] * x[i]
    return np.sum(h ** 2)


def negated_index(x):
    h = np.ones(len(x) + 1)
    for i in range(1, len(x) + 1):
        h[-i - 1] = math.sin(h[-i] + x[-i])
    return h[0] * h[1]


def carried_counter(x):  # k is carried from iteration to iteration: it is recorded
    h = np.ones(2 * len(x) + 2)
    k = 0
    for i in range(len(x)):
        k = k + 2
        h[k] = math.cos(h[k - 1] * x[i]) + h[k - 2]
    return h[k] + h[k - 2]


def read_after_the_loop(x):  # j is read after the loop: it stays a primal value
    h = np.ones(len(x) + 1)
    j = 0
    for i in range(len(x)):
        j = i + 1
        h[j] = math.sin(h[i] * x[i])
    return h[j] * h[j - 1]


def nested_carried_offset(x):  # the outer loop's carried k offsets the inner indexes
    h = np.ones(3 * len(x) + 1)
    k = 0
    for _i in range(3):
        for j in range(len(x)):
            h[k + j + 1] = math.sin(h[k + j] * x[j]) + h[k]
        k = k + len(x)
    return np.sum(h ** 2)


def reassigned_counter(x):
    h = np.ones(len(x) + 1)
    for i in range(len(x)):
        i = i + 1
        h[i] = math.cos(h[i - 1] * x[i - 1])
    return np.sum(h)


INDEX_CASES = [
    (nested_carried_offset, lambda r: (r.normal(size=4),), 0),
    (reassigned_counter, lambda r: (r.normal(size=4),), 0),
    (dtw_like, lambda r: (r.normal(size=4), r.normal(size=3)), (0, 1)),
    (offset_buffer, lambda r: (r.normal(size=5),), 0),
    (chained_index, lambda r: (r.normal(size=4),), 0),
    (negated_index, lambda r: (r.normal(size=4),), 0),
]


def _index_arithmetic(code) -> set:
    """Names the primal of generated `code` computes inside a loop by +, -, * or unary -
    from loop counters, numbers, names set outside loops, and names so computed."""
    import ast
    primal = ast.parse(code.split("# adjoint")[0] + "\n    pass").body[0]
    loops = [n for n in ast.walk(primal) if isinstance(n, ast.For)]
    in_loops = {id(s) for loop in loops for s in ast.walk(loop)}
    known = {loop.target.id for loop in loops} | {
        t.id for s in ast.walk(primal) if isinstance(s, ast.Assign) and id(s) not in in_loops
        for t in s.targets if isinstance(t, ast.Name)}
    found = set()
    for s in ast.walk(primal):
        if id(s) in in_loops and isinstance(s, ast.Assign) \
                and isinstance(s.value, (ast.BinOp, ast.UnaryOp)) \
                and all(n.id in known | found for n in ast.walk(s.value)
                        if isinstance(n, ast.Name)):
            found.add(s.targets[0].id)
    return found


@pytest.mark.parametrize("f, make, wrt", INDEX_CASES, ids=[c[0].__name__ for c in INDEX_CASES])
def test_index_arithmetic_of_loop_counters_is_computed_again_not_recorded(f, make, wrt):
    from pullback.derive.records import record_summary
    code = pullback.source(f, wrt=wrt)
    kept = [item for line in record_summary(code)
            for item in line.split("records ")[1].split(", ")]
    assert kept, code  # the loops still record their float values
    index = _index_arithmetic(code)
    assert index, code
    assert not index & set(kept), code
    args = make(np.random.default_rng(4))
    assert_grad_matches(f, args, wrt=wrt)
    lean, plain = (pullback.grad(f, wrt=wrt, optimize=o)(*args) for o in (True, False))
    for got, want in zip(*((g,) if wrt == 0 else g for g in (lean, plain))):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f, name", [(carried_counter, "k"), (read_after_the_loop, "j")])
def test_index_values_the_adjoint_cannot_recompute_stay_recorded(f, name):
    code = pullback.source(f, wrt=0)
    adjoint = code.split("# adjoint")[1]
    # the adjoint never computes the index again from other values
    assert not [line for line in adjoint.splitlines()
                if line.strip().startswith(f"{name} =") or line.strip().startswith(
                    f"{name}_2 =")], adjoint
    assert_grad_matches(f, (np.random.default_rng(5).normal(size=5),), wrt=0)
