"""Stage 5: facts about the SSA function that the derivative passes rely on.

- `activity.py`: `Analysis`, which names are active (varied and useful), built from
  - `classify.py`: what each statement means (`Analysis.op`: an `Op`),
  - `refusals.py`: what is refused (default deny: no rule, effects, text, objects),
  - `scalars.py`: which names hold scalars;
- `shapes.py`: which names provably share a shape, which values are NumPy values;
- `aliasing.py`: in-place writes are allowed only where what they overwrite is provable.
"""
