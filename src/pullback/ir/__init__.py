"""The intermediate representation every stage shares: gast trees plus small builders.

- `nodes.py`: builders for gast nodes and code templates (`quote`, `substitute`, `walk`);
- `naming.py`: fresh, readable names that never collide with the user's or the helpers';
- `annotations.py`: every fact a stage attaches to a node (its type, default, the stages
  that write and read it, its meaning), and the one way to set and read it.
"""
