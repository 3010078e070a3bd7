"""Stages 3-4: lower the checked function to SSA-like straight-line core code.

- `normalize.py`: desugar into a small core language (one operation per statement,
  structured loops and branches, calls inlined or named);
- `ssa.py`: give every assignment its own name, with loop and branch merges.
"""
