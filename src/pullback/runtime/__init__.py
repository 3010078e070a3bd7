"""What generated code calls while it runs.

- `helpers.py`: gradient accumulation, unbroadcasting, records, guards;
- `objects.py`: calls of methods and callable objects, resolved by the object's class
  when the gradient runs;
- `method_tangents.py`: forward and reverse mode through those calls of a gradient (hvp,
  hessian, grad of grad).
"""
