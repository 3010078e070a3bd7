"""Stage 6: generate derivative code from the analysed SSA function.

- `reverse.py`: reverse mode (gradient, vjp): the primal sweep with its records, then
  the adjoint sweep;
- `forward.py`: forward mode (jvp): each primal statement followed by its tangent.
"""
