"""Students' solutions to Stanford CS231n's NumPy assignments, differentiated by pullback.

Thousands of public repositories hold the assignments' `linear_svm.py`, `softmax.py`,
`layers.py` and `rnn_layers.py`, each a student's own forward pass (loops, fancy-index
writes, `np.maximum`, caches in tuples, parameters in dicts) beside the gradient the student
derived by hand. This tool loads those files from checkouts of such repositories, wraps
each forward function in a scalar objective (the loss, or the output contracted with a fixed
array) and checks pullback's grad, jvp and hvp of it against central differences, as
tools/outside.py judges them (settled differences; `wrong` and `crash` make the exit
status 1).

    git clone --depth 1 https://github.com/<someone>/<their-cs231n-solutions> /tmp/cs/a
    python -m tools.cs231n_suite /tmp/cs/a /tmp/cs/b ... [-v]

A function left as the assignment's skeleton (it returns None or raises) is skipped.
"""
