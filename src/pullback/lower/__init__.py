"""Stages 3-4: lower the checked function to SSA-like straight-line core code.

- `normalize.py`: the entry point; desugars into a small core language (one operation
  per statement, structured loops and branches, calls inlined or named) by running, in
  order, the lowerings of (`census.py`: one walk tells which of the rare constructs'
  lowerings, deques, vectorize and generators, have anything to find; the others are
  not run)
  - `grouping.py`: dicts of lists grown in place (`d.setdefault(k, []).append(v)`,
    `defaultdict(list)`) as the same values built anew, where nothing else names them;
  - `pairs.py`: `record[i]` of a display `record = (history, tag)` read as `history`;
  - `deques.py`: a `collections.deque` made in the function and used as a queue, a list;
  - `vectorized.py`: calls of `np.vectorize` objects as the loop over elements they run;
  - `along_axis.py`: calls of `np.apply_along_axis` as the loop over slices it runs;
  - `generators.py`: generators consumed in the function run in place (nested functions);
  - `local_functions.py`: nested defs and lambdas set aside, to be inlined at calls,
    those inside them lifted with what they capture (`closures.py`, which also follows
    the closures nested functions return), and (`function_tables.py`) calls through
    lists and dicts of functions made calls of each function by name, as are the calls
    of a variable bound to one of several functions (`chosen_functions.py`);
  - `growing.py`: a for loop over a list its body resizes as a while loop over a
    position;
  - `none_parameters.py` (before all of them, for a gradient made for calls passing
    None to some parameters): their reads as None, the branches testing them folded;
  - `namespaces.py`: helper-named globals, array namespaces (`xp = np`), function defaults;
  - `blocks.py`: assert, with and try as marked `if`s;
  - `unbound.py`: variables that may be read before they are set;
  - `control_flow.py`: break, continue and return as flags;
  - `flatten.py`: one operation per statement, assembling `loops.py` (for, while,
    enumerate, zip, dict loops), `calls.py` (call forms, array methods, `*xs`/`**m`,
    in-place NumPy writes), `made_callables.py` (partial, itemgetter, attrgetter),
    `containers.py` (dict calls, d.get, setdefault, pop, min/max), `inlining.py`
    (user functions inlined at their calls; every one that writes into what its caller
    passes, as `written_params.py` finds), `comprehensions.py` (comprehensions,
    map, filter, sorted and other sequence builders) and `iterators.py` (iter, next);
    `moves.py` finds the `prev = cur` after which cur is bound anew before any read;
  - `inputs.py`: last, an input written in place (`x[0] = v`, `xs.append(v)`) gets a copy
    its writes are made on, written back into the caller's object at the return;
- `ssa.py`: give every assignment its own name, with loop and branch merges;
- `aliases.py`: after SSA, a second name for an array or list written in place
  (`diff = probabilities`) read as the name it copies.

`common.py` holds the small helpers they share; `example.py` the helpers of the
runnable examples that open each module.
"""
