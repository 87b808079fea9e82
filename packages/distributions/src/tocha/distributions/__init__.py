"""tocha.distributions: probability distributions, sampling and KL divergences (``torch.distributions``).

This is the ``tocha-distributions`` distribution, built on tocha-tensor-core and tocha-autograd only. Every
family has PyTorch's name, parameters, constraints, shapes (NOTE [ Distribution shapes ] in
:mod:`tocha.distributions.distribution`) and validation errors; reparameterised families (``has_rsample``) pass
gradients through their samples.

Example:
    >>> import tocha
    >>> from tocha.distributions import Normal, kl_divergence
    >>> p = Normal(tocha.tensor([0.0]), tocha.tensor([1.0]))
    >>> kl_divergence(p, Normal(tocha.tensor([1.0]), tocha.tensor([1.0])))
    tensor([0.5000])
"""

import importlib as _importlib

from . import constraints as constraints
from .bernoulli import Bernoulli as Bernoulli
from .distribution import Distribution as Distribution
from .exp_family import ExponentialFamily as ExponentialFamily
from .kl import kl_divergence as kl_divergence
from .kl import register_kl as register_kl
from .normal import Normal as Normal

# Scaffold while the families are written in parallel: modules that do not exist yet are skipped.
_PLAN = {
    "transforms": ["AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
                   "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform",
                   "LowerCholeskyTransform", "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform",
                   "SigmoidTransform", "SoftplusTransform", "TanhTransform", "SoftmaxTransform", "StackTransform",
                   "StickBreakingTransform", "Transform", "identity_transform"],
    "constraint_registry": ["biject_to", "transform_to"],
    "transformed_distribution": ["TransformedDistribution"],
    "independent": ["Independent"],
    "uniform": ["Uniform"], "exponential": ["Exponential"], "cauchy": ["Cauchy"], "gamma": ["Gamma"],
    "chi2": ["Chi2"], "beta": ["Beta"], "dirichlet": ["Dirichlet"], "studentT": ["StudentT"],
    "laplace": ["Laplace"], "fishersnedecor": ["FisherSnedecor"], "von_mises": ["VonMises"],
    "continuous_bernoulli": ["ContinuousBernoulli"],
    "log_normal": ["LogNormal"], "half_normal": ["HalfNormal"], "half_cauchy": ["HalfCauchy"],
    "gumbel": ["Gumbel"], "weibull": ["Weibull"], "pareto": ["Pareto"], "logistic_normal": ["LogisticNormal"],
    "kumaraswamy": ["Kumaraswamy"], "relaxed_bernoulli": ["RelaxedBernoulli"],
    "relaxed_categorical": ["RelaxedOneHotCategorical"], "inverse_gamma": ["InverseGamma"],
    "generalized_pareto": ["GeneralizedPareto"],
    "categorical": ["Categorical"], "one_hot_categorical": ["OneHotCategorical", "OneHotCategoricalStraightThrough"],
    "binomial": ["Binomial"], "multinomial": ["Multinomial"], "poisson": ["Poisson"], "geometric": ["Geometric"],
    "negative_binomial": ["NegativeBinomial"],
    "multivariate_normal": ["MultivariateNormal"], "lowrank_multivariate_normal": ["LowRankMultivariateNormal"],
    "wishart": ["Wishart"], "lkj_cholesky": ["LKJCholesky"], "mixture_same_family": ["MixtureSameFamily"],
    "kl_continuous": [], "kl_discrete": [], "kl_multivariate": [], "kl_transformed": [],
}  # fmt: skip
for _module, _names in _PLAN.items():
    try:
        _m = _importlib.import_module(f".{_module}", __name__)
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_module}":
            raise
        continue
    globals().update({_n: getattr(_m, _n) for _n in _names})
