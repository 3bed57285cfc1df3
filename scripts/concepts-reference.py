"""Reference values for the TCAV pieces (test/embedding/concepts.test.ts), from scikit-learn and SciPy.

Run with the Debian Python that has them: /usr/bin/python3 scripts/concepts-reference.py
Writes test/data/reference/concepts/reference.json:
- logistic: two small data sets (more rows than columns, and more columns than rows) with
  sklearn LogisticRegression(C=1, penalty l2, newton-cholesky at tol 1e-14: lbfgs stops with gradients near 1e-5) coefficients and intercepts;
- ttest: pairs of samples with scipy.stats.ttest_ind (Student, equal variances, two-sided) t and p;
- t_sf: two-sided tail probabilities 2 * scipy.stats.t.sf(|t|, df).
"""
import json

import numpy as np
import scipy
import scipy.stats
import sklearn
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261129)


def logistic_case(n, d, shift):
    x = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 0.5).astype(int)
    x[y == 1, 0] += shift
    model = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(x, y)
    return {"n": n, "d": d, "x": x.ravel().tolist(), "y": y.tolist(),
            "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0])}


ttests = []
for n1, n2, shift in [(10, 10, 0.3), (5, 8, 1.5), (20, 20, 0.0), (4, 4, 3.0)]:
    a = rng.uniform(size=n1)
    b = rng.uniform(size=n2) + shift
    r = scipy.stats.ttest_ind(a, b)
    ttests.append({"a": a.tolist(), "b": b.tolist(), "t": float(r.statistic), "p": float(r.pvalue)})

t_sf = [{"t": t, "df": df, "p": float(2 * scipy.stats.t.sf(abs(t), df))}
        for t, df in [(0.5, 3), (2.1, 18), (-4.0, 7), (10.0, 38), (0.01, 1), (1.7, 100)]]

out = {
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
    "logistic": [logistic_case(40, 5, 2.0), logistic_case(12, 30, 1.0)],
    "ttest": ttests,
    "t_sf": t_sf,
}
with open("test/data/reference/concepts/reference.json", "w") as f:
    json.dump(out, f)
print("wrote test/data/reference/concepts/reference.json", out["versions"])
