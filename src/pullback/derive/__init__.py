"""Stage 6: generate derivative code from the analysed SSA function.

- `reverse.py`: reverse mode (gradient, vjp): `Reverse`, the primal sweep with its
  records, then the adjoint sweep; built from
  - `adjoints.py`: the adjoint of each statement kind,
  - `records.py`: what the primal saves for the adjoint (the tape) and how loops replay,
  - `assemble.py`: the generated functions, their entry guards and returned gradients,
  - `loop_optimizations.py`: values loops need not save, hoisting, deferred sums;
- `forward.py`: forward mode (jvp): each primal statement followed by its tangent.
"""
