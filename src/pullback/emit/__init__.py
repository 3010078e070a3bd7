"""Stages 7-8: from the generated tree to a live function.

- `simplify.py`: rewrites that never change a value (folding, copy propagation, ...);
- `codegen.py`: print with `ast.unparse`, compile, and bind the helpers and cells.
"""
