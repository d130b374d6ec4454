"""Multiple systems estimation: how many victims no list recorded, with an interval.

Three methods share one input (:class:`CaptureHistories`) and one output (:class:`Estimate`):

- ``loglinear``: Poisson log-linear models over the lists' interactions, averaged by AIC/BIC;
- ``dga``: Bayesian model averaging over decomposable graphical models (Madigan and York 1997);
- ``lcmcr``: the Bayesian latent-class model of Manrique-Vallier (2016), as HRDAG uses it.

No Python package implements these; they are written here with numpy/scipy/statsmodels and
checked against published results (tests/mse).
"""

from gavah.casualties.mse.patterns import CaptureHistories, Estimate

__all__ = ["CaptureHistories", "Estimate"]
