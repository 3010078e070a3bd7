"""Differentiate statsmodels' published log-likelihoods with pullback: models written by
other people in plain NumPy and SciPy, each with a hand-written analytic `score` and
`hessian` to compare against besides differences. Objectives are written the way a user of
the library writes them, calling the installed library's code (not a copy), the model built
outside the objective on small synthetic data:

    model = sm.Logit(y, X)
    objective = lambda params: model.loglike(params)        # and loglikeobs(params).sum()

- discrete: Logit, Probit, Poisson (with offset and exposure), NegativeBinomial (nb2, nb1,
  geometric), NegativeBinomialP, GeneralizedPoisson, MNLogit, the zero-inflated models,
  the truncated and hurdle count models, the conditional Logit and Poisson;
- glm: GLM(family=...).loglike for each family and its links (scale fixed, and profiled),
  the families' own loglike in the mean, the links and their hand-written derivatives;
- regression: OLS, WLS, GLS loglike (concentrated and at a given scale);
- misc: GenericLikelihoodModel subclasses (the t linear model, the ordered model, the
  miscmodels count models, a user's own subclass), the beta regression, Cox's PHReg;
- robust: the robust norms' rho, psi (against their psi and psi_deriv) and scale estimates;
- tsa: AutoReg, and the state-space models (SARIMAX, ARIMA), whose Kalman filter is
  compiled code: refused, with the call named.

Each objective's grad, jvp and hvp along a random direction are judged against central
differences as tools/outside.py judges them. Where the model has an analytic `score` and
`hessian`, pullback's gradient is also compared with the score and its hvp with
`hessian(params) @ v`: a check pullback gets right while the library's own derivative
disagrees with both pullback and the differences is reported as `their bug` (not counted
against pullback); one that the differences leave unsettled is `correct` when it agrees
with theirs. Models whose score is numerical (statsmodels.tools.numdiff) get no reference.

statsmodels is a third-party library written in Python: pullback transforms its methods from
source as it does a user's (it is not one of the numeric libraries in
pullback.frontend.parse.LIBRARIES, whose code only registered rules differentiate); what
statsmodels calls in NumPy and SciPy goes through pullback's rules, and compiled code
(statsmodels' Cython Kalman filter) is refused.

statsmodels is not a dependency of pullback; install it for a run:

    pip install statsmodels
    python -m tools.statsmodels_suite                 # rows that are not correct
    python -m tools.statsmodels_suite -v glm robust   # some groups, every row

Without statsmodels the tool says so and exits with status 0. The process exits with status
1 on any wrong or crash.
"""
