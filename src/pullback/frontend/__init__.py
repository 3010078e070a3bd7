"""Stages 1-2: from a live Python function to a checked syntax tree.

- `parse.py`: the function's own source as a gast tree, and a resolver of its names;
- `check.py`: the syntax fence: every construct outside the supported subset is refused
  with a located error.
"""
