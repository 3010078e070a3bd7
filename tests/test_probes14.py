"""Session 14's outside-style programs (tests/probes14_programs.py: SciPy inside
objectives, complex numbers and FFTs with a real loss, class-based models) in grad, jvp,
hvp and, for the small ones, hessian: each check is correct against central differences
that have settled (tests/probes14_check.py), or, where listed in REFUSED, refused with a
located error naming the construct. Never wrong, never a crash."""

import numpy as np
import pytest
from probes14_check import CASES, MODES, check

# (program, mode) -> what the refusal names; the line it shows is checked to be located
REFUSED = {}
for _mode in ("grad", "jvp", "hvp", "hessian"):
    REFUSED.update({
        ("complex_builtin_arrays", _mode): "the attribute 'real' of 'z' is set",
        ("mlp_dict_loss", _mode): "construction of LinearLayer",
        ("sequential_flat", _mode): "construction of Dense",
        ("resnet_stack", _mode): "second name to the list",
        ("polynomial_class", _mode): "call to q",
        ("attention_setattr", _mode): "construction of Params",
        ("global_object_attribute_write", _mode): "the attribute 'w' of 'GLOBAL_MODEL' is set",
        ("object_state_updated_in_loop", _mode): "'self', whose attributes are set",
    })
for _mode in ("grad", "jvp", "hvp"):
    REFUSED[("qr_mode_r", _mode)] = "mode='r (as scipy.linalg.qr returns it)'"
    REFUSED[("eigh_generalized", _mode)] = "sla.eigh (too many positional arguments)"
for _name, _helper in (("cdist_rbf_mmd", "cdist_grad"), ("cdist_euclid_min", "cdist_grad"),
                       ("cdist_cityblock_kmeans", "cdist_grad"),
                       ("pdist_repulsion", "pdist_grad"), ("pdist_sq_kernel", "pdist_grad"),
                       ("squareform_stress", "pdist_grad")):
    REFUSED[(_name, "hvp")] = f"no derivative rule for {_helper}"
for _name, _modes in (("stats_entropy_softmax", ("hvp", "hessian")), ("entropy_kl_base", ("hvp",)),
                      ("entropy_axis", ("hvp",))):
    for _mode in _modes:
        REFUSED[(_name, _mode)] = "no derivative rule for entropy_grad"
for _mode in ("grad", "jvp", "hvp"):
    REFUSED[("class_counter_side_effect", _mode)] = "the attribute 'calls' of a type object"
    REFUSED[("classmethod_from_vector", _mode)] = "cannot differentiate the call to self.act()"
    REFUSED[("dict_of_layers_sorted", _mode)] = "a loop (or min, max, sorted) over a dict"
    REFUSED[("closure_layers", _mode)] = "nested function 'lambda_2' used as a value"
REFUSED.update({
    # (session 21: its held kernel is called, self.kernel(...); second order meets cdist's)
    ("gp_class", "hvp"): "no derivative rule for cdist_grad",
    ("gp_class", "hessian"): "no derivative rule for cdist_grad",
    ("cached_attribute_between_methods", "hvp"): "'m', whose attributes are set",
    ("hermitian_form_b", "hvp"): "np.vdot of complex values",
    ("complex_reductions", "hvp"): "np.prod of complex values",
    ("complex_reductions", "hessian"): "np.prod of complex values",
    ("complex_linear_solve", "hvp"): "np.linalg.solve of complex values",
    ("complex_einsum", "hvp"): "np.einsum of complex values",
})

CHECKS = [(name, mode) for name in CASES for mode in MODES
          if mode != "hessian" or CASES[name][3]]


@pytest.mark.parametrize("name, mode", CHECKS, ids=[f"{n}-{m}" for n, m in CHECKS])
def test_program(name, mode):
    outcome, detail = check(name, mode)
    expected = REFUSED.get((name, mode))
    if expected is None:
        assert outcome == "correct", detail
    else:
        assert outcome == "refused", f"{outcome}: {detail}"
        assert expected in detail, detail
        assert "probes14_programs.py\", line" in detail or "<pullback " in detail, detail


def test_refusals_listed_are_programs():
    assert {name for name, _ in REFUSED} <= set(CASES)


def test_train_loop_outside_grad():
    """An Adam loop over a dict of a class-based network's weights, calling the gradient
    at each step: each step's gradient agrees with differences at that step's weights,
    and the loss goes down."""
    from fd import numeric_grad
    from probes14_programs import net_table_act, train_net

    history, losses, X = train_net(steps=6)
    for params, g in history:
        for i, key in enumerate(("W1", "W2")):
            expected = numeric_grad(net_table_act, (params["W1"], params["W2"], X), wrt=i)
            np.testing.assert_allclose(g[key], expected, rtol=1e-5, atol=1e-7)
    assert losses[-1] < losses[0]
