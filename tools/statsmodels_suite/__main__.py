"""python -m tools.statsmodels_suite [GROUP ...] [-v]
(groups: discrete, glm, regression, misc, robust, tsa)"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

import numpy as np

import pullback

from ..outside import Report, attempt, close, differences, judge, run_groups

GROUPS = ("discrete", "glm", "regression", "misc", "robust", "tsa")


def check(report: Report, name: str, objective, x, score=None, hessian=None,
          reference: str = "score") -> None:
    """grad, jvp and hvp of objective(x) along a random direction against differences; the
    gradient also against the library's own `score` (an array like x) and the hvp against
    its `hessian` (a matrix), where it has them."""
    x = np.asarray(x, float)
    rng = np.random.default_rng(len(name))
    direction = rng.standard_normal(x.shape) * np.maximum(np.abs(x), 0.1)

    def value(step):
        return objective(x + step * direction)

    try:
        if not np.isfinite(float(objective(x))):
            report.add(name, "skipped", "the objective is not finite at the point")
            return
        estimates = differences(value, 0.0, 1.0)
    except Exception as error:  # noqa: BLE001 (the library fails at the point)
        report.add(name, "skipped", f"the objective fails: {error!r}"[:160])
        return
    gradient = attempt(report, f"{name} grad", lambda: pullback.grad(objective)(x.copy()))
    if gradient is not None:
        outcome, detail = judge(float(np.sum(np.asarray(gradient) * direction)), estimates)
        report.add(f"{name} grad", *_against(outcome, detail, gradient, score, reference))
    tangent = attempt(report, f"{name} jvp",
                      lambda: pullback.jvp(objective)(x.copy(), direction)[1])
    if tangent is not None:
        report.add(f"{name} jvp", *judge(tangent, estimates))
    product = attempt(report, f"{name} hvp",
                      lambda: pullback.hvp(objective)(x.copy(), direction))
    if product is not None and gradient is not None:
        grad = pullback.grad(objective)
        outcome, detail = judge(product, differences(lambda s: grad(x + s * direction),
                                                     0.0, 1.0))
        theirs = None if hessian is None else np.asarray(hessian) @ direction.ravel()
        report.add(f"{name} hvp", *_against(outcome, detail, np.ravel(product), theirs,
                                            "hessian"))


def _against(outcome: str, detail: str, ours, theirs, reference: str) -> tuple[str, str]:
    """The outcome judged against differences, then against the library's derivative."""
    if theirs is None:
        return outcome, detail
    agrees = close(np.ravel(ours), np.ravel(theirs), 1e-6)
    if outcome == "correct" and not agrees:
        return "their bug", f"their {reference} differs from pullback and the differences"
    if outcome == "unsettled" and agrees:
        return "correct", ""
    return outcome, detail


def _theirs(method, *args, **kwargs):
    """The library's own derivative, or None where it fails."""
    try:
        return np.asarray(method(*args, **kwargs), float)
    except Exception:  # noqa: BLE001 (no reference then)
        return None


def likelihood(report: Report, name: str, model, params, analytic: bool = True,
               **kwargs) -> None:
    """`model.loglike(params)` and `model.loglikeobs(params).sum()`, the first against the
    model's score and hessian where they are analytic (`analytic`)."""
    params = np.asarray(params, float)
    score = hessian = None
    if analytic:
        score = _theirs(model.score, params, **kwargs)
        hessian = _theirs(model.hessian, params, **kwargs)
    check(report, f"{name}.loglike", lambda p: model.loglike(p, **kwargs), params,
          score, hessian)
    if hasattr(model, "loglikeobs"):
        check(report, f"{name}.loglikeobs.sum",
              lambda p: model.loglikeobs(p, **kwargs).sum(), params)


def _data(seed: int, n: int = 40, k: int = 3):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, k - 1))])
    return rng, X


