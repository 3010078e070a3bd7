"""Second derivatives of scipy.stats' cdfs at an infinite argument (an ordered model's
outer thresholds, -inf and inf, as statsmodels' OrderedModel writes its likelihood
cdf(upper - xb) - cdf(lower - xb); no statsmodels here): the density there is 0 and so is
the derivative, where 0 * inf gave nan in hvp. grad, jvp and hvp against differences."""

from __future__ import annotations

import numpy as np
import pytest
from fd import assert_derivatives_match
from scipy import stats

THRESHOLDS = np.array([-np.inf, -0.4, 0.7, np.inf])
LEVELS = np.array([0, 2, 1, 0, 2])


def ordered_probit(x):
    low, upp = THRESHOLDS[LEVELS] - x, THRESHOLDS[LEVELS + 1] - x
    return np.sum(np.log(stats.norm.cdf(upp) - stats.norm.cdf(low)))


def ordered_logit(x):
    low, upp = THRESHOLDS[LEVELS] - x, THRESHOLDS[LEVELS + 1] - x
    return np.sum(np.log(stats.logistic.cdf(upp) - stats.logistic.cdf(low)))


def upper_tail_times_x(x):
    return np.sum(stats.norm.cdf(np.array([0.5, np.inf, 1.0, np.inf, -0.2]) - x) * x)


def survival_with_scale(x):
    return np.sum(stats.cauchy.sf(THRESHOLDS[LEVELS + 1], loc=x, scale=1.5) * x)


@pytest.mark.parametrize("f", [ordered_probit, ordered_logit, upper_tail_times_x,
                               survival_with_scale])
def test_infinite_thresholds(f):
    assert_derivatives_match(f, (np.array([0.2, -0.3, 0.1, 0.4, -0.1]),))
