"""The intermediate representation every stage shares: gast trees plus small builders.

- `nodes.py`: builders for gast nodes and code templates (`quote`, `substitute`, `walk`);
- `naming.py`: fresh, readable names that never collide with the user's or the helpers'.
"""