def _guard(report: Report, name: str, run, *args) -> None:
    """run(*args), a model the library cannot build (its version lacks it) listed as
    skipped."""
    try:
        run(*args)
    except Exception as error:  # noqa: BLE001 (not pullback's: listed)
        report.add(name, "skipped", f"{type(error).__name__}: {error}"[:160])


def discrete(report: Report, sm) -> None:
    from statsmodels.discrete import (
        conditional_models,
        count_model,
        discrete_model,
        truncated_model,
    )

    rng, X = _data(0)
    beta = np.array([0.3, -0.4, 0.2])
    binary = (rng.random(len(X)) < 1 / (1 + np.exp(-X @ beta))).astype(float)
    counts = rng.poisson(np.exp(X @ beta)).astype(float)
    counts_zero = np.where(rng.random(len(X)) < 0.3, 0.0, counts)
    offset, exposure = 0.1 * rng.standard_normal(len(X)), rng.uniform(0.5, 2.0, len(X))
    multi = rng.integers(0, 3, len(X)).astype(float)
    Z = X[:, :2]
    p, alpha = np.array([0.2, -0.3, 0.25]), 0.4
    cases = [
        ("Logit", lambda: discrete_model.Logit(binary, X), p, True),
        ("Probit", lambda: discrete_model.Probit(binary, X), p, True),
        ("Poisson", lambda: discrete_model.Poisson(counts, X), p, True),
        ("Poisson(offset, exposure)",
         lambda: discrete_model.Poisson(counts, X, offset=offset, exposure=exposure), p, True),
        ("NegativeBinomial(nb2)",
         lambda: discrete_model.NegativeBinomial(counts, X, loglike_method="nb2"),
         np.r_[p, alpha], True),
        ("NegativeBinomial(nb1)",
         lambda: discrete_model.NegativeBinomial(counts, X, loglike_method="nb1"),
         np.r_[p, alpha], True),
        ("NegativeBinomial(geometric)",
         lambda: discrete_model.NegativeBinomial(counts, X, loglike_method="geometric"), p,
         True),
        ("NegativeBinomialP(p=2)", lambda: discrete_model.NegativeBinomialP(counts, X, p=2),
         np.r_[p, alpha], True),
        ("NegativeBinomialP(p=1)", lambda: discrete_model.NegativeBinomialP(counts, X, p=1),
         np.r_[p, alpha], True),
        ("GeneralizedPoisson(p=1)",
         lambda: discrete_model.GeneralizedPoisson(counts, X, p=1), np.r_[p, 0.1], True),
        ("GeneralizedPoisson(p=2)",
         lambda: discrete_model.GeneralizedPoisson(counts, X, p=2), np.r_[p, 0.1], True),
        ("MNLogit", lambda: discrete_model.MNLogit(multi, X),
         np.array([0.1, -0.2, 0.3, 0.2, 0.1, -0.1]), True),
        ("ZeroInflatedPoisson",
         lambda: count_model.ZeroInflatedPoisson(counts_zero, X, exog_infl=Z),
         np.r_[-0.5, 0.2, p], True),
        ("ZeroInflatedNegativeBinomialP",
         lambda: count_model.ZeroInflatedNegativeBinomialP(counts_zero, X, exog_infl=Z),
         np.r_[-0.5, 0.2, p, alpha], True),
        ("ZeroInflatedGeneralizedPoisson",
         lambda: count_model.ZeroInflatedGeneralizedPoisson(counts_zero, X, exog_infl=Z),
         np.r_[-0.5, 0.2, p, 0.1], True),
        ("TruncatedLFPoisson",
         lambda: truncated_model.TruncatedLFPoisson(counts[counts > 0], X[counts > 0]), p,
         True),
        ("TruncatedLFNegativeBinomialP",
         lambda: truncated_model.TruncatedLFNegativeBinomialP(counts[counts > 0],
                                                               X[counts > 0]),
         np.r_[p, alpha], True),
        ("HurdleCountModel(poisson)",
         lambda: truncated_model.HurdleCountModel(counts_zero, X, dist="poisson"),
         np.r_[p, 0.1, 0.2, -0.1], True),
        ("ConditionalLogit",
         lambda: conditional_models.ConditionalLogit(binary, X[:, 1:],
                                                     groups=np.arange(len(X)) // 5),
         p[1:], True),
        ("ConditionalPoisson",
         lambda: conditional_models.ConditionalPoisson(counts, X[:, 1:],
                                                       groups=np.arange(len(X)) // 5),
         p[1:], True),
    ]
    for name, make, params, analytic in cases:
        _guard(report, name, lambda name, make, params, analytic: likelihood(
            report, name, make(), params, analytic), name, make, params, analytic)


def glm(report: Report, sm) -> None:
    from statsmodels.genmod import families
    from statsmodels.genmod.families import links

    rng, X = _data(1)
    eta = X @ np.array([0.3, -0.2, 0.1])
    positive = np.exp(eta) * rng.gamma(4.0, 0.25, len(X))
    cases = [
        ("Gaussian", families.Gaussian, (links.Identity, links.Log, links.InversePower),
         eta + rng.standard_normal(len(X)) * 0.5 + 3.0),
        ("Binomial", families.Binomial,
         (links.Logit, links.Probit, links.CLogLog, links.LogLog, links.Cauchy, links.Log),
         (rng.random(len(X)) < 0.4).astype(float)),
        ("Poisson", families.Poisson, (links.Log, links.Sqrt, links.Identity),
         rng.poisson(np.exp(eta) + 1.0).astype(float)),
        ("Gamma", families.Gamma, (links.InversePower, links.Log, links.Identity), positive),
        ("InverseGaussian", families.InverseGaussian,
         (links.InverseSquared, links.Log, links.InversePower), positive),
        ("NegativeBinomial", lambda link: families.NegativeBinomial(link=link, alpha=0.5),
         (links.Log, links.Sqrt), rng.poisson(np.exp(eta) + 1.0).astype(float)),
        ("Tweedie(1.5)", lambda link: families.Tweedie(link=link, var_power=1.5),
         (links.Log,), positive),
    ]
    # a point where every link's mean is valid: a small positive linear predictor
    params = {"Log": [0.2, 0.1, -0.05], "Identity": [2.0, 0.1, -0.1],
              "Sqrt": [1.5, 0.1, -0.1], "InversePower": [0.5, 0.05, -0.03],
              "InverseSquared": [0.5, 0.02, -0.02], "Logit": [-0.3, 0.2, 0.1],
              "Probit": [-0.2, 0.1, 0.1], "CLogLog": [-0.5, 0.1, 0.1],
              "LogLog": [0.1, 0.1, 0.1], "Cauchy": [-0.3, 0.2, 0.1],
              "Log(binomial)": [-1.2, 0.05, 0.05]}
    for family_name, family, family_links, y in cases:
        for link in family_links:
            name = f"GLM({family_name}, {link.__name__})"
            key = "Log(binomial)" if family_name == "Binomial" and link is links.Log \
                else link.__name__

            def run(family=family, link=link, y=y, name=name, key=key,
                    family_name=family_name):
                model = sm.GLM(y, X, family=family(link()))
                at = np.asarray(params[key], float)
                # a scale other than 1 where the family estimates one (Binomial, Poisson
                # and NegativeBinomial have scale 1: their score ignores another)
                scale = 1.0 if family_name in ("Binomial", "Poisson", "NegativeBinomial") \
                    else 1.3
                check(report, f"{name}.loglike(scale={scale})",
                      lambda p: model.loglike(p, scale=scale), at,
                      _theirs(model.score, at, scale=scale),
                      _theirs(model.hessian, at, scale=scale))
                check(report, f"{name}.loglike", lambda p: model.loglike(p), at)

            _guard(report, name, run)
    _links(report, links, rng)
    _family_functions(report, families, rng)


def _links(report: Report, links, rng) -> None:
    """Each link, its inverse, and their hand-written derivatives."""
    mu = rng.uniform(0.2, 0.8, 6)
    z = rng.uniform(-1.0, 1.0, 6)
    positive = rng.uniform(0.5, 2.0, 6)
    for link_class in (links.Logit, links.Probit, links.CLogLog, links.LogLog, links.Cauchy,
                       links.Log, links.Identity, links.Sqrt, links.InversePower,
                       links.InverseSquared, links.LogC):
        name = link_class.__name__
        link = link_class()
        at = mu if name in ("Logit", "Probit", "CLogLog", "LogLog", "Cauchy", "LogC") \
            else positive
        inverse_at = z if name in ("Logit", "Probit", "CLogLog", "LogLog", "Cauchy",
                                   "Identity") else positive
        if name == "LogC":
            inverse_at = -positive
        _guard(report, name, _link_checks, report, name, link, at, inverse_at)


def _link_checks(report: Report, name: str, link, at, inverse_at) -> None:
    check(report, f"{name}()(mu).sum", lambda m: link(m).sum(), at,
          _theirs(link.deriv, at), np.diag(_theirs(link.deriv2, at)), "deriv")
    check(report, f"{name}().inverse(z).sum", lambda e: link.inverse(e).sum(), inverse_at,
          _theirs(link.inverse_deriv, inverse_at),
          np.diag(_theirs(link.inverse_deriv2, inverse_at)), "inverse_deriv")


def _family_functions(report: Report, families, rng) -> None:
    """A family's loglike and deviance as functions of the mean, its variance function."""
    y = rng.poisson(2.0, 6).astype(float) + 0.5
    mu = rng.uniform(0.8, 3.0, 6)
    binary = (rng.random(6) < 0.5).astype(float)
    for name, family, data, at in (
            ("Gaussian", families.Gaussian(), y, mu),
            ("Poisson", families.Poisson(), np.floor(y), mu),
            ("Gamma", families.Gamma(), y, mu),
            ("InverseGaussian", families.InverseGaussian(), y, mu),
            ("NegativeBinomial", families.NegativeBinomial(alpha=0.5), np.floor(y), mu),
            ("Binomial", families.Binomial(), binary, mu / 4),
            ("Tweedie(1.5)", families.Tweedie(var_power=1.5), y, mu)):
        _guard(report, name, _family_checks, report, name, family, data, at)


def _family_checks(report: Report, name: str, family, data, at) -> None:
    check(report, f"{name}().loglike(y, mu)", lambda m: family.loglike(data, m, scale=1.2),
          at)
    check(report, f"{name}().deviance(y, mu)", lambda m: family.deviance(data, m), at)
    check(report, f"{name}().variance(mu).sum", lambda m: family.variance(m).sum(), at,
          _theirs(family.variance.deriv, at), None, "variance.deriv")


def regression(report: Report, sm) -> None:
    rng, X = _data(2)
    y = X @ np.array([1.0, -0.5, 0.3]) + rng.standard_normal(len(X))
    weights = rng.uniform(0.5, 2.0, len(X))
    A = rng.standard_normal((len(X), len(X))) * 0.1
    sigma = A @ A.T + np.eye(len(X))
    p = np.array([0.8, -0.3, 0.4])
    for name, make in (("OLS", lambda: sm.OLS(y, X)), ("WLS", lambda: sm.WLS(y, X, weights)),
                       ("GLS", lambda: sm.GLS(y, X, sigma=sigma)),
                       ("GLS(diagonal sigma)", lambda: sm.GLS(y, X, sigma=weights))):
        def run(name=name, make=make):
            model = make()
            analytic = hasattr(model, "score") and name == "OLS"
            check(report, f"{name}.loglike", lambda b: model.loglike(b), p,
                  _theirs(model.score, p) if analytic else None,
                  _theirs(model.hessian, p) if analytic else None)
            if name == "OLS":
                check(report, f"{name}.loglike(scale=2.0)", lambda b: model.loglike(b, scale=2.0),
                      p, _theirs(model.score, p, scale=2.0) if analytic else None,
                      _theirs(model.hessian, p, scale=2.0) if analytic else None)
            if hasattr(model, "loglikeobs"):
                check(report, f"{name}.loglikeobs.sum", lambda b: model.loglikeobs(b).sum(), p)

        _guard(report, name, run)


def misc(report: Report, sm) -> None:
    from statsmodels.base.model import GenericLikelihoodModel

    rng, X = _data(3)
    y = X @ np.array([1.0, -0.5, 0.3]) + rng.standard_t(5, len(X))
    counts = rng.poisson(np.exp(X @ np.array([0.3, -0.2, 0.1]))).astype(float)
    p = np.array([0.8, -0.3, 0.4])

    def t_model():
        from statsmodels.miscmodels.tmodel import TLinearModel
        likelihood(report, "TLinearModel", TLinearModel(y, X), np.r_[p, 5.0, 1.2],
                   analytic=False)

    def ordered(distr):
        from statsmodels.miscmodels.ordinal_model import OrderedModel
        levels = np.digitize(y, [0.0, 1.0])
        model = OrderedModel(levels, X[:, 1:], distr=distr)
        likelihood(report, f"OrderedModel({distr})", model, np.r_[-0.3, 0.2, -0.2, 0.1],
                   analytic=distr in ("logit", "probit"))

    def count_gmle():
        from statsmodels.miscmodels import count
        likelihood(report, "PoissonGMLE", count.PoissonGMLE(counts, X),
                   np.array([0.3, -0.2, 0.1]), analytic=False)
        likelihood(report, "PoissonZiGMLE", count.PoissonZiGMLE(counts, X),
                   np.array([0.3, -0.2, 0.1, -1.0]), analytic=False)

    class MyProbit(GenericLikelihoodModel):
        """The probit of statsmodels' GenericLikelihoodModel example."""

        def nloglikeobs(self, params):
            from scipy import stats
            q = 2 * self.endog - 1
            return -stats.norm.logcdf(q * np.dot(self.exog, params))

    def my_probit():
        binary = (y > 0.5).astype(float)
        likelihood(report, "MyProbit(GenericLikelihoodModel)", MyProbit(binary, X), p * 0.3,
                   analytic=False)

    def beta_model():
        from statsmodels.othermod.betareg import BetaModel
        unit = 1 / (1 + np.exp(-(X @ np.array([0.2, 0.3, -0.2])
                                 + 0.5 * rng.standard_normal(len(X)))))
        likelihood(report, "BetaModel", BetaModel(unit, X), np.r_[0.2, 0.3, -0.2, 1.5])

    def phreg(ties):
        times = rng.exponential(1.0, len(X)).round(1) + 0.1
        status = (rng.random(len(X)) < 0.7).astype(float)
        model = sm.PHReg(times, X[:, 1:], status=status, ties=ties)
        likelihood(report, f"PHReg({ties})", model, np.array([0.3, -0.2]))

    for name, run in (("TLinearModel", t_model),
                      ("OrderedModel(probit)", lambda: ordered("probit")),
                      ("OrderedModel(logit)", lambda: ordered("logit")),
                      ("miscmodels.count", count_gmle), ("MyProbit", my_probit),
                      ("BetaModel", beta_model), ("PHReg(breslow)", lambda: phreg("breslow")),
                      ("PHReg(efron)", lambda: phreg("efron"))):
        _guard(report, name, run)


def robust(report: Report, sm) -> None:
    from statsmodels.robust import norms, scale

    rng = np.random.default_rng(4)
    z = rng.uniform(-4.0, 4.0, 12)
    for name, make in (("HuberT", norms.HuberT), ("TukeyBiweight", norms.TukeyBiweight),
                       ("Hampel", norms.Hampel), ("AndrewWave", norms.AndrewWave),
                       ("RamsayE", norms.RamsayE), ("TrimmedMean", norms.TrimmedMean),
                       ("LeastSquares", norms.LeastSquares),
                       ("TukeyQuartic", norms.TukeyQuartic), ("StudentT", norms.StudentT),
                       ("MQuantileNorm(0.3, HuberT)",
                        lambda: norms.MQuantileNorm(0.3, norms.HuberT()))):
        def run(name=name, make=make):
            norm = make()
            check(report, f"{name}().rho(x).sum", lambda x: norm.rho(x).sum(), z,
                  _theirs(norm.psi, z), np.diag(_theirs(norm.psi_deriv, z)), "psi")
            check(report, f"{name}()(x).sum", lambda x: np.sum(norm(x)), z)
            check(report, f"{name}().psi(x).sum", lambda x: norm.psi(x).sum(), z,
                  _theirs(norm.psi_deriv, z), None, "psi_deriv")
            check(report, f"{name}().weights(x) @ x", lambda x: norm.weights(x) @ x, z)

        _guard(report, name, run)
    x = rng.standard_normal(15)
    for name, objective in (("mad(x)", lambda x: scale.mad(x)),
                            ("mad(x, center=0)", lambda x: scale.mad(x, center=0.0)),
                            ("iqr(x)", lambda x: scale.iqr(x)),
                            ("qn_scale(x)", lambda x: scale.qn_scale(x)),
                            ("Huber()(x)[1]", lambda x: scale.Huber()(x)[1]),
                            ("HuberScale()(df, nobs, resid)",
                             lambda x: scale.HuberScale()(12, 15, x))):
        _guard(report, name, check, report, name, objective, x)


def tsa(report: Report, sm) -> None:
    rng = np.random.default_rng(5)
    e = rng.standard_normal(60)
    y = np.empty(60)
    y[0] = e[0]
    for t in range(1, 60):
        y[t] = 0.5 * y[t - 1] + e[t] + 0.3 * e[t - 1]

    def autoreg():
        from statsmodels.tsa.ar_model import AutoReg
        model = AutoReg(y, lags=2)
        check(report, "AutoReg(lags=2).loglike", lambda p: model.loglike(p),
              np.array([0.1, 0.4, -0.1]))

    def sarimax():
        model = sm.tsa.SARIMAX(y, order=(1, 0, 1))
        check(report, "SARIMAX(1,0,1).loglike", lambda p: model.loglike(p),
              np.array([0.5, 0.3, 1.0]))

    def arima():
        from statsmodels.tsa.arima.model import ARIMA
        model = ARIMA(y, order=(1, 0, 1))
        check(report, "ARIMA(1,0,1).loglike", lambda p: model.loglike(p),
              np.array([0.0, 0.5, 0.3, 1.0]))

    def arma_innovations():
        from statsmodels.tsa.innovations.arma_innovations import arma_loglike
        check(report, "arma_innovations.arma_loglike",
              lambda p: arma_loglike(y, ar_params=p[:1], ma_params=p[1:2], sigma2=p[2]),
              np.array([0.5, 0.3, 1.0]))

    for name, run in (("AutoReg", autoreg), ("SARIMAX", sarimax), ("ARIMA", arima),
                      ("arma_innovations", arma_innovations)):
        _guard(report, name, run)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.statsmodels_suite")
    parser.add_argument("groups", nargs="*", help=f"only these of {', '.join(GROUPS)}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show correct rows too")
    opts = parser.parse_args(argv)
    if set(opts.groups) - set(GROUPS):
        parser.error(f"groups are {', '.join(GROUPS)}")
    try:
        sm = importlib.import_module("statsmodels.api")
    except ImportError:
        print("statsmodels is not installed (it is not a dependency of pullback): "
              "pip install statsmodels, then run this again")
        return 0
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    runs = dict(zip(GROUPS, (discrete, glm, regression, misc, robust, tsa)))
    return run_groups(runs, opts.groups, opts.verbose, sm)


if __name__ == "__main__":
    sys.exit(main())
