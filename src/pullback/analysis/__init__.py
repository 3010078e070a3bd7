"""Stage 5: facts about the SSA function that the derivative passes rely on.

- `activity.py`: what each statement means (`Analysis.op`) and which names are active;
- `shapes.py`: which names provably share a shape, which values are NumPy values;
- `aliasing.py`: in-place writes are allowed only where what they overwrite is provable.
"""
